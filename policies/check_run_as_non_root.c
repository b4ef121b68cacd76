/* runAsNonRoot (restricted).
 * Restricts: spec.securityContext.runAsNonRoot and every container's.
 * Allowed: true at pod level (containers may leave it unset) or on every
 *   container; false anywhere is forbidden.
 * Versions: 1.0; 1.35 allows any value when spec.hostUsers is false. */
#include "internal.h"

static struct adm_check_result run_as_non_root_v1_0(const struct adm_pod *pod, struct adm_arena *a) {
  struct adm__names setters, explicit_bad, implicit_bad;
  adm__names_init(&setters, a);
  adm__names_init(&explicit_bad, a);
  adm__names_init(&implicit_bad, a);
  bool pod_non_root = false;
  if (pod->sc.present && pod->sc.common.run_as_non_root != ADM_UNSET) {
    if (pod->sc.common.run_as_non_root == ADM_FALSE)
      adm__names_add(&setters, "pod");
    else
      pod_non_root = true;
  }
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    if (c->sc.present && c->sc.common.run_as_non_root != ADM_UNSET) {
      if (c->sc.common.run_as_non_root == ADM_FALSE)
        adm__names_add(&explicit_bad, c->name);
    } else if (!pod_non_root) {
      adm__names_add(&implicit_bad, c->name);
    }
  }
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm__setters_add_containers(&setters, &explicit_bad);
  if (setters.n > 0) {
    adm_sb_add_list(&sb, setters.items, setters.n, " and ");
    adm_sb_add(&sb, " must not set securityContext.runAsNonRoot=false");
    return adm__deny("runAsNonRoot != true", &sb);
  }
  if (implicit_bad.n > 0) {
    adm_sb_add(&sb, "pod or ");
    adm__add_containers(&sb, &implicit_bad);
    adm_sb_add(&sb, " must set securityContext.runAsNonRoot=true");
    return adm__deny("runAsNonRoot != true", &sb);
  }
  return ADM__ALLOWED;
}

static struct adm_check_result run_as_non_root_v1_35(const struct adm_pod *pod, struct adm_arena *a) {
  if (adm__user_namespaced(pod))
    return ADM__ALLOWED;
  return run_as_non_root_v1_0(pod, a);
}

const struct adm_check adm_check_run_as_non_root = {
    .id = "runAsNonRoot",
    .level = ADM_LEVEL_RESTRICTED,
    .summary = "containers must run as non-root",
    .versions = {{0, run_as_non_root_v1_0, NULL}, {35, run_as_non_root_v1_35, NULL}},
};
