/* AdmissionReview wire format. Owns request validation and response
 * shape; knows nothing of policy. Responses are written with jansson so
 * every string is escaped correctly. */
#include "admitd/review.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tags in front of every block jansson gets, so free() can tell them apart. */
#define JSON_BLOCK_HEAP 0x68656170u
#define JSON_BLOCK_ARENA 0x6172656eu
#define JSON_BLOCK_HEADER 16

static _Thread_local struct adm_arena *json_arena;

static void *json_block_alloc(size_t n) {
  unsigned char *p;
  uint32_t tag;
  if (n > SIZE_MAX - JSON_BLOCK_HEADER)
    return NULL;
  if (json_arena != NULL) {
    p = adm_arena_alloc(json_arena, n + JSON_BLOCK_HEADER);
    tag = JSON_BLOCK_ARENA;
    /* jansson 2.14 must not be refused while it reads: a token buffer
     * that cannot grow trips an assert (lex_unget_unsave) and aborts the
     * process. The arena's failure is recorded and decides the answer;
     * feed_body() stops the input, so jansson only finishes the chunk it
     * holds from the heap, and the decode frees what it made. */
    if (p == NULL) {
      p = malloc(n + JSON_BLOCK_HEADER);
      tag = JSON_BLOCK_HEAP;
    }
  } else {
    p = malloc(n + JSON_BLOCK_HEADER);
    tag = JSON_BLOCK_HEAP;
  }
  if (p == NULL)
    return NULL;
  memcpy(p, &tag, sizeof tag);
  return p + JSON_BLOCK_HEADER;
}

static void json_block_free(void *ptr) {
  if (ptr == NULL)
    return;
  unsigned char *p = (unsigned char *)ptr - JSON_BLOCK_HEADER;
  uint32_t tag;
  memcpy(&tag, p, sizeof tag);
  if (tag == JSON_BLOCK_HEAP)
    free(p);
  /* Arena blocks go when their arena does. */
}

/* Before main, so no jansson block ever predates the tagging. */
__attribute__((constructor)) static void install_json_allocator(void) {
  json_set_alloc_funcs(json_block_alloc, json_block_free);
}

char *adm_json_dumps(const json_t *json, size_t flags) {
  size_t n = json_dumpb(json, NULL, 0, flags);
  if (n == 0)
    return NULL;
  char *out = malloc(n + 1);
  if (out == NULL)
    return NULL;
  if (json_dumpb(json, out, n, flags) != n) {
    free(out);
    return NULL;
  }
  out[n] = '\0';
  return out;
}

char *adm_json_dump_arena(struct adm_arena *a, const json_t *json, size_t *len) {
  size_t n = json_dumpb(json, NULL, 0, JSON_COMPACT);
  char *text = n ? adm_arena_alloc(a, n) : NULL;
  if (text == NULL || json_dumpb(json, text, n, JSON_COMPACT) != n)
    return NULL;
  *len = n;
  return text;
}

/* Past the string that starts at p (just after its opening quote), or NULL. */
static const char *skip_string(const char *p, const char *end) {
  for (;;) {
    const char *q = memchr(p, '"', (size_t)(end - p));
    if (q == NULL)
      return NULL;
    size_t slashes = 0;
    while (q - slashes > p && q[-1 - (ptrdiff_t)slashes] == '\\')
      slashes++;
    if (slashes % 2 == 0)
      return q + 1;
    p = q + 1;
  }
}

int adm_json_depth_exceeds(const char *body, size_t len, int limit) {
  /* Most of a review is string content: jump through strings with memchr. */
  const char *p = body, *end = body + len;
  int depth = 0;
  while (p < end) {
    char ch = *p++;
    if (ch == '"') {
      p = skip_string(p, end);
      if (p == NULL)
        return 0; /* unterminated: the parser will say so */
    } else if (ch == '{' || ch == '[') {
      if (++depth > limit)
        return 1;
    } else if (ch == '}' || ch == ']') {
      depth--;
    }
  }
  return 0;
}

