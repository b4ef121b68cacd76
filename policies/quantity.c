/* resource.Quantity parsing and exact comparison (quantity.h). Follows
 * apimachinery's parseQuantityString and ParseQuantity step by step, and
 * Quantity.UnmarshalJSON's strings.TrimSpace before them; the
 * arithmetic is on a 128-bit coefficient and a decimal exponent, with a
 * 256-bit scratch number while a binary suffix is applied and the value
 * rounded up to a nano-unit. No allocation. */
#include "admitd/quantity.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admitd/error.h"
#include "admitd/pod.h"

#define adm__u128 unsigned __int128 /* a scalar, spelled once */

#define MAX_DIGITS 38 /* 10^38 < 2^127 */
#define NANO_EXP (-9)
#define LIMBS 8 /* 256 bits */

/* A small unsigned big number, little-endian 32-bit limbs. */
struct big {
  uint32_t l[LIMBS];
};

static void big_set(struct big *b, adm__u128 v) {
  for (int i = 0; i < LIMBS; i++) {
    b->l[i] = (uint32_t)v;
    v >>= 32;
  }
}

static bool big_is_zero(const struct big *b) {
  for (int i = 0; i < LIMBS; i++)
    if (b->l[i])
      return false;
  return true;
}

static void big_mul_small(struct big *b, uint32_t m) {
  uint64_t carry = 0;
  for (int i = 0; i < LIMBS; i++) {
    uint64_t v = (uint64_t)b->l[i] * m + carry;
    b->l[i] = (uint32_t)v;
    carry = v >> 32;
  }
}

static uint32_t big_div_small(struct big *b, uint32_t d) {
  uint64_t rem = 0;
  for (int i = LIMBS - 1; i >= 0; i--) {
    uint64_t cur = (rem << 32) | b->l[i];
    b->l[i] = (uint32_t)(cur / d);
    rem = cur % d;
  }
  return (uint32_t)rem;
}

static void big_add_one(struct big *b) {
  for (int i = 0; i < LIMBS; i++)
    if (++b->l[i] != 0)
      return;
}

/* false when it does not fit 128 bits. */
static bool big_get(const struct big *b, adm__u128 *out) {
  for (int i = 4; i < LIMBS; i++)
    if (b->l[i])
      return false;
  adm__u128 v = 0;
  for (int i = 3; i >= 0; i--)
    v = (v << 32) | b->l[i];
  *out = v;
  return true;
}

static adm__u128 pow10_u128(int n) {
  adm__u128 v = 1;
  while (n-- > 0)
    v *= 10;
  return v;
}

static int digits_of(adm__u128 v) {
  int n = 0;
  while (v) {
    v /= 10;
    n++;
  }
  return n;
}

struct suffix {
  const char *text;
  int base, exp;
  bool binary;
};

static const struct suffix suffixes[] = {
    {"n", 10, -9, false}, {"u", 10, -6, false}, {"m", 10, -3, false}, {"", 10, 0, false},
    {"k", 10, 3, false},  {"M", 10, 6, false},  {"G", 10, 9, false},  {"T", 10, 12, false},
    {"P", 10, 15, false}, {"E", 10, 18, false}, {"Ki", 2, 10, true},  {"Mi", 2, 20, true},
    {"Gi", 2, 30, true},  {"Ti", 2, 40, true},  {"Pi", 2, 50, true},  {"Ei", 2, 60, true},
};

/* upstream's suffixHandler.interpret. */
static bool interpret_suffix(const char *s, size_t n, int *base, int64_t *exp, bool *binary) {
  for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
    if (strlen(suffixes[i].text) == n && memcmp(suffixes[i].text, s, n) == 0) {
      *base = suffixes[i].base;
      *exp = suffixes[i].exp;
      *binary = suffixes[i].binary;
      return true;
    }
  }
  if (n > 1 && (s[0] == 'e' || s[0] == 'E')) {
    /* strconv.ParseInt(s[1:], 10, 64), then int32(parsed): Go truncates. */
    char buf[32];
    if (n - 1 >= sizeof buf)
      return false;
    memcpy(buf, s + 1, n - 1);
    buf[n - 1] = '\0';
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (errno || *end != '\0' || end == buf)
      return false;
    *base = 10;
    *exp = (int32_t)(uint32_t)(unsigned long long)v;
    *binary = false;
    return true;
  }
  return false;
}

static bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/* upstream's parseQuantityString: [sign] digits [. digits] suffix. */
struct parts {
  bool neg;
  const char *num, *denom, *suffix;
  size_t num_len, denom_len, suffix_len;
};

static int scan(const char *s, size_t end, struct parts *p, const char **why) {
  size_t pos = 0;
  memset(p, 0, sizeof *p);
  p->num = p->denom = p->suffix = "";
  if (pos < end && (s[0] == '-' || s[0] == '+')) {
    p->neg = s[0] == '-';
    pos++;
  }
  while (pos < end && s[pos] == '0')
    pos++;
  if (pos == end)
    return 0; /* all zeros (or a bare sign): zero */
  size_t start = pos;
  while (pos < end && is_digit(s[pos]))
    pos++;
  p->num = s + start;
  p->num_len = pos - start;
  if (pos < end && s[pos] == '.') {
    start = ++pos;
    while (pos < end && is_digit(s[pos]))
      pos++;
    p->denom = s + start;
    p->denom_len = pos - start;
  }
  start = pos;
  while (pos < end && s[pos] != '\0' && strchr("eEinumkKMGTP", s[pos]) != NULL)
    pos++;
  if (pos < end && (s[pos] == '-' || s[pos] == '+'))
    pos++;
  while (pos < end && is_digit(s[pos]))
    pos++;
  if (pos != end) {
    *why = "not a quantity (want a number with an optional suffix such as 500m, 2Gi or 1e3)";
    return ADM_EPARSE;
  }
  p->suffix = s + start;
  p->suffix_len = end - start;
  return 0;
}

/* The common case in pods and policies: "500m", "2", "64Mi", "1.5Gi":
 * up to 18 digits with a plain suffix, exact without the scratch number.
 * Returns false when the general path must decide (including every error). */
