/* The order of a Sigstore bundle verification and what each failure is
 * called: parse the bundle, refuse material that does not fit the policy (a
 * certificate never verifies under a key), check the signature over the
 * content, then the transparency log entries and the RFC 3161 timestamps
 * (which give the verified times), then, keyless, the certificate path at
 * every verified time, the embedded SCTs and the identity. Keyless needs at
 * least one verified log entry and one verified time. The checks themselves
 * live in the files named in sigstore_internal.h; this file owns only the
 * sequence and the outcome, and turns any allocation failure into INTERNAL
 * so that nothing verifies on a partial run. */
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sigstore_internal.h"

#define EKU_CODE_SIGNING "1.3.6.1.5.5.7.3.3"
#define IN_TOTO "application/vnd.in-toto+json"
#define MAX_TIMES (2 * ADM__MAX_LIST)

const char *adm_sigstore_outcome_name(enum adm_sigstore_outcome outcome) {
  switch (outcome) {
  case ADM_SIGSTORE_VERIFIED:
    return "verified";
  case ADM_SIGSTORE_MALFORMED:
    return "malformed-bundle";
  case ADM_SIGSTORE_WRONG_MATERIAL:
    return "wrong-material";
  case ADM_SIGSTORE_INVALID_SIGNATURE:
    return "invalid-signature";
  case ADM_SIGSTORE_DIGEST_MISMATCH:
    return "digest-mismatch";
  case ADM_SIGSTORE_UNTRUSTED_CHAIN:
    return "untrusted-chain";
  case ADM_SIGSTORE_SCT_INVALID:
    return "sct-invalid";
  case ADM_SIGSTORE_IDENTITY_MISMATCH:
    return "identity-mismatch";
  case ADM_SIGSTORE_TLOG_INVALID:
    return "tlog-invalid";
  case ADM_SIGSTORE_TIMESTAMP_INVALID:
    return "timestamp-invalid";
  case ADM_SIGSTORE_NO_VERIFIED_TIME:
    return "no-verified-time";
  case ADM_SIGSTORE_INTERNAL:
  default:
    return "internal";
  }
}

__attribute__((format(printf, 3, 4))) static int outcome(struct adm_sigstore_result *res, enum adm_sigstore_outcome o,
                                                         const char *fmt, ...) {
  res->outcome = o;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(res->detail, sizeof res->detail, fmt, ap);
  va_end(ap);
  return 0;
}

static const char *where(const struct adm_error *err, char *buf, size_t n) {
  adm_error_format(err, buf, n);
  return buf;
}

/* The signature over the content, under spki; DSSE statement parsed into res. */
static int check_content(struct adm_arena *a, const struct adm__bundle *b, const struct adm__bytes *spki,
                         const struct adm_sigstore_artifact *art, struct adm__expect *x,
                         struct adm_sigstore_result *res) {
  char msg[600];
  if (b->content == ADM__MESSAGE) {
    if (b->digest_alg != NULL) {
      if (strcmp(b->digest_alg, "SHA2_256") != 0)
        return outcome(res, ADM_SIGSTORE_MALFORMED, "messageDigest algorithm %.40s is not supported", b->digest_alg);
      if (b->digest.len != 32 || memcmp(b->digest.data, art->sha256, 32) != 0)
        return outcome(res, ADM_SIGSTORE_DIGEST_MISMATCH, "messageDigest is not the artifact's SHA-256");
    }
    int rc = art->data ? adm__sig_verify(spki, art->data, art->len, false, &b->signature)
                       : adm__sig_verify(spki, art->sha256, 32, true, &b->signature);
    if (rc == ADM_EUNSUPPORTED)
      return outcome(res, ADM_SIGSTORE_INVALID_SIGNATURE, "this key cannot verify a digest alone; give the artifact");
    if (rc < 0)
      return outcome(res, ADM_SIGSTORE_INVALID_SIGNATURE, "the signature does not verify over the artifact");
    return 0;
  }
  if (strcmp(b->payload_type, IN_TOTO) != 0)
    return outcome(res, ADM_SIGSTORE_MALFORMED, "DSSE payloadType \"%.80s\" is not " IN_TOTO, b->payload_type);
  struct adm__bytes pae;
  if (adm__dsse_pae(a, b->payload_type, &b->payload, &pae) < 0)
    return ADM_ENOMEM;
  gnutls_hash_fast(GNUTLS_DIG_SHA256, pae.data, pae.len, x->pae_sha256);
  if (adm__sig_verify(spki, pae.data, pae.len, false, &b->signature) < 0)
    return outcome(res, ADM_SIGSTORE_INVALID_SIGNATURE, "the DSSE signature does not verify");
  struct adm__statement st;
  struct adm_error err = {0};
  int rc = adm__statement_parse(a, &b->payload, art->sha256, &st, &err);
  if (rc == ADM_ENOMEM)
    return rc;
  if (rc < 0)
    return outcome(res, ADM_SIGSTORE_MALFORMED, "in-toto statement: %s", where(&err, msg, sizeof msg));
  res->dsse = true;
  res->predicate_type = st.predicate_type;
  res->predicate = st.predicate;
  if (!st.subject_matches)
    return outcome(res, ADM_SIGSTORE_DIGEST_MISMATCH, "no subject of the in-toto statement is the artifact");
  return 0;
}

