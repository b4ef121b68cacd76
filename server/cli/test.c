/* `admitd test PATH...`: policy test suites (kind Test). Each case is a
 * manifest wrapped as the API server would send it, or a recorded
 * AdmissionReview, judged in-process by adm_pipeline_run under the suite's
 * policy, and compared with what the case expects. Only the pipeline's
 * decision is read, so every policy family is covered as it is added.
 * Owns the suite format, its errors (file:line:col) and the three reports
 * (text, JSON, JUnit XML); must not know any family's checks. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admitd/cli.h"
#include "admitd/facts_backend.h"
#include "admitd/file.h"
#include "admitd/manifest.h"
#include "admitd/record.h"
#include "admitd/yaml.h"
#include "judge.h"

#define MAX_GROUPS 32
#define MAX_NS_LABELS 64
#define MAX_CASES 100000

struct expect {
  int allowed; /* 0 or 1 */
  const json_t *reasons, *warnings, *checks, *annotations;
};

struct tcase {
  const char *name;
  unsigned line;
  const json_t *object, *old_object, *review; /* *borrowed* from the suite */
  struct adm__envelope env;
  const char *groups[MAX_GROUPS];
  const char *ns_keys[MAX_NS_LABELS], *ns_values[MAX_NS_LABELS];
  struct adm_labels ns_labels;
  struct expect ex;
};

struct loaded {
  char *path;
  struct adm_manifest_set set;
};

struct suite {
  const char *file;
  char dir[4096];
  struct adm_yaml_docs *docs;  /* admitd's own schema: structure and places */
  struct adm_yaml_docs *mdocs; /* the same text as kubectl reads it: inline objects */
  struct adm_config *cfg;
  struct tcase *cases;
  size_t n_cases;
  struct loaded *files;
  size_t n_files, cap_files;
  char error[1400];
};

/* One case's outcome, kept for the JSON and JUnit reports. */
struct result {
  const char *suite;
  char *name;
  unsigned line;
  bool passed;
  char *problems; /* lines, each "expected ..., got ..." */
  json_t *got;
  double seconds;
};

struct report {
  struct result *items;
  size_t n, cap;
  char **broken; /* "file:line:col: message" of each suite that could not run */
  const char **broken_file;
  size_t n_broken;
  size_t passed, failed;
};

struct test_opts {
  bool verbose, json;
  const char *junit;
};

/* --- suite loading ----------------------------------------------------- */

