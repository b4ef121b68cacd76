/* Namespace labels as decide reads them (namespace.h): Pod Security's
 * levels from a namespace's pod-security.kubernetes.io labels, exactly as
 * upstream's PolicyToEvaluate (api/helpers.go) reads them, the fixed label
 * source of the offline commands, the "k=v,..." parser of their flag, and
 * what upstream checks of a Namespace request (namespace_internal.h).
 * Pure: no I/O. */
#include "admitd/namespace.h"

#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include "admitd/config.h"
#include "admitd/decide.h"
#include "admitd/error.h"
#include "admitd/extract.h"
#include "admitd/verifier.h"
#include "namespace_internal.h"

#define METADATA_NAME_LABEL "kubernetes.io/metadata.name"

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
  const char *v = adm_labels_get(labels, key);
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
  const char *v = adm_labels_get(labels, key);
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
  bool has_warn_level = adm_labels_get(labels, key) != NULL; /* given, valid or not */
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
  if (f->error) {
    *out = (struct adm_ns_view){ADM_NS_UNKNOWN, {NULL, NULL, 0}, f->error};
    return;
  }
  out->state = ADM_NS_KNOWN;
  out->error = NULL;
  out->labels = f->labels;
  if (namespace == NULL || namespace[0] == '\0' || adm_labels_get(&f->labels, METADATA_NAME_LABEL) != NULL)
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
  /* It knows no pods: a namespace update says it could not check them. */
  *out = (struct adm_ns_source){.lookup = fixed_lookup, .list_pods = NULL, .ctx = fixed};
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

/* --- namespace requests ---------------------------------------------------- */

int adm__ns_object_labels(const json_t *obj, struct adm_arena *a, struct adm_labels *out) {
  const json_t *meta = json_is_object(obj) ? json_object_get(obj, "metadata") : NULL;
  const json_t *labels = json_is_object(meta) ? json_object_get(meta, "labels") : NULL;
  if (!json_is_object(obj) || (meta && !json_is_object(meta)) ||
      (labels && !json_is_null(labels) && !json_is_object(labels)))
    return ADM_ETYPE;
  size_t cap = json_is_object(labels) && json_object_size(labels) ? json_object_size(labels) : 1, n = 0;
  const char **keys = adm_arena_alloc(a, cap * sizeof *keys), **values = adm_arena_alloc(a, cap * sizeof *values);
  if (keys == NULL || values == NULL)
    return ADM_ENOMEM;
  const char *k;
  const json_t *v;
  if (json_is_object(labels)) {
    json_object_foreach((json_t *)labels, k, v) {
      if (!json_is_string(v))
        return ADM_ETYPE; /* labels are strings: a Namespace upstream could not decode */
      keys[n] = k;
      values[n++] = json_string_value(v);
    }
  }
  *out = (struct adm_labels){keys, values, n};
  return 0;
}

static bool lv_equivalent(struct adm_level_version x, struct adm_level_version y) {
  return (x.level == ADM_LEVEL_PRIVILEGED && y.level == ADM_LEVEL_PRIVILEGED) ||
         (x.level == y.level && x.minor == y.minor);
}

const char *adm__ns_exempt_warning(const char *name, const struct adm_mode_levels *p,
                                   const struct adm_mode_levels *defaults, const struct adm_labels *labels,
                                   struct adm_arena *a) {
  bool privileged = true, equivalent = true;
  for (int m = 0; m < ADM__MODE_COUNT; m++) {
    privileged &= p->lv[m].level == ADM_LEVEL_PRIVILEGED;
    equivalent &= lv_equivalent(p->lv[m], defaults->lv[m]);
  }
  if (privileged || equivalent)
    return NULL;
  /* Upstream's order of the modes here: enforce, audit, warn. */
  static const enum adm_mode order[] = {ADM_MODE_ENFORCE, ADM_MODE_AUDIT, ADM_MODE_WARN};
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  size_t listed = 0;
  for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
    enum adm_mode m = order[i];
    char key[64], vkey[80], lvbuf[64];
    snprintf(key, sizeof key, ADM_PSA_LABEL_PREFIX "%s", adm_mode_name(m));
    snprintf(vkey, sizeof vkey, "%s-version", key);
    if (p->lv[m].level == ADM_LEVEL_PRIVILEGED ||
        (adm_labels_get(labels, key) == NULL && adm_labels_get(labels, vkey) == NULL))
      continue;
    adm_sb_addf(&sb, "%s%s=%s", listed++ ? ", " : "", adm_mode_name(m),
                adm_level_version_format(p->lv[m], lvbuf, sizeof lvbuf));
  }
  const char *modes = adm_sb_str(&sb);
  return modes
             ? adm_arena_printf(a, "namespace \"%s\" is exempt from Pod Security, and the policy (%s) will be ignored",
                                name, modes)
             : NULL;
}

struct adm__pod_warning {
  const char *reason;
  char *first_pod; /* the smallest name so far, in first_cap bytes */
  size_t first_cap, count;
};

