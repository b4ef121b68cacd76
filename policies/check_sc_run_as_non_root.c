/* securityContext.runAsNonRoot (securityContext family).
 * Restricts: the effective runAsNonRoot and runAsUser of every container (init,
 *   regular, ephemeral): securityContext.runAsNonRoot / .runAsUser of the
 *   container, else spec.securityContext's, as the kubelet resolves them.
 * Allowed: runAsNonRoot true, or a runAsUser other than 0. Unlike Pod
 *   Security's restricted check this applies at any level and whatever
 *   spec.hostUsers says, and a non-zero runAsUser is enough on its own.
 * PodSecurityPolicy: runAsUser.rule MustRunAsNonRoot. */
#include <inttypes.h>

#include "admitd/family.h"
#include "internal.h"

#define ID "securityContext.runAsNonRoot"

static bool active(const struct adm_rule_settings *rule) {
  return adm_rule_sc(rule)->require_run_as_non_root;
}

/* The security context that sets a field for c: its own, else the pod's. */
static const char *source(bool container_sets) {
  return container_sets ? "securityContext" : "spec.securityContext";
}

static void check(const struct adm_rule_ctx *ctx) {
  const struct adm_pod *pod = ctx->pod;
  struct adm_findings *out = ctx->out;
  const struct adm_security_common *ps = pod->sc.present ? &pod->sc.common : NULL;
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    const struct adm_security_common *cs = c->sc.present ? &c->sc.common : NULL;
    bool own_nr = cs && cs->run_as_non_root != ADM_UNSET;
    enum adm_tri non_root = own_nr ? cs->run_as_non_root : ps ? ps->run_as_non_root : ADM_UNSET;
    bool own_uid = cs && cs->has_run_as_user;
    bool has_uid = own_uid || (ps && ps->has_run_as_user);
    int64_t uid = own_uid ? cs->run_as_user : has_uid ? ps->run_as_user : 0;
    if (non_root == ADM_TRUE || (has_uid && uid != 0))
      continue;
    struct adm_sb sb;
    adm_sb_init(&sb, out->arena);
    adm_sb_addf(&sb, "container \"%s\" has ", c->name);
    if (non_root == ADM_UNSET)
      adm_sb_add(&sb, "runAsNonRoot unset");
    else
      adm_sb_addf(&sb, "runAsNonRoot=false (%s)", source(own_nr));
    if (has_uid)
      adm_sb_addf(&sb, " and runAsUser=%" PRId64 " (%s)", uid, source(own_uid));
    else
      adm_sb_add(&sb, " and runAsUser unset");
    adm_sb_add(&sb, "; it must have runAsNonRoot=true or a runAsUser other than 0, "
                    "in securityContext or spec.securityContext");
    adm_findings_add(out, ID, adm_sb_str(&sb));
  }
}

const struct adm_rule_check adm_check_sc_run_as_non_root = {
    .id = ID,
    .family = ADM_FAMILY_SECURITY_CONTEXT,
    .summary = "every container must run as non-root: runAsNonRoot true or a non-zero runAsUser",
    .active = active,
    .check = check,
};
