/* The resources, securityContext and images sections of a policy file. Each
 * section is a table of {key, parser, one-line doc}: unknown keys are
 * refused from it, `admitd keys` prints it and hack/verify-docs.sh checks
 * the README against it. Errors do not stop the parse: every mistake of a
 * file is reported (check-config), and any error rejects the file. */
#include <fnmatch.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admitd/config.h"
#include "config_internal.h"

typedef int (*key_parse_fn)(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path, void *field,
                            bool *flag);

#define ERR(p, obj, key, path, code, fmt, arg) adm__cfg_error_at((p), (obj), (key), 0, (path), (code), (fmt), (arg))

static void key_path(char *out, size_t len, const char *path, const char *key) {
  adm__cfg_join_path(out, len, path, key);
}

/* --- value parsers ------------------------------------------------------ */

static int p_string(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path, void *field,
                    bool *flag) {
  (void)flag;
  const json_t *v;
  int rc = adm__cfg_want_type(p, obj, key, path, JSON_STRING, "a string", &v);
  if (rc < 0 || v == NULL)
    return rc;
  if ((*(char **)field = adm__cfg_strdup(json_string_value(v))) == NULL)
    return adm_fail(p->err, ADM_ENOMEM, key, "out of memory");
  return 0;
}

/* A namespaces list given but empty would quietly mean every namespace. */
static int p_namespaces(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path, void *field,
                        bool *flag) {
  (void)flag;
  const json_t *v = json_object_get(obj, key);
  if (json_is_array(v) && json_array_size(v) == 0) {
    char full[200];
    key_path(full, sizeof full, path, key);
    return ERR(p, obj, key, full, ADM_EINVAL, "an empty list; leave the key out to select every namespace%s", "");
  }
  return adm__cfg_get_names(p, obj, key, path, field);
}

static int p_names(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path, void *field,
                   bool *flag) {
  int rc = adm__cfg_get_names(p, obj, key, path, field);
  if (rc == 0 && flag && json_object_get(obj, key))
    *flag = true;
  return rc;
}

/* A list whose every entry must pass valid(); why names what would. */
static int names_checked(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path,
                         struct adm_names *out, bool *flag, bool (*valid)(const char *), const char *why) {
  int rc = p_names(p, obj, key, path, out, flag);
  if (rc < 0)
    return rc;
  const json_t *arr = json_object_get(obj, key);
  for (size_t i = 0; i < out->n; i++) {
    if (!valid(out->items[i])) {
      char full[256];
      snprintf(full, sizeof full, "%s%s%s[%zu]", path, path[0] ? "." : "", key, i);
      rc = adm__cfg_error_at(p, arr, NULL, i, full, ADM_EINVAL, why, out->items[i]);
    }
  }
  return rc;
}

/* cpu, memory, ephemeral-storage, hugepages-<size>, or an extended
 * resource with a domain (nvidia.com/gpu), as the API server accepts them. */
static bool is_resource_name(const char *s) {
  static const char *const native[] = {"cpu", "memory", "ephemeral-storage", NULL};
  for (const char *const *n = native; *n; n++)
    if (strcmp(s, *n) == 0)
      return true;
  if (strncmp(s, "hugepages-", 10) == 0) {
    struct adm_quantity q;
    return adm_quantity_parse(s + 10, &q, NULL) == 0 && !adm_quantity_is_zero(&q) && !q.neg;
  }
  return strchr(s, '/') != NULL && adm_label_key_valid(s) && strncmp(s, "requests.", 9) != 0;
}

static int p_resource_names(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path, void *field,
                            bool *flag) {
  return names_checked(p, obj, key, path, field, flag, is_resource_name,
                       "\"%s\" is not a resource name (want cpu, memory, ephemeral-storage, hugepages-<size> or "
                       "an extended resource such as nvidia.com/gpu)");
}

