/* A thread-safe cache in front of adm_sig_verify (sigverify.h), so that a
 * cached admission makes no registry request and concurrent admissions of
 * one new image share one set of round trips.
 *
 * Two tables, both bounded (the oldest entry is evicted) and both keyed by
 * the policy generation, so a reload never reuses what an older policy (or
 * older credentials) produced:
 *   - results, keyed by (image digest, rule id, generation): `ttl` for a
 *     VERIFIED result, `error_ttl` for every other outcome except deadline
 *     and internal, which say something about the caller's budget or this
 *     process rather than the image and are never kept;
 *   - tag -> digest resolutions, keyed by (registry, repository, tag,
 *     generation): `resolve_ttl`, failures `error_ttl`.
 * The result key leaves the repository out on purpose: a digest names the
 * content, and cosign binds signatures to the digest alone, so a mirror of
 * a verified image is the same verified image.
 *
 * Single-flight: the first lookup of a key does the work; lookups of the
 * same key meanwhile wait for its result, each only until its own deadline,
 * after which it gets DEADLINE: never a stale or partial result. */
#ifndef ADMITD_SIGVERIFY_CACHE_H
#define ADMITD_SIGVERIFY_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sigverify.h"

/* The clock TTLs are measured on, in ms; tests inject one. Deadlines are
 * always CLOCK_MONOTONIC (verifier.h). */
typedef int64_t (*adm_sig_clock_fn)(void *ctx);

/* Zero fields take the defaults in brackets. */
struct adm_sig_cache_options {
  int64_t ttl_ms;         /* verified results [10 min] */
  int64_t error_ttl_ms;   /* failed results and failed resolutions [30 s] */
  int64_t resolve_ttl_ms; /* tag -> digest [30 s] */
  size_t max_entries;     /* per table [10000] */
  adm_sig_clock_fn clock; /* [adm_verifier_now_ms] */
  void *clock_ctx;
};

struct adm_sig_cache_counts {
  uint64_t hits;      /* answered from a live entry */
  uint64_t misses;    /* did the work */
  uint64_t waits;     /* waited for another lookup's work (timed out or not) */
  uint64_t evictions; /* entries dropped to stay within max_entries */
  uint64_t purged;    /* entries dropped because a newer generation arrived */
};

struct adm_sig_cache_stats {
  struct adm_sig_cache_counts results, resolutions;
  size_t result_entries, resolution_entries; /* in the tables now */
};

struct adm_sig_cache;

/* *new*: free with adm_sig_cache_free once no lookup is running. o may be
 * NULL. ADM_ENOMEM, or ADM_EINVAL for a negative ttl. */
int adm_sig_cache_new(const struct adm_sig_cache_options *o, struct adm_sig_cache **out);
void adm_sig_cache_free(struct adm_sig_cache *c);

/* adm_sig_verify through the cache: req's tag (when it has no digest) is
 * resolved through the resolution table, then the result for (digest,
 * rule_id, generation) is looked up or made. rule_id names req->rule within
 * its policy generation (the same id must mean the same rule). A lookup of a
 * generation older than the newest seen bypasses the cache; a newer one
 * purges every older entry. Returns what adm_sig_verify returns; *res is
 * always filled, with the digest of a tag reference once resolved. */
int adm_sig_cache_verify(struct adm_sig_cache *c, struct adm_verifier *v, const struct adm_sig_request *req,
                         const char *rule_id, uint64_t generation, int64_t deadline_ms, struct adm_sig_result *res);

/* What adm_sig_cache_verify would answer from live entries alone, without
 * waiting or asking a registry: true with *res filled (counted as a hit),
 * false when it would have to do or wait for work. */
bool adm_sig_cache_peek(struct adm_sig_cache *c, const struct adm_sig_request *req, const char *rule_id,
                        uint64_t generation, struct adm_sig_result *res);

/* A snapshot of the counters, for /metrics. */
void adm_sig_cache_stats(struct adm_sig_cache *c, struct adm_sig_cache_stats *out);

#endif
