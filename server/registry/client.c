/* The OCI distribution client (registry.h) and the verifier vtable over it.
 * The only file that includes libcurl: it owns HTTP, redirects, the token
 * and basic auth flows, timeouts and size caps, and turns every failure into
 * one adm_fetch_outcome. It judges nothing: what the bytes mean is the
 * caller's business, and no failure here is ever reported as success.
 *
 * Credentials from the credentials file go to their registry's origin
 * (scheme, host, port) and to the token realm that origin's own challenge
 * names, nowhere else; a token goes only to the origin it was asked for.
 * Redirects are followed here, hop by hop, and never by curl, so what each
 * hop carries does not depend on the libcurl version.
 *
 * One easy handle serves one call (its 401 retry, token request and
 * redirects reuse the connection); idle handles wait in a small pool so the
 * next call reuses their connections too. Handles are never shared between
 * threads at once: curl's shared connection cache is not thread-safe, so
 * only DNS and TLS sessions go through a curl share. */
#include "admitd/registry.h"

#include <ctype.h>
#include <curl/curl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "admitd/image.h"
#include "registry_internal.h"

#define ACCEPT_MANIFESTS                                                                                               \
  "Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "                      \
  "application/vnd.docker.distribution.manifest.list.v2+json, "                                                        \
  "application/vnd.docker.distribution.manifest.v2+json"

enum {
  TOKEN_MAX = 16384,         /* one bearer token */
  TOKEN_BODY_MAX = 65536,    /* the token endpoint's JSON answer */
  CREDENTIALS_MAX = 1 << 20, /* dockerconfigjson file */
  REPO_MAX = 255,
};

/* ---- small helpers ---------------------------------------------------- */

enum adm_fetch_outcome adm__reg_fail(struct adm_fetch_error *err, enum adm_fetch_outcome o, int status, const char *fmt,
                                     ...) {
  if (err != NULL) {
    err->outcome = o;
    err->http_status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof err->detail, fmt, ap);
    va_end(ap);
  }
  return o;
}

char *adm__reg_dup_str(const char *s) {
  return s ? strdup(s) : NULL;
}

static bool copy_value(char *dst, size_t dstlen, const char *v, size_t n) {
  if (n >= dstlen)
    return false;
  memcpy(dst, v, n);
  dst[n] = '\0';
  return true;
}

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

void adm__reg_lower_in_place(char *s) {
  for (; *s; s++)
    *s = (char)tolower((unsigned char)*s);
}

/* ---- Docker Hub names (listed in image.h) ----------------------------- */

int adm_registry_host_canonical(const char *name, char *out, size_t outlen) {
  const char *p = name;
  const char *scheme = strstr(p, "://");
  if (scheme != NULL)
    p = scheme + 3;
  size_t n = strcspn(p, "/");
  if (n + 1 > outlen)
    return ADM_ETOOBIG;
  memcpy(out, p, n);
  out[n] = '\0';
  adm__reg_lower_in_place(out);
  if (adm_image_host_is_docker_hub(out, n)) {
    if (outlen < sizeof "docker.io")
      return ADM_ETOOBIG;
    memcpy(out, "docker.io", sizeof "docker.io");
  }
  return 0;
}

const char *adm_registry_api_host(const char *canonical) {
  return strcmp(canonical, "docker.io") == 0 ? "registry-1.docker.io" : canonical;
}

/* ---- settings and credentials ----------------------------------------- */

/* hostname (no port) and port ("" when none) of a canonical "name[:port]". */
void adm__reg_split_host_port(const char *hp, char *host, size_t hostlen, const char **port) {
  const char *colon = strrchr(hp, ':');
  if (hp[0] == '[') { /* [v6]:port */
    const char *close = strchr(hp, ']');
    colon = close && close[1] == ':' ? close + 1 : NULL;
  }
  size_t n = colon ? (size_t)(colon - hp) : strlen(hp);
  if (n >= hostlen)
    n = hostlen - 1;
  memcpy(host, hp, n);
  host[n] = '\0';
  *port = colon ? colon + 1 : "";
}

/* The settings for hostname:port: an exact "name:port" entry wins over a
 * "name" entry; NULL when neither exists (HTTPS, system CAs). */
const struct adm__reg_host_settings *adm__reg_settings_for(const struct adm_registry_client *c, const char *host,
                                                           const char *port) {
  const struct adm__reg_host_settings *by_name = NULL;
  for (size_t i = 0; i < c->nhosts; i++) {
    char h[256];
    const char *p;
    adm__reg_split_host_port(c->hosts[i].host, h, sizeof h, &p);
    if (strcmp(h, host) != 0)
      continue;
    if (p[0] == '\0')
      by_name = &c->hosts[i];
    else if (strcmp(p, port) == 0)
      return &c->hosts[i];
  }
  return by_name;
}

