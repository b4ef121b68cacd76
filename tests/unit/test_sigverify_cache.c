/* server/verify/sigverify_cache.c over the fake verifier and the committed cosign
 * fixtures: ttl, errorTtl and resolution ttl on an injected clock, what is
 * never kept, policy generations, eviction of the oldest entry, and
 * single-flight (threads asking for one new key make one verification; a
 * waiter whose deadline passes gets DEADLINE, one whose deadline outlives
 * the owner's does the work again). Then the keys: a failure or registry
 * error at one location is never the answer at another (either order,
 * cached or in flight), a verified digest is reused anywhere and says
 * where it was verified, signatureRepository is the location when set.
 * And every allocation of the cache failed in turn over those keys.
 * Registry calls are counted. */
#include "cosign_fixtures.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "fake_verifier.h"

#include "sigverify_cache.h"

#define REGISTRY "registry.example.com"

/* --- a registry that counts (atomically) and can be slow ------------------ */

struct slow {
  struct fake_verifier fake;
  struct adm_verifier inner;
  atomic_uint resolves, manifests, blobs, referrers;
  useconds_t delay_us; /* before every call */
};

static struct fake_entry entries[12];
static size_t n_entries;

static struct slow *slow_of(struct adm_verifier *v) {
  return v->ctx;
}

static enum adm_fetch_outcome slow_resolve(struct adm_verifier *v, const struct adm_fetch_target *t,
                                           int64_t deadline_ms, char digest[ADM_DIGEST_MAX],
                                           struct adm_fetch_error *err) {
  struct slow *s = slow_of(v);
  s->resolves++;
  usleep(s->delay_us);
  return s->inner.ops->resolve(&s->inner, t, deadline_ms, digest, err);
}

static enum adm_fetch_outcome slow_manifest(struct adm_verifier *v, const struct adm_fetch_target *t,
                                            int64_t deadline_ms, struct adm_fetched *out, struct adm_fetch_error *err) {
  struct slow *s = slow_of(v);
  s->manifests++;
  usleep(s->delay_us);
  if (adm_verifier_now_ms() >= deadline_ms) /* as the real client: past the deadline, no answer */
    return ADM_FETCH_DEADLINE;
  return s->inner.ops->fetch_manifest(&s->inner, t, deadline_ms, out, err);
}

static enum adm_fetch_outcome slow_blob(struct adm_verifier *v, const struct adm_fetch_target *t, int64_t deadline_ms,
                                        struct adm_fetched *out, struct adm_fetch_error *err) {
  struct slow *s = slow_of(v);
  s->blobs++;
  return s->inner.ops->fetch_blob(&s->inner, t, deadline_ms, out, err);
}

static enum adm_fetch_outcome slow_referrers(struct adm_verifier *v, const struct adm_fetch_target *t,
                                             int64_t deadline_ms, struct adm_fetched *out, enum adm_referrers_via *via,
                                             struct adm_fetch_error *err) {
  struct slow *s = slow_of(v);
  s->referrers++;
  return s->inner.ops->referrers(&s->inner, t, deadline_ms, out, via, err);
}

static const struct adm_verifier_ops slow_ops = {slow_resolve, slow_manifest, slow_blob, slow_referrers};

static void slow_init(struct slow *s, struct adm_verifier *v) {
  memset(s, 0, sizeof *s);
  s->fake.entries = entries;
  s->fake.n = n_entries;
  fake_verifier_init(&s->fake, &s->inner);
  v->ops = &slow_ops;
  v->ctx = s;
}

/* Serve more entries (the next slow_init sees them). */
static void serve(const char *repo, const char *ref, const char *bytes, const char *digest) {
  if (n_entries == sizeof entries / sizeof entries[0])
    fail_msg("the fake registry is full");
  entries[n_entries++] = (struct fake_entry){repo, ref, ADM_FETCH_OK, digest, bytes, NULL};
}

static char sig_tag[96], other_sig_tag[96], payload_digest[80];

/* Every call for repo's signature tags of both digests answers outcome. */
static void serve_failing(const char *repo, enum adm_fetch_outcome outcome) {
  if (n_entries + 2 > sizeof entries / sizeof entries[0])
    fail_msg("the fake registry is full");
  entries[n_entries++] = (struct fake_entry){repo, sig_tag, outcome, NULL, NULL, NULL};
  entries[n_entries++] = (struct fake_entry){repo, other_sig_tag, outcome, NULL, NULL, NULL};
}

/* The image tag "v1" resolving to image_digest, signed with the P-256 key. */
static void serve_signed_image(void) {
  size_t len;
  const char *payload = fixture("payload.json", &len);
  sha256_of(payload, len, payload_digest);
  snprintf(sig_tag, sizeof sig_tag, "sha256-%s.sig", image_digest + 7);
  serve("app", "v1", NULL, image_digest);
  serve("app", payload_digest, payload, NULL);
  serve("app", sig_tag, manifest_of(OCI, LAYERS({payload_digest, (json_int_t)len, text("ecdsa-p256.sig"), NULL})),
        NULL);
}

