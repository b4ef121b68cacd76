/* server/record.c: no secret reaches the file, yet a redacted record
 * decides as the request did; a full queue drops and counts (the request
 * never waits), a record too large for the whole budget is counted and
 * logged, an unwritable file or a full disk is
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
#include "admitd/file.h"
#include "admitd/yaml.h"

/* A pod review with a secret in every place the recorder must clean. */
static const char *const secret_review =
    "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u1\","
    "\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},"
    "\"resource\":{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\"},"
    "\"name\":\"p\",\"namespace\":\"team-a\",\"operation\":\"UPDATE\",\"userInfo\":{\"username\":\"alice\"},"
    "\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\","
    "\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":\"{\\\"SECRET-1\\\":1}\","
    "\"example.com/token\":\"SECRET-J\",\"container.apparmor.security.beta.kubernetes.io/app\":\"runtime/default\","
    "\"seccomp.security.alpha.kubernetes.io/pod\":\"runtime/default\","
    "\"container.seccomp.security.alpha.kubernetes.io/app\":\"runtime/default\"},"
    "\"managedFields\":[{\"manager\":\"SECRET-2\"}]},"
    "\"data\":{\"k\":\"SECRET-3\"},\"stringData\":{\"k\":\"SECRET-4\"},\"binaryData\":{\"k\":\"SECRET-5\"},"
    "\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"x\",\"env\":[{\"name\":\"TOKEN\",\"value\":\"SECRET-6\"},"
    "{\"name\":\"REF\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"s\",\"key\":\"k\"}}}],"
    "\"command\":[\"/bin/app\",\"--password=SECRET-A\"],\"args\":[\"--token\",\"SECRET-B\"],"
    "\"lifecycle\":{\"postStart\":{\"exec\":{\"command\":[\"sh\",\"-c\",\"login SECRET-C\"]}},"
    "\"preStop\":{\"httpGet\":{\"path\":\"/stop\",\"port\":8080,"
    "\"httpHeaders\":[{\"name\":\"Authorization\",\"value\":\"Bearer SECRET-D\"}]}}},"
    "\"livenessProbe\":{\"exec\":{\"command\":[\"check\",\"SECRET-E\"]}},"
    "\"readinessProbe\":{\"httpGet\":{\"host\":\"127.0.0.1\",\"port\":80,"
    "\"httpHeaders\":[{\"name\":\"X-Api-Key\",\"value\":\"SECRET-F\"}]}}}],"
    "\"volumes\":[{\"name\":\"v\",\"csi\":{\"driver\":\"d\",\"volumeAttributes\":{\"key\":\"SECRET-G\"}}},"
    "{\"name\":\"f\",\"flexVolume\":{\"driver\":\"d\",\"options\":{\"password\":\"SECRET-H\"}}},"
    "{\"name\":\"g\",\"gitRepo\":{\"repository\":\"https://user:SECRET-I@git.example.com/r.git\"}}],"
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

/* Decide text under cfg as the server does; then hand the result, with
 * the body as the pipeline left it, to the installed recorder (record), or
 * return the decision as recorded (*new*). */
static char *decide(const struct adm_config *cfg, const char *text, bool record) {
  size_t len = strlen(text);
  char *body = malloc(len);
  memcpy(body, text, len);
  struct adm_arena a;
  adm_arena_init(&a, 16384, 0);
  struct adm_pipeline_result *res = malloc(sizeof *res);
  struct adm_pipeline_options opt;
  adm_pipeline_options_default(&opt);
  adm_pipeline_run(&opt, cfg, body, len, &a, res, NULL);
  assert_true(res->decided);
  char *out = NULL;
  if (record) {
    adm_record(body, len, res);
  } else {
    json_t *d = adm_record_decision(&res->decision);
    out = adm_json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(d);
  }
  if (res->decoded)
    adm_review_request_release(&res->req);
  adm_arena_free(&a);
  free(res);
  free(body);
  return out;
}

