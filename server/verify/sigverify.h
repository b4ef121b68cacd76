/* Signature verification of one image under one verify rule: the fact the
 * images family's signature check reads. Resolve a tag to its digest, fetch
 * the cosign "sha256-<hex>.sig" manifest (next to the image or in the rule's
 * signatureRepository), verify it with every authority's keys (cosign.h),
 * then apply the rule's threshold and required authorities. All registry
 * I/O goes through the verifier vtable (verifier.h) under one absolute
 * deadline, so tests use a fake and production the libcurl client.
 *
 * Fail closed: every failure is an outcome other than VERIFIED, and a zeroed
 * result is INTERNAL, never VERIFIED. sigverify_cache.h puts a cache and
 * single-flight in front of this. */
#ifndef ADMITD_SIGVERIFY_H
#define ADMITD_SIGVERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cosign.h"
#include "admitd/facts.h"
#include "admitd/verifier.h"

#define ADM_SIG_MAX_AUTHORITIES 64 /* one bit each in a result */
#define ADM_SIG_THRESHOLD_ALL 0u   /* threshold: every authority (also what a zeroed rule asks) */

/* A named group of keys; any of its keys verifying counts it once. */
struct adm_sig_authority {
  const char *name;
  struct adm_cosign_key *const *keys; /* *borrowed* */
  size_t n_keys;
};

/* A verify rule, *borrowed* (from the policy snapshot) for the call. */
struct adm_sig_rule {
  const struct adm_sig_authority *authorities;
  size_t n_authorities;        /* 1..ADM_SIG_MAX_AUTHORITIES; at most ADM_COSIGN_MAX_KEYS keys in all */
  unsigned threshold;          /* distinct authorities that must verify, or ADM_SIG_THRESHOLD_ALL */
  const char *const *required; /* authority names that must verify whatever the threshold */
  size_t n_required;
  /* "registry/repository" holding the .sig tags instead of the image's
   * repository (normalized like an image name); NULL or "": next to it. */
  const char *signature_repository;
  const struct adm_cosign_limits *limits; /* NULL: cosign's defaults */
};

/* One image, as normalized by adm_image_ref_parse: registry ("docker.io",
 * "127.0.0.1:5000"), repository ("library/nginx"), and a tag and/or a
 * "sha256:<hex>" digest (the digest wins). *borrowed*. */
struct adm_sig_request {
  const char *registry, *repository, *tag, *digest;
  const struct adm_sig_rule *rule;
};

struct adm_sig_result {
  enum adm_sig_outcome outcome;
  char digest[ADM_DIGEST_MAX]; /* what was (or was to be) verified; "" when never resolved */
  uint64_t authorities;        /* bit i: rule->authorities[i] verified a signature of digest */
  char detail[384];            /* the cause, naming image and registry answer; never credentials */
};

/* Whether bit i of res->authorities is set. */
static inline bool adm_sig_authority_verified(const struct adm_sig_result *res, size_t i) {
  return i < ADM_SIG_MAX_AUTHORITIES && ((res->authorities >> i) & 1u) != 0;
}

/* Verify req's image under req->rule before deadline_ms (CLOCK_MONOTONIC
 * ms, verifier.h). Always fills *res. Returns 0 when res holds the outcome
 * (whatever it is), or ADM_EINVAL (a NULL argument, or a rule that cannot
 * be applied: no authorities, an authority without keys, too many keys, a
 * threshold above the authorities, an unknown required name, a bad
 * signatureRepository) or ADM_ENOMEM, with res INTERNAL. */
int adm_sig_verify(struct adm_verifier *v, const struct adm_sig_request *req, int64_t deadline_ms,
                   struct adm_sig_result *res);

/* Only the tag -> digest step: true with res->digest set (req->digest itself
 * when given; no I/O then), or false with res holding the failure
 * (image-not-found, registry-unavailable, auth-failed, deadline, internal).
 * req->rule is not read. The cache calls this to keep resolutions apart. */
bool adm_sig_resolve(struct adm_verifier *v, const struct adm_sig_request *req, int64_t deadline_ms,
                     struct adm_sig_result *res);

#endif
