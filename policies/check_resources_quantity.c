/* resources.quantity.
 * Restricts: every value of spec.initContainers[*].resources and
 * spec.containers[*].resources (requests and limits), of the pod-level
 * spec.resources, and of spec.overhead.
 * Allowed: a Kubernetes quantity ("500m", "2Gi", "1e3") that is not
 * negative, as the API server validates it.
 * Active whenever a resources rule sets anything: the other resources
 * checks skip a value they cannot read, so it is reported here, once.
 * Ephemeral containers have no resources field and are not visited. */
#include "admitd/family.h"
#include "internal.h"

#define ID "resources.quantity"

static bool quantity_active(const struct adm_rule_settings *rule) {
  const struct adm_resources_rule *r = adm_rule_resources(rule);
  return r->require_requests.n || r->require_limits.n || r->min.n || r->max.n || r->max_ratio.n || r->pod_max.n;
}

/* A finding for each invalid value of l, which belongs to container c
 * (NULL: the pod); field: "resources.limits". */
static void report_invalid(struct adm_findings *out, const struct adm_container *c, const char *field,
                           const struct adm_resource_list *l) {
  for (size_t i = 0; i < l->n; i++) {
    const struct adm_resource_entry *e = &l->items[i];
    struct adm_quantity q;
    const char *why = NULL;
    if (adm_quantity_parse_resource(e->value, &q, &why) == 0)
      continue;
    /* The value as Go's %q prints it: the quoted half of `="value"`. */
    const char *quoted = adm__key_quoted_value(out->arena, "", e->value ? e->value : "");
    adm_findings_addf(out, ID, "%s%s%s has an invalid %s.%s %s: %s", c ? "container \"" : "pod", c ? c->name : "",
                      c ? "\"" : "", field, e->name, quoted ? quoted + 1 : "?", why);
  }
}

static void quantity_check(const struct adm_rule_ctx *ctx) {
  const struct adm_pod *pod = ctx->pod;
  struct adm_findings *out = ctx->out;
  for (size_t i = 0; i < pod->n_init + pod->n_regular; i++) {
    const struct adm_container *c = &pod->containers[i];
    report_invalid(out, c, "resources.requests", &c->resources.requests);
    report_invalid(out, c, "resources.limits", &c->resources.limits);
  }
  report_invalid(out, NULL, "spec.resources.requests", &pod->resources.requests);
  report_invalid(out, NULL, "spec.resources.limits", &pod->resources.limits);
  report_invalid(out, NULL, "spec.overhead", &pod->overhead);
}

const struct adm_rule_check adm_check_resources_quantity = {
    .id = ID,
    .family = ADM_FAMILY_RESOURCES,
    .summary = "requests and limits are valid, non-negative quantities",
    .active = quantity_active,
    .check = quantity_check,
};
