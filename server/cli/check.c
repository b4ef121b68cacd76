/* `admitd check` and `admitd check-config`: judge manifests and recorded
 * AdmissionReviews through the server's own pipeline (adm_pipeline_run), and
 * validate policy files. One line per object on stdout, including objects
 * that could not be judged; files that cannot be read and usage errors go
 * to stderr. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admitd/cli.h"
#include "admitd/decide.h"
#include "admitd/extract.h"
#include "admitd/manifest.h"
#include "admitd/pipeline.h"
#include "admitd/synth.h"

struct check_opts {
  bool has_level;
  struct adm_level_version lv;
  const struct adm_config *cfg;
  const char *namespace;
  bool json;
};

static const char *str_field(const json_t *obj, const char *a, const char *b) {
  const json_t *v = json_object_get(obj, a);
  if (b)
    v = json_is_object(v) ? json_object_get(v, b) : NULL;
  return json_is_string(v) ? json_string_value(v) : "";
}

/* What one object came to. */
struct verdict {
  struct adm_decision d;
  const char *kind, *name;
  const char *error; /* set: the object could not be judged (exit 2) */
};

static void print_json(const char *file, const struct adm_manifest_object *mo, const struct verdict *v) {
  const struct adm_decision *d = &v->d;
  json_t *checks = json_array(), *warnings = json_array(), *reasons = json_array();
  for (size_t i = 0; i < d->n_failed_checks; i++)
    json_array_append_new(checks, json_string(d->failed_checks[i]));
  for (size_t i = 0; i < d->n_warnings; i++)
    json_array_append_new(warnings, json_string(d->warnings[i]));
  if (!d->allowed && d->message)
    json_array_append_new(reasons, json_string(d->message));
  json_t *line = json_pack("{s:s, s:I, s:s, s:s, s:b, s:b, s:o, s:o, s:o}", "file", file, "doc", (json_int_t)mo->doc,
                           "kind", v->kind, "name", v->name, "allowed", d->allowed, "judged", d->judged, "reasons",
                           reasons, "checks", checks, "warnings", warnings);
  if (line && mo->item[0])
    json_object_set_new(line, "item", json_string(mo->item));
  if (line && v->error)
    json_object_set_new(line, "error", json_string(v->error));
  char *text = line ? adm_json_dumps(line, JSON_COMPACT) : NULL;
  if (text)
    puts(text);
  free(text);
  json_decref(line);
}

static void print_text(const char *file, const struct adm_manifest_object *mo, bool multi, const struct verdict *v) {
  const struct adm_decision *d = &v->d;
  printf("%s", file);
  if (multi || mo->item[0])
    printf("#%zu", mo->doc);
  if (mo->item[0])
    printf(".%s", mo->item);
  printf(" %s/%s: ", v->kind, v->name);
  if (v->error) {
    printf("not judged: %s:%u: %s\n", file, mo->line, v->error);
    return;
  }
  if (!d->allowed) {
    printf("denied: %s\n", d->message ? d->message : "");
    return;
  }
  printf("allowed");
  for (size_t i = 0; i < d->n_annotations; i++)
    if (strcmp(d->annotations[i].key, "exempt") == 0)
      printf(" (exempt: %s)", d->annotations[i].value);
  if (!d->judged)
    printf(" (not judged: %s)", d->skip_reason);
  for (size_t i = 0; i < d->n_warnings; i++)
    printf("; warning: %s", d->warnings[i]);
  putchar('\n');
}

/* decide lets a workload whose template cannot be read through with an
 * "error" annotation, as upstream does; offline that is no verdict at all. */
static void take_decision_error(struct verdict *v) {
  for (size_t i = 0; v->d.allowed && i < v->d.n_annotations; i++) {
    if (strcmp(v->d.annotations[i].key, "error") == 0) {
      v->error = v->d.annotations[i].value;
      v->d.judged = false;
    }
  }
}

/* The review text through the server's pipeline; the decision is in
 * res (borrowed from a). -1 with a message on stderr when no decision. */
static int run_pipeline(const struct adm_config *cfg, const char *file, const struct adm_manifest_object *mo,
                        char *text, size_t len, struct adm_arena *a, struct adm_pipeline_result *res) {
  struct adm_pipeline_limits lim;
  adm_pipeline_limits_default(&lim);
  if (text == NULL) {
    fprintf(stderr, "admitd check: %s:%u: out of memory\n", file, mo->line);
    return -1;
  }
  adm_pipeline_run(&lim, cfg, text, len, a, res);
  if (!res->decided) {
    fprintf(stderr, "admitd check: %s:%u: %s\n", file, mo->line, res->error ? res->error : "no decision");
    return -1;
  }
  return 0;
}

