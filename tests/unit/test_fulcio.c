/* server/verify/fulcio.c: the SAN and OIDC issuer of real Fulcio leaves,
 * the other Fulcio claims, and identity matching: exact, and regular
 * expressions anchored at both ends. */
#include "sigstore_fixtures.h"

#define BEACON                                                                                                         \
  "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/"                  \
  "extremely-dangerous-oidc-beacon.yml@refs/heads/main"

static const char *claim(const struct adm__fulcio *f, unsigned n) {
  for (size_t i = 0; i < f->n_claims; i++)
    if (f->claims[i].n == n)
      return f->claims[i].value;
  return NULL;
}

static void leaf_claims(void **state) {
  struct adm_arena *a = *state;
  struct adm__bundle b = conf_bundle(a, "happy-path-v0.3");
  struct adm__fulcio f;
  struct adm_error err = {0};
  assert_int_equal(adm__fulcio_parse(a, &b.leaf, &f, &err), 0);
  assert_string_equal(f.subject, BEACON);
  assert_string_equal(f.issuer, "https://token.actions.githubusercontent.com");
  assert_string_equal(claim(&f, 8), f.issuer); /* the UTF8String form */
  assert_string_equal(claim(&f, 1), f.issuer); /* and the deprecated raw one */
  assert_string_equal(claim(&f, 9), BEACON);   /* build signer URI */
  assert_non_null(claim(&f, 12));              /* source repository URI */
  assert_string_equal(claim(&f, 14), "refs/heads/main");
  assert_string_equal(claim(&f, 11), "github-hosted");
  struct adm__bytes junk = {(const unsigned char *)"junk", 4};
  assert_int_equal(adm__fulcio_parse(a, &junk, &f, &err), ADM_EPARSE);
}

static void matching(void **state) {
  (void)state;
  assert_true(adm__identity_match("a@example.com", false, "a@example.com"));
  assert_false(adm__identity_match("a@example.com", false, "a@example.co"));
  assert_false(adm__identity_match("a@example.com", false, NULL));
  assert_false(adm__identity_match(NULL, false, "x"));
  assert_true(adm__identity_match(".*@example\\.com", true, "a@example.com"));
  assert_false(adm__identity_match(".*@example\\.com", true, "a@example.com.evil.net")); /* anchored at the end */
  assert_false(adm__identity_match("example\\.com", true, "a@example.com"));             /* and at the start */
  assert_true(adm__identity_match("^https://github\\.com/org/.*$", true, "https://github.com/org/x"));
  assert_true(adm__identity_match("a|b", true, "b"));
  assert_false(adm__identity_match("a|b", true, "ab")); /* the alternation is anchored as a whole */
  assert_false(adm__identity_match("(", true, "("));    /* a broken expression matches nothing */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(leaf_claims, arena_setup, arena_teardown),
      cmocka_unit_test(matching),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
