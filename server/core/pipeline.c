/* adm_pipeline_run: the request path shared by the server, the CLI, the
 * fuzzers, the torture test and the bench (the steps are listed in
 * pipeline.h). Owns the order of the steps, letting a decode slot go while
 * registries are asked, and the mapping of every failure to an answer;
 * knows nothing of HTTP connections, logging or policy details. */
#include "admitd/pipeline.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admitd/decide.h"
#include "admitd/gather.h"
#include "admitd/verifier.h"

void adm_pipeline_limits_default(struct adm_pipeline_limits *l) {
  l->max_json_depth = ADM_REVIEW_MAX_DEPTH_DEFAULT;
  l->max_decode_bytes = 0;
}

void adm_pipeline_options_default(struct adm_pipeline_options *o) {
  *o = (struct adm_pipeline_options){.facts = ADM_FACTS_WAIT};
  adm_pipeline_limits_default(&o->limits);
}

size_t adm_pipeline_decode_limit(const struct adm_pipeline_limits *lim, size_t len) {
  size_t by_body = len > (SIZE_MAX - ADM_DECODE_BASE_BYTES) / ADM_DECODE_BYTES_PER_BODY_BYTE
                       ? SIZE_MAX
                       : ADM_DECODE_BYTES_PER_BODY_BYTE * len + ADM_DECODE_BASE_BYTES;
  if (lim->max_decode_bytes != 0 && lim->max_decode_bytes < by_body)
    return lim->max_decode_bytes;
  return by_body;
}

static void answer_status(struct adm_pipeline_result *out, int code, const char *reason, const char *message) {
  out->http_status = code;
  out->decided = false;
  snprintf(out->error_text, sizeof out->error_text, "%s", message);
  out->error = out->error_text;
  out->len = adm_status_into(out->fixed, sizeof out->fixed, code, reason, message);
  out->body = out->fixed;
}

/* The fixed answers for memory that ran out: no allocation is needed to
 * give them, and their text does not depend on what was being built. */
static void answer_exhausted(struct adm_pipeline_result *out, enum adm_arena_failure why) {
  switch (why) {
  case ADM_ARENA_LIMIT:
    answer_status(out, 413, "RequestEntityTooLarge",
                  "admitd: the decoded AdmissionReview is larger than one request may use (its decode limit, or "
                  "admitd's whole memory budget with its body); no decision was made");
    return;
  case ADM_ARENA_BUDGET:
    answer_status(out, 429, "TooManyRequests",
                  "admitd: its memory budget is in use by other requests; no decision was made, try again");
    return;
  case ADM_ARENA_OK:
  case ADM_ARENA_NOMEM:
    break;
  }
  answer_status(out, 500, "InternalError", "admitd: out of memory while deciding; no decision was made");
}

/* A Namespace update that made its enforce level stricter: its pods,
 * judged at the new level for warnings, within upstream's bounds (at most
 * 1 s, and half the time left before the review's deadline). */
/* One namespace's pods at a time, process-wide: a check holds its decode
 * slot for up to a second and a page of pods in memory, so a burst of
 * namespace relabels could otherwise take every slot from pod admissions.
 * A check that finds another under way warns that it did not run. */
static atomic_flag pods_check_busy = ATOMIC_FLAG_INIT;

static void check_namespace_pods(const struct adm_pipeline_options *o, const struct adm_config *cfg,
                                 const struct adm_decide_plan *plan, struct adm_arena *arena,
                                 struct adm_pipeline_result *out) {
  int64_t now = adm_verifier_now_ms(), deadline = now + ADM_NS_PODS_TIMEOUT_MS;
  /* Half the time left, as upstream; none left: no listing at all. */
  if (o->answer_by_ms != 0 && now + (o->answer_by_ms - now) / 2 < deadline)
    deadline = o->answer_by_ms > now ? now + (o->answer_by_ms - now) / 2 : now;
  struct adm_ns_pods *pods = adm_decide_ns_pods_begin(cfg, plan, deadline, arena);
  if (pods == NULL)
    return; /* the arena has failed: the answer is an error */
  const char *why = "this admitd reads no pods from an API server";
  const struct adm_ns_source *src = o->namespaces;
  if (src == NULL || src->list_pods == NULL) {
    adm_decide_ns_pods_end(pods, ADM_EUNSUPPORTED, why, &out->decision);
    return;
  }
  if (atomic_flag_test_and_set(&pods_check_busy)) {
    adm_decide_ns_pods_end(pods, ADM_EUNSUPPORTED, "another namespace's pods are being checked", &out->decision);
    return;
  }
  int rc =
      src->list_pods(src->ctx, plan->ns_pods_namespace, ADM_NS_PODS_MAX, deadline, arena, adm_ns_pods_add, pods, &why);
  atomic_flag_clear(&pods_check_busy);
  adm_decide_ns_pods_end(pods, rc, why, &out->decision);
}