static int fail_at(struct suite *s, const json_t *parent, const char *key, size_t index, const char *path,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int fail_at(struct suite *s, const json_t *parent, const char *key, size_t index, const char *path,
                   const char *fmt, ...) {
  unsigned line = 0, col = 0;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (parent && s->docs && adm_yaml_mark_find(s->docs, parent, key, index, &line, &col) == 0)
    snprintf(s->error, sizeof s->error, "%s:%u:%u: %s: %s", s->file, line, col, path, msg);
  else
    snprintf(s->error, sizeof s->error, "%s: %s%s%s", s->file, path, path[0] ? ": " : "", msg);
  return -1;
}

static bool only_keys(struct suite *s, const json_t *obj, const char *path, const char *const *allowed) {
  const char *key = adm_yaml_unknown_key(obj, allowed);
  if (key == NULL)
    return true;
  fail_at(s, obj, key, 0, path, "unknown key \"%s\"", key);
  return false;
}

/* A list of strings (or absent). */
static int string_list(struct suite *s, const json_t *parent, const char *key, const char *path, const json_t **out) {
  const json_t *v = json_object_get(parent, key);
  *out = NULL;
  if (v == NULL)
    return 0;
  if (!json_is_array(v))
    return fail_at(s, parent, key, 0, path, "%s: want a list of strings", key);
  size_t i;
  const json_t *item;
  json_array_foreach(v, i, item) {
    if (!json_is_string(item))
      return fail_at(s, v, NULL, i, path, "%s[%zu]: want a string", key, i);
  }
  *out = v;
  return 0;
}

static const char *opt_string(struct suite *s, const json_t *parent, const char *key, const char *path, int *rc) {
  const json_t *v = json_object_get(parent, key);
  if (v == NULL)
    return NULL;
  if (!json_is_string(v)) {
    *rc = fail_at(s, parent, key, 0, path, "%s: want a string", key);
    return NULL;
  }
  return json_string_value(v);
}

/* The manifest at rel (relative to the suite), loaded once per suite. */
static const struct adm_manifest_set *load_file(struct suite *s, const char *rel, const json_t *parent, const char *key,
                                                const char *path) {
  char full[4096];
  if (adm__join_path(s->dir, rel, full, sizeof full) < 0) {
    fail_at(s, parent, key, 0, path, "%s: path too long", key);
    return NULL;
  }
  for (size_t i = 0; i < s->n_files; i++)
    if (strcmp(s->files[i].path, full) == 0)
      return &s->files[i].set;
  if (s->n_files == s->cap_files) {
    size_t cap = s->cap_files ? s->cap_files * 2 : 8;
    struct loaded *f = realloc(s->files, cap * sizeof *f);
    if (f == NULL) {
      fail_at(s, parent, key, 0, path, "out of memory");
      return NULL;
    }
    s->files = f;
    s->cap_files = cap;
  }
  struct adm_error err = {0};
  struct loaded *l = &s->files[s->n_files];
  if (adm_manifest_load(full, &l->set, &err) < 0) {
    char msg[800];
    adm_error_format(&err, msg, sizeof msg);
    fail_at(s, parent, key, 0, path, "%s: %s", key, msg);
    return NULL;
  }
  l->path = strdup(full);
  if (l->path == NULL) {
    adm_manifest_set_free(&l->set);
    fail_at(s, parent, key, 0, path, "out of memory");
    return NULL;
  }
  s->n_files++;
  return &l->set;
}

/* cases[i][key]: a file name (a manifest, one object or `document: N`) or an
 * inline mapping, read as kubectl reads manifests. */
static int object_of(struct suite *s, const json_t *c, const json_t *mc, const char *key, const char *path,
                     size_t document, const json_t **out) {
  const json_t *v = json_object_get(c, key);
  *out = NULL;
  if (v == NULL)
    return 0;
  if (json_is_object(v)) {
    const json_t *m = json_object_get(mc, key);
    if (!json_is_object(m))
      return fail_at(s, c, key, 0, path, "%s: cannot be read as a manifest", key);
    *out = m;
    return 0;
  }
  if (!json_is_string(v))
    return fail_at(s, c, key, 0, path, "%s: want a file name or a mapping", key);
  const struct adm_manifest_set *set = load_file(s, json_string_value(v), c, key, path);
  if (set == NULL)
    return -1;
  if (document == 0 && set->n != 1)
    return fail_at(s, c, key, 0, path, "%s: %s holds %zu objects; a case judges one (pick it with document: N)", key,
                   json_string_value(v), set->n);
  if (document > set->n)
    return fail_at(s, c, "document", 0, path, "document: %s holds %zu objects, not %zu", json_string_value(v), set->n,
                   document);
  *out = set->objects[document ? document - 1 : 0].obj;
  return 0;
}

static int parse_expect(struct suite *s, const json_t *c, const char *path, struct expect *ex) {
  const json_t *e = json_object_get(c, "expect");
  if (!json_is_object(e))
    return fail_at(s, c, e ? "expect" : "name", 0, path,
                   e ? "expect: want a mapping" : "no expect: a case must say what it expects (at least allowed)");
  static const char *const keys[] = {"allowed", "reasons", "warnings", "checks", "auditAnnotations", NULL};
  char epath[160];
  snprintf(epath, sizeof epath, "%s.expect", path);
  if (!only_keys(s, e, epath, keys))
    return -1;
  const json_t *allowed = json_object_get(e, "allowed");
  if (!json_is_boolean(allowed))
    return fail_at(s, allowed ? e : c, allowed ? "allowed" : "expect", 0, epath,
                   allowed ? "allowed: want true or false" : "allowed: required");
  ex->allowed = json_is_true(allowed);
  if (string_list(s, e, "reasons", epath, &ex->reasons) < 0 ||
      string_list(s, e, "warnings", epath, &ex->warnings) < 0 || string_list(s, e, "checks", epath, &ex->checks) < 0)
    return -1;
  const json_t *an = json_object_get(e, "auditAnnotations");
  if (json_is_object(an)) {
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)an, k, v) {
      if (!json_is_string(v))
        return fail_at(s, an, k, 0, epath, "auditAnnotations.%s: want a string", k);
    }
    ex->annotations = an;
  } else if (an && string_list(s, e, "auditAnnotations", epath, &ex->annotations) < 0) {
    return -1;
  }
  return 0;
}