/* Strict JSON, as jansson 2.14 (src/load.c) reads it with
 * JSON_REJECT_DUPLICATES, for the values the pruner drops: a dropped value
 * must be one jansson would have accepted, or pruning could turn a body it
 * refuses into one it decides on. Everything here answers "certainly
 * valid" or "not known to be": the second only keeps the value, which is
 * always correct. Nothing allocates; the fixed arrays bound the work. */

#define VALID_MAX_DEPTH 64      /* nesting inside one dropped value */
#define VALID_MAX_KEYS 32       /* keys of one object, compared pairwise */
#define VALID_MAX_OPEN_KEYS 128 /* keys of every object open at once */

#if JSON_INTEGER_IS_LONG_LONG
#define VALID_JSON_INT_MAX LLONG_MAX
#else
#define VALID_JSON_INT_MAX LONG_MAX
#endif

static bool json_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *skip_ws(const char *p, const char *end) {
  while (p < end && json_ws(*p))
    p++;
  return p;
}

static bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* The four hex digits at p, or -1. */
static long hex4(const char *p, const char *end) {
  if (end - p < 4)
    return -1;
  long v = 0;
  for (int i = 0; i < 4; i++) {
    int d = hex_digit(p[i]);
    if (d < 0)
      return -1;
    v = v * 16 + d;
  }
  return v;
}

/* Length of the UTF-8 sequence at p, 0 if jansson's utf8_check_full
 * refuses it: bad lead or continuation, overlong, surrogate, past U+10FFFF. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end) {
  size_t n;
  uint32_t v;
  if (p[0] >= 0xC2 && p[0] <= 0xDF)
    n = 2, v = p[0] & 0x1Fu;
  else if (p[0] >= 0xE0 && p[0] <= 0xEF)
    n = 3, v = p[0] & 0x0Fu;
  else if (p[0] >= 0xF0 && p[0] <= 0xF4)
    n = 4, v = p[0] & 0x07u;
  else
    return 0;
  if ((size_t)(end - p) < n)
    return 0;
  for (size_t i = 1; i < n; i++) {
    if (p[i] < 0x80 || p[i] > 0xBF)
      return 0;
    v = (v << 6) | (p[i] & 0x3Fu);
  }
  if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) || (n == 3 && v < 0x800) || (n == 4 && v < 0x10000))
    return 0;
  return n;
}

/* Past the closing quote of a string starting just after its opening one,
 * or NULL where jansson refuses it: a raw control character, an unknown or
 * short escape, \u0000 (refused without JSON_ALLOW_NUL), a surrogate that
 * is not a high one followed by a low one, invalid UTF-8. */
static const char *valid_string(const char *p, const char *end, bool *escaped) {
  *escaped = false;
  while (p < end) {
    unsigned char c = (unsigned char)*p;
    if (c == '"')
      return p + 1;
    if (c < 0x20)
      return NULL;
    if (c == '\\') {
      *escaped = true;
      if (end - p < 2)
        return NULL;
      char e = p[1];
      p += 2;
      if (e != 'u') {
        if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't')
          return NULL;
        continue;
      }
      long u = hex4(p, end);
      if (u <= 0 || (u >= 0xDC00 && u <= 0xDFFF))
        return NULL;
      p += 4;
      if (u >= 0xD800 && u <= 0xDBFF) {
        long lo = end - p >= 2 && p[0] == '\\' && p[1] == 'u' ? hex4(p + 2, end) : -1;
        if (lo < 0xDC00 || lo > 0xDFFF)
          return NULL;
        p += 6;
      }
    } else if (c < 0x80) {
      p++;
    } else {
      size_t n = utf8_len((const unsigned char *)p, (const unsigned char *)end);
      if (n == 0)
        return NULL;
      p += n;
    }
  }
  return NULL;
}

/* Reads a validated string's content as jansson would store it, a byte at
 * a time, so two spellings of one key compare equal. */
struct key_reader {
  const char *p, *end;
  unsigned char buf[4];
  size_t n, i;
};