/* One pass over body in one arena: steps 1-5, 7 and 8 of pipeline.h;
 * with fo->no_wait, a suspended result instead of waiting. */
static void run_pass(const struct adm_pipeline_options *o, const struct adm_config *cfg, char *body, size_t len,
                     struct adm_arena *arena, const struct adm_facts_options *fo, struct adm_pipeline_result *out) {
  const struct adm_pipeline_limits *lim = &o->limits;
  out->decoded = out->decided = out->suspended = false;
  out->pending = NULL;
  out->n_pending = 0;
  out->found = NULL;
  out->error = NULL;
  out->body = NULL;
  out->len = 0;
  if (body == NULL)
    len = 0;
  if (len > 0 && adm_review_prune(body, &len, lim->max_json_depth) < 0) {
    char msg[128];
    snprintf(msg, sizeof msg, "invalid AdmissionReview: JSON nests deeper than %d levels", lim->max_json_depth);
    answer_status(out, 400, "BadRequest", msg);
    return;
  }
  out->pruned_len = len;
  arena->limit = adm_pipeline_decode_limit(lim, len);
  if (arena->budget != NULL && arena->budget->limit != 0 && arena->budget->limit < arena->limit)
    arena->limit = arena->budget->limit;
  struct adm_error err = {0};
  if (adm_review_decode(len ? body : "", len, 0, arena, &out->req, &err) < 0) {
    if (err.code == ADM_ENOMEM) {
      answer_exhausted(out, adm_arena_failure(arena));
      return;
    }
    char msg[900];
    adm_error_format(&err, msg, sizeof msg);
    char full[1000];
    snprintf(full, sizeof full, "invalid AdmissionReview: %s", msg);
    answer_status(out, 400, "BadRequest", full);
    return;
  }
  out->decoded = true;
  struct adm_ns_view ns = {ADM_NS_UNREAD, {NULL, NULL, 0}, NULL};
  if (o->namespaces != NULL && adm_decide_reads_namespace(cfg, &out->req))
    o->namespaces->lookup(o->namespaces->ctx, out->req.namespace, o->answer_by_ms, arena, &ns);
  struct adm_decide_plan plan;
  adm_decide_begin(cfg, &out->req, &ns, arena, &plan, &out->decision);
  if (plan.ns_pods_pending)
    check_namespace_pods(o, cfg, &plan, arena, out);
  struct adm_image_facts facts = {0};
  if (plan.n_needs > 0 && adm_arena_failure(arena) == ADM_ARENA_OK) {
    struct adm_image_need *missing;
    size_t n_missing;
    adm_facts_collect(cfg, plan.needs, plan.n_needs, fo, arena, &facts, &missing, &n_missing);
    if (n_missing > 0 && adm_arena_failure(arena) == ADM_ARENA_OK) {
      struct adm_image_facts *found = adm_arena_alloc(arena, sizeof *found);
      if (found == NULL) {
        answer_exhausted(out, adm_arena_failure(arena));
        return;
      }
      *found = facts;
      /* Suspended only with all a resumer needs in hand. */
      out->found = found;
      out->pending = missing;
      out->n_pending = n_missing;
      out->suspended = true;
      out->error = "waiting for registries";
      return;
    }
  }
  adm_decide_finish(cfg, &out->req, &plan, plan.n_needs ? &facts : NULL, arena, &out->decision);
  /* The verdict is made here, once: whatever a check or the decision
   * could not allocate, the answer is an error, never what was left. */
  if (adm_arena_failure(arena) == ADM_ARENA_OK) {
    size_t n = 0;
    const char *text = adm_review_encode_into(&out->req, &out->decision, arena, &n);
    if (text != NULL && adm_arena_failure(arena) == ADM_ARENA_OK) {
      out->http_status = 200;
      out->body = text;
      out->len = n;
      out->decided = true;
      return;
    }
  }
  answer_exhausted(out, adm_arena_failure(arena));
}

