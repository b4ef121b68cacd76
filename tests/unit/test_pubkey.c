/* server/verify/pubkey.c: signatures under DER SPKI keys of each algorithm
 * with the hash the key implies, over data and over a digest alone,
 * failures for wrong keys, altered data and malformed input, PEM key
 * loading, and a certificate's key. */
#include "sigstore_fixtures.h"

static void each_algorithm(void **state) {
  struct adm_arena *a = *state;
  static const struct {
    gnutls_pk_algorithm_t pk;
    unsigned bits;
    gnutls_sign_algorithm_t sign;
    gnutls_digest_algorithm_t dig;
  } algs[] = {
      {GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), GNUTLS_SIGN_ECDSA_SHA256, GNUTLS_DIG_SHA256},
      {GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1), GNUTLS_SIGN_ECDSA_SHA384, GNUTLS_DIG_SHA384},
      {GNUTLS_PK_RSA, 2048, GNUTLS_SIGN_RSA_SHA256, GNUTLS_DIG_SHA256},
      {GNUTLS_PK_EDDSA_ED25519, 256, GNUTLS_SIGN_EDDSA_ED25519, GNUTLS_DIG_UNKNOWN},
  };
  static const char msg[] = "the artifact";
  for (size_t i = 0; i < sizeof algs / sizeof *algs; i++) {
    struct test_key k, other;
    key_gen(a, algs[i].pk, algs[i].bits, &k);
    key_gen(a, algs[i].pk, algs[i].bits, &other);
    struct adm__bytes sig = key_sign(a, &k, algs[i].sign, msg, sizeof msg - 1);
    assert_int_equal(adm__sig_verify(&k.spki, (const unsigned char *)msg, sizeof msg - 1, false, &sig), 0);
    assert_int_not_equal(adm__sig_verify(&other.spki, (const unsigned char *)msg, sizeof msg - 1, false, &sig), 0);
    assert_int_not_equal(adm__sig_verify(&k.spki, (const unsigned char *)msg, sizeof msg - 2, false, &sig), 0);
    unsigned char raw[32];
    assert_int_equal(adm__spki_ed25519(&k.spki, raw), algs[i].pk == GNUTLS_PK_EDDSA_ED25519);
    if (algs[i].dig == GNUTLS_DIG_UNKNOWN) {
      /* Pure Ed25519 signs the message itself: a digest alone cannot be checked. */
      unsigned char sum[32];
      gnutls_hash_fast(GNUTLS_DIG_SHA256, msg, sizeof msg - 1, sum);
      assert_int_equal(adm__sig_verify(&k.spki, sum, 32, true, &sig), ADM_EUNSUPPORTED);
    } else {
      unsigned char sum[64];
      gnutls_hash_fast(algs[i].dig, msg, sizeof msg - 1, sum);
      size_t n = (size_t)gnutls_hash_get_len(algs[i].dig);
      assert_int_equal(adm__sig_verify(&k.spki, sum, n, true, &sig), 0);
      sum[0] ^= 1;
      assert_int_not_equal(adm__sig_verify(&k.spki, sum, n, true, &sig), 0);
      assert_int_equal(adm__sig_verify(&k.spki, sum, 20, true, &sig), ADM_EUNSUPPORTED); /* wrong digest size */
    }
    gnutls_privkey_deinit(k.priv);
    gnutls_privkey_deinit(other.priv);
  }
}

static void malformed(void **state) {
  struct adm_arena *a = *state;
  struct test_key k;
  key_gen(a, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), &k);
  struct adm__bytes sig = key_sign(a, &k, GNUTLS_SIGN_ECDSA_SHA256, "x", 1);
  struct adm__bytes empty = {(const unsigned char *)"", 0}, junk = {(const unsigned char *)"junk", 4};
  assert_int_equal(adm__sig_verify(&empty, (const unsigned char *)"x", 1, false, &sig), ADM_EINVAL);
  assert_int_equal(adm__sig_verify(&junk, (const unsigned char *)"x", 1, false, &sig), ADM_EPARSE);
  assert_int_equal(adm__sig_verify(&k.spki, (const unsigned char *)"x", 1, false, &empty), ADM_EINVAL);
  assert_int_not_equal(adm__sig_verify(&k.spki, (const unsigned char *)"x", 1, false, &junk), 0);
  /* RSA under 2048 bits is refused, not verified. */
  struct test_key small;
  key_gen(a, GNUTLS_PK_RSA, 1024, &small);
  struct adm__bytes ssig = key_sign(a, &small, GNUTLS_SIGN_RSA_SHA256, "x", 1);
  assert_int_equal(adm__sig_verify(&small.spki, (const unsigned char *)"x", 1, false, &ssig), ADM_EUNSUPPORTED);
  gnutls_privkey_deinit(k.priv);
  gnutls_privkey_deinit(small.priv);
}

static void pem_keys(void **state) {
  struct adm_arena *a = *state;
  struct test_key k;
  key_gen(a, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), &k);
  char *pem = adm_arena_printf(a, "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n",
                               b64(a, k.spki.data, k.spki.len));
  struct adm_sigstore_key *key;
  struct adm_error err = {0};
  assert_int_equal(adm_sigstore_key_parse(a, pem, strlen(pem), &key, &err), 0);
  assert_int_equal(key->spki.len, k.spki.len);
  assert_memory_equal(key->spki.data, k.spki.data, k.spki.len);
  assert_int_equal(adm_sigstore_key_parse(a, "not a key", 9, &key, &err), ADM_EPARSE);
  assert_null(key);
  assert_int_equal(adm_sigstore_key_parse(a, pem, 20000, &key, &err), ADM_ETOOBIG);
  struct test_key small;
  key_gen(a, GNUTLS_PK_RSA, 1024, &small);
  pem = adm_arena_printf(a, "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n",
                         b64(a, small.spki.data, small.spki.len));
  assert_int_equal(adm_sigstore_key_parse(a, pem, strlen(pem), &key, &err), ADM_EUNSUPPORTED);
  gnutls_privkey_deinit(k.priv);
  gnutls_privkey_deinit(small.priv);
}

static void certificate_key(void **state) {
  struct adm_arena *a = *state;
  struct adm__bundle b = conf_bundle(a, "happy-path-v0.3");
  struct adm__bytes spki;
  assert_int_equal(adm__cert_spki(a, &b.leaf, &spki), 0);
  assert_true(spki.len > 60 && spki.data[0] == 0x30);
  struct adm__bytes junk = {(const unsigned char *)"junk", 4};
  assert_int_equal(adm__cert_spki(a, &junk, &spki), ADM_EPARSE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(each_algorithm, arena_setup, arena_teardown),
      cmocka_unit_test_setup_teardown(malformed, arena_setup, arena_teardown),
      cmocka_unit_test_setup_teardown(pem_keys, arena_setup, arena_teardown),
      cmocka_unit_test_setup_teardown(certificate_key, arena_setup, arena_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
