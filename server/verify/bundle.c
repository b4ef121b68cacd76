/* The Sigstore bundle document (protobuf-specs sigstore_bundle.proto as
 * proto3 JSON), versions 0.1, 0.2 and 0.3 under both media-type spellings:
 * verification material (a key hint, an x509CertificateChain or one
 * certificate), transparency log entries, RFC 3161 timestamps, and the
 * content (messageSignature or a DSSE envelope with one signature). Parsing
 * only: an unknown version, a missing field, bad base64 or a negative index
 * is ADM_EPARSE-family with the JSON path. Verifies nothing, and trusts
 * nothing it reads: sigstore.c decides what each part is worth. */
#include <string.h>

#include "sigstore_internal.h"

static const struct {
  const char *media_type;
  int minor;
} media_types[] = {
    {"application/vnd.dev.sigstore.bundle+json;version=0.1", 1},
    {"application/vnd.dev.sigstore.bundle+json;version=0.2", 2},
    {"application/vnd.dev.sigstore.bundle+json;version=0.3", 3},
    {"application/vnd.dev.sigstore.bundle.v0.3+json", 3},
};

static int parse_entry(struct adm_arena *a, const json_t *v, const struct adm__path *p, struct adm__entry *e,
                       struct adm_error *err) {
  const json_t *lid, *kv, *promise, *proof, *cp, *hashes;
  struct adm__path sp;
  int rc;
  if (!json_is_object(v))
    return adm_fail(err, ADM_ETYPE, p->text, "want an object");
  /* proto3 JSON leaves a zero out: an absent logIndex (the entry's or the
   * proof's) is index 0, the first leaf, and is still checked as such. */
  rc = adm__pj_int64(v, "logIndex", p, false, &e->log_index, NULL, err);
  if (rc >= 0)
    rc = adm__pj_object(v, "logId", p, true, &lid, err);
  if (rc >= 0)
    rc = adm__pj_object(v, "kindVersion", p, true, &kv, err);
  if (rc >= 0)
    rc = adm__pj_int64(v, "integratedTime", p, false, &e->integrated_time, &e->has_integrated_time, err);
  if (rc >= 0)
    rc = adm__pj_object(v, "inclusionPromise", p, false, &promise, err);
  if (rc >= 0)
    rc = adm__pj_object(v, "inclusionProof", p, false, &proof, err);
  if (rc >= 0)
    rc = adm__pj_bytes(a, v, "canonicalizedBody", p, true, &e->body, err);
  if (rc >= 0)
    rc = adm__pj_string(a, v, "canonicalizedBody", p, true, &e->body_b64, err);
  if (rc < 0)
    return rc;
  adm__path_key(&sp, p, "logId");
  rc = adm__pj_bytes(a, lid, "keyId", &sp, true, &e->log_id, err);
  if (rc < 0)
    return rc;
  adm__path_key(&sp, p, "kindVersion");
  rc = adm__pj_string(a, kv, "kind", &sp, true, &e->kind, err);
  if (rc >= 0)
    rc = adm__pj_string(a, kv, "version", &sp, true, &e->version, err);
  if (rc < 0)
    return rc;
  if (promise) {
    adm__path_key(&sp, p, "inclusionPromise");
    rc = adm__pj_bytes(a, promise, "signedEntryTimestamp", &sp, true, &e->set, err);
    if (rc < 0)
      return rc;
  }
  if (proof == NULL)
    return 0;
  e->has_proof = true;
  adm__path_key(&sp, p, "inclusionProof");
  rc = adm__pj_int64(proof, "logIndex", &sp, false, &e->proof_index, NULL, err);
  if (rc >= 0)
    rc = adm__pj_int64(proof, "treeSize", &sp, true, &e->tree_size, NULL, err);
  if (rc >= 0)
    rc = adm__pj_bytes(a, proof, "rootHash", &sp, true, &e->root_hash, err);
  if (rc >= 0)
    rc = adm__pj_array(proof, "hashes", &sp, false, &hashes, &e->n_hashes, err);
  if (rc >= 0)
    rc = adm__pj_object(proof, "checkpoint", &sp, false, &cp, err);
  if (rc < 0)
    return rc;
  if (e->n_hashes > 0) {
    e->hashes = adm_arena_calloc(a, e->n_hashes, sizeof *e->hashes);
    if (e->hashes == NULL)
      return adm_fail(err, ADM_ENOMEM, sp.text, "out of memory");
    struct adm__path hp, ip;
    adm__path_key(&hp, &sp, "hashes");
    for (size_t i = 0; i < e->n_hashes; i++) {
      const json_t *h = json_array_get(hashes, i);
      adm__path_index(&ip, &hp, i);
      if (!json_is_string(h))
        return adm_fail(err, ADM_ETYPE, ip.text, "want a base64 string");
      rc = adm__b64(a, json_string_value(h), json_string_length(h), &e->hashes[i]);
      if (rc < 0 || e->hashes[i].len != 32)
        return adm_fail(err, rc == ADM_ENOMEM ? rc : ADM_EPARSE, ip.text, "want a base64 SHA-256 hash");
    }
  }
  if (cp) {
    struct adm__path cpp;
    adm__path_key(&cpp, &sp, "checkpoint");
    rc = adm__pj_string(a, cp, "envelope", &cpp, true, &e->checkpoint, err);
    if (rc < 0)
      return rc;
  }
  return 0;
}