/* namespaceLabels: {key: value}: the labels of the case's namespace, as the
 * API server would give them (podSecurity.namespaceLabels, namespaceSelector). */
static int parse_namespace_labels(struct suite *s, const json_t *c, const char *path, struct tcase *t) {
  const json_t *m = json_object_get(c, "namespaceLabels");
  if (m == NULL)
    return 0;
  if (!json_is_object(m))
    return fail_at(s, c, "namespaceLabels", 0, path, "namespaceLabels: want a mapping of label keys to values");
  if (json_object_size(m) > MAX_NS_LABELS)
    return fail_at(s, c, "namespaceLabels", 0, path, "namespaceLabels: at most %d labels", MAX_NS_LABELS);
  const char *k;
  const json_t *v;
  size_t n = 0;
  json_object_foreach((json_t *)m, k, v) {
    if (!adm_label_key_valid(k))
      return fail_at(s, m, k, 0, path, "namespaceLabels: \"%s\" is not a label key", k);
    if (!json_is_string(v) || !adm_label_value_valid(json_string_value(v)))
      return fail_at(s, m, k, 0, path, "namespaceLabels.%s: want a label value (a string)", k);
    t->ns_keys[n] = k;
    t->ns_values[n] = json_string_value(v);
    n++;
  }
  t->ns_labels = (struct adm_labels){t->ns_keys, t->ns_values, n};
  t->env.namespace_labels = &t->ns_labels;
  return 0;
}

static int parse_case(struct suite *s, const json_t *c, const json_t *mc, size_t i, struct tcase *t) {
  char path[64];
  snprintf(path, sizeof path, "cases[%zu]", i);
  const json_t *cases = json_object_get(s->docs->docs[0].root, "cases");
  unsigned col;
  adm_yaml_mark_find(s->docs, cases, NULL, i, &t->line, &col);
  if (!json_is_object(c))
    return fail_at(s, cases, NULL, i, path, "want a mapping with name, object or request, and expect");
  static const char *const keys[] = {"name", "object", "request",   "document", "oldObject",       "namespace",
                                     "user", "groups", "operation", "dryRun",   "namespaceLabels", "expect",
                                     NULL};
  if (!only_keys(s, c, path, keys))
    return -1;
  int rc = 0;
  t->name = opt_string(s, c, "name", path, &rc);
  if (rc < 0)
    return rc;
  if (t->name == NULL)
    return fail_at(s, cases, NULL, i, path, "name: required");
  const json_t *doc = json_object_get(c, "document");
  size_t document = 0;
  if (doc && (!json_is_integer(doc) || json_integer_value(doc) < 1))
    return fail_at(s, c, "document", 0, path, "document: want a number from 1");
  if (doc)
    document = (size_t)json_integer_value(doc);
  bool has_object = json_object_get(c, "object") != NULL, has_request = json_object_get(c, "request") != NULL;
  if (has_object == has_request)
    return fail_at(s, cases, NULL, i, path,
                   has_object ? "object and request: give one, not both"
                              : "give object (a manifest) or request (a recorded AdmissionReview)");
  if (has_request) {
    static const char *const envelope[] = {"oldObject", "namespace", "user", "groups", "operation", "dryRun", NULL};
    for (const char *const *k = envelope; *k; k++)
      if (json_object_get(c, *k))
        return fail_at(s, c, *k, 0, path, "%s: applies to object cases; a recorded request carries its own", *k);
    if (object_of(s, c, mc, "request", path, document, &t->review) < 0)
      return -1;
    if (strcmp(adm__str_field(t->review, "kind", NULL), "AdmissionReview") != 0)
      return fail_at(s, c, "request", 0, path, "request: not an AdmissionReview (kind \"%s\")",
                     adm__str_field(t->review, "kind", NULL));
  } else if (object_of(s, c, mc, "object", path, document, &t->object) < 0 ||
             object_of(s, c, mc, "oldObject", path, 0, &t->env.old_object) < 0) {
    return -1;
  }
  t->env.namespace = opt_string(s, c, "namespace", path, &rc);
  t->env.user = opt_string(s, c, "user", path, &rc);
  t->env.operation = opt_string(s, c, "operation", path, &rc);
  if (rc < 0)
    return rc;
  if (t->env.operation) {
    static const char *const ops[] = {"CREATE", "UPDATE", "DELETE", "CONNECT", NULL};
    bool ok = false;
    for (const char *const *o = ops; *o && !ok; o++)
      ok = strcmp(*o, t->env.operation) == 0;
    if (!ok)
      return fail_at(s, c, "operation", 0, path, "operation: want CREATE, UPDATE, DELETE or CONNECT, got \"%s\"",
                     t->env.operation);
  }
  if (t->env.old_object && !(t->env.operation && strcmp(t->env.operation, "UPDATE") == 0))
    return fail_at(s, c, "oldObject", 0, path, "oldObject: needs operation: UPDATE");
  const json_t *groups;
  if (string_list(s, c, "groups", path, &groups) < 0)
    return -1;
  if (groups && json_array_size(groups) > MAX_GROUPS)
    return fail_at(s, c, "groups", 0, path, "groups: at most %d", MAX_GROUPS);
  for (size_t g = 0; groups && g < json_array_size(groups); g++)
    t->groups[g] = json_string_value(json_array_get(groups, g));
  t->env.groups = t->groups;
  t->env.n_groups = groups ? json_array_size(groups) : 0;
  const json_t *dry = json_object_get(c, "dryRun");
  if (dry && !json_is_boolean(dry))
    return fail_at(s, c, "dryRun", 0, path, "dryRun: want true or false");
  t->env.dry_run = json_is_true(dry);
  t->env.uid = "admitd-test";
  if (parse_namespace_labels(s, c, path, t) < 0)
    return -1;
  return parse_expect(s, c, path, &t->ex);
}

