/* capabilities_restricted (restricted).
 * Restricts: every container's securityContext.capabilities.drop and .add.
 * Allowed: drop must include "ALL"; add may hold only NET_BIND_SERVICE.
 * Versions: 1.22 introduced (overrides capabilities_baseline); 1.25 exempts Windows pods. */
#include "internal.h"

static const char *const overrides[] = {"capabilities_baseline", NULL};

static struct adm_check_result capabilities_restricted_v1_22(const struct adm_pod *pod, struct adm_arena *a) {
  struct adm__names missing_drop, adding, caps;
  adm__names_init(&missing_drop, a);
  adm__names_init(&adding, a);
  adm__names_init(&caps, a);
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    if (!c->sc.present || !c->sc.has_capabilities) {
      adm__names_add(&missing_drop, c->name);
      continue;
    }
    bool dropped_all = false;
    for (size_t j = 0; j < c->sc.cap_drop.n; j++)
      if (strcmp(c->sc.cap_drop.items[j], "ALL") == 0)
        dropped_all = true;
    if (!dropped_all)
      adm__names_add(&missing_drop, c->name);
    bool added_forbidden = false;
    for (size_t j = 0; j < c->sc.cap_add.n; j++) {
      if (strcmp(c->sc.cap_add.items[j], "NET_BIND_SERVICE") != 0) {
        added_forbidden = true;
        adm__names_add(&caps, c->sc.cap_add.items[j]);
      }
    }
    if (added_forbidden)
      adm__names_add(&adding, c->name);
  }
  if (missing_drop.n == 0 && adding.n == 0)
    return ADM__ALLOWED;
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  if (missing_drop.n > 0) {
    adm__add_containers(&sb, &missing_drop);
    adm_sb_add(&sb, " must set securityContext.capabilities.drop=[\"ALL\"]");
  }
  if (adding.n > 0) {
    adm__names_sort_unique(&caps);
    if (missing_drop.n > 0)
      adm_sb_add(&sb, "; ");
    adm__add_containers(&sb, &adding);
    adm_sb_add(&sb, " must not include ");
    adm_sb_add_quoted_list(&sb, caps.items, caps.n);
    adm_sb_add(&sb, " in securityContext.capabilities.add");
  }
  return adm__deny("unrestricted capabilities", &sb);
}

static struct adm_check_result capabilities_restricted_v1_25(const struct adm_pod *pod, struct adm_arena *a) {
  /* Windows pods cannot set capabilities at all. */
  if (adm__is_windows(pod))
    return ADM__ALLOWED;
  return capabilities_restricted_v1_22(pod, a);
}

const struct adm_check adm_check_capabilities_restricted = {
    .id = "capabilities_restricted",
    .level = ADM_LEVEL_RESTRICTED,
    .summary = "containers must drop ALL capabilities and may add only NET_BIND_SERVICE",
    .versions = {{22, capabilities_restricted_v1_22, overrides}, {25, capabilities_restricted_v1_25, overrides}},
};
