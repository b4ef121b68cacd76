/* securityContext.readOnlyRootFilesystem (securityContext family).
 * Restricts: every container's securityContext.readOnlyRootFilesystem (init,
 *   regular and ephemeral containers; there is no pod-level field).
 * Allowed: true. Unset fails: the container runtime defaults to a writable
 *   root filesystem, and admitd does not mutate pods.
 * PodSecurityPolicy: readOnlyRootFilesystem. */
#include "sc_rule.h"

#define ID "securityContext.readOnlyRootFilesystem"

static bool active(const struct adm_rule_settings *rule) {
  return adm_rule_sc(rule)->require_read_only_root_filesystem;
}

static enum adm_tri read_only_root_filesystem(const struct adm_container_security *sc) {
  return sc->read_only_root_filesystem;
}

static void check(const struct adm_rule_ctx *ctx) {
  const struct adm_pod *pod = ctx->pod;
  struct adm_findings *out = ctx->out;
  adm__sc_require_bool(pod, ID, "readOnlyRootFilesystem", true, read_only_root_filesystem, out);
}

const struct adm_rule_check adm_check_sc_read_only_root_filesystem = {
    .id = ID,
    .family = ADM_FAMILY_SECURITY_CONTEXT,
    .summary = "every container must set readOnlyRootFilesystem: true",
    .active = active,
    .check = check,
    .linux_only = true,
};
