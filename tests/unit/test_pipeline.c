/* server/core/pipeline.c: every failure is an answer. The decode bound
 * is measured against jansson's real cost for the densest JSON, a hostile
 * body that exhausts the arena is denied or refused and never allowed, and
 * the torture test fails every allocation of every recorded review in turn
 * (as curl's runtests -t does): never a crash, never "allowed", always a
 * valid JSON answer. */
#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>

#include "helpers.h"

#include "admitd/config.h"
#include "admitd/decide.h"
#include "admitd/extract.h"
#include "admitd/file.h"
#include "admitd/manifest.h"
#include "admitd/pipeline.h"
#include "admitd/synth.h"
#include "admitd/verifier.h"
#include "admitd/yaml.h"

static const char *source_dir(void) {
  const char *d = getenv("ADMITD_SOURCE_DIR");
  if (d == NULL)
    fail_msg("ADMITD_SOURCE_DIR is not set (ctest sets it)");
  return d;
}

static char *read_text(const char *path, size_t *len) {
  char *text;
  struct adm_error err = {0};
  if (adm_read_file(path, 64u << 20, &text, len, &err) < 0)
    fail_msg("cannot read %s: %s", path, err.message);
  return text;
}

static char *fixture(const char *name, size_t *len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/tests/fixtures/reviews/%s", source_dir(), name);
  return read_text(path, len);
}

/* A copy of the review with `"x":<filler>,` inserted at the start of
 * request, as an attacker (or a pod with 200,000 empty args) would. */
static char *with_filler(const char *review, const char *item, size_t count, size_t *len) {
  const char *at = strstr(review, "\"request\":{");
  assert_non_null(at);
  at += strlen("\"request\":{");
  size_t head = (size_t)(at - review), item_len = strlen(item), tail = strlen(at);
  size_t cap = head + 8 + count * (item_len + 1) + tail + 1;
  char *out = malloc(cap);
  assert_non_null(out);
  size_t w = 0;
  memcpy(out, review, head);
  w = head;
  memcpy(out + w, "\"x\":[", 5);
  w += 5;
  for (size_t i = 0; i < count; i++) {
    if (i)
      out[w++] = ',';
    memcpy(out + w, item, item_len);
    w += item_len;
  }
  memcpy(out + w, "],", 2);
  w += 2;
  memcpy(out + w, at, tail + 1);
  *len = w + tail;
  return out;
}

static json_t *answer_json(const struct adm_pipeline_result *res) {
  json_error_t e;
  json_t *j = json_loadb(res->body, res->len, 0, &e);
  if (j == NULL)
    fail_msg("answer %d is not valid JSON (%s): %.*s", res->http_status, e.text, (int)res->len, res->body);
  return j;
}

/* allowed in a 200 answer: 1 allowed, 0 denied; -1 for an error answer. */
static int answer_allowed(const struct adm_pipeline_result *res) {
  json_t *j = answer_json(res);
  int allowed = -1;
  if (res->http_status == 200) {
    json_t *a = json_object_get(json_object_get(j, "response"), "allowed");
    if (!json_is_boolean(a))
      fail_msg("200 answer without response.allowed: %.*s", (int)res->len, res->body);
    allowed = json_is_true(a);
  } else {
    assert_string_equal(json_string_value(json_object_get(j, "kind")), "Status");
  }
  json_decref(j);
  return allowed;
}

static void run(const struct adm_config *cfg, struct adm_arena *a, char *body, size_t len,
                struct adm_pipeline_result *res) {
  struct adm_pipeline_options opt;
  adm_pipeline_options_default(&opt);
  adm_arena_recycle(a, 0);
  adm_pipeline_run(&opt, cfg, body, len, a, res, NULL);
}

/* jansson's cost per body byte for the densest valid JSON stays within
 * ADM_DECODE_BYTES_PER_BODY_BYTE, so valid large pods are never refused
 * for a bound admitd guessed too low. */
