/* Reading proto3 JSON as the Sigstore documents write it: lowerCamelCase
 * members, int64 as strings of digits, bytes as standard base64, TimeRange
 * as RFC 3339. Every failure names the JSON path of the field. Owns no
 * document shape (bundle.c and trusted_root.c do) and keeps nothing: what
 * it decodes is copied into the caller's arena. */
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "admitd/jsonw.h"
#include "sigstore_internal.h"

void adm__path_key(struct adm__path *out, const struct adm__path *parent, const char *key) {
  char tmp[sizeof out->text];
  /* A path cut short still names where the error is. */
  if (snprintf(tmp, sizeof tmp, "%s.%s", parent ? parent->text : "$", key) >= (int)sizeof tmp)
    tmp[sizeof tmp - 1] = '\0';
  memcpy(out->text, tmp, sizeof tmp);
}

void adm__path_index(struct adm__path *out, const struct adm__path *parent, size_t i) {
  char tmp[sizeof out->text];
  if (snprintf(tmp, sizeof tmp, "%s[%zu]", parent ? parent->text : "$", i) >= (int)sizeof tmp)
    tmp[sizeof tmp - 1] = '\0';
  memcpy(out->text, tmp, sizeof tmp);
}

static int member(const json_t *obj, const char *key, const struct adm__path *p, bool required, json_type type,
                  const char *want, const json_t **out, struct adm_error *err) {
  struct adm__path here;
  adm__path_key(&here, p, key);
  *out = NULL;
  const json_t *v = obj ? json_object_get(obj, key) : NULL;
  if (v == NULL || json_is_null(v))
    return required ? adm_fail(err, ADM_EMISSING, here.text, "required") : 0;
  if (json_typeof(v) != type && !(type == JSON_INTEGER && json_is_string(v)))
    return adm_fail(err, ADM_ETYPE, here.text, "want %s", want);
  *out = v;
  return 0;
}

int adm__pj_object(const json_t *obj, const char *key, const struct adm__path *p, bool required, const json_t **out,
                   struct adm_error *err) {
  return member(obj, key, p, required, JSON_OBJECT, "an object", out, err);
}

int adm__pj_array(const json_t *obj, const char *key, const struct adm__path *p, bool required, const json_t **out,
                  size_t *n, struct adm_error *err) {
  int rc = member(obj, key, p, required, JSON_ARRAY, "a list", out, err);
  *n = *out ? json_array_size(*out) : 0;
  if (rc == 0 && *n > ADM__MAX_LIST) {
    struct adm__path here;
    adm__path_key(&here, p, key);
    return adm_fail(err, ADM_ETOOBIG, here.text, "%zu entries, at most %d", *n, ADM__MAX_LIST);
  }
  return rc;
}

int adm__pj_string(struct adm_arena *a, const json_t *obj, const char *key, const struct adm__path *p, bool required,
                   const char **out, struct adm_error *err) {
  const json_t *v;
  *out = NULL;
  int rc = member(obj, key, p, required, JSON_STRING, "a string", &v, err);
  if (rc < 0 || v == NULL)
    return rc;
  if (!json_is_string(v)) {
    struct adm__path here;
    adm__path_key(&here, p, key);
    return adm_fail(err, ADM_ETYPE, here.text, "want a string");
  }
  *out = adm_arena_strndup(a, json_string_value(v), json_string_length(v));
  return *out ? 0 : adm_fail(err, ADM_ENOMEM, p ? p->text : "$", "out of memory");
}

