/* cosign signature checking (cosign.h): PEM public keys as GnuTLS objects,
 * and the verifier's checklist for each simple-signing layer of a
 * "sha256-<hex>.sig" manifest, in cosign's order: the payload is the blob
 * its descriptor names, the signature verifies over its exact bytes, and
 * the signed payload names this image. Owns no I/O: blobs come through the
 * caller's fetch callback, and every size and count is bounded before it
 * is read. A signature of another image is never accepted; anything that
 * cannot be checked is an outcome that is not VERIFIED. */
#include "cosign.h"

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admitd/image.h"
#include "admitd/jsonw.h"

#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 8192

static const char oci_manifest[] = "application/vnd.oci.image.manifest.v1+json";
static const char docker_manifest[] = "application/vnd.docker.distribution.manifest.v2+json";

struct adm_cosign_key {
  gnutls_pubkey_t pub;
  gnutls_sign_algorithm_t sign;
  const char *scheme;
};

/* --- keys ---------------------------------------------------------------- */

static size_t count_occurrences(const char *s, size_t n, const char *needle) {
  size_t count = 0, k = strlen(needle);
  for (const char *p = s; (p = memmem(p, n - (size_t)(p - s), needle, k)) != NULL; p += k)
    count++;
  return count;
}

/* The signing scheme of pub, or a negative code with err filled. */
static int choose_scheme(struct adm_cosign_key *k, unsigned flags, struct adm_error *err) {
  unsigned bits = 0;
  int pk = gnutls_pubkey_get_pk_algorithm(k->pub, &bits);
  bool pss = (flags & ADM_COSIGN_KEY_RSA_PSS) != 0;
  switch (pk) {
  case GNUTLS_PK_ECDSA: {
    gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
    if (gnutls_pubkey_export_ecc_raw2(k->pub, &curve, NULL, NULL, 0) < 0)
      return adm_fail(err, ADM_EPARSE, NULL, "cannot read the ECDSA key's curve");
    if (curve == GNUTLS_ECC_CURVE_SECP256R1)
      k->scheme = "ecdsa-p256-sha256";
    else if (curve == GNUTLS_ECC_CURVE_SECP384R1)
      k->scheme = "ecdsa-p384-sha256";
    else
      return adm_fail(err, ADM_EUNSUPPORTED, NULL, "ECDSA curve %s is not supported (P-256 or P-384)",
                      gnutls_ecc_curve_get_name(curve));
    k->sign = GNUTLS_SIGN_ECDSA_SHA256;
    break;
  }
  case GNUTLS_PK_RSA:
  case GNUTLS_PK_RSA_PSS:
    if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS)
      return adm_fail(err, ADM_EUNSUPPORTED, NULL, "RSA key of %u bits is not supported (%d to %d)", bits, RSA_MIN_BITS,
                      RSA_MAX_BITS);
    if (pk == GNUTLS_PK_RSA_PSS) {
      k->sign = GNUTLS_SIGN_RSA_PSS_SHA256;
      k->scheme = "rsa-pss-sha256";
    } else if (pss) {
      k->sign = GNUTLS_SIGN_RSA_PSS_RSAE_SHA256;
      k->scheme = "rsa-pss-sha256";
    } else {
      k->sign = GNUTLS_SIGN_RSA_SHA256;
      k->scheme = "rsa-pkcs1v15-sha256";
    }
    return 0;
  case GNUTLS_PK_EDDSA_ED25519:
    k->sign = GNUTLS_SIGN_EDDSA_ED25519;
    k->scheme = "ed25519";
    break;
  default:
    return adm_fail(err, ADM_EUNSUPPORTED, NULL, "%s keys are not supported (ECDSA, RSA or Ed25519)",
                    pk < 0 ? "unknown" : gnutls_pk_get_name((gnutls_pk_algorithm_t)pk));
  }
  if (pss)
    return adm_fail(err, ADM_EINVAL, NULL, "RSA-PSS was asked for a %s key", k->scheme);
  return 0;
}

