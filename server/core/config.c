/* Policy file parsing and validation. Builds a whole struct adm_config or
 * nothing; every error names file:line:col and the key. Owns the key-table
 * machinery every section is read by (unknown keys refused from a table,
 * keys parsed in table order, `admitd keys` printed from the tables) and the
 * tables of the top level and podSecurity, which upstream's formats read in
 * their own spelling. Must not publish anything (reload.c does) nor
 * evaluate anything (decide.c does). */
#include "admitd/config.h"

#include <fnmatch.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admitd/file.h"
#include "admitd/gather.h"
#include "admitd/yaml.h"
#include "config_internal.h"

static const char *const mode_names[] = {"enforce", "audit", "warn"};

const char *adm_mode_name(enum adm_mode m) {
  return (unsigned)m < ADM__MODE_COUNT ? mode_names[m] : "unknown";
}

/* "file:line:col: path" for parent[key] (or parent[index]), or "file: path". */
static void place(struct adm__cfg_parse *p, const json_t *parent, const char *key, size_t index, const char *path,
                  char *where, size_t len) {
  unsigned line = 0, col = 0;
  if (adm_yaml_mark_find(p->docs, parent, key, index, &line, &col) == 0)
    snprintf(where, len, "%s:%u:%u: %s", p->docs->file, line, col, path);
  else
    snprintf(where, len, "%s: %s", p->docs->file, path);
}

void adm__cfg_warn_at(struct adm__cfg_parse *p, const json_t *parent, const char *key, const char *path,
                      const char *msg) {
  char where[256], text[700];
  place(p, parent, key, 0, path, where, sizeof where);
  snprintf(text, sizeof text, "%s: %s", where, msg);
  struct adm_names *w = &p->cfg->warnings;
  char *copy = adm__cfg_strdup(text);
  char **grown = copy ? realloc(w->items, (w->n + 1) * sizeof *grown) : NULL;
  if (grown == NULL) {
    free(copy);
    adm__cfg_error_at(p, parent, key, 0, path, ADM_ENOMEM, "out of memory%s", "");
    return;
  }
  w->items = grown;
  w->items[w->n++] = copy;
}

/* Error at parent[key] (or parent[index] when key is NULL). */
int adm__cfg_error_at(struct adm__cfg_parse *p, const json_t *parent, const char *key, size_t index, const char *path,
                      int code, const char *fmt, const char *arg) {
  char where[256], msg[400];
  place(p, parent, key, index, path, where, sizeof where);
  const char *hole = strstr(fmt, "%s");
  if (hole)
    snprintf(msg, sizeof msg, "%.*s%s%s", (int)(hole - fmt), fmt, arg ? arg : "", hole + 2);
  else
    snprintf(msg, sizeof msg, "%s", fmt);
  if (p->report) {
    struct adm_error e = {0};
    adm_fail(&e, code, where, "%s", msg);
    p->report(p->report_ctx, &e);
  }
  /* err keeps the first error; later ones are only reported. */
  if (p->n_errors++ == 0)
    adm_fail(p->err, code, where, "%s", msg);
  return code;
}

const char *adm__cfg_type_name(const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_OBJECT:
    return "a mapping";
  case JSON_ARRAY:
    return "a list";
  case JSON_STRING:
    return "a string";
  case JSON_INTEGER:
  case JSON_REAL:
    return "a number";
  case JSON_TRUE:
  case JSON_FALSE:
    return "a boolean";
  default:
    return "null";
  }
}

/* Against a plain list of names: the value types' own keys ({min, max},
 * a selector's), which their one-line docs name. */
int adm__cfg_check_keys(struct adm__cfg_parse *p, const json_t *obj, const char *path, const char *const *allowed) {
  int rc = 0;
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)obj, key, v) {
    bool known = false;
    for (const char *const *a = allowed; *a && !known; a++)
      known = strcmp(*a, key) == 0;
    if (!known) {
      char full[200];
      adm__cfg_join_path(full, sizeof full, path, key);
      rc = adm__cfg_error_at(p, obj, key, 0, full, ADM_EUNKNOWN_KEY, "unknown key%s", "");
    }
  }
  return rc;
}

void adm__cfg_join_path(char *out, size_t len, const char *path, const char *key) {
  snprintf(out, len, "%s%s%s", path, path[0] ? "." : "", key);
}

