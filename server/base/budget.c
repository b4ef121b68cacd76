/* The process-wide memory budget (budget.h). Owns only its counters; the
 * memory itself is malloc'd by whoever took the reservation. */
#include "admitd/budget.h"

void adm_budget_init(struct adm_budget *b, size_t limit) {
  atomic_init(&b->used, 0);
  b->limit = limit;
  atomic_init(&b->refusals, 0);
}

bool adm_budget_take(struct adm_budget *b, size_t n) {
  if (b == NULL)
    return true;
  size_t used = atomic_load_explicit(&b->used, memory_order_relaxed);
  do {
    if (b->limit != 0 && (n > b->limit || used > b->limit - n)) {
      atomic_fetch_add_explicit(&b->refusals, 1, memory_order_relaxed);
      return false;
    }
  } while (
      !atomic_compare_exchange_weak_explicit(&b->used, &used, used + n, memory_order_relaxed, memory_order_relaxed));
  return true;
}

void adm_budget_give(struct adm_budget *b, size_t n) {
  if (b != NULL && n != 0)
    atomic_fetch_sub_explicit(&b->used, n, memory_order_relaxed);
}

bool adm_budget_could_hold(const struct adm_budget *b, size_t n) {
  return b == NULL || b->limit == 0 || n <= b->limit;
}

size_t adm_budget_used(const struct adm_budget *b) {
  return atomic_load_explicit(&b->used, memory_order_relaxed);
}
