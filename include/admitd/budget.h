/* One process-wide memory budget that request bodies and decoded trees
 * draw from, so the sum of what concurrent requests hold is bounded by a
 * number the operator sized the container for. Lock-free: a take is one
 * compare-and-swap loop, a give one atomic subtraction. */
#ifndef ADMITD_BUDGET_H
#define ADMITD_BUDGET_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

struct adm_budget {
  atomic_size_t used;
  size_t limit; /* 0: unlimited (tools and tests) */
  atomic_ullong refusals;
};

void adm_budget_init(struct adm_budget *b, size_t limit);
/* true when n bytes were reserved; false (and counted) when that would pass
 * the limit. A NULL budget always grants. */
bool adm_budget_take(struct adm_budget *b, size_t n);
void adm_budget_give(struct adm_budget *b, size_t n);
/* Whether n bytes could ever be reserved at once, whoever else holds what:
 * false means a request needing them is too large (413), not early (429). */
bool adm_budget_could_hold(const struct adm_budget *b, size_t n);
size_t adm_budget_used(const struct adm_budget *b);

#endif
