/* restrictedVolumes (restricted).
 * Restricts: spec.volumes[*] sources.
 * Allowed: configMap, csi, downwardAPI, emptyDir, ephemeral, image,
 *   persistentVolumeClaim, projected, secret. A volume with none of the known
 *   sources is reported as "unknown".
 * Versions: 1.0 (overrides hostPathVolumes). */
#include "internal.h"

static const char *const overrides[] = {"hostPathVolumes", NULL};

static struct adm_check_result restricted_volumes_v1_0(const struct adm_pod *pod, struct adm_arena *a) {
  struct adm__names bad, types;
  adm__names_init(&bad, a);
  adm__names_init(&types, a);
  for (size_t i = 0; i < pod->n_volumes; i++) {
    const struct adm_volume *v = &pod->volumes[i];
    bool ok = false;
    const char *first_bad = NULL;
    for (int s = 0; s < ADM_VOL__COUNT; s++) {
      if (!(v->sources & (UINT64_C(1) << s)))
        continue;
      if (adm_volume_source_restricted_ok((enum adm_volume_source)s))
        ok = true;
      else if (first_bad == NULL)
        first_bad = adm_volume_source_key((enum adm_volume_source)s);
    }
    if (ok)
      continue;
    adm__names_add(&bad, v->name);
    adm__names_add(&types, first_bad ? first_bad : "unknown");
  }
  if (bad.n == 0)
    return ADM__ALLOWED;
  adm__names_sort_unique(&types);
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm_sb_add(&sb, adm__plural("volume ", "volumes ", bad.n));
  adm_sb_add_quoted_list(&sb, bad.items, bad.n);
  adm_sb_addf(&sb, " %s %s ", adm__plural("uses", "use", bad.n),
              adm__plural("restricted volume type", "restricted volume types", types.n));
  adm_sb_add_quoted_list(&sb, types.items, types.n);
  return adm__deny("restricted volume types", &sb);
}

const struct adm_check adm_check_restricted_volumes = {
    .id = "restrictedVolumes",
    .level = ADM_LEVEL_RESTRICTED,
    .summary = "only ephemeral, projected and claim-backed volume types",
    .versions = {{0, restricted_volumes_v1_0, overrides}},
};
