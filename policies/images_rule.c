/* The images family's shared visitor and wording (see images_rule.h).
 * Pure: no I/O, memory only from the findings' arena. */
#include "images_rule.h"

/* Patterns named in one message; the rest are counted. */
#define LIST_MAX 8

static void each(const struct adm_rule_ctx *ctx, adm__image_fn fn, bool new_only) {
  const struct adm_pod *pod = ctx->pod;
  const struct adm_images_rule *rule = adm_rule_images(ctx->settings);
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    struct adm_image_ref ref;
    if (c->image == NULL || adm_image_ref_parse(c->image, &ref, NULL) < 0)
      continue;
    if (new_only && adm_pod_keeps_image(ctx->old, c))
      continue;
    fn(c, &ref, rule, ctx->out);
  }
}

void adm__images_each(const struct adm_rule_ctx *ctx, adm__image_fn fn) {
  each(ctx, fn, false);
}

void adm__images_each_new(const struct adm_rule_ctx *ctx, adm__image_fn fn) {
  each(ctx, fn, true);
}

void adm__images_begin(struct adm_sb *sb, struct adm_arena *a, const struct adm_container *c,
                       const struct adm_image_ref *ref) {
  char normalized[ADM_IMAGE_STRING_MAX];
  adm_sb_init(sb, a);
  adm_sb_addf(sb, "container \"%s\" image \"%s\" (%s) ", c->name, c->image,
              adm_image_ref_string(ref, normalized, sizeof normalized));
}

static void add_list(struct adm_sb *sb, size_t n, const char *(*get)(const void *, size_t), const void *l) {
  for (size_t i = 0; i < n && i < LIST_MAX; i++) {
    adm_sb_add(sb, i ? ", \"" : "\"");
    adm_sb_add(sb, get(l, i));
    adm_sb_add(sb, "\"");
  }
  if (n > LIST_MAX)
    adm_sb_addf(sb, " (and %zu more)", n - LIST_MAX);
}

static const char *pattern_text(const void *l, size_t i) {
  return ((const struct adm_image_patterns *)l)->items[i].text;
}

static const char *name_text(const void *l, size_t i) {
  return ((const struct adm_names *)l)->items[i];
}

void adm__images_add_patterns(struct adm_sb *sb, const struct adm_image_patterns *l) {
  add_list(sb, l->n, pattern_text, l);
}

void adm__images_add_names(struct adm_sb *sb, const struct adm_names *l) {
  add_list(sb, l->n, name_text, l);
}
