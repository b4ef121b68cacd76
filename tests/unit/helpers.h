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
#include <stdio.h>
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

/* A pod CREATE review with one container running image, into body. */
static inline void test_pod_review(char *body, size_t len, const char *image) {
  snprintf(body, len,
           "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u\","
           "\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},\"resource\":{\"group\":\"\",\"version\":"
           "\"v1\",\"resource\":\"pods\"},\"namespace\":\"ns\",\"operation\":\"CREATE\",\"userInfo\":{\"username\":"
           "\"u\"},\"object\":{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
           "\"%s\"}]}}}}",
           image);
}

/* One pod review with image, judged by the pipeline on a; the caller
 * releases the result's req. */
static inline struct adm_pipeline_result *test_judge_image(struct adm_config *cfg, const char *image,
                                                           struct adm_arena *a) {
  char body[2048];
  test_pod_review(body, sizeof body, image);
  struct adm_pipeline_result *res = adm_arena_alloc(a, sizeof *res);
  char *copy = adm_arena_strdup(a, body);
  struct adm_pipeline_options opt;
  adm_pipeline_options_default(&opt);
  adm_pipeline_run(&opt, cfg, copy, strlen(copy), a, res, NULL);
  assert_true(res->decided);
  return res;
}

/* The value of annotation key of d, or NULL. */
static inline const char *test_annotation(const struct adm_decision *d, const char *key) {
  for (size_t i = 0; i < d->n_annotations; i++)
    if (strcmp(d->annotations[i].key, key) == 0)
      return d->annotations[i].value;
  return NULL;
}

#endif
