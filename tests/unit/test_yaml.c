/* server/core/yaml.c: scalar typing, marks, multi-document, aliases, limits and
 * error places. */
#include "helpers.h"

#include <unistd.h>

#include "admitd/yaml.h"

static struct adm_yaml_docs *load(const char *text, struct adm_error *err) {
  struct adm_yaml_docs *docs = NULL;
  int rc = adm_yaml_load(text, strlen(text), "t.yaml", &docs, err);
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

static void read_file_bounds_size(void **state) {
  (void)state;
  char path[] = "/tmp/admitd-test-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  char buf[5000];
  memset(buf, 'x', sizeof buf);
  assert_int_equal(write(fd, buf, sizeof buf), (ssize_t)sizeof buf);
  close(fd);
  char *out;
  size_t len;
  struct adm_error err = {0};
  assert_int_equal(adm_read_file(path, 4096, &out, &len, &err), ADM_ETOOBIG);
  assert_int_equal(adm_read_file(path, 8192, &out, &len, &err), 0);
  assert_int_equal(len, sizeof buf);
  free(out);
  unlink(path);
  assert_int_equal(adm_read_file("/nonexistent/admitd", 10, &out, &len, &err), ADM_EIO);
  assert_str_contains(err.message, "cannot open");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(scalars_follow_the_core_schema), cmocka_unit_test(marks_point_at_keys_and_items),
      cmocka_unit_test(documents_and_aliases),          cmocka_unit_test(duplicate_keys_are_errors_with_place),
      cmocka_unit_test(syntax_errors_have_place),       cmocka_unit_test(nesting_and_aliases_are_bounded),
      cmocka_unit_test(read_file_bounds_size),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