static int setup(void **state) {
  group_setup(state);
  n_entries = 0;
  serve_signed_image();
  snprintf(other_sig_tag, sizeof other_sig_tag, "sha256-%s.sig", other_digest + 7);
  serve_failing("down", ADM_FETCH_UNAVAILABLE);
  serve_failing("locked", ADM_FETCH_AUTH);
  return 0;
}

/* --- the cache ---------------------------------------------------------------- */

static int64_t now_ms;
static int64_t test_clock(void *ctx) {
  return *(int64_t *)ctx;
}

static struct adm_cosign_key *key_p256[1];
static struct adm_sig_authority release;
static struct adm_sig_rule rule = {.authorities = &release, .n_authorities = 1, .threshold = 1};

static struct adm_sig_cache *cache_with(size_t max_entries) {
  key_p256[0] = keys[P256];
  release = (struct adm_sig_authority){.name = "release", .keys = key_p256, .n_keys = 1};
  now_ms = 1000000;
  struct adm_sig_cache_options o = {.ttl_ms = 1000,
                                    .error_ttl_ms = 100,
                                    .resolve_ttl_ms = 50,
                                    .max_entries = max_entries,
                                    .clock = test_clock,
                                    .clock_ctx = &now_ms};
  struct adm_sig_cache *c = NULL;
  assert_int_equal(adm_sig_cache_new(&o, &c), 0);
  return c;
}

static struct adm_sig_result lookup_at(struct adm_sig_cache *c, struct adm_verifier *v, const char *repo,
                                       const char *tag, const char *digest, const char *rule_id, uint64_t generation) {
  struct adm_sig_request req = {REGISTRY, repo, tag, digest, &rule, NULL};
  struct adm_sig_result res;
  int rc = adm_sig_cache_verify(c, v, &req, rule_id, generation, adm_verifier_deadline_in(5000), &res);
  if (rc != 0)
    fail_msg("expected adm_sig_cache_verify to return 0, got %d (%s)", rc, res.detail);
  return res;
}

static struct adm_sig_result lookup(struct adm_sig_cache *c, struct adm_verifier *v, const char *tag,
                                    const char *digest, const char *rule_id, uint64_t generation) {
  return lookup_at(c, v, "app", tag, digest, rule_id, generation);
}

static void expect_outcome(const struct adm_sig_result *res, enum adm_sig_outcome want) {
  if (res->outcome != want)
    fail_msg("expected %s, got %s (%s)", adm_sig_outcome_id(want), adm_sig_outcome_id(res->outcome), res->detail);
}

static void expect_calls(struct slow *s, unsigned resolves, unsigned manifests) {
  if (s->resolves != resolves || s->manifests != manifests)
    fail_msg("expected %u resolves and %u manifest fetches, got %u and %u", resolves, manifests, s->resolves,
             s->manifests);
}

/* --- tests --------------------------------------------------------------------- */

static void ttl_expiry(void **state) {
  (void)state;
  struct adm_sig_cache *c = cache_with(100);
  struct slow s;
  struct adm_verifier v;
  slow_init(&s, &v);
  struct adm_sig_result res = lookup(c, &v, NULL, image_digest, "r0", 1);
  expect_outcome(&res, ADM_SIG_VERIFIED);
  expect_calls(&s, 0, 1);
  now_ms += 999;
  res = lookup(c, &v, NULL, image_digest, "r0", 1);
  expect_outcome(&res, ADM_SIG_VERIFIED);
  assert_string_equal(res.digest, image_digest);
  expect_calls(&s, 0, 1); /* a hit: no registry call */
  now_ms += 1;
  res = lookup(c, &v, NULL, image_digest, "r0", 1);
  expect_outcome(&res, ADM_SIG_VERIFIED);
  expect_calls(&s, 0, 2); /* expired at ttl: verified again */
  struct adm_sig_cache_stats st;
  adm_sig_cache_stats(c, &st);
  assert_int_equal(st.verified.hits, 1); /* a verified digest is answered by content */
  assert_int_equal(st.results.misses, 2);
  assert_int_equal(st.result_entries, 1);
  assert_int_equal(st.verified_entries, 1);
  adm_sig_cache_free(c);
}

