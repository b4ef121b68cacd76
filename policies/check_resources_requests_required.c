/* resources.requests.required.
 * Restricts: spec.initContainers[*].resources.requests (sidecars and plain
 * init containers alike) and spec.containers[*].resources.requests.
 * Allowed: every resource named in requireRequests present. A limit
 * without a request counts as the request: the API server defaults one to
 * the other on a Pod (not on a template), so a workload and its pods agree.
 * A value that is not a valid quantity is present here; resources.quantity
 * reports it. Ephemeral containers have no resources and are skipped. */
#include "admitd/family.h"

#define ID "resources.requests.required"

static bool requests_required_active(const struct adm_rule_settings *rule) {
  return adm_rule_resources(rule)->require_requests.n != 0;
}

static void requests_required_check(const struct adm_rule_ctx *ctx) {
  const struct adm_pod *pod = ctx->pod;
  struct adm_findings *out = ctx->out;
  const struct adm_names *want = &adm_rule_resources(ctx->settings)->require_requests;
  for (size_t i = 0; i < pod->n_init + pod->n_regular; i++) {
    const struct adm_container *c = &pod->containers[i];
    for (size_t j = 0; j < want->n; j++) {
      struct adm_quantity q;
      if (adm_resource_quantity(&c->resources.requests, want->items[j], &q, NULL) == 0 &&
          adm_resource_quantity(&c->resources.limits, want->items[j], &q, NULL) == 0)
        adm_findings_addf(out, ID, "container \"%s\" must set resources.requests.%s", c->name, want->items[j]);
    }
  }
}

const struct adm_rule_check adm_check_resources_requests_required = {
    .id = ID,
    .family = ADM_FAMILY_RESOURCES,
    .summary = "init and regular containers request each resource in requireRequests",
    .active = requests_required_active,
    .check = requests_required_check,
};
