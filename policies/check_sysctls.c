/* sysctls (baseline).
 * Restricts: spec.securityContext.sysctls[*].name.
 * Allowed: the namespaced, isolated ("safe") sysctls listed per version below.
 * Versions: 1.0; 1.27 adds ip_local_reserved_ports; 1.29 the tcp_keepalive and
 *   tcp_fin_timeout family; 1.32 tcp_rmem/tcp_wmem; 1.37 tcp_slow_start_after_idle
 *   and tcp_notsent_lowat. */
#include "internal.h"

#define SYSCTLS_V1_0                                                                                                   \
  "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",    \
      "net.ipv4.ip_unprivileged_port_start"
#define SYSCTLS_V1_27 SYSCTLS_V1_0, "net.ipv4.ip_local_reserved_ports"
#define SYSCTLS_V1_29                                                                                                  \
  SYSCTLS_V1_27, "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",            \
      "net.ipv4.tcp_keepalive_probes"
#define SYSCTLS_V1_32 SYSCTLS_V1_29, "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"
#define SYSCTLS_V1_37 SYSCTLS_V1_32, "net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"

static const char *const allowed_v1_0[] = {SYSCTLS_V1_0, NULL};
static const char *const allowed_v1_27[] = {SYSCTLS_V1_27, NULL};
static const char *const allowed_v1_29[] = {SYSCTLS_V1_29, NULL};
static const char *const allowed_v1_32[] = {SYSCTLS_V1_32, NULL};
static const char *const allowed_v1_37[] = {SYSCTLS_V1_37, NULL};

static struct adm_check_result sysctls(const struct adm_pod *pod, struct adm_arena *a, const char *const *allowed) {
  if (!pod->sc.present)
    return ADM__ALLOWED;
  struct adm__names bad;
  adm__names_init(&bad, a);
  for (size_t i = 0; i < pod->sc.sysctls.n; i++)
    if (!adm__str_in(pod->sc.sysctls.items[i], allowed))
      adm__names_add(&bad, pod->sc.sysctls.items[i]);
  if (bad.n == 0)
    return ADM__ALLOWED;
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm_sb_add_list(&sb, bad.items, bad.n, ", ");
  return adm__deny("forbidden sysctls", &sb);
}

static struct adm_check_result sysctls_v1_0(const struct adm_pod *p, struct adm_arena *a) {
  return sysctls(p, a, allowed_v1_0);
}
static struct adm_check_result sysctls_v1_27(const struct adm_pod *p, struct adm_arena *a) {
  return sysctls(p, a, allowed_v1_27);
}
static struct adm_check_result sysctls_v1_29(const struct adm_pod *p, struct adm_arena *a) {
  return sysctls(p, a, allowed_v1_29);
}
static struct adm_check_result sysctls_v1_32(const struct adm_pod *p, struct adm_arena *a) {
  return sysctls(p, a, allowed_v1_32);
}
static struct adm_check_result sysctls_v1_37(const struct adm_pod *p, struct adm_arena *a) {
  return sysctls(p, a, allowed_v1_37);
}

const struct adm_check adm_check_sysctls = {
    .id = "sysctls",
    .level = ADM_LEVEL_BASELINE,
    .summary = "only safe, namespaced sysctls",
    .versions = {{0, sysctls_v1_0, NULL},
                 {27, sysctls_v1_27, NULL},
                 {29, sysctls_v1_29, NULL},
                 {32, sysctls_v1_32, NULL},
                 {37, sysctls_v1_37, NULL}},
};
