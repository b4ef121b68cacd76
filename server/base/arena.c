/* Arena allocator and arena-backed string builder. Owns the blocks it
 * mallocs and their charge on the budget; must not be shared between
 * threads (one arena per request). */
#include "admitd/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct adm_arena_block {
  struct adm_arena_block *next;
  size_t size, used;
  max_align_t data[];
};

#define ADM__ALIGN (sizeof(max_align_t))

void adm_arena_init(struct adm_arena *a, size_t block_size, size_t limit) {
  a->head = NULL;
  a->spare = NULL;
  a->block_size = block_size ? block_size : 16384;
  a->used_total = 0;
  a->limit = limit;
  a->budget = NULL;
  a->charged = 0;
  a->budget_held = 0;
  a->failure = ADM_ARENA_OK;
  a->allocs = a->fail_at = 0;
}

static void block_free(struct adm_arena *a, struct adm_arena_block *b) {
  size_t bytes = sizeof *b + b->size;
  adm_budget_give(a->budget, bytes);
  a->charged -= bytes;
  free(b);
}

static void free_chain(struct adm_arena *a, struct adm_arena_block *b) {
  while (b) {
    struct adm_arena_block *next = b->next;
    block_free(a, b);
    b = next;
  }
}

void adm_arena_free(struct adm_arena *a) {
  free_chain(a, a->head);
  free_chain(a, a->spare);
  a->head = a->spare = NULL;
  a->used_total = 0;
  a->failure = ADM_ARENA_OK;
  a->allocs = 0;
}

void adm_arena_recycle(struct adm_arena *a, size_t keep_bytes) {
  struct adm_arena_block *all = a->head, *keep = a->spare;
  size_t kept = 0;
  for (struct adm_arena_block *b = keep; b; b = b->next)
    kept += b->size;
  while (all) {
    struct adm_arena_block *next = all->next;
    if (kept + all->size <= keep_bytes) {
      all->used = 0;
      all->next = keep;
      keep = all;
      kept += all->size;
    } else {
      block_free(a, all);
    }
    all = next;
  }
  a->head = NULL;
  a->spare = keep;
  a->used_total = 0;
  a->budget_held = 0;
  a->failure = ADM_ARENA_OK;
  a->allocs = 0;
}

/* A kept block with room for n, taken off the spare list. */
static struct adm_arena_block *take_spare(struct adm_arena *a, size_t n) {
  for (struct adm_arena_block **pp = &a->spare; *pp; pp = &(*pp)->next) {
    if ((*pp)->size >= n) {
      struct adm_arena_block *b = *pp;
      *pp = b->next;
      return b;
    }
  }
  return NULL;
}

static void *fail(struct adm_arena *a, enum adm_arena_failure why) {
  if (a->failure == ADM_ARENA_OK)
    a->failure = why;
  return NULL;
}

/* A new block of size bytes (need of them wanted now), charged to the budget. */
static struct adm_arena_block *block_new(struct adm_arena *a, size_t size, size_t need) {
  if (size > SIZE_MAX - sizeof(struct adm_arena_block))
    return fail(a, ADM_ARENA_LIMIT);
  size_t bytes = sizeof(struct adm_arena_block) + size;
  if (!adm_budget_take(a->budget, bytes)) {
    /* A block grown ahead of need may be what does not fit. */
    if (size > need)
      return block_new(a, need, need);
    /* What the request would hold with this block, were it alone: past
     * the whole budget, no wait would help. */
    size_t alone = a->charged + a->budget_held;
    bool could = alone <= SIZE_MAX - bytes && adm_budget_could_hold(a->budget, alone + bytes);
    return fail(a, could ? ADM_ARENA_BUDGET : ADM_ARENA_LIMIT);
  }
  struct adm_arena_block *b = malloc(bytes);
  if (b == NULL) {
    adm_budget_give(a->budget, bytes);
    return fail(a, ADM_ARENA_NOMEM);
  }
  a->charged += bytes;
  b->size = size;
  b->used = 0;
  return b;
}

void *adm_arena_alloc(struct adm_arena *a, size_t n) {
  if (a->failure != ADM_ARENA_OK)
    return NULL;
  if (++a->allocs == a->fail_at)
    return fail(a, ADM_ARENA_NOMEM);
  if (n == 0)
    n = 1;
  if (n > SIZE_MAX - ADM__ALIGN)
    return fail(a, ADM_ARENA_LIMIT);
  size_t rounded = (n + ADM__ALIGN - 1) & ~(ADM__ALIGN - 1);
  if (a->limit && (rounded > a->limit || a->used_total > a->limit - rounded))
    return fail(a, ADM_ARENA_LIMIT);
  struct adm_arena_block *b = a->head;
  if (b == NULL || b->size - b->used < rounded) {
    b = take_spare(a, rounded);
    if (b == NULL) {
      /* Blocks grow with the arena (up to 1 MiB), so a large tree takes a
       * few blocks, not hundreds. */
      size_t size = a->block_size;
      if (a->used_total > size)
        size = a->used_total < (1u << 20) ? a->used_total : (1u << 20);
      if (rounded > size)
        size = rounded;
      b = block_new(a, size, rounded);
      if (b == NULL)
        return NULL;
    }
    b->next = a->head;
    a->head = b;
  }
  void *p = (char *)b->data + b->used;
  b->used += rounded;
  a->used_total += rounded;
  return p;
}

