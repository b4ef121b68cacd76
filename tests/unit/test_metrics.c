/* server/metrics.c: counters summed over shards written by many threads,
 * bounded label values, latency buckets at their edges, the modes a failed
 * check is counted under (against real decisions of the pipeline), the
 * check table's overflow, label escaping, and the plain-HTTP listener.
 * Includes the .c to reach statics. */
#include "helpers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "admitd/config.h"
#include "admitd/file.h"
#include "admitd/pipeline.h"
#include "admitd/yaml.h"
#include "metrics.c"

static int reset(void **state) {
  (void)state;
  adm_metrics_reset();
  return 0;
}

/* The exposition, into a fresh arena the caller frees. */
static const char *scrape_text(struct adm_arena *a) {
  struct adm_metrics_gauges g = {.in_flight = 3, .connections = 7, .decode_slots = 4, .ready = true};
  adm_arena_init(a, 65536, 0);
  size_t len;
  const char *text = adm_metrics_render(a, &g, &len);
  assert_non_null(text);
  assert_int_equal(strlen(text), len);
  return text;
}

/* The value of the sample line that starts with `series ` (name and labels
 * exactly as rendered), or -1 when there is none. */
static double sample(const char *text, const char *series) {
  size_t n = strlen(series);
  for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
    if (strncmp(p, series, n) == 0 && p[n] == ' ')
      return strtod(p + n + 1, NULL);
  return -1;
}

static double scrape_sample(const char *series) {
  struct adm_arena a;
  double v = sample(scrape_text(&a), series);
  adm_arena_free(&a);
  return v;
}

/* A result as the pipeline leaves it for a decided request. */
static void decided(struct adm_pipeline_result *res, const char *kind, const char *op, bool allowed) {
  memset(res, 0, sizeof *res);
  res->http_status = 200;
  res->decoded = res->decided = true;
  res->req.kind_kind = kind;
  res->req.operation = op;
  res->req.namespace = "default";
  res->decision.judged = true;
  res->decision.allowed = allowed;
}

#define THREADS 4
#define PER_THREAD 20000

static void *count_reviews(void *arg) {
  (void)arg;
  struct adm_pipeline_result res;
  decided(&res, "Pod", "CREATE", true);
  for (int i = 0; i < PER_THREAD; i++)
    adm_metrics_review(NULL, &res, 50000);
  return NULL;
}

static void counts_from_many_threads_are_all_summed(void **state) {
  (void)state;
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++)
    assert_int_equal(pthread_create(&t[i], NULL, count_reviews, NULL), 0);
  for (int i = 0; i < THREADS; i++)
    pthread_join(t[i], NULL);
  assert_true(scrape_sample("admitd_requests_total{decision=\"allowed\",kind=\"Pod\",operation=\"CREATE\"}") ==
              THREADS * PER_THREAD);
  assert_true(scrape_sample("admitd_request_duration_seconds_count{decision=\"allowed\"}") == THREADS * PER_THREAD);
  /* 50 us each: in the first bucket, and the sum is exact. */
  assert_true(scrape_sample("admitd_request_duration_seconds_bucket{decision=\"allowed\",le=\"0.0001\"}") ==
              THREADS * PER_THREAD);
  assert_float_equal(scrape_sample("admitd_request_duration_seconds_sum{decision=\"allowed\"}"),
                     THREADS * PER_THREAD * 50e-6, 1e-9);
}