/* 1 if denied, 0 if allowed, -1 if it could not be read (reported on stderr). */
static int judge_review(const struct check_opts *o, const char *file, const struct adm_manifest_object *mo,
                        struct adm_arena *a, struct adm_pipeline_result *res, struct verdict *v) {
  size_t len = json_dumpb(mo->obj, NULL, 0, JSON_COMPACT);
  char *text = len ? adm_arena_alloc(a, len) : NULL;
  if (text && json_dumpb(mo->obj, text, len, JSON_COMPACT) != len)
    text = NULL;
  if (run_pipeline(o->cfg, file, mo, text, len, a, res) < 0)
    return -1;
  const struct adm_review_request *req = &res->req;
  v->d = res->decision;
  const char *okind = req->object ? str_field(req->object, "kind", NULL) : req->kind_kind;
  v->kind = okind[0] ? okind : req->kind_kind;
  v->name = req->name[0] ? req->name : (req->object ? str_field(req->object, "metadata", "name") : "");
  take_decision_error(v);
  return 0;
}

/* The request the API server would send for `kubectl create`, judged by
 * cfg: the policy, or with --level a policy of that one level everywhere
 * that enforces on workloads too (their template judged as a pod). */
static int judge_as_created(const struct check_opts *o, const char *file, const struct adm_manifest_object *mo,
                            const struct adm_pod_resource *res, struct adm_arena *a, struct adm_pipeline_result *out,
                            struct verdict *v) {
  const char *ns = str_field(mo->obj, "metadata", "namespace");
  struct adm_synth syn = {
      .uid = "admitd-check",
      .group = res->group,
      .kind = res->kind,
      .resource_group = res->group,
      .resource = res->resource,
      .name = v->name,
      .namespace = ns[0] ? ns : o->namespace,
      .object = mo->obj,
  };
  struct adm_config level_only = {.source = "--level", .enforce_on_workloads = true};
  level_only.defaults.lv[ADM_MODE_ENFORCE] = level_only.defaults.lv[ADM_MODE_AUDIT] =
      level_only.defaults.lv[ADM_MODE_WARN] = o->lv;
  size_t len = 0;
  char *text = adm_synth_review(a, &syn, &len);
  if (run_pipeline(o->has_level ? &level_only : o->cfg, file, mo, text, len, a, out) < 0)
    return -1;
  v->d = out->decision;
  /* A pod the server cannot read is denied (fail closed); a manifest
   * that cannot be read is an input error here, reported as such. A
   * recorded review keeps the server's answer. */
  if (!v->d.allowed && v->d.code == 400) {
    v->error = v->d.message;
    v->d.judged = false;
  }
  take_decision_error(v);
  return 0;
}

/* Judge one object; 1 if denied, 0 if allowed, -1 if it could not be judged. */
static int check_object(const struct check_opts *o, const char *file, const struct adm_manifest_object *mo,
                        bool multi) {
  struct adm_arena a;
  adm_arena_init(&a, 16384, 0);
  struct adm_pipeline_result *res = malloc(sizeof *res);
  if (res == NULL) {
    fprintf(stderr, "admitd check: out of memory\n");
    return -1;
  }
  struct verdict v;
  memset(&v, 0, sizeof v);
  const char *kind = str_field(mo->obj, "kind", NULL);
  v.kind = kind[0] ? kind : "<no kind>";
  v.name = str_field(mo->obj, "metadata", "name");
  const struct adm_pod_resource *pr = adm_pod_resource_for_object(str_field(mo->obj, "apiVersion", NULL), kind);
  int rc = 0;
  if (strcmp(kind, "AdmissionReview") == 0) {
    rc = judge_review(o, file, mo, &a, res, &v);
  } else if (pr == NULL) {
    v.d.allowed = true;
    v.d.skip_reason = "not a built-in workload";
  } else {
    rc = judge_as_created(o, file, mo, pr, &a, res, &v);
  }
  if (rc == 0) {
    if (o->json)
      print_json(file, mo, &v);
    else
      print_text(file, mo, multi, &v);
    rc = v.error ? -1 : v.d.allowed ? 0 : 1;
  }
  adm_arena_free(&a);
  free(res);
  return rc;
}

