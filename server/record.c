/* The request recorder (record.h). Owns the queue between request threads
 * and the writer thread, redaction, the line format and the file's bounds
 * and outages. Must never make a request wait on the disk or fail because
 * of the file: every such problem costs a record (counted), never a
 * request. */
#include "admitd/record.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "admitd/log.h"

struct entry {
  struct entry *next;
  char *decision;            /* JSON text, malloc'd */
  struct adm_budget *budget; /* what the copy was charged to (NULL: nothing) */
  size_t len;                /* of body[] */
  struct timespec at;
  char body[]; /* the pruned request as the pipeline left it */
};

struct adm_recorder {
  struct adm_recorder_options o;
  char *path, *rotated;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  struct entry *head, *tail;
  size_t n, bytes;
  bool stopping, started;
  pthread_t thread;
  atomic_ullong recorded, dropped, failed, rotations, too_large;
  atomic_llong too_large_logged_ms; /* when the last too-large record was logged */
  /* The server's memory budget: queued copies and the writer's re-parse
   * draw from it like requests do, so --record cannot push RSS past it. */
  _Atomic(struct adm_budget *) budget;
  /* Writer thread only. */
  int fd;
  bool regular, failing;
  unsigned long long size;
  long long retry_at_ms;
  int open_errno;
};

static _Atomic(struct adm_recorder *) installed;

void adm_recorder_options_default(struct adm_recorder_options *o) {
  memset(o, 0, sizeof *o);
  o->max_bytes = ADM_RECORD_MAX_BYTES_DEFAULT;
  o->queue_records = 1024;
  o->queue_bytes = 32u << 20;
}

void adm_recorder_install(struct adm_recorder *r) {
  atomic_store(&installed, r);
}

bool adm_recorder_installed_stats(struct adm_recorder_stats *out) {
  struct adm_recorder *r = atomic_load(&installed);
  if (r == NULL)
    return false;
  adm_recorder_get_stats(r, out);
  return true;
}

/* --- redaction --------------------------------------------------------- */

/* What can carry a secret and decides nothing, wherever it appears in the
 * review (object and oldObject, pods and workload templates). Keys and
 * structure stay; string values become REDACTED, so a replay decodes the
 * same shapes and decides the same. No check reads any of these values:
 * Pod Security's host probes read httpGet.host (kept), none reads args,
 * command, env values or header values, and of annotations only the
 * ones in kept_annotations[] are read. */
#define REDACTED "<redacted>"

enum redact_how {
  DROP,        /* the key goes: managedFields, Secret and ConfigMap data */
  EACH,        /* a string, or every string of an array: args, command */
  ENTRY_VALUE, /* "value" of every {name, value} entry: env, httpHeaders */
  MAP_VALUES,  /* every string value of a map, but kept annotations */
};

static const struct {
  const char *key;
  const char *parent; /* NULL: under any key */
  enum redact_how how;
} redactions[] = {
    {"managedFields", NULL, DROP},
    {"data", NULL, DROP},
    {"stringData", NULL, DROP},
    {"binaryData", NULL, DROP},
    {"env", NULL, ENTRY_VALUE},         /* containers[].env[].value */
    {"httpHeaders", NULL, ENTRY_VALUE}, /* probes' and lifecycle hooks' httpGet (Authorization, ...) */
    {"args", NULL, EACH},
    {"command", NULL, EACH},           /* containers' and every exec action's: probes, lifecycle hooks */
    {"annotations", NULL, MAP_VALUES}, /* last-applied-configuration included */
    {"volumeAttributes", "csi", MAP_VALUES},
    {"options", "flexVolume", MAP_VALUES},
    {"repository", "gitRepo", EACH}, /* a clone URL may carry a token */
};

/* Annotations a decision reads: Pod Security's appArmorProfile and
 * seccompProfile (versions up to 1.18, and which updates are judged), and
 * securityContext.appArmorProfile. Kept whole, or a replay would differ. */
