/* Fact gathering for the pipeline (gather.h): the registered backend, and
 * the order facts come from: what this request gathered already, the
 * backend's cache, then the registries under one deadline. */
#include "admitd/facts.h"
#include "admitd/gather.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "admitd/arena.h"
#include "admitd/config.h"
#include "admitd/verifier.h"

static _Atomic(const struct adm_fact_backend *) backend;

/* A request's images are verified side by side, so its deadline bounds
 * the slowest of them rather than their sum: up to GATHER_PER_REQUEST
 * shares, each every k-th need, the first in the caller's own thread.
 * Helper threads are bounded process-wide; a share that gets none runs in
 * the caller's thread, under the same deadline. */
#define GATHER_PER_REQUEST 8
/* With the requests waiting themselves, this bounds the verifications in
 * flight, and so the signature manifests held and parsed at once. */
#define GATHER_THREADS_MAX 32

static atomic_uint gather_threads; /* helper threads asking registries now */
static atomic_ullong busy_total;   /* BUSY facts made: asked of no registry, so no backend counts them */

struct gather_share {
  const struct adm_fact_backend *b;
  void *runtime;
  const struct adm_image_need *needs;
  struct adm_gathered_fact *out;
  size_t first, n, step;
  int64_t started_ms, deadline_ms;
  pthread_t thread;
  bool threaded;
};

void adm_gathered_fact_set(struct adm_gathered_fact *g, const struct adm_image_need *need, enum adm_sig_outcome outcome,
                           const char *detail) {
  memset(g, 0, sizeof *g);
  g->rule_index = need->rule_index;
  snprintf(g->image, sizeof g->image, "%s", need->image);
  g->outcome = outcome;
  snprintf(g->detail, sizeof g->detail, "%s", detail);
  snprintf(g->summary, sizeof g->summary, "%s", detail);
}

void adm_facts_busy(const struct adm_image_need *needs, size_t n, const char *why, struct adm_gathered_fact *out) {
  for (size_t i = 0; i < n; i++)
    adm_gathered_fact_set(&out[i], &needs[i], ADM_SIG_BUSY, why);
  atomic_fetch_add(&busy_total, n);
}

uint64_t adm_facts_busy_total(void) {
  return atomic_load(&busy_total);
}

/* How late a need may start and still be said to have had the whole
 * deadline: threads starting side by side take a few milliseconds. */
#define GATHER_START_SLACK_MS 50

/* A need queued behind others (in its share, or a share that found no
 * thread) that would start with too little time left is BUSY: no registry
 * was asked about it. One that started late and then ran out of time is
 * BUSY too, never a deadline that onRegistryError could forgive: the pod's
 * own other images took its time, so a caller could otherwise put a slow
 * decoy before an unsigned image to have it let through. */
static void *gather_share(void *p) {
  struct gather_share *g = p;
  for (size_t i = g->first; i < g->n; i += g->step) {
    int64_t now = adm_verifier_now_ms();
    if (now + ADM_FACTS_MIN_MS > g->deadline_ms) {
      adm_facts_busy(&g->needs[i], 1, "no time was left for it after the pod's other images", &g->out[i]);
      continue;
    }
    g->b->gather(g->runtime, &g->needs[i], g->deadline_ms, &g->out[i]);
    if (g->out[i].outcome == ADM_SIG_DEADLINE && now > g->started_ms + GATHER_START_SLACK_MS)
      adm_facts_busy(&g->needs[i], 1, "asked late, after the pod's other images, and no time was left for it",
                     &g->out[i]);
  }
  return NULL;
}

static const char no_backend[] =
    "signature verification is not available in this program; the image cannot be verified";

void adm_facts_gather(const struct adm_config *cfg, const struct adm_image_need *needs, size_t n, int64_t deadline_ms,
                      size_t stack_bytes, struct adm_gathered_fact *out) {
  const struct adm_images_settings *im = &cfg->images;
  const struct adm_fact_backend *b = im->runtime ? im->backend : NULL;
  if (b == NULL) {
    for (size_t i = 0; i < n; i++)
      adm_gathered_fact_set(&out[i], &needs[i], ADM_SIG_INTERNAL, no_backend);
    return;
  }
  struct gather_share shares[GATHER_PER_REQUEST];
  size_t k = n < GATHER_PER_REQUEST ? n : GATHER_PER_REQUEST;
  int64_t started_ms = adm_verifier_now_ms();
  pthread_attr_t attr;
  bool attr_ok = pthread_attr_init(&attr) == 0;
  if (attr_ok && stack_bytes)
    pthread_attr_setstacksize(&attr, stack_bytes);
  for (size_t i = 0; i < k; i++) {
    shares[i] = (struct gather_share){.b = b,
                                      .runtime = im->runtime,
                                      .needs = needs,
                                      .out = out,
                                      .first = i,
                                      .n = n,
                                      .step = k,
                                      .started_ms = started_ms,
                                      .deadline_ms = deadline_ms};
    if (i == 0)
      continue;
    if (atomic_fetch_add(&gather_threads, 1) < GATHER_THREADS_MAX &&
        pthread_create(&shares[i].thread, attr_ok ? &attr : NULL, gather_share, &shares[i]) == 0)
      shares[i].threaded = true;
    else
      atomic_fetch_sub(&gather_threads, 1);
  }
  for (size_t i = 0; i < k; i++)
    if (!shares[i].threaded)
      gather_share(&shares[i]);
  for (size_t i = 1; i < k; i++)
    if (shares[i].threaded) {
      pthread_join(shares[i].thread, NULL);
      atomic_fetch_sub(&gather_threads, 1);
    }
  if (attr_ok)
    pthread_attr_destroy(&attr);
}

