/* server/kube/nswatch.c without a server: what a lookup answers for each
 * state of the map (not synced, found, absent, over its bounds, incomplete,
 * stale), that replaced entries are released, and the backoff's doubling,
 * cap and jitter. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "nswatch.c"

static const struct adm__kube_limits lim = {.max_labels = 2, .max_label_bytes = 64, .max_values = 1000};

/* A watcher with no thread: the test plays the writer. */
static struct adm_kube_ns_watcher *bare(size_t max_namespaces) {
  struct adm_kube_ns_watcher *w = calloc(1, sizeof *w);
  assert_non_null(w);
  w->o.max_namespaces = max_namespaces;
  w->lim = lim;
  w->rand_state = 42;
  atomic_store(&w->current, calloc(1, sizeof(struct snapshot)));
  pthread_mutex_init(&w->write_lock, NULL);
  return w;
}

static void bare_free(struct adm_kube_ns_watcher *w) {
  snapshot_release(atomic_load(&w->current));
  draft_clear(w);
  free(w->draft);
  pthread_mutex_destroy(&w->write_lock);
  free(w);
}

static struct adm__kube_ns *ns_of(const char *json) {
  json_t *j = json_loads(json, 0, NULL);
  assert_non_null(j);
  struct adm__kube_ns *ns;
  struct adm_error e = {0};
  assert_int_equal(adm__kube_ns_from_json(j, &lim, &ns, &e), 0);
  json_decref(j);
  return ns;
}

static enum adm_kube_ns_result look(struct adm_kube_ns_watcher *w, const char *name, struct adm_labels *l) {
  struct adm_arena a;
  adm_arena_init(&a, 1024, 0);
  enum adm_kube_ns_result r = adm_kube_ns_lookup(w, name, &a, l);
  /* Keep nothing from the arena past this call but the count. */
  adm_arena_free(&a);
  return r;
}

static void test_lookup_in_each_state(void **state) {
  (void)state;
  struct adm_kube_ns_watcher *w = bare(3);
  struct adm_labels l;
  assert_int_equal(look(w, "a", &l), ADM_KUBE_NS_NOT_SYNCED);
  pthread_mutex_lock(&w->write_lock);
  draft_upsert(w, ns_of("{\"metadata\":{\"name\":\"b\",\"labels\":{\"env\":\"prod\"}}}"));
  draft_upsert(w, ns_of("{\"metadata\":{\"name\":\"a\"}}"));
  draft_upsert(w, ns_of("{\"metadata\":{\"name\":\"many\",\"labels\":{\"x\":\"1\",\"y\":\"2\",\"z\":\"3\"}}}"));
  assert_true(publish(w));
  pthread_mutex_unlock(&w->write_lock);
  atomic_store(&w->synced, true);
  assert_true(w->st.limit_reached); /* many: three labels over two */
  assert_int_equal(look(w, "b", &l), ADM_KUBE_NS_FOUND);
  assert_int_equal(l.n, 1);
  assert_int_equal(look(w, "a", &l), ADM_KUBE_NS_FOUND);
  assert_int_equal(l.n, 0);
  assert_int_equal(look(w, "many", &l), ADM_KUBE_NS_UNKNOWN);
  assert_int_equal(look(w, "c", &l), ADM_KUBE_NS_ABSENT);
  /* A fourth namespace does not fit: absent names become unknown. */
  pthread_mutex_lock(&w->write_lock);
  draft_upsert(w, ns_of("{\"metadata\":{\"name\":\"d\"}}"));
  assert_true(publish(w));
  pthread_mutex_unlock(&w->write_lock);
  assert_int_equal(look(w, "d", &l), ADM_KUBE_NS_UNKNOWN);
  assert_int_equal(look(w, "c", &l), ADM_KUBE_NS_UNKNOWN);
  assert_int_equal(look(w, "b", &l), ADM_KUBE_NS_FOUND);
  assert_non_null(strstr(w->st.last_error, "more than 3 namespaces"));
  /* A lost update: nothing is known until a relist. */
  pthread_mutex_lock(&w->write_lock);
  w->stale = true;
  assert_true(publish(w));
  pthread_mutex_unlock(&w->write_lock);
  assert_int_equal(look(w, "b", &l), ADM_KUBE_NS_UNKNOWN);
  /* A replacement and a deletion: the old entries go, the map stays sorted. */
  pthread_mutex_lock(&w->write_lock);
  w->stale = false;
  w->incomplete = false;
  draft_upsert(w, ns_of("{\"metadata\":{\"name\":\"b\",\"labels\":{\"env\":\"dev\"}}}"));
  draft_delete(w, "a");
  draft_delete(w, "not-there");
  assert_true(publish(w));
  pthread_mutex_unlock(&w->write_lock);
  assert_int_equal(look(w, "a", &l), ADM_KUBE_NS_ABSENT);
  struct adm_arena a;
  adm_arena_init(&a, 1024, 0);
  assert_int_equal(adm_kube_ns_lookup(w, "b", &a, &l), ADM_KUBE_NS_FOUND);
  assert_string_equal(l.values[0], "dev");
  adm_arena_free(&a);
  assert_int_equal(w->st.namespaces, 2);
  bare_free(w);
}