static bool parse_simple(const char *s, const char *end, struct adm_quantity *out) {
  const char *p = s;
  if (p == end)
    return false;
  bool neg = *p == '-';
  if (*p == '-' || *p == '+')
    p++;
  uint64_t v = 0;
  int digits = 0, frac = 0;
  bool dot = false;
  for (; p < end; p++) {
    if (*p >= '0' && *p <= '9') {
      if (++digits > 18)
        return false;
      v = v * 10 + (uint64_t)(*p - '0');
      frac += dot;
    } else if (*p == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (digits == 0)
    return false;
  int64_t e10 = -frac;
  int shift = 0;
  /* Past the end reads as the end; a NUL before it is no suffix. */
  bool two = end - p >= 2;
  switch (p < end ? p[0] : '\0') {
  case '\0':
    if (p != end)
      return false;
    break;
  case 'm':
    e10 -= 3;
    break;
  case 'k':
    e10 += 3;
    break;
  case 'M':
  case 'G':
  case 'T':
  case 'P':
  case 'E':
    if (two && p[1] == 'i') {
      shift = p[0] == 'M' ? 20 : p[0] == 'G' ? 30 : p[0] == 'T' ? 40 : p[0] == 'P' ? 50 : 60;
      p++;
    } else {
      e10 += p[0] == 'M' ? 6 : p[0] == 'G' ? 9 : p[0] == 'T' ? 12 : p[0] == 'P' ? 15 : 18;
    }
    break;
  case 'K':
    if (!two || p[1] != 'i')
      return false;
    shift = 10;
    p++;
    break;
  default:
    return false;
  }
  if (p < end && p + 1 != end)
    return false;
  /* A binary value with a fraction may need rounding, and one past 2^63
   * is capped: the general path handles both. */
  if (shift && (frac || shift + 64 - __builtin_clzll(v | 1) > 62))
    return false;
  if (e10 < NANO_EXP)
    return false;
  out->neg = neg && v != 0;
  out->coef = (adm__u128)v << shift;
  out->exp = v == 0 ? NANO_EXP : e10;
  return true;
}

/* ParseQuantity of the len bytes at s. */
static int parse(const char *s, size_t len, struct adm_quantity *out, const char **why) {
  if (s != NULL && parse_simple(s, s + len, out))
    return 0;
  const char *unused;
  if (why == NULL)
    why = &unused;
  memset(out, 0, sizeof *out);
  out->exp = NANO_EXP;
  if (s == NULL || len == 0) {
    *why = "empty quantity";
    return ADM_EPARSE;
  }
  struct parts p;
  int rc = scan(s, len, &p, why);
  if (rc < 0)
    return rc;
  int base = 10;
  int64_t exp = 0;
  bool binary = false;
  if (p.suffix_len || p.num_len || p.denom_len) {
    if (!interpret_suffix(p.suffix, p.suffix_len, &base, &exp, &binary)) {
      *why = "unknown suffix (want n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an e-exponent)";
      return ADM_EPARSE;
    }
  }
  /* Where Go's arithmetic would go wrong, refuse rather than guess: with
   * no digit at all, "Pi", "Ei" and exponents below nano take its slow
   * path, which rejects them; and it subtracts the fraction's length from
   * the exponent in 32 bits, so "1.25e-2147483648" would wrap to a huge
   * value there while reading as tiny here. */
  /* The number part: a sign, digits and a dot, up to the suffix. */
  bool any_digit = false;
  for (const char *c = s; c < s + len && (is_digit(*c) || *c == '.' || *c == '+' || *c == '-') && !any_digit; c++)
    any_digit = is_digit(*c);
  if (!any_digit && ((binary && exp >= 50) || (!binary && exp < NANO_EXP))) {
    *why = "no digits";
    return ADM_EPARSE;
  }
  if (!binary && exp - (int64_t)p.denom_len < INT32_MIN) {
    *why = "exponent out of range";
    return ADM_EPARSE;
  }
  /* The significant digits of num.denom as a coefficient and exponent. */
  adm__u128 coef = 0;
  int64_t e10 = -(int64_t)p.denom_len;
  int ndigits = 0;
  for (size_t i = 0; i < p.num_len + p.denom_len; i++) {
    char c = i < p.num_len ? p.num[i] : p.denom[i - p.num_len];
    if (ndigits == 0 && c == '0')
      continue;
    if (++ndigits > MAX_DIGITS) {
      *why = "more than 38 significant digits";
      return ADM_EPARSE;
    }
    coef = coef * 10 + (adm__u128)(c - '0');
  }
  out->neg = p.neg;
  if (coef == 0) {
    out->neg = false;
    return 0;
  }
  struct big b;
  big_set(&b, coef);
  if (base == 10) {
    e10 += exp;
  } else {
    /* Cannot overflow: under 2^127 x 2^60. */
    for (int64_t i = 0; i < exp; i++)
      big_mul_small(&b, 2);
  }
  /* Round the magnitude up to a whole nano-unit, as ParseQuantity does. */
  bool dropped = false;
  while (e10 < NANO_EXP) {
    if (big_div_small(&b, 10) != 0)
      dropped = true;
    e10++;
    if (big_is_zero(&b))
      break;
  }
  if (e10 < NANO_EXP)
    e10 = NANO_EXP;
  if (dropped)
    big_add_one(&b); /* b was divided by 10 at least once: no overflow */
  adm__u128 c;
  if (!big_get(&b, &c)) {
    /* Only a binary suffix grows the coefficient; those values are capped below. */
    c = (adm__u128)INT64_MAX * pow10_u128(9);
    e10 = NANO_EXP;
  }
  out->coef = c;
  out->exp = e10;
  if (binary) {
    static const struct adm_quantity cap = {false, (adm__u128)INT64_MAX, 0};
    struct adm_quantity mag = *out;
    mag.neg = false;
    if (adm_quantity_cmp(&mag, &cap) > 0) {
      out->coef = cap.coef;
      out->exp = 0;
    }
  }
  return 0;
}

int adm_quantity_parse(const char *s, struct adm_quantity *out, const char **why) {
  return parse(s, s ? strlen(s) : 0, out, why);
}

/* The length of the white space character (Go's unicode.IsSpace) at p,
 * within n bytes, or 0: ASCII \t \n \v \f \r and space, U+0085, U+00A0,
 * U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000. */
static size_t space_len(const unsigned char *p, size_t n) {
  if (n >= 1 && (p[0] == ' ' || (p[0] >= '\t' && p[0] <= '\r')))
    return 1;
  if (n >= 2 && p[0] == 0xC2 && (p[1] == 0x85 || p[1] == 0xA0))
    return 2;
  if (n < 3)
    return 0;
  if ((p[0] == 0xE1 && p[1] == 0x9A && p[2] == 0x80) || (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) ||
      (p[0] == 0xE2 && p[1] == 0x81 && p[2] == 0x9F))
    return 3;
  if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] <= 0x8A || p[2] == 0xA8 || p[2] == 0xA9 || p[2] == 0xAF) && p[2] >= 0x80)
    return 3;
  return 0;
}

