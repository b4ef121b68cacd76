/* libyaml event stream -> jansson trees plus a side table of source marks.
 * Owns the conversion rules for scalars; knows nothing of what the
 * documents mean (config.c and the manifest reader do). */
#include "admitd/yaml.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct anchor {
  const char *name;
  json_t *node;
};

struct loader {
  yaml_parser_t parser;
  struct adm_yaml_docs *docs;
  struct adm_error *err;
  struct anchor *anchors;
  size_t n_anchors, cap_anchors;
  size_t n_aliases;
};

/* message may hold one %s, filled with arg. */
static int fail_at(struct loader *l, yaml_mark_t m, int code, const char *message, const char *arg) {
  char where[256], text[400];
  snprintf(where, sizeof where, "%s:%zu:%zu", l->docs->file, m.line + 1, m.column + 1);
  const char *hole = strstr(message, "%s");
  if (hole)
    snprintf(text, sizeof text, "%.*s%s%s", (int)(hole - message), message, arg, hole + 2);
  else
    snprintf(text, sizeof text, "%s", message);
  return adm_fail(l->err, code, where, "%s", text);
}

static int add_mark(struct loader *l, const json_t *parent, const char *key, size_t index, yaml_mark_t m) {
  struct adm_yaml_docs *d = l->docs;
  if (d->n_marks == d->cap_marks) {
    size_t cap = d->cap_marks ? d->cap_marks * 2 : 64;
    struct adm_yaml_mark *nm = realloc(d->marks, cap * sizeof *nm);
    if (nm == NULL)
      return adm_fail(l->err, ADM_ENOMEM, d->file, "out of memory");
    d->marks = nm;
    d->cap_marks = cap;
  }
  const char *k = key ? adm_arena_strdup(&d->arena, key) : NULL;
  if (key && k == NULL)
    return adm_fail(l->err, ADM_ENOMEM, d->file, "out of memory");
  d->marks[d->n_marks++] = (struct adm_yaml_mark){parent, k, index, (unsigned)m.line + 1, (unsigned)m.column + 1};
  return 0;
}

static int remember_anchor(struct loader *l, const yaml_char_t *anchor, json_t *node) {
  if (anchor == NULL)
    return 0;
  if (l->n_anchors == l->cap_anchors) {
    size_t cap = l->cap_anchors ? l->cap_anchors * 2 : 8;
    struct anchor *na = realloc(l->anchors, cap * sizeof *na);
    if (na == NULL)
      return adm_fail(l->err, ADM_ENOMEM, l->docs->file, "out of memory");
    l->anchors = na;
    l->cap_anchors = cap;
  }
  const char *name = adm_arena_strdup(&l->docs->arena, (const char *)anchor);
  if (name == NULL)
    return adm_fail(l->err, ADM_ENOMEM, l->docs->file, "out of memory");
  l->anchors[l->n_anchors++] = (struct anchor){name, node};
  return 0;
}

static bool all_digits(const char *s, const char *set) {
  if (*s == '\0')
    return false;
  for (; *s; s++)
    if (strchr(set, *s) == NULL)
      return false;
  return true;
}

/* Plain scalar -> typed JSON value, per the YAML 1.2 core schema. */
static json_t *resolve_plain(const char *v, size_t len) {
  static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
  static const char *const trues[] = {"true", "True", "TRUE", NULL};
  static const char *const falses[] = {"false", "False", "FALSE", NULL};
  for (int i = 0; nulls[i]; i++)
    if (strcmp(v, nulls[i]) == 0)
      return json_null();
  for (int i = 0; trues[i]; i++)
    if (strcmp(v, trues[i]) == 0)
      return json_true();
  for (int i = 0; falses[i]; i++)
    if (strcmp(v, falses[i]) == 0)
      return json_false();
  const char *d = (v[0] == '-' || v[0] == '+') ? v + 1 : v;
  if (all_digits(d, "0123456789")) {
    errno = 0;
    long long n = strtoll(v, NULL, 10);
    if (errno == 0)
      return json_integer(n);
    return json_real(strtod(v, NULL));
  }
  if (strncmp(v, "0x", 2) == 0 && all_digits(v + 2, "0123456789abcdefABCDEF")) {
    errno = 0;
    long long n = strtoll(v + 2, NULL, 16);
    if (errno == 0)
      return json_integer(n);
  }
  if (strncmp(v, "0o", 2) == 0 && all_digits(v + 2, "01234567")) {
    errno = 0;
    long long n = strtoll(v + 2, NULL, 8);
    if (errno == 0)
      return json_integer(n);
  }
  /* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
  {
    const char *p = d;
    size_t digits = 0;
    while (*p >= '0' && *p <= '9')
      p++, digits++;
    if (*p == '.') {
      p++;
      while (*p >= '0' && *p <= '9')
        p++, digits++;
    }
    if (digits > 0 && (*p == 'e' || *p == 'E')) {
      p++;
      if (*p == '-' || *p == '+')
        p++;
      if (!(*p >= '0' && *p <= '9'))
        p = "x";
      while (*p >= '0' && *p <= '9')
        p++;
    }
    if (digits > 0 && *p == '\0' && strchr(d, '.') != NULL)
      return json_real(strtod(v, NULL));
    if (digits > 0 && *p == '\0' && (strchr(d, 'e') || strchr(d, 'E')))
      return json_real(strtod(v, NULL));
  }
  if (strcmp(d, ".inf") == 0 || strcmp(d, ".Inf") == 0 || strcmp(d, ".INF") == 0)
    return json_real(v[0] == '-' ? -INFINITY : INFINITY);
  return json_stringn(v, len);
}

static json_t *scalar_value(yaml_event_t *ev) {
  const char *v = (const char *)ev->data.scalar.value;
  size_t len = ev->data.scalar.length;
  const char *tag = (const char *)ev->data.scalar.tag;
  if (tag != NULL) {
    if (strcmp(tag, YAML_STR_TAG) == 0)
      return json_stringn(v, len);
    if (strcmp(tag, YAML_NULL_TAG) == 0)
      return json_null();
    return resolve_plain(v, len);
  }
  if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
    return json_stringn(v, len);
  if (strlen(v) != len) /* an embedded NUL can only be a string */
    return json_stringn(v, len);
  return resolve_plain(v, len);
}

