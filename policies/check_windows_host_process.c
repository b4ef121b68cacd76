/* windowsHostProcess (baseline).
 * Restricts: spec.securityContext.windowsOptions.hostProcess and every container's.
 * Allowed: unset or false.
 * Versions: 1.0. */
#include "internal.h"

static struct adm_check_result windows_host_process_v1_0(const struct adm_pod *pod, struct adm_arena *a) {
  struct adm__names setters, bad;
  adm__names_init(&setters, a);
  adm__names_init(&bad, a);
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    if (c->sc.present && c->sc.common.windows_host_process == ADM_TRUE)
      adm__names_add(&bad, c->name);
  }
  if (pod->sc.present && pod->sc.common.windows_host_process == ADM_TRUE)
    adm__names_add(&setters, "pod");
  adm__setters_add_containers(&setters, &bad);
  if (setters.n == 0)
    return ADM__ALLOWED;
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm_sb_add_list(&sb, setters.items, setters.n, " and ");
  adm_sb_add(&sb, " must not set securityContext.windowsOptions.hostProcess=true");
  return adm__deny("hostProcess", &sb);
}

const struct adm_check adm_check_windows_host_process = {
    .id = "windowsHostProcess",
    .level = ADM_LEVEL_BASELINE,
    .summary = "no Windows HostProcess containers",
    .versions = {{0, windows_host_process_v1_0, NULL}},
};