static void serve_one(const struct adm_config *cfg, const char *text) {
  decide(cfg, text, true);
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
  const char *leak = strstr(text, "SECRET");
  if (leak != NULL)
    fail_msg("expected no secret in the file, found %.12s", leak);
  json_error_t e;
  json_t *line = json_loads(text, JSON_REJECT_DUPLICATES, &e);
  assert_non_null(line); /* expected: one whole JSON line */
  json_t *obj = json_object_get(json_object_get(json_object_get(line, "request"), "request"), "object");
  /* Keys and structure stay; what decides admission stays whole. */
  assert_non_null(strstr(text, "\"name\":\"TOKEN\""));
  assert_non_null(strstr(text, "\"value\":\"<redacted>\""));
  assert_non_null(strstr(text, "secretKeyRef"));
  assert_non_null(strstr(text, "\"args\":[\"<redacted>\",\"<redacted>\"]"));
  assert_non_null(strstr(text, "\"exec\":{\"command\":[\"<redacted>\",\"<redacted>\",\"<redacted>\"]}"));
  assert_non_null(strstr(text, "{\"name\":\"Authorization\",\"value\":\"<redacted>\"}"));
  assert_non_null(strstr(text, "\"host\":\"127.0.0.1\"")); /* Pod Security's hostProbes reads it */
  assert_non_null(strstr(text, "\"volumeAttributes\":{\"key\":\"<redacted>\"}"));
  json_t *annotations = json_object_get(json_object_get(obj, "metadata"), "annotations");
  assert_string_equal(json_string_value(json_object_get(annotations, "example.com/token")), "<redacted>");
  assert_string_equal(
      json_string_value(json_object_get(annotations, "kubectl.kubernetes.io/last-applied-configuration")),
      "<redacted>");
  static const char *const kept[] = {"container.apparmor.security.beta.kubernetes.io/app",
                                     "seccomp.security.alpha.kubernetes.io/pod",
                                     "container.seccomp.security.alpha.kubernetes.io/app"};
  for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
    assert_string_equal(json_string_value(json_object_get(annotations, kept[i])), "runtime/default");
  assert_true(json_is_boolean(json_object_get(json_object_get(line, "decision"), "allowed")));
  json_decref(line);
  free(text);
  adm_config_free(cfg);
}

/* An UPDATE whose only change is a seccomp annotation (significant while
 * policies up to v1.18 read them), with AppArmor and seccomp annotations
 * Pod Security refuses, and secrets beside them. */
static const char *const annotated_update =
    "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u2\","
    "\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},"
    "\"resource\":{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\"},"
    "\"name\":\"p\",\"namespace\":\"team-a\",\"operation\":\"UPDATE\",\"userInfo\":{\"username\":\"alice\"},"
    "\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"annotations\":{"
    "\"container.apparmor.security.beta.kubernetes.io/app\":\"unconfined\","
    "\"seccomp.security.alpha.kubernetes.io/pod\":\"unconfined\",\"example.com/token\":\"SECRET\"}},"
    "\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"x\",\"args\":[\"SECRET\"]}]}},"
    "\"oldObject\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"annotations\":{"
    "\"container.apparmor.security.beta.kubernetes.io/app\":\"unconfined\","
    "\"seccomp.security.alpha.kubernetes.io/pod\":\"runtime/default\",\"example.com/token\":\"SECRET\"}},"
    "\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"x\",\"args\":[\"SECRET\"]}]}}}}";

/* A replay decides a redacted record as the request was decided: the
 * annotations decisions read are kept, and redacting them would not do. */