static void decode_bound_covers_the_densest_json(void **state) {
  (void)state;
  static const char *const dense[] = {"{}", "[]", "\"\"", "0", "null", "{\"a\":0}", "[[]]", "{\"\":{}}"};
  size_t base_len;
  char *base = fixture("privileged-pod.json", &base_len);
  struct adm_config *cfg = adm_config_default();
  struct adm_arena a;
  adm_arena_init(&a, 65536, 0);
  double worst = 0;
  for (size_t i = 0; i < sizeof dense / sizeof dense[0]; i++) {
    size_t len;
    char *body = with_filler(base, dense[i], 40000, &len);
    size_t body_len = len;
    struct adm_pipeline_result res;
    run(cfg, &a, body, len, &res);
    if (res.http_status != 200)
      fail_msg("filler %s: expected a decision, got %d: %s", dense[i], res.http_status, res.error);
    assert_int_equal(answer_allowed(&res), 0);
    double ratio = (double)a.used_total / (double)body_len;
    if (ratio > worst)
      worst = ratio;
    print_message("filler %-10s %zu bytes: %.1f arena bytes per body byte\n", dense[i], body_len,
                  (double)a.used_total / (double)body_len);
    free(body);
  }
  if (worst > ADM_DECODE_BYTES_PER_BODY_BYTE)
    fail_msg("jansson needs %.1f bytes per body byte, above ADM_DECODE_BYTES_PER_BODY_BYTE (%d)", worst,
             ADM_DECODE_BYTES_PER_BODY_BYTE);
  adm_arena_free(&a);
  adm_config_free(cfg);
  free(base);
}

/* The reproduction from the field: a privileged pod behind 23,008 empty
 * objects was allowed, 23,010 crashed the server. With any arena size it
 * is now denied, or refused with a Status; never allowed. */
static void exhausted_arena_never_allows(void **state) {
  (void)state;
  size_t base_len;
  char *base = fixture("privileged-pod.json", &base_len);
  struct adm_config *cfg = adm_config_default();
  struct adm_arena a;
  adm_arena_init(&a, 65536, 0);
  size_t counts[] = {23008, 23010, 100000};
  for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
    size_t len;
    char *body = with_filler(base, "{}", counts[i], &len);
    struct adm_pipeline_result res;
    run(cfg, &a, body, len, &res);
    assert_int_equal(res.http_status, 200);
    assert_int_equal(answer_allowed(&res), 0);
    free(body);
    /* The same body under caps from tiny to ample: a refusal or a denial. */
    for (size_t cap = 4096; cap < (64u << 20); cap *= 2) {
      body = with_filler(base, "{}", counts[i], &len);
      struct adm_pipeline_options opt;
      adm_pipeline_options_default(&opt);
      opt.limits.max_decode_bytes = cap;
      adm_arena_recycle(&a, 0);
      adm_pipeline_run(&opt, cfg, body, len, &a, &res, NULL);
      int allowed = answer_allowed(&res);
      if (allowed != 0 && res.http_status != 413)
        fail_msg("cap %zu, %zu items: expected a denial or a 413, got %d allowed=%d", cap, counts[i], res.http_status,
                 allowed);
      free(body);
    }
  }
  adm_arena_free(&a);
  adm_config_free(cfg);
  free(base);
}

/* A shared budget that others hold is a 429, never a 400 "malformed". */
static void short_budget_is_429(void **state) {
  (void)state;
  size_t len;
  char *body = fixture("privileged-pod.json", &len);
  struct adm_config *cfg = adm_config_default();
  struct adm_budget budget;
  adm_budget_init(&budget, 1u << 20);
  assert_true(adm_budget_take(&budget, (1u << 20) - 1000)); /* someone else's */
  struct adm_arena a;
  adm_arena_init(&a, 65536, 0);
  a.budget = &budget;
  struct adm_pipeline_result res;
  run(cfg, &a, body, len, &res);
  assert_int_equal(res.http_status, 429);
  assert_int_equal(answer_allowed(&res), -1);
  assert_str_contains(res.body, "TooManyRequests");
  adm_arena_free(&a);
  assert_int_equal(adm_budget_used(&budget), (1u << 20) - 1000);
  adm_config_free(cfg);
  free(body);
}

