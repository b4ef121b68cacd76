/* The registry client object (registry.h): its options and their defaults,
 * the per-host settings (a CA file, plain HTTP), the curl share, new and
 * free, the request counter, and the small helpers the registry's files
 * share. server/registry/ is the only folder that includes libcurl, and the
 * client is split by what each file owns: auth.c (credentials, challenges,
 * tokens), transport.c (handles, one exchange and its redirects, timeouts,
 * caps), manifests.c (the registry calls, digest checks, the verifier
 * vtable). This file sends no request and reads no credential itself.
 *
 * Handles are never shared between threads at once: curl's shared
 * connection cache is not thread-safe, so only DNS and TLS sessions go
 * through the client's curl share. */
#include "admitd/registry.h"

#include <ctype.h>
#include <curl/curl.h>
#include <gnutls/gnutls.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admitd/image.h"
#include "registry_internal.h"

/* ---- small helpers the registry files share --------------------------- */

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

/* ---- host settings ---------------------------------------------------- */

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

/* ---- life cycle ------------------------------------------------------- */

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
  if (o->credentials_file != NULL && o->credentials_file[0] != '\0') {
    rc = adm__reg_load_credentials(c, o->credentials_file, err);
    if (rc < 0)
      goto fail;
  }
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

unsigned long adm_registry_requests(const struct adm_registry_client *c) {
  return atomic_load(&c->requests);
}
