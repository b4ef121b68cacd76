/* images.reference (images family).
 * Restricts: the image of every container, init, regular and ephemeral
 *   (spec.initContainers[*].image, spec.containers[*].image,
 *   spec.ephemeralContainers[*].image).
 * Allowed: a reference by the Docker grammar (policies/image_ref.c): what
 *   the kubelet and containerd would pull. A missing or empty image fails:
 *   admitd cannot say where it would come from.
 * Active whenever an images rule sets anything: the other image checks skip
 *   an image they cannot read, so it is reported here, once. */
#include "images_rule.h"

#define ID "images.reference"

/* Longer images are cut in the message (the reference itself is refused
 * past ADM_IMAGE_INPUT_MAX anyway). */
#define SHOWN_MAX 200

static bool active(const struct adm_rule_settings *rule) {
  const struct adm_images_rule *r = adm_rule_images(rule);
  return r->allow.n || r->deny.n || r->require_digest.n || r->forbid_latest || r->has_allowed_tags || r->verify.set;
}

static void check(const struct adm_rule_ctx *ctx) {
  const struct adm_pod *pod = ctx->pod;
  struct adm_findings *out = ctx->out;
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    struct adm_image_ref ref;
    const char *why = NULL;
    if (c->image == NULL || c->image[0] == '\0') {
      adm_findings_addf(out, ID, "container \"%s\" has no image", c->name);
      continue;
    }
    if (adm_image_ref_parse(c->image, &ref, &why) == 0)
      continue;
    /* As Go's %q: a malformed image may hold quotes or control characters. */
    size_t n = strnlen(c->image, SHOWN_MAX + 1);
    const char *shown = adm_arena_strndup(out->arena, c->image, n > SHOWN_MAX ? SHOWN_MAX : n);
    const char *quoted = shown ? adm__key_quoted_value(out->arena, "", shown) : NULL;
    if (quoted == NULL) {
      adm_findings_add(out, ID, NULL); /* fails the request closed */
      continue;
    }
    adm_findings_addf(out, ID, "container \"%s\" image %s%s is not a valid image reference: %s", c->name, quoted + 1,
                      n > SHOWN_MAX ? " (cut)" : "", why);
  }
}

const struct adm_rule_check adm_check_images_reference = {
    .id = ID,
    .family = ADM_FAMILY_IMAGES,
    .summary = "every container's image is a valid image reference",
    .active = active,
    .check = check,
};
