/* `admitd replay`: recordings made by `admitd serve --record` (record.h),
 * re-decided in-process by adm_pipeline_run under a candidate policy, with
 * every flip and warning change reported and summed up by namespace and by
 * check id; or (--emit-tests) turned into a test suite for `admitd test`.
 * A line that is not a whole record is reported with its number and
 * skipped. Reads only the pipeline's decision, never a family's checks. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "admitd/cli.h"
#include "admitd/facts_backend.h"
#include "admitd/review.h"
#include "judge.h"

struct tally {
  char *key;
  unsigned long newly_denied, newly_allowed, warnings_changed;
  unsigned long now_denying; /* by check: failed before without denying (warn, audit, dry-run), now denies */
};

struct tallies {
  struct tally *items;
  size_t n, cap;
};

static struct tally *tally_of(struct tallies *t, const char *key) {
  for (size_t i = 0; i < t->n; i++)
    if (strcmp(t->items[i].key, key) == 0)
      return &t->items[i];
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 16;
    struct tally *items = realloc(t->items, cap * sizeof *items);
    if (items == NULL)
      return NULL;
    t->items = items;
    t->cap = cap;
  }
  struct tally *e = &t->items[t->n];
  memset(e, 0, sizeof *e);
  e->key = strdup(key);
  if (e->key == NULL)
    return NULL;
  t->n++;
  return e;
}

static int cmp_tally(const void *a, const void *b) {
  return strcmp(((const struct tally *)a)->key, ((const struct tally *)b)->key);
}

static void tallies_free(struct tallies *t) {
  for (size_t i = 0; i < t->n; i++)
    free(t->items[i].key);
  free(t->items);
}

/* One record of a recording: its request and the decision it got. */
struct record {
  json_t *root;
  const json_t *review, *decision;
};

/* A record is a recorded body (at most the recorder's 32 MiB queue) and
 * its decision; a longer line is not a recording (/dev/zero, a binary). */
#define REPLAY_MAX_LINE (64u << 20)

/* The next line of f into *buf without its end, bounded by REPLAY_MAX_LINE:
 * its length, -1 at the end, -2 on a read error (errno), -3 when too long.
 * *whole says whether it ended with a newline. */
static ssize_t read_line(FILE *f, char **buf, size_t *cap, bool *whole) {
  size_t n = 0;
  int ch;
  *whole = false;
  /* By byte, not fgets: a NUL must count towards the bound too. */
  while ((ch = getc(f)) != EOF) {
    if (n + 1 >= *cap) {
      if (*cap >= REPLAY_MAX_LINE)
        return -3;
      size_t nc = *cap ? *cap * 2 : 8192;
      char *nb = realloc(*buf, nc);
      if (nb == NULL) {
        errno = ENOMEM;
        return -2;
      }
      *buf = nb;
      *cap = nc;
    }
    (*buf)[n++] = (char)ch;
    if (ch == '\n') {
      *whole = true;
      return (ssize_t)n;
    }
  }
  if (ferror(f))
    return -2;
  return n ? (ssize_t)n : -1;
}

/* Open a recording; NULL (reported) when it cannot be read as one. */
static FILE *open_recording(const char *file) {
  FILE *f = fopen(file, "r");
  struct stat st;
  if (f == NULL) {
    fprintf(stderr, "admitd replay: %s: cannot open: %s\n", file, strerror(errno));
    return NULL;
  }
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    fprintf(stderr, "admitd replay: %s: is a folder, not a recording\n", file);
    fclose(f);
    return NULL;
  }
  return f;
}

/* Read the next record of f; 1 when one was read, 0 at the end, -1 when
 * the rest of the file cannot be read (reported: an input error). Lines
 * that are not records are reported (file:line) and skipped. */