int adm__b64(struct adm_arena *a, const char *in, size_t in_len, struct adm__bytes *out) {
  out->data = NULL;
  out->len = 0;
  if (in_len > ADM__MAX_B64)
    return ADM_ETOOBIG;
  /* Line breaks are skipped, as Go's and protobuf's decoders do (base64(1)
   * wraps at 76 columns); anything else outside the standard alphabet,
   * or padding anywhere but the end, is refused. */
  char *s = adm_arena_alloc(a, in_len + 1);
  if (s == NULL)
    return ADM_ENOMEM;
  size_t len = 0;
  for (size_t i = 0; i < in_len; i++)
    if (in[i] != '\n' && in[i] != '\r')
      s[len++] = in[i];
  if (len % 4 != 0)
    return ADM_EPARSE;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
              (c == '=' && i + 2 >= len && (i + 1 == len || s[len - 1] == '='));
    if (!ok)
      return ADM_EPARSE;
  }
  if (len == 0) {
    out->data = (const unsigned char *)"";
    return 0;
  }
  gnutls_datum_t enc = {(unsigned char *)(uintptr_t)s, (unsigned)len}, dec = {NULL, 0};
  if (gnutls_base64_decode2(&enc, &dec) < 0)
    return ADM_EPARSE;
  unsigned char *copy = adm_arena_alloc(a, dec.size + 1);
  if (copy == NULL) {
    gnutls_free(dec.data);
    return ADM_ENOMEM;
  }
  memcpy(copy, dec.data, dec.size);
  copy[dec.size] = '\0';
  out->data = copy;
  out->len = dec.size;
  gnutls_free(dec.data);
  return 0;
}

int adm__pj_bytes(struct adm_arena *a, const json_t *obj, const char *key, const struct adm__path *p, bool required,
                  struct adm__bytes *out, struct adm_error *err) {
  const json_t *v;
  out->data = NULL;
  out->len = 0;
  int rc = member(obj, key, p, required, JSON_STRING, "a base64 string", &v, err);
  if (rc < 0 || v == NULL)
    return rc;
  struct adm__path here;
  adm__path_key(&here, p, key);
  if (!json_is_string(v))
    return adm_fail(err, ADM_ETYPE, here.text, "want a base64 string");
  rc = adm__b64(a, json_string_value(v), json_string_length(v), out);
  if (rc == ADM_ENOMEM)
    return adm_fail(err, rc, here.text, "out of memory");
  if (rc < 0)
    return adm_fail(err, rc, here.text, rc == ADM_ETOOBIG ? "longer than %u characters" : "not standard base64",
                    ADM__MAX_B64);
  if (required && out->len == 0)
    return adm_fail(err, ADM_EMISSING, here.text, "empty");
  return 0;
}

bool adm__decimal(const char *s, size_t n, int64_t *out) {
  if (n == 0 || n > 18)
    return false;
  int64_t x = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    x = x * 10 + (s[i] - '0');
  }
  *out = x;
  return true;
}

int adm__pj_int64(const json_t *obj, const char *key, const struct adm__path *p, bool required, int64_t *out,
                  bool *present, struct adm_error *err) {
  const json_t *v;
  *out = 0;
  if (present)
    *present = false;
  int rc = member(obj, key, p, required, JSON_INTEGER, "an integer", &v, err);
  if (rc < 0 || v == NULL)
    return rc;
  struct adm__path here;
  adm__path_key(&here, p, key);
  if (json_is_integer(v)) {
    if (json_integer_value(v) < 0)
      return adm_fail(err, ADM_EINVAL, here.text, "negative");
    *out = json_integer_value(v);
  } else {
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n > 0 && s[0] == '-')
      return adm_fail(err, ADM_EINVAL, here.text, "negative");
    if (!adm__decimal(s, n, out))
      return adm_fail(err, ADM_EPARSE, here.text, "want a decimal int64");
  }
  if (present)
    *present = true;
  return 0;
}

static bool digits(const char *s, int n, int *out) {
  int x = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    x = x * 10 + (s[i] - '0');
  }
  *out = x;
  return true;
}

