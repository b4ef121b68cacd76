/* The registry calls of registry.h: a tag resolved to a digest, manifests,
 * blobs, an image's referrers, and the verifier vtable over them. Names are
 * validated before they go into a URL; a body is checked against the digest
 * asked for and against the registry's own Docker-Content-Digest; an HTTP
 * status becomes one adm_fetch_outcome. It judges nothing: what the bytes
 * mean is the caller's business (a referrers index is only checked to be
 * one), and no failure here is ever reported as success. */
#include "admitd/registry.h"

#include <ctype.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_internal.h"

#define ACCEPT_MANIFESTS                                                                                               \
  "Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "                      \
  "application/vnd.docker.distribution.manifest.list.v2+json, "                                                        \
  "application/vnd.docker.distribution.manifest.v2+json"
#define OCI_INDEX "application/vnd.oci.image.index.v1+json"

enum {
  REPO_MAX = 255,
};

/* ---- names and digests ------------------------------------------------ */

static bool is_digest(const char *s) {
  if (strncmp(s, "sha256:", 7) != 0 || strlen(s) != 71)
    return false;
  for (const char *p = s + 7; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return false;
  return true;
}

static void sha256_digest(const unsigned char *data, size_t len, char out[ADM_DIGEST_MAX]) {
  unsigned char h[32];
  static const char hex[] = "0123456789abcdef";
  gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, h);
  memcpy(out, "sha256:", 7);
  for (size_t i = 0; i < 32; i++) {
    out[7 + 2 * i] = hex[h[i] >> 4];
    out[8 + 2 * i] = hex[h[i] & 15];
  }
  out[71] = '\0';
}

/* Repository path components as the distribution spec allows them: lower
 * case alphanumerics and separators. Validated here because they go into a
 * URL. */
static bool valid_repository(const char *r) {
  size_t n = strlen(r);
  if (n == 0 || n > REPO_MAX || r[0] == '/' || r[n - 1] == '/')
    return false;
  for (const char *p = r; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-' || *p == '/'))
      return false;
  return strstr(r, "//") == NULL && strstr(r, "..") == NULL;
}

static bool valid_tag(const char *t) {
  size_t n = strlen(t);
  if (n == 0 || n > 128 || t[0] == '.' || t[0] == '-')
    return false;
  for (const char *p = t; *p; p++)
    if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '-'))
      return false;
  return true;
}

/* ---- one registry call: auth, status mapping -------------------------- */

/* What a call asks for: the URL's path segment, the Accept line, and
 * whether its reference must be a digest. */
enum kind { MANIFEST_HEAD, MANIFEST_GET, BLOB_GET, REFERRERS_GET, REFERRERS_TAG_GET };
static const struct {
  const char *segment;
  const char *accept;
  bool digest_only;
} kinds[] = {
    [MANIFEST_HEAD] = {"manifests", ACCEPT_MANIFESTS, false},
    [MANIFEST_GET] = {"manifests", ACCEPT_MANIFESTS, false},
    [BLOB_GET] = {"blobs", NULL, true},
    [REFERRERS_GET] = {"referrers", "Accept: " OCI_INDEX, true},
    [REFERRERS_TAG_GET] = {"manifests", "Accept: " OCI_INDEX, false},
};

