/* Reads manifest files for the CLI as kubectl would: JSON through jansson
 * (duplicate keys rejected; several objects may follow one another), anything
 * else through the YAML loader in its manifest schema. Expands lists into
 * their items; knows nothing of which kinds are judged (extract.c does).
 * Hands documents over one at a time, each bounded in size, so memory
 * follows the largest document rather than the file. */
#include "admitd/file.h"
#include "admitd/manifest.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admitd/yaml.h"

/* Where one document starts, for error places. */
struct doc_place {
  const char *path;
  size_t doc;
  unsigned line;
};

static int add_object(struct adm_manifest_set *set, json_t *obj, const struct doc_place *at, const char *item) {
  struct adm_manifest_object *n = realloc(set->objects, (set->n + 1) * sizeof *n);
  if (n == NULL)
    return ADM_ENOMEM;
  set->objects = n;
  if (json_array_append(set->holder, obj) < 0)
    return ADM_ENOMEM;
  struct adm_manifest_object *o = &set->objects[set->n++];
  *o = (struct adm_manifest_object){.obj = obj, .doc = at->doc, .line = at->line};
  snprintf(o->item, sizeof o->item, "%s", item);
  return 0;
}

static const char *kind_of(const json_t *obj) {
  const json_t *kind = json_object_get(obj, "kind");
  return json_is_string(kind) ? json_string_value(kind) : "";
}

/* kubectl flattens `kind: List` and typed lists such as PodList alike. */
static bool is_list(const json_t *obj) {
  const char *kind = kind_of(obj);
  size_t n = strlen(kind);
  return n >= 4 && strcmp(kind + n - 4, "List") == 0 && json_is_array(json_object_get(obj, "items"));
}

/* Items of a typed list may leave out what the list already says (a PodList
 * holds Pods of its apiVersion), as the typed decoder kubectl uses allows. */
static int fill_typed_item(const json_t *list, json_t *item) {
  const char *kind = kind_of(list);
  if (strcmp(kind, "List") == 0)
    return 0;
  json_t *api = json_object_get(list, "apiVersion");
  if (json_object_get(item, "kind") == NULL &&
      json_object_set_new(item, "kind", json_stringn(kind, strlen(kind) - 4)) < 0)
    return ADM_ENOMEM;
  if (json_object_get(item, "apiVersion") == NULL && json_is_string(api) &&
      json_object_set(item, "apiVersion", api) < 0)
    return ADM_ENOMEM;
  return 0;
}

static int add_tree(struct adm_manifest_set *set, json_t *obj, const struct doc_place *at, const char *item, int depth,
                    struct adm_error *err);

static int add_list(struct adm_manifest_set *set, json_t *list, const struct doc_place *at, const char *item, int depth,
                    struct adm_error *err) {
  char where[300];
  snprintf(where, sizeof where, "%s:%u", at->path, at->line);
  json_t *items = json_object_get(list, "items");
  if (depth >= ADM_MANIFEST_MAX_LIST_DEPTH)
    return adm_fail(err, ADM_ETOODEEP, where, "document %zu: lists nested more than %d deep", at->doc,
                    ADM_MANIFEST_MAX_LIST_DEPTH);
  for (size_t i = 0; i < json_array_size(items); i++) {
    json_t *it = json_array_get(items, i);
    char path[128];
    snprintf(path, sizeof path, "%s%sitems[%zu]", item, item[0] ? "." : "", i);
    if (!json_is_object(it))
      return adm_fail(err, ADM_ETYPE, where, "document %zu: %s is not an object", at->doc, path);
    int rc = fill_typed_item(list, it);
    if (rc < 0)
      return adm_fail(err, rc, where, "out of memory");
    rc = add_tree(set, it, at, path, depth + 1, err);
    if (rc < 0)
      return rc;
  }
  return 0;
}

static int add_tree(struct adm_manifest_set *set, json_t *obj, const struct doc_place *at, const char *item, int depth,
                    struct adm_error *err) {
  if (is_list(obj))
    return add_list(set, obj, at, item, depth, err);
  if (add_object(set, obj, at, item) < 0)
    return adm_fail(err, ADM_ENOMEM, at->path, "out of memory");
  return 0;
}

static int add_document(struct adm_manifest_set *set, json_t *root, const struct doc_place *at, struct adm_error *err) {
  char where[300];
  snprintf(where, sizeof where, "%s:%u", at->path, at->line);
  if (json_is_null(root))
    return 0; /* an empty document, such as a trailing "---" */
  if (!json_is_object(root))
    return adm_fail(err, ADM_ETYPE, where, "document %zu is not a mapping", at->doc);
  return add_tree(set, root, at, "", 0, err);
}

/* Hands a file's documents over one at a time (adm_manifest_each). */
struct reader {
  const char *path;
  adm_manifest_doc_fn fn;
  void *ctx;
  struct adm_error *err; /* the first document error */
  int first;
  bool multi; /* the file holds more than one document with content */
};

