/* Walking DER one TLV at a time, for the structures GnuTLS does not take
 * apart for admitd: a certificate's TBSCertificate and extensions (the SCT
 * check), an RFC 3161 TSTInfo and TimeStampResp. Tags and lengths are read
 * by libtasn1; this file only bounds them and never decodes a value it was
 * not asked for. It knows no structure: callers walk. */
#include <libtasn1.h>
#include <string.h>
#include <time.h>

#include "sigstore_internal.h"

int adm__der_next(const unsigned char **p, const unsigned char *end, struct adm__der *out) {
  if (*p >= end)
    return ADM_EPARSE;
  size_t avail = (size_t)(end - *p);
  if (avail > (size_t)1 << 30)
    return ADM_ETOOBIG;
  unsigned char cls;
  int tag_len;
  unsigned long tag;
  if (asn1_get_tag_der(*p, (int)avail, &cls, &tag_len, &tag) != ASN1_SUCCESS)
    return ADM_EPARSE;
  int len_len;
  long len = asn1_get_length_der(*p + tag_len, (int)avail - tag_len, &len_len);
  /* Negative: indefinite (BER) or past the buffer; DER has neither. */
  if (len < 0 || (size_t)tag_len + (size_t)len_len + (size_t)len > avail)
    return ADM_EPARSE;
  out->cls = cls & (ASN1_CLASS_UNIVERSAL | ASN1_CLASS_APPLICATION | ASN1_CLASS_CONTEXT_SPECIFIC | ASN1_CLASS_PRIVATE);
  out->constructed = (cls & ASN1_CLASS_STRUCTURED) != 0;
  out->tag = tag;
  out->start = *p;
  out->val = *p + tag_len + len_len;
  out->len = (size_t)len;
  out->total = (size_t)tag_len + (size_t)len_len + (size_t)len;
  *p += out->total;
  return 0;
}

int adm__der_one(const unsigned char *buf, size_t len, struct adm__der *out) {
  const unsigned char *p = buf;
  int rc = adm__der_next(&p, buf + len, out);
  if (rc == 0 && p != buf + len)
    return ADM_EPARSE;
  return rc;
}

size_t adm__der_len(size_t len, unsigned char out[5]) {
  int n = 5;
  asn1_length_der((unsigned long)len, out, &n);
  return (size_t)n;
}

static bool two(const unsigned char *s, int *out) {
  if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
    return false;
  *out = (s[0] - '0') * 10 + (s[1] - '0');
  return true;
}

int adm__der_time(const struct adm__der *t, int64_t *out) {
  const unsigned char *s = t->val;
  size_t n = t->len;
  int c = 0, y, M, D, h, m, sec;
  if (t->cls != ASN1_CLASS_UNIVERSAL)
    return ADM_EPARSE;
  if (t->tag == ASN1_TAG_GENERALIZEDTime && n >= 15) {
    if (!two(s, &c) || !two(s + 2, &y))
      return ADM_EPARSE;
    y += c * 100;
    s += 4;
    n -= 4;
  } else if (t->tag == ASN1_TAG_UTCTime && n >= 13) {
    if (!two(s, &y))
      return ADM_EPARSE;
    y += y < 50 ? 2000 : 1900;
    s += 2;
    n -= 2;
  } else {
    return ADM_EPARSE;
  }
  if (!two(s, &M) || !two(s + 2, &D) || !two(s + 4, &h) || !two(s + 6, &m) || !two(s + 8, &sec))
    return ADM_EPARSE;
  s += 10;
  n -= 10;
  /* Fractions of a second (RFC 3161 allows them) are dropped: times are compared in seconds. */
  if (n > 0 && *s == '.' && t->tag == ASN1_TAG_GENERALIZEDTime) {
    s++;
    n--;
    while (n > 0 && *s >= '0' && *s <= '9') {
      s++;
      n--;
    }
  }
  if (n != 1 || *s != 'Z' || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
    return ADM_EPARSE;
  struct tm tm = {.tm_year = y - 1900, .tm_mon = M - 1, .tm_mday = D, .tm_hour = h, .tm_min = m, .tm_sec = sec};
  *out = (int64_t)timegm(&tm);
  return 0;
}
