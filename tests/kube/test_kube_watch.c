/* The namespace reader against fake_apiserver.py (tests/kube/run.sh starts
 * it and exports where it is): the paginated first list, label changes and
 * deletions seen within a second, bookmarks, 410 Gone as an event and as a
 * status, dropped and stalled streams, token rotation, the live GET,
 * bounds, client certificates, in-cluster settings, pods of a namespace,
 * and a stop that returns in bounded time. The control port is spoken to
 * with a few lines of plain HTTP over a socket. */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "admitd/kube.h"
#include "admitd/verifier.h"
#include "kube_internal.h"

static const char *env(const char *name) {
  const char *v = getenv(name);
  if (v == NULL) {
    fprintf(stderr, "%s is not set: run this through tests/kube/run.sh\n", name);
    exit(2);
  }
  return v;
}

static void sleep_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

/* ---- the control port --------------------------------------------------- */

static int connect_to(const char *addr) {
  const char *colon = strrchr(addr, ':');
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)strtol(colon + 1, NULL, 10))};
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  return fd;
}

/* METHOD path on the control port; the body (*new*) of a 200. */
static char *ctl_request(const char *method, const char *path) {
  int fd = connect_to(env("KUBE_CTL"));
  char req[8192];
  int n = snprintf(req, sizeof req, "%s %s HTTP/1.0\r\nHost: ctl\r\nContent-Length: 0\r\n\r\n", method, path);
  assert_int_equal(write(fd, req, (size_t)n), n);
  size_t cap = 65536, len = 0;
  char *buf = malloc(cap);
  assert_non_null(buf);
  ssize_t got;
  while ((got = read(fd, buf + len, cap - 1 - len)) > 0)
    len += (size_t)got;
  close(fd);
  buf[len] = '\0';
  if (strncmp(buf, "HTTP/1.1 200", 12) != 0 && strncmp(buf, "HTTP/1.0 200", 12) != 0)
    fail_msg("control %s %s: %.200s", method, path, buf);
  char *body = strstr(buf, "\r\n\r\n");
  char *out = strdup(body ? body + 4 : "");
  free(buf);
  return out;
}

__attribute__((format(printf, 1, 2))) static void ctl(const char *fmt, ...) {
  char path[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(path, sizeof path, fmt, ap);
  va_end(ap);
  free(ctl_request("POST", path));
}

/* A counter or string of the fake server's /stats. */
static json_t *server_stats(void) {
  char *body = ctl_request("GET", "/stats");
  json_t *j = json_loads(body, 0, NULL);
  free(body);
  assert_non_null(j);
  return j;
}
static long server_count(const char *key) {
  json_t *j = server_stats();
  long v = (long)json_integer_value(json_object_get(j, key));
  json_decref(j);
  return v;
}
static void server_string(const char *key, char *out, size_t outlen) {
  json_t *j = server_stats();
  snprintf(out, outlen, "%s", json_string_value(json_object_get(j, key)) ?: "");
  json_decref(j);
}

/* ---- files and configs --------------------------------------------------- */

static void write_file(const char *path, const char *text) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  assert_non_null(f);
  fputs(text, f);
  assert_int_equal(fclose(f), 0);
  assert_int_equal(rename(tmp, path), 0);
}

static void work_path(char *out, size_t outlen, const char *name) {
  snprintf(out, outlen, "%s/%s", env("KUBE_WORK"), name);
}

/* A kubeconfig for the fake server; user_lines replace the token file. */
static struct adm_kube_config *config_with(const char *user_lines) {
  char path[4096], text[8192], user[4096];
  if (user_lines == NULL)
    snprintf(user, sizeof user, "    tokenFile: %s\n", env("KUBE_CLIENT_TOKEN"));
  else
    snprintf(user, sizeof user, "%s", user_lines);
  snprintf(text, sizeof text,
           "apiVersion: v1\nkind: Config\ncurrent-context: test\n"
           "clusters:\n- name: fake\n  cluster:\n    server: https://%s\n    certificate-authority: %s\n"
           "contexts:\n- name: test\n  context: {cluster: fake, user: admitd}\n"
           "users:\n- name: admitd\n  user:\n%s",
           env("KUBE_ADDR"), env("KUBE_CA"), user);
  work_path(path, sizeof path, "kubeconfig");
  write_file(path, text);
  struct adm_kube_config *c = NULL;
  struct adm_error e = {0};
  int rc = adm_kube_config_from_kubeconfig(path, NULL, &c, &e);
  if (rc < 0)
    fail_msg("kubeconfig: %s: %s", e.where, e.message);
  return c;
}

static const struct adm_kube_ns_options fast = {
    .page_size = 2,
    .watch_timeout_s = 30, /* and the read timeout its default, 60 s: a quiet watch stays */
    .connect_timeout_ms = 2000,
    .request_timeout_ms = 5000,
    .backoff_initial_ms = 50,
    .backoff_max_ms = 300,
};

