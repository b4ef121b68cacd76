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
#include "admitd/jsonw.h"
#include "admitd/facts_backend.h"
#include "admitd/manifest.h"
#include "admitd/pipeline.h"
#include "admitd/synth.h"
#include "admitd/yaml.h"
#include "judge.h"

enum output { OUT_TEXT, OUT_JSON, OUT_SARIF };

struct check_opts {
  bool has_level;
  struct adm_level_version lv;
  const struct adm_config *cfg;
  const char *namespace;
  const struct adm_ns_source *namespaces; /* the labels of every namespace (--namespace-labels) */
  enum output out;
  bool all, fail_on_warning;
};

/* What the objects judged so far came to, for the exit code. Kept as
 * separate facts, not one "worst" code: a denial and a warning in one file
 * must not hide each other, nor either hide an input error. */
struct outcome {
  bool input_error, denied, warned;
};

/* r from check_object: -1 not judged, 1 denied, 2 warned, 0 allowed. */
static void note_outcome(struct outcome *out, int r) {
  out->input_error |= r < 0;
  out->denied |= r == 1;
  out->warned |= r == 2;
}

/* What the run came to, for the summary line, SARIF and the exit code. */
struct totals {
  size_t objects, allowed, denied, warned, errors, not_judged;
  json_t *sarif; /* results, when --output sarif */
};

static const char *str_field(const json_t *obj, const char *a, const char *b) {
  return adm__str_field(obj, a, b);
}

/* What one object came to. */
struct verdict {
  struct adm_decision d;
  const char *api_version, *kind, *name, *namespace;
  const char *error; /* set: the object could not be judged (exit 2) */
};

static const char *annotation(const struct adm_decision *d, const char *key) {
  for (size_t i = 0; i < d->n_annotations; i++)
    if (strcmp(d->annotations[i].key, key) == 0)
      return d->annotations[i].value;
  return NULL;
}

/* s as a JSON string, repaired to valid UTF-8 first: a reason may quote a
 * registry's answer cut at a byte, and jansson refuses invalid UTF-8 (the
 * entry would vanish). */
static json_t *text_json(const char *s) {
  json_t *j = json_string(s ? s : "");
  if (j != NULL)
    return j;
  struct adm_arena a;
  adm_arena_init(&a, 4096, 0);
  struct adm_sb sb;
  adm_sb_init(&sb, &a);
  adm_sb_add_json_string(&sb, s);
  const char *quoted = adm_sb_str(&sb);
  j = quoted ? json_loadb(quoted, sb.len, JSON_DECODE_ANY, NULL) : NULL;
  adm_arena_free(&a);
  return j ? j : json_string("(unprintable)");
}

