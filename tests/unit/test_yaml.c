/* server/core/yaml.c: scalar typing in both schemas, merge keys, marks,
 * multi-document, aliases, limits and error places. Includes yaml.c itself
 * with realloc routed through a switch, so a failed allocation can be
 * provoked where it matters. */
#include "helpers.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fallible_realloc.h"

#define realloc(p, n) fallible_realloc(p, n)
#include "yaml.c"
#undef realloc

static struct adm_yaml_docs *load(const char *text, struct adm_error *err) {
  struct adm_yaml_docs *docs = NULL;
  int rc = adm_yaml_load(text, strlen(text), "t.yaml", &docs, err);
  return rc == 0 ? docs : NULL;
}

static struct adm_yaml_docs *load_manifest(const char *text, struct adm_error *err) {
  struct adm_yaml_docs *docs = NULL;
  int rc = adm_yaml_load_schema(text, strlen(text), "m.yaml", ADM_YAML_MANIFEST, &docs, err);
  return rc == 0 ? docs : NULL;
}

static void scalars_follow_the_core_schema(void **state) {
  (void)state;
  struct adm_error err = {0};
  struct adm_yaml_docs *d = load("a: true\nb: False\nc: ~\nd: null\ne: 42\nf: -7\ng: 1.5\nh: \"true\"\ni: yes\n"
                                 "j: '42'\nk: 0x1F\nl: 1e3\nm: v1.30\nn: |\n  block\n",
                                 &err);
  assert_non_null(d);
  json_t *r = d->docs[0].root;
  assert_true(json_is_true(json_object_get(r, "a")));
  assert_true(json_is_false(json_object_get(r, "b")));
  assert_true(json_is_null(json_object_get(r, "c")));
  assert_true(json_is_null(json_object_get(r, "d")));
  assert_int_equal(json_integer_value(json_object_get(r, "e")), 42);
  assert_int_equal(json_integer_value(json_object_get(r, "f")), -7);
  assert_true(json_is_real(json_object_get(r, "g")));
  assert_string_equal(json_string_value(json_object_get(r, "h")), "true");
  /* YAML 1.2: yes is a string. */
  assert_string_equal(json_string_value(json_object_get(r, "i")), "yes");
  assert_string_equal(json_string_value(json_object_get(r, "j")), "42");
  assert_int_equal(json_integer_value(json_object_get(r, "k")), 31);
  assert_true(json_is_real(json_object_get(r, "l")));
  assert_string_equal(json_string_value(json_object_get(r, "m")), "v1.30");
  assert_string_equal(json_string_value(json_object_get(r, "n")), "block\n");
  adm_yaml_docs_free(d);
}

static void marks_point_at_keys_and_items(void **state) {
  (void)state;
  struct adm_error err = {0};
  struct adm_yaml_docs *d = load("top:\n  inner: 1\nlist:\n  - x\n  - y\n", &err);
  assert_non_null(d);
  json_t *r = d->docs[0].root;
  unsigned line, col;
  assert_int_equal(adm_yaml_mark_find(d, json_object_get(r, "top"), "inner", 0, &line, &col), 0);
  assert_int_equal(line, 2);
  assert_int_equal(col, 3);
  assert_int_equal(adm_yaml_mark_find(d, json_object_get(r, "list"), NULL, 1, &line, &col), 0);
  assert_int_equal(line, 5);
  assert_int_equal(col, 5);
  assert_int_equal(adm_yaml_mark_find(d, r, "nope", 0, &line, &col), ADM_EINVAL);
  adm_yaml_docs_free(d);
}

static void documents_and_aliases(void **state) {
  (void)state;
  struct adm_error err = {0};
  struct adm_yaml_docs *d = load("a: &x {k: v}\nb: *x\n---\n- 1\n---\n", &err);
  assert_non_null(d);
  assert_int_equal(d->n_docs, 3);
  assert_int_equal(d->docs[1].line, 3);
  json_t *r = d->docs[0].root;
  assert_string_equal(json_string_value(json_object_get(json_object_get(r, "b"), "k")), "v");
  assert_true(json_is_null(d->docs[2].root));
  adm_yaml_docs_free(d);
}

static void duplicate_keys_are_errors_with_place(void **state) {
  (void)state;
  struct adm_error err = {0};
  assert_null(load("a: 1\nb:\n  c: 1\n  c: 2\n", &err));
  assert_int_equal(err.code, ADM_EDUPLICATE);
  assert_string_equal(err.where, "t.yaml:4:3");
  assert_str_contains(err.message, "duplicate key \"c\"");
}

