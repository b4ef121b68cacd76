/* Reads manifest files for the CLI. JSON goes through jansson (duplicate
 * keys rejected); everything else through the YAML loader. */
#include "admitd/manifest.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admitd/yaml.h"

static int add_object(struct adm_manifest_set *set, json_t *obj, size_t doc, unsigned line) {
  struct adm_manifest_object *n = realloc(set->objects, (set->n + 1) * sizeof *n);
  if (n == NULL)
    return ADM_ENOMEM;
  set->objects = n;
  json_array_append(set->holder, obj);
  set->objects[set->n++] = (struct adm_manifest_object){obj, doc, line};
  return 0;
}

static int add_document(struct adm_manifest_set *set, json_t *root, size_t doc, unsigned line, const char *path,
                        struct adm_error *err) {
  char where[300];
  snprintf(where, sizeof where, "%s:%u", path, line);
  if (json_is_null(root))
    return 0; /* an empty document, such as a trailing "---" */
  if (!json_is_object(root))
    return adm_fail(err, ADM_ETYPE, where, "document %zu is not a mapping", doc);
  const json_t *kind = json_object_get(root, "kind");
  const json_t *items = json_object_get(root, "items");
  if (json_is_string(kind) && strcmp(json_string_value(kind), "List") == 0 && json_is_array(items)) {
    for (size_t i = 0; i < json_array_size(items); i++) {
      json_t *it = json_array_get(items, i);
      if (!json_is_object(it))
        return adm_fail(err, ADM_ETYPE, where, "document %zu: items[%zu] is not an object", doc, i);
      if (add_object(set, it, doc, line) < 0)
        return adm_fail(err, ADM_ENOMEM, where, "out of memory");
    }
    return 0;
  }
  if (add_object(set, root, doc, line) < 0)
    return adm_fail(err, ADM_ENOMEM, where, "out of memory");
  return 0;
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
  if (*p == '{' || *p == '[') {
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
      char where[300];
      snprintf(where, sizeof where, "%s:%d:%d", path, jerr.line, jerr.column);
      rc = adm_fail(err, ADM_EPARSE, where, "malformed JSON: %s", jerr.text);
    } else {
      rc = add_document(out, root, 1, 1, path, err);
      json_decref(root);
    }
  } else {
    struct adm_yaml_docs *docs = NULL;
    rc = adm_yaml_load(text, len, path, &docs, err);
    for (size_t i = 0; rc == 0 && i < docs->n_docs; i++)
      rc = add_document(out, docs->docs[i].root, i + 1, docs->docs[i].line, path, err);
    adm_yaml_docs_free(docs); /* the set holds its own references */
  }
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