static int key_next(struct key_reader *r) {
  if (r->i < r->n)
    return r->buf[r->i++];
  if (r->p >= r->end)
    return -1;
  if (*r->p != '\\')
    return (unsigned char)*r->p++;
  char e = r->p[1];
  r->p += 2;
  switch (e) {
  case 'b':
    return '\b';
  case 'f':
    return '\f';
  case 'n':
    return '\n';
  case 'r':
    return '\r';
  case 't':
    return '\t';
  case 'u':
    break;
  default:
    return (unsigned char)e; /* " \ / */
  }
  uint32_t v = (uint32_t)hex4(r->p, r->end);
  r->p += 4;
  if (v >= 0xD800 && v <= 0xDBFF) {
    v = 0x10000 + ((v - 0xD800) << 10) + ((uint32_t)hex4(r->p + 2, r->end) - 0xDC00);
    r->p += 6;
  }
  if (v < 0x80) {
    r->buf[0] = (unsigned char)v, r->n = 1;
  } else if (v < 0x800) {
    r->buf[0] = (unsigned char)(0xC0 | (v >> 6)), r->n = 2;
  } else if (v < 0x10000) {
    r->buf[0] = (unsigned char)(0xE0 | (v >> 12)), r->n = 3;
  } else {
    r->buf[0] = (unsigned char)(0xF0 | (v >> 18)), r->n = 4;
  }
  for (size_t k = 1; k < r->n; k++)
    r->buf[k] = (unsigned char)(0x80 | ((v >> (6 * (r->n - 1 - k))) & 0x3F));
  r->i = 1;
  return r->buf[0];
}

struct valid_key {
  const char *s;
  size_t n;
  bool escaped;
};

static bool keys_equal(const struct valid_key *a, const struct valid_key *b) {
  if (!a->escaped && !b->escaped)
    return a->n == b->n && memcmp(a->s, b->s, a->n) == 0;
  struct key_reader x = {.p = a->s, .end = a->s + a->n}, y = {.p = b->s, .end = b->s + b->n};
  for (;;) {
    int cx = key_next(&x), cy = key_next(&y);
    if (cx != cy)
      return false;
    if (cx < 0)
      return true;
  }
}

/* Does the integer in digits[0..n) (no sign, no leading zero) fit json_int_t?
 * jansson reads it with strtoll and refuses ERANGE. */
static bool int_fits(const char *digits, size_t n, bool negative) {
  unsigned long long max = (unsigned long long)VALID_JSON_INT_MAX + (negative ? 1u : 0u), v = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned d = (unsigned)(digits[i] - '0');
    if (v > (max - d) / 10)
      return false;
    v = v * 10 + d;
  }
  return true;
}

/* Would strtod not overflow on digits int[0..n_int) . frac[0..n_frac) x 10^exp?
 * jansson refuses only overflow (HUGE_VAL with ERANGE); underflow is read
 * as zero. Certain below 10^308; between that and DBL_MAX the leading 17
 * digits decide; anything else is treated as overflow. */
static bool real_fits(const char *int_d, size_t n_int, const char *frac_d, size_t n_frac, long long exp) {
  /* The significant digits, as one sequence, from the first nonzero one. */
  size_t zeros = 0;
  long long order; /* the value is below 10^order and at least 10^(order-1) */
  if (n_int > 1 || int_d[0] != '0') {
    order = (long long)n_int;
  } else {
    while (zeros < n_frac && frac_d[zeros] == '0')
      zeros++;
    if (zeros == n_frac)
      return true; /* zero */
    order = -(long long)zeros;
  }
  order += exp;
  if (order <= 308)
    return true;
  if (order > 309)
    return false;
  static const char dbl_max[] = "17976931348623157"; /* DBL_MAX = 1.7976931348623157081e308 */
  const char *sig = n_int > 1 || int_d[0] != '0' ? int_d : frac_d + zeros;
  size_t in_int = n_int > 1 || int_d[0] != '0' ? n_int : 0;
  for (size_t i = 0; i < sizeof dbl_max - 1; i++) {
    char d;
    if (i < in_int)
      d = sig[i];
    else if (in_int > 0)
      d = i - in_int < n_frac ? frac_d[i - in_int] : '0';
    else
      d = zeros + i < n_frac ? sig[i] : '0';
    if (d != dbl_max[i])
      return d < dbl_max[i];
  }
  return false; /* too close to tell without strtod */
}