/* Step 6 for the server's path: out is suspended. The needs and what the
 * cache answered (it may expire while the rest are fetched) are copied out
 * of the arena before the slot goes; the body is judged again in the new
 * slot with every fact given. */
static enum adm_pipeline_status resume(const struct adm_pipeline_options *o, const struct adm_config *cfg, char *body,
                                       int64_t deadline_ms, struct adm_pipeline_result *out,
                                       struct adm_pipeline_result **answer) {
  const struct adm_slot_ops *ops = o->slots;
  size_t n = out->n_pending, n_found = out->found->n;
  struct adm_image_need *needs = malloc(n * sizeof *needs);
  struct adm_gathered_fact *facts = calloc(n + n_found, sizeof *facts);
  if (needs)
    memcpy(needs, out->pending, n * sizeof *needs);
  for (size_t i = 0; facts && i < n_found; i++)
    adm_gathered_fact_of(&out->found->items[i], &facts[n + i]);
  size_t len = out->pruned_len;
  adm_review_request_release(&out->req);
  ops->release(o->slots_ctx);
  if (needs == NULL || facts == NULL) {
    free(needs);
    free(facts);
    return ADM_PIPELINE_NOMEM;
  }
  ops->gather(o->slots_ctx, needs, n, deadline_ms, facts);
  free(needs);
  /* Past the deadline and half its margin there is no time to judge and
   * answer before the caller gives up: no slot then. */
  struct adm_arena *arena;
  if (!ops->reacquire(o->slots_ctx, deadline_ms + o->margin_ms / 2, &arena, answer)) {
    free(facts);
    return ADM_PIPELINE_NO_SLOT;
  }
  struct adm_facts_options fo = {
      .deadline_ms = deadline_ms, .given = facts, .n_given = n + n_found, .given_only = true};
  arena->budget_held = o->body_held;
  run_pass(o, cfg, body, len, arena, &fo, *answer);
  free(facts); /* the decision holds copies in the arena */
  return ADM_PIPELINE_ANSWERED;
}

enum adm_pipeline_status adm_pipeline_run(const struct adm_pipeline_options *o, const struct adm_config *cfg,
                                          char *body, size_t len, struct adm_arena *arena,
                                          struct adm_pipeline_result *out, struct adm_pipeline_result **answer) {
  struct adm_pipeline_options defaults;
  if (o == NULL) {
    adm_pipeline_options_default(&defaults);
    o = &defaults;
  }
  struct adm_pipeline_result *ignored;
  if (answer == NULL)
    answer = &ignored;
  *answer = out;
  struct adm_facts_options fo = {
      .deadline_ms = o->deadline_ms,
      .given = o->given,
      .n_given = o->n_given,
      .no_wait = o->facts == ADM_FACTS_SUSPEND,
      .given_only = o->facts == ADM_FACTS_GIVEN_ONLY,
  };
  /* The body is held on the same budget as the arena (the caller reserved
   * body_held bytes for it), so a tree that fits only without it is too large. */
  arena->budget_held = o->body_held;
  run_pass(o, cfg, body, len, arena, &fo, out);
  if (o->slots == NULL || !out->suspended || out->found == NULL || out->pending == NULL)
    return ADM_PIPELINE_ANSWERED; /* an answer, an error one included */
  int64_t deadline_ms = o->deadline_ms ? o->deadline_ms : adm_verifier_now_ms() + cfg->images.deadline_ms;
  return resume(o, cfg, body, deadline_ms, out, answer);
}
