/* resources.max.
 * Restricts: spec.initContainers[*].resources and spec.containers[*].resources,
 * limits and requests of each resource named in max.
 * Allowed: a value at or below the setting, compared exactly across units
 * (1Gi == 1024Mi). A missing value passes: that is the business of
 * requireLimits and requireRequests, since admitd cannot inject defaults as
 * a LimitRange does. An invalid value is skipped (resources.quantity).
 * Reasons follow LimitRange's, as the API server words them.
 * Ephemeral containers have no resources and are skipped. */
#include "admitd/family.h"

#define ID "resources.max"

static bool max_active(const struct adm_rule_settings *rule) {
  return adm_rule_resources(rule)->max.n != 0;
}

/* what: "limit" or "request". */
static void check_ceiling(struct adm_findings *out, const struct adm_container *c, const struct adm_quantity_setting *s,
                          const struct adm_resource_list *l, const char *what) {
  struct adm_quantity v;
  const char *text;
  if (adm_resource_quantity(l, s->resource, &v, &text) == 1 && adm_quantity_cmp(&v, &s->value) > 0)
    adm_findings_addf(out, ID, "container \"%s\": maximum %s usage per Container is %s, but %s is %s", c->name,
                      s->resource, s->text, what, text);
}

static void max_check(const struct adm_rule_ctx *ctx) {
  const struct adm_pod *pod = ctx->pod;
  struct adm_findings *out = ctx->out;
  const struct adm_quantity_map *max = &adm_rule_resources(ctx->settings)->max;
  for (size_t i = 0; i < pod->n_init + pod->n_regular; i++) {
    const struct adm_container *c = &pod->containers[i];
    for (size_t j = 0; j < max->n; j++) {
      /* LimitRange's order: the limit, then the request. */
      check_ceiling(out, c, &max->items[j], &c->resources.limits, "limit");
      check_ceiling(out, c, &max->items[j], &c->resources.requests, "request");
    }
  }
}

const struct adm_rule_check adm_check_resources_max = {
    .id = ID,
    .family = ADM_FAMILY_RESOURCES,
    .summary = "container limits and requests present are at most max",
    .active = max_active,
    .check = max_check,
};