static void error_ttl_expiry(void **state) {
  (void)state;
  struct adm_sig_cache *c = cache_with(100);
  struct slow s;
  struct adm_verifier v;
  slow_init(&s, &v);
  /* other_digest has no signature: unsigned, kept for errorTtl only. */
  struct adm_sig_result res = lookup(c, &v, NULL, other_digest, "r0", 1);
  expect_outcome(&res, ADM_SIG_UNSIGNED);
  now_ms += 99;
  res = lookup(c, &v, NULL, other_digest, "r0", 1);
  expect_outcome(&res, ADM_SIG_UNSIGNED);
  expect_calls(&s, 0, 1);
  now_ms += 1;
  res = lookup(c, &v, NULL, other_digest, "r0", 1);
  expect_outcome(&res, ADM_SIG_UNSIGNED);
  expect_calls(&s, 0, 2);
  adm_sig_cache_free(c);
}

static void resolution_ttl(void **state) {
  (void)state;
  struct adm_sig_cache *c = cache_with(100);
  struct slow s;
  struct adm_verifier v;
  slow_init(&s, &v);
  struct adm_sig_result res = lookup(c, &v, "v1", NULL, "r0", 1);
  expect_outcome(&res, ADM_SIG_VERIFIED);
  assert_string_equal(res.digest, image_digest);
  expect_calls(&s, 1, 1);
  now_ms += 49;
  res = lookup(c, &v, "v1", NULL, "r0", 1);
  expect_outcome(&res, ADM_SIG_VERIFIED);
  expect_calls(&s, 1, 1);
  /* The resolution expires first; its digest's result is still live. */
  now_ms += 1;
  res = lookup(c, &v, "v1", NULL, "r0", 1);
  expect_outcome(&res, ADM_SIG_VERIFIED);
  assert_string_equal(res.digest, image_digest);
  expect_calls(&s, 2, 1);
  /* A failed resolution is kept for errorTtl. */
  res = lookup(c, &v, "missing", NULL, "r0", 1);
  expect_outcome(&res, ADM_SIG_IMAGE_NOT_FOUND);
  res = lookup(c, &v, "missing", NULL, "r0", 1);
  expect_outcome(&res, ADM_SIG_IMAGE_NOT_FOUND);
  expect_calls(&s, 3, 1);
  now_ms += 100;
  res = lookup(c, &v, "missing", NULL, "r0", 1);
  expect_calls(&s, 4, 1);
  struct adm_sig_cache_stats st;
  adm_sig_cache_stats(c, &st);
  assert_int_equal(st.resolutions.misses, 4);
  assert_int_equal(st.resolutions.hits, 2);
  adm_sig_cache_free(c);
}

static void deadline_is_never_kept(void **state) {
  (void)state;
  struct adm_sig_cache *c = cache_with(100);
  struct slow s;
  struct adm_verifier v;
  slow_init(&s, &v);
  struct adm_sig_request req = {REGISTRY, "app", NULL, image_digest, &rule, NULL};
  struct adm_sig_result res;
  assert_int_equal(adm_sig_cache_verify(c, &v, &req, "r0", 1, adm_verifier_now_ms() - 1, &res), 0);
  expect_outcome(&res, ADM_SIG_DEADLINE);
  /* One caller's spent budget says nothing about the image. */
  res = lookup(c, &v, NULL, image_digest, "r0", 1);
  expect_outcome(&res, ADM_SIG_VERIFIED);
  expect_calls(&s, 0, 1);
  adm_sig_cache_free(c);
}

static void generations(void **state) {
  (void)state;
  struct adm_sig_cache *c = cache_with(100);
  struct slow s;
  struct adm_verifier v;
  slow_init(&s, &v);
  /* Generation 1 sees the image unsigned: no signature served yet. */
  size_t saved = n_entries;
  n_entries = 1;
  s.fake.n = 1;
  struct adm_sig_result res = lookup(c, &v, NULL, image_digest, "r0", 1);
  expect_outcome(&res, ADM_SIG_UNSIGNED);
  n_entries = saved;
  s.fake.n = saved; /* now it is signed */
  res = lookup(c, &v, NULL, image_digest, "r0", 1);
  expect_outcome(&res, ADM_SIG_UNSIGNED); /* generation 1's answer, within errorTtl */
  /* A reload: the same key in generation 2 is asked afresh. */
  res = lookup(c, &v, NULL, image_digest, "r0", 2);
  expect_outcome(&res, ADM_SIG_VERIFIED);
  expect_calls(&s, 0, 2);
  struct adm_sig_cache_stats st;
  adm_sig_cache_stats(c, &st);
  assert_int_equal(st.results.purged, 1); /* generation 1's entry is gone */
  assert_int_equal(st.result_entries, 1);
  /* A request still on generation 1 neither reuses generation 2's result nor keeps its own. */
  res = lookup(c, &v, NULL, image_digest, "r0", 1);
  expect_outcome(&res, ADM_SIG_VERIFIED);
  expect_calls(&s, 0, 3);
  adm_sig_cache_stats(c, &st);
  assert_int_equal(st.result_entries, 1);
  res = lookup(c, &v, NULL, image_digest, "r0", 2);
  expect_calls(&s, 0, 3);
  adm_sig_cache_free(c);
}

