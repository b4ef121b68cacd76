/* resources.pod.max.
 * Restricts: the pod's effective request and limit of each resource named
 * in podMax, as upstream's PodRequests and PodLimits compute them
 * (k8s.io/component-helpers/resource):
 * - the containers' aggregate, from spec.initContainers[*].resources and
 *   spec.containers[*].resources by the scheduler's rule (KEP-753
 *   sidecars): an init container with restartPolicy Always (a sidecar)
 *   runs beside everything declared after it, so
 *     pod = max(sum of regular containers + sum of all sidecars,
 *               for each init container: its value + the sidecars declared before it);
 * - replaced by the pod-level value (spec.resources, PodLevelResources)
 *   where one is set for the resource; only cpu, memory and hugepages-*
 *   can be set there. A pod-level request left out is defaulted as the API
 *   server does (defaultPodRequests): from the containers' aggregate when
 *   a container requests the resource (hugepages excepted), else from the
 *   pod-level limit;
 * - plus spec.overhead (the RuntimeClass's, set at admission): always for
 *   requests, for limits only when the limit is set and not zero.
 * Allowed: each effective value at or below the setting.
 * A container without a value adds nothing (requireRequests and
 * requireLimits see to that); a container request missing under a limit
 * counts as the limit, as the API server defaults it. A total past what
 * admitd can add exactly (38 digits) is itself a finding: fail closed.
 * An invalid container value is skipped; an invalid pod-level or overhead
 * value leaves the effective value unknown, so no total is judged: either
 * way resources.quantity reports it.
 * Ephemeral containers have no resources and are skipped. */
#include <string.h>

#include "admitd/family.h"

#define ID "resources.pod.max"

