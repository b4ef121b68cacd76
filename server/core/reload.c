/* Publishing and pinning config snapshots (change detection for the policy
 * file is base's, file.c). Owns the one global pointer to the current
 * snapshot.
 *
 * Pinning is wait-free: a reader announces, in a slot of its own, the
 * publish generation it saw, loads the pointer, takes a reference and
 * clears its slot; no loop, no lock, nothing shared is written but the
 * snapshot's reference count. The publisher never waits for readers: it
 * swaps, retires the old snapshot with the new generation, and drops the
 * old snapshot's own reference only once no slot holds an older
 * generation (such a reader may be between loading the pointer and taking
 * its reference). A retired snapshot that is still covered stays on a
 * short list and is released by a later publish or adm_config_reclaim();
 * a publish costs one scan of the slots in use, whatever the readers do. */
#include "admitd/reload.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "admitd/log.h"

/* Readers are request threads (one per connection, a few hundred at most).
 * A thread past this many falls back to the overflow slot, behind a lock. */
#define MAX_READERS 1024

struct reader_slot {
  /* Own cache line: a reader's stores must not bounce its neighbours'. */
  _Alignas(64) atomic_ullong announced; /* generation seen on entering pin; 0: not pinning */
  atomic_bool owned;
};

struct retired {
  struct adm_config *cfg;
  unsigned long long gen; /* first generation whose readers cannot have loaded cfg */
  struct retired *next;
};

static _Atomic(struct adm_config *) current;
static atomic_ullong generation = 1;
static struct reader_slot slots[MAX_READERS + 1]; /* the last one: overflow, under overflow_lock */
static atomic_int slots_used;                     /* high-water mark of owned slots */
static pthread_mutex_t overflow_lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local int my_slot = -1; /* -1: not yet chosen; MAX_READERS: overflow */
static pthread_key_t slot_key;
static pthread_once_t slot_key_once = PTHREAD_ONCE_INIT;

static pthread_mutex_t retire_lock = PTHREAD_MUTEX_INITIALIZER; /* publishers only, never readers */
static struct retired *retired_list;
static atomic_ullong released; /* snapshots freed here: tests count them */

static void release_slot(void *p) {
  int i = (int)((uintptr_t)p - 1);
  atomic_store(&slots[i].announced, 0);
  atomic_store(&slots[i].owned, false);
}

static void make_slot_key(void) {
  /* The slot goes back when its thread exits (connection threads come and go). */
  if (pthread_key_create(&slot_key, release_slot) != 0)
    slot_key = (pthread_key_t)-1;
}

/* Claimed once per thread: a bounded scan, then the slot is the thread's. */
static int claim_slot(void) {
  pthread_once(&slot_key_once, make_slot_key);
  if (slot_key != (pthread_key_t)-1) {
    for (int i = 0; i < MAX_READERS; i++) {
      bool free_slot = false;
      if (!atomic_load_explicit(&slots[i].owned, memory_order_relaxed) &&
          atomic_compare_exchange_strong(&slots[i].owned, &free_slot, true)) {
        if (pthread_setspecific(slot_key, (void *)(uintptr_t)(i + 1)) != 0) {
          atomic_store(&slots[i].owned, false);
          break;
        }
        int hwm = atomic_load(&slots_used);
        while (hwm < i + 1 && !atomic_compare_exchange_weak(&slots_used, &hwm, i + 1))
          ;
        return i;
      }
    }
  }
  return MAX_READERS;
}

static void release_snapshot(struct adm_config *cfg) {
  adm_config_free(cfg);
  atomic_fetch_add(&released, 1);
}

static struct adm_config *pin_in(struct reader_slot *s) {
  atomic_store(&s->announced, atomic_load(&generation));
  struct adm_config *cfg = atomic_load(&current);
  if (cfg)
    atomic_fetch_add(&cfg->refs, 1);
  atomic_store(&s->announced, 0);
  return cfg;
}

struct adm_config *adm_config_pin(void) {
  if (my_slot < 0)
    my_slot = claim_slot();
  if (my_slot < MAX_READERS)
    return pin_in(&slots[my_slot]);
  pthread_mutex_lock(&overflow_lock);
  struct adm_config *cfg = pin_in(&slots[MAX_READERS]);
  pthread_mutex_unlock(&overflow_lock);
  return cfg;
}

void adm_config_unpin(struct adm_config *cfg) {
  if (cfg && atomic_fetch_sub(&cfg->refs, 1) == 1)
    release_snapshot(cfg);
}

/* Oldest generation a reader may be pinning with, or UINT64_MAX: one pass. */
static unsigned long long oldest_announced(void) {
  unsigned long long oldest = UINT64_MAX;
  int n = atomic_load(&slots_used);
  for (int i = 0; i < n; i++) {
    unsigned long long g = atomic_load(&slots[i].announced);
    if (g != 0 && g < oldest)
      oldest = g;
  }
  unsigned long long g = atomic_load(&slots[MAX_READERS].announced);
  return g != 0 && g < oldest ? g : oldest;
}

/* Caller holds retire_lock. */
static void reclaim_locked(void) {
  if (retired_list == NULL)
    return;
  unsigned long long oldest = oldest_announced();
  for (struct retired **p = &retired_list; *p;) {
    struct retired *r = *p;
    if (r->gen <= oldest) {
      *p = r->next;
      adm_config_unpin(r->cfg);
      free(r);
    } else {
      p = &r->next;
    }
  }
}

void adm_config_publish(struct adm_config *cfg) {
  for (size_t i = 0; cfg && i < cfg->warnings.n; i++)
    adm_log(ADM_LOG_WARN, "policy: %s", cfg->warnings.items[i]);
  struct adm_config *old = atomic_exchange(&current, cfg);
  /* After the swap: a reader that sees this generation loads cfg or newer. */
  unsigned long long gen = atomic_fetch_add(&generation, 1) + 1;
  pthread_mutex_lock(&retire_lock);
  if (old) {
    struct retired *r = malloc(sizeof *r);
    if (r == NULL) {
      /* Out of memory: fall back to waiting out the few readers that are
       * mid-pin (each is between two loads and an increment). */
      while (oldest_announced() < gen)
        sched_yield();
      adm_config_unpin(old);
    } else {
      *r = (struct retired){old, gen, retired_list};
      retired_list = r;
    }
  }
  reclaim_locked();
  pthread_mutex_unlock(&retire_lock);
}

void adm_config_reclaim(void) {
  pthread_mutex_lock(&retire_lock);
  reclaim_locked();
  pthread_mutex_unlock(&retire_lock);
}

int adm_config_reload(const char *path, struct adm_error *err) {
  struct adm_config *cfg;
  int rc = adm_config_load(path, &cfg, err);
  if (rc < 0)
    return rc;
  adm_config_publish(cfg);
  return 0;
}
