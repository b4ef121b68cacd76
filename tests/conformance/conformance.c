/* Runs every fixture of the upstream Pod Security Admission test data
 * (<root>/<level>/<version>/<pass|fail>/<case>.yaml) through admitd's own
 * extract and evaluate path: pass/ must be allowed, fail/ denied, and a fail/
 * fixture must fail the check its file name names (or the restricted check
 * that replaces it at that version). Exits 77 (skipped) without the data. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "admitd/extract.h"
#include "admitd/file.h"
#include "admitd/policy.h"
#include "admitd/yaml.h"

static int n_passed, n_failed;

static void lower(char *s) {
  for (; *s; s++)
    *s = (char)tolower((unsigned char)*s);
}

/* The check id a case file is named for: "runasnonroot1.yaml" -> "runasnonroot". */
static void case_check(const char *file, char *out, size_t len) {
  snprintf(out, len, "%s", file);
  char *dot = strrchr(out, '.');
  if (dot)
    *dot = '\0';
  size_t n = strlen(out);
  while (n > 0 && isdigit((unsigned char)out[n - 1]))
    out[--n] = '\0';
}

/* True if id is the named check, or a check active at minor that overrides it. */
static int names_check(const char *named, const char *id, int minor) {
  char lid[128];
  snprintf(lid, sizeof lid, "%s", id);
  lower(lid);
  if (strcmp(lid, named) == 0)
    return 1;
  for (const struct adm_check *const *t = adm_check_table; *t; t++) {
    if (strcmp((*t)->id, id) != 0)
      continue;
    const struct adm_check_version *active = NULL;
    for (int i = 0; i < ADM_CHECK_MAX_VERSIONS && (*t)->versions[i].fn; i++)
      if ((*t)->versions[i].min_minor <= minor)
        active = &(*t)->versions[i];
    if (active && active->overrides)
      for (const char *const *o = active->overrides; *o; o++) {
        char lo[128];
        snprintf(lo, sizeof lo, "%s", *o);
        lower(lo);
        if (strcmp(lo, named) == 0)
          return 1;
      }
  }
  return 0;
}

static void run_case(const char *path, const char *file, enum adm_level level, int minor, int expect_pass) {
  char *buf;
  size_t len;
  struct adm_error err = {0};
  struct adm_yaml_docs *docs = NULL;
  struct adm_arena arena;
  adm_arena_init(&arena, 16384, 0);
  const char *problem = NULL;
  char msg[1024];
  if (adm_read_file(path, 1 << 20, &buf, &len, &err) < 0 ||
      adm_yaml_load_schema(buf, len, path, ADM_YAML_MANIFEST, &docs, &err) < 0) {
    adm_error_format(&err, msg, sizeof msg);
    problem = msg;
  }
  if (problem == NULL && docs->n_docs != 1)
    problem = "expected exactly one document";
  struct adm_pod pod;
  if (problem == NULL && adm_extract_pod(docs->docs[0].root, &arena, &pod, &err) < 0) {
    adm_error_format(&err, msg, sizeof msg);
    problem = msg;
  }
  if (problem == NULL) {
    struct adm_evaluation ev;
    adm_evaluate(adm_registry_default(), (struct adm_level_version){level, minor}, &pod, &arena, &ev);
    if (expect_pass && !ev.allowed) {
      snprintf(msg, sizeof msg, "expected allowed, got denied: %s", adm_evaluation_format(&ev, &arena));
      problem = msg;
    } else if (!expect_pass && ev.allowed) {
      problem = "expected denied, got allowed";
    } else if (!expect_pass) {
      char named[128];
      case_check(file, named, sizeof named);
      int found = 0;
      for (size_t i = 0; i < ev.n_failed; i++)
        found |= names_check(named, ev.failed[i].id, minor);
      if (!found) {
        snprintf(msg, sizeof msg, "denied, but not by check %s: %s", named, adm_evaluation_format(&ev, &arena));
        problem = msg;
      }
    }
  }
  if (problem) {
    n_failed++;
    printf("FAIL %s: %s\n", path, problem);
  } else {
    n_passed++;
  }
  adm_arena_free(&arena);
  adm_yaml_docs_free(docs);
  if (problem == NULL || docs != NULL)
    free(buf);
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_dir(const char *dir, enum adm_level level, int minor, int expect_pass) {
  DIR *d = opendir(dir);
  if (d == NULL)
    return;
  char *names[4096];
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL && n < 4096)
    if (strstr(e->d_name, ".yaml"))
      names[n++] = strdup(e->d_name);
  closedir(d);
  qsort(names, n, sizeof names[0], cmp_names);
  for (size_t i = 0; i < n; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    run_case(path, names[i], level, minor, expect_pass);
    free(names[i]);
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: conformance DIR\n");
    return 2;
  }
  struct stat st;
  if (stat(argv[1], &st) < 0 || !S_ISDIR(st.st_mode)) {
    printf("SKIP: conformance data not found at %s\n", argv[1]);
    return 77;
  }
  static const char *const levels[] = {"baseline", "restricted"};
  for (int l = 0; l < 2; l++) {
    for (int minor = 0; minor < ADM_MAX_MINOR; minor++) {
      char dir[4096];
      snprintf(dir, sizeof dir, "%s/%s/v1.%d", argv[1], levels[l], minor);
      if (stat(dir, &st) < 0)
        continue;
      enum adm_level level = l == 0 ? ADM_LEVEL_BASELINE : ADM_LEVEL_RESTRICTED;
      char sub[4200];
      snprintf(sub, sizeof sub, "%s/pass", dir);
      run_dir(sub, level, minor, 1);
      snprintf(sub, sizeof sub, "%s/fail", dir);
      run_dir(sub, level, minor, 0);
    }
  }
  printf("pod-security conformance: %d passed, %d failed\n", n_passed, n_failed);
  return n_failed == 0 && n_passed > 0 ? 0 : 1;
}
