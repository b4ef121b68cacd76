/* resources.min.
 * Restricts: spec.initContainers[*].resources and spec.containers[*].resources,
 * requests and limits of each resource named in min.
 * Allowed: a value at or above the setting, compared exactly across units
 * (16Mi == 16384Ki). A missing value passes: that is the business of
 * requireRequests and requireLimits, since admitd cannot inject defaults as
 * a LimitRange does. An invalid value is skipped (resources.quantity).
 * Reasons follow LimitRange's, as the API server words them.
 * Ephemeral containers have no resources and are skipped. */
#include "admitd/family.h"

#define ID "resources.min"

static bool min_active(const struct adm_rule_settings *rule) {
  return adm_rule_resources(rule)->min.n != 0;
}

/* what: "request" or "limit". */
static void check_floor(struct adm_findings *out, const struct adm_container *c, const struct adm_quantity_setting *s,
                        const struct adm_resource_list *l, const char *what) {
  struct adm_quantity v;
  const char *text;
  if (adm_resource_quantity(l, s->resource, &v, &text) == 1 && adm_quantity_cmp(&v, &s->value) < 0)
    adm_findings_addf(out, ID, "container \"%s\": minimum %s usage per Container is %s, but %s is %s", c->name,
                      s->resource, s->text, what, text);
}

static void min_check(const struct adm_rule_ctx *ctx) {
  const struct adm_pod *pod = ctx->pod;
  struct adm_findings *out = ctx->out;
  const struct adm_quantity_map *min = &adm_rule_resources(ctx->settings)->min;
  for (size_t i = 0; i < pod->n_init + pod->n_regular; i++) {
    const struct adm_container *c = &pod->containers[i];
    for (size_t j = 0; j < min->n; j++) {
      /* LimitRange's order: the request, then the limit. */
      check_floor(out, c, &min->items[j], &c->resources.requests, "request");
      check_floor(out, c, &min->items[j], &c->resources.limits, "limit");
    }
  }
}

const struct adm_rule_check adm_check_resources_min = {
    .id = ID,
    .family = ADM_FAMILY_RESOURCES,
    .summary = "container requests and limits present are at least min",
    .active = min_active,
    .check = min_check,
};
