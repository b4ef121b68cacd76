/* securityContext.runAsUser (securityContext family).
 * Restricts: the effective runAsUser of every container (init, regular,
 *   ephemeral): the container's securityContext.runAsUser, else
 *   spec.securityContext.runAsUser, as the kubelet resolves it.
 * Allowed: a value within the rule's {min, max} (inclusive; an absent bound is
 *   open). Unset fails: the image's user is unknown here, and admitd does not
 *   mutate pods to set one.
 * PodSecurityPolicy: runAsUser.rule MustRunAs with ranges. */
#include "sc_rule.h"

#define ID "securityContext.runAsUser"

static bool active(const struct adm_rule_settings *rule) {
  return adm_rule_sc(rule)->run_as_user.set;
}

static bool run_as_user(const struct adm_security_common *sc, int64_t *v) {
  *v = sc->run_as_user;
  return sc->has_run_as_user;
}

static void check(const struct adm_rule_ctx *ctx) {
  const struct adm_pod *pod = ctx->pod;
  struct adm_findings *out = ctx->out;
  adm__sc_check_id(pod, ID, "runAsUser", &adm_rule_sc(ctx->settings)->run_as_user, run_as_user, out);
}

const struct adm_rule_check adm_check_sc_run_as_user = {
    .id = ID,
    .family = ADM_FAMILY_SECURITY_CONTEXT,
    .summary = "every container's effective runAsUser must be set and within the rule's range",
    .active = active,
    .check = check,
    .linux_only = true,
};
