/* The verification cache (sigverify_cache.h): three bounded hash tables of
 * entries under one mutex, with single-flight on two of them. An entry is
 * made pending by the first lookup of its key, which does the work without
 * the lock and then publishes the result and wakes the waiters; the
 * verified table only ever receives finished VERIFIED results. Entries are
 * reference counted (the doer and each waiter hold one, the table one
 * more), so an entry evicted or purged while someone still reads it lives
 * until they are done. Owns no I/O and no policy: the work is adm_sig_resolve and
 * adm_sig_verify, and a lookup that cannot be served from here is always
 * one of their outcomes or DEADLINE, never a guess. */
#include "sigverify_cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 1024

/* How long a result may be reused. */
enum keep { KEEP_SUCCESS, KEEP_FAILURE, KEEP_NONE };

struct table;

struct entry {
  struct entry *chain;         /* next in its bucket */
  struct entry *older, *newer; /* insertion order, for eviction */
  struct table *table;         /* NULL once evicted, purged or expired */
  uint64_t hash, generation;
  unsigned refs; /* lookups holding it: the doer and its waiters */
  bool ready;
  enum keep keep;
  int rc;
  int64_t expires_ms;
  struct adm_sig_result result;
  size_t key_len;
  char key[];
};

struct table {
  const struct adm_sig_cache_options *o; /* its allocator */
  struct entry **buckets;
  size_t mask, count, max;
  struct entry *oldest, *newest;
  struct adm_sig_cache_counts counts;
};

struct adm_sig_cache {
  pthread_mutex_t lock;
  pthread_cond_t done; /* some pending entry became ready */
  struct table results, verified, resolutions;
  uint64_t generation; /* newest seen */
  struct adm_sig_cache_options o;
};

static int64_t default_clock(void *ctx) {
  (void)ctx;
  return adm_verifier_now_ms();
}

static void *zalloc(const struct adm_sig_cache_options *o, size_t size) {
  return o->alloc ? o->alloc(o->alloc_ctx, size) : calloc(1, size);
}

static int table_init(struct table *t, const struct adm_sig_cache_options *o) {
  size_t n = 16;
  while (n < o->max_entries && n < ((size_t)1 << 20))
    n <<= 1;
  memset(t, 0, sizeof *t);
  t->o = o;
  t->buckets = zalloc(o, n * sizeof *t->buckets);
  t->mask = n - 1;
  t->max = o->max_entries;
  return t->buckets ? 0 : ADM_ENOMEM;
}

static void entry_release(struct entry *e) {
  if (e->table == NULL && e->refs == 0)
    free(e);
}

/* Out of the table; freed now unless a lookup still holds it. */
static void detach(struct entry *e) {
  struct table *t = e->table;
  if (t == NULL)
    return;
  struct entry **pp = &t->buckets[e->hash & t->mask];
  while (*pp != e)
    pp = &(*pp)->chain;
  *pp = e->chain;
  if (e->older)
    e->older->newer = e->newer;
  else
    t->oldest = e->newer;
  if (e->newer)
    e->newer->older = e->older;
  else
    t->newest = e->older;
  t->count--;
  e->table = NULL;
  entry_release(e);
}

static void table_free(struct table *t) {
  while (t->oldest) {
    struct entry *e = t->oldest;
    e->refs = 0;
    detach(e);
  }
  free(t->buckets);
}

static uint64_t hash_key(uint64_t generation, const char *key, size_t len) {
  uint64_t h = 1469598103934665603ull ^ generation;
  for (size_t i = 0; i < len; i++)
    h = (h ^ (unsigned char)key[i]) * 1099511628211ull;
  return h;
}

static struct entry *find(struct table *t, uint64_t hash, uint64_t generation, const char *key, size_t len) {
  for (struct entry *e = t->buckets[hash & t->mask]; e; e = e->chain)
    if (e->hash == hash && e->generation == generation && e->key_len == len && memcmp(e->key, key, len) == 0)
      return e;
  return NULL;
}

