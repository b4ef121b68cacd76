/* libyaml event stream -> jansson trees plus a side table of source marks.
 * Owns the conversion rules for scalars in both schemas (YAML 1.2 core for
 * admitd's files, YAML 1.1 as go-yaml v2 reads manifests), merge keys, and
 * the bounds on aliases; knows nothing of what the documents mean (config.c
 * and the manifest reader do). Aliases share the anchored jansson node, so
 * memory stays small, but every consumer walks the expanded tree: expansion
 * is therefore bounded as go-yaml bounds it, and cycles are refused. */
#include "admitd/yaml.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#define NO_ANCHOR ((size_t)-1)

struct anchor {
  const char *name;
  json_t *node;
  size_t first; /* the loader's node count when the anchored node began */
  size_t size;  /* nodes it expands to, once closed */
  bool open;    /* still being parsed: an alias to it would make a cycle */
};

struct loader {
  yaml_parser_t parser;
  struct adm_yaml_docs *docs;
  struct adm_error *err;
  enum adm_yaml_schema schema;
  struct anchor *anchors;
  size_t n_anchors, cap_anchors;
  size_t n_aliases; /* in this document */
  /* This document's nodes as a consumer sees them (aliases expanded), and
   * how many of those came from aliases: go-yaml's decodeCount/aliasCount. */
  size_t nodes, alias_nodes;
  size_t line0; /* lines before buf in its file: marks and errors name the file's lines */
};

/* The pieces of one mapping being built. */
struct mapping {
  json_t *obj;
  json_t *merged; /* keys that came from `<<`, which a later explicit key replaces */
  bool saw_merge;
};

