/* The namespace watcher: one thread that lists namespaces page by page,
 * watches them from the list's resourceVersion and keeps name -> labels in
 * an immutable, sorted snapshot; the lookups that read it on the request
 * path; the live GET for a name it does not hold; its counters.
 *
 * Readers take no lock. A reader adds itself to one of two counters (the
 * one the epoch's parity names), loads the snapshot pointer, reads, and
 * leaves the counter. A writer (under write_lock: the thread, or a live
 * GET inserting) swaps the pointer, then waits until each counter has been
 * seen at zero once after the swap, flipping the epoch before each wait so
 * new readers count in the other one; only then is the old snapshot freed.
 * A reader that loaded the old pointer counted itself before that load,
 * hence before the swap, so the waits cover it; and a wait only ever waits
 * for readers that were already inside, each a binary search and a copy
 * into its arena. Namespace entries are shared by consecutive snapshots
 * and counted by the writers alone.
 *
 * Bounds: a namespace whose labels pass a bound is kept without them and
 * looked up as UNKNOWN; past max_namespaces the snapshot is marked
 * incomplete, so an absent name is UNKNOWN rather than absent; an event
 * that cannot be read (too large, malformed) means an update was lost, so
 * the map is marked stale (every lookup UNKNOWN) until a relist completes.
 * Each of them is counted as an error and named in last_error. */
#include <curl/curl.h>
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admitd/verifier.h"
#include "kube_internal.h"

#define NS_PATH "/api/v1/namespaces"
#define BRIEF_WATCH_MS 1000 /* a watch that ends sooner, again and again, backs off */

struct snapshot {
  size_t n;
  bool incomplete;              /* max_namespaces was reached: an absent name is unknown */
  bool stale;                   /* an update was lost: nothing is known until a relist */
  struct adm__kube_ns *items[]; /* sorted by name */
};

struct adm_kube_ns_watcher {
  struct adm_kube_config *cfg;
  struct adm_kube_ns_options o;
  struct adm__kube_limits lim;
  size_t event_values, page_values;

  pthread_t thread;
  atomic_bool stop;
  pthread_mutex_t sleep_lock;
  pthread_cond_t sleep_cond;

  /* Readers. */
  _Atomic(struct snapshot *) current;
  atomic_uint epoch;
  atomic_ulong active[2];
  atomic_bool synced;

  /* Writers: everything below is under write_lock. */
  pthread_mutex_t write_lock;
  struct adm__kube_ns **draft; /* sorted; what the next snapshot will hold */
  size_t ndraft, cap_draft;
  bool incomplete, stale;
  uint64_t changes; /* bumped by every change the watch makes */
  struct adm_kube_ns_stats st;

  /* The thread's own. */
  char rv[256];
  uint64_t rand_state;
};

/* ---- readers ------------------------------------------------------------ */

static struct snapshot *reader_enter(struct adm_kube_ns_watcher *w, unsigned *slot) {
  *slot = atomic_load(&w->epoch) & 1u;
  atomic_fetch_add(&w->active[*slot], 1);
  return atomic_load(&w->current);
}

static void reader_leave(struct adm_kube_ns_watcher *w, unsigned slot) {
  atomic_fetch_sub(&w->active[slot], 1);
}

static int cmp_name(const char *name, const struct adm__kube_ns *ns) {
  return strcmp(name, ns->name);
}

/* Index of name in items[0..n), or where it would go (*found false). */
static size_t search(struct adm__kube_ns *const *items, size_t n, const char *name, bool *found) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = cmp_name(name, items[mid]);
    if (c == 0) {
      *found = true;
      return mid;
    }
    if (c < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  *found = false;
  return lo;
}

static enum adm_kube_ns_result copy_labels(const struct adm__kube_ns *ns, struct adm_arena *a, struct adm_labels *out) {
  if (ns->over_limit)
    return ADM_KUBE_NS_UNKNOWN;
  size_t n = ns->labels.n;
  const char **keys = adm_arena_calloc(a, n ? n : 1, sizeof *keys);
  const char **values = adm_arena_calloc(a, n ? n : 1, sizeof *values);
  for (size_t i = 0; keys && values && i < n; i++) {
    keys[i] = adm_arena_strdup(a, ns->labels.keys[i]);
    values[i] = adm_arena_strdup(a, ns->labels.values[i]);
  }
  if (adm_arena_failure(a) != ADM_ARENA_OK)
    return ADM_KUBE_NS_FAILED;
  *out = (struct adm_labels){.keys = keys, .values = values, .n = n};
  return ADM_KUBE_NS_FOUND;
}

