/* Helpers shared by the images family's local rule checks
 * (policies/check_images_*.c): the image visitor, which parses each
 * container's image once per check and skips what images.reference
 * reports, and the wording every image message starts with. Pure, like
 * the checks: no I/O, memory only from the findings' arena. */
#ifndef ADMITD_POLICIES_IMAGES_RULE_H
#define ADMITD_POLICIES_IMAGES_RULE_H

#include "admitd/family.h"
#include "admitd/image.h"
#include "internal.h"

/* Called for a container whose image is a valid reference; ref lives on the
 * visitor's stack for the call only. */
typedef void (*adm__image_fn)(const struct adm_container *c, const struct adm_image_ref *ref,
                              const struct adm_images_rule *rule, struct adm_findings *out);

/* fn for every container of ctx's pod (init, regular, ephemeral, in that order) whose
 * image parses; a missing or malformed image is left to images.reference. */
void adm__images_each(const struct adm_rule_ctx *ctx, adm__image_fn fn);

/* The same, but on a pod UPDATE only for the containers that do not keep
 * their image (adm_pod_keeps_image): for a rule whose point is what a new
 * image would pull, not what a running container already has. */
void adm__images_each_new(const struct adm_rule_ctx *ctx, adm__image_fn fn);

/* Starts sb with `container "app" image "nginx" (docker.io/library/nginx:latest) `:
 * the image as written and its normalized form. */
void adm__images_begin(struct adm_sb *sb, struct adm_arena *a, const struct adm_container *c,
                       const struct adm_image_ref *ref);

/* The patterns as written, quoted and ", "-separated; past the first few, "(and N more)",
 * so one long list cannot crowd every other reason out of a response. */
void adm__images_add_patterns(struct adm_sb *sb, const struct adm_image_patterns *l);

/* The same for a list of tag globs. */
void adm__images_add_names(struct adm_sb *sb, const struct adm_names *l);

#endif
