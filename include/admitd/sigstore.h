/* Offline verification of one Sigstore bundle (v0.1, v0.2, v0.3) against a
 * Sigstore trusted root: the contract between the verify layer, which does
 * it, and the commands that ask for it (`admitd verify-bundle`, later the
 * images family). Everything lives in the caller's arena and is *borrowed*
 * until that arena is freed or recycled; nothing here does I/O.
 *
 * Fail closed: a result is VERIFIED only when every check ran and passed; a
 * zeroed result is INTERNAL, and an allocation that failed anywhere during a
 * verification turns its result into INTERNAL. */
#ifndef ADMITD_SIGSTORE_H
#define ADMITD_SIGSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admitd/arena.h"
#include "admitd/error.h"

#define ADM_SIGSTORE_MAX_BUNDLE (1u << 20) /* bytes of one bundle */
#define ADM_SIGSTORE_MAX_ROOT (4u << 20)   /* bytes of one trusted root */
#define ADM_SIGSTORE_PREDICATE_SIGN "https://sigstore.dev/cosign/sign/v1"

/* Outcomes, most specific first; each has a stable name (below). */
enum adm_sigstore_outcome {
  ADM_SIGSTORE_INTERNAL = 0,      /* not verified: out of memory or a verifier fault */
  ADM_SIGSTORE_VERIFIED,          /* every check passed */
  ADM_SIGSTORE_MALFORMED,         /* the bundle cannot be read (JSON, media type, field, encoding) */
  ADM_SIGSTORE_WRONG_MATERIAL,    /* a certificate under a key, or a key hint under an identity */
  ADM_SIGSTORE_INVALID_SIGNATURE, /* the signature does not verify under the key or leaf */
  ADM_SIGSTORE_DIGEST_MISMATCH,   /* the bundle signs another artifact */
  ADM_SIGSTORE_UNTRUSTED_CHAIN,   /* the leaf does not chain to a trusted CA at the verified time */
  ADM_SIGSTORE_SCT_INVALID,       /* no embedded SCT verifies under a trusted CT log */
  ADM_SIGSTORE_IDENTITY_MISMATCH, /* the leaf's SAN or OIDC issuer is not the expected one */
  ADM_SIGSTORE_TLOG_INVALID,      /* a transparency log entry fails a check (detail says which) */
  ADM_SIGSTORE_TIMESTAMP_INVALID, /* an RFC 3161 timestamp fails a check */
  ADM_SIGSTORE_NO_VERIFIED_TIME,  /* keyless, but nothing proves when the signature was made */
};

/* "internal", "verified", "malformed-bundle", "wrong-material", "invalid-signature",
 * "digest-mismatch", "untrusted-chain", "sct-invalid", "identity-mismatch",
 * "tlog-invalid", "timestamp-invalid", "no-verified-time". */
const char *adm_sigstore_outcome_name(enum adm_sigstore_outcome outcome);

struct adm_trusted_root;

/* Parse a TrustedRoot JSON document (media types
 * application/vnd.dev.sigstore.trustedroot+json;version=0.1 and
 * application/vnd.dev.sigstore.trustedroot.v0.2+json) into a. Returns 0,
 * or ADM_EPARSE / ADM_EMISSING / ADM_EINVAL / ADM_ETOOBIG / ADM_EUNSUPPORTED
 * / ADM_ENOMEM with err->where the JSON path of the culprit. */
int adm_trusted_root_parse(struct adm_arena *a, const char *json, size_t len, struct adm_trusted_root **out,
                           struct adm_error *err);

/* A public key (PEM "PUBLIC KEY", as cosign.pub): ECDSA, RSA or Ed25519. */
struct adm_sigstore_key;
int adm_sigstore_key_parse(struct adm_arena *a, const char *pem, size_t len, struct adm_sigstore_key **out,
                           struct adm_error *err);

/* An expected identity: exact strings, or POSIX extended regular
 * expressions that must match the whole value. */
struct adm_sigstore_identity {
  const char *subject; /* SAN: URI, email or OtherName */
  const char *issuer;  /* OIDC issuer */
  bool subject_regex, issuer_regex;
};

struct adm_sigstore_policy {
  const struct adm_trusted_root *root;          /* required unless key is set */
  const struct adm_sigstore_key *key;           /* key-based: only this key */
  const struct adm_sigstore_identity *identity; /* keyless: required when key is NULL */
  int64_t now;                                  /* Unix seconds: log times after it are refused */
};

/* The artifact: its bytes, or only its SHA-256. */
struct adm_sigstore_artifact {
  const unsigned char *data; /* NULL: only sha256 is known */
  size_t len;
  unsigned char sha256[32]; /* filled by the verifier when data is given */
};

/* A Fulcio claim of the leaf (OID 1.3.6.1.4.1.57264.1.N). */
struct adm_fulcio_claim {
  unsigned n; /* the N of the OID */
  const char *name;
  const char *value;
};

#define ADM_FULCIO_MAX_CLAIMS 24

/* Whether name is one of Fulcio's claim names as the result gives them
 * ("sourceRepositoryRef", "issuer"; not the deprecated "issuer (deprecated)"). */
bool adm_fulcio_claim_known(const char *name);

/* Fields past detail are filled as far as the checks got: rely on them only
 * when outcome is VERIFIED. */
struct adm_sigstore_result {
  enum adm_sigstore_outcome outcome;
  char detail[384]; /* what failed, or what verified */
  /* Keyless: what the leaf says, *borrowed*. */
  const char *subject, *issuer;
  struct adm_fulcio_claim claims[ADM_FULCIO_MAX_CLAIMS];
  size_t n_claims;
  /* DSSE: the in-toto statement's predicate type and predicate (compact
   * JSON), for a policy to tell a signature from an attestation. */
  const char *predicate_type, *predicate;
  bool dsse;
  /* What was verified. */
  size_t tlog_entries, timestamps;
  int64_t signed_at; /* the earliest verified time, 0 when none */
};

/* Verify bundle (JSON text) for artifact under pol. Always fills *res.
 * Returns 0 when res holds the outcome, or ADM_EINVAL (a NULL or
 * inconsistent argument) / ADM_ENOMEM with res INTERNAL. */
int adm_sigstore_verify(struct adm_arena *a, const char *bundle, size_t len, const struct adm_sigstore_policy *pol,
                        struct adm_sigstore_artifact *artifact, struct adm_sigstore_result *res);

#endif
