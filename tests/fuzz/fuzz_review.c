/* libFuzzer harness: arbitrary bytes as a /validate body, through
 * adm_pipeline_run with the production limits and an arena used as a
 * server decode slot uses it (recycled, charged to a memory budget, its
 * decode limit set by the pipeline). Asserts, beyond "no crash and no
 * sanitizer report":
 *   - every answer is valid JSON;
 *   - a decided answer is byte for byte what the same body gets decoded
 *     without pruning (heap, no limit), decided and encoded: pruning is
 *     only an optimisation;
 *   - a 400 is a body the unpruned decode refuses too.
 * Built with FUZZ_FAIL_AT (fuzz_review_oom.c), the first two bytes choose
 * which arena allocation fails instead, and an answer made after a failure
 * must be an error Status, never a decision. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "admitd/budget.h"
#include "admitd/config.h"
#include "admitd/decide.h"
#include "admitd/pipeline.h"
#include "admitd/review.h"

/* As server/http_slots.c's decode slots: 64 KiB blocks, 2 MiB kept on recycle. */
#define SLOT_BLOCK_BYTES 65536
#define SLOT_ARENA_KEEP (2u << 20)
/* A container sized for a few concurrent large reviews. */
#define FUZZ_BUDGET_BYTES (256u << 20)

static void check(bool ok) {
  if (!ok)
    abort();
}

#ifndef FUZZ_FAIL_AT
/* The answer without pruning, *new* (free()), or NULL if it does not decode. */
static char *answer_unpruned(const struct adm_pipeline_limits *lim, const struct adm_config *cfg, const uint8_t *data,
                             size_t size, size_t *len) {
  static struct adm_arena decide_arena;
  static bool ready;
  if (!ready) {
    adm_arena_init(&decide_arena, SLOT_BLOCK_BYTES, 0);
    ready = true;
  }
  char *body = malloc(size + 1);
  check(body != NULL);
  memcpy(body, data, size);
  struct adm_review_request req;
  struct adm_error err = {0};
  char *out = NULL;
  if (size > 0 && adm_review_decode(body, size, lim->max_json_depth, NULL, &req, &err) == 0) {
    struct adm_decision d;
    struct adm_decide_plan plan;
    adm_decide_begin(cfg, &req, NULL, &decide_arena, &plan, &d);
    /* No facts are gathered here: a verify rule's images fail closed. */
    adm_decide_finish(cfg, &req, &plan, NULL, &decide_arena, &d);
    check(adm_arena_failure(&decide_arena) == ADM_ARENA_OK);
    out = adm_review_encode(&req, &d, len);
    check(out != NULL);
    adm_review_request_release(&req);
  } else {
    /* The heap never runs out here, so a refusal is the body's fault. */
    check(size == 0 || err.code != ADM_ENOMEM);
  }
  adm_arena_recycle(&decide_arena, SLOT_ARENA_KEEP);
  free(body);
  return out;
}

/* The pruner's own contract, on the input as the value of
 * request.object.status (where whole reviews rarely put random bytes): a
 * body it changes is read by jansson after pruning exactly when it was
 * read before. */
static void check_prune_contract(const uint8_t *data, size_t size) {
  static const char pre[] = "{\"request\":{\"object\":{\"status\":", post[] = "}}}";
  size_t len = sizeof pre - 1 + size + sizeof post - 1;
  char *text = malloc(len), *pruned = malloc(len);
  check(text != NULL && pruned != NULL);
  memcpy(text, pre, sizeof pre - 1);
  memcpy(text + sizeof pre - 1, data, size);
  memcpy(text + sizeof pre - 1 + size, post, sizeof post - 1);
  memcpy(pruned, text, len);
  size_t pruned_len = len;
  if (adm_review_prune(pruned, &pruned_len, ADM_REVIEW_MAX_DEPTH_DEFAULT) == 0 &&
      (pruned_len != len || memcmp(pruned, text, len) != 0)) {
    json_t *before = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    json_t *after = json_loadb(pruned, pruned_len, JSON_REJECT_DUPLICATES, NULL);
    check((before == NULL) == (after == NULL));
    json_decref(before);
    json_decref(after);
  }
  free(text);
  free(pruned);
}
#endif

static void check_valid_json(const struct adm_pipeline_result *res) {
  json_error_t e;
  json_t *j = json_loadb(res->body, res->len, JSON_REJECT_DUPLICATES, &e);
  check(j != NULL);
  const char *kind = json_string_value(json_object_get(j, "kind"));
  check(kind != NULL);
  check(strcmp(kind, res->http_status == 200 ? "AdmissionReview" : "Status") == 0);
  json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static struct adm_config *cfg;
  static struct adm_pipeline_options opt;
  static struct adm_budget budget;
  static struct adm_arena arena;
  static struct adm_pipeline_result res; /* large: off the stack, as in a slot */
  if (cfg == NULL) {
    cfg = adm_config_default();
    adm_pipeline_options_default(&opt);
    adm_budget_init(&budget, FUZZ_BUDGET_BYTES);
    adm_arena_init(&arena, SLOT_BLOCK_BYTES, 0);
    arena.budget = &budget;
  }
#ifdef FUZZ_FAIL_AT
  if (size < 2)
    return 0;
  arena.fail_at = 1 + (unsigned long)data[0] + 256ul * data[1];
  data += 2;
  size -= 2;
#endif
  /* The server's own copy of the body, which pruning changes in place. */
  char *body = malloc(size + 1);
  check(body != NULL);
  memcpy(body, data, size);
  adm_pipeline_run(&opt, cfg, body, size, &arena, &res, NULL);
  check(res.body != NULL);
  check_valid_json(&res);
  check(res.decided == (res.http_status == 200));
#ifdef FUZZ_FAIL_AT
  /* Whatever ran out, the answer is an error that says so: never a
   * decision, and never a 400 blaming the client for admitd's memory. */
  if (adm_arena_failure(&arena) != ADM_ARENA_OK)
    check(!res.decided && (res.http_status == 413 || res.http_status == 429 || res.http_status == 500));
#else
  check_prune_contract(data, size);
  if (res.decided || res.http_status == 400) {
    size_t plain_len = 0;
    char *plain = answer_unpruned(&opt.limits, cfg, data, size, &plain_len);
    if (res.decided)
      check(plain != NULL && plain_len == res.len && memcmp(plain, res.body, plain_len) == 0);
    else
      check(plain == NULL);
    free(plain);
  }
#endif
  /* As adm__release_slot() in server/http_slots.c. */
  if (res.decoded)
    adm_review_request_release(&res.req);
  adm_arena_recycle(&arena, SLOT_ARENA_KEEP);
  arena.fail_at = 0;
  free(body);
  return 0;
}