struct torture_case {
  char path[4096];
  char policy[4096];
};

static size_t collect_cases(struct torture_case *cases, size_t max) {
  size_t n = 0;
  char dir[2048];
  snprintf(dir, sizeof dir, "%s/tests/fixtures/reviews", source_dir());
  DIR *d = opendir(dir);
  assert_non_null(d);
  for (struct dirent *e; (e = readdir(d)) != NULL && n < max;) {
    if (strstr(e->d_name, ".json") == NULL)
      continue;
    snprintf(cases[n].path, sizeof cases[n].path, "%s/%s", dir, e->d_name);
    cases[n++].policy[0] = '\0';
  }
  closedir(d);
  snprintf(dir, sizeof dir, "%s/tests/replay", source_dir());
  d = opendir(dir);
  assert_non_null(d);
  for (struct dirent *e; (e = readdir(d)) != NULL && n < max;) {
    struct stat st;
    snprintf(cases[n].path, sizeof cases[n].path, "%s/%s/input.json", dir, e->d_name);
    if (e->d_name[0] == '.' || stat(cases[n].path, &st) < 0)
      continue;
    snprintf(cases[n].policy, sizeof cases[n].policy, "%s/%s/policy.yaml", dir, e->d_name);
    if (stat(cases[n].policy, &st) < 0)
      cases[n].policy[0] = '\0';
    n++;
  }
  closedir(d);
  return n;
}

/* Fail allocation 1, 2, ..., N of one review's decision in turn: never
 * an allow where the unconstrained run denied, never a decision at all
 * (every failure is an error answer), always valid JSON. Returns N. */
/* ns: where namespace labels and pods come from (NULL: nowhere). */
static unsigned long torture_one(const struct adm_config *cfg, struct adm_arena *a, const char *orig, size_t len,
                                 const char *name, const struct adm_ns_source *ns) {
  char *body = malloc(len + 1);
  memcpy(body, orig, len);
  body[len] = '\0';
  struct adm_pipeline_result res;
  struct adm_pipeline_options opt;
  adm_pipeline_options_default(&opt);
  opt.namespaces = ns;
  adm_arena_recycle(a, 0);
  adm_pipeline_run(&opt, cfg, body, len, a, &res, NULL);
  int baseline = answer_allowed(&res);
  unsigned long allocs = a->allocs;
  assert_true(allocs > 0);
  for (unsigned long nth = 1; nth <= allocs; nth++) {
    memcpy(body, orig, len);
    adm_arena_recycle(a, 1u << 20);
    a->fail_at = nth;
    adm_pipeline_run(&opt, cfg, body, len, a, &res, NULL);
    a->fail_at = 0;
    int allowed = answer_allowed(&res);
    if (allowed == 1 && baseline != 1)
      fail_msg("%s: failing allocation %lu of %lu turned a denial into an allow", name, nth, allocs);
    if (res.http_status == 200 || res.http_status == 400)
      fail_msg("%s: failing allocation %lu of %lu still answered %d, not an error", name, nth, allocs, res.http_status);
  }
  free(body);
  return allocs;
}

static struct adm_config *case_policy(const char *path) {
  struct adm_config *cfg;
  struct adm_error err = {0};
  if (path[0] == '\0')
    return adm_config_default();
  if (adm_config_load(path, &cfg, &err) < 0)
    fail_msg("%s: %s", path, err.message);
  return cfg;
}

/* Every recorded review, and every manifest of the replay cases wrapped
 * as the API server would send it, under its case's policy. */