static struct entry *insert(struct table *t, uint64_t hash, uint64_t generation, const char *key, size_t len) {
  struct entry *e = zalloc(t->o, sizeof *e + len);
  if (e == NULL)
    return NULL;
  e->hash = hash;
  e->generation = generation;
  e->key_len = len;
  memcpy(e->key, key, len);
  while (t->count >= t->max && t->oldest) {
    t->counts.evictions++;
    detach(t->oldest);
  }
  e->table = t;
  e->chain = t->buckets[hash & t->mask];
  t->buckets[hash & t->mask] = e;
  e->older = t->newest;
  if (t->newest)
    t->newest->newer = e;
  else
    t->oldest = e;
  t->newest = e;
  t->count++;
  return e;
}

static void purge_older(struct table *t, uint64_t generation) {
  for (struct entry *e = t->oldest, *next; e; e = next) {
    next = e->newer;
    if (e->generation < generation) {
      t->counts.purged++;
      detach(e);
    }
  }
}

int adm_sig_cache_new(const struct adm_sig_cache_options *o, struct adm_sig_cache **out) {
  *out = NULL;
  struct adm_sig_cache_options d = {0};
  if (o == NULL)
    o = &d;
  if (o->ttl_ms < 0 || o->error_ttl_ms < 0 || o->resolve_ttl_ms < 0)
    return ADM_EINVAL;
  struct adm_sig_cache *c = zalloc(o, sizeof *c);
  if (c == NULL)
    return ADM_ENOMEM;
  c->o = *o;
  c->o.ttl_ms = o->ttl_ms ? o->ttl_ms : 10 * 60 * 1000;
  c->o.error_ttl_ms = o->error_ttl_ms ? o->error_ttl_ms : 30 * 1000;
  c->o.resolve_ttl_ms = o->resolve_ttl_ms ? o->resolve_ttl_ms : 30 * 1000;
  c->o.max_entries = o->max_entries ? o->max_entries : 10000;
  if (c->o.clock == NULL)
    c->o.clock = default_clock;
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* deadlines are CLOCK_MONOTONIC */
  int ok = pthread_cond_init(&c->done, &ca) == 0;
  pthread_condattr_destroy(&ca);
  if (!ok || pthread_mutex_init(&c->lock, NULL) != 0) {
    if (ok)
      pthread_cond_destroy(&c->done);
    free(c);
    return ADM_ENOMEM;
  }
  if (table_init(&c->results, &c->o) < 0 || table_init(&c->verified, &c->o) < 0 ||
      table_init(&c->resolutions, &c->o) < 0) {
    adm_sig_cache_free(c);
    return ADM_ENOMEM;
  }
  *out = c;
  return 0;
}

void adm_sig_cache_free(struct adm_sig_cache *c) {
  if (c == NULL)
    return;
  table_free(&c->results);
  table_free(&c->verified);
  table_free(&c->resolutions);
  pthread_cond_destroy(&c->done);
  pthread_mutex_destroy(&c->lock);
  free(c);
}

void adm_sig_cache_stats(struct adm_sig_cache *c, struct adm_sig_cache_stats *out) {
  pthread_mutex_lock(&c->lock);
  out->results = c->results.counts;
  out->verified = c->verified.counts;
  out->resolutions = c->resolutions.counts;
  out->result_entries = c->results.count;
  out->verified_entries = c->verified.count;
  out->resolution_entries = c->resolutions.count;
  pthread_mutex_unlock(&c->lock);
}

/* --- single flight -------------------------------------------------------- */

struct work {
  struct adm_verifier *v;
  const struct adm_sig_request *req;
  bool resolve; /* adm_sig_resolve, else adm_sig_verify */
  /* The verified table's key for the request's (rule, digest), where a
   * VERIFIED result is also published. */
  const char *content_key;
  size_t content_len;
};

/* Which failures may be kept for errorTtl at their location: what the
 * registry said about the image or its signatures there, and a registry
 * that could not be asked (unavailable, auth-failed), so that admissions
 * naming a registry that is down do not each wait on it again. Never what
 * depends on the caller or on admitd itself: deadline (one caller with a
 * short ?timeout= would plant it for everyone), busy and internal. Listed,
 * so an outcome added later is not kept until someone decides it may be. */