struct fixture {
  struct adm_kube_config *cfg;
  struct adm_kube_ns_watcher *w;
  struct adm_arena arena;
};

static struct fixture *start_with(const struct adm_kube_ns_options *o, struct adm_kube_config *cfg) {
  struct fixture *f = calloc(1, sizeof *f);
  assert_non_null(f);
  f->cfg = cfg;
  adm_arena_init(&f->arena, 4096, 0);
  struct adm_error e = {0};
  assert_int_equal(adm_kube_ns_start(f->cfg, o, &f->w, &e), 0);
  return f;
}

static void wait_synced(struct fixture *f) {
  for (int i = 0; i < 500 && !adm_kube_ns_synced(f->w); i++)
    sleep_ms(10);
  if (!adm_kube_ns_synced(f->w)) {
    struct adm_kube_ns_stats st;
    adm_kube_ns_stats(f->w, &st);
    fail_msg("not synced within 5 s: %s", st.last_error);
  }
}

static void stop(struct fixture *f) {
  adm_kube_ns_stop(f->w);
  adm_kube_config_free(f->cfg);
  adm_arena_free(&f->arena);
  free(f);
}

static int setup_reset(void **state) {
  (void)state;
  write_file(env("KUBE_SERVER_TOKEN"), "token-one\n");
  write_file(env("KUBE_CLIENT_TOKEN"), "token-one\n");
  ctl("/reset");
  return 0;
}

/* The value of label key of namespace ns ("" when it has no such label),
 * with the lookup's result. */
static enum adm_kube_ns_result label_of(struct fixture *f, const char *ns, const char *key, char *out, size_t outlen) {
  struct adm_labels l;
  out[0] = '\0';
  enum adm_kube_ns_result r = adm_kube_ns_lookup(f->w, ns, &f->arena, &l);
  for (size_t i = 0; r == ADM_KUBE_NS_FOUND && i < l.n; i++)
    if (strcmp(l.keys[i], key) == 0)
      snprintf(out, outlen, "%s", l.values[i]);
  return r;
}

/* Milliseconds until label key of ns reads want (r FOUND), or -1 after limit_ms. */
static long wait_label(struct fixture *f, const char *ns, const char *key, const char *want, long limit_ms) {
  int64_t start = adm_verifier_now_ms();
  char v[2048];
  do {
    if (label_of(f, ns, key, v, sizeof v) == ADM_KUBE_NS_FOUND && strcmp(v, want) == 0)
      return (long)(adm_verifier_now_ms() - start);
    sleep_ms(5);
  } while (adm_verifier_now_ms() - start < limit_ms);
  return -1;
}

static enum adm_kube_ns_result wait_result(struct fixture *f, const char *ns, enum adm_kube_ns_result want,
                                           long limit_ms) {
  int64_t start = adm_verifier_now_ms();
  char v[256];
  enum adm_kube_ns_result r;
  while ((r = label_of(f, ns, "x", v, sizeof v)) != want && adm_verifier_now_ms() - start < limit_ms)
    sleep_ms(5);
  return r;
}

static struct adm_kube_ns_stats stats(struct fixture *f) {
  struct adm_kube_ns_stats st;
  adm_kube_ns_stats(f->w, &st);
  return st;
}

/* Wait until field of the client's stats passes min. */
#define WAIT_STAT(f, field, min, limit_ms)                                                                             \
  do {                                                                                                                 \
    int64_t t0_ = adm_verifier_now_ms();                                                                               \
    while (stats(f).field < (min) && adm_verifier_now_ms() - t0_ < (limit_ms))                                         \
      sleep_ms(10);                                                                                                    \
    if (stats(f).field < (min))                                                                                        \
      fail_msg("%s stayed at %llu, want %llu (last error: %s)", #field, (unsigned long long)stats(f).field,            \
               (unsigned long long)(min), stats(f).last_error);                                                        \
  } while (0)

/* Until the fake server holds a watch open: only then does it send what
 * the test makes happen next to it. */
static void wait_watching(void) {
  for (int i = 0; i < 300 && server_count("open_watches") < 1; i++)
    sleep_ms(10);
  assert_true(server_count("open_watches") >= 1);
}

/* A watcher on the kubeconfig of the test, synced, its watch open. */
static struct fixture *start_watching(const struct adm_kube_ns_options *o) {
  struct fixture *f = start_with(o, config_with(NULL));
  wait_synced(f);
  wait_watching();
  return f;
}

/* ---- the cases ------------------------------------------------------------ */