/* Every log entry, then every timestamp; verified times appended to times. */
static int check_logs(struct adm_arena *a, const struct adm__bundle *b, const struct adm_sigstore_policy *pol,
                      const struct adm__expect *x, int64_t *times, size_t *n_times, struct adm_sigstore_result *res) {
  bool v2 = false;
  for (size_t i = 0; i < b->n_entries; i++) {
    for (size_t j = 0; j < i; j++)
      if (b->entries[i].log_index == b->entries[j].log_index && b->entries[i].log_id.len == b->entries[j].log_id.len &&
          memcmp(b->entries[i].log_id.data, b->entries[j].log_id.data, b->entries[i].log_id.len) == 0)
        return outcome(res, ADM_SIGSTORE_TLOG_INVALID, "tlogEntries[%zu]: the same entry twice", i);
    struct adm_error err = {0};
    int64_t t;
    bool has_time;
    const struct adm__entry *e = &b->entries[i];
    if (adm__tlog_verify(a, e, b->minor, pol->root, x, pol->now, &t, &has_time, &err) < 0) {
      if (err.code == ADM_ENOMEM)
        return ADM_ENOMEM;
      return outcome(res, ADM_SIGSTORE_TLOG_INVALID, "tlogEntries[%zu]: %s", i, err.message);
    }
    v2 = v2 || adm__entry_rekor_v2(e);
    res->tlog_entries++;
    if (has_time)
      times[(*n_times)++] = t;
  }
  size_t tsa_times = 0, first_tsa = *n_times;
  for (size_t i = 0; i < b->n_timestamps; i++) {
    struct adm_error err = {0};
    int64_t t;
    int rc = adm__tsa_verify(&b->timestamps[i], &b->signature, pol->root, &t, &err);
    if (rc == ADM_EMISSING && pol->key != NULL)
      continue; /* a key needs no time: a timestamp of an unlisted authority adds nothing */
    if (rc < 0)
      return outcome(res, ADM_SIGSTORE_TIMESTAMP_INVALID, "rfc3161Timestamps[%zu]: %s", i, err.message);
    res->timestamps++;
    tsa_times++;
    times[(*n_times)++] = t;
  }
  /* Rekor v2 issues no signed time: its entries need a timestamp authority's. */
  if (v2 && tsa_times == 0)
    return outcome(res, ADM_SIGSTORE_NO_VERIFIED_TIME, "a Rekor v2 entry needs a verified RFC 3161 timestamp");
  /* ... and that time must fall in the log key's validFor, as an integrated time must. */
  for (size_t i = 0; i < b->n_entries; i++) {
    const struct adm__entry *e = &b->entries[i];
    const struct adm__tlog *log = adm__root_tlog(pol->root->tlogs, pol->root->n_tlogs, &e->log_id);
    for (size_t j = first_tsa; j < *n_times && adm__entry_rekor_v2(e) && log; j++)
      if (!adm__range_contains(&log->valid, times[j]))
        return outcome(res, ADM_SIGSTORE_TLOG_INVALID,
                       "tlogEntries[%zu]: timestamp %lld outside the log key's validFor", i, (long long)times[j]);
  }
  return 0;
}

