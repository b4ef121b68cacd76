/* images.signature.pinned (images family).
 * Restricts: the image of every container, init, regular and ephemeral,
 *   that the rule's verify covers (its images patterns; all images when
 *   none are given).
 * Allowed: an image pinned by digest ("app@sha256:<64 hex>", with or
 *   without a tag). A signature is verified for one digest; a tag is
 *   resolved to a digest when the pod is admitted, but the kubelet pulls
 *   the tag itself, then and on every later pull, and gets whatever the tag
 *   names by then: what runs need not be what was verified.
 * Active when the rule has verify without allowTags: true (with it, tags
 *   are verified by the digest they resolve to, as images.signature says).
 * On a pod UPDATE a container that keeps its image is not judged, as it is
 *   not verified again: the update changes nothing the kubelet pulls, and
 *   relabelling a running pod must not fail on how it was admitted.
 * Judged on the reference as written, before any registry is asked: under
 *   an enforced rule a pod it refuses costs no registry request (decide.c
 *   asks none for a request already denied). */
#include "admitd/facts.h"
#include "images_rule.h"

#define ID "images.signature.pinned"

static bool active(const struct adm_rule_settings *rule) {
  const struct adm_images_verify *v = &adm_rule_images(rule)->verify;
  return v->set && !v->allow_tags;
}

static void judge(const struct adm_container *c, const struct adm_image_ref *ref, const struct adm_images_rule *rule,
                  struct adm_findings *out) {
  if (adm_image_ref_has_digest(ref) || !adm_images_verify_covers(&rule->verify, ref))
    return;
  struct adm_sb sb;
  adm__images_begin(&sb, out->arena, c, ref);
  adm_sb_addf(&sb,
              "is not pinned by digest, which signature verification requires (a tag can be moved after it is "
              "verified); pin it: %s@sha256:<digest>",
              ref->name);
  adm_findings_add(out, ID, adm_sb_str(&sb));
}

static void check(const struct adm_rule_ctx *ctx) {
  adm__images_each_new(ctx, judge);
}

const struct adm_rule_check adm_check_images_signature_pinned = {
    .id = ID,
    .family = ADM_FAMILY_IMAGES,
    .summary = "images covered by a verify rule are pinned by digest unless the rule sets allowTags",
    .active = active,
    .check = check,
};
