/* Reads manifest files for the CLI as kubectl would: JSON through jansson
 * (duplicate keys rejected; several objects may follow one another), anything
 * else through the YAML loader in its manifest schema. Expands lists into
 * their items; knows nothing of which kinds are judged (extract.c does). */
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
    if ((rc = add_tree(set, it, at, path, depth + 1, err)) < 0)
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

/* One JSON object after another, as kubectl's JSON stream decoder reads them. */
static int load_json(const char *text, size_t len, const char *path, struct adm_manifest_set *out,
                     struct adm_error *err) {
  struct cursor c = {text, len, 0, 0, 1};
  skip_space(&c);
  for (size_t doc = 1; c.off < len; doc++) {
    json_error_t jerr;
    unsigned line = c.line;
    json_t *root = json_loadb(text + c.off, len - c.off, JSON_REJECT_DUPLICATES | JSON_DISABLE_EOF_CHECK, &jerr);
    advance(&c, c.off + (size_t)(jerr.position > 0 ? jerr.position : 0));
    if (root == NULL) {
      char where[300];
      snprintf(where, sizeof where, "%s:%u:%zu", path, c.line, c.off - c.line_start + 1);
      return adm_fail(err, ADM_EPARSE, where, "malformed JSON in document %zu: %s", doc, jerr.text);
    }
    struct doc_place at = {path, doc, line};
    int rc = add_document(out, root, &at, err);
    json_decref(root);
    if (rc < 0)
      return rc;
    skip_space(&c);
  }
  return 0;
}

static int load_yaml(const char *text, size_t len, const char *path, struct adm_manifest_set *out,
                     struct adm_error *err) {
  struct adm_yaml_docs *docs = NULL;
  int rc = adm_yaml_load_schema(text, len, path, ADM_YAML_MANIFEST, &docs, err);
  for (size_t i = 0; rc == 0 && i < docs->n_docs; i++) {
    struct doc_place at = {path, i + 1, docs->docs[i].line};
    rc = add_document(out, docs->docs[i].root, &at, err);
  }
  adm_yaml_docs_free(docs); /* the set holds its own references */
  return rc;
}

int adm_manifest_load(const char *path, struct adm_manifest_set *out, struct adm_error *err) {
  memset(out, 0, sizeof *out);
  char *text;
  size_t len;
  int rc = adm_read_file(path, ADM_MANIFEST_MAX_BYTES, &text, &len, err);
  if (rc < 0)
    return rc;
  out->holder = json_array();
  const char *p = text;
  while (p < text + len && isspace((unsigned char)*p))
    p++;
  if (out->holder == NULL)
    rc = adm_fail(err, ADM_ENOMEM, path, "out of memory");
  else if (*p == '{' || *p == '[')
    rc = load_json(text, len, path, out, err);
  else
    rc = load_yaml(text, len, path, out, err);
  free(text);
  if (rc < 0)
    adm_manifest_set_free(out);
  return rc;
}

void adm_manifest_set_free(struct adm_manifest_set *set) {
  free(set->objects);
  json_decref(set->holder);
  memset(set, 0, sizeof *set);
}
