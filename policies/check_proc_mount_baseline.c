/* procMount (baseline).
 * Restricts: every container's securityContext.procMount.
 * Allowed: unset or "Default"; from 1.35 any value when spec.hostUsers is false.
 * Versions: 1.0; 1.35 relaxed for user-namespaced pods (restricted keeps the
 * strict rule through procMount_restricted). */
#include "proc_mount.h"

struct adm_check_result adm__proc_mount_v1_0(const struct adm_pod *pod, struct adm_arena *a) {
  struct adm__names bad, types;
  adm__names_init(&bad, a);
  adm__names_init(&types, a);
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    if (!c->sc.present || c->sc.proc_mount == NULL)
      continue;
    if (strcmp(c->sc.proc_mount, "Default") != 0) {
      adm__names_add(&bad, c->name);
      adm__names_add(&types, c->sc.proc_mount);
    }
  }
  if (bad.n == 0)
    return ADM__ALLOWED;
  adm__names_sort_unique(&types);
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm__add_containers(&sb, &bad);
  adm_sb_add(&sb, " must not set securityContext.procMount to ");
  adm_sb_add_quoted_list(&sb, types.items, types.n);
  return adm__deny("procMount", &sb);
}

static struct adm_check_result proc_mount_v1_35(const struct adm_pod *pod, struct adm_arena *a) {
  if (adm__user_namespaced(pod))
    return ADM__ALLOWED;
  return adm__proc_mount_v1_0(pod, a);
}

const struct adm_check adm_check_proc_mount_baseline = {
    .id = "procMount",
    .level = ADM_LEVEL_BASELINE,
    .summary = "the default /proc mask",
    .versions = {{0, adm__proc_mount_v1_0, NULL}, {35, proc_mount_v1_35, NULL}},
};
