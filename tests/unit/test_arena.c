/* server/base/arena.c: alignment, large blocks, the limit, reset, and the
 * string builder. */
#include "helpers.h"

#include <stdalign.h>

static void allocations_are_aligned_and_distinct(void **state) {
  (void)state;
  struct adm_arena a;
  adm_arena_init(&a, 256, 0);
  char *p = adm_arena_alloc(&a, 3), *q = adm_arena_alloc(&a, 5);
  assert_non_null(p);
  assert_non_null(q);
  assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
  assert_int_equal((uintptr_t)q % alignof(max_align_t), 0);
  assert_true(q >= p + 3);
  /* Larger than a block: its own block, and the head keeps its free space. */
  char *big = adm_arena_alloc(&a, 10000);
  assert_non_null(big);
  memset(big, 1, 10000);
  char *after = adm_arena_alloc(&a, 8);
  assert_true(after == q + alignof(max_align_t) || after > q);
  adm_arena_free(&a);
}

static void limit_fails_cleanly(void **state) {
  (void)state;
  struct adm_arena a;
  adm_arena_init(&a, 1024, 2048);
  assert_non_null(adm_arena_alloc(&a, 1000));
  assert_null(adm_arena_alloc(&a, 2000));
  assert_null(adm_arena_calloc(&a, SIZE_MAX / 2, 4));
  adm_arena_free(&a);
}

static void recycle_keeps_blocks_up_to_a_cap(void **state) {
  (void)state;
  struct adm_arena a;
  adm_arena_init(&a, 512, 0);
  char *first = adm_arena_alloc(&a, 300);
  for (int i = 0; i < 20; i++)
    assert_non_null(adm_arena_alloc(&a, 300));
  adm_arena_recycle(&a, 1u << 20);
  assert_int_equal(a.used_total, 0);
  assert_null(a.head);
  assert_non_null(a.spare);
  /* The same working set again comes from kept blocks: the first block is reused. */
  bool reused = false;
  for (int i = 0; i < 21; i++) {
    char *p = adm_arena_alloc(&a, 300);
    assert_non_null(p);
    memset(p, 7, 300);
    reused |= p == first;
  }
  assert_true(reused);
  /* A cap of zero keeps nothing. */
  adm_arena_recycle(&a, 0);
  assert_null(a.spare);
  assert_non_null(adm_arena_alloc(&a, 100));
  adm_arena_free(&a);
}

static void string_builder(void **state) {
  (void)state;
  struct adm_arena a;
  adm_arena_init(&a, 64, 0);
  struct adm_sb sb;
  adm_sb_init(&sb, &a);
  assert_string_equal(adm_sb_str(&sb), "");
  const char *names[] = {"a", "b", "c"};
  adm_sb_add(&sb, "containers ");
  adm_sb_add_quoted_list(&sb, names, 3);
  adm_sb_addf(&sb, " %d", 42);
  adm_sb_add(&sb, " [");
  adm_sb_add_list(&sb, names, 2, " and ");
  adm_sb_add(&sb, "]");
  assert_string_equal(adm_sb_str(&sb), "containers \"a\", \"b\", \"c\" 42 [a and b]");
  for (int i = 0; i < 1000; i++)
    adm_sb_add(&sb, "0123456789");
  assert_int_equal(strlen(adm_sb_str(&sb)), 37 + 10000);
  assert_string_equal(adm_arena_printf(&a, "%s-%03d", "x", 7), "x-007");
  adm_arena_free(&a);
  struct adm_arena small;
  adm_arena_init(&small, 64, 256);
  adm_sb_init(&sb, &small);
  for (int i = 0; i < 100; i++)
    adm_sb_add(&sb, "0123456789");
  assert_null(adm_sb_str(&sb)); /* failed allocations are sticky */
  adm_arena_free(&small);
}

static void error_codes_have_text(void **state) {
  (void)state;
  assert_string_equal(adm_strerror(ADM_OK), "success");
  assert_string_equal(adm_strerror(ADM_ETOOBIG), "input exceeds a configured limit");
  assert_string_equal(adm_strerror(12345), "unknown error");
  struct adm_error err;
  assert_int_equal(adm_fail(&err, ADM_EINVAL, "f:1:2: k", "bad %s", "value"), ADM_EINVAL);
  char out[128];
  adm_error_format(&err, out, sizeof out);
  assert_string_equal(out, "f:1:2: k: bad value");
  assert_int_equal(adm_fail(NULL, ADM_EIO, "x", "y"), ADM_EIO);
}

/* Sizes near SIZE_MAX never wrap into a small block: the request fails,
 * and stays failed, with the reason kept. */
