/* securityContext.allowPrivilegeEscalation (securityContext family).
 * Restricts: every container's securityContext.allowPrivilegeEscalation
 *   (init, regular and ephemeral containers; there is no pod-level field).
 * Allowed: false. Unset fails: Linux allows escalation (no_new_privs is not
 *   set) unless the field says otherwise, and admitd does not mutate pods.
 *   Unlike Pod Security's restricted check, Windows pods are not exempt: a
 *   rule that asks for the field gets it.
 * PodSecurityPolicy: allowPrivilegeEscalation: false (with
 *   defaultAllowPrivilegeEscalation, which admitd cannot apply). */
#include "admitd/family.h"
#include "internal.h"

#define ID "securityContext.allowPrivilegeEscalation"

static bool active(const void *rule) {
  return ((const struct adm_sc_rule *)rule)->require_no_privilege_escalation;
}

/* `containers "a", "b" <verb> securityContext.allowPrivilegeEscalation...; it must be false` */
static void report(struct adm_findings *out, const struct adm__names *names, const char *one, const char *many) {
  if (names->n == 0)
    return;
  struct adm_sb sb;
  adm_sb_init(&sb, out->arena);
  adm__add_containers(&sb, names);
  adm_sb_add(&sb, adm__plural(one, many, names->n));
  adm_sb_add(&sb, "; it must be false");
  adm_findings_add(out, ID, adm_sb_str(&sb));
}

static void check(const struct adm_pod *pod, const void *rule, struct adm_findings *out) {
  (void)rule;
  struct adm__names unset, allowed;
  adm__names_init(&unset, out->arena);
  adm__names_init(&allowed, out->arena);
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    enum adm_tri v = c->sc.present ? c->sc.allow_privilege_escalation : ADM_UNSET;
    if (v == ADM_UNSET)
      adm__names_add(&unset, c->name);
    else if (v == ADM_TRUE)
      adm__names_add(&allowed, c->name);
  }
  report(out, &unset, " does not set securityContext.allowPrivilegeEscalation",
         " do not set securityContext.allowPrivilegeEscalation");
  report(out, &allowed, " sets securityContext.allowPrivilegeEscalation=true",
         " set securityContext.allowPrivilegeEscalation=true");
}

const struct adm_rule_check adm_check_sc_allow_privilege_escalation = {
    .id = ID,
    .family = ADM_FAMILY_SECURITY_CONTEXT,
    .summary = "every container must set allowPrivilegeEscalation: false",
    .active = active,
    .check = check,
    .linux_only = true,
};