static void labels_come_from_a_fixed_set(void **state) {
  (void)state;
  struct adm_pipeline_result res;
  decided(&res, "Deployment", "UPDATE", false);
  adm_metrics_review(NULL, &res, 1000);
  decided(&res, "CloneSet\"}\nadmitd_x 1", "PATCH", true); /* a client's kind and operation are not labels */
  adm_metrics_review(NULL, &res, 1000);
  memset(&res, 0, sizeof res); /* not decoded: a 400 */
  res.http_status = 400;
  adm_metrics_review(NULL, &res, 1000);
  adm_metrics_review_error(1000);
  struct adm_arena a;
  const char *text = scrape_text(&a);
  assert_true(sample(text, "admitd_requests_total{decision=\"denied\",kind=\"Deployment\",operation=\"UPDATE\"}") == 1);
  assert_true(sample(text, "admitd_requests_total{decision=\"allowed\",kind=\"other\",operation=\"other\"}") == 1);
  assert_true(sample(text, "admitd_requests_total{decision=\"error\",kind=\"unknown\",operation=\"unknown\"}") == 2);
  assert_null(strstr(text, "CloneSet"));
  assert_null(strstr(text, "PATCH"));
  /* Every decision has a series before anything was counted under it. */
  assert_true(sample(text, "admitd_requests_total{decision=\"error\",kind=\"Pod\",operation=\"CREATE\"}") == 0);
  adm_arena_free(&a);
}

static void latency_lands_in_the_bucket_whose_bound_it_does_not_pass(void **state) {
  (void)state;
  struct adm_pipeline_result res;
  decided(&res, "Pod", "CREATE", false);
  adm_metrics_review(NULL, &res, 100000);        /* exactly 100 us */
  adm_metrics_review(NULL, &res, 101000);        /* just over */
  adm_metrics_review(NULL, &res, 10000000000LL); /* exactly 10 s */
  adm_metrics_review(NULL, &res, 10001000000LL); /* past every bound */
  struct adm_arena a;
  const char *text = scrape_text(&a);
  assert_true(sample(text, "admitd_request_duration_seconds_bucket{decision=\"denied\",le=\"0.0001\"}") == 1);
  assert_true(sample(text, "admitd_request_duration_seconds_bucket{decision=\"denied\",le=\"0.00025\"}") == 2);
  assert_true(sample(text, "admitd_request_duration_seconds_bucket{decision=\"denied\",le=\"5\"}") == 2);
  assert_true(sample(text, "admitd_request_duration_seconds_bucket{decision=\"denied\",le=\"10\"}") == 3);
  assert_true(sample(text, "admitd_request_duration_seconds_bucket{decision=\"denied\",le=\"+Inf\"}") == 4);
  assert_true(sample(text, "admitd_request_duration_seconds_count{decision=\"denied\"}") == 4);
  adm_arena_free(&a);
}

static void http_codes_and_decode_waits_are_counted(void **state) {
  (void)state;
  adm_metrics_http_response(503);
  adm_metrics_http_response(503);
  adm_metrics_http_response(429);
  adm_metrics_http_response(413);
  adm_metrics_http_response(418);
  adm_metrics_decode_wait(1500000000LL);
  struct adm_arena a;
  const char *text = scrape_text(&a);
  assert_true(sample(text, "admitd_http_responses_total{code=\"503\"}") == 2);
  assert_true(sample(text, "admitd_http_responses_total{code=\"429\"}") == 1);
  assert_true(sample(text, "admitd_http_responses_total{code=\"413\"}") == 1);
  assert_true(sample(text, "admitd_http_responses_total{code=\"other\"}") == 1);
  assert_true(sample(text, "admitd_decode_slot_waits_total") == 1);
  assert_float_equal(sample(text, "admitd_decode_slot_wait_seconds_total"), 1.5, 1e-9);
  assert_true(sample(text, "admitd_in_flight_requests") == 3);
  assert_true(sample(text, "admitd_open_connections") == 7);
  adm_arena_free(&a);
}

