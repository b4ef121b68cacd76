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
                                    "123456789012345678901234567890123456789",
                                    "Pi",
                                    "Ei",
                                    "+E-13",
                                    ".e-10",
                                    "1.25e-2147483648"};
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
  b = q("0");
  assert_int_equal(adm_quantity_add(&b, &a, &s), 0); /* zero lines up with anything */
  assert_int_equal(adm_quantity_cmp(&s, &a), 0);
  a = q("3");
  assert_int_equal(adm_quantity_mul_small(&a, 4, &s), 0);
  assert_string_equal(adm_quantity_format(&s, buf, sizeof buf), "12");
}

static void refuses_negative_resource_quantities(void **state) {
  (void)state;
  struct adm_quantity v;
  const char *why = NULL;
  assert_int_equal(adm_quantity_parse_resource("-1", &v, &why), ADM_EPARSE);
  assert_string_equal(why, "must be greater than or equal to 0");
  why = NULL;
  assert_int_equal(adm_quantity_parse_resource("1x", &v, &why), ADM_EPARSE);
  assert_non_null(why);
  assert_int_equal(adm_quantity_parse_resource("-0", &v, NULL), 0);
  assert_true(adm_quantity_is_zero(&v));
  assert_int_equal(adm_quantity_parse_resource("1Gi", &v, NULL), 0);
}

static void looks_up_resources_by_name(void **state) {
  (void)state;
  struct adm_resource_entry items[] = {{"cpu", "500m"}, {"memory", "-1Gi"}, {"nvidia.com/gpu", "one"}};
  struct adm_resource_list l = {items, 3};
  struct adm_quantity v;
  char buf[32];
  const char *text = NULL;
  assert_int_equal(adm_resource_quantity(&l, "cpu", &v, &text), 1);
  assert_string_equal(adm_quantity_format(&v, buf, sizeof buf), "0.5");
  assert_string_equal(text, "500m");
  assert_int_equal(adm_resource_quantity(&l, "memory", &v, NULL), ADM_EPARSE);
  assert_int_equal(adm_resource_quantity(&l, "nvidia.com/gpu", &v, &text), ADM_EPARSE);
  assert_string_equal(text, "one");
  assert_int_equal(adm_resource_quantity(&l, "ephemeral-storage", &v, NULL), 0);
}

static void assert_cmp_mul(const char *a, const char *b, const char *c, int want) {
  struct adm_quantity x = q(a), y = q(b), z = q(c);
  int got = adm_quantity_cmp_mul(&x, &y, &z);
  if (got != want)
    fail_msg("expected cmp(%s, %s x %s) = %d, got %d", a, b, c, want, got);
  got = adm_quantity_cmp_mul(&x, &z, &y);
  if (got != want)
    fail_msg("expected cmp(%s, %s x %s) = %d, got %d", a, c, b, want, got);
}

static void compares_with_a_product_exactly(void **state) {
  (void)state;
  static const char nines[] = "99999999999999999999999999999999999999"; /* 38 digits */
  assert_cmp_mul("4Gi", "1024Mi", "4", 0);
  assert_cmp_mul("4097Mi", "1Gi", "4", 1);
  assert_cmp_mul("4095Mi", "1Gi", "4", -1);
  assert_cmp_mul("3", "2", "1.5", 0);
  assert_cmp_mul("3001m", "2", "1.5", 1);
  assert_cmp_mul("2999999999n", "2", "1.5", -1);
  assert_cmp_mul("1n", "1u", "1m", 0);
  assert_cmp_mul("1e76", nines, nines, 1); /* the product needs 76 digits */
  assert_cmp_mul("1e75", nines, nines, -1);
  assert_cmp_mul("9999999999999999999999999999999999998e39", nines, nines, -1);
  assert_cmp_mul("-1", "1", "1", -1);
  assert_cmp_mul("1", "-1", "1", 1);
  assert_cmp_mul("0", "0", "5", 0);
  assert_cmp_mul("1", "0", "5", 1);
  assert_cmp_mul("1e30", "1e20", "1e10", 0);
}