static void print_json(const char *file, const struct adm_manifest_object *mo, const struct verdict *v) {
  const struct adm_decision *d = &v->d;
  json_t *checks = json_array(), *warnings = json_array(), *reasons = json_array();
  for (size_t i = 0; i < d->n_failed_checks; i++)
    json_array_append_new(checks, json_string(d->failed_checks[i]));
  for (size_t i = 0; i < d->n_warnings; i++)
    json_array_append_new(warnings, text_json(d->warnings[i]));
  if (!d->allowed && d->message)
    json_array_append_new(reasons, text_json(d->message));
  /* By mode: what enforce refused (the denial), what warn told the user,
   * what audit recorded; `checks` is every failed check id across them. */
  const char *audit = annotation(d, "audit-violations"), *dry = annotation(d, "dry-run-denied");
  const char *enforce_message = d->allowed ? dry : d->message;
  json_t *modes =
      json_pack("{s:{s:b, s:o?, s:s?}, s:O, s:o?}", "enforce", "allowed", !d->dry_run_denied && d->allowed, "message",
                enforce_message ? text_json(enforce_message) : NULL, "policy", annotation(d, "enforce-policy"), "warn",
                warnings, "audit", audit ? text_json(audit) : NULL);
  /* Every failed check with its family and mode, so CI can tell what
   * caused a denial from what only warned or was audited. */
  json_t *failures = json_array();
  for (size_t i = 0; i < d->n_outcomes; i++) {
    const struct adm_outcome *o = &d->outcomes[i];
    json_t *f = json_pack("{s:s, s:s, s:s, s:o}", "family", adm_family_name((enum adm_family_id)o->family), "check",
                          o->check, "mode", adm_mode_name((enum adm_mode)o->mode), "message", text_json(o->message));
    if (f && o->detail)
      json_object_set_new(f, "detail", text_json(o->detail));
    json_array_append_new(failures, f);
  }
  const char *exempt = annotation(d, "exempt");
  json_t *line = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:b, s:b, s:s?, s:s?, s:o, s:o, s:o, s:o}", "file",
                           file, "doc", (json_int_t)mo->doc, "line", (json_int_t)mo->line, "apiVersion", v->api_version,
                           "kind", v->kind, "name", v->name, "namespace", v->namespace, "allowed", d->allowed, "judged",
                           d->judged, "skipped", d->judged || v->error ? NULL : d->skip_reason, "exempt", exempt,
                           "reasons", reasons, "checks", checks, "warnings", warnings, "modes", modes);
  if (line)
    json_object_set_new(line, "failures", failures);
  else
    json_decref(failures);
  const struct adm_image_facts *facts = d->image_facts;
  if (line && facts && facts->n) {
    json_t *images = json_array();
    for (size_t i = 0; i < facts->n; i++) {
      const struct adm_image_fact *f = &facts->items[i];
      json_array_append_new(images, json_pack("{s:s, s:s, s:o, s:s, s:o}", "image", f->image, "outcome",
                                              adm_sig_outcome_id(f->outcome), "digest", text_json(f->digest),
                                              "authorities", f->authorities, "detail", text_json(f->detail)));
    }
    json_object_set_new(line, "images", images);
  }
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
  const struct adm_image_facts *facts = d->image_facts;
  if (!d->allowed) {
    printf("denied: %s", d->message ? d->message : "");
  } else {
    printf("allowed");
    const char *exempt = annotation(d, "exempt");
    if (exempt)
      printf(" (exempt: %s)", exempt);
    if (!d->judged)
      printf(" (not judged: %s)", d->skip_reason);
    for (size_t i = 0; i < d->n_warnings; i++)
      printf("; warning: %s", d->warnings[i]);
  }
  for (size_t i = 0; facts && i < facts->n; i++) {
    const struct adm_image_fact *f = &facts->items[i];
    if (f->outcome == ADM_SIG_VERIFIED)
      printf("; image %s verified: %s (%s)", f->image, f->digest, f->authorities);
    else if (f->outcome == ADM_SIG_NOT_CHECKED)
      printf("; image %s not verified: %s", f->image, f->detail);
  }
  putchar('\n');
}

static void sarif_result(struct totals *t, const char *file, unsigned line, const char *rule, const char *level,
                         const char *text) {
  json_array_append_new(t->sarif,
                        json_pack("{s:s, s:s, s:{s:s}, s:[{s:{s:{s:s}, s:{s:I}}}]}", "ruleId", rule, "level", level,
                                  "message", "text", text, "locations", "physicalLocation", "artifactLocation", "uri",
                                  file, "region", "startLine", (json_int_t)(line ? line : 1)));
}

