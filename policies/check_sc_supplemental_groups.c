/* securityContext.supplementalGroups (securityContext family).
 * Restricts: every entry of spec.securityContext.supplementalGroups (pod level
 *   only).
 * Allowed: entries within the rule's {min, max} (inclusive; an absent bound is
 *   open). No entries at all pass: supplemental groups only add access.
 * PodSecurityPolicy: supplementalGroups.rule MustRunAs with ranges (which also
 *   defaulted one group in; admitd does not mutate, so none is required). */
#include <inttypes.h>

#include "sc_rule.h"

#define ID "securityContext.supplementalGroups"

static bool active(const struct adm_rule_settings *rule) {
  return adm_rule_sc(rule)->supplemental_groups.set;
}

static void check(const struct adm_rule_ctx *ctx) {
  const struct adm_pod *pod = ctx->pod;
  struct adm_findings *out = ctx->out;
  const struct adm_id_range *r = &adm_rule_sc(ctx->settings)->supplemental_groups;
  if (!pod->sc.present)
    return;
  struct adm_sb sb;
  adm_sb_init(&sb, out->arena);
  size_t bad = 0;
  for (size_t i = 0; i < pod->sc.n_supplemental_groups; i++) {
    int64_t v = pod->sc.supplemental_groups[i];
    if (adm__sc_in_range(r, v))
      continue;
    adm_sb_addf(&sb, "%s%" PRId64, bad++ ? ", " : "", v);
  }
  if (bad == 0)
    return;
  struct adm_sb msg;
  adm_sb_init(&msg, out->arena);
  adm_sb_add(&msg, adm__plural("pod sets supplemental group ", "pod sets supplemental groups ", bad));
  adm_sb_add(&msg, adm_sb_str(&sb));
  adm_sb_add(&msg, " in spec.securityContext.supplementalGroups");
  adm__sc_add_allowed_range(&msg, r);
  adm_findings_add(out, ID, adm_sb_str(&msg));
}

const struct adm_rule_check adm_check_sc_supplemental_groups = {
    .id = ID,
    .family = ADM_FAMILY_SECURITY_CONTEXT,
    .summary = "every supplemental group of the pod must be within the rule's range",
    .active = active,
    .check = check,
    .linux_only = true,
};
