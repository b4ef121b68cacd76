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

/* apimachinery's ParseQuantity: 0, or ADM_EPARSE with a reason in *why
 * (static text): not the grammar (white space included), an unknown
 * suffix, or more than 38 significant digits (which the API server would
 * accept and admitd cannot compare exactly: it refuses them). For text
 * that is only ever parsed so, such as the size in "hugepages-2Mi". */
int adm_quantity_parse(const char *s, struct adm_quantity *out, const char **why);

/* A quantity value as the API server decodes one from JSON, YAML or CBOR
 * (Quantity.UnmarshalJSON): white space around it (strings.TrimSpace:
 * ASCII and Unicode) is dropped, then adm_quantity_parse. " 500m" and
 * "500m\n" are 500m; "5 00m" is refused. */
int adm_quantity_decode(const char *s, struct adm_quantity *out, const char **why);
/* The part of s that adm_quantity_decode parses: s without the white
 * space around it, *len bytes from the pointer returned (into s). */
const char *adm_quantity_trim(const char *s, size_t *len);

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

/* Requests, limits and the rule settings that judge them. */

/* Parse a quantity for a container's or pod's requests or limits: as
 * adm_quantity_decode, and ADM_EPARSE for a negative value too, which the
 * API server's validation refuses ("must be greater than or equal to 0"). */
int adm_quantity_parse_resource(const char *s, struct adm_quantity *out, const char **why);

struct adm_resource_list;

/* Resource `name` of a requests or limits list (pod.h): 1 with *out set
 * (and *text, when not NULL, to the value as written, *borrowed* from the
 * pod) when present and valid (adm_quantity_parse_resource), 0 when
 * absent, ADM_EPARSE when present and invalid; resources.quantity reports
 * those, so other checks skip them rather than report them twice. */
int adm_resource_quantity(const struct adm_resource_list *l, const char *name, struct adm_quantity *out,
                          const char **text);

/* -1, 0 or 1 as a compares with b x c, exactly (a 256-bit product): the
 * test of limit / request against maxLimitRequestRatio, with no division. */
int adm_quantity_cmp_mul(const struct adm_quantity *a, const struct adm_quantity *b, const struct adm_quantity *c);

/* num / den for a message: exact up to 6 decimals ("4", "2.5"), else cut
 * at 6 and marked ("1.333333..."); den must not be zero. Returns buf. */
const char *adm_quantity_format_ratio(const struct adm_quantity *num, const struct adm_quantity *den, char *buf,
                                      size_t len);

/* q as the API server would print it, with a suffix: a binary one when
 * `binary` and q is a whole number of Ki ("18Gi"), else the largest
 * decimal one that keeps an integer ("2k", "1500m", "1500"). Returns buf. */
const char *adm_quantity_format_si(const struct adm_quantity *q, bool binary, char *buf, size_t len);

#endif
