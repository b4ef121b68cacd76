/* server/kube/kube_json.c: Namespace objects, watch events and list pages
 * in the shapes of the Kubernetes API reference, each malformed field
 * refused where it is, bounds that mark a namespace rather than cut it,
 * the value count before parsing, and every allocation (jansson's and the
 * file's own) failed in turn. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

/* Fail the Nth allocation from now (0: none), jansson's and kube_json.c's. */
static int alloc_fail_in;
static void *fallible_malloc(size_t n) {
  if (alloc_fail_in > 0 && --alloc_fail_in == 0)
    return NULL;
  return malloc(n);
}

#define malloc(n) fallible_malloc(n)
#include "kube_json.c"
#undef malloc

static const struct adm__kube_limits lim = {.max_labels = 8, .max_label_bytes = 64, .max_values = 1000};

static json_t *parse(const char *text) {
  struct adm_error e = {0};
  json_t *j = adm__kube_json_load(text, strlen(text), 1000, &e);
  if (j == NULL)
    fail_msg("%s: %s", e.where, e.message);
  return j;
}

/* A Namespace as GET /api/v1/namespaces/payments returns it. */
static const char namespace_json[] =
    "{\"kind\":\"Namespace\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"payments\",\"uid\":"
    "\"5c6a7b8d-1e2f-4a3b-9c8d-7e6f5a4b3c2d\",\"resourceVersion\":\"18355\",\"creationTimestamp\":"
    "\"2024-05-01T10:00:00Z\",\"labels\":{\"kubernetes.io/metadata.name\":\"payments\","
    "\"pod-security.kubernetes.io/enforce\":\"restricted\",\"pod-security.kubernetes.io/enforce-version\":"
    "\"v1.30\"},\"managedFields\":[{\"manager\":\"kubectl-label\",\"operation\":\"Update\",\"apiVersion\":\"v1\","
    "\"time\":\"2024-05-01T10:00:00Z\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:metadata\":{\"f:labels\":{}}}}]},"
    "\"spec\":{\"finalizers\":[\"kubernetes\"]},\"status\":{\"phase\":\"Active\"}}";

static void test_a_namespace(void **state) {
  (void)state;
  json_t *j = parse(namespace_json);
  struct adm__kube_ns *ns;
  struct adm_error e = {0};
  assert_int_equal(adm__kube_ns_from_json(j, &lim, &ns, &e), 0);
  assert_string_equal(ns->name, "payments");
  assert_false(ns->over_limit);
  assert_int_equal(ns->labels.n, 3);
  assert_string_equal(ns->labels.keys[1], "pod-security.kubernetes.io/enforce");
  assert_string_equal(ns->labels.values[1], "restricted");
  assert_string_equal(ns->labels.values[2], "v1.30");
  adm__kube_ns_unref(ns);
  json_decref(j);
  /* No labels, or null labels: a namespace with none. */
  static const char *const bare[] = {"{\"metadata\":{\"name\":\"a\"}}",
                                     "{\"metadata\":{\"name\":\"a\",\"labels\":null}}"};
  for (size_t i = 0; i < 2; i++) {
    j = parse(bare[i]);
    assert_int_equal(adm__kube_ns_from_json(j, &lim, &ns, &e), 0);
    assert_int_equal(ns->labels.n, 0);
    adm__kube_ns_unref(ns);
    json_decref(j);
  }
}

