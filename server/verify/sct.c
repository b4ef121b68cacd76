/* Signed certificate timestamps embedded in a Fulcio leaf (RFC 6962 §3.3,
 * extension 1.3.6.1.4.1.11129.2.4.2): the TLS-encoded SCT list is read by
 * hand, and each SCT's signature is checked over the precertificate entry
 * the CT log signed: the issuer's key hash and the leaf's TBSCertificate
 * with the SCT extension removed (rebuilt here from DER), plus the SCT's
 * own extensions (non-empty for static CT logs). Logs come only from the
 * trusted root's ctlogs, looked up by log id, and the SCT's time must fall
 * in the log's validFor. Counts what verified; decides nothing. */
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libtasn1.h>
#include <string.h>

#include "sigstore_internal.h"

#define SCT_OID "1.3.6.1.4.1.11129.2.4.2"
#define MAX_SCTS 16
static const unsigned char sct_oid_der[] = {0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02};

/* TLV header + contents into out at *n (bounded by cap). */
static int put(unsigned char *out, size_t cap, size_t *n, unsigned char tag, const unsigned char *val, size_t len) {
  unsigned char l[5];
  size_t ll = adm__der_len(len, l);
  if (*n + 1 + ll + len > cap)
    return ADM_ETOOBIG;
  out[(*n)++] = tag;
  memcpy(out + *n, l, ll);
  *n += ll;
  if (len)
    memmove(out + *n, val, len);
  *n += len;
  return 0;
}

/* The leaf's TBSCertificate without the SCT list extension, in a. */
static int precert_tbs(struct adm_arena *a, const struct adm__bytes *leaf, struct adm__bytes *out) {
  struct adm__der cert, tbs, el;
  if (adm__der_one(leaf->data, leaf->len, &cert) < 0)
    return ADM_EPARSE;
  const unsigned char *p = cert.val;
  if (adm__der_next(&p, cert.val + cert.len, &tbs) < 0 || tbs.tag != ASN1_TAG_SEQUENCE)
    return ADM_EPARSE;
  size_t cap = tbs.total;
  unsigned char *body = adm_arena_alloc(a, cap), *exts = adm_arena_alloc(a, cap), *res = adm_arena_alloc(a, cap);
  if (body == NULL || exts == NULL || res == NULL)
    return ADM_ENOMEM;
  size_t nb = 0, found = 0;
  p = tbs.val;
  while (p < tbs.val + tbs.len) {
    if (adm__der_next(&p, tbs.val + tbs.len, &el) < 0)
      return ADM_EPARSE;
    if (el.cls != ASN1_CLASS_CONTEXT_SPECIFIC || el.tag != 3) {
      memcpy(body + nb, el.start, el.total);
      nb += el.total;
      continue;
    }
    struct adm__der seq, ext;
    if (adm__der_one(el.val, el.len, &seq) < 0 || seq.tag != ASN1_TAG_SEQUENCE)
      return ADM_EPARSE;
    size_t ne = 0;
    const unsigned char *q = seq.val;
    while (q < seq.val + seq.len) {
      if (adm__der_next(&q, seq.val + seq.len, &ext) < 0)
        return ADM_EPARSE;
      if (ext.len >= sizeof sct_oid_der && memcmp(ext.val, sct_oid_der, sizeof sct_oid_der) == 0) {
        found++;
        continue;
      }
      memcpy(exts + ne, ext.start, ext.total);
      ne += ext.total;
    }
    /* Rebuild [3] { SEQUENCE { remaining extensions } } in place of the original. */
    size_t ns = 0;
    if (put(res, cap, &ns, 0x30, exts, ne) < 0)
      return ADM_EPARSE;
    if (put(body, cap, &nb, 0xa3, res, ns) < 0)
      return ADM_EPARSE;
  }
  if (found != 1)
    return ADM_EPARSE;
  size_t n = 0;
  if (put(res, cap, &n, 0x30, body, nb) < 0)
    return ADM_EPARSE;
  out->data = res;
  out->len = n;
  return 0;
}

static uint64_t be(const unsigned char *p, size_t n) {
  uint64_t x = 0;
  for (size_t i = 0; i < n; i++)
    x = (x << 8) | p[i];
  return x;
}