static void reloads_count_by_result_and_stamp_success(void **state) {
  (void)state;
  adm_metrics_init();
  double started = scrape_sample("admitd_config_last_reload_success_timestamp_seconds");
  assert_true(started > 1e9); /* the initial load */
  adm_metrics_reload(ADM_METRICS_RELOAD_CONFIG, false);
  assert_true(scrape_sample("admitd_config_last_reload_success_timestamp_seconds") == started);
  adm_metrics_reload(ADM_METRICS_RELOAD_CERTIFICATE, true);
  adm_metrics_reload(ADM_METRICS_RELOAD_CERTIFICATE, false);
  adm_metrics_reload(ADM_METRICS_RELOAD_CERTIFICATE, false);
  assert_true(scrape_sample("admitd_config_reloads_total{result=\"failure\"}") == 1);
  assert_true(scrape_sample("admitd_config_reloads_total{result=\"success\"}") == 0);
  assert_true(scrape_sample("admitd_certificate_reloads_total{result=\"success\"}") == 1);
  assert_true(scrape_sample("admitd_certificate_reloads_total{result=\"failure\"}") == 2);
  assert_true(scrape_sample("admitd_certificate_last_reload_success_timestamp_seconds") >= started);
}

static void client_auth_refusals_count_by_reason_from_zero(void **state) {
  (void)state;
  static const char *const reasons[] = {"no_certificate", "untrusted", "expired", "name", "error"};
  char series[96];
  for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
    snprintf(series, sizeof series, "admitd_client_auth_refused_total{reason=\"%s\"}", reasons[i]);
    assert_true(scrape_sample(series) == 0); /* there, at 0, before anything was refused */
  }
  assert_true(scrape_sample("admitd_http_responses_total{code=\"401\"}") == 0);
  assert_true(scrape_sample("admitd_http_responses_total{code=\"403\"}") == 0);
  adm_metrics_client_refused(ADM_METRICS_REFUSED_NO_CERTIFICATE);
  adm_metrics_client_refused(ADM_METRICS_REFUSED_NO_CERTIFICATE);
  adm_metrics_client_refused(ADM_METRICS_REFUSED_NAME);
  adm_metrics_client_refused(ADM__METRICS_REFUSALS); /* out of range: not counted anywhere */
  adm_metrics_http_response(401);
  adm_metrics_http_response(403);
  assert_true(scrape_sample("admitd_client_auth_refused_total{reason=\"no_certificate\"}") == 2);
  assert_true(scrape_sample("admitd_client_auth_refused_total{reason=\"name\"}") == 1);
  assert_true(scrape_sample("admitd_client_auth_refused_total{reason=\"untrusted\"}") == 0);
  assert_true(scrape_sample("admitd_http_responses_total{code=\"401\"}") == 1);
  assert_true(scrape_sample("admitd_http_responses_total{code=\"403\"}") == 1);
  assert_true(scrape_sample("admitd_http_responses_total{code=\"other\"}") == 0);
  adm_metrics_init();
  adm_metrics_reload(ADM_METRICS_RELOAD_CLIENT_CA, false);
  assert_true(scrape_sample("admitd_client_ca_reloads_total{result=\"failure\"}") == 1);
  assert_true(scrape_sample("admitd_client_ca_reloads_total{result=\"success\"}") == 0);
  assert_true(scrape_sample("admitd_client_ca_last_reload_success_timestamp_seconds") > 1e9);
}

static void every_pod_security_check_has_series_from_the_start(void **state) {
  (void)state;
  adm_metrics_init();
  struct adm_arena a;
  const char *text = scrape_text(&a);
  for (const struct adm_check *const *t = adm_check_table; *t; t++)
    for (int m = 0; m < ADM__MODE_COUNT; m++) {
      char series[256];
      snprintf(series, sizeof series, "admitd_failed_checks_total{family=\"podSecurity\",check=\"%s\",mode=\"%s\"}",
               (*t)->id, adm_mode_name((enum adm_mode)m));
      if (sample(text, series) != 0)
        fail_msg("expected %s at 0 after init", series);
    }
  adm_arena_free(&a);
}