int adm__cfg_want_type(struct adm__cfg_parse *p, const json_t *parent, const char *key, const char *path,
                       json_type type, const char *expected, const json_t **out) {
  const json_t *v = json_object_get(parent, key);
  *out = NULL;
  if (v == NULL)
    return 0;
  bool ok = json_typeof(v) == type || (type == JSON_TRUE && json_is_boolean(v));
  if (!ok) {
    char full[200], msg[256];
    adm__cfg_join_path(full, sizeof full, path, key);
    bool yaml11;
    if (type == JSON_TRUE && json_is_string(v) && adm_yaml_is_yaml11_bool(json_string_value(v), &yaml11))
      /* kubectl would read this word as a boolean in a manifest; say why a policy does not. */
      snprintf(msg, sizeof msg,
               "\"%.20s\" is a string in a policy file (policy files are YAML 1.2, where only true and false are "
               "booleans): write %s",
               json_string_value(v), yaml11 ? "true" : "false");
    else
      snprintf(msg, sizeof msg, "expected %s, got %s", expected, adm__cfg_type_name(v));
    return adm__cfg_error_at(p, parent, key, 0, full, ADM_ETYPE, "%s", msg);
  }
  *out = v;
  return 0;
}

int adm__cfg_get_bool(struct adm__cfg_parse *p, const json_t *parent, const char *key, const char *path, bool *out) {
  const json_t *v;
  int rc = adm__cfg_want_type(p, parent, key, path, JSON_TRUE, "true or false", &v);
  if (rc == 0 && v)
    *out = json_is_true(v);
  return rc;
}

char *adm__cfg_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d)
    memcpy(d, s, n);
  return d;
}

int adm__cfg_get_names(struct adm__cfg_parse *p, const json_t *parent, const char *key, const char *path,
                       struct adm_names *out) {
  const json_t *arr;
  int rc = adm__cfg_want_type(p, parent, key, path, JSON_ARRAY, "a list of strings", &arr);
  if (rc < 0 || arr == NULL)
    return rc;
  char full[200];
  adm__cfg_join_path(full, sizeof full, path, key);
  size_t n = json_array_size(arr);
  out->items = calloc(n ? n : 1, sizeof *out->items);
  if (out->items == NULL)
    return adm_fail(p->err, ADM_ENOMEM, full, "out of memory");
  for (size_t i = 0; i < n; i++) {
    const json_t *v = json_array_get(arr, i);
    if (!json_is_string(v) || json_string_length(v) == 0) {
      char item[256];
      snprintf(item, sizeof item, "%s[%zu]", full, i);
      return adm__cfg_error_at(p, arr, NULL, i, item, ADM_ETYPE, "expected a non-empty string, got %s",
                               json_is_string(v) ? "an empty string" : adm__cfg_type_name(v));
    }
    if ((out->items[out->n++] = adm__cfg_strdup(json_string_value(v))) == NULL)
      return adm_fail(p->err, ADM_ENOMEM, full, "out of memory");
  }
  return 0;
}

/* Keeps the first error in *first and lets parsing go on, so check-config
 * lists every mistake of a section; true when it must stop (no memory). */
static bool stop_after(int *first, int rc) {
  if (rc < 0 && *first == 0)
    *first = rc;
  return rc == ADM_ENOMEM;
}

/* --- key tables ---------------------------------------------------------- */

/* k's name as the document spells it ("enforceVersion", upstream's
 * "enforce-version"); NULL when that format has no such key. */
static const char *spelled(const struct adm__cfg_key *k, enum adm__cfg_spelling spelling, char *buf, size_t len) {
  if (spelling == ADM__CFG_ADMITD)
    return k->key;
  if (!k->upstream)
    return NULL;
  if (spelling == ADM__CFG_UPSTREAM)
    return k->key;
  size_t o = 0;
  for (const char *c = k->key; *c && o + 2 < len; c++) {
    if (*c >= 'A' && *c <= 'Z') {
      buf[o++] = '-';
      buf[o++] = (char)(*c - 'A' + 'a');
    } else {
      buf[o++] = *c;
    }
  }
  buf[o] = '\0';
  return buf;
}

static bool table_knows(const struct adm__cfg_table *t, const char *key, enum adm__cfg_spelling spelling) {
  for (; t; t = t->more) {
    for (size_t i = 0; i < t->n; i++) {
      char buf[64];
      const char *name = spelled(&t->keys[i], spelling, buf, sizeof buf);
      if (name && strcmp(name, key) == 0)
        return true;
    }
  }
  return false;
}

int adm__cfg_check_table(struct adm__cfg_parse *p, const json_t *obj, const char *path, const struct adm__cfg_table *t,
                         enum adm__cfg_spelling spelling) {
  /* Every unknown key is reported, not only the first: check-config lists
   * all mistakes at once. */
  int rc = 0;
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)obj, key, v) {
    if (!table_knows(t, key, spelling)) {
      char full[200];
      adm__cfg_join_path(full, sizeof full, path, key);
      rc = adm__cfg_error_at(p, obj, key, 0, full, ADM_EUNKNOWN_KEY, "unknown key%s", "");
    }
  }
  return rc;
}