static void syntax_errors_have_place(void **state) {
  (void)state;
  struct adm_error err = {0};
  assert_null(load("a: [1, 2\nb: 3\n", &err));
  assert_int_equal(err.code, ADM_EPARSE);
  assert_str_contains(err.where, "t.yaml:");
  assert_null(load("a: *missing\n", &err));
  assert_str_contains(err.message, "unknown alias");
  assert_null(load("? [complex]\n: 1\n", &err));
  assert_int_equal(err.code, ADM_EUNSUPPORTED);
}

/* A part of a file names the file's lines: marks, documents and errors. */
static void a_part_keeps_the_file_lines(void **state) {
  (void)state;
  struct adm_error err = {0};
  struct adm_yaml_docs *d = NULL;
  const char *part = "---\na:\n  b: 1\n";
  assert_int_equal(adm_yaml_load_part(part, strlen(part), "f.yaml", ADM_YAML_MANIFEST, 40, &d, &err), 0);
  assert_int_equal(d->docs[0].line, 40);
  unsigned line, col;
  assert_int_equal(adm_yaml_mark_find(d, json_object_get(d->docs[0].root, "a"), "b", 0, &line, &col), 0);
  assert_int_equal(line, 42);
  assert_int_equal(col, 3);
  adm_yaml_docs_free(d);
  const char *bad = "a: 1\nb:\n  c: 1\n  c: 2\n";
  assert_int_equal(adm_yaml_load_part(bad, strlen(bad), "f.yaml", ADM_YAML_MANIFEST, 10, &d, &err), ADM_EDUPLICATE);
  assert_string_equal(err.where, "f.yaml:13:3");
  const char *broken = "a: [1, 2\nb: 3\n";
  assert_int_equal(adm_yaml_load_part(broken, strlen(broken), "f.yaml", ADM_YAML_MANIFEST, 100, &d, &err), ADM_EPARSE);
  assert_str_contains(err.where, "f.yaml:10");
}

static void nesting_and_aliases_are_bounded(void **state) {
  (void)state;
  struct adm_error err = {0};
  char deep[141];
  memset(deep, '[', 70);
  memset(deep + 70, ']', 70);
  deep[140] = '\0';
  assert_null(load(deep, &err));
  assert_int_equal(err.code, ADM_ETOODEEP);
  /* A billion-laughs shape stops at the alias bound. */
  struct adm_arena a;
  adm_arena_init(&a, 4096, 0);
  struct adm_sb sb;
  adm_sb_init(&sb, &a);
  adm_sb_add(&sb, "a: &a [x]\nb: &b [");
  for (int i = 0; i < 1100; i++)
    adm_sb_add(&sb, i ? ",*a" : "*a");
  adm_sb_add(&sb, "]\n");
  assert_null(load(adm_sb_str(&sb), &err));
  assert_int_equal(err.code, ADM_ETOOBIG);
  adm_arena_free(&a);
}

static void manifests_read_yaml11_booleans_as_kubectl(void **state) {
  (void)state;
  static const char *const trues[] = {"y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE"};
  static const char *const falses[] = {"n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE"};
  for (size_t i = 0; i < sizeof trues / sizeof trues[0]; i++) {
    char text[64];
    struct adm_error err = {0};
    snprintf(text, sizeof text, "t: %s\nf: %s\nq: \"%s\"\n", trues[i], falses[i], trues[i]);
    struct adm_yaml_docs *d = load_manifest(text, &err);
    assert_non_null(d);
    json_t *r = d->docs[0].root;
    if (!json_is_true(json_object_get(r, "t")) || !json_is_false(json_object_get(r, "f")))
      fail_msg("manifest schema: expected %s true and %s false", trues[i], falses[i]);
    /* Quoted, it stays a string in either schema. */
    assert_string_equal(json_string_value(json_object_get(r, "q")), trues[i]);
    adm_yaml_docs_free(d);
  }
  /* Policy files stay YAML 1.2: yes and on are strings, and the loader can say why. */
  struct adm_error err = {0};
  struct adm_yaml_docs *d = load("a: yes\nb: on\nc: n\n", &err);
  assert_non_null(d);
  assert_string_equal(json_string_value(json_object_get(d->docs[0].root, "a")), "yes");
  assert_string_equal(json_string_value(json_object_get(d->docs[0].root, "b")), "on");
  adm_yaml_docs_free(d);
  bool value = false;
  assert_true(adm_yaml_is_yaml11_bool("on", &value));
  assert_true(value);
  assert_true(adm_yaml_is_yaml11_bool("N", &value));
  assert_false(value);
  assert_false(adm_yaml_is_yaml11_bool("true", &value));
  assert_false(adm_yaml_is_yaml11_bool("yep", &value));
}

