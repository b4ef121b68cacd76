/* server/verify/der.c: TLV walking bounded by the buffer (short, long,
 * indefinite and overlong lengths refused), trailing bytes, length
 * encoding, and GeneralizedTime/UTCTime. */
#include "sigstore_fixtures.h"

#include <libtasn1.h>

static void walk(void **state) {
  (void)state;
  /* SEQUENCE { INTEGER 5, OCTET STRING "ab" } */
  static const unsigned char seq[] = {0x30, 0x07, 0x02, 0x01, 0x05, 0x04, 0x02, 'a', 'b'};
  struct adm__der d, e;
  assert_int_equal(adm__der_one(seq, sizeof seq, &d), 0);
  assert_true(d.tag == ASN1_TAG_SEQUENCE && d.constructed && d.cls == ASN1_CLASS_UNIVERSAL);
  assert_int_equal(d.len, 7);
  assert_int_equal(d.total, 9);
  const unsigned char *p = d.val;
  assert_int_equal(adm__der_next(&p, d.val + d.len, &e), 0);
  assert_true(e.tag == ASN1_TAG_INTEGER && e.len == 1 && e.val[0] == 5 && !e.constructed);
  assert_int_equal(adm__der_next(&p, d.val + d.len, &e), 0);
  assert_true(e.tag == ASN1_TAG_OCTET_STRING && e.len == 2);
  assert_int_equal(adm__der_next(&p, d.val + d.len, &e), ADM_EPARSE); /* nothing left */
  /* [3] context-specific, constructed */
  static const unsigned char ctx[] = {0xa3, 0x02, 0x05, 0x00};
  assert_int_equal(adm__der_one(ctx, sizeof ctx, &d), 0);
  assert_true(d.cls == ASN1_CLASS_CONTEXT_SPECIFIC && d.tag == 3 && d.constructed);
}

static void refused(void **state) {
  (void)state;
  struct adm__der d;
  static const unsigned char short_len[] = {0x30, 0x05, 0x02, 0x01};
  static const unsigned char indefinite[] = {0x30, 0x80, 0x00, 0x00};
  static const unsigned char huge[] = {0x04, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x00};
  static const unsigned char trailing[] = {0x05, 0x00, 0x00};
  assert_int_equal(adm__der_one(short_len, sizeof short_len, &d), ADM_EPARSE);
  assert_int_equal(adm__der_one(indefinite, sizeof indefinite, &d), ADM_EPARSE);
  assert_int_equal(adm__der_one(huge, sizeof huge, &d), ADM_EPARSE);
  assert_int_equal(adm__der_one(trailing, sizeof trailing, &d), ADM_EPARSE);
  assert_int_equal(adm__der_one(trailing, 0, &d), ADM_EPARSE);
  assert_int_equal(adm__der_one(trailing, 1, &d), ADM_EPARSE);
}

static void lengths(void **state) {
  (void)state;
  unsigned char out[5];
  assert_int_equal(adm__der_len(5, out), 1);
  assert_int_equal(out[0], 5);
  assert_int_equal(adm__der_len(200, out), 2);
  assert_true(out[0] == 0x81 && out[1] == 200);
  assert_int_equal(adm__der_len(70000, out), 4);
  assert_true(out[0] == 0x83 && out[1] == 0x01 && out[2] == 0x11 && out[3] == 0x70);
}

static int time_of(unsigned char tag, const char *s, int64_t *t) {
  unsigned char buf[64];
  size_t n = strlen(s);
  buf[0] = tag;
  buf[1] = (unsigned char)n;
  memcpy(buf + 2, s, n);
  struct adm__der d;
  if (adm__der_one(buf, n + 2, &d) < 0)
    return -1;
  return adm__der_time(&d, t);
}

static void times(void **state) {
  (void)state;
  int64_t t;
  assert_int_equal(time_of(0x18, "20230712155636Z", &t), 0);
  assert_true(t == 1689177396);
  assert_int_equal(time_of(0x18, "20230712155636.123Z", &t), 0);
  assert_true(t == 1689177396);
  assert_int_equal(time_of(0x17, "230712155636Z", &t), 0);
  assert_true(t == 1689177396);
  assert_int_equal(time_of(0x17, "990712155636Z", &t), 0); /* UTCTime 99: 1999 */
  assert_true(t == 931794996);
  assert_int_not_equal(time_of(0x18, "20230712155636", &t), 0);  /* no zone */
  assert_int_not_equal(time_of(0x18, "20231312155636Z", &t), 0); /* month 13 */
  assert_int_not_equal(time_of(0x17, "230712155636.1Z", &t), 0); /* UTCTime has no fractions */
  assert_int_not_equal(time_of(0x04, "20230712155636Z", &t), 0); /* not a time */
  assert_int_not_equal(time_of(0x18, "2023071215563xZ", &t), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(walk),
      cmocka_unit_test(refused),
      cmocka_unit_test(lengths),
      cmocka_unit_test(times),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