static void test_first_list_is_paginated(void **state) {
  (void)state;
  for (int i = 0; i < 5; i++)
    ctl("/ns?name=team-%d&labels=pod-security.kubernetes.io/enforce=restricted,idx=%d", i, i);
  struct fixture *f = start_with(&fast, config_with(NULL));
  wait_synced(f);
  /* 7 namespaces (default and kube-system too) in pages of 2. */
  assert_int_equal(server_count("list_pages"), 4);
  char limit[16];
  server_string("last_list_limit", limit, sizeof limit);
  assert_string_equal(limit, "2");
  char v[64];
  for (int i = 0; i < 5; i++) {
    char name[32], want[8];
    snprintf(name, sizeof name, "team-%d", i);
    snprintf(want, sizeof want, "%d", i);
    assert_int_equal(label_of(f, name, "idx", v, sizeof v), ADM_KUBE_NS_FOUND);
    assert_string_equal(v, want);
    assert_int_equal(label_of(f, name, "pod-security.kubernetes.io/enforce", v, sizeof v), ADM_KUBE_NS_FOUND);
    assert_string_equal(v, "restricted");
  }
  assert_int_equal(label_of(f, "kube-system", "kubernetes.io/metadata.name", v, sizeof v), ADM_KUBE_NS_FOUND);
  assert_string_equal(v, "kube-system");
  assert_int_equal(label_of(f, "nope", "x", v, sizeof v), ADM_KUBE_NS_ABSENT);
  struct adm_kube_ns_stats st = stats(f);
  assert_true(st.synced);
  assert_int_equal(st.lists, 1);
  assert_int_equal(st.relists, 0);
  assert_int_equal(st.namespaces, 7);
  assert_true(st.last_sync_unix_ms > 0);
  assert_false(st.limit_reached);
  stop(f);
}

static void test_changes_are_seen_within_a_second(void **state) {
  (void)state;
  ctl("/ns?name=payments&labels=pod-security.kubernetes.io/enforce=baseline");
  struct fixture *f = start_watching(&fast);
  ctl("/ns?name=payments&labels=pod-security.kubernetes.io/enforce=restricted");
  long ms = wait_label(f, "payments", "pod-security.kubernetes.io/enforce", "restricted", 1000);
  assert_true(ms >= 0);
  ctl("/ns?name=fresh&labels=env=prod");
  assert_true(wait_label(f, "fresh", "env", "prod", 1000) >= 0);
  ctl("/delete?name=payments");
  assert_int_equal(wait_result(f, "payments", ADM_KUBE_NS_ABSENT, 1000), ADM_KUBE_NS_ABSENT);
  assert_true(stats(f).events >= 3);
  assert_int_equal(stats(f).relists, 0);
  stop(f);
}

static void test_bookmark_moves_the_resource_version(void **state) {
  (void)state;
  struct fixture *f = start_watching(&fast);
  uint64_t events = stats(f).events;
  ctl("/bookmark");
  char rv[32], seen[32];
  server_string("rv", rv, sizeof rv);
  WAIT_STAT(f, events, events + 1, 2000);
  /* The next watch resumes from the bookmark's resourceVersion. */
  ctl("/drop");
  WAIT_STAT(f, watches, 2, 3000);
  wait_watching();
  for (int i = 0; i < 100; i++) {
    server_string("last_watch_rv", seen, sizeof seen);
    if (strcmp(seen, rv) == 0)
      break;
    sleep_ms(10);
  }
  assert_string_equal(seen, rv);
  assert_int_equal(stats(f).lists, 1);
  stop(f);
}

static void expired_relists(const char *mode) {
  ctl("/ns?name=app&labels=tier=one");
  struct fixture *f = start_watching(&fast);
  ctl("/expire?mode=%s", mode);
  WAIT_STAT(f, relists, 1, 3000);
  assert_int_equal(stats(f).lists, 2);
  assert_int_equal(server_count("lists"), 2);
  /* And the watch from the new list's resourceVersion works. */
  ctl("/ns?name=app&labels=tier=two");
  assert_true(wait_label(f, "app", "tier", "two", 2000) >= 0);
  stop(f);
}

static void test_error_event_410_relists(void **state) {
  (void)state;
  expired_relists("event");
}

static void test_http_410_relists(void **state) {
  (void)state;
  expired_relists("http");
}

static void test_dropped_stream_reconnects(void **state) {
  (void)state;
  ctl("/ns?name=app&labels=tier=one");
  struct fixture *f = start_watching(&fast);
  ctl("/drop");
  WAIT_STAT(f, reconnects, 1, 2000);
  ctl("/ns?name=app&labels=tier=two");
  assert_true(wait_label(f, "app", "tier", "two", 2000) >= 0);
  assert_int_equal(stats(f).relists, 0);
  stop(f);
}

static void test_stalled_stream_reconnects_after_read_timeout(void **state) {
  (void)state;
  ctl("/ns?name=app&labels=tier=one");
  struct adm_kube_ns_options o = fast;
  o.read_timeout_ms = 1500;
  struct fixture *f = start_watching(&o);
  ctl("/stall?on=1");
  int64_t t0 = adm_verifier_now_ms();
  ctl("/ns?name=app&labels=tier=two");
  /* Nothing arrives while the stream is silent. */
  assert_int_equal(wait_label(f, "app", "tier", "two", 700), -1);
  WAIT_STAT(f, reconnects, 1, 4000);
  long took = (long)(adm_verifier_now_ms() - t0);
  assert_true(took >= 1400); /* the read timeout is 1500 ms */
  assert_true(strstr(stats(f).last_error, "nothing received") != NULL);
  ctl("/stall?on=0");
  assert_true(wait_label(f, "app", "tier", "two", 4000) >= 0);
  stop(f);
}

