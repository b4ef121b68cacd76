/* images.tag.latest (images family).
 * Restricts: the image of every container, init, regular and ephemeral.
 * Allowed: an image pinned by digest, or with a tag other than "latest".
 *   An untagged image ("nginx") fails: the runtime pulls "latest" for it.
 *   "latest" is compared exactly, as the runtime resolves it ("Latest" is
 *   another tag).
 * Active when the rule sets forbidLatest: true. */
#include "images_rule.h"

#define ID "images.tag.latest"

static bool active(const struct adm_rule_settings *rule) {
  return adm_rule_images(rule)->forbid_latest;
}

static void judge(const struct adm_container *c, const struct adm_image_ref *ref, const struct adm_images_rule *rule,
                  struct adm_findings *out) {
  (void)rule;
  if (!adm_image_ref_is_latest(ref))
    return;
  struct adm_sb sb;
  adm__images_begin(&sb, out->arena, c, ref);
  adm_sb_add(&sb, ref->tag_implied ? "has no tag, so latest is pulled" : "uses the tag latest");
  adm_sb_add(&sb, "; give a version tag or pin a digest");
  adm_findings_add(out, ID, adm_sb_str(&sb));
}

static void check(const struct adm_rule_ctx *ctx) {
  adm__images_each(ctx, judge);
}

const struct adm_rule_check adm_check_images_tag_latest = {
    .id = ID,
    .family = ADM_FAMILY_IMAGES,
    .summary = "no image is tagged latest or untagged unless pinned by digest",
    .active = active,
    .check = check,
};
