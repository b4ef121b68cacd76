/* policies/quantity.c: upstream's grammar and quirks, rounding to a
 * nano-unit, the binary cap, and exact comparison across units and past
 * 64 bits. Expected values follow apimachinery's ParseQuantity. */
#include "helpers.h"

#include "admitd/quantity.h"

static struct adm_quantity q(const char *s) {
  struct adm_quantity v;
  const char *why = NULL;
  if (adm_quantity_parse(s, &v, &why) < 0)
    fail_msg("expected \"%s\" to parse, got: %s", s, why);
  return v;
}

static const char *text(const char *s) {
  static char buf[160];
  struct adm_quantity v = q(s);
  return adm_quantity_format(&v, buf, sizeof buf);
}

static void assert_cmp(const char *a, const char *b, int want) {
  struct adm_quantity x = q(a), y = q(b);
  int got = adm_quantity_cmp(&x, &y);
  if (got != want)
    fail_msg("expected cmp(%s, %s) = %d, got %d", a, b, want, got);
  got = adm_quantity_cmp(&y, &x);
  if (got != -want)
    fail_msg("expected cmp(%s, %s) = %d, got %d", b, a, -want, got);
}

static void parses_every_form_upstream_accepts(void **state) {
  (void)state;
  static const struct {
    const char *in, *value;
  } cases[] = {
      {"0", "0"},
      {"1", "1"},
      {"100m", "0.1"},
      {"1k", "1000"},
      {"1Ki", "1024"},
      {"1Mi", "1048576"},
      {"1Gi", "1073741824"},
      {"0.5Gi", "536870912"},
      {".5", "0.5"},
      {"1.", "1"},
      {"1.G", "1000000000"},
      {"+1", "1"},
      {"-1", "-1"},
      {"1e3", "1000"},
      {"1E3", "1000"},
      {"1e-3", "0.001"},
      {"1E+3", "1000"},
      {"5n", "0.000000005"},
      {"5u", "0.000005"},
      {"1E", "1000000000000000000"},
      {"000012", "12"},
      {"-0", "0"},
      {".", "0"},
      {"+", "0"},
      {"1.5Ki", "1536"},
      {"0.0000000001", "0.000000001"},
      {"1.0000000001", "1.000000001"},
      {"-0.0000000001", "-0.000000001"},
      {"9223372036854775807", "9223372036854775807"},
      {"9223372036854775808", "9223372036854775808"},
      {"8Ei", "9223372036854775807"}, /* capped at 2^63-1 */
      {"100000000000000000000000000000", "100000000000000000000000000000"},
      {"1e40", "10000000000000000000000000000000000000000"},
      {"1e70", "1e+70"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *got = text(cases[i].in);
    if (strcmp(got, cases[i].value) != 0)
      fail_msg("expected \"%s\" to be %s, got %s", cases[i].in, cases[i].value, got);
  }
}

static void refuses_what_upstream_refuses(void **state) {
  (void)state;
  static const char *const bad[] = {"",
                                    "a",
                                    "1Z",
                                    "1 Gi",
                                    "1.2.3",
                                    "1Gi ",
                                    "Gi1",
                                    "1e",
                                    "1e3.5",
                                    "1ki",
                                    "1KI",
                                    "--1",
                                    "1e1x",
                                    "1i",
                                    "0x10",
                                    "1,5",
                                    "1GiB",
                                    "1e99999999999999999999",
                                    "123456789012345678901234567890123456789"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct adm_quantity v;
    const char *why = NULL;
    if (adm_quantity_parse(bad[i], &v, &why) == 0)
      fail_msg("expected \"%s\" to be refused", bad[i]);
    assert_non_null(why);
  }
}

static void compares_exactly_across_units(void **state) {
  (void)state;
  assert_cmp("1Gi", "1073741824", 0);
  assert_cmp("1Gi", "1024Mi", 0);
  assert_cmp("1G", "1Gi", -1);
  assert_cmp("100m", "0.1001", -1);
  assert_cmp("100m", "0.1", 0);
  assert_cmp("1", "1000m", 0);
  assert_cmp("1e3", "1k", 0);
  assert_cmp("-1", "1", -1);
  assert_cmp("-2", "-1", -1);
  assert_cmp("0", "-0", 0);
  assert_cmp("0.0000000001", "1n", 0); /* rounded up to a nano-unit */
  assert_cmp("1e30", "1e40", -1);      /* past 64 bits, still ordered */
  assert_cmp("9Ei", "8Ei", 0);         /* both capped */
  assert_cmp("9223372036854775808", "8Ei", 1);
  assert_cmp("1e-9", "2e-9", -1);
  assert_cmp("500m", "1", -1);
}

static void adds_exactly_and_reports_overflow(void **state) {
  (void)state;
  struct adm_quantity a = q("1Gi"), b = q("512Mi"), s;
  char buf[80];
  assert_int_equal(adm_quantity_add(&a, &b, &s), 0);
  assert_string_equal(adm_quantity_format(&s, buf, sizeof buf), "1610612736");
  a = q("100m");
  b = q("-250m");
  assert_int_equal(adm_quantity_add(&a, &b, &s), 0);
  assert_string_equal(adm_quantity_format(&s, buf, sizeof buf), "-0.15");
  a = q("1e40");
  b = q("1n");
  assert_int_equal(adm_quantity_add(&a, &b, &s), ADM_ETOOBIG);
  a = q("3");
  assert_int_equal(adm_quantity_mul_small(&a, 4, &s), 0);
  assert_string_equal(adm_quantity_format(&s, buf, sizeof buf), "12");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(parses_every_form_upstream_accepts),
      cmocka_unit_test(refuses_what_upstream_refuses),
      cmocka_unit_test(compares_exactly_across_units),
      cmocka_unit_test(adds_exactly_and_reports_overflow),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
