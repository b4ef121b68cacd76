/* server/verify/sct.c: embedded SCTs verified over the rebuilt
 * precertificate under the trusted root's CT logs: a production leaf, a
 * static-CT SCT with extensions, an untrusted CT key, another issuer, and
 * leaves without SCTs or that are not certificates. */
#include "sigstore_fixtures.h"

static size_t scts(struct adm_arena *a, const char *name, const char *root_name, int *rc) {
  struct adm_trusted_root *root = conf_root(a, root_name);
  struct adm__bundle b = conf_bundle(a, name);
  int64_t t = b.entries[0].has_integrated_time ? b.entries[0].integrated_time : 0;
  struct adm__bytes issuer = {NULL, 0};
  struct adm_error err = {0};
  if (t == 0) {
    int64_t na;
    adm__cert_validity(&b.leaf, &t, &na);
  }
  if (adm__chain_verify(&b.leaf, root->cas, root->n_cas, t, NULL, &issuer, &err) < 0)
    fail_msg("%s: %s", name, err.message);
  size_t n = 0;
  *rc = adm__sct_verify(a, &b.leaf, &issuer, root->ctlogs, root->n_ctlogs, &n, &err);
  return n;
}

static void verified(void **state) {
  struct adm_arena *a = *state;
  int rc;
  assert_int_equal(scts(a, "happy-path-v0.3", NULL, &rc), 1);
  assert_int_equal(rc, 0);
  assert_int_equal(scts(a, "bundle-with-sct-with-extensions", "bundle-with-sct-with-extensions", &rc), 1);
  assert_int_equal(rc, 0);
  assert_int_equal(scts(a, "rekor2-happy-path", "rekor2-happy-path", &rc), 1);
}

static void refused(void **state) {
  struct adm_arena *a = *state;
  int rc;
  /* The trusted root's CT key is not the one that signed. */
  assert_int_equal(scts(a, "invalid-ct-key_fail", "invalid-ct-key_fail", &rc), 0);
  assert_int_equal(rc, 0);
  struct adm_trusted_root *root = conf_root(a, NULL);
  struct adm__bundle b = conf_bundle(a, "happy-path-v0.3");
  struct adm_error err = {0};
  size_t n = 9;
  /* The wrong issuer key hash: nothing verifies. */
  assert_int_equal(adm__sct_verify(a, &b.leaf, &b.leaf, root->ctlogs, root->n_ctlogs, &n, &err), 0);
  assert_int_equal(n, 0);
  /* No CT logs trusted. */
  struct adm__bytes issuer = root->cas[root->n_cas - 1].certs[0];
  assert_int_equal(adm__sct_verify(a, &b.leaf, &issuer, NULL, 0, &n, &err), 0);
  assert_int_equal(n, 0);
  /* A certificate without SCTs (the CA's), and bytes that are none. */
  assert_int_equal(adm__sct_verify(a, &issuer, &issuer, root->ctlogs, root->n_ctlogs, &n, &err), ADM_EMISSING);
  struct adm__bytes junk = {(const unsigned char *)"junk", 4};
  assert_int_equal(adm__sct_verify(a, &junk, &issuer, root->ctlogs, root->n_ctlogs, &n, &err), ADM_EPARSE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(verified, arena_setup, arena_teardown),
      cmocka_unit_test_setup_teardown(refused, arena_setup, arena_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