const char *adm_quantity_trim(const char *s, size_t *len) {
  const unsigned char *b = (const unsigned char *)s, *e = b + strlen(s);
  for (size_t k; b < e && (k = space_len(b, (size_t)(e - b))) != 0;)
    b += k;
  for (bool cut = true; cut;) {
    cut = false;
    for (size_t k = 1; k <= 3 && !cut; k++)
      if ((size_t)(e - b) >= k && space_len(e - k, k) == k) {
        e -= k;
        cut = true;
      }
  }
  *len = (size_t)(e - b);
  return (const char *)b;
}

int adm_quantity_decode(const char *s, struct adm_quantity *out, const char **why) {
  size_t len = 0;
  if (s != NULL)
    s = adm_quantity_trim(s, &len);
  return parse(s, len, out, why);
}

bool adm_quantity_is_zero(const struct adm_quantity *q) {
  return q->coef == 0;
}

/* Compare magnitudes of (a, ea) and (b, eb). */
static int cmp_mag(adm__u128 a, int64_t ea, adm__u128 b, int64_t eb) {
  if (a == 0 || b == 0)
    return (a != 0) - (b != 0);
  /* Compare by the position of the leading digit first. */
  int64_t la = ea + digits_of(a), lb = eb + digits_of(b);
  if (la != lb)
    return la < lb ? -1 : 1;
  /* Same leading position: scale the one with the larger exponent down to
   * the other's; the shift is under 38 digits, so nothing overflows. */
  if (ea > eb)
    a *= pow10_u128((int)(ea - eb));
  else if (eb > ea)
    b *= pow10_u128((int)(eb - ea));
  return a < b ? -1 : a > b;
}

int adm_quantity_cmp(const struct adm_quantity *a, const struct adm_quantity *b) {
  bool az = a->coef == 0, bz = b->coef == 0;
  int sa = az ? 0 : a->neg ? -1 : 1, sb = bz ? 0 : b->neg ? -1 : 1;
  if (sa != sb)
    return sa < sb ? -1 : 1;
  if (sa == 0)
    return 0;
  int m = cmp_mag(a->coef, a->exp, b->coef, b->exp);
  return sa > 0 ? m : -m;
}

/* v x 10^n when it stays within 38 digits. */
static bool scale_up(adm__u128 v, int64_t n, adm__u128 *out) {
  if (v == 0) {
    *out = 0;
    return true;
  }
  if (n < 0 || digits_of(v) + n > MAX_DIGITS)
    return false;
  *out = v * pow10_u128((int)n);
  return true;
}

int adm_quantity_add(const struct adm_quantity *a, const struct adm_quantity *b, struct adm_quantity *sum) {
  /* Zero has no exponent to line up with: 0 + 1e40 is 1e40, not an overflow. */
  if (a->coef == 0 || b->coef == 0) {
    *sum = a->coef == 0 ? *b : *a;
    return 0;
  }
  int64_t e = a->exp < b->exp ? a->exp : b->exp;
  adm__u128 x, y;
  if (!scale_up(a->coef, a->exp - e, &x) || !scale_up(b->coef, b->exp - e, &y))
    return ADM_ETOOBIG;
  struct adm_quantity r = {.exp = e};
  if (a->neg == b->neg || x == 0 || y == 0) {
    r.neg = x ? a->neg : b->neg;
    r.coef = x + y;
    if (digits_of(r.coef) > MAX_DIGITS)
      return ADM_ETOOBIG;
  } else if (x >= y) {
    r.neg = a->neg;
    r.coef = x - y;
  } else {
    r.neg = b->neg;
    r.coef = y - x;
  }
  if (r.coef == 0)
    r.neg = false;
  *sum = r;
  return 0;
}

int adm_quantity_mul_small(const struct adm_quantity *a, uint32_t k, struct adm_quantity *out) {
  if (digits_of(a->coef) + 10 > MAX_DIGITS)
    return ADM_ETOOBIG;
  *out = *a;
  out->coef = a->coef * k;
  if (out->coef == 0)
    out->neg = false;
  return 0;
}