static void torture_every_allocation(void **state) {
  (void)state;
  static struct torture_case cases[128];
  size_t n_cases = collect_cases(cases, 128);
  assert_true(n_cases >= 10);
  struct adm_arena a;
  adm_arena_init(&a, 65536, 0);
  unsigned long total_runs = 0;
  size_t n_reviews = 0;
  for (size_t c = 0; c < n_cases; c++) {
    struct adm_config *cfg = case_policy(cases[c].policy);
    size_t len;
    char *orig = read_text(cases[c].path, &len);
    total_runs += torture_one(cfg, &a, orig, len, cases[c].path, NULL);
    n_reviews++;
    free(orig);
    adm_config_free(cfg);
  }
  char dir[2048];
  snprintf(dir, sizeof dir, "%s/tests/replay", source_dir());
  DIR *d = opendir(dir);
  assert_non_null(d);
  struct adm_arena synth;
  adm_arena_init(&synth, 65536, 0);
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    char input[4096], policy[4096];
    struct stat st;
    snprintf(input, sizeof input, "%s/%s/input.yaml", dir, e->d_name);
    if (e->d_name[0] == '.' || stat(input, &st) < 0)
      continue;
    snprintf(policy, sizeof policy, "%s/%s/policy.yaml", dir, e->d_name);
    struct adm_config *cfg = case_policy(stat(policy, &st) == 0 ? policy : "");
    struct adm_manifest_set set;
    struct adm_error err = {0};
    if (adm_manifest_load(input, &set, &err) < 0) {
      adm_config_free(cfg);
      continue; /* a case about unreadable input */
    }
    for (size_t i = 0; i < set.n; i++) {
      const json_t *obj = set.objects[i].obj;
      const struct adm_pod_resource *res = adm_pod_resource_for_object(
          json_string_value(json_object_get(obj, "apiVersion")), json_string_value(json_object_get(obj, "kind")));
      if (res == NULL)
        continue;
      struct adm_synth syn = {.group = res->group,
                              .kind = res->kind,
                              .resource_group = res->group,
                              .resource = res->resource,
                              .namespace = "team",
                              .object = obj};
      size_t len;
      adm_arena_recycle(&synth, 0);
      const char *text = adm_synth_review(&synth, &syn, &len);
      assert_non_null(text);
      total_runs += torture_one(cfg, &a, text, len, input, NULL);
      n_reviews++;
    }
    adm_manifest_set_free(&set);
    adm_config_free(cfg);
  }
  closedir(d);
  adm_arena_free(&synth);
  print_message("torture: %zu reviews, %lu failed allocations, every one an error answer\n", n_reviews, total_runs);
  adm_arena_free(&a);
}

/* A manifest wrapped as the API server would send it goes through the
 * same pipeline: denied with upstream's message, and the envelope carries
 * the user, groups and old object it was given. */
