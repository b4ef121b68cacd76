/* Request bodies: kept under --max-body-bytes and reserved on the process
 * memory budget as they grow (a chunked body's size is not known up
 * front), released in one call, and the refusals when either bound is
 * reached (413 for what can never fit, 429 for a budget held by others).
 * Must not read a byte past either bound, nor answer a request itself: it
 * marks the request and the listener answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"

void adm__too_large(struct adm_server *s, struct request *r) {
  char msg[160];
  snprintf(msg, sizeof msg, "request entity is too large; limit is %zu bytes", s->opt.max_body_bytes);
  adm__reject_now(r, 413, "RequestEntityTooLarge", msg);
}

const char *adm__over_budget_msg(const struct adm_server *s, char *buf, size_t len) {
  snprintf(buf, len, "request entity is too large; admitd's memory budget is %zu bytes", s->budget.limit);
  return buf;
}

const char adm__budget_short_msg[] =
    "admitd: its memory budget is held by other requests; the body was not read and no decision was made, try "
    "again";

/* Keep n more body bytes: within the cap, and (for chunked bodies, whose
 * size is not known up front) reserved on the budget as the buffer grows. */
int adm__append_body(struct adm_server *s, struct request *r, const char *data, size_t n) {
  r->seen += n;
  if (r->too_big || r->budget_short)
    return 0;
  if (r->len + n > s->opt.max_body_bytes) {
    r->too_big = true;
    return 0;
  }
  if (!adm_budget_could_hold(&s->budget, r->len + n)) {
    r->budget_short = true;
    return 0;
  }
  if (r->len + n > r->cap) {
    size_t cap = r->cap ? r->cap : 16384;
    while (cap < r->len + n)
      cap *= 2;
    if (cap > s->opt.max_body_bytes)
      cap = s->opt.max_body_bytes;
    if (!adm_budget_could_hold(&s->budget, cap))
      cap = s->budget.limit; /* doubling must not ask for more than there is */
    size_t more = cap > r->reserved ? cap - r->reserved : 0;
    if (!adm_budget_take(&s->budget, more)) {
      r->budget_short = true;
      return 0;
    }
    r->reserved += more;
    char *nb = realloc(r->body, cap);
    if (nb == NULL)
      return -1;
    r->body = nb;
    r->cap = cap;
  }
  memcpy(r->body + r->len, data, n);
  r->len += n;
  return 0;
}

void adm__release_body(struct adm_server *s, struct request *r) {
  free(r->body);
  r->body = NULL;
  r->len = r->cap = 0;
  adm_budget_give(&s->budget, r->reserved);
  r->reserved = 0;
}
