/* securityContext.hostAliases (securityContext family).
 * Restricts: spec.hostAliases, the entries the kubelet writes into every
 *   container's /etc/hosts.
 * Allowed: no entries (absent, null or an empty list).
 * Not in PodSecurityPolicy. */
#include "admitd/family.h"
#include "internal.h"

#define ID "securityContext.hostAliases"

static bool active(const struct adm_rule_settings *rule) {
  return adm_rule_sc(rule)->forbid_host_aliases;
}

static void check(const struct adm_rule_ctx *ctx) {
  const struct adm_pod *pod = ctx->pod;
  struct adm_findings *out = ctx->out;
  if (pod->n_host_aliases == 0)
    return;
  adm_findings_addf(out, ID, "pod sets spec.hostAliases (%zu %s); it must have none", pod->n_host_aliases,
                    adm__plural("entry", "entries", pod->n_host_aliases));
}

const struct adm_rule_check adm_check_sc_host_aliases = {
    .id = ID,
    .family = ADM_FAMILY_SECURITY_CONTEXT,
    .summary = "pods must not set hostAliases",
    .active = active,
    .check = check,
};
