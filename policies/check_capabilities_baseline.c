/* capabilities_baseline (baseline).
 * Restricts: every container's securityContext.capabilities.add.
 * Allowed: the container runtime's default set (AUDIT_WRITE ... SYS_CHROOT below).
 * Versions: 1.0. Replaced at restricted from 1.22 by capabilities_restricted. */
#include "internal.h"

static const char *const default_capabilities[] = {
    "AUDIT_WRITE",      "CHOWN",   "DAC_OVERRIDE", "FOWNER",  "FSETID", "KILL",       "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID",       "SETPCAP", "SETUID", "SYS_CHROOT", NULL,
};

static struct adm_check_result capabilities_baseline_v1_0(const struct adm_pod *pod, struct adm_arena *a) {
  struct adm__names bad, caps;
  adm__names_init(&bad, a);
  adm__names_init(&caps, a);
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    if (!c->sc.present || !c->sc.has_capabilities)
      continue;
    bool valid = true;
    for (size_t j = 0; j < c->sc.cap_add.n; j++) {
      if (!adm__str_in(c->sc.cap_add.items[j], default_capabilities)) {
        valid = false;
        adm__names_add(&caps, c->sc.cap_add.items[j]);
      }
    }
    if (!valid)
      adm__names_add(&bad, c->name);
  }
  if (bad.n == 0)
    return ADM__ALLOWED;
  adm__names_sort_unique(&caps);
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm__add_containers(&sb, &bad);
  adm_sb_add(&sb, " must not include ");
  adm_sb_add_quoted_list(&sb, caps.items, caps.n);
  adm_sb_add(&sb, " in securityContext.capabilities.add");
  return adm__deny("non-default capabilities", &sb);
}

const struct adm_check adm_check_capabilities_baseline = {
    .id = "capabilities_baseline",
    .level = ADM_LEVEL_BASELINE,
    .summary = "only default capabilities may be added",
    .versions = {{0, capabilities_baseline_v1_0, NULL}},
};