int adm__cfg_parse_table(struct adm__cfg_parse *p, const json_t *obj, const char *path, const struct adm__cfg_table *t,
                         void *base, void *flag_base, enum adm__cfg_spelling spelling, int *rcs) {
  int first = 0;
  for (size_t i = 0; i < t->n; i++) {
    const struct adm__cfg_key *k = &t->keys[i];
    char buf[64];
    const char *name = spelled(k, spelling, buf, sizeof buf);
    int rc = 0;
    if (k->parse && name) {
      bool *flag = k->has_flag && flag_base ? (bool *)((char *)flag_base + k->flag_offset) : NULL;
      rc = k->parse(p, obj, name, path, k, (char *)base + k->offset, flag);
    }
    if (rcs)
      rcs[i] = rc;
    if (stop_after(&first, rc))
      return rc;
  }
  return first;
}

/* v: a mapping of sub's keys, spelled as the document spells them. */
static int parse_section(struct adm__cfg_parse *p, const json_t *v, const char *path, const struct adm__cfg_table *sub,
                         void *field, enum adm__cfg_spelling spelling) {
  int first = 0, rc;
  if (stop_after(&first, rc = adm__cfg_check_table(p, v, path, sub, spelling)) ||
      stop_after(&first, rc = adm__cfg_parse_table(p, v, path, sub, field, NULL, spelling, NULL)))
    return rc;
  return first;
}

static int parse_mapping(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path,
                         const struct adm__cfg_table *sub, void *field, enum adm__cfg_spelling spelling) {
  const json_t *v;
  int rc = adm__cfg_want_type(p, obj, key, path, JSON_OBJECT, "a mapping", &v);
  if (rc < 0 || v == NULL)
    return rc;
  char full[200];
  adm__cfg_join_path(full, sizeof full, path, key);
  return parse_section(p, v, full, sub, field, spelling);
}

int adm__cfg_p_mapping(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path,
                       const struct adm__cfg_key *k, void *field, bool *flag) {
  (void)flag;
  return parse_mapping(p, obj, key, path, k->sub, field, ADM__CFG_ADMITD);
}

int adm__cfg_p_bool(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path,
                    const struct adm__cfg_key *k, void *field, bool *flag) {
  (void)k;
  (void)flag;
  return adm__cfg_get_bool(p, obj, key, path, field);
}

int adm__cfg_p_names(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path,
                     const struct adm__cfg_key *k, void *field, bool *flag) {
  (void)k;
  (void)flag;
  return adm__cfg_get_names(p, obj, key, path, field);
}

void adm__cfg_table_print(FILE *out, const char *prefix, const struct adm__cfg_table *t, const struct adm_family *fam) {
  for (; t; t = t->more) {
    for (size_t i = 0; i < t->n; i++) {
      const struct adm__cfg_key *k = &t->keys[i];
      char full[160];
      snprintf(full, sizeof full, "%s%s", prefix, k->key);
      if (k->doc)
        fprintf(out, "%s\t%s\n", full, k->doc);
      char sub[176];
      snprintf(sub, sizeof sub, "%s%s.", full, k->list ? "[]" : "");
      if (k->sub)
        adm__cfg_table_print(out, sub, k->sub, k->family ? k->family : fam);
      if (k->family_rules)
        adm__cfg_rule_keys_print(out, sub, fam);
    }
  }
}

/* --- podSecurity --------------------------------------------------------- */

/* level keys write the level of their mode, version keys its minor; a
 * namespaces rule also marks which it gave (has_level, has_version). */
static int p_level(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path,
                   const struct adm__cfg_key *k, void *field, bool *flag) {
  (void)k;
  const json_t *v;
  int rc = adm__cfg_want_type(p, obj, key, path, JSON_STRING, "a level (privileged, baseline or restricted)", &v);
  if (rc < 0 || v == NULL)
    return rc;
  char full[200];
  adm__cfg_join_path(full, sizeof full, path, key);
  if (adm_level_parse(json_string_value(v), field) < 0)
    return adm__cfg_error_at(p, obj, key, 0, full, ADM_EINVAL,
                             "unknown level \"%s\" (want privileged, baseline or restricted)", json_string_value(v));
  if (flag)
    *flag = true;
  return 0;
}

