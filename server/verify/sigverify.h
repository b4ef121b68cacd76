/* Signature verification of one image under one verify rule: the fact the
 * images family's signature check reads. Resolve a tag to its digest, then
 * at the signature location (next to the image or in the rule's
 * signatureRepository) look for cosign's "sha256-<hex>.sig" manifest,
 * verified with the key authorities' keys (cosign.h), and for Sigstore
 * bundles among the digest's OCI referrers, verified under every authority
 * (sigbundle.c, admitd/sigstore.h); then apply the rule's threshold,
 * required authorities and attestations. All registry I/O goes through the
 * verifier vtable (verifier.h) under one absolute deadline, so tests use a
 * fake and production the libcurl client.
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
#include "admitd/family.h"
#include "admitd/image.h"
#include "admitd/sigstore.h"
#include "admitd/sigtrace.h"
#include "admitd/verifier.h"

#define ADM_SIG_MAX_AUTHORITIES 64 /* one bit each in a result */
#define ADM_SIG_THRESHOLD_ALL 0u   /* threshold: every authority (also what a zeroed rule asks) */

/* A Fulcio claim a keyless authority requires, by Fulcio's name. */
struct adm_sig_claim {
  const char *name, *value;
};

/* A named signer: a group of keys, any of which verifying counts it once,
 * or a keyless identity. Everything *borrowed*. */
struct adm_sig_authority {
  const char *name;
  struct adm_cosign_key *const *keys; /* key authorities: the .sig format's keys */
  size_t n_keys;
  /* The same keys for Sigstore bundles (bundle_keys[i] is keys[i]); NULL:
   * bundles are not verified with them. */
  const struct adm_sigstore_key *const *bundle_keys;
  /* Keyless: required; key authorities: when set, a bundle's log entries
   * and timestamps are verified with it. */
  const struct adm_trusted_root *root;
  const struct adm_sigstore_identity *identity; /* keyless; NULL for a key authority */
  const struct adm_sig_claim *claims;           /* keyless: all must be in the certificate */
  size_t n_claims;
  bool require_tlog; /* a key authority's bundle needs a verified log entry */
};

static inline bool adm_sig_authority_keyless(const struct adm_sig_authority *a) {
  return a->identity != NULL;
}

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
  /* Attestations some verified bundle by one of the authorities must
   * carry, with conditions on their predicates (at most 32). */
  const struct adm_images_attestation *attestations;
  size_t n_attestations;
};

/* One image, as normalized by adm_image_ref_parse: registry ("docker.io",
 * "127.0.0.1:5000"), repository ("library/nginx"), and a tag and/or a
 * "sha256:<hex>" digest (the digest wins). *borrowed*. */
struct adm_sig_request {
  const char *registry, *repository, *tag, *digest;
  const struct adm_sig_rule *rule;
  /* NULL; or every step told to it, and every referrer examined even once
   * the verdict is known (admitd explain-image). Never through the cache. */
  const struct adm_sig_trace *trace;
};

struct adm_sig_result {
  enum adm_sig_outcome outcome;
  char digest[ADM_DIGEST_MAX]; /* what was (or was to be) verified; "" when never resolved */
  uint64_t authorities;        /* bit i: rule->authorities[i] verified a signature of digest */
  uint64_t by_bundle;          /* bit i: ... in a Sigstore bundle, and in no .sig signature */
  uint32_t attestations;       /* bit j: rule->attestations[j] is satisfied */
  /* "registry/repository" where the signatures were looked for, and for
   * VERIFIED where they were found; "" when the digest was never known. */
  char where[ADM_IMAGE_NAME_MAX + 1];
  /* The cause as a denial may tell it: admitd's own words naming only the
   * registry host, the signature location, the digest and the rule's
   * authorities, never what a registry or the network said (a caller who
   * names any host must not learn what admitd saw there). */
  char summary[384];
  char detail[384]; /* the cause in full, registry answers and transport errors included: for the log */
};

/* A registry and repository where signatures are looked for. */
struct adm_sig_location {
  char registry[ADM_IMAGE_NAME_MAX + 1];
  char repository[ADM_IMAGE_NAME_MAX + 1];
};

/* Where req's signatures are looked for: the rule's signatureRepository,
 * else next to the image. 0, or ADM_EINVAL (no rule or image, a bad
 * signatureRepository) / ADM_ETOOBIG (a name does not fit). */
int adm_sig_location(const struct adm_sig_request *req, struct adm_sig_location *out);

/* Whether bit i of res->authorities is set. */
static inline bool adm_sig_authority_verified(const struct adm_sig_result *res, size_t i) {
  return i < ADM_SIG_MAX_AUTHORITIES && ((res->authorities >> i) & 1u) != 0;
}

/* Verify req's image under req->rule before deadline_ms (CLOCK_MONOTONIC
 * ms, verifier.h). Always fills *res. Returns 0 when res holds the outcome
 * (whatever it is), or ADM_EINVAL (a NULL argument, or a rule that cannot
 * be applied: no authorities, an authority without keys or identity, too
 * many keys, a threshold above the authorities, an unknown required name, a
 * bad signatureRepository, too many attestations) or ADM_ENOMEM, with res
 * INTERNAL.
 *
 * Which failure is told when nothing verified, most informative first: an
 * unknown (internal; registry-unavailable, auth-failed or deadline: what
 * could not be read might have verified), identity-mismatch,
 * untrusted-chain, tlog-invalid, timestamp-invalid, digest-mismatch,
 * invalid-signature, wrong-material, malformed-signature, then unsigned;
 * the first seen of equal rank. */
int adm_sig_verify(struct adm_verifier *v, const struct adm_sig_request *req, int64_t deadline_ms,
                   struct adm_sig_result *res);

/* Only the tag -> digest step: true with res->digest set (req->digest itself
 * when given; no I/O then), or false with res holding the failure
 * (image-not-found, registry-unavailable, auth-failed, deadline, internal).
 * req->rule is not read. The cache calls this to keep resolutions apart. */
bool adm_sig_resolve(struct adm_verifier *v, const struct adm_sig_request *req, int64_t deadline_ms,
                     struct adm_sig_result *res);

#endif
