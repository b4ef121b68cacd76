/* Decode slots and fact waits: the right to decode one body now and the
 * arena it decodes into (a fixed set, recycled, claimed without a lock,
 * waited for by the request's deadline on the monotonic clock), the
 * deadline of a review's registry work, the bound on requests waiting on
 * registries at once, and the slot ops through which adm_pipeline_run lets
 * a slot go while registries are asked. Must not hold a slot while
 * waiting on a registry, nor turn admitd's own overload into a registry
 * error that onRegistryError could forgive. */
#include <errno.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "admitd/facts.h"
#include "admitd/pipeline.h"
#include "http_internal.h"
#include "metrics.h"

/* Wait for a decode slot until the request's deadline, on the monotonic
 * clock, so a wall-clock step neither cuts nor stretches the wait. A wait
 * is counted for the metrics only when every slot was taken. */
static bool acquire_decode_slot_by(struct adm_server *s, long long deadline) {
  long long waited_from = now_ns();
  if (deadline - waited_from <= 0)
    return false;
  if (sem_trywait(&s->decodes) == 0)
    return true;
  struct timespec until = {(time_t)(deadline / 1000000000LL), (long)(deadline % 1000000000LL)};
  bool got = true;
  while (got && sem_clockwait(&s->decodes, CLOCK_MONOTONIC, &until) < 0)
    got = errno == EINTR;
  adm_metrics_decode_wait(now_ns() - waited_from);
  return got;
}

/* By the request's own deadline. */
bool adm__acquire_decode_slot(struct adm_server *s, const struct request *r) {
  return acquire_decode_slot_by(s, ts_ns(&r->start) + (long long)s->opt.request_timeout_ms * 1000000LL);
}

/* After sem_clockwait succeeded a bit is free; claim one without a lock. */
unsigned adm__claim_slot(struct adm_server *s) {
  for (;;) {
    unsigned long long mask = atomic_load(&s->free_slots);
    if (mask == 0)
      continue; /* a releaser posted before setting its bit: momentary */
    unsigned i = (unsigned)__builtin_ctzll(mask);
    if (atomic_compare_exchange_weak(&s->free_slots, &mask, mask & ~(1ull << i)))
      return i;
  }
}

void adm__release_slot(struct adm_server *s, unsigned i) {
  adm_arena_recycle(&s->slots[i].arena, SLOT_ARENA_KEEP);
  atomic_fetch_or(&s->free_slots, 1ull << i);
  sem_post(&s->decodes);
}

/* All registry work of one admission ends by the earliest of: the
 * policy's images.deadline, the API server's ?timeout= and admitd's own
 * request deadline, each less a margin to judge and answer in. */
int64_t adm__facts_deadline_ms(const struct adm_server *s, const struct request *r, const struct adm_config *cfg) {
  long long now_ms = now_ns() / 1000000, deadline = now_ms + cfg->images.deadline_ms;
  long long answer_by = adm__answer_deadline_ms(s, r);
  if (answer_by < deadline)
    deadline = answer_by;
  return deadline > now_ms ? deadline : now_ms;
}

/* The API server's ?timeout= and admitd's own request deadline, whichever
 * comes first, less a margin to judge and answer in. */
int64_t adm__answer_deadline_ms(const struct adm_server *s, const struct request *r) {
  static const long long margin_ms = FACTS_MARGIN_MS;
  long long start_ms = ts_ns(&r->start) / 1000000, now_ms = now_ns() / 1000000;
  long long deadline = INT64_MAX;
  if (r->api_timeout_ms > 0 && start_ms + r->api_timeout_ms - margin_ms < deadline)
    deadline = start_ms + r->api_timeout_ms - margin_ms;
  if (s->opt.request_timeout_ms > 0 && start_ms + (long long)s->opt.request_timeout_ms - margin_ms < deadline)
    deadline = start_ms + (long long)s->opt.request_timeout_ms - margin_ms;
  return deadline > now_ms ? deadline : now_ms;
}

/* A permit from sem by deadline_ms (CLOCK_MONOTONIC ms). */
static bool wait_turn(sem_t *sem, int64_t deadline_ms) {
  if (sem_trywait(sem) == 0)
    return true;
  struct timespec until = {(time_t)(deadline_ms / 1000), (long)(deadline_ms % 1000) * 1000000L};
  for (;;) {
    if (sem_clockwait(sem, CLOCK_MONOTONIC, &until) == 0)
      return true;
    if (errno != EINTR)
      return false;
  }
}

/* Ask the registries for needs[0..n) by deadline_ms, within the bound on
 * requests waiting at once; one that cannot get in, or that has too little
 * time left, gets BUSY for each of its images, never a fact it did not earn. */
static void gather_facts(struct adm_server *s, const struct adm_config *cfg, const struct adm_image_need *needs,
                         size_t n, int64_t deadline_ms, struct adm_gathered_fact *out) {
  /* Overload is admitd's own failure, never the registry's: it must not
   * read as a registry error that onRegistryError could let pass. */
  bool admitted = wait_turn(&s->fact_waits, deadline_ms - ADM_FACTS_MIN_MS);
  const char *busy = !admitted ? "too many admissions were waiting on registries"
                     : now_ns() / 1000000 + ADM_FACTS_MIN_MS > deadline_ms ? "no time was left for registries"
                                                                           : NULL;
  if (busy == NULL)
    adm_facts_gather(cfg, needs, n, deadline_ms, s->opt.thread_stack_bytes, out);
  if (admitted)
    sem_post(&s->fact_waits);
  if (busy != NULL)
    adm_facts_busy(needs, n, busy, out);
}

static void slotted_release(void *p) {
  struct adm__slotted *sl = p;
  adm__release_slot(sl->s, sl->slot);
}

static void slotted_gather(void *p, const struct adm_image_need *needs, size_t n, int64_t deadline_ms,
                           struct adm_gathered_fact *out) {
  struct adm__slotted *sl = p;
  gather_facts(sl->s, sl->cfg, needs, n, deadline_ms, out);
}

static bool slotted_reacquire(void *p, int64_t deadline_ms, struct adm_arena **arena,
                              struct adm_pipeline_result **out) {
  struct adm__slotted *sl = p;
  if (!acquire_decode_slot_by(sl->s, (long long)deadline_ms * 1000000LL))
    return false;
  sl->slot = adm__claim_slot(sl->s);
  *arena = &sl->s->slots[sl->slot].arena;
  *out = &sl->s->slots[sl->slot].result;
  return true;
}

const struct adm_slot_ops adm__slotted_ops = {slotted_release, slotted_gather, slotted_reacquire};