int adm_cosign_key_new(struct adm_cosign_key **out, const char *pem, size_t len, unsigned flags,
                       struct adm_error *err) {
  *out = NULL;
  if (len > ADM_COSIGN_PEM_MAX)
    return adm_fail(err, ADM_ETOOBIG, NULL, "PEM key is longer than %d bytes", ADM_COSIGN_PEM_MAX);
  /* One key per PEM text: GnuTLS would read the first block and silently
   * ignore the rest. */
  if (count_occurrences(pem, len, "-----BEGIN ") != 1 || count_occurrences(pem, len, "-----BEGIN PUBLIC KEY-----") != 1)
    return adm_fail(err, ADM_EPARSE, NULL, "expected exactly one PEM \"PUBLIC KEY\" block");
  struct adm_cosign_key *k = calloc(1, sizeof *k);
  if (k == NULL || gnutls_pubkey_init(&k->pub) < 0) {
    free(k);
    return adm_fail(err, ADM_ENOMEM, NULL, "out of memory");
  }
  gnutls_datum_t d = {(unsigned char *)(uintptr_t)pem, (unsigned)len};
  int rc = gnutls_pubkey_import(k->pub, &d, GNUTLS_X509_FMT_PEM);
  if (rc < 0)
    rc = rc == GNUTLS_E_MEMORY_ERROR ? adm_fail(err, ADM_ENOMEM, NULL, "out of memory")
                                     : adm_fail(err, ADM_EPARSE, NULL, "not a PEM public key: %s", gnutls_strerror(rc));
  else
    rc = choose_scheme(k, flags, err);
  if (rc < 0) {
    adm_cosign_key_free(k);
    return rc;
  }
  *out = k;
  return 0;
}

bool adm_cosign_key_same(const struct adm_cosign_key *a, const struct adm_cosign_key *b) {
  gnutls_datum_t da = {NULL, 0}, db = {NULL, 0};
  bool same = gnutls_pubkey_export2(a->pub, GNUTLS_X509_FMT_DER, &da) == 0 &&
              gnutls_pubkey_export2(b->pub, GNUTLS_X509_FMT_DER, &db) == 0 && da.size == db.size &&
              memcmp(da.data, db.data, da.size) == 0;
  gnutls_free(da.data);
  gnutls_free(db.data);
  return same;
}

void adm_cosign_key_free(struct adm_cosign_key *key) {
  if (key == NULL)
    return;
  gnutls_pubkey_deinit(key->pub);
  free(key);
}

const char *adm_cosign_key_scheme(const struct adm_cosign_key *key) {
  return key->scheme;
}

const char *adm_cosign_outcome_name(enum adm_cosign_outcome outcome) {
  switch (outcome) {
  case ADM_COSIGN_VERIFIED:
    return "verified";
  case ADM_COSIGN_UNSIGNED:
    return "unsigned";
  case ADM_COSIGN_INVALID_SIGNATURE:
    return "invalid-signature";
  case ADM_COSIGN_DIGEST_MISMATCH:
    return "digest-mismatch";
  case ADM_COSIGN_MALFORMED:
    return "malformed";
  case ADM_COSIGN_FETCH_FAILED:
    return "fetch-failed";
  }
  return "unknown";
}

/* --- one verification ---------------------------------------------------- */

/* How one layer ended; NOMEM aborts the whole verification. */
enum layer_end { END_VERIFIED, END_INVALID, END_MISMATCH, END_MALFORMED, END_FETCH, END_NOMEM };

struct verify {
  const char *image_digest;
  struct adm_cosign_key *const *keys;
  size_t n_keys;
  adm_cosign_fetch_fn fetch;
  void *fetch_ctx;
  struct adm_cosign_limits lim;
  struct adm_cosign_result *res;
  unsigned char *buf; /* lim.max_payload bytes */
  /* The last blob fetched: cosign appends one layer per signer, often over
   * the same payload, which is then fetched once. */
  char cached[ADM_IMAGE_DIGEST_MAX + 1];
  size_t cached_len;
  int cached_rc;
  char why[200]; /* the current layer's failure */
};

__attribute__((format(printf, 3, 4))) static enum layer_end end(struct verify *v, enum layer_end e, const char *fmt,
                                                                ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(v->why, sizeof v->why, fmt, ap);
  va_end(ap);
  return e;
}

/* The member of obj whose key equals name ignoring case, as Go's
 * encoding/json (cosign) reads struct fields; NULL when there is none or
 * more than one (an ambiguous signed payload is refused, not guessed). */
static json_t *member(json_t *obj, const char *name, bool *ambiguous) {
  json_t *found = NULL;
  const char *key;
  json_t *value;
  if (!json_is_object(obj))
    return NULL;
  json_object_foreach(obj, key, value) {
    if (strcasecmp(key, name) != 0)
      continue;
    if (found != NULL) {
      *ambiguous = true;
      return NULL;
    }
    found = value;
  }
  return found;
}

static const char *member_string(json_t *obj, const char *name, bool *ambiguous) {
  return json_string_value(member(obj, name, ambiguous));
}

static bool base64_alphabet(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
              c == '=' || c == '\r' || c == '\n'; /* Go's StdEncoding skips line breaks, nothing else */
    if (!ok)
      return false;
  }
  return true;
}

