/* YAML documents as jansson trees, with the source position of every
 * mapping key and sequence item so config errors can say file:line:col.
 * Scalars follow the YAML 1.2 core schema (true/false, null/~, integers,
 * floats); quoted and block scalars are strings. Duplicate keys, aliases past
 * a bound and nesting past a bound are errors. */
#ifndef ADMITD_YAML_H
#define ADMITD_YAML_H

#include <jansson.h>
#include <stddef.h>

#include "admitd/arena.h"
#include "admitd/error.h"

struct adm_yaml_mark {
  const json_t *parent;
  const char *key; /* NULL for a sequence item */
  size_t index;
  unsigned line, col; /* 1-based, of the key (or the item) */
};

struct adm_yaml_doc {
  json_t *root;  /* *borrowed* from the doc set */
  unsigned line; /* where the document starts, 1-based */
};

struct adm_yaml_docs {
  const char *file;
  struct adm_yaml_doc *docs;
  size_t n_docs;
  struct adm_yaml_mark *marks;
  size_t n_marks, cap_marks;
  struct adm_arena arena;
};

#define ADM_YAML_MAX_DEPTH 64
#define ADM_YAML_MAX_ALIASES 1000

/* Parse every document of buf. *out is *new* (adm_yaml_docs_free). file is
 * used in error places and copied. */
int adm_yaml_load(const char *buf, size_t len, const char *file, struct adm_yaml_docs **out, struct adm_error *err);
void adm_yaml_docs_free(struct adm_yaml_docs *docs);

/* Position of parent[key] (key != NULL) or parent[index]; 0 if found. */
int adm_yaml_mark_find(const struct adm_yaml_docs *docs, const json_t *parent, const char *key, size_t index,
                       unsigned *line, unsigned *col);

/* Read a whole file (bounded by max_bytes) into a *new* NUL-terminated buffer. */
int adm_read_file(const char *path, size_t max_bytes, char **out, size_t *len, struct adm_error *err);

#endif