static void redacted_records_decide_the_same(void **state) {
  (void)state;
  static const char policy[] = "apiVersion: admitd.io/v1alpha1\nkind: Policy\n"
                               "podSecurity:\n  defaults: {enforce: baseline, enforceVersion: v1.18}\n";
  struct adm_config *cfg;
  struct adm_error err = {0};
  assert_int_equal(adm_config_parse(policy, sizeof policy - 1, "p.yaml", &cfg, &err), 0);
  const char *const reviews[] = {annotated_update, secret_review};
  for (size_t i = 0; i < sizeof reviews / sizeof reviews[0]; i++) {
    json_t *doc = json_loads(reviews[i], 0, NULL);
    assert_non_null(doc);
    adm_record_redact(doc);
    char *redacted = adm_json_dumps(doc, JSON_COMPACT);
    assert_null(strstr(redacted, "SECRET"));
    char *before = decide(cfg, reviews[i], false), *after = decide(cfg, redacted, false);
    if (strcmp(before, after) != 0)
      fail_msg("review %zu: expected the same decision after redaction:\n  %s\n  %s", i, before, after);
    if (i == 0) {
      assert_non_null(strstr(before, "\"allowed\":false"));
      assert_non_null(strstr(before, "AppArmor"));
      assert_non_null(strstr(before, "seccomp"));
      /* The control: with those annotations redacted too, it would differ. */
      const char *k;
      json_t *v;
      json_t *objects[] = {json_object_get(json_object_get(doc, "request"), "object"),
                           json_object_get(json_object_get(doc, "request"), "oldObject")};
      for (size_t j = 0; j < 2; j++) {
        json_t *ann = json_object_get(json_object_get(objects[j], "metadata"), "annotations");
        json_object_foreach(ann, k, v) json_object_set_new(ann, k, json_string("<redacted>"));
      }
      char *naive = adm_json_dumps(doc, JSON_COMPACT), *wrong = decide(cfg, naive, false);
      assert_string_not_equal(before, wrong);
      free(naive);
      free(wrong);
    }
    free(before);
    free(after);
    free(redacted);
    json_decref(doc);
  }
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
  /* Room for one record's copy and re-parse (128 x the body + 256 KiB), when no one else holds it. */
  adm_budget_init(&budget, 1u << 20);
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
  adm_recorder_stop(r);                               /* no room for the writer's re-parse now: dropped too */
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
  assert_int_equal(sscanf(p, "stopped: %llu recorded, %*u dropped (queue full or budget short), %llu failed",
                          &last_recorded, &last_failed),
                   2);
}

static const struct adm_config *serving;

static void serve_twice(const char *text) {
  serve_one(serving, text);
  serve_one(serving, text);
}

/* A record whose copy and re-parse need more than the whole memory budget
 * can never be written: it is counted apart and logged, not lost without a
 * word among the records a full queue drops. */
static void too_large_records_are_counted_and_logged(void **state) {
  (void)state;
  char path[512];
  snprintf(path, sizeof path, "%s/too-large.jsonl", tmpdir);
  struct adm_recorder_options o;
  adm_recorder_options_default(&o);
  o.path = path;
  struct adm_recorder *r = NULL;
  assert_int_equal(recorder_new(&o, &r, NULL), 0);
  struct adm_budget budget;
  adm_budget_init(&budget, 64u << 10); /* the re-parse of any body needs 256 KiB and more */
  adm_recorder_set_budget(r, &budget);
  adm_recorder_install(r);
  struct adm_config *cfg = adm_config_default();
  serving = cfg;
  char *log = capture_stderr(serve_twice, secret_review);
  assert_non_null(log);
  assert_int_equal(count(log, "was not recorded: redacting it needs up to"), 1); /* the first, then once a minute */
  assert_non_null(strstr(log, "more than the whole memory budget (65536 bytes); 1 such request(s) so far"));
  struct adm_recorder_stats st;
  adm_recorder_get_stats(r, &st);
  assert_int_equal(st.too_large, 2);
  assert_int_equal(st.dropped, 0);
  assert_int_equal(adm_budget_used(&budget), 0); /* nothing was copied */
  adm_recorder_install(NULL);
  adm_recorder_stop(r);
  free(log);
  adm_config_free(cfg);
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
      cmocka_unit_test(redacted_records_decide_the_same),
      cmocka_unit_test(too_large_records_are_counted_and_logged),
      cmocka_unit_test(unwritable_file_is_logged_once_and_not_fatal),
      cmocka_unit_test(full_disk_is_logged_once_and_not_fatal),
      cmocka_unit_test(file_rotates_at_its_bound),
      cmocka_unit_test(dry_run_records_what_would_be_denied),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