static int p_version(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path,
                     const struct adm__cfg_key *k, void *field, bool *flag) {
  (void)k;
  const json_t *v;
  int rc = adm__cfg_want_type(p, obj, key, path, JSON_STRING, "a version (latest or v1.N)", &v);
  if (rc < 0 || v == NULL)
    return rc;
  char full[200];
  adm__cfg_join_path(full, sizeof full, path, key);
  if (adm_version_parse(json_string_value(v), field) < 0)
    return adm__cfg_error_at(p, obj, key, 0, full, ADM_EINVAL, "invalid version \"%s\" (want latest or v1.N)",
                             json_string_value(v));
  if (flag)
    *flag = true;
  return 0;
}

#define LEVEL(m) offsetof(struct adm_mode_levels, lv[m].level)
#define MINOR(m) offsetof(struct adm_mode_levels, lv[m].minor)
#define HAS_LEVEL(m) .has_flag = true, .flag_offset = offsetof(struct adm_namespace_rule, has_level[m])
#define HAS_VERSION(m) .has_flag = true, .flag_offset = offsetof(struct adm_namespace_rule, has_version[m])

/* Into a struct adm_mode_levels; the flags into a struct adm_namespace_rule.
 * Upstream spells the version keys enforce-version. */
static const struct adm__cfg_key mode_keys[] = {
    {.key = "enforce",
     .parse = p_level,
     .offset = LEVEL(ADM_MODE_ENFORCE),
     HAS_LEVEL(ADM_MODE_ENFORCE),
     .upstream = true,
     .doc = "privileged, baseline or restricted: the level whose failures are denied (default baseline)"},
    {.key = "enforceVersion",
     .parse = p_version,
     .offset = MINOR(ADM_MODE_ENFORCE),
     HAS_VERSION(ADM_MODE_ENFORCE),
     .upstream = true,
     .doc = "latest or v1.N (newer than known: the newest): the enforce level's version (default latest)"},
    {.key = "audit",
     .parse = p_level,
     .offset = LEVEL(ADM_MODE_AUDIT),
     HAS_LEVEL(ADM_MODE_AUDIT),
     .upstream = true,
     .doc = "the level whose failures are audited (default restricted)"},
    {.key = "auditVersion",
     .parse = p_version,
     .offset = MINOR(ADM_MODE_AUDIT),
     HAS_VERSION(ADM_MODE_AUDIT),
     .upstream = true,
     .doc = "the audit level's version (default latest)"},
    {.key = "warn",
     .parse = p_level,
     .offset = LEVEL(ADM_MODE_WARN),
     HAS_LEVEL(ADM_MODE_WARN),
     .upstream = true,
     .doc = "the level whose failures are warned (default restricted)"},
    {.key = "warnVersion",
     .parse = p_version,
     .offset = MINOR(ADM_MODE_WARN),
     HAS_VERSION(ADM_MODE_WARN),
     .upstream = true,
     .doc = "the warn level's version (default latest)"},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct adm__cfg_table mode_table = {mode_keys, N(mode_keys), NULL};

/* A namespaces rule: its names, then the mode keys (mode_table). */
static const struct adm__cfg_key ns_rule_keys[] = {
    {.key = "names",
     .parse = adm__cfg_p_names,
     .offset = offsetof(struct adm_namespace_rule, names),
     .doc = "namespaces the rule is for, exact names or shell globs (required)"},
};

static const struct adm__cfg_table ns_rule_table = {ns_rule_keys, N(ns_rule_keys), &mode_table};

#define CFG(f) offsetof(struct adm_config, f)
#define PS(f) offsetof(struct adm_pod_security_config, f)

static const struct adm__cfg_key exemption_keys[] = {
    {.key = "usernames",
     .parse = adm__cfg_p_names,
     .offset = PS(exempt_usernames),
     .upstream = true,
     .doc = "users whose requests Pod Security does not judge"},
    {.key = "runtimeClasses",
     .parse = adm__cfg_p_names,
     .offset = PS(exempt_runtime_classes),
     .upstream = true,
     .doc = "runtime classes whose pods Pod Security does not judge"},
    {.key = "namespaces",
     .parse = adm__cfg_p_names,
     .offset = PS(exempt_namespaces),
     .upstream = true,
     .doc = "namespaces Pod Security does not judge (a file exempts none unless it says so)"},
};

static const struct adm__cfg_table exemption_table = {exemption_keys, N(exemption_keys), NULL};

static int parse_rule(struct adm__cfg_parse *p, const json_t *arr, size_t i) {
  const json_t *r = json_array_get(arr, i);
  char path[64];
  snprintf(path, sizeof path, "podSecurity.namespaces[%zu]", i);
  if (!json_is_object(r))
    return adm__cfg_error_at(p, arr, NULL, i, path, ADM_ETYPE, "expected a mapping, got %s", adm__cfg_type_name(r));
  struct adm_pod_security_config *ps = &p->cfg->pod_security;
  struct adm_namespace_rule *rule = &ps->rules[ps->n_rules++];
  rule->levels = ps->defaults;
  int first = 0, rc, names_rc = 0;
  if (stop_after(&first, rc = adm__cfg_check_table(p, r, path, &ns_rule_table, ADM__CFG_ADMITD)) ||
      stop_after(&first,
                 names_rc = adm__cfg_parse_table(p, r, path, &ns_rule_table, rule, NULL, ADM__CFG_ADMITD, NULL)) ||
      stop_after(&first,
                 rc = adm__cfg_parse_table(p, r, path, &mode_table, &rule->levels, rule, ADM__CFG_ADMITD, NULL)))
    return rc < 0 ? rc : names_rc;
  if (rule->names.n == 0 && names_rc == 0)
    stop_after(&first, adm__cfg_error_at(p, arr, NULL, i, path, ADM_EMISSING, "a rule needs names: [...]%s", ""));
  return first;
}

/* First match wins, so rules are kept in order; each starts from the defaults. */
static int p_ns_rules(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path,
                      const struct adm__cfg_key *k, void *field, bool *flag) {
  (void)k;
  (void)flag;
  (void)field;
  const json_t *arr;
  int rc = adm__cfg_want_type(p, obj, key, path, JSON_ARRAY, "a list of rules", &arr);
  if (rc < 0 || arr == NULL)
    return rc;
  size_t n = json_array_size(arr);
  p->cfg->pod_security.rules = calloc(n ? n : 1, sizeof *p->cfg->pod_security.rules);
  if (p->cfg->pod_security.rules == NULL)
    return adm_fail(p->err, ADM_ENOMEM, "podSecurity.namespaces", "out of memory");
  int first = 0;
  for (size_t i = 0; i < n; i++)
    if (stop_after(&first, rc = parse_rule(p, arr, i)))
      return rc;
  return first;
}

/* In parse order: the defaults before the rules that start from them. */
static const struct adm__cfg_key pod_security_keys[] = {
    {.key = "defaults", .parse = adm__cfg_p_mapping, .offset = PS(defaults), .sub = &mode_table, .upstream = true},
    {.key = "exemptions", .parse = adm__cfg_p_mapping, .sub = &exemption_table, .upstream = true},
    {.key = "namespaces",
     .parse = p_ns_rules,
     .sub = &ns_rule_table,
     .list = true,
     .doc = "rules for namespaces, the first whose names match wins; modes a rule leaves out follow the defaults"},
    {.key = "enforceOnWorkloads",
     .parse = adm__cfg_p_bool,
     .offset = PS(enforce_on_workloads),
     .doc = "true: workloads whose template breaks the enforce level are denied, not only warned (default false)"},
    {.key = "namespaceLabels",
     .parse = adm__cfg_p_bool,
     .offset = PS(namespace_labels),
     .doc = "true: a namespace's pod-security.kubernetes.io labels set its levels as in the built-in admission, "
            "over the defaults; namespaces rules still win (needs the API server; default false)"},
};

enum { PS_DEFAULTS, PS_EXEMPTIONS };

static const struct adm__cfg_table pod_security_table = {pod_security_keys, N(pod_security_keys), NULL};

/* The top level beyond the families' sections, which adm_families names. */
static const struct adm__cfg_key top_keys[] = {
    {.key = "apiVersion", .upstream = true, .doc = "admitd.io/v1alpha1 (required)"},
    {.key = "kind", .upstream = true, .doc = "Policy (required)"},
    {.key = "dryRun",
     .parse = adm__cfg_p_bool,
     .offset = CFG(dry_run),
     .doc = "true: every denial becomes an allow with a warning and a dry-run-denied audit annotation, to try a "
            "policy on a live cluster (default false)"},
};

enum { TOP_API_VERSION, TOP_KIND };

static const struct adm__cfg_table top_table = {top_keys, N(top_keys), NULL};

/* Upstream's PodSecurityConfiguration: apiVersion and kind, defaults, exemptions. */
static const struct adm__cfg_table upstream_root = {top_keys, N(top_keys), &pod_security_table};

static int parse_pod_security(struct adm__cfg_parse *p, const json_t *sec) {
  return parse_section(p, sec, adm_family_name(ADM_FAMILY_POD_SECURITY), &pod_security_table, &p->cfg->pod_security,
                       ADM__CFG_ADMITD);
}

/* A family's section, read by the parser of its model: a family of rules
 * needs a line here only when its section has keys beyond mode, workloads
 * and rules (images: authorities, registries, cache...). */
static const struct adm__cfg_section sections[ADM__FAMILY_COUNT] = {
    [ADM_FAMILY_POD_SECURITY] = {&pod_security_table, parse_pod_security},
    [ADM_FAMILY_IMAGES] = {&adm__cfg_images_section, adm__cfg_parse_images_section},
};

static const struct adm__cfg_table *section_table(const struct adm_family *fam) {
  return sections[fam->id].table ? sections[fam->id].table : &adm__cfg_family_section;
}

/* Every key of the top level is one of top_keys or a family's section. */
static int check_top_level(struct adm__cfg_parse *p, const json_t *root) {
  int rc = 0;
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)root, key, v) {
    if (!table_knows(&top_table, key, ADM__CFG_ADMITD) && adm_family_find(key) == NULL)
      rc = adm__cfg_error_at(p, root, key, 0, key, ADM_EUNKNOWN_KEY, "unknown key%s", "");
  }
  return rc;
}

