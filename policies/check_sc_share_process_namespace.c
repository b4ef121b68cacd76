/* securityContext.shareProcessNamespace (securityContext family).
 * Restricts: spec.shareProcessNamespace.
 * Allowed: false or unset (each container keeps its own PID namespace).
 * Not in PodSecurityPolicy. */
#include "admitd/family.h"
#include "internal.h"

#define ID "securityContext.shareProcessNamespace"

static bool active(const struct adm_rule_settings *rule) {
  return adm_rule_sc(rule)->forbid_share_process_namespace;
}

static void check(const struct adm_rule_ctx *ctx) {
  const struct adm_pod *pod = ctx->pod;
  struct adm_findings *out = ctx->out;
  if (pod->share_process_namespace == ADM_TRUE)
    adm_findings_add(out, ID, "pod sets spec.shareProcessNamespace=true; it must be false or unset");
}

const struct adm_rule_check adm_check_sc_share_process_namespace = {
    .id = ID,
    .family = ADM_FAMILY_SECURITY_CONTEXT,
    .summary = "pods must not share one process namespace between containers",
    .active = active,
    .check = check,
    .linux_only = true,
};
