/* securityContext.procMount (securityContext family).
 * Restricts: every container's securityContext.procMount (init, regular,
 *   ephemeral; there is no pod-level field).
 * Allowed: the types in the rule's allowedProcMountTypes ("Default",
 *   "Unmasked"), compared exactly. Unset counts as "Default", what the
 *   kubelet applies then.
 * PodSecurityPolicy: allowedProcMountTypes. */
#include "sc_rule.h"

#define ID "securityContext.procMount"

static bool active(const struct adm_rule_settings *rule) {
  return adm_rule_sc(rule)->has_allowed_proc_mount_types;
}

static void check(const struct adm_rule_ctx *ctx) {
  const struct adm_pod *pod = ctx->pod;
  struct adm_findings *out = ctx->out;
  const struct adm_names *allow = &adm_rule_sc(ctx->settings)->allowed_proc_mount_types;
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    const char *v = c->sc.present ? c->sc.proc_mount : NULL;
    const char *type = v ? v : "Default";
    bool ok = false;
    for (size_t j = 0; j < allow->n && !ok; j++)
      ok = strcmp(allow->items[j], type) == 0;
    if (ok)
      continue;
    struct adm_sb sb;
    adm_sb_init(&sb, out->arena);
    if (v)
      adm_sb_addf(&sb, "container \"%s\" sets securityContext.procMount=\"%s\"", c->name, v);
    else
      adm_sb_addf(&sb, "container \"%s\" does not set securityContext.procMount (\"Default\")", c->name);
    adm__sc_add_allowed_names(&sb, allow);
    adm_findings_add(out, ID, adm_sb_str(&sb));
  }
}

const struct adm_rule_check adm_check_sc_proc_mount = {
    .id = ID,
    .family = ADM_FAMILY_SECURITY_CONTEXT,
    .summary = "every container's procMount (unset: Default) must be in allowedProcMountTypes",
    .active = active,
    .check = check,
    .linux_only = true,
};