static int parse_admitd_policy(struct adm__cfg_parse *p, const json_t *root) {
  int rc = check_top_level(p, root);
  if (rc < 0)
    return rc;
  rc = adm__cfg_parse_table(p, root, "", &top_table, p->cfg, NULL, ADM__CFG_ADMITD, NULL);
  if (rc < 0)
    return rc;
  /* A wrong dryRun or a Pod Security section that is no mapping stops
   * here; past that, each section is checked even after an error in
   * another, so that check-config reports every mistake at once. */
  int first = 0;
  for (int f = 0; f < ADM__FAMILY_COUNT; f++) {
    const struct adm_family *fam = &adm_families[f];
    if (fam->model == ADM_FAMILY_LEVELS) {
      const json_t *v;
      rc = adm__cfg_want_type(p, root, fam->name, "", JSON_OBJECT, "a mapping", &v);
      if (rc < 0)
        return rc;
      rc = v ? sections[f].parse(p, v) : 0;
    } else {
      rc = adm__cfg_parse_family(p, root, fam->id, section_table(fam), sections[f].parse);
    }
    if (first == 0)
      first = rc;
  }
  return first;
}

/* Upstream's PodSecurityConfiguration: defaults (enforce, enforce-version, ...) and exemptions. */
static int parse_upstream(struct adm__cfg_parse *p, const json_t *obj, const char *path) {
  int first = 0;
  int rc = adm__cfg_check_table(p, obj, path, &upstream_root, ADM__CFG_UPSTREAM);
  if (stop_after(&first, rc))
    return rc;
  /* The built-in admission reads this file's defaults under the
   * namespaces' labels: so does admitd, or the levels a cluster set by
   * labels would silently fall back to these defaults. */
  struct adm_pod_security_config *ps = &p->cfg->pod_security;
  ps->namespace_labels = true;
  /* Upstream's own defaults when a key is left out: privileged at latest. */
  for (int m = 0; m < ADM__MODE_COUNT; m++)
    ps->defaults.lv[m] = (struct adm_level_version){ADM_LEVEL_PRIVILEGED, ADM_VERSION_LATEST};
  const struct adm__cfg_key *d = &pod_security_keys[PS_DEFAULTS], *e = &pod_security_keys[PS_EXEMPTIONS];
  if (stop_after(&first, rc = parse_mapping(p, obj, d->key, path, d->sub, &ps->defaults, ADM__CFG_UPSTREAM_DASHED)) ||
      stop_after(&first, rc = parse_mapping(p, obj, e->key, path, e->sub, ps, ADM__CFG_UPSTREAM)))
    return rc;
  return first;
}

