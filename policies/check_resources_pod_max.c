/* resources.pod.max.
 * Restricts: the pod's effective requests and limits of each resource
 * named in podMax, totalled from spec.initContainers[*].resources and
 * spec.containers[*].resources by the scheduler's rule (KEP-753 sidecars):
 * an init container with restartPolicy Always (a sidecar) runs beside
 * everything declared after it, so
 *   pod = max(sum of regular containers + sum of all sidecars,
 *             for each init container: its value + the sidecars declared before it),
 * and the pod-level spec.resources requests and limits when present.
 * Allowed: each total and each pod-level value at or below the setting.
 * A container without a value adds nothing (requireRequests and
 * requireLimits see to that); a container request missing under a limit
 * counts as the limit, as the API server defaults it. A total past what
 * admitd can add exactly (38 digits) is itself a finding: fail closed.
 * An invalid value is skipped (resources.quantity).
 * Ephemeral containers have no resources and are skipped. */
#include <string.h>

#include "admitd/family.h"

#define ID "resources.pod.max"

static bool pod_max_active(const void *rule) {
  return ((const struct adm_resources_rule *)rule)->pod_max.n != 0;
}

static bool is_sidecar(const struct adm_container *c) {
  return c->kind == ADM_CONTAINER_INIT && c->restart_policy != NULL && strcmp(c->restart_policy, "Always") == 0;
}

/* A container's request (defaulted from its limit) or limit of resource. */
static bool container_value(const struct adm_container *c, const char *resource, bool limit, struct adm_quantity *v) {
  int rc = adm_resource_quantity(limit ? &c->resources.limits : &c->resources.requests, resource, v, NULL);
  if (rc == 0 && !limit)
    rc = adm_resource_quantity(&c->resources.limits, resource, v, NULL);
  return rc == 1;
}

/* *sum = a + b. A zero operand is taken as it is: adm_quantity_add aligns
 * exponents first, so 0 + 1e40 would needlessly count 41 digits. */
static int add(const struct adm_quantity *a, const struct adm_quantity *b, struct adm_quantity *sum) {
  if (adm_quantity_is_zero(a) || adm_quantity_is_zero(b)) {
    *sum = adm_quantity_is_zero(a) ? *b : *a;
    return 0;
  }
  return adm_quantity_add(a, b, sum);
}

/* The effective pod request or limit of resource into *total: 0, or
 * ADM_ETOOBIG when a sum needs more than 38 digits. */
static int effective(const struct adm_pod *pod, const char *resource, bool limit, struct adm_quantity *total) {
  struct adm_quantity sidecars = {0}, init_max = {0}, sum = {0}, v, e;
  for (size_t i = 0; i < pod->n_init; i++) {
    const struct adm_container *c = &pod->containers[i];
    if (!container_value(c, resource, limit, &v))
      continue;
    int rc;
    if (is_sidecar(c)) {
      /* Its own term is every sidecar up to it, as upstream's PodRequests
       * has it; the total below always covers that. */
      rc = add(&sidecars, &v, &sidecars);
      e = sidecars;
    } else {
      rc = add(&sidecars, &v, &e);
    }
    if (rc < 0)
      return rc;
    if (adm_quantity_cmp(&e, &init_max) > 0)
      init_max = e;
  }
  for (size_t i = pod->n_init; i < pod->n_init + pod->n_regular; i++) {
    int rc = container_value(&pod->containers[i], resource, limit, &v) ? add(&sum, &v, &sum) : 0;
    if (rc < 0)
      return rc;
  }
  int rc = add(&sum, &sidecars, &sum);
  if (rc < 0)
    return rc;
  *total = adm_quantity_cmp(&sum, &init_max) >= 0 ? sum : init_max;
  return 0;
}

/* what: "request" or "limit". */
static void check_total(struct adm_findings *out, const struct adm_pod *pod, const struct adm_quantity_setting *s,
                        bool limit) {
  const char *what = limit ? "limit" : "request";
  struct adm_quantity total;
  if (effective(pod, s->resource, limit, &total) < 0) {
    adm_findings_addf(out, ID,
                      "maximum %s usage per Pod is %s, but the containers' %ss add up past 38 digits, "
                      "which admitd cannot compare exactly",
                      s->resource, s->text, what);
    return;
  }
  if (adm_quantity_cmp(&total, &s->value) <= 0)
    return;
  /* The shorter of the binary and decimal forms: "18Gi", not "19327352832"; "2G", not "1953125Ki". */
  char binary[80], decimal[80];
  adm_quantity_format_si(&total, true, binary, sizeof binary);
  adm_quantity_format_si(&total, false, decimal, sizeof decimal);
  adm_findings_addf(out, ID, "maximum %s usage per Pod is %s, but effective %s is %s", s->resource, s->text, what,
                    strlen(binary) < strlen(decimal) ? binary : decimal);
}

static void check_pod_level(struct adm_findings *out, const struct adm_pod *pod, const struct adm_quantity_setting *s,
                            bool limit) {
  struct adm_quantity v;
  const char *text;
  const struct adm_resource_list *l = limit ? &pod->resources.limits : &pod->resources.requests;
  if (adm_resource_quantity(l, s->resource, &v, &text) == 1 && adm_quantity_cmp(&v, &s->value) > 0)
    adm_findings_addf(out, ID, "maximum %s usage per Pod is %s, but spec.resources.%s.%s is %s", s->resource, s->text,
                      limit ? "limits" : "requests", s->resource, text);
}

static void pod_max_check(const struct adm_pod *pod, const void *rule, struct adm_findings *out) {
  const struct adm_quantity_map *max = &((const struct adm_resources_rule *)rule)->pod_max;
  for (size_t j = 0; j < max->n; j++) {
    check_total(out, pod, &max->items[j], false);
    check_total(out, pod, &max->items[j], true);
    check_pod_level(out, pod, &max->items[j], false);
    check_pod_level(out, pod, &max->items[j], true);
  }
}

const struct adm_rule_check adm_check_resources_pod_max = {
    .id = ID,
    .family = ADM_FAMILY_RESOURCES,
    .summary = "the pod's effective requests and limits (sidecars included) are at most podMax",
    .active = pod_max_active,
    .check = pod_max_check,
};
