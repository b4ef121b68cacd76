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

const struct adm_labels *adm__labels_from_json(const json_t *obj, struct adm_arena *a, struct adm_labels *out) {
  if (!json_is_object(obj))
    return NULL;
  size_t cap = json_object_size(obj) ? json_object_size(obj) : 1, n = 0;
  const char **keys = adm_arena_alloc(a, cap * sizeof *keys), **values = adm_arena_alloc(a, cap * sizeof *values);
  if (keys == NULL || values == NULL)
    return NULL;
  const char *k;
  const json_t *v;
  json_object_foreach((json_t *)obj, k, v) {
    if (!json_is_string(v))
      continue;
    keys[n] = k;
    values[n++] = json_string_value(v);
  }
  *out = (struct adm_labels){keys, values, n};
  return out;
}

static void run_text(const struct adm_config *cfg, char *text, size_t len, const struct adm_labels *labels,
                     struct adm_arena *a, struct adm_pipeline_result *res) {
  struct adm_ns_fixed fixed = {.labels = labels ? *labels : (struct adm_labels){NULL, NULL, 0}};
  struct adm_ns_source source;
  adm_ns_source_fixed(&fixed, &source);
  struct adm_pipeline_options opt;
  adm_pipeline_options_default(&opt);
  opt.namespaces = &source;
  adm_pipeline_run(&opt, cfg, text, text ? len : 0, a, res, NULL);
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
  run_text(cfg, text, len, env->namespace_labels, a, res);
}

void adm__judge_review(const struct adm_config *cfg, const json_t *review, const struct adm_labels *namespace_labels,
                       struct adm_arena *a, struct adm_pipeline_result *res) {
  size_t len = 0;
  char *text = adm_json_dump_arena(a, review, &len);
  run_text(cfg, text, len, namespace_labels, a, res);
}

void adm__paths_free(struct adm__paths *p) {
  for (size_t i = 0; i < p->n; i++)
    free(p->items[i]);
  free(p->items);
  for (size_t i = 0; i < p->n_skipped; i++)
    free(p->skipped[i]);
  free(p->skipped);
  for (size_t i = 0; i < p->n_unread; i++)
    free(p->unread[i]);
  free(p->unread);
  memset(p, 0, sizeof *p);
}

static int push_to(char ***items, size_t *n, size_t *cap, const char *path) {
  if (*n == *cap) {
    size_t nc = *cap ? *cap * 2 : 16;
    char **grown = realloc(*items, nc * sizeof *grown);
    if (grown == NULL)
      return -1;
    *items = grown;
    *cap = nc;
  }
  char *copy = strdup(path);
  if (copy == NULL)
    return -1;
  (*items)[(*n)++] = copy;
  return 0;
}

static int push(struct adm__paths *p, const char *path) {
  return push_to(&p->items, &p->n, &p->cap, path);
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

/* One walk: the folders read so far, by device and inode, so a link back
 * up the tree (or two links to one folder) is read once, not forever.
 * Links to folders wait in links until the real tree is read, so a file is
 * named by its real path rather than by whichever link readdir gave first. */
struct walk {
  const char *const *suffixes;
  struct adm__paths *out;
  struct adm__paths links;
  struct dir_id {
    dev_t dev;
    ino_t ino;
  } * seen;
  size_t n_seen, cap_seen;
};

/* 1 when the folder was read already, 0 when it is new (now remembered),
 * -1 without memory. */
static int seen_before(struct walk *w, const struct stat *st) {
  for (size_t i = 0; i < w->n_seen; i++)
    if (w->seen[i].dev == st->st_dev && w->seen[i].ino == st->st_ino)
      return 1;
  if (w->n_seen == w->cap_seen) {
    size_t nc = w->cap_seen ? w->cap_seen * 2 : 16;
    struct dir_id *grown = realloc(w->seen, nc * sizeof *grown);
    if (grown == NULL)
      return -1;
    w->seen = grown;
    w->cap_seen = nc;
  }
  w->seen[w->n_seen++] = (struct dir_id){st->st_dev, st->st_ino};
  return 0;
}

/* An entry that would have been read and was not: said, never passed over. */
static int unread(struct walk *w, const char *path, const char *why) {
  char line[4352];
  snprintf(line, sizeof line, "%s: %s", path, why);
  return push_to(&w->out->unread, &w->out->n_unread, &w->out->cap_unread, line);
}

static int walk(struct walk *w, const char *dir, int depth) {
  if (depth > 64)
    return unread(w, dir, "not read: folders are read 64 deep at most");
  DIR *d = opendir(dir);
  if (d == NULL) {
    char why[160];
    snprintf(why, sizeof why, "cannot read the folder: %s", strerror(errno));
    return unread(w, dir, why);
  }
  struct dirent *e;
  int rc = 0;
  while (rc == 0 && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    char path[4096];
    /* "./x" is printed as "x": suite names in reports stay as the user would type them. */
    bool here = strcmp(dir, ".") == 0;
    if ((size_t)snprintf(path, sizeof path, "%s%s%s", here ? "" : dir, here || dir[strlen(dir) - 1] == '/' ? "" : "/",
                         e->d_name) >= sizeof path) {
      rc = unread(w, e->d_name, "not read: its path is longer than 4095 bytes");
      continue;
    }
    bool wanted = has_suffix(e->d_name, w->suffixes);
    struct stat st, lst;
    if (lstat(path, &lst) < 0 || stat(path, &st) < 0) {
      /* A dangling or looping link named like a manifest would have been read. */
      if (wanted) {
        char why[160];
        snprintf(why, sizeof why, "cannot read: %s", strerror(errno));
        rc = unread(w, path, why);
      }
      continue;
    }
    if (S_ISDIR(st.st_mode) && S_ISLNK(lst.st_mode)) {
      rc = push(&w->links, path);
    } else if (S_ISDIR(st.st_mode)) {
      int seen = seen_before(w, &st);
      if (seen < 0)
        rc = -1;
      else if (seen)
        rc = push_to(&w->out->skipped, &w->out->n_skipped, &w->out->cap_skipped, path);
      else
        rc = walk(w, path, depth + 1);
    } else if (wanted) {
      rc = S_ISREG(st.st_mode) ? push(w->out, path) : unread(w, path, "not read: not a regular file");
    }
  }
  closedir(d);
  return rc;
}

int adm__collect_files(const char *path, const char *const *suffixes, struct adm__paths *out) {
  struct stat st;
  if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    size_t first = out->n;
    struct walk w = {.suffixes = suffixes, .out = out};
    int rc = seen_before(&w, &st) < 0 ? -1 : walk(&w, path, 0);
    /* Then the links, in name order; those below them queue more. */
    for (size_t done = 0; rc == 0 && done < w.links.n;) {
      qsort(w.links.items + done, w.links.n - done, sizeof *w.links.items, cmp_str);
      const char *link = w.links.items[done++];
      int seen = stat(link, &st) < 0 ? 0 : seen_before(&w, &st);
      if (seen < 0)
        rc = -1;
      else if (seen)
        rc = push_to(&out->skipped, &out->n_skipped, &out->cap_skipped, link);
      else
        rc = walk(&w, link, 0);
    }
    adm__paths_free(&w.links);
    free(w.seen);
    if (rc < 0)
      return -1;
    if (out->n > first)
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