/* Keyless: the path at every verified time, the SCTs and the identity. */
static int check_leaf(struct adm_arena *a, const struct adm__bundle *b, const struct adm_sigstore_policy *pol,
                      const int64_t *times, size_t n_times, struct adm_sigstore_result *res) {
  const struct adm_trusted_root *root = pol->root;
  struct adm__bytes issuer = {NULL, 0};
  for (size_t i = 0; i < n_times; i++) {
    struct adm_error err = {0};
    if (adm__chain_verify(&b->leaf, root->cas, root->n_cas, times[i], EKU_CODE_SIGNING, &issuer, &err) < 0)
      return outcome(res, ADM_SIGSTORE_UNTRUSTED_CHAIN, "at %lld: %s", (long long)times[i], err.message);
  }
  struct adm_error err = {0};
  size_t scts = 0;
  int rc = adm__sct_verify(a, &b->leaf, &issuer, root->ctlogs, root->n_ctlogs, &scts, &err);
  if (rc == ADM_ENOMEM)
    return rc;
  if (rc < 0 || scts == 0)
    return outcome(res, ADM_SIGSTORE_SCT_INVALID, "%s",
                   rc < 0 ? err.message : "no SCT verifies under a trusted CT log");
  struct adm__fulcio f;
  rc = adm__fulcio_parse(a, &b->leaf, &f, &err);
  if (rc == ADM_ENOMEM)
    return rc;
  if (rc < 0)
    return outcome(res, ADM_SIGSTORE_MALFORMED, "leaf: %s", err.message);
  res->subject = f.subject;
  res->issuer = f.issuer;
  memcpy(res->claims, f.claims, sizeof f.claims);
  res->n_claims = f.n_claims;
  const struct adm_sigstore_identity *id = pol->identity;
  if (!adm__identity_match(id->subject, id->subject_regex, f.subject))
    return outcome(res, ADM_SIGSTORE_IDENTITY_MISMATCH, "subject \"%.120s\" is not the expected identity",
                   f.subject ? f.subject : "");
  if (!adm__identity_match(id->issuer, id->issuer_regex, f.issuer))
    return outcome(res, ADM_SIGSTORE_IDENTITY_MISMATCH, "OIDC issuer \"%.120s\" is not the expected issuer",
                   f.issuer ? f.issuer : "");
  return 0;
}