/* A document that could not be read; < 0 when the caller stops. */
static int hand_over_error(struct reader *r, const struct adm_error *e, size_t doc, unsigned line) {
  if (r->first == 0) {
    r->first = e->code;
    if (r->err)
      *r->err = *e;
  }
  struct adm_manifest_doc d = {.err = e, .doc = doc, .line = line, .multi = r->multi};
  int rc = r->fn(r->ctx, &d);
  return rc < 0 ? rc : 0;
}

/* One document's objects (root borrowed), handed over and freed. */
static int hand_over(struct reader *r, json_t *root, size_t doc, unsigned line) {
  struct adm_manifest_set set = {.holder = json_array()};
  struct adm_error e = {0};
  struct doc_place at = {r->path, doc, line};
  int rc = set.holder ? add_document(&set, root, &at, &e) : adm_fail(&e, ADM_ENOMEM, r->path, "out of memory");
  if (rc < 0) {
    adm_manifest_set_free(&set);
    return hand_over_error(r, &e, doc, line);
  }
  struct adm_manifest_doc d = {.set = &set, .doc = doc, .line = line, .multi = r->multi || set.n > 1};
  rc = set.n ? r->fn(r->ctx, &d) : 0;
  adm_manifest_set_free(&set);
  return rc < 0 ? rc : 0;
}

static int too_large(struct reader *r, size_t doc, unsigned line) {
  char where[300];
  struct adm_error e = {0};
  snprintf(where, sizeof where, "%s:%u", r->path, line);
  adm_fail(&e, ADM_ETOOBIG, where,
           "document %zu is larger than %u bytes, the largest request admitd serve takes by default; not read", doc,
           ADM_MANIFEST_MAX_DOC_BYTES);
  return hand_over_error(r, &e, doc, line);
}

/* A cursor that keeps the line number as it moves forward. */
struct cursor {
  const char *text;
  size_t len, off, line_start;
  unsigned line;
};

static void advance(struct cursor *c, size_t to) {
  for (; c->off < to && c->off < c->len; c->off++) {
    if (c->text[c->off] == '\n') {
      c->line++;
      c->line_start = c->off + 1;
    }
  }
}

static void skip_space(struct cursor *c) {
  size_t to = c->off;
  while (to < c->len && isspace((unsigned char)c->text[to]))
    to++;
  advance(c, to);
}

/* Where the object or array that starts at off ends, found without
 * parsing (brackets counted, strings skipped), so its size can be refused
 * before a tree is built; len when it does not close (the parser says why). */
static size_t json_value_end(const char *text, size_t len, size_t off) {
  int depth = 0;
  for (size_t i = off; i < len; i++) {
    char ch = text[i];
    if (ch == '"') {
      for (i++; i < len && text[i] != '"'; i++)
        if (text[i] == '\\')
          i++;
    } else if (ch == '{' || ch == '[') {
      depth++;
    } else if ((ch == '}' || ch == ']') && --depth == 0) {
      return i + 1;
    }
  }
  return len;
}

/* One JSON value after another, as kubectl's JSON stream decoder reads them. */
static int each_json(struct reader *r, const char *text, size_t len) {
  struct cursor c = {text, len, 0, 0, 1};
  skip_space(&c);
  for (size_t doc = 1; c.off < len; doc++) {
    unsigned line = c.line;
    bool bracketed = text[c.off] == '{' || text[c.off] == '[';
    size_t end = bracketed ? json_value_end(text, len, c.off) : len;
    if (doc == 1) {
      size_t next = end;
      while (next < len && isspace((unsigned char)text[next]))
        next++;
      r->multi = next < len;
    }
    int rc;
    if (bracketed && end - c.off > ADM_MANIFEST_MAX_DOC_BYTES) {
      rc = too_large(r, doc, line);
      if (rc < 0)
        return rc;
      advance(&c, end);
      skip_space(&c);
      continue;
    }
    json_error_t jerr;
    json_t *root = json_loadb(text + c.off, len - c.off, JSON_REJECT_DUPLICATES | JSON_DISABLE_EOF_CHECK, &jerr);
    advance(&c, c.off + (size_t)(jerr.position > 0 ? jerr.position : 0));
    if (root == NULL) {
      /* A stream cannot be followed past malformed text: the walk ends. */
      char where[300];
      struct adm_error e = {0};
      snprintf(where, sizeof where, "%s:%u:%zu", r->path, c.line, c.off - c.line_start + 1);
      adm_fail(&e, ADM_EPARSE, where, "malformed JSON in document %zu: %s", doc, jerr.text);
      return hand_over_error(r, &e, doc, line);
    }
    rc = hand_over(r, root, doc, line);
    json_decref(root);
    if (rc < 0)
      return rc;
    skip_space(&c);
  }
  return 0;
}

/* A line "---" (alone, or followed by a space): a YAML document starts. */
static bool doc_start(const char *p, const char *end) {
  return end - p >= 3 && memcmp(p, "---", 3) == 0 &&
         (end - p == 3 || p[3] == '\n' || p[3] == '\r' || p[3] == ' ' || p[3] == '\t');
}

