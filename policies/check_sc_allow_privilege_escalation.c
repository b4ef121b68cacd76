/* securityContext.allowPrivilegeEscalation (securityContext family).
 * Restricts: every container's securityContext.allowPrivilegeEscalation
 *   (init, regular and ephemeral containers; there is no pod-level field).
 * Allowed: false. Unset fails: Linux allows escalation (no_new_privs is not
 *   set) unless the field says otherwise, and admitd does not mutate pods.
 *   Windows pods are not judged (linux_only): the API server refuses the
 *   field on them, as it does every Linux-only control below.
 * PodSecurityPolicy: allowPrivilegeEscalation: false (with
 *   defaultAllowPrivilegeEscalation, which admitd cannot apply). */
#include "sc_rule.h"

#define ID "securityContext.allowPrivilegeEscalation"

static bool active(const struct adm_rule_settings *rule) {
  return adm_rule_sc(rule)->require_no_privilege_escalation;
}

static enum adm_tri allow_privilege_escalation(const struct adm_container_security *sc) {
  return sc->allow_privilege_escalation;
}

static void check(const struct adm_rule_ctx *ctx) {
  const struct adm_pod *pod = ctx->pod;
  struct adm_findings *out = ctx->out;
  adm__sc_require_bool(pod, ID, "allowPrivilegeEscalation", false, allow_privilege_escalation, out);
}

const struct adm_rule_check adm_check_sc_allow_privilege_escalation = {
    .id = ID,
    .family = ADM_FAMILY_SECURITY_CONTEXT,
    .summary = "every container must set allowPrivilegeEscalation: false",
    .active = active,
    .check = check,
    .linux_only = true,
};
