/* server/verify/x509_chain.c: a Fulcio leaf chains to the trusted root's
 * authority at its signing time and not outside the leaf's ten minutes,
 * nor outside the authority's validFor, nor to another instance's
 * authority, nor without the required extended key usage; validity and
 * self-signed detection. */
#include "sigstore_fixtures.h"

#define CODE_SIGNING "1.3.6.1.5.5.7.3.3"

static void at_signing_time(void **state) {
  struct adm_arena *a = *state;
  struct adm_trusted_root *root = conf_root(a, NULL);
  struct adm__bundle b = conf_bundle(a, "happy-path-v0.3");
  int64_t t = b.entries[0].integrated_time, nb, na;
  struct adm_error err = {0};
  struct adm__bytes issuer = {NULL, 0};
  assert_int_equal(adm__cert_validity(&b.leaf, &nb, &na), 0);
  assert_true(nb <= t && t <= na && na - nb == 600);
  assert_int_equal(adm__chain_verify(&b.leaf, root->cas, root->n_cas, t, CODE_SIGNING, &issuer, &err), 0);
  assert_non_null(issuer.data);
  assert_false(adm__cert_self_signed(&b.leaf));
  assert_false(adm__cert_self_signed(&issuer));
  assert_true(adm__cert_self_signed(&root->cas[root->n_cas - 1].certs[root->cas[root->n_cas - 1].n_certs - 1]));
  /* Bounds are inclusive; a second outside is not. */
  assert_int_equal(adm__chain_verify(&b.leaf, root->cas, root->n_cas, nb, CODE_SIGNING, NULL, &err), 0);
  assert_int_equal(adm__chain_verify(&b.leaf, root->cas, root->n_cas, na, CODE_SIGNING, NULL, &err), 0);
  assert_int_equal(adm__chain_verify(&b.leaf, root->cas, root->n_cas, na + 1, CODE_SIGNING, NULL, &err), ADM_EINVAL);
  assert_str_contains(err.message, "leaf certificate not valid");
  assert_int_equal(adm__chain_verify(&b.leaf, root->cas, root->n_cas, nb - 1, CODE_SIGNING, NULL, &err), ADM_EINVAL);
  /* A Fulcio leaf is no timestamp authority. */
  assert_int_equal(adm__chain_verify(&b.leaf, root->cas, root->n_cas, t, "1.3.6.1.5.5.7.3.8", NULL, &err), ADM_EINVAL);
  assert_str_contains(err.message, "extended key usage");
}

static void authority_rules(void **state) {
  struct adm_arena *a = *state;
  struct adm_trusted_root *root = conf_root(a, NULL);
  struct adm__bundle b = conf_bundle(a, "happy-path-v0.3");
  int64_t t = b.entries[0].integrated_time;
  struct adm_error err = {0};
  /* The authority's validFor ends before the signing time. */
  struct adm__ca cas[8];
  size_t n = root->n_cas < 8 ? root->n_cas : 8;
  memcpy(cas, root->cas, n * sizeof *cas);
  for (size_t i = 0; i < n; i++) {
    cas[i].valid.has_end = true;
    cas[i].valid.end = t - 1;
  }
  assert_int_equal(adm__chain_verify(&b.leaf, cas, n, t, CODE_SIGNING, NULL, &err), ADM_EINVAL);
  assert_str_contains(err.message, "validFor");
  /* Another instance's authorities (staging) do not vouch for production. */
  struct adm_trusted_root *staging = conf_root(a, "rekor2-happy-path");
  assert_int_equal(adm__chain_verify(&b.leaf, staging->cas, staging->n_cas, t, CODE_SIGNING, NULL, &err), ADM_EINVAL);
  assert_int_equal(adm__chain_verify(&b.leaf, NULL, 0, t, CODE_SIGNING, NULL, &err), ADM_EINVAL);
  assert_str_contains(err.message, "no certificate authority");
  struct adm__bytes junk = {(const unsigned char *)"junk", 4};
  assert_int_equal(adm__chain_verify(&junk, root->cas, root->n_cas, t, NULL, NULL, &err), ADM_EPARSE);
  int64_t nb, na;
  assert_int_equal(adm__cert_validity(&junk, &nb, &na), ADM_EPARSE);
  assert_false(adm__cert_self_signed(&junk));
}

static void bundle_root(void **state) {
  struct adm_arena *a = *state;
  struct adm__bundle b = conf_bundle(a, "bundle-with-root-cert_fail");
  size_t roots = 0;
  for (size_t i = 0; i < b.n_extra; i++)
    roots += adm__cert_self_signed(&b.extra[i]);
  assert_int_equal(roots, 1);
  assert_false(adm__cert_self_signed(&b.leaf));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(at_signing_time, arena_setup, arena_teardown),
      cmocka_unit_test_setup_teardown(authority_rules, arena_setup, arena_teardown),
      cmocka_unit_test_setup_teardown(bundle_root, arena_setup, arena_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
