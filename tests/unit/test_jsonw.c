/* server/base/jsonw.c: every byte escaped as JSON requires, UTF-8 passed
 * through when valid and repaired when not, the fixed-buffer writer cut at
 * a character boundary, and a NULL string failing the builder. */
#include "helpers.h"

#include "admitd/jsonw.h"

static const char *esc(struct adm_arena *a, const char *s) {
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm_sb_add_json_string(&sb, s);
  return adm_sb_str(&sb);
}

static void every_ascii_byte(void **state) {
  struct adm_arena *a = *state;
  for (int c = 1; c < 0x80; c++) {
    char in[2] = {(char)c, 0}, want[16];
    if (c == '"' || c == '\\')
      snprintf(want, sizeof want, "\"\\%c\"", c);
    else if (c == '\n')
      snprintf(want, sizeof want, "\"\\n\"");
    else if (c < 0x20)
      snprintf(want, sizeof want, "\"\\u%04x\"", c);
    else
      snprintf(want, sizeof want, "\"%c\"", c);
    const char *got = esc(a, in);
    if (strcmp(got, want) != 0)
      fail_msg("byte 0x%02x: expected %s, got %s", c, want, got);
  }
}

static void utf8_kept_or_repaired(void **state) {
  struct adm_arena *a = *state;
  assert_string_equal(esc(a, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
                      "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  static const struct {
    const char *in, *want;
  } bad[] = {
      {"a\xc3", "\"a\xef\xbf\xbd\""},                                               /* cut sequence */
      {"\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\""},                                 /* overlong '/' */
      {"\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""},                 /* a surrogate */
      {"\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""}, /* past U+10FFFF */
      {"\xff", "\"\xef\xbf\xbd\""},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const char *got = esc(a, bad[i].in);
    if (strcmp(got, bad[i].want) != 0)
      fail_msg("case %zu: expected %s, got %s", i, bad[i].want, got);
    json_t *j = json_loads(got, JSON_DECODE_ANY, NULL);
    if (j == NULL)
      fail_msg("case %zu: %s is not valid JSON", i, got);
    json_decref(j);
  }
}

static void fixed_buffer_cut_at_a_character(void **state) {
  (void)state;
  char buf[16];
  /* 14 bytes of room before the cut marker: never half of a 3-byte euro. */
  for (size_t cap = 8; cap <= sizeof buf; cap++) {
    size_t n = adm_json_string_into(buf, cap, "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac");
    assert_true(n < cap);
    assert_int_equal(strlen(buf), n);
    json_t *j = json_loads(buf, JSON_DECODE_ANY, NULL);
    if (j == NULL)
      fail_msg("cap %zu: %s is not valid JSON", cap, buf);
    json_decref(j);
  }
  char status[256];
  size_t n = adm_status_into(status, sizeof status, 415, "UnsupportedMediaType", "got \"\x80\x01\"");
  json_t *j = json_loadb(status, n, 0, NULL);
  assert_non_null(j);
  assert_string_equal(json_string_value(json_object_get(j, "kind")), "Status");
  json_decref(j);
}

static void null_fails_the_builder(void **state) {
  struct adm_arena *a = *state;
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm_sb_add_json_string(&sb, NULL);
  assert_null(adm_sb_str(&sb));
  assert_int_equal(adm_arena_failure(a), ADM_ARENA_NOMEM); /* the request fails closed */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(every_ascii_byte, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(utf8_kept_or_repaired, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(fixed_buffer_cut_at_a_character, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(null_fails_the_builder, test_setup, test_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
