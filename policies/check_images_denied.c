/* images.denied (images family).
 * Restricts: the image of every container, init, regular and ephemeral.
 * Allowed: an image whose normalized reference matches no pattern of the
 *   rule's deny list, whether or not the allow list admits it (deny wins).
 *   The message names the first pattern that matched, in policy order.
 * Active when the rule has a deny list. */
#include "images_rule.h"

#define ID "images.denied"

static bool active(const struct adm_rule_settings *rule) {
  return adm_rule_images(rule)->deny.n > 0;
}

static void judge(const struct adm_container *c, const struct adm_image_ref *ref, const struct adm_images_rule *rule,
                  struct adm_findings *out) {
  for (size_t i = 0; i < rule->deny.n; i++) {
    if (!adm_image_pattern_match(&rule->deny.items[i].pattern, ref))
      continue;
    struct adm_sb sb;
    adm__images_begin(&sb, out->arena, c, ref);
    adm_sb_addf(&sb, "matches the deny pattern \"%s\"", rule->deny.items[i].text);
    adm_findings_add(out, ID, adm_sb_str(&sb));
    return;
  }
}

static void check(const struct adm_rule_ctx *ctx) {
  adm__images_each(ctx, judge);
}

const struct adm_rule_check adm_check_images_denied = {
    .id = ID,
    .family = ADM_FAMILY_IMAGES,
    .summary = "no container's image matches a pattern of the deny list",
    .active = active,
    .check = check,
};