static void synthesized_review_is_judged_like_a_real_one(void **state) {
  (void)state;
  json_t *pod =
      test_json("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":"
                "{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"securityContext\":{\"privileged\":true}}]}}");
  static const char *const groups[] = {"dev", "system:authenticated"};
  struct adm_synth syn = {.kind = "Pod",
                          .resource = "pods",
                          .name = "p",
                          .namespace = "team",
                          .username = "alice",
                          .groups = groups,
                          .n_groups = 2,
                          .object = pod,
                          .old_object = pod,
                          .operation = "UPDATE"};
  struct adm_arena a;
  adm_arena_init(&a, 4096, 0);
  size_t len;
  char *text = adm_synth_review(&a, &syn, &len);
  assert_non_null(text);
  json_t *doc = test_json(text);
  json_t *req = json_object_get(doc, "request");
  assert_string_equal(json_string_value(json_object_get(json_object_get(req, "userInfo"), "username")), "alice");
  assert_int_equal(json_array_size(json_object_get(json_object_get(req, "userInfo"), "groups")), 2);
  assert_string_equal(json_string_value(json_object_get(req, "operation")), "UPDATE");
  assert_true(json_equal(json_object_get(req, "oldObject"), pod));
  json_decref(doc);
  syn.operation = NULL;
  syn.old_object = NULL;
  struct adm_arena run_arena;
  adm_arena_init(&run_arena, 65536, 0);
  text = adm_synth_review(&a, &syn, &len);
  struct adm_config *cfg = adm_config_default();
  struct adm_pipeline_result res;
  run(cfg, &run_arena, text, len, &res);
  assert_int_equal(res.http_status, 200);
  assert_int_equal(answer_allowed(&res), 0);
  assert_str_contains(res.decision.message, "pods \"p\" is forbidden: violates PodSecurity \"baseline:latest\"");
  /* A failed arena builds no review at all. */
  adm_arena_recycle(&a, 0);
  a.fail_at = 2;
  assert_null(adm_synth_review(&a, &syn, &len));
  adm_config_free(cfg);
  adm_arena_free(&run_arena);
  adm_arena_free(&a);
  json_decref(pod);
}

/* --- a Namespace update's pods, one namespace at a time ---------------------- */

/* Pod Security from namespace labels, every default privileged. */
static struct adm_config *labels_policy(void) {
  static const char policy[] = "apiVersion: admitd.io/v1alpha1\nkind: Policy\npodSecurity:\n  namespaceLabels: true\n"
                               "  defaults: {enforce: privileged, audit: privileged, warn: privileged}\n";
  struct adm_config *cfg;
  struct adm_error err = {0};
  assert_int_equal(adm_config_parse(policy, strlen(policy), "p.yaml", &cfg, &err), 0);
  return cfg;
}

static char *ns_update(const char *name, struct adm_arena *a, size_t *len) {
  char *text = adm_arena_printf(
      a,
      "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u\",\"kind\":"
      "{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Namespace\"},\"resource\":{\"group\":\"\",\"version\":\"v1\","
      "\"resource\":\"namespaces\"},\"name\":\"%s\",\"namespace\":\"%s\",\"operation\":\"UPDATE\",\"userInfo\":"
      "{\"username\":\"u\"},\"object\":{\"metadata\":{\"name\":\"%s\",\"labels\":{\"pod-security.kubernetes.io/"
      "enforce\":\"baseline\"}}},\"oldObject\":{\"metadata\":{\"name\":\"%s\"}}}}",
      name, name, name, name);
  *len = strlen(text);
  return text;
}

struct nested {
  const struct adm_config *cfg;
  const struct adm_pipeline_options *opt;
  struct adm_pipeline_result inner;
  bool ran_inner;
};

static bool has_text(const char *const *items, size_t n, const char *needle) {
  for (size_t i = 0; i < n; i++)
    if (strstr(items[i], needle))
      return true;
  return false;
}

/* While the first namespace's pods are listed, a second namespace update
 * arrives: its check does not run beside the first, and says so. */
static int list_pods_nested(void *ctx, const char *namespace, size_t max, int64_t deadline_ms, struct adm_arena *a,
                            int (*each)(void *arg, const json_t *pod), void *arg, const char **error) {
  (void)namespace, (void)max, (void)deadline_ms, (void)a, (void)error;
  struct nested *n = ctx;
  if (!n->ran_inner) {
    n->ran_inner = true;
    struct adm_arena inner_arena;
    adm_arena_init(&inner_arena, 16384, 0);
    size_t len;
    char *body = ns_update("second", &inner_arena, &len);
    adm_pipeline_run(n->opt, n->cfg, body, len, &inner_arena, &n->inner, NULL);
    assert_true(n->inner.decided);
    assert_true(n->inner.decision.allowed);
    assert_true(has_text(n->inner.decision.warnings, n->inner.decision.n_warnings,
                         "failed to list pods while checking new PodSecurity enforce level"));
    bool said = false;
    for (size_t i = 0; i < n->inner.decision.n_annotations; i++)
      said |= strstr(n->inner.decision.annotations[i].value, "another namespace's pods are being checked") != NULL;
    assert_true(said);
    adm_review_request_release(&n->inner.req);
    adm_arena_free(&inner_arena);
  }
  json_t *pod = json_loads("{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"i\","
                           "\"securityContext\":{\"privileged\":true}}]}}",
                           0, NULL);
  int stop = each(arg, pod);
  json_decref(pod);
  return stop;
}

