/* Kubernetes manifests from files, read as kubectl reads them: YAML
 * (multi-document, YAML 1.1 scalars and merge keys) or JSON (one object, or
 * several concatenated), with every list (`kind: List`, `PodList`, any
 * `*List` with `items`) expanded, each object with the document and item it
 * came from. */
#ifndef ADMITD_MANIFEST_H
#define ADMITD_MANIFEST_H

#include <jansson.h>

#include "admitd/error.h"

struct adm_manifest_object {
  json_t *obj;    /* *borrowed* from the set */
  size_t doc;     /* 1-based document number */
  unsigned line;  /* where the document starts */
  char item[128]; /* "items[2]" (or "items[0].items[1]") when it came from a list, else "" */
};

struct adm_manifest_set {
  struct adm_manifest_object *objects;
  size_t n;
  json_t *holder; /* keeps every object alive */
};

#define ADM_MANIFEST_MAX_BYTES (64u << 20)
#define ADM_MANIFEST_MAX_LIST_DEPTH 4

/* path "-" reads stdin. *out is filled; free with adm_manifest_set_free. */
int adm_manifest_load(const char *path, struct adm_manifest_set *out, struct adm_error *err);
void adm_manifest_set_free(struct adm_manifest_set *set);

#endif