static enum adm_fetch_outcome registry_call(struct adm_registry_client *c, const struct adm_fetch_target *t,
                                            enum kind kind, int64_t deadline_ms, struct adm__reg_exchange *x,
                                            struct adm_fetch_error *err) {
  char canonical[256];
  if (t->registry == NULL || adm_registry_host_canonical(t->registry, canonical, sizeof canonical) < 0 ||
      canonical[0] == '\0')
    return adm__reg_fail(err, ADM_FETCH_INTERNAL, 0, "invalid registry name");
  if (t->repository == NULL || !valid_repository(t->repository))
    return adm__reg_fail(err, ADM_FETCH_INTERNAL, 0, "invalid repository name");
  if (t->reference == NULL || !(is_digest(t->reference) || (!kinds[kind].digest_only && valid_tag(t->reference))))
    return adm__reg_fail(err, ADM_FETCH_INTERNAL, 0, "invalid reference for %s", t->repository);
  char host[256];
  const char *port;
  adm__reg_split_host_port(canonical, host, sizeof host, &port);
  const struct adm__reg_host_settings *s = adm__reg_settings_for(c, host, port);
  char url[1024];
  snprintf(url, sizeof url, "%s://%s/v2/%s/%s/%s", s && s->insecure ? "http" : "https",
           adm_registry_api_host(canonical), t->repository, kinds[kind].segment, t->reference);
  struct adm__reg_grant grants[ADM__REG_PARTIES] = {0};
  if (!adm__reg_parse_origin(url, &grants[ADM__REG_HOME].to))
    return adm__reg_fail(err, ADM_FETCH_MALFORMED, 0, "not an http(s) URL: %.200s", url);
  char scope[512], key[800];
  snprintf(scope, sizeof scope, "repository:%s:pull", t->repository);
  snprintf(key, sizeof key, "%s %s", canonical, scope);
  const struct adm__reg_credential *cred = adm__reg_credential_for(c, canonical);

  x->head = kind == MANIFEST_HEAD;
  x->cap = kind == BLOB_GET ? c->max_blob : c->max_manifest;
  CURL *h = adm__reg_handle_take(c);
  if (h == NULL)
    return adm__reg_fail(err, ADM_FETCH_INTERNAL, 0, "out of memory");
  char *auth[ADM__REG_PARTIES] = {adm__reg_token_get(c, key), NULL};
  bool renewed[ADM__REG_PARTIES] = {false, false};
  enum adm_fetch_outcome o;
  for (;;) {
    grants[ADM__REG_HOME].header = auth[ADM__REG_HOME];
    grants[ADM__REG_AWAY].header = auth[ADM__REG_AWAY];
    o = adm__reg_exchange_run(c, h, url, kinds[kind].accept, grants, ADM__REG_PARTIES, deadline_ms, x, err);
    if (o != ADM_FETCH_OK)
      break;
    char what[400];
    bool home = adm__reg_same_origin(&x->from, &grants[ADM__REG_HOME].to);
    if (home)
      snprintf(what, sizeof what, "%s %.250s", x->head ? "HEAD" : "GET", url);
    else
      snprintf(what, sizeof what, "%s %.250s (redirected to %s://%.100s:%s)", x->head ? "HEAD" : "GET", url,
               x->from.scheme, x->from.host, x->from.port);
    long st = x->status;
    /* Each origin is authenticated once per call; a second 401 is final. */
    enum adm__reg_party who = home ? ADM__REG_HOME : ADM__REG_AWAY;
    if (st == 401 && !renewed[who]) {
      /* A cached token may have been revoked: drop it and authenticate once. */
      if (who == ADM__REG_HOME && auth[ADM__REG_HOME] != NULL)
        adm__reg_token_drop(c, key);
      free(auth[who]);
      auth[who] = NULL;
      grants[who].to = x->from;
      o = adm__reg_answer_challenge(c, h, x, who, cred ? cred->basic_header : NULL, scope, key, deadline_ms, what,
                                    &auth[who], err);
      if (o != ADM_FETCH_OK)
        break;
      renewed[who] = true;
      continue;
    }
    if (st >= 200 && st < 300)
      o = ADM_FETCH_OK;
    else if (st == 401 || st == 403)
      o = adm__reg_fail(err, ADM_FETCH_AUTH, (int)st, "%s: HTTP %ld", what, st);
    else if (st == 404 || st == 410)
      o = adm__reg_fail(err, ADM_FETCH_NOT_FOUND, (int)st, "%s: HTTP %ld", what, st);
    else if (st == 429 || st >= 500)
      o = adm__reg_fail(err, ADM_FETCH_UNAVAILABLE, (int)st, "%s: HTTP %ld", what, st);
    else
      o = adm__reg_fail(err, ADM_FETCH_MALFORMED, (int)st, "%s: unexpected HTTP %ld", what, st);
    break;
  }
  free(auth[ADM__REG_HOME]);
  free(auth[ADM__REG_AWAY]);
  adm__reg_handle_give(c, h);
  return o;
}

