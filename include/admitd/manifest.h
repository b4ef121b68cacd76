/* Kubernetes manifests from files, read as kubectl reads them: YAML
 * (multi-document, YAML 1.1 scalars and merge keys) or JSON (one object, or
 * several concatenated), with every list (`kind: List`, `PodList`, any
 * `*List` with `items`) expanded, each object with the document and item it
 * came from. */
#ifndef ADMITD_MANIFEST_H
#define ADMITD_MANIFEST_H

#include <jansson.h>
#include <stdbool.h>

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
/* One document at most, as `admitd serve` takes one request at most by
 * default (--max-body-bytes): a larger one is refused before it is parsed,
 * so its decoded tree is bounded as the server bounds a request's. */
#define ADM_MANIFEST_MAX_DOC_BYTES (7u << 20)

/* One document of a file, as adm_manifest_each hands it over. */
struct adm_manifest_doc {
  const struct adm_manifest_set *set; /* its objects (a list expanded); NULL when it could not be read */
  const struct adm_error *err;        /* why it could not be read, else NULL */
  size_t doc;                         /* 1-based document number */
  unsigned line;                      /* where it starts */
  bool multi;                         /* the file holds more than one object */
};

/* Return < 0 to stop the walk with that code. */
typedef int (*adm_manifest_doc_fn)(void *ctx, const struct adm_manifest_doc *doc);

/* Each document of path ("-": stdin) in order, one at a time: only one
 * document's tree is held at once, so memory follows the largest document,
 * not the file. A YAML document that cannot be read is handed over with its
 * error and the walk goes on with the next; in JSON the stream cannot be
 * followed past an error, so the walk ends there. Returns 0, the first
 * document error (after every document was handed over), an error of the
 * file itself (nothing handed over), or what fn returned to stop. */
int adm_manifest_each(const char *path, adm_manifest_doc_fn fn, void *ctx, struct adm_error *err);

/* Every object of path at once. *out is filled; free with adm_manifest_set_free. */
int adm_manifest_load(const char *path, struct adm_manifest_set *out, struct adm_error *err);
void adm_manifest_set_free(struct adm_manifest_set *set);

#endif