static int next_event(struct loader *l, yaml_event_t *ev) {
  if (!yaml_parser_parse(&l->parser, ev)) {
    char where[256];
    snprintf(where, sizeof where, "%s:%zu:%zu", l->docs->file, l->parser.problem_mark.line + 1,
             l->parser.problem_mark.column + 1);
    return adm_fail(l->err, ADM_EPARSE, where, "%s%s%s", l->parser.problem ? l->parser.problem : "syntax error",
                    l->parser.context ? " " : "", l->parser.context ? l->parser.context : "");
  }
  return 0;
}

static int parse_node(struct loader *l, yaml_event_t *ev, int depth, json_t **out);

static int parse_alias(struct loader *l, yaml_event_t *ev, json_t **out) {
  if (++l->n_aliases > ADM_YAML_MAX_ALIASES)
    return fail_at(l, ev->start_mark, ADM_ETOOBIG, "more than %s aliases", "1000");
  for (size_t i = l->n_anchors; i-- > 0;) {
    if (strcmp(l->anchors[i].name, (const char *)ev->data.alias.anchor) == 0) {
      *out = json_incref(l->anchors[i].node);
      return 0;
    }
  }
  return fail_at(l, ev->start_mark, ADM_EPARSE, "unknown alias *%s", (const char *)ev->data.alias.anchor);
}

static int parse_mapping(struct loader *l, yaml_event_t *start, int depth, json_t **out) {
  json_t *obj = json_object();
  if (obj == NULL)
    return adm_fail(l->err, ADM_ENOMEM, l->docs->file, "out of memory");
  int rc = remember_anchor(l, start->data.mapping_start.anchor, obj);
  for (;;) {
    yaml_event_t kev;
    if (rc < 0 || (rc = next_event(l, &kev)) < 0)
      break;
    if (kev.type == YAML_MAPPING_END_EVENT) {
      yaml_event_delete(&kev);
      *out = obj;
      return 0;
    }
    if (kev.type != YAML_SCALAR_EVENT) {
      rc = fail_at(l, kev.start_mark, ADM_EUNSUPPORTED, "mapping keys must be plain strings%s", "");
      yaml_event_delete(&kev);
      break;
    }
    char *key = strndup((const char *)kev.data.scalar.value, kev.data.scalar.length);
    yaml_mark_t kmark = kev.start_mark;
    yaml_event_delete(&kev);
    if (key == NULL) {
      rc = adm_fail(l->err, ADM_ENOMEM, l->docs->file, "out of memory");
      break;
    }
    if (json_object_get(obj, key) != NULL) {
      rc = fail_at(l, kmark, ADM_EDUPLICATE, "duplicate key \"%s\"", key);
      free(key);
      break;
    }
    yaml_event_t vev;
    json_t *value = NULL;
    if ((rc = next_event(l, &vev)) < 0 || (rc = parse_node(l, &vev, depth + 1, &value)) < 0) {
      free(key);
      break;
    }
    if (json_object_set_new(obj, key, value) < 0)
      rc = adm_fail(l->err, ADM_ENOMEM, l->docs->file, "out of memory");
    else
      rc = add_mark(l, obj, key, 0, kmark);
    free(key);
  }
  json_decref(obj);
  return rc;
}