const struct adm__reg_credential *adm__reg_credential_for(const struct adm_registry_client *c, const char *canonical) {
  for (size_t i = 0; i < c->ncreds; i++)
    if (strcmp(c->creds[i].host, canonical) == 0)
      return &c->creds[i];
  return NULL;
}

static int add_credential(struct adm_registry_client *c, const char *key, const char *user, size_t ulen,
                          const char *pass, size_t plen, const char *file, struct adm_error *err) {
  char host[256];
  if (adm_registry_host_canonical(key, host, sizeof host) < 0 || host[0] == '\0')
    return adm_fail(err, ADM_EINVAL, file, "auths: \"%.100s\": not a registry name", key);
  if (ulen == 0 || memchr(user, ':', ulen) != NULL)
    return adm_fail(err, ADM_EINVAL, file, "auths: \"%.100s\": empty username or one with ':'", key);
  /* user:pass -> base64 with GnuTLS; the header is built once, here. */
  size_t rawlen = ulen + 1 + plen;
  unsigned char *raw = malloc(rawlen);
  if (raw == NULL)
    return adm_fail(err, ADM_ENOMEM, file, "out of memory");
  memcpy(raw, user, ulen);
  raw[ulen] = ':';
  memcpy(raw + ulen + 1, pass, plen);
  gnutls_datum_t in = {raw, (unsigned)rawlen}, b64 = {NULL, 0};
  int rc = gnutls_base64_encode2(&in, &b64);
  gnutls_memset(raw, 0, rawlen);
  free(raw);
  if (rc < 0)
    return adm_fail(err, ADM_ENOMEM, file, "base64: %s", gnutls_strerror(rc));
  struct adm__reg_credential *grown = realloc(c->creds, (c->ncreds + 1) * sizeof *grown);
  char *header = malloc(b64.size + 32);
  if (grown == NULL || header == NULL) {
    free(header);
    if (grown != NULL)
      c->creds = grown;
    gnutls_free(b64.data);
    return adm_fail(err, ADM_ENOMEM, file, "out of memory");
  }
  c->creds = grown;
  snprintf(header, b64.size + 32, "Authorization: Basic %.*s", (int)b64.size, (const char *)b64.data);
  gnutls_free(b64.data);
  c->creds[c->ncreds].host = strdup(host);
  c->creds[c->ncreds].basic_header = header;
  if (c->creds[c->ncreds].host == NULL) {
    free(header);
    return adm_fail(err, ADM_ENOMEM, file, "out of memory");
  }
  c->ncreds++;
  return 0;
}

/* dockerconfigjson: {"auths": {"<registry>": {"auth": base64(user:pass)} or
 * {"username": u, "password": p}}}. Entries with neither (identity tokens,
 * credential helpers) are skipped: nothing to send. */
int adm__reg_load_credentials(struct adm_registry_client *c, const char *file, struct adm_error *err) {
  /* O_NONBLOCK and a regular file only: a FIFO in its place would hang the
   * policy load that reads it. */
  int fd = open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return adm_fail(err, ADM_EIO, file, "cannot read the credentials file");
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return adm_fail(err, ADM_EINVAL, file, "the credentials file is not a regular file; refused");
  }
  if (st.st_size > CREDENTIALS_MAX) {
    close(fd);
    return adm_fail(err, ADM_ETOOBIG, file, "credentials file larger than %d bytes", CREDENTIALS_MAX);
  }
  json_error_t je;
  json_t *doc = json_loadfd(fd, JSON_REJECT_DUPLICATES, &je);
  close(fd);
  if (doc == NULL)
    return adm_fail(err, ADM_EPARSE, file, "line %d: %s", je.line, je.text);
  int rc = 0;
  json_t *auths = json_object_get(doc, "auths");
  if (!json_is_object(auths)) {
    rc = adm_fail(err, ADM_EPARSE, file, "auths: expected an object of registries");
    goto out;
  }
  const char *key;
  json_t *entry;
  json_object_foreach(auths, key, entry) {
    if (!json_is_object(entry)) {
      rc = adm_fail(err, ADM_EPARSE, file, "auths: \"%.100s\": expected an object", key);
      goto out;
    }
    json_t *auth = json_object_get(entry, "auth");
    json_t *user = json_object_get(entry, "username"), *pass = json_object_get(entry, "password");
    if (json_is_string(auth) && json_string_length(auth) > 0) {
      gnutls_datum_t in = {(unsigned char *)json_string_value(auth), (unsigned)json_string_length(auth)};
      gnutls_datum_t raw = {NULL, 0};
      if (gnutls_base64_decode2(&in, &raw) < 0) {
        rc = adm_fail(err, ADM_EPARSE, file, "auths: \"%.100s\": auth is not base64", key);
        goto out;
      }
      const char *colon = memchr(raw.data, ':', raw.size);
      if (colon == NULL) {
        gnutls_memset(raw.data, 0, raw.size);
        gnutls_free(raw.data);
        rc = adm_fail(err, ADM_EPARSE, file, "auths: \"%.100s\": auth is not base64(user:password)", key);
        goto out;
      }
      size_t ulen = (size_t)(colon - (const char *)raw.data);
      rc = add_credential(c, key, (const char *)raw.data, ulen, colon + 1, raw.size - ulen - 1, file, err);
      gnutls_memset(raw.data, 0, raw.size);
      gnutls_free(raw.data);
    } else if (json_is_string(user) && json_is_string(pass)) {
      rc = add_credential(c, key, json_string_value(user), json_string_length(user), json_string_value(pass),
                          json_string_length(pass), file, err);
    }
    if (rc < 0)
      goto out;
  }
