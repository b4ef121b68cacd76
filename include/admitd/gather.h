/* Gathering facts (facts.h) for the pipeline: the images a request needs
 * verified, the facts kept while a request waits without a decode slot, and
 * the contract between the pipeline and whatever can gather them (struct
 * adm_fact_backend: the registry client, keys and cache live in the verify
 * layer behind it, so the core links no network or crypto library).
 * Implemented by server/core/gather.c. */
#ifndef ADMITD_GATHER_H
#define ADMITD_GATHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admitd/error.h"
#include "admitd/facts.h"
#include "admitd/image.h"

struct adm_arena;
struct adm_config;

/* Less time than this left for registry work when it would start, the
 * image is BUSY: admitd's own queues took the time, and asking would end
 * in a deadline that onRegistryError might forgive. */
#define ADM_FACTS_MIN_MS 100

/* Distinct (verify rule, image) pairs one admission may verify; past it the
 * rest are not gathered and their check fails closed. */
#define ADM_MAX_IMAGE_NEEDS 32

/* One image to verify under one images rule's verify settings. */
struct adm_image_need {
  const struct adm_images_rule *rule; /* *borrowed* from the pinned snapshot */
  size_t rule_index;                  /* in the images family's rules: names the rule in caches */
  struct adm_image_ref ref;           /* normalized, by value */
  char image[ADM_IMAGE_STRING_MAX];   /* adm_image_ref_string(ref): the key facts are matched on */
};

/* A gathered fact that outlives the request arena: what the server keeps
 * for a request while it waits on registries without a decode slot. */
struct adm_gathered_fact;
/* g for need: outcome and detail, nothing verified (no digest, no
 * authorities): a failure known without asking, or the start of a fact.
 * detail is admitd's own words, so it is the summary too. */
void adm_gathered_fact_set(struct adm_gathered_fact *g, const struct adm_image_need *need, enum adm_sig_outcome outcome,
                           const char *detail);
/* f copied into g (strings cut to g's buffers). */
void adm_gathered_fact_of(const struct adm_image_fact *f, struct adm_gathered_fact *g);
struct adm_gathered_fact {
  size_t rule_index;
  char image[ADM_IMAGE_STRING_MAX];
  enum adm_sig_outcome outcome;
  char digest[72];
  char authorities[256];
  char detail[384];
  char summary[384];
  char verified_at[ADM_IMAGE_NAME_MAX + 1];
};

/* What gathers facts: the registry client, keys and cache of one policy
 * snapshot (server/verify/backend.c), an offline stand-in (`admitd check
 * --offline`), or a fake in tests. Registered once, before any policy is
 * loaded; every snapshot with verify rules is prepared by it. */
struct adm_fact_backend {
  /* Build what cfg's verify rules need (keys from PEM, the registry
   * client, the cache) into cfg->images.runtime. Errors name the policy
   * file, line and key, through report when given (check-config) and err. */
  int (*prepare)(struct adm_config *cfg, void (*report)(void *ctx, const struct adm_error *e), void *report_ctx,
                 struct adm_error *err);
  void (*release)(void *runtime);
  /* Answer from what is known now, without waiting (the cache): true with
   * *out filled, false when only gather can tell. */
  bool (*lookup)(void *runtime, const struct adm_image_need *need, struct adm_gathered_fact *out);
  /* Find out, waiting at most until deadline_ms (CLOCK_MONOTONIC ms).
   * Always fills *out; a failure is an outcome. Thread-safe. */
  void (*gather)(void *runtime, const struct adm_image_need *need, int64_t deadline_ms, struct adm_gathered_fact *out);
};

/* How the pipeline gathers facts for one request. */
struct adm_facts_options {
  int64_t deadline_ms; /* absolute, CLOCK_MONOTONIC ms; 0: now + the policy's images.deadline */
  /* Facts gathered for this request earlier (while it held no decode slot). */
  const struct adm_gathered_fact *given;
  size_t n_given;
  /* Never wait: list what only a registry can tell as missing. */
  bool no_wait;
  /* Only the given facts count: a need without one is INTERNAL (the server's
   * second pass, which must not ask registries while it holds a slot). */
  bool given_only;
};

/* The facts of needs[0..n) into out (memory from a): from o->given, then
 * (unless o->given_only) the backend's cache, then, unless o->no_wait, by
 * asking the registries until the deadline. With no_wait, the needs that
 * would have to wait are copied to *missing (from a) and get no fact. Without a backend, or a
 * snapshot it did not prepare, every need is INTERNAL: fail closed. o may
 * be NULL (wait, the policy's deadline). */
void adm_facts_collect(const struct adm_config *cfg, const struct adm_image_need *needs, size_t n,
                       const struct adm_facts_options *o, struct adm_arena *a, struct adm_image_facts *out,
                       struct adm_image_need **missing, size_t *n_missing);

/* needs[0..n) are BUSY for why (admitd's own words: no time or room was
 * left to ask), each counted for admitd_image_verifications_total. */
void adm_facts_busy(const struct adm_image_need *needs, size_t n, const char *why, struct adm_gathered_fact *out);
/* BUSY facts made since the process started. */
uint64_t adm_facts_busy_total(void);

/* Ask the registries for needs[0..n) through cfg's backend by deadline_ms,
 * several at once (helper threads of stack_bytes, 0: the default; bounded
 * process-wide, the caller's thread doing the rest), filling out[i] for
 * each. Without a backend every fact is INTERNAL. */
void adm_facts_gather(const struct adm_config *cfg, const struct adm_image_need *needs, size_t n, int64_t deadline_ms,
                      size_t stack_bytes, struct adm_gathered_fact *out);

/* The backend every snapshot loaded from now on is prepared by; NULL: none
 * (verify rules then fail closed with an internal outcome). */
void adm_fact_backend_set(const struct adm_fact_backend *b);
const struct adm_fact_backend *adm_fact_backend_get(void);

#endif