static void test_token_rotation(void **state) {
  (void)state;
  ctl("/ns?name=app&labels=tier=one");
  struct fixture *f = start_watching(&fast);
  /* Both files rotate: the new file is read before the next request. */
  write_file(env("KUBE_SERVER_TOKEN"), "token-two\n");
  write_file(env("KUBE_CLIENT_TOKEN"), "token-two\n");
  ctl("/drop");
  ctl("/ns?name=app&labels=tier=two");
  assert_true(wait_label(f, "app", "tier", "two", 2000) >= 0);
  char tok[64];
  server_string("last_token", tok, sizeof tok);
  assert_string_equal(tok, "token-two");
  assert_int_equal(server_count("auth_failures"), 0);
  /* The server rotates first: 401, a re-read, a retry, then backoff until
   * the file catches up. */
  write_file(env("KUBE_SERVER_TOKEN"), "token-three\n");
  ctl("/drop");
  for (int i = 0; i < 200 && server_count("auth_failures") < 2; i++)
    sleep_ms(10);
  assert_true(server_count("auth_failures") >= 2);
  for (int i = 0; i < 100 && strstr(stats(f).last_error, "HTTP 401") == NULL; i++)
    sleep_ms(10);
  assert_true(strstr(stats(f).last_error, "watch: HTTP 401: Unauthorized") != NULL);
  write_file(env("KUBE_CLIENT_TOKEN"), "token-three\n");
  ctl("/ns?name=app&labels=tier=three");
  assert_true(wait_label(f, "app", "tier", "three", 3000) >= 0);
  server_string("last_token", tok, sizeof tok);
  assert_string_equal(tok, "token-three");
  stop(f);
}

static void test_live_get_on_a_miss(void **state) {
  (void)state;
  struct fixture *f = start_watching(&fast);
  ctl("/ns?name=late&labels=pod-security.kubernetes.io/enforce=restricted&hidden=1");
  char v[64], why[256];
  assert_int_equal(label_of(f, "late", "x", v, sizeof v), ADM_KUBE_NS_ABSENT);
  struct adm_labels l;
  /* Generous: these calls succeed, and a loaded machine is slow. */
  int64_t deadline = adm_verifier_now_ms() + 15000;
  assert_int_equal(adm_kube_ns_get(f->w, "late", deadline, &f->arena, &l, why, sizeof why), ADM_KUBE_NS_FOUND);
  bool seen = false;
  for (size_t i = 0; i < l.n; i++)
    seen |= strcmp(l.keys[i], "pod-security.kubernetes.io/enforce") == 0 && strcmp(l.values[i], "restricted") == 0;
  assert_true(seen);
  /* Inserted: the next lookup needs no GET. */
  assert_int_equal(label_of(f, "late", "pod-security.kubernetes.io/enforce", v, sizeof v), ADM_KUBE_NS_FOUND);
  assert_string_equal(v, "restricted");
  assert_int_equal(adm_kube_ns_get(f->w, "missing", deadline, &f->arena, &l, why, sizeof why), ADM_KUBE_NS_ABSENT);
  assert_int_equal(adm_kube_ns_get(f->w, "Not_A_Name", deadline, &f->arena, &l, why, sizeof why), ADM_KUBE_NS_FAILED);
  /* A slow answer: the deadline holds. */
  ctl("/delay?get_ms=2000");
  int64_t t0 = adm_verifier_now_ms();
  assert_int_equal(adm_kube_ns_get(f->w, "late", t0 + 300, &f->arena, &l, why, sizeof why), ADM_KUBE_NS_FAILED);
  assert_true(adm_verifier_now_ms() - t0 < 1500);
  assert_true(strstr(why, "deadline") != NULL);
  ctl("/delay?get_ms=0");
  struct adm_kube_ns_stats st = stats(f);
  assert_int_equal(st.gets, 3); /* not the one with a bad name: no request */
  assert_int_equal(st.get_errors, 1);
  /* An arena out of memory: FAILED, never a namespace without labels. */
  struct adm_arena tiny;
  adm_arena_init(&tiny, 64, 16);
  assert_int_equal(adm_kube_ns_lookup(f->w, "late", &tiny, &l), ADM_KUBE_NS_FAILED);
  adm_arena_free(&tiny);
  stop(f);
}