void *adm_arena_calloc(struct adm_arena *a, size_t count, size_t size) {
  if (size != 0 && count > SIZE_MAX / size)
    return fail(a, ADM_ARENA_LIMIT);
  void *p = adm_arena_alloc(a, count * size);
  if (p)
    memset(p, 0, count * size);
  return p;
}

void adm_arena_fail(struct adm_arena *a) {
  fail(a, ADM_ARENA_NOMEM);
}

char *adm_arena_strndup(struct adm_arena *a, const char *s, size_t n) {
  if (s == NULL)
    return fail(a, ADM_ARENA_NOMEM); /* the source itself failed to allocate */
  char *p = adm_arena_alloc(a, n + 1);
  if (p) {
    memcpy(p, s, n);
    p[n] = '\0';
  }
  return p;
}

void *adm_arena_grow(struct adm_arena *a, void *items, size_t n, size_t *cap, size_t size, size_t first) {
  if (n < *cap)
    return items;
  size_t c = *cap ? 2 * *cap : first;
  /* An impossible size fails the allocation, and so the arena. */
  void *grown = adm_arena_alloc(a, c < *cap || c > SIZE_MAX / size ? SIZE_MAX : c * size);
  if (grown == NULL)
    return NULL;
  if (n)
    memcpy(grown, items, n * size);
  *cap = c;
  return grown;
}

char *adm_arena_strdup(struct adm_arena *a, const char *s) {
  return adm_arena_strndup(a, s, s ? strlen(s) : 0);
}

char *adm_arena_printf(struct adm_arena *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char small[256];
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0)
    return fail(a, ADM_ARENA_NOMEM);
  if ((size_t)n < sizeof small)
    return adm_arena_strndup(a, small, (size_t)n);
  char *p = adm_arena_alloc(a, (size_t)n + 1);
  if (p == NULL)
    return NULL;
  va_start(ap, fmt);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return p;
}

/* A lost piece of text fails the whole request, not only this string. */
static void sb_fail(struct adm_sb *sb, enum adm_arena_failure why) {
  sb->failed = 1;
  fail(sb->arena, why);
}

void adm_sb_init(struct adm_sb *sb, struct adm_arena *a) {
  sb->arena = a;
  sb->buf = NULL;
  sb->len = sb->cap = 0;
  sb->failed = 0;
}

static int sb_reserve(struct adm_sb *sb, size_t extra) {
  if (sb->failed)
    return -1;
  if (extra < sb->cap && sb->len + 1 <= sb->cap - extra)
    return 0;
  if (extra > SIZE_MAX / 4 - sb->len) {
    sb_fail(sb, ADM_ARENA_LIMIT);
    return -1;
  }
  size_t cap = sb->cap ? sb->cap * 2 : 128;
  while (cap < sb->len + extra + 1)
    cap *= 2;
  char *nb = adm_arena_alloc(sb->arena, cap);
  if (nb == NULL) {
    sb_fail(sb, ADM_ARENA_NOMEM);
    return -1;
  }
  if (sb->len)
    memcpy(nb, sb->buf, sb->len);
  sb->buf = nb;
  sb->cap = cap;
  return 0;
}

void adm_sb_addn(struct adm_sb *sb, const char *s, size_t n) {
  if (s == NULL && n != 0)
    sb_fail(sb, ADM_ARENA_NOMEM);
  if (sb_reserve(sb, n) < 0)
    return;
  memcpy(sb->buf + sb->len, s, n);
  sb->len += n;
  sb->buf[sb->len] = '\0';
}

void adm_sb_add(struct adm_sb *sb, const char *s) {
  if (s == NULL) {
    sb_fail(sb, ADM_ARENA_NOMEM);
    return;
  }
  adm_sb_addn(sb, s, strlen(s));
}

void adm_sb_addf(struct adm_sb *sb, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || sb_reserve(sb, (size_t)n) < 0) {
    sb_fail(sb, ADM_ARENA_NOMEM);
    return;
  }
  va_start(ap, fmt);
  vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  sb->len += (size_t)n;
}

void adm_sb_add_list(struct adm_sb *sb, const char *const *items, size_t n, const char *sep) {
  for (size_t i = 0; i < n; i++) {
    if (i)
      adm_sb_add(sb, sep);
    adm_sb_add(sb, items[i]);
  }
}

void adm_sb_add_quoted_list(struct adm_sb *sb, const char *const *items, size_t n) {
  for (size_t i = 0; i < n; i++) {
    adm_sb_add(sb, i ? ", \"" : "\"");
    adm_sb_add(sb, items[i]);
    adm_sb_add(sb, "\"");
  }
}

const char *adm_sb_str(struct adm_sb *sb) {
  if (sb->failed)
    return NULL;
  if (sb->buf == NULL) {
    if (sb_reserve(sb, 0) < 0)
      return NULL;
    sb->buf[0] = '\0';
  }
  return sb->buf;
}