static bool is_upstream_api(const char *api) {
  return strcmp(api, "pod-security.admission.config.k8s.io/v1") == 0 ||
         strcmp(api, "pod-security.admission.config.k8s.io/v1beta1") == 0 ||
         strcmp(api, "pod-security.admission.config.k8s.io/v1alpha1") == 0;
}

/* A kube-apiserver AdmissionConfiguration: apiVersion, kind and plugins. */
static const struct adm__cfg_key admission_keys[] = {{.key = "plugins", .upstream = true}};
static const struct adm__cfg_table admission_table = {admission_keys, N(admission_keys), &top_table};

static int parse_admission_configuration(struct adm__cfg_parse *p, const json_t *root) {
  int rc;
  const json_t *plugins;
  rc = adm__cfg_check_table(p, root, "", &admission_table, ADM__CFG_UPSTREAM);
  if (rc >= 0)
    rc = adm__cfg_want_type(p, root, admission_keys[0].key, "", JSON_ARRAY, "a list", &plugins);
  if (rc < 0)
    return rc;
  for (size_t i = 0; plugins && i < json_array_size(plugins); i++) {
    const json_t *pl = json_array_get(plugins, i);
    const json_t *name = json_is_object(pl) ? json_object_get(pl, "name") : NULL;
    if (!json_is_string(name) || strcmp(json_string_value(name), "PodSecurity") != 0)
      continue;
    char path[64];
    snprintf(path, sizeof path, "plugins[%zu].configuration", i);
    const json_t *conf = json_object_get(pl, "configuration");
    if (!json_is_object(conf))
      return adm__cfg_error_at(p, plugins, NULL, i, path, ADM_EMISSING,
                               "the PodSecurity plugin needs an inline configuration (path: is not followed)%s", "");
    return parse_upstream(p, conf, path);
  }
  return adm__cfg_error_at(p, root, admission_keys[0].key, 0, admission_keys[0].key, ADM_EMISSING,
                           "no PodSecurity plugin in the list%s", "");
}