static enum keep keep_of(enum adm_sig_outcome o, bool success) {
  if (success)
    return KEEP_SUCCESS;
  switch (o) {
  case ADM_SIG_UNSIGNED:
  case ADM_SIG_INVALID_SIGNATURE:
  case ADM_SIG_DIGEST_MISMATCH:
  case ADM_SIG_IDENTITY_MISMATCH:
  case ADM_SIG_UNTRUSTED_CHAIN:
  case ADM_SIG_TLOG_INVALID:
  case ADM_SIG_TIMESTAMP_INVALID:
  case ADM_SIG_WRONG_MATERIAL:
  case ADM_SIG_PREDICATE_NOT_SATISFIED:
  case ADM_SIG_BELOW_THRESHOLD:
  case ADM_SIG_MALFORMED_SIGNATURE:
  case ADM_SIG_IMAGE_NOT_FOUND:
  case ADM_SIG_REGISTRY_UNAVAILABLE:
  case ADM_SIG_AUTH_FAILED:
    return KEEP_FAILURE;
  default:
    return KEEP_NONE;
  }
}

static int run(const struct work *w, int64_t deadline_ms, struct adm_sig_result *res, enum keep *keep) {
  if (w->resolve) {
    bool ok = adm_sig_resolve(w->v, w->req, deadline_ms, res);
    *keep = keep_of(res->outcome, ok);
    return 0;
  }
  int rc = adm_sig_verify(w->v, w->req, deadline_ms, res);
  *keep = keep_of(res->outcome, rc == 0 && res->outcome == ADM_SIG_VERIFIED);
  return rc;
}

static void timespec_of(int64_t ms, struct timespec *ts) {
  ts->tv_sec = (time_t)(ms / 1000);
  ts->tv_nsec = (long)(ms % 1000) * 1000000L;
}

/* Wait (lock held) for e to become ready or deadline_ms to pass. */
static bool wait_ready(struct adm_sig_cache *c, struct entry *e, int64_t deadline_ms) {
  struct timespec ts;
  timespec_of(deadline_ms, &ts);
  while (!e->ready && adm_verifier_now_ms() < deadline_ms) {
    int rc = pthread_cond_timedwait(&c->done, &c->lock, &ts);
    if (rc != 0 && rc != ETIMEDOUT && rc != EINTR)
      break;
  }
  return e->ready;
}

/* A VERIFIED result published (lock held) under its content key, for any
 * location of the same digest; refreshed if one is there. Out of memory,
 * it is simply not published. */
static void remember_verified(struct adm_sig_cache *c, uint64_t generation, const char *key, size_t len,
                              const struct adm_sig_result *res) {
  if (generation != c->generation)
    return;
  uint64_t hash = hash_key(generation, key, len);
  struct entry *e = find(&c->verified, hash, generation, key, len);
  if (e == NULL)
    e = insert(&c->verified, hash, generation, key, len);
  if (e == NULL)
    return;
  e->result = *res;
  e->keep = KEEP_SUCCESS;
  e->ready = true;
  e->expires_ms = c->o.clock(c->o.clock_ctx) + c->o.ttl_ms;
}

/* A live verified result for (rule, digest), under the lock: true with *res. */
static bool verified_live(struct adm_sig_cache *c, uint64_t generation, const char *key, size_t len,
                          struct adm_sig_result *res) {
  if (generation != c->generation)
    return false;
  struct entry *e = find(&c->verified, hash_key(generation, key, len), generation, key, len);
  if (e == NULL)
    return false;
  if (c->o.clock(c->o.clock_ctx) >= e->expires_ms) {
    detach(e);
    return false;
  }
  c->verified.counts.hits++;
  *res = e->result;
  return true;
}

/* The result for key in t: a live entry, another lookup's work, or ours.
 * *keep says how the result may be reused (KEEP_SUCCESS: the work
 * succeeded). Called with the lock released. */