static void the_check_table_overflows_into_other_and_escapes_labels(void **state) {
  (void)state;
  char id[32];
  for (int i = 0; i < ADM_METRICS_MAX_CHECKS + 10; i++) {
    snprintf(id, sizeof id, "rule%d", i);
    adm_metrics_failed_check("resources", id, ADM_MODE_WARN);
  }
  adm_metrics_failed_check("resources", "a\"b\\c\nd", ADM_MODE_AUDIT); /* table is full: other */
  adm_metrics_failed_check("resources", "rule0", ADM_MODE_WARN);       /* still its own slot */
  struct adm_arena a;
  const char *text = scrape_text(&a);
  assert_true(sample(text, "admitd_failed_checks_total{family=\"resources\",check=\"rule0\",mode=\"warn\"}") == 2);
  assert_true(sample(text, "admitd_failed_checks_total{family=\"other\",check=\"other\",mode=\"warn\"}") == 10);
  assert_true(sample(text, "admitd_failed_checks_total{family=\"other\",check=\"other\",mode=\"audit\"}") == 1);
  adm_arena_free(&a);
  adm_metrics_reset();
  adm_metrics_failed_check("images", "a\"b\\c\nd", ADM_MODE_ENFORCE);
  text = scrape_text(&a);
  assert_true(
      sample(text, "admitd_failed_checks_total{family=\"images\",check=\"a\\\"b\\\\c\\nd\",mode=\"enforce\"}") == 1);
  adm_arena_free(&a);
}

/* --- modes, against real decisions ----------------------------------------- */

static char *fixture(const char *name, size_t *len) {
  const char *d = getenv("ADMITD_SOURCE_DIR");
  if (d == NULL)
    fail_msg("ADMITD_SOURCE_DIR is not set (ctest sets it)");
  char path[4096];
  snprintf(path, sizeof path, "%s/tests/fixtures/reviews/%s", d, name);
  char *text;
  struct adm_error err = {0};
  if (adm_read_file(path, 1u << 20, &text, len, &err) < 0)
    fail_msg("cannot read %s: %s", path, err.message);
  return text;
}

static struct adm_config *policy(const char *defaults) {
  char text[512];
  snprintf(text, sizeof text, "apiVersion: admitd.io/v1alpha1\nkind: Policy\n%spodSecurity:\n  defaults: %s\n",
           strstr(defaults, "dry") ? "dryRun: true\n" : "", strstr(defaults, "dry") ? strchr(defaults, '{') : defaults);
  struct adm_config *cfg;
  struct adm_error err = {0};
  if (adm_config_parse(text, strlen(text), "test.yaml", &cfg, &err) < 0)
    fail_msg("policy does not parse: %s", err.message);
  return cfg;
}

/* The modes check failed in when review is judged under defaults. */
static unsigned modes_of(const char *review, const char *defaults, const char *check) {
  size_t len;
  char *body = fixture(review, &len);
  struct adm_config *cfg = policy(defaults);
  struct adm_arena arena;
  adm_arena_init(&arena, 65536, 0);
  struct adm_pipeline_options opt;
  adm_pipeline_options_default(&opt);
  static struct adm_pipeline_result res;
  adm_pipeline_run(&opt, cfg, body, len, &arena, &res, NULL);
  assert_true(res.decided);
  unsigned modes = adm_metrics_check_modes(cfg, &res.req, &res.decision, check);
  adm_review_request_release(&res.req);
  adm_arena_free(&arena);
  adm_config_free(cfg);
  free(body);
  return modes;
}

/* A family's failed check counts under its family, once per review and
 * mode, whatever the number of rules that found it. */