static void sha256_digest(const unsigned char *data, size_t len, char out[ADM_IMAGE_DIGEST_MAX + 1]) {
  unsigned char sum[32];
  static const char hex[] = "0123456789abcdef";
  gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, sum);
  memcpy(out, "sha256:", 7);
  for (size_t i = 0; i < sizeof sum; i++) {
    out[7 + 2 * i] = hex[sum[i] >> 4];
    out[8 + 2 * i] = hex[sum[i] & 15];
  }
  out[ADM_IMAGE_DIGEST_MAX] = '\0';
}

/* Fetch (or reuse) the payload named by digest; 0 or the fetch's code. */
static int fetch_payload(struct verify *v, const char *digest, size_t *len) {
  if (strcmp(v->cached, digest) != 0) {
    size_t n = 0;
    int rc = v->fetch(v->fetch_ctx, digest, v->buf, v->lim.max_payload, &n);
    if (rc == 0 && n > v->lim.max_payload)
      rc = ADM_ETOOBIG; /* a fetcher that wrote past cap would be a bug; refuse its bytes */
    snprintf(v->cached, sizeof v->cached, "%s", digest);
    v->cached_len = n;
    v->cached_rc = rc;
  }
  *len = v->cached_len;
  return v->cached_rc;
}

/* Which keys verify sig over data, as bits in *keys; false when GnuTLS ran
 * out of memory. */
static bool verifying_keys(struct verify *v, const gnutls_datum_t *data, const gnutls_datum_t *sig, uint64_t *keys) {
  *keys = 0;
  for (size_t i = 0; i < v->n_keys; i++) {
    int rc = gnutls_pubkey_verify_data2(v->keys[i]->pub, v->keys[i]->sign, 0, data, sig);
    if (rc == GNUTLS_E_MEMORY_ERROR)
      return false;
    if (rc >= 0)
      *keys |= (uint64_t)1 << i;
  }
  return true;
}

/* The signed payload names this image: critical.type and
 * critical.image.docker-manifest-digest. */
static enum layer_end check_claims(struct verify *v, const unsigned char *payload, size_t len) {
  json_error_t jerr;
  json_t *root = json_loadb((const char *)payload, len, JSON_REJECT_DUPLICATES, &jerr);
  if (root == NULL)
    return json_error_code(&jerr) == json_error_out_of_memory
               ? END_NOMEM
               : end(v, END_MALFORMED, "signed payload is not JSON: %s", jerr.text);
  bool ambiguous = false;
  json_t *critical = member(root, "critical", &ambiguous);
  const char *type = member_string(critical, "type", &ambiguous);
  const char *digest = member_string(member(critical, "image", &ambiguous), "docker-manifest-digest", &ambiguous);
  enum layer_end e;
  if (ambiguous)
    e = end(v, END_MALFORMED, "signed payload repeats a key in different case");
  else if (type == NULL || strcmp(type, ADM_COSIGN_SIGNATURE_TYPE) != 0)
    e = end(v, END_MALFORMED, "signed payload's critical.type is not \"%s\"", ADM_COSIGN_SIGNATURE_TYPE);
  else if (digest == NULL)
    e = end(v, END_MALFORMED, "signed payload has no critical.image.docker-manifest-digest");
  else if (strcmp(digest, v->image_digest) != 0)
    e = end(v, END_MISMATCH, "payload is signed for %.80s, not %s", digest, v->image_digest);
  else
    e = END_VERIFIED;
  json_decref(root);
  return e;
}

/* The checklist for one simple-signing layer; *keys gets the keys that
 * verified it when it ends VERIFIED. */
static enum layer_end check_layer(struct verify *v, json_t *layer, uint64_t *keys) {
  const char *digest = json_string_value(json_object_get(layer, "digest"));
  json_t *size = json_object_get(layer, "size");
  const char *b64 =
      json_string_value(json_object_get(json_object_get(layer, "annotations"), ADM_COSIGN_SIGNATURE_ANNOTATION));
  const char *why;
  if (digest == NULL || adm_image_digest_check(digest, &why) < 0)
    return end(v, END_MALFORMED, "descriptor digest is not a sha256 digest");
  if (!json_is_integer(size) || json_integer_value(size) < 0)
    return end(v, END_MALFORMED, "descriptor size is not a non-negative integer");
  if ((uint64_t)json_integer_value(size) > v->lim.max_payload)
    return end(v, END_MALFORMED, "payload of %lld bytes is over the %zu-byte limit", json_integer_value(size),
               v->lim.max_payload);
  if (b64 == NULL)
    return end(v, END_MALFORMED, "no %s annotation", ADM_COSIGN_SIGNATURE_ANNOTATION);
  size_t b64_len = strlen(b64);
  if (b64_len > v->lim.max_signature)
    return end(v, END_MALFORMED, "signature annotation is over the %zu-character limit", v->lim.max_signature);
  if (b64_len == 0 || !base64_alphabet(b64, b64_len))
    return end(v, END_MALFORMED, "signature annotation is not base64");

