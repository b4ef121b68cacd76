/* Signatures under keys given as DER SubjectPublicKeyInfo (trusted-root log
 * keys, certificate keys, a policy's key), through GnuTLS. The hash follows
 * the key as Sigstore's algorithm registry pairs them; nothing else is
 * chosen by the input. Owns no key: each call imports and releases its own
 * GnuTLS object, so keys live in arenas as plain bytes. */
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>

#include "sigstore_internal.h"

static int import(gnutls_pubkey_t *pub, const struct adm__bytes *spki) {
  if (spki->len == 0 || spki->len > 16384 || gnutls_pubkey_init(pub) < 0)
    return ADM_EINVAL;
  gnutls_datum_t d = {(unsigned char *)(uintptr_t)spki->data, (unsigned)spki->len};
  if (gnutls_pubkey_import(*pub, &d, GNUTLS_X509_FMT_DER) < 0) {
    gnutls_pubkey_deinit(*pub);
    return ADM_EPARSE;
  }
  return 0;
}

/* The signature algorithm for this key, and whether it may be prehashed. */
static int scheme(gnutls_pubkey_t pub, gnutls_sign_algorithm_t *sign, gnutls_digest_algorithm_t *dig) {
  unsigned bits = 0;
  int pk = gnutls_pubkey_get_pk_algorithm(pub, &bits);
  switch (pk) {
  case GNUTLS_PK_ECDSA: {
    gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
    if (gnutls_pubkey_export_ecc_raw2(pub, &curve, NULL, NULL, 0) < 0)
      return ADM_EPARSE;
    if (curve == GNUTLS_ECC_CURVE_SECP256R1) {
      *sign = GNUTLS_SIGN_ECDSA_SHA256;
      *dig = GNUTLS_DIG_SHA256;
    } else if (curve == GNUTLS_ECC_CURVE_SECP384R1) {
      *sign = GNUTLS_SIGN_ECDSA_SHA384;
      *dig = GNUTLS_DIG_SHA384;
    } else if (curve == GNUTLS_ECC_CURVE_SECP521R1) {
      *sign = GNUTLS_SIGN_ECDSA_SHA512;
      *dig = GNUTLS_DIG_SHA512;
    } else {
      return ADM_EUNSUPPORTED;
    }
    return 0;
  }
  case GNUTLS_PK_RSA:
    if (bits < 2048)
      return ADM_EUNSUPPORTED;
    *sign = GNUTLS_SIGN_RSA_SHA256;
    *dig = GNUTLS_DIG_SHA256;
    return 0;
  case GNUTLS_PK_EDDSA_ED25519:
    *sign = GNUTLS_SIGN_EDDSA_ED25519;
    *dig = GNUTLS_DIG_UNKNOWN;
    return 0;
  default:
    return ADM_EUNSUPPORTED;
  }
}

int adm__sig_verify(const struct adm__bytes *spki, const unsigned char *data, size_t len, bool prehashed,
                    const struct adm__bytes *sig) {
  gnutls_pubkey_t pub;
  if (sig->len == 0 || sig->len > 8192)
    return ADM_EINVAL;
  int rc = import(&pub, spki);
  if (rc < 0)
    return rc;
  gnutls_sign_algorithm_t sign;
  gnutls_digest_algorithm_t dig;
  rc = scheme(pub, &sign, &dig);
  gnutls_datum_t d = {(unsigned char *)(uintptr_t)data, (unsigned)len};
  gnutls_datum_t s = {(unsigned char *)(uintptr_t)sig->data, (unsigned)sig->len};
  if (rc == 0 && prehashed) {
    /* Only the digest is known: it must be the one this key signs with. */
    if (dig == GNUTLS_DIG_UNKNOWN || len != (size_t)gnutls_hash_get_len(dig))
      rc = ADM_EUNSUPPORTED;
    else if (gnutls_pubkey_verify_hash2(pub, sign, 0, &d, &s) < 0)
      rc = ADM_EINVAL;
  } else if (rc == 0 && gnutls_pubkey_verify_data2(pub, sign, 0, &d, &s) < 0) {
    rc = ADM_EINVAL;
  }
  gnutls_pubkey_deinit(pub);
  return rc;
}

