/* Kubernetes manifests from files: YAML (multi-document) or JSON, with
 * `kind: List` expanded, each object with the document it came from. */
#ifndef ADMITD_MANIFEST_H
#define ADMITD_MANIFEST_H

#include <jansson.h>

#include "admitd/error.h"

struct adm_manifest_object {
  json_t *obj;   /* *borrowed* from the set */
  size_t doc;    /* 1-based document number */
  unsigned line; /* where the document starts */
};

struct adm_manifest_set {
  struct adm_manifest_object *objects;
  size_t n;
  json_t *holder; /* keeps every object alive */
};

#define ADM_MANIFEST_MAX_BYTES (64u << 20)

/* path "-" reads stdin. *out is filled; free with adm_manifest_set_free. */
int adm_manifest_load(const char *path, struct adm_manifest_set *out, struct adm_error *err);
void adm_manifest_set_free(struct adm_manifest_set *set);

#endif
