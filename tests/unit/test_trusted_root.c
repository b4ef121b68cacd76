/* server/verify/trusted_root.c: both TrustedRoot media types, logs and
 * authorities with their validFor, lookup by logId, and every refusal with
 * its JSON path: unknown media type, a validFor without start, keys and
 * certificates that are not what they claim, lists past the bound. */
#include "sigstore_fixtures.h"

static struct test_key key;
static char *key_b64, *cert_b64;

static int setup(void **state) {
  arena_setup(state);
  struct adm_arena *a = *state;
  key_gen(a, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), &key);
  key_b64 = b64(a, key.spki.data, key.spki.len);
  /* A self-signed certificate made on the spot for the authorities. */
  gnutls_x509_crt_t crt;
  gnutls_datum_t der = {NULL, 0};
  gnutls_pubkey_t pub;
  gnutls_x509_crt_init(&crt);
  gnutls_pubkey_init(&pub);
  gnutls_pubkey_import_privkey(pub, key.priv, 0, 0);
  gnutls_x509_crt_set_pubkey(crt, pub);
  gnutls_x509_crt_set_version(crt, 3);
  gnutls_x509_crt_set_serial(crt, "\x01", 1);
  gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "test root", 9);
  gnutls_x509_crt_set_issuer_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "test root", 9);
  gnutls_x509_crt_set_activation_time(crt, 1600000000);
  gnutls_x509_crt_set_expiration_time(crt, 2000000000);
  gnutls_x509_crt_set_basic_constraints(crt, 1, -1);
  if (gnutls_x509_crt_privkey_sign(crt, crt, key.priv, GNUTLS_DIG_SHA256, 0) < 0 ||
      gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der) < 0)
    fail_msg("cannot make a test certificate");
  cert_b64 = b64(a, der.data, der.size);
  gnutls_free(der.data);
  gnutls_pubkey_deinit(pub);
  gnutls_x509_crt_deinit(crt);
  return 0;
}

static int teardown(void **state) {
  gnutls_privkey_deinit(key.priv);
  return arena_teardown(state);
}

/* A root with one tlog, one ctlog, one CA and one TSA; fmt gets, in order: media
 * type, tlog validFor, logId, CA certificate. */
static int parse(struct adm_arena *a, const char *media, const char *valid, const char *log_id, const char *cert,
                 struct adm_trusted_root **root, struct adm_error *err) {
  char *text = adm_arena_printf(
      a,
      "{\"mediaType\":\"%s\","
      "\"tlogs\":[{\"baseUrl\":\"https://rekor.example.dev/api\",\"hashAlgorithm\":\"SHA2_256\","
      "\"publicKey\":{\"rawBytes\":\"%s\",\"keyDetails\":\"PKIX_ECDSA_P256_SHA_256\",\"validFor\":%s},"
      "\"logId\":{\"keyId\":\"%s\"}}],"
      "\"ctlogs\":[{\"baseUrl\":\"https://ct.example.dev\",\"publicKey\":{\"rawBytes\":\"%s\","
      "\"validFor\":{\"start\":\"2021-01-01T00:00:00Z\"}},\"logId\":{\"keyId\":\"AAAA\"}}],"
      "\"certificateAuthorities\":[{\"subject\":{\"commonName\":\"x\"},\"certChain\":{\"certificates\":"
      "[{\"rawBytes\":\"%s\"}]},\"validFor\":{\"start\":\"2021-01-01T00:00:00Z\"}}],"
      "\"timestampAuthorities\":[{\"certChain\":{\"certificates\":[{\"rawBytes\":\"%s\"}]},"
      "\"validFor\":{\"start\":\"2021-01-01T00:00:00Z\",\"end\":\"2030-01-01T00:00:00Z\"}}]}",
      media, key_b64, valid, log_id, key_b64, cert, cert_b64);
  return adm_trusted_root_parse(a, text, strlen(text), root, err);
}

static const char v01[] = "application/vnd.dev.sigstore.trustedroot+json;version=0.1";
static const char v02[] = "application/vnd.dev.sigstore.trustedroot.v0.2+json";
static const char open_range[] = "{\"start\":\"2021-01-01T00:00:00Z\"}";

