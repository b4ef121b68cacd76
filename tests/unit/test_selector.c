/* policies/selector.c: namespace globs and exclusions, and label selector
 * semantics as Kubernetes defines them (absent keys and NotIn, empty
 * selectors, ANDed requirements). */
#include "helpers.h"

#include "admitd/selector.h"

static const char *const keys[] = {"app", "tier", "team"};
static const char *const vals[] = {"web", "frontend", ""};
static const struct adm_labels labels = {keys, vals, 3};
static const struct adm_labels none = {NULL, NULL, 0};

static bool match1(const char *key, enum adm_selector_op op, const char *const *v, size_t n,
                   const struct adm_labels *l) {
  struct adm_label_requirement r = {key, op, v, n};
  struct adm_selector s = {&r, 1};
  return adm_selector_matches(&s, l);
}

static void label_requirements(void **state) {
  (void)state;
  static const char *const web[] = {"web", "api"}, *const db[] = {"db"}, *const empty[] = {""};
  assert_true(match1("app", ADM_SEL_IN, web, 2, &labels));
  assert_false(match1("app", ADM_SEL_IN, db, 1, &labels));
  assert_false(match1("missing", ADM_SEL_IN, web, 2, &labels));
  assert_false(match1("app", ADM_SEL_NOT_IN, web, 2, &labels));
  assert_true(match1("app", ADM_SEL_NOT_IN, db, 1, &labels));
  assert_true(match1("missing", ADM_SEL_NOT_IN, db, 1, &labels)); /* absent key: NotIn holds */
  assert_true(match1("team", ADM_SEL_EXISTS, NULL, 0, &labels));  /* an empty value still exists */
  assert_true(match1("team", ADM_SEL_IN, empty, 1, &labels));
  assert_false(match1("missing", ADM_SEL_EXISTS, NULL, 0, &labels));
  assert_true(match1("missing", ADM_SEL_DOES_NOT_EXIST, NULL, 0, &labels));
  assert_false(match1("app", ADM_SEL_DOES_NOT_EXIST, NULL, 0, &labels));
  assert_true(match1("app", ADM_SEL_NOT_IN, web, 2, &none));
  struct adm_selector everything = {NULL, 0};
  assert_true(adm_selector_matches(&everything, &none));
  struct adm_label_requirement both[] = {{"app", ADM_SEL_IN, web, 2}, {"tier", ADM_SEL_IN, db, 1}};
  struct adm_selector and = {both, 2};
  assert_false(adm_selector_matches(&and, &labels)); /* ANDed */
}

static void namespaces(void **state) {
  (void)state;
  static const char *const prod[] = {"prod-*", "payments"}, *const ks[] = {"kube-system"};
  assert_true(adm_namespace_selected("prod-eu", prod, 2, NULL, 0));
  assert_true(adm_namespace_selected("payments", prod, 2, NULL, 0));
  assert_false(adm_namespace_selected("dev", prod, 2, NULL, 0));
  assert_true(adm_namespace_selected("dev", NULL, 0, ks, 1));
  assert_false(adm_namespace_selected("kube-system", NULL, 0, ks, 1));
  static const char *const all[] = {"*"}, *const prod_ex[] = {"prod-secret"};
  assert_false(adm_namespace_selected("prod-secret", all, 1, prod_ex, 1)); /* exclusion wins */
  assert_true(adm_namespace_selected("", all, 1, NULL, 0));                /* cluster-scoped */
  enum adm_selector_op op;
  assert_int_equal(adm_selector_op_parse("NotIn", &op), 0);
  assert_int_equal(op, ADM_SEL_NOT_IN);
  assert_int_equal(adm_selector_op_parse("notin", &op), ADM_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(label_requirements),
      cmocka_unit_test(namespaces),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