/* Past a number jansson reads (JSON grammar, and within its ranges), or NULL. */
static const char *valid_number(const char *p, const char *end) {
  bool negative = p < end && *p == '-';
  if (negative)
    p++;
  if (p >= end || !is_digit(*p))
    return NULL;
  const char *int_d = p;
  if (*p == '0') {
    if (++p < end && is_digit(*p))
      return NULL;
  } else {
    while (p < end && is_digit(*p))
      p++;
  }
  size_t n_int = (size_t)(p - int_d);
  const char *frac_d = p;
  size_t n_frac = 0;
  bool real = false;
  if (p < end && *p == '.') {
    real = true;
    frac_d = ++p;
    while (p < end && is_digit(*p))
      p++;
    n_frac = (size_t)(p - frac_d);
    if (n_frac == 0)
      return NULL;
  }
  long long exp = 0;
  if (p < end && (*p == 'e' || *p == 'E')) {
    real = true;
    bool exp_negative = false;
    if (++p < end && (*p == '+' || *p == '-'))
      exp_negative = *p++ == '-';
    if (p >= end || !is_digit(*p))
      return NULL;
    /* Saturates far beyond any body's digit count, so order stays exact in sign. */
    while (p < end && is_digit(*p)) {
      if (exp < 100000000000000000LL)
        exp = exp * 10 + (*p - '0');
      p++;
    }
    if (exp_negative)
      exp = -exp;
  }
  if (!real)
    return int_fits(int_d, n_int, negative) ? p : NULL;
  return real_fits(int_d, n_int, frac_d, n_frac, exp) ? p : NULL;
}

/* Past `"key" :` at p (after optional whitespace), recording the key in
 * keys[first..*n_keys) and refusing a duplicate of one already there, or
 * NULL. An object with more keys than are compared pairwise is not judged. */
static const char *valid_key(const char *p, const char *end, struct valid_key *keys, size_t first, size_t *n_keys) {
  p = skip_ws(p, end);
  if (p >= end || *p != '"' || *n_keys - first >= VALID_MAX_KEYS || *n_keys >= VALID_MAX_OPEN_KEYS)
    return NULL;
  struct valid_key k = {.s = p + 1};
  p = valid_string(p + 1, end, &k.escaped);
  if (p == NULL)
    return NULL;
  k.n = (size_t)(p - 1 - k.s);
  for (size_t i = first; i < *n_keys; i++)
    if (keys_equal(&keys[i], &k))
      return NULL;
  keys[(*n_keys)++] = k;
  p = skip_ws(p, end);
  return p < end && *p == ':' ? p + 1 : NULL;
}

/* Past the one JSON value at p, or NULL unless jansson would read it
 * (nested at most max_depth deep) exactly as written. What follows it must
 * end a token, as jansson's lexer sees it, so the value and the null that
 * replaces it are read alike. */
static const char *valid_value_end(const char *p, const char *end, int max_depth) {
  bool is_obj[VALID_MAX_DEPTH];
  size_t first_key[VALID_MAX_DEPTH];
  struct valid_key keys[VALID_MAX_OPEN_KEYS];
  size_t n_keys = 0;
  int depth = 0;
  if (max_depth > VALID_MAX_DEPTH)
    max_depth = VALID_MAX_DEPTH;
  bool have_value = false; /* a complete value ends just before p */
  for (;;) {
    if (!have_value) {
      p = skip_ws(p, end);
      if (p >= end)
        return NULL;
      char c = *p;
      bool escaped;
      if (c == '{' || c == '[') {
        if (depth >= max_depth)
          return NULL;
        is_obj[depth] = c == '{';
        first_key[depth] = n_keys;
        depth++;
        p = skip_ws(p + 1, end);
        if (p < end && *p == (c == '{' ? '}' : ']')) {
          depth--;
          p++;
          have_value = true;
        } else if (c == '{' && (p = valid_key(p, end, keys, first_key[depth - 1], &n_keys)) == NULL) {
          return NULL;
        }
        continue;
      }
      if (c == '"')
        p = valid_string(p + 1, end, &escaped);
      else if (c == '-' || is_digit(c))
        p = valid_number(p, end);
      else if (end - p >= 4 && memcmp(p, "true", 4) == 0)
        p += 4;
      else if (end - p >= 5 && memcmp(p, "false", 5) == 0)
        p += 5;
      else if (end - p >= 4 && memcmp(p, "null", 4) == 0)
        p += 4;
      else
        return NULL;
      if (p == NULL)
        return NULL;
      have_value = true;
      continue;
    }
    if (depth == 0)
      return p == end || json_ws(*p) || *p == ',' || *p == '}' || *p == ']' ? p : NULL;
    p = skip_ws(p, end);
    if (p >= end)
      return NULL;
    bool in_obj = is_obj[depth - 1];
    if (*p == ',') {
      p++;
      have_value = false;
      if (in_obj && (p = valid_key(p, end, keys, first_key[depth - 1], &n_keys)) == NULL)
        return NULL;
    } else if (*p == (in_obj ? '}' : ']')) {
      p++;
      depth--;
      n_keys = first_key[depth];
    } else {
      return NULL;
    }
  }
}