out:
  json_decref(doc);
  return rc;
}

/* ---- tokens ----------------------------------------------------------- */

char *adm__reg_token_get(struct adm_registry_client *c, const char *key) {
  char *h = NULL;
  int64_t now = adm_verifier_now_ms();
  pthread_mutex_lock(&c->lock);
  for (size_t i = 0; i < ADM__REG_TOKEN_SLOTS; i++)
    if (c->tokens[i].key != NULL && strcmp(c->tokens[i].key, key) == 0 && c->tokens[i].expires_ms > now) {
      h = adm__reg_dup_str(c->tokens[i].header);
      break;
    }
  pthread_mutex_unlock(&c->lock);
  return h;
}

void adm__reg_slot_clear(struct adm__reg_token_slot *s) {
  free(s->key);
  free(s->header);
  s->key = s->header = NULL;
  s->expires_ms = 0;
}

void adm__reg_token_drop(struct adm_registry_client *c, const char *key) {
  pthread_mutex_lock(&c->lock);
  for (size_t i = 0; i < ADM__REG_TOKEN_SLOTS; i++)
    if (c->tokens[i].key != NULL && strcmp(c->tokens[i].key, key) == 0)
      adm__reg_slot_clear(&c->tokens[i]);
  pthread_mutex_unlock(&c->lock);
}

/* Keep a token: its own key's slot, else an empty or expired one, else the
 * one that expires first. A failed copy just is not cached. */
static void token_put(struct adm_registry_client *c, const char *key, const char *header, int64_t expires_ms) {
  char *k = strdup(key), *h = strdup(header);
  if (k == NULL || h == NULL) {
    free(k);
    free(h);
    return;
  }
  int64_t now = adm_verifier_now_ms();
  pthread_mutex_lock(&c->lock);
  size_t pick = 0;
  for (size_t i = 0; i < ADM__REG_TOKEN_SLOTS; i++) {
    struct adm__reg_token_slot *s = &c->tokens[i];
    if (s->key != NULL && strcmp(s->key, key) == 0) {
      pick = i;
      break;
    }
    if (s->key == NULL || s->expires_ms <= now)
      pick = i;
    else if (c->tokens[pick].key != NULL && c->tokens[pick].expires_ms > now &&
             s->expires_ms < c->tokens[pick].expires_ms)
      pick = i;
  }
  adm__reg_slot_clear(&c->tokens[pick]);
  c->tokens[pick] = (struct adm__reg_token_slot){k, h, expires_ms};
  pthread_mutex_unlock(&c->lock);
}

/* ---- one HTTP exchange ------------------------------------------------ */

bool adm__reg_parse_origin(const char *url, struct adm__reg_origin *o) {
  CURLU *u = curl_url();
  if (u == NULL)
    return false;
  char *scheme = NULL, *host = NULL, *port = NULL;
  bool ok = curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
            copy_value(o->scheme, sizeof o->scheme, scheme, strlen(scheme)) &&
            copy_value(o->host, sizeof o->host, host, strlen(host)) &&
            copy_value(o->port, sizeof o->port, port, strlen(port));
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(u);
  if (ok) {
    adm__reg_lower_in_place(o->scheme);
    adm__reg_lower_in_place(o->host);
  }
  return ok && (strcmp(o->scheme, "https") == 0 || strcmp(o->scheme, "http") == 0);
}

bool adm__reg_same_origin(const struct adm__reg_origin *a, const struct adm__reg_origin *b) {
  return strcmp(a->scheme, b->scheme) == 0 && strcmp(a->host, b->host) == 0 && strcmp(a->port, b->port) == 0;
}

static void exchange_reset(struct adm__reg_exchange *x) {
  free(x->body);
  bool head = x->head;
  size_t cap = x->cap;
  memset(x, 0, sizeof *x);
  x->head = head;
  x->cap = cap;
}

static bool header_is(const char *line, size_t n, const char *name, const char **value, size_t *vlen) {
  size_t k = strlen(name);
  if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
    return false;
  const char *v = line + k + 1, *end = line + n;
  while (v < end && (*v == ' ' || *v == '\t'))
    v++;
  while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
    end--;
  *value = v;
  *vlen = (size_t)(end - v);
  return true;
}