static bool kept_annotation(const char *key) {
  static const char *const prefixes[] = {"container.apparmor.security.beta.kubernetes.io/",
                                         "container.seccomp.security.alpha.kubernetes.io/", NULL};
  for (const char *const *p = prefixes; *p; p++)
    if (strncmp(key, *p, strlen(*p)) == 0)
      return true;
  return strcmp(key, "seccomp.security.alpha.kubernetes.io/pod") == 0;
}

static void redact_string(json_t *parent, const char *key) {
  if (json_is_string(json_object_get(parent, key)))
    json_object_set_new(parent, key, json_string(REDACTED));
}

static void redact_value(json_t *obj, const char *key, enum redact_how how, bool annotations) {
  json_t *v = json_object_get(obj, key);
  size_t i;
  json_t *item;
  const char *k;
  switch (how) {
  case DROP:
    json_object_del(obj, key);
    break;
  case EACH:
    if (json_is_string(v))
      json_object_set_new(obj, key, json_string(REDACTED));
    json_array_foreach(v, i, item) if (json_is_string(item)) json_array_set_new(v, i, json_string(REDACTED));
    break;
  case ENTRY_VALUE:
    json_array_foreach(v, i, item) if (json_is_object(item)) redact_string(item, "value");
    break;
  case MAP_VALUES:
    json_object_foreach(v, k, item) if (!(annotations && kept_annotation(k))) redact_string(v, k);
    break;
  }
}

/* parent: the key v sits under ("" at the top, or in an array). */
static void redact(json_t *v, const char *parent, int depth) {
  if (depth > 200)
    return;
  if (json_is_array(v)) {
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item) redact(item, parent, depth + 1);
    return;
  }
  if (!json_is_object(v))
    return;
  for (size_t i = 0; i < sizeof redactions / sizeof redactions[0]; i++)
    if (redactions[i].parent == NULL || strcmp(redactions[i].parent, parent) == 0)
      redact_value(v, redactions[i].key, redactions[i].how, strcmp(redactions[i].key, "annotations") == 0);
  const char *key;
  json_t *child;
  json_object_foreach(v, key, child) redact(child, key, depth + 1);
}

void adm_record_redact(json_t *review) {
  redact(review, "", 0);
}

/* --- request threads --------------------------------------------------- */

json_t *adm_record_decision(const struct adm_decision *d) {
  json_t *w = json_array(), *c = json_array(), *an = json_object();
  for (size_t i = 0; i < d->n_warnings; i++)
    json_array_append_new(w, json_string(d->warnings[i]));
  for (size_t i = 0; i < d->n_failed_checks; i++)
    json_array_append_new(c, json_string(d->failed_checks[i]));
  for (size_t i = 0; i < d->n_annotations; i++)
    json_object_set_new(an, d->annotations[i].key, json_string(d->annotations[i].value));
  json_t *labels = NULL;
  if (d->namespace_labels) {
    labels = json_object();
    for (size_t i = 0; i < d->namespace_labels->n; i++)
      json_object_set_new(labels, d->namespace_labels->keys[i], json_string(d->namespace_labels->values[i]));
  }
  return json_pack("{s:b, s:b, s:i, s:s?, s:o, s:o, s:o, s:b, s:o*}", "allowed", d->allowed, "judged", d->judged,
                   "code", d->allowed ? 200 : d->code, "message", d->allowed ? NULL : d->message, "warnings", w,
                   "checks", c, "auditAnnotations", an, "dryRunDenied", d->dry_run_denied, "namespaceLabels", labels);
}

static char *decision_text(const struct adm_pipeline_result *res) {
  json_t *doc = adm_record_decision(&res->decision);
  char *text = doc ? adm_json_dumps(doc, JSON_COMPACT) : NULL;
  json_decref(doc);
  return text;
}