void adm__ns_pods_init(struct adm__ns_pods *p, const struct adm_config *cfg, struct adm_level_version enforce,
                       int64_t deadline_ms, struct adm_arena *a) {
  *p = (struct adm__ns_pods){.cfg = cfg, .enforce = enforce, .deadline_ms = deadline_ms, .a = a};
}

/* name into w's room, grown by doubling: pods come in any order, and a
 * copy for each smaller name would grow with the list. False when the
 * arena has failed (w keeps the name it had). */
static bool keep_name(struct adm__ns_pods *p, struct adm__pod_warning *w, const char *name) {
  size_t n = strlen(name) + 1;
  if (n > w->first_cap) {
    size_t cap = n > 2 * w->first_cap ? n : 2 * w->first_cap;
    char *room = adm_arena_alloc(p->a, cap);
    if (room == NULL)
      return false;
    w->first_pod = room;
    w->first_cap = cap;
  }
  memcpy(w->first_pod, name, n);
  return true;
}

/* Its reasons, "privileged, host namespaces", as upstream's ForbiddenReason. */
static void note_pod(struct adm__ns_pods *p, const char *name, const char *reason) {
  size_t w = 0;
  while (w < p->n_found && strcmp(p->found[w].reason, reason) != 0)
    w++;
  if (w < p->n_found) {
    p->found[w].count++;
    if (strcmp(name, p->found[w].first_pod) < 0)
      keep_name(p, &p->found[w], name); /* on failure the answer is an error */
    return;
  }
  struct adm__pod_warning *grown = adm_arena_grow(p->a, p->found, p->n_found, &p->cap_found, sizeof *grown, 8);
  const char *r = adm_arena_strdup(p->a, reason);
  if (grown == NULL || r == NULL)
    return; /* the arena has failed: the answer is an error */
  p->found = grown;
  struct adm__pod_warning fresh = {.reason = r, .count = 1};
  if (keep_name(p, &fresh, name))
    p->found[p->n_found++] = fresh;
}

int adm__ns_pods_add(struct adm__ns_pods *p, const json_t *obj) {
  const json_t *rc = json_object_get(json_object_get(obj, "spec"), "runtimeClassName");
  if (json_is_string(rc) && adm_names_contains(&p->cfg->pod_security.exempt_runtime_classes, json_string_value(rc)))
    return 0;
  p->checked++;
  /* Each pod in its own scratch arena: only new reasons are kept. */
  struct adm_arena scratch;
  adm_arena_init(&scratch, 16384, 8u << 20);
  struct adm_pod pod;
  struct adm_error err = {0};
  struct adm_evaluation ev;
  if (adm_extract_pod(obj, &scratch, &pod, &err) == 0) {
    adm_evaluate(adm_registry_default(), p->enforce, &pod, &scratch, &ev);
    if (!ev.allowed) {
      struct adm_sb sb;
      adm_sb_init(&sb, &scratch);
      for (size_t i = 0; i < ev.n_failed; i++)
        adm_sb_addf(&sb, "%s%s", i ? ", " : "", ev.failed[i].reason);
      const char *reason = adm_sb_str(&sb);
      const char *name = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
      if (reason)
        note_pod(p, name ? name : "", reason);
    }
  }
  adm_arena_free(&scratch);
  p->out_of_time = adm_verifier_now_ms() >= p->deadline_ms;
  return p->out_of_time ? 1 : 0;
}

/* A NULL (its allocation failed, and so the answer will) sorts first. */
static int warning_cmp(const void *x, const void *y) {
  const char *p = *(const char *const *)x, *q = *(const char *const *)y;
  return strcmp(p ? p : "", q ? q : "");
}

size_t adm__ns_pods_warnings(const struct adm__ns_pods *p, const char *namespace, bool more, const char **out,
                             size_t max_out) {
  size_t k = 0;
  char lvbuf[64];
  if (max_out < 2)
    return 0;
  /* Upstream knows how many pods there are; a listing that stops does not. */
  if (more || p->out_of_time)
    out[k++] = adm_arena_printf(p->a, "new PodSecurity enforce level only checked against the first %zu existing pods",
                                p->checked);
  if (p->n_found > 0)
    out[k++] =
        adm_arena_printf(p->a, "existing pods in namespace \"%s\" violate the new PodSecurity enforce level \"%s\"",
                         namespace, adm_level_version_format(p->enforce, lvbuf, sizeof lvbuf));
  size_t first_pod = k;
  for (size_t w = 0; w < p->n_found && k < max_out; w++) {
    const struct adm__pod_warning *f = &p->found[w];
    if (f->count == 1)
      out[k++] = adm_arena_printf(p->a, "%s: %s", f->first_pod, f->reason);
    else if (f->count == 2)
      out[k++] = adm_arena_printf(p->a, "%s (and 1 other pod): %s", f->first_pod, f->reason);
    else
      out[k++] = adm_arena_printf(p->a, "%s (and %zu other pods): %s", f->first_pod, f->count - 1, f->reason);
  }
  qsort(out + first_pod, k - first_pod, sizeof *out, warning_cmp);
  return k;
}