static bool reads_namespace_labels(const struct adm_config *cfg) {
  if (cfg->pod_security.namespace_labels)
    return true;
  for (int f = 0; f < ADM__FAMILY_COUNT; f++)
    for (size_t i = 0; i < cfg->families[f].n_rules; i++)
      if (cfg->families[f].rules[i].namespace_selector.n > 0)
        return true;
  return false;
}

static void set_builtin_defaults(struct adm_pod_security_config *ps) {
  ps->defaults.lv[ADM_MODE_ENFORCE] = (struct adm_level_version){ADM_LEVEL_BASELINE, ADM_VERSION_LATEST};
  ps->defaults.lv[ADM_MODE_AUDIT] = (struct adm_level_version){ADM_LEVEL_RESTRICTED, ADM_VERSION_LATEST};
  ps->defaults.lv[ADM_MODE_WARN] = (struct adm_level_version){ADM_LEVEL_RESTRICTED, ADM_VERSION_LATEST};
}

static struct adm_config *config_new(const char *source) {
  struct adm_config *cfg = calloc(1, sizeof *cfg);
  if (cfg == NULL)
    return NULL;
  atomic_init(&cfg->refs, 1);
  cfg->source = adm__cfg_strdup(source);
  set_builtin_defaults(&cfg->pod_security);
  return cfg;
}

struct adm_config *adm_config_default(void) {
  struct adm_config *cfg = config_new("<built-in>");
  if (cfg == NULL)
    return NULL;
  struct adm_names *exempt = &cfg->pod_security.exempt_namespaces;
  exempt->items = calloc(1, sizeof(char *));
  if (exempt->items && (exempt->items[0] = adm__cfg_strdup("kube-system")) != NULL)
    exempt->n = 1;
  return cfg;
}

int adm_config_parse(const char *text, size_t len, const char *file, struct adm_config **out, struct adm_error *err) {
  return adm_config_parse_report(text, len, file, out, err, NULL, NULL);
}

int adm_config_parse_report(const char *text, size_t len, const char *file, struct adm_config **out,
                            struct adm_error *err, adm_config_report_fn report, void *ctx) {
  struct adm_yaml_docs *docs = NULL;
  int rc = adm_yaml_load(text, len, file, &docs, err);
  if (rc < 0) {
    if (report)
      report(ctx, err);
    return rc;
  }
  struct adm_config *cfg = config_new(file);
  struct adm__cfg_parse p = {docs, err, cfg, report, ctx, 0};
  if (cfg == NULL) {
    rc = adm_fail(err, ADM_ENOMEM, file, "out of memory");
    goto done;
  }
  if (docs->n_docs != 1 || !json_is_object(docs->docs[0].root)) {
    rc = adm_fail(err, ADM_EINVAL, file, "a policy file holds exactly one YAML mapping (found %zu documents)",
                  docs->n_docs);
    goto done;
  }
  const json_t *root = docs->docs[0].root;
  const char *k_api = top_keys[TOP_API_VERSION].key, *k_kind = top_keys[TOP_KIND].key;
  const json_t *api = json_object_get(root, k_api), *kind = json_object_get(root, k_kind);
  const char *apis = json_is_string(api) ? json_string_value(api) : "";
  const char *kinds = json_is_string(kind) ? json_string_value(kind) : "";
  if (strcmp(apis, "admitd.io/v1alpha1") == 0 && strcmp(kinds, "Policy") == 0)
    rc = parse_admitd_policy(&p, root);
  else if (is_upstream_api(apis) && strcmp(kinds, "PodSecurityConfiguration") == 0)
    rc = parse_upstream(&p, root, "");
  else if (strncmp(apis, "apiserver.config.k8s.io/", 24) == 0 && strcmp(kinds, "AdmissionConfiguration") == 0)
    rc = parse_admission_configuration(&p, root);
  else
    rc = adm__cfg_error_at(&p, root, api ? k_api : k_kind, 0, k_api, ADM_EINVAL,
                           "unknown document (want apiVersion: admitd.io/v1alpha1 with kind: Policy, or a "
                           "PodSecurityConfiguration)%s",
                           "");
done:
  adm_yaml_docs_free(docs);
  if (rc < 0 && p.n_errors == 0 && report)
    report(ctx, err); /* an error not placed through error_at */
  if (p.n_errors > 0 && rc == 0)
    rc = p.err->code; /* errors reported while parsing went on */
  if (rc == 0)
    cfg->reads_namespace_labels = reads_namespace_labels(cfg);
  /* Keys, registry client and cache are built with the snapshot, so a key
   * that does not parse rejects the file like any other mistake. */
  const struct adm_fact_backend *backend = adm_fact_backend_get();
  if (rc == 0 && cfg->images.has_verify && backend != NULL) {
    cfg->images.backend = backend;
    rc = backend->prepare(cfg, report, ctx, err);
  }
  if (rc < 0) {
    adm_config_free(cfg);
    return rc;
  }
  *out = cfg;
  return 0;
}