static void eviction(void **state) {
  (void)state;
  struct adm_sig_cache *c = cache_with(2);
  struct slow s;
  struct adm_verifier v;
  slow_init(&s, &v);
  lookup(c, &v, NULL, image_digest, "r1", 1);
  lookup(c, &v, NULL, image_digest, "r2", 1);
  lookup(c, &v, NULL, image_digest, "r3", 1); /* evicts r1, the oldest */
  expect_calls(&s, 0, 3);
  struct adm_sig_cache_stats st;
  adm_sig_cache_stats(c, &st);
  assert_int_equal(st.results.evictions, 1);
  assert_int_equal(st.result_entries, 2);
  lookup(c, &v, NULL, image_digest, "r3", 1);
  lookup(c, &v, NULL, image_digest, "r2", 1);
  expect_calls(&s, 0, 3); /* r2 and r3 stayed */
  lookup(c, &v, NULL, image_digest, "r1", 1);
  expect_calls(&s, 0, 4); /* r1 did not */
  adm_sig_cache_free(c);
}

/* --- single flight ------------------------------------------------------------- */

#define THREADS 16

struct asker {
  pthread_t thread;
  struct adm_sig_cache *c;
  struct adm_verifier *v;
  pthread_barrier_t *start;
  const char *repo; /* NULL: "app" */
  const char *tag;
  const char *digest; /* NULL: image_digest unless tag */
  int64_t deadline_ms;
  int rc;
  struct adm_sig_result res;
};

static void *ask(void *arg) {
  struct asker *a = arg;
  const char *digest = a->tag ? NULL : a->digest ? a->digest : image_digest;
  struct adm_sig_request req = {REGISTRY, a->repo ? a->repo : "app", a->tag, digest, &rule, NULL};
  pthread_barrier_wait(a->start);
  a->rc = adm_sig_cache_verify(a->c, a->v, &req, "r0", 7, a->deadline_ms, &a->res);
  return NULL;
}

static void one_flight(const char *tag) {
  struct adm_sig_cache *c = cache_with(100);
  struct slow s;
  struct adm_verifier v;
  slow_init(&s, &v);
  s.delay_us = 200000; /* long enough for every thread to arrive while the first works */
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, THREADS);
  struct asker askers[THREADS];
  for (int i = 0; i < THREADS; i++) {
    askers[i] =
        (struct asker){.c = c, .v = &v, .start = &start, .tag = tag, .deadline_ms = adm_verifier_deadline_in(10000)};
    assert_int_equal(pthread_create(&askers[i].thread, NULL, ask, &askers[i]), 0);
  }
  for (int i = 0; i < THREADS; i++) {
    pthread_join(askers[i].thread, NULL);
    assert_int_equal(askers[i].rc, 0);
    expect_outcome(&askers[i].res, ADM_SIG_VERIFIED);
    assert_string_equal(askers[i].res.digest, image_digest);
  }
  pthread_barrier_destroy(&start);
  expect_calls(&s, tag ? 1 : 0, 1);
  assert_int_equal(s.blobs, 1);
  struct adm_sig_cache_stats st;
  adm_sig_cache_stats(c, &st);
  assert_int_equal(st.results.misses, 1);
  assert_int_equal(st.results.waits + st.results.hits, THREADS - 1);
  assert_true(st.results.waits + st.resolutions.waits > 0);
  adm_sig_cache_free(c);
}

static void single_flight_digest(void **state) {
  (void)state;
  one_flight(NULL);
}

static void single_flight_tag(void **state) {
  (void)state;
  one_flight("v1");
}

/* A thread that starts the work on image_digest (deadline in deadline_in
 * ms) over a registry slowed by delay_us; returns once it is fetching. */
static void start_owner_at(struct asker *owner, struct adm_sig_cache *c, struct slow *s, struct adm_verifier *v,
                           pthread_barrier_t *start, useconds_t delay_us, int64_t deadline_in, const char *repo,
                           const char *digest) {
  slow_init(s, v);
  s->delay_us = delay_us;
  pthread_barrier_init(start, NULL, 2);
  *owner = (struct asker){.c = c,
                          .v = v,
                          .start = start,
                          .repo = repo,
                          .digest = digest,
                          .deadline_ms = adm_verifier_deadline_in(deadline_in)};
  assert_int_equal(pthread_create(&owner->thread, NULL, ask, owner), 0);
  pthread_barrier_wait(start);
  usleep(50000);
}

static void start_owner(struct asker *owner, struct adm_sig_cache *c, struct slow *s, struct adm_verifier *v,
                        pthread_barrier_t *start, useconds_t delay_us, int64_t deadline_in) {
  start_owner_at(owner, c, s, v, start, delay_us, deadline_in, NULL, NULL);
}