static void manifests_read_numbers_as_go_yaml_v2(void **state) {
  (void)state;
  struct adm_error err = {0};
  struct adm_yaml_docs *d = load_manifest("a: 0644\nb: 1_000\nc: 0x1F\nd: 0b101\ne: -0o17\nf: 1e999\ng: 09\nh: "
                                          "-.5\ni: 99999999999999999999\nj: +.nan\n",
                                          &err);
  assert_non_null(d);
  json_t *r = d->docs[0].root;
  assert_int_equal(json_integer_value(json_object_get(r, "a")), 420); /* YAML 1.1 octal */
  assert_int_equal(json_integer_value(json_object_get(r, "b")), 1000);
  assert_int_equal(json_integer_value(json_object_get(r, "c")), 31);
  assert_int_equal(json_integer_value(json_object_get(r, "d")), 5);
  assert_int_equal(json_integer_value(json_object_get(r, "e")), -15);
  /* go-yaml keeps a float it cannot hold as text. */
  assert_string_equal(json_string_value(json_object_get(r, "f")), "1e999");
  assert_true(json_is_real(json_object_get(r, "g")));
  assert_true(json_real_value(json_object_get(r, "h")) == -0.5);
  assert_true(json_is_real(json_object_get(r, "i")));
  assert_string_equal(json_string_value(json_object_get(r, "j")), "+.nan");
  adm_yaml_docs_free(d);
}

static void expect_out_of_range(struct adm_yaml_docs *d, const struct adm_error *err, const char *where,
                                const char *text) {
  assert_null(d);
  if (err->code == ADM_ENOMEM)
    fail_msg("%s reported as out of memory", text);
  assert_int_equal(err->code, ADM_EINVAL);
  assert_string_equal(err->where, where);
  assert_str_contains(err->message, "number out of range");
  assert_str_contains(err->message, text);
}

static void infinities_and_nan_are_range_errors_not_oom(void **state) {
  (void)state;
  static const char *const values[] = {".inf", "-.inf", "+.Inf", ".nan", ".NaN", "1e999", "-1e999"};
  for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
    char text[64];
    struct adm_error err = {0};
    snprintf(text, sizeof text, "a: 1\nb: %s\n", values[i]);
    expect_out_of_range(load(text, &err), &err, "t.yaml:2:4", values[i]);
    if (values[i][strlen(values[i]) - 1] == '9')
      continue; /* 1e999 is a string to go-yaml, checked above */
    memset(&err, 0, sizeof err);
    expect_out_of_range(load_manifest(text, &err), &err, "m.yaml:2:4", values[i]);
  }
}

static void merge_keys_apply_in_manifests(void **state) {
  (void)state;
  struct adm_error err = {0};
  struct adm_yaml_docs *d = load_manifest("base: &b {hostNetwork: true, hostPID: true, name: base}\n"
                                          "more: &m {hostIPC: true, hostPID: false, extra: 1}\n"
                                          "one:\n  <<: *b\n  name: one\n"
                                          "list:\n  <<: [*m, *b]\n"
                                          "inline: {<<: {a: 1}, b: 2}\n",
                                          &err);
  if (d == NULL)
    fail_msg("merge keys refused: %s: %s", err.where, err.message);
  json_t *r = d->docs[0].root;
  json_t *one = json_object_get(r, "one");
  assert_true(json_is_true(json_object_get(one, "hostNetwork")));
  assert_true(json_is_true(json_object_get(one, "hostPID")));
  /* An explicit key wins over a merged one, and its mark is its own. */
  assert_string_equal(json_string_value(json_object_get(one, "name")), "one");
  assert_null(json_object_get(one, "<<"));
  unsigned line, col;
  assert_int_equal(adm_yaml_mark_find(d, one, "name", 0, &line, &col), 0);
  assert_int_equal(line, 5);
  assert_int_equal(adm_yaml_mark_find(d, one, "hostPID", 0, &line, &col), 0);
  assert_int_equal(line, 4);
  /* Earlier entries of a merge list win over later ones. */
  json_t *list = json_object_get(r, "list");
  assert_true(json_is_false(json_object_get(list, "hostPID")));
  assert_true(json_is_true(json_object_get(list, "hostNetwork")));
  assert_true(json_is_true(json_object_get(list, "hostIPC")));
  assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "inline"), "a")), 1);
  adm_yaml_docs_free(d);
}

static void expect_load_error(bool manifest, const char *text, int code, const char *where, const char *msg) {
  struct adm_error err = {0};
  struct adm_yaml_docs *d = manifest ? load_manifest(text, &err) : load(text, &err);
  if (d != NULL)
    fail_msg("expected an error for [%s]", text);
  assert_int_equal(err.code, code);
  assert_string_equal(err.where, where);
  assert_str_contains(err.message, msg);
}

