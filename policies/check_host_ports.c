/* hostPorts (baseline).
 * Restricts: every container's ports[*].hostPort.
 * Allowed: unset or 0.
 * Versions: 1.0. */
#include <inttypes.h>

#include "internal.h"

static struct adm_check_result host_ports_v1_0(const struct adm_pod *pod, struct adm_arena *a) {
  struct adm__names bad, ports;
  adm__names_init(&bad, a);
  adm__names_init(&ports, a);
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    bool valid = true;
    for (size_t j = 0; j < c->n_host_ports; j++) {
      if (c->host_ports[j] != 0) {
        valid = false;
        adm__names_add(&ports, adm_arena_printf(a, "%" PRId64, c->host_ports[j]));
      }
    }
    if (!valid)
      adm__names_add(&bad, c->name);
  }
  if (bad.n == 0)
    return ADM__ALLOWED;
  /* Upstream keeps the ports in a string set, so they sort as text ("10, 8080, 9"). */
  adm__names_sort_unique(&ports);
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm__add_containers(&sb, &bad);
  adm_sb_addf(&sb, " %s %s ", adm__plural("uses", "use", bad.n), adm__plural("hostPort", "hostPorts", ports.n));
  adm_sb_add_list(&sb, ports.items, ports.n, ", ");
  return adm__deny("hostPort", &sb);
}

const struct adm_check adm_check_host_ports = {
    .id = "hostPorts",
    .level = ADM_LEVEL_BASELINE,
    .summary = "no host ports",
    .versions = {{0, host_ports_v1_0, NULL}},
};
