/* securityContext.seccompProfile (securityContext family).
 * Restricts: the effective seccomp profile of every container (init, regular,
 *   ephemeral): the container's securityContext.seccompProfile, else
 *   spec.securityContext.seccompProfile.
 * Allowed: profiles matching an entry of the rule's allowedSeccompProfiles:
 *   "RuntimeDefault", "Unconfined", or "Localhost/<glob>" matched (fnmatch,
 *   no flags: "*" also matches "/") against localhostProfile. Unset fails:
 *   the kubelet's default is Unconfined unless it runs with
 *   --seccomp-default, which admitd cannot see. The legacy seccomp
 *   annotations, ignored by the kubelet since 1.27, are not read.
 * PodSecurityPolicy: the seccomp.security.alpha.kubernetes.io/allowedProfileNames
 *   annotation. */
#include "sc_rule.h"

#define ID "securityContext.seccompProfile"

static bool active(const struct adm_rule_settings *rule) {
  return adm_rule_sc(rule)->has_allowed_seccomp_profiles;
}

static void check(const struct adm_rule_ctx *ctx) {
  const struct adm_pod *pod = ctx->pod;
  struct adm_findings *out = ctx->out;
  const struct adm_names *allow = &adm_rule_sc(ctx->settings)->allowed_seccomp_profiles;
  const struct adm_profile *pp = pod->sc.present && pod->sc.common.seccomp.present ? &pod->sc.common.seccomp : NULL;
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    bool own = c->sc.present && c->sc.common.seccomp.present;
    const struct adm_profile *p = own ? &c->sc.common.seccomp : pp;
    if (p && adm__sc_profile_allowed(allow, p->type, p->localhost_profile))
      continue;
    struct adm_sb sb;
    adm_sb_init(&sb, out->arena);
    adm_sb_addf(&sb, "container \"%s\" ", c->name);
    if (p == NULL) {
      adm_sb_add(&sb, "sets no seccompProfile in securityContext or spec.securityContext");
    } else {
      adm_sb_addf(&sb, "uses seccomp profile \"%s", p->type);
      if (strcmp(p->type, "Localhost") == 0 && p->localhost_profile)
        adm_sb_addf(&sb, "/%s", p->localhost_profile);
      adm_sb_add(&sb, own ? "\" from securityContext.seccompProfile" : "\" from spec.securityContext.seccompProfile");
    }
    adm__sc_add_allowed_names(&sb, allow);
    adm_findings_add(out, ID, adm_sb_str(&sb));
  }
}

const struct adm_rule_check adm_check_sc_seccomp_profile = {
    .id = ID,
    .family = ADM_FAMILY_SECURITY_CONTEXT,
    .summary = "every container's effective seccomp profile must be set and in allowedSeccompProfiles",
    .active = active,
    .check = check,
    .linux_only = true,
};
