/* A verifier (include/admitd/verifier.h) that serves fixtures from memory,
 * for unit tests of whatever gathers image facts: no network, no libcurl.
 * Each entry answers one (repository, reference) with bytes or with a chosen
 * outcome; every call is counted, so a test can prove that a cached or a
 * locally denied image made no registry call at all.
 *
 *   struct fake_entry entries[] = {
 *       {"app", "v1", .digest = "sha256:..."},                    resolve only
 *       {"app", "sha256:...", .bytes = "{...}", .media_type = "..."},  manifest or blob
 *       {"down", "v1", .outcome = ADM_FETCH_UNAVAILABLE},
 *       {"app", "referrers/sha256:...", .bytes = "{\"manifests\":[...]}"},  the referrers index (API)
 *       {"app", "referrers-tag/sha256:...", .bytes = ...},  or through the "sha256-<hex>" tag
 *   };
 *   struct fake_verifier f = {.entries = entries, .n = 3};
 *   struct adm_verifier v;
 *   fake_verifier_init(&f, &v);
 *
 * Digests of served bytes are computed, not trusted: serve wrong bytes under
 * a digest and the fake reports a digest mismatch, as the real client does. */
#ifndef ADMITD_FAKE_VERIFIER_H
#define ADMITD_FAKE_VERIFIER_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "admitd/verifier.h"

struct fake_entry {
  const char *repository, *reference;
  enum adm_fetch_outcome outcome; /* ADM_FETCH_OK (0) unless set */
  const char *digest;             /* what resolve answers; else the digest of bytes */
  const char *bytes;              /* manifest or blob content */
  const char *media_type;
};

struct fake_verifier {
  const struct fake_entry *entries;
  size_t n;
  unsigned resolves, manifests, blobs, referrers; /* calls made */
  bool no_referrers;                              /* a client that cannot list referrers (a NULL op) */
};

static inline void fake_sha256(const char *bytes, char out[ADM_DIGEST_MAX]) {
  unsigned char h[32];
  gnutls_hash_fast(GNUTLS_DIG_SHA256, bytes, strlen(bytes), h);
  memcpy(out, "sha256:", 7);
  for (int i = 0; i < 32; i++)
    snprintf(out + 7 + 2 * i, 3, "%02x", h[i]);
}

static inline enum adm_fetch_outcome fake_find(struct adm_verifier *v, const struct adm_fetch_target *t,
                                               int64_t deadline_ms, const struct fake_entry **out,
                                               struct adm_fetch_error *err) {
  const struct fake_verifier *f = v->ctx;
  enum adm_fetch_outcome o = ADM_FETCH_NOT_FOUND;
  *out = NULL;
  if (adm_verifier_now_ms() >= deadline_ms)
    o = ADM_FETCH_DEADLINE;
  for (size_t i = 0; o == ADM_FETCH_NOT_FOUND && i < f->n; i++)
    if (strcmp(f->entries[i].repository, t->repository) == 0 && strcmp(f->entries[i].reference, t->reference) == 0) {
      *out = &f->entries[i];
      o = f->entries[i].outcome;
    }
  if (o != ADM_FETCH_OK) {
    err->outcome = o;
    err->http_status = o == ADM_FETCH_NOT_FOUND ? 404 : 0;
    snprintf(err->detail, sizeof err->detail, "fake %s:%s: %s", t->repository, t->reference, adm_fetch_outcome_text(o));
  }
  return o;
}

static inline enum adm_fetch_outcome fake_resolve(struct adm_verifier *v, const struct adm_fetch_target *t,
                                                  int64_t deadline_ms, char digest[ADM_DIGEST_MAX],
                                                  struct adm_fetch_error *err) {
  ((struct fake_verifier *)v->ctx)->resolves++;
  const struct fake_entry *e;
  enum adm_fetch_outcome o = fake_find(v, t, deadline_ms, &e, err);
  if (o != ADM_FETCH_OK)
    return o;
  if (e->digest != NULL)
    snprintf(digest, ADM_DIGEST_MAX, "%s", e->digest);
  else
    fake_sha256(e->bytes ? e->bytes : "", digest);
  return ADM_FETCH_OK;
}

