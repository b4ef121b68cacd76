/* procMount_restricted (restricted).
 * Restricts: every container's securityContext.procMount.
 * Allowed: unset or "Default", whatever spec.hostUsers says.
 * Versions: 1.35 introduced, overriding the relaxed baseline procMount. */
#include "proc_mount.h"

static const char *const overrides[] = {"procMount", NULL};

const struct adm_check adm_check_proc_mount_restricted = {
    .id = "procMount_restricted",
    .level = ADM_LEVEL_RESTRICTED,
    .summary = "the default /proc mask, even in a user namespace",
    .versions = {{35, adm__proc_mount_v1_0, overrides}},
};
