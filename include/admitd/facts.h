/* Facts: what admitd learned about a pod's images before judging it (an
 * image's digest and whether its signatures verify under a verify rule),
 * and the contract between the pipeline, which gathers them, and whatever
 * can gather them. Pure: the types are plain C, and the gathering itself
 * (registry client, keys, cache) lives in the executable layer behind
 * struct adm_fact_backend, so the core and policies/ link no network or
 * crypto library. A check only reads facts; it never asks for one.
 *
 * Fail closed: a fact that could not be gathered is an outcome other than
 * VERIFIED, never a missing entry that reads as success. */
#ifndef ADMITD_FACTS_H
#define ADMITD_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admitd/error.h"
#include "admitd/image.h"

struct adm_arena;
struct adm_config;
struct adm_images_rule;

/* Outcome, stable id (reasons, logs, metrics, check ids), text. INTERNAL
 * comes first so that a result nobody filled is never VERIFIED. BUSY is
 * admitd's own limit (no time left, too many waiting): never a registry
 * error, so onRegistryError cannot let it pass. NOT_CHECKED passes: the
 * image was not asked about on purpose (offline, or an update keeps it). */
#define ADM_SIG_OUTCOME_MAP(X)                                                                                         \
  X(INTERNAL, "internal", "internal error")                                                                            \
  X(VERIFIED, "verified", "signature verified")                                                                        \
  X(UNSIGNED, "unsigned", "image is not signed")                                                                       \
  X(INVALID_SIGNATURE, "invalid-signature", "no signature verifies with the rule's keys")                              \
  X(DIGEST_MISMATCH, "digest-mismatch", "signature is for another image")                                              \
  X(BELOW_THRESHOLD, "below-threshold", "too few authorities, or not the required ones, verified")                     \
  X(REGISTRY_UNAVAILABLE, "registry-unavailable", "registry unavailable")                                              \
  X(AUTH_FAILED, "auth-failed", "registry refused the credentials")                                                    \
  X(MALFORMED_SIGNATURE, "malformed-signature", "malformed signature")                                                 \
  X(DEADLINE, "deadline", "registry did not answer in time")                                                           \
  X(IMAGE_NOT_FOUND, "image-not-found", "image not found in the registry")                                             \
  X(BUSY, "busy", "admitd was too busy to ask the registry in time")                                                   \
  X(NOT_CHECKED, "not-checked", "not checked")

enum adm_sig_outcome {
#define ADM__SIG_ENUM(name, id, text) ADM_SIG_##name,
  ADM_SIG_OUTCOME_MAP(ADM__SIG_ENUM)
#undef ADM__SIG_ENUM
      ADM_SIG_OUTCOME_COUNT
};

/* "below-threshold", "signature is for another image": static text. */
const char *adm_sig_outcome_id(enum adm_sig_outcome o);
const char *adm_sig_outcome_text(enum adm_sig_outcome o);

/* The outcomes a rule's onRegistryError may turn into warn or allow: the
 * registry could not be asked (unavailable, auth-failed, deadline). Every
 * other failure is a fact about the image and always denies. */
bool adm_sig_outcome_is_registry_error(enum adm_sig_outcome o);

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

/* What was learned about one need. Strings are *borrowed* from the arena
 * of the request, or from the fixed buffers of struct adm_gathered_fact. */
struct adm_image_fact {
  const struct adm_images_rule *rule;
  size_t rule_index; /* as adm_image_need.rule_index */
  const char *image; /* as adm_image_need.image */
  enum adm_sig_outcome outcome;
  const char *digest;      /* the digest verified (or to be verified); "" when never resolved */
  const char *authorities; /* names of the authorities that verified it, ", "-separated; "" when none */
  const char *detail;      /* the cause; "" when none. Never credentials. */
};

/* The facts a pod view carries for its checks (struct adm_pod.image_facts). */
struct adm_image_facts {
  const struct adm_image_fact *items;
  size_t n;
  /* Verification was not attempted: the request is denied by rules that
   * need no registry, so no registry is asked. The signature check reports
   * nothing then; the denial already stands. */
  bool not_attempted;
};

struct adm_images_verify;
/* Whether a verify rule covers ref (its images patterns; none: every image). */
bool adm_images_verify_covers(const struct adm_images_verify *v, const struct adm_image_ref *ref);

/* The fact of need for rule and image, or NULL. */
const struct adm_image_fact *adm_image_facts_find(const struct adm_image_facts *f, const struct adm_images_rule *rule,
                                                  const char *image);

/* A gathered fact that outlives the request arena: what the server keeps
 * for a request while it waits on registries without a decode slot. */
struct adm_gathered_fact;
/* g for need: outcome and detail, nothing verified (no digest, no
 * authorities): a failure known without asking, or the start of a fact. */
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
