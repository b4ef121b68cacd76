/* JSON-lines logger. Each line is built in one buffer and written whole;
 * lines from different threads never interleave, however long (see emit).
 * Must not drop or cut a line. */
#include "admitd/log.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admitd/facts.h"

static atomic_int log_level = ADM_LOG_INFO;
static const char *const level_names[] = {"error", "warn", "info", "debug"};

void adm_log_set_level(enum adm_log_level level) {
  atomic_store(&log_level, (int)level);
}

int adm_log_level_parse(const char *s, enum adm_log_level *out) {
  for (int i = 0; i <= ADM_LOG_DEBUG; i++) {
    if (strcmp(s, level_names[i]) == 0) {
      *out = (enum adm_log_level)i;
      return 0;
    }
  }
  return ADM_EINVAL;
}

int adm_log_enabled(enum adm_log_level level) {
  return (int)level <= atomic_load(&log_level);
}

static void add_time(struct adm_sb *sb) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  adm_sb_addf(sb, "{\"time\":\"%s.%06ldZ\"", buf, ts.tv_nsec / 1000);
}

/* A write of at most PIPE_BUF bytes to a pipe is atomic; a longer one is
 * not: once the pipe is full the kernel writes part of it and lets other
 * writers in before the rest. So long lines are written holding this lock
 * exclusively, and short ones hold it shared: short lines still go out in
 * parallel, and none can land inside a long one. Writer-preferring, so a
 * steady stream of short lines cannot hold a long one back for good. */
#ifdef PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP
static pthread_rwlock_t write_lock = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
#else
static pthread_rwlock_t write_lock = PTHREAD_RWLOCK_INITIALIZER;
#endif

static void emit(struct adm_sb *sb) {
  adm_sb_add(sb, "}\n");
  const char *s = adm_sb_str(sb);
  if (s == NULL)
    return;
  size_t len = strlen(s);
  bool whole = len <= PIPE_BUF;
  if (whole)
    pthread_rwlock_rdlock(&write_lock);
  else
    pthread_rwlock_wrlock(&write_lock);
  while (len > 0) {
    ssize_t n = write(STDERR_FILENO, s, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    s += n;
    len -= (size_t)n;
  }
  pthread_rwlock_unlock(&write_lock);
}

void adm_log(enum adm_log_level level, const char *fmt, ...) {
  if (!adm_log_enabled(level))
    return;
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  struct adm_arena a;
  adm_arena_init(&a, 4096, 0);
  struct adm_sb sb;
  adm_sb_init(&sb, &a);
  add_time(&sb);
  adm_sb_addf(&sb, ",\"level\":\"%s\",\"msg\":", level_names[level]);
  adm_sb_add_json_string(&sb, msg);
  emit(&sb);
  adm_arena_free(&a);
}

void adm_log_mhd(void *cls, const char *fmt, va_list ap) {
  char msg[1024];
  vsnprintf(msg, sizeof msg, fmt, ap);
  size_t n = strlen(msg);
  while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
    msg[--n] = '\0';
  adm_log(ADM_LOG_WARN, "%s: %s", cls ? (const char *)cls : "http", msg);
}

static void field(struct adm_sb *sb, const char *key, const char *value) {
  adm_sb_addf(sb, ",\"%s\":", key);
  adm_sb_add_json_string(sb, value ? value : "");
}

/* Each image fact with its full detail: what the registry or the network
 * said, which denials leave out (facts.h: summary). */
static void add_image_facts(struct adm_sb *sb, const struct adm_image_facts *facts) {
  if (facts == NULL || facts->n == 0)
    return;
  adm_sb_add(sb, ",\"images\":[");
  for (size_t i = 0; i < facts->n; i++) {
    const struct adm_image_fact *f = &facts->items[i];
    adm_sb_add(sb, i ? ",{\"image\":" : "{\"image\":");
    adm_sb_add_json_string(sb, f->image);
    field(sb, "outcome", adm_sig_outcome_id(f->outcome));
    field(sb, "detail", f->detail);
    adm_sb_add(sb, "}");
  }
  adm_sb_add(sb, "]");
}

void adm_log_decision(const struct adm_review_request *req, const struct adm_decision *d, long long latency_us) {
  if (!adm_log_enabled(ADM_LOG_INFO))
    return;
  struct adm_arena a;
  adm_arena_init(&a, 4096, 0);
  struct adm_sb sb;
  adm_sb_init(&sb, &a);
  add_time(&sb);
  adm_sb_add(&sb, ",\"level\":\"info\",\"msg\":\"decision\"");
  field(&sb, "uid", req->uid);
  field(&sb, "kind", req->kind_kind);
  field(&sb, "resource", req->resource_resource);
  field(&sb, "subresource", req->sub_resource);
  field(&sb, "namespace", req->namespace);
  field(&sb, "name", req->name);
  field(&sb, "operation", req->operation);
  field(&sb, "user", req->username);
  adm_sb_addf(&sb, ",\"allowed\":%s,\"dry_run\":%s,\"judged\":%s", d->allowed ? "true" : "false",
              d->dry_run_denied ? "true" : "false", d->judged ? "true" : "false");
  if (!d->judged)
    field(&sb, "skipped", d->skip_reason);
  if (d->message)
    field(&sb, "reasons", d->message);
  adm_sb_add(&sb, ",\"checks\":");
  adm_sb_add_json_string_array(&sb, d->failed_checks, d->n_failed_checks);
  if (d->n_warnings > 0)
    field(&sb, "warning", d->warnings[0]);
  add_image_facts(&sb, d->image_facts);
  adm_sb_addf(&sb, ",\"latency_us\":%lld", latency_us);
  emit(&sb);
  adm_arena_free(&a);
}