static void waiter_deadline(void **state) {
  (void)state;
  struct adm_sig_cache *c = cache_with(100);
  struct slow s;
  struct adm_verifier v;
  pthread_barrier_t start;
  struct asker first;
  start_owner(&first, c, &s, &v, &start, 400000, 10000);
  struct adm_sig_request req = {REGISTRY, "app", NULL, image_digest, &rule, NULL};
  struct adm_sig_result res;
  int64_t t0 = adm_verifier_now_ms();
  assert_int_equal(adm_sig_cache_verify(c, &v, &req, "r0", 7, adm_verifier_deadline_in(100), &res), 0);
  int64_t waited = adm_verifier_now_ms() - t0;
  expect_outcome(&res, ADM_SIG_DEADLINE);
  assert_string_equal(res.digest, "");
  assert_int_equal(res.authorities, 0);
  print_message("waiter gave up after %lld ms (deadline 100 ms)\n", (long long)waited);
  if (waited >= 300)
    fail_msg("expected the waiter to give up at its deadline, it waited %lld ms", (long long)waited);
  pthread_join(first.thread, NULL);
  expect_outcome(&first.res, ADM_SIG_VERIFIED);
  pthread_barrier_destroy(&start);
  /* The first one's result is kept; the next lookup is a hit. */
  res = lookup(c, &v, NULL, image_digest, "r0", 7);
  expect_outcome(&res, ADM_SIG_VERIFIED);
  expect_calls(&s, 0, 1);
  struct adm_sig_cache_stats st;
  adm_sig_cache_stats(c, &st);
  assert_int_equal(st.results.waits, 1);
  adm_sig_cache_free(c);
}

/* The owner of the work runs out of its own (short) deadline; a waiter
 * with time left must not inherit that DEADLINE: it does the work again. */
static void waiter_outlives_owner(void **state) {
  (void)state;
  struct adm_sig_cache *c = cache_with(100);
  struct slow s;
  struct adm_verifier v;
  pthread_barrier_t start;
  struct asker owner;
  start_owner(&owner, c, &s, &v, &start, 300000, 100); /* past its deadline before the answer */
  struct adm_sig_request req = {REGISTRY, "app", NULL, image_digest, &rule, NULL};
  struct adm_sig_result res;
  assert_int_equal(adm_sig_cache_verify(c, &v, &req, "r0", 7, adm_verifier_deadline_in(10000), &res), 0);
  expect_outcome(&res, ADM_SIG_VERIFIED);
  pthread_join(owner.thread, NULL);
  expect_outcome(&owner.res, ADM_SIG_DEADLINE);
  pthread_barrier_destroy(&start);
  expect_calls(&s, 0, 2); /* the owner's fetch, then the waiter's own */
  struct adm_sig_cache_stats st;
  adm_sig_cache_stats(c, &st);
  assert_int_equal(st.results.waits, 1);
  /* The waiter's result is kept: the next lookup is a hit. */
  res = lookup(c, &v, NULL, image_digest, "r0", 7);
  expect_outcome(&res, ADM_SIG_VERIFIED);
  expect_calls(&s, 0, 2);
  adm_sig_cache_free(c);
}

static void eviction_while_pending(void **state) {
  (void)state;
  /* max_entries 1: the pending entry is evicted by another key while its
   * owner works; the owner and its waiter still get the result. */
  struct adm_sig_cache *c = cache_with(1);
  struct slow s;
  struct adm_verifier v;
  slow_init(&s, &v);
  s.delay_us = 200000;
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, 3);
  struct asker a = {.c = c, .v = &v, .start = &start, .deadline_ms = adm_verifier_deadline_in(10000)};
  struct asker b = a;
  assert_int_equal(pthread_create(&a.thread, NULL, ask, &a), 0);
  assert_int_equal(pthread_create(&b.thread, NULL, ask, &b), 0);
  pthread_barrier_wait(&start);
  usleep(50000);
  struct adm_sig_result res = lookup(c, &v, NULL, other_digest, "r0", 7);
  expect_outcome(&res, ADM_SIG_UNSIGNED);
  pthread_join(a.thread, NULL);
  pthread_join(b.thread, NULL);
  expect_outcome(&a.res, ADM_SIG_VERIFIED);
  expect_outcome(&b.res, ADM_SIG_VERIFIED);
  pthread_barrier_destroy(&start);
  struct adm_sig_cache_stats st;
  adm_sig_cache_stats(c, &st);
  assert_true(st.results.evictions >= 1);
  adm_sig_cache_free(c);
}

/* --- keys: what one location's answer may say about another -------------- */

