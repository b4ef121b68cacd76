/* The verifier contract (include/admitd/verifier.h) and the fake that unit
 * tests of fact gathering use in place of the registry client. Links no
 * libcurl: the contract must not need it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fake_verifier.h"

#define MANIFEST "{\"schemaVersion\":2}"

static void test_outcome_ids_are_distinct(void **state) {
  (void)state;
  const enum adm_fetch_outcome all[] = {ADM_FETCH_OK,        ADM_FETCH_UNAVAILABLE,     ADM_FETCH_DEADLINE,
                                        ADM_FETCH_AUTH,      ADM_FETCH_NOT_FOUND,       ADM_FETCH_TOO_LARGE,
                                        ADM_FETCH_MALFORMED, ADM_FETCH_DIGEST_MISMATCH, ADM_FETCH_INTERNAL};
  size_t n = sizeof all / sizeof *all;
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++)
      if (strcmp(adm_fetch_outcome_id(all[i]), adm_fetch_outcome_id(all[j])) == 0)
        fail_msg("outcomes %zu and %zu share the id %s", i, j, adm_fetch_outcome_id(all[i]));
  assert_int_equal(ADM_FETCH_OK, 0); /* zero-initialised means success only where set so */
  assert_string_equal(adm_fetch_outcome_id(ADM_FETCH_UNAVAILABLE), "registry-unavailable");
  assert_string_equal(adm_fetch_outcome_id(ADM_FETCH_AUTH), "auth-failed");
  assert_string_equal(adm_fetch_outcome_id((enum adm_fetch_outcome)99), "internal");
}

static void test_fake_serves_and_counts(void **state) {
  (void)state;
  char digest[ADM_DIGEST_MAX];
  fake_sha256(MANIFEST, digest);
  struct fake_entry entries[] = {
      {"app", "v1", .bytes = MANIFEST, .media_type = "application/vnd.oci.image.manifest.v1+json"},
      {"app", "", .bytes = MANIFEST},
      {"down", "v1", .outcome = ADM_FETCH_UNAVAILABLE},
      {"app", "sha256:0000000000000000000000000000000000000000000000000000000000000000", .bytes = "tampered"},
  };
  entries[1].reference = digest;
  struct fake_verifier f = {.entries = entries, .n = 4};
  struct adm_verifier v;
  fake_verifier_init(&f, &v);
  struct adm_fetch_error err = {0};
  struct adm_fetch_target t = {"registry.example", "app", "v1"};
  char got[ADM_DIGEST_MAX];
  assert_int_equal(v.ops->resolve(&v, &t, adm_verifier_deadline_in(1000), got, &err), ADM_FETCH_OK);
  assert_string_equal(got, digest);
  struct adm_fetched m;
  t.reference = got;
  assert_int_equal(v.ops->fetch_manifest(&v, &t, adm_verifier_deadline_in(1000), &m, &err), ADM_FETCH_OK);
  assert_memory_equal(m.data, MANIFEST, m.len);
  adm_fetched_free(&m);
  t.reference = entries[3].reference;
  assert_int_equal(v.ops->fetch_blob(&v, &t, adm_verifier_deadline_in(1000), &m, &err), ADM_FETCH_DIGEST_MISMATCH);
  t.repository = "down";
  t.reference = "v1";
  assert_int_equal(v.ops->resolve(&v, &t, adm_verifier_deadline_in(1000), got, &err), ADM_FETCH_UNAVAILABLE);
  assert_string_equal(adm_fetch_outcome_id(err.outcome), "registry-unavailable");
  t.repository = "app";
  assert_int_equal(v.ops->resolve(&v, &t, adm_verifier_now_ms() - 1, got, &err), ADM_FETCH_DEADLINE);
  t.reference = "v2";
  assert_int_equal(v.ops->resolve(&v, &t, adm_verifier_deadline_in(1000), got, &err), ADM_FETCH_NOT_FOUND);
  assert_int_equal(f.resolves, 4);
  assert_int_equal(f.manifests, 1);
  assert_int_equal(f.blobs, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_outcome_ids_are_distinct),
      cmocka_unit_test(test_fake_serves_and_counts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