/* resource: quantity, with quantities as strings or numbers. */
static int p_quantities(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path, void *field,
                        bool *flag) {
  (void)flag;
  const json_t *map;
  int rc = adm__cfg_want_type(p, obj, key, path, JSON_OBJECT, "a mapping of resource names to quantities", &map);
  if (rc < 0 || map == NULL)
    return rc;
  struct adm_quantity_map *out = field;
  size_t n = json_object_size(map);
  out->items = calloc(n ? n : 1, sizeof *out->items);
  if (out->items == NULL)
    return adm_fail(p->err, ADM_ENOMEM, key, "out of memory");
  char base[200];
  key_path(base, sizeof base, path, key);
  const char *name;
  const json_t *v;
  json_object_foreach((json_t *)map, name, v) {
    char full[300];
    key_path(full, sizeof full, base, name);
    char text[64];
    const char *s = NULL;
    if (json_is_string(v)) {
      s = json_string_value(v);
    } else if (json_is_integer(v)) {
      snprintf(text, sizeof text, "%lld", (long long)json_integer_value(v));
      s = text;
    } else if (json_is_real(v)) {
      rc = ERR(p, map, name, full, ADM_ETYPE, "write a decimal quantity as a string (\"0.5\"), got %s",
               adm__cfg_type_name(v));
      continue;
    } else {
      rc = ERR(p, map, name, full, ADM_ETYPE, "expected a quantity, got %s", adm__cfg_type_name(v));
      continue;
    }
    if (!is_resource_name(name)) {
      rc = ERR(p, map, name, full, ADM_EINVAL,
               "\"%s\" is not a resource name (want cpu, memory, ephemeral-storage, hugepages-<size> or an extended "
               "resource such as nvidia.com/gpu)",
               name);
      continue;
    }
    struct adm_quantity_setting *q = &out->items[out->n];
    const char *why = NULL;
    if (adm_quantity_decode(s, &q->value, &why) < 0) {
      char msg[200];
      snprintf(msg, sizeof msg, "\"%.60s\": %s", s, why);
      rc = ERR(p, map, name, full, ADM_EINVAL, "%s", msg);
      continue;
    }
    if (q->value.neg) {
      rc = ERR(p, map, name, full, ADM_EINVAL, "\"%s\" is negative", s);
      continue;
    }
    q->resource = adm__cfg_strdup(name);
    size_t n_text;
    const char *trimmed = adm_quantity_trim(s, &n_text); /* "16Mi" in messages, as decoded */
    q->text = strndup(trimmed, n_text);
    out->n++;
    if (q->resource == NULL || q->text == NULL)
      return adm_fail(p->err, ADM_ENOMEM, key, "out of memory");
  }
  return rc;
}

/* A key whose only meaningful value is `value`: it turns the requirement on. */
static int require_bool(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path, bool *field,
                        bool value) {
  bool v = !value;
  const json_t *given = json_object_get(obj, key);
  int rc = adm__cfg_get_bool(p, obj, key, path, &v);
  if (rc < 0 || given == NULL)
    return rc;
  if (v != value) {
    char full[200];
    key_path(full, sizeof full, path, key);
    return ERR(p, obj, key, full, ADM_EINVAL, "only %s can be required here; leave the key out to allow anything",
               value ? "true" : "false");
  }
  *field = true;
  return 0;
}

static int p_require_true(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path, void *field,
                          bool *flag) {
  (void)flag;
  return require_bool(p, obj, key, path, field, true);
}

static int p_require_false(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path, void *field,
                           bool *flag) {
  (void)flag;
  return require_bool(p, obj, key, path, field, false);
}

static int get_id(struct adm__cfg_parse *p, const json_t *range, const char *key, const char *path, bool *has,
                  int64_t *out) {
  const json_t *v;
  int rc = adm__cfg_want_type(p, range, key, path, JSON_INTEGER, "a whole number", &v);
  if (rc < 0 || v == NULL)
    return rc;
  json_int_t n = json_integer_value(v);
  if (n < 0 || n > INT32_MAX) {
    char full[200];
    key_path(full, sizeof full, path, key);
    return ERR(p, range, key, full, ADM_EINVAL, "an ID is between 0 and 2147483647%s", "");
  }
  *has = true;
  *out = (int64_t)n;
  return 0;
}

static int p_id_range(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path, void *field,
                      bool *flag) {
  (void)flag;
  static const char *const keys[] = {"min", "max", NULL};
  const json_t *range;
  int rc = adm__cfg_want_type(p, obj, key, path, JSON_OBJECT, "a mapping {min, max}", &range);
  if (rc < 0 || range == NULL)
    return rc;
  char full[200];
  key_path(full, sizeof full, path, key);
  struct adm_id_range *r = field;
  rc = adm__cfg_check_keys(p, range, full, keys);
  if (rc >= 0)
    rc = get_id(p, range, "min", full, &r->has_min, &r->min);
  if (rc >= 0)
    rc = get_id(p, range, "max", full, &r->has_max, &r->max);
  if (rc < 0)
    return rc;
  if (r->has_min && r->has_max && r->min > r->max)
    return ERR(p, obj, key, full, ADM_EINVAL, "min is greater than max%s", "");
  r->set = true;
  return 0;
}

static bool is_profile(const char *s) {
  return strcmp(s, "RuntimeDefault") == 0 || strcmp(s, "Unconfined") == 0 ||
         (strncmp(s, "Localhost/", 10) == 0 && s[10] != '\0');
}

