/* hostNamespaces (baseline).
 * Restricts: spec.hostNetwork, spec.hostPID, spec.hostIPC.
 * Allowed: unset or false.
 * Versions: 1.0. */
#include "internal.h"

static struct adm_check_result host_namespaces_v1_0(const struct adm_pod *pod, struct adm_arena *a) {
  struct adm__names ns;
  adm__names_init(&ns, a);
  if (pod->host_network)
    adm__names_add(&ns, "hostNetwork=true");
  if (pod->host_pid)
    adm__names_add(&ns, "hostPID=true");
  if (pod->host_ipc)
    adm__names_add(&ns, "hostIPC=true");
  if (ns.n == 0)
    return ADM__ALLOWED;
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm_sb_add_list(&sb, ns.items, ns.n, ", ");
  return adm__deny("host namespaces", &sb);
}

const struct adm_check adm_check_host_namespaces = {
    .id = "hostNamespaces",
    .level = ADM_LEVEL_BASELINE,
    .summary = "no sharing of the host's network, PID or IPC namespace",
    .versions = {{0, host_namespaces_v1_0, NULL}},
};
