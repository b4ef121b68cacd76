/* The transport: easy handles and their pool, one HTTP exchange and its
 * redirects, the timeouts and the deadline, body and header caps, the TLS
 * settings of each registry host, and every curl failure turned into one
 * adm_fetch_outcome.
 *
 * Redirects are followed here, hop by hop, and never by curl, so what each
 * hop carries does not depend on the libcurl version: a hop carries only
 * the grant made for its own origin, and plain HTTP only to a host marked
 * insecure. One easy handle serves one call (its 401 retry, token request
 * and redirects reuse the connection); idle handles wait in a small pool so
 * the next call reuses their connections too. This file knows no registry
 * API and makes no credential: callers hand it grants, and it judges no
 * status but a redirect. */
#include "admitd/registry.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_internal.h"

/* ---- origins and one response ----------------------------------------- */

static bool copy_value(char *dst, size_t dstlen, const char *v, size_t n) {
  if (n >= dstlen)
    return false;
  memcpy(dst, v, n);
  dst[n] = '\0';
  return true;
}

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

/* ---- handles and one exchange ----------------------------------------- */

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
      t = curl_slist_append(hdrs, authorization);
      if (t == NULL) {
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