const char *adm_quantity_format(const struct adm_quantity *q, char *buf, size_t len) {
  char digits[48];
  int n = 0;
  adm__u128 v = q->coef;
  do {
    digits[n++] = (char)('0' + (int)(v % 10));
    v /= 10;
  } while (v);
  /* digits[] is reversed; the value is digits x 10^exp. */
  size_t w = 0;
  char out[128];
  if (q->neg && q->coef)
    out[w++] = '-';
  if (q->exp >= 0 && q->exp + n <= 60) {
    for (int i = n - 1; i >= 0; i--)
      out[w++] = digits[i];
    if (q->coef)
      for (int64_t i = 0; i < q->exp; i++)
        out[w++] = '0';
  } else if (q->exp < 0) {
    int frac = (int)-q->exp;
    int int_digits = n - frac;
    if (int_digits <= 0) {
      out[w++] = '0';
      out[w++] = '.';
      for (int i = 0; i < -int_digits; i++)
        out[w++] = '0';
      for (int i = n - 1; i >= 0; i--)
        out[w++] = digits[i];
    } else {
      for (int i = n - 1; i >= frac; i--)
        out[w++] = digits[i];
      out[w++] = '.';
      for (int i = frac - 1; i >= 0; i--)
        out[w++] = digits[i];
    }
    while (out[w - 1] == '0')
      w--;
    if (out[w - 1] == '.')
      w--;
  } else {
    for (int i = n - 1; i >= 0; i--)
      out[w++] = digits[i];
    w += (size_t)snprintf(out + w, sizeof out - w, "e+%lld", (long long)q->exp);
  }
  out[w < sizeof out ? w : sizeof out - 1] = '\0';
  snprintf(buf, len, "%s", out);
  return buf;
}

/* Requests, limits and the rule settings that judge them. */

int adm_quantity_parse_resource(const char *s, struct adm_quantity *out, const char **why) {
  const char *unused;
  if (why == NULL)
    why = &unused;
  int rc = adm_quantity_decode(s, out, why);
  if (rc == 0 && out->neg) { /* a parsed zero is never negative */
    *why = "must be greater than or equal to 0";
    return ADM_EPARSE;
  }
  return rc;
}

int adm_resource_quantity(const struct adm_resource_list *l, const char *name, struct adm_quantity *out,
                          const char **text) {
  for (size_t i = 0; i < l->n; i++) {
    if (l->items[i].name == NULL || strcmp(l->items[i].name, name) != 0)
      continue;
    if (text != NULL)
      *text = l->items[i].value;
    return adm_quantity_parse_resource(l->items[i].value, out, NULL) == 0 ? 1 : ADM_EPARSE;
  }
  return 0;
}

/* r = a x b: two 128-bit factors make at most 256 bits, so it always fits. */
static void big_mul_u128(struct big *r, adm__u128 a, adm__u128 b) {
  struct big x, y;
  big_set(&x, a);
  big_set(&y, b);
  memset(r, 0, sizeof *r);
  for (int i = 0; i < 4; i++) {
    uint64_t carry = 0;
    for (int j = 0; j < 4; j++) {
      uint64_t v = (uint64_t)x.l[i] * y.l[j] + r->l[i + j] + carry; /* at most 2^64-1 */
      r->l[i + j] = (uint32_t)v;
      carry = v >> 32;
    }
    r->l[i + 4] = (uint32_t)carry;
  }
}

static int big_cmp(const struct big *a, const struct big *b) {
  for (int i = LIMBS - 1; i >= 0; i--)
    if (a->l[i] != b->l[i])
      return a->l[i] < b->l[i] ? -1 : 1;
  return 0;
}

static int big_digits(const struct big *b) {
  struct big t = *b;
  int n = 0;
  for (; !big_is_zero(&t); n++)
    big_div_small(&t, 10);
  return n;
}

static int sign_of(const struct adm_quantity *q) {
  return q->coef == 0 ? 0 : q->neg ? -1 : 1;
}