static size_t on_header(char *line, size_t size, size_t nitems, void *userdata) {
  struct adm__reg_exchange *x = userdata;
  size_t n = size * nitems;
  const char *v;
  size_t vn;
  if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
    /* A new response (after a 100 Continue, say): forget the last one's headers. */
    x->digest[0] = x->content_type[0] = x->challenge[0] = '\0';
    const char *sp = memchr(line, ' ', n);
    x->status = sp ? strtol(sp + 1, NULL, 10) : 0;
    return n;
  }
  if (header_is(line, n, "docker-content-digest", &v, &vn)) {
    if (!copy_value(x->digest, sizeof x->digest, v, vn))
      x->header_too_long = true;
  } else if (header_is(line, n, "content-type", &v, &vn)) {
    size_t param = 0;
    while (param < vn && v[param] != ';' && v[param] != ' ')
      param++;
    if (copy_value(x->content_type, sizeof x->content_type, v, param))
      adm__reg_lower_in_place(x->content_type);
  } else if (header_is(line, n, "www-authenticate", &v, &vn)) {
    bool bearer = vn >= 6 && strncasecmp(v, "bearer", 6) == 0;
    bool have_bearer = strncasecmp(x->challenge, "bearer", 6) == 0;
    if (x->challenge[0] == '\0' || (bearer && !have_bearer))
      if (!copy_value(x->challenge, sizeof x->challenge, v, vn))
        x->header_too_long = true;
  } else if (!x->head && x->status >= 200 && x->status < 300 && header_is(line, n, "content-length", &v, &vn)) {
    /* Refuse a body announced too large before any of it arrives. */
    char num[32];
    if (copy_value(num, sizeof num, v, vn) && strtoull(num, NULL, 10) > x->cap) {
      x->too_large = true;
      return 0;
    }
  }
  return n;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata) {
  struct adm__reg_exchange *x = userdata;
  size_t n = size * nmemb;
  if (x->status < 200 || x->status >= 300)
    return n; /* an error page or a redirect's body: not needed */
  if (n > x->cap - x->len) {
    x->too_large = true;
    return 0;
  }
  if (x->len + n > x->alloc) {
    size_t want = x->alloc ? x->alloc * 2 : 16384;
    while (want < x->len + n)
      want *= 2;
    if (want > x->cap)
      want = x->cap;
    unsigned char *grown = realloc(x->body, want);
    if (grown == NULL)
      return 0; /* CURLE_WRITE_ERROR without too_large: internal */
    x->body = grown;
    x->alloc = want;
  }
  memcpy(x->body + x->len, data, n);
  x->len += n;
  return n;
}

static enum adm_fetch_outcome map_curl(CURLcode rc, const struct adm__reg_exchange *x, const char *what,
                                       struct adm_fetch_error *err) {
  const char *why = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
  switch (rc) {
  case CURLE_OPERATION_TIMEDOUT:
    return adm__reg_fail(err, ADM_FETCH_DEADLINE, 0, "%s: %s", what, why);
  case CURLE_WRITE_ERROR:
    if (x->too_large)
      return adm__reg_fail(err, ADM_FETCH_TOO_LARGE, (int)x->status, "%s: body larger than %zu bytes", what, x->cap);
    return adm__reg_fail(err, ADM_FETCH_INTERNAL, (int)x->status, "%s: out of memory", what);
  case CURLE_OUT_OF_MEMORY:
    return adm__reg_fail(err, ADM_FETCH_INTERNAL, 0, "%s: out of memory", what);
  case CURLE_WEIRD_SERVER_REPLY:
  case CURLE_UNSUPPORTED_PROTOCOL:
  case CURLE_BAD_CONTENT_ENCODING:
    return adm__reg_fail(err, ADM_FETCH_MALFORMED, 0, "%s: %s", what, why);
  default: /* refused, DNS, reset, TLS: the registry cannot be reached as configured */
    return adm__reg_fail(err, ADM_FETCH_UNAVAILABLE, 0, "%s: %s", what, why);
  }
}

