/* server/verify/tsa.c: RFC 3161 timestamps from the conformance cases:
 * verified against the listed authority with and without embedded
 * certificates and with an expired chain; refused when the imprint is not
 * the signature's hash, when no listed authority signed it, outside the
 * authority's validFor, and for bytes that are no timestamp. */
#include "sigstore_fixtures.h"

static int tsa(struct adm_arena *a, const char *name, const struct adm_trusted_root *root, int64_t *t,
               struct adm_error *err) {
  struct adm__bundle b = conf_bundle(a, name);
  if (root == NULL)
    root = conf_root(a, name);
  return adm__tsa_verify(&b.timestamps[0], &b.signature, root, t, err);
}

static void verified(void **state) {
  struct adm_arena *a = *state;
  static const char *const ok[] = {"rekor2-happy-path", "rekor2-timestamp-with-embedded-cert",
                                   "rekor2-timestamp-without-embedded-cert", "rekor2-timestamp-with-expired-cert-chain",
                                   "trust-root-tsa-validity-end-inclusive"};
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
    int64_t t = 0;
    struct adm_error err = {0};
    if (tsa(a, ok[i], NULL, &t, &err) != 0)
      fail_msg("%s: %s", ok[i], err.message);
    assert_true(t > 1700000000);
  }
  /* genTime equal to the authority's validFor end is inside. */
  int64_t t;
  struct adm_error err = {0};
  assert_int_equal(tsa(a, "trust-root-tsa-validity-end-inclusive", NULL, &t, &err), 0);
  assert_true(t == 1749729740); /* 2025-06-12T12:02:20Z */
}

static void refused(void **state) {
  struct adm_arena *a = *state;
  int64_t t;
  struct adm_error err = {0};
  assert_int_equal(tsa(a, "rekor2-timestamp-payload-mismatch_fail", NULL, &t, &err), ADM_EINVAL);
  assert_str_contains(err.message, "messageImprint");
  assert_int_equal(tsa(a, "rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail", NULL, &t, &err), ADM_EMISSING);
  assert_int_equal(tsa(a, "rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail", NULL, &t, &err), ADM_EMISSING);
  assert_int_equal(tsa(a, "rekor2-timestamp-outside-trust-root-tsa-validity_fail", NULL, &t, &err), ADM_EINVAL);
  assert_str_contains(err.message, "validFor");
  assert_int_equal(tsa(a, "rekor2-timestamp-outside-tsa-cert-validity_fail", NULL, &t, &err), ADM_EINVAL);
  assert_str_contains(err.message, "chain at genTime");
  /* A root that lists no authority (public good). */
  assert_int_equal(tsa(a, "rekor2-happy-path", conf_root(a, NULL), &t, &err), ADM_EMISSING);
  /* Another signature's timestamp. */
  struct adm__bundle b = conf_bundle(a, "rekor2-happy-path");
  struct adm_trusted_root *root = conf_root(a, "rekor2-happy-path");
  struct adm__bytes other = {(const unsigned char *)"other", 5};
  assert_int_equal(adm__tsa_verify(&b.timestamps[0], &other, root, &t, &err), ADM_EINVAL);
  /* The signed TSTInfo altered (its genTime, found by the time's text): no
   * listed authority's signature covers it any more. */
  unsigned char *copy = adm_arena_alloc(a, b.timestamps[0].len);
  memcpy(copy, b.timestamps[0].data, b.timestamps[0].len);
  unsigned char *gt = memmem(copy, b.timestamps[0].len, "2025", 4);
  assert_non_null(gt);
  gt[3] = '4';
  struct adm__bytes altered = {copy, b.timestamps[0].len};
  assert_int_equal(adm__tsa_verify(&altered, &b.signature, root, &t, &err), ADM_EMISSING);
  /* Bytes that are no timestamp, a response that was not granted, a truncated token. */
  static const unsigned char rejected[] = {0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x02};
  struct adm__bytes junk = {(const unsigned char *)"junk", 4}, rej = {rejected, sizeof rejected},
                    cut = {b.timestamps[0].data, b.timestamps[0].len - 1};
  assert_int_equal(adm__tsa_verify(&junk, &b.signature, root, &t, &err), ADM_EPARSE);
  assert_int_equal(adm__tsa_verify(&rej, &b.signature, root, &t, &err), ADM_EPARSE);
  assert_int_equal(adm__tsa_verify(&cut, &b.signature, root, &t, &err), ADM_EPARSE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(verified, arena_setup, arena_teardown),
      cmocka_unit_test_setup_teardown(refused, arena_setup, arena_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