const char *adm_kube_ns_result_name(enum adm_kube_ns_result r) {
  static const char *const names[] = {[ADM_KUBE_NS_FOUND] = "found",
                                      [ADM_KUBE_NS_ABSENT] = "absent",
                                      [ADM_KUBE_NS_NOT_SYNCED] = "not synced",
                                      [ADM_KUBE_NS_UNKNOWN] = "unknown",
                                      [ADM_KUBE_NS_FAILED] = "failed"};
  return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "failed";
}

bool adm_kube_ns_synced(const struct adm_kube_ns_watcher *w) {
  return atomic_load(&w->synced);
}

enum adm_kube_ns_result adm_kube_ns_lookup(struct adm_kube_ns_watcher *w, const char *name, struct adm_arena *a,
                                           struct adm_labels *out) {
  *out = (struct adm_labels){0};
  if (!atomic_load(&w->synced))
    return ADM_KUBE_NS_NOT_SYNCED;
  unsigned slot;
  struct snapshot *s = reader_enter(w, &slot);
  enum adm_kube_ns_result r;
  bool found;
  size_t i = search(s->items, s->n, name, &found);
  if (s->stale)
    r = ADM_KUBE_NS_UNKNOWN;
  else if (found)
    r = copy_labels(s->items[i], a, out);
  else
    r = s->incomplete ? ADM_KUBE_NS_UNKNOWN : ADM_KUBE_NS_ABSENT;
  reader_leave(w, slot);
  return r;
}

/* ---- writers ------------------------------------------------------------ */

static void snapshot_release(struct snapshot *s) {
  if (s == NULL)
    return;
  for (size_t i = 0; i < s->n; i++)
    adm__kube_ns_unref(s->items[i]);
  free(s);
}

/* Wait until no reader can still hold what was current before the swap. */
static void wait_for_readers(struct adm_kube_ns_watcher *w) {
  for (int i = 0; i < 2; i++) {
    unsigned e = atomic_fetch_add(&w->epoch, 1);
    while (atomic_load(&w->active[e & 1u]) != 0)
      sched_yield();
  }
}

/* Publish the draft. Caller holds write_lock. False when out of memory:
 * the previous snapshot stays, and the caller must not claim success. */
static bool publish(struct adm_kube_ns_watcher *w) {
  struct snapshot *s = malloc(sizeof *s + w->ndraft * sizeof s->items[0]);
  if (s == NULL)
    return false;
  s->n = w->ndraft;
  s->incomplete = w->incomplete;
  s->stale = w->stale;
  for (size_t i = 0; i < w->ndraft; i++) {
    s->items[i] = w->draft[i];
    s->items[i]->refs++;
  }
  struct snapshot *old = atomic_exchange(&w->current, s);
  wait_for_readers(w);
  snapshot_release(old);
  w->st.namespaces = s->n;
  return true;
}

