/* Per-request memory: a chain of blocks released in one call. Nothing
 * allocated from an arena is freed on its own; everything it returns is
 * *borrowed* until adm_arena_free() or adm_arena_recycle().
 *
 * Failure is sticky: once one allocation fails, every later one fails too
 * and adm_arena_failure() says why, so a request that ran out of memory is
 * caught once, where its verdict is made, and can never be mistaken for a
 * shorter but complete answer. */
#ifndef ADMITD_ARENA_H
#define ADMITD_ARENA_H

#include <stdarg.h>
#include <stddef.h>

#include "admitd/budget.h"

struct adm_arena_block;

/* Why an arena stopped allocating; the first failure wins. */
enum adm_arena_failure {
  ADM_ARENA_OK = 0,
  ADM_ARENA_LIMIT,  /* this arena's own limit, or more than the whole budget: the request is too large */
  ADM_ARENA_BUDGET, /* the shared budget is short: others hold it now */
  ADM_ARENA_NOMEM,  /* malloc failed, or a test failed this allocation */
};

struct adm_arena {
  struct adm_arena_block *head;
  struct adm_arena_block *spare; /* emptied blocks kept by adm_arena_recycle */
  size_t block_size;
  size_t used_total;         /* bytes handed out, for limits and tests */
  size_t limit;              /* 0: unlimited; past it allocations fail */
  struct adm_budget *budget; /* NULL: none; blocks are charged to it while held */
  size_t charged;            /* bytes of blocks charged to budget */
  /* Bytes the same request holds on the budget outside the arena (its
   * body): with charged, what it needs of the budget on its own. */
  size_t budget_held;
  enum adm_arena_failure failure;
  /* Allocation count since init/recycle, and the one to fail (0: none):
   * the torture test fails each allocation of a decision in turn. */
  unsigned long allocs, fail_at;
};

/* Initialise in place; first_block is the size of each ordinary block. */
void adm_arena_init(struct adm_arena *a, size_t block_size, size_t limit);
/* The reason allocations fail, ADM_ARENA_OK while they succeed. */
static inline enum adm_arena_failure adm_arena_failure(const struct adm_arena *a) {
  return a->failure;
}
/* Mark the arena failed (ADM_ARENA_NOMEM) when something the request
 * needed could not be allocated elsewhere: every later allocation fails and
 * the verdict is an error answer. */
void adm_arena_fail(struct adm_arena *a);
/* Release every block. */
void adm_arena_free(struct adm_arena *a);
/* Start over (failure and counts cleared), keeping up to keep_bytes of
 * blocks for the next use, so a reused arena allocates nothing once it has
 * seen its working size. */
void adm_arena_recycle(struct adm_arena *a, size_t keep_bytes);

/* NULL when the limit is reached, the budget is short, malloc fails, or an
 * earlier allocation failed. Aligned for any type. */
void *adm_arena_alloc(struct adm_arena *a, size_t n);
void *adm_arena_calloc(struct adm_arena *a, size_t count, size_t size);
char *adm_arena_strdup(struct adm_arena *a, const char *s);
/* An array of n elements of size bytes (capacity *cap) with room for one
 * more: items itself while there is room, else a copy in a with the
 * capacity doubled (first when it was 0) and *cap updated. NULL when that
 * allocation failed (the arena's failure is sticky; items is left as it
 * was). */
void *adm_arena_grow(struct adm_arena *a, void *items, size_t n, size_t *cap, size_t size, size_t first);
char *adm_arena_strndup(struct adm_arena *a, const char *s, size_t n);
char *adm_arena_printf(struct adm_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A string builder whose storage lives in an arena. */
struct adm_sb {
  struct adm_arena *arena;
  char *buf;
  size_t len, cap;
  int failed; /* sticky: an allocation failed, the result is NULL */
};

void adm_sb_init(struct adm_sb *sb, struct adm_arena *a);
/* A NULL s (a string whose allocation failed) fails the builder. */
void adm_sb_add(struct adm_sb *sb, const char *s);
void adm_sb_addn(struct adm_sb *sb, const char *s, size_t n);
void adm_sb_addf(struct adm_sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "a", "b", "c" : each item in double quotes, joined by ", " (upstream's joinQuote). */
void adm_sb_add_quoted_list(struct adm_sb *sb, const char *const *items, size_t n);
/* a, b, c */
void adm_sb_add_list(struct adm_sb *sb, const char *const *items, size_t n, const char *sep);
/* NUL-terminated result (borrowed from the arena), or NULL if anything failed. */
const char *adm_sb_str(struct adm_sb *sb);

#endif
