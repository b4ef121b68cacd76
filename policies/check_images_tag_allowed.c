/* images.tag.allowed (images family).
 * Restricts: the image of every container, init, regular and ephemeral.
 * Allowed: an image pinned by digest (the digest, not the tag, decides what
 *   runs), or whose tag matches a glob of the rule's allowedTags ("*" any
 *   run of characters). An untagged image is judged by the tag the runtime
 *   pulls, "latest".
 * Active when the rule sets allowedTags. */
#include "images_rule.h"

#define ID "images.tag.allowed"

static bool active(const struct adm_rule_settings *rule) {
  return adm_rule_images(rule)->has_allowed_tags;
}

static void judge(const struct adm_container *c, const struct adm_image_ref *ref, const struct adm_images_rule *rule,
                  struct adm_findings *out) {
  if (adm_image_ref_has_digest(ref))
    return;
  for (size_t i = 0; i < rule->allowed_tags.n; i++)
    if (adm_image_tag_match(rule->allowed_tags.items[i], ref->tag))
      return;
  struct adm_sb sb;
  adm__images_begin(&sb, out->arena, c, ref);
  if (ref->tag_implied)
    adm_sb_add(&sb, "has no tag (latest is pulled), and latest is not an allowed tag: ");
  else
    adm_sb_addf(&sb, "has the tag \"%s\", which is not an allowed tag: ", ref->tag);
  adm__images_add_names(&sb, &rule->allowed_tags);
  adm_findings_add(out, ID, adm_sb_str(&sb));
}

static void check(const struct adm_rule_ctx *ctx) {
  adm__images_each(ctx, judge);
}

const struct adm_rule_check adm_check_images_tag_allowed = {
    .id = ID,
    .family = ADM_FAMILY_IMAGES,
    .summary = "images not pinned by digest have a tag matching allowedTags",
    .active = active,
    .check = check,
};
