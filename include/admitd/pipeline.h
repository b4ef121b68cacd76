/* The one path from a request body to the answer. `admitd serve`, the CLI
 * commands, the fuzz harnesses, the torture test and the bench all call
 * adm_pipeline_run, with the same limits, so what is tested is what runs.
 * They differ only in how facts are gathered (struct adm_pipeline_options).
 *
 * One review, in order:
 *  1. prune + depth: the body is pruned in place to the fields admitd
 *     reads, and refused (400) past max_json_depth;
 *  2. decode the AdmissionReview (jansson) into the request's arena, whose
 *     limit is set here from the body's length;
 *  3. look up the namespace's labels when the policy reads them (the
 *     options' source), then extract the typed pod view (inside
 *     adm_decide_begin);
 *  4. judge everything that needs no registry (adm_decide_begin): it
 *     lists the image facts the rest needs, none when it already denies;
 *  5. facts from what is known now: the facts given, then the cache;
 *  6. when a registry must be asked, by the facts policy: WAIT asks in
 *     place; SUSPEND with slot ops (the server's path) copies the needs
 *     and the cached facts out of the arena, releases the decode slot and
 *     its arena, gathers every need side by side under one deadline,
 *     takes a slot again, and judges the pruned body again (steps 2-5)
 *     with every fact given and none asked for;
 *  7. judge what reads facts, word the decision, apply dry-run
 *     (adm_decide_finish);
 *  8. encode the AdmissionReview response.
 * Observers (metrics, log, recorder) run after, in the caller, on the
 * finished result.
 *
 * Every failure is an answer: a malformed request is a 400 with its JSON
 * path; memory that runs out anywhere (the request's decode limit, the
 * process budget, malloc) is a fixed-text 413, 429 or 500 that the API
 * server turns into its failurePolicy. Never a partial or "allowed" answer. */
#ifndef ADMITD_PIPELINE_H
#define ADMITD_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "admitd/arena.h"
#include "admitd/config.h"
#include "admitd/facts.h"
#include "admitd/gather.h"
#include "admitd/namespace.h"
#include "admitd/review.h"

/* Bytes of decoded tree and decision one body byte may cost. jansson's
 * worst case (dense `[{},{},...]`: 94 bytes per byte, an object and its
 * hash buckets for every 3 bytes of text) is measured against this in
 * tests/unit/test_pipeline.c, so the bound cannot drift below what valid
 * input needs. Real pods cost far less (about 10); the process memory
 * budget, not this factor, is what bounds concurrent requests. */
#define ADM_DECODE_BYTES_PER_BODY_BYTE 128
/* Room for the decision of a small request, whatever its size. */
#define ADM_DECODE_BASE_BYTES (256u << 10)

struct adm_pipeline_limits {
  int max_json_depth;
  /* Cap on one request's arena; 0: ADM_DECODE_BYTES_PER_BODY_BYTE x body
   * + ADM_DECODE_BASE_BYTES. A request that needs more than the arena's
   * whole budget could never fit: it is refused as too large (413), where
   * one that finds the budget held by others is told to retry (429). */
  size_t max_decode_bytes;
};

void adm_pipeline_limits_default(struct adm_pipeline_limits *l);

struct adm_pipeline_result {
  int http_status;  /* 200 with an AdmissionReview; else a Status body */
  const char *body; /* *borrowed* from the arena or from fixed[] below */
  size_t len;
  bool decoded; /* req is valid (until the arena is recycled) */
  bool decided; /* decision is the answer (http_status 200) */
  struct adm_review_request req;
  struct adm_decision decision;
  /* With ADM_FACTS_SUSPEND and no slot ops: no answer yet, the registries must be
   * asked for pending[0..n_pending) (*borrowed* from the arena: copy them
   * before recycling it), then the body judged again with their facts
   * given. body is pruned already; judge body[0..pruned_len) again. */
  bool suspended;
  const struct adm_image_need *pending;
  size_t n_pending;
  const struct adm_image_facts *found; /* the facts known without waiting: give them back too */
  size_t pruned_len;
  const char *error; /* when not decided: what went wrong, for logs and the CLI */
  char error_text[1024];
  char fixed[1536];
};

/* How a caller that holds a decode slot (the server, the bench) lets go of
 * it while registries are asked. */
