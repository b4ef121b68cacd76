/* server/verify/protojson.c: proto3 JSON fields as Sigstore writes them,
 * each failure with its JSON path: strings, int64 as strings, standard
 * base64 (line breaks skipped), TimeRange with a required start and an
 * inclusive end, RFC 3339, and the document bounds. */
#include "sigstore_fixtures.h"

static json_t *doc;

static const json_t *load(const char *text) {
  json_decref(doc);
  doc = test_json(text);
  return doc;
}

static int teardown(void **state) {
  json_decref(doc);
  doc = NULL;
  return arena_teardown(state);
}

static void paths(void **state) {
  (void)state;
  struct adm__path p, q, r;
  adm__path_key(&p, NULL, "tlogs");
  adm__path_index(&q, &p, 2);
  adm__path_key(&r, &q, "publicKey");
  assert_string_equal(r.text, "$.tlogs[2].publicKey");
  char longkey[300];
  memset(longkey, 'k', sizeof longkey - 1);
  longkey[sizeof longkey - 1] = '\0';
  adm__path_key(&p, &r, longkey);
  assert_int_equal(strlen(p.text), sizeof p.text - 1); /* cut, still terminated */
}

static void strings_and_objects(void **state) {
  struct adm_arena *a = *state;
  struct adm_error err = {0};
  const json_t *o = load("{\"s\":\"x\",\"n\":1,\"o\":{},\"l\":[1,2],\"z\":null}");
  const char *s;
  const json_t *v;
  size_t n;
  assert_int_equal(adm__pj_string(a, o, "s", NULL, true, &s, &err), 0);
  assert_string_equal(s, "x");
  assert_int_equal(adm__pj_string(a, o, "n", NULL, true, &s, &err), ADM_ETYPE);
  assert_string_equal(err.where, "$.n");
  assert_int_equal(adm__pj_string(a, o, "missing", NULL, true, &s, &err), ADM_EMISSING);
  assert_int_equal(adm__pj_string(a, o, "missing", NULL, false, &s, &err), 0);
  assert_null(s);
  assert_int_equal(adm__pj_string(a, o, "z", NULL, false, &s, &err), 0); /* null is absent */
  assert_null(s);
  assert_int_equal(adm__pj_object(o, "o", NULL, true, &v, &err), 0);
  assert_non_null(v);
  assert_int_equal(adm__pj_object(o, "l", NULL, true, &v, &err), ADM_ETYPE);
  assert_int_equal(adm__pj_array(o, "l", NULL, true, &v, &n, &err), 0);
  assert_int_equal(n, 2);
  assert_int_equal(adm__pj_array(o, "s", NULL, true, &v, &n, &err), ADM_ETYPE);
}

static void list_bound(void **state) {
  (void)state;
  struct adm_error err = {0};
  json_t *o = json_object(), *l = json_array();
  for (int i = 0; i <= ADM__MAX_LIST; i++)
    json_array_append_new(l, json_integer(i));
  json_object_set_new(o, "l", l);
  const json_t *v;
  size_t n;
  assert_int_equal(adm__pj_array(o, "l", NULL, true, &v, &n, &err), ADM_ETOOBIG);
  assert_string_equal(err.where, "$.l");
  json_decref(o);
}

static void int64s(void **state) {
  (void)state;
  struct adm_error err = {0};
  const json_t *o = load("{\"s\":\"175508996\",\"i\":42,\"neg\":\"-1\",\"negi\":-1,\"x\":\"12a\",\"big\":"
                         "\"1234567890123456789\",\"e\":\"\",\"f\":1.5}");
  int64_t v;
  bool present;
  assert_int_equal(adm__pj_int64(o, "s", NULL, true, &v, &present, &err), 0);
  assert_true(v == 175508996 && present);
  assert_int_equal(adm__pj_int64(o, "i", NULL, true, &v, NULL, &err), 0);
  assert_true(v == 42);
  assert_int_equal(adm__pj_int64(o, "neg", NULL, true, &v, NULL, &err), ADM_EINVAL);
  assert_string_equal(err.message, "negative");
  assert_int_equal(adm__pj_int64(o, "negi", NULL, true, &v, NULL, &err), ADM_EINVAL);
  assert_int_equal(adm__pj_int64(o, "x", NULL, true, &v, NULL, &err), ADM_EPARSE);
  assert_int_equal(adm__pj_int64(o, "big", NULL, true, &v, NULL, &err), ADM_EPARSE);
  assert_int_equal(adm__pj_int64(o, "e", NULL, true, &v, NULL, &err), ADM_EPARSE);
  assert_int_equal(adm__pj_int64(o, "f", NULL, true, &v, NULL, &err), ADM_ETYPE);
  assert_int_equal(adm__pj_int64(o, "none", NULL, false, &v, &present, &err), 0);
  assert_false(present);
}

