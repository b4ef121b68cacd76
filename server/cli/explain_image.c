/* `admitd explain-image --policy FILE IMAGE...`: for a person debugging a
 * denial, what each verify rule covering an image found, step by step: the
 * digest, the .sig manifest under each key authority, the referrers index,
 * each referrer (digest, artifactType, what it was judged) and how its
 * bundle fared under each authority, then the outcome. It asks the
 * registries as the server does (same keys, trusted roots, registries and
 * credentials) but past the cache, and prints what only the log would see.
 * Exit 0 when every rule covering every image verifies it, 1 when one does
 * not (or no rule covers an image), 2 usage, an unreadable policy or an
 * image that is not a reference. Owns only the arguments and the printing;
 * the verification is the verify layer's (adm_fact_backend_explain). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "admitd/cli.h"
#include "admitd/config.h"
#include "admitd/facts_backend.h"
#include "admitd/gather.h"
#include "admitd/image.h"
#include "admitd/sigtrace.h"
#include "admitd/verifier.h"

static int usage(FILE *f) {
  fprintf(f, "usage: admitd explain-image --policy FILE IMAGE...\n"
             "For each verify rule of FILE covering IMAGE: the digest, the .sig signature and every referrer,\n"
             "what each authority made of them, and the outcome. Exit 0 verified, 1 not verified, 2 usage.\n");
  return 2;
}

static void print_event(void *ctx, const struct adm_sig_trace_event *e) {
  (void)ctx;
  switch (e->step) {
  case ADM_SIG_TRACE_RESOLVED:
    printf("    digest      %s\n", e->detail);
    break;
  case ADM_SIG_TRACE_LEGACY:
    printf("    .sig        %s: %s%s%s\n", e->authority, e->judged, e->detail[0] ? ": " : "", e->detail);
    break;
  case ADM_SIG_TRACE_REFERRERS:
    printf("    referrers   %s: %s\n", e->judged, e->detail);
    break;
  case ADM_SIG_TRACE_REFERRER:
    printf("    referrer    %s %s: %s: %s\n", e->referrer,
           e->artifact_type && e->artifact_type[0] ? e->artifact_type : "-", e->judged, e->detail);
    break;
  case ADM_SIG_TRACE_BUNDLE:
    printf("      %-10s %s: %s\n", e->authority, e->judged, e->detail);
    break;
  }
}

/* Every verify rule of cfg covering image, explained; true when all verify it. */
static bool explain(const struct adm_config *cfg, const char *image, const struct adm_image_ref *ref) {
  const struct adm_family_config *fc = &cfg->families[ADM_FAMILY_IMAGES];
  struct adm_sig_trace trace = {print_event, NULL};
  size_t covered = 0;
  bool all = true;
  printf("image %s\n", image);
  for (size_t i = 0; i < fc->n_rules; i++) {
    const struct adm_images_rule *rule = adm_rule_images(&fc->rules[i].settings);
    if (!rule->verify.set || !adm_images_verify_covers(&rule->verify, ref))
      continue;
    covered++;
    struct adm_image_need need = {.rule = rule, .rule_index = i, .ref = *ref};
    adm_image_ref_string(ref, need.image, sizeof need.image);
    if (fc->rules[i].name)
      printf("  rule images.rules[%zu] \"%s\"\n", i, fc->rules[i].name);
    else
      printf("  rule images.rules[%zu]\n", i);
    struct adm_gathered_fact out;
    adm_fact_backend_explain(cfg, &need, adm_verifier_deadline_in(cfg->images.deadline_ms), &trace, &out);
    printf("    outcome     %s: %s\n", adm_sig_outcome_id(out.outcome), out.detail);
    if (out.outcome != ADM_SIG_VERIFIED)
      all = false;
  }
  if (covered == 0) {
    printf("  no verify rule covers it\n");
    return false;
  }
  return all;
}

int adm_cli_explain_image(int argc, char **argv) {
  static const struct option opts[] = {
      {"policy", required_argument, NULL, 'p'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  const char *policy = NULL;
  optind = 1;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'p') {
      policy = optarg;
    } else if (c == 'h') {
      usage(stdout);
      return 0;
    } else {
      return usage(stderr);
    }
  }
  if (policy == NULL || optind >= argc)
    return usage(stderr);
  struct adm_image_ref refs[64];
  if (argc - optind > 64) {
    fprintf(stderr, "admitd explain-image: at most 64 images at once\n");
    return 2;
  }
  for (int i = optind; i < argc; i++) {
    const char *why = NULL;
    if (adm_image_ref_parse(argv[i], &refs[i - optind], &why) < 0) {
      fprintf(stderr, "admitd explain-image: %s: not an image reference: %s\n", argv[i], why ? why : "invalid");
      return 2;
    }
  }
  struct adm_config *cfg = NULL;
  struct adm_error err = {0};
  if (adm_config_load(policy, &cfg, &err) < 0) {
    char msg[1024];
    adm_error_format(&err, msg, sizeof msg);
    fprintf(stderr, "admitd explain-image: %s\n", msg);
    return 2;
  }
  bool all = true;
  for (int i = optind; i < argc; i++)
    all = explain(cfg, argv[i], &refs[i - optind]) && all;
  adm_config_free(cfg);
  return all ? 0 : 1;
}