static void test_bounds_are_error_states(void **state) {
  (void)state;
  ctl("/ns?name=many&labels=a=1,b=2,c=3");
  ctl("/ns?name=a1&labels=");
  ctl("/ns?name=a2&labels=");
  struct adm_kube_ns_options o = fast;
  o.max_namespaces = 3;
  o.max_labels = 3;
  struct fixture *f = start_with(&o, config_with(NULL));
  wait_synced(f);
  struct adm_kube_ns_stats st = stats(f);
  assert_true(st.limit_reached);
  assert_true(st.errors >= 1);
  char v[64];
  /* Only 3 of 5 namespaces are held: the others are unknown, not absent. */
  assert_int_equal(label_of(f, "zzz-not-there", "x", v, sizeof v), ADM_KUBE_NS_UNKNOWN);
  assert_int_equal(label_of(f, "default", "x", v, sizeof v), ADM_KUBE_NS_FOUND);
  stop(f);

  /* A list page over max_page_bytes: an error, never a shorter list. */
  o = fast;
  o.max_page_bytes = 500;
  f = start_with(&o, config_with(NULL));
  WAIT_STAT(f, errors, 1, 3000);
  assert_false(adm_kube_ns_synced(f->w));
  assert_true(stats(f).limit_reached);
  assert_non_null(strstr(stats(f).last_error, "answer too large"));
  stop(f);

  /* Four labels (with kubernetes.io/metadata.name) over a bound of three. */
  o = fast;
  o.max_labels = 3;
  f = start_with(&o, config_with(NULL));
  wait_synced(f);
  assert_int_equal(label_of(f, "many", "a", v, sizeof v), ADM_KUBE_NS_UNKNOWN);
  assert_int_equal(label_of(f, "default", "x", v, sizeof v), ADM_KUBE_NS_FOUND);
  assert_true(stats(f).limit_reached);
  assert_true(strstr(stats(f).last_error, "namespace many") != NULL);
  stop(f);

  /* An event over max_event_bytes: the map is stale until a relist. */
  o = fast;
  o.max_event_bytes = 1500;
  o.max_label_bytes = 4096;
  f = start_watching(&o);
  char big[1400];
  memset(big, 'v', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  /* The label is within max_label_bytes; only the event is too large. */
  ctl("/ns?name=big&labels=k=%.60s", big);
  ctl("/ns?name=huge&labels=k=%s", big);
  WAIT_STAT(f, relists, 1, 3000);
  st = stats(f);
  assert_true(st.limit_reached);
  assert_non_null(strstr(st.last_error, "watch: event: larger than 1500 bytes"));
  /* The relist reads pages, not events: both are there afterwards. */
  assert_true(wait_label(f, "big", "k", big + sizeof big - 61, 2000) >= 0);
  assert_true(wait_label(f, "huge", "k", big, 2000) >= 0);
  stop(f);
}

/* A socket bound to a free loopback port, listening or not. */
static int loopback_socket(bool listening) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET};
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  if (listening)
    assert_int_equal(listen(fd, 8), 0);
  return fd;
}

/* In-cluster settings for the port of fd, with the test's token and CA. */
static struct adm_kube_config *in_cluster_at(int fd) {
  struct sockaddr_in sa;
  socklen_t sl = sizeof sa;
  assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
  char port[16];
  snprintf(port, sizeof port, "%u", ntohs(sa.sin_port));
  struct adm_kube_in_cluster ic = {
      .host = "127.0.0.1", .port = port, .token_file = env("KUBE_CLIENT_TOKEN"), .ca_file = env("KUBE_CA")};
  struct adm_kube_config *cfg;
  struct adm_error e = {0};
  assert_int_equal(adm_kube_config_in_cluster(&ic, &cfg, &e), 0);
  return cfg;
}

struct reader {
  struct fixture *f;
  atomic_bool *done;
  unsigned long lookups, torn;
};

/* Lookups while the map is replaced under them: a and b are always set
 * together, so a snapshot that mixes two versions shows a != b; a snapshot
 * freed while a reader is inside is a use after free, which the sanitizer
 * build (hack/test.sh --sanitize) reports. */
static void *read_loop(void *arg) {
  struct reader *r = arg;
  struct adm_arena a;
  adm_arena_init(&a, 4096, 0);
  while (!atomic_load(r->done)) {
    struct adm_labels l;
    if (adm_kube_ns_lookup(r->f->w, "churn", &a, &l) == ADM_KUBE_NS_FOUND) {
      const char *va = "", *vb = "";
      for (size_t i = 0; i < l.n; i++) {
        if (strcmp(l.keys[i], "a") == 0)
          va = l.values[i];
        if (strcmp(l.keys[i], "b") == 0)
          vb = l.values[i];
      }
      r->torn += strcmp(va, vb) != 0;
    }
    r->lookups++;
    adm_arena_recycle(&a, 4096);
    /* Let the watcher and the fake server run on a small, busy machine. */
    sched_yield();
  }
  adm_arena_free(&a);
  return NULL;
}

