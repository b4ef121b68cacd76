/* Shared between the policy file's parsers (config.c for the file and
 * podSecurity, config_families.c for the other families): the parse
 * state, placed errors and the typed getters. Not a public contract. */
#ifndef ADMITD_CONFIG_INTERNAL_H
#define ADMITD_CONFIG_INTERNAL_H

#include <jansson.h>

#include "admitd/config.h"
#include "admitd/yaml.h"

struct adm__cfg_parse {
  const struct adm_yaml_docs *docs;
  struct adm_error *err; /* the first error */
  struct adm_config *cfg;
  adm_config_report_fn report; /* every error, when set */
  void *report_ctx;
  unsigned n_errors;
};

/* Error at parent[key] (or parent[index] when key is NULL), placed
 * file:line:col: path; fmt may hold one %s for arg. Returns code. */
int adm__cfg_error_at(struct adm__cfg_parse *p, const json_t *parent, const char *key, size_t index, const char *path,
                      int code, const char *fmt, const char *arg);
/* A warning at parent[key], placed like an error, kept in cfg->warnings.
 * The policy still loads. */
void adm__cfg_warn_at(struct adm__cfg_parse *p, const json_t *parent, const char *key, const char *path,
                      const char *msg);
const char *adm__cfg_type_name(const json_t *v);
int adm__cfg_check_keys(struct adm__cfg_parse *p, const json_t *obj, const char *path, const char *const *allowed);
void adm__cfg_join_path(char *out, size_t len, const char *path, const char *key);
int adm__cfg_want_type(struct adm__cfg_parse *p, const json_t *parent, const char *key, const char *path,
                       json_type type, const char *expected, const json_t **out);
int adm__cfg_get_bool(struct adm__cfg_parse *p, const json_t *parent, const char *key, const char *path, bool *out);
char *adm__cfg_strdup(const char *s);
int adm__cfg_get_names(struct adm__cfg_parse *p, const json_t *parent, const char *key, const char *path,
                       struct adm_names *out);
void adm__cfg_free_names(struct adm_names *n);

/* Image patterns under obj[key], each parsed; no_digest refuses "@digest". */
int adm__cfg_image_patterns(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path,
                            struct adm_image_patterns *out, bool no_digest);

/* The images section's own keys (authorities, registries, credentialsFile,
 * cache, deadline) and a rule's verify (config_images.c). The section's
 * keys are parsed before its rules, which name its authorities. */
extern const char *const adm__cfg_images_section_keys[];
int adm__cfg_parse_images_section(struct adm__cfg_parse *p, const json_t *sec);
int adm__cfg_parse_verify(struct adm__cfg_parse *p, const json_t *rule, const char *path, struct adm_images_verify *v);
void adm__cfg_free_images(struct adm_config *cfg);
void adm__cfg_free_verify(struct adm_images_verify *v);
void adm__cfg_images_keys_print(FILE *out);

/* The families' sections (config_families.c). */
int adm__cfg_parse_family(struct adm__cfg_parse *p, const json_t *root, enum adm_family_id f);
void adm__cfg_free_families(struct adm_config *cfg);

#endif