static void print_sarif(struct totals *t) {
  json_t *doc = json_pack(
      "{s:s, s:s, s:[{s:{s:{s:s, s:s, s:s, s:[{s:s, s:{s:s}}, {s:s, s:{s:s}}, {s:s, s:{s:s}}]}}, s:O}]}", "$schema",
      "https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0", "runs", "tool", "driver", "name", "admitd",
      "version", ADMITD_VERSION, "informationUri", "https://github.com/admitd/admitd", "rules", "id", "admitd.denied",
      "shortDescription", "text", "admitd would deny this object", "id", "admitd.warning", "shortDescription", "text",
      "admitd would warn about this object", "id", "admitd.error", "shortDescription", "text",
      "admitd could not read this object", "results", t->sarif);
  char *text = doc ? adm_json_dumps(doc, JSON_INDENT(2)) : NULL;
  if (text)
    puts(text);
  free(text);
  json_decref(doc);
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
static int run_pipeline(const struct check_opts *o, const struct adm_config *cfg, const char *file,
                        const struct adm_manifest_object *mo, char *text, size_t len, struct adm_arena *a,
                        struct adm_pipeline_result *res) {
  struct adm_pipeline_options opt;
  adm_pipeline_options_default(&opt);
  opt.namespaces = o->namespaces;
  if (text == NULL) {
    fprintf(stderr, "admitd check: %s:%u: out of memory\n", file, mo->line);
    return -1;
  }
  adm_pipeline_run(&opt, cfg, text, len, a, res, NULL);
  if (!res->decided) {
    fprintf(stderr, "admitd check: %s:%u: %s\n", file, mo->line, res->error ? res->error : "no decision");
    return -1;
  }
  return 0;
}

/* 1 if denied, 0 if allowed, -1 if it could not be read (reported on stderr). */
static int judge_review(const struct check_opts *o, const char *file, const struct adm_manifest_object *mo,
                        struct adm_arena *a, struct adm_pipeline_result *res, struct verdict *v) {
  size_t len = 0;
  char *text = adm_json_dump_arena(a, mo->obj, &len);
  if (run_pipeline(o, o->cfg, file, mo, text, len, a, res) < 0)
    return -1;
  const struct adm_review_request *req = &res->req;
  v->d = res->decision;
  const char *okind = req->object ? str_field(req->object, "kind", NULL) : req->kind_kind;
  v->kind = okind[0] ? okind : req->kind_kind;
  v->name = req->name[0] ? req->name : (req->object ? str_field(req->object, "metadata", "name") : "");
  if (!v->name[0] && req->object)
    v->name = str_field(req->object, "metadata", "generateName");
  v->namespace = req->namespace;
  const char *av = req->object ? str_field(req->object, "apiVersion", NULL) : "";
  v->api_version = av[0] ? av : str_field(mo->obj, "apiVersion", NULL);
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
      .name = str_field(mo->obj, "metadata", "name"),
      .namespace = ns[0] ? ns : o->namespace,
      .object = mo->obj,
  };
  struct adm_config level_only = {.source = "--level", .pod_security.enforce_on_workloads = true};
  struct adm_mode_levels *lvs = &level_only.pod_security.defaults;
  lvs->lv[ADM_MODE_ENFORCE] = lvs->lv[ADM_MODE_AUDIT] = lvs->lv[ADM_MODE_WARN] = o->lv;
  size_t len = 0;
  char *text = adm_synth_review(a, &syn, &len);
  if (run_pipeline(o, o->has_level ? &level_only : o->cfg, file, mo, text, len, a, out) < 0)
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

static void count(const struct check_opts *o, struct totals *t, const char *file, const struct adm_manifest_object *mo,
                  const struct verdict *v) {
  t->objects++;
  if (v->error) {
    t->errors++;
  } else if (!v->d.allowed) {
    t->denied++;
  } else {
    t->allowed++;
    t->not_judged += !v->d.judged;
  }
  t->warned += v->d.n_warnings > 0;
  if (o->out != OUT_SARIF)
    return;
  if (v->error)
    sarif_result(t, file, mo->line, "admitd.error", "error", v->error);
  else if (!v->d.allowed)
    sarif_result(t, file, mo->line, "admitd.denied", "error", v->d.message ? v->d.message : "denied");
  for (size_t i = 0; i < v->d.n_warnings; i++)
    sarif_result(t, file, mo->line, "admitd.warning", "warning", v->d.warnings[i]);
}

/* Judge one object; 1 if denied, 2 if allowed with warnings, 0 if allowed
 * without, -1 if it could not be judged. */
static int check_object(const struct check_opts *o, struct totals *t, const char *file,
                        const struct adm_manifest_object *mo, bool multi) {
  struct adm_arena a;
  adm_arena_init(&a, 16384, 0);
  struct adm_pipeline_result *res = malloc(sizeof *res);
  if (res == NULL) {
    fprintf(stderr, "admitd check: out of memory\n");
    return -1;
  }
  res->decoded = false;
  res->error = NULL;
  struct verdict v;
  memset(&v, 0, sizeof v);
  const char *kind = str_field(mo->obj, "kind", NULL), *ns = str_field(mo->obj, "metadata", "namespace");
  v.kind = kind[0] ? kind : "<no kind>";
  v.api_version = str_field(mo->obj, "apiVersion", NULL);
  v.namespace = ns[0] ? ns : o->namespace;
  v.name = str_field(mo->obj, "metadata", "name");
  if (!v.name[0])
    v.name = str_field(mo->obj, "metadata", "generateName");
  const struct adm_pod_resource *pr = adm_pod_resource_for_object(v.api_version, kind);
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
    count(o, t, file, mo, &v);
    /* Objects outside the policy are noise in a 59-object file: shown with --all. */
    bool show = o->all || v.error || v.d.judged || !v.d.allowed;
    if (show && o->out == OUT_JSON)
      print_json(file, mo, &v);
    else if (show && o->out == OUT_TEXT)
      print_text(file, mo, multi, &v);
    rc = v.error ? -1 : !v.d.allowed ? 1 : v.d.n_warnings ? 2 : 0;
  } else {
    t->objects++;
    t->errors++;
    if (o->out == OUT_SARIF)
      sarif_result(t, file, mo->line, "admitd.error", "error", res->error ? res->error : "no decision");
  }
  if (res->decoded)
    adm_review_request_release(&res->req);
  adm_arena_free(&a);
  free(res);
  return rc;
}