static void test_readers_never_see_a_torn_map(void **state) {
  (void)state;
  ctl("/ns?name=churn&labels=a=0,b=0");
  struct fixture *f = start_watching(&fast);
  atomic_bool done = false;
  struct reader readers[4];
  pthread_t threads[4];
  for (int i = 0; i < 4; i++) {
    readers[i] = (struct reader){.f = f, .done = &done};
    assert_int_equal(pthread_create(&threads[i], NULL, read_loop, &readers[i]), 0);
  }
  for (int i = 1; i <= 150; i++)
    ctl("/ns?name=churn&labels=a=%d,b=%d", i, i);
  /* Not a latency check (that is test_changes_are_seen_within_a_second):
   * four spinning readers on two shared cores may slow the stream. */
  assert_true(wait_label(f, "churn", "a", "150", 20000) >= 0);
  atomic_store(&done, true);
  unsigned long lookups = 0;
  for (int i = 0; i < 4; i++) {
    pthread_join(threads[i], NULL);
    assert_int_equal(readers[i].torn, 0);
    lookups += readers[i].lookups;
  }
  assert_true(lookups > 100); /* the readers did run */
  assert_true(stats(f).events >= 150);
  stop(f);
}

static void test_faults_in_answers(void **state) {
  (void)state;
  for (int i = 0; i < 4; i++)
    ctl("/ns?name=n%d&labels=", i);
  /* The continue token expires between pages: the list starts over. */
  ctl("/fault?next=continue-410");
  struct fixture *f = start_watching(&fast);
  assert_int_equal(server_count("lists"), 2);
  assert_int_equal(stats(f).lists, 1);
  assert_int_equal(stats(f).namespaces, 6);
  /* A line that is not JSON: an update was lost; relist. The fault goes
   * to the watches open when it is set: wait for admitd's to be open. */
  for (int i = 0; i < 1000 && server_count("open_watches") < 1; i++)
    sleep_ms(10);
  ctl("/fault?next=garbage-event");
  WAIT_STAT(f, relists, 1, 15000);
  assert_non_null(strstr(stats(f).last_error, "watch: unreadable event: $: "));
  assert_false(stats(f).limit_reached);
  assert_int_equal(wait_result(f, "n1", ADM_KUBE_NS_FOUND, 2000), ADM_KUBE_NS_FOUND);
  stop(f);
  /* A list page that is not JSON: not synced, then synced on the retry. */
  ctl("/fault?next=garbage-list");
  f = start_with(&fast, config_with(NULL));
  wait_synced(f);
  assert_true(stats(f).errors >= 1);
  assert_non_null(strstr(stats(f).last_error, "list namespaces: $: line"));
  assert_int_equal(stats(f).lists, 1);
  stop(f);
}

/* A fresh fake server holding one namespace "app", with a fault that lasts
 * until the next reset, and a watcher started on it. */
static struct fixture *start_with_fault(const struct adm_kube_ns_options *o, const char *fault) {
  ctl("/reset");
  ctl("/ns?name=app&labels=tier=one");
  ctl("/fault?next=%s", fault);
  return start_with(o, config_with(NULL));
}

/* Watches that end at once, again and again (410 each time, or a clean
 * end right after a bookmark), back off as failures do: never a busy loop
 * of lists or watches. */
static void test_watches_that_end_at_once_back_off(void **state) {
  (void)state;
  static const struct adm_kube_ns_options slow = {
      .watch_timeout_s = 30,
      .connect_timeout_ms = 2000,
      .request_timeout_ms = 5000,
      .backoff_initial_ms = 200,
      .backoff_max_ms = 1000,
  };
  static const char *const faults[] = {"gone-watch", "brief-watch"};
  for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
    struct fixture *f = start_with_fault(&slow, faults[i]);
    wait_synced(f);
    sleep_ms(3000);
    /* Waits of 100-200, 200-400, 400-800, then 500-1000 ms: at most 8
     * watches in 3 s; without them it is dozens. */
    long watches = server_count("watches");
    assert_true(watches >= 2);
    if (watches > 9)
      fail_msg("%s: %ld watches in 3 s", faults[i], watches);
    assert_int_equal(wait_result(f, "app", ADM_KUBE_NS_FOUND, 1000), ADM_KUBE_NS_FOUND);
    stop(f);
  }
}

/* A blank line in a watch (whitespace the length of the line buffer) is
 * skipped, read within its bytes: no error, the next event applies. */
static void test_a_blank_watch_line_is_skipped(void **state) {
  (void)state;
  ctl("/ns?name=app&labels=tier=one");
  struct fixture *f = start_watching(&fast);
  ctl("/fault?next=blank-event");
  ctl("/ns?name=app&labels=tier=two");
  assert_true(wait_label(f, "app", "tier", "two", 3000) >= 0);
  assert_int_equal(stats(f).errors, 0);
  assert_int_equal(stats(f).relists, 0);
  stop(f);
}

/* A list whose pages never end (no items, or the token it was asked with
 * handed back): an error with a backoff, never a list asked for forever. */