static int flight(struct adm_sig_cache *c, struct table *t, uint64_t generation, const char *key, size_t len,
                  int64_t deadline_ms, const struct work *w, struct adm_sig_result *res, enum keep *keep) {
  uint64_t hash = hash_key(generation, key, len);
  pthread_mutex_lock(&c->lock);
again:
  if (generation > c->generation) {
    c->generation = generation;
    purge_older(&c->results, generation);
    purge_older(&c->verified, generation);
    purge_older(&c->resolutions, generation);
  }
  if (generation < c->generation) { /* a request still on an old policy: no reuse, no keeping */
    t->counts.misses++;
    pthread_mutex_unlock(&c->lock);
    return run(w, deadline_ms, res, keep);
  }
  struct entry *e = find(t, hash, generation, key, len);
  if (e && e->ready && c->o.clock(c->o.clock_ctx) >= e->expires_ms) {
    detach(e);
    e = NULL;
  }
  if (e && e->ready) {
    t->counts.hits++;
    *res = e->result;
    *keep = e->keep;
    int rc = e->rc;
    pthread_mutex_unlock(&c->lock);
    return rc;
  }
  if (e) {
    t->counts.waits++;
    e->refs++;
    int rc = 0;
    bool ready = wait_ready(c, e, deadline_ms);
    /* A result that is not kept is not shared either: a deadline may be
     * the owner's own (a shorter ?timeout=), busy and internal are about
     * its request or this process, none about the image. With time left
     * do the work again (sharing it with the others who retry), rather
     * than take a failure that is not ours. */
    if (ready && e->keep == KEEP_NONE && adm_verifier_now_ms() < deadline_ms) {
      e->refs--;
      entry_release(e);
      goto again;
    }
    if (ready) {
      *res = e->result;
      *keep = e->keep;
      rc = e->rc;
    } else {
      memset(res, 0, sizeof *res);
      res->outcome = ADM_SIG_DEADLINE;
      snprintf(res->detail, sizeof res->detail,
               "deadline passed while waiting for the same image's verification in progress");
      *keep = KEEP_NONE;
    }
    e->refs--;
    entry_release(e);
    pthread_mutex_unlock(&c->lock);
    return rc;
  }
  t->counts.misses++;
  e = insert(t, hash, generation, key, len);
  if (e == NULL) {
    pthread_mutex_unlock(&c->lock);
    memset(res, 0, sizeof *res);
    res->outcome = ADM_SIG_INTERNAL;
    snprintf(res->detail, sizeof res->detail, "out of memory in the signature cache");
    *keep = KEEP_NONE;
    return ADM_ENOMEM;
  }
  e->refs = 1;
  pthread_mutex_unlock(&c->lock);

  struct adm_sig_result mine;
  enum keep k;
  int rc = run(w, deadline_ms, &mine, &k);

  pthread_mutex_lock(&c->lock);
  if (k == KEEP_SUCCESS && w->content_key)
    remember_verified(c, generation, w->content_key, w->content_len, &mine);
  e->result = mine;
  e->keep = k;
  e->rc = rc;
  e->ready = true;
  int64_t ttl = k == KEEP_SUCCESS ? (w->resolve ? c->o.resolve_ttl_ms : c->o.ttl_ms) : c->o.error_ttl_ms;
  e->expires_ms = c->o.clock(c->o.clock_ctx) + ttl;
  e->refs--;
  pthread_cond_broadcast(&c->done);
  if (k == KEEP_NONE && e->table)
    detach(e); /* the waiters still read it; later lookups do the work again */
  else
    entry_release(e);
  pthread_mutex_unlock(&c->lock);
  *res = mine;
  *keep = k;
  return rc;
}

/* Writes the NUL-separated parts into buf; the length, or 0 when too long. */
static size_t make_key(char *buf, const char *const *parts, size_t n) {
  size_t len = 0;
  for (size_t i = 0; i < n; i++) {
    size_t l = strlen(parts[i]);
    if (len + l + 1 > KEY_MAX)
      return 0;
    memcpy(buf + len, parts[i], l);
    len += l;
    buf[len++] = '\0';
  }
  return len;
}

static const char *or_empty(const char *s) {
  return s ? s : "";
}

/* The two keys of a result: by content (rule, digest), where only VERIFIED
 * is published, and by location (rule, signature registry, signature
 * repository, digest), where every kept outcome lives and single-flight
 * runs. 0 in *content_len when a name is too long to key (or the rule's
 * signatureRepository cannot be read): then nothing is cached. */
static size_t result_keys(const struct adm_sig_request *req, const char *rule_id, const char *digest,
                          char content[KEY_MAX], size_t *content_len, char location[KEY_MAX]) {
  struct adm_sig_location loc;
  *content_len = 0;
  if (adm_sig_location(req, &loc) < 0)
    return 0;
  const char *by_content[] = {rule_id, digest};
  const char *by_location[] = {rule_id, loc.registry, loc.repository, digest};
  size_t len = make_key(location, by_location, 4);
  if (len)
    *content_len = make_key(content, by_content, 2);
  return *content_len ? len : 0;
}