static int next_record(FILE *f, const char *file, unsigned long *lineno, char **buf, size_t *cap,
                       unsigned long *skipped, struct record *out) {
  ssize_t n;
  bool whole;
  while ((n = read_line(f, buf, cap, &whole)) >= 0) {
    (*lineno)++;
    while (n > 0 && ((*buf)[n - 1] == '\n' || (*buf)[n - 1] == '\r'))
      n--;
    if (n == 0)
      continue;
    json_error_t jerr;
    json_t *root = json_loadb(*buf, (size_t)n, JSON_REJECT_DUPLICATES, &jerr);
    const char *why = NULL;
    if (root == NULL)
      why = whole ? "corrupt record" : "truncated record (no end of line)";
    else if (!json_is_object(json_object_get(root, "request")) || !json_is_object(json_object_get(root, "decision")) ||
             !json_is_boolean(json_object_get(json_object_get(root, "decision"), "allowed")))
      why = "not a record (want request and decision)";
    if (why) {
      fprintf(stderr, "admitd replay: %s:%lu: skipped: %s%s%s\n", file, *lineno, why, root ? "" : ": ",
              root ? "" : jerr.text);
      json_decref(root);
      (*skipped)++;
      continue;
    }
    out->root = root;
    out->review = json_object_get(root, "request");
    out->decision = json_object_get(root, "decision");
    return 1;
  }
  if (n == -1)
    return 0;
  if (n == -3)
    fprintf(stderr, "admitd replay: %s:%lu: a line longer than %u bytes: not a recording; the rest is not read\n", file,
            *lineno + 1, REPLAY_MAX_LINE);
  else
    fprintf(stderr, "admitd replay: %s: read error after line %lu: %s\n", file, *lineno, strerror(errno));
  return -1;
}

static bool str_in(const json_t *arr, const char *s) {
  size_t i;
  const json_t *v;
  json_array_foreach(arr, i, v) {
    if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
      return true;
  }
  return false;
}

static bool same_warnings(const json_t *was, const struct adm_decision *d) {
  if (json_array_size(was) != d->n_warnings)
    return false;
  for (size_t i = 0; i < d->n_warnings; i++)
    if (!str_in(was, d->warnings[i]))
      return false;
  return true;
}

static void print_strings(const char *label, const char *const *items, size_t n) {
  printf("    %s:", label);
  if (n == 0)
    printf(" none");
  for (size_t i = 0; i < n; i++)
    printf(" %s%s", items[i], i + 1 < n ? ";" : "");
  putchar('\n');
}

struct replay_totals {
  unsigned long unchanged, changed, newly_denied, newly_allowed, warnings_changed, skipped, errors;
  struct tallies by_ns, by_check, by_fixed_check;
};

