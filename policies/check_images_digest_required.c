/* images.digest.required (images family).
 * Restricts: the image of every container, init, regular and ephemeral.
 * Allowed: an image that matches none of the rule's requireDigest patterns,
 *   or that is pinned by digest ("app@sha256:<64 hex>", with or without a
 *   tag): a digest fixes what runs, a tag can be moved. The message names
 *   the first pattern that matched, in policy order.
 * Active when the rule has requireDigest patterns. */
#include "images_rule.h"

#define ID "images.digest.required"

static bool active(const struct adm_rule_settings *rule) {
  return adm_rule_images(rule)->require_digest.n > 0;
}

static void judge(const struct adm_container *c, const struct adm_image_ref *ref, const struct adm_images_rule *rule,
                  struct adm_findings *out) {
  if (adm_image_ref_has_digest(ref))
    return;
  for (size_t i = 0; i < rule->require_digest.n; i++) {
    if (!adm_image_pattern_match(&rule->require_digest.items[i].pattern, ref))
      continue;
    struct adm_sb sb;
    adm__images_begin(&sb, out->arena, c, ref);
    adm_sb_addf(&sb, "is not pinned by digest (%s@sha256:<digest>), which requireDigest \"%s\" requires", ref->name,
                rule->require_digest.items[i].text);
    adm_findings_add(out, ID, adm_sb_str(&sb));
    return;
  }
}

static void check(const struct adm_rule_ctx *ctx) {
  adm__images_each(ctx, judge);
}

const struct adm_rule_check adm_check_images_digest_required = {
    .id = ID,
    .family = ADM_FAMILY_IMAGES,
    .summary = "images matching a requireDigest pattern are pinned by digest",
    .active = active,
    .check = check,
};