static void note_error(struct adm_kube_ns_watcher *w, bool limit, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Caller holds write_lock. */
static void note_error(struct adm_kube_ns_watcher *w, bool limit, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(w->st.last_error, sizeof w->st.last_error, fmt, ap);
  va_end(ap);
  w->st.errors++;
  if (limit)
    w->st.limit_reached = true;
}

/* what NULL: why says it all. */
static void locked_error(struct adm_kube_ns_watcher *w, bool limit, const char *what, const char *why) {
  pthread_mutex_lock(&w->write_lock);
  note_error(w, limit, "%s%s%s", what ? what : "", what ? ": " : "", why);
  pthread_mutex_unlock(&w->write_lock);
}

/* Caller holds write_lock. */
static void note_over_limit(struct adm_kube_ns_watcher *w, const struct adm__kube_ns *ns) {
  note_error(w, true, "namespace %s: more than %zu labels or a label over %zu bytes; its labels are unknown", ns->name,
             w->lim.max_labels, w->lim.max_label_bytes);
}

static bool draft_reserve(struct adm_kube_ns_watcher *w, size_t want) {
  if (want <= w->cap_draft)
    return true;
  size_t cap = w->cap_draft ? w->cap_draft : 64;
  while (cap < want)
    cap *= 2;
  struct adm__kube_ns **grown = realloc(w->draft, cap * sizeof *grown);
  if (grown == NULL)
    return false;
  w->draft = grown;
  w->cap_draft = cap;
  return true;
}

/* Put ns in the draft (steals it). Caller holds write_lock. */
static void draft_upsert(struct adm_kube_ns_watcher *w, struct adm__kube_ns *ns) {
  if (ns->over_limit)
    note_over_limit(w, ns);
  bool found;
  size_t i = search(w->draft, w->ndraft, ns->name, &found);
  if (found) {
    adm__kube_ns_unref(w->draft[i]);
    w->draft[i] = ns;
    return;
  }
  if (w->ndraft >= w->o.max_namespaces) {
    if (!w->incomplete)
      note_error(w, true, "more than %zu namespaces: names not held are unknown", w->o.max_namespaces);
    w->incomplete = true;
    adm__kube_ns_unref(ns);
    return;
  }
  if (!draft_reserve(w, w->ndraft + 1)) {
    /* The map cannot hold this one: it is unknown, not absent. */
    note_error(w, false, "out of memory: names not held are unknown");
    w->incomplete = true;
    adm__kube_ns_unref(ns);
    return;
  }
  memmove(w->draft + i + 1, w->draft + i, (w->ndraft - i) * sizeof *w->draft);
  w->draft[i] = ns;
  w->ndraft++;
}

static void draft_delete(struct adm_kube_ns_watcher *w, const char *name) {
  bool found;
  size_t i = search(w->draft, w->ndraft, name, &found);
  if (!found)
    return;
  adm__kube_ns_unref(w->draft[i]);
  memmove(w->draft + i, w->draft + i + 1, (w->ndraft - i - 1) * sizeof *w->draft);
  w->ndraft--;
}

static void draft_clear(struct adm_kube_ns_watcher *w) {
  for (size_t i = 0; i < w->ndraft; i++)
    adm__kube_ns_unref(w->draft[i]);
  w->ndraft = 0;
  w->incomplete = false;
}

/* ---- sleeping and backoff ---------------------------------------------- */

static uint64_t next_rand(struct adm_kube_ns_watcher *w) {
  uint64_t x = w->rand_state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return w->rand_state = x;
}

/* Sleep ms, or less when stopped. False when stopped. */
static bool sleep_ms(struct adm_kube_ns_watcher *w, long ms) {
  struct timespec until;
  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_sec += ms / 1000;
  until.tv_nsec += (ms % 1000) * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&w->sleep_lock);
  while (!atomic_load(&w->stop) && pthread_cond_timedwait(&w->sleep_cond, &w->sleep_lock, &until) != ETIMEDOUT)
    ;
  pthread_mutex_unlock(&w->sleep_lock);
  return !atomic_load(&w->stop);
}

/* The wait after the n-th failure in a row: initial doubled n-1 times,
 * capped, then jittered to between half and all of it. */
static long backoff_ms(struct adm_kube_ns_watcher *w, unsigned failures) {
  long base = w->o.backoff_initial_ms;
  for (unsigned i = 1; i < failures && base < w->o.backoff_max_ms; i++)
    base *= 2;
  if (base > w->o.backoff_max_ms)
    base = w->o.backoff_max_ms;
  long half = base / 2;
  return half + (long)(next_rand(w) % (uint64_t)(base - half + 1));
}

/* ---- list ---------------------------------------------------------------- */

static int cmp_entries(const void *a, const void *b) {
  const struct adm__kube_ns *const *x = a, *const *y = b;
  return strcmp((*x)->name, (*y)->name);
}

/* List every namespace into a fresh draft and publish it. 0 or -1 (the
 * error is noted). */