/* Re-decide one record under cfg and report a change. */
static void replay_one(const struct adm_config *cfg, const char *file, unsigned long lineno, const struct record *rec,
                       struct replay_totals *t, struct adm_pipeline_result *res) {
  struct adm_arena a;
  adm_arena_init(&a, 16384, 0);
  struct adm_labels labels;
  const struct adm_labels *recorded =
      adm__labels_from_json(json_object_get(rec->decision, "namespaceLabels"), &a, &labels);
  adm__judge_review(cfg, rec->review, recorded, &a, res);
  const json_t *req = json_object_get(rec->review, "request");
  const char *ns = adm__str_field(req, "namespace", NULL), *kind = adm__str_field(req, "kind", "kind");
  const char *name = adm__str_field(req, "name", NULL), *user = adm__str_field(req, "userInfo", "username");
  const char *op = adm__str_field(req, "operation", NULL);
  const json_t *obj = json_object_get(req, "object");
  if (!name[0])
    name = adm__str_field(obj, "metadata", "name");
  if (!name[0])
    name = adm__str_field(obj, "metadata", "generateName");
  bool was_allowed = json_is_true(json_object_get(rec->decision, "allowed"));
  const json_t *was_warnings = json_object_get(rec->decision, "warnings");
  const json_t *was_checks = json_object_get(rec->decision, "checks");
  if (!res->decided) {
    printf("%s:%lu: no decision: %s %s/%s in %s: %s\n", file, lineno, op, kind, name, ns[0] ? ns : "-",
           res->error ? res->error : "");
    t->errors++;
    t->changed++;
    goto out;
  }
  const struct adm_decision *d = &res->decision;
  bool warn_changed = !same_warnings(was_warnings, d);
  if (was_allowed == d->allowed && !warn_changed) {
    t->unchanged++;
    goto out;
  }
  t->changed++;
  const char *what = was_allowed == d->allowed ? "warnings changed"
                     : d->allowed              ? "denied -> allowed"
                                               : "allowed -> denied";
  printf("%s:%lu: %s: %s %s/%s in %s by %s\n", file, lineno, what, op, kind, name, ns[0] ? ns : "-",
         user[0] ? user : "-");
  if (!d->allowed)
    printf("    reason: %s\n", d->message ? d->message : "");
  if (warn_changed) {
    print_strings("warnings now", d->warnings, d->n_warnings);
    const char *before[ADM_MAX_WARNINGS * 4];
    size_t nb = 0;
    for (size_t i = 0; i < json_array_size(was_warnings) && nb < sizeof before / sizeof before[0]; i++)
      if (json_is_string(json_array_get(was_warnings, i)))
        before[nb++] = json_string_value(json_array_get(was_warnings, i));
    print_strings("warnings before", before, nb);
  }
  struct tally *nt = tally_of(&t->by_ns, ns[0] ? ns : "(cluster)");
  if (was_allowed && !d->allowed) {
    t->newly_denied++;
    if (nt)
      nt->newly_denied++;
  } else if (!was_allowed && d->allowed) {
    t->newly_allowed++;
    if (nt)
      nt->newly_allowed++;
  } else {
    t->warnings_changed++;
    if (nt)
      nt->warnings_changed++;
  }
  for (size_t i = 0; i < d->n_failed_checks; i++) {
    if (str_in(was_checks, d->failed_checks[i]))
      continue;
    struct tally *ct = tally_of(&t->by_check, d->failed_checks[i]);
    if (ct && !d->allowed)
      ct->newly_denied++;
    else if (ct)
      ct->warnings_changed++;
  }
  /* A check that only warned, was audited or ran in dry-run when recorded
   * and now denies: the dry-run-to-enforce step, named by check. */
  for (size_t k = 0; was_allowed && !d->allowed && k < d->n_outcomes; k++) {
    const struct adm_outcome *o = &d->outcomes[k];
    bool seen_before = false;
    for (size_t j = 0; j < k && !seen_before; j++)
      seen_before = d->outcomes[j].mode == ADM_MODE_ENFORCE && strcmp(d->outcomes[j].check, o->check) == 0;
    if (o->mode != ADM_MODE_ENFORCE || seen_before || !str_in(was_checks, o->check))
      continue;
    struct tally *ct = tally_of(&t->by_check, o->check);
    if (ct)
      ct->now_denying++;
  }
  size_t i;
  const json_t *v;
  json_array_foreach(was_checks, i, v) {
    bool still = false;
    for (size_t k = 0; k < d->n_failed_checks && !still && json_is_string(v); k++)
      still = strcmp(d->failed_checks[k], json_string_value(v)) == 0;
    struct tally *ct = !still && json_is_string(v) ? tally_of(&t->by_fixed_check, json_string_value(v)) : NULL;
    if (ct)
      ct->newly_allowed++;
  }
out:
  if (res->decoded)
    adm_review_request_release(&res->req);
  adm_arena_free(&a);
}