static void check_usage(FILE *f) {
  fprintf(f, "usage: admitd check [--level LEVEL] [--version VERSION] [--policy FILE] [--namespace NS]\n"
             "                    [--output text|json] FILE...\n"
             "Judges Pod and workload manifests (YAML or JSON, '-' for stdin) and recorded\n"
             "AdmissionReview files. With --level, a workload is judged by its pod template as a pod.\n"
             "Exit 0 if all are allowed, 1 if any is denied, 2 on a usage or input error.\n");
}

int adm_cli_check(int argc, char **argv) {
  static const struct option longopts[] = {
      {"level", required_argument, NULL, 'l'},
      {"version", required_argument, NULL, 'V'},
      {"policy", required_argument, NULL, 'p'},
      {"output", required_argument, NULL, 'o'},
      {"namespace", required_argument, NULL, 'n'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  struct check_opts o = {.lv = {ADM_LEVEL_PRIVILEGED, ADM_VERSION_LATEST}, .namespace = "default"};
  const char *policy = NULL, *version = NULL;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "l:V:p:o:n:h", longopts, NULL)) != -1) {
    switch (c) {
    case 'l':
      if (adm_level_parse(optarg, &o.lv.level) < 0) {
        fprintf(stderr, "admitd check: --level: unknown level \"%s\" (want privileged, baseline or restricted)\n",
                optarg);
        return 2;
      }
      o.has_level = true;
      break;
    case 'V':
      version = optarg;
      break;
    case 'p':
      policy = optarg;
      break;
    case 'n':
      o.namespace = optarg;
      break;
    case 'o':
      if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
        fprintf(stderr, "admitd check: --output: want text or json, got \"%s\"\n", optarg);
        return 2;
      }
      o.json = strcmp(optarg, "json") == 0;
      break;
    case 'h':
      check_usage(stdout);
      return 0;
    default:
      check_usage(stderr);
      return 2;
    }
  }
  if (version && adm_version_parse(version, &o.lv.minor) < 0) {
    fprintf(stderr, "admitd check: --version: invalid version \"%s\" (want latest or v1.N)\n", version);
    return 2;
  }
  if (version && !o.has_level) {
    fprintf(stderr, "admitd check: --version needs --level\n");
    return 2;
  }
  if (optind >= argc) {
    check_usage(stderr);
    return 2;
  }
  struct adm_config *cfg = NULL;
  struct adm_error err = {0};
  if (policy) {
    if (adm_config_load(policy, &cfg, &err) < 0) {
      char msg[1024];
      adm_error_format(&err, msg, sizeof msg);
      fprintf(stderr, "admitd check: %s\n", msg);
      return 2;
    }
  } else {
    cfg = adm_config_default();
  }
  o.cfg = cfg;
  int status = 0;
  for (int i = optind; i < argc; i++) {
    struct adm_manifest_set set;
    if (adm_manifest_load(argv[i], &set, &err) < 0) {
      char msg[1024];
      adm_error_format(&err, msg, sizeof msg);
      fprintf(stderr, "admitd check: %s\n", msg);
      status = 2;
      continue;
    }
    for (size_t j = 0; j < set.n; j++) {
      int r = check_object(&o, argv[i], &set.objects[j], set.n > 1);
      if (r < 0)
        status = 2;
      else if (r > 0 && status == 0)
        status = 1;
    }
    adm_manifest_set_free(&set);
  }
  adm_config_free(cfg);
  fflush(stdout);
  return status;
}

/* Every error of the file, each on its own line. */
static void print_config_error(void *ctx, const struct adm_error *err) {
  (void)ctx;
  char msg[1024];
  adm_error_format(err, msg, sizeof msg);
  fprintf(stderr, "admitd check-config: %s\n", msg);
}

int adm_cli_check_config(int argc, char **argv) {
  if (argc != 2 || argv[1][0] == '-') {
    fprintf(stderr, "usage: admitd check-config FILE\n");
    return 2;
  }
  struct adm_config *cfg;
  struct adm_error err = {0};
  if (adm_config_load_report(argv[1], &cfg, &err, print_config_error, NULL) < 0)
    return 1;
  printf("%s: valid\n", argv[1]);
  adm_config_free(cfg);
  return 0;
}
