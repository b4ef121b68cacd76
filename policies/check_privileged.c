/* privileged (baseline).
 * Restricts: every container's securityContext.privileged.
 * Allowed: unset or false.
 * Versions: 1.0. */
#include "internal.h"

static struct adm_check_result privileged_v1_0(const struct adm_pod *pod, struct adm_arena *a) {
  struct adm__names bad;
  adm__names_init(&bad, a);
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    if (c->sc.present && c->sc.privileged == ADM_TRUE)
      adm__names_add(&bad, c->name);
  }
  if (bad.n == 0)
    return ADM__ALLOWED;
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm__add_containers(&sb, &bad);
  adm_sb_add(&sb, " must not set securityContext.privileged=true");
  return adm__deny("privileged", &sb);
}

const struct adm_check adm_check_privileged = {
    .id = "privileged",
    .level = ADM_LEVEL_BASELINE,
    .summary = "no privileged containers",
    .versions = {{0, privileged_v1_0, NULL}},
};
