/* RFC 3161 timestamps of a bundle (a TimeStampResp, or the token alone: a
 * CMS SignedData whose content is a TSTInfo). The CMS signature is checked
 * by GnuTLS against the signing certificate of each timestamp authority of
 * the trusted root in turn, so certificates embedded in the token are never
 * trusted; that authority's chain must be valid at genTime and its validFor
 * must contain genTime. The TSTInfo is read here with DER walking: its
 * messageImprint must be the hash of the bundle's signature bytes. Returns
 * genTime; decides nothing about the artifact. */
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/pkcs7.h>
#include <gnutls/x509.h>
#include <libtasn1.h>
#include <string.h>

#include "sigstore_internal.h"

#define TSTINFO_OID "1.2.840.113549.1.9.16.1.4"
#define EKU_TIMESTAMPING "1.3.6.1.5.5.7.3.8"

static const struct {
  unsigned char oid[11];
  gnutls_digest_algorithm_t dig;
} imprint_algs[] = {
    {{0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01}, GNUTLS_DIG_SHA256},
    {{0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02}, GNUTLS_DIG_SHA384},
    {{0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03}, GNUTLS_DIG_SHA512},
};

/* The ContentInfo of a TimeStampResp, or of a bare token. */
static int content_info(const struct adm__bytes *in, struct adm__der *ci) {
  struct adm__der outer, first;
  if (adm__der_one(in->data, in->len, &outer) < 0 || outer.tag != ASN1_TAG_SEQUENCE)
    return ADM_EPARSE;
  const unsigned char *p = outer.val, *end = outer.val + outer.len;
  if (adm__der_next(&p, end, &first) < 0)
    return ADM_EPARSE;
  if (first.tag == ASN1_TAG_OBJECT_ID) {
    *ci = outer;
    return 0;
  }
  /* PKIStatusInfo { status INTEGER: 0 granted, 1 granted with modifications, ... } */
  struct adm__der status;
  const unsigned char *q = first.val;
  if (first.tag != ASN1_TAG_SEQUENCE || adm__der_next(&q, first.val + first.len, &status) < 0 ||
      status.tag != ASN1_TAG_INTEGER || status.len != 1 || status.val[0] > 1)
    return ADM_EINVAL;
  if (adm__der_next(&p, end, ci) < 0 || ci->tag != ASN1_TAG_SEQUENCE)
    return ADM_EPARSE;
  return 0;
}

/* messageImprint and genTime of a TSTInfo. */
static int tst_info(const gnutls_datum_t *tst, const struct adm__bytes *sig, int64_t *gen_time) {
  struct adm__der info, el, alg, alg_oid, hashed;
  if (adm__der_one(tst->data, tst->size, &info) < 0 || info.tag != ASN1_TAG_SEQUENCE)
    return ADM_EPARSE;
  const unsigned char *p = info.val, *end = info.val + info.len;
  /* version, policy, messageImprint, serialNumber, genTime */
  if (adm__der_next(&p, end, &el) < 0 || el.tag != ASN1_TAG_INTEGER || adm__der_next(&p, end, &el) < 0 ||
      el.tag != ASN1_TAG_OBJECT_ID || adm__der_next(&p, end, &el) < 0 || el.tag != ASN1_TAG_SEQUENCE)
    return ADM_EPARSE;
  const unsigned char *q = el.val, *qe = el.val + el.len;
  if (adm__der_next(&q, qe, &alg) < 0 || alg.tag != ASN1_TAG_SEQUENCE || adm__der_next(&q, qe, &hashed) < 0 ||
      hashed.tag != ASN1_TAG_OCTET_STRING)
    return ADM_EPARSE;
  const unsigned char *r = alg.val;
  if (adm__der_next(&r, alg.val + alg.len, &alg_oid) < 0 || alg_oid.tag != ASN1_TAG_OBJECT_ID)
    return ADM_EPARSE;
  gnutls_digest_algorithm_t dig = GNUTLS_DIG_UNKNOWN;
  for (size_t i = 0; i < sizeof imprint_algs / sizeof *imprint_algs; i++)
    if (alg_oid.total == sizeof imprint_algs[i].oid && memcmp(alg_oid.start, imprint_algs[i].oid, alg_oid.total) == 0)
      dig = imprint_algs[i].dig;
  if (dig == GNUTLS_DIG_UNKNOWN)
    return ADM_EUNSUPPORTED;
  unsigned char sum[64];
  gnutls_hash_fast(dig, sig->data, sig->len, sum);
  if (hashed.len != (size_t)gnutls_hash_get_len(dig) || memcmp(hashed.val, sum, hashed.len) != 0)
    return ADM_EINVAL;
  if (adm__der_next(&p, end, &el) < 0 || el.tag != ASN1_TAG_INTEGER || adm__der_next(&p, end, &el) < 0)
    return ADM_EPARSE;
  return adm__der_time(&el, gen_time);
}