/* The keys the pruner acts on. A key is classified when it is read, while
 * its text is still in place: a later drop moves the text behind it, so a
 * pointer kept into the body could read other bytes by the time it is
 * compared. Raw bytes are compared, so an escaped spelling is KEY_OTHER:
 * it is only not pruned. */
enum prune_key { KEY_NONE, KEY_OTHER, KEY_REQUEST, KEY_OBJECT, KEY_OLD_OBJECT, KEY_METADATA, KEY_STATUS, KEY_MANAGED };

static enum prune_key classify_key(const char *s, size_t n) {
  static const struct {
    const char *name;
    enum prune_key key;
  } known[] = {{"request", KEY_REQUEST},   {"object", KEY_OBJECT}, {"oldObject", KEY_OLD_OBJECT},
               {"metadata", KEY_METADATA}, {"status", KEY_STATUS}, {"managedFields", KEY_MANAGED}};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (n == strlen(known[i].name) && memcmp(s, known[i].name, n) == 0)
      return known[i].key;
  return KEY_OTHER;
}

#define PRUNE_MAX_TRACKED 8 /* deep enough for metadata inside any workload template */

/* One pass over the body that checks nesting and drops, in place, values
 * no decision reads: metadata.managedFields (at any tracked depth) and
 * request.object.status / request.oldObject.status, each replaced by null.
 * A value is dropped only once valid_value_end() has read it as jansson
 * would, so a changed body decodes to the answer the unchanged one gets;
 * malformed text is left for the parser to report. */
int adm_review_prune(char *body, size_t *len, int limit) {
  const char *p = body, *end = body + *len, *copy_from = body;
  char *w = body;
  int depth = 0;
  /* key_of[d]: the key whose value is the open container at depth d. */
  enum prune_key key_of[PRUNE_MAX_TRACKED + 1] = {KEY_NONE};
  bool is_object[PRUNE_MAX_TRACKED + 1] = {false};
  bool expect_key = false, after_colon = false;
  enum prune_key pending = KEY_NONE, value_key = KEY_NONE;
  while (p < end) {
    char ch = *p++;
    if (ch == '"') {
      const char *s0 = p;
      p = skip_string(p, end);
      if (p == NULL)
        break;
      if (expect_key) {
        pending = classify_key(s0, (size_t)(p - 1 - s0));
        expect_key = false;
      } else {
        after_colon = false;
      }
    } else if (ch == ':') {
      bool tracked = depth >= 1 && depth <= PRUNE_MAX_TRACKED;
      bool drop = tracked && depth >= 2 && pending == KEY_MANAGED && key_of[depth] == KEY_METADATA;
      drop |= depth == 3 && pending == KEY_STATUS && key_of[2] == KEY_REQUEST &&
              (key_of[3] == KEY_OBJECT || key_of[3] == KEY_OLD_OBJECT);
      if (drop) {
        const char *v = p;
        while (v < end && (*v == ' ' || *v == '\n' || *v == '\r' || *v == '\t'))
          v++;
        /* Only a value jansson would accept is dropped. Anything else, or
         * one nested past the limit, is scanned on as usual: the parser
         * refuses it, or the depth check below does. */
        const char *v_end = valid_value_end(v, end, limit - depth);
        if (v_end != NULL && v_end - v >= 4) {
          size_t keep = (size_t)(v - copy_from);
          if (w != copy_from)
            memmove(w, copy_from, keep);
          w += keep;
          memcpy(w, "null", 4);
          w += 4;
          copy_from = p = v_end;
          pending = KEY_NONE;
          continue;
        }
      }
      after_colon = true;
      value_key = pending;
      pending = KEY_NONE;
    } else if (ch == '{' || ch == '[') {
      if (++depth > limit)
        return ADM_ETOODEEP;
      if (depth <= PRUNE_MAX_TRACKED) {
        key_of[depth] = after_colon ? value_key : KEY_NONE;
        is_object[depth] = ch == '{';
      }
      after_colon = false;
      expect_key = ch == '{';
    } else if (ch == '}' || ch == ']') {
      if (depth == 0)
        break; /* unbalanced: malformed, and the parser will say where */
      depth--;
      after_colon = expect_key = false;
    } else if (ch == ',') {
      after_colon = false;
      expect_key = depth >= 1 && depth <= PRUNE_MAX_TRACKED && is_object[depth];
    }
  }
  if (w != copy_from) {
    size_t rest = (size_t)(end - copy_from);
    memmove(w, copy_from, rest);
    *len = (size_t)(w + rest - body);
  }
  return 0;
}