static void test_a_list_that_does_not_advance_is_an_error(void **state) {
  (void)state;
  static const char *const faults[] = {"stuck-list", "stuck-list-one"};
  for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
    struct fixture *f = start_with_fault(&fast, faults[i]);
    WAIT_STAT(f, errors, 2, 3000);
    assert_non_null(strstr(stats(f).last_error, "list namespaces: a page that does not advance the list"));
    assert_false(adm_kube_ns_synced(f->w));
    /* Two errors, each a page or two, a backoff between them. */
    assert_true(server_count("list_pages") < 20);
    ctl("/reset");
    wait_synced(f);
    stop(f);
  }
}

static void test_unreachable_server(void **state) {
  (void)state;
  /* A port that was listening and is closed now refuses. */
  int fd = loopback_socket(false);
  struct fixture *f = start_with(&fast, in_cluster_at(fd));
  close(fd);
  WAIT_STAT(f, errors, 2, 3000);
  assert_false(adm_kube_ns_synced(f->w));
  char v[8];
  assert_int_equal(label_of(f, "default", "x", v, sizeof v), ADM_KUBE_NS_NOT_SYNCED);
  stop(f);
}

static void test_stop_is_bounded_on_a_silent_server(void **state) {
  (void)state;
  /* A listener that never accepts: the TLS handshake waits forever. */
  int fd = loopback_socket(true);
  struct adm_kube_ns_options o = fast;
  o.request_timeout_ms = 60000;
  struct fixture *f = start_with(&o, in_cluster_at(fd));
  sleep_ms(300);
  int64_t t0 = adm_verifier_now_ms();
  stop(f);
  assert_true(adm_verifier_now_ms() - t0 < 2000);
  close(fd);
}

static char *file_base64(const char *path) {
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "base64 -w0 < '%s'", path);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  char *out = calloc(1, 16384);
  assert_non_null(out);
  size_t n = fread(out, 1, 16383, p);
  assert_true(n > 0);
  pclose(p);
  return out;
}