static int parse_cert_list(struct adm_arena *a, const json_t *chain, const struct adm__path *p, struct adm__bundle *b,
                           struct adm_error *err) {
  const json_t *certs;
  size_t n;
  struct adm__path lp, ep;
  int rc = adm__pj_array(chain, "certificates", p, true, &certs, &n, err);
  if (rc < 0)
    return rc;
  adm__path_key(&lp, p, "certificates");
  if (n == 0)
    return adm_fail(err, ADM_EMISSING, lp.text, "empty: no leaf certificate");
  b->extra = n > 1 ? adm_arena_calloc(a, n - 1, sizeof *b->extra) : NULL;
  if (n > 1 && b->extra == NULL)
    return adm_fail(err, ADM_ENOMEM, lp.text, "out of memory");
  b->n_extra = n - 1;
  for (size_t i = 0; i < n; i++) {
    adm__path_index(&ep, &lp, i);
    const json_t *c = json_array_get(certs, i);
    if (!json_is_object(c))
      return adm_fail(err, ADM_ETYPE, ep.text, "want an object");
    rc = adm__pj_bytes(a, c, "rawBytes", &ep, true, i == 0 ? &b->leaf : &b->extra[i - 1], err);
    if (rc < 0)
      return rc;
  }
  return 0;
}

static int parse_material(struct adm_arena *a, const json_t *vm, struct adm__bundle *b, struct adm_error *err) {
  const json_t *key, *chain, *cert, *entries, *tsd;
  struct adm__path vp, sp;
  adm__path_key(&vp, NULL, "verificationMaterial");
  int rc;
  rc = adm__pj_object(vm, "publicKey", &vp, false, &key, err);
  if (rc >= 0)
    rc = adm__pj_object(vm, "x509CertificateChain", &vp, false, &chain, err);
  if (rc >= 0)
    rc = adm__pj_object(vm, "certificate", &vp, false, &cert, err);
  if (rc < 0)
    return rc;
  if ((key != NULL) + (chain != NULL) + (cert != NULL) != 1)
    return adm_fail(err, ADM_EINVAL, vp.text, "want exactly one of publicKey, x509CertificateChain, certificate");
  if (key) {
    /* Only a hint: the key itself always comes from the policy. */
    b->material = ADM__MAT_KEY;
    adm__path_key(&sp, &vp, "publicKey");
    rc = adm__pj_string(a, key, "hint", &sp, false, &b->key_hint, err);
    if (rc < 0)
      return rc;
  } else if (chain) {
    /* v0.3 carries the leaf alone (BUNDLE_SPEC); a chain there is refused. */
    if (b->minor >= 3)
      return adm_fail(err, ADM_EINVAL, vp.text, "a v0.3 bundle carries a certificate, not a chain");
    b->material = ADM__MAT_CHAIN;
    adm__path_key(&sp, &vp, "x509CertificateChain");
    rc = parse_cert_list(a, chain, &sp, b, err);
    if (rc < 0)
      return rc;
  } else {
    b->material = ADM__MAT_CERT;
    adm__path_key(&sp, &vp, "certificate");
    rc = adm__pj_bytes(a, cert, "rawBytes", &sp, true, &b->leaf, err);
    if (rc < 0)
      return rc;
  }
  rc = adm__pj_array(vm, "tlogEntries", &vp, false, &entries, &b->n_entries, err);
  if (rc >= 0)
    rc = adm__pj_object(vm, "timestampVerificationData", &vp, false, &tsd, err);
  if (rc < 0)
    return rc;
  if (b->n_entries > 0) {
    b->entries = adm_arena_calloc(a, b->n_entries, sizeof *b->entries);
    if (b->entries == NULL)
      return adm_fail(err, ADM_ENOMEM, vp.text, "out of memory");
    adm__path_key(&sp, &vp, "tlogEntries");
    for (size_t i = 0; i < b->n_entries; i++) {
      struct adm__path ep;
      adm__path_index(&ep, &sp, i);
      rc = parse_entry(a, json_array_get(entries, i), &ep, &b->entries[i], err);
      if (rc < 0)
        return rc;
    }
  }
  if (tsd) {
    const json_t *ts;
    adm__path_key(&sp, &vp, "timestampVerificationData");
    rc = adm__pj_array(tsd, "rfc3161Timestamps", &sp, false, &ts, &b->n_timestamps, err);
    if (rc < 0)
      return rc;
    b->timestamps = b->n_timestamps ? adm_arena_calloc(a, b->n_timestamps, sizeof *b->timestamps) : NULL;
    if (b->n_timestamps && b->timestamps == NULL)
      return adm_fail(err, ADM_ENOMEM, sp.text, "out of memory");
    struct adm__path lp, ep;
    adm__path_key(&lp, &sp, "rfc3161Timestamps");
    for (size_t i = 0; i < b->n_timestamps; i++) {
      adm__path_index(&ep, &lp, i);
      const json_t *t = json_array_get(ts, i);
      if (!json_is_object(t))
        return adm_fail(err, ADM_ETYPE, ep.text, "want an object");
      rc = adm__pj_bytes(a, t, "signedTimestamp", &ep, true, &b->timestamps[i], err);
      if (rc < 0)
        return rc;
    }
  }
  return 0;
}

