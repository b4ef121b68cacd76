/* server/record.c: secrets never reach the file, a full queue drops and
 * counts (the request never waits), an unwritable file or a full disk is
 * logged once and never fatal, the file rotates at its bound, and records
 * keep the decision a global dryRun turned into an allow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../server/record.c"
#include "admitd/config.h"
#include "admitd/yaml.h"

/* A pod review with a secret in every place the recorder must clean. */
static const char *const secret_review =
    "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u1\","
    "\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},"
    "\"resource\":{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\"},"
    "\"name\":\"p\",\"namespace\":\"team-a\",\"operation\":\"UPDATE\",\"userInfo\":{\"username\":\"alice\"},"
    "\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\","
    "\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":\"{\\\"SECRET-1\\\":1}\",\"keep\":\"me\"},"
    "\"managedFields\":[{\"manager\":\"SECRET-2\"}]},"
    "\"data\":{\"k\":\"SECRET-3\"},\"stringData\":{\"k\":\"SECRET-4\"},\"binaryData\":{\"k\":\"SECRET-5\"},"
    "\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"x\",\"env\":[{\"name\":\"TOKEN\",\"value\":\"SECRET-6\"},"
    "{\"name\":\"REF\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"s\",\"key\":\"k\"}}}]}],"
    "\"initContainers\":[{\"name\":\"init\",\"image\":\"x\",\"env\":[{\"name\":\"PW\",\"value\":\"SECRET-7\"}]}]}},"
    "\"oldObject\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\","
    "\"managedFields\":[{\"manager\":\"SECRET-8\"}]},"
    "\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"y\",\"env\":[{\"name\":\"T\",\"value\":\"SECRET-9\"}]}]}}}"
    "}";

static char tmpdir[] = "/tmp/admitd-test-record-XXXXXX";