static int list_all(struct adm_kube_ns_watcher *w) {
  struct adm__kube_ns **items = NULL;
  size_t n = 0, cap = 0;
  bool incomplete = false;
  char cont[ADM__KUBE_URL_MAX / 2] = "", rv[sizeof w->rv] = "";
  int rc = 0, expired = 0;
  while (rc == 0 && !atomic_load(&w->stop)) {
    struct adm__kube_page_request r = {.path = NS_PATH,
                                       .limit = w->o.page_size,
                                       .cont = cont,
                                       .deadline_ms = adm_verifier_now_ms() + w->o.request_timeout_ms,
                                       .connect_timeout_ms = w->o.connect_timeout_ms,
                                       .cap = w->o.max_page_bytes,
                                       .max_values = w->page_values,
                                       .stop = &w->stop};
    json_t *root;
    struct adm__kube_page page;
    long status;
    struct adm_error e = {0};
    rc = adm__kube_get_page(w->cfg, &r, &root, &page, &status, &e);
    if (rc < 0 && status == 410 && cont[0] != '\0' && ++expired < 3) {
      /* The continue token expired between pages: start over. */
      for (size_t i = 0; i < n; i++)
        adm__kube_ns_unref(items[i]);
      n = 0;
      incomplete = false;
      cont[0] = '\0';
      rc = 0;
      continue;
    }
    if (rc < 0) {
      char why[600];
      adm_error_format(&e, why, sizeof why);
      locked_error(w, rc == ADM_ETOOBIG, "list namespaces", why);
      break;
    }
    size_t count = json_array_size(page.items);
    if (n + count > cap) {
      size_t want = cap ? cap : 256;
      while (want < n + count)
        want *= 2;
      struct adm__kube_ns **grown = realloc(items, want * sizeof *grown);
      if (grown == NULL) {
        json_decref(root);
        locked_error(w, false, "list namespaces", "out of memory");
        rc = -1;
        break;
      }
      items = grown;
      cap = want;
    }
    for (size_t i = 0; i < count && rc == 0; i++) {
      struct adm__kube_ns *ns;
      rc = adm__kube_ns_from_json(json_array_get(page.items, i), &w->lim, &ns, &e);
      if (rc < 0) {
        char why[600];
        adm_error_format(&e, why, sizeof why);
        locked_error(w, false, "list namespaces: an item", why);
      } else if (n >= w->o.max_namespaces) {
        adm__kube_ns_unref(ns);
        incomplete = true;
      } else {
        if (ns->over_limit) {
          pthread_mutex_lock(&w->write_lock);
          note_over_limit(w, ns);
          pthread_mutex_unlock(&w->write_lock);
        }
        items[n++] = ns;
      }
    }
    snprintf(rv, sizeof rv, "%s", page.rv);
    bool more = page.cont[0] != '\0' && !incomplete;
    if (strlen(page.cont) >= sizeof cont || strlen(page.rv) >= sizeof rv) {
      locked_error(w, true, "list namespaces", "continue token or resourceVersion too long");
      rc = -1;
    } else if (more && (count == 0 || strcmp(page.cont, cont) == 0)) {
      /* An unfiltered list fills every page but the last, and each token
       * names where the next page starts: a page that brings nothing, or
       * hands back the token it was asked with, would be asked for again
       * without end. */
      locked_error(w, false, "list namespaces",
                   "a page that does not advance the list (no items, or the same continue token)");
      rc = -1;
    }
    snprintf(cont, sizeof cont, "%s", page.cont);
    json_decref(root);
    if (!more)
      break;
  }
  if (rc == 0 && atomic_load(&w->stop))
    rc = -1;
  if (rc < 0) {
    for (size_t i = 0; i < n; i++)
      adm__kube_ns_unref(items[i]);
    free(items);
    return -1;
  }
  qsort(items, n, sizeof *items, cmp_entries);
  /* One name twice in one list (never from a consistent list): keep the last. */
  size_t kept = 0;
  for (size_t i = 0; i < n; i++) {
    if (kept > 0 && strcmp(items[kept - 1]->name, items[i]->name) == 0)
      adm__kube_ns_unref(items[--kept]);
    items[kept++] = items[i];
  }
  n = kept;
  pthread_mutex_lock(&w->write_lock);
  draft_clear(w);
  free(w->draft);
  w->draft = items;
  w->ndraft = n;
  w->cap_draft = cap;
  w->incomplete = incomplete;
  w->stale = false;
  w->changes++;
  if (incomplete)
    note_error(w, true, "more than %zu namespaces: names not held are unknown", w->o.max_namespaces);
  bool ok = publish(w);
  if (ok) {
    w->st.lists++;
    if (w->st.lists > 1)
      w->st.relists++;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    w->st.last_sync_unix_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    w->st.synced = true;
    snprintf(w->rv, sizeof w->rv, "%s", rv);
  } else {
    note_error(w, false, "list namespaces: out of memory publishing the map");
  }
  pthread_mutex_unlock(&w->write_lock);
  if (ok)
    atomic_store(&w->synced, true);
  return ok ? 0 : -1;
}

/* ---- watch --------------------------------------------------------------- */