static void check_usage(FILE *f) {
  fprintf(f, "usage: admitd check [--level LEVEL] [--version VERSION] [--policy FILE] [--namespace NS]\n"
             "                    [--namespace-labels K=V,...] [--output text|json|sarif] [--all]\n"
             "                    [--fail-on-warning] [--offline] PATH...\n"
             "Judges Pod and workload manifests (YAML or JSON, '-' for stdin; a folder: every *.yaml,\n"
             "*.yml and *.json below it) and recorded AdmissionReview files. With --level, a workload is\n"
             "judged by its pod template as a pod. Objects admitd does not judge are listed with --all.\n"
             "Image signatures are verified against their registries as admitd serve does; with --offline\n"
             "no registry is asked and the images that could not be verified are listed.\n"
             "Exit 0: all allowed; 1: any denied (or warned, with --fail-on-warning); 2: an input error\n"
             "(what could be read is still judged); 3: both an input error and a denial.\n"
             "--namespace-labels gives the labels of the namespace (for podSecurity.namespaceLabels and\n"
             "namespaceSelector); without it every namespace has none but kubernetes.io/metadata.name.\n");
}

static void print_error(const struct adm_error *err, const char *prefix) {
  char msg[1024];
  adm_error_format(err, msg, sizeof msg);
  fprintf(stderr, "admitd check: %s%s\n", prefix ? prefix : "", msg);
}

/* One input file, judged document by document as adm_manifest_each hands
 * them over: only one document's tree is held at a time. */
struct check_file {
  const struct check_opts *o;
  struct totals *t;
  struct outcome *seen;
  const char *file;
  bool doc_error; /* a document could not be read (reported here) */
};

/* Input that could not be read: reported, counted as an error. */
static void count_unread(struct check_file *cf, const struct adm_error *err, unsigned line, const char *prefix) {
  print_error(err, prefix);
  cf->seen->input_error = true;
  cf->t->objects++;
  cf->t->errors++;
  if (cf->o->out == OUT_SARIF) {
    char msg[1024];
    adm_error_format(err, msg, sizeof msg);
    sarif_result(cf->t, cf->file, line, "admitd.error", "error", msg);
  }
}

static int check_document(void *ctx, const struct adm_manifest_doc *d) {
  struct check_file *cf = ctx;
  if (d->set != NULL) {
    for (size_t j = 0; j < d->set->n; j++)
      note_outcome(cf->seen, check_object(cf->o, cf->t, cf->file, &d->set->objects[j], d->multi));
    return 0;
  }
  /* The others are still judged: name the document that was not. */
  char prefix[4200] = "";
  if (d->multi)
    snprintf(prefix, sizeof prefix, "%s#%zu (from line %u): ", cf->file, d->doc, d->line);
  cf->doc_error = true;
  count_unread(cf, d->err, d->line, prefix);
  return 0;
}