static bool queue_full(const struct adm_recorder *r, size_t len) {
  return r->n >= r->o.queue_records || len > r->o.queue_bytes || r->bytes > r->o.queue_bytes - len;
}

void adm_recorder_set_budget(struct adm_recorder *r, struct adm_budget *b) {
  atomic_store(&r->budget, b);
}

static void entry_free(struct entry *e) {
  adm_budget_give(e->budget, sizeof *e + e->len);
  free(e->decision);
  free(e);
}

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The budget the writer reserves to re-parse and redact a body of len
 * bytes: as much as the pipeline lets one request's decode use. */
static size_t reparse_need(size_t len) {
  struct adm_pipeline_limits lim;
  adm_pipeline_limits_default(&lim);
  return adm_pipeline_decode_limit(&lim, len);
}

/* A record the whole budget could never hold (its copy and its re-parse
 * at once): counted, and logged at most once a minute, since every such
 * request is missing from the file and replay. */
static bool too_large(struct adm_recorder *r, struct adm_budget *budget, size_t len) {
  size_t need = reparse_need(len), copy = sizeof(struct entry) + len;
  if (need <= SIZE_MAX - copy && adm_budget_could_hold(budget, copy + need))
    return false;
  unsigned long long n = atomic_fetch_add(&r->too_large, 1) + 1;
  long long now = now_ms(), last = atomic_load(&r->too_large_logged_ms);
  if ((n == 1 || now - last >= 60000) && atomic_compare_exchange_strong(&r->too_large_logged_ms, &last, now))
    adm_log(ADM_LOG_WARN,
            "recording: a %zu-byte request was not recorded: redacting it needs up to %zu bytes, more than the "
            "whole memory budget (%zu bytes); %llu such request(s) so far (admitd_records_too_large_total)",
            len, need, budget->limit, n);
  return true;
}

/* Queue a record, or drop and count it; never waits for the writer. */
static void submit(struct adm_recorder *r, const char *body, size_t len, const struct adm_pipeline_result *res) {
  struct adm_budget *budget = atomic_load(&r->budget);
  if (too_large(r, budget, len))
    return;
  /* An unlocked look first: a full queue costs no copy. */
  pthread_mutex_lock(&r->mu);
  bool full = queue_full(r, len);
  pthread_mutex_unlock(&r->mu);
  if (!full && !adm_budget_take(budget, sizeof(struct entry) + len))
    full = true; /* the budget is for decisions first */
  struct entry *e = full ? NULL : malloc(sizeof *e + len);
  char *decision = e ? decision_text(res) : NULL;
  if (decision == NULL) {
    if (!full)
      adm_budget_give(budget, sizeof(struct entry) + len);
    free(e);
    atomic_fetch_add(&r->dropped, 1);
    return;
  }
  e->next = NULL;
  e->budget = budget;
  e->decision = decision;
  e->len = len;
  clock_gettime(CLOCK_REALTIME, &e->at);
  memcpy(e->body, body, len);
  pthread_mutex_lock(&r->mu);
  if (queue_full(r, len) || r->stopping) {
    pthread_mutex_unlock(&r->mu);
    entry_free(e);
    atomic_fetch_add(&r->dropped, 1);
    return;
  }
  if (r->tail)
    r->tail->next = e;
  else
    r->head = e;
  r->tail = e;
  r->n++;
  r->bytes += len;
  pthread_cond_signal(&r->cv);
  pthread_mutex_unlock(&r->mu);
}

void adm_record(const char *body, size_t len, const struct adm_pipeline_result *res) {
  struct adm_recorder *r = atomic_load(&installed);
  if (r == NULL || body == NULL || len == 0 || !res->decided)
    return;
  submit(r, body, len, res);
}

/* --- the writer thread ------------------------------------------------- */