static int want_string(const json_t *parent, const char *key, const char *path, bool required, const char **out,
                       struct adm_error *err) {
  const json_t *v = json_object_get(parent, key);
  char where[128];
  snprintf(where, sizeof where, "%s.%s", path, key);
  if (v == NULL || json_is_null(v)) {
    if (required)
      return adm_fail(err, ADM_EMISSING, where, "required field is missing");
    *out = "";
    return 0;
  }
  if (!json_is_string(v))
    return adm_fail(err, ADM_ETYPE, where, "expected a string");
  *out = json_string_value(v);
  return 0;
}

/* String fields of one object, read in order; the first error stops. */
struct string_field {
  const char *key;
  bool required;
  const char **out;
};

static int want_strings(const json_t *parent, const char *path, const struct string_field *f, size_t n,
                        struct adm_error *err) {
  for (size_t i = 0; i < n; i++) {
    int rc = want_string(parent, f[i].key, path, f[i].required, f[i].out, err);
    if (rc < 0)
      return rc;
  }
  return 0;
}

static int want_gvx(const json_t *req, const char *key, const char *last, const char **g, const char **v,
                    const char **x, struct adm_error *err) {
  const json_t *o = json_object_get(req, key);
  char path[64];
  snprintf(path, sizeof path, "request.%s", key);
  *g = *v = *x = "";
  if (o == NULL || json_is_null(o))
    return 0;
  if (!json_is_object(o))
    return adm_fail(err, ADM_ETYPE, path, "expected an object");
  const struct string_field fields[] = {{"group", false, g}, {"version", false, v}, {last, false, x}};
  return want_strings(o, path, fields, sizeof fields / sizeof *fields, err);
}

/* The body for json_load_callback(), cut off once the arena has failed:
 * the decode is lost by then, and reading on would only cost heap. */
struct body_feed {
  const char *p;
  size_t left;
  const struct adm_arena *arena;
};

static size_t feed_body(void *buf, size_t n, void *arg) {
  struct body_feed *f = arg;
  if (adm_arena_failure(f->arena) != ADM_ARENA_OK)
    return 0;
  if (n > f->left)
    n = f->left;
  memcpy(buf, f->p, n);
  f->p += n;
  f->left -= n;
  return n;
}

