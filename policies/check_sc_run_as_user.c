/* securityContext.runAsUser (securityContext family).
 * Restricts: the effective runAsUser of every container (init, regular,
 *   ephemeral): the container's securityContext.runAsUser, else
 *   spec.securityContext.runAsUser, as the kubelet resolves it.
 * Allowed: a value within the rule's {min, max} (inclusive; an absent bound is
 *   open). Unset fails: the image's user is unknown here, and admitd does not
 *   mutate pods to set one.
 * PodSecurityPolicy: runAsUser.rule MustRunAs with ranges. */
#include <inttypes.h>

#include "admitd/family.h"
#include "internal.h"

#define ID "securityContext.runAsUser"

static bool active(const void *rule) {
  return ((const struct adm_sc_rule *)rule)->run_as_user.set;
}

static bool in_range(const struct adm_id_range *r, int64_t v) {
  return (!r->has_min || v >= r->min) && (!r->has_max || v <= r->max);
}

/* "; allowed: 1000 to 2000" (or "1000 or more", "2000 or less", "any value") */
static void add_allowed(struct adm_sb *sb, const struct adm_id_range *r) {
  if (r->has_min && r->has_max)
    adm_sb_addf(sb, "; allowed: %" PRId64 " to %" PRId64, r->min, r->max);
  else if (r->has_min)
    adm_sb_addf(sb, "; allowed: %" PRId64 " or more", r->min);
  else if (r->has_max)
    adm_sb_addf(sb, "; allowed: %" PRId64 " or less", r->max);
  else
    adm_sb_add(sb, "; allowed: any value");
}

static void check(const struct adm_pod *pod, const void *rule, struct adm_findings *out) {
  const struct adm_id_range *r = &((const struct adm_sc_rule *)rule)->run_as_user;
  bool pod_sets = pod->sc.present && pod->sc.common.has_run_as_user;
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    bool own = c->sc.present && c->sc.common.has_run_as_user;
    int64_t v = own ? c->sc.common.run_as_user : pod->sc.common.run_as_user;
    if ((own || pod_sets) && in_range(r, v))
      continue;
    struct adm_sb sb;
    adm_sb_init(&sb, out->arena);
    if (own)
      adm_sb_addf(&sb, "container \"%s\" sets securityContext.runAsUser=%" PRId64, c->name, v);
    else if (pod_sets)
      adm_sb_addf(&sb, "container \"%s\" inherits spec.securityContext.runAsUser=%" PRId64, c->name, v);
    else
      adm_sb_addf(&sb, "container \"%s\" sets no runAsUser in securityContext or spec.securityContext", c->name);
    add_allowed(&sb, r);
    adm_findings_add(out, ID, adm_sb_str(&sb));
  }
}

const struct adm_rule_check adm_check_sc_run_as_user = {
    .id = ID,
    .family = ADM_FAMILY_SECURITY_CONTEXT,
    .summary = "every container's effective runAsUser must be set and within the rule's range",
    .active = active,
    .check = check,
    .linux_only = true,
};
