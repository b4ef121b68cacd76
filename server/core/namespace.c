/* Namespace labels as decide reads them (namespace.h): Pod Security's
 * levels from a namespace's pod-security.kubernetes.io labels, exactly as
 * upstream's PolicyToEvaluate (api/helpers.go) reads them, the fixed label
 * source of the offline commands, and the "k=v,..." parser of their flag.
 * Pure: no I/O. */
#include "admitd/namespace.h"

#include <stdio.h>
#include <string.h>

#include "admitd/config.h"
#include "admitd/decide.h"
#include "admitd/error.h"

#define METADATA_NAME_LABEL "kubernetes.io/metadata.name"

static const char *label_value(const struct adm_labels *labels, const char *key) {
  for (size_t i = 0; i < labels->n; i++)
    if (strcmp(labels->keys[i], key) == 0)
      return labels->values[i];
  return NULL;
}

/* Go's %q of a label value: label values that the API server accepted
 * never need more than the quotes, but a hostile one is escaped. */
static void add_quoted(struct adm_sb *sb, const char *s) {
  adm_sb_add(sb, "\"");
  for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
    if (*c == '"' || *c == '\\')
      adm_sb_addf(sb, "\\%c", *c);
    else if (*c < 0x20 || *c == 0x7f)
      adm_sb_addf(sb, "\\x%02x", *c);
    else
      adm_sb_addn(sb, (const char *)c, 1);
  }
  adm_sb_add(sb, "\"");
}

struct label_errors {
  struct adm_sb sb;
  size_t n;
};

/* field.Invalid(metadata.labels[<label>], value, detail).Error(), joined as
 * utilerrors.NewAggregate joins them (the brackets are added at the end). */
static void add_error(struct label_errors *e, const char *label, const char *value, const char *detail) {
  if (e->n++ > 0)
    adm_sb_add(&e->sb, ", ");
  adm_sb_addf(&e->sb, "metadata.labels[%s%s]: Invalid value: ", ADM_PSA_LABEL_PREFIX, label);
  add_quoted(&e->sb, value);
  adm_sb_addf(&e->sb, ": %s", detail);
}

static const char *const level_detail = "must be one of privileged, baseline, restricted";
static const char *const version_detail = "must be \"latest\" or \"v1.x\"";

/* One mode's level label; true when it is given and valid. An invalid
 * level is restricted for enforce and privileged for audit and warn
 * (upstream fails open for those two). */
static bool read_level(const struct adm_labels *labels, enum adm_mode m, struct adm_level_version *lv,
                       struct label_errors *e) {
  char key[64];
  snprintf(key, sizeof key, ADM_PSA_LABEL_PREFIX "%s", adm_mode_name(m));
  const char *v = label_value(labels, key);
  if (v == NULL)
    return false;
  if (adm_level_parse(v, &lv->level) == 0)
    return true;
  lv->level = m == ADM_MODE_ENFORCE ? ADM_LEVEL_RESTRICTED : ADM_LEVEL_PRIVILEGED;
  add_error(e, adm_mode_name(m), v, level_detail);
  return false;
}

/* One mode's version label; true when it is given. An invalid version is
 * latest. */
static bool read_version(const struct adm_labels *labels, enum adm_mode m, struct adm_level_version *lv,
                         struct label_errors *e) {
  char key[64], label[32];
  snprintf(label, sizeof label, "%s-version", adm_mode_name(m));
  snprintf(key, sizeof key, ADM_PSA_LABEL_PREFIX "%s", label);
  const char *v = label_value(labels, key);
  if (v == NULL)
    return false;
  if (adm_version_parse(v, &lv->minor) < 0) {
    lv->minor = ADM_VERSION_LATEST;
    add_error(e, label, v, version_detail);
  }
  return true;
}

