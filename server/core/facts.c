/* Fact gathering for the pipeline (facts.h): the registered backend, and
 * the order facts come from: what this request gathered already, the
 * backend's cache, then the registries under one deadline. */
#include "admitd/facts.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "admitd/arena.h"
#include "admitd/config.h"
#include "admitd/verifier.h"

static _Atomic(const struct adm_fact_backend *) backend;

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
  bool no_wait = o && o->no_wait;
  for (size_t i = 0; i < n; i++) {
    const struct adm_image_need *need = &needs[i];
    struct adm_gathered_fact g;
    const struct adm_gathered_fact *known = given_for(o, need);
    bool given_only = o && o->given_only;
    if (known == NULL && b && !given_only && b->lookup(im->runtime, need, &g))
      known = &g;
    if (known == NULL && given_only) {
      memset(&g, 0, sizeof g);
      g.outcome = ADM_SIG_INTERNAL;
      snprintf(g.detail, sizeof g.detail, "%s", "no verification result was kept for it");
      known = &g;
    }
    /* Only a backend can gather: without one the answer is known now. */
    if (known == NULL && no_wait && b != NULL) {
      if (missing) {
        if (*missing == NULL && (*missing = adm_arena_alloc(a, n * sizeof **missing)) == NULL)
          return;
        (*missing)[(*n_missing)++] = *need;
      }
      continue;
    }
    if (known == NULL) {
      memset(&g, 0, sizeof g);
      if (b) {
        b->gather(im->runtime, need, deadline, &g);
      } else {
        g.outcome = ADM_SIG_INTERNAL;
        snprintf(g.detail, sizeof g.detail, "%s",
                 "signature verification is not available in this program; the image cannot be verified");
      }
      known = &g;
    }
    to_fact(need, known, a, &items[out->n++]);
  }
}
