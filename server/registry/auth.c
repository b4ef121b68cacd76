/* Credentials, challenges and tokens: the dockerconfigjson file and the
 * Basic headers built from it once, the bearer-token flow, the per-client
 * token cache, and the answer to a 401 from the registry or from where it
 * redirected.
 *
 * Credentials from the credentials file go to their registry's origin
 * (scheme, host, port) and to the token realm that origin's own challenge
 * names, nowhere else; a token goes only to the origin it was asked for.
 * This file must not send a header any other way than as a grant bound to
 * one origin (transport.c carries it hop by hop), and no secret goes into
 * an error message. */
#include "admitd/registry.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry_internal.h"

enum {
  TOKEN_MAX = 16384,         /* one bearer token */
  TOKEN_BODY_MAX = 65536,    /* the token endpoint's JSON answer */
  CREDENTIALS_MAX = 1 << 20, /* dockerconfigjson file */
};

/* ---- credentials ------------------------------------------------------ */

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

/* ---- answering a challenge -------------------------------------------- */

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
