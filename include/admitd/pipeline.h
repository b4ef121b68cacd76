/* The one path from a request body to the answer: prune and check
 * nesting, decode the AdmissionReview, decide, encode. `admitd serve`, the
 * CLI commands, the fuzz harnesses, the torture test and the bench all call
 * adm_pipeline_run with the same limits, so what is tested is what runs.
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
  /* With adm_facts_options.no_wait: no answer yet, the registries must be
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

/* Judge body (changed in place by pruning) with cfg. Allocates only from
 * arena, whose failure state must be clear on entry; its limit is set here. */
void adm_pipeline_run(const struct adm_pipeline_limits *lim, const struct adm_config *cfg, char *body, size_t len,
                      struct adm_arena *arena, struct adm_pipeline_result *out);

/* The same, gathering facts as fo says (NULL: wait for registries under
 * the policy's deadline, as adm_pipeline_run does). */
void adm_pipeline_run_facts(const struct adm_pipeline_limits *lim, const struct adm_config *cfg, char *body, size_t len,
                            struct adm_arena *arena, const struct adm_facts_options *fo,
                            struct adm_pipeline_result *out);

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

enum adm_slotted_status {
  ADM_SLOTTED_ANSWERED, /* *answer is the result to send */
  ADM_SLOTTED_NOMEM,    /* the facts could not be kept: answer 500 */
  ADM_SLOTTED_NO_SLOT,  /* no slot came free by the deadline: answer 503 */
};

/* The server's path: judge body with no waiting in the slot; when a
 * registry must be asked, copy what is needed out of the arena, release
 * the slot, gather, take a slot again (by deadline_ms plus the answer's
 * margin_ms) and judge the pruned body again with every fact given, none
 * asked for while the slot is held. On ANSWERED, *answer is out or the
 * new slot's result (the caller releases whichever slot it then holds).
 * Otherwise no slot is held. The caller holds len bytes of the arena's
 * budget for the body: a tree that needs more than the rest of the whole
 * budget is answered 413, not 429. */
enum adm_slotted_status adm_pipeline_run_slotted(const struct adm_pipeline_limits *lim, const struct adm_config *cfg,
                                                 char *body, size_t len, int64_t deadline_ms, int64_t margin_ms,
                                                 const struct adm_slot_ops *ops, void *ctx, struct adm_arena *arena,
                                                 struct adm_pipeline_result *out, struct adm_pipeline_result **answer);

/* The arena size a body of len bytes may decode into under lim. */
size_t adm_pipeline_decode_limit(const struct adm_pipeline_limits *lim, size_t len);

#endif