static int group_setup(void **state) {
  (void)state;
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

/* Decide text under cfg (as the server does) and hand the result to the
 * installed recorder, with the body as the pipeline left it. */
static void serve_one(const struct adm_config *cfg, const char *text) {
  size_t len = strlen(text);
  char *body = malloc(len);
  memcpy(body, text, len);
  struct adm_arena a;
  adm_arena_init(&a, 16384, 0);
  struct adm_pipeline_result *res = malloc(sizeof *res);
  struct adm_pipeline_limits lim;
  adm_pipeline_limits_default(&lim);
  adm_pipeline_run(&lim, cfg, body, len, &a, res);
  assert_true(res->decided);
  adm_record(body, len, res);
  if (res->decoded)
    adm_review_request_release(&res->req);
  adm_arena_free(&a);
  free(res);
  free(body);
}

static char *slurp(const char *path) {
  char *text = NULL;
  size_t len;
  struct adm_error err = {0};
  if (adm_read_file(path, 1 << 24, &text, &len, &err) < 0)
    return NULL;
  return text;
}

static struct adm_recorder *start(const char *name, unsigned long long max_bytes, char *path, size_t cap) {
  snprintf(path, cap, "%s/%s", tmpdir, name);
  struct adm_recorder_options o;
  adm_recorder_options_default(&o);
  o.path = path;
  o.max_bytes = max_bytes;
  struct adm_recorder *r;
  struct adm_error err = {0};
  assert_int_equal(adm_recorder_start(&o, &r, &err), 0);
  adm_recorder_install(r);
  return r;
}

static void no_secret_reaches_the_file(void **state) {
  (void)state;
  char path[512];
  struct adm_recorder *r = start("secrets.jsonl", 0, path, sizeof path);
  struct adm_config *cfg = adm_config_default();
  serve_one(cfg, secret_review);
  adm_recorder_install(NULL);
  adm_recorder_stop(r);
  char *text = slurp(path);
  assert_non_null(text);
  assert_null(strstr(text, "SECRET")); /* expected: not one of SECRET-1..9 */
  json_error_t e;
  json_t *line = json_loads(text, JSON_REJECT_DUPLICATES, &e);
  assert_non_null(line); /* expected: one whole JSON line */
  json_t *obj = json_object_get(json_object_get(json_object_get(line, "request"), "request"), "object");
  /* What decides admission is kept: names, images, references, other annotations. */
  assert_non_null(strstr(text, "\"name\":\"TOKEN\""));
  assert_non_null(strstr(text, "\"value\":\"<redacted>\""));
  assert_non_null(strstr(text, "secretKeyRef"));
  json_t *annotations = json_object_get(json_object_get(obj, "metadata"), "annotations");
  assert_string_equal(json_string_value(json_object_get(annotations, "keep")), "me");
  assert_true(json_is_boolean(json_object_get(json_object_get(line, "decision"), "allowed")));
  json_decref(line);
  free(text);
  adm_config_free(cfg);
}

/* Queued copies and the writer's re-parse are charged to the server's
 * memory budget: a record that does not fit is dropped, never pushing
 * memory past the budget, and every charge is given back. */
static void records_draw_from_the_memory_budget(void **state) {
  (void)state;
  char path[512];
  snprintf(path, sizeof path, "%s/budget.jsonl", tmpdir);
  struct adm_recorder_options o;
  adm_recorder_options_default(&o);
  o.path = path;
  struct adm_recorder *r = NULL;
  assert_int_equal(recorder_new(&o, &r, NULL), 0); /* no writer yet: copies stay queued */
  struct adm_budget budget;
  adm_budget_init(&budget, 64u << 10);
  adm_recorder_set_budget(r, &budget);
  adm_recorder_install(r);
  struct adm_config *cfg = adm_config_default();
  serve_one(cfg, secret_review);
  assert_true(adm_budget_used(&budget) > 0); /* the queued copy is charged */
  size_t others = budget.limit - adm_budget_used(&budget);
  assert_true(adm_budget_take(&budget, others)); /* others hold the rest */
  serve_one(cfg, secret_review);
  struct adm_recorder_stats st;
  adm_recorder_get_stats(r, &st);
  assert_int_equal(st.dropped, 1); /* no room for a second copy */
  adm_recorder_install(NULL);
  adm_recorder_stop(r);                               /* the writer's re-parse needs 128 x the body: dropped too */
  assert_int_equal(adm_budget_used(&budget), others); /* every charge of the recorder returned */
  adm_budget_give(&budget, others);
  char *text = slurp(path);
  assert_true(text == NULL || strchr(text, '\n') == NULL); /* nothing written past the budget */
  free(text);
  adm_config_free(cfg);
}

static void full_queue_drops_and_counts(void **state) {
  (void)state;
  char path[512];
  snprintf(path, sizeof path, "%s/full.jsonl", tmpdir);
  struct adm_recorder_options o;
  adm_recorder_options_default(&o);
  o.path = path;
  o.queue_records = 2;
  struct adm_recorder *r = NULL;
  /* No writer thread: nothing drains, as when the disk is slow. */
  assert_int_equal(recorder_new(&o, &r, NULL), 0);
  adm_recorder_install(r);
  struct adm_config *cfg = adm_config_default();
  for (int i = 0; i < 5; i++)
    serve_one(cfg, secret_review); /* expected: returns at once each time */
  struct adm_recorder_stats st;
  adm_recorder_get_stats(r, &st);
  assert_int_equal(st.dropped, 3);
  assert_int_equal(r->n, 2);
  adm_recorder_install(NULL);
  adm_recorder_stop(r); /* writes the two queued records */
  char *text = slurp(path);
  assert_non_null(text);
  size_t lines = 0;
  for (const char *p = text; (p = strchr(p, '\n')) != NULL; p++)
    lines++;
  assert_int_equal(lines, 2);
  free(text);
  adm_config_free(cfg);
}

/* Run fn with stderr captured; returns what was logged. */
static char *capture_stderr(void (*fn)(const char *), const char *arg) {
  char path[512];
  snprintf(path, sizeof path, "%s/stderr.txt", tmpdir);
  fflush(stderr);
  int saved = dup(2), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  dup2(fd, 2);
  close(fd);
  fn(arg);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  return slurp(path);
}

static size_t count(const char *hay, const char *needle) {
  size_t n = 0;
  for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
    n++;
  return n;
}

static unsigned long long last_failed, last_recorded;

static void record_three_to(const char *path) {
  struct adm_recorder_options o;
  adm_recorder_options_default(&o);
  o.path = path;
  o.max_bytes = 4096; /* would rotate if the file could grow */
  struct adm_recorder *r;
  assert_int_equal(adm_recorder_start(&o, &r, NULL), 0);
  adm_recorder_install(r);
  struct adm_config *cfg = adm_config_default();
  for (int i = 0; i < 3; i++)
    serve_one(cfg, secret_review);
  adm_recorder_install(NULL);
  adm_recorder_stop(r);
  adm_config_free(cfg);
}

/* adm_recorder_stop frees r, so the counts come from its last log line. */
static void parse_counts(const char *log) {
  const char *p = strstr(log, "stopped: ");
  assert_non_null(p);
  assert_int_equal(
      sscanf(p, "stopped: %llu recorded, %*u dropped (queue full), %llu failed", &last_recorded, &last_failed), 2);
}

static void unwritable_file_is_logged_once_and_not_fatal(void **state) {
  (void)state;
  char *log = capture_stderr(record_three_to, "/nonexistent-admitd-dir/rec.jsonl");
  assert_non_null(log);
  assert_int_equal(count(log, "recording to /nonexistent-admitd-dir/rec.jsonl failed"), 1);
  parse_counts(log);
  assert_int_equal(last_recorded, 0);
  assert_int_equal(last_failed, 3);
  free(log);
}

static void full_disk_is_logged_once_and_not_fatal(void **state) {
  (void)state;
  struct stat before, after;
  if (stat("/dev/full", &before) < 0)
    skip();
  char *log = capture_stderr(record_three_to, "/dev/full");
  assert_non_null(log);
  assert_int_equal(count(log, "No space left on device"), 1);
  parse_counts(log);
  assert_int_equal(last_failed, 3);
  /* A device is never rotated away, even past max_bytes. */
  assert_int_equal(stat("/dev/full", &after), 0);
  assert_true(before.st_rdev == after.st_rdev);
  free(log);
}

static void file_rotates_at_its_bound(void **state) {
  (void)state;
  char path[512], rotated[600];
  struct adm_recorder *r = start("rot.jsonl", 8192, path, sizeof path);
  struct adm_config *cfg = adm_config_default();
  for (int i = 0; i < 40; i++)
    serve_one(cfg, secret_review);
  adm_recorder_install(NULL);
  adm_recorder_stop(r);
  snprintf(rotated, sizeof rotated, "%s.1", path);
  struct stat a, b;
  assert_int_equal(stat(path, &a), 0);
  assert_int_equal(stat(rotated, &b), 0); /* expected: FILE.1 exists */
  assert_true(a.st_size <= 8192);
  assert_true(b.st_size <= 8192);
  assert_true(a.st_size > 0);
  adm_config_free(cfg);
}

static void dry_run_records_what_would_be_denied(void **state) {
  (void)state;
  static const char policy[] = "apiVersion: admitd.io/v1alpha1\nkind: Policy\ndryRun: true\n"
                               "podSecurity:\n  defaults: {enforce: restricted}\n";
  struct adm_config *cfg;
  struct adm_error err = {0};
  assert_int_equal(adm_config_parse(policy, sizeof policy - 1, "p.yaml", &cfg, &err), 0);
  char path[512];
  struct adm_recorder *r = start("dry.jsonl", 0, path, sizeof path);
  serve_one(cfg, secret_review);
  adm_recorder_install(NULL);
  adm_recorder_stop(r);
  char *text = slurp(path);
  assert_non_null(text);
  assert_non_null(strstr(text, "\"allowed\":true"));
  assert_non_null(strstr(text, "\"dryRunDenied\":true"));
  assert_non_null(strstr(text, "runAsNonRoot"));
  free(text);
  adm_config_free(cfg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(no_secret_reaches_the_file),
      cmocka_unit_test(full_queue_drops_and_counts),
      cmocka_unit_test(records_draw_from_the_memory_budget),
      cmocka_unit_test(unwritable_file_is_logged_once_and_not_fatal),
      cmocka_unit_test(full_disk_is_logged_once_and_not_fatal),
      cmocka_unit_test(file_rotates_at_its_bound),
      cmocka_unit_test(dry_run_records_what_would_be_denied),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