static void family_checks_count_under_their_family(void **state) {
  (void)state;
  adm_metrics_reset();
  adm_metrics_init();
  const char *yaml = "apiVersion: admitd.io/v1alpha1\nkind: Policy\n"
                     "securityContext:\n  rules:\n    - readOnlyRootFilesystem: true\n"
                     "    - readOnlyRootFilesystem: true\n      mode: warn\n    - readOnlyRootFilesystem: true\n";
  struct adm_config *cfg;
  struct adm_error err = {0};
  if (adm_config_parse(yaml, strlen(yaml), "t.yaml", &cfg, &err) < 0)
    fail_msg("policy does not parse: %s", err.message);
  size_t len;
  char *body = fixture("plain-pod.json", &len);
  struct adm_arena arena;
  adm_arena_init(&arena, 65536, 0);
  struct adm_pipeline_options opt;
  adm_pipeline_options_default(&opt);
  static struct adm_pipeline_result res;
  adm_pipeline_run(&opt, cfg, body, len, &arena, &res, NULL);
  assert_true(res.decided);
  adm_metrics_review(cfg, &res, 1000);
  adm_review_request_release(&res.req);
  struct adm_arena a;
  const char *text = scrape_text(&a);
  const char *base = "admitd_failed_checks_total{family=\"securityContext\",check=\"securityContext."
                     "readOnlyRootFilesystem\",mode=";
  char series[256];
  snprintf(series, sizeof series, "%s\"enforce\"}", base);
  if (sample(text, series) != 1)
    fail_msg("expected %s at 1 (two enforce rules, one review)", series);
  snprintf(series, sizeof series, "%s\"warn\"}", base);
  if (sample(text, series) != 1)
    fail_msg("expected %s at 1", series);
  snprintf(series, sizeof series, "%s\"audit\"}", base);
  if (sample(text, series) != 0)
    fail_msg("expected %s at 0 from the start", series);
  adm_arena_free(&a);
  adm_arena_free(&arena);
  adm_config_free(cfg);
  free(body);
}

#define E (1u << ADM_MODE_ENFORCE)
#define A (1u << ADM_MODE_AUDIT)
#define W (1u << ADM_MODE_WARN)

static void a_failed_check_counts_under_the_modes_that_acted_on_it(void **state) {
  (void)state;
  const char *builtin = "{enforce: baseline, warn: restricted, audit: restricted}";
  /* Denied at baseline; restricted audit and warn fail it too. */
  assert_int_equal(modes_of("privileged-pod.json", builtin, "privileged"), E | A | W);
  /* A restricted-only check does not count against the baseline enforce. */
  assert_int_equal(modes_of("plain-pod.json", builtin, "runAsNonRoot"), A | W);
  assert_int_equal(modes_of("restricted-pod.json", builtin, "runAsNonRoot"), 0);
  /* Audit off: only enforce and warn. */
  assert_int_equal(
      modes_of("privileged-pod.json", "{enforce: baseline, warn: baseline, audit: privileged}", "privileged"), E | W);
  /* Denied at restricted: the check failed at the baseline warn level too
   * (upstream then sends no warning, but the check did fail in that mode). */
  assert_int_equal(
      modes_of("privileged-pod.json", "{enforce: restricted, warn: baseline, audit: privileged}", "privileged"), E | W);
  /* Dry-run: the denial that was not applied still counts as enforce. */
  assert_int_equal(
      modes_of("privileged-pod.json", "dry {enforce: baseline, warn: privileged, audit: privileged}", "privileged"), E);
}

/* --- the listener ------------------------------------------------------------ */

static void fill_gauges(void *ctx, struct adm_metrics_gauges *g) {
  g->in_flight = *(unsigned *)ctx;
}

/* "GET path" over plain HTTP to 127.0.0.1:port; the whole answer into buf. */
static void http_get(uint16_t port, const char *method, const char *path, char *buf, size_t cap) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
  assert_int_equal(connect(fd, (struct sockaddr *)&in, sizeof in), 0);
  char req[256];
  int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", method, path);
  assert_int_equal(write(fd, req, (size_t)n), n);
  size_t got = 0;
  ssize_t r;
  while (got + 1 < cap && (r = read(fd, buf + got, cap - 1 - got)) > 0)
    got += (size_t)r;
  buf[got] = '\0';
  close(fd);
}