static void expect_summary(const struct adm_sig_result *res, const char *want) {
  if (strcmp(res->summary, want) != 0)
    fail_msg("expected the summary \"%s\", got \"%s\"", want, res->summary);
}

static void expect_where(const struct adm_sig_result *res, const char *want) {
  if (strcmp(res->where, want) != 0)
    fail_msg("expected it verified (or looked for) in \"%s\", got \"%s\"", want, res->where);
}

/* Unsigned where nothing was ever pushed, then the signed image of the same
 * digest: the second is verified, and from then on the digest is verified
 * anywhere, saying where. */
static void unsigned_elsewhere_then_verified(void **state) {
  (void)state;
  struct adm_sig_cache *c = cache_with(100);
  struct slow s;
  struct adm_verifier v;
  slow_init(&s, &v);
  struct adm_sig_result res = lookup_at(c, &v, "nothing-here", NULL, image_digest, "r0", 1);
  expect_outcome(&res, ADM_SIG_UNSIGNED);
  expect_where(&res, REGISTRY "/nothing-here");
  res = lookup_at(c, &v, "app", NULL, image_digest, "r0", 1);
  expect_outcome(&res, ADM_SIG_VERIFIED);
  expect_where(&res, REGISTRY "/app");
  expect_calls(&s, 0, 2);
  /* The first location now gets the content's fact, naming where it holds. */
  res = lookup_at(c, &v, "nothing-here", NULL, image_digest, "r0", 1);
  expect_outcome(&res, ADM_SIG_VERIFIED);
  expect_where(&res, REGISTRY "/app");
  expect_calls(&s, 0, 2);
  /* Another rule is another key: nothing verified under it yet. */
  res = lookup_at(c, &v, "nothing-here", NULL, image_digest, "r1", 1);
  expect_outcome(&res, ADM_SIG_UNSIGNED);
  expect_calls(&s, 0, 3);
  adm_sig_cache_free(c);
}

/* The other order: verified, then the same digest named at a location
 * with no signatures and one whose registry is down: both verified by
 * content, no registry asked. */
static void verified_then_elsewhere(void **state) {
  (void)state;
  struct adm_sig_cache *c = cache_with(100);
  struct slow s;
  struct adm_verifier v;
  slow_init(&s, &v);
  struct adm_sig_result res = lookup_at(c, &v, "app", NULL, image_digest, "r0", 1);
  expect_outcome(&res, ADM_SIG_VERIFIED);
  res = lookup_at(c, &v, "nothing-here", NULL, image_digest, "r0", 1);
  expect_outcome(&res, ADM_SIG_VERIFIED);
  expect_where(&res, REGISTRY "/app");
  res = lookup_at(c, &v, "down", NULL, image_digest, "r0", 1);
  expect_outcome(&res, ADM_SIG_VERIFIED);
  expect_calls(&s, 0, 1);
  /* What peek answers too. */
  struct adm_sig_request req = {REGISTRY, "elsewhere", NULL, image_digest, &rule, NULL};
  assert_true(adm_sig_cache_peek(c, &req, "r0", 1, &res));
  expect_outcome(&res, ADM_SIG_VERIFIED);
  adm_sig_cache_free(c);
}

/* A registry error at A is never B's answer, whichever comes first; B's
 * unsigned is never A's. */
static void registry_error_and_unsigned_apart(void **state) {
  (void)state;
  struct adm_sig_cache *c = cache_with(100);
  struct slow s;
  struct adm_verifier v;
  slow_init(&s, &v);
  struct adm_sig_result res = lookup_at(c, &v, "down", NULL, other_digest, "r0", 1);
  expect_outcome(&res, ADM_SIG_REGISTRY_UNAVAILABLE);
  res = lookup_at(c, &v, "bare", NULL, other_digest, "r0", 1);
  expect_outcome(&res, ADM_SIG_UNSIGNED);
  res = lookup_at(c, &v, "locked", NULL, other_digest, "r0", 1);
  expect_outcome(&res, ADM_SIG_AUTH_FAILED);
  expect_calls(&s, 0, 3);
  /* Each is kept at its own location only: hits now, the same answers. */
  res = lookup_at(c, &v, "bare", NULL, other_digest, "r0", 1);
  expect_outcome(&res, ADM_SIG_UNSIGNED);
  res = lookup_at(c, &v, "down", NULL, other_digest, "r0", 1);
  expect_outcome(&res, ADM_SIG_REGISTRY_UNAVAILABLE);
  res = lookup_at(c, &v, "locked", NULL, other_digest, "r0", 1);
  expect_outcome(&res, ADM_SIG_AUTH_FAILED);
  expect_calls(&s, 0, 3);
  struct adm_sig_request req = {REGISTRY, "fresh", NULL, other_digest, &rule, NULL};
  assert_false(adm_sig_cache_peek(c, &req, "r0", 1, &res)); /* a new location: unknown */
  /* A registry error is kept for errorTtl, then asked again. */
  now_ms += 100;
  res = lookup_at(c, &v, "down", NULL, other_digest, "r0", 1);
  expect_outcome(&res, ADM_SIG_REGISTRY_UNAVAILABLE);
  expect_calls(&s, 0, 4);
  adm_sig_cache_free(c);
}