static int lock_index(curl_lock_data data) {
  return data >= 0 && data < CURL_LOCK_DATA_LAST ? (int)data : 0;
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *userptr) {
  (void)h;
  (void)access;
  struct adm_registry_client *c = userptr;
  pthread_mutex_lock(&c->share_locks[lock_index(data)]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *userptr) {
  (void)h;
  struct adm_registry_client *c = userptr;
  pthread_mutex_unlock(&c->share_locks[lock_index(data)]);
}

CURL *adm__reg_handle_take(struct adm_registry_client *c) {
  CURL *h = NULL;
  pthread_mutex_lock(&c->lock);
  if (c->npool > 0)
    h = c->pool[--c->npool];
  pthread_mutex_unlock(&c->lock);
  return h ? h : curl_easy_init();
}

void adm__reg_handle_give(struct adm_registry_client *c, CURL *h) {
  if (h == NULL)
    return;
  pthread_mutex_lock(&c->lock);
  if (c->npool < ADM__REG_POOL_MAX) {
    c->pool[c->npool++] = h;
    h = NULL;
  }
  pthread_mutex_unlock(&c->lock);
  if (h != NULL)
    curl_easy_cleanup(h);
}

/* One request and its redirects, followed here rather than by curl so that
 * each hop is checked: every hop carries only the grant made for its own
 * origin (scheme, host and port), none at all on another origin, and a
 * redirect to plain HTTP needs that host to be marked insecure. On return x
 * holds the final response and who sent it (or a transport error, mapped
 * into err). */
enum adm_fetch_outcome adm__reg_exchange_run(struct adm_registry_client *c, CURL *h, const char *first_url,
                                             const char *accept, const struct adm__reg_grant *grants, size_t ngrants,
                                             int64_t deadline_ms, struct adm__reg_exchange *x,
                                             struct adm_fetch_error *err) {
  struct adm__reg_origin here;
  char *url = strdup(first_url);
  if (url == NULL)
    return adm__reg_fail(err, ADM_FETCH_INTERNAL, 0, "out of memory");
  if (!adm__reg_parse_origin(url, &here)) {
    free(url);
    return adm__reg_fail(err, ADM_FETCH_MALFORMED, 0, "not an http(s) URL: %.200s", first_url);
  }
  const char *method = x->head ? "HEAD" : "GET";
  enum adm_fetch_outcome o = ADM_FETCH_OK;
  for (int hop = 0;; hop++) {
    char what[300];
    snprintf(what, sizeof what, "%s %.250s", method, url);
    const struct adm__reg_host_settings *s = adm__reg_settings_for(c, here.host, here.port);
    if (strcmp(here.scheme, "http") == 0 && (s == NULL || !s->insecure)) {
      o = adm__reg_fail(err, ADM_FETCH_UNAVAILABLE, 0, "%s: plain HTTP to a registry not marked insecure", what);
      break;
    }
    int64_t left = deadline_ms - adm_verifier_now_ms();
    if (left <= 0) {
      o = adm__reg_fail(err, ADM_FETCH_DEADLINE, 0, "%s: deadline passed before the request", what);
      break;
    }
    exchange_reset(x);
    x->from = here;
    curl_easy_reset(h);
    struct curl_slist *hdrs = NULL, *t;
    if (accept != NULL && (t = curl_slist_append(hdrs, accept)) != NULL)
      hdrs = t;
    const char *authorization = NULL;
    for (size_t i = 0; i < ngrants && authorization == NULL; i++)
      if (grants[i].header != NULL && adm__reg_same_origin(&here, &grants[i].to))
        authorization = grants[i].header;
    if (authorization != NULL) {
      if ((t = curl_slist_append(hdrs, authorization)) == NULL) {
        curl_slist_free_all(hdrs);
        o = adm__reg_fail(err, ADM_FETCH_INTERNAL, 0, "out of memory");
        break;
      }
      hdrs = t;
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "admitd/" ADMITD_VERSION);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_NOBODY, x->head ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(left < c->connect_timeout_ms ? left : c->connect_timeout_ms));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(left < c->request_timeout_ms ? left : c->request_timeout_ms));
    curl_easy_setopt(h, CURLOPT_SHARE, c->share);
    if (s != NULL && s->ca_file != NULL)
      curl_easy_setopt(h, CURLOPT_CAINFO, s->ca_file);
    atomic_fetch_add(&c->requests, 1);
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(hdrs);
    if (rc != CURLE_OK) {
      o = map_curl(rc, x, what, err);
      /* Past the deadline, whatever curl saw is the deadline's doing. */
      if (o != ADM_FETCH_DEADLINE && adm_verifier_now_ms() >= deadline_ms)
        o = adm__reg_fail(err, ADM_FETCH_DEADLINE, 0, "%s: deadline passed (%s)", what, err ? err->detail : "");
      break;
    }
    if (x->header_too_long) {
      o = adm__reg_fail(err, ADM_FETCH_MALFORMED, (int)x->status, "%s: oversized header", what);
      break;
    }
    if (x->status < 300 || x->status > 399 || x->status == 304)
      break;
    char *next = NULL;
    curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &next);
    if (next == NULL) {
      o = adm__reg_fail(err, ADM_FETCH_MALFORMED, (int)x->status, "%s: redirect without a Location", what);
      break;
    }
    if (hop + 1 > c->max_redirects) {
      o = adm__reg_fail(err, ADM_FETCH_MALFORMED, (int)x->status, "%s: more than %d redirects", what, c->max_redirects);
      break;
    }
    if (strlen(next) >= ADM__REG_URL_MAX || !adm__reg_parse_origin(next, &here)) {
      o = adm__reg_fail(err, ADM_FETCH_MALFORMED, (int)x->status, "%s: unusable redirect target", what);
      break;
    }
    char *copy = strdup(next);
    if (copy == NULL) {
      o = adm__reg_fail(err, ADM_FETCH_INTERNAL, 0, "out of memory");
      break;
    }
    free(url);
    url = copy;
  }
  free(url);
  return o;
}

