/* Small helpers shared by the unit tests: build pods from JSON text and
 * evaluate them, with every failure reported through cmocka. */
#ifndef ADMITD_TEST_HELPERS_H
#define ADMITD_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "admitd/extract.h"
#include "admitd/pipeline.h"
#include "admitd/policy.h"

/* Parse JSON text or fail the test. *new*. */
static inline json_t *test_json(const char *text) {
  json_error_t e;
  json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &e);
  if (j == NULL)
    fail_msg("test JSON does not parse: %s at line %d: %s", e.text, e.line, text);
  return j;
}

/* Documents the pod views borrow from; released by test_teardown. */
static json_t *test_holder;

/* cmocka setup/teardown giving each test a fresh arena in *state. */
static inline int test_setup(void **state) {
  struct adm_arena *a = malloc(sizeof *a);
  adm_arena_init(a, 16384, 0);
  test_holder = json_array();
  *state = a;
  return 0;
}

static inline int test_teardown(void **state) {
  adm_arena_free(*state);
  free(*state);
  json_decref(test_holder);
  test_holder = NULL;
  return 0;
}

/* Parse, and keep alive until teardown. *borrowed*. */
static inline json_t *test_json_kept(const char *text) {
  json_t *j = test_json(text);
  json_array_append_new(test_holder, j);
  return j;
}

/* Evaluate a Pod (JSON text) at level:v1.minor. Returns "" when allowed,
 * else the aggregate "reason (detail), ..." text, in the arena. */
static inline const char *test_eval(struct adm_arena *a, const char *pod_json, enum adm_level level, int minor) {
  json_t *j = test_json_kept(pod_json);
  struct adm_pod pod;
  struct adm_error err = {0};
  if (adm_extract_pod(j, a, &pod, &err) < 0)
    fail_msg("extract failed: %s: %s", err.where, err.message);
  struct adm_evaluation ev;
  adm_evaluate(adm_registry_default(), (struct adm_level_version){level, minor}, &pod, a, &ev);
  return ev.allowed ? "" : adm_evaluation_format(&ev, a);
}

#define assert_str_contains(hay, needle)                                                                               \
  do {                                                                                                                 \
    const char *h_ = (hay), *n_ = (needle);                                                                            \
    if (h_ == NULL || strstr(h_, n_) == NULL)                                                                          \
      fail_msg("expected to find [%s] in [%s]", n_, h_ ? h_ : "(null)");                                               \
  } while (0)

#define assert_str_lacks(hay, needle)                                                                                  \
  do {                                                                                                                 \
    const char *h_ = (hay), *n_ = (needle);                                                                            \
    if (h_ != NULL && strstr(h_, n_) != NULL)                                                                          \
      fail_msg("expected not to find [%s] in [%s]", n_, h_);                                                           \
  } while (0)

/* body through adm_pipeline_run on *a, made fresh here, whose fail_at-th
 * allocation after the body's copy fails (0: none); true when one did. The
 * caller frees a, and releases out->req when decoded. */
static inline bool test_run_failing_at(const struct adm_config *cfg, const char *body, unsigned fail_at,
                                       struct adm_arena *a, struct adm_pipeline_result *out) {
  adm_arena_init(a, 0, 0);
  char *copy = adm_arena_strdup(a, body);
  if (fail_at)
    a->fail_at = a->allocs + fail_at;
  struct adm_pipeline_options opt;
  adm_pipeline_options_default(&opt);
  adm_pipeline_run(&opt, cfg, copy, strlen(copy), a, out, NULL);
  return adm_arena_failure(a) != ADM_ARENA_OK;
}

#endif