static void registry_error_then_verified(void **state) {
  (void)state;
  struct adm_sig_cache *c = cache_with(100);
  struct slow s;
  struct adm_verifier v;
  slow_init(&s, &v);
  struct adm_sig_result res = lookup_at(c, &v, "down", NULL, image_digest, "r0", 1);
  expect_outcome(&res, ADM_SIG_REGISTRY_UNAVAILABLE);
  /* The denial names the host; what the transport said stays in the detail. */
  expect_summary(&res, "registry " REGISTRY);
  if (strstr(res.detail, "fake down:") == NULL)
    fail_msg("expected the detail to keep the registry's answer, got \"%s\"", res.detail);
  res = lookup_at(c, &v, "app", NULL, image_digest, "r0", 1);
  expect_outcome(&res, ADM_SIG_VERIFIED);
  expect_calls(&s, 0, 2);
  adm_sig_cache_free(c);
}

/* With signatureRepository every image's signatures are looked for there:
 * that is the location, and what is said of it names it, not the image
 * that asked first. */
static void signature_repository_is_the_location(void **state) {
  (void)state;
  struct adm_sig_cache *c = cache_with(100);
  struct slow s;
  struct adm_verifier v;
  slow_init(&s, &v);
  struct adm_sig_rule sigrepo = rule;
  sigrepo.signature_repository = REGISTRY "/signatures";
  struct adm_sig_request a = {REGISTRY, "tenant-a/app", NULL, other_digest, &sigrepo, NULL};
  struct adm_sig_request b = {REGISTRY, "tenant-b/app", NULL, other_digest, &sigrepo, NULL};
  struct adm_sig_result res;
  assert_int_equal(adm_sig_cache_verify(c, &v, &a, "r9", 1, adm_verifier_deadline_in(5000), &res), 0);
  expect_outcome(&res, ADM_SIG_UNSIGNED);
  expect_where(&res, REGISTRY "/signatures");
  assert_int_equal(adm_sig_cache_verify(c, &v, &b, "r9", 1, adm_verifier_deadline_in(5000), &res), 0);
  expect_outcome(&res, ADM_SIG_UNSIGNED);
  expect_calls(&s, 0, 1); /* one location: one fetch */
  char want[256];
  snprintf(want, sizeof want, "no signature for %s in " REGISTRY "/signatures", other_digest);
  expect_summary(&res, want);
  /* The rule without it looks next to each image. */
  res = lookup_at(c, &v, "tenant-a/app", NULL, other_digest, "r0", 1);
  expect_outcome(&res, ADM_SIG_UNSIGNED);
  expect_where(&res, REGISTRY "/tenant-a/app");
  expect_calls(&s, 0, 2);
  adm_sig_cache_free(c);
}

/* In flight: a lookup of B while A's verification of the same digest runs
 * does its own work and gets B's answer, not A's failure. */
static void in_flight_elsewhere(const char *failing, enum adm_sig_outcome failing_outcome) {
  struct adm_sig_cache *c = cache_with(100);
  struct slow s;
  struct adm_verifier v;
  pthread_barrier_t start;
  struct asker owner;
  start_owner_at(&owner, c, &s, &v, &start, 300000, 10000, failing, image_digest);
  struct adm_sig_request req = {REGISTRY, "app", NULL, image_digest, &rule, NULL};
  struct adm_sig_result res;
  assert_int_equal(adm_sig_cache_verify(c, &v, &req, "r0", 7, adm_verifier_deadline_in(10000), &res), 0);
  expect_outcome(&res, ADM_SIG_VERIFIED);
  pthread_join(owner.thread, NULL);
  expect_outcome(&owner.res, failing_outcome);
  pthread_barrier_destroy(&start);
  expect_calls(&s, 0, 2);
  struct adm_sig_cache_stats st;
  adm_sig_cache_stats(c, &st);
  assert_int_equal(st.results.waits, 0);
  adm_sig_cache_free(c);
}

static void in_flight_registry_error_elsewhere(void **state) {
  (void)state;
  in_flight_elsewhere("down", ADM_SIG_REGISTRY_UNAVAILABLE);
}

static void in_flight_unsigned_elsewhere(void **state) {
  (void)state;
  in_flight_elsewhere("nothing-here", ADM_SIG_UNSIGNED);
}

/* --- every allocation failed in turn --------------------------------------- */