enum watch_end {
  END_CLEAN,  /* the server ended the watch (timeoutSeconds): watch again */
  END_GONE,   /* 410: relist */
  END_BROKEN, /* an event could not be read: an update was lost, relist after a wait */
  END_FAILED, /* dropped, stalled, refused, an HTTP error: reconnect after a wait */
  END_STOPPED,
};

struct watch {
  struct adm_kube_ns_watcher *w;
  char *line;
  size_t len, cap;
  enum watch_end end;
  uint64_t applied;
  bool dirty; /* the draft changed since the last publish */
};

/* The stream lost an update: lookups say UNKNOWN until the relist. */
static void mark_stale(struct adm_kube_ns_watcher *w, bool limit, const char *what, const char *why) {
  pthread_mutex_lock(&w->write_lock);
  note_error(w, limit, "watch: %s: %s", what, why);
  w->stale = true;
  if (!publish(w))
    note_error(w, false, "watch: out of memory publishing the map");
  pthread_mutex_unlock(&w->write_lock);
}

/* One event line. False ends the stream (wt->end says why). */
static bool apply_line(struct watch *wt, const char *line, size_t len) {
  struct adm_kube_ns_watcher *w = wt->w;
  struct adm_error e = {0};
  char why[600];
  json_t *root = adm__kube_json_load(line, len, w->event_values, &e);
  struct adm__kube_event ev;
  if (root == NULL || adm__kube_event_from_json(root, &ev, &e) < 0) {
    json_decref(root);
    adm_error_format(&e, why, sizeof why);
    wt->end = END_BROKEN;
    mark_stale(w, e.code == ADM_ETOOBIG, "unreadable event", why);
    return false;
  }
  if (ev.type == ADM__KUBE_ERROR) {
    locked_error(w, false, "watch: ERROR event", ev.message);
    wt->end = ev.code == 410 ? END_GONE : END_FAILED;
    json_decref(root);
    return false;
  }
  struct adm__kube_ns *ns = NULL;
  if (ev.type != ADM__KUBE_BOOKMARK && adm__kube_ns_from_json(ev.object, &w->lim, &ns, &e) < 0) {
    json_decref(root);
    adm_error_format(&e, why, sizeof why);
    wt->end = END_BROKEN;
    mark_stale(w, false, "unreadable namespace", why);
    return false;
  }
  if (strlen(ev.rv) >= sizeof w->rv) {
    adm__kube_ns_unref(ns);
    json_decref(root);
    wt->end = END_BROKEN;
    mark_stale(w, true, "event", "resourceVersion too long");
    return false;
  }
  pthread_mutex_lock(&w->write_lock);
  if (ev.type == ADM__KUBE_DELETED) {
    draft_delete(w, ns->name);
    adm__kube_ns_unref(ns);
  } else if (ns != NULL) {
    draft_upsert(w, ns);
  }
  if (ns != NULL) {
    w->changes++;
    wt->dirty = true;
  }
  w->st.events++;
  pthread_mutex_unlock(&w->write_lock);
  /* A bookmark carries only this: where to resume. */
  snprintf(w->rv, sizeof w->rv, "%s", ev.rv);
  wt->applied++;
  json_decref(root);
  return true;
}

static void flush(struct watch *wt) {
  if (!wt->dirty)
    return;
  pthread_mutex_lock(&wt->w->write_lock);
  if (!publish(wt->w))
    note_error(wt->w, false, "watch: out of memory publishing the map");
  else
    wt->dirty = false;
  pthread_mutex_unlock(&wt->w->write_lock);
}

/* Whether the line holds only whitespace: read within its n bytes, for the
 * buffer holds no NUL (and may be exactly full). */
static bool blank(const char *line, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
      return false;
  return true;
}

/* The stream's bytes: whole lines are events; what each chunk completes
 * is published before the next chunk is read. */