static void base64(void **state) {
  struct adm_arena *a = *state;
  struct adm__bytes out;
  assert_int_equal(adm__b64(a, "aGVsbG8=", 8, &out), 0);
  assert_int_equal(out.len, 5);
  assert_memory_equal(out.data, "hello", 5);
  assert_int_equal(adm__b64(a, "aGVs\nbG8=\r\n", 11, &out), 0); /* wrapped lines */
  assert_memory_equal(out.data, "hello", 5);
  assert_int_equal(adm__b64(a, "", 0, &out), 0);
  assert_int_equal(out.len, 0);
  assert_int_equal(adm__b64(a, "aGVsbG8", 7, &out), ADM_EPARSE);               /* unpadded */
  assert_int_equal(adm__b64(a, "aG=sbG8=", 8, &out), ADM_EPARSE);              /* padding inside */
  assert_int_equal(adm__b64(a, "aGVs-G8=", 8, &out), ADM_EPARSE);              /* URL alphabet */
  assert_int_equal(adm__b64(a, "INVALID!!!BASE64====", 20, &out), ADM_EPARSE); /* a conformance case */
  assert_int_equal(adm__b64(a, "a", ADM__MAX_B64 + 1, &out), ADM_ETOOBIG);
  struct adm_error err = {0};
  const json_t *o = load("{\"b\":\"!!!!\",\"e\":\"\",\"n\":3}");
  assert_int_equal(adm__pj_bytes(a, o, "b", NULL, true, &out, &err), ADM_EPARSE);
  assert_string_equal(err.where, "$.b");
  assert_int_equal(adm__pj_bytes(a, o, "e", NULL, true, &out, &err), ADM_EMISSING);
  assert_int_equal(adm__pj_bytes(a, o, "n", NULL, true, &out, &err), ADM_ETYPE);
}