static inline enum adm_fetch_outcome fake_fetch(struct adm_verifier *v, const struct adm_fetch_target *t,
                                                int64_t deadline_ms, struct adm_fetched *out,
                                                struct adm_fetch_error *err) {
  const struct fake_entry *e;
  memset(out, 0, sizeof *out);
  enum adm_fetch_outcome o = fake_find(v, t, deadline_ms, &e, err);
  if (o != ADM_FETCH_OK)
    return o;
  const char *bytes = e->bytes ? e->bytes : "";
  fake_sha256(bytes, out->digest);
  if (strncmp(t->reference, "sha256:", 7) == 0 && strcmp(out->digest, t->reference) != 0) {
    err->outcome = ADM_FETCH_DIGEST_MISMATCH;
    snprintf(err->detail, sizeof err->detail, "fake %s@%s: content hashes to %s", t->repository, t->reference,
             out->digest);
    return ADM_FETCH_DIGEST_MISMATCH;
  }
  out->len = strlen(bytes);
  out->data = malloc(out->len + 1);
  if (out->data == NULL)
    return ADM_FETCH_INTERNAL;
  memcpy(out->data, bytes, out->len + 1);
  snprintf(out->media_type, sizeof out->media_type, "%s", e->media_type ? e->media_type : "");
  return ADM_FETCH_OK;
}

static inline enum adm_fetch_outcome fake_manifest(struct adm_verifier *v, const struct adm_fetch_target *t,
                                                   int64_t deadline_ms, struct adm_fetched *out,
                                                   struct adm_fetch_error *err) {
  ((struct fake_verifier *)v->ctx)->manifests++;
  return fake_fetch(v, t, deadline_ms, out, err);
}

static inline enum adm_fetch_outcome fake_blob(struct adm_verifier *v, const struct adm_fetch_target *t,
                                               int64_t deadline_ms, struct adm_fetched *out,
                                               struct adm_fetch_error *err) {
  ((struct fake_verifier *)v->ctx)->blobs++;
  return fake_fetch(v, t, deadline_ms, out, err);
}

/* The index of entry (repository, "referrers/<digest>") as the API's, else
 * of (repository, "referrers-tag/<digest>") as the tag's; neither:
 * NOT_FOUND, as a registry with neither the API nor the tag answers. */
static inline enum adm_fetch_outcome fake_referrers(struct adm_verifier *v, const struct adm_fetch_target *t,
                                                    int64_t deadline_ms, struct adm_fetched *out,
                                                    enum adm_referrers_via *via, struct adm_fetch_error *err) {
  ((struct fake_verifier *)v->ctx)->referrers++;
  char key[ADM_DIGEST_MAX + 16];
  snprintf(key, sizeof key, "referrers/%s", t->reference);
  struct adm_fetch_target r = {t->registry, t->repository, key};
  const struct fake_entry *e;
  memset(out, 0, sizeof *out);
  *via = ADM_REFERRERS_API;
  enum adm_fetch_outcome o = fake_find(v, &r, deadline_ms, &e, err);
  if (o == ADM_FETCH_NOT_FOUND) {
    snprintf(key, sizeof key, "referrers-tag/%s", t->reference);
    *via = ADM_REFERRERS_TAG;
    o = fake_find(v, &r, deadline_ms, &e, err);
  }
  if (o != ADM_FETCH_OK)
    return o;
  return fake_fetch(v, &r, deadline_ms, out, err);
}

static const struct adm_verifier_ops fake_verifier_ops = {fake_resolve, fake_manifest, fake_blob, fake_referrers};
static const struct adm_verifier_ops fake_verifier_ops_no_referrers = {fake_resolve, fake_manifest, fake_blob, NULL};

static inline void fake_verifier_init(struct fake_verifier *f, struct adm_verifier *v) {
  f->resolves = f->manifests = f->blobs = f->referrers = 0;
  v->ops = f->no_referrers ? &fake_verifier_ops_no_referrers : &fake_verifier_ops;
  v->ctx = f;
}

#endif