static bool on_stream(void *ctx, const char *data, size_t n) {
  struct watch *wt = ctx;
  struct adm_kube_ns_watcher *w = wt->w;
  while (n > 0) {
    const char *nl = memchr(data, '\n', n);
    size_t take = nl ? (size_t)(nl - data) : n;
    if (take > w->o.max_event_bytes - wt->len) {
      char why[64];
      snprintf(why, sizeof why, "larger than %zu bytes", w->o.max_event_bytes);
      wt->end = END_BROKEN;
      mark_stale(w, true, "event", why);
      return false;
    }
    if (wt->len + take > wt->cap) {
      size_t want = wt->cap ? wt->cap : 4096;
      while (want < wt->len + take)
        want *= 2;
      char *grown = realloc(wt->line, want);
      if (grown == NULL) {
        wt->end = END_BROKEN;
        mark_stale(w, false, "event", "out of memory");
        return false;
      }
      wt->line = grown;
      wt->cap = want;
    }
    memcpy(wt->line + wt->len, data, take);
    wt->len += take;
    if (nl == NULL)
      break;
    data = nl + 1;
    n -= take + 1;
    size_t len = wt->len;
    wt->len = 0;
    if (!blank(wt->line, len) && !apply_line(wt, wt->line, len))
      return false;
  }
  flush(wt);
  return !wt->dirty;
}

static enum watch_end watch_once(struct adm_kube_ns_watcher *w) {
  long timeout_s = w->o.watch_timeout_s ? w->o.watch_timeout_s : 300 + (long)(next_rand(w) % 301);
  long read_timeout = w->o.read_timeout_ms ? w->o.read_timeout_ms : timeout_s * 1000 + 30000;
  char *rv = curl_easy_escape(NULL, w->rv, 0);
  if (rv == NULL) {
    locked_error(w, false, "watch", "out of memory");
    return END_FAILED;
  }
  char path[ADM__KUBE_URL_MAX];
  snprintf(path, sizeof path, NS_PATH "?watch=1&resourceVersion=%s&allowWatchBookmarks=true&timeoutSeconds=%ld", rv,
           timeout_s);
  curl_free(rv);
  struct watch wt = {.w = w, .end = END_FAILED};
  struct adm__kube_exchange x = {.path_query = path,
                                 .deadline_ms = adm_verifier_now_ms() + timeout_s * 1000 + read_timeout,
                                 .connect_timeout_ms = w->o.connect_timeout_ms,
                                 .read_timeout_ms = read_timeout,
                                 .stream = on_stream,
                                 .stream_ctx = &wt,
                                 .stop = &w->stop};
  pthread_mutex_lock(&w->write_lock);
  w->st.watches++;
  pthread_mutex_unlock(&w->write_lock);
  int64_t started = adm_verifier_now_ms();
  enum adm__kube_outcome o = adm__kube_get(w->cfg, &x);
  flush(&wt);
  free(wt.line);
  enum watch_end end;
  char why[600];
  if (o == ADM__KUBE_STOPPED) {
    end = END_STOPPED;
  } else if (o == ADM__KUBE_ABORTED) {
    end = wt.end;
  } else if (o == ADM__KUBE_DONE && x.status == 410) {
    locked_error(w, false, "watch", "410 Gone");
    end = END_GONE;
  } else if (o == ADM__KUBE_DONE && x.status == 200 && wt.len == 0 &&
             (wt.applied > 0 || adm_verifier_now_ms() - started >= 1000)) {
    end = END_CLEAN;
  } else {
    if (o == ADM__KUBE_DONE && x.status == 200)
      snprintf(why, sizeof why, "watch: the stream ended %s", wt.len ? "inside an event" : "at once");
    else
      adm__kube_describe(&x, o, "watch", why, sizeof why);
    locked_error(w, false, NULL, why);
    end = END_FAILED;
  }
  adm__kube_exchange_done(&x);
  if (end == END_FAILED) {
    pthread_mutex_lock(&w->write_lock);
    w->st.reconnects++;
    pthread_mutex_unlock(&w->write_lock);
  }
  return end;
}

static void *run(void *arg) {
  struct adm_kube_ns_watcher *w = arg;
  bool need_list = true;
  unsigned failures = 0, brief = 0;
  while (!atomic_load(&w->stop)) {
    if (need_list) {
      if (list_all(w) < 0) {
        if (!sleep_ms(w, backoff_ms(w, ++failures)))
          break;
        continue;
      }
      need_list = false;
      failures = 0;
    }
    int64_t began = adm_verifier_now_ms();
    enum watch_end end = watch_once(w);
    /* A watch that ends, cleanly or with 410, within a second of its start
     * and again and again would be a busy loop of watches or lists: such
     * ends wait as failures do, until a watch lasts. */
    if (end == END_CLEAN || end == END_GONE) {
      if (adm_verifier_now_ms() - began >= BRIEF_WATCH_MS)
        brief = 0;
      else if (!sleep_ms(w, backoff_ms(w, ++brief)))
        break;
    }
    switch (end) {
    case END_CLEAN:
      failures = 0;
      break;
    case END_GONE:
      need_list = true;
      break;
    case END_BROKEN:
      need_list = true;
      sleep_ms(w, backoff_ms(w, ++failures));
      break;
    case END_FAILED:
      sleep_ms(w, backoff_ms(w, ++failures));
      break;
    case END_STOPPED:
      break;
    }
  }
  return NULL;
}

