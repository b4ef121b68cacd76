/* Per-request memory: a chain of blocks released in one call. Nothing
 * allocated from an arena is freed on its own; everything it returns is
 * *borrowed* until adm_arena_free() or adm_arena_recycle(). */
#ifndef ADMITD_ARENA_H
#define ADMITD_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct adm_arena_block;

struct adm_arena {
  struct adm_arena_block *head;
  struct adm_arena_block *spare; /* emptied blocks kept by adm_arena_recycle */
  size_t block_size;
  size_t used_total; /* bytes handed out, for limits and tests */
  size_t limit;      /* 0: unlimited; past it allocations fail */
};

/* Initialise in place; first_block is the size of each ordinary block. */
void adm_arena_init(struct adm_arena *a, size_t block_size, size_t limit);
/* Release every block. */
void adm_arena_free(struct adm_arena *a);
/* Start over, keeping up to keep_bytes of blocks for the next use, so a
 * reused arena allocates nothing once it has seen its working size. */
void adm_arena_recycle(struct adm_arena *a, size_t keep_bytes);

/* NULL when the limit is reached or malloc fails. Aligned for any type. */
void *adm_arena_alloc(struct adm_arena *a, size_t n);
void *adm_arena_calloc(struct adm_arena *a, size_t count, size_t size);
char *adm_arena_strdup(struct adm_arena *a, const char *s);
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