struct adm_mode_levels adm_ns_pod_security_levels(const struct adm_labels *labels, struct adm_mode_levels defaults,
                                                  struct adm_arena *a, const char **errors) {
  struct adm_mode_levels p = defaults;
  struct label_errors e = {.n = 0};
  adm_sb_init(&e.sb, a);
  *errors = NULL;
  if (labels->n == 0)
    return p;
  /* Upstream's order: enforce, audit, warn, each level then version. */
  bool has_enforce_level = read_level(labels, ADM_MODE_ENFORCE, &p.lv[ADM_MODE_ENFORCE], &e);
  read_version(labels, ADM_MODE_ENFORCE, &p.lv[ADM_MODE_ENFORCE], &e);
  read_level(labels, ADM_MODE_AUDIT, &p.lv[ADM_MODE_AUDIT], &e);
  read_version(labels, ADM_MODE_AUDIT, &p.lv[ADM_MODE_AUDIT], &e);
  char key[64];
  snprintf(key, sizeof key, ADM_PSA_LABEL_PREFIX "%s", adm_mode_name(ADM_MODE_WARN));
  bool has_warn_level = label_value(labels, key) != NULL; /* given, valid or not */
  read_level(labels, ADM_MODE_WARN, &p.lv[ADM_MODE_WARN], &e);
  bool has_warn_version = read_version(labels, ADM_MODE_WARN, &p.lv[ADM_MODE_WARN], &e);
  /* Warn follows an enforce level set more restrictive than it. */
  if (!has_warn_level && has_enforce_level && p.lv[ADM_MODE_ENFORCE].level > p.lv[ADM_MODE_WARN].level) {
    p.lv[ADM_MODE_WARN].level = p.lv[ADM_MODE_ENFORCE].level;
    if (!has_warn_version)
      p.lv[ADM_MODE_WARN].minor = p.lv[ADM_MODE_ENFORCE].minor;
  }
  if (e.n > 0) {
    const char *joined = adm_sb_str(&e.sb);
    *errors = e.n == 1 || joined == NULL ? joined : adm_arena_printf(a, "[%s]", joined);
    if (*errors == NULL)
      *errors = ""; /* the arena has failed: the request becomes an error answer */
  }
  return p;
}

static void fixed_lookup(void *ctx, const char *namespace, int64_t deadline_ms, struct adm_arena *a,
                         struct adm_ns_view *out) {
  (void)deadline_ms;
  const struct adm_ns_fixed *f = ctx;
  out->state = ADM_NS_KNOWN;
  out->error = NULL;
  out->labels = f->labels;
  if (namespace == NULL || namespace[0] == '\0' || label_value(&f->labels, METADATA_NAME_LABEL) != NULL)
    return;
  size_t n = f->labels.n + 1;
  const char **keys = adm_arena_alloc(a, n * sizeof *keys);
  const char **values = adm_arena_alloc(a, n * sizeof *values);
  if (keys == NULL || values == NULL) {
    out->state = ADM_NS_UNKNOWN;
    out->error = "out of memory";
    return;
  }
  for (size_t i = 0; i < f->labels.n; i++) {
    keys[i] = f->labels.keys[i];
    values[i] = f->labels.values[i];
  }
  keys[n - 1] = METADATA_NAME_LABEL;
  values[n - 1] = namespace;
  out->labels = (struct adm_labels){keys, values, n};
}

void adm_ns_source_fixed(struct adm_ns_fixed *fixed, struct adm_ns_source *out) {
  out->lookup = fixed_lookup;
  out->ctx = fixed;
}

int adm_ns_labels_parse(const char *text, struct adm_arena *a, struct adm_labels *out, const char **why) {
  *out = (struct adm_labels){NULL, NULL, 0};
  *why = NULL;
  size_t cap = 1;
  for (const char *c = text; *c; c++)
    cap += *c == ',';
  const char **keys = adm_arena_alloc(a, cap * sizeof *keys);
  const char **values = adm_arena_alloc(a, cap * sizeof *values);
  if (keys == NULL || values == NULL)
    return ADM_ENOMEM;
  size_t n = 0;
  const char *p = text;
  while (*p) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    const char *eq = memchr(p, '=', len);
    if (eq == NULL) {
      *why = adm_arena_printf(a, "\"%.*s\" is not key=value", (int)len, p);
      return ADM_EINVAL;
    }
    char *k = adm_arena_strndup(a, p, (size_t)(eq - p));
    char *v = adm_arena_strndup(a, eq + 1, len - (size_t)(eq - p) - 1);
    if (k == NULL || v == NULL)
      return ADM_ENOMEM;
    if (!adm_label_key_valid(k)) {
      *why = adm_arena_printf(a, "\"%s\" is not a label key", k);
      return ADM_EINVAL;
    }
    if (!adm_label_value_valid(v)) {
      *why = adm_arena_printf(a, "\"%s\" is not a label value", v);
      return ADM_EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
      if (strcmp(keys[i], k) == 0) {
        *why = adm_arena_printf(a, "label \"%s\" is given twice", k);
        return ADM_EINVAL;
      }
    }
    keys[n] = k;
    values[n] = v;
    n++;
    p += len;
    if (*p == ',')
      p++;
  }
  *out = (struct adm_labels){keys, values, n};
  return 0;
}
