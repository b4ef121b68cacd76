/* Facts: what admitd learned about a pod's images before judging it (an
 * image's digest and whether its signatures verify under a verify rule), as
 * the checks read them. Pure: plain C types; how facts are gathered, and
 * the contract with whatever gathers them, is the core's (gather.h). A
 * check only reads facts; it never asks for one.
 *
 * Fail closed: a fact that could not be gathered is an outcome other than
 * VERIFIED, never a missing entry that reads as success. */
#ifndef ADMITD_FACTS_H
#define ADMITD_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admitd/image.h"

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
  X(IDENTITY_MISMATCH, "identity-mismatch", "signed by another identity or issuer than the rule's")                    \
  X(UNTRUSTED_CHAIN, "untrusted-chain", "signing certificate does not chain to the trusted root")                      \
  X(TLOG_INVALID, "tlog-invalid", "transparency log entry missing or invalid")                                         \
  X(TIMESTAMP_INVALID, "timestamp-invalid", "signed time missing or invalid")                                          \
  X(WRONG_MATERIAL, "wrong-material", "signed with a certificate where a key was expected, or the reverse")            \
  X(PREDICATE_NOT_SATISFIED, "predicate-not-satisfied", "no verified attestation meets the rule's conditions")         \
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

/* What was learned about one need. Strings are *borrowed* from the arena
 * of the request, or from the fixed buffers of struct adm_gathered_fact. */
struct adm_image_fact {
  const struct adm_images_rule *rule;
  size_t rule_index; /* as adm_image_need.rule_index */
  const char *image; /* as adm_image_need.image */
  enum adm_sig_outcome outcome;
  const char *digest;      /* the digest verified (or to be verified); "" when never resolved */
  const char *authorities; /* names of the authorities that verified it, ", "-separated; "" when none */
  const char *detail;      /* the cause in full, for the log; "" when none. Never credentials. */
  /* The cause as a denial, warning or annotation may tell it (sigverify.h):
   * the outcome's host or signature location, never a registry's or the
   * network's words. NULL: none. */
  const char *summary;
  /* For VERIFIED: "registry/repository" where the signatures were found
   * (a verified digest is reused wherever it is named). NULL or "": none. */
  const char *verified_at;
};

/* The facts a check reads (struct adm_rule_ctx.facts). */
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

#endif