/* ---- the bearer-token flow -------------------------------------------- */

/* The value of one auth-param of a challenge (`realm="..."`, quoted or a
 * bare token), unescaped; false when absent or too long. */
static bool challenge_param(const char *ch, const char *name, char *out, size_t outlen) {
  const char *p = ch;
  while (*p && *p != ' ')
    p++; /* skip the scheme */
  size_t k = strlen(name);
  while (*p) {
    while (*p == ' ' || *p == ',' || *p == '\t')
      p++;
    const char *key = p;
    while (*p && *p != '=' && *p != ',' && *p != ' ')
      p++;
    size_t klen = (size_t)(p - key);
    if (*p != '=')
      continue;
    p++;
    size_t n = 0;
    bool want = klen == k && strncasecmp(key, name, k) == 0;
    bool fits = true;
    if (*p == '"') {
      for (p++; *p && *p != '"'; p++) {
        if (*p == '\\' && p[1])
          p++;
        if (want && n + 1 < outlen)
          out[n++] = *p;
        else if (want)
          fits = false;
      }
      if (*p == '"')
        p++;
    } else {
      for (; *p && *p != ',' && *p != ' '; p++) {
        if (want && n + 1 < outlen)
          out[n++] = *p;
        else if (want)
          fits = false;
      }
    }
    if (want) {
      out[n] = '\0';
      return fits;
    }
  }
  return false;
}

static enum adm_fetch_outcome token_status(long status, const char *what, struct adm_fetch_error *err) {
  if (status == 401 || status == 403)
    return adm__reg_fail(err, ADM_FETCH_AUTH, (int)status, "%s: token request refused (HTTP %ld)", what, status);
  if (status == 429 || status >= 500)
    return adm__reg_fail(err, ADM_FETCH_UNAVAILABLE, (int)status, "%s: token service failed (HTTP %ld)", what, status);
  return adm__reg_fail(err, ADM_FETCH_AUTH, (int)status, "%s: token service answered HTTP %ld", what, status);
}

/* GET realm?service=&scope= (with basic, the registry's own credentials,
 * when the caller passes them), and turn {"token"|"access_token",
 * "expires_in"} into an Authorization header, cached under key (NULL: not
 * cached). The credentials go to the realm's origin only: a realm that
 * redirects elsewhere is asked there without them. */
static enum adm_fetch_outcome fetch_token(struct adm_registry_client *c, CURL *h, const char *challenge,
                                          const char *default_scope, const char *basic, const char *key,
                                          int64_t deadline_ms, char **header_out, struct adm_fetch_error *err) {
  char realm[ADM__REG_URL_MAX / 2], service[512] = "", scope[1024] = "";
  if (!challenge_param(challenge, "realm", realm, sizeof realm) || realm[0] == '\0')
    return adm__reg_fail(err, ADM_FETCH_AUTH, 401, "bearer challenge without a usable realm");
  (void)challenge_param(challenge, "service", service, sizeof service);
  if (!challenge_param(challenge, "scope", scope, sizeof scope) || scope[0] == '\0')
    snprintf(scope, sizeof scope, "%s", default_scope);
  char *esc_service = curl_easy_escape(h, service, 0), *esc_scope = curl_easy_escape(h, scope, 0);
  char *url = malloc(ADM__REG_URL_MAX);
  enum adm_fetch_outcome o = ADM_FETCH_OK;
  if (esc_service == NULL || esc_scope == NULL || url == NULL) {
    o = adm__reg_fail(err, ADM_FETCH_INTERNAL, 0, "out of memory");
    goto out;
  }
  int n = snprintf(url, ADM__REG_URL_MAX, "%s%sservice=%s&scope=%s", realm, strchr(realm, '?') ? "&" : "?", esc_service,
                   esc_scope);
  if (n < 0 || n >= ADM__REG_URL_MAX) {
    o = adm__reg_fail(err, ADM_FETCH_MALFORMED, 401, "token realm too long");
    goto out;
  }
  struct adm__reg_grant realm_grant = {.header = basic};
  size_t ngrants = basic != NULL && adm__reg_parse_origin(url, &realm_grant.to) ? 1 : 0;
  struct adm__reg_exchange x = {.cap = TOKEN_BODY_MAX};
  o = adm__reg_exchange_run(c, h, url, "Accept: application/json", &realm_grant, ngrants, deadline_ms, &x, err);
  char what[300];
  snprintf(what, sizeof what, "GET %.250s", realm);
  if (o == ADM_FETCH_OK && x.status != 200)
    o = token_status(x.status, what, err);
  if (o == ADM_FETCH_OK) {
    json_error_t je;
    json_t *doc = json_loadb((const char *)x.body, x.len, 0, &je);
    json_t *tok = json_object_get(doc, "token");
    if (!json_is_string(tok) || json_string_length(tok) == 0)
      tok = json_object_get(doc, "access_token");
    json_t *ttl = json_object_get(doc, "expires_in");
    const char *t = json_string_value(tok);
    size_t tlen = t ? json_string_length(tok) : 0;
    bool clean = tlen > 0 && tlen < TOKEN_MAX;
    for (size_t i = 0; clean && i < tlen; i++)
      clean = t[i] > ' ' && t[i] < 127; /* it goes into a header line */
    if (!clean) {
      o = adm__reg_fail(err, ADM_FETCH_MALFORMED, 200, "%s: no usable token in the answer", what);
    } else {
      long long secs = json_is_integer(ttl) && json_integer_value(ttl) > 0 ? json_integer_value(ttl) : 60;
      char *header = malloc(tlen + 32);
      if (header == NULL) {
        o = adm__reg_fail(err, ADM_FETCH_INTERNAL, 0, "out of memory");
      } else {
        snprintf(header, tlen + 32, "Authorization: Bearer %s", t);
        /* Renew a little early: a token that expires in flight is a 401. */
        if (key != NULL)
          token_put(c, key, header, adm_verifier_now_ms() + secs * 900);
        *header_out = header;
      }
    }
    json_decref(doc);
  }
  free(x.body);
out:
  free(url);
  curl_free(esc_service);
  curl_free(esc_scope);
  return o;
}