int adm_cli_check(int argc, char **argv) {
  enum { O_ALL = 1000, O_FAIL_WARN, O_OFFLINE, O_NS_LABELS };
  static const struct option longopts[] = {
      {"level", required_argument, NULL, 'l'},
      {"version", required_argument, NULL, 'V'},
      {"policy", required_argument, NULL, 'p'},
      {"output", required_argument, NULL, 'o'},
      {"namespace", required_argument, NULL, 'n'},
      {"all", no_argument, NULL, O_ALL},
      {"fail-on-warning", no_argument, NULL, O_FAIL_WARN},
      {"offline", no_argument, NULL, O_OFFLINE},
      {"namespace-labels", required_argument, NULL, O_NS_LABELS},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  struct check_opts o = {.lv = {ADM_LEVEL_PRIVILEGED, ADM_VERSION_LATEST}, .namespace = "default"};
  const char *policy = NULL, *version = NULL, *ns_labels = "";
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
      if (strcmp(optarg, "json") == 0)
        o.out = OUT_JSON;
      else if (strcmp(optarg, "sarif") == 0)
        o.out = OUT_SARIF;
      else if (strcmp(optarg, "text") == 0)
        o.out = OUT_TEXT;
      else {
        fprintf(stderr, "admitd check: --output: want text, json or sarif, got \"%s\"\n", optarg);
        return 2;
      }
      break;
    case O_ALL:
      o.all = true;
      break;
    case O_FAIL_WARN:
      o.fail_on_warning = true;
      break;
    case O_OFFLINE:
      /* Keys are still checked; no registry is asked. */
      adm_fact_backend_set(&adm_offline_fact_backend);
      break;
    case O_NS_LABELS:
      ns_labels = optarg;
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
  /* Lives as long as the command: the labels every judgement reads. */
  static struct adm_arena labels_arena;
  static struct adm_ns_fixed fixed;
  static struct adm_ns_source source;
  adm_arena_init(&labels_arena, 4096, 1u << 20);
  const char *why = NULL;
  if (adm_ns_labels_parse(ns_labels, &labels_arena, &fixed.labels, &why) < 0) {
    fprintf(stderr, "admitd check: --namespace-labels: %s\n", why ? why : "out of memory");
    adm_arena_free(&labels_arena);
    return 2;
  }
  adm_ns_source_fixed(&fixed, &source);
  o.namespaces = &source;
  struct adm_config *cfg = NULL;
  struct adm_error err = {0};
  if (policy) {
    if (adm_config_load(policy, &cfg, &err) < 0) {
      print_error(&err, NULL);
      adm_arena_free(&labels_arena);
      return 2;
    }
  } else {
    cfg = adm_config_default();
  }
  o.cfg = cfg;
  static const char *const suffixes[] = {".yaml", ".yml", ".json", NULL};
  struct adm__paths files = {0};
  struct outcome seen = {0};
  for (int i = optind; i < argc; i++) {
    if (adm__collect_files(argv[i], suffixes, &files) < 0) {
      fprintf(stderr, "admitd check: %s: cannot read the folder\n", argv[i]);
      seen.input_error = true;
    }
  }
  for (size_t i = 0; i < files.n_skipped; i++)
    fprintf(stderr, "admitd check: note: %s: not followed: a link to a folder already read\n", files.skipped[i]);
  for (size_t i = 0; i < files.n_unread; i++)
    fprintf(stderr, "admitd check: %s\n", files.unread[i]);
  seen.input_error |= files.n_unread > 0;
  struct totals t = {0};
  if (o.out == OUT_SARIF)
    t.sarif = json_array();
  for (size_t i = 0; i < files.n; i++) {
    struct check_file cf = {.o = &o, .t = &t, .seen = &seen, .file = files.items[i]};
    if (adm_manifest_each(cf.file, check_document, &cf, &err) < 0 && !cf.doc_error) {
      /* The file itself (missing, too large): nothing of it was judged. */
      count_unread(&cf, &err, 1, NULL);
    }
  }
  /* A denied object with warnings counts as warned too (r says denied). */
  seen.warned |= t.warned > 0;
  if (o.out == OUT_SARIF)
    print_sarif(&t);
  json_decref(t.sarif);
  /* The summary goes where it cannot break a machine-read stdout. */
  fprintf(o.out == OUT_TEXT ? stdout : stderr, "%zu object%s: %zu allowed, %zu denied, %zu with warnings, %zu errors\n",
          t.objects, t.objects == 1 ? "" : "s", t.allowed, t.denied, t.warned, t.errors);
  adm__paths_free(&files);
  adm_config_free(cfg);
  adm_arena_free(&labels_arena);
  fflush(stdout);
  bool failing = seen.denied || (o.fail_on_warning && seen.warned);
  return seen.input_error ? (failing ? 3 : 2) : failing ? 1 : 0;
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
  for (size_t i = 0; i < cfg->warnings.n; i++)
    fprintf(stderr, "admitd check-config: warning: %s\n", cfg->warnings.items[i]);
  printf("%s: valid\n", argv[1]);
  adm_config_free(cfg);
  return 0;
}