static int fail_at(struct loader *l, yaml_mark_t m, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_at(struct loader *l, yaml_mark_t m, int code, const char *fmt, ...) {
  char where[256], text[400];
  snprintf(where, sizeof where, "%s:%zu:%zu", l->docs->file, l->line0 + m.line + 1, m.column + 1);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  return adm_fail(l->err, code, where, "%s", text);
}

static int nomem(struct loader *l) {
  return adm_fail(l->err, ADM_ENOMEM, l->docs->file, "out of memory");
}

static int add_mark(struct loader *l, const json_t *parent, const char *key, size_t index, yaml_mark_t m) {
  struct adm_yaml_docs *d = l->docs;
  if (d->n_marks == d->cap_marks) {
    size_t cap = d->cap_marks ? d->cap_marks * 2 : 64;
    struct adm_yaml_mark *nm = realloc(d->marks, cap * sizeof *nm);
    if (nm == NULL)
      return nomem(l);
    d->marks = nm;
    d->cap_marks = cap;
  }
  const char *k = key ? adm_arena_strdup(&d->arena, key) : NULL;
  if (key && k == NULL)
    return nomem(l);
  d->marks[d->n_marks++] =
      (struct adm_yaml_mark){parent, k, index, (unsigned)(l->line0 + m.line + 1), (unsigned)m.column + 1};
  return 0;
}

/* An explicit key replaced a merged one: errors should point at it now. */
static int move_mark(struct loader *l, const json_t *parent, const char *key, yaml_mark_t m) {
  struct adm_yaml_docs *d = l->docs;
  for (size_t i = d->n_marks; i-- > 0;) {
    struct adm_yaml_mark *mk = &d->marks[i];
    if (mk->parent == parent && mk->key && strcmp(mk->key, key) == 0) {
      mk->line = (unsigned)(l->line0 + m.line + 1);
      mk->col = (unsigned)m.column + 1;
      return 0;
    }
  }
  return add_mark(l, parent, key, 0, m);
}

/* Registers node under anchor (if any) as open; *slot is its index or NO_ANCHOR. */
static int remember_anchor(struct loader *l, const yaml_char_t *anchor, json_t *node, size_t first, size_t *slot) {
  *slot = NO_ANCHOR;
  if (anchor == NULL)
    return 0;
  if (l->n_anchors == l->cap_anchors) {
    size_t cap = l->cap_anchors ? l->cap_anchors * 2 : 8;
    struct anchor *na = realloc(l->anchors, cap * sizeof *na);
    if (na == NULL)
      return nomem(l);
    l->anchors = na;
    l->cap_anchors = cap;
  }
  const char *name = adm_arena_strdup(&l->docs->arena, (const char *)anchor);
  if (name == NULL)
    return nomem(l);
  *slot = l->n_anchors;
  l->anchors[l->n_anchors++] = (struct anchor){name, node, first, 0, true};
  return 0;
}

static void close_anchor(struct loader *l, size_t slot) {
  if (slot == NO_ANCHOR)
    return;
  l->anchors[slot].open = false;
  l->anchors[slot].size = l->nodes - l->anchors[slot].first;
}

/* Outcome of typing one plain scalar. */
enum resolved { RESOLVED, NOT_A_NUMBER, OUT_OF_RANGE };

struct spelling {
  const char *text;
  bool value;
  bool yaml11; /* a boolean only in YAML 1.1 (go-yaml v2's resolve table) */
};

static const struct spelling bool_spellings[] = {
    {"true", true, false},   {"True", true, false},   {"TRUE", true, false}, {"false", false, false},
    {"False", false, false}, {"FALSE", false, false}, {"y", true, true},     {"Y", true, true},
    {"yes", true, true},     {"Yes", true, true},     {"YES", true, true},   {"on", true, true},
    {"On", true, true},      {"ON", true, true},      {"n", false, true},    {"N", false, true},
    {"no", false, true},     {"No", false, true},     {"NO", false, true},   {"off", false, true},
    {"Off", false, true},    {"OFF", false, true},
};

static const struct spelling *find_bool(const char *s) {
  for (size_t i = 0; i < sizeof bool_spellings / sizeof bool_spellings[0]; i++)
    if (strcmp(s, bool_spellings[i].text) == 0)
      return &bool_spellings[i];
  return NULL;
}

bool adm_yaml_is_yaml11_bool(const char *s, bool *value) {
  const struct spelling *b = s ? find_bool(s) : NULL;
  if (b == NULL || !b->yaml11)
    return false;
  *value = b->value;
  return true;
}

static bool is_null(const char *v) {
  static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
  for (int i = 0; nulls[i]; i++)
    if (strcmp(v, nulls[i]) == 0)
      return true;
  return false;
}

static const char *unsigned_part(const char *v) {
  return (v[0] == '-' || v[0] == '+') ? v + 1 : v;
}

/* .inf and .nan, which both schemas type as floats and JSON cannot hold. */
static bool is_inf_or_nan(const char *v) {
  static const char *const infs[] = {".inf", ".Inf", ".INF", NULL}, *const nans[] = {".nan", ".NaN", ".NAN", NULL};
  const char *d = unsigned_part(v);
  for (int i = 0; infs[i]; i++)
    if (strcmp(d, infs[i]) == 0 || strcmp(v, nans[i]) == 0)
      return true;
  return false;
}

static bool all_digits(const char *s, const char *set) {
  if (*s == '\0')
    return false;
  for (; *s; s++)
    if (strchr(set, *s) == NULL)
      return false;
  return true;
}

static bool digit(char c) {
  return c >= '0' && c <= '9';
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? : both schemas' float
 * pattern (go-yaml's yamlStyleFloat); plain digits match too. */
static bool looks_like_float(const char *v) {
  const char *p = unsigned_part(v);
  size_t digits = 0;
  for (; digit(*p); p++)
    digits++;
  if (*p == '.')
    for (p++; digit(*p); p++)
      digits++;
  if (digits == 0)
    return false;
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '-' || *p == '+')
      p++;
    if (!digit(*p))
      return false;
    while (digit(*p))
      p++;
  }
  return *p == '\0';
}

static bool parse_ll(const char *s, int base, long long *out) {
  errno = 0;
  char *end;
  *out = strtoll(s, &end, base);
  return errno == 0 && *end == '\0';
}

static enum resolved make_real(const char *v, json_t **out) {
  double x = strtod(v, NULL);
  if (!isfinite(x))
    return OUT_OF_RANGE;
  *out = json_real(x);
  return RESOLVED;
}

/* YAML 1.2 core: decimal, 0x hex, 0o octal, then floats. */
static enum resolved core_number(const char *v, json_t **out) {
  long long n;
  if ((all_digits(unsigned_part(v), "0123456789") && parse_ll(v, 10, &n)) ||
      (strncmp(v, "0x", 2) == 0 && all_digits(v + 2, "0123456789abcdefABCDEF") && parse_ll(v + 2, 16, &n)) ||
      (strncmp(v, "0o", 2) == 0 && all_digits(v + 2, "01234567") && parse_ll(v + 2, 8, &n))) {
    *out = json_integer(n);
    return RESOLVED;
  }
  /* An integer too long for 64 bits is still a number: a real, as before. */
  return looks_like_float(v) ? make_real(v, out) : NOT_A_NUMBER;
}

static unsigned digit_value(char c) {
  if (c >= '0' && c <= '9')
    return (unsigned)(c - '0');
  if (c >= 'a' && c <= 'f')
    return (unsigned)(c - 'a' + 10);
  if (c >= 'A' && c <= 'F')
    return (unsigned)(c - 'A' + 10);
  return 16;
}

/* Go's strconv.ParseInt(s, 0, 64): a sign, then 0x, 0o or 0b, or a leading 0
 * for octal (so YAML 1.1's 0644 is 420, as kubectl sends it). */
static bool parse_go_int(const char *s, long long *out) {
  bool neg = s[0] == '-';
  const char *p = unsigned_part(s);
  unsigned base = 10;
  if (p[0] == '0' && p[1] != '\0') {
    char c = p[1];
    base = (c == 'x' || c == 'X') ? 16 : (c == 'o' || c == 'O') ? 8 : (c == 'b' || c == 'B') ? 2 : 0;
    p += base ? 2 : 1;
    base = base ? base : 8;
  }
  if (*p == '\0')
    return false;
  unsigned long long v = 0, limit = neg ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX;
  for (; *p; p++) {
    unsigned d = digit_value(*p);
    if (d >= base || v > (limit - d) / base)
      return false;
    v = v * base + d;
  }
  *out = neg ? (v > (unsigned long long)LLONG_MAX ? LLONG_MIN : -(long long)v) : (long long)v;
  return true;
}

/* go-yaml v2's resolve() for scalars that start with a digit, a sign or a
 * dot: underscores dropped, then an integer, then a float. A float Go cannot
 * hold (1e999) stays a string there, and so here. */
static enum resolved go_number(const char *v, json_t **out) {
  char plain[512];
  size_t n = 0;
  if (!(digit(v[0]) || v[0] == '-' || v[0] == '+' || v[0] == '.'))
    return NOT_A_NUMBER;
  for (const char *p = v; *p; p++) {
    if (*p == '_' && v[0] != '.')
      continue;
    if (n + 1 >= sizeof plain)
      return NOT_A_NUMBER; /* longer than any number a double or int64 holds */
    plain[n++] = *p;
  }
  plain[n] = '\0';
  long long i;
  if (v[0] != '.' && parse_go_int(plain, &i)) {
    *out = json_integer(i);
    return RESOLVED;
  }
  if (!looks_like_float(plain) || make_real(plain, out) != RESOLVED)
    return NOT_A_NUMBER;
  return RESOLVED;
}

/* Plain scalar -> typed JSON value. *out NULL after RESOLVED means no memory. */
static enum resolved resolve_plain(enum adm_yaml_schema schema, const char *v, json_t **out) {
  const struct spelling *b;
  if (is_null(v)) {
    *out = json_null();
    return RESOLVED;
  }
  b = find_bool(v);
  if (b != NULL && (!b->yaml11 || schema == ADM_YAML_MANIFEST)) {
    *out = json_boolean(b->value);
    return RESOLVED;
  }
  if (is_inf_or_nan(v))
    return OUT_OF_RANGE;
  return schema == ADM_YAML_MANIFEST ? go_number(v, out) : core_number(v, out);
}

static int scalar_value(struct loader *l, yaml_event_t *ev, json_t **out) {
  const char *v = (const char *)ev->data.scalar.value;
  size_t len = ev->data.scalar.length;
  const char *tag = (const char *)ev->data.scalar.tag;
  /* An explicit tag other than !!str asks for typing even when quoted; an
   * embedded NUL can only be a string. */
  bool typed =
      tag ? strcmp(tag, YAML_STR_TAG) != 0 : ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strlen(v) == len;
  enum resolved r = NOT_A_NUMBER;
  *out = NULL;
  if (tag && strcmp(tag, YAML_NULL_TAG) == 0)
    *out = json_null();
  else if (typed)
    r = resolve_plain(l->schema, v, out);
  if (r == OUT_OF_RANGE)
    return fail_at(l, ev->start_mark, ADM_EINVAL, "number out of range: \"%s\" cannot be held by a JSON number", v);
  if (r == NOT_A_NUMBER && *out == NULL)
    *out = json_stringn(v, len);
  return *out ? 0 : nomem(l);
}

static int next_event(struct loader *l, yaml_event_t *ev) {
  if (!yaml_parser_parse(&l->parser, ev)) {
    char where[256];
    snprintf(where, sizeof where, "%s:%zu:%zu", l->docs->file, l->line0 + l->parser.problem_mark.line + 1,
             l->parser.problem_mark.column + 1);
    return adm_fail(l->err, ADM_EPARSE, where, "%s%s%s", l->parser.problem ? l->parser.problem : "syntax error",
                    l->parser.context ? " " : "", l->parser.context ? l->parser.context : "");
  }
  return 0;
}

static int parse_node(struct loader *l, yaml_event_t *ev, int depth, json_t **out);

/* go-yaml's allowedAliasRatio: up to 99% of a small document may come from
 * aliases, falling to 10% for one of four million nodes, so a few kilobytes
 * cannot make a consumer walk gigabytes. */
static bool alias_share_too_large(size_t nodes, size_t alias_nodes) {
  if (alias_nodes <= 100 || nodes <= 1000)
    return false;
  const double low = 400000, high = 4000000, n = (double)nodes;
  double allowed = n <= low ? 0.99 : n >= high ? 0.10 : 0.99 - 0.89 * (n - low) / (high - low);
  return (double)alias_nodes / n > allowed;
}

static const struct anchor *find_anchor(const struct loader *l, const char *name) {
  for (size_t i = l->n_anchors; i-- > 0;)
    if (strcmp(l->anchors[i].name, name) == 0)
      return &l->anchors[i];
  return NULL;
}

static int parse_alias(struct loader *l, yaml_event_t *ev, json_t **out) {
  const char *name = (const char *)ev->data.alias.anchor;
  const struct anchor *a = find_anchor(l, name);
  if (a == NULL)
    return fail_at(l, ev->start_mark, ADM_EPARSE, "unknown alias *%s", name);
  if (a->open)
    return fail_at(l, ev->start_mark, ADM_EINVAL, "alias *%s is inside the node &%s it names (a cycle)", name, name);
  if (++l->n_aliases > ADM_YAML_MAX_ALIASES)
    return fail_at(l, ev->start_mark, ADM_ETOOBIG, "more than %d aliases", ADM_YAML_MAX_ALIASES);
  l->nodes += a->size;
  l->alias_nodes += a->size;
  if (alias_share_too_large(l->nodes, l->alias_nodes))
    return fail_at(l, ev->start_mark, ADM_ETOOBIG,
                   "alias *%s expands the document out of proportion: %zu of its %zu nodes come from aliases", name,
                   l->alias_nodes, l->nodes);
  *out = json_incref(a->node);
  return 0;
}

/* Reads the next node (the value after a key). */
static int parse_next(struct loader *l, int depth, json_t **out) {
  yaml_event_t ev;
  int rc = next_event(l, &ev);
  return rc < 0 ? rc : parse_node(l, &ev, depth, out);
}

/* One mapping of a merge: keys already merged (from an earlier entry of a
 * merge list) win, as in go-yaml, which applies the list backwards. */
static int merge_one(struct loader *l, struct mapping *m, json_t *src, yaml_mark_t at) {
  const char *k;
  json_t *v;
  json_object_foreach(src, k, v) {
    if (json_object_get(m->merged, k) != NULL)
      continue;
    json_t *have = json_object_get(m->obj, k);
    /* go-yaml v2 lets a later `<<` overwrite an earlier explicit key; the
     * YAML spec keeps the explicit one. Judging either could be wrong about
     * what kubectl sends, so a real disagreement is refused. */
    if (have != NULL && !json_equal(have, v))
      return fail_at(l, at, ADM_EINVAL,
                     "key \"%s\" is set before this merge key `<<` and differently by it; kubectl keeps the merged "
                     "value, the YAML spec the explicit one: put `<<` first",
                     k);
    if (have != NULL)
      continue;
    if (json_object_set(m->obj, k, v) < 0 || json_object_set_new(m->merged, k, json_true()) < 0)
      return nomem(l);
    int rc = add_mark(l, m->obj, k, 0, at);
    if (rc < 0)
      return rc;
  }
  return 0;
}

static int apply_merge(struct loader *l, struct mapping *m, json_t *value, yaml_mark_t at) {
  bool ok = json_is_object(value) || json_is_array(value);
  for (size_t i = 0; ok && json_is_array(value) && i < json_array_size(value); i++)
    ok = json_is_object(json_array_get(value, i));
  if (!ok)
    return fail_at(l, at, ADM_ETYPE, "merge key `<<` needs a mapping or a list of mappings");
  if (m->merged == NULL && (m->merged = json_object()) == NULL)
    return nomem(l);
  if (json_is_object(value))
    return merge_one(l, m, value, at);
  for (size_t i = 0; i < json_array_size(value); i++) {
    int rc = merge_one(l, m, json_array_get(value, i), at);
    if (rc < 0)
      return rc;
  }
  return 0;
}

static int parse_merge(struct loader *l, struct mapping *m, int depth, yaml_mark_t at) {
  if (m->saw_merge)
    return fail_at(l, at, ADM_EDUPLICATE, "duplicate key \"<<\"");
  m->saw_merge = true;
  json_t *value = NULL;
  int rc = parse_next(l, depth + 1, &value);
  if (rc < 0)
    return rc;
  rc = apply_merge(l, m, value, at);
  json_decref(value);
  return rc;
}

static int parse_value(struct loader *l, struct mapping *m, const char *key, int depth, yaml_mark_t at) {
  bool replaces_merged = m->merged != NULL && json_object_get(m->merged, key) != NULL;
  if (!replaces_merged && json_object_get(m->obj, key) != NULL)
    return fail_at(l, at, ADM_EDUPLICATE, "duplicate key \"%s\"", key);
  json_t *value = NULL;
  int rc = parse_next(l, depth + 1, &value);
  if (rc < 0)
    return rc;
  if (json_object_set_new(m->obj, key, value) < 0)
    return nomem(l);
  if (!replaces_merged)
    return add_mark(l, m->obj, key, 0, at);
  /* Explicit keys win over merged ones. */
  json_object_del(m->merged, key);
  return move_mark(l, m->obj, key, at);
}

/* `<<` as go-yaml recognises it: plain, or tagged !!merge; manifests only. */
static bool is_merge_key(const struct loader *l, const yaml_event_t *kev) {
  const char *tag = (const char *)kev->data.scalar.tag;
  if (l->schema != ADM_YAML_MANIFEST || strcmp((const char *)kev->data.scalar.value, "<<") != 0)
    return false;
  return tag ? strcmp(tag, "tag:yaml.org,2002:merge") == 0 : kev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* One key and its value; *done at the end of the mapping. */
static int parse_entry(struct loader *l, struct mapping *m, int depth, bool *done) {
  yaml_event_t kev;
  int rc = next_event(l, &kev);
  if (rc < 0)
    return rc;
  if (kev.type == YAML_MAPPING_END_EVENT || kev.type != YAML_SCALAR_EVENT) {
    *done = kev.type == YAML_MAPPING_END_EVENT;
    rc = *done ? 0 : fail_at(l, kev.start_mark, ADM_EUNSUPPORTED, "mapping keys must be plain strings");
    yaml_event_delete(&kev);
    return rc;
  }
  bool merge = is_merge_key(l, &kev);
  char *key = strndup((const char *)kev.data.scalar.value, kev.data.scalar.length);
  yaml_mark_t at = kev.start_mark;
  yaml_event_delete(&kev);
  if (key == NULL)
    return nomem(l);
  rc = merge ? parse_merge(l, m, depth, at) : parse_value(l, m, key, depth, at);
  free(key);
  return rc;
}

static int parse_mapping(struct loader *l, yaml_event_t *start, int depth, json_t **out) {
  struct mapping m = {.obj = json_object()};
  if (m.obj == NULL)
    return nomem(l);
  size_t slot;
  int rc = remember_anchor(l, start->data.mapping_start.anchor, m.obj, l->nodes++, &slot);
  for (bool done = false; rc == 0 && !done;)
    rc = parse_entry(l, &m, depth, &done);
  json_decref(m.merged);
  if (rc < 0) {
    json_decref(m.obj);
    return rc;
  }
  close_anchor(l, slot);
  *out = m.obj;
  return 0;
}

static int parse_sequence(struct loader *l, yaml_event_t *start, int depth, json_t **out) {
  json_t *arr = json_array();
  if (arr == NULL)
    return nomem(l);
  size_t slot;
  int rc = remember_anchor(l, start->data.sequence_start.anchor, arr, l->nodes++, &slot);
  for (size_t i = 0; rc == 0; i++) {
    yaml_event_t iev;
    rc = next_event(l, &iev);
    if (rc < 0)
      break;
    if (iev.type == YAML_SEQUENCE_END_EVENT) {
      yaml_event_delete(&iev);
      close_anchor(l, slot);
      *out = arr;
      return 0;
    }
    yaml_mark_t imark = iev.start_mark;
    json_t *item = NULL;
    rc = parse_node(l, &iev, depth + 1, &item);
    if (rc < 0)
      break;
    rc = json_array_append_new(arr, item) < 0 ? nomem(l) : add_mark(l, arr, NULL, i, imark);
  }
  json_decref(arr);
  return rc;
}

static int parse_scalar(struct loader *l, yaml_event_t *ev, json_t **out) {
  size_t slot;
  int rc = scalar_value(l, ev, out);
  if (rc == 0)
    rc = remember_anchor(l, ev->data.scalar.anchor, *out, l->nodes++, &slot);
  if (rc == 0)
    close_anchor(l, slot);
  return rc;
}

/* Consumes ev (always deleted). */
static int parse_node(struct loader *l, yaml_event_t *ev, int depth, json_t **out) {
  int rc;
  if (depth > ADM_YAML_MAX_DEPTH) {
    rc = fail_at(l, ev->start_mark, ADM_ETOODEEP, "nesting deeper than %d levels", ADM_YAML_MAX_DEPTH);
    yaml_event_delete(ev);
    return rc;
  }
  switch (ev->type) {
  case YAML_SCALAR_EVENT:
    rc = parse_scalar(l, ev, out);
    break;
  case YAML_ALIAS_EVENT:
    rc = parse_alias(l, ev, out);
    break;
  case YAML_MAPPING_START_EVENT:
    rc = parse_mapping(l, ev, depth, out);
    break;
  case YAML_SEQUENCE_START_EVENT:
    rc = parse_sequence(l, ev, depth, out);
    break;
  default:
    rc = fail_at(l, ev->start_mark, ADM_EPARSE, "unexpected YAML event");
  }
  yaml_event_delete(ev);
  return rc;
}

static int add_doc(struct loader *l, json_t *root, unsigned line) {
  struct adm_yaml_docs *d = l->docs;
  struct adm_yaml_doc *nd = realloc(d->docs, (d->n_docs + 1) * sizeof *nd);
  if (nd == NULL) {
    json_decref(root);
    return nomem(l);
  }
  d->docs = nd;
  d->docs[d->n_docs++] = (struct adm_yaml_doc){root, line};
  return 0;
}

/* One document after its start event; anchors and counts are per document. */
static int parse_document(struct loader *l, unsigned line) {
  l->n_anchors = 0;
  l->n_aliases = l->nodes = l->alias_nodes = 0;
  json_t *root = NULL;
  int rc = parse_next(l, 0, &root);
  if (rc >= 0)
    rc = add_doc(l, root, line);
  if (rc < 0)
    return rc;
  yaml_event_t end;
  rc = next_event(l, &end);
  if (rc < 0)
    return rc;
  yaml_event_delete(&end);
  return 0;
}

int adm_yaml_load_schema(const char *buf, size_t len, const char *file, enum adm_yaml_schema schema,
                         struct adm_yaml_docs **out, struct adm_error *err) {
  return adm_yaml_load_part(buf, len, file, schema, 1, out, err);
}

int adm_yaml_load_part(const char *buf, size_t len, const char *file, enum adm_yaml_schema schema, unsigned first_line,
                       struct adm_yaml_docs **out, struct adm_error *err) {
  struct adm_yaml_docs *docs = calloc(1, sizeof *docs);
  if (docs == NULL)
    return adm_fail(err, ADM_ENOMEM, file, "out of memory");
  adm_arena_init(&docs->arena, 4096, 0);
  docs->file = adm_arena_strdup(&docs->arena, file ? file : "<input>");
  struct loader l = {.docs = docs, .err = err, .schema = schema, .line0 = first_line > 0 ? first_line - 1 : 0};
  if (docs->file == NULL || !yaml_parser_initialize(&l.parser)) {
    adm_yaml_docs_free(docs);
    return adm_fail(err, ADM_ENOMEM, file, "out of memory");
  }
  yaml_parser_set_input_string(&l.parser, (const unsigned char *)buf, len);
  int rc = 0;
  for (;;) {
    yaml_event_t ev;
    rc = next_event(&l, &ev);
    if (rc < 0)
      break;
    yaml_event_type_t type = ev.type;
    unsigned line = (unsigned)(l.line0 + ev.start_mark.line + 1);
    yaml_event_delete(&ev);
    if (type == YAML_STREAM_END_EVENT)
      break;
    if (type == YAML_DOCUMENT_START_EVENT) {
      rc = parse_document(&l, line);
      if (rc < 0)
        break;
    }
  }
  yaml_parser_delete(&l.parser);
  free(l.anchors);
  if (rc < 0) {
    adm_yaml_docs_free(docs);
    return rc;
  }
  *out = docs;
  return 0;
}

int adm_yaml_load(const char *buf, size_t len, const char *file, struct adm_yaml_docs **out, struct adm_error *err) {
  return adm_yaml_load_schema(buf, len, file, ADM_YAML_POLICY, out, err);
}

void adm_yaml_docs_free(struct adm_yaml_docs *docs) {
  if (docs == NULL)
    return;
  for (size_t i = 0; i < docs->n_docs; i++)
    json_decref(docs->docs[i].root);
  free(docs->docs);
  free(docs->marks);
  adm_arena_free(&docs->arena);
  free(docs);
}

int adm_yaml_mark_find(const struct adm_yaml_docs *docs, const json_t *parent, const char *key, size_t index,
                       unsigned *line, unsigned *col) {
  if (docs == NULL)
    return ADM_EINVAL;
  for (size_t i = 0; i < docs->n_marks; i++) {
    const struct adm_yaml_mark *m = &docs->marks[i];
    if (m->parent != parent)
      continue;
    if (key ? (m->key && strcmp(m->key, key) == 0) : (m->key == NULL && m->index == index)) {
      *line = m->line;
      *col = m->col;
      return 0;
    }
  }
  return ADM_EINVAL;
}

const char *adm_yaml_unknown_key(const json_t *obj, const char *const *allowed) {
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)obj, key, v) {
    bool ok = false;
    for (const char *const *a = allowed; *a && !ok; a++)
      ok = strcmp(*a, key) == 0;
    if (!ok)
      return key;
  }
  return NULL;
}
