/* The conditions of a verify rule's attestation (family.h) on the predicate
 * of a verified in-toto statement: each reads the value at a dotted path
 * and compares it as text (equals, oneOf, a glob) or as an RFC 3339 time
 * (maxAge). A missing path, a value that is a list or mapping, or a
 * predicate that is not JSON fails the condition: nothing here passes by
 * default. Pure apart from the parse; the time is the caller's. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cosign.h"
#include "admitd/jsonw.h"
#include "admitd/review.h"
#include "sigbundle.h"
#include "sigstore_internal.h"

#define MAX_PREDICATE_VALUES 65536
#define CLOCK_SKEW_S 300 /* a timestamp this far in the future still counts as now */

/* The value at the dotted path, or NULL. */
static const json_t *at(const json_t *v, const char *path) {
  const char *p = path;
  while (v != NULL) {
    const char *dot = strchr(p, '.');
    size_t n = dot ? (size_t)(dot - p) : strlen(p);
    char part[256];
    if (n == 0 || n >= sizeof part)
      return NULL;
    memcpy(part, p, n);
    part[n] = '\0';
    if (json_is_object(v)) {
      v = json_object_get(v, part);
    } else if (json_is_array(v) && strspn(part, "0123456789") == n && n < 9) {
      v = json_array_get(v, strtoul(part, NULL, 10));
    } else {
      return NULL;
    }
    if (dot == NULL)
      return v;
    p = dot + 1;
  }
  return NULL;
}

/* One condition on doc; 0, or a negative code with why filled. */
static int holds(const struct adm_attest_condition *c, const json_t *doc, int64_t now, char *why, size_t cap) {
  const json_t *v = at(doc, c->path);
  if (v == NULL) {
    snprintf(why, cap, "%.120s is missing", c->path);
    return ADM_EMISSING;
  }
  if (json_is_object(v) || json_is_array(v)) {
    snprintf(why, cap, "%.120s is a %s, not a value", c->path, json_is_object(v) ? "mapping" : "list");
    return ADM_ETYPE;
  }
  char *dumped = json_is_string(v) ? NULL : adm_json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT); /* plain malloc */
  const char *text = json_is_string(v) ? json_string_value(v) : dumped;
  if (text == NULL)
    return ADM_ENOMEM;
  bool ok = false;
  int64_t t = 0;
  switch (c->op) {
  case ADM_ATTEST_EQUALS:
    ok = strcmp(text, c->value) == 0;
    break;
  case ADM_ATTEST_ONE_OF:
    for (size_t i = 0; i < c->one_of.n && !ok; i++)
      ok = strcmp(text, c->one_of.items[i]) == 0;
    break;
  case ADM_ATTEST_MATCHES:
    ok = fnmatch(c->value, text, 0) == 0;
    break;
  case ADM_ATTEST_MAX_AGE:
    ok = json_is_string(v) && adm__rfc3339(text, &t) == 0 && t <= now + CLOCK_SKEW_S && now - t <= c->max_age_ms / 1000;
    break;
  }
  if (!ok)
    snprintf(why, cap, "%.120s is \"%.120s\"%s", c->path, text,
             c->op == ADM_ATTEST_MAX_AGE ? ", not a time recent enough" : ", which the condition refuses");
  free(dumped);
  return ok ? 0 : ADM_EINVAL;
}

int adm__attest_check(const struct adm_images_attestation *att, const char *predicate, int64_t now, char *why,
                      size_t cap) {
  why[0] = '\0';
  if (predicate == NULL) {
    snprintf(why, cap, "no predicate");
    return ADM_EMISSING;
  }
  size_t len = strlen(predicate);
  if (adm_json_values_exceed(predicate, len, MAX_PREDICATE_VALUES)) {
    snprintf(why, cap, "the predicate has more than %d JSON values", MAX_PREDICATE_VALUES);
    return ADM_ETOOBIG;
  }
  json_error_t je;
  json_t *doc = json_loadb(predicate, len, JSON_DECODE_ANY, &je);
  if (doc == NULL) {
    snprintf(why, cap, "the predicate is not JSON: %s", je.text);
    return json_error_code(&je) == json_error_out_of_memory ? ADM_ENOMEM : ADM_EPARSE;
  }
  int rc = 0;
  for (size_t i = 0; i < att->n_conditions && rc == 0; i++)
    rc = holds(&att->conditions[i], doc, now, why, cap);
  json_decref(doc);
  return rc;
}