static int parse_content(struct adm_arena *a, const json_t *doc, struct adm__bundle *b, struct adm_error *err) {
  const json_t *msg, *dsse;
  struct adm__path p, dp;
  int rc;
  rc = adm__pj_object(doc, "messageSignature", NULL, false, &msg, err);
  if (rc >= 0)
    rc = adm__pj_object(doc, "dsseEnvelope", NULL, false, &dsse, err);
  if (rc < 0)
    return rc;
  if ((msg != NULL) == (dsse != NULL))
    return adm_fail(err, ADM_EINVAL, "$", "want exactly one of messageSignature, dsseEnvelope");
  if (msg) {
    const json_t *md;
    b->content = ADM__MESSAGE;
    adm__path_key(&p, NULL, "messageSignature");
    rc = adm__pj_object(msg, "messageDigest", &p, false, &md, err);
    if (rc >= 0)
      rc = adm__pj_bytes(a, msg, "signature", &p, true, &b->signature, err);
    if (rc < 0)
      return rc;
    if (md) {
      adm__path_key(&dp, &p, "messageDigest");
      rc = adm__pj_string(a, md, "algorithm", &dp, true, &b->digest_alg, err);
      if (rc >= 0)
        rc = adm__pj_bytes(a, md, "digest", &dp, true, &b->digest, err);
      if (rc < 0)
        return rc;
    }
    return 0;
  }
  const json_t *sigs;
  size_t n;
  b->content = ADM__DSSE;
  adm__path_key(&p, NULL, "dsseEnvelope");
  rc = adm__pj_bytes(a, dsse, "payload", &p, true, &b->payload, err);
  if (rc >= 0)
    rc = adm__pj_string(a, dsse, "payloadType", &p, true, &b->payload_type, err);
  if (rc >= 0)
    rc = adm__pj_array(dsse, "signatures", &p, true, &sigs, &n, err);
  if (rc < 0)
    return rc;
  adm__path_key(&dp, &p, "signatures");
  /* The bundle spec allows exactly one signature in the envelope. */
  if (n != 1)
    return adm_fail(err, ADM_EINVAL, dp.text, "want exactly one signature, not %zu", n);
  struct adm__path sp;
  adm__path_index(&sp, &dp, 0);
  const json_t *s = json_array_get(sigs, 0);
  if (!json_is_object(s))
    return adm_fail(err, ADM_ETYPE, sp.text, "want an object");
  return adm__pj_bytes(a, s, "sig", &sp, true, &b->signature, err);
}

int adm__bundle_parse(struct adm_arena *a, const char *json, size_t len, struct adm__bundle *b, struct adm_error *err) {
  memset(b, 0, sizeof *b);
  json_t *doc = adm__pj_load(json, len, ADM_SIGSTORE_MAX_BUNDLE, err);
  if (doc == NULL)
    return err ? err->code : ADM_EPARSE;
  const char *mt;
  const json_t *vm;
  int rc = adm__pj_string(a, doc, "mediaType", NULL, true, &mt, err);
  if (rc == 0) {
    for (size_t i = 0; i < sizeof media_types / sizeof *media_types; i++)
      if (strcmp(mt, media_types[i].media_type) == 0)
        b->minor = media_types[i].minor;
    if (b->minor == 0)
      rc = adm_fail(err, ADM_EUNSUPPORTED, "$.mediaType", "unknown bundle media type \"%.80s\"", mt);
  }
  if (rc == 0 && (rc = adm__pj_object(doc, "verificationMaterial", NULL, true, &vm, err)) == 0 &&
      (rc = parse_material(a, vm, b, err)) == 0)
    rc = parse_content(a, doc, b, err);
  json_decref(doc);
  if (rc == 0 && adm_arena_failure(a) != ADM_ARENA_OK)
    rc = adm_fail(err, ADM_ENOMEM, "$", "out of memory");
  return rc;
}