static bool pod_max_active(const struct adm_rule_settings *rule) {
  return adm_rule_resources(rule)->pod_max.n != 0;
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

/* The containers' aggregate request or limit of resource into *total;
 * *found: some container has a value for it. 0, or ADM_ETOOBIG when a sum
 * needs more than 38 digits. */
static int aggregate(const struct adm_pod *pod, const char *resource, bool limit, struct adm_quantity *total,
                     bool *found) {
  struct adm_quantity sidecars = {0}, init_max = {0}, sum = {0}, v, e;
  *found = false;
  for (size_t i = 0; i < pod->n_init; i++) {
    const struct adm_container *c = &pod->containers[i];
    if (!container_value(c, resource, limit, &v))
      continue;
    *found = true;
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
    bool has = container_value(&pod->containers[i], resource, limit, &v);
    *found |= has;
    int rc = has ? add(&sum, &v, &sum) : 0;
    if (rc < 0)
      return rc;
  }
  int rc = add(&sum, &sidecars, &sum);
  if (rc < 0)
    return rc;
  *total = adm_quantity_cmp(&sum, &init_max) >= 0 ? sum : init_max;
  return 0;
}

/* upstream's IsSupportedPodLevelResource. */
static bool pod_level_resource(const char *name) {
  return strcmp(name, "cpu") == 0 || strcmp(name, "memory") == 0 || strncmp(name, "hugepages-", 10) == 0;
}

enum {
  FROM_CONTAINERS = 0,
  FROM_POD_LEVEL = 1, /* spec.resources */
  WITH_OVERHEAD = 2,  /* spec.overhead added */
  UNKNOWN = 4,        /* an invalid pod-level or overhead value: resources.quantity reports it */
};

/* The pod-level value that stands for the effective request or limit of
 * resource, into *v: 1 when there is one, 0 when the containers' aggregate
 * stands, UNKNOWN when a value it depends on is invalid. */
static int pod_level(const struct adm_pod *pod, const char *resource, bool limit, bool containers_have_it,
                     struct adm_quantity *v) {
  if (!pod_level_resource(resource))
    return 0;
  int rc = adm_resource_quantity(limit ? &pod->resources.limits : &pod->resources.requests, resource, v, NULL);
  if (rc != 0 || limit)
    return rc < 0 ? UNKNOWN : rc;
  /* No pod-level request: the API server defaults one from the pod-level
   * limit unless containers request the resource and it may be
   * overcommitted (hugepages may not). */
  if (containers_have_it && strncmp(resource, "hugepages-", 10) != 0)
    return 0;
  rc = adm_resource_quantity(&pod->resources.limits, resource, v, NULL);
  return rc < 0 ? UNKNOWN : rc;
}

/* The effective pod request or limit of resource into *total, and how it
 * was made (FROM_* | WITH_OVERHEAD, or UNKNOWN); ADM_ETOOBIG when a sum
 * needs more than 38 digits. */
static int effective(const struct adm_pod *pod, const char *resource, bool limit, struct adm_quantity *total) {
  bool found; /* right even when the sum overflows: only a value found is added */
  int rc = aggregate(pod, resource, limit, total, &found);
  struct adm_quantity v;
  int how = pod_level(pod, resource, limit, found, &v);
  if (how == UNKNOWN)
    return UNKNOWN;
  if (how == 1) {
    *total = v; /* the containers' sum, even one past 38 digits, does not count */
    how = FROM_POD_LEVEL;
  } else if (rc < 0) {
    return rc;
  }
  rc = adm_resource_quantity(&pod->overhead, resource, &v, NULL);
  if (rc < 0)
    return UNKNOWN;
  /* Overhead counts for a limit only where the pod has one (PodLimits). */
  if (rc == 1 && !adm_quantity_is_zero(&v) && (!limit || !adm_quantity_is_zero(total))) {
    rc = add(total, &v, total);
    if (rc < 0)
      return rc;
    how |= WITH_OVERHEAD;
  }
  return how;
}

/* what: "request" or "limit". */
static void check_total(struct adm_findings *out, const struct adm_pod *pod, const struct adm_quantity_setting *s,
                        bool limit) {
  const char *what = limit ? "limit" : "request";
  struct adm_quantity total;
  int how = effective(pod, s->resource, limit, &total);
  if (how == UNKNOWN)
    return;
  if (how < 0) {
    adm_findings_addf(out, ID,
                      "maximum %s usage per Pod is %s, but the %s %ss add up past 38 digits, "
                      "which admitd cannot compare exactly",
                      s->resource, s->text, pod->overhead.n ? "containers' and spec.overhead's" : "containers'", what);
    return;
  }
  if (adm_quantity_cmp(&total, &s->value) <= 0)
    return;
  /* The shorter of the binary and decimal forms: "18Gi", not "19327352832"; "2G", not "1953125Ki". */
  char binary[80], decimal[80];
  adm_quantity_format_si(&total, true, binary, sizeof binary);
  adm_quantity_format_si(&total, false, decimal, sizeof decimal);
  /* Where the value came from, when not from the containers alone. */
  const char *base = how & FROM_POD_LEVEL ? "spec.resources" : "the containers";
  adm_findings_addf(out, ID, "maximum %s usage per Pod is %s, but effective %s is %s%s%s%s%s", s->resource, s->text,
                    what, strlen(binary) < strlen(decimal) ? binary : decimal, how ? " (" : "", how ? base : "",
                    how & WITH_OVERHEAD ? " plus spec.overhead" : "", how ? ")" : "");
}

static void pod_max_check(const struct adm_rule_ctx *ctx) {
  const struct adm_pod *pod = ctx->pod;
  struct adm_findings *out = ctx->out;
  const struct adm_quantity_map *max = &adm_rule_resources(ctx->settings)->pod_max;
  for (size_t j = 0; j < max->n; j++) {
    check_total(out, pod, &max->items[j], false);
    check_total(out, pod, &max->items[j], true);
  }
}

const struct adm_rule_check adm_check_resources_pod_max = {
    .id = ID,
    .family = ADM_FAMILY_RESOURCES,
    .summary = "the pod's effective requests and limits (sidecars, pod-level resources, overhead) are at most podMax",
    .active = pod_max_active,
    .check = pod_max_check,
};