/* ---- start, stop, counters --------------------------------------------- */

static size_t or_size(size_t v, size_t d) {
  return v ? v : d;
}
static long or_long(long v, long d) {
  return v > 0 ? v : d;
}

int adm_kube_ns_start(struct adm_kube_config *cfg, const struct adm_kube_ns_options *o,
                      struct adm_kube_ns_watcher **out, struct adm_error *err) {
  static const struct adm_kube_ns_options none;
  *out = NULL;
  if (o == NULL)
    o = &none;
  if (o->watch_timeout_s < 0 || o->read_timeout_ms < 0 || o->connect_timeout_ms < 0 || o->request_timeout_ms < 0 ||
      o->backoff_initial_ms < 0 || o->backoff_max_ms < 0 || o->page_size > 10000)
    return adm_fail(err, ADM_EINVAL, "namespace watcher", "negative timeout, or a page size over 10000");
  struct adm_kube_ns_watcher *w = calloc(1, sizeof *w);
  struct snapshot *empty = calloc(1, sizeof *empty);
  if (w == NULL || empty == NULL) {
    free(w);
    free(empty);
    return adm_fail(err, ADM_ENOMEM, "namespace watcher", "out of memory");
  }
  w->cfg = cfg;
  w->o = (struct adm_kube_ns_options){
      .max_namespaces = or_size(o->max_namespaces, 100000),
      .max_labels = or_size(o->max_labels, 256),
      .max_label_bytes = or_size(o->max_label_bytes, 512),
      .max_event_bytes = or_size(o->max_event_bytes, 1u << 20),
      .max_page_bytes = or_size(o->max_page_bytes, 16u << 20),
      .page_size = or_size(o->page_size, 100),
      .watch_timeout_s = o->watch_timeout_s,
      .read_timeout_ms = o->read_timeout_ms,
      .connect_timeout_ms = or_long(o->connect_timeout_ms, 5000),
      .request_timeout_ms = or_long(o->request_timeout_ms, 30000),
      .backoff_initial_ms = or_long(o->backoff_initial_ms, 500),
      .backoff_max_ms = or_long(o->backoff_max_ms, 30000),
  };
  if (w->o.backoff_max_ms < w->o.backoff_initial_ms)
    w->o.backoff_max_ms = w->o.backoff_initial_ms;
  w->lim = (struct adm__kube_limits){.max_labels = w->o.max_labels, .max_label_bytes = w->o.max_label_bytes};
  /* Values of one namespace: its labels (counted twice, with the key) and
   * room for metadata, annotations and managedFields, which take a few
   * dozen; a page holds page_size of them. A parsed value costs up to ~300
   * bytes (measured), so the default page of 100 is bounded near 46 MB of
   * tree, within what the deploy's memory limit leaves beside the
   * requests' budget; more pages cost only time, in the background. */
  w->event_values = 2 * w->o.max_labels + 1024;
  w->page_values = w->o.page_size * w->event_values;
  w->lim.max_values = w->event_values;
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  w->rand_state = ((uint64_t)now.tv_nsec << 20) ^ (uint64_t)now.tv_sec ^ (uint64_t)(uintptr_t)w;
  if (w->rand_state == 0)
    w->rand_state = 0x9e3779b97f4a7c15u;
  atomic_store(&w->current, empty);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_mutex_init(&w->sleep_lock, NULL);
  pthread_cond_init(&w->sleep_cond, &ca);
  pthread_condattr_destroy(&ca);
  pthread_mutex_init(&w->write_lock, NULL);
  int rc = pthread_create(&w->thread, NULL, run, w);
  if (rc != 0) {
    pthread_mutex_destroy(&w->write_lock);
    pthread_cond_destroy(&w->sleep_cond);
    pthread_mutex_destroy(&w->sleep_lock);
    free(empty);
    free(w);
    return adm_fail(err, ADM_ENOMEM, "namespace watcher", "cannot start a thread: %s", strerror(rc));
  }
  *out = w;
  return 0;
}

