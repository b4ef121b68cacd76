/* One transparency log entry of a bundle, checked offline against the
 * trusted root's tlogs: the log is the one its logId names (an unlisted log
 * fails), the canonicalized body commits to this bundle's signature, key or
 * certificate and artifact (always compared: hashedrekord 0.0.1 and 0.0.2,
 * dsse 0.0.1 and 0.0.2, intoto 0.0.2), Rekor v1's signed entry timestamp
 * verifies over its canonical JSON and its integrated time is inside the
 * key's validFor and not in the future, and the inclusion proof leads from
 * SHA-256(0x00 || body) to a root hash that a checkpoint signed by the log
 * vouches for. A Rekor v2 entry (hashedrekord or dsse 0.0.2) has no
 * integrated time: its proof and checkpoint are required, and its time
 * comes from a timestamp authority (sigstore.c). */
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <string.h>

#include "sigstore_internal.h"

int adm__merkle_verify(int64_t index, int64_t size, const unsigned char leaf[32], const struct adm__bytes *hashes,
                       size_t n, const unsigned char root[32]) {
  if (index < 0 || size <= 0 || index >= size)
    return ADM_EINVAL;
  uint64_t fn = (uint64_t)index, sn = (uint64_t)size - 1;
  unsigned char r[32], buf[65];
  memcpy(r, leaf, 32);
  for (size_t i = 0; i < n; i++) {
    if (sn == 0 || hashes[i].len != 32)
      return ADM_EINVAL;
    buf[0] = 0x01;
    if ((fn & 1) || fn == sn) {
      memcpy(buf + 1, hashes[i].data, 32);
      memcpy(buf + 33, r, 32);
      if (!(fn & 1))
        while (!(fn & 1) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
    } else {
      memcpy(buf + 1, r, 32);
      memcpy(buf + 33, hashes[i].data, 32);
    }
    gnutls_hash_fast(GNUTLS_DIG_SHA256, buf, sizeof buf, r);
    fn >>= 1;
    sn >>= 1;
  }
  return (sn == 0 && memcmp(r, root, 32) == 0) ? 0 : ADM_EINVAL;
}

static const char *str_at(const json_t *v, const char *const *keys) {
  for (; *keys && v; keys++)
    v = json_object_get(v, *keys);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool b64_equals(struct adm_arena *a, const char *b64, const struct adm__bytes *want) {
  struct adm__bytes got;
  return b64 && adm__b64(a, b64, strlen(b64), &got) == 0 && got.len == want->len &&
         memcmp(got.data, want->data, got.len) == 0;
}

/* The DER inside a base64-encoded PEM block (certificate or public key). */
static bool pem_b64_equals(struct adm_arena *a, const char *b64, const struct adm__bytes *want) {
  struct adm__bytes pem, der;
  if (b64 == NULL || adm__b64(a, b64, strlen(b64), &pem) < 0)
    return false;
  const char *s = (const char *)pem.data, *begin = strstr(s, "-----BEGIN "), *end;
  if (begin == NULL || (begin = strchr(begin + 11, '\n')) == NULL || (end = strstr(begin, "-----END ")) == NULL)
    return false;
  char *clean = adm_arena_alloc(a, (size_t)(end - begin) + 1);
  size_t n = 0;
  if (clean == NULL)
    return false;
  for (const char *p = begin; p < end; p++)
    if (*p != '\n' && *p != '\r')
      clean[n++] = *p;
  return adm__b64(a, clean, n, &der) == 0 && der.len == want->len && memcmp(der.data, want->data, der.len) == 0;
}

/* Rekor v2 verifier {x509Certificate|publicKey {rawBytes}}. */
static bool verifier_equals(struct adm_arena *a, const json_t *verifier, const struct adm__expect *x) {
  static const char *const cert[] = {"x509Certificate", "rawBytes", NULL};
  static const char *const key[] = {"publicKey", "rawBytes", NULL};
  return b64_equals(a, str_at(verifier, x->is_key ? key : cert), x->leaf_or_key);
}

/* Does the body commit to this bundle? NULL when it does, else what differs. */
static const char *compare_body(struct adm_arena *a, const struct adm__entry *e, const json_t *body,
                                const struct adm__expect *x) {
  const struct adm__bundle *b = x->bundle;
  bool dsse = b->content == ADM__DSSE;
  const json_t *spec = json_object_get(body, "spec");
  const char *kind = str_at(body, (const char *const[]){"kind", NULL});
  const char *version = str_at(body, (const char *const[]){"apiVersion", NULL});
  if (!json_is_object(spec) || kind == NULL || version == NULL || strcmp(kind, e->kind) != 0 ||
      strcmp(version, e->version) != 0)
    return "body kind or version differs from kindVersion";
  if (strcmp(kind, "hashedrekord") == 0 && strcmp(version, "0.0.1") == 0) {
    if (dsse)
      return "a hashedrekord 0.0.1 entry for a DSSE envelope";
    if (!b64_equals(a, str_at(spec, (const char *const[]){"signature", "content", NULL}), x->signature))
      return "signature differs from the entry's";
    if (!pem_b64_equals(a, str_at(spec, (const char *const[]){"signature", "publicKey", "content", NULL}),
                        x->leaf_or_key))
      return "certificate or key differs from the entry's";
    const char *alg = str_at(spec, (const char *const[]){"data", "hash", "algorithm", NULL});
    if (alg == NULL || strcmp(alg, "sha256") != 0 ||
        !adm__hex_is(str_at(spec, (const char *const[]){"data", "hash", "value", NULL}), x->artifact_sha256))
      return "artifact digest differs from the entry's";
    return NULL;
  }
  if (strcmp(kind, "hashedrekord") == 0 && strcmp(version, "0.0.2") == 0) {
    const json_t *v2 = json_object_get(spec, "hashedRekordV002");
    const char *alg = str_at(v2, (const char *const[]){"data", "algorithm", NULL});
    struct adm__bytes want = {dsse ? x->pae_sha256 : x->artifact_sha256, 32};
    if (!b64_equals(a, str_at(v2, (const char *const[]){"signature", "content", NULL}), x->signature))
      return "signature differs from the entry's";
    if (!verifier_equals(a, json_object_get(json_object_get(v2, "signature"), "verifier"), x))
      return "certificate or key differs from the entry's";
    if (alg == NULL || strcmp(alg, "SHA2_256") != 0 ||
        !b64_equals(a, str_at(v2, (const char *const[]){"data", "digest", NULL}), &want))
      return dsse ? "envelope differs from the entry's" : "artifact digest differs from the entry's";
    return NULL;
  }
  if (!dsse)
    return "a DSSE or in-toto entry for a message signature";
  unsigned char payload_sha[32];
  gnutls_hash_fast(GNUTLS_DIG_SHA256, b->payload.data, b->payload.len, payload_sha);
  const json_t *sigs;
  const char *sig_key, *verifier_key;
  bool double_b64 = false;
  if (strcmp(kind, "dsse") == 0 && strcmp(version, "0.0.1") == 0) {
    const char *alg = str_at(spec, (const char *const[]){"payloadHash", "algorithm", NULL});
    if (alg == NULL || strcmp(alg, "sha256") != 0 ||
        !adm__hex_is(str_at(spec, (const char *const[]){"payloadHash", "value", NULL}), payload_sha))
      return "envelope payload differs from the entry's";
    sigs = json_object_get(spec, "signatures");
    sig_key = "signature";
    verifier_key = "verifier";
  } else if (strcmp(kind, "dsse") == 0 && strcmp(version, "0.0.2") == 0) {
    const json_t *v2 = json_object_get(spec, "dsseV002");
    struct adm__bytes want = {payload_sha, 32};
    const char *alg = str_at(v2, (const char *const[]){"payloadHash", "algorithm", NULL});
    if (alg == NULL || strcmp(alg, "SHA2_256") != 0 ||
        !b64_equals(a, str_at(v2, (const char *const[]){"payloadHash", "digest", NULL}), &want))
      return "envelope payload differs from the entry's";
    sigs = json_object_get(v2, "signatures");
    if (!json_is_array(sigs) || json_array_size(sigs) != 1 ||
        !b64_equals(a, str_at(json_array_get(sigs, 0), (const char *const[]){"content", NULL}), x->signature))
      return "signature differs from the entry's";
    if (!verifier_equals(a, json_object_get(json_array_get(sigs, 0), "verifier"), x))
      return "certificate or key differs from the entry's";
    return NULL;
  } else if (strcmp(kind, "intoto") == 0 && strcmp(version, "0.0.2") == 0) {
    const json_t *content = json_object_get(spec, "content");
    const char *alg = str_at(content, (const char *const[]){"payloadHash", "algorithm", NULL});
    if (alg == NULL || strcmp(alg, "sha256") != 0 ||
        !adm__hex_is(str_at(content, (const char *const[]){"payloadHash", "value", NULL}), payload_sha))
      return "envelope payload differs from the entry's";
    sigs = json_object_get(json_object_get(content, "envelope"), "signatures");
    sig_key = "sig";
    verifier_key = "publicKey";
    double_b64 = true; /* intoto 0.0.2 stores base64 of the base64 signature */
  } else {
    return "unsupported entry kind or version";
  }
  if (!json_is_array(sigs) || json_array_size(sigs) != 1)
    return "the entry does not hold exactly one signature";
  const json_t *s = json_array_get(sigs, 0);
  const char *sig = str_at(s, (const char *const[]){sig_key, NULL});
  struct adm__bytes once;
  if (double_b64) {
    if (sig == NULL || adm__b64(a, sig, strlen(sig), &once) < 0)
      return "signature differs from the entry's";
    sig = (const char *)once.data;
  }
  if (!b64_equals(a, sig, x->signature))
    return "signature differs from the entry's";
  if (!pem_b64_equals(a, str_at(s, (const char *const[]){verifier_key, NULL}), x->leaf_or_key))
    return "certificate or key differs from the entry's";
  return NULL;
}

static int verify_set(struct adm_arena *a, const struct adm__entry *e, const struct adm__tlog *log,
                      struct adm_error *err) {
  char hex[2 * 64 + 1];
  if (e->log_id.len > 64)
    return adm_fail(err, ADM_EINVAL, NULL, "logId longer than 64 bytes");
  for (size_t i = 0; i < e->log_id.len; i++)
    snprintf(hex + 2 * i, 3, "%02x", e->log_id.data[i]);
  hex[2 * e->log_id.len] = '\0';
  /* RFC 8785 of these four keys is this compact form, keys already sorted. */
  char *payload = adm_arena_printf(a, "{\"body\":\"%s\",\"integratedTime\":%lld,\"logID\":\"%s\",\"logIndex\":%lld}",
                                   e->body_b64, (long long)e->integrated_time, hex, (long long)e->log_index);
  if (payload == NULL)
    return adm_fail(err, ADM_ENOMEM, NULL, "out of memory");
  if (adm__sig_verify(&log->key, (const unsigned char *)payload, strlen(payload), false, &e->set) < 0)
    return adm_fail(err, ADM_EINVAL, NULL, "signed entry timestamp does not verify");
  return 0;
}

static int verify_proof(struct adm_arena *a, const struct adm__entry *e, const struct adm__tlog *log, bool v2,
                        struct adm_error *err) {
  unsigned char leaf[32];
  unsigned char *buf = adm_arena_alloc(a, e->body.len + 1);
  if (buf == NULL)
    return adm_fail(err, ADM_ENOMEM, NULL, "out of memory");
  buf[0] = 0x00;
  memcpy(buf + 1, e->body.data, e->body.len);
  gnutls_hash_fast(GNUTLS_DIG_SHA256, buf, e->body.len + 1, leaf);
  if (e->root_hash.len != 32)
    return adm_fail(err, ADM_EINVAL, NULL, "inclusion proof root hash is not a SHA-256 hash");
  if (adm__merkle_verify(e->proof_index, e->tree_size, leaf, e->hashes, e->n_hashes, e->root_hash.data) < 0)
    return adm_fail(err, ADM_EINVAL, NULL, "inclusion proof does not lead to its root hash");
  if (e->checkpoint == NULL)
    return 0;
  struct adm__checkpoint cp;
  int rc = adm__checkpoint_verify(a, e->checkpoint, log, &cp, err);
  if (rc < 0)
    return rc;
  size_t hl = strlen(log->host);
  bool origin_ok = strcmp(cp.origin, log->host) == 0 ||
                   (!v2 && strncmp(cp.origin, log->host, hl) == 0 && strncmp(cp.origin + hl, " - ", 3) == 0);
  if (!origin_ok)
    return adm_fail(err, ADM_EINVAL, NULL, "checkpoint origin \"%.80s\" is not log %s", cp.origin, log->host);
  if (cp.size != e->tree_size || memcmp(cp.root, e->root_hash.data, 32) != 0)
    return adm_fail(err, ADM_EINVAL, NULL, "checkpoint does not vouch for the proof's tree size and root hash");
  return 0;
}

bool adm__entry_rekor_v2(const struct adm__entry *e) {
  return strcmp(e->version, "0.0.2") == 0 && (strcmp(e->kind, "hashedrekord") == 0 || strcmp(e->kind, "dsse") == 0);
}

int adm__tlog_verify(struct adm_arena *a, const struct adm__entry *e, int minor, const struct adm_trusted_root *root,
                     const struct adm__expect *x, int64_t now, int64_t *time, bool *has_time, struct adm_error *err) {
  *has_time = false;
  const struct adm__tlog *log = adm__root_tlog(root->tlogs, root->n_tlogs, &e->log_id);
  if (log == NULL)
    return adm_fail(err, ADM_EINVAL, NULL, "entry from a log the trusted root does not list");
  bool v2 = adm__entry_rekor_v2(e);

  json_t *body = adm__pj_load((const char *)e->body.data, e->body.len, ADM_SIGSTORE_MAX_BUNDLE, NULL);
  if (body == NULL)
    return adm_fail(err, ADM_EPARSE, NULL, "canonicalizedBody is not a JSON object");
  const char *diff = compare_body(a, e, body, x);
  json_decref(body);
  if (diff)
    return adm_fail(err, ADM_EINVAL, NULL, "body mismatch: %s", diff);

  if (v2) {
    if (!e->has_proof || e->checkpoint == NULL)
      return adm_fail(err, ADM_EMISSING, NULL, "a Rekor v2 entry needs an inclusion proof with a checkpoint");
  } else {
    if (minor == 1 && e->set.len == 0)
      return adm_fail(err, ADM_EMISSING, NULL, "a v0.1 bundle's entry needs a signed entry timestamp");
    if (minor >= 2 && (!e->has_proof || e->checkpoint == NULL))
      return adm_fail(err, ADM_EMISSING, NULL, "a v0.2+ bundle's entry needs an inclusion proof with a checkpoint");
    if (!e->has_integrated_time || e->integrated_time <= 0)
      return adm_fail(err, ADM_EMISSING, NULL, "a Rekor v1 entry needs an integrated time");
    if (e->integrated_time > now)
      return adm_fail(err, ADM_EINVAL, NULL, "integrated time %lld is in the future", (long long)e->integrated_time);
  }
  if (e->has_proof) {
    int rc = verify_proof(a, e, log, v2, err);
    if (rc < 0)
      return rc;
  }
  if (!v2 && e->set.len > 0) {
    int rc = verify_set(a, e, log, err);
    if (rc < 0)
      return rc;
    if (!adm__range_contains(&log->valid, e->integrated_time))
      return adm_fail(err, ADM_EINVAL, NULL, "integrated time outside the log key's validFor");
    *time = e->integrated_time;
    *has_time = true;
  }
  return 0;
}
