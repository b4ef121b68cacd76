/* Outcome words and the fact lookup the signature check reads (facts.h). */
#include "admitd/facts.h"

#include <string.h>

const char *adm_sig_outcome_id(enum adm_sig_outcome o) {
#define ADM__SIG_ID(name, id, text) id,
  static const char *const ids[] = {ADM_SIG_OUTCOME_MAP(ADM__SIG_ID)};
#undef ADM__SIG_ID
  return (unsigned)o < sizeof ids / sizeof *ids ? ids[o] : "internal";
}

const char *adm_sig_outcome_text(enum adm_sig_outcome o) {
#define ADM__SIG_TEXT(name, id, text) text,
  static const char *const texts[] = {ADM_SIG_OUTCOME_MAP(ADM__SIG_TEXT)};
#undef ADM__SIG_TEXT
  return (unsigned)o < sizeof texts / sizeof *texts ? texts[o] : "internal error";
}

bool adm_sig_outcome_is_registry_error(enum adm_sig_outcome o) {
  return o == ADM_SIG_REGISTRY_UNAVAILABLE || o == ADM_SIG_AUTH_FAILED || o == ADM_SIG_DEADLINE;
}

const struct adm_image_fact *adm_image_facts_find(const struct adm_image_facts *f, const struct adm_images_rule *rule,
                                                  const char *image) {
  if (f == NULL)
    return NULL;
  for (size_t i = 0; i < f->n; i++)
    if (f->items[i].rule == rule && strcmp(f->items[i].image, image) == 0)
      return &f->items[i];
  return NULL;
}