static void the_listener_serves_metrics_over_plain_http(void **state) {
  (void)state;
  struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = 0};
  inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
  unsigned in_flight = 42;
  struct adm_metrics_listener *l;
  struct adm_error err = {0};
  assert_int_equal(adm_metrics_listener_start((struct sockaddr *)&in, fill_gauges, &in_flight, &l, &err), 0);
  uint16_t port = adm_metrics_listener_port(l);
  assert_true(port != 0);
  static char buf[1 << 20];
  http_get(port, "GET", "/metrics", buf, sizeof buf);
  assert_non_null(strstr(buf, "HTTP/1.1 200"));
  assert_non_null(strstr(buf, "text/plain; version=0.0.4"));
  assert_non_null(strstr(buf, "\nadmitd_in_flight_requests 42\n"));
  http_get(port, "GET", "/validate", buf, sizeof buf);
  assert_non_null(strstr(buf, "HTTP/1.1 404"));
  http_get(port, "POST", "/metrics", buf, sizeof buf);
  assert_non_null(strstr(buf, "HTTP/1.1 405"));
  http_get(port, "GET", "/healthz", buf, sizeof buf);
  assert_non_null(strstr(buf, "HTTP/1.1 200"));
  adm_metrics_listener_stop(l);
}

/* Verification counters appear once a policy verifies, one series per outcome. */
static void image_verification_counters(void **state) {
  (void)state;
  struct adm_arena a;
  adm_arena_init(&a, 65536, 0);
  struct adm_metrics_gauges g = {.ready = true};
  size_t len;
  const char *text = adm_metrics_render(&a, &g, &len);
  assert_null(strstr(text, "admitd_image_verifications_total"));
  /* Signature failures have a series per outcome from the start. */
  adm_metrics_init();
  const char *unsigned_series =
      "admitd_failed_checks_total{family=\"images\",check=\"images.signature.unsigned\",mode=\"enforce\"}";
  assert_true(sample(adm_metrics_render(&a, &g, &len), unsigned_series) == 0);
  g.verifying = true;
  g.verifications[ADM_SIG_VERIFIED] = 5;
  g.verifications[ADM_SIG_DEADLINE] = 2;
  g.verification_cache_hits = 40;
  g.registry_requests = 17;
  text = adm_metrics_render(&a, &g, &len);
  assert_true(sample(text, "admitd_image_verifications_total{outcome=\"verified\"}") == 5);
  assert_true(sample(text, "admitd_image_verifications_total{outcome=\"deadline\"}") == 2);
  assert_true(sample(text, "admitd_image_verifications_total{outcome=\"unsigned\"}") == 0);
  assert_true(sample(text, "admitd_image_verifications_total{outcome=\"busy\"}") == 0); /* from the start */
  g.verifications[ADM_SIG_BUSY] = 3;
  text = adm_metrics_render(&a, &g, &len);
  assert_true(sample(text, "admitd_image_verifications_total{outcome=\"busy\"}") == 3);
  assert_true(sample(text, "admitd_image_verifications_total{outcome=\"not-checked\"}") == -1);
  assert_true(sample(text, "admitd_image_verification_cache_hits_total") == 40);
  assert_true(sample(text, "admitd_registry_requests_total") == 17);
  adm_arena_free(&a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(counts_from_many_threads_are_all_summed, reset),
      cmocka_unit_test_setup(image_verification_counters, reset),
      cmocka_unit_test_setup(labels_come_from_a_fixed_set, reset),
      cmocka_unit_test_setup(latency_lands_in_the_bucket_whose_bound_it_does_not_pass, reset),
      cmocka_unit_test_setup(http_codes_and_decode_waits_are_counted, reset),
      cmocka_unit_test_setup(reloads_count_by_result_and_stamp_success, reset),
      cmocka_unit_test_setup(client_auth_refusals_count_by_reason_from_zero, reset),
      cmocka_unit_test_setup(every_pod_security_check_has_series_from_the_start, reset),
      cmocka_unit_test_setup(the_check_table_overflows_into_other_and_escapes_labels, reset),
      cmocka_unit_test_setup(a_failed_check_counts_under_the_modes_that_acted_on_it, reset),
      cmocka_unit_test_setup(family_checks_count_under_their_family, reset),
      cmocka_unit_test_setup(the_listener_serves_metrics_over_plain_http, reset),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
