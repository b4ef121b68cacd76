/* libFuzzer harness: arbitrary bytes as a policy file and as a manifest
 * (the YAML loader, the config schema and the extractor). A policy that
 * parses then judges a fixed pod through the pipeline, so fuzzed family
 * rules are evaluated too. Errors are fine; crashes and sanitizer reports
 * are not, nor is a decision that is not valid JSON. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <string.h>

#include "admitd/config.h"
#include "admitd/extract.h"
#include "admitd/facts.h"
#include "admitd/gather.h"
#include "admitd/pipeline.h"
#include "admitd/yaml.h"

static const char pod_review[] =
    "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u\",\"kind\":{"
    "\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},\"resource\":{\"group\":\"\",\"version\":\"v1\","
    "\"resource\":\"pods\"},\"name\":\"p\",\"namespace\":\"team\",\"operation\":\"CREATE\",\"object\":{"
    "\"metadata\":{\"name\":\"p\",\"labels\":{\"tier\":\"web\"}},\"spec\":{\"securityContext\":{\"fsGroup\":5,"
    "\"sysctls\":[{\"name\":\"kernel.msgmax\",\"value\":\"1\"}]},\"initContainers\":[{\"name\":\"s\","
    "\"restartPolicy\":\"Always\",\"resources\":{\"requests\":{\"cpu\":\"1\"}}}],\"containers\":[{\"name\":\"a\","
    "\"image\":\"x\",\"resources\":{\"requests\":{\"memory\":\"1Gi\",\"cpu\":\"100m\"},\"limits\":{\"memory\":"
    "\"8Ei\",\"cpu\":\"1e3\"}},\"securityContext\":{\"privileged\":true,\"capabilities\":{\"add\":[\"SYS_ADMIN\"]}}}]}}"
    "}}";

static void judge(const struct adm_config *cfg) {
  static struct adm_arena arena;
  static struct adm_pipeline_result res;
  static char body[sizeof pod_review];
  if (arena.block_size == 0)
    adm_arena_init(&arena, 65536, 0);
  memcpy(body, pod_review, sizeof pod_review);
  struct adm_pipeline_options opt;
  adm_pipeline_options_default(&opt);
  adm_pipeline_run(&opt, cfg, body, sizeof pod_review - 1, &arena, &res, NULL);
  json_t *j = json_loadb(res.body, res.len, 0, NULL);
  if (j == NULL)
    abort();
  json_decref(j);
  if (res.decoded)
    adm_review_request_release(&res.req);
  adm_arena_recycle(&arena, 1u << 20);
}

/* A fact backend with no I/O: each image's outcome follows from its name,
 * so fuzzed verify rules reach every outcome, mode and onRegistryError. */
static int fake_prepare(struct adm_config *cfg, void (*report)(void *, const struct adm_error *), void *ctx,
                        struct adm_error *err) {
  (void)report, (void)ctx, (void)err;
  static int runtime;
  cfg->images.runtime = &runtime;
  return 0;
}

static void fake_release(void *rt) {
  (void)rt;
}

static void fake_answer(const struct adm_image_need *need, struct adm_gathered_fact *out) {
  memset(out, 0, sizeof *out);
  out->rule_index = need->rule_index;
  snprintf(out->image, sizeof out->image, "%s", need->image);
  unsigned h = 0;
  for (const char *c = need->image; *c; c++)
    h = h * 31 + (unsigned char)*c;
  out->outcome = (enum adm_sig_outcome)(h % ADM_SIG_OUTCOME_COUNT);
  snprintf(out->digest, sizeof out->digest, "sha256:%064u", h);
  snprintf(out->authorities, sizeof out->authorities, "a\"\\\n%u", h);
  snprintf(out->detail, sizeof out->detail, "detail \"%s\"", need->image);
}

static bool fake_lookup(void *rt, const struct adm_image_need *need, struct adm_gathered_fact *out) {
  (void)rt;
  if (need->image[0] % 2)
    return false;
  fake_answer(need, out);
  return true;
}

static void fake_gather(void *rt, const struct adm_image_need *need, int64_t deadline_ms,
                        struct adm_gathered_fact *out) {
  (void)rt, (void)deadline_ms;
  fake_answer(need, out);
}

static const struct adm_fact_backend fake_backend = {fake_prepare, fake_release, fake_lookup, fake_gather};

static void ignore_error(void *ctx, const struct adm_error *e) {
  (void)ctx, (void)e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  adm_fact_backend_set(&fake_backend);
  struct adm_config *cfg = NULL;
  struct adm_error err = {0};
  if (adm_config_parse_report((const char *)data, size, "fuzz.yaml", &cfg, &err, ignore_error, NULL) == 0) {
    judge(cfg);
    adm_config_free(cfg);
  }
  struct adm_yaml_docs *docs = NULL;
  if (adm_yaml_load((const char *)data, size, "fuzz.yaml", &docs, &err) == 0) {
    for (size_t i = 0; i < docs->n_docs; i++) {
      struct adm_arena a;
      adm_arena_init(&a, 4096, 0);
      struct adm_pod pod;
      bool found;
      const json_t *root = docs->docs[i].root;
      const json_t *kind = json_object_get(root, "kind");
      const struct adm_pod_resource *res = adm_pod_resource_by_kind(json_string_value(kind));
      if (res)
        (void)adm_extract_template(root, res, &a, &pod, &found, &err);
      else
        (void)adm_extract_pod(root, &a, &pod, &err);
      adm_arena_free(&a);
    }
    adm_yaml_docs_free(docs);
  }
  return 0;
}
