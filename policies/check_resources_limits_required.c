/* resources.limits.required.
 * Restricts: spec.initContainers[*].resources.limits (sidecars and plain
 * init containers alike) and spec.containers[*].resources.limits.
 * Allowed: every resource named in requireLimits present. A value that is
 * not a valid quantity is present here; resources.quantity reports it.
 * Ephemeral containers have no resources and are skipped. */
#include "admitd/family.h"

#define ID "resources.limits.required"

static bool limits_required_active(const struct adm_rule_settings *rule) {
  return adm_rule_resources(rule)->require_limits.n != 0;
}

static void limits_required_check(const struct adm_rule_ctx *ctx) {
  const struct adm_pod *pod = ctx->pod;
  struct adm_findings *out = ctx->out;
  const struct adm_names *want = &adm_rule_resources(ctx->settings)->require_limits;
  for (size_t i = 0; i < pod->n_init + pod->n_regular; i++) {
    const struct adm_container *c = &pod->containers[i];
    struct adm_quantity q;
    for (size_t j = 0; j < want->n; j++)
      if (adm_resource_quantity(&c->resources.limits, want->items[j], &q, NULL) == 0)
        adm_findings_addf(out, ID, "container \"%s\" must set resources.limits.%s", c->name, want->items[j]);
  }
}

const struct adm_rule_check adm_check_resources_limits_required = {
    .id = ID,
    .family = ADM_FAMILY_RESOURCES,
    .summary = "init and regular containers limit each resource in requireLimits",
    .active = limits_required_active,
    .check = limits_required_check,
};
