/* allowPrivilegeEscalation (restricted).
 * Restricts: spec.{initContainers,containers,ephemeralContainers}[*].securityContext.allowPrivilegeEscalation
 * Allowed: false, set explicitly on every container.
 * Versions: 1.8 introduced; 1.25 exempts pods with spec.os.name=windows. */
#include "internal.h"

static struct adm_check_result allow_privilege_escalation_v1_8(const struct adm_pod *pod, struct adm_arena *a) {
  struct adm__names bad;
  adm__names_init(&bad, a);
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    if (!c->sc.present || c->sc.allow_privilege_escalation != ADM_FALSE)
      adm__names_add(&bad, c->name);
  }
  if (bad.n == 0)
    return ADM__ALLOWED;
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm__add_containers(&sb, &bad);
  adm_sb_add(&sb, " must set securityContext.allowPrivilegeEscalation=false");
  return adm__deny("allowPrivilegeEscalation != false", &sb);
}

static struct adm_check_result allow_privilege_escalation_v1_25(const struct adm_pod *pod, struct adm_arena *a) {
  /* Pod API validation forbids the field on Windows pods, so they cannot set it. */
  if (adm__is_windows(pod))
    return ADM__ALLOWED;
  return allow_privilege_escalation_v1_8(pod, a);
}

const struct adm_check adm_check_allow_privilege_escalation = {
    .id = "allowPrivilegeEscalation",
    .level = ADM_LEVEL_RESTRICTED,
    .summary = "containers must set allowPrivilegeEscalation=false",
    .versions = {{8, allow_privilege_escalation_v1_8, NULL}, {25, allow_privilege_escalation_v1_25, NULL}},
};