/* ---- one registry call: auth, status mapping -------------------------- */

enum kind { MANIFEST_HEAD, MANIFEST_GET, BLOB_GET };

/* A 401 from who (ADM__REG_HOME or ADM__REG_AWAY): a new Authorization header for it in
 * *auth, or an error. basic is the registry's credentials, for ADM__REG_HOME only. */
enum adm_fetch_outcome adm__reg_answer_challenge(struct adm_registry_client *c, CURL *h,
                                                 const struct adm__reg_exchange *x, enum adm__reg_party who,
                                                 const char *basic, const char *scope, const char *key,
                                                 int64_t deadline_ms, const char *what, char **auth,
                                                 struct adm_fetch_error *err) {
  const char *ch = x->challenge;
  if (strncasecmp(ch, "bearer", 6) == 0 && (ch[6] == ' ' || ch[6] == '\0'))
    return fetch_token(c, h, ch, scope, who == ADM__REG_HOME ? basic : NULL, who == ADM__REG_HOME ? key : NULL,
                       deadline_ms, auth, err);
  if (who == ADM__REG_HOME && basic != NULL && strncasecmp(ch, "basic", 5) == 0) {
    *auth = strdup(basic);
    return *auth != NULL ? ADM_FETCH_OK : adm__reg_fail(err, ADM_FETCH_INTERNAL, 0, "out of memory");
  }
  if (who == ADM__REG_AWAY)
    return adm__reg_fail(err, ADM_FETCH_AUTH, 401,
                         "%s: authentication required there, and credentials go to the registry only", what);
  return adm__reg_fail(err, ADM_FETCH_AUTH, 401, "%s: authentication required and %s", what,
                       ch[0] ? "no credentials for this registry" : "no WWW-Authenticate challenge");
}