/* Log the start of an outage, once; the records it costs are counted by outage(). */
static void note_outage(struct adm_recorder *r, int err) {
  if (!r->failing)
    adm_log(ADM_LOG_ERROR,
            "recording to %s failed: %s; records are dropped (and counted) until the file can be written again",
            r->path, strerror(err));
  r->failing = true;
}

static void outage(struct adm_recorder *r, int err) {
  atomic_fetch_add(&r->failed, 1);
  note_outage(r, err);
}

static int open_file(struct adm_recorder *r) {
  r->fd = open(r->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (r->fd < 0)
    return -1;
  struct stat st;
  r->regular = fstat(r->fd, &st) == 0 && S_ISREG(st.st_mode);
  r->size = r->regular ? (unsigned long long)st.st_size : 0;
  return 0;
}

/* FILE becomes FILE.1 (replacing it); a fresh FILE is opened. Only a
 * regular file is ever renamed: never a device such as /dev/stdout. */
static void rotate(struct adm_recorder *r) {
  close(r->fd);
  r->fd = -1;
  if (rename(r->path, r->rotated) == 0)
    atomic_fetch_add(&r->rotations, 1);
  if (open_file(r) < 0) {
    r->open_errno = errno;
    outage(r, errno);
  }
}

static void write_line(struct adm_recorder *r, const char *line, size_t n) {
  if (r->fd < 0) {
    /* Retry a file that could not be opened once a second, not once a record. */
    if (now_ms() >= r->retry_at_ms && open_file(r) < 0) {
      r->open_errno = errno;
      r->retry_at_ms = now_ms() + 1000;
    }
    if (r->fd < 0) {
      outage(r, r->open_errno ? r->open_errno : EIO);
      return;
    }
  }
  if (r->regular && r->o.max_bytes && r->size > 0 && r->size + n > r->o.max_bytes) {
    rotate(r);
    if (r->fd < 0)
      return;
  }
  size_t done = 0;
  while (done < n) {
    ssize_t w = write(r->fd, line + done, n - done);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      int err = w < 0 ? errno : ENOSPC;
      /* Never leave half a line: replay reads whole lines. */
      if (r->regular && done > 0 && ftruncate(r->fd, (off_t)r->size) < 0)
        adm_log(ADM_LOG_DEBUG, "recording: cannot cut a partial line from %s", r->path);
      outage(r, err);
      return;
    }
    done += (size_t)w;
  }
  r->size += n;
  atomic_fetch_add(&r->recorded, 1);
  if (r->failing) {
    adm_log(ADM_LOG_INFO, "recording to %s works again", r->path);
    r->failing = false;
  }
}

static void write_entry(struct adm_recorder *r, const struct entry *e) {
  json_error_t jerr;
  /* The re-parsed tree may cost what the request's did: reserve as much
   * as the pipeline allows one body, or drop the record. */
  size_t need = reparse_need(e->len);
  struct adm_budget *b = atomic_load(&r->budget);
  if (!adm_budget_take(b, need)) {
    atomic_fetch_add(&r->dropped, 1);
    return;
  }
  /* The pipeline pruned the body in place: the review is its first value. */
  json_t *review = json_loadb(e->body, e->len, JSON_DISABLE_EOF_CHECK, &jerr);
  if (review == NULL) {
    adm_budget_give(b, need);
    atomic_fetch_add(&r->failed, 1);
    return;
  }
  adm_record_redact(review);
  char *text = adm_json_dumps(review, JSON_COMPACT);
  json_decref(review);
  adm_budget_give(b, need);
  struct tm tm;
  gmtime_r(&e->at.tv_sec, &tm);
  char when[64];
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
  size_t cap = (text ? strlen(text) : 0) + strlen(e->decision) + 128;
  char *line = text ? malloc(cap) : NULL;
  if (line == NULL) {
    free(text);
    atomic_fetch_add(&r->failed, 1);
    return;
  }
  int n = snprintf(line, cap, "{\"time\":\"%s.%06ldZ\",\"request\":%s,\"decision\":%s}\n", when, e->at.tv_nsec / 1000,
                   text, e->decision);
  free(text);
  if (n > 0 && (size_t)n < cap)
    write_line(r, line, (size_t)n);
  else
    atomic_fetch_add(&r->failed, 1);
  free(line);
}