static void test_bad_namespaces(void **state) {
  (void)state;
  static const struct {
    const char *text;
    int code;
    const char *where;
  } cases[] = {
      {"{}", ADM_EMISSING, "metadata"},
      {"{\"metadata\":{}}", ADM_EMISSING, "metadata.name"},
      {"{\"metadata\":{\"name\":\"\"}}", ADM_EMISSING, "metadata.name"},
      {"{\"metadata\":{\"name\":7}}", ADM_EMISSING, "metadata.name"},
      {"{\"metadata\":{\"name\":\"Upper_Case\"}}", ADM_EINVAL, "metadata.name"},
      {"{\"metadata\":{\"name\":\"a\",\"labels\":[]}}", ADM_ETYPE, "metadata.labels"},
      {"{\"metadata\":{\"name\":\"a\",\"labels\":{\"k\":1}}}", ADM_ETYPE, "metadata.labels"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    json_t *j = parse(cases[i].text);
    struct adm__kube_ns *ns = (struct adm__kube_ns *)1;
    struct adm_error e = {0};
    int rc = adm__kube_ns_from_json(j, &lim, &ns, &e);
    if (rc != cases[i].code || strcmp(e.where, cases[i].where) != 0)
      fail_msg("case %zu: got %d at %s, want %d at %s", i, rc, e.where, cases[i].code, cases[i].where);
    assert_null(ns);
    json_decref(j);
  }
}

static void test_bounds_mark_the_namespace(void **state) {
  (void)state;
  struct adm_error e = {0};
  struct adm__kube_ns *ns;
  /* Nine labels over a bound of eight; a label of 65 bytes over 64. */
  json_t *many = parse("{\"metadata\":{\"name\":\"a\",\"labels\":{\"a\":\"1\",\"b\":\"1\",\"c\":\"1\",\"d\":\"1\","
                       "\"e\":\"1\",\"f\":\"1\",\"g\":\"1\",\"h\":\"1\",\"i\":\"1\"}}}");
  json_t *longer = parse("{\"metadata\":{\"name\":\"b\",\"labels\":{\"key\":"
                         "\"12345678901234567890123456789012345678901234567890123456789012\"}}}");
  json_t *fits = parse("{\"metadata\":{\"name\":\"c\",\"labels\":{\"key\":"
                       "\"1234567890123456789012345678901234567890123456789012345678901\"}}}");
  assert_int_equal(adm__kube_ns_from_json(many, &lim, &ns, &e), 0);
  assert_true(ns->over_limit);
  assert_int_equal(ns->labels.n, 0);
  assert_string_equal(ns->name, "a");
  adm__kube_ns_unref(ns);
  assert_int_equal(adm__kube_ns_from_json(longer, &lim, &ns, &e), 0);
  assert_true(ns->over_limit);
  adm__kube_ns_unref(ns);
  assert_int_equal(adm__kube_ns_from_json(fits, &lim, &ns, &e), 0);
  assert_false(ns->over_limit);
  assert_int_equal(ns->labels.n, 1);
  adm__kube_ns_unref(ns);
  json_decref(many);
  json_decref(longer);
  json_decref(fits);
}

static void test_watch_events(void **state) {
  (void)state;
  struct adm__kube_event ev;
  struct adm_error e = {0};
  char text[4096];
  static const char *const types[] = {"ADDED", "MODIFIED", "DELETED"};
  for (size_t i = 0; i < 3; i++) {
    snprintf(text, sizeof text, "{\"type\":\"%s\",\"object\":%s}", types[i], namespace_json);
    json_t *j = parse(text);
    assert_int_equal(adm__kube_event_from_json(j, &ev, &e), 0);
    assert_int_equal(ev.type, (enum adm__kube_event_type)i);
    assert_string_equal(ev.rv, "18355");
    json_decref(j);
  }
  json_t *j = parse("{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Namespace\",\"apiVersion\":\"v1\",\"metadata\":"
                    "{\"resourceVersion\":\"12746\",\"creationTimestamp\":null},\"spec\":{},\"status\":{}}}");
  assert_int_equal(adm__kube_event_from_json(j, &ev, &e), 0);
  assert_int_equal(ev.type, ADM__KUBE_BOOKMARK);
  assert_string_equal(ev.rv, "12746");
  json_decref(j);
  j = parse("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":"
            "\"Failure\",\"message\":\"too old resource version: 100 (200)\",\"reason\":\"Expired\",\"code\":410}}");
  assert_int_equal(adm__kube_event_from_json(j, &ev, &e), 0);
  assert_int_equal(ev.type, ADM__KUBE_ERROR);
  assert_int_equal(ev.code, 410);
  assert_string_equal(ev.message, "too old resource version: 100 (200)");
  json_decref(j);
  static const struct {
    const char *text;
    int code;
    const char *where;
  } bad[] = {
      {"{\"object\":{}}", ADM_EMISSING, "type"},
      {"{\"type\":\"RENAMED\",\"object\":{}}", ADM_EINVAL, "type"},
      {"{\"type\":\"ADDED\"}", ADM_EMISSING, "object"},
      {"{\"type\":\"ADDED\",\"object\":[]}", ADM_EMISSING, "object"},
      {"{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}", ADM_EMISSING,
       "object.metadata.resourceVersion"},
      {"{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"resourceVersion\":\"\"}}}", ADM_EMISSING,
       "object.metadata.resourceVersion"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    j = parse(bad[i].text);
    int rc = adm__kube_event_from_json(j, &ev, &e);
    if (rc != bad[i].code || strcmp(e.where, bad[i].where) != 0)
      fail_msg("case %zu: got %d at %s, want %d at %s", i, rc, e.where, bad[i].code, bad[i].where);
    json_decref(j);
  }
}

static void test_list_pages(void **state) {
  (void)state;
  struct adm__kube_page p;
  struct adm_error e = {0};
  json_t *j =
      parse("{\"kind\":\"NamespaceList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"2000\","
            "\"continue\":\"eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ\",\"remainingItemCount\":3},\"items\":[{\"metadata\":"
            "{\"name\":\"a\"}},{\"metadata\":{\"name\":\"b\"}}]}");
  assert_int_equal(adm__kube_page_from_json(j, &p, &e), 0);
  assert_int_equal(json_array_size(p.items), 2);
  assert_string_equal(p.rv, "2000");
  assert_string_equal(p.cont, "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ");
  json_decref(j);
  j = parse("{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"7\"},\"items\":null}");
  assert_int_equal(adm__kube_page_from_json(j, &p, &e), 0);
  assert_null(p.items);
  assert_string_equal(p.cont, "");
  json_decref(j);
  j = parse("{\"metadata\":{\"resourceVersion\":\"7\"},\"items\":{}}");
  assert_int_equal(adm__kube_page_from_json(j, &p, &e), ADM_ETYPE);
  assert_string_equal(e.where, "items");
  json_decref(j);
  j = parse("{\"metadata\":{},\"items\":[]}");
  assert_int_equal(adm__kube_page_from_json(j, &p, &e), ADM_EMISSING);
  assert_string_equal(e.where, "metadata.resourceVersion");
  json_decref(j);
}

static void test_loading(void **state) {
  (void)state;
  struct adm_error e = {0};
  static const char dense[] = "{\"items\":[{},{},{},{},{},{},{},{},{},{}]}";
  assert_null(adm__kube_json_load(dense, strlen(dense), 10, &e));
  assert_int_equal(e.code, ADM_ETOOBIG);
  /* The count errs high (brackets and commas both count): 22 here. */
  json_t *j = adm__kube_json_load(dense, strlen(dense), 22, &e);
  assert_non_null(j);
  json_decref(j);
  assert_null(adm__kube_json_load("{\"a\":", 5, 100, &e));
  assert_int_equal(e.code, ADM_EPARSE);
  assert_null(adm__kube_json_load("[1]", 3, 100, &e));
  assert_int_equal(e.code, ADM_ETYPE);
  assert_null(adm__kube_json_load("{\"a\":1,\"a\":2}", 13, 100, &e));
  assert_int_equal(e.code, ADM_EPARSE);
}

/* Parse an event and make its namespace; 0 when everything held. */
static int event_to_namespace(const char *text) {
  struct adm_error e = {0};
  json_t *j = adm__kube_json_load(text, strlen(text), 1000, &e);
  struct adm__kube_event ev;
  struct adm__kube_ns *ns = NULL;
  int rc = j ? adm__kube_event_from_json(j, &ev, &e) : e.code;
  if (rc == 0)
    rc = adm__kube_ns_from_json(ev.object, &lim, &ns, &e);
  if (rc == 0) {
    /* Whatever came back is whole. */
    assert_string_equal(ns->name, "payments");
    assert_int_equal(ns->labels.n, 3);
    assert_string_equal(ns->labels.values[0], "payments");
    assert_string_equal(ns->labels.values[1], "restricted");
    assert_string_equal(ns->labels.values[2], "v1.30");
  }
  adm__kube_ns_unref(ns);
  json_decref(j);
  return rc;
}

static void test_every_allocation_fails_in_turn(void **state) {
  (void)state;
  char text[4096];
  snprintf(text, sizeof text, "{\"type\":\"MODIFIED\",\"object\":%s}", namespace_json);
  json_set_alloc_funcs(fallible_malloc, free);
  int n = 1, failed = 0;
  for (;; n++) {
    alloc_fail_in = n;
    int rc = event_to_namespace(text);
    bool hit = alloc_fail_in == 0;
    alloc_fail_in = 0;
    if (!hit) {
      assert_int_equal(rc, 0);
      break;
    }
    /* The failed allocation is an error, or one jansson could do without
     * (event_to_namespace checked that the namespace came out whole);
     * never a namespace with fewer labels. */
    failed += rc != 0;
  }
  json_set_alloc_funcs(malloc, free);
  assert_true(failed > 10);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_namespace),
      cmocka_unit_test(test_bad_namespaces),
      cmocka_unit_test(test_bounds_mark_the_namespace),
      cmocka_unit_test(test_watch_events),
      cmocka_unit_test(test_list_pages),
      cmocka_unit_test(test_loading),
      cmocka_unit_test(test_every_allocation_fails_in_turn),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
