/* Policy file parsing and validation. Builds a whole struct adm_config or
 * nothing; every error names file:line:col and the key. Must not publish
 * anything (reload.c does) nor evaluate anything (decide.c does). */
#include "admitd/config.h"

#include <fnmatch.h>
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

int adm__cfg_check_keys(struct adm__cfg_parse *p, const json_t *obj, const char *path, const char *const *allowed) {
  /* Every unknown key is reported, not only the first: check-config lists
   * all mistakes at once. */
  int rc = 0;
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)obj, key, v) {
    bool known = false;
    for (const char *const *a = allowed; *a && !known; a++)
      known = strcmp(*a, key) == 0;
    if (!known) {
      char full[200];
      snprintf(full, sizeof full, "%s%s%s", path, path[0] ? "." : "", key);
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

/* level/version pairs under the given key spellings. */
static int get_level_version(struct adm__cfg_parse *p, const json_t *obj, const char *path, enum adm_mode m,
                             const char *level_key, const char *version_key, struct adm_mode_levels *levels,
                             bool *has_level, bool *has_version) {
  const json_t *v;
  char full[200];
  int first = 0;
  int rc = adm__cfg_want_type(p, obj, level_key, path, JSON_STRING, "a level (privileged, baseline or restricted)", &v);
  if (stop_after(&first, rc))
    return rc;
  if (v) {
    adm__cfg_join_path(full, sizeof full, path, level_key);
    if (adm_level_parse(json_string_value(v), &levels->lv[m].level) < 0)
      first = adm__cfg_error_at(p, obj, level_key, 0, full, ADM_EINVAL,
                                "unknown level \"%s\" (want privileged, baseline or restricted)", json_string_value(v));
    else if (has_level)
      *has_level = true;
  }
  rc = adm__cfg_want_type(p, obj, version_key, path, JSON_STRING, "a version (latest or v1.N)", &v);
  if (stop_after(&first, rc))
    return rc;
  if (v) {
    adm__cfg_join_path(full, sizeof full, path, version_key);
    if (adm_version_parse(json_string_value(v), &levels->lv[m].minor) < 0)
      stop_after(&first, adm__cfg_error_at(p, obj, version_key, 0, full, ADM_EINVAL,
                                           "invalid version \"%s\" (want latest or v1.N)", json_string_value(v)));
    else if (has_version)
      *has_version = true;
  }
  return first;
}

/* admitd spells version keys enforceVersion; upstream enforce-version. */
static int get_modes(struct adm__cfg_parse *p, const json_t *obj, const char *path, bool upstream,
                     struct adm_mode_levels *levels, bool *has_level, bool *has_version) {
  int first = 0;
  for (int m = 0; m < ADM__MODE_COUNT; m++) {
    char vkey[32];
    snprintf(vkey, sizeof vkey, upstream ? "%s-version" : "%sVersion", mode_names[m]);
    int rc = get_level_version(p, obj, path, (enum adm_mode)m, mode_names[m], vkey, levels,
                               has_level ? &has_level[m] : NULL, has_version ? &has_version[m] : NULL);
    if (stop_after(&first, rc))
      return rc;
  }
  return first;
}

static int parse_exemptions(struct adm__cfg_parse *p, const json_t *ex, const char *path) {
  static const char *const keys[] = {"usernames", "runtimeClasses", "namespaces", NULL};
  int first = 0;
  int rc = adm__cfg_check_keys(p, ex, path, keys);
  if (stop_after(&first, rc) ||
      stop_after(&first, rc = adm__cfg_get_names(p, ex, "usernames", path, &p->cfg->exempt_usernames)) ||
      stop_after(&first, rc = adm__cfg_get_names(p, ex, "runtimeClasses", path, &p->cfg->exempt_runtime_classes)) ||
      stop_after(&first, rc = adm__cfg_get_names(p, ex, "namespaces", path, &p->cfg->exempt_namespaces)))
    return rc;
  return first;
}

static int parse_rules(struct adm__cfg_parse *p, const json_t *arr) {
  size_t n = json_array_size(arr);
  p->cfg->rules = calloc(n ? n : 1, sizeof *p->cfg->rules);
  if (p->cfg->rules == NULL)
    return adm_fail(p->err, ADM_ENOMEM, "podSecurity.namespaces", "out of memory");
  static const char *const keys[] = {"names",        "enforce", "enforceVersion", "audit",
                                     "auditVersion", "warn",    "warnVersion",    NULL};
  int first = 0;
  for (size_t i = 0; i < n; i++) {
    const json_t *r = json_array_get(arr, i);
    char path[64];
    snprintf(path, sizeof path, "podSecurity.namespaces[%zu]", i);
    if (!json_is_object(r)) {
      stop_after(&first, adm__cfg_error_at(p, arr, NULL, i, path, ADM_ETYPE, "expected a mapping, got %s",
                                           adm__cfg_type_name(r)));
      continue;
    }
    struct adm_namespace_rule *rule = &p->cfg->rules[p->cfg->n_rules++];
    rule->levels = p->cfg->defaults;
    int rc = adm__cfg_check_keys(p, r, path, keys), names_rc = 0;
    if (stop_after(&first, rc) ||
        stop_after(&first, names_rc = adm__cfg_get_names(p, r, "names", path, &rule->names)) ||
        stop_after(&first, rc = get_modes(p, r, path, false, &rule->levels, rule->has_level, rule->has_version)))
      return rc < 0 ? rc : names_rc;
    if (rule->names.n == 0 && names_rc == 0)
      stop_after(&first, adm__cfg_error_at(p, arr, NULL, i, path, ADM_EMISSING, "a rule needs names: [...]%s", ""));
  }
  return first;
}

static int parse_pod_security(struct adm__cfg_parse *p, const json_t *ps) {
  static const char *const keys[] = {"defaults", "namespaces", "exemptions", "enforceOnWorkloads", NULL};
  static const char *const default_keys[] = {"enforce", "enforceVersion", "audit", "auditVersion",
                                             "warn",    "warnVersion",    NULL};
  int first = 0;
  const json_t *v;
  int rc = adm__cfg_check_keys(p, ps, "podSecurity", keys);
  if (stop_after(&first, rc) ||
      stop_after(&first, rc = adm__cfg_want_type(p, ps, "defaults", "podSecurity", JSON_OBJECT, "a mapping", &v)))
    return rc;
  if (v && (stop_after(&first, rc = adm__cfg_check_keys(p, v, "podSecurity.defaults", default_keys)) ||
            stop_after(&first, rc = get_modes(p, v, "podSecurity.defaults", false, &p->cfg->defaults, NULL, NULL))))
    return rc;
  if (stop_after(&first, rc = adm__cfg_want_type(p, ps, "exemptions", "podSecurity", JSON_OBJECT, "a mapping", &v)))
    return rc;
  if (v && stop_after(&first, rc = parse_exemptions(p, v, "podSecurity.exemptions")))
    return rc;
  if (stop_after(&first,
                 rc = adm__cfg_want_type(p, ps, "namespaces", "podSecurity", JSON_ARRAY, "a list of rules", &v)))
    return rc;
  if (v && stop_after(&first, rc = parse_rules(p, v)))
    return rc;
  stop_after(&first, adm__cfg_get_bool(p, ps, "enforceOnWorkloads", "podSecurity", &p->cfg->enforce_on_workloads));
  return first;
}

static int parse_admitd_policy(struct adm__cfg_parse *p, const json_t *root) {
  static const char *const keys[] = {"apiVersion",      "kind",   "dryRun", "podSecurity", "resources",
                                     "securityContext", "images", NULL};
  int rc;
  const json_t *ps;
  if ((rc = adm__cfg_check_keys(p, root, "", keys)) < 0 ||
      (rc = adm__cfg_get_bool(p, root, "dryRun", "", &p->cfg->dry_run)) < 0 ||
      (rc = adm__cfg_want_type(p, root, "podSecurity", "", JSON_OBJECT, "a mapping", &ps)) < 0)
    return rc;
  /* Each section is checked even after an error in another, so that
   * check-config reports every mistake at once. */
  int first = ps ? parse_pod_security(p, ps) : 0;
  for (int f = ADM__FIRST_RULE_FAMILY; f < ADM__FAMILY_COUNT; f++) {
    rc = adm__cfg_parse_family(p, root, (enum adm_family_id)f);
    if (first == 0)
      first = rc;
  }
  return first;
}

/* Upstream's PodSecurityConfiguration: defaults (enforce, enforce-version, ...) and exemptions. */
static int parse_upstream(struct adm__cfg_parse *p, const json_t *obj, const char *path) {
  static const char *const keys[] = {"apiVersion", "kind", "defaults", "exemptions", NULL};
  static const char *const default_keys[] = {"enforce", "enforce-version", "audit", "audit-version",
                                             "warn",    "warn-version",    NULL};
  int first = 0;
  const json_t *v;
  char sub[128];
  int rc = adm__cfg_check_keys(p, obj, path, keys);
  if (stop_after(&first, rc))
    return rc;
  /* Upstream's own defaults when a key is left out: privileged at latest. */
  for (int m = 0; m < ADM__MODE_COUNT; m++)
    p->cfg->defaults.lv[m] = (struct adm_level_version){ADM_LEVEL_PRIVILEGED, ADM_VERSION_LATEST};
  adm__cfg_join_path(sub, sizeof sub, path, "defaults");
  if (stop_after(&first, rc = adm__cfg_want_type(p, obj, "defaults", path, JSON_OBJECT, "a mapping", &v)))
    return rc;
  if (v && (stop_after(&first, rc = adm__cfg_check_keys(p, v, sub, default_keys)) ||
            stop_after(&first, rc = get_modes(p, v, sub, true, &p->cfg->defaults, NULL, NULL))))
    return rc;
  adm__cfg_join_path(sub, sizeof sub, path, "exemptions");
  if (stop_after(&first, rc = adm__cfg_want_type(p, obj, "exemptions", path, JSON_OBJECT, "a mapping", &v)))
    return rc;
  if (v && stop_after(&first, rc = parse_exemptions(p, v, sub)))
    return rc;
  return first;
}

static bool is_upstream_api(const char *api) {
  return strcmp(api, "pod-security.admission.config.k8s.io/v1") == 0 ||
         strcmp(api, "pod-security.admission.config.k8s.io/v1beta1") == 0 ||
         strcmp(api, "pod-security.admission.config.k8s.io/v1alpha1") == 0;
}

static int parse_admission_configuration(struct adm__cfg_parse *p, const json_t *root) {
  static const char *const keys[] = {"apiVersion", "kind", "plugins", NULL};
  int rc;
  const json_t *plugins;
  if ((rc = adm__cfg_check_keys(p, root, "", keys)) < 0 ||
      (rc = adm__cfg_want_type(p, root, "plugins", "", JSON_ARRAY, "a list", &plugins)) < 0)
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
  return adm__cfg_error_at(p, root, "plugins", 0, "plugins", ADM_EMISSING, "no PodSecurity plugin in the list%s", "");
}

static void set_builtin_defaults(struct adm_config *cfg) {
  cfg->defaults.lv[ADM_MODE_ENFORCE] = (struct adm_level_version){ADM_LEVEL_BASELINE, ADM_VERSION_LATEST};
  cfg->defaults.lv[ADM_MODE_AUDIT] = (struct adm_level_version){ADM_LEVEL_RESTRICTED, ADM_VERSION_LATEST};
  cfg->defaults.lv[ADM_MODE_WARN] = (struct adm_level_version){ADM_LEVEL_RESTRICTED, ADM_VERSION_LATEST};
}

static struct adm_config *config_new(const char *source) {
  struct adm_config *cfg = calloc(1, sizeof *cfg);
  if (cfg == NULL)
    return NULL;
  atomic_init(&cfg->refs, 1);
  cfg->source = adm__cfg_strdup(source);
  set_builtin_defaults(cfg);
  return cfg;
}

struct adm_config *adm_config_default(void) {
  struct adm_config *cfg = config_new("<built-in>");
  if (cfg == NULL)
    return NULL;
  cfg->exempt_namespaces.items = calloc(1, sizeof(char *));
  if (cfg->exempt_namespaces.items && (cfg->exempt_namespaces.items[0] = adm__cfg_strdup("kube-system")) != NULL)
    cfg->exempt_namespaces.n = 1;
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
  const json_t *api = json_object_get(root, "apiVersion"), *kind = json_object_get(root, "kind");
  const char *apis = json_is_string(api) ? json_string_value(api) : "";
  const char *kinds = json_is_string(kind) ? json_string_value(kind) : "";
  if (strcmp(apis, "admitd.io/v1alpha1") == 0 && strcmp(kinds, "Policy") == 0)
    rc = parse_admitd_policy(&p, root);
  else if (is_upstream_api(apis) && strcmp(kinds, "PodSecurityConfiguration") == 0)
    rc = parse_upstream(&p, root, "");
  else if (strncmp(apis, "apiserver.config.k8s.io/", 24) == 0 && strcmp(kinds, "AdmissionConfiguration") == 0)
    rc = parse_admission_configuration(&p, root);
  else
    rc = adm__cfg_error_at(&p, root, api ? "apiVersion" : "kind", 0, "apiVersion", ADM_EINVAL,
                           "unknown document (want apiVersion: admitd.io/v1alpha1 with kind: Policy, or a "
                           "PodSecurityConfiguration)%s",
                           "");
done:
  adm_yaml_docs_free(docs);
  if (rc < 0 && p.n_errors == 0 && report)
    report(ctx, err); /* an error not placed through error_at */
  if (p.n_errors > 0 && rc == 0)
    rc = p.err->code; /* errors reported while parsing went on */
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
  for (size_t i = 0; i < cfg->n_rules; i++)
    adm__cfg_free_names(&cfg->rules[i].names);
  free(cfg->rules);
  adm__cfg_free_names(&cfg->exempt_usernames);
  adm__cfg_free_names(&cfg->exempt_runtime_classes);
  adm__cfg_free_names(&cfg->exempt_namespaces);
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

struct adm_mode_levels adm_config_levels_for(const struct adm_config *cfg, const char *namespace) {
  for (size_t i = 0; i < cfg->n_rules; i++) {
    const struct adm_namespace_rule *r = &cfg->rules[i];
    for (size_t j = 0; j < r->names.n; j++) {
      if (fnmatch(r->names.items[j], namespace ? namespace : "", 0) != 0)
        continue;
      /* Modes the rule leaves out follow the defaults, as they are now. */
      struct adm_mode_levels out = cfg->defaults;
      for (int m = 0; m < ADM__MODE_COUNT; m++) {
        if (r->has_level[m])
          out.lv[m].level = r->levels.lv[m].level;
        if (r->has_version[m])
          out.lv[m].minor = r->levels.lv[m].minor;
      }
      return out;
    }
  }
  return cfg->defaults;
}
