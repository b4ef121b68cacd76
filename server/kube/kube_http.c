/* One GET to the API server over libcurl: the config's CA and client
 * certificate, its bearer token (re-read and retried once on a 401), the
 * call's deadline, a read timeout for streams that go silent, a stop flag
 * that abandons the call within about a second, and caps on what is kept.
 * A watch streams its body to a callback; everything else is buffered up
 * to a cap. Knows no resource and judges no status but 401. Redirects are
 * not followed: the API server does not send them for these paths, and a
 * token must not travel anywhere else. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admitd/verifier.h"
#include "kube_internal.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

bool adm__kube_valid_name(const char *name) {
  size_t n = strlen(name);
  if (n == 0 || n > 63 || name[0] == '-' || name[n - 1] == '-')
    return false;
  return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata) {
  struct adm__kube_exchange *x = userdata;
  size_t n = size * nmemb;
  x->last_byte_ms = adm_verifier_now_ms();
  bool ok = x->status >= 200 && x->status < 300;
  if (ok && x->stream != NULL)
    return x->stream(x->stream_ctx, data, n) ? n : 0;
  /* An error answer keeps its first bytes only, for its Status message. */
  size_t cap = ok ? x->cap : ADM__KUBE_ERROR_BODY_MAX;
  if (n > cap - x->len) {
    if (!ok) {
      n = cap - x->len;
      if (n == 0)
        return size * nmemb;
    } else {
      x->too_large = true;
      return 0;
    }
  }
  if (x->len + n + 1 > x->alloc) {
    size_t want = x->alloc ? x->alloc : 16384;
    while (want < x->len + n + 1)
      want *= 2;
    if (want > cap + 1)
      want = cap + 1;
    char *grown = realloc(x->body, want);
    if (grown == NULL)
      return 0;
    x->body = grown;
    x->alloc = want;
  }
  memcpy(x->body + x->len, data, n);
  x->len += n;
  x->body[x->len] = '\0';
  return size * nmemb;
}

static size_t on_header(char *line, size_t size, size_t nitems, void *userdata) {
  struct adm__kube_exchange *x = userdata;
  size_t n = size * nitems;
  if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
    const char *sp = memchr(line, ' ', n);
    x->status = sp ? strtol(sp + 1, NULL, 10) : 0;
  }
  x->last_byte_ms = adm_verifier_now_ms();
  return n;
}

/* Called by curl about once a second even when nothing arrives: the stop
 * flag, the read timeout and the deadline are judged here. */
static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
  (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
  struct adm__kube_exchange *x = userdata;
  if (x->stop != NULL && atomic_load(x->stop))
    return 1;
  int64_t now = adm_verifier_now_ms();
  if (x->read_timeout_ms > 0 && now - x->last_byte_ms >= x->read_timeout_ms)
    return 1;
  return now >= x->deadline_ms;
}

void adm__kube_exchange_done(struct adm__kube_exchange *x) {
  free(x->body);
  x->body = NULL;
  x->len = x->alloc = 0;
}

static enum adm__kube_outcome classify(struct adm__kube_exchange *x, CURLcode rc, const char *errbuf) {
  int64_t now = adm_verifier_now_ms();
  snprintf(x->detail, sizeof x->detail, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
  switch (rc) {
  case CURLE_OK:
    return ADM__KUBE_DONE;
  case CURLE_ABORTED_BY_CALLBACK:
    if (x->stop != NULL && atomic_load(x->stop))
      return ADM__KUBE_STOPPED;
    if (now >= x->deadline_ms)
      return ADM__KUBE_DEADLINE;
    return ADM__KUBE_STALLED;
  case CURLE_OPERATION_TIMEDOUT:
    return now >= x->deadline_ms ? ADM__KUBE_DEADLINE : ADM__KUBE_TRANSPORT;
  case CURLE_WRITE_ERROR:
    if (x->too_large)
      return ADM__KUBE_TOO_LARGE;
    return x->stream != NULL ? ADM__KUBE_ABORTED : ADM__KUBE_NOMEM;
  case CURLE_OUT_OF_MEMORY:
    return ADM__KUBE_NOMEM;
  default:
    return ADM__KUBE_TRANSPORT;
  }
}

static enum adm__kube_outcome get_once(struct adm_kube_config *c, struct adm__kube_exchange *x, const char *auth) {
  char url[ADM__KUBE_URL_MAX];
  if ((size_t)snprintf(url, sizeof url, "%s%s", c->server, x->path_query) >= sizeof url) {
    snprintf(x->detail, sizeof x->detail, "URL longer than %d bytes", ADM__KUBE_URL_MAX);
    return ADM__KUBE_TRANSPORT;
  }
  int64_t left = x->deadline_ms - adm_verifier_now_ms();
  if (left <= 0) {
    snprintf(x->detail, sizeof x->detail, "deadline passed before the request");
    return ADM__KUBE_DEADLINE;
  }
  CURL *h = curl_easy_init();
  if (h == NULL)
    return ADM__KUBE_NOMEM;
  struct curl_slist *hdrs = curl_slist_append(NULL, "Accept: application/json");
  if (hdrs != NULL && auth != NULL) {
    struct curl_slist *more = curl_slist_append(hdrs, auth);
    if (more == NULL)
      curl_slist_free_all(hdrs);
    hdrs = more;
  }
  if (hdrs == NULL) {
    curl_easy_cleanup(h);
    return ADM__KUBE_NOMEM;
  }
  char errbuf[CURL_ERROR_SIZE] = "";
  adm__kube_exchange_done(x);
  x->status = 0;
  x->too_large = false;
  x->last_byte_ms = adm_verifier_now_ms();
  long connect = x->connect_timeout_ms > 0 ? x->connect_timeout_ms : 5000;
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "admitd/" ADMITD_VERSION);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(left < connect ? left : connect));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)left);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (c->ca_file != NULL)
    curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
  if (c->cert_file != NULL) {
    curl_easy_setopt(h, CURLOPT_SSLCERT, c->cert_file);
    curl_easy_setopt(h, CURLOPT_SSLKEY, c->key_file);
  }
  CURLcode rc = curl_easy_perform(h);
  curl_slist_free_all(hdrs);
  curl_easy_cleanup(h);
  return classify(x, rc, errbuf);
}