static void suite_free(struct suite *s) {
  for (size_t i = 0; i < s->n_files; i++) {
    adm_manifest_set_free(&s->files[i].set);
    free(s->files[i].path);
  }
  free(s->files);
  free(s->cases);
  adm_config_free(s->cfg);
  if (s->docs)
    adm_yaml_docs_free(s->docs);
  if (s->mdocs)
    adm_yaml_docs_free(s->mdocs);
}

static int suite_load(struct suite *s, const char *file) {
  memset(s, 0, sizeof *s);
  s->file = file;
  adm__dirname(file, s->dir, sizeof s->dir);
  char *text = NULL;
  size_t len = 0;
  struct adm_error err = {0};
  char msg[1024];
  if (adm_read_file(file, ADM_MANIFEST_MAX_BYTES, &text, &len, &err) < 0 ||
      adm_yaml_load_schema(text, len, file, ADM_YAML_POLICY, &s->docs, &err) < 0 ||
      adm_yaml_load_schema(text, len, file, ADM_YAML_MANIFEST, &s->mdocs, &err) < 0) {
    free(text);
    adm_error_format(&err, msg, sizeof msg);
    snprintf(s->error, sizeof s->error, "%s", msg);
    return -1;
  }
  free(text);
  if (s->docs->n_docs != 1 || s->mdocs->n_docs != 1)
    return fail_at(s, NULL, NULL, 0, "", "want one YAML document, found %zu", s->docs->n_docs);
  const json_t *root = s->docs->docs[0].root;
  if (!json_is_object(root))
    return fail_at(s, NULL, NULL, 0, "", "want a mapping with apiVersion, kind: Test, policy and cases");
  static const char *const keys[] = {"apiVersion", "kind", "policy", "cases", NULL};
  if (!only_keys(s, root, "", keys))
    return -1;
  if (strcmp(adm__str_field(root, "apiVersion", NULL), "admitd.io/v1alpha1") != 0)
    return fail_at(s, root, json_object_get(root, "apiVersion") ? "apiVersion" : NULL, 0, "apiVersion",
                   "want admitd.io/v1alpha1");
  if (strcmp(adm__str_field(root, "kind", NULL), "Test") != 0)
    return fail_at(s, root, json_object_get(root, "kind") ? "kind" : NULL, 0, "kind", "want Test");
  int rc = 0;
  const char *policy = opt_string(s, root, "policy", "", &rc);
  if (rc < 0)
    return rc;
  if (policy) {
    char full[4096];
    if (adm__join_path(s->dir, policy, full, sizeof full) < 0)
      return fail_at(s, root, "policy", 0, "policy", "path too long");
    if (adm_config_load(full, &s->cfg, &err) < 0) {
      adm_error_format(&err, msg, sizeof msg);
      return fail_at(s, root, "policy", 0, "policy", "%s", msg);
    }
  } else {
    s->cfg = adm_config_default();
  }
  const json_t *cases = json_object_get(root, "cases"), *mcases = json_object_get(s->mdocs->docs[0].root, "cases");
  if (!json_is_array(cases) || json_array_size(cases) == 0)
    return fail_at(s, root, cases ? "cases" : NULL, 0, "cases", "want a list of at least one case");
  if (json_array_size(cases) > MAX_CASES)
    return fail_at(s, root, "cases", 0, "cases", "more than %d cases", MAX_CASES);
  s->cases = calloc(json_array_size(cases), sizeof *s->cases);
  if (s->cases == NULL)
    return fail_at(s, NULL, NULL, 0, "", "out of memory");
  for (size_t i = 0; i < json_array_size(cases); i++) {
    if (parse_case(s, json_array_get(cases, i), json_array_get(mcases, i), i, &s->cases[i]) < 0)
      return -1;
    s->n_cases++;
  }
  return 0;
}