static void print_summary(struct replay_totals *t) {
  if (t->by_ns.n) {
    qsort(t->by_ns.items, t->by_ns.n, sizeof *t->by_ns.items, cmp_tally);
    printf("by namespace:\n");
    for (size_t i = 0; i < t->by_ns.n; i++) {
      const struct tally *e = &t->by_ns.items[i];
      printf("  %-30s %lu newly denied, %lu newly allowed, %lu warnings changed\n", e->key, e->newly_denied,
             e->newly_allowed, e->warnings_changed);
    }
  }
  if (t->by_check.n || t->by_fixed_check.n) {
    /* qsort must not be given NULL, even with no items. */
    if (t->by_check.n)
      qsort(t->by_check.items, t->by_check.n, sizeof *t->by_check.items, cmp_tally);
    if (t->by_fixed_check.n)
      qsort(t->by_fixed_check.items, t->by_fixed_check.n, sizeof *t->by_fixed_check.items, cmp_tally);
    printf("by check id:\n");
    for (size_t i = 0; i < t->by_check.n; i++) {
      const struct tally *e = &t->by_check.items[i];
      printf("  %-30s ", e->key);
      if (e->newly_denied || e->warnings_changed)
        printf("newly failing in %lu denied and %lu allowed requests%s", e->newly_denied, e->warnings_changed,
               e->now_denying ? "; " : "");
      if (e->now_denying)
        printf("failing before without denying, now denies %lu request%s", e->now_denying,
               e->now_denying == 1 ? "" : "s");
      putchar('\n');
    }
    for (size_t i = 0; i < t->by_fixed_check.n; i++)
      printf("  %-30s no longer failing in %lu requests\n", t->by_fixed_check.items[i].key,
             t->by_fixed_check.items[i].newly_allowed);
  }
  if (t->skipped)
    printf("%lu lines skipped (not whole records)\n", t->skipped);
  printf("%lu newly denied, %lu newly allowed, %lu with changed warnings\n", t->newly_denied, t->newly_allowed,
         t->warnings_changed);
  printf("%lu unchanged, %lu changed\n", t->unchanged, t->changed);
}

/* --- --emit-tests ------------------------------------------------------ */

/* What makes two recorded requests the same case: the request without the
 * fields that differ on every submission. */
static char *identity(const json_t *review) {
  json_t *copy = json_deep_copy(review);
  json_t *req = json_object_get(copy, "request");
  json_object_del(req, "uid");
  const char *drop[] = {"uid", "resourceVersion", "creationTimestamp", "generation", NULL};
  json_t *obj = json_object_get(req, "object");
  for (const char **k = drop; *k; k++)
    json_object_del(json_object_get(obj, "metadata"), *k);
  char *text = copy ? adm_json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref(copy);
  return text;
}

static void yaml_string(FILE *f, const char *s) {
  json_t *v = json_string(s);
  char *text = v ? adm_json_dumps(v, JSON_ENCODE_ANY) : NULL;
  fputs(text ? text : "\"\"", f);
  free(text);
  json_decref(v);
}

static void yaml_list(FILE *f, const char *key, const json_t *arr) {
  if (json_array_size(arr) == 0)
    return;
  fprintf(f, "      %s:\n", key);
  size_t i;
  const json_t *v;
  json_array_foreach(arr, i, v) {
    if (!json_is_string(v))
      continue;
    fputs("        - ", f);
    yaml_string(f, json_string_value(v));
    fputc('\n', f);
  }
}

/* target as a path relative to the folder from (both absolute and
 * resolved), into out: "../policies/p.yaml". -1 when it does not fit. */
static int relative_path(const char *from, const char *target, char *out, size_t len) {
  /* common: the last slash both share, so the prefix ends at a component. */
  size_t i = 0, common = 0;
  for (; from[i] && from[i] == target[i]; i++)
    if (from[i] == '/')
      common = i;
  if (from[i] == '\0' && target[i] == '/')
    common = i;
  size_t n = 0;
  for (const char *p = from + common; *p; p++) {
    if (*p != '/' && p[-1] == '/') {
      if (n + 3 >= len)
        return -1;
      memcpy(out + n, "../", 3);
      n += 3;
    }
  }
  int w = snprintf(out + n, len - n, "%s", target + common + 1);
  return w < 0 || (size_t)w >= len - n ? -1 : 0;
}