void adm_kube_ns_stop(struct adm_kube_ns_watcher *w) {
  if (w == NULL)
    return;
  pthread_mutex_lock(&w->sleep_lock);
  atomic_store(&w->stop, true);
  pthread_cond_broadcast(&w->sleep_cond);
  pthread_mutex_unlock(&w->sleep_lock);
  pthread_join(w->thread, NULL);
  snapshot_release(atomic_load(&w->current));
  draft_clear(w);
  free(w->draft);
  pthread_mutex_destroy(&w->write_lock);
  pthread_cond_destroy(&w->sleep_cond);
  pthread_mutex_destroy(&w->sleep_lock);
  free(w);
}

void adm_kube_ns_stats(struct adm_kube_ns_watcher *w, struct adm_kube_ns_stats *out) {
  pthread_mutex_lock(&w->write_lock);
  *out = w->st;
  pthread_mutex_unlock(&w->write_lock);
}

/* ---- the live GET ------------------------------------------------------- */

enum adm_kube_ns_result adm_kube_ns_get(struct adm_kube_ns_watcher *w, const char *name, int64_t deadline_ms,
                                        struct adm_arena *a, struct adm_labels *out, char *why, size_t whylen) {
  *out = (struct adm_labels){0};
  why[0] = '\0';
  if (!adm__kube_valid_name(name)) {
    snprintf(why, whylen, "GET namespace: not a namespace name");
    return ADM_KUBE_NS_FAILED;
  }
  char path[128];
  snprintf(path, sizeof path, NS_PATH "/%s", name);
  pthread_mutex_lock(&w->write_lock);
  w->st.gets++;
  uint64_t changes = w->changes;
  pthread_mutex_unlock(&w->write_lock);
  struct adm__kube_exchange x = {.path_query = path,
                                 .deadline_ms = deadline_ms,
                                 .connect_timeout_ms = w->o.connect_timeout_ms,
                                 .cap = w->o.max_event_bytes,
                                 .stop = &w->stop};
  enum adm__kube_outcome o = adm__kube_get(w->cfg, &x);
  enum adm_kube_ns_result r = ADM_KUBE_NS_FAILED;
  struct adm__kube_ns *ns = NULL;
  if (o == ADM__KUBE_DONE && x.status == 404) {
    r = ADM_KUBE_NS_ABSENT;
  } else if (o != ADM__KUBE_DONE || x.status != 200) {
    adm__kube_describe(&x, o, "GET namespace", why, whylen);
  } else {
    struct adm_error e = {0};
    json_t *root = adm__kube_json_load(x.body, x.len, w->event_values, &e);
    if (root != NULL && adm__kube_ns_from_json(root, &w->lim, &ns, &e) == 0 && strcmp(ns->name, name) != 0) {
      adm__kube_ns_unref(ns);
      ns = NULL;
      adm_fail(&e, ADM_EINVAL, "metadata.name", "another namespace came back");
    }
    if (ns == NULL) {
      char msg[600];
      adm_error_format(&e, msg, sizeof msg);
      snprintf(why, whylen, "GET namespace: %s", msg);
    } else {
      r = copy_labels(ns, a, out);
      if (r == ADM_KUBE_NS_FAILED)
        snprintf(why, whylen, "GET namespace: out of memory");
      else if (r == ADM_KUBE_NS_UNKNOWN)
        snprintf(why, whylen, "GET namespace: more than %zu labels or a label over %zu bytes", w->lim.max_labels,
                 w->lim.max_label_bytes);
    }
    json_decref(root);
  }
  adm__kube_exchange_done(&x);
  pthread_mutex_lock(&w->write_lock);
  if (r != ADM_KUBE_NS_FOUND && r != ADM_KUBE_NS_ABSENT)
    w->st.get_errors++;
  /* Insert only what the watch has not overtaken: if it changed the map
   * meanwhile, this answer may be older than what it knows. */
  if (ns != NULL && !ns->over_limit && w->changes == changes && atomic_load(&w->synced)) {
    bool found;
    search(w->draft, w->ndraft, name, &found);
    if (!found) {
      draft_upsert(w, ns);
      ns = NULL;
      w->changes++;
      if (!publish(w))
        note_error(w, false, "GET namespace: out of memory publishing the map");
    }
  }
  pthread_mutex_unlock(&w->write_lock);
  adm__kube_ns_unref(ns);
  return r;
}