static void parses(void **state) {
  struct adm_arena *a = *state;
  struct adm_trusted_root *r;
  struct adm_error err = {0};
  assert_int_equal(parse(a, v01, open_range, "wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0=", cert_b64, &r, &err), 0);
  assert_int_equal(parse(a, v02, "{\"start\":\"2021-01-01T00:00:00Z\",\"end\":\"2023-07-12T15:56:36Z\"}",
                         "wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0=", cert_b64, &r, &err),
                   0);
  assert_true(r->n_tlogs == 1 && r->n_ctlogs == 1 && r->n_cas == 1 && r->n_tsas == 1);
  assert_string_equal(r->tlogs[0].host, "rekor.example.dev");
  assert_string_equal(r->tlogs[0].key_details, "PKIX_ECDSA_P256_SHA_256");
  assert_true(r->tlogs[0].valid.has_end && r->tlogs[0].valid.end == 1689177396);
  assert_int_equal(r->tlogs[0].key.len, key.spki.len);
  assert_true(r->tsas[0].valid.has_end);
  struct adm__bytes id = r->tlogs[0].log_id, other = {(const unsigned char *)"xyz", 3};
  assert_ptr_equal(adm__root_tlog(r->tlogs, r->n_tlogs, &id), &r->tlogs[0]);
  assert_null(adm__root_tlog(r->tlogs, r->n_tlogs, &other));
  assert_null(adm__root_tlog(r->ctlogs, r->n_ctlogs, &id));
}

static void refusals(void **state) {
  struct adm_arena *a = *state;
  struct adm_trusted_root *r;
  struct adm_error err = {0};
  static const char id[] = "wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0=";
  assert_int_equal(parse(a, "application/vnd.dev.sigstore.trustedroot.v9+json", open_range, id, cert_b64, &r, &err),
                   ADM_EUNSUPPORTED);
  assert_null(r);
  assert_string_equal(err.where, "$.mediaType");
  assert_int_equal(parse(a, v02, "{\"end\":\"2023-07-12T15:56:36Z\"}", id, cert_b64, &r, &err), ADM_EMISSING);
  assert_string_equal(err.where, "$.tlogs[0].publicKey.validFor.start");
  assert_int_equal(parse(a, v02, "{}", id, cert_b64, &r, &err), ADM_EMISSING);
  assert_int_equal(parse(a, v02, open_range, "", cert_b64, &r, &err), ADM_EMISSING);
  assert_string_equal(err.where, "$.tlogs[0].logId.keyId");
  assert_int_equal(parse(a, v02, open_range, "not base64!", cert_b64, &r, &err), ADM_EPARSE);
  assert_int_equal(parse(a, v02, open_range, id, "AAAA", &r, &err), ADM_EPARSE);
  assert_string_equal(err.where, "$.certificateAuthorities[0].certChain.certificates[0]");
  const char *cases[][2] = {
      {"[]", "$"},
      {"{\"tlogs\":[]}", "$.mediaType"},
      {"{\"mediaType\":\"application/vnd.dev.sigstore.trustedroot.v0.2+json\",\"tlogs\":{}}", "$.tlogs"},
      {"{\"mediaType\":\"application/vnd.dev.sigstore.trustedroot.v0.2+json\",\"tlogs\":[1]}", "$.tlogs[0]"},
      {"{\"mediaType\":\"application/vnd.dev.sigstore.trustedroot.v0.2+json\",\"certificateAuthorities\":"
       "[{\"certChain\":{\"certificates\":[]},\"validFor\":{\"start\":\"2021-01-01T00:00:00Z\"}}]}",
       "$.certificateAuthorities[0].certChain.certificates"},
      {"{\"mediaType\":\"application/vnd.dev.sigstore.trustedroot.v0.2+json\",\"timestampAuthorities\":[{}]}",
       "$.timestampAuthorities[0].certChain"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    if (adm_trusted_root_parse(a, cases[i][0], strlen(cases[i][0]), &r, &err) == 0)
      fail_msg("accepted %s", cases[i][0]);
    assert_string_equal(err.where, cases[i][1]);
  }
  assert_int_equal(adm_trusted_root_parse(a, "{}", ADM_SIGSTORE_MAX_ROOT + 1, &r, &err), ADM_ETOOBIG);
}

static void public_good(void **state) {
  struct adm_arena *a = *state;
  struct adm_trusted_root *r = conf_root(a, NULL);
  assert_true(r->n_tlogs >= 1 && r->n_ctlogs >= 1 && r->n_cas >= 1);
  assert_string_equal(r->tlogs[0].host, "rekor.sigstore.dev");
  struct adm_trusted_root *staging = conf_root(a, "rekor2-happy-path");
  assert_true(staging->n_tsas >= 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(parses, setup, teardown),
      cmocka_unit_test_setup_teardown(refusals, setup, teardown),
      cmocka_unit_test_setup_teardown(public_good, arena_setup, arena_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
