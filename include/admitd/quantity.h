/* Kubernetes resource quantities (resource.Quantity), parsed and compared
 * exactly as the API server does: the same grammar, suffixes and quirks
 * ("1.G" and "." are accepted; an e-exponent is read as int64 and kept as
 * int32), the magnitude rounded up to a whole nano-unit, binary-suffixed
 * values capped at 2^63-1. Pure: no allocation, no I/O. */
#ifndef ADMITD_QUANTITY_H
#define ADMITD_QUANTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* value = (neg ? -1 : 1) x coef x 10^exp, with exp >= -9 once parsed. */
struct adm_quantity {
  bool neg;
  __extension__ unsigned __int128 coef;
  int64_t exp;
};

/* 0, or ADM_EPARSE with a reason in *why (static text): not the grammar,
 * an unknown suffix, or more than 38 significant digits (which the API
 * server would accept and admitd cannot compare exactly: it refuses them). */
int adm_quantity_parse(const char *s, struct adm_quantity *out, const char **why);

/* -1, 0 or 1. Exact for every parsed value, however large its exponent. */
int adm_quantity_cmp(const struct adm_quantity *a, const struct adm_quantity *b);

/* *sum = a + b; ADM_ETOOBIG when the exact sum needs more than 38 digits. */
int adm_quantity_add(const struct adm_quantity *a, const struct adm_quantity *b, struct adm_quantity *sum);

/* a x k (small k, for ratios); ADM_ETOOBIG past 38 digits. */
int adm_quantity_mul_small(const struct adm_quantity *a, uint32_t k, struct adm_quantity *out);

bool adm_quantity_is_zero(const struct adm_quantity *q);

/* A plain decimal text of q ("1073741824", "0.5", "1e+40" past 60 digits)
 * into buf; returns buf. */
const char *adm_quantity_format(const struct adm_quantity *q, char *buf, size_t len);

#endif