static void namespace_pod_checks_run_one_at_a_time(void **state) {
  (void)state;
  struct adm_config *cfg = labels_policy();
  struct adm_pipeline_options opt;
  adm_pipeline_options_default(&opt);
  struct nested n = {.cfg = cfg, .opt = &opt};
  struct adm_ns_source src = {.lookup = NULL, .list_pods = list_pods_nested, .ctx = &n};
  opt.namespaces = &src;
  struct adm_arena a;
  adm_arena_init(&a, 16384, 0);
  struct adm_pipeline_result *res = calloc(1, sizeof *res);
  assert_non_null(res);
  for (int round = 0; round < 2; round++) { /* the second: the first check let go */
    n.ran_inner = false;
    size_t len;
    char *body = ns_update("first", &a, &len);
    adm_pipeline_run(&opt, cfg, body, len, &a, res, NULL);
    assert_true(res->decided);
    assert_true(n.ran_inner);
    assert_true(has_text(res->decision.warnings, res->decision.n_warnings,
                         "existing pods in namespace \"first\" violate the new PodSecurity enforce level"));
    adm_review_request_release(&res->req);
    adm_arena_recycle(&a, 0);
  }
  free(res);
  adm_arena_free(&a);
  adm_config_free(cfg);
}

static int64_t listing_deadline;

static int list_pods_deadline(void *ctx, const char *namespace, size_t max, int64_t deadline_ms, struct adm_arena *a,
                              int (*each)(void *arg, const json_t *pod), void *arg, const char **error) {
  (void)ctx, (void)namespace, (void)max, (void)a, (void)each, (void)arg;
  listing_deadline = deadline_ms;
  *error = "deadline passed before the request";
  return ADM_EIO;
}

/* A review whose answer is already due lists no pods: the listing gets no
 * time (as upstream's half of what is left), never a second of its own. */
static void late_namespace_update_lists_no_pods(void **state) {
  (void)state;
  struct adm_config *cfg = labels_policy();
  struct adm_pipeline_options opt;
  adm_pipeline_options_default(&opt);
  struct adm_ns_source src = {.lookup = NULL, .list_pods = list_pods_deadline, .ctx = NULL};
  opt.namespaces = &src;
  struct adm_arena a;
  adm_arena_init(&a, 16384, 0);
  struct adm_pipeline_result *res = calloc(1, sizeof *res);
  assert_non_null(res);
  size_t len;
  for (int late = 0; late < 2; late++) {
    int64_t now = adm_verifier_now_ms();
    opt.answer_by_ms = late ? now - 5 : now + 4000;
    char *body = ns_update("first", &a, &len);
    adm_pipeline_run(&opt, cfg, body, len, &a, res, NULL);
    assert_true(res->decided);
    assert_true(res->decision.allowed);
    if (late)
      assert_true(listing_deadline <= adm_verifier_now_ms());
    else /* half the time left, at most a second */
      assert_true(listing_deadline > now && listing_deadline <= now + ADM_NS_PODS_TIMEOUT_MS);
    adm_review_request_release(&res->req);
    adm_arena_recycle(&a, 0);
  }
  free(res);
  adm_arena_free(&a);
  adm_config_free(cfg);
}