static void formats_ratios_for_messages(void **state) {
  (void)state;
  static const struct {
    const char *num, *den, *text;
  } cases[] = {
      {"4Gi", "1Gi", "4"},
      {"5", "2", "2.5"},
      {"4", "3", "1.333333..."},
      {"1Gi", "1G", "1.073741..."},
      {"2000001u", "1", "2.000001"},
      {"20000001u", "10", "2.000000..."}, /* never shown as equal to a setting it exceeds */
      {"1500m", "500m", "3"},
      {"1e40", "1n", "1.000000e+49..."},
      {"1", "0", "infinite"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct adm_quantity n = q(cases[i].num), d = q(cases[i].den);
    char buf[64];
    const char *got = adm_quantity_format_ratio(&n, &d, buf, sizeof buf);
    if (strcmp(got, cases[i].text) != 0)
      fail_msg("expected %s / %s to print as %s, got %s", cases[i].num, cases[i].den, cases[i].text, got);
  }
}

static void formats_with_suffixes(void **state) {
  (void)state;
  static const struct {
    const char *in;
    bool binary;
    const char *text;
  } cases[] = {
      {"1610612736", true, "1536Mi"},
      {"2Gi", true, "2Gi"},
      {"1Gi", false, "1073741824"},
      {"1G", true, "1G"},
      {"2000", false, "2k"},
      {"1500", false, "1500"},
      {"0.5", false, "500m"},
      {"0.5", true, "500m"},
      {"1500m", false, "1500m"},
      {"5n", false, "5n"},
      {"0", true, "0"},
      {"8Ei", true, "9223372036854775807"},
      {"1Ei", true, "1Ei"},
      {"3e18", false, "3E"},
      {"1e21", false, "1000E"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct adm_quantity v = q(cases[i].in);
    char buf[64];
    const char *got = adm_quantity_format_si(&v, cases[i].binary, buf, sizeof buf);
    if (strcmp(got, cases[i].text) != 0)
      fail_msg("expected %s (binary %d) to print as %s, got %s", cases[i].in, cases[i].binary, cases[i].text, got);
  }
}

/* The fast path for plain values agrees with the general one: leading
 * zeros past 18 digits send the same value down the general path. */
static void fast_path_agrees_with_general_path(void **state) {
  (void)state;
  static const char *const suffixes[] = {"",   "m",  "k",  "M",  "G", "T", "P",  "E", "Ki", "Mi",
                                         "Gi", "Ti", "Pi", "Ei", "u", "n", "e3", "i", "Z"};
  unsigned seed = 12345;
  for (int i = 0; i < 20000; i++) {
    char num[40], a[80], b[120];
    seed = seed * 1103515245u + 12345u;
    int len = 1 + (int)(seed >> 16) % 19;
    int w = 0;
    for (int k = 0; k < len; k++) {
      seed = seed * 1103515245u + 12345u;
      num[w++] = (char)('0' + (seed >> 16) % 10);
    }
    num[w] = '\0';
    seed = seed * 1103515245u + 12345u;
    int dot = (int)((seed >> 16) % (unsigned)(len + 2)) - 1; /* -1: no dot */
    seed = seed * 1103515245u + 12345u;
    const char *suf = suffixes[(seed >> 16) % (sizeof suffixes / sizeof suffixes[0])];
    if (dot >= 0 && dot <= len)
      snprintf(a, sizeof a, "%.*s.%s%s", dot, num, num + dot, suf);
    else
      snprintf(a, sizeof a, "%s%s", num, suf);
    snprintf(b, sizeof b, "0000000000000000000%s", a);
    struct adm_quantity x, y;
    int rx = adm_quantity_parse(a, &x, NULL), ry = adm_quantity_parse(b, &y, NULL);
    if (rx != ry)
      fail_msg("\"%s\" parses with %d, \"%s\" with %d", a, rx, b, ry);
    if (rx == 0 && adm_quantity_cmp(&x, &y) != 0)
      fail_msg("\"%s\" and \"%s\" differ", a, b);
  }
}

/* ParseQuantity refuses white space, but the API server never calls it on
 * a value as sent: Quantity.UnmarshalJSON (JSON and YAML bodies) and
 * UnmarshalCBOR trim it first with strings.TrimSpace, so " 500m" in a
 * manifest is 500m. Values in pods and policies are decoded so. */
static void values_are_trimmed_as_the_api_server_decodes_them(void **state) {
  (void)state;
  static const char *const spaced[] = {" 500m",
                                       "500m ",
                                       "\t500m\n",
                                       "\r\v\f 500m  ",
                                       "\xc2\xa0"
                                       "500m\xe3\x80\x80",
                                       "\xe2\x80\x8a"
                                       "0.5\xc2\x85",
                                       "\xe1\x9a\x80"
                                       "500m\xe2\x81\x9f\xe2\x80\xa8"};
  struct adm_quantity want = q("500m");
  for (size_t i = 0; i < sizeof spaced / sizeof spaced[0]; i++) {
    struct adm_quantity v;
    const char *why = NULL;
    if (adm_quantity_decode(spaced[i], &v, &why) < 0)
      fail_msg("expected \"%s\" to decode as 500m, got: %s", spaced[i], why);
    if (adm_quantity_cmp(&v, &want) != 0)
      fail_msg("expected \"%s\" to be 500m", spaced[i]);
    if (adm_quantity_parse(spaced[i], &v, &why) == 0)
      fail_msg("expected ParseQuantity to refuse \"%s\"", spaced[i]);
    if (adm_quantity_parse_resource(spaced[i], &v, &why) < 0)
      fail_msg("expected a request or limit \"%s\" to be valid, got: %s", spaced[i], why);
  }
  /* Only around the value, only white space, and whole characters. */
  static const char *const bad[] = {"",
                                    " ",
                                    "\t \n",
                                    "5 00m",
                                    "500 m",
                                    " 1 Gi ",
                                    "\xc2"
                                    "500m",
                                    "500m\xe2\x80",
                                    "\xe2\x80\x8b"
                                    "1",
                                    "1\xe2\x80\x8b",
                                    "500m\x85",
                                    " -1"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct adm_quantity v;
    const char *why = NULL;
    int rc = i + 1 < sizeof bad / sizeof bad[0] ? adm_quantity_decode(bad[i], &v, &why)
                                                : adm_quantity_parse_resource(bad[i], &v, &why);
    if (rc == 0)
      fail_msg("expected \"%s\" to be refused", bad[i]);
    assert_non_null(why);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(fast_path_agrees_with_general_path),
      cmocka_unit_test(parses_every_form_upstream_accepts),
      cmocka_unit_test(refuses_what_upstream_refuses),
      cmocka_unit_test(compares_exactly_across_units),
      cmocka_unit_test(adds_exactly_and_reports_overflow),
      cmocka_unit_test(refuses_negative_resource_quantities),
      cmocka_unit_test(looks_up_resources_by_name),
      cmocka_unit_test(compares_with_a_product_exactly),
      cmocka_unit_test(formats_ratios_for_messages),
      cmocka_unit_test(formats_with_suffixes),
      cmocka_unit_test(values_are_trimmed_as_the_api_server_decodes_them),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