static void huge_sizes_fail_without_wrapping(void **state) {
  (void)state;
  struct adm_arena a;
  adm_arena_init(&a, 4096, 0);
  assert_null(adm_arena_alloc(&a, SIZE_MAX));
  assert_int_equal(adm_arena_failure(&a), ADM_ARENA_LIMIT);
  assert_null(adm_arena_alloc(&a, 16)); /* sticky */
  adm_arena_recycle(&a, 0);
  assert_null(adm_arena_alloc(&a, SIZE_MAX - 8));
  assert_null(adm_arena_calloc(&a, SIZE_MAX / 2, 4));
  adm_arena_recycle(&a, 0);
  assert_null(adm_arena_calloc(&a, SIZE_MAX / 2, 4));
  assert_int_equal(adm_arena_failure(&a), ADM_ARENA_LIMIT);
  adm_arena_recycle(&a, 0);
  assert_non_null(adm_arena_alloc(&a, 16)); /* recycled: usable again */
  adm_arena_free(&a);
}

/* Room for one more: the same array while there is room, a doubled copy
 * when full, NULL (sticky) when the arena cannot give one. */
static void grow_doubles_and_fails_sticky(void **state) {
  (void)state;
  struct adm_arena a;
  adm_arena_init(&a, 4096, 0);
  int *items = NULL;
  size_t n = 0, cap = 0;
  for (int i = 0; i < 100; i++) {
    int *grown = adm_arena_grow(&a, items, n, &cap, sizeof *grown, 4);
    assert_non_null(grown);
    if (n < 4 && items != NULL)
      assert_ptr_equal(grown, items);
    items = grown;
    items[n++] = i;
    assert_true(n <= cap);
  }
  assert_int_equal(cap, 128);
  for (int i = 0; i < 100; i++)
    assert_int_equal(items[i], i);
  a.fail_at = a.allocs + 1;
  size_t full = cap;
  n = cap;
  assert_null(adm_arena_grow(&a, items, n, &cap, sizeof *items, 4));
  assert_int_equal(cap, full);
  assert_true(adm_arena_failure(&a) != ADM_ARENA_OK);
  adm_arena_free(&a);
}

/* A block the budget refuses is the request's own fault (LIMIT: 413)
 * when, with what the request already holds, its blocks and its body, it
 * could not fit an idle budget; otherwise others hold the budget (BUDGET:
 * 429, try again). */
static void budget_refusals_say_whose_fault(void **state) {
  (void)state;
  struct adm_budget budget;
  adm_budget_init(&budget, 64u << 10);
  struct adm_arena a;
  adm_arena_init(&a, 1024, 0);
  a.budget = &budget;
  assert_true(adm_budget_take(&budget, 16u << 10)); /* its body */
  a.budget_held = 16u << 10;
  assert_non_null(adm_arena_alloc(&a, 40u << 10));
  assert_null(adm_arena_alloc(&a, 10u << 10)); /* 16K + 40K + 10K > 64K, alone */
  assert_int_equal(adm_arena_failure(&a), ADM_ARENA_LIMIT);
  adm_arena_free(&a);
  assert_int_equal(adm_budget_used(&budget), 16u << 10);

  assert_true(adm_budget_take(&budget, 40u << 10)); /* another request */
  adm_arena_init(&a, 1024, 0);
  a.budget = &budget;
  a.budget_held = 16u << 10;
  assert_null(adm_arena_alloc(&a, 10u << 10)); /* 16K + 10K fits alone */
  assert_int_equal(adm_arena_failure(&a), ADM_ARENA_BUDGET);
  adm_arena_free(&a);
  adm_budget_give(&budget, (40u << 10) + (16u << 10));

  /* A block grown ahead of need is retried at the size needed. */
  adm_arena_init(&a, 1024, 0);
  a.budget = &budget;
  assert_non_null(adm_arena_alloc(&a, 36u << 10));
  assert_non_null(adm_arena_alloc(&a, 20u << 10)); /* a 36K block would pass 64K; 20K fits */
  assert_int_equal(adm_arena_failure(&a), ADM_ARENA_OK);
  adm_arena_free(&a);
  assert_int_equal(adm_budget_used(&budget), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(grow_doubles_and_fails_sticky),
      cmocka_unit_test(huge_sizes_fail_without_wrapping),
      cmocka_unit_test(allocations_are_aligned_and_distinct),
      cmocka_unit_test(limit_fails_cleanly),
      cmocka_unit_test(budget_refusals_say_whose_fault),
      cmocka_unit_test(recycle_keeps_blocks_up_to_a_cap),
      cmocka_unit_test(string_builder),
      cmocka_unit_test(error_codes_have_text),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