  size_t len = 0;
  int rc = fetch_payload(v, digest, &len);
  if (rc == ADM_ETOOBIG)
    return end(v, END_INVALID, "payload %s is larger than its descriptor says", digest);
  if (rc < 0) {
    if (v->res->fetch_error == 0)
      v->res->fetch_error = rc;
    return end(v, END_FETCH, "cannot fetch payload %s: %s", digest, adm_strerror(rc));
  }
  char got[ADM_IMAGE_DIGEST_MAX + 1];
  sha256_digest(v->buf, len, got);
  if (strcmp(got, digest) != 0)
    return end(v, END_INVALID, "payload hashes to %s, not its descriptor's %s", got, digest);
  if ((uint64_t)len != (uint64_t)json_integer_value(size))
    return end(v, END_INVALID, "payload is %zu bytes, its descriptor says %lld", len, json_integer_value(size));

  gnutls_datum_t in = {(unsigned char *)(uintptr_t)b64, (unsigned)b64_len}, sig = {NULL, 0};
  rc = gnutls_base64_decode2(&in, &sig);
  if (rc == GNUTLS_E_MEMORY_ERROR)
    return END_NOMEM;
  if (rc < 0 || sig.size == 0) {
    gnutls_free(sig.data);
    return end(v, END_MALFORMED, "signature annotation is not base64");
  }
  gnutls_datum_t data = {v->buf, (unsigned)len};
  uint64_t verified;
  bool ok = verifying_keys(v, &data, &sig, &verified);
  gnutls_free(sig.data);
  if (!ok)
    return END_NOMEM;
  if (verified == 0)
    return end(v, END_INVALID, "no key verifies the signature over payload %s", digest);
  enum layer_end e = check_claims(v, v->buf, len);
  if (e == END_VERIFIED)
    *keys = verified;
  return e;
}

/* The manifest's own shape; NULL with v->why set when it is not a
 * signature manifest. */
static json_t *manifest_layers(struct verify *v, json_t *root) {
  json_t *version = json_object_get(root, "schemaVersion"), *media = json_object_get(root, "mediaType");
  json_t *layers = json_object_get(root, "layers");
  if (!json_is_object(root))
    end(v, END_MALFORMED, "signature manifest is not a JSON object");
  else if (!json_is_integer(version) || json_integer_value(version) != 2)
    end(v, END_MALFORMED, "signature manifest's schemaVersion is not 2");
  else if (media != NULL && (!json_is_string(media) || (strcmp(json_string_value(media), oci_manifest) != 0 &&
                                                        strcmp(json_string_value(media), docker_manifest) != 0)))
    end(v, END_MALFORMED, "signature manifest's mediaType is not an OCI or Docker v2 image manifest");
  else if (!json_is_array(layers))
    end(v, END_MALFORMED, "signature manifest has no layers array");
  else if (json_array_size(layers) > v->lim.max_layers)
    end(v, END_MALFORMED, "signature manifest has %zu layers, more than %zu", json_array_size(layers),
        v->lim.max_layers);
  else
    return layers;
  return NULL;
}

static void first_failure(struct verify *v, size_t index) {
  if (v->res->detail[0] == '\0')
    snprintf(v->res->detail, sizeof v->res->detail, "layers[%zu]: %s", index, v->why);
}

static void settle(struct adm_cosign_result *res) {
  if (res->keys != 0)
    res->outcome = ADM_COSIGN_VERIFIED;
  else if (res->layers == 0)
    res->outcome = ADM_COSIGN_UNSIGNED;
  else if (res->fetch_failed)
    res->outcome = ADM_COSIGN_FETCH_FAILED;
  else if (res->mismatched)
    res->outcome = ADM_COSIGN_DIGEST_MISMATCH;
  else if (res->invalid)
    res->outcome = ADM_COSIGN_INVALID_SIGNATURE;
  else
    res->outcome = ADM_COSIGN_MALFORMED;
}

