/* libFuzzer harness: arbitrary bytes as a policy file and as a manifest
 * (the YAML loader, the config schema and the extractor). Errors are fine;
 * crashes and sanitizer reports are not. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "admitd/config.h"
#include "admitd/extract.h"
#include "admitd/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct adm_config *cfg = NULL;
  struct adm_error err = {0};
  if (adm_config_parse((const char *)data, size, "fuzz.yaml", &cfg, &err) == 0)
    adm_config_free(cfg);
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