/* Move the exchange's body into out, after checking it against want (a
 * digest, or NULL) and against the registry's own Docker-Content-Digest. */
static enum adm_fetch_outcome take_body(struct adm__reg_exchange *x, const char *want, const struct adm_fetch_target *t,
                                        struct adm_fetched *out, struct adm_fetch_error *err) {
  char got[ADM_DIGEST_MAX];
  sha256_digest(x->body ? x->body : (const unsigned char *)"", x->len, got);
  if (want != NULL && strcmp(want, got) != 0)
    return adm__reg_fail(err, ADM_FETCH_DIGEST_MISMATCH, (int)x->status, "%s@%s: content hashes to %s", t->repository,
                         want, got);
  if (x->digest[0] != '\0' && is_digest(x->digest) && strcmp(x->digest, got) != 0)
    return adm__reg_fail(err, ADM_FETCH_DIGEST_MISMATCH, (int)x->status,
                         "%s:%s: registry says %s, content hashes to %s", t->repository, t->reference, x->digest, got);
  memset(out, 0, sizeof *out);
  out->data = x->body ? x->body : malloc(1);
  if (out->data == NULL)
    return adm__reg_fail(err, ADM_FETCH_INTERNAL, 0, "out of memory");
  out->len = x->len;
  x->body = NULL;
  memcpy(out->digest, got, sizeof got);
  snprintf(out->media_type, sizeof out->media_type, "%s", x->content_type);
  return ADM_FETCH_OK;
}

enum adm_fetch_outcome adm_registry_get_manifest(struct adm_registry_client *c, const struct adm_fetch_target *t,
                                                 int64_t deadline_ms, struct adm_fetched *out,
                                                 struct adm_fetch_error *err) {
  struct adm__reg_exchange x = {0};
  memset(out, 0, sizeof *out);
  enum adm_fetch_outcome o = registry_call(c, t, MANIFEST_GET, deadline_ms, &x, err);
  if (o == ADM_FETCH_OK)
    o = take_body(&x, is_digest(t->reference) ? t->reference : NULL, t, out, err);
  free(x.body);
  return o;
}

enum adm_fetch_outcome adm_registry_get_blob(struct adm_registry_client *c, const struct adm_fetch_target *t,
                                             int64_t deadline_ms, struct adm_fetched *out,
                                             struct adm_fetch_error *err) {
  struct adm__reg_exchange x = {0};
  memset(out, 0, sizeof *out);
  enum adm_fetch_outcome o = registry_call(c, t, BLOB_GET, deadline_ms, &x, err);
  if (o == ADM_FETCH_OK)
    o = take_body(&x, t->reference, t, out, err);
  free(x.body);
  return o;
}

enum adm_fetch_outcome adm_registry_resolve(struct adm_registry_client *c, const struct adm_fetch_target *t,
                                            int64_t deadline_ms, char digest[ADM_DIGEST_MAX],
                                            struct adm_fetch_error *err) {
  digest[0] = '\0';
  if (t->reference != NULL && is_digest(t->reference)) {
    memcpy(digest, t->reference, ADM_DIGEST_MAX);
    return ADM_FETCH_OK;
  }
  struct adm__reg_exchange x = {0};
  enum adm_fetch_outcome o = registry_call(c, t, MANIFEST_HEAD, deadline_ms, &x, err);
  if (o == ADM_FETCH_OK && x.digest[0] != '\0') {
    if (!is_digest(x.digest))
      o = adm__reg_fail(err, ADM_FETCH_MALFORMED, (int)x.status, "%s:%s: unusable Docker-Content-Digest \"%.80s\"",
                        t->repository, t->reference, x.digest);
    else
      memcpy(digest, x.digest, ADM_DIGEST_MAX);
  } else if (o == ADM_FETCH_OK) {
    /* No digest header: the digest is the hash of what a GET serves. */
    struct adm_fetched m;
    o = adm_registry_get_manifest(c, t, deadline_ms, &m, err);
    if (o == ADM_FETCH_OK) {
      memcpy(digest, m.digest, ADM_DIGEST_MAX);
      adm_fetched_free(&m);
    }
  }
  free(x.body);
  return o;
}