static int emit_tests(const char *dir, const char *policy, char **files, int n_files) {
  char path[PATH_MAX], abs_policy[PATH_MAX], abs_dir[PATH_MAX], rel_policy[PATH_MAX];
  if (policy && realpath(policy, abs_policy) == NULL) {
    fprintf(stderr, "admitd replay: --policy: %s: %s\n", policy, strerror(errno));
    return 2;
  }
  snprintf(path, sizeof path, "%s/requests", dir);
  if ((mkdir(dir, 0755) < 0 && errno != EEXIST) || (mkdir(path, 0755) < 0 && errno != EEXIST)) {
    fprintf(stderr, "admitd replay: --emit-tests: cannot create %s: %s\n", path, strerror(errno));
    return 2;
  }
  /* A suite's paths are relative to the suite, so the folder still works
   * when it is committed and checked out elsewhere with its policy. */
  if (policy &&
      (realpath(dir, abs_dir) == NULL || relative_path(abs_dir, abs_policy, rel_policy, sizeof rel_policy) < 0)) {
    fprintf(stderr, "admitd replay: --emit-tests: %s: cannot name the policy relative to it\n", dir);
    return 2;
  }
  snprintf(path, sizeof path, "%s/recorded.test.yaml", dir);
  FILE *suite = fopen(path, "w");
  if (suite == NULL) {
    fprintf(stderr, "admitd replay: --emit-tests: cannot write %s: %s\n", path, strerror(errno));
    return 2;
  }
  fprintf(suite, "# Made by admitd replay --emit-tests: one case per distinct recorded request, expecting\n"
                 "# the decision admitd made when it was recorded. Review it, rename the cases, and keep\n"
                 "# only the expectations that matter.\n"
                 "apiVersion: admitd.io/v1alpha1\nkind: Test\n");
  if (policy) {
    fputs("policy: ", suite);
    yaml_string(suite, rel_policy);
    fputc('\n', suite);
  } else {
    fputs("# policy: the policy these requests were decided under (default: the built-in policy)\n", suite);
  }
  fputs("cases:\n", suite);
  char **seen = NULL;
  size_t n_seen = 0, cap_seen = 0;
  unsigned long skipped = 0, records = 0;
  int status = 0;
  char *buf = NULL;
  size_t cap = 0;
  for (int i = 0; i < n_files; i++) {
    FILE *f = open_recording(files[i]);
    if (f == NULL) {
      status = 2;
      continue;
    }
    unsigned long lineno = 0;
    struct record rec;
    int got;
    while ((got = next_record(f, files[i], &lineno, &buf, &cap, &skipped, &rec)) == 1) {
      records++;
      char *id = identity(rec.review);
      bool dup = id == NULL;
      for (size_t k = 0; k < n_seen && !dup; k++)
        dup = strcmp(seen[k], id) == 0;
      if (!dup && n_seen == cap_seen) {
        size_t nc = cap_seen ? cap_seen * 2 : 64;
        char **ns = realloc(seen, nc * sizeof *ns);
        dup = ns == NULL;
        if (ns) {
          seen = ns;
          cap_seen = nc;
        }
      }
      if (dup) {
        free(id);
        json_decref(rec.root);
        continue;
      }
      seen[n_seen++] = id;
      snprintf(path, sizeof path, "%s/requests/%04zu.json", dir, n_seen);
      if (json_dump_file(rec.review, path, JSON_INDENT(2)) < 0) {
        fprintf(stderr, "admitd replay: --emit-tests: cannot write %s\n", path);
        status = 2;
      }
      const json_t *req = json_object_get(rec.review, "request");
      const json_t *obj = json_object_get(req, "object");
      const char *name = adm__str_field(req, "name", NULL);
      if (!name[0])
        name = adm__str_field(obj, "metadata", "name");
      if (!name[0])
        name = adm__str_field(obj, "metadata", "generateName");
      char title[1024];
      snprintf(title, sizeof title, "%s %s %s/%s by %s (%s:%lu)", adm__str_field(req, "operation", NULL),
               adm__str_field(req, "kind", "kind"), adm__str_field(req, "namespace", NULL), name,
               adm__str_field(req, "userInfo", "username"), files[i], lineno);
      fputs("  - name: ", suite);
      yaml_string(suite, title);
      fprintf(suite, "\n    request: requests/%04zu.json\n", n_seen);
      /* The labels the decision read, so the case judges in the same namespace. */
      const json_t *labels = json_object_get(rec.decision, "namespaceLabels");
      if (json_is_object(labels)) {
        fputs(json_object_size(labels) ? "    namespaceLabels:\n" : "    namespaceLabels: {}\n", suite);
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)labels, k, v) {
          if (!json_is_string(v))
            continue;
          fputs("      ", suite);
          yaml_string(suite, k);
          fputs(": ", suite);
          yaml_string(suite, json_string_value(v));
          fputc('\n', suite);
        }
      }
      fprintf(suite, "    expect:\n      allowed: %s\n",
              json_is_true(json_object_get(rec.decision, "allowed")) ? "true" : "false");
      yaml_list(suite, "checks", json_object_get(rec.decision, "checks"));
      yaml_list(suite, "warnings", json_object_get(rec.decision, "warnings"));
      json_decref(rec.root);
    }
    if (got < 0)
      status = 2;
    fclose(f);
  }
  free(buf);
  for (size_t k = 0; k < n_seen; k++)
    free(seen[k]);
  free(seen);
  if (fclose(suite) != 0)
    status = 2;
  if (n_seen == 0) {
    fprintf(stderr, "admitd replay: --emit-tests: no records read; %s has no cases\n", path);
    status = 2;
  }
  printf("%lu records, %zu distinct requests: wrote %s/recorded.test.yaml and %s/requests/\n", records, n_seen, dir,
         dir);
  if (skipped)
    printf("%lu lines skipped (not whole records)\n", skipped);
  return status;
}

