/* policies/check_resources_*.c: each resources rule check over pod views
 * and rule settings built by hand (the checks are pure), with the exact
 * wording of findings, their order, the scheduler's sidecar rule for pod
 * totals, pod-level resources, malformed quantities, overflow and
 * equality across units. */
#include "helpers.h"

#include "admitd/family.h"

/* A requests or limits list: LIST({"memory", "1Gi"}, {"cpu", "1"}). */
#define LIST(...)                                                                                                      \
  ((struct adm_resource_list){(struct adm_resource_entry[]){__VA_ARGS__},                                              \
                              sizeof((struct adm_resource_entry[]){__VA_ARGS__}) / sizeof(struct adm_resource_entry)})
#define NONE ((struct adm_resource_list){NULL, 0})

static struct adm_container container(enum adm_container_kind kind, const char *name, struct adm_resource_list requests,
                                      struct adm_resource_list limits) {
  return (struct adm_container){
      .kind = kind, .name = name, .resources = {requests.n != 0 || limits.n != 0, requests, limits}};
}

#define INIT(name, req, lim) container(ADM_CONTAINER_INIT, name, req, lim)
#define REGULAR(name, req, lim) container(ADM_CONTAINER_REGULAR, name, req, lim)
/* Extraction never fills an ephemeral container's resources; these do, to
 * prove the checks do not look. */
#define EPHEMERAL(name, req, lim) container(ADM_CONTAINER_EPHEMERAL, name, req, lim)

static struct adm_container sidecar(const char *name, struct adm_resource_list requests,
                                    struct adm_resource_list limits) {
  struct adm_container c = container(ADM_CONTAINER_INIT, name, requests, limits);
  c.restart_policy = "Always";
  return c;
}

/* Containers in visit order: init, regular, ephemeral. */
static struct adm_pod pod_of(struct adm_container *cs, size_t n) {
  struct adm_pod pod = {.name = "p", .namespace = "ns", .containers = cs, .n_containers = n};
  for (size_t i = 0; i < n; i++) {
    if (i > 0 && cs[i].kind < cs[i - 1].kind)
      fail_msg("test pod: container \"%s\" is out of visit order", cs[i].name);
    size_t *count = cs[i].kind == ADM_CONTAINER_INIT      ? &pod.n_init
                    : cs[i].kind == ADM_CONTAINER_REGULAR ? &pod.n_regular
                                                          : &pod.n_ephemeral;
    (*count)++;
  }
  return pod;
}

#define POD(...)                                                                                                       \
  pod_of((struct adm_container[]){__VA_ARGS__},                                                                        \
         sizeof((struct adm_container[]){__VA_ARGS__}) / sizeof(struct adm_container))

/* A rule setting, parsed as the config parser will. */
static struct adm_quantity_setting set(const char *resource, const char *text) {
  struct adm_quantity_setting s = {(char *)resource, (char *)text, {0}};
  const char *why = NULL;
  if (adm_quantity_parse(text, &s.value, &why) < 0)
    fail_msg("test setting %s: %s does not parse: %s", resource, text, why);
  return s;
}

#define MAP(...)                                                                                                       \
  ((struct adm_quantity_map){(struct adm_quantity_setting[]){__VA_ARGS__},                                             \
                             sizeof((struct adm_quantity_setting[]){__VA_ARGS__}) /                                    \
                                 sizeof(struct adm_quantity_setting)})
#define NAMES(...) ((struct adm_names){(char *[]){__VA_ARGS__}, sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)})

static const struct adm_rule_check *check_by_id(const char *id) {
  const struct adm_rule_check *c = adm_rule_check_find(id);
  if (c == NULL)
    fail_msg("expected check %s in the families' tables", id);
  return c;
}

/* The resources family's checks, in the order they report. */
#define resources_checks (adm_families[ADM_FAMILY_RESOURCES].checks)

static struct adm_findings findings;

/* A rule's settings from the resources settings built by hand. */
static struct adm_rule_settings settings_of(const struct adm_resources_rule *rule) {
  struct adm_rule_settings s = {.family = ADM_FAMILY_RESOURCES};
  s.u.resources = *rule;
  return s;
}

/* Run one check (by id) into the test's arena. */
static const struct adm_findings *run(void **state, const char *id, const struct adm_pod *pod,
                                      const struct adm_resources_rule *rule) {
  adm_findings_init(&findings, *state);
  const struct adm_rule_settings settings = settings_of(rule);
  check_by_id(id)->check(&(struct adm_rule_ctx){.pod = pod, .settings = &settings, .out = &findings});
  return &findings;
}