static const char *next_line(const char *p, const char *end) {
  const char *nl = memchr(p, '\n', (size_t)(end - p));
  return nl ? nl + 1 : end;
}

/* Where the part of a YAML file that starts at from ends: at the next
 * "---" line. A document marker at the start of a line can be nothing else
 * (no scalar may hold one there), so the parts are whole documents. */
static const char *part_end(const char *from, const char *end) {
  const char *p = next_line(from, end);
  while (p < end && !doc_start(p, end))
    p = next_line(p, end);
  return p;
}

/* Anything but blank lines, comments and document markers. */
static bool has_content(const char *from, const char *to) {
  for (const char *p = from; p < to; p = next_line(p, to)) {
    const char *q = p;
    while (q < to && (*q == ' ' || *q == '\t'))
      q++;
    if (q < to && *q != '\n' && *q != '\r' && *q != '#' && !(q == p && doc_start(p, to)))
      return true;
  }
  return false;
}

/* A "%" directive belongs to the document after the next "---": a file
 * with one is not cut into parts. */
static bool has_directive(const char *text, const char *end) {
  for (const char *p = text; p < end; p = next_line(p, end))
    if (*p == '%')
      return true;
  return false;
}

/* The file cut at its "---" lines and each part parsed on its own, so
 * one document's tree is held at a time and a bad document does not hide
 * the others. */
static int each_yaml(struct reader *r, const char *text, size_t len) {
  const char *end = text + len;
  bool cut = !has_directive(text, end);
  size_t with_content = 0;
  for (const char *p = text; cut && p < end && with_content < 2;) {
    const char *to = part_end(p, end);
    with_content += has_content(p, to);
    p = to;
  }
  r->multi = with_content > 1;
  size_t doc = 0;
  unsigned line = 1;
  for (const char *from = text; from < end;) {
    const char *to = cut ? part_end(from, end) : end;
    int rc = 0;
    if ((size_t)(to - from) > ADM_MANIFEST_MAX_DOC_BYTES) {
      rc = too_large(r, ++doc, line);
    } else {
      struct adm_yaml_docs *docs = NULL;
      struct adm_error e = {0};
      if (adm_yaml_load_part(from, (size_t)(to - from), r->path, ADM_YAML_MANIFEST, line, &docs, &e) < 0) {
        rc = hand_over_error(r, &e, ++doc, line);
      } else {
        if (!cut)
          r->multi = docs->n_docs > 1;
        for (size_t i = 0; rc == 0 && i < docs->n_docs; i++)
          rc = hand_over(r, docs->docs[i].root, ++doc, docs->docs[i].line);
        adm_yaml_docs_free(docs);
      }
    }
    if (rc < 0)
      return rc;
    for (const char *p = from; (p = memchr(p, '\n', (size_t)(to - p))) != NULL; p++)
      line++;
    from = to;
  }
  return 0;
}

int adm_manifest_each(const char *path, adm_manifest_doc_fn fn, void *ctx, struct adm_error *err) {
  char *text;
  size_t len;
  int rc = adm_read_file(path, ADM_MANIFEST_MAX_BYTES, &text, &len, err);
  if (rc < 0)
    return rc;
  struct reader r = {.path = path, .fn = fn, .ctx = ctx, .err = err};
  const char *p = text;
  while (p < text + len && isspace((unsigned char)*p))
    p++;
  rc = *p == '{' || *p == '[' ? each_json(&r, text, len) : each_yaml(&r, text, len);
  free(text);
  return rc < 0 ? rc : r.first;
}

/* adm_manifest_load's fn: keep every object; stop at the first error. */
static int collect(void *ctx, const struct adm_manifest_doc *d) {
  struct adm_manifest_set *out = ctx;
  if (d->set == NULL)
    return d->err->code;
  for (size_t i = 0; i < d->set->n; i++) {
    const struct adm_manifest_object *o = &d->set->objects[i];
    struct adm_manifest_object *grown = realloc(out->objects, (out->n + 1) * sizeof *grown);
    if (grown == NULL)
      return ADM_ENOMEM;
    out->objects = grown;
    if (json_array_append(out->holder, o->obj) < 0)
      return ADM_ENOMEM;
    out->objects[out->n++] = *o;
  }
  return 0;
}

int adm_manifest_load(const char *path, struct adm_manifest_set *out, struct adm_error *err) {
  memset(out, 0, sizeof *out);
  out->holder = json_array();
  if (out->holder == NULL)
    return adm_fail(err, ADM_ENOMEM, path, "out of memory");
  int rc = adm_manifest_each(path, collect, out, err);
  if (rc == ADM_ENOMEM && err && err->code != ADM_ENOMEM)
    adm_fail(err, ADM_ENOMEM, path, "out of memory");
  if (rc < 0)
    adm_manifest_set_free(out);
  return rc;
}

void adm_manifest_set_free(struct adm_manifest_set *set) {
  free(set->objects);
  json_decref(set->holder);
  memset(set, 0, sizeof *set);
}
