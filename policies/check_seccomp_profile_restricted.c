/* seccompProfile_restricted (restricted).
 * Restricts: spec.securityContext.seccompProfile.type and every container's.
 * Allowed: RuntimeDefault or Localhost at pod level (containers may leave it
 *   unset) or on every container; anything else is forbidden.
 * Versions: 1.19 introduced (overrides seccompProfile_baseline); 1.25 exempts Windows pods. */
#include "seccomp.h"

static const char *const overrides[] = {"seccompProfile_baseline", NULL};

static struct adm_check_result seccomp_restricted_v1_19(const struct adm_pod *pod, struct adm_arena *a) {
  struct adm__names setters, explicit_bad, implicit_bad, values;
  adm__names_init(&setters, a);
  adm__names_init(&explicit_bad, a);
  adm__names_init(&implicit_bad, a);
  adm__names_init(&values, a);
  bool pod_set = false;
  const struct adm_profile *pp = &pod->sc.common.seccomp;
  if (pod->sc.present && pp->present) {
    if (!adm__valid_seccomp_type(pp->type)) {
      adm__names_add(&setters, "pod");
      adm__names_add(&values, pp->type);
    } else {
      pod_set = true;
    }
  }
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    const struct adm_profile *p = &c->sc.common.seccomp;
    if (c->sc.present && p->present) {
      if (!adm__valid_seccomp_type(p->type)) {
        adm__names_add(&explicit_bad, c->name);
        adm__names_add(&values, p->type);
      }
    } else if (!pod_set) {
      adm__names_add(&implicit_bad, c->name);
    }
  }
  adm__setters_add_containers(&setters, &explicit_bad);
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  if (setters.n > 0) {
    adm__names_sort_unique(&values);
    adm_sb_add_list(&sb, setters.items, setters.n, " and ");
    adm_sb_add(&sb, " must not set securityContext.seccompProfile.type to ");
    adm_sb_add_quoted_list(&sb, values.items, values.n);
    return adm__deny("seccompProfile", &sb);
  }
  if (implicit_bad.n > 0) {
    adm_sb_add(&sb, "pod or ");
    adm__add_containers(&sb, &implicit_bad);
    adm_sb_add(&sb, " must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"");
    return adm__deny("seccompProfile", &sb);
  }
  return ADM__ALLOWED;
}

static struct adm_check_result seccomp_restricted_v1_25(const struct adm_pod *pod, struct adm_arena *a) {
  /* Windows pods cannot set seccomp. */
  if (adm__is_windows(pod))
    return ADM__ALLOWED;
  return seccomp_restricted_v1_19(pod, a);
}

const struct adm_check adm_check_seccomp_profile_restricted = {
    .id = "seccompProfile_restricted",
    .level = ADM_LEVEL_RESTRICTED,
    .summary = "seccomp must be RuntimeDefault or Localhost",
    .versions = {{19, seccomp_restricted_v1_19, overrides}, {25, seccomp_restricted_v1_25, overrides}},
};