/* --- judging a case ---------------------------------------------------- */

static bool any_contains(const char *const *items, size_t n, const char *needle) {
  for (size_t i = 0; i < n; i++)
    if (items[i] && strstr(items[i], needle))
      return true;
  return false;
}

static void add_problem(struct adm_sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add_problem(struct adm_sb *sb, const char *fmt, ...) {
  char line[1200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  adm_sb_add(sb, "expected ");
  adm_sb_add(sb, line);
  adm_sb_add(sb, "\n");
}

static json_t *decision_json(const struct adm_pipeline_result *res) {
  if (!res->decided)
    return json_pack("{s:s}", "error", res->error ? res->error : "no decision");
  return adm_record_decision(&res->decision);
}

/* Every way the decision differs from what the case expects, one per line
 * into sb; empty when the case passes. */
static void compare(const struct tcase *t, const struct adm_pipeline_result *res, struct adm_sb *sb) {
  if (!res->decided) {
    add_problem(sb, "a decision, got none: %s", res->error ? res->error : "");
    return;
  }
  const struct adm_decision *d = &res->decision;
  const char *msg = !d->allowed && d->message ? d->message : "";
  if (d->allowed != (bool)t->ex.allowed)
    add_problem(sb, "allowed: %s, got %s", t->ex.allowed ? "true" : "false", d->allowed ? "true" : "false");
  size_t i;
  const json_t *v;
  json_array_foreach(t->ex.reasons, i, v) {
    if (!strstr(msg, json_string_value(v)))
      add_problem(sb, "a reason containing \"%s\", got %s", json_string_value(v), msg[0] ? msg : "no denial message");
  }
  json_array_foreach(t->ex.warnings, i, v) {
    if (!any_contains(d->warnings, d->n_warnings, json_string_value(v)))
      add_problem(sb, "a warning containing \"%s\", got %s", json_string_value(v),
                  d->n_warnings ? "other warnings" : "no warnings");
  }
  json_array_foreach(t->ex.checks, i, v) {
    bool found = false;
    for (size_t k = 0; k < d->n_failed_checks && !found; k++)
      found = strcmp(d->failed_checks[k], json_string_value(v)) == 0;
    if (!found)
      add_problem(sb, "check %s to fail, got %s", json_string_value(v),
                  d->n_failed_checks ? "other failed checks" : "no failed checks");
  }
  if (json_is_object(t->ex.annotations)) {
    const char *key;
    json_object_foreach((json_t *)t->ex.annotations, key, v) {
      const char *got = NULL;
      for (size_t k = 0; k < d->n_annotations && !got; k++)
        if (strcmp(d->annotations[k].key, key) == 0)
          got = d->annotations[k].value;
      if (got == NULL || !strstr(got, json_string_value(v)))
        add_problem(sb, "audit annotation %s containing \"%s\", got %s", key, json_string_value(v),
                    got ? "another value" : "none");
    }
  } else {
    json_array_foreach(t->ex.annotations, i, v) {
      bool found = false;
      for (size_t k = 0; k < d->n_annotations && !found; k++) {
        char kv[2048];
        snprintf(kv, sizeof kv, "%s=%s", d->annotations[k].key, d->annotations[k].value);
        found = strstr(kv, json_string_value(v)) != NULL;
      }
      if (!found)
        add_problem(sb, "an audit annotation containing \"%s\"", json_string_value(v));
    }
  }
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void print_got(const json_t *got) {
  char *text = adm_json_dumps(got, JSON_COMPACT);
  printf("    got: %s\n", text ? text : "?");
  free(text);
}

static int run_case(const struct suite *s, const struct tcase *t, const struct test_opts *o, struct report *rep,
                    struct adm_pipeline_result *res) {
  struct adm_arena a;
  adm_arena_init(&a, 16384, 0);
  double start = now_s();
  if (t->review)
    adm__judge_review(s->cfg, t->review, t->env.namespace_labels, &a, res);
  else
    adm__judge_object(s->cfg, t->object, &t->env, &a, res);
  struct adm_sb sb;
  adm_sb_init(&sb, &a);
  adm_sb_add(&sb, "");
  compare(t, res, &sb);
  double took = now_s() - start;
  const char *problems = adm_sb_str(&sb);
  struct result r = {.suite = s->file, .line = t->line, .seconds = took};
  r.name = strdup(t->name);
  r.problems = strdup(problems ? problems : "expected a decision, got: out of memory\n");
  r.passed = problems && problems[0] == '\0';
  r.got = decision_json(res);
  if (res->decoded)
    adm_review_request_release(&res->req);
  adm_arena_free(&a);
  if (r.name == NULL || r.problems == NULL || r.got == NULL) {
    free(r.name);
    free(r.problems);
    json_decref(r.got);
    return -1;
  }
  if (!o->json) {
    if (!r.passed) {
      printf("FAIL %s:%u: %s\n", s->file, t->line, t->name);
      for (const char *p = r.problems; *p;) {
        const char *nl = strchr(p, '\n');
        printf("    %.*s\n", (int)(nl - p), p);
        p = nl + 1;
      }
      print_got(r.got);
    } else if (o->verbose) {
      printf("ok   %s:%u: %s\n", s->file, t->line, t->name);
    }
  }
  if (rep->n == rep->cap) {
    size_t cap = rep->cap ? rep->cap * 2 : 64;
    struct result *items = realloc(rep->items, cap * sizeof *items);
    if (items == NULL)
      return -1;
    rep->items = items;
    rep->cap = cap;
  }
  rep->items[rep->n++] = r;
  if (r.passed)
    rep->passed++;
  else
    rep->failed++;
  return 0;
}

/* --- reports ----------------------------------------------------------- */

static void xml_escape(FILE *f, const char *s) {
  for (; *s; s++) {
    switch (*s) {
    case '<':
      fputs("&lt;", f);
      break;
    case '>':
      fputs("&gt;", f);
      break;
    case '&':
      fputs("&amp;", f);
      break;
    case '"':
      fputs("&quot;", f);
      break;
    case '\n':
      fputs("&#10;", f);
      break;
    default:
      /* XML 1.0 has no place for other control characters. */
      if ((unsigned char)*s >= 0x20 || *s == '\t')
        fputc(*s, f);
    }
  }
}

static int write_junit(const char *path, const struct report *rep) {
  FILE *f = fopen(path, "w");
  if (f == NULL)
    return -1;
  double total = 0;
  for (size_t i = 0; i < rep->n; i++)
    total += rep->items[i].seconds;
  fprintf(f,
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"admitd test\" tests=\"%zu\" "
          "failures=\"%zu\" errors=\"%zu\" time=\"%.6f\">\n",
          rep->n, rep->failed, rep->n_broken, total);
  for (size_t i = 0; i < rep->n;) {
    size_t j = i, failures = 0;
    double t = 0;
    for (; j < rep->n && rep->items[j].suite == rep->items[i].suite; j++) {
      failures += !rep->items[j].passed;
      t += rep->items[j].seconds;
    }
    fputs("  <testsuite name=\"", f);
    xml_escape(f, rep->items[i].suite);
    fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" time=\"%.6f\">\n", j - i, failures, t);
    for (size_t k = i; k < j; k++) {
      const struct result *r = &rep->items[k];
      fputs("    <testcase classname=\"", f);
      xml_escape(f, r->suite);
      fputs("\" name=\"", f);
      xml_escape(f, r->name);
      fputs("\" file=\"", f);
      xml_escape(f, r->suite);
      fprintf(f, "\" line=\"%u\" time=\"%.6f\"", r->line, r->seconds);
      if (r->passed) {
        fputs("/>\n", f);
        continue;
      }
      fputs(">\n      <failure message=\"", f);
      const char *nl = strchr(r->problems, '\n');
      char first[512];
      snprintf(first, sizeof first, "%.*s", nl ? (int)(nl - r->problems) : (int)strlen(r->problems), r->problems);
      xml_escape(f, first);
      fputs("\">", f);
      xml_escape(f, r->problems);
      char *got = adm_json_dumps(r->got, JSON_COMPACT);
      fputs("got: ", f);
      xml_escape(f, got ? got : "");
      free(got);
      fputs("</failure>\n    </testcase>\n", f);
    }
    fputs("  </testsuite>\n", f);
    i = j;
  }
  for (size_t i = 0; i < rep->n_broken; i++) {
    fputs("  <testsuite name=\"", f);
    xml_escape(f, rep->broken_file[i]);
    fputs("\" tests=\"1\" failures=\"0\" errors=\"1\">\n    <testcase classname=\"", f);
    xml_escape(f, rep->broken_file[i]);
    fputs("\" name=\"load suite\">\n      <error message=\"", f);
    xml_escape(f, rep->broken[i]);
    fputs("\"/>\n    </testcase>\n  </testsuite>\n", f);
  }
  fputs("</testsuites>\n", f);
  return fclose(f) == 0 ? 0 : -1;
}

static void print_json_report(const struct report *rep) {
  json_t *cases = json_array(), *errors = json_array();
  for (size_t i = 0; i < rep->n; i++) {
    const struct result *r = &rep->items[i];
    json_t *problems = json_array();
    for (const char *p = r->problems; *p;) {
      const char *nl = strchr(p, '\n');
      json_array_append_new(problems, json_stringn(p, (size_t)(nl - p)));
      p = nl + 1;
    }
    json_array_append_new(cases, json_pack("{s:s, s:I, s:s, s:b, s:o, s:O, s:f}", "suite", r->suite, "line",
                                           (json_int_t)r->line, "name", r->name, "passed", r->passed, "problems",
                                           problems, "got", r->got, "seconds", r->seconds));
  }
  for (size_t i = 0; i < rep->n_broken; i++)
    json_array_append_new(errors, json_pack("{s:s, s:s}", "suite", rep->broken_file[i], "error", rep->broken[i]));
  json_t *doc = json_pack("{s:o, s:o, s:I, s:I}", "cases", cases, "errors", errors, "passed", (json_int_t)rep->passed,
                          "failed", (json_int_t)rep->failed);
  char *text = doc ? adm_json_dumps(doc, JSON_INDENT(2)) : NULL;
  if (text)
    puts(text);
  free(text);
  json_decref(doc);
}

static void test_usage(FILE *f) {
  fprintf(f, "usage: admitd test [-v] [--output text|json] [--junit FILE] [--offline] PATH...\n"
             "Runs policy test suites (kind: Test). A PATH that is a folder runs every *.test.yaml below it.\n"
             "Prints each failing case (suite file:line, what was expected, what came back), with -v the\n"
             "passing ones too, and ends with \"N passed, M failed\".\n"
             "Image signatures are verified against their registries; with --offline no registry is asked\n"
             "and verify rules pass without a verdict (their keys are still checked).\n"
             "Exit 0 if every case passes, 1 if any fails, 2 on a usage error or a suite that cannot be read.\n");
}

int adm_cli_test(int argc, char **argv) {
  static const struct option longopts[] = {
      {"verbose", no_argument, NULL, 'v'},     {"output", required_argument, NULL, 'o'},
      {"junit", required_argument, NULL, 'j'}, {"offline", no_argument, NULL, 'O'},
      {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
  };
  struct test_opts o = {0};
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "vo:h", longopts, NULL)) != -1) {
    switch (c) {
    case 'v':
      o.verbose = true;
      break;
    case 'o':
      if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
        fprintf(stderr, "admitd test: --output: want text or json, got \"%s\"\n", optarg);
        return 2;
      }
      o.json = strcmp(optarg, "json") == 0;
      break;
    case 'j':
      o.junit = optarg;
      break;
    case 'O':
      adm_fact_backend_set(&adm_offline_fact_backend);
      break;
    case 'h':
      test_usage(stdout);
      return 0;
    default:
      test_usage(stderr);
      return 2;
    }
  }
  if (optind >= argc) {
    test_usage(stderr);
    return 2;
  }
  static const char *const suffixes[] = {".test.yaml", NULL};
  struct adm__paths files = {0};
  int status = 0;
  for (int i = optind; i < argc; i++) {
    size_t before = files.n;
    if (adm__collect_files(argv[i], suffixes, &files) < 0) {
      fprintf(stderr, "admitd test: %s: cannot read the folder\n", argv[i]);
      status = 2;
    } else if (files.n == before) {
      fprintf(stderr, "admitd test: %s: no *.test.yaml below it\n", argv[i]);
      status = 2;
    }
  }
  for (size_t i = 0; i < files.n_skipped; i++)
    fprintf(stderr, "admitd test: note: %s: not followed: a link to a folder already read\n", files.skipped[i]);
  for (size_t i = 0; i < files.n_unread; i++)
    fprintf(stderr, "admitd test: %s\n", files.unread[i]);
  if (files.n_unread > 0)
    status = 2;
  struct report rep = {0};
  rep.broken = calloc(files.n + 1, sizeof *rep.broken);
  rep.broken_file = calloc(files.n + 1, sizeof *rep.broken_file);
  struct adm_pipeline_result *res = malloc(sizeof *res);
  if (rep.broken == NULL || rep.broken_file == NULL || res == NULL) {
    fprintf(stderr, "admitd test: out of memory\n");
    adm__paths_free(&files);
    free(rep.broken);
    free(rep.broken_file);
    free(res);
    return 2;
  }
  double start = now_s();
  for (size_t i = 0; i < files.n; i++) {
    struct suite s;
    if (suite_load(&s, files.items[i]) < 0) {
      fprintf(stderr, "admitd test: %s\n", s.error);
      rep.broken[rep.n_broken] = strdup(s.error);
      rep.broken_file[rep.n_broken++] = files.items[i];
      status = 2;
    } else {
      for (size_t k = 0; k < s.n_cases; k++) {
        if (run_case(&s, &s.cases[k], &o, &rep, res) < 0) {
          fprintf(stderr, "admitd test: out of memory\n");
          status = 2;
          break;
        }
      }
    }
    suite_free(&s);
  }
  double took = now_s() - start;
  if (o.json)
    print_json_report(&rep);
  else if (o.verbose)
    printf("%zu cases in %zu suites in %.1f ms\n", rep.n, files.n, took * 1e3);
  if (!o.json)
    printf("%zu passed, %zu failed\n", rep.passed, rep.failed);
  if (o.junit && write_junit(o.junit, &rep) < 0) {
    fprintf(stderr, "admitd test: --junit: cannot write %s\n", o.junit);
    status = 2;
  }
  if (status == 0 && rep.failed > 0)
    status = 1;
  for (size_t i = 0; i < rep.n; i++) {
    free(rep.items[i].name);
    free(rep.items[i].problems);
    json_decref(rep.items[i].got);
  }
  for (size_t i = 0; i < rep.n_broken; i++)
    free(rep.broken[i]);
  free(rep.items);
  free(rep.broken);
  free(rep.broken_file);
  free(res);
  adm__paths_free(&files);
  fflush(stdout);
  return status;
}