static void merge_key_errors_have_places(void **state) {
  (void)state;
  expect_load_error(true, "a: &a [1]\nb:\n  <<: *a\n", ADM_ETYPE, "m.yaml:3:3", "a mapping or a list of mappings");
  expect_load_error(true, "b:\n  <<: [{a: 1}, 2]\n", ADM_ETYPE, "m.yaml:2:3", "a mapping or a list of mappings");
  expect_load_error(true, "b:\n  <<: {a: 1}\n  <<: {c: 1}\n", ADM_EDUPLICATE, "m.yaml:3:3", "duplicate key");
  /* Explicit keys after a merge may repeat; before it, kubectl and the spec
   * disagree on a different value, so it is refused. */
  expect_load_error(true, "b:\n  a: 1\n  <<: {a: 2}\n", ADM_EINVAL, "m.yaml:3:3", "key \"a\" is set before");
  expect_load_error(true, "b:\n  <<: {a: 2}\n  a: 1\n  a: 3\n", ADM_EDUPLICATE, "m.yaml:4:3", "duplicate key");
  /* In a policy file, << is an ordinary key that config.c reports as unknown. */
  struct adm_error err = {0};
  struct adm_yaml_docs *d = load("b:\n  <<: {a: 2}\n", &err);
  assert_non_null(d);
  assert_non_null(json_object_get(json_object_get(d->docs[0].root, "b"), "<<"));
  adm_yaml_docs_free(d);
}

static void alias_cycles_are_refused(void **state) {
  (void)state;
  expect_load_error(false, "a: &a\n  b: *a\n", ADM_EINVAL, "t.yaml:2:6", "cycle");
  expect_load_error(true, "a: &a [1, *a]\n", ADM_EINVAL, "m.yaml:1:11", "cycle");
  expect_load_error(true, "a: &a\n  <<: *a\n", ADM_EINVAL, "m.yaml:2:7", "cycle");
}

/* An anchor of n names aliased k times, the shape of the 4.7 GB policy. */
static char *alias_bomb(struct adm_arena *a, int names, int aliases) {
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm_sb_add(&sb, "names: &n [");
  for (int i = 0; i < names; i++)
    adm_sb_addf(&sb, "%sn%d", i ? "," : "", i);
  adm_sb_add(&sb, "]\nuses:\n");
  for (int i = 0; i < aliases; i++)
    adm_sb_add(&sb, "  - *n\n");
  return (char *)adm_sb_str(&sb);
}

static void alias_expansion_is_bounded_by_ratio(void **state) {
  (void)state;
  struct adm_arena a;
  adm_arena_init(&a, 1 << 20, 0);
  struct adm_error err = {0};
  assert_null(load(alias_bomb(&a, 120000, 999), &err));
  assert_int_equal(err.code, ADM_ETOOBIG);
  assert_str_contains(err.where, "t.yaml:");
  assert_str_contains(err.message, "out of proportion");
  /* Ordinary reuse stays well inside the bound. */
  struct adm_yaml_docs *d = load(alias_bomb(&a, 20, 50), &err);
  if (d == NULL)
    fail_msg("modest aliasing refused: %s: %s", err.where, err.message);
  adm_yaml_docs_free(d);
  adm_arena_free(&a);
}

/* Every realloc the loader makes, failed in turn: an error, never a crash
 * or a half-built tree returned as success. */
static void loader_survives_each_failed_realloc(void **state) {
  (void)state;
  const char *text = "a: &a {k: v, l: [1, 2, 3]}\nb:\n  <<: *a\n  m: [x, y, z, *a]\n---\nc: d\n---\ne: f\n";
  for (int n = 1; n < 64; n++) {
    struct adm_error err = {0};
    realloc_fail_in = n;
    struct adm_yaml_docs *d = load_manifest(text, &err);
    bool failed = realloc_fail_in == 0;
    realloc_fail_in = 0;
    if (failed) {
      assert_null(d);
      assert_int_equal(err.code, ADM_ENOMEM);
    } else {
      assert_non_null(d);
      assert_int_equal(d->n_docs, 3);
    }
    adm_yaml_docs_free(d);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(scalars_follow_the_core_schema),
      cmocka_unit_test(marks_point_at_keys_and_items),
      cmocka_unit_test(a_part_keeps_the_file_lines),
      cmocka_unit_test(documents_and_aliases),
      cmocka_unit_test(duplicate_keys_are_errors_with_place),
      cmocka_unit_test(syntax_errors_have_place),
      cmocka_unit_test(nesting_and_aliases_are_bounded),
      cmocka_unit_test(manifests_read_yaml11_booleans_as_kubectl),
      cmocka_unit_test(manifests_read_numbers_as_go_yaml_v2),
      cmocka_unit_test(infinities_and_nan_are_range_errors_not_oom),
      cmocka_unit_test(merge_keys_apply_in_manifests),
      cmocka_unit_test(merge_key_errors_have_places),
      cmocka_unit_test(alias_cycles_are_refused),
      cmocka_unit_test(alias_expansion_is_bounded_by_ratio),
      cmocka_unit_test(loader_survives_each_failed_realloc),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
