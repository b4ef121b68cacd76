/* images.allowed (images family).
 * Restricts: the image of every container, init, regular and ephemeral.
 * Allowed: an image whose normalized reference matches a pattern of the
 *   rule's allow list ("nginx" is docker.io/library/nginx:latest, so the
 *   pattern "docker.io/library/nginx" admits it, and so does a star glob
 *   over docker.io/library). A pattern with a ":tag" or
 *   "@digest" part must match that part too.
 * Active when the rule has an allow list. deny wins over allow: that is
 *   images.denied, which fails on its own. */
#include "images_rule.h"

#define ID "images.allowed"

static bool active(const struct adm_rule_settings *rule) {
  return adm_rule_images(rule)->allow.n > 0;
}

static void judge(const struct adm_container *c, const struct adm_image_ref *ref, const struct adm_images_rule *rule,
                  struct adm_findings *out) {
  for (size_t i = 0; i < rule->allow.n; i++)
    if (adm_image_pattern_match(&rule->allow.items[i].pattern, ref))
      return;
  struct adm_sb sb;
  adm__images_begin(&sb, out->arena, c, ref);
  adm_sb_add(&sb, "is not in the allow list: ");
  adm__images_add_patterns(&sb, &rule->allow);
  adm_findings_add(out, ID, adm_sb_str(&sb));
}

static void check(const struct adm_rule_ctx *ctx) {
  adm__images_each(ctx, judge);
}

const struct adm_rule_check adm_check_images_allowed = {
    .id = ID,
    .family = ADM_FAMILY_IMAGES,
    .summary = "every container's image matches a pattern of the allow list",
    .active = active,
    .check = check,
};