static int p_profiles(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path, void *field,
                      bool *flag) {
  return names_checked(p, obj, key, path, field, flag, is_profile,
                       "\"%s\" is not a profile (want RuntimeDefault, Unconfined or Localhost/<profile name glob>)");
}

static bool is_proc_mount(const char *s) {
  return strcmp(s, "Default") == 0 || strcmp(s, "Unmasked") == 0;
}

static int p_proc_mounts(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path, void *field,
                         bool *flag) {
  return names_checked(p, obj, key, path, field, flag, is_proc_mount,
                       "\"%s\" is not a procMount type (want Default or Unmasked)");
}

static bool is_capability(const char *s) {
  if (strcmp(s, "*") == 0)
    return true;
  for (const char *c = s; *c; c++)
    if (!((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_'))
      return false;
  return s[0] != '\0';
}

static int p_capabilities(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path, void *field,
                          bool *flag) {
  return names_checked(p, obj, key, path, field, flag, is_capability,
                       "\"%s\" is not a capability name (upper case, as NET_BIND_SERVICE or ALL; * for any)");
}

static bool is_sysctl_glob(const char *s) {
  for (const char *c = s; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || strchr("._-/*", *c)))
      return false;
  return s[0] != '\0';
}

static int p_sysctls(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path, void *field,
                     bool *flag) {
  return names_checked(p, obj, key, path, field, flag, is_sysctl_glob,
                       "\"%s\" is not a sysctl name or glob (as net.ipv4.* or kernel.shm_rmid_forced)");
}

/* Image patterns, each parsed by the reference grammar (policies/image_ref.c);
 * a bad one is an error naming it and why. An empty list is an error: as
 * allow it would admit no image at all, elsewhere it would do nothing.
 * no_digest: refuse an "@digest" part (requireDigest names images). */
int adm__cfg_image_patterns(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path,
                            struct adm_image_patterns *out, bool no_digest) {
  struct adm_names names = {0};
  int rc = adm__cfg_get_names(p, obj, key, path, &names);
  const json_t *arr = json_object_get(obj, key);
  if (rc == 0 && arr && names.n == 0) {
    char full[200];
    key_path(full, sizeof full, path, key);
    rc = ERR(p, obj, key, full, ADM_EINVAL, "%s",
             strcmp(key, "allow") == 0 ? "an empty allow list admits no image; leave the key out to allow any"
                                       : "an empty list has no effect; leave the key out");
  }
  if (names.n && (out->items = calloc(names.n, sizeof *out->items)) == NULL) {
    adm__cfg_free_names(&names);
    return adm_fail(p->err, ADM_ENOMEM, key, "out of memory");
  }
  for (size_t i = 0; i < names.n; i++) {
    struct adm_image_pattern_setting *ps = &out->items[out->n];
    const char *why = NULL;
    char full[256];
    snprintf(full, sizeof full, "%s%s%s[%zu]", path, path[0] ? "." : "", key, i);
    if (adm_image_pattern_parse(names.items[i], &ps->pattern, &why) < 0) {
      char msg[200];
      snprintf(msg, sizeof msg, "\"%.80s\" is not an image pattern: %s", names.items[i], why);
      rc = adm__cfg_error_at(p, arr, NULL, i, full, ADM_EINVAL, "%s", msg);
      continue;
    }
    if (no_digest && ps->pattern.has_digest) {
      rc = adm__cfg_error_at(p, arr, NULL, i, full, ADM_EINVAL,
                             "\"%s\": a requireDigest pattern names images, not digests; drop the @ part",
                             names.items[i]);
      continue;
    }
    ps->text = names.items[i];
    names.items[i] = NULL;
    out->n++;
  }
  adm__cfg_free_names(&names);
  return rc;
}

static int p_image_patterns(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path, void *field,
                            bool *flag) {
  (void)flag;
  return adm__cfg_image_patterns(p, obj, key, path, field, false);
}

static int p_digest_patterns(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path,
                             void *field, bool *flag) {
  (void)flag;
  return adm__cfg_image_patterns(p, obj, key, path, field, true);
}

static int p_tag_globs(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path, void *field,
                       bool *flag) {
  struct adm_names *out = field;
  int rc = p_names(p, obj, key, path, out, flag);
  if (rc < 0)
    return rc;
  const json_t *arr = json_object_get(obj, key);
  if (arr && out->n == 0) {
    char full[200];
    key_path(full, sizeof full, path, key);
    return ERR(p, obj, key, full, ADM_EINVAL,
               "an empty list allows no tag; to require digests write requireDigest: [\"**\"]%s", "");
  }
  for (size_t i = 0; i < out->n; i++) {
    const char *why = NULL;
    if (adm_image_tag_pattern_check(out->items[i], &why) < 0) {
      char full[256], msg[200];
      snprintf(full, sizeof full, "%s%s%s[%zu]", path, path[0] ? "." : "", key, i);
      snprintf(msg, sizeof msg, "\"%.80s\" is not a tag glob: %s (tag characters [A-Za-z0-9_.-] and *)", out->items[i],
               why);
      rc = adm__cfg_error_at(p, arr, NULL, i, full, ADM_EINVAL, "%s", msg);
    }
  }
  return rc;
}

static int parse_mode(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path,
                      enum adm_mode *out, bool *has) {
  const json_t *v;
  int rc = adm__cfg_want_type(p, obj, key, path, JSON_STRING, "enforce, warn or audit", &v);
  if (rc < 0 || v == NULL)
    return rc;
  static const struct {
    const char *name;
    enum adm_mode mode;
  } modes[] = {{"enforce", ADM_MODE_ENFORCE}, {"warn", ADM_MODE_WARN}, {"audit", ADM_MODE_AUDIT}};
  for (size_t i = 0; i < 3; i++) {
    if (strcmp(json_string_value(v), modes[i].name) == 0) {
      *out = modes[i].mode;
      if (has)
        *has = true;
      return 0;
    }
  }
  char full[200];
  key_path(full, sizeof full, path, key);
  return ERR(p, obj, key, full, ADM_EINVAL, "unknown mode \"%s\" (want enforce, warn or audit)", json_string_value(v));
}

static int p_mode(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path, void *field,
                  bool *flag) {
  return parse_mode(p, obj, key, path, field, flag);
}

/* A label selector: matchLabels and matchExpressions, as Kubernetes'. */
static int selector_add(struct adm__cfg_parse *p, struct adm_label_selector *r, const char *key,
                        enum adm_selector_op op, const char *const *values, size_t n) {
  struct adm_label_requirement *reqs = realloc(r->reqs, (r->n + 1) * sizeof *reqs);
  if (reqs == NULL)
    return adm_fail(p->err, ADM_ENOMEM, "selector", "out of memory");
  r->reqs = reqs;
  char **copy = calloc(n ? n : 1, sizeof *copy);
  char *k = adm__cfg_strdup(key);
  if (copy == NULL || k == NULL) {
    free(copy);
    free(k);
    return adm_fail(p->err, ADM_ENOMEM, "selector", "out of memory");
  }
  reqs[r->n++] = (struct adm_label_requirement){k, op, (const char *const *)copy, 0};
  for (size_t i = 0; i < n; i++) {
    if ((copy[i] = adm__cfg_strdup(values[i])) == NULL)
      return adm_fail(p->err, ADM_ENOMEM, "selector", "out of memory");
    reqs[r->n - 1].n_values++;
  }
  return 0;
}

static int parse_expression(struct adm__cfg_parse *p, const json_t *arr, size_t i, const char *path,
                            struct adm_label_selector *r) {
  static const char *const keys[] = {"key", "operator", "values", NULL};
  const json_t *e = json_array_get(arr, i);
  char full[320];
  snprintf(full, sizeof full, "%s[%zu]", path, i);
  if (!json_is_object(e))
    return adm__cfg_error_at(p, arr, NULL, i, full, ADM_ETYPE, "expected a mapping, got %s", adm__cfg_type_name(e));
  int rc;
  const json_t *k, *op;
  struct adm_names values = {0};
  rc = adm__cfg_check_keys(p, e, full, keys);
  if (rc >= 0)
    rc = adm__cfg_want_type(p, e, "key", full, JSON_STRING, "a label key", &k);
  if (rc >= 0)
    rc = adm__cfg_want_type(p, e, "operator", full, JSON_STRING, "In, NotIn, Exists or DoesNotExist", &op);
  if (rc >= 0)
    rc = adm__cfg_get_names(p, e, "values", full, &values);
  if (rc < 0)
    goto done;
  enum adm_selector_op o;
  if (k == NULL || op == NULL) {
    rc = adm__cfg_error_at(p, arr, NULL, i, full, ADM_EMISSING, "an expression needs key and operator%s", "");
  } else if (!adm_label_key_valid(json_string_value(k))) {
    rc = ERR(p, e, "key", full, ADM_EINVAL, "\"%s\" is not a label key", json_string_value(k));
  } else if (adm_selector_op_parse(json_string_value(op), &o) < 0) {
    rc = ERR(p, e, "operator", full, ADM_EINVAL, "unknown operator \"%s\" (want In, NotIn, Exists or DoesNotExist)",
             json_string_value(op));
  } else if ((o == ADM_SEL_IN || o == ADM_SEL_NOT_IN) && values.n == 0) {
    rc = ERR(p, e, "operator", full, ADM_EINVAL, "%s needs a non-empty values list", json_string_value(op));
  } else if ((o == ADM_SEL_EXISTS || o == ADM_SEL_DOES_NOT_EXIST) && values.n > 0) {
    rc = ERR(p, e, "values", full, ADM_EINVAL, "%s takes no values", json_string_value(op));
  } else {
    for (size_t v = 0; v < values.n; v++) {
      if (!adm_label_value_valid(values.items[v])) {
        char vp[400];
        snprintf(vp, sizeof vp, "%s.values[%zu]", full, v);
        rc = adm__cfg_error_at(p, json_object_get(e, "values"), NULL, v, vp, ADM_EINVAL, "\"%s\" is not a label value",
                               values.items[v]);
        goto done;
      }
    }
    rc = selector_add(p, r, json_string_value(k), o, (const char *const *)values.items, values.n);
  }
done:
  adm__cfg_free_names(&values);
  return rc;
}

static int p_selector(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path, void *field,
                      bool *flag) {
  (void)flag;
  static const char *const keys[] = {"matchLabels", "matchExpressions", NULL};
  struct adm_label_selector *r = field;
  const json_t *sel, *labels, *exprs;
  int rc = adm__cfg_want_type(p, obj, key, path, JSON_OBJECT, "a label selector", &sel);
  if (rc < 0 || sel == NULL)
    return rc;
  char full[200], sub[256];
  key_path(full, sizeof full, path, key);
  rc = adm__cfg_check_keys(p, sel, full, keys);
  if (rc >= 0)
    rc = adm__cfg_want_type(p, sel, "matchLabels", full, JSON_OBJECT, "a mapping of labels", &labels);
  if (rc >= 0)
    rc = adm__cfg_want_type(p, sel, "matchExpressions", full, JSON_ARRAY, "a list of expressions", &exprs);
  if (rc < 0)
    return rc;
  const char *k;
  const json_t *v;
  key_path(sub, sizeof sub, full, "matchLabels");
  json_object_foreach((json_t *)labels, k, v) {
    char kp[320];
    key_path(kp, sizeof kp, sub, k);
    if (!json_is_string(v))
      rc = ERR(p, labels, k, kp, ADM_ETYPE, "expected a label value (a string), got %s", adm__cfg_type_name(v));
    else if (!adm_label_key_valid(k))
      rc = ERR(p, labels, k, kp, ADM_EINVAL, "\"%s\" is not a label key", k);
    else if (!adm_label_value_valid(json_string_value(v)))
      rc = ERR(p, labels, k, kp, ADM_EINVAL, "\"%s\" is not a label value", json_string_value(v));
    else {
      const char *value = json_string_value(v);
      int r2 = selector_add(p, r, k, ADM_SEL_IN, &value, 1);
      if (r2 < 0)
        return r2;
    }
  }
  key_path(sub, sizeof sub, full, "matchExpressions");
  for (size_t i = 0; exprs && i < json_array_size(exprs); i++) {
    int r2 = parse_expression(p, exprs, i, sub, r);
    if (r2 < 0)
      rc = r2;
  }
  return rc;
}

/* --- the key tables ------------------------------------------------------- */

static int p_verify(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path, void *field,
                    bool *flag) {
  (void)flag;
  return adm__cfg_parse_verify(p, obj, key, path, field);
}

/* Each key type's parser (family.h lists the types; the keys are the
 * families' own, in policies/families.c). */
static const key_parse_fn parsers[] = {
    [ADM_KEY_STRING] = p_string,
    [ADM_KEY_NAMESPACES] = p_namespaces,
    [ADM_KEY_NAMES] = p_names,
    [ADM_KEY_SELECTOR] = p_selector,
    [ADM_KEY_MODE] = p_mode,
    [ADM_KEY_RESOURCE_NAMES] = p_resource_names,
    [ADM_KEY_QUANTITIES] = p_quantities,
    [ADM_KEY_TRUE] = p_require_true,
    [ADM_KEY_FALSE] = p_require_false,
    [ADM_KEY_ID_RANGE] = p_id_range,
    [ADM_KEY_CAPABILITIES] = p_capabilities,
    [ADM_KEY_PROFILES] = p_profiles,
    [ADM_KEY_PROC_MOUNTS] = p_proc_mounts,
    [ADM_KEY_SYSCTLS] = p_sysctls,
    [ADM_KEY_IMAGE_PATTERNS] = p_image_patterns,
    [ADM_KEY_DIGEST_PATTERNS] = p_digest_patterns,
    [ADM_KEY_TAG_GLOBS] = p_tag_globs,
    [ADM_KEY_VERIFY] = p_verify,
};

#define RULE_FIELD(f) offsetof(struct adm_family_rule, f)

/* The keys every family's rules share: where a rule applies and its mode. */
static const struct adm_key_spec common_keys[] = {
    {"name", ADM_KEY_STRING, RULE_FIELD(name), ADM_KEY_NO_FLAG, true, "a name for the rule, used in messages"},
    {"namespaces", ADM_KEY_NAMESPACES, RULE_FIELD(namespaces), ADM_KEY_NO_FLAG, true,
     "namespaces the rule applies to, exact or glob; none: every namespace"},
    {"excludeNamespaces", ADM_KEY_NAMES, RULE_FIELD(exclude_namespaces), ADM_KEY_NO_FLAG, true,
     "namespaces it never applies to"},
    {"selector", ADM_KEY_SELECTOR, RULE_FIELD(selector), ADM_KEY_NO_FLAG, true,
     "matchLabels / matchExpressions (In, NotIn, Exists, DoesNotExist) on the pod's or template's labels"},
    {"namespaceSelector", ADM_KEY_SELECTOR, RULE_FIELD(namespace_selector), ADM_KEY_NO_FLAG, true,
     "matchLabels / matchExpressions on the labels of the namespace, read from the API server"},
    {"mode", ADM_KEY_MODE, RULE_FIELD(mode), RULE_FIELD(has_mode), true,
     "enforce, warn or audit; default: the family's"},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* base: the struct the key's offsets are into (the rule for the common
 * keys, its settings for its family's keys). */
static int parse_key(struct adm__cfg_parse *p, const json_t *obj, const char *path, const struct adm_key_spec *k,
                     void *base) {
  void *field = (char *)base + k->offset;
  bool *flag = k->flag_offset == ADM_KEY_NO_FLAG ? NULL : (bool *)((char *)base + k->flag_offset);
  return parsers[k->type](p, obj, k->key, path, field, flag);
}

/* The key types whose value is a struct adm_names. */
static bool names_type(enum adm_key_type t) {
  switch (t) {
  case ADM_KEY_NAMES:
  case ADM_KEY_NAMESPACES:
  case ADM_KEY_RESOURCE_NAMES:
  case ADM_KEY_CAPABILITIES:
  case ADM_KEY_PROFILES:
  case ADM_KEY_PROC_MOUNTS:
  case ADM_KEY_SYSCTLS:
  case ADM_KEY_TAG_GLOBS:
    return true;
  default:
    return false;
  }
}

/* Whether a rule gave the key a value that requires something. */
static bool key_is_set(const struct adm_key_spec *k, const void *base) {
  const char *field = (const char *)base + k->offset;
  if (k->flag_offset != ADM_KEY_NO_FLAG)
    return *(const bool *)((const char *)base + k->flag_offset);
  switch (k->type) {
  case ADM_KEY_TRUE:
  case ADM_KEY_FALSE:
    return *(const bool *)field;
  case ADM_KEY_ID_RANGE:
    return ((const struct adm_id_range *)field)->set;
  case ADM_KEY_QUANTITIES:
    return ((const struct adm_quantity_map *)field)->n != 0;
  case ADM_KEY_IMAGE_PATTERNS:
  case ADM_KEY_DIGEST_PATTERNS:
    return ((const struct adm_image_patterns *)field)->n != 0;
  case ADM_KEY_VERIFY:
    return ((const struct adm_images_verify *)field)->set;
  default:
    return names_type(k->type) && ((const struct adm_names *)field)->n != 0;
  }
}

/* Whether any requirement is configured (a rule with none has no effect). */
static bool rule_has_effect(const struct adm_family_rule *r) {
  const struct adm_family *fam = &adm_families[r->settings.family];
  for (size_t k = 0; k < fam->n_rule_keys; k++)
    if (!fam->rule_keys[k].modifier && key_is_set(&fam->rule_keys[k], &r->settings))
      return true;
  return false;
}

struct contradiction_ctx {
  struct adm__cfg_parse *p;
  const json_t *obj;
  const char *path;
  int rc;
};

static void report_contradiction(void *ctx, const char *key, const char *entry, const char *message) {
  struct contradiction_ctx *c = ctx;
  char full[256];
  snprintf(full, sizeof full, "%s.%s.%s", c->path, key, entry);
  c->rc = adm__cfg_error_at(c->p, json_object_get(c->obj, key), entry, 0, full, ADM_EINVAL, "%s", message);
}

static int parse_rule(struct adm__cfg_parse *p, enum adm_family_id f, const json_t *arr, size_t i, const char *section,
                      struct adm_family_rule *r) {
  const json_t *obj = json_array_get(arr, i);
  char path[128];
  snprintf(path, sizeof path, "%s.rules[%zu]", section, i);
  r->settings.family = f;
  unsigned col;
  adm_yaml_mark_find(p->docs, arr, NULL, i, &r->line, &col);
  if (!json_is_object(obj))
    return adm__cfg_error_at(p, arr, NULL, i, path, ADM_ETYPE, "expected a mapping, got %s", adm__cfg_type_name(obj));
  const struct adm_family *fam = &adm_families[f];
  /* Unknown keys first, against both tables. */
  int rc = 0;
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)obj, key, v) {
    bool known = false;
    for (size_t k = 0; k < N(common_keys) && !known; k++)
      known = strcmp(common_keys[k].key, key) == 0;
    for (size_t k = 0; k < fam->n_rule_keys && !known; k++)
      known = strcmp(fam->rule_keys[k].key, key) == 0;
    if (!known) {
      char full[256];
      key_path(full, sizeof full, path, key);
      rc = ERR(p, obj, key, full, ADM_EUNKNOWN_KEY, "unknown key%s", "");
    }
  }
  for (size_t k = 0; k < N(common_keys); k++) {
    int r2 = parse_key(p, obj, path, &common_keys[k], r);
    if (r2 < 0)
      rc = r2;
  }
  for (size_t k = 0; k < fam->n_rule_keys; k++) {
    int r2 = parse_key(p, obj, path, &fam->rule_keys[k], &r->settings);
    if (r2 < 0)
      rc = r2;
  }
  if (fam->contradictions) {
    struct contradiction_ctx c = {p, obj, path, 0};
    fam->contradictions(&r->settings, report_contradiction, &c);
    if (c.rc < 0)
      rc = c.rc;
  }
  if (rc == 0 && !rule_has_effect(r))
    rc = adm__cfg_error_at(p, arr, NULL, i, path, ADM_EMISSING,
                           "the rule has no effect: give at least one requirement (see `admitd keys`)%s", "");
  return rc;
}

static int p_section_mode(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path,
                          const struct adm__cfg_key *k, void *field, bool *flag) {
  (void)k;
  return parse_mode(p, obj, key, path, field, flag);
}

static int p_workloads(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path,
                       const struct adm__cfg_key *k, void *field, bool *flag) {
  (void)k;
  (void)flag;
  const json_t *v;
  int rc = adm__cfg_want_type(p, obj, key, path, JSON_STRING, "enforce, warn or ignore", &v);
  if (rc < 0 || v == NULL)
    return rc;
  static const char *const names[] = {"enforce", "warn", "ignore"};
  for (int i = 0; i < 3; i++) {
    if (strcmp(json_string_value(v), names[i]) == 0) {
      *(enum adm_workloads_mode *)field = (enum adm_workloads_mode)i;
      return 0;
    }
  }
  char full[200];
  key_path(full, sizeof full, path, key);
  return ERR(p, obj, key, full, ADM_EINVAL, "unknown value \"%s\" (want enforce, warn or ignore)",
             json_string_value(v));
}

#define SECTION_FIELD(f) offsetof(struct adm_family_config, f)

/* Every family's section; the images section has keys of its own besides
 * (adm__cfg_images_section). */
static const struct adm__cfg_key family_section_keys[] = {
    {.key = "mode",
     .parse = p_section_mode,
     .offset = SECTION_FIELD(mode),
     .doc = "enforce, warn or audit: the default for the family's rules (default enforce)"},
    {.key = "workloads",
     .parse = p_workloads,
     .offset = SECTION_FIELD(workloads),
     .doc = "enforce, warn or ignore: how pod templates of workloads are judged (default enforce)"},
    {.key = "rules", .list = true, .family_rules = true},
};

enum { SECTION_RULES = 2 };

const struct adm__cfg_table adm__cfg_family_section = {family_section_keys, N(family_section_keys), NULL};

int adm__cfg_parse_family(struct adm__cfg_parse *p, const json_t *root, enum adm_family_id f,
                          const struct adm__cfg_table *section_keys, adm__cfg_section_fn own) {
  const char *section = adm_family_name(f);
  const char *rules_key = family_section_keys[SECTION_RULES].key;
  struct adm_family_config *fc = &p->cfg->families[f];
  const json_t *sec, *rules;
  int rc = adm__cfg_want_type(p, root, section, "", JSON_OBJECT, "a mapping", &sec);
  if (rc < 0 || sec == NULL)
    return rc;
  fc->configured = true;
  fc->mode = ADM_MODE_ENFORCE;
  fc->workloads = adm_families[f].workloads;
  int r1 = adm__cfg_check_table(p, sec, section, section_keys, ADM__CFG_ADMITD);
  if (own) {
    int r0 = own(p, sec);
    if (r1 == 0)
      r1 = r0;
  }
  int r2 = adm__cfg_parse_table(p, sec, section, &adm__cfg_family_section, fc, NULL, ADM__CFG_ADMITD, NULL);
  rc = r1 < 0 ? r1 : r2;
  int r4 = adm__cfg_want_type(p, sec, rules_key, section, JSON_ARRAY, "a list of rules", &rules);
  if (r4 < 0)
    return r4;
  if (rules == NULL || json_array_size(rules) == 0)
    return adm__cfg_error_at(p, root, section, 0, section, ADM_EMISSING,
                             "a family needs rules: [...] (leave the section out to turn it off)%s", "");
  size_t n = json_array_size(rules);
  fc->rules = calloc(n, sizeof *fc->rules);
  if (fc->rules == NULL)
    return adm_fail(p->err, ADM_ENOMEM, section, "out of memory");
  for (size_t i = 0; i < n; i++) {
    int r5 = parse_rule(p, f, rules, i, section, &fc->rules[fc->n_rules++]);
    if (r5 < 0)
      rc = r5;
  }
  return rc;
}

static void free_quantities(struct adm_quantity_map *m) {
  for (size_t i = 0; i < m->n; i++) {
    free(m->items[i].resource);
    free(m->items[i].text);
  }
  free(m->items);
}

static void free_patterns(struct adm_image_patterns *l) {
  for (size_t i = 0; i < l->n; i++)
    free(l->items[i].text);
  free(l->items);
}

static void free_selector(struct adm_label_selector *sel) {
  for (size_t i = 0; i < sel->n; i++) {
    free((char *)sel->reqs[i].key);
    for (size_t j = 0; j < sel->reqs[i].n_values; j++)
      free((char *)sel->reqs[i].values[j]);
    free((char **)sel->reqs[i].values);
  }
  free(sel->reqs);
}

/* Free what a key's parser allocated. */
static void free_key(const struct adm_key_spec *k, void *base) {
  char *field = (char *)base + k->offset;
  switch (k->type) {
  case ADM_KEY_STRING:
    free(*(char **)field);
    break;
  case ADM_KEY_QUANTITIES:
    free_quantities((struct adm_quantity_map *)field);
    break;
  case ADM_KEY_IMAGE_PATTERNS:
  case ADM_KEY_DIGEST_PATTERNS:
    free_patterns((struct adm_image_patterns *)field);
    break;
  case ADM_KEY_VERIFY:
    adm__cfg_free_verify((struct adm_images_verify *)field);
    break;
  case ADM_KEY_SELECTOR:
    free_selector((struct adm_label_selector *)field);
    break;
  case ADM_KEY_MODE:
  case ADM_KEY_TRUE:
  case ADM_KEY_FALSE:
  case ADM_KEY_ID_RANGE:
    break;
  default:
    if (names_type(k->type))
      adm__cfg_free_names((struct adm_names *)field);
    break;
  }
}

static void free_rule(struct adm_family_rule *r) {
  for (size_t k = 0; k < N(common_keys); k++)
    free_key(&common_keys[k], r);
  /* A rule whose parse never started is of family 0, which has no rule keys. */
  const struct adm_family *fam = &adm_families[r->settings.family];
  for (size_t k = 0; k < fam->n_rule_keys; k++)
    free_key(&fam->rule_keys[k], &r->settings);
}

void adm__cfg_free_families(struct adm_config *cfg) {
  for (int f = 0; f < ADM__FAMILY_COUNT; f++) {
    for (size_t i = 0; i < cfg->families[f].n_rules; i++)
      free_rule(&cfg->families[f].rules[i]);
    free(cfg->families[f].rules);
  }
  adm__cfg_free_images(cfg);
}

void adm__cfg_rule_keys_print(FILE *out, const char *prefix, const struct adm_family *fam) {
  for (size_t k = 0; k < N(common_keys); k++)
    fprintf(out, "%s%s\t%s\n", prefix, common_keys[k].key, common_keys[k].doc);
  for (size_t k = 0; k < fam->n_rule_keys; k++) {
    const struct adm_key_spec *spec = &fam->rule_keys[k];
    fprintf(out, "%s%s\t%s\n", prefix, spec->key, spec->doc);
    if (spec->type == ADM_KEY_VERIFY) {
      char sub[200];
      snprintf(sub, sizeof sub, "%s%s.", prefix, spec->key);
      adm__cfg_table_print(out, sub, &adm__cfg_verify_keys, fam);
    }
  }
}