/* 0 when ca's signing certificate signed p7 and its chain holds at t. */
static int try_tsa(gnutls_pkcs7_t p7, const struct adm__ca *ca, int64_t t, struct adm_error *err) {
  /* The signer is judged at genTime below, not at GnuTLS's "now": an
   * expired TSA certificate still vouches for times inside its validity. */
  const unsigned no_clock = GNUTLS_VERIFY_DISABLE_TIME_CHECKS | GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS;
  gnutls_x509_crt_t signer;
  if (gnutls_x509_crt_init(&signer) < 0)
    return adm_fail(err, ADM_ENOMEM, NULL, "out of memory");
  gnutls_datum_t d = {(unsigned char *)(uintptr_t)ca->certs[0].data, (unsigned)ca->certs[0].len};
  int rc = gnutls_x509_crt_import(signer, &d, GNUTLS_X509_FMT_DER) < 0 ? ADM_EPARSE : 0;
  if (rc == 0 && gnutls_pkcs7_verify_direct(p7, signer, 0, NULL, no_clock) < 0)
    rc = ADM_EMISSING;
  gnutls_x509_crt_deinit(signer);
  if (rc < 0)
    return adm_fail(err, rc, NULL, "not signed by this authority");
  if (!adm__range_contains(&ca->valid, t))
    return adm_fail(err, ADM_EINVAL, NULL, "genTime %lld outside the timestamp authority's validFor", (long long)t);
  if (ca->n_certs == 1) {
    int64_t nb, na;
    if (adm__cert_validity(&ca->certs[0], &nb, &na) < 0 || t < nb || t > na)
      return adm_fail(err, ADM_EINVAL, NULL, "genTime outside the timestamp authority certificate's validity");
    return 0;
  }
  struct adm__ca upper = {ca->uri, ca->certs + 1, ca->n_certs - 1, ca->valid};
  struct adm_error why = {0};
  if (adm__chain_verify(&ca->certs[0], &upper, 1, t, EKU_TIMESTAMPING, NULL, &why) < 0)
    return adm_fail(err, ADM_EINVAL, NULL, "timestamp authority chain at genTime: %s", why.message);
  return 0;
}

int adm__tsa_verify(const struct adm__bytes *token, const struct adm__bytes *sig, const struct adm_trusted_root *root,
                    int64_t *time, struct adm_error *err) {
  struct adm__der ci;
  int rc = content_info(token, &ci);
  if (rc < 0)
    return adm_fail(err, ADM_EPARSE, NULL, "not an RFC 3161 timestamp response or token");
  gnutls_pkcs7_t p7;
  if (gnutls_pkcs7_init(&p7) < 0)
    return adm_fail(err, ADM_ENOMEM, NULL, "out of memory");
  gnutls_datum_t d = {(unsigned char *)(uintptr_t)ci.start, (unsigned)ci.total}, tst = {NULL, 0};
  const char *oid;
  if (gnutls_pkcs7_import(p7, &d, GNUTLS_X509_FMT_DER) < 0 || (oid = gnutls_pkcs7_get_embedded_data_oid(p7)) == NULL ||
      strcmp(oid, TSTINFO_OID) != 0 || gnutls_pkcs7_get_embedded_data(p7, 0, &tst) < 0) {
    gnutls_pkcs7_deinit(p7);
    return adm_fail(err, ADM_EPARSE, NULL, "not a CMS SignedData over a TSTInfo");
  }
  rc = tst_info(&tst, sig, time);
  gnutls_free(tst.data);
  if (rc < 0) {
    gnutls_pkcs7_deinit(p7);
    return adm_fail(err, rc, NULL,
                    rc == ADM_EINVAL ? "messageImprint is not the hash of the signature" : "malformed TSTInfo");
  }
  struct adm_error last = {0};
  snprintf(last.message, sizeof last.message, "no timestamp authority in the trusted root signed it");
  rc = ADM_EMISSING;
  for (size_t i = 0; i < root->n_tsas && rc < 0; i++) {
    struct adm_error e = {0};
    rc = try_tsa(p7, &root->tsas[i], *time, &e);
    if (rc < 0 && rc != ADM_EMISSING)
      last = e;
    if (rc < 0 && rc != ADM_EMISSING)
      break; /* this authority signed it, and something else is wrong */
  }
  gnutls_pkcs7_deinit(p7);
  return rc == 0 ? 0 : adm_fail(err, rc, NULL, "%s", last.message);
}