struct adm_slot_ops {
  /* The slot and its arena are no longer needed: recycle them. */
  void (*release)(void *ctx);
  /* Ask the registries for needs[0..n) by deadline_ms, filling out[i]
   * (every one, a failure being an outcome). */
  void (*gather)(void *ctx, const struct adm_image_need *needs, size_t n, int64_t deadline_ms,
                 struct adm_gathered_fact *out);
  /* A slot again by deadline_ms: its arena (failure state clear) and
   * result, or false when none came free in time. */
  bool (*reacquire)(void *ctx, int64_t deadline_ms, struct adm_arena **arena, struct adm_pipeline_result **out);
};

/* What the pipeline does when a fact is not known yet (given or cached). */
enum adm_facts_policy {
  /* Ask the registries and wait for them, under the deadline: the CLI,
   * the fuzzers, the tests. */
  ADM_FACTS_WAIT,
  /* Never wait with the arena held. With slot ops, the pipeline lets the
   * slot go, gathers and judges again in a new slot (step 6 above); without
   * them, the result is suspended with what must be asked listed. */
  ADM_FACTS_SUSPEND,
  /* Offline: ask no registry, nor even the cache; only the given facts
   * count, and a need without one is INTERNAL (fail closed). The resumed
   * pass, which holds a slot again. (`admitd check --offline` is another
   * thing: a fact backend that answers NOT_CHECKED, under ADM_FACTS_WAIT.) */
  ADM_FACTS_GIVEN_ONLY,
};

struct adm_pipeline_options {
  struct adm_pipeline_limits limits;
  enum adm_facts_policy facts;
  /* Absolute, CLOCK_MONOTONIC ms, for all registry work of the review;
   * 0: now + the policy's images.deadline. */
  int64_t deadline_ms;
  /* Absolute, CLOCK_MONOTONIC ms: when the answer is due, less a margin
   * (the API server's ?timeout=, the server's request timeout); bounds the
   * namespace lookups and pod listings. 0: none but their own. */
  int64_t answer_by_ms;
  /* With slot ops: past deadline_ms and half of this, no new slot is
   * waited for (there is no time left to judge and answer). */
  int64_t margin_ms;
  /* The server's path (with ADM_FACTS_SUSPEND); NULL: none. */
  const struct adm_slot_ops *slots;
  void *slots_ctx;
  /* Facts gathered for this request earlier, *borrowed*. */
  const struct adm_gathered_fact *given;
  size_t n_given;
  /* Where the labels of the request's namespace come from, when the
   * policy reads them (config.h, reads_namespace_labels); NULL: nowhere,
   * and a decision that needs them fails closed (decide.h). */
  const struct adm_ns_source *namespaces;
  /* Bytes of the arena's budget the caller holds for the body (the
   * server: its length): a tree that needs more than the rest of the
   * whole budget is answered 413 (too large), not 429 (retry). */
  size_t body_held;
};

/* Default limits, ADM_FACTS_WAIT under the policy's deadline, nothing given. */
void adm_pipeline_options_default(struct adm_pipeline_options *o);

enum adm_pipeline_status {
  ADM_PIPELINE_ANSWERED, /* *answer is the result to send */
  ADM_PIPELINE_NOMEM,    /* the facts could not be kept while the slot was let go: answer 500 */
  ADM_PIPELINE_NO_SLOT,  /* no slot came free by the deadline: answer 503 */
};

/* Judge body (changed in place by pruning) with cfg as o says (NULL: the
 * defaults). Allocates only from arena, whose failure state must be clear
 * on entry; its limit is set here. On ANSWERED, *answer is out or, when
 * the slot was let go, the new slot's result (the caller releases
 * whichever slot it then holds). Otherwise no slot is held. Without slot
 * ops the status is always ANSWERED, the answer is out, and answer may be
 * NULL. */
enum adm_pipeline_status adm_pipeline_run(const struct adm_pipeline_options *o, const struct adm_config *cfg,
                                          char *body, size_t len, struct adm_arena *arena,
                                          struct adm_pipeline_result *out, struct adm_pipeline_result **answer);

/* The arena size a body of len bytes may decode into under lim. */
size_t adm_pipeline_decode_limit(const struct adm_pipeline_limits *lim, size_t len);

#endif
