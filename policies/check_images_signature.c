/* images.signature (images family).
 * Restricts: the image of every container, init, regular and ephemeral,
 *   that matches the rule's verify.images patterns (all of them when none
 *   are given).
 * Allowed: an image whose gathered fact (facts.h) is VERIFIED: enough of
 *   the rule's authorities signed this image's digest, in cosign's .sig
 *   format or in Sigstore bundles among its referrers, with the
 *   attestations the rule asks for.
 *   Every other outcome is a finding whose check id names it
 *   ("images.signature.unsigned"), so reasons, logs and metrics tell an
 *   unsigned image from a registry that did not answer. Outcomes that say
 *   the registry could not be asked are marked so that the rule's
 *   onRegistryError can apply (decide.c).
 * Reads only facts; it never asks a registry. No fact where one was due
 * fails closed (images.signature.internal). */
#include "admitd/facts.h"
#include "images_rule.h"

#define ID "images.signature"

static bool active(const struct adm_rule_settings *rule) {
  return adm_rule_images(rule)->verify.set;
}

/* Static check ids, one per outcome. */
static const char *check_id(enum adm_sig_outcome o) {
#define ADM__SIG_CHECK(name, id, text) ID "." id,
  static const char *const ids[] = {ADM_SIG_OUTCOME_MAP(ADM__SIG_CHECK)};
#undef ADM__SIG_CHECK
  return (unsigned)o < sizeof ids / sizeof *ids ? ids[o] : ID ".internal";
}

bool adm_images_verify_covers(const struct adm_images_verify *v, const struct adm_image_ref *ref) {
  if (v->images.n == 0)
    return true;
  for (size_t i = 0; i < v->images.n; i++)
    if (adm_image_pattern_match(&v->images.items[i].pattern, ref))
      return true;
  return false;
}

static void judge(const struct adm_image_facts *facts, const struct adm_container *c, const struct adm_image_ref *ref,
                  const struct adm_images_rule *rule, struct adm_findings *out) {
  char image[ADM_IMAGE_STRING_MAX];
  adm_image_ref_string(ref, image, sizeof image);
  const struct adm_image_fact *f = adm_image_facts_find(facts, rule, image);
  enum adm_sig_outcome o = f ? f->outcome : ADM_SIG_INTERNAL;
  if (o == ADM_SIG_VERIFIED || o == ADM_SIG_NOT_CHECKED)
    return;
  struct adm_sb sb;
  adm__images_begin(&sb, out->arena, c, ref);
  adm_sb_add(&sb, "is not verified: ");
  adm_sb_add(&sb, adm_sig_outcome_text(o));
  /* The summary, never the detail: whoever names an image must not learn
   * what admitd's connection to its host saw (the log keeps that). */
  if (f == NULL)
    adm_sb_add(&sb, " (no verification result)");
  else if (f->summary && f->summary[0])
    adm_sb_addf(&sb, " (%s)", f->summary);
  if (adm_sig_outcome_is_registry_error(o))
    adm_findings_add_registry_error(out, check_id(o), adm_sb_str(&sb));
  else
    adm_findings_add(out, check_id(o), adm_sb_str(&sb));
}

static void check(const struct adm_rule_ctx *ctx) {
  const struct adm_pod *pod = ctx->pod;
  struct adm_findings *out = ctx->out;
  const struct adm_images_rule *rule = adm_rule_images(ctx->settings);
  /* Denied already by rules that need no registry: none was asked. */
  if (ctx->facts != NULL && ctx->facts->not_attempted)
    return;
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    struct adm_image_ref ref;
    /* A missing or malformed image is images.reference's finding. */
    if (c->image == NULL || adm_image_ref_parse(c->image, &ref, NULL) < 0)
      continue;
    if (adm_images_verify_covers(&rule->verify, &ref))
      judge(ctx->facts, c, &ref, rule, out);
  }
}

const struct adm_rule_check adm_check_images_signature = {
    .id = ID,
    .family = ADM_FAMILY_IMAGES,
    .summary = "images covered by a verify rule carry valid signatures (.sig or Sigstore bundles) by its authorities",
    .active = active,
    .check = check,
    .reads_facts = true,
};