static struct entry *pop(struct adm_recorder *r, bool wait) {
  pthread_mutex_lock(&r->mu);
  while (wait && r->head == NULL && !r->stopping)
    pthread_cond_wait(&r->cv, &r->mu);
  struct entry *e = r->head;
  if (e) {
    r->head = e->next;
    if (r->head == NULL)
      r->tail = NULL;
    r->n--;
    r->bytes -= e->len;
  }
  pthread_mutex_unlock(&r->mu);
  return e;
}

static void drain_queue(struct adm_recorder *r, bool wait) {
  struct entry *e;
  while ((e = pop(r, wait)) != NULL) {
    write_entry(r, e);
    entry_free(e);
  }
}

static void *writer(void *arg) {
  drain_queue(arg, true);
  return NULL;
}

static int recorder_new(const struct adm_recorder_options *o, struct adm_recorder **out, struct adm_error *err) {
  struct adm_recorder *r = calloc(1, sizeof *r);
  if (r == NULL)
    return adm_fail(err, ADM_ENOMEM, "--record", "out of memory");
  r->o = *o;
  r->fd = -1;
  r->path = strdup(o->path);
  size_t n = strlen(o->path) + 3;
  r->rotated = malloc(n);
  if (r->path == NULL || r->rotated == NULL) {
    free(r->path);
    free(r->rotated);
    free(r);
    return adm_fail(err, ADM_ENOMEM, "--record", "out of memory");
  }
  snprintf(r->rotated, n, "%s.1", o->path);
  pthread_mutex_init(&r->mu, NULL);
  pthread_cond_init(&r->cv, NULL);
  *out = r;
  return 0;
}

int adm_recorder_start(const struct adm_recorder_options *o, struct adm_recorder **out, struct adm_error *err) {
  struct adm_recorder *r = NULL;
  if (recorder_new(o, &r, err) < 0)
    return ADM_ENOMEM;
  if (open_file(r) < 0) {
    r->open_errno = errno;
    r->retry_at_ms = now_ms() + 1000;
    note_outage(r, r->open_errno);
  }
  int rc = pthread_create(&r->thread, NULL, writer, r);
  if (rc != 0) {
    adm_recorder_stop(r);
    return adm_fail(err, ADM_ENOMEM, "--record", "cannot start the writer thread: %s", strerror(rc));
  }
  r->started = true;
  *out = r;
  return 0;
}

void adm_recorder_get_stats(struct adm_recorder *r, struct adm_recorder_stats *out) {
  out->recorded = atomic_load(&r->recorded);
  out->dropped = atomic_load(&r->dropped);
  out->failed = atomic_load(&r->failed);
  out->rotations = atomic_load(&r->rotations);
  out->too_large = atomic_load(&r->too_large);
}

void adm_recorder_stop(struct adm_recorder *r) {
  if (r == NULL)
    return;
  pthread_mutex_lock(&r->mu);
  r->stopping = true;
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
  if (r->started)
    pthread_join(r->thread, NULL);
  drain_queue(r, false);
  if (r->fd >= 0)
    close(r->fd);
  struct adm_recorder_stats st;
  adm_recorder_get_stats(r, &st);
  adm_log(ADM_LOG_INFO,
          "recorder for %s stopped: %llu recorded, %llu dropped (queue full or budget short), %llu failed, %llu "
          "rotations, %llu too large",
          r->path, st.recorded, st.dropped, st.failed, st.rotations, st.too_large);
  pthread_mutex_destroy(&r->mu);
  pthread_cond_destroy(&r->cv);
  free(r->path);
  free(r->rotated);
  free(r);
}