/* Every resources check the rule activates, in table order. */
static const struct adm_findings *run_family(void **state, const struct adm_pod *pod,
                                             const struct adm_resources_rule *rule) {
  adm_findings_init(&findings, *state);
  const struct adm_rule_settings settings = settings_of(rule);
  struct adm_rule_ctx ctx = {.pod = pod, .settings = &settings, .out = &findings};
  for (const struct adm_rule_check *const *c = resources_checks; *c != NULL; c++)
    if ((*c)->active(&settings))
      (*c)->check(&ctx);
  return &findings;
}

static void print_findings(const struct adm_findings *f) {
  for (size_t i = 0; i < f->n; i++)
    print_error("  got %s: %s\n", f->items[i].check, f->items[i].message);
}

/* The findings are exactly want (NULL-terminated), in order, each from check id. */
static void expect(const struct adm_findings *f, const char *id, const char *const *want) {
  size_t n = 0;
  while (want[n] != NULL)
    n++;
  if (f->n != n) {
    print_findings(f);
    fail_msg("expected %zu findings, got %zu", n, f->n);
  }
  for (size_t i = 0; i < n; i++) {
    if (strcmp(f->items[i].check, id) != 0 || strcmp(f->items[i].message, want[i]) != 0) {
      print_findings(f);
      fail_msg("expected finding %zu to be %s: %s", i, id, want[i]);
    }
  }
}

#define EXPECT(f, id, ...) expect(f, id, (const char *const[]){__VA_ARGS__, NULL})
#define EXPECT_NONE(f) expect(f, "", (const char *const[]){NULL})

static void every_resources_check_is_registered_in_order(void **state) {
  (void)state;
  static const char *const ids[] = {
      "resources.quantity", "resources.requests.required", "resources.limits.required", "resources.min",
      "resources.max",      "resources.limitRequestRatio", "resources.pod.max",
  };
  size_t n = sizeof ids / sizeof ids[0];
  for (size_t i = 0; i < n; i++) {
    const struct adm_rule_check *c = resources_checks[i];
    if (c == NULL || strcmp(c->id, ids[i]) != 0)
      fail_msg("expected table entry %zu to be %s, got %s", i, ids[i], c ? c->id : "the end");
    assert_int_equal(c->family, ADM_FAMILY_RESOURCES);
    assert_non_null(c->summary);
    assert_true(strlen(c->summary) > 10);
    assert_non_null(c->active);
    assert_non_null(c->check);
  }
  if (resources_checks[n] != NULL)
    fail_msg("expected %zu resources checks, found %s after them", n, resources_checks[n]->id);
}