static int run(struct adm_arena *a, const char *bundle, size_t len, const struct adm_sigstore_policy *pol,
               const struct adm_sigstore_artifact *art, struct adm_sigstore_result *res) {
  struct adm__bundle b;
  struct adm_error err = {0};
  char msg[600];
  int rc = adm__bundle_parse(a, bundle, len, &b, &err);
  if (rc == ADM_ENOMEM)
    return rc;
  if (rc < 0)
    return outcome(res, ADM_SIGSTORE_MALFORMED, "%s", where(&err, msg, sizeof msg));
  bool keyless = pol->key == NULL;
  if (!keyless && b.material != ADM__MAT_KEY)
    return outcome(res, ADM_SIGSTORE_WRONG_MATERIAL, "the bundle carries a certificate: a key never verifies it");
  if (keyless && b.material == ADM__MAT_KEY)
    return outcome(res, ADM_SIGSTORE_WRONG_MATERIAL, "the bundle was signed with a key, not a certificate");
  if (keyless) {
    /* The chain comes from the trusted root alone; a bundle that ships a
     * root of its own is refused rather than quietly ignored. */
    for (size_t i = 0; i < b.n_extra; i++)
      if (adm__cert_self_signed(&b.extra[i]))
        return outcome(res, ADM_SIGSTORE_UNTRUSTED_CHAIN, "the bundle's chain includes a root certificate");
    if (adm__cert_self_signed(&b.leaf))
      return outcome(res, ADM_SIGSTORE_UNTRUSTED_CHAIN, "the leaf is self-signed");
  }
  struct adm__bytes spki;
  if (keyless) {
    rc = adm__cert_spki(a, &b.leaf, &spki);
    if (rc == ADM_ENOMEM)
      return rc;
    if (rc < 0)
      return outcome(res, ADM_SIGSTORE_MALFORMED, "the leaf is not a DER X.509 certificate");
  } else {
    spki = pol->key->spki;
  }
  struct adm__expect x = {
      .signature = &b.signature, .leaf_or_key = keyless ? &b.leaf : &pol->key->spki, .is_key = !keyless, .bundle = &b};
  rc = check_content(a, &b, &spki, art, &x, res);
  if (rc < 0 || res->outcome != ADM_SIGSTORE_INTERNAL)
    return rc;
  if (b.content == ADM__DSSE)
    gnutls_hash_fast(GNUTLS_DIG_SHA256, b.payload.data, b.payload.len, x.artifact_sha256);
  else
    memcpy(x.artifact_sha256, art->sha256, 32);
  int64_t times[MAX_TIMES];
  size_t n_times = 0;
  if (pol->root && (rc = check_logs(a, &b, pol, &x, times, &n_times, res)) < 0)
    return rc;
  if (res->outcome != ADM_SIGSTORE_INTERNAL)
    return 0;
  if (keyless) {
    if (res->tlog_entries == 0)
      return outcome(res, ADM_SIGSTORE_TLOG_INVALID, "keyless verification needs a verified transparency log entry");
    if (n_times == 0)
      return outcome(res, ADM_SIGSTORE_NO_VERIFIED_TIME, "nothing proves when the signature was made");
    rc = check_leaf(a, &b, pol, times, n_times, res);
    if (rc < 0 || res->outcome != ADM_SIGSTORE_INTERNAL)
      return rc;
  }
  for (size_t i = 0; i < n_times; i++)
    if (res->signed_at == 0 || times[i] < res->signed_at)
      res->signed_at = times[i];
  return outcome(res, ADM_SIGSTORE_VERIFIED, "%s bundle v0.%d: %zu transparency log %s and %zu %s verified",
                 keyless ? "keyless" : "key-based", b.minor, res->tlog_entries,
                 res->tlog_entries == 1 ? "entry" : "entries", res->timestamps,
                 res->timestamps == 1 ? "timestamp" : "timestamps");
}

int adm_sigstore_verify(struct adm_arena *a, const char *bundle, size_t len, const struct adm_sigstore_policy *pol,
                        struct adm_sigstore_artifact *art, struct adm_sigstore_result *res) {
  if (res == NULL)
    return ADM_EINVAL;
  memset(res, 0, sizeof *res);
  res->outcome = ADM_SIGSTORE_INTERNAL;
  if (a == NULL || bundle == NULL || pol == NULL || art == NULL ||
      (pol->key == NULL && (pol->identity == NULL || pol->root == NULL))) {
    snprintf(res->detail, sizeof res->detail, "a key, or an identity with a trusted root, is required");
    return ADM_EINVAL;
  }
  if (art->data)
    gnutls_hash_fast(GNUTLS_DIG_SHA256, art->data, art->len, art->sha256);
  int rc = run(a, bundle, len, pol, art, res);
  if (rc < 0 || adm_arena_failure(a) != ADM_ARENA_OK) {
    /* Whatever was concluded on a run that lost an allocation is void. */
    memset(res, 0, sizeof *res);
    res->outcome = ADM_SIGSTORE_INTERNAL;
    snprintf(res->detail, sizeof res->detail, "out of memory");
    return ADM_ENOMEM;
  }
  return 0;
}