/* ---- referrers -------------------------------------------------------- */

static size_t skip_space(const unsigned char *b, size_t n, size_t i) {
  while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r'))
    i++;
  return i;
}

/* Where the JSON string opening at b[i] closes (its '"'), or n. */
static size_t string_end(const unsigned char *b, size_t n, size_t i) {
  for (i++; i < n && b[i] != '"'; i++)
    if (b[i] == '\\')
      i++;
  return i < n ? i : n;
}

/* One pass over a JSON object that follows its strings and nesting and
 * nothing more: the verify layer parses the index itself, under its own
 * bound on values, so nothing is built here. false unless b is one
 * well-nested object whose top-level "mediaType", if any, is one plain
 * string (*mt, NULL when absent): a second one, or one with escapes, could
 * be read two ways. */
static bool top_media_type(const unsigned char *b, size_t n, const unsigned char **mt, size_t *mtlen) {
  *mt = NULL;
  *mtlen = 0;
  size_t i = skip_space(b, n, 0), depth = 0;
  if (i >= n || b[i] != '{')
    return false;
  for (; i < n; i++) {
    if (b[i] == '{' || b[i] == '[') {
      depth++;
    } else if (b[i] == '}' || b[i] == ']') {
      if (--depth == 0)
        return skip_space(b, n, i + 1) == n;
    } else if (b[i] == '"') {
      size_t key = i + 1, end = string_end(b, n, i);
      if (end >= n)
        return false;
      i = end;
      size_t colon = skip_space(b, n, end + 1);
      if (depth != 1 || colon >= n || b[colon] != ':' || end - key != 9 || memcmp(b + key, "mediaType", 9) != 0)
        continue;
      size_t v = skip_space(b, n, colon + 1);
      size_t vend = v < n && b[v] == '"' ? string_end(b, n, v) : n;
      if (*mt != NULL || vend >= n || memchr(b + v + 1, '\\', vend - v - 1) != NULL)
        return false;
      *mt = b + v + 1;
      *mtlen = vend - v - 1;
      i = vend;
    }
  }
  return false;
}

/* Move a referrers answer into out once it is an OCI image index: so says
 * its Content-Type or, when that is generic (absent, application/json),
 * its own mediaType, and the two do not disagree. */
static enum adm_fetch_outcome take_index(struct adm__reg_exchange *x, const struct adm_fetch_target *t,
                                         const char *segment, struct adm_fetched *out, struct adm_fetch_error *err) {
  const unsigned char *mt;
  size_t mtlen;
  if (!top_media_type(x->body, x->len, &mt, &mtlen))
    return adm__reg_fail(err, ADM_FETCH_MALFORMED, (int)x->status,
                         "%s/%s/%s: not an OCI image index (not one JSON object, or its mediaType twice or escaped)",
                         t->repository, segment, t->reference);
  bool body_index = mt != NULL && mtlen == strlen(OCI_INDEX) && memcmp(mt, OCI_INDEX, mtlen) == 0;
  bool typed_index = strcmp(x->content_type, OCI_INDEX) == 0;
  bool generic = x->content_type[0] == '\0' || strcmp(x->content_type, "application/json") == 0;
  if ((mt != NULL && !body_index) || !(typed_index || (generic && body_index)))
    return adm__reg_fail(err, ADM_FETCH_MALFORMED, (int)x->status,
                         "%s/%s/%s: not an OCI image index (Content-Type \"%.60s\", mediaType %s)", t->repository,
                         segment, t->reference, x->content_type,
                         mt == NULL   ? "absent"
                         : body_index ? "index"
                                      : "other");
  enum adm_fetch_outcome o = take_body(x, NULL, t, out, err);
  if (o == ADM_FETCH_OK)
    snprintf(out->media_type, sizeof out->media_type, "%s", OCI_INDEX);
  return o;
}