int adm__rfc3339(const char *s, int64_t *out) {
  int Y, M, D, h, m, sec;
  size_t n = strlen(s);
  if (n < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':' ||
      !digits(s, 4, &Y) || !digits(s + 5, 2, &M) || !digits(s + 8, 2, &D) || !digits(s + 11, 2, &h) ||
      !digits(s + 14, 2, &m) || !digits(s + 17, 2, &sec))
    return ADM_EPARSE;
  if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
    return ADM_EPARSE;
  const char *z = s + 19;
  if (*z == '.') {
    z++;
    if (*z < '0' || *z > '9')
      return ADM_EPARSE;
    while (*z >= '0' && *z <= '9')
      z++;
  }
  int64_t offset = 0;
  if ((*z == 'Z' || *z == 'z') && z[1] == '\0') {
    offset = 0;
  } else if ((*z == '+' || *z == '-') && strlen(z) == 6 && z[3] == ':') {
    int oh, om;
    if (!digits(z + 1, 2, &oh) || !digits(z + 4, 2, &om) || oh > 23 || om > 59)
      return ADM_EPARSE;
    offset = (oh * 3600 + om * 60) * (*z == '+' ? 1 : -1);
  } else {
    return ADM_EPARSE;
  }
  struct tm tm = {.tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D, .tm_hour = h, .tm_min = m, .tm_sec = sec};
  *out = (int64_t)timegm(&tm) - offset;
  return 0;
}

int adm__pj_range(const json_t *obj, const char *key, const struct adm__path *p, bool required, struct adm__range *out,
                  bool *present, struct adm_error *err) {
  const json_t *v;
  struct adm__path here, field;
  memset(out, 0, sizeof *out);
  if (present)
    *present = false;
  int rc = adm__pj_object(obj, key, p, required, &v, err);
  if (rc < 0 || v == NULL)
    return rc;
  adm__path_key(&here, p, key);
  static const char *const names[] = {"start", "end"};
  for (int i = 0; i < 2; i++) {
    const json_t *t = json_object_get(v, names[i]);
    adm__path_key(&field, &here, names[i]);
    if (t == NULL || json_is_null(t)) {
      /* A range without its start would trust a key since the epoch: the
       * start is required, never read as unbounded. */
      if (i == 0)
        return adm_fail(err, ADM_EMISSING, field.text, "required");
      continue;
    }
    int64_t when;
    if (!json_is_string(t) || adm__rfc3339(json_string_value(t), &when) < 0)
      return adm_fail(err, ADM_EPARSE, field.text, "want an RFC 3339 time");
    if (i == 0) {
      out->start = when;
    } else {
      out->end = when;
      out->has_end = true;
    }
  }
  if (out->has_end && out->end < out->start)
    return adm_fail(err, ADM_EINVAL, here.text, "ends before it starts");
  if (present)
    *present = true;
  return 0;
}

bool adm__hex_is(const char *hex, const unsigned char sha256[32]) {
  static const char digits[] = "0123456789abcdef";
  if (hex == NULL || strlen(hex) != 64)
    return false;
  for (size_t i = 0; i < 32; i++)
    if (hex[2 * i] != digits[sha256[i] >> 4] || hex[2 * i + 1] != digits[sha256[i] & 15])
      return false;
  return true;
}

bool adm__range_contains(const struct adm__range *r, int64_t t) {
  /* TimeRange is a closed interval: a time equal to the end is inside. */
  return t >= r->start && (!r->has_end || t <= r->end);
}

json_t *adm__pj_load(const char *text, size_t len, size_t max, struct adm_error *err) {
  if (len > max) {
    adm_fail(err, ADM_ETOOBIG, "$", "%zu bytes, at most %zu", len, max);
    return NULL;
  }
  /* A dense megabyte ("[[],[],...]") is a tree of some 60 MB outside any
   * budget: counted before it is built. */
  if (adm_json_values_exceed(text, len, ADM__PJ_MAX_VALUES)) {
    adm_fail(err, ADM_ETOOBIG, "$", "more than %d JSON values", ADM__PJ_MAX_VALUES);
    return NULL;
  }
  json_error_t je;
  json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  if (root == NULL) {
    adm_fail(err, ADM_EPARSE, "$", "line %d column %d: %s", je.line, je.column, je.text);
    return NULL;
  }
  if (!json_is_object(root)) {
    json_decref(root);
    adm_fail(err, ADM_ETYPE, "$", "want an object");
    return NULL;
  }
  return root;
}
