/* resources.limitRequestRatio.
 * Restricts: spec.initContainers[*].resources and spec.containers[*].resources:
 * for each resource named in maxLimitRequestRatio that has both a request
 * and a limit, limit / request.
 * Allowed: a ratio at or below the setting, fractional settings ("1.5")
 * included, compared exactly as limit <= setting x request. A zero request
 * under a non-zero limit is an unbounded ratio and fails. A resource
 * without both values passes (requireRequests, requireLimits); an invalid
 * value is skipped (resources.quantity). Reasons follow LimitRange's.
 * Ephemeral containers have no resources and are skipped. */
#include "admitd/family.h"

#define ID "resources.limitRequestRatio"

static bool ratio_active(const struct adm_rule_settings *rule) {
  return adm_rule_resources(rule)->max_ratio.n != 0;
}

static void check_ratio(struct adm_findings *out, const struct adm_container *c, const struct adm_quantity_setting *s) {
  struct adm_quantity request, limit;
  if (adm_resource_quantity(&c->resources.requests, s->resource, &request, NULL) != 1 ||
      adm_resource_quantity(&c->resources.limits, s->resource, &limit, NULL) != 1)
    return;
  if (adm_quantity_cmp_mul(&limit, &request, &s->value) <= 0)
    return;
  if (adm_quantity_is_zero(&request)) {
    adm_findings_addf(out, ID, "container \"%s\": %s max limit to request ratio per Container is %s, but request is 0",
                      c->name, s->resource, s->text);
    return;
  }
  char ratio[64];
  adm_quantity_format_ratio(&limit, &request, ratio, sizeof ratio);
  adm_findings_addf(out, ID,
                    "container \"%s\": %s max limit to request ratio per Container is %s, but provided ratio is %s",
                    c->name, s->resource, s->text, ratio);
}

static void ratio_check(const struct adm_rule_ctx *ctx) {
  const struct adm_pod *pod = ctx->pod;
  struct adm_findings *out = ctx->out;
  const struct adm_quantity_map *ratio = &adm_rule_resources(ctx->settings)->max_ratio;
  for (size_t i = 0; i < pod->n_init + pod->n_regular; i++)
    for (size_t j = 0; j < ratio->n; j++)
      check_ratio(out, &pod->containers[i], &ratio->items[j]);
}

const struct adm_rule_check adm_check_resources_limit_request_ratio = {
    .id = ID,
    .family = ADM_FAMILY_RESOURCES,
    .summary = "container limit / request is at most maxLimitRequestRatio where both are set",
    .active = ratio_active,
    .check = ratio_check,
};
