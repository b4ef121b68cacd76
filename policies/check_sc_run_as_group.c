/* securityContext.runAsGroup (securityContext family).
 * Restricts: the effective runAsGroup of every container (init, regular,
 *   ephemeral): the container's securityContext.runAsGroup, else
 *   spec.securityContext.runAsGroup, as the kubelet resolves it.
 * Allowed: a value within the rule's {min, max} (inclusive; an absent bound is
 *   open). Unset fails: the image's group is unknown here, and admitd does not
 *   mutate pods to set one.
 * PodSecurityPolicy: runAsGroup.rule MustRunAs with ranges. */
#include "sc_rule.h"

#define ID "securityContext.runAsGroup"

static bool active(const struct adm_rule_settings *rule) {
  return adm_rule_sc(rule)->run_as_group.set;
}

static bool run_as_group(const struct adm_security_common *sc, int64_t *v) {
  *v = sc->run_as_group;
  return sc->has_run_as_group;
}

static void check(const struct adm_rule_ctx *ctx) {
  const struct adm_pod *pod = ctx->pod;
  struct adm_findings *out = ctx->out;
  adm__sc_check_id(pod, ID, "runAsGroup", &adm_rule_sc(ctx->settings)->run_as_group, run_as_group, out);
}

const struct adm_rule_check adm_check_sc_run_as_group = {
    .id = ID,
    .family = ADM_FAMILY_SECURITY_CONTEXT,
    .summary = "every container's effective runAsGroup must be set and within the rule's range",
    .active = active,
    .check = check,
    .linux_only = true,
};