static unsigned allocs, fail_nth;

static void *failing_alloc(void *ctx, size_t size) {
  (void)ctx;
  return ++allocs == fail_nth ? NULL : calloc(1, size);
}

/* The decoy sequence and its neighbours with the cache's nth allocation
 * failing, for every n: each answer is the right one, INTERNAL, or (where
 * the right one is a verified digest reused from elsewhere) the location's
 * own denial; never another location's failure, never a pass it did not
 * earn. */
static void every_allocation_failed_in_turn(void **state) {
  (void)state;
  key_p256[0] = keys[P256];
  release = (struct adm_sig_authority){.name = "release", .keys = key_p256, .n_keys = 1};
  const char *image = image_digest, *other = other_digest;
  const struct {
    const char *repo, *tag, **digest;
    enum adm_sig_outcome want, or_else;
  } steps[] = {
      {"down", NULL, &other, ADM_SIG_REGISTRY_UNAVAILABLE, ADM_SIG_INTERNAL},
      {"bare", NULL, &other, ADM_SIG_UNSIGNED, ADM_SIG_INTERNAL},
      {"nothing-here", NULL, &image, ADM_SIG_UNSIGNED, ADM_SIG_INTERNAL},
      {"app", NULL, &image, ADM_SIG_VERIFIED, ADM_SIG_INTERNAL},
      {"app", "v1", NULL, ADM_SIG_VERIFIED, ADM_SIG_INTERNAL},
      {"nothing-here", NULL, &image, ADM_SIG_VERIFIED, ADM_SIG_UNSIGNED},
      {"down", NULL, &other, ADM_SIG_REGISTRY_UNAVAILABLE, ADM_SIG_INTERNAL},
      {"bare", NULL, &other, ADM_SIG_UNSIGNED, ADM_SIG_INTERNAL},
      {"app", "missing", NULL, ADM_SIG_IMAGE_NOT_FOUND, ADM_SIG_INTERNAL},
  };
  unsigned failed = 0;
  for (fail_nth = 1;; fail_nth++) {
    allocs = 0;
    struct adm_sig_cache_options o = {.max_entries = 4, .alloc = failing_alloc};
    struct adm_sig_cache *c = NULL;
    int rc = adm_sig_cache_new(&o, &c);
    if (rc < 0) {
      assert_int_equal(rc, ADM_ENOMEM);
      assert_null(c);
      failed++;
      continue;
    }
    struct slow s;
    struct adm_verifier v;
    slow_init(&s, &v);
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
      struct adm_sig_request req = {REGISTRY, steps[i].repo, steps[i].tag, steps[i].digest ? *steps[i].digest : NULL,
                                    &rule,    NULL};
      struct adm_sig_result res;
      rc = adm_sig_cache_verify(c, &v, &req, "r0", 1, adm_verifier_deadline_in(5000), &res);
      bool ok = (rc == 0 && res.outcome == steps[i].want) ||
                (res.outcome == steps[i].or_else && (rc == 0 || rc == ADM_ENOMEM)) ||
                (res.outcome == ADM_SIG_INTERNAL && rc == ADM_ENOMEM);
      if (!ok)
        fail_msg("allocation %u failed, step %zu (%s): expected %s, got %s (rc %d, %s)", fail_nth, i, steps[i].repo,
                 adm_sig_outcome_id(steps[i].want), adm_sig_outcome_id(res.outcome), rc, res.detail);
    }
    adm_sig_cache_free(c);
    if (allocs < fail_nth)
      break; /* nothing failed: every allocation has had its turn */
    failed++;
  }
  print_message("failed each of %u allocations of the cache in turn\n", failed);
  assert_true(failed > 4);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ttl_expiry),
      cmocka_unit_test(error_ttl_expiry),
      cmocka_unit_test(resolution_ttl),
      cmocka_unit_test(deadline_is_never_kept),
      cmocka_unit_test(generations),
      cmocka_unit_test(eviction),
      cmocka_unit_test(single_flight_digest),
      cmocka_unit_test(single_flight_tag),
      cmocka_unit_test(waiter_deadline),
      cmocka_unit_test(waiter_outlives_owner),
      cmocka_unit_test(eviction_while_pending),
      cmocka_unit_test(unsigned_elsewhere_then_verified),
      cmocka_unit_test(verified_then_elsewhere),
      cmocka_unit_test(registry_error_and_unsigned_apart),
      cmocka_unit_test(registry_error_then_verified),
      cmocka_unit_test(signature_repository_is_the_location),
      cmocka_unit_test(in_flight_registry_error_elsewhere),
      cmocka_unit_test(in_flight_unsigned_elsewhere),
      cmocka_unit_test(every_allocation_failed_in_turn),
  };
  return cmocka_run_group_tests(tests, setup, group_teardown);
}