/* The namespace paths under every allocation failing in turn: a pod judged
 * at its namespace's labels and under a namespaceSelector rule, and a
 * Namespace update whose pods are listed and judged. Each failure is an
 * error answer, never an allow the run without it would not give. */
static int list_two_pods(void *ctx, const char *namespace, size_t max, int64_t deadline_ms, struct adm_arena *a,
                         int (*each)(void *arg, const json_t *pod), void *arg, const char **error) {
  (void)ctx, (void)namespace, (void)max, (void)deadline_ms, (void)a, (void)error;
  static const char *const pods[] = {
      "{\"metadata\":{\"name\":\"b\"},\"spec\":{\"hostPID\":true,\"containers\":[{\"name\":\"a\",\"image\":\"i\"}]}}",
      "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"i\",\"securityContext\":"
      "{\"privileged\":true}}]}}"};
  for (size_t i = 0; i < 2; i++) {
    json_t *pod = json_loads(pods[i], 0, NULL);
    int stop = each(arg, pod);
    json_decref(pod);
    if (stop)
      return 0;
  }
  return 0;
}

static void torture_namespace_paths(void **state) {
  (void)state;
  static const char policy[] = "apiVersion: admitd.io/v1alpha1\nkind: Policy\npodSecurity:\n  namespaceLabels: true\n"
                               "  defaults: {enforce: privileged, audit: privileged, warn: privileged}\n"
                               "resources:\n  rules:\n  - namespaceSelector: {matchLabels: {env: prod}}\n"
                               "    requireLimits: [memory]\n";
  struct adm_config *cfg;
  struct adm_error err = {0};
  assert_int_equal(adm_config_parse(policy, strlen(policy), "p.yaml", &cfg, &err), 0);
  static const char *const keys[] = {"pod-security.kubernetes.io/enforce", "env"};
  static const char *const values[] = {"baseline", "prod"};
  struct adm_ns_fixed fixed = {.labels = {keys, values, 2}};
  struct adm_ns_source src;
  adm_ns_source_fixed(&fixed, &src);
  src.list_pods = list_two_pods;
  struct adm_arena a, text;
  adm_arena_init(&a, 65536, 0);
  adm_arena_init(&text, 16384, 0);
  const char *pods[] = {
      "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"a\","
      "\"image\":\"i\",\"resources\":{\"limits\":{\"memory\":\"1Gi\"}}}]}}",
      "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"a\","
      "\"image\":\"i\"}]}}",
      "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"a\","
      "\"image\":\"i\",\"securityContext\":{\"privileged\":true}}]}}"};
  unsigned long runs = 0;
  for (size_t i = 0; i < sizeof pods / sizeof *pods; i++) {
    json_t *obj = json_loads(pods[i], 0, NULL);
    struct adm_synth syn = {.kind = "Pod", .resource = "pods", .namespace = "payments", .object = obj};
    size_t len;
    const char *body = adm_synth_review(&text, &syn, &len);
    assert_non_null(body);
    runs += torture_one(cfg, &a, body, len, "pod in a labelled namespace", &src);
    json_decref(obj);
  }
  size_t len;
  char *update = ns_update("payments", &text, &len);
  runs += torture_one(cfg, &a, update, len, "namespace update", &src);
  print_message("torture: namespace paths, %lu failed allocations, every one an error answer\n", runs);
  adm_arena_free(&text);
  adm_arena_free(&a);
  adm_config_free(cfg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(decode_bound_covers_the_densest_json),
      cmocka_unit_test(exhausted_arena_never_allows),
      cmocka_unit_test(short_budget_is_429),
      cmocka_unit_test(torture_every_allocation),
      cmocka_unit_test(synthesized_review_is_judged_like_a_real_one),
      cmocka_unit_test(namespace_pod_checks_run_one_at_a_time),
      cmocka_unit_test(late_namespace_update_lists_no_pods),
      cmocka_unit_test(torture_namespace_paths),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
