/* securityContext.readOnlyRootFilesystem (securityContext family).
 * Restricts: every container's securityContext.readOnlyRootFilesystem (init,
 *   regular and ephemeral containers; there is no pod-level field).
 * Allowed: true. Unset fails: the container runtime defaults to a writable
 *   root filesystem, and admitd does not mutate pods.
 * PodSecurityPolicy: readOnlyRootFilesystem. */
#include "admitd/family.h"
#include "internal.h"

#define ID "securityContext.readOnlyRootFilesystem"

static bool active(const void *rule) {
  return ((const struct adm_sc_rule *)rule)->require_read_only_root_filesystem;
}

/* `containers "a", "b" <verb> securityContext.readOnlyRootFilesystem...; it must be true` */
static void report(struct adm_findings *out, const struct adm__names *names, const char *one, const char *many) {
  if (names->n == 0)
    return;
  struct adm_sb sb;
  adm_sb_init(&sb, out->arena);
  adm__add_containers(&sb, names);
  adm_sb_add(&sb, adm__plural(one, many, names->n));
  adm_sb_add(&sb, "; it must be true");
  adm_findings_add(out, ID, adm_sb_str(&sb));
}

static void check(const struct adm_pod *pod, const void *rule, struct adm_findings *out) {
  (void)rule;
  struct adm__names unset, writable;
  adm__names_init(&unset, out->arena);
  adm__names_init(&writable, out->arena);
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    enum adm_tri v = c->sc.present ? c->sc.read_only_root_filesystem : ADM_UNSET;
    if (v == ADM_UNSET)
      adm__names_add(&unset, c->name);
    else if (v == ADM_FALSE)
      adm__names_add(&writable, c->name);
  }
  report(out, &unset, " does not set securityContext.readOnlyRootFilesystem",
         " do not set securityContext.readOnlyRootFilesystem");
  report(out, &writable, " sets securityContext.readOnlyRootFilesystem=false",
         " set securityContext.readOnlyRootFilesystem=false");
}

const struct adm_rule_check adm_check_sc_read_only_root_filesystem = {
    .id = ID,
    .family = ADM_FAMILY_SECURITY_CONTEXT,
    .summary = "every container must set readOnlyRootFilesystem: true",
    .active = active,
    .check = check,
    .linux_only = true,
};
