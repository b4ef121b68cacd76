/* The contract between the image family's fact gathering and whatever reads
 * a registry: resolve a reference to a digest, fetch a manifest, fetch a
 * blob. Production fills it with the libcurl client (registry.h,
 * adm_registry_verifier); unit tests fill it with a fake that serves
 * fixtures and counts calls. Nothing here includes libcurl, so code written
 * against this header links without it.
 *
 * Every call takes an absolute deadline (CLOCK_MONOTONIC milliseconds, see
 * adm_verifier_deadline_in) and returns an outcome; the outcomes are the
 * distinct ways a registry can fail, so a policy can say which one happened
 * and map each to deny, warn or allow. Nothing here ever means "allowed". */
#ifndef ADMITD_VERIFIER_H
#define ADMITD_VERIFIER_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* Outcome, stable id (for reasons, logs and metrics), text. */
#define ADM_FETCH_OUTCOME_MAP(X)                                                                                       \
  X(OK, "ok", "success")                                                                                               \
  X(UNAVAILABLE, "registry-unavailable", "registry unavailable")                                                       \
  X(DEADLINE, "deadline", "registry did not answer in time")                                                           \
  X(AUTH, "auth-failed", "registry refused the credentials")                                                           \
  X(NOT_FOUND, "not-found", "no such manifest or blob")                                                                \
  X(TOO_LARGE, "too-large", "registry answer exceeds the size limit")                                                  \
  X(MALFORMED, "malformed", "malformed registry answer")                                                               \
  X(DIGEST_MISMATCH, "digest-mismatch", "content does not match its digest")                                           \
  X(INTERNAL, "internal", "internal error")

enum adm_fetch_outcome {
#define ADM__FETCH_ENUM(name, id, text) ADM_FETCH_##name,
  ADM_FETCH_OUTCOME_MAP(ADM__FETCH_ENUM)
#undef ADM__FETCH_ENUM
};

/* The stable id ("registry-unavailable") and the text of an outcome. */
static inline const char *adm_fetch_outcome_id(enum adm_fetch_outcome o) {
#define ADM__FETCH_ID(name, id, text) id,
  static const char *const ids[] = {ADM_FETCH_OUTCOME_MAP(ADM__FETCH_ID)};
#undef ADM__FETCH_ID
  return (unsigned)o < sizeof ids / sizeof *ids ? ids[o] : "internal";
}

static inline const char *adm_fetch_outcome_text(enum adm_fetch_outcome o) {
#define ADM__FETCH_TEXT(name, id, text) text,
  static const char *const texts[] = {ADM_FETCH_OUTCOME_MAP(ADM__FETCH_TEXT)};
#undef ADM__FETCH_TEXT
  return (unsigned)o < sizeof texts / sizeof *texts ? texts[o] : "internal error";
}

/* "sha256:" + 64 lower-case hex + NUL. Only sha256 is supported. */
#define ADM_DIGEST_MAX 72

/* Why a call did not succeed. detail names the URL and the cause
 * ("GET https://r.example/v2/app/manifests/v1: HTTP 404"); it never holds
 * credentials or tokens. */
struct adm_fetch_error {
  enum adm_fetch_outcome outcome;
  int http_status; /* the last HTTP status seen, 0 when none */
  char detail[320];
};

/* What is fetched: registry as written in the image reference
 * ("docker.io", "registry.example.com", "127.0.0.1:5000"), repository
 * ("library/nginx"), and a tag or a "sha256:<hex>" digest. */
struct adm_fetch_target {
  const char *registry;
  const char *repository;
  const char *reference;
};

/* A fetched manifest or blob. data is *new* (malloc): release it with
 * adm_fetched_free. digest is sha256 of exactly these bytes. */
struct adm_fetched {
  unsigned char *data;
  size_t len;
  char digest[ADM_DIGEST_MAX];
  char media_type[128]; /* Content-Type without parameters; "" when absent */
};

static inline void adm_fetched_free(struct adm_fetched *f) {
  free(f->data);
  f->data = NULL;
  f->len = 0;
}

struct adm_verifier;

/* Which path listed an image's referrers. */
enum adm_referrers_via {
  ADM_REFERRERS_API, /* GET /v2/<repo>/referrers/<digest> */
  ADM_REFERRERS_TAG, /* the "sha256-<hex>" tag, for registries without that API */
};

/* Each returns ADM_FETCH_OK, or another outcome with err filled. Safe to call
 * from several threads at once. */
struct adm_verifier_ops {
  /* Tag or digest -> digest of the manifest the registry serves for it (for
   * a multi-arch tag, the index). A digest reference comes back unchanged. */
  enum adm_fetch_outcome (*resolve)(struct adm_verifier *v, const struct adm_fetch_target *t, int64_t deadline_ms,
                                    char digest[ADM_DIGEST_MAX], struct adm_fetch_error *err);
  /* The manifest bytes, capped; for a digest reference the bytes are
   * checked against it. */
  enum adm_fetch_outcome (*fetch_manifest)(struct adm_verifier *v, const struct adm_fetch_target *t,
                                           int64_t deadline_ms, struct adm_fetched *out, struct adm_fetch_error *err);
  /* The blob t->reference (a digest), capped and checked against it. */
  enum adm_fetch_outcome (*fetch_blob)(struct adm_verifier *v, const struct adm_fetch_target *t, int64_t deadline_ms,
                                       struct adm_fetched *out, struct adm_fetch_error *err);
  /* The referrers of the manifest t->reference (a "sha256:<hex>" digest) as
   * an OCI image index: GET /v2/<repo>/referrers/<digest>, or, when the
   * registry does not implement that API (404), the referrers tag
   * "sha256-<hex>" that OCI 1.1 clients push instead. *via is set to
   * ADM_REFERRERS_API or ADM_REFERRERS_TAG, whichever answered. No index
   * on either path is NOT_FOUND (no referrers). Capped like a manifest. The
   * index is a list of claims, never trusted: the caller fetches each
   * referrer manifest by digest and checks its subject and type itself.
   * NULL in a verifier that cannot list referrers; a verification that
   * needs them is then INTERNAL, never "unsigned". */
  enum adm_fetch_outcome (*referrers)(struct adm_verifier *v, const struct adm_fetch_target *t, int64_t deadline_ms,
                                      struct adm_fetched *out, enum adm_referrers_via *via,
                                      struct adm_fetch_error *err);
};

/* A vtable and the state it works on; *borrowed* from whoever made it. */
struct adm_verifier {
  const struct adm_verifier_ops *ops;
  void *ctx;
};

/* Now on CLOCK_MONOTONIC, in milliseconds. */
static inline int64_t adm_verifier_now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The absolute deadline ms milliseconds from now. */
static inline int64_t adm_verifier_deadline_in(int64_t ms) {
  return adm_verifier_now_ms() + ms;
}

#endif
