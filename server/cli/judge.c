/* The CLI's way into the pipeline (judge.h): wrap an object in the review
 * the API server would send, or take a recorded review as it is, and run
 * adm_pipeline_run with the server's default limits. Also walks folders.
 * Must not print: each command reports in its own format. */
#include "judge.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "admitd/extract.h"
#include "admitd/synth.h"

const char *adm__str_field(const json_t *obj, const char *a, const char *b) {
  const json_t *v = json_is_object(obj) ? json_object_get(obj, a) : NULL;
  if (b)
    v = json_is_object(v) ? json_object_get(v, b) : NULL;
  return json_is_string(v) ? json_string_value(v) : "";
}

static void run_text(const struct adm_config *cfg, char *text, size_t len, struct adm_arena *a,
                     struct adm_pipeline_result *res) {
  struct adm_pipeline_limits lim;
  adm_pipeline_limits_default(&lim);
  adm_pipeline_run(&lim, cfg, text, text ? len : 0, a, res);
}

void adm__judge_object(const struct adm_config *cfg, const json_t *obj, const struct adm__envelope *env,
                       struct adm_arena *a, struct adm_pipeline_result *res) {
  const char *api_version = adm__str_field(obj, "apiVersion", NULL), *kind = adm__str_field(obj, "kind", NULL);
  const struct adm_pod_resource *pr = adm_pod_resource_for_object(api_version, kind);
  struct adm_synth syn = {
      .uid = env->uid ? env->uid : "admitd-cli",
      .name = adm__str_field(obj, "metadata", "name"),
      .operation = env->operation,
      .username = env->user,
      .groups = env->groups,
      .n_groups = env->n_groups,
      .object = obj,
      .old_object = env->old_object,
      .dry_run = env->dry_run,
  };
  const char *ns = adm__str_field(obj, "metadata", "namespace");
  syn.namespace = env->namespace && env->namespace[0] ? env->namespace : ns[0] ? ns : "default";
  if (pr) {
    syn.group = syn.resource_group = pr->group;
    syn.kind = pr->kind;
    syn.resource = pr->resource;
  } else {
    /* Not a kind admitd judges: the request it would get all the same, so
     * the pipeline (not this wrapper) says it is not judged. */
    const char *slash = strchr(api_version, '/');
    syn.group = syn.resource_group = slash ? adm_arena_strndup(a, api_version, (size_t)(slash - api_version)) : "";
    syn.version = slash ? slash + 1 : api_version[0] ? api_version : "v1";
    syn.kind = kind;
    char *plural = adm_arena_printf(a, "%ss", kind);
    for (char *p = plural; p && *p; p++)
      *p = (char)tolower((unsigned char)*p);
    syn.resource = plural;
  }
  size_t len = 0;
  char *text = adm_synth_review(a, &syn, &len);
  run_text(cfg, text, len, a, res);
}

void adm__judge_review(const struct adm_config *cfg, const json_t *review, struct adm_arena *a,
                       struct adm_pipeline_result *res) {
  size_t len = 0;
  char *text = adm_json_dump_arena(a, review, &len);
  run_text(cfg, text, len, a, res);
}

void adm__paths_free(struct adm__paths *p) {
  for (size_t i = 0; i < p->n; i++)
    free(p->items[i]);
  free(p->items);
  memset(p, 0, sizeof *p);
}

static int push(struct adm__paths *p, const char *path) {
  if (p->n == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 16;
    char **items = realloc(p->items, cap * sizeof *items);
    if (items == NULL)
      return -1;
    p->items = items;
    p->cap = cap;
  }
  char *copy = strdup(path);
  if (copy == NULL)
    return -1;
  p->items[p->n++] = copy;
  return 0;
}

static bool has_suffix(const char *name, const char *const *suffixes) {
  size_t n = strlen(name);
  for (const char *const *s = suffixes; *s; s++) {
    size_t k = strlen(*s);
    if (n > k && strcmp(name + n - k, *s) == 0)
      return true;
  }
  return false;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(const char *dir, const char *const *suffixes, struct adm__paths *out, int depth) {
  if (depth > 64)
    return 0;
  DIR *d = opendir(dir);
  if (d == NULL)
    return -1;
  struct dirent *e;
  int rc = 0;
  while (rc == 0 && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    char path[4096];
    /* "./x" is printed as "x": suite names in reports stay as the user would type them. */
    bool here = strcmp(dir, ".") == 0;
    if ((size_t)snprintf(path, sizeof path, "%s%s%s", here ? "" : dir, here || dir[strlen(dir) - 1] == '/' ? "" : "/",
                         e->d_name) >= sizeof path)
      continue;
    struct stat st;
    if (stat(path, &st) < 0)
      continue;
    if (S_ISDIR(st.st_mode))
      rc = walk(path, suffixes, out, depth + 1);
    else if (S_ISREG(st.st_mode) && has_suffix(e->d_name, suffixes))
      rc = push(out, path);
  }
  closedir(d);
  return rc;
}

int adm__collect_files(const char *path, const char *const *suffixes, struct adm__paths *out) {
  struct stat st;
  if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    size_t first = out->n;
    if (walk(path, suffixes, out, 0) < 0)
      return -1;
    qsort(out->items + first, out->n - first, sizeof *out->items, cmp_str);
    return 0;
  }
  return push(out, path);
}

void adm__dirname(const char *path, char *buf, size_t len) {
  const char *slash = strrchr(path, '/');
  if (slash == NULL)
    snprintf(buf, len, ".");
  else if (slash == path)
    snprintf(buf, len, "/");
  else
    snprintf(buf, len, "%.*s", (int)(slash - path), path);
}

int adm__join_path(const char *base_dir, const char *rel, char *buf, size_t len) {
  int n = rel[0] == '/' ? snprintf(buf, len, "%s", rel) : snprintf(buf, len, "%s/%s", base_dir, rel);
  return n < 0 || (size_t)n >= len ? -1 : 0;
}
