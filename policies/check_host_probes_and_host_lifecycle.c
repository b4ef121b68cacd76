/* hostProbesAndHostLifecycle (baseline).
 * Restricts: every container's {liveness,readiness,startup}Probe.{httpGet,tcpSocket}.host
 *   and lifecycle.{postStart,preStop}.{httpGet,tcpSocket}.host.
 * Allowed: unset or "".
 * Versions: 1.34 introduced. */
#include "internal.h"

static struct adm_check_result host_probes_v1_34(const struct adm_pod *pod, struct adm_arena *a) {
  struct adm__names bad, hosts;
  adm__names_init(&bad, a);
  adm__names_init(&hosts, a);
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    if (c->probe_hosts.n == 0)
      continue;
    adm__names_add(&bad, c->name);
    for (size_t j = 0; j < c->probe_hosts.n; j++)
      adm__names_add(&hosts, c->probe_hosts.items[j]);
  }
  if (bad.n == 0)
    return ADM__ALLOWED;
  /* Upstream collects both in sets: names and hosts come out sorted and unique. */
  adm__names_sort_unique(&bad);
  adm__names_sort_unique(&hosts);
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm__add_containers(&sb, &bad);
  adm_sb_addf(&sb, " %s %s ", adm__plural("uses", "use", bad.n),
              adm__plural("probe or lifecycle host", "probe or lifecycle hosts", hosts.n));
  adm_sb_add_quoted_list(&sb, hosts.items, hosts.n);
  return adm__deny("probe or lifecycle host", &sb);
}

const struct adm_check adm_check_host_probes_and_host_lifecycle = {
    .id = "hostProbesAndHostLifecycle",
    .level = ADM_LEVEL_BASELINE,
    .summary = "probes and lifecycle handlers may not target another host",
    .versions = {{34, host_probes_v1_34, NULL}},
};
