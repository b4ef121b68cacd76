/* server/verify/dsse.c: the exact PAE bytes, the in-toto Statement (v1 and
 * v0.1 accepted, anything else refused), the subject digest match, and the
 * predicate type and predicate reported as they are. */
#include "sigstore_fixtures.h"

static void pae(void **state) {
  struct adm_arena *a = *state;
  struct adm__bytes payload = {(const unsigned char *)"hello world", 11}, out;
  assert_int_equal(adm__dsse_pae(a, "http://example.com/HelloWorld", &payload, &out), 0);
  static const char want[] = "DSSEv1 29 http://example.com/HelloWorld 11 hello world";
  assert_int_equal(out.len, sizeof want - 1);
  assert_memory_equal(out.data, want, sizeof want - 1);
  struct adm__bytes empty = {(const unsigned char *)"", 0};
  assert_int_equal(adm__dsse_pae(a, "", &empty, &out), 0);
  assert_int_equal(out.len, strlen("DSSEv1 0  0 "));
  assert_memory_equal(out.data, "DSSEv1 0  0 ", out.len);
}

static const unsigned char digest[32] = {0xa0, 0xcf, 0xc7, 0x12, 0x71, 0xd6, 0xe2, 0x78, 0xe5, 0x7c, 0xd3,
                                         0x32, 0xff, 0x95, 0x7c, 0x3f, 0x70, 0x43, 0xfd, 0xda, 0x35, 0x4c,
                                         0x4c, 0xbb, 0x19, 0x0a, 0x30, 0xd5, 0x6e, 0xfa, 0x01, 0xbf};
#define HEX "a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf"

static int statement(struct adm_arena *a, const char *text, struct adm__statement *st, struct adm_error *err) {
  struct adm__bytes p = {(const unsigned char *)text, strlen(text)};
  return adm__statement_parse(a, &p, digest, st, err);
}

static void statements(void **state) {
  struct adm_arena *a = *state;
  struct adm__statement st;
  struct adm_error err = {0};
  assert_int_equal(
      statement(a,
                "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"x\",\"digest\":"
                "{\"sha256\":\"00\"}},{\"name\":\"a.txt\",\"digest\":{\"sha256\":\"" HEX "\"}}],"
                "\"predicateType\":\"https://sigstore.dev/cosign/sign/v1\",\"predicate\":{\"b\":1,\"a\":[]}}",
                &st, &err),
      0);
  assert_true(st.subject_matches);
  assert_string_equal(st.predicate_type, ADM_SIGSTORE_PREDICATE_SIGN);
  assert_string_equal(st.predicate, "{\"a\":[],\"b\":1}");
  /* An attestation is reported as one: its predicate type, never "a signature". */
  assert_int_equal(statement(a,
                             "{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"subject\":[{\"digest\":"
                             "{\"sha256\":\"" HEX "\"}}],\"predicateType\":\"https://slsa.dev/provenance/v1\"}",
                             &st, &err),
                   0);
  assert_true(st.subject_matches);
  assert_string_equal(st.predicate_type, "https://slsa.dev/provenance/v1");
  assert_null(st.predicate);
  /* Another artifact's statement. */
  assert_int_equal(statement(a,
                             "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"digest\":"
                             "{\"sha512\":\"" HEX "\",\"sha256\":\"" HEX "0\"}}],\"predicateType\":\"t\"}",
                             &st, &err),
                   0);
  assert_false(st.subject_matches);
}

static void refusals(void **state) {
  struct adm_arena *a = *state;
  struct adm__statement st;
  struct adm_error err = {0};
  assert_int_equal(
      statement(a, "{\"_type\":\"https://in-toto.io/Statement/v2\",\"subject\":[],\"predicateType\":\"t\"}", &st, &err),
      ADM_EUNSUPPORTED);
  assert_string_equal(err.where, "$._type");
  assert_int_equal(statement(a, "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"t\"}", &st, &err),
                   ADM_EMISSING);
  assert_string_equal(err.where, "$.subject");
  assert_int_equal(statement(a, "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[]}", &st, &err),
                   ADM_EMISSING);
  assert_string_equal(err.where, "$.predicateType");
  assert_int_equal(statement(a, "not json", &st, &err), ADM_EPARSE);
  assert_int_equal(statement(a, "[]", &st, &err), ADM_ETYPE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(pae, arena_setup, arena_teardown),
      cmocka_unit_test_setup_teardown(statements, arena_setup, arena_teardown),
      cmocka_unit_test_setup_teardown(refusals, arena_setup, arena_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
