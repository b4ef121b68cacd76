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

/* The key tables of the file's own sections (the top level, podSecurity
 * and the images section's globals; the families' rule keys are
 * adm_key_spec tables in policies/families.c). A key's parser reads
 * obj[key] into field and sets *flag (when the key has one) when given. */
struct adm__cfg_key;
typedef int (*adm__cfg_key_fn)(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path,
                               const struct adm__cfg_key *k, void *field, bool *flag);

struct adm__cfg_table {
  const struct adm__cfg_key *keys;
  size_t n;
  const struct adm__cfg_table *more; /* further keys of the same mapping, parsed by their own table's owner */
};

struct adm__cfg_key {
  const char *key;
  /* NULL: read by the section's own code, after the keys it depends on. */
  adm__cfg_key_fn parse;
  size_t offset; /* of its field in the struct the table fills */
  bool has_flag; /* flag_offset: a bool set when the key is given, in the struct of the caller's choosing */
  size_t flag_offset;
  const struct adm__cfg_table *sub; /* the keys of the mapping it holds (of each entry, when list) */
  bool list;
  bool upstream;                   /* also a key of upstream's PodSecurityConfiguration */
  const struct adm_family *family; /* a family's section, sub its keys */
  bool family_rules;               /* the family's rules: adm_families[].rule_keys */
  const char *doc;                 /* NULL: documented by its sub keys */
};

/* How a table's keys are spelled in the document at hand: admitd's, or
 * upstream's (only keys marked upstream; dashed: enforce-version). */
enum adm__cfg_spelling { ADM__CFG_ADMITD = 0, ADM__CFG_UPSTREAM, ADM__CFG_UPSTREAM_DASHED };

/* Refuses, and reports, every key of obj that t (and t->more) lacks. */
int adm__cfg_check_table(struct adm__cfg_parse *p, const json_t *obj, const char *path, const struct adm__cfg_table *t,
                         enum adm__cfg_spelling spelling);
/* Parses t's own keys that have a parser, in table order, into base (and
 * their flags into flag_base, when not NULL); every error is reported and
 * the first returned, stopping only when memory runs out. rcs, when not
 * NULL, gets each key's result (t->n entries). */
int adm__cfg_parse_table(struct adm__cfg_parse *p, const json_t *obj, const char *path, const struct adm__cfg_table *t,
                         void *base, void *flag_base, enum adm__cfg_spelling spelling, int *rcs);
/* A key holding a mapping of k->sub's keys, filling field. */
int adm__cfg_p_mapping(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path,
                       const struct adm__cfg_key *k, void *field, bool *flag);
int adm__cfg_p_bool(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path,
                    const struct adm__cfg_key *k, void *field, bool *flag);
int adm__cfg_p_names(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path,
                     const struct adm__cfg_key *k, void *field, bool *flag);
/* "key\tdoc" for every key of t under prefix; fam for a family's rules. */
void adm__cfg_table_print(FILE *out, const char *prefix, const struct adm__cfg_table *t, const struct adm_family *fam);
/* A family's rule keys under prefix ("images.rules[].") (config_families.c). */
void adm__cfg_rule_keys_print(FILE *out, const char *prefix, const struct adm_family *fam);
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
extern const struct adm__cfg_table adm__cfg_images_section, adm__cfg_verify_keys;
int adm__cfg_parse_images_section(struct adm__cfg_parse *p, const json_t *sec);
int adm__cfg_parse_verify(struct adm__cfg_parse *p, const json_t *rule, const char *key, const char *path,
                          struct adm_images_verify *v);
void adm__cfg_free_images(struct adm_config *cfg);
void adm__cfg_free_verify(struct adm_images_verify *v);

/* How config.c reads a family's section: the table of its keys, and the
 * parser of the keys that are the family's own (a family of rules: those
 * beyond mode, workloads and rules; NULL when it has none). */
typedef int (*adm__cfg_section_fn)(struct adm__cfg_parse *p, const json_t *sec);
struct adm__cfg_section {
  const struct adm__cfg_table *table;
  adm__cfg_section_fn parse;
};

/* The sections of the families of rules (config_families.c). */
extern const struct adm__cfg_table adm__cfg_family_section;
/* section: the keys of the family's section (its rules' are the family's);
 * own: the parser of the section's own keys, NULL when none. */
int adm__cfg_parse_family(struct adm__cfg_parse *p, const json_t *root, enum adm_family_id f,
                          const struct adm__cfg_table *section, adm__cfg_section_fn own);
void adm__cfg_free_families(struct adm_config *cfg);

#endif