static enum adm_fetch_outcome registry_call(struct adm_registry_client *c, const struct adm_fetch_target *t,
                                            enum kind kind, int64_t deadline_ms, struct adm__reg_exchange *x,
                                            struct adm_fetch_error *err) {
  char canonical[256];
  if (t->registry == NULL || adm_registry_host_canonical(t->registry, canonical, sizeof canonical) < 0 ||
      canonical[0] == '\0')
    return adm__reg_fail(err, ADM_FETCH_INTERNAL, 0, "invalid registry name");
  if (t->repository == NULL || !valid_repository(t->repository))
    return adm__reg_fail(err, ADM_FETCH_INTERNAL, 0, "invalid repository name");
  if (t->reference == NULL || !(is_digest(t->reference) || (kind != BLOB_GET && valid_tag(t->reference))))
    return adm__reg_fail(err, ADM_FETCH_INTERNAL, 0, "invalid reference for %s", t->repository);
  char host[256];
  const char *port;
  adm__reg_split_host_port(canonical, host, sizeof host, &port);
  const struct adm__reg_host_settings *s = adm__reg_settings_for(c, host, port);
  char url[1024];
  snprintf(url, sizeof url, "%s://%s/v2/%s/%s/%s", s && s->insecure ? "http" : "https",
           adm_registry_api_host(canonical), t->repository, kind == BLOB_GET ? "blobs" : "manifests", t->reference);
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
    o = adm__reg_exchange_run(c, h, url, kind == BLOB_GET ? NULL : ACCEPT_MANIFESTS, grants, ADM__REG_PARTIES,
                              deadline_ms, x, err);
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

static const struct adm_verifier_ops registry_ops = {v_resolve, v_manifest, v_blob};

void adm_registry_verifier(struct adm_registry_client *c, struct adm_verifier *v) {
  v->ops = &registry_ops;
  v->ctx = c;
}

unsigned long adm_registry_requests(const struct adm_registry_client *c) {
  return atomic_load(&c->requests);
}

/* ---- life cycle ------------------------------------------------------- */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void global_init(void) {
  global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int adm_registry_client_new(const struct adm_registry_options *o, struct adm_registry_client **out,
                            struct adm_error *err) {
  *out = NULL;
  pthread_once(&global_once, global_init);
  if (global_rc != CURLE_OK)
    return adm_fail(err, ADM_EIO, "registry", "libcurl: %s", curl_easy_strerror(global_rc));
  struct adm_registry_client *c = calloc(1, sizeof *c);
  if (c == NULL)
    return adm_fail(err, ADM_ENOMEM, "registry", "out of memory");
  pthread_mutex_init(&c->lock, NULL);
  for (size_t i = 0; i < CURL_LOCK_DATA_LAST; i++)
    pthread_mutex_init(&c->share_locks[i], NULL);
  atomic_init(&c->requests, 0);
  c->connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 1000;
  c->request_timeout_ms = o->request_timeout_ms > 0 ? o->request_timeout_ms : 3000;
  c->max_manifest = o->max_manifest_bytes > 0 ? o->max_manifest_bytes : ADM_REGISTRY_MANIFEST_MAX;
  c->max_blob = o->max_blob_bytes > 0 ? o->max_blob_bytes : 1 << 20;
  c->max_redirects = o->max_redirects > 0 ? o->max_redirects : 5;
  int rc = 0;
  c->share = curl_share_init();
  if (c->share == NULL) {
    rc = adm_fail(err, ADM_ENOMEM, "registry", "out of memory");
    goto fail;
  }
  curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock);
  curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
  curl_share_setopt(c->share, CURLSHOPT_USERDATA, c);
  curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  if (o->nhosts > 0) {
    c->hosts = calloc(o->nhosts, sizeof *c->hosts);
    if (c->hosts == NULL) {
      rc = adm_fail(err, ADM_ENOMEM, "registry", "out of memory");
      goto fail;
    }
  }
  for (size_t i = 0; i < o->nhosts; i++) {
    char canonical[256];
    const struct adm_registry_host *h = &o->hosts[i];
    if (h->host == NULL || adm_registry_host_canonical(h->host, canonical, sizeof canonical) < 0 ||
        canonical[0] == '\0') {
      rc = adm_fail(err, ADM_EINVAL, "registries", "entry %zu: not a registry host", i);
      goto fail;
    }
    c->hosts[i].host = strdup(canonical);
    c->hosts[i].ca_file = adm__reg_dup_str(h->ca_file && h->ca_file[0] ? h->ca_file : NULL);
    c->hosts[i].insecure = h->insecure;
    c->nhosts = i + 1;
    if (c->hosts[i].host == NULL || (h->ca_file && h->ca_file[0] && c->hosts[i].ca_file == NULL)) {
      rc = adm_fail(err, ADM_ENOMEM, "registry", "out of memory");
      goto fail;
    }
  }
  if (o->credentials_file != NULL && o->credentials_file[0] != '\0' &&
      (rc = adm__reg_load_credentials(c, o->credentials_file, err)) < 0)
    goto fail;
  *out = c;
  return 0;
fail:
  adm_registry_client_free(c);
  return rc;
}

void adm_registry_client_free(struct adm_registry_client *c) {
  if (c == NULL)
    return;
  for (size_t i = 0; i < c->npool; i++)
    curl_easy_cleanup(c->pool[i]);
  if (c->share != NULL)
    curl_share_cleanup(c->share);
  for (size_t i = 0; i < ADM__REG_TOKEN_SLOTS; i++)
    adm__reg_slot_clear(&c->tokens[i]);
  for (size_t i = 0; i < c->nhosts; i++) {
    free(c->hosts[i].host);
    free(c->hosts[i].ca_file);
  }
  free(c->hosts);
  for (size_t i = 0; i < c->ncreds; i++) {
    free(c->creds[i].host);
    if (c->creds[i].basic_header != NULL)
      gnutls_memset(c->creds[i].basic_header, 0, strlen(c->creds[i].basic_header));
    free(c->creds[i].basic_header);
  }
  free(c->creds);
  pthread_mutex_destroy(&c->lock);
  for (size_t i = 0; i < CURL_LOCK_DATA_LAST; i++)
    pthread_mutex_destroy(&c->share_locks[i]);
  free(c);
}

const char *adm_registry_curl_version(void) {
  static char text[128];
  const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
  snprintf(text, sizeof text, "%s (%s)", v && v->version ? v->version : "unknown",
           v && v->ssl_version ? v->ssl_version : "no TLS");
  return text;
}