static void replay_usage(FILE *f) {
  fprintf(f, "usage: admitd replay [--offline] --policy CANDIDATE RECORDING...\n"
             "       admitd replay --emit-tests DIR [--policy FILE] RECORDING...\n"
             "Re-decides every request recorded by admitd serve --record under CANDIDATE and prints each\n"
             "one whose decision flips or whose warnings change, a summary by namespace and by check id,\n"
             "and \"N unchanged, M changed\". Exit 0 if nothing would be newly denied, 1 if something\n"
             "would, 2 on a usage or input error. Lines that are not whole records are reported and skipped.\n"
             "With --emit-tests, writes DIR/recorded.test.yaml (one case per distinct request, expecting the\n"
             "recorded decision) and DIR/requests/ for admitd test.\n"
             "With --offline no registry is asked: verify rules pass without a verdict.\n");
}

int adm_cli_replay(int argc, char **argv) {
  static const struct option longopts[] = {
      {"policy", required_argument, NULL, 'p'},
      {"emit-tests", required_argument, NULL, 'e'},
      {"offline", no_argument, NULL, 'O'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  const char *policy = NULL, *emit = NULL;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "p:e:h", longopts, NULL)) != -1) {
    switch (c) {
    case 'p':
      policy = optarg;
      break;
    case 'e':
      emit = optarg;
      break;
    case 'O':
      adm_fact_backend_set(&adm_offline_fact_backend);
      break;
    case 'h':
      replay_usage(stdout);
      return 0;
    default:
      replay_usage(stderr);
      return 2;
    }
  }
  if (optind >= argc || (!policy && !emit)) {
    replay_usage(stderr);
    return 2;
  }
  if (emit)
    return emit_tests(emit, policy, argv + optind, argc - optind);
  struct adm_config *cfg;
  struct adm_error err = {0};
  if (adm_config_load(policy, &cfg, &err) < 0) {
    char msg[1024];
    adm_error_format(&err, msg, sizeof msg);
    fprintf(stderr, "admitd replay: --policy: %s\n", msg);
    return 2;
  }
  struct adm_pipeline_result *res = malloc(sizeof *res);
  if (res == NULL) {
    adm_config_free(cfg);
    return 2;
  }
  struct replay_totals t;
  memset(&t, 0, sizeof t);
  int status = 0;
  char *buf = NULL;
  size_t cap = 0;
  for (int i = optind; i < argc; i++) {
    FILE *f = open_recording(argv[i]);
    if (f == NULL) {
      status = 2;
      continue;
    }
    unsigned long lineno = 0;
    struct record rec;
    int got;
    while ((got = next_record(f, argv[i], &lineno, &buf, &cap, &t.skipped, &rec)) == 1) {
      replay_one(cfg, argv[i], lineno, &rec, &t, res);
      json_decref(rec.root);
    }
    if (got < 0)
      status = 2;
    fclose(f);
  }
  free(buf);
  print_summary(&t);
  if (status == 0 && t.newly_denied > 0)
    status = 1;
  tallies_free(&t.by_ns);
  tallies_free(&t.by_check);
  tallies_free(&t.by_fixed_check);
  free(res);
  adm_config_free(cfg);
  fflush(stdout);
  return status;
}
