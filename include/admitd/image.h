/* Container image references and image patterns, parsed and normalized by
 * the Docker reference grammar (distribution/reference) so that policy
 * matches what the runtime pulls: "nginx" is "docker.io/library/nginx:latest".
 * Pure: no allocation, no I/O; every result lives in the caller's struct,
 * in fixed buffers sized by the grammar's own limits, so a parsed reference
 * can be copied out of a request by value. The rules are spelled out at the
 * top of policies/image_ref.c. */
#ifndef ADMITD_IMAGE_H
#define ADMITD_IMAGE_H

#include <stdbool.h>
#include <stddef.h>

#define ADM_IMAGE_NAME_MAX 255  /* normalized "host/path", as upstream's NameTotalLengthMax */
#define ADM_IMAGE_TAG_MAX 128   /* [\w][\w.-]{0,127} */
#define ADM_IMAGE_DIGEST_MAX 71 /* "sha256:" + 64 hex */
#define ADM_IMAGE_INPUT_MAX 512 /* longer input is refused before it is read */
/* Room for adm_image_ref_string(): name ":" tag "@" digest NUL. */
#define ADM_IMAGE_STRING_MAX (ADM_IMAGE_NAME_MAX + 1 + ADM_IMAGE_TAG_MAX + 1 + ADM_IMAGE_DIGEST_MAX + 1)

/* A normalized reference. Strings are NUL-terminated and never NULL. */
struct adm_image_ref {
  char name[ADM_IMAGE_NAME_MAX + 1];     /* "docker.io/library/nginx" */
  char domain[ADM_IMAGE_NAME_MAX + 1];   /* "docker.io"; lower case */
  size_t path_offset;                    /* name + path_offset is the repository: "library/nginx" */
  char tag[ADM_IMAGE_TAG_MAX + 1];       /* "1.25"; "latest" when implied; "" for a digest without a tag */
  bool tag_implied;                      /* neither tag nor digest was written */
  char digest[ADM_IMAGE_DIGEST_MAX + 1]; /* "sha256:<64 hex>", or "" */
};

/* 0, or ADM_EPARSE / ADM_ETOOBIG with the reason in *why (static text, e.g.
 * "repository name must be lowercase"). On error *out is zeroed. */
int adm_image_ref_parse(const char *s, struct adm_image_ref *out, const char **why);

/* The repository path without the host: "library/nginx". *borrowed* from ref. */
static inline const char *adm_image_ref_path(const struct adm_image_ref *ref) {
  return ref->name + ref->path_offset;
}

/* "name[:tag][@digest]" into buf (ADM_IMAGE_STRING_MAX bytes are always
 * enough); an implied tag is written. Returns buf. */
const char *adm_image_ref_string(const struct adm_image_ref *ref, char *buf, size_t len);

/* Whether host (any case, no port) is Docker Hub: "docker.io", or one of
 * its other names, which a reference or a pattern may be written with and
 * which pull the same images: "index.docker.io" (the legacy name),
 * "registry-1.docker.io" (the API endpoint) and "registry.hub.docker.com".
 * References and patterns normalize every one of them to "docker.io". */
bool adm_image_host_is_docker_hub(const char *host, size_t n);

/* A digest pins what runs (it wins over any tag). */
bool adm_image_ref_has_digest(const struct adm_image_ref *ref);

/* What runs is chosen by the tag "latest": written as ":latest" or untagged
 * ("nginx"), and not pinned by a digest. */
bool adm_image_ref_is_latest(const struct adm_image_ref *ref);

/* Whether s is a digest admitd accepts: "sha256:" and 64 lower-case hex
 * digits. 0, or ADM_EPARSE with the reason in *why (static text). */
int adm_image_digest_check(const char *s, const char **why);

/* A pattern: a name glob normalized like a reference, and optionally a tag
 * glob (":v1.*") and a digest glob ("@sha256:*"). "*" matches within one
 * path component, "**" (a whole component) any number of components. */
struct adm_image_pattern {
  char name[ADM_IMAGE_NAME_MAX + 1];     /* "docker.io/library/nginx", "*.example.com/team-*", "**" */
  char tag[ADM_IMAGE_TAG_MAX + 1];       /* "" when has_tag is false */
  char digest[ADM_IMAGE_DIGEST_MAX + 1]; /* "" when has_digest is false */
  bool has_tag, has_digest;
};

/* 0, or ADM_EPARSE / ADM_ETOOBIG with the reason in *why (static text). */
int adm_image_pattern_parse(const char *s, struct adm_image_pattern *out, const char **why);

/* The name glob matches ref's normalized name, and, when the pattern has
 * them, its tag glob matches ref's tag (explicit or implied "latest"; a
 * reference without a tag never matches a tag glob) and its digest glob
 * matches ref's digest (likewise). */
bool adm_image_pattern_match(const struct adm_image_pattern *p, const struct adm_image_ref *ref);

/* A tag glob for allowed-tag rules: tag characters and "*" (any run), at
 * most ADM_IMAGE_TAG_MAX long. 0 or ADM_EPARSE with *why. */
int adm_image_tag_pattern_check(const char *glob, const char **why);

/* Whether tag matches glob ("*" matches any run of characters). */
bool adm_image_tag_match(const char *glob, const char *tag);

#endif