static void each_check_is_active_only_for_its_setting(void **state) {
  (void)state;
  const struct adm_rule_settings none = {.family = ADM_FAMILY_RESOURCES};
  for (size_t i = 0; resources_checks[i] != NULL; i++)
    if (resources_checks[i]->active(&none))
      fail_msg("expected %s to be inactive under an empty rule", resources_checks[i]->id);
  struct {
    struct adm_resources_rule rule;
    const char *id;
  } cases[] = {
      {{.require_requests = NAMES("cpu")}, "resources.requests.required"},
      {{.require_limits = NAMES("cpu")}, "resources.limits.required"},
      {{.min = MAP(set("cpu", "1"))}, "resources.min"},
      {{.max = MAP(set("cpu", "1"))}, "resources.max"},
      {{.max_ratio = MAP(set("cpu", "1"))}, "resources.limitRequestRatio"},
      {{.pod_max = MAP(set("cpu", "1"))}, "resources.pod.max"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    for (size_t i = 0; resources_checks[i] != NULL; i++) {
      const struct adm_rule_check *c = resources_checks[i];
      /* resources.quantity is active whenever anything is. */
      bool want = strcmp(c->id, cases[k].id) == 0 || strcmp(c->id, "resources.quantity") == 0;
      const struct adm_rule_settings settings = settings_of(&cases[k].rule);
      if (c->active(&settings) != want)
        fail_msg("expected %s to be %s when only %s is set", c->id, want ? "active" : "inactive", cases[k].id);
    }
  }
}

static void requests_required(void **state) {
  struct adm_resources_rule rule = {.require_requests = NAMES("memory", "cpu")};
  struct adm_pod good = POD(sidecar("proxy", LIST({"cpu", "100m"}, {"memory", "64Mi"}), NONE),
                            INIT("setup", LIST({"memory", "64Mi"}, {"cpu", "1"}), NONE),
                            REGULAR("app", LIST({"cpu", "1"}, {"memory", "1Gi"}), NONE));
  EXPECT_NONE(run(state, "resources.requests.required", &good, &rule));

  /* Container order, then the rule's resource order (memory before cpu). */
  struct adm_pod bad = POD(sidecar("proxy", LIST({"memory", "64Mi"}), NONE), INIT("setup", NONE, NONE),
                           REGULAR("app", LIST({"memory", "1Gi"}, {"cpu", "1"}), NONE),
                           REGULAR("worker", LIST({"memory", "1Gi"}), NONE));
  EXPECT(run(state, "resources.requests.required", &bad, &rule), "resources.requests.required",
         "container \"proxy\" must set resources.requests.cpu",
         "container \"setup\" must set resources.requests.memory",
         "container \"setup\" must set resources.requests.cpu", "container \"worker\" must set resources.requests.cpu");
}

static void a_limit_stands_for_a_missing_request(void **state) {
  /* The API server defaults a Pod's request to its limit; a template must pass the same way. */
  struct adm_resources_rule rule = {.require_requests = NAMES("memory")};
  struct adm_pod pod = POD(REGULAR("app", NONE, LIST({"memory", "1Gi"})));
  EXPECT_NONE(run(state, "resources.requests.required", &pod, &rule));
  struct adm_pod other = POD(REGULAR("app", NONE, LIST({"cpu", "1"})));
  EXPECT(run(state, "resources.requests.required", &other, &rule), "resources.requests.required",
         "container \"app\" must set resources.requests.memory");
}

static void limits_required(void **state) {
  struct adm_resources_rule rule = {.require_limits = NAMES("memory", "nvidia.com/gpu")};
  struct adm_pod good = POD(INIT("setup", NONE, LIST({"nvidia.com/gpu", "1"}, {"memory", "64Mi"})),
                            REGULAR("app", NONE, LIST({"memory", "1Gi"}, {"nvidia.com/gpu", "2"})));
  EXPECT_NONE(run(state, "resources.limits.required", &good, &rule));
  /* A request does not stand for a limit. */
  struct adm_pod bad = POD(sidecar("proxy", LIST({"memory", "64Mi"}), LIST({"nvidia.com/gpu", "1"})),
                           REGULAR("app", LIST({"memory", "1Gi"}, {"nvidia.com/gpu", "1"}), NONE));
  EXPECT(run(state, "resources.limits.required", &bad, &rule), "resources.limits.required",
         "container \"proxy\" must set resources.limits.memory", "container \"app\" must set resources.limits.memory",
         "container \"app\" must set resources.limits.nvidia.com/gpu");
}

/* Memory in every setting: requireRequests, requireLimits, min, max,
 * maxLimitRequestRatio, and podMax (the same as max). */
static struct adm_resources_rule every_setting(const char *min, const char *max, const char *ratio) {
  static char *names[] = {"memory"};
  static struct adm_quantity_setting s[3];
  s[0] = set("memory", min);
  s[1] = set("memory", max);
  s[2] = set("memory", ratio);
  return (struct adm_resources_rule){{names, 1}, {names, 1}, {&s[0], 1}, {&s[1], 1}, {&s[2], 1}, {&s[1], 1}};
}

static void ephemeral_containers_are_skipped(void **state) {
  struct adm_resources_rule rule = every_setting("1Gi", "1Gi", "1");
  /* Each ephemeral container fails some check, were it visited. */
  struct adm_pod pod =
      POD(REGULAR("app", LIST({"memory", "1Gi"}), LIST({"memory", "1Gi"})), EPHEMERAL("debug", NONE, NONE),
          EPHEMERAL("big", LIST({"memory", "8Gi"}), LIST({"memory", "8Gi"})),
          EPHEMERAL("small", LIST({"memory", "1Mi"}), LIST({"memory", "2Mi"})),
          EPHEMERAL("bad", LIST({"memory", "bad"}), LIST({"memory", "1Gi"})));
  EXPECT_NONE(run_family(state, &pod, &rule));
  /* The same container as a regular one fails every check: the pod above passes only by skipping it. */
  struct adm_pod regular =
      POD(REGULAR("app", LIST({"memory", "1Gi"}), LIST({"memory", "1Gi"})), REGULAR("debug", NONE, NONE));
  assert_int_equal(run_family(state, &regular, &rule)->n, 2);
}

static void min_per_container(void **state) {
  struct adm_resources_rule rule = {.min = MAP(set("memory", "16Mi"), set("cpu", "100m"))};
  /* At the boundary across units, and a missing value, pass. */
  struct adm_pod good = POD(INIT("setup", LIST({"memory", "16384Ki"}), NONE),
                            REGULAR("app", LIST({"memory", "16Mi"}, {"cpu", "0.1"}), LIST({"memory", "1Gi"})));
  EXPECT_NONE(run(state, "resources.min", &good, &rule));
  struct adm_pod bad = POD(sidecar("proxy", LIST({"cpu", "99m"}), NONE),
                           REGULAR("app", LIST({"memory", "8Mi"}, {"cpu", "1"}), LIST({"memory", "16383Ki"})));
  EXPECT(run(state, "resources.min", &bad, &rule), "resources.min",
         "container \"proxy\": minimum cpu usage per Container is 100m, but request is 99m",
         "container \"app\": minimum memory usage per Container is 16Mi, but request is 8Mi",
         "container \"app\": minimum memory usage per Container is 16Mi, but limit is 16383Ki");
}

static void max_per_container(void **state) {
  struct adm_resources_rule rule = {.max = MAP(set("memory", "1Gi"), set("cpu", "4"))};
  struct adm_pod good = POD(INIT("setup", LIST({"memory", "1073741824"}), LIST({"memory", "1024Mi"})),
                            REGULAR("app", LIST({"cpu", "4000m"}), LIST({"cpu", "4"})), REGULAR("bare", NONE, NONE));
  EXPECT_NONE(run(state, "resources.max", &good, &rule));
  /* The limit first, as LimitRange checks it; 1G is under 1Gi, 1025Mi is over. */
  struct adm_pod bad = POD(INIT("setup", LIST({"memory", "2Gi"}), LIST({"memory", "2Gi"})),
                           REGULAR("app", LIST({"memory", "1G"}, {"cpu", "4001m"}), LIST({"memory", "1025Mi"})));
  EXPECT(run(state, "resources.max", &bad, &rule), "resources.max",
         "container \"setup\": maximum memory usage per Container is 1Gi, but limit is 2Gi",
         "container \"setup\": maximum memory usage per Container is 1Gi, but request is 2Gi",
         "container \"app\": maximum memory usage per Container is 1Gi, but limit is 1025Mi",
         "container \"app\": maximum cpu usage per Container is 4, but request is 4001m");
}

static void limit_request_ratio(void **state) {
  struct adm_resources_rule rule = {.max_ratio = MAP(set("memory", "2"), set("cpu", "1.5"))};
  /* At the boundary, exactly, across units; a resource without both values passes. */
  struct adm_pod good =
      POD(REGULAR("app", LIST({"memory", "1024Mi"}, {"cpu", "1"}), LIST({"memory", "2Gi"}, {"cpu", "1500m"})),
          REGULAR("half", LIST({"memory", "1Gi"}), LIST({"cpu", "8"})));
  EXPECT_NONE(run(state, "resources.limitRequestRatio", &good, &rule));
  struct adm_pod bad = POD(INIT("setup", LIST({"memory", "1Gi"}), LIST({"memory", "4Gi"})),
                           REGULAR("app", LIST({"cpu", "1"}), LIST({"cpu", "1501m"})),
                           REGULAR("third", LIST({"cpu", "3"}), LIST({"cpu", "4.5000003"})),
                           REGULAR("zero", LIST({"cpu", "0"}), LIST({"cpu", "1m"})));
  EXPECT(run(state, "resources.limitRequestRatio", &bad, &rule), "resources.limitRequestRatio",
         "container \"setup\": memory max limit to request ratio per Container is 2, but provided ratio is 4",
         "container \"app\": cpu max limit to request ratio per Container is 1.5, but provided ratio is 1.501",
         "container \"third\": cpu max limit to request ratio per Container is 1.5, but provided ratio is 1.500000...",
         "container \"zero\": cpu max limit to request ratio per Container is 1.5, but request is 0");
  /* Zero over zero is no ratio at all. */
  struct adm_pod zeros = POD(REGULAR("app", LIST({"cpu", "0"}), LIST({"cpu", "0"})));
  EXPECT_NONE(run(state, "resources.limitRequestRatio", &zeros, &rule));
}

static void pod_max_sums_regular_containers(void **state) {
  struct adm_resources_rule rule = {.pod_max = MAP(set("memory", "16Gi"), set("cpu", "2"))};
  struct adm_pod good = POD(REGULAR("a", LIST({"memory", "8Gi"}, {"cpu", "1"}), LIST({"memory", "8Gi"})),
                            REGULAR("b", LIST({"memory", "8192Mi"}, {"cpu", "1000m"}), LIST({"memory", "8Gi"})));
  EXPECT_NONE(run(state, "resources.pod.max", &good, &rule));
  struct adm_pod bad = POD(REGULAR("a", LIST({"memory", "10Gi"}, {"cpu", "1500m"}), LIST({"memory", "10Gi"})),
                           REGULAR("b", LIST({"memory", "8Gi"}, {"cpu", "1"}), LIST({"memory", "6Gi"}, {"cpu", "2"})));
  /* Per resource as configured: requests, then limits. */
  EXPECT(run(state, "resources.pod.max", &bad, &rule), "resources.pod.max",
         "maximum memory usage per Pod is 16Gi, but effective request is 18Gi",
         "maximum cpu usage per Pod is 2, but effective request is 2500m");
  struct adm_pod limits = POD(REGULAR("a", LIST({"memory", "1Gi"}), LIST({"memory", "10Gi"})),
                              REGULAR("b", LIST({"memory", "1Gi"}), LIST({"memory", "7Gi"})));
  EXPECT(run(state, "resources.pod.max", &limits, &rule), "resources.pod.max",
         "maximum memory usage per Pod is 16Gi, but effective limit is 17Gi");
}

static void pod_max_counts_sidecars_beside_containers(void **state) {
  struct adm_resources_rule rule = {.pod_max = MAP(set("memory", "16Gi"))};
  /* A plain init container runs alone: max(8Gi, 10Gi) fits. */
  struct adm_pod plain =
      POD(INIT("setup", LIST({"memory", "10Gi"}), NONE), REGULAR("app", LIST({"memory", "8Gi"}), NONE));
  EXPECT_NONE(run(state, "resources.pod.max", &plain, &rule));
  /* The same container as a sidecar runs beside the app: 10Gi + 8Gi. */
  struct adm_pod side =
      POD(sidecar("setup", LIST({"memory", "10Gi"}), NONE), REGULAR("app", LIST({"memory", "8Gi"}), NONE));
  EXPECT(run(state, "resources.pod.max", &side, &rule), "resources.pod.max",
         "maximum memory usage per Pod is 16Gi, but effective request is 18Gi");
  /* A plain init container will not fit on its own. */
  struct adm_pod big =
      POD(INIT("setup", LIST({"memory", "20Gi"}), NONE), REGULAR("app", LIST({"memory", "1Gi"}), NONE));
  EXPECT(run(state, "resources.pod.max", &big, &rule), "resources.pod.max",
         "maximum memory usage per Pod is 16Gi, but effective request is 20Gi");
}

static void pod_max_adds_only_the_sidecars_declared_before(void **state) {
  struct adm_resources_rule rule = {.pod_max = MAP(set("memory", "16Gi"))};
  /* The init container starts after the sidecar: 12Gi + 6Gi. */
  struct adm_pod after =
      POD(sidecar("proxy", LIST({"memory", "6Gi"}), NONE), INIT("setup", LIST({"memory", "12Gi"}), NONE),
          REGULAR("app", LIST({"memory", "1Gi"}), NONE));
  EXPECT(run(state, "resources.pod.max", &after, &rule), "resources.pod.max",
         "maximum memory usage per Pod is 16Gi, but effective request is 18Gi");
  /* Before the sidecar it runs alone: max(12Gi, 1Gi + 6Gi). */
  struct adm_pod before =
      POD(INIT("setup", LIST({"memory", "12Gi"}), NONE), sidecar("proxy", LIST({"memory", "6Gi"}), NONE),
          REGULAR("app", LIST({"memory", "1Gi"}), NONE));
  EXPECT_NONE(run(state, "resources.pod.max", &before, &rule));
}

static void pod_max_defaults_requests_and_prints_totals_readably(void **state) {
  /* A request missing under a limit counts as the limit, as the API server defaults it. */
  struct adm_resources_rule rule = {.pod_max = MAP(set("memory", "2G"))};
  struct adm_pod pod = POD(REGULAR("a", NONE, LIST({"memory", "1500M"})), REGULAR("b", LIST({"memory", "1G"}), NONE));
  EXPECT(run(state, "resources.pod.max", &pod, &rule), "resources.pod.max",
         "maximum memory usage per Pod is 2G, but effective request is 2500M");
  /* Binary when that is the shorter form, whatever the setting's. */
  struct adm_pod gibi = POD(REGULAR("a", LIST({"memory", "1Gi"}), NONE), REGULAR("b", LIST({"memory", "1Gi"}), NONE));
  EXPECT(run(state, "resources.pod.max", &gibi, &rule), "resources.pod.max",
         "maximum memory usage per Pod is 2G, but effective request is 2Gi");
  /* The boundary, across units: 1Gi + 1024Mi == 2Gi. */
  struct adm_resources_rule binary = {.pod_max = MAP(set("memory", "2Gi"))};
  struct adm_pod equal =
      POD(REGULAR("a", LIST({"memory", "1Gi"}), NONE), REGULAR("b", LIST({"memory", "1024Mi"}), NONE));
  EXPECT_NONE(run(state, "resources.pod.max", &equal, &binary));
  struct adm_pod over =
      POD(REGULAR("a", LIST({"memory", "1Gi"}), NONE), REGULAR("b", LIST({"memory", "1025Mi"}), NONE));
  EXPECT(run(state, "resources.pod.max", &over, &binary), "resources.pod.max",
         "maximum memory usage per Pod is 2Gi, but effective request is 2049Mi");
}

/* PodLevelResources: a pod-level value is the pod's effective value for
 * its resource, whatever the containers add up to (upstream's PodRequests
 * and PodLimits). */
static void pod_max_takes_pod_level_values(void **state) {
  struct adm_resources_rule rule = {.pod_max = MAP(set("memory", "8Gi"))};
  /* Three 3Gi limits under a pod-level 8Gi limit: the pod may use 8Gi. */
  struct adm_pod pod = POD(REGULAR("a", LIST({"memory", "1Gi"}), LIST({"memory", "3Gi"})),
                           REGULAR("b", LIST({"memory", "1Gi"}), LIST({"memory", "3Gi"})),
                           REGULAR("c", LIST({"memory", "1Gi"}), LIST({"memory", "3Gi"})));
  EXPECT(run(state, "resources.pod.max", &pod, &rule), "resources.pod.max",
         "maximum memory usage per Pod is 8Gi, but effective limit is 9Gi");
  pod.resources = (struct adm_resources){true, NONE, LIST({"memory", "8Gi"})};
  EXPECT_NONE(run(state, "resources.pod.max", &pod, &rule));
  pod.resources = (struct adm_resources){true, LIST({"memory", "8192Mi"}), LIST({"memory", "8Gi"})};
  EXPECT_NONE(run(state, "resources.pod.max", &pod, &rule));
  /* Past the setting, the pod-level values are what is reported. */
  struct adm_resources_rule small = {.pod_max = MAP(set("memory", "6Gi"))};
  pod.resources = (struct adm_resources){true, LIST({"memory", "7Gi"}), LIST({"memory", "8Gi"})};
  EXPECT(run(state, "resources.pod.max", &pod, &small), "resources.pod.max",
         "maximum memory usage per Pod is 6Gi, but effective request is 7Gi (spec.resources)",
         "maximum memory usage per Pod is 6Gi, but effective limit is 8Gi (spec.resources)");
  /* Per resource: a pod-level memory limit leaves cpu to the containers. */
  struct adm_resources_rule cpu = {.pod_max = MAP(set("cpu", "1"))};
  struct adm_pod both = POD(REGULAR("a", NONE, LIST({"cpu", "800m"})), REGULAR("b", NONE, LIST({"cpu", "800m"})));
  both.resources = (struct adm_resources){true, NONE, LIST({"memory", "8Gi"})};
  EXPECT(run(state, "resources.pod.max", &both, &cpu), "resources.pod.max",
         "maximum cpu usage per Pod is 1, but effective request is 1600m",
         "maximum cpu usage per Pod is 1, but effective limit is 1600m");
}

/* A pod-level request left out is defaulted as the API server does: from
 * the containers' requests when there are some, else from the pod-level
 * limit; hugepages always from the limit. Only cpu, memory and hugepages
 * can be pod-level. */
static void pod_max_defaults_pod_level_requests(void **state) {
  struct adm_resources_rule rule = {.pod_max = MAP(set("memory", "16Gi"))};
  struct adm_pod bare = POD(REGULAR("app", NONE, NONE));
  bare.resources = (struct adm_resources){true, NONE, LIST({"memory", "20Gi"})};
  EXPECT(run(state, "resources.pod.max", &bare, &rule), "resources.pod.max",
         "maximum memory usage per Pod is 16Gi, but effective request is 20Gi (spec.resources)",
         "maximum memory usage per Pod is 16Gi, but effective limit is 20Gi (spec.resources)");
  struct adm_pod requested = POD(REGULAR("app", LIST({"memory", "1Gi"}), NONE));
  requested.resources = bare.resources;
  EXPECT(run(state, "resources.pod.max", &requested, &rule), "resources.pod.max",
         "maximum memory usage per Pod is 16Gi, but effective limit is 20Gi (spec.resources)");
  struct adm_resources_rule huge = {.pod_max = MAP(set("hugepages-2Mi", "16Mi"))};
  struct adm_pod pages = POD(REGULAR("app", LIST({"hugepages-2Mi", "4Mi"}), LIST({"hugepages-2Mi", "4Mi"})));
  pages.resources = (struct adm_resources){true, NONE, LIST({"hugepages-2Mi", "32Mi"})};
  EXPECT(run(state, "resources.pod.max", &pages, &huge), "resources.pod.max",
         "maximum hugepages-2Mi usage per Pod is 16Mi, but effective request is 32Mi (spec.resources)",
         "maximum hugepages-2Mi usage per Pod is 16Mi, but effective limit is 32Mi (spec.resources)");
  /* ephemeral-storage cannot be set at pod level (the API server refuses
   * it): the containers' total stands. */
  struct adm_resources_rule disk = {.pod_max = MAP(set("ephemeral-storage", "16Gi"))};
  struct adm_pod storage = POD(REGULAR("app", LIST({"ephemeral-storage", "20Gi"}), NONE));
  storage.resources = (struct adm_resources){true, LIST({"ephemeral-storage", "1Gi"}), NONE};
  EXPECT(run(state, "resources.pod.max", &storage, &disk), "resources.pod.max",
         "maximum ephemeral-storage usage per Pod is 16Gi, but effective request is 20Gi");
}

/* spec.overhead is added to the effective request, and to the effective
 * limit where the pod has one that is not zero. */
static void pod_max_adds_overhead(void **state) {
  struct adm_resources_rule rule = {.pod_max = MAP(set("memory", "8Gi"))};
  struct adm_pod pod = POD(REGULAR("a", LIST({"memory", "7Gi"}), NONE));
  pod.overhead = LIST({"memory", "1Gi"});
  EXPECT_NONE(run(state, "resources.pod.max", &pod, &rule));
  pod.overhead = LIST({"memory", "1025Mi"});
  EXPECT(run(state, "resources.pod.max", &pod, &rule), "resources.pod.max",
         "maximum memory usage per Pod is 8Gi, but effective request is 8193Mi (the containers plus spec.overhead)");
  struct adm_pod limited = POD(REGULAR("a", LIST({"memory", "1Gi"}), LIST({"memory", "7Gi"})));
  limited.overhead = LIST({"memory", "2Gi"});
  EXPECT(run(state, "resources.pod.max", &limited, &rule), "resources.pod.max",
         "maximum memory usage per Pod is 8Gi, but effective limit is 9Gi (the containers plus spec.overhead)");
  limited.resources = (struct adm_resources){true, NONE, LIST({"memory", "6Gi"})};
  EXPECT_NONE(run(state, "resources.pod.max", &limited, &rule));
  limited.resources = (struct adm_resources){true, NONE, LIST({"memory", "7Gi"})};
  EXPECT(run(state, "resources.pod.max", &limited, &rule), "resources.pod.max",
         "maximum memory usage per Pod is 8Gi, but effective limit is 9Gi (spec.resources plus spec.overhead)");
  /* A zero limit is no limit to add overhead to; a zero request is not. */
  struct adm_resources_rule tiny = {.pod_max = MAP(set("cpu", "100m"))};
  struct adm_pod zero = POD(REGULAR("a", LIST({"cpu", "0"}), LIST({"cpu", "0"})));
  zero.overhead = LIST({"cpu", "250m"});
  EXPECT(run(state, "resources.pod.max", &zero, &tiny), "resources.pod.max",
         "maximum cpu usage per Pod is 100m, but effective request is 250m (the containers plus spec.overhead)");
}

/* An invalid pod-level or overhead value leaves the effective value
 * unknown: resources.quantity reports it, and no total is made up. */
static void pod_max_judges_no_unknown_total(void **state) {
  struct adm_resources_rule rule = {.pod_max = MAP(set("memory", "8Gi"))};
  struct adm_pod pod = POD(REGULAR("a", LIST({"memory", "20Gi"}), LIST({"memory", "20Gi"})));
  pod.resources = (struct adm_resources){true, NONE, LIST({"memory", "8Gx"})};
  EXPECT(run(state, "resources.pod.max", &pod, &rule), "resources.pod.max",
         "maximum memory usage per Pod is 8Gi, but effective request is 20Gi");
  pod.resources = (struct adm_resources){false, NONE, NONE};
  pod.overhead = LIST({"memory", "-1"});
  EXPECT_NONE(run(state, "resources.pod.max", &pod, &rule));
  EXPECT(run_family(state, &pod, &rule), "resources.quantity",
         "pod has an invalid spec.overhead.memory \"-1\": must be greater than or equal to 0");
}

static void pod_max_fails_closed_on_overflow(void **state) {
  struct adm_resources_rule rule = {.pod_max = MAP(set("memory", "16Gi"))};
  /* 1e40 + 1n needs 50 significant digits: no exact total, so no pass. */
  struct adm_pod pod = POD(REGULAR("a", LIST({"memory", "1e40"}), NONE), REGULAR("b", LIST({"memory", "1n"}), NONE));
  EXPECT(run(state, "resources.pod.max", &pod, &rule), "resources.pod.max",
         "maximum memory usage per Pod is 16Gi, but the containers' requests add up past 38 digits, which admitd "
         "cannot compare exactly");
  struct adm_pod init =
      POD(sidecar("proxy", NONE, LIST({"memory", "1n"})), INIT("setup", NONE, LIST({"memory", "1e40"})));
  EXPECT(run(state, "resources.pod.max", &init, &rule), "resources.pod.max",
         "maximum memory usage per Pod is 16Gi, but the containers' requests add up past 38 digits, which admitd "
         "cannot compare exactly",
         "maximum memory usage per Pod is 16Gi, but the containers' limits add up past 38 digits, which admitd "
         "cannot compare exactly");
  /* Pod-level values replace the containers' sums, however large. */
  pod.resources = (struct adm_resources){true, LIST({"memory", "4Gi"}), LIST({"memory", "8Gi"})};
  EXPECT_NONE(run(state, "resources.pod.max", &pod, &rule));
  init.resources = pod.resources;
  EXPECT_NONE(run(state, "resources.pod.max", &init, &rule));
}

static void malformed_quantities_are_reported_once(void **state) {
  struct adm_resources_rule rule = every_setting("16Mi", "1Gi", "2");
  struct adm_pod pod = POD(INIT("setup", LIST({"memory", "12x"}), LIST({"memory", "-1Gi"})),
                           REGULAR("app", LIST({"memory", "1\"Gi"}), LIST({"memory", "512Mi"}, {"cpu", "1e"})));
  pod.resources = (struct adm_resources){true, LIST({"cpu", "abc"}), NONE};
  EXPECT(run_family(state, &pod, &rule), "resources.quantity",
         "container \"setup\" has an invalid resources.requests.memory \"12x\": not a quantity (want a number with an "
         "optional suffix such as 500m, 2Gi or 1e3)",
         "container \"setup\" has an invalid resources.limits.memory \"-1Gi\": must be greater than or equal to 0",
         "container \"app\" has an invalid resources.requests.memory \"1\\\"Gi\": not a quantity (want a number with "
         "an optional suffix such as 500m, 2Gi or 1e3)",
         "container \"app\" has an invalid resources.limits.cpu \"1e\": unknown suffix (want n, u, m, k, M, G, T, P, "
         "E, Ki, Mi, Gi, Ti, Pi, Ei or an e-exponent)",
         "pod has an invalid spec.resources.requests.cpu \"abc\": not a quantity (want a number with an optional "
         "suffix such as 500m, 2Gi or 1e3)");
}

static void valid_quantities_pass(void **state) {
  struct adm_resources_rule rule = {.require_limits = NAMES("memory")};
  struct adm_pod pod =
      POD(REGULAR("app", LIST({"memory", "0"}, {"cpu", "+1.5"}), LIST({"memory", "-0"}, {"cpu", ".5e1"})));
  pod.resources = (struct adm_resources){true, LIST({"cpu", "2"}), LIST({"memory", "1Ei"})};
  EXPECT_NONE(run(state, "resources.quantity", &pod, &rule));
}

static void findings_do_not_depend_on_the_run(void **state) {
  struct adm_resources_rule rule = {
      .require_requests = NAMES("cpu", "memory"),
      .max = MAP(set("memory", "1Gi")),
      .pod_max = MAP(set("memory", "2Gi")),
  };
  struct adm_pod pod = POD(sidecar("s", LIST({"memory", "2Gi"}), NONE), REGULAR("a", LIST({"memory", "512Mi"}), NONE),
                           REGULAR("b", NONE, NONE));
  const struct adm_findings *f = run_family(state, &pod, &rule);
  size_t n = f->n;
  const char **first = adm_arena_calloc(*state, n, sizeof *first);
  assert_non_null(first);
  for (size_t i = 0; i < n; i++)
    first[i] = f->items[i].message;
  assert_int_equal(n, 6);
  for (int round = 0; round < 3; round++) {
    f = run_family(state, &pod, &rule);
    assert_int_equal(f->n, n);
    for (size_t i = 0; i < n; i++)
      assert_string_equal(f->items[i].message, first[i]);
  }
  assert_string_equal(first[0], "container \"s\" must set resources.requests.cpu");
  assert_string_equal(first[5], "maximum memory usage per Pod is 2Gi, but effective request is 2560Mi");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_resources_check_is_registered_in_order),
      cmocka_unit_test(each_check_is_active_only_for_its_setting),
      cmocka_unit_test_setup_teardown(requests_required, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(a_limit_stands_for_a_missing_request, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(limits_required, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(ephemeral_containers_are_skipped, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(min_per_container, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(max_per_container, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(limit_request_ratio, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(pod_max_sums_regular_containers, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(pod_max_counts_sidecars_beside_containers, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(pod_max_adds_only_the_sidecars_declared_before, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(pod_max_defaults_requests_and_prints_totals_readably, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(pod_max_takes_pod_level_values, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(pod_max_defaults_pod_level_requests, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(pod_max_adds_overhead, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(pod_max_judges_no_unknown_total, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(pod_max_fails_closed_on_overflow, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(malformed_quantities_are_reported_once, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(valid_quantities_pass, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(findings_do_not_depend_on_the_run, test_setup, test_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
