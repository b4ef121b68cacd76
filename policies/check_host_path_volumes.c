/* hostPathVolumes (baseline).
 * Restricts: spec.volumes[*].hostPath.
 * Allowed: unset.
 * Versions: 1.0. Replaced at restricted by restrictedVolumes. */
#include "internal.h"

static struct adm_check_result host_path_volumes_v1_0(const struct adm_pod *pod, struct adm_arena *a) {
  struct adm__names bad;
  adm__names_init(&bad, a);
  for (size_t i = 0; i < pod->n_volumes; i++)
    if (pod->volumes[i].sources & (UINT64_C(1) << ADM_VOL_HOST_PATH))
      adm__names_add(&bad, pod->volumes[i].name);
  if (bad.n == 0)
    return ADM__ALLOWED;
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm_sb_add(&sb, adm__plural("volume ", "volumes ", bad.n));
  adm_sb_add_quoted_list(&sb, bad.items, bad.n);
  return adm__deny("hostPath volumes", &sb);
}

const struct adm_check adm_check_host_path_volumes = {
    .id = "hostPathVolumes",
    .level = ADM_LEVEL_BASELINE,
    .summary = "no hostPath volumes",
    .versions = {{0, host_path_volumes_v1_0, NULL}},
};
