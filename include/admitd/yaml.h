/* YAML documents as jansson trees, with the source position of every
 * mapping key and sequence item so config errors can say file:line:col.
 * Two schemas: admitd's own files follow the YAML 1.2 core schema
 * (true/false, null/~, integers, floats); manifests are read as kubectl reads
 * them (sigs.k8s.io/yaml -> go-yaml v2, YAML 1.1: yes/no/on/off/y/n are
 * booleans, 0777 is octal, merge keys `<<` apply). Quoted and block scalars
 * are strings. Duplicate keys, alias cycles, alias expansion out of
 * proportion to the document, numbers JSON cannot hold and nesting past a
 * bound are errors with a place. */
#ifndef ADMITD_YAML_H
#define ADMITD_YAML_H

#include <jansson.h>
#include <stdbool.h>
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
#define ADM_YAML_MAX_ALIASES 1000 /* per document; their expansion is bounded too */

/* How plain scalars and `<<` keys are read. */
enum adm_yaml_schema {
  ADM_YAML_POLICY = 0, /* YAML 1.2 core: `yes` is a string, `<<` an ordinary key */
  ADM_YAML_MANIFEST,   /* YAML 1.1 as go-yaml v2 resolves it, for Kubernetes manifests */
};

/* Parse every document of buf with the policy schema. *out is *new*
 * (adm_yaml_docs_free). file is used in error places and copied. */
int adm_yaml_load(const char *buf, size_t len, const char *file, struct adm_yaml_docs **out, struct adm_error *err);
/* The same with an explicit schema. */
int adm_yaml_load_schema(const char *buf, size_t len, const char *file, enum adm_yaml_schema schema,
                         struct adm_yaml_docs **out, struct adm_error *err);

/* The same for a part of a file that starts at its line first_line
 * (1-based): marks, document lines and errors name the file's lines. */
int adm_yaml_load_part(const char *buf, size_t len, const char *file, enum adm_yaml_schema schema, unsigned first_line,
                       struct adm_yaml_docs **out, struct adm_error *err);

/* True when s is a YAML 1.1 boolean spelling that YAML 1.2 reads as a string
 * (y, yes, on, n, no, off in their three cases); *value gets its meaning. Lets
 * the policy loader say why `enabled: yes` is not a boolean. */
bool adm_yaml_is_yaml11_bool(const char *s, bool *value);
void adm_yaml_docs_free(struct adm_yaml_docs *docs);

/* The first key of obj not in allowed (NULL-terminated), or NULL: the
 * unknown-key check of every YAML schema admitd reads. */
const char *adm_yaml_unknown_key(const json_t *obj, const char *const *allowed);

/* Position of parent[key] (key != NULL) or parent[index]; 0 if found. */
int adm_yaml_mark_find(const struct adm_yaml_docs *docs, const json_t *parent, const char *key, size_t index,
                       unsigned *line, unsigned *col);

#endif