int adm_review_decode(const char *body, size_t len, int max_depth, struct adm_arena *arena,
                      struct adm_review_request *out, struct adm_error *err) {
  memset(out, 0, sizeof *out);
  if (len == 0)
    return adm_fail(err, ADM_EPARSE, "", "empty request body");
  if (max_depth > 0 && adm_json_depth_exceeds(body, len, max_depth))
    return adm_fail(err, ADM_ETOODEEP, "", "JSON nests deeper than %d levels", max_depth);
  json_error_t jerr;
  json_t *root;
  if (arena != NULL) {
    struct body_feed feed = {.p = body, .left = len, .arena = arena};
    json_arena = arena;
    root = json_load_callback(feed_body, &feed, JSON_REJECT_DUPLICATES, &jerr);
    json_arena = NULL;
  } else {
    root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
  }
  /* jansson reports its own allocation failure as a parse error at line
   * -1; the arena knows better, and that is not the client's mistake. */
  if (arena != NULL && adm_arena_failure(arena) != ADM_ARENA_OK) {
    json_decref(root); /* frees the heap blocks made after the failure */
    return adm_fail(err, ADM_ENOMEM, "", "not enough memory to decode the request");
  }
  if (root == NULL) {
    if (jerr.line < 0 && json_error_code(&jerr) == json_error_out_of_memory)
      return adm_fail(err, ADM_ENOMEM, "", "not enough memory to decode the request");
    char where[64];
    snprintf(where, sizeof where, "line %d column %d", jerr.line, jerr.column);
    return adm_fail(err, ADM_EPARSE, where, "malformed JSON: %s", jerr.text);
  }
  int rc = adm_review_from_json(root, out, err);
  out->in_arena = arena != NULL;
  return rc;
}

int adm_review_from_json(json_t *root, struct adm_review_request *out, struct adm_error *err) {
  memset(out, 0, sizeof *out);
  out->root = root;
  int rc = 0;
  const char *api_version, *kind;
  if (!json_is_object(root)) {
    rc = adm_fail(err, ADM_ETYPE, "$", "expected an AdmissionReview object");
    goto fail;
  }
  const struct string_field envelope[] = {{"apiVersion", true, &api_version}, {"kind", true, &kind}};
  rc = want_strings(root, "$", envelope, sizeof envelope / sizeof *envelope, err);
  if (rc < 0)
    goto fail;
  if (strcmp(api_version, "admission.k8s.io/v1") != 0 && strcmp(api_version, "admission.k8s.io/v1beta1") != 0) {
    rc = adm_fail(err, ADM_EUNSUPPORTED, "$.apiVersion",
                  "unsupported apiVersion \"%.100s\" (want admission.k8s.io/v1 or v1beta1)", api_version);
    goto fail;
  }
  if (strcmp(kind, "AdmissionReview") != 0) {
    rc = adm_fail(err, ADM_EUNSUPPORTED, "$.kind", "unsupported kind \"%.100s\" (want AdmissionReview)", kind);
    goto fail;
  }
  out->api_version = api_version;
  const json_t *req = json_object_get(root, "request");
  if (req == NULL || json_is_null(req)) {
    rc = adm_fail(err, ADM_EMISSING, "$.request", "required field is missing");
    goto fail;
  }
  if (!json_is_object(req)) {
    rc = adm_fail(err, ADM_ETYPE, "$.request", "expected an object");
    goto fail;
  }
  rc = want_string(req, "uid", "request", true, &out->uid, err);
  if (rc < 0)
    goto fail;
  if (out->uid[0] == '\0') {
    rc = adm_fail(err, ADM_EMISSING, "request.uid", "must not be empty");
    goto fail;
  }
  rc = want_gvx(req, "kind", "kind", &out->kind_group, &out->kind_version, &out->kind_kind, err);
  if (rc == 0)
    rc = want_gvx(req, "resource", "resource", &out->resource_group, &out->resource_version, &out->resource_resource,
                  err);
  const struct string_field request[] = {{"subResource", false, &out->sub_resource},
                                         {"name", false, &out->name},
                                         {"namespace", false, &out->namespace},
                                         {"operation", true, &out->operation}};
  if (rc == 0)
    rc = want_strings(req, "request", request, sizeof request / sizeof *request, err);
  if (rc < 0)
    goto fail;
  out->username = "";
  const json_t *ui = json_object_get(req, "userInfo");
  if (ui != NULL && !json_is_null(ui)) {
    if (!json_is_object(ui)) {
      rc = adm_fail(err, ADM_ETYPE, "request.userInfo", "expected an object");
      goto fail;
    }
    rc = want_string(ui, "username", "request.userInfo", false, &out->username, err);
    if (rc < 0)
      goto fail;
  }
  const json_t *dry = json_object_get(req, "dryRun");
  if (dry != NULL && !json_is_null(dry) && !json_is_boolean(dry)) {
    rc = adm_fail(err, ADM_ETYPE, "request.dryRun", "expected a boolean");
    goto fail;
  }
  out->dry_run = json_is_true(dry);
  static const char *const objects[] = {"object", "oldObject"};
  for (int i = 0; i < 2; i++) {
    const json_t *o = json_object_get(req, objects[i]);
    if (o != NULL && !json_is_null(o) && !json_is_object(o)) {
      char where[64];
      snprintf(where, sizeof where, "request.%s", objects[i]);
      rc = adm_fail(err, ADM_ETYPE, where, "expected an object");
      goto fail;
    }
    if (json_is_null(o))
      o = NULL;
    if (i == 0)
      out->object = o;
    else
      out->old_object = o;
  }
  return 0;
fail:
  json_decref(root);
  memset(out, 0, sizeof *out);
  return rc;
}