enum adm__kube_outcome adm__kube_get(struct adm_kube_config *c, struct adm__kube_exchange *x) {
  pthread_once(&curl_once, curl_init_once);
  enum adm__kube_outcome o = ADM__KUBE_DONE;
  for (int attempt = 0; attempt < 2; attempt++) {
    char *auth = NULL;
    struct adm_error e = {0};
    if (adm__kube_auth_header(c, attempt > 0, &auth, &e) < 0) {
      adm_error_format(&e, x->detail, sizeof x->detail);
      return e.code == ADM_ENOMEM ? ADM__KUBE_NOMEM : ADM__KUBE_TRANSPORT;
    }
    o = get_once(c, x, auth);
    free(auth);
    /* A 401: the token may have rotated under us; read it again, once. */
    if (o != ADM__KUBE_DONE || x->status != 401 || (c->token_file == NULL))
      break;
  }
  return o;
}

void adm__kube_describe(const struct adm__kube_exchange *x, enum adm__kube_outcome o, const char *what, char *out,
                        size_t outlen) {
  static const char *const names[] = {
      [ADM__KUBE_DONE] = "answered",
      [ADM__KUBE_DEADLINE] = "deadline passed",
      [ADM__KUBE_STALLED] = "nothing received",
      [ADM__KUBE_STOPPED] = "stopped",
      [ADM__KUBE_TOO_LARGE] = "answer too large",
      [ADM__KUBE_ABORTED] = "stream refused",
      [ADM__KUBE_NOMEM] = "out of memory",
      [ADM__KUBE_TRANSPORT] = "failed",
  };
  if (o != ADM__KUBE_DONE) {
    snprintf(out, outlen, "%s: %s (%s)", what, names[o], x->detail);
    return;
  }
  /* A Status answer names its reason and message: keep them. */
  json_t *st = x->body ? adm__kube_json_load(x->body, x->len, 64, NULL) : NULL;
  const char *msg = json_string_value(json_object_get(st, "message"));
  snprintf(out, outlen, "%s: HTTP %ld%s%.150s", what, x->status, msg ? ": " : "", msg ? msg : "");
  json_decref(st);
}

int adm__kube_get_page(struct adm_kube_config *c, const struct adm__kube_page_request *r, json_t **root,
                       struct adm__kube_page *page, long *status, struct adm_error *err) {
  struct adm_error local;
  if (err == NULL)
    err = &local;
  *root = NULL;
  *status = 0;
  char path[ADM__KUBE_URL_MAX];
  int n = snprintf(path, sizeof path, "%s?limit=%zu", r->path, r->limit);
  if (r->cont != NULL && r->cont[0] != '\0') {
    char *esc = curl_easy_escape(NULL, r->cont, 0);
    if (esc == NULL)
      return adm_fail(err, ADM_ENOMEM, r->path, "out of memory");
    n = snprintf(path, sizeof path, "%s?limit=%zu&continue=%s", r->path, r->limit, esc);
    curl_free(esc);
  }
  if (n < 0 || (size_t)n >= sizeof path)
    return adm_fail(err, ADM_ETOOBIG, r->path, "continue token too long");
  struct adm__kube_exchange x = {.path_query = path,
                                 .deadline_ms = r->deadline_ms,
                                 .connect_timeout_ms = r->connect_timeout_ms,
                                 .cap = r->cap,
                                 .stop = r->stop};
  enum adm__kube_outcome o = adm__kube_get(c, &x);
  int rc = 0;
  *status = x.status;
  if (o != ADM__KUBE_DONE || x.status != 200) {
    char why[400];
    adm__kube_describe(&x, o, "GET list page", why, sizeof why);
    rc = adm_fail(err,
                  o == ADM__KUBE_TOO_LARGE ? ADM_ETOOBIG
                  : o == ADM__KUBE_NOMEM   ? ADM_ENOMEM
                                           : ADM_EIO,
                  r->path, "%s", why);
  } else {
    *root = adm__kube_json_load(x.body, x.len, r->max_values, err);
    rc = *root != NULL ? adm__kube_page_from_json(*root, page, err) : err->code;
    if (rc < 0) {
      json_decref(*root);
      *root = NULL;
    }
  }
  adm__kube_exchange_done(&x);
  return rc;
}