static void test_client_certificate_data(void **state) {
  (void)state;
  char *cert = file_base64(env("KUBE_CLIENT_CERT")), *key = file_base64(env("KUBE_CLIENT_KEY"));
  char user[40000];
  snprintf(user, sizeof user, "    tokenFile: %s\n    client-certificate-data: %s\n    client-key-data: %s\n",
           env("KUBE_CLIENT_TOKEN"), cert, key);
  free(cert);
  free(key);
  struct adm_kube_config *cfg = config_with(user);
  char tmpdir[4096];
  snprintf(tmpdir, sizeof tmpdir, "%s", cfg->tmpdir);
  struct stat st;
  assert_int_equal(stat(cfg->key_file, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  struct fixture *f = start_with(&fast, cfg);
  wait_synced(f);
  char cn[64];
  server_string("last_client_cn", cn, sizeof cn);
  assert_string_equal(cn, "admitd-kube-test");
  stop(f);
  /* The decoded key does not outlive the config. */
  assert_int_not_equal(stat(tmpdir, &st), 0);
}

static void test_in_cluster(void **state) {
  (void)state;
  const char *addr = env("KUBE_ADDR");
  char host[64], port[16];
  snprintf(host, sizeof host, "%.*s", (int)(strrchr(addr, ':') - addr), addr);
  snprintf(port, sizeof port, "%s", strrchr(addr, ':') + 1);
  setenv("KUBERNETES_SERVICE_HOST", host, 1);
  setenv("KUBERNETES_SERVICE_PORT", port, 1);
  struct adm_kube_in_cluster ic = {.token_file = env("KUBE_CLIENT_TOKEN"), .ca_file = env("KUBE_CA")};
  struct adm_kube_config *cfg;
  struct adm_error e = {0};
  assert_int_equal(adm_kube_config_in_cluster(&ic, &cfg, &e), 0);
  char want[128];
  snprintf(want, sizeof want, "https://%s", addr);
  assert_string_equal(adm_kube_config_server(cfg), want);
  struct fixture *f = start_with(&fast, cfg);
  wait_synced(f);
  char v[64];
  assert_int_equal(label_of(f, "default", "kubernetes.io/metadata.name", v, sizeof v), ADM_KUBE_NS_FOUND);
  stop(f);
  unsetenv("KUBERNETES_SERVICE_HOST");
  unsetenv("KUBERNETES_SERVICE_PORT");
}

/* The pods seen, and when to stop. */
struct pods_seen {
  size_t n, stop_at;
  bool privileged_seen;
};

static int on_pod(void *ctx, const json_t *pod) {
  struct pods_seen *s = ctx;
  const char *name = json_string_value(json_object_get(json_object_get(pod, "metadata"), "name"));
  assert_non_null(name);
  assert_true(name[0] == 'p');
  json_t *priv =
      json_object_get(json_object_get(json_array_get(json_object_get(json_object_get(pod, "spec"), "containers"), 0),
                                      "securityContext"),
                      "privileged");
  s->privileged_seen |= json_is_true(priv);
  s->n++;
  return s->stop_at && s->n == s->stop_at ? 7 : 0;
}

/* A deadline for a listing that must complete: far enough that a loaded
 * machine does not make it fail. */
static int64_t soon(void) {
  return adm_verifier_now_ms() + 15000;
}

static void test_pods_of_a_namespace(void **state) {
  (void)state;
  ctl("/ns?name=team&labels=");
  ctl("/pods?ns=team&n=250");
  struct adm_kube_config *cfg = config_with(NULL);
  struct adm_error e = {0};
  struct pods_seen s = {0};
  assert_int_equal(adm_kube_list_pods(cfg, "team", 1000, soon(), on_pod, &s, &e), 0);
  assert_int_equal(s.n, 250);
  assert_true(s.privileged_seen);
  assert_int_equal(server_count("pod_pages"), 5); /* pages of 50 */
  /* More pods than wanted: 1 after exactly max_pods. */
  s = (struct pods_seen){0};
  assert_int_equal(adm_kube_list_pods(cfg, "team", 120, soon(), on_pod, &s, &e), 1);
  assert_int_equal(s.n, 120);
  assert_non_null(strstr(e.message, "more than 120 pods"));
  /* Exactly as many as wanted: complete. */
  s = (struct pods_seen){0};
  assert_int_equal(adm_kube_list_pods(cfg, "team", 250, soon(), on_pod, &s, &e), 0);
  assert_int_equal(s.n, 250);
  /* The callback stops it. */
  s = (struct pods_seen){.stop_at = 3};
  assert_int_equal(adm_kube_list_pods(cfg, "team", 1000, soon(), on_pod, &s, &e), 7);
  assert_int_equal(s.n, 3);
  /* An empty namespace, a bad name. */
  s = (struct pods_seen){0};
  assert_int_equal(adm_kube_list_pods(cfg, "empty", 10, soon(), on_pod, &s, &e), 0);
  assert_int_equal(s.n, 0);
  assert_int_equal(adm_kube_list_pods(cfg, "../x", 10, soon(), on_pod, &s, &e), ADM_EINVAL);
  /* Slow pages: the one deadline covers them all. */
  ctl("/delay?pods_ms=300");
  s = (struct pods_seen){0};
  int64_t t0 = adm_verifier_now_ms();
  assert_int_equal(adm_kube_list_pods(cfg, "team", 1000, t0 + 500, on_pod, &s, &e), ADM_EIO);
  assert_true(adm_verifier_now_ms() - t0 < 1500);
  assert_true(s.n < 250);
  ctl("/delay?pods_ms=0");
  /* A pod without a name is a broken answer. */
  ctl("/pods?ns=broken&n=2&nameless=1");
  s = (struct pods_seen){0};
  assert_int_equal(adm_kube_list_pods(cfg, "broken", 10, soon(), on_pod, &s, &e), ADM_EMISSING);
  assert_int_equal(s.n, 0);
  /* A rejected token: an error, after one retry. */
  write_file(env("KUBE_SERVER_TOKEN"), "other\n");
  long before = server_count("auth_failures");
  assert_int_equal(adm_kube_list_pods(cfg, "team", 10, soon(), on_pod, &s, &e), ADM_EIO);
  assert_true(strstr(e.message, "401") != NULL);
  assert_int_equal(server_count("auth_failures") - before, 2);
  adm_kube_config_free(cfg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_first_list_is_paginated, setup_reset),
      cmocka_unit_test_setup(test_changes_are_seen_within_a_second, setup_reset),
      cmocka_unit_test_setup(test_bookmark_moves_the_resource_version, setup_reset),
      cmocka_unit_test_setup(test_error_event_410_relists, setup_reset),
      cmocka_unit_test_setup(test_http_410_relists, setup_reset),
      cmocka_unit_test_setup(test_dropped_stream_reconnects, setup_reset),
      cmocka_unit_test_setup(test_stalled_stream_reconnects_after_read_timeout, setup_reset),
      cmocka_unit_test_setup(test_token_rotation, setup_reset),
      cmocka_unit_test_setup(test_live_get_on_a_miss, setup_reset),
      cmocka_unit_test_setup(test_bounds_are_error_states, setup_reset),
      cmocka_unit_test_setup(test_readers_never_see_a_torn_map, setup_reset),
      cmocka_unit_test_setup(test_faults_in_answers, setup_reset),
      cmocka_unit_test_setup(test_a_blank_watch_line_is_skipped, setup_reset),
      cmocka_unit_test_setup(test_watches_that_end_at_once_back_off, setup_reset),
      cmocka_unit_test_setup(test_a_list_that_does_not_advance_is_an_error, setup_reset),
      cmocka_unit_test_setup(test_unreachable_server, setup_reset),
      cmocka_unit_test_setup(test_stop_is_bounded_on_a_silent_server, setup_reset),
      cmocka_unit_test_setup(test_client_certificate_data, setup_reset),
      cmocka_unit_test_setup(test_in_cluster, setup_reset),
      cmocka_unit_test_setup(test_pods_of_a_namespace, setup_reset),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