int adm__sct_verify(struct adm_arena *a, const struct adm__bytes *leaf, const struct adm__bytes *issuer,
                    const struct adm__tlog *ctlogs, size_t n_ctlogs, size_t *verified, struct adm_error *err) {
  *verified = 0;
  gnutls_x509_crt_t crt;
  if (gnutls_x509_crt_init(&crt) < 0)
    return adm_fail(err, ADM_ENOMEM, NULL, "out of memory");
  gnutls_datum_t d = {(unsigned char *)(uintptr_t)leaf->data, (unsigned)leaf->len}, ext = {NULL, 0};
  int rc = 0;
  if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) < 0)
    rc = adm_fail(err, ADM_EPARSE, NULL, "the leaf is not a DER X.509 certificate");
  else if (gnutls_x509_crt_get_extension_by_oid2(crt, SCT_OID, 0, &ext, NULL) < 0)
    rc = adm_fail(err, ADM_EMISSING, NULL, "the leaf has no embedded SCT");
  gnutls_x509_crt_deinit(crt);
  if (rc < 0)
    return rc;

  struct adm__bytes tbs, issuer_key;
  unsigned char key_hash[32];
  struct adm__der os;
  rc = precert_tbs(a, leaf, &tbs);
  if (rc >= 0)
    rc = adm__cert_spki(a, issuer, &issuer_key);
  if (rc < 0) {
    gnutls_free(ext.data);
    return adm_fail(err, rc, NULL, rc == ADM_ENOMEM ? "out of memory" : "cannot rebuild the precertificate");
  }
  gnutls_hash_fast(GNUTLS_DIG_SHA256, issuer_key.data, issuer_key.len, key_hash);
  if (adm__der_one(ext.data, ext.size, &os) < 0 || os.tag != ASN1_TAG_OCTET_STRING || os.len < 2 ||
      be(os.val, 2) != os.len - 2) {
    gnutls_free(ext.data);
    return adm_fail(err, ADM_EPARSE, NULL, "the SCT list is malformed");
  }
  const unsigned char *p = os.val + 2, *end = os.val + os.len;
  size_t count = 0;
  /* One buffer for the signed structure of each SCT. */
  size_t cap = 1 + 1 + 8 + 2 + 32 + 3 + tbs.len + 2 + 65536;
  unsigned char *signed_data = adm_arena_alloc(a, cap);
  if (signed_data == NULL) {
    gnutls_free(ext.data);
    return adm_fail(err, ADM_ENOMEM, NULL, "out of memory");
  }
  while (p < end && rc == 0) {
    if (end - p < 2 || (size_t)(end - p - 2) < be(p, 2) || ++count > MAX_SCTS) {
      rc = adm_fail(err, ADM_EPARSE, NULL, "the SCT list is malformed");
      break;
    }
    const unsigned char *s = p + 2, *se = s + be(p, 2);
    p = se;
    /* version(1) log_id(32) timestamp(8) extensions<2> hash(1) sig(1) signature<2> */
    if (se - s < 1 + 32 + 8 + 2 || s[0] != 0)
      continue;
    struct adm__bytes log_id = {s + 1, 32};
    uint64_t ts = be(s + 33, 8);
    size_t ext_len = (size_t)be(s + 41, 2);
    const unsigned char *e = s + 43;
    if ((size_t)(se - e) < ext_len + 4)
      continue;
    const unsigned char *sg = e + ext_len;
    size_t sig_len = (size_t)be(sg + 2, 2);
    if ((size_t)(se - sg - 4) != sig_len || sg[0] != 4 /* sha256 */)
      continue;
    const struct adm__tlog *log = adm__root_tlog(ctlogs, n_ctlogs, &log_id);
    if (log == NULL || !adm__range_contains(&log->valid, (int64_t)(ts / 1000)))
      continue;
    size_t n = 0;
    signed_data[n++] = 0; /* v1 */
    signed_data[n++] = 0; /* certificate_timestamp */
    memcpy(signed_data + n, s + 33, 8);
    n += 8;
    signed_data[n++] = 0;
    signed_data[n++] = 1; /* precert_entry */
    memcpy(signed_data + n, key_hash, 32);
    n += 32;
    signed_data[n++] = (unsigned char)(tbs.len >> 16);
    signed_data[n++] = (unsigned char)(tbs.len >> 8);
    signed_data[n++] = (unsigned char)tbs.len;
    memcpy(signed_data + n, tbs.data, tbs.len);
    n += tbs.len;
    signed_data[n++] = (unsigned char)(ext_len >> 8);
    signed_data[n++] = (unsigned char)ext_len;
    memcpy(signed_data + n, e, ext_len);
    n += ext_len;
    struct adm__bytes sig = {sg + 4, sig_len};
    if (adm__sig_verify(&log->key, signed_data, n, false, &sig) == 0)
      (*verified)++;
  }
  gnutls_free(ext.data);
  return rc;
}