static void test_result_names(void **state) {
  (void)state;
  assert_string_equal(adm_kube_ns_result_name(ADM_KUBE_NS_FOUND), "found");
  assert_string_equal(adm_kube_ns_result_name(ADM_KUBE_NS_ABSENT), "absent");
  assert_string_equal(adm_kube_ns_result_name(ADM_KUBE_NS_NOT_SYNCED), "not synced");
  assert_string_equal(adm_kube_ns_result_name(ADM_KUBE_NS_UNKNOWN), "unknown");
  assert_string_equal(adm_kube_ns_result_name(ADM_KUBE_NS_FAILED), "failed");
  assert_string_equal(adm_kube_ns_result_name((enum adm_kube_ns_result)99), "failed");
}

static void test_backoff_doubles_caps_and_jitters(void **state) {
  (void)state;
  struct adm_kube_ns_watcher *w = bare(10);
  w->o.backoff_initial_ms = 100;
  w->o.backoff_max_ms = 1000;
  static const struct {
    unsigned failures;
    long lo, hi;
  } want[] = {{1, 50, 100}, {2, 100, 200}, {3, 200, 400}, {4, 400, 800}, {5, 500, 1000}, {40, 500, 1000}};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    long lo = LONG_MAX, hi = 0;
    for (int k = 0; k < 2000; k++) {
      long ms = backoff_ms(w, want[i].failures);
      lo = ms < lo ? ms : lo;
      hi = ms > hi ? ms : hi;
    }
    if (lo < want[i].lo || hi > want[i].hi || hi - lo < (want[i].hi - want[i].lo) / 2)
      fail_msg("after %u failures: waits from %ld to %ld ms, want within %ld..%ld and spread", want[i].failures, lo, hi,
               want[i].lo, want[i].hi);
  }
  bare_free(w);
}

static void test_bad_options(void **state) {
  (void)state;
  struct adm_kube_ns_watcher *w = NULL;
  struct adm_error e = {0};
  struct adm_kube_ns_options o = {.read_timeout_ms = -1};
  assert_int_equal(adm_kube_ns_start(NULL, &o, &w, &e), ADM_EINVAL);
  o = (struct adm_kube_ns_options){.page_size = 20000};
  assert_int_equal(adm_kube_ns_start(NULL, &o, &w, &e), ADM_EINVAL);
  assert_null(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lookup_in_each_state),
      cmocka_unit_test(test_result_names),
      cmocka_unit_test(test_backoff_doubles_caps_and_jitters),
      cmocka_unit_test(test_bad_options),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