void adm_review_request_release(struct adm_review_request *req) {
  /* An arena-backed tree is released with its arena; walking it to free
   * nothing would only cost time. */
  if (!req->in_arena)
    json_decref(req->root);
  req->root = NULL;
}

/* Written directly rather than through a jansson tree: every string here
 * came from the decoded request (already valid UTF-8) or from admitd. */
const char *adm_review_encode_into(const struct adm_review_request *req, const struct adm_decision *d,
                                   struct adm_arena *a, size_t *len) {
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm_sb_add(&sb, "{\"apiVersion\":");
  adm_sb_add_json_string(&sb, req->api_version);
  adm_sb_add(&sb, ",\"kind\":\"AdmissionReview\",\"response\":{\"uid\":");
  adm_sb_add_json_string(&sb, req->uid);
  adm_sb_add(&sb, d->allowed ? ",\"allowed\":true" : ",\"allowed\":false");
  if (!d->allowed) {
    adm_sb_addf(&sb, ",\"status\":{\"code\":%d,\"status\":\"Failure\",\"reason\":", d->code);
    adm_sb_add_json_string(&sb, d->status_reason ? d->status_reason : "Forbidden");
    adm_sb_add(&sb, ",\"message\":");
    adm_sb_add_json_string(&sb, d->message ? d->message : "denied");
    adm_sb_add(&sb, "}");
  }
  if (d->n_warnings > 0) {
    adm_sb_add(&sb, ",\"warnings\":");
    adm_sb_add_json_string_array(&sb, d->warnings, d->n_warnings);
  }
  if (d->n_annotations > 0) {
    adm_sb_add(&sb, ",\"auditAnnotations\":{");
    for (size_t i = 0; i < d->n_annotations; i++) {
      if (i)
        adm_sb_add(&sb, ",");
      adm_sb_add_json_string(&sb, d->annotations[i].key);
      adm_sb_add(&sb, ":");
      adm_sb_add_json_string(&sb, d->annotations[i].value);
    }
    adm_sb_add(&sb, "}");
  }
  adm_sb_add(&sb, "}}");
  const char *text = adm_sb_str(&sb);
  if (text != NULL && len)
    *len = sb.len;
  return text;
}

char *adm_review_encode(const struct adm_review_request *req, const struct adm_decision *d, size_t *len) {
  struct adm_arena a;
  adm_arena_init(&a, 4096, 0);
  size_t n = 0;
  const char *text = adm_review_encode_into(req, d, &a, &n);
  char *out = NULL;
  if (text != NULL && (out = malloc(n + 1)) != NULL) {
    memcpy(out, text, n + 1);
    if (len)
      *len = n;
  }
  adm_arena_free(&a);
  return out;
}

char *adm_status_body(int code, const char *reason, const char *message, size_t *len) {
  json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "apiVersion", "v1", "kind", "Status", "status", "Failure",
                          "reason", reason, "message", message, "code", code);
  if (doc == NULL)
    return NULL;
  char *out = adm_json_dumps(doc, JSON_COMPACT);
  json_decref(doc);
  if (out && len)
    *len = strlen(out);
  return out;
}