static int parse_sequence(struct loader *l, yaml_event_t *start, int depth, json_t **out) {
  json_t *arr = json_array();
  if (arr == NULL)
    return adm_fail(l->err, ADM_ENOMEM, l->docs->file, "out of memory");
  int rc = remember_anchor(l, start->data.sequence_start.anchor, arr);
  for (size_t i = 0;; i++) {
    yaml_event_t iev;
    if (rc < 0 || (rc = next_event(l, &iev)) < 0)
      break;
    if (iev.type == YAML_SEQUENCE_END_EVENT) {
      yaml_event_delete(&iev);
      *out = arr;
      return 0;
    }
    yaml_mark_t imark = iev.start_mark;
    json_t *item = NULL;
    if ((rc = parse_node(l, &iev, depth + 1, &item)) < 0)
      break;
    if (json_array_append_new(arr, item) < 0)
      rc = adm_fail(l->err, ADM_ENOMEM, l->docs->file, "out of memory");
    else
      rc = add_mark(l, arr, NULL, i, imark);
  }
  json_decref(arr);
  return rc;
}

/* Consumes ev (always deleted). */
static int parse_node(struct loader *l, yaml_event_t *ev, int depth, json_t **out) {
  int rc;
  if (depth > ADM_YAML_MAX_DEPTH) {
    rc = fail_at(l, ev->start_mark, ADM_ETOODEEP, "nesting deeper than %s levels", "64");
    yaml_event_delete(ev);
    return rc;
  }
  switch (ev->type) {
  case YAML_SCALAR_EVENT:
    *out = scalar_value(ev);
    rc = *out ? remember_anchor(l, ev->data.scalar.anchor, *out)
              : adm_fail(l->err, ADM_ENOMEM, l->docs->file, "out of memory");
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
    rc = fail_at(l, ev->start_mark, ADM_EPARSE, "unexpected YAML event%s", "");
  }
  yaml_event_delete(ev);
  return rc;
}

static int add_doc(struct loader *l, json_t *root, unsigned line) {
  struct adm_yaml_docs *d = l->docs;
  struct adm_yaml_doc *nd = realloc(d->docs, (d->n_docs + 1) * sizeof *nd);
  if (nd == NULL) {
    json_decref(root);
    return adm_fail(l->err, ADM_ENOMEM, d->file, "out of memory");
  }
  d->docs = nd;
  d->docs[d->n_docs++] = (struct adm_yaml_doc){root, line};
  return 0;
}

int adm_yaml_load(const char *buf, size_t len, const char *file, struct adm_yaml_docs **out, struct adm_error *err) {
  struct adm_yaml_docs *docs = calloc(1, sizeof *docs);
  if (docs == NULL)
    return adm_fail(err, ADM_ENOMEM, file, "out of memory");
  adm_arena_init(&docs->arena, 4096, 0);
  docs->file = adm_arena_strdup(&docs->arena, file ? file : "<input>");
  struct loader l = {.docs = docs, .err = err};
  if (!yaml_parser_initialize(&l.parser)) {
    adm_yaml_docs_free(docs);
    return adm_fail(err, ADM_ENOMEM, file, "out of memory");
  }
  yaml_parser_set_input_string(&l.parser, (const unsigned char *)buf, len);
  int rc = 0;
  for (;;) {
    yaml_event_t ev;
    if ((rc = next_event(&l, &ev)) < 0)
      break;
    yaml_event_type_t type = ev.type;
    unsigned line = (unsigned)ev.start_mark.line + 1;
    yaml_event_delete(&ev);
    if (type == YAML_STREAM_END_EVENT)
      break;
    if (type != YAML_DOCUMENT_START_EVENT)
      continue;
    l.n_anchors = 0;
    yaml_event_t root_ev;
    json_t *root = NULL;
    if ((rc = next_event(&l, &root_ev)) < 0 || (rc = parse_node(&l, &root_ev, 0, &root)) < 0)
      break;
    if ((rc = add_doc(&l, root, line)) < 0)
      break;
    yaml_event_t end;
    if ((rc = next_event(&l, &end)) < 0)
      break;
    yaml_event_delete(&end);
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

int adm_read_file(const char *path, size_t max_bytes, char **out, size_t *len, struct adm_error *err) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (f == NULL)
    return adm_fail(err, ADM_EIO, path, "cannot open: %s", strerror(errno));
  size_t cap = 8192, n = 0;
  char *buf = malloc(cap);
  int rc = 0;
  while (buf != NULL) {
    if (n + 1 >= cap) {
      if (cap > max_bytes) {
        rc = adm_fail(err, ADM_ETOOBIG, path, "larger than %zu bytes", max_bytes);
        break;
      }
      char *nb = realloc(buf, cap * 2);
      if (nb == NULL)
        break;
      buf = nb;
      cap *= 2;
    }
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0) {
      if (ferror(f))
        rc = adm_fail(err, ADM_EIO, path, "read error: %s", strerror(errno));
      break;
    }
  }
  if (f != stdin)
    fclose(f);
  if (buf == NULL)
    return adm_fail(err, ADM_ENOMEM, path, "out of memory");
  if (rc == 0 && n > max_bytes)
    rc = adm_fail(err, ADM_ETOOBIG, path, "larger than %zu bytes", max_bytes);
  if (rc < 0) {
    free(buf);
    return rc;
  }
  buf[n] = '\0';
  *out = buf;
  *len = n;
  return 0;
}