static int check_manifest(struct verify *v, const char *manifest, size_t manifest_len) {
  struct adm_cosign_result *res = v->res;
  if (manifest_len > v->lim.max_manifest) {
    res->outcome = ADM_COSIGN_MALFORMED;
    snprintf(res->detail, sizeof res->detail, "signature manifest is over the %zu-byte limit", v->lim.max_manifest);
    return 0;
  }
  /* A parsed tree costs up to ~100 bytes per value: a dense "[{},{},...]"
   * of 256 KiB would be 20 MB. A signature manifest has a few dozen values
   * a layer, so count them before paying for the parse. */
  if (adm_json_values_exceed(manifest, manifest_len, v->lim.max_values)) {
    res->outcome = ADM_COSIGN_MALFORMED;
    snprintf(res->detail, sizeof res->detail, "signature manifest has more than %zu JSON values", v->lim.max_values);
    return 0;
  }
  json_error_t jerr;
  json_t *root = json_loadb(manifest, manifest_len, JSON_REJECT_DUPLICATES, &jerr);
  if (root == NULL) {
    if (json_error_code(&jerr) == json_error_out_of_memory)
      return ADM_ENOMEM;
    res->outcome = ADM_COSIGN_MALFORMED;
    snprintf(res->detail, sizeof res->detail, "signature manifest is not JSON: %s", jerr.text);
    return 0;
  }
  json_t *layers = manifest_layers(v, root), *layer;
  size_t i;
  int rc = 0;
  json_array_foreach(layers, i, layer) {
    json_t *media = json_object_get(layer, "mediaType");
    if (!json_is_object(layer) || !json_is_string(media)) {
      end(v, END_MALFORMED, "layers[%zu] is not a descriptor with a mediaType", i);
      layers = NULL;
      break;
    }
    if (strcmp(json_string_value(media), ADM_COSIGN_SIMPLESIGNING) != 0)
      continue; /* cosign skips what it does not know */
    res->layers++;
    uint64_t keys = 0;
    switch (check_layer(v, layer, &keys)) {
    case END_VERIFIED:
      res->verified++;
      res->keys |= keys;
      continue;
    case END_INVALID:
      res->invalid++;
      break;
    case END_MISMATCH:
      res->mismatched++;
      break;
    case END_MALFORMED:
      res->malformed++;
      break;
    case END_FETCH:
      res->fetch_failed++;
      break;
    case END_NOMEM:
      rc = ADM_ENOMEM;
      break;
    }
    if (rc < 0)
      break;
    first_failure(v, i);
  }
  json_decref(root);
  if (rc < 0)
    return rc;
  if (layers == NULL) {
    /* The manifest as a whole is not one: no layer's verdict stands. */
    memset(res, 0, sizeof *res);
    res->outcome = ADM_COSIGN_MALFORMED;
    snprintf(res->detail, sizeof res->detail, "%s", v->why);
    return 0;
  }
  settle(res);
  return 0;
}

static size_t or_default(size_t value, size_t fallback) {
  return value ? value : fallback;
}

int adm_cosign_verify(const char *manifest, size_t manifest_len, const char *image_digest,
                      struct adm_cosign_key *const *keys, size_t n_keys, adm_cosign_fetch_fn fetch, void *fetch_ctx,
                      const struct adm_cosign_limits *limits, struct adm_cosign_result *res) {
  memset(res, 0, sizeof *res);
  res->outcome = ADM_COSIGN_MALFORMED; /* what an error return leaves: never VERIFIED */
  const char *why;
  if (n_keys == 0 || n_keys > ADM_COSIGN_MAX_KEYS || fetch == NULL || manifest == NULL || image_digest == NULL ||
      adm_image_digest_check(image_digest, &why) < 0)
    return ADM_EINVAL;
  for (size_t i = 0; i < n_keys; i++)
    if (keys[i] == NULL)
      return ADM_EINVAL;
  struct adm_cosign_limits none = {0};
  if (limits == NULL)
    limits = &none;
  struct verify v = {
      .image_digest = image_digest,
      .keys = keys,
      .n_keys = n_keys,
      .fetch = fetch,
      .fetch_ctx = fetch_ctx,
      .lim =
          {
              .max_manifest = or_default(limits->max_manifest, 256u << 10),
              .max_values = or_default(limits->max_values, 1024),
              .max_layers = or_default(limits->max_layers, 64),
              .max_payload = or_default(limits->max_payload, 64u << 10),
              .max_signature = or_default(limits->max_signature, 4096),
          },
      .res = res,
  };
  v.buf = malloc(v.lim.max_payload);
  if (v.buf == NULL)
    return ADM_ENOMEM;
  int rc = check_manifest(&v, manifest, manifest_len);
  free(v.buf);
  if (rc < 0) {
    memset(res, 0, sizeof *res);
    res->outcome = ADM_COSIGN_MALFORMED;
  }
  return rc;
}
