/* securityContext.fsGroup (securityContext family).
 * Restricts: spec.securityContext.fsGroup (pod level only).
 * Allowed: a value within the rule's {min, max} (inclusive; an absent bound is
 *   open). Unset fails: volumes would keep their own ownership, and admitd
 *   does not mutate pods to set one.
 * PodSecurityPolicy: fsGroup.rule MustRunAs with ranges. */
#include <inttypes.h>

#include "sc_rule.h"

#define ID "securityContext.fsGroup"

static bool active(const struct adm_rule_settings *rule) {
  return adm_rule_sc(rule)->fs_group.set;
}

static void check(const struct adm_rule_ctx *ctx) {
  const struct adm_pod *pod = ctx->pod;
  struct adm_findings *out = ctx->out;
  const struct adm_id_range *r = &adm_rule_sc(ctx->settings)->fs_group;
  bool set = pod->sc.present && pod->sc.has_fs_group;
  int64_t v = pod->sc.fs_group;
  if (set && adm__sc_in_range(r, v))
    return;
  struct adm_sb sb;
  adm_sb_init(&sb, out->arena);
  if (set)
    adm_sb_addf(&sb, "pod sets spec.securityContext.fsGroup=%" PRId64, v);
  else
    adm_sb_add(&sb, "pod does not set spec.securityContext.fsGroup");
  adm__sc_add_allowed_range(&sb, r);
  adm_findings_add(out, ID, adm_sb_str(&sb));
}

const struct adm_rule_check adm_check_sc_fs_group = {
    .id = ID,
    .family = ADM_FAMILY_SECURITY_CONTEXT,
    .summary = "the pod's fsGroup must be set and within the rule's range",
    .active = active,
    .check = check,
    .linux_only = true,
};