int adm_sig_cache_verify(struct adm_sig_cache *c, struct adm_verifier *v, const struct adm_sig_request *req,
                         const char *rule_id, uint64_t generation, int64_t deadline_ms, struct adm_sig_result *res) {
  if (res == NULL)
    return ADM_EINVAL;
  memset(res, 0, sizeof *res);
  if (c == NULL || req == NULL || rule_id == NULL) {
    res->outcome = ADM_SIG_INTERNAL;
    snprintf(res->detail, sizeof res->detail, "no cache, request or rule id");
    snprintf(res->summary, sizeof res->summary, "no cache, request or rule id");
    return ADM_EINVAL;
  }
  char key[KEY_MAX];
  enum keep keep;
  struct adm_sig_request pinned = *req;
  if (pinned.digest == NULL || pinned.digest[0] == '\0') {
    const char *parts[] = {or_empty(req->registry), or_empty(req->repository), or_empty(req->tag)};
    size_t len = make_key(key, parts, 3);
    struct work w = {v, req, true, NULL, 0};
    int rc = len ? flight(c, &c->resolutions, generation, key, len, deadline_ms, &w, res, &keep)
                 : adm_sig_verify(v, req, deadline_ms, res); /* too long to key: refused there */
    if (rc < 0 || !len || keep != KEEP_SUCCESS)
      return rc;
    pinned.digest = res->digest;
  }
  char digest[ADM_DIGEST_MAX];
  snprintf(digest, sizeof digest, "%s", pinned.digest);
  pinned.digest = digest;
  char content[KEY_MAX];
  size_t content_len, len = result_keys(&pinned, rule_id, digest, content, &content_len, key);
  if (len == 0)
    return adm_sig_verify(v, &pinned, deadline_ms, res);
  pthread_mutex_lock(&c->lock);
  bool hit = verified_live(c, generation, content, content_len, res);
  pthread_mutex_unlock(&c->lock);
  if (hit)
    return 0;
  struct work w = {v, &pinned, false, content, content_len};
  return flight(c, &c->results, generation, key, len, deadline_ms, &w, res, &keep);
}

/* A live, ready entry's result under the lock; no waiting, no work. */
static bool peek_live(struct adm_sig_cache *c, struct table *t, uint64_t generation, const char *key, size_t len,
                      struct adm_sig_result *res, enum keep *keep) {
  if (generation != c->generation)
    return false;
  struct entry *e = find(t, hash_key(generation, key, len), generation, key, len);
  if (e == NULL || !e->ready || e->rc < 0 || c->o.clock(c->o.clock_ctx) >= e->expires_ms)
    return false;
  *res = e->result;
  *keep = e->keep;
  return true;
}

bool adm_sig_cache_peek(struct adm_sig_cache *c, const struct adm_sig_request *req, const char *rule_id,
                        uint64_t generation, struct adm_sig_result *res) {
  if (c == NULL || req == NULL || rule_id == NULL || res == NULL)
    return false;
  char key[KEY_MAX], content[KEY_MAX], digest[ADM_DIGEST_MAX];
  enum keep keep;
  struct adm_sig_result resolved;
  bool found = false;
  pthread_mutex_lock(&c->lock);
  if (req->digest && req->digest[0]) {
    snprintf(digest, sizeof digest, "%s", req->digest);
  } else {
    const char *parts[] = {or_empty(req->registry), or_empty(req->repository), or_empty(req->tag)};
    size_t len = make_key(key, parts, 3);
    if (len == 0 || !peek_live(c, &c->resolutions, generation, key, len, &resolved, &keep))
      goto out;
    if (keep != KEEP_SUCCESS) { /* a failed resolution is the answer */
      *res = resolved;
      found = true;
      c->resolutions.counts.hits++;
      goto out;
    }
    snprintf(digest, sizeof digest, "%s", resolved.digest);
  }
  struct adm_sig_request pinned = *req;
  pinned.digest = digest;
  size_t content_len, len = result_keys(&pinned, rule_id, digest, content, &content_len, key);
  if (len == 0)
    goto out;
  if (verified_live(c, generation, content, content_len, res)) {
    found = true;
  } else if (peek_live(c, &c->results, generation, key, len, res, &keep)) {
    found = true;
    c->results.counts.hits++;
  }
out:
  pthread_mutex_unlock(&c->lock);
  return found;
}
