/* cosign signatures in the tag-based format ("sha256-<hex>.sig" manifests of
 * simple-signing payloads): public keys, and the check of one signature
 * manifest against one image digest. Executable layer: GnuTLS and jansson.
 * No I/O of its own: blobs come through the caller's fetch callback (the
 * registry client, or a fake in tests), so the same code serves the server,
 * `admitd check` and the tests. Everything read is bounded by
 * struct adm_cosign_limits. */
#ifndef ADMITD_COSIGN_H
#define ADMITD_COSIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admitd/error.h"

#define ADM_COSIGN_MAX_KEYS 64 /* keys per verification: one bit each in a result */
#define ADM_COSIGN_PEM_MAX 16384

/* Layer and annotation names as cosign writes them. */
#define ADM_COSIGN_SIMPLESIGNING "application/vnd.dev.cosign.simplesigning.v1+json"
#define ADM_COSIGN_SIGNATURE_ANNOTATION "dev.cosignproject.cosign/signature"
#define ADM_COSIGN_SIGNATURE_TYPE "cosign container image signature"

struct adm_cosign_key;

enum adm_cosign_key_flags {
  /* An rsaEncryption key signs with RSASSA-PSS (SHA-256, a salt as long as
   * the hash, as KMS signers and openssl's rsa_pss_saltlen:32 make) rather
   * than cosign's default PKCS#1 v1.5. An id-RSASSA-PSS key is PSS without
   * it. Refused for keys that are not RSA. A maximal salt (Go's
   * PSSSaltLengthAuto when signing) does not verify. */
  ADM_COSIGN_KEY_RSA_PSS = 1u << 0,
};

/* One PEM "PUBLIC KEY" (PKIX SubjectPublicKeyInfo, as in cosign.pub):
 * ECDSA P-256 or P-384 (SHA-256, as cosign verifies by default), RSA of 2048
 * to 8192 bits (PKCS#1 v1.5 or PSS, SHA-256), or Ed25519 (pure). *new* in
 * *out, freed with adm_cosign_key_free. Returns 0, or ADM_EPARSE (not
 * exactly one PEM public key), ADM_EUNSUPPORTED (algorithm, curve or RSA
 * size), ADM_EINVAL (a flag that does not fit the key), ADM_ETOOBIG (PEM
 * longer than ADM_COSIGN_PEM_MAX) or ADM_ENOMEM, with the reason in err
 * (may be NULL). */
int adm_cosign_key_new(struct adm_cosign_key **out, const char *pem, size_t len, unsigned flags, struct adm_error *err);
void adm_cosign_key_free(struct adm_cosign_key *key);
/* Whether a and b are the same public key (whatever their PEM looked like).
 * A key that cannot be exported is not the same as any. */
bool adm_cosign_key_same(const struct adm_cosign_key *a, const struct adm_cosign_key *b);

/* "ecdsa-p256-sha256", "ecdsa-p384-sha256", "rsa-pkcs1v15-sha256",
 * "rsa-pss-sha256" or "ed25519"; static text. */
const char *adm_cosign_key_scheme(const struct adm_cosign_key *key);

/* Fetch the blob digest ("sha256:<hex>") into buf, at most cap bytes, and
 * set *len. Returns 0; ADM_ETOOBIG when the blob is longer than cap; any
 * other negative code when it could not be fetched (the code is reported
 * back in adm_cosign_result.fetch_error). The bytes need not be checked:
 * the verifier hashes them. */
typedef int (*adm_cosign_fetch_fn)(void *ctx, const char *digest, unsigned char *buf, size_t cap, size_t *len);

/* Zero fields take the defaults in brackets. */
struct adm_cosign_limits {
  size_t max_manifest;  /* bytes of the signature manifest [256 KiB] */
  size_t max_values;    /* JSON values in it, counted before it is parsed [1024] */
  size_t max_layers;    /* layers of any type in it [64] */
  size_t max_payload;   /* bytes of one payload blob [64 KiB] */
  size_t max_signature; /* characters of one base64 signature annotation [4096] */
};

/* What a signature manifest says about the image, most useful first. */
enum adm_cosign_outcome {
  ADM_COSIGN_VERIFIED,          /* a key verified a payload bound to this image digest */
  ADM_COSIGN_UNSIGNED,          /* no simple-signing layer */
  ADM_COSIGN_INVALID_SIGNATURE, /* signatures, none valid under any key, or payload bytes that are not
                                   what their descriptor names (tampered) */
  ADM_COSIGN_DIGEST_MISMATCH,   /* a valid signature, but of another image: never accepted */
  ADM_COSIGN_MALFORMED,         /* the manifest, a descriptor, an annotation or a signed payload is malformed */
  ADM_COSIGN_FETCH_FAILED,      /* a payload could not be fetched: the outcome is unknown */
};

/* "verified", "unsigned", "invalid-signature", "digest-mismatch",
 * "malformed", "fetch-failed": stable words for reasons and metrics. */
const char *adm_cosign_outcome_name(enum adm_cosign_outcome outcome);

struct adm_cosign_result {
  /* VERIFIED when any key verified a layer bound to the image. Otherwise,
   * with no verified layer: UNSIGNED when there was none to check, else
   * FETCH_FAILED if any layer could not be fetched (it might have been the
   * valid one), else DIGEST_MISMATCH, INVALID_SIGNATURE, MALFORMED in that
   * order of what was seen; MALFORMED also for a manifest that is not one. */
  enum adm_cosign_outcome outcome;
  uint64_t keys; /* bit i: keys[i] verified a layer bound to this image */
  /* Simple-signing layers examined, and how each ended. */
  unsigned layers, verified, invalid, mismatched, malformed, fetch_failed;
  int fetch_error;  /* the fetch callback's first error code, 0 if none */
  char detail[256]; /* the first failure ("layers[1]: payload is signed for ..."), "" if none */
};

static inline bool adm_cosign_key_verified(const struct adm_cosign_result *res, size_t i) {
  return i < ADM_COSIGN_MAX_KEYS && ((res->keys >> i) & 1u) != 0;
}

/* Check every simple-signing layer of the signature manifest (OCI or
 * Docker v2 media type) against image_digest ("sha256:<64 lower hex>"):
 * the payload fetched by its descriptor digest hashes to that digest and has
 * its size, the base64 signature annotation verifies over the exact payload
 * bytes with one of keys[0..n_keys), and the signed payload's
 * critical.type is ADM_COSIGN_SIGNATURE_TYPE and its
 * critical.image.docker-manifest-digest is image_digest. limits may be
 * NULL. Returns 0 with *res filled, or ADM_EINVAL (no keys, more than
 * ADM_COSIGN_MAX_KEYS, no fetch, image_digest not a sha256 digest) or
 * ADM_ENOMEM; a bad manifest is an outcome, not an error. */
int adm_cosign_verify(const char *manifest, size_t manifest_len, const char *image_digest,
                      struct adm_cosign_key *const *keys, size_t n_keys, adm_cosign_fetch_fn fetch, void *fetch_ctx,
                      const struct adm_cosign_limits *limits, struct adm_cosign_result *res);

#endif