int adm_quantity_cmp_mul(const struct adm_quantity *a, const struct adm_quantity *b, const struct adm_quantity *c) {
  int sa = sign_of(a), sp = sign_of(b) * sign_of(c);
  if (sa != sp)
    return sa < sp ? -1 : 1;
  if (sa == 0)
    return 0;
  struct big x, y;
  big_set(&x, a->coef);
  big_mul_u128(&y, b->coef, c->coef);
  int64_t ex = a->exp, ey = b->exp + c->exp;
  int64_t lx = ex + big_digits(&x), ly = ey + big_digits(&y);
  int m;
  if (lx != ly) {
    m = lx < ly ? -1 : 1;
  } else {
    /* Same leading position: scale the one with the larger exponent down
     * to the other's. Either then has the other's digits, at most 76 of
     * them (38 x 2), under 2^256. */
    for (; ex > ey; ex--)
      big_mul_small(&x, 10);
    for (; ey > ex; ey--)
      big_mul_small(&y, 10);
    m = big_cmp(&x, &y);
  }
  return sa > 0 ? m : -m;
}

#define RATIO_DECIMALS 6

const char *adm_quantity_format_ratio(const struct adm_quantity *num, const struct adm_quantity *den, char *buf,
                                      size_t len) {
  if (den->coef == 0) {
    snprintf(buf, len, "infinite");
    return buf;
  }
  /* num / den = cn x 10^e / cd, where e counts RATIO_DECIMALS more digits. */
  adm__u128 cn = num->coef, cd = den->coef;
  int64_t e = num->exp - den->exp + RATIO_DECIMALS;
  while (cn != 0 && cn % 10 == 0) {
    cn /= 10;
    e++;
  }
  while (cd % 10 == 0) {
    cd /= 10;
    e--;
  }
  bool neg = cn != 0 && num->neg != den->neg;
  if (e >= 0 ? scale_up(cn, e, &cn) : scale_up(cd, -e, &cd)) {
    adm__u128 units = cn / cd;
    char digits[64];
    if (cn % cd == 0) {
      adm_quantity_format(&(struct adm_quantity){neg, units, -RATIO_DECIMALS}, digits, sizeof digits);
      snprintf(buf, len, "%s", digits);
    } else {
      /* Every decimal kept, so a cut ratio never reads as equal to the setting it exceeds. */
      adm__u128 one = pow10_u128(RATIO_DECIMALS);
      adm_quantity_format(&(struct adm_quantity){neg, units / one, 0}, digits, sizeof digits);
      snprintf(buf, len, "%s%s.%0*u...", neg && units < one ? "-" : "", digits, RATIO_DECIMALS,
               (unsigned)(units % one));
    }
    return buf;
  }
  /* Past 38 digits either way: a mantissa and an exponent, approximate. */
  long double m = (long double)cn / (long double)cd;
  int64_t e10 = e - RATIO_DECIMALS;
  for (; m >= 10; m /= 10)
    e10++;
  for (; m < 1; m *= 10)
    e10--;
  snprintf(buf, len, "%s%.6Lfe%+lld...", neg ? "-" : "", m, (long long)e10);
  return buf;
}

const char *adm_quantity_format_si(const struct adm_quantity *q, bool binary, char *buf, size_t len) {
  static const char *const decimal[] = {"n", "u", "m", "", "k", "M", "G", "T", "P", "E"}; /* 10^-9 .. 10^18 */
  static const char *const binary_suffix[] = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  adm__u128 c = q->coef, m;
  int64_t e = q->exp;
  if (c == 0)
    return adm_quantity_format(q, buf, len);
  while (c % 10 == 0) {
    c /= 10;
    e++;
  }
  const char *suffix = NULL;
  if (binary && e >= 0 && scale_up(c, e, &m)) {
    for (int k = 6; k >= 1 && suffix == NULL; k--) {
      if ((m & (((adm__u128)1 << (10 * k)) - 1)) == 0) {
        m >>= 10 * k;
        suffix = binary_suffix[k - 1];
      }
    }
  }
  if (suffix == NULL) {
    /* The largest decimal suffix that leaves an integer: e rounded down to a multiple of 3. */
    int64_t s = e >= 18 ? 18 : e >= 0 ? e / 3 * 3 : -((-e + 2) / 3 * 3);
    if (s < NANO_EXP || !scale_up(c, e - s, &m))
      return adm_quantity_format(q, buf, len);
    suffix = decimal[(s - NANO_EXP) / 3];
  }
  char digits[64];
  adm_quantity_format(&(struct adm_quantity){q->neg, m, 0}, digits, sizeof digits);
  snprintf(buf, len, "%s%s", digits, suffix);
  return buf;
}