enum adm_fetch_outcome adm_registry_referrers(struct adm_registry_client *c, const struct adm_fetch_target *t,
                                              int64_t deadline_ms, struct adm_fetched *out, enum adm_referrers_via *via,
                                              struct adm_fetch_error *err) {
  memset(out, 0, sizeof *out);
  *via = ADM_REFERRERS_API;
  if (t->reference == NULL || !is_digest(t->reference))
    return adm__reg_fail(err, ADM_FETCH_INTERNAL, 0, "referrers of %.255s: \"%.80s\" is not a sha256 digest",
                         t->repository ? t->repository : "", t->reference ? t->reference : "");
  struct adm__reg_exchange x = {0};
  enum adm_fetch_outcome o = registry_call(c, t, REFERRERS_GET, deadline_ms, &x, err);
  if (o == ADM_FETCH_OK) {
    /* The spec gives a referrers answer no Docker-Content-Digest, and no
     * digest names this index: nothing to hold the bytes to. */
    x.digest[0] = '\0';
    o = take_index(&x, t, "referrers", out, err);
  } else if (o == ADM_FETCH_NOT_FOUND && x.status == 404) {
    /* A registry with the API never answers it 404 (distribution spec 1.1,
     * "Listing Referrers"), so this one has none: the referrers tag. Only
     * 404 says so; any other status is that of a registry that may have
     * the API, and keeps its own outcome. */
    *via = ADM_REFERRERS_TAG;
    char tag[ADM_DIGEST_MAX];
    snprintf(tag, sizeof tag, "sha256-%s", t->reference + 7);
    struct adm_fetch_target tagged = {t->registry, t->repository, tag};
    free(x.body);
    x = (struct adm__reg_exchange){0};
    o = registry_call(c, &tagged, REFERRERS_TAG_GET, deadline_ms, &x, err);
    if (o == ADM_FETCH_OK)
      o = take_index(&x, &tagged, "manifests", out, err);
  }
  free(x.body);
  return o;
}

/* ---- the verifier vtable ---------------------------------------------- */

static enum adm_fetch_outcome v_resolve(struct adm_verifier *v, const struct adm_fetch_target *t, int64_t deadline_ms,
                                        char digest[ADM_DIGEST_MAX], struct adm_fetch_error *err) {
  return adm_registry_resolve(v->ctx, t, deadline_ms, digest, err);
}

static enum adm_fetch_outcome v_manifest(struct adm_verifier *v, const struct adm_fetch_target *t, int64_t deadline_ms,
                                         struct adm_fetched *out, struct adm_fetch_error *err) {
  return adm_registry_get_manifest(v->ctx, t, deadline_ms, out, err);
}

static enum adm_fetch_outcome v_blob(struct adm_verifier *v, const struct adm_fetch_target *t, int64_t deadline_ms,
                                     struct adm_fetched *out, struct adm_fetch_error *err) {
  return adm_registry_get_blob(v->ctx, t, deadline_ms, out, err);
}

static enum adm_fetch_outcome v_referrers(struct adm_verifier *v, const struct adm_fetch_target *t, int64_t deadline_ms,
                                          struct adm_fetched *out, enum adm_referrers_via *via,
                                          struct adm_fetch_error *err) {
  return adm_registry_referrers(v->ctx, t, deadline_ms, out, via, err);
}

static const struct adm_verifier_ops registry_ops = {v_resolve, v_manifest, v_blob, v_referrers};

void adm_registry_verifier(struct adm_registry_client *c, struct adm_verifier *v) {
  v->ops = &registry_ops;
  v->ctx = c;
}
