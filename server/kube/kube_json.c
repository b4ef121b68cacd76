/* The API server's JSON as admitd reads it: a Namespace (name and labels),
 * a list page (NamespaceList, PodList: items, resourceVersion, continue),
 * a watch event (WatchEvent: type and object, a Status for ERROR). Pure
 * over jansson trees: no I/O, no locks. Every string is checked for its
 * type; a namespace whose labels pass a bound is kept as over_limit, never
 * with part of its labels. */
#include <stdlib.h>
#include <string.h>

#include "admitd/jsonw.h"
#include "kube_internal.h"

json_t *adm__kube_json_load(const char *text, size_t len, size_t max_values, struct adm_error *err) {
  /* Counted first: a dense answer is refused before its tree is built. */
  bool too_many = adm_json_values_exceed(text, len, max_values);
  json_error_t je = {.text = ""};
  json_t *root = too_many ? NULL : json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  if (json_is_object(root))
    return root;
  if (too_many)
    adm_fail(err, ADM_ETOOBIG, "$", "more than %zu JSON values", max_values);
  else if (root == NULL)
    adm_fail(err, ADM_EPARSE, "$", "line %d column %d: %s", je.line, je.column, je.text);
  else
    adm_fail(err, ADM_ETYPE, "$", "the API server's answer is not an object");
  json_decref(root);
  return NULL;
}

const char *adm__kube_meta_string(const json_t *obj, const char *key) {
  return json_string_value(json_object_get(json_object_get(obj, "metadata"), key));
}

void adm__kube_ns_unref(struct adm__kube_ns *ns) {
  if (ns != NULL && --ns->refs == 0)
    free(ns);
}

/* Bytes of the one allocation: the struct, the two pointer arrays, then
 * every string. False when a label passes a bound (or a size overflows). */
static bool ns_size(const char *name, const json_t *labels, const struct adm__kube_limits *lim, size_t *size) {
  size_t n = json_object_size(labels);
  size_t total = sizeof(struct adm__kube_ns) + 2 * n * sizeof(char *) + strlen(name) + 1;
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)labels, k, v) {
    size_t kl = strlen(k), vl = json_string_length(v);
    if (kl + vl > lim->max_label_bytes)
      return false;
    total += kl + vl + 2;
  }
  *size = total;
  return true;
}

int adm__kube_ns_from_json(const json_t *obj, const struct adm__kube_limits *lim, struct adm__kube_ns **out,
                           struct adm_error *err) {
  *out = NULL;
  const json_t *meta = json_object_get(obj, "metadata");
  if (!json_is_object(meta))
    return adm_fail(err, ADM_EMISSING, "metadata", "a namespace without metadata");
  const char *name = json_string_value(json_object_get(meta, "name"));
  if (name == NULL || name[0] == '\0')
    return adm_fail(err, ADM_EMISSING, "metadata.name", "a namespace without a name");
  if (!adm__kube_valid_name(name))
    return adm_fail(err, ADM_EINVAL, "metadata.name", "not a namespace name");
  const json_t *labels = json_object_get(meta, "labels");
  if (labels != NULL && !json_is_null(labels) && !json_is_object(labels))
    return adm_fail(err, ADM_ETYPE, "metadata.labels", "want an object");
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)labels, k, v) {
    if (!json_is_string(v))
      return adm_fail(err, ADM_ETYPE, "metadata.labels", "label %.100s: want a string", k);
  }
  size_t size = 0;
  bool fits = json_object_size(labels) <= lim->max_labels && ns_size(name, labels, lim, &size);
  if (!fits)
    size = sizeof(struct adm__kube_ns) + strlen(name) + 1;
  struct adm__kube_ns *ns = malloc(size);
  if (ns == NULL)
    return adm_fail(err, ADM_ENOMEM, "", "out of memory");
  size_t n = fits ? json_object_size(labels) : 0;
  char **keys = (char **)(ns + 1), **values = keys + n;
  char *p = (char *)(values + n);
  size_t nl = strlen(name) + 1;
  memcpy(p, name, nl);
  *ns = (struct adm__kube_ns){.refs = 1, .over_limit = !fits, .name = p};
  p += nl;
  size_t i = 0;
  if (fits) {
    /* jansson keeps insertion order; keep it, lookups copy them whole. */
    json_object_foreach((json_t *)labels, k, v) {
      size_t kl = strlen(k) + 1, vl = json_string_length(v) + 1;
      memcpy(p, k, kl);
      keys[i] = p;
      p += kl;
      memcpy(p, json_string_value(v), vl);
      values[i] = p;
      p += vl;
      i++;
    }
  }
  ns->labels = (struct adm_labels){.keys = (const char *const *)keys, .values = (const char *const *)values, .n = i};
  *out = ns;
  return 0;
}

static const struct {
  const char *name;
  enum adm__kube_event_type type;
} event_types[] = {
    {"ADDED", ADM__KUBE_ADDED},       {"MODIFIED", ADM__KUBE_MODIFIED}, {"DELETED", ADM__KUBE_DELETED},
    {"BOOKMARK", ADM__KUBE_BOOKMARK}, {"ERROR", ADM__KUBE_ERROR},
};

int adm__kube_event_from_json(const json_t *root, struct adm__kube_event *ev, struct adm_error *err) {
  memset(ev, 0, sizeof *ev);
  const char *type = json_string_value(json_object_get(root, "type"));
  if (type == NULL)
    return adm_fail(err, ADM_EMISSING, "type", "a watch event without a type");
  size_t i = 0;
  while (i < sizeof event_types / sizeof event_types[0] && strcmp(event_types[i].name, type) != 0)
    i++;
  if (i == sizeof event_types / sizeof event_types[0])
    return adm_fail(err, ADM_EINVAL, "type", "unknown watch event type %.40s", type);
  ev->type = event_types[i].type;
  ev->object = json_object_get(root, "object");
  if (!json_is_object(ev->object))
    return adm_fail(err, ADM_EMISSING, "object", "a %s event without an object", type);
  if (ev->type == ADM__KUBE_ERROR) {
    /* A Status: {"kind":"Status","status":"Failure","reason":"Expired","code":410,...} */
    ev->code = (long)json_integer_value(json_object_get(ev->object, "code"));
    ev->message = json_string_value(json_object_get(ev->object, "message"));
    if (ev->message == NULL)
      ev->message = "";
    return 0;
  }
  ev->rv = adm__kube_meta_string(ev->object, "resourceVersion");
  if (ev->rv == NULL || ev->rv[0] == '\0')
    return adm_fail(err, ADM_EMISSING, "object.metadata.resourceVersion", "a %s event without a resourceVersion", type);
  return 0;
}

int adm__kube_page_from_json(const json_t *root, struct adm__kube_page *page, struct adm_error *err) {
  memset(page, 0, sizeof *page);
  page->items = json_object_get(root, "items");
  /* An empty list may come as "items": null. */
  if (page->items != NULL && !json_is_null(page->items) && !json_is_array(page->items))
    return adm_fail(err, ADM_ETYPE, "items", "want an array");
  if (!json_is_array(page->items))
    page->items = NULL;
  page->rv = adm__kube_meta_string(root, "resourceVersion");
  if (page->rv == NULL || page->rv[0] == '\0')
    return adm_fail(err, ADM_EMISSING, "metadata.resourceVersion", "a list without a resourceVersion");
  page->cont = adm__kube_meta_string(root, "continue");
  if (page->cont == NULL)
    page->cont = "";
  return 0;
}