bool adm__spki_ed25519(const struct adm__bytes *spki, unsigned char raw[32]) {
  gnutls_pubkey_t pub;
  if (import(&pub, spki) < 0)
    return false;
  bool ok = false;
  if (gnutls_pubkey_get_pk_algorithm(pub, NULL) == GNUTLS_PK_EDDSA_ED25519) {
    gnutls_datum_t x = {NULL, 0};
    gnutls_ecc_curve_t curve;
    if (gnutls_pubkey_export_ecc_raw2(pub, &curve, &x, NULL, 0) == 0 && x.size == 32) {
      memcpy(raw, x.data, 32);
      ok = true;
    }
    gnutls_free(x.data);
  }
  gnutls_pubkey_deinit(pub);
  return ok;
}

int adm__cert_spki(struct adm_arena *a, const struct adm__bytes *cert, struct adm__bytes *out) {
  gnutls_x509_crt_t crt;
  gnutls_pubkey_t pub;
  if (gnutls_x509_crt_init(&crt) < 0)
    return ADM_ENOMEM;
  gnutls_datum_t d = {(unsigned char *)(uintptr_t)cert->data, (unsigned)cert->len};
  int rc = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) < 0 ? ADM_EPARSE : 0;
  if (rc == 0 && gnutls_pubkey_init(&pub) == 0) {
    gnutls_datum_t der = {NULL, 0};
    if (gnutls_pubkey_import_x509(pub, crt, 0) < 0 || gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der) < 0) {
      rc = ADM_EPARSE;
    } else {
      unsigned char *copy = adm_arena_alloc(a, der.size);
      if (copy == NULL) {
        rc = ADM_ENOMEM;
      } else {
        memcpy(copy, der.data, der.size);
        out->data = copy;
        out->len = der.size;
      }
    }
    gnutls_free(der.data);
    gnutls_pubkey_deinit(pub);
  } else if (rc == 0) {
    rc = ADM_ENOMEM;
  }
  gnutls_x509_crt_deinit(crt);
  return rc;
}

int adm_sigstore_key_parse(struct adm_arena *a, const char *pem, size_t len, struct adm_sigstore_key **out,
                           struct adm_error *err) {
  *out = NULL;
  if (len > 16384)
    return adm_fail(err, ADM_ETOOBIG, NULL, "key longer than 16384 bytes");
  gnutls_pubkey_t pub;
  if (gnutls_pubkey_init(&pub) < 0)
    return adm_fail(err, ADM_ENOMEM, NULL, "out of memory");
  gnutls_datum_t d = {(unsigned char *)(uintptr_t)pem, (unsigned)len}, der = {NULL, 0};
  gnutls_sign_algorithm_t sign;
  gnutls_digest_algorithm_t dig;
  int rc = 0;
  if (gnutls_pubkey_import(pub, &d, GNUTLS_X509_FMT_PEM) < 0)
    rc = adm_fail(err, ADM_EPARSE, NULL, "not a PEM public key");
  else if (scheme(pub, &sign, &dig) < 0)
    rc = adm_fail(err, ADM_EUNSUPPORTED, NULL, "key type not supported (ECDSA P-256/384/521, RSA >= 2048, Ed25519)");
  else if (gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der) < 0)
    rc = adm_fail(err, ADM_EPARSE, NULL, "cannot export the key");
  if (rc == 0) {
    struct adm_sigstore_key *k = adm_arena_calloc(a, 1, sizeof *k);
    unsigned char *copy = adm_arena_alloc(a, der.size);
    if (k == NULL || copy == NULL) {
      rc = adm_fail(err, ADM_ENOMEM, NULL, "out of memory");
    } else {
      memcpy(copy, der.data, der.size);
      k->spki.data = copy;
      k->spki.len = der.size;
      *out = k;
    }
  }
  gnutls_free(der.data);
  gnutls_pubkey_deinit(pub);
  return rc;
}