static void rfc3339(void **state) {
  (void)state;
  int64_t t;
  assert_int_equal(adm__rfc3339("2023-07-12T15:56:36Z", &t), 0);
  assert_true(t == 1689177396);
  assert_int_equal(adm__rfc3339("2023-07-12T15:56:36.999Z", &t), 0);
  assert_true(t == 1689177396);
  assert_int_equal(adm__rfc3339("2023-07-12T17:56:36+02:00", &t), 0);
  assert_true(t == 1689177396);
  assert_int_equal(adm__rfc3339("2023-07-12T13:56:36-02:00", &t), 0);
  assert_true(t == 1689177396);
  static const char *const bad[] = {"2023-07-12",
                                    "2023-07-12 15:56:36Z",
                                    "2023-13-12T15:56:36Z",
                                    "2023-07-12T15:56:36",
                                    "2023-07-12T15:56:36.Z",
                                    "2023-07-12T25:56:36Z",
                                    "2023-07-12T15:56:36Zx",
                                    "2023-07-12T15:56:36+0200"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    if (adm__rfc3339(bad[i], &t) == 0)
      fail_msg("accepted %s", bad[i]);
}

static void ranges(void **state) {
  (void)state;
  struct adm_error err = {0};
  struct adm__range r;
  bool present;
  const json_t *o = load("{\"both\":{\"start\":\"2021-01-01T00:00:00Z\",\"end\":\"2022-01-01T00:00:00Z\"},"
                         "\"open\":{\"start\":\"2021-01-01T00:00:00Z\"},\"nostart\":{\"end\":\"2022-01-01T00:00:00Z\"},"
                         "\"backwards\":{\"start\":\"2022-01-01T00:00:00Z\",\"end\":\"2021-01-01T00:00:00Z\"},"
                         "\"bad\":{\"start\":\"yesterday\"}}");
  assert_int_equal(adm__pj_range(o, "both", NULL, true, &r, &present, &err), 0);
  assert_true(present && r.has_end);
  assert_true(adm__range_contains(&r, r.start));
  assert_true(adm__range_contains(&r, r.end)); /* closed interval */
  assert_false(adm__range_contains(&r, r.end + 1));
  assert_false(adm__range_contains(&r, r.start - 1));
  assert_int_equal(adm__pj_range(o, "open", NULL, true, &r, &present, &err), 0);
  assert_false(r.has_end);
  assert_true(adm__range_contains(&r, INT64_MAX));
  assert_int_equal(adm__pj_range(o, "nostart", NULL, true, &r, &present, &err), ADM_EMISSING);
  assert_string_equal(err.where, "$.nostart.start");
  assert_int_equal(adm__pj_range(o, "backwards", NULL, true, &r, &present, &err), ADM_EINVAL);
  assert_int_equal(adm__pj_range(o, "bad", NULL, true, &r, &present, &err), ADM_EPARSE);
  assert_int_equal(adm__pj_range(o, "absent", NULL, true, &r, &present, &err), ADM_EMISSING);
}

static void loading(void **state) {
  (void)state;
  struct adm_error err = {0};
  json_t *j = adm__pj_load("{\"a\":1}", 7, 100, &err);
  assert_non_null(j);
  json_decref(j);
  assert_null(adm__pj_load("{\"a\":1}", 7, 6, &err));
  assert_int_equal(err.code, ADM_ETOOBIG);
  assert_null(adm__pj_load("[1]", 3, 100, &err));
  assert_int_equal(err.code, ADM_ETYPE);
  assert_null(adm__pj_load("{\"a\":1,\"a\":2}", 13, 100, &err));
  assert_int_equal(err.code, ADM_EPARSE);
  assert_null(adm__pj_load("{\"a\":", 5, 100, &err));
  assert_int_equal(err.code, ADM_EPARSE);
  /* A megabyte of small values would be a tree of ~60 MB: refused unbuilt.
   * {"a":[0,...]} counts its two brackets and one more than its commas. */
  size_t n = ADM__PJ_MAX_VALUES - 1, len = 0;
  char *dense = malloc(2 * n + 16);
  assert_non_null(dense);
  len += (size_t)snprintf(dense, 8, "{\"a\":[");
  for (size_t i = 0; i < n; i++)
    len += (size_t)snprintf(dense + len, 3, "%s0", i ? "," : "");
  len += (size_t)snprintf(dense + len, 3, "]}");
  err = (struct adm_error){0};
  assert_null(adm__pj_load(dense, len, len, &err));
  assert_int_equal(err.code, ADM_ETOOBIG);
  assert_non_null(strstr(err.message, "JSON values"));
  /* One value fewer is read. */
  memcpy(dense + len - 4, "]}", 2);
  len -= 2;
  j = adm__pj_load(dense, len, len, &err);
  assert_non_null(j);
  json_decref(j);
  free(dense);
}

static void digits_and_hex(void **state) {
  (void)state;
  int64_t v;
  assert_true(adm__decimal("0", 1, &v) && v == 0);
  assert_true(adm__decimal("123456789012345678", 18, &v) && v == 123456789012345678);
  assert_false(adm__decimal("1234567890123456789", 19, &v));
  assert_false(adm__decimal("", 0, &v));
  assert_false(adm__decimal("1-", 2, &v));
  unsigned char sum[32];
  memset(sum, 0xab, sizeof sum);
  char hex[65];
  for (int i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "ab");
  assert_true(adm__hex_is(hex, sum));
  hex[0] = 'A';
  assert_false(adm__hex_is(hex, sum)); /* lower case only, as Rekor writes it */
  assert_false(adm__hex_is("ab", sum));
  assert_false(adm__hex_is(NULL, sum));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(paths),
      cmocka_unit_test_setup_teardown(strings_and_objects, arena_setup, teardown),
      cmocka_unit_test(list_bound),
      cmocka_unit_test_setup_teardown(int64s, arena_setup, teardown),
      cmocka_unit_test_setup_teardown(base64, arena_setup, teardown),
      cmocka_unit_test(rfc3339),
      cmocka_unit_test_setup_teardown(ranges, arena_setup, teardown),
      cmocka_unit_test(loading),
      cmocka_unit_test(digits_and_hex),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