int adm_config_load(const char *path, struct adm_config **out, struct adm_error *err) {
  return adm_config_load_report(path, out, err, NULL, NULL);
}

int adm_config_load_report(const char *path, struct adm_config **out, struct adm_error *err,
                           adm_config_report_fn report, void *ctx) {
  char *text;
  size_t len;
  int rc = adm_read_regular_file(path, ADM_CONFIG_MAX_BYTES, &text, &len, err);
  if (rc < 0) {
    if (report)
      report(ctx, err);
    return rc;
  }
  rc = adm_config_parse_report(text, len, path, out, err, report, ctx);
  free(text);
  return rc;
}

void adm__cfg_free_names(struct adm_names *n) {
  for (size_t i = 0; i < n->n; i++)
    free(n->items[i]);
  free(n->items);
}

void adm_config_free(struct adm_config *cfg) {
  if (cfg == NULL)
    return;
  struct adm_pod_security_config *ps = &cfg->pod_security;
  for (size_t i = 0; i < ps->n_rules; i++)
    adm__cfg_free_names(&ps->rules[i].names);
  free(ps->rules);
  adm__cfg_free_names(&ps->exempt_usernames);
  adm__cfg_free_names(&ps->exempt_runtime_classes);
  adm__cfg_free_names(&ps->exempt_namespaces);
  adm__cfg_free_families(cfg);
  adm__cfg_free_names(&cfg->warnings);
  free(cfg->source);
  free(cfg);
}

bool adm_names_contains(const struct adm_names *names, const char *s) {
  if (s == NULL || s[0] == '\0')
    return false;
  for (size_t i = 0; i < names->n; i++)
    if (strcmp(names->items[i], s) == 0)
      return true;
  return false;
}

struct adm_mode_levels adm_config_levels_for(const struct adm_pod_security_config *ps, const char *namespace) {
  return adm_config_levels_over(ps, namespace, ps->defaults);
}

struct adm_mode_levels adm_config_levels_over(const struct adm_pod_security_config *ps, const char *namespace,
                                              struct adm_mode_levels base) {
  for (size_t i = 0; i < ps->n_rules; i++) {
    const struct adm_namespace_rule *r = &ps->rules[i];
    for (size_t j = 0; j < r->names.n; j++) {
      if (fnmatch(r->names.items[j], namespace ? namespace : "", 0) != 0)
        continue;
      /* Modes the rule leaves out follow the base, as it is now. */
      struct adm_mode_levels out = base;
      for (int m = 0; m < ADM__MODE_COUNT; m++) {
        if (r->has_level[m])
          out.lv[m].level = r->levels.lv[m].level;
        if (r->has_version[m])
          out.lv[m].minor = r->levels.lv[m].minor;
      }
      return out;
    }
  }
  return base;
}

void adm_config_keys_print(FILE *out) {
  adm__cfg_table_print(out, "", &top_table, NULL);
  for (int f = 0; f < ADM__FAMILY_COUNT; f++) {
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s.", adm_families[f].name);
    adm__cfg_table_print(out, prefix, section_table(&adm_families[f]), &adm_families[f]);
  }
}
