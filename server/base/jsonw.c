/* JSON string output shared by the response encoder, the log and the
 * error answers. Owns escaping and UTF-8 repair; builds no documents of its
 * own beyond the fixed Status answer. */
#include "admitd/jsonw.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char hex[] = "0123456789abcdef";

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when it is not one.
 * Overlong forms, surrogates and code points past U+10FFFF are invalid, as
 * for jansson, which refuses them on input. */
static size_t utf8_len(const unsigned char *p) {
  unsigned char c = p[0];
  size_t n;
  unsigned min;
  unsigned cp;
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    n = 2, min = 0x80, cp = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF)
    n = 3, min = 0x800, cp = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4)
    n = 4, min = 0x10000, cp = c & 0x07;
  else
    return 0;
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xC0) != 0x80)
      return 0; /* also stops at the NUL terminator */
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

/* The escaped form of one character at p: into out (at most 7 bytes), its
 * input length in *in_len. Returns the output length. */
static size_t escape_one(const unsigned char *p, char out[8], size_t *in_len) {
  unsigned char ch = *p;
  *in_len = 1;
  if (ch >= 0x80) {
    size_t n = utf8_len(p);
    if (n == 0) {
      memcpy(out, "\xEF\xBF\xBD", 3); /* U+FFFD for a broken or cut sequence */
      return 3;
    }
    memcpy(out, p, n);
    *in_len = n;
    return n;
  }
  if (ch == '"' || ch == '\\') {
    out[0] = '\\', out[1] = (char)ch;
    return 2;
  }
  if (ch == '\n') {
    out[0] = '\\', out[1] = 'n';
    return 2;
  }
  if (ch < 0x20) {
    memcpy(out, "\\u00", 4);
    out[4] = hex[ch >> 4], out[5] = hex[ch & 15];
    return 6;
  }
  out[0] = (char)ch;
  return 1;
}

/* 1 for the bytes that can be copied as they are (printable ASCII but the
 * quote and the backslash): one load per byte on the hot path. */
static const unsigned char plain_table[256] = {
#define R4(x) x, x, x, x
#define R16(x) R4(x), R4(x), R4(x), R4(x)
    R16(0), R16(0),                                                                         /* 0x00-0x1f: control */
    1,      1,      0,      1,      1,      1,      1,      1,      1, 1, 1, 1, 1, 1, 1, 1, /* 0x20-0x2f: '"' */
    R16(1),                                                                                 /* 0x30-0x3f */
    R16(1),                                                                                 /* 0x40-0x4f */
    1,      1,      1,      1,      1,      1,      1,      1,      1, 1, 1, 1, 0, 1, 1, 1, /* 0x50-0x5f: '\\' */
    R16(1), R16(1),                                                                         /* 0x60-0x7f */
    R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), /* 0x80-0xff: UTF-8, checked */
#undef R16
#undef R4
};

static bool plain(unsigned char ch) {
  return plain_table[ch];
}

void adm_sb_add_json_string(struct adm_sb *sb, const char *s) {
  if (s == NULL) {
    adm_sb_add(sb, NULL);
    return;
  }
  adm_sb_addn(sb, "\"", 1);
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    const unsigned char *run = p;
    while (plain(*p))
      p++;
    if (p > run)
      adm_sb_addn(sb, (const char *)run, (size_t)(p - run));
    if (*p == 0)
      break;
    char esc[8];
    size_t in;
    size_t n = escape_one(p, esc, &in);
    adm_sb_addn(sb, esc, n);
    p += in;
  }
  adm_sb_addn(sb, "\"", 1);
}

void adm_sb_add_json_string_array(struct adm_sb *sb, const char *const *items, size_t n) {
  adm_sb_add(sb, "[");
  for (size_t i = 0; i < n; i++) {
    if (i)
      adm_sb_add(sb, ",");
    adm_sb_add_json_string(sb, items[i]);
  }
  adm_sb_add(sb, "]");
}

size_t adm_json_string_into(char *buf, size_t cap, const char *s) {
  static const char cut[] = "...\"";
  size_t w = 0;
  buf[w++] = '"';
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  while (*p) {
    char esc[8];
    size_t in;
    size_t n = escape_one(p, esc, &in);
    /* Room for this character, the closing quote and the NUL; else cut. */
    if (w + n + sizeof cut > cap) {
      memcpy(buf + w, cut, sizeof cut);
      return w + sizeof cut - 1;
    }
    memcpy(buf + w, esc, n);
    w += n;
    p += in;
  }
  buf[w++] = '"';
  buf[w] = '\0';
  return w;
}

size_t adm_status_into(char *buf, size_t cap, int code, const char *reason, const char *message) {
  char r[64], m[1024];
  adm_json_string_into(r, sizeof r, reason);
  size_t room = cap > 200 ? cap - 200 : 8;
  adm_json_string_into(m, room < sizeof m ? room : sizeof m, message);
  int n = snprintf(buf, cap,
                   "{\"apiVersion\":\"v1\",\"kind\":\"Status\",\"status\":\"Failure\",\"reason\":%s,\"message\":%s,"
                   "\"code\":%d}",
                   r, m, code);
  if (n < 0)
    n = 0;
  return (size_t)n < cap ? (size_t)n : cap - 1;
}

bool adm_json_values_exceed(const char *text, size_t len, size_t max) {
  size_t n = 1;
  bool in_string = false;
  for (size_t i = 0; i < len; i++) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if ((c == '{' || c == '[' || c == ',') && ++n > max) {
      return true;
    }
  }
  return false;
}