void adm_fact_backend_set(const struct adm_fact_backend *b) {
  atomic_store(&backend, b);
}

const struct adm_fact_backend *adm_fact_backend_get(void) {
  return atomic_load(&backend);
}

void adm_gathered_fact_of(const struct adm_image_fact *f, struct adm_gathered_fact *g) {
  memset(g, 0, sizeof *g);
  g->rule_index = f->rule_index;
  snprintf(g->image, sizeof g->image, "%s", f->image);
  g->outcome = f->outcome;
  snprintf(g->digest, sizeof g->digest, "%s", f->digest ? f->digest : "");
  snprintf(g->authorities, sizeof g->authorities, "%s", f->authorities ? f->authorities : "");
  snprintf(g->detail, sizeof g->detail, "%s", f->detail ? f->detail : "");
  snprintf(g->summary, sizeof g->summary, "%s", f->summary ? f->summary : "");
  snprintf(g->verified_at, sizeof g->verified_at, "%s", f->verified_at ? f->verified_at : "");
}

static void to_fact(const struct adm_image_need *need, const struct adm_gathered_fact *g, struct adm_arena *a,
                    struct adm_image_fact *f) {
  f->rule = need->rule;
  f->rule_index = need->rule_index;
  f->image = need->image;
  f->outcome = g->outcome;
  f->digest = adm_arena_strdup(a, g->digest);
  f->authorities = adm_arena_strdup(a, g->authorities);
  f->detail = adm_arena_strdup(a, g->detail);
  f->summary = adm_arena_strdup(a, g->summary);
  f->verified_at = adm_arena_strdup(a, g->verified_at);
}

static const struct adm_gathered_fact *given_for(const struct adm_facts_options *o, const struct adm_image_need *need) {
  for (size_t i = 0; o && i < o->n_given; i++)
    if (o->given[i].rule_index == need->rule_index && strcmp(o->given[i].image, need->image) == 0)
      return &o->given[i];
  return NULL;
}

void adm_facts_collect(const struct adm_config *cfg, const struct adm_image_need *needs, size_t n,
                       const struct adm_facts_options *o, struct adm_arena *a, struct adm_image_facts *out,
                       struct adm_image_need **missing, size_t *n_missing) {
  struct adm_image_fact *items = n ? adm_arena_alloc(a, n * sizeof *items) : NULL;
  out->items = items;
  out->n = 0;
  out->not_attempted = false;
  if (missing) {
    *missing = NULL;
    *n_missing = 0;
  }
  if (n && items == NULL)
    return; /* the arena has failed: the verdict is an error answer */
  const struct adm_images_settings *im = &cfg->images;
  const struct adm_fact_backend *b = im->runtime ? im->backend : NULL;
  int64_t deadline = o && o->deadline_ms ? o->deadline_ms : adm_verifier_now_ms() + im->deadline_ms;
  bool no_wait = o && o->no_wait, given_only = o && o->given_only;
  /* What is known now; the rest are asked for together, or listed. */
  struct adm_image_need *ask = NULL;
  size_t n_ask = 0;
  for (size_t i = 0; i < n; i++) {
    const struct adm_image_need *need = &needs[i];
    struct adm_gathered_fact g;
    const struct adm_gathered_fact *known = given_for(o, need);
    if (known == NULL && b && !given_only && b->lookup(im->runtime, need, &g))
      known = &g;
    /* Given only, or without a backend, nothing can be asked: the answer is known now. */
    if (known == NULL && (given_only || b == NULL)) {
      adm_gathered_fact_set(&g, need, ADM_SIG_INTERNAL,
                            given_only ? "no verification result was kept for it" : no_backend);
      known = &g;
    }
    if (known != NULL) {
      to_fact(need, known, a, &items[out->n++]);
      continue;
    }
    if (ask == NULL && (ask = adm_arena_alloc(a, n * sizeof *ask)) == NULL)
      return;
    ask[n_ask++] = *need;
  }
  if (n_ask == 0)
    return;
  if (no_wait) {
    if (missing) {
      *missing = ask;
      *n_missing = n_ask;
    }
    return;
  }
  struct adm_gathered_fact *got = adm_arena_alloc(a, n_ask * sizeof *got);
  if (got == NULL)
    return;
  adm_facts_gather(cfg, ask, n_ask, deadline, 0, got);
  for (size_t i = 0; i < n_ask; i++)
    to_fact(&ask[i], &got[i], a, &items[out->n++]);
}
