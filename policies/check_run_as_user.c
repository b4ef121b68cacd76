/* runAsUser (restricted).
 * Restricts: spec.securityContext.runAsUser and every container's.
 * Allowed: unset or non-zero.
 * Versions: 1.23 introduced; 1.35 allows any value when spec.hostUsers is false. */
#include "internal.h"

static struct adm_check_result run_as_user_v1_23(const struct adm_pod *pod, struct adm_arena *a) {
  struct adm__names setters, bad;
  adm__names_init(&setters, a);
  adm__names_init(&bad, a);
  if (pod->sc.present && pod->sc.common.has_run_as_user && pod->sc.common.run_as_user == 0)
    adm__names_add(&setters, "pod");
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    if (c->sc.present && c->sc.common.has_run_as_user && c->sc.common.run_as_user == 0)
      adm__names_add(&bad, c->name);
  }
  adm__setters_add_containers(&setters, &bad);
  if (setters.n == 0)
    return ADM__ALLOWED;
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm_sb_add_list(&sb, setters.items, setters.n, " and ");
  adm_sb_add(&sb, " must not set runAsUser=0");
  return adm__deny("runAsUser=0", &sb);
}

static struct adm_check_result run_as_user_v1_35(const struct adm_pod *pod, struct adm_arena *a) {
  if (adm__user_namespaced(pod))
    return ADM__ALLOWED;
  return run_as_user_v1_23(pod, a);
}

const struct adm_check adm_check_run_as_user = {
    .id = "runAsUser",
    .level = ADM_LEVEL_RESTRICTED,
    .summary = "containers must not run as UID 0",
    .versions = {{23, run_as_user_v1_23, NULL}, {35, run_as_user_v1_35, NULL}},
};
