/* The listener: libmicrohttpd glue. Owns start, stop and drain, routing
 * on the raw path, protocol-level rejections (405, 413, 415, 429, 400),
 * refusing callers without a trusted client certificate, handing a
 * review's body to the pipeline in a decode slot and answering it. Bodies
 * (http_body.c), decode slots and fact waits (http_slots.c) and the
 * connection table (http_conns.c) live beside it, sharing http_internal.h.
 * Must not interpret policy, nor keep state of its own outside struct
 * adm_server.
 *
 * Threading: by default one thread per connection. kube-apiserver keeps a
 * few long-lived keep-alive connections and sends one request at a time on
 * each; with a thread per connection the kernel spreads them over every
 * core, where MHD's epoll pool pins a connection to the worker that
 * accepted it. --io-threads N selects the epoll pool instead (slow clients
 * then hold no thread). Either way connections are capped, a watchdog
 * closes any whose request outlives --request-timeout, and when new
 * connections would eat into the reserve, connections without a request in
 * progress are shed, those of the address holding the most first (stalled
 * heads, then idle keep-alive ones). No lock is held on the decode path. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "admitd/decide.h"
#include "admitd/facts_backend.h"
#include "admitd/gather.h"
#include "admitd/jsonw.h"
#include "admitd/log.h"
#include "admitd/record.h"
#include "metrics.h"
#include "admitd/pipeline.h"
#include "admitd/reload.h"
#include "admitd/review.h"
#include "admitd/sysres.h"
#include "http_internal.h"
#include "tls.h"

/* Without a cgroup memory limit, the budget is this. */
#define DEFAULT_BUDGET_NO_LIMIT (256u << 20)
size_t adm_server_default_budget(size_t cgroup_limit) {
  if (cgroup_limit == 0)
    return DEFAULT_BUDGET_NO_LIMIT;
  /* Half the limit: the other half holds the process baseline, the
   * connections (stacks, TLS sessions, MHD buffers) and allocator slack. */
  return cgroup_limit / 2;
}

void adm_server_options_default(struct adm_server_options *o) {
  *o = (struct adm_server_options){0};
  o->listen = "127.0.0.1:8443";
  o->max_body_bytes = 7u << 20;
  o->max_connections = 512;
  /* The API server is one address; with verify rules each of its
   * in-flight requests may hold a connection for images.deadline. A
   * quarter of the connections, so that no one address takes them all. */
  o->max_connections_per_ip = 128;
  o->idle_timeout_s = 120;
  o->request_timeout_ms = 10000;
  unsigned cpus = adm_sys_cpus();
  o->max_concurrent_decodes = 2 * cpus > MAX_DECODE_SLOTS ? MAX_DECODE_SLOTS : 2 * cpus;
  o->max_json_depth = ADM_REVIEW_MAX_DEPTH_DEFAULT;
  o->thread_stack_bytes = 256u << 10;
  o->memory_budget_bytes = adm_server_default_budget(adm_sys_memory_limit());
  o->io_threads = 0;
}

/* Queue an answer; libmicrohttpd copies body. close asks the client to
 * drop the connection (always so while draining). */
static enum MHD_Result queue(struct adm_server *s, struct MHD_Connection *c, unsigned code, const char *body,
                             size_t len, const char *content_type, const char *allow, bool close) {
  struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
  if (r == NULL)
    return MHD_NO;
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
  if (allow)
    MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
  /* While draining, tell the API server to drop the pooled connection. */
  if (close || atomic_load(&s->draining))
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
  enum MHD_Result ret = MHD_queue_response(c, code, r);
  MHD_destroy_response(r);
  if (ret == MHD_YES)
    adm_metrics_http_response(code);
  return ret;
}

static enum MHD_Result respond_text(struct adm_server *s, struct MHD_Connection *c, unsigned code, const char *text) {
  return queue(s, c, code, text, strlen(text), "text/plain; charset=utf-8", NULL, false);
}

/* A Kubernetes Status body for a refusal, written without allocating and
 * always valid JSON: text echoed from headers is repaired to UTF-8. */
static size_t status_text(char *buf, size_t cap, unsigned code, const char *reason, const char *message) {
  return adm_status_into(buf, cap, (int)code, reason, message);
}

static enum MHD_Result respond_status_allow(struct adm_server *s, struct MHD_Connection *c, unsigned code,
                                            const char *reason, const char *message, const char *allow, bool close) {
  char body[1536];
  size_t len = status_text(body, sizeof body, code, reason, message);
  adm_log(ADM_LOG_INFO, "rejected request: %u %s: %s", code, reason, message);
  return queue(s, c, code, body, len, "application/json", allow, close);
}

static enum MHD_Result respond_status(struct adm_server *s, struct MHD_Connection *c, unsigned code, const char *reason,
                                      const char *message) {
  return respond_status_allow(s, c, code, reason, message, NULL, false);
}

struct header_count {
  unsigned content_length, transfer_encoding;
};

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
  (void)kind, (void)value;
  struct header_count *hc = cls;
  if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
    hc->content_length++;
  else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
    hc->transfer_encoding++;
  return MHD_YES;
}

static bool is_json_content_type(const char *ct) {
  if (ct == NULL)
    return false;
  static const char json[] = "application/json";
  size_t n = sizeof json - 1, len = strlen(ct);
  if (len < n || strncasecmp(ct, json, n) != 0)
    return false;
  return len == n || ct[n] == ';' || ct[n] == ' ';
}

/* The route of a raw request target: the path up to '?', compared before
 * libmicrohttpd unescapes it, so "/validate%00x" is not "/validate". */
enum path adm__path_of(const char *uri) {
  size_t n = strcspn(uri, "?");
  static const struct {
    const char *p;
    enum path path;
  } known[] = {{"/validate", PATH_VALIDATE},
               {"/healthz", PATH_HEALTHZ},
               {"/livez", PATH_HEALTHZ},
               {"/readyz", PATH_READYZ},
               {"/metrics", PATH_METRICS}};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (strlen(known[i].p) == n && memcmp(uri, known[i].p, n) == 0)
      return known[i].path;
  return PATH_OTHER;
}

static void reject(struct request *r, unsigned code, const char *reason, const char *message) {
  r->route = ROUTE_REJECT;
  r->reject_code = code;
  r->reject_reason = reason;
  snprintf(r->reject_message, sizeof r->reject_message, "%s", message);
}

/* A refusal whose body must not be read: answered before it, then closed. */
void adm__reject_now(struct request *r, unsigned code, const char *reason, const char *message) {
  reject(r, code, reason, message);
  r->answer_now = true;
}

/* First call for /validate: everything that can be judged before the body. */
/* A Go duration as the API server writes ?timeout= ("10s", "1m30s",
 * "500ms"), in ms; 0 when absent or not understood (the other bounds hold). */
static long long go_duration_ms(const char *s) {
  if (s == NULL || *s == '\0')
    return 0;
  double total = 0;
  while (*s) {
    char *end;
    double v = strtod(s, &end);
    if (end == s || !(v >= 0))
      return 0;
    if (strncmp(end, "ms", 2) == 0)
      total += v, end += 2;
    else if (*end == 's')
      total += v * 1000, end++;
    else if (*end == 'm')
      total += v * 60000, end++;
    else if (*end == 'h')
      total += v * 3600000, end++;
    else
      return 0;
    s = end;
  }
  return total >= 0 && total <= 1e12 ? (long long)total : 0; /* NaN fails both */
}

static void validate_start(struct adm_server *s, struct MHD_Connection *c, const char *method, struct request *r) {
  r->api_timeout_ms = go_duration_ms(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "timeout"));
  if (strcmp(method, MHD_HTTP_METHOD_POST) != 0) {
    reject(r, 405, "MethodNotAllowed", "method not allowed; use POST");
    r->allow = "POST";
    return;
  }
  struct header_count hc = {0};
  MHD_get_connection_values(c, MHD_HEADER_KIND, count_header, &hc);
  if (hc.content_length > 1)
    return adm__reject_now(r, 400, "BadRequest", "more than one Content-Length header");
  if (hc.content_length == 1 && hc.transfer_encoding > 0)
    return adm__reject_now(r, 400, "BadRequest", "both Content-Length and Transfer-Encoding");
  const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
  if (hc.transfer_encoding > 1 || (te && strcasecmp(te, "chunked") != 0))
    return adm__reject_now(r, 400, "BadRequest", "unsupported Transfer-Encoding; send Content-Length or chunked");
  const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
  if (!is_json_content_type(ct)) {
    char msg[200];
    snprintf(msg, sizeof msg, "Content-Type must be application/json, got \"%.100s\"", ct ? ct : "");
    return reject(r, 415, "UnsupportedMediaType", msg);
  }
  const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
  if (cl) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(cl, &end, 10);
    if (errno || *end != '\0' || end == cl)
      return adm__reject_now(r, 400, "BadRequest", "malformed Content-Length");
    if (v > s->opt.max_body_bytes)
      return adm__too_large(s, r);
    if (!adm_budget_could_hold(&s->budget, (size_t)v)) {
      char msg[160];
      return adm__reject_now(r, 413, "RequestEntityTooLarge", adm__over_budget_msg(s, msg, sizeof msg));
    }
    /* Reserved before a byte is read: a body is never buffered unpaid. */
    if (v > 0) {
      if (!adm_budget_take(&s->budget, (size_t)v))
        return adm__reject_now(r, 429, "TooManyRequests", adm__budget_short_msg);
      r->reserved = (size_t)v;
      r->body = malloc((size_t)v);
      if (r->body == NULL)
        return adm__reject_now(r, 500, "InternalError", "admitd: out of memory for the request body");
      r->cap = (size_t)v;
    }
  }
  r->route = ROUTE_VALIDATE;
  r->counted = true;
  atomic_fetch_add(&s->in_flight, 1);
}

static enum MHD_Result validate_finish(struct adm_server *s, struct MHD_Connection *c, struct request *r) {
  if (r->too_big) {
    char msg[128];
    snprintf(msg, sizeof msg, "request entity is too large; limit is %zu bytes", s->opt.max_body_bytes);
    adm__release_body(s, r);
    return respond_status(s, c, 413, "RequestEntityTooLarge", msg);
  }
  if (r->budget_short) {
    adm__release_body(s, r);
    /* A body larger than the whole budget will never be read: no retry helps. */
    char msg[160];
    if (!adm_budget_could_hold(&s->budget, r->seen))
      return respond_status(s, c, 413, "RequestEntityTooLarge", adm__over_budget_msg(s, msg, sizeof msg));
    return respond_status(s, c, 429, "TooManyRequests", adm__budget_short_msg);
  }
  if (!adm__acquire_decode_slot(s, r))
    return respond_status(s, c, 503, "ServiceUnavailable", "too many requests being decoded; try again");
  struct adm__slotted sl = {s, adm_config_pin(), adm__claim_slot(s)};
  struct adm_config *cfg = sl.cfg;
  struct adm_pipeline_result *res;
  struct adm_pipeline_options po = {
      .limits = s->limits,
      .facts = ADM_FACTS_SUSPEND,
      .deadline_ms = adm__facts_deadline_ms(s, r, cfg),
      .answer_by_ms = adm__answer_deadline_ms(s, r),
      .margin_ms = FACTS_MARGIN_MS,
      .slots = &adm__slotted_ops,
      .slots_ctx = &sl,
      .namespaces = s->opt.namespaces,
      .body_held = r->len,
  };
  enum adm_pipeline_status st =
      adm_pipeline_run(&po, cfg, r->body, r->len, &s->slots[sl.slot].arena, &s->slots[sl.slot].result, &res);
  if (st != ADM_PIPELINE_ANSWERED) {
    adm_config_unpin(cfg);
    adm__release_body(s, r);
    if (st == ADM_PIPELINE_NOMEM)
      return respond_status(s, c, 500, "InternalError", "admitd: out of memory while deciding; no decision was made");
    return respond_status(s, c, 503, "ServiceUnavailable", "too many requests being decoded; try again");
  }
  unsigned slot = sl.slot;
  adm_metrics_review(cfg, res, now_ns() - ts_ns(&r->start));
  r->observed = true;
  adm_config_unpin(cfg);
  adm_record(r->body, r->len, res); /* queued, never written here: see record.h */
  if (res->decided)
    adm_log_decision(&res->req, &res->decision, elapsed_us(&r->start));
  else
    adm_log(ADM_LOG_INFO, "rejected request: %d: %s", res->http_status, res->error ? res->error : "");
  /* libmicrohttpd copies the answer, so the slot's arena can be recycled now. */
  enum MHD_Result ret = queue(s, c, (unsigned)res->http_status, res->body, res->len, "application/json", NULL, false);
  if (res->decoded)
    adm_review_request_release(&res->req);
  adm__release_slot(s, slot);
  adm__release_body(s, r);
  return ret;
}

/* How a caller whose certificate is not trusted is answered, by verdict. */
static const struct {
  unsigned code;
  const char *reason, *message;
  enum adm_metrics_refusal metric;
} refusals[ADM__TLS_CLIENT_VERDICTS] = {
    [ADM_TLS_CLIENT_NO_CERTIFICATE] = {401, "Unauthorized",
                                       "admitd: this endpoint needs a client certificate from a --client-ca authority; "
                                       "none was presented",
                                       ADM_METRICS_REFUSED_NO_CERTIFICATE},
    [ADM_TLS_CLIENT_UNTRUSTED] = {401, "Unauthorized",
                                  "admitd: the client certificate is not issued by a --client-ca authority for client "
                                  "authentication",
                                  ADM_METRICS_REFUSED_UNTRUSTED},
    [ADM_TLS_CLIENT_EXPIRED] = {401, "Unauthorized",
                                "admitd: the client certificate, or a CA above it, is expired or not yet valid",
                                ADM_METRICS_REFUSED_EXPIRED},
    [ADM_TLS_CLIENT_NAME] = {403, "Forbidden", "admitd: the client certificate's common name is not one of --client-cn",
                             ADM_METRICS_REFUSED_NAME},
    [ADM_TLS_CLIENT_ERROR] = {500, "InternalError",
                              "admitd: the client certificate could not be checked; no decision was made",
                              ADM_METRICS_REFUSED_ERROR},
};

/* Under --client-ca only the kubelet's probes answer without a trusted
 * client certificate; anything else (unknown paths included) is refused
 * before its body is read, and the connection closed. A refused caller is
 * counted as such, not as a review. */
static bool caller_refused(struct adm_server *s, struct MHD_Connection *c, struct request *r) {
  if (!s->opt.client_auth || r->path == PATH_HEALTHZ || r->path == PATH_READYZ)
    return false;
  const union MHD_ConnectionInfo *ti = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
  enum adm_tls_client v =
      ti && ti->tls_session ? adm_tls_client_check((gnutls_session_t)ti->tls_session) : ADM_TLS_CLIENT_ERROR;
  if (v == ADM_TLS_CLIENT_TRUSTED)
    return false;
  if ((unsigned)v >= ADM__TLS_CLIENT_VERDICTS)
    v = ADM_TLS_CLIENT_ERROR;
  adm_metrics_client_refused(refusals[v].metric);
  adm__reject_now(r, refusals[v].code, refusals[v].reason, refusals[v].message);
  r->observed = true;
  return true;
}

static void route_start(struct adm_server *s, struct MHD_Connection *c, const char *method, struct request *r) {
  if (caller_refused(s, c, r))
    return;
  bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
  if (r->path == PATH_HEALTHZ || r->path == PATH_READYZ || r->path == PATH_METRICS) {
    r->route = r->path == PATH_READYZ ? ROUTE_READYZ : r->path == PATH_METRICS ? ROUTE_METRICS : ROUTE_HEALTHZ;
    if (!get) {
      reject(r, 405, "MethodNotAllowed", "method not allowed; use GET or HEAD");
      r->allow = "GET, HEAD";
    }
  } else if (r->path == PATH_VALIDATE) {
    validate_start(s, c, method, r);
  } else {
    reject(r, 404, "NotFound",
           "no such endpoint; admitd serves POST /validate, GET /healthz, GET /readyz, GET /metrics");
  }
  /* With Expect: 100-continue the client waits for us: refuse before it sends the body. */
  const char *expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
  if (r->route == ROUTE_REJECT && expect && strcasecmp(expect, "100-continue") == 0)
    r->answer_now = true;
}

/* Why /readyz answers 503, or NULL when it answers 200. */
static const char *unready_reason(const struct adm_server *s) {
  if (atomic_load(&s->draining))
    return "draining\n";
  if (!atomic_load(&s->ready))
    return "not ready\n";
  if (s->opt.also_ready && !s->opt.also_ready())
    return "not ready: namespaces not listed yet\n";
  return NULL;
}

void adm_server_metrics_gauges(const struct adm_server *s, struct adm_metrics_gauges *g) {
  g->in_flight = atomic_load(&s->in_flight);
  g->connections = atomic_load(&s->n_conns);
  g->decode_slots = s->n_slots;
  g->budget_used = adm_budget_used(&s->budget);
  g->budget_limit = s->budget.limit;
  g->budget_refusals = atomic_load(&s->budget.refusals);
  g->timed_out = atomic_load(&s->timed_out);
  g->shed_head = atomic_load(&s->shed_head);
  g->shed_idle = atomic_load(&s->shed_idle);
  g->ready = unready_reason(s) == NULL;
  g->cert_expiry = adm_tls_current_expiry();
  struct adm_recorder_stats rs;
  g->recording = adm_recorder_installed_stats(&rs);
  if (g->recording) {
    g->records_written = rs.recorded;
    g->records_dropped = rs.dropped;
    g->records_failed = rs.failed;
    g->records_too_large = rs.too_large;
  }
  if (s->opt.namespace_stats)
    g->reading_namespaces = s->opt.namespace_stats(&g->namespaces);
  struct adm_config *cfg = adm_config_pin();
  if (cfg != NULL && (g->verifying = cfg->images.has_verify)) {
    struct adm_fact_stats fs;
    adm_fact_stats(cfg, &fs);
    for (int i = 0; i < ADM_SIG_OUTCOME_COUNT; i++)
      g->verifications[i] = fs.outcomes[i];
    g->verification_cache_hits = fs.cache_hits;
    g->registry_requests = fs.registry_requests;
  }
  adm_config_unpin(cfg);
}

/* The exposition, rendered into a scratch arena; queue() copies it. */
static enum MHD_Result respond_metrics(struct adm_server *s, struct MHD_Connection *c) {
  struct adm_metrics_gauges g = {0};
  adm_server_metrics_gauges(s, &g);
  struct adm_arena a;
  adm_arena_init(&a, 65536, 16u << 20);
  size_t len;
  const char *body = adm_metrics_render(&a, &g, &len);
  enum MHD_Result ret = body ? queue(s, c, 200, body, len, ADM_METRICS_CONTENT_TYPE, NULL, false)
                             : respond_status(s, c, 500, "InternalError", "admitd: out of memory rendering metrics");
  adm_arena_free(&a);
  return ret;
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                      const char *version, const char *upload_data, size_t *upload_data_size,
                                      void **con_cls) {
  (void)version;
  struct adm_server *s = cls;
  struct request *r = *con_cls;
  if (r == NULL) { /* the request-line hook could not allocate */
    r = calloc(1, sizeof *r);
    if (r == NULL)
      return MHD_NO;
    r->path = adm__path_of(url);
    clock_gettime(CLOCK_MONOTONIC, &r->start);
    *con_cls = r;
  }
  if (!r->started) {
    r->started = true;
    adm__set_conn_state(s, c, CONN_HANDLER);
    route_start(s, c, method, r);
    /* Answering on the first call makes libmicrohttpd skip the body and
     * close the connection: only for what must not be read. */
    if (r->answer_now)
      return respond_status_allow(s, c, r->reject_code, r->reject_reason, r->reject_message, r->allow, true);
    return MHD_YES;
  }
  if (elapsed_us(&r->start) > (long long)s->opt.request_timeout_ms * 1000) {
    adm_log(ADM_LOG_WARN, "dropped a request that did not complete within %u ms", s->opt.request_timeout_ms);
    return MHD_NO;
  }
  if (*upload_data_size > 0) {
    if (r->route == ROUTE_VALIDATE && adm__append_body(s, r, upload_data, *upload_data_size) < 0)
      return MHD_NO;
    *upload_data_size = 0; /* rejected and health requests discard any body */
    return MHD_YES;
  }
  switch (r->route) {
  case ROUTE_HEALTHZ:
    return respond_text(s, c, 200, "ok\n");
  case ROUTE_READYZ: {
    const char *why = unready_reason(s);
    return why ? respond_text(s, c, 503, why) : respond_text(s, c, 200, "ok\n");
  }
  case ROUTE_METRICS:
    return respond_metrics(s, c);
  case ROUTE_REJECT:
    return respond_status_allow(s, c, r->reject_code, r->reject_reason, r->reject_message, r->allow, false);
  case ROUTE_VALIDATE:
    return validate_finish(s, c, r);
  }
  return MHD_NO;
}

static void request_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                              enum MHD_RequestTerminationCode toe) {
  struct adm_server *s = cls;
  adm__set_conn_state(s, c, CONN_IDLE);
  struct request *r = *con_cls;
  if (r == NULL)
    return;
  if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
    adm_log(ADM_LOG_DEBUG, "request ended early (code %d)", (int)toe);
  if (r->counted) {
    atomic_fetch_sub(&s->in_flight, 1);
    atomic_fetch_add(&s->requests, 1);
  }
  /* Refused before the pipeline (413, 429, 503, 415, ...) or abandoned. */
  if (r->path == PATH_VALIDATE && !r->observed)
    adm_metrics_review_error(now_ns() - ts_ns(&r->start));
  adm__release_body(s, r);
  free(r);
  *con_cls = NULL;
}

int adm_parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len, bool *v6, struct adm_error *err) {
  char host[256];
  const char *colon;
  if (listen[0] == '[') {
    const char *close = strchr(listen, ']');
    if (close == NULL || close[1] != ':')
      return adm_fail(err, ADM_EINVAL, "--listen", "want [ADDR]:PORT, got \"%s\"", listen);
    snprintf(host, sizeof host, "%.*s", (int)(close - listen - 1), listen + 1);
    colon = close + 1;
  } else {
    colon = strrchr(listen, ':');
    if (colon == NULL)
      return adm_fail(err, ADM_EINVAL, "--listen", "want ADDR:PORT, got \"%s\"", listen);
    snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
  }
  char *end;
  long port = strtol(colon + 1, &end, 10);
  if (*end != '\0' || end == colon + 1 || port < 0 || port > 65535)
    return adm_fail(err, ADM_EINVAL, "--listen", "bad port in \"%s\"", listen);
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons((uint16_t)port);
    *len = sizeof *in4;
    *v6 = false;
  } else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)port);
    *len = sizeof *in6;
    *v6 = true;
  } else {
    return adm_fail(err, ADM_EINVAL, "--listen", "\"%s\" is not an IP address", host);
  }
  return 0;
}

int adm_server_start(const struct adm_server_options *o, struct adm_server **out, struct adm_error *err) {
  struct sockaddr_storage ss;
  socklen_t sslen;
  bool v6 = false;
  int rc = adm_parse_listen(o->listen, &ss, &sslen, &v6, err);
  if (rc < 0)
    return rc;
  struct adm_server *s = calloc(1, sizeof *s);
  if (s == NULL)
    return adm_fail(err, ADM_ENOMEM, "server", "out of memory");
  s->opt = *o;
  adm_pipeline_limits_default(&s->limits);
  s->limits.max_json_depth = o->max_json_depth;
  adm_budget_init(&s->budget, o->memory_budget_bytes);
  pthread_mutex_init(&s->conns_lock, NULL);
  /* An eighth of the connections is kept for newcomers: past the rest,
   * connections are shed (shed_over_limit). */
  unsigned reserve = o->max_connections / 8 ? o->max_connections / 8 : 1;
  s->soft_limit = o->max_connections > reserve ? o->max_connections - reserve : 1;
  if (!adm__conns_init(s, o->max_connections)) {
    adm__conns_free(s);
    pthread_mutex_destroy(&s->conns_lock);
    free(s);
    return adm_fail(err, ADM_ENOMEM, "server", "out of memory for the connection table");
  }
  unsigned n_slots = o->max_concurrent_decodes ? o->max_concurrent_decodes : 1;
  if (n_slots > MAX_DECODE_SLOTS)
    n_slots = MAX_DECODE_SLOTS;
  s->n_slots = n_slots;
  sem_init(&s->decodes, 0, n_slots);
  /* Registry work has its own bound, apart from decoding: enough for
   * every decode slot's worth of requests to wait several times over, so
   * a burst of new images waits here rather than exhausting threads. */
  sem_init(&s->fact_waits, 0, 8 * n_slots > FACT_WAITS_MIN ? 8 * n_slots : FACT_WAITS_MIN);
  for (unsigned i = 0; i < n_slots; i++) {
    adm_arena_init(&s->slots[i].arena, 65536, 0);
    s->slots[i].arena.budget = &s->budget;
  }
  atomic_init(&s->free_slots, n_slots == 64 ? ~0ull : (1ull << n_slots) - 1);
  unsigned flags = MHD_USE_TLS | MHD_USE_ITC | MHD_USE_ERROR_LOG;
  if (o->io_threads == 0)
    flags |= MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
  else
    flags |= MHD_USE_EPOLL_INTERNAL_THREAD;
  if (v6)
    flags |= MHD_USE_IPv6;
  /* A pool only with more than one worker: libmicrohttpd warns at every
   * start when told of a pool of 0 or 1 (and uses none). */
  struct MHD_OptionItem pool[] = {
      {o->io_threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, (intptr_t)o->io_threads, NULL},
      {MHD_OPTION_END, 0, NULL},
  };
  s->daemon = MHD_start_daemon(
      flags, 0, NULL, NULL, access_handler, s, MHD_OPTION_EXTERNAL_LOGGER, adm_log_mhd, "http", MHD_OPTION_SOCK_ADDR,
      (struct sockaddr *)&ss, MHD_OPTION_HTTPS_CERT_CALLBACK, adm_tls_cert_callback, MHD_OPTION_HTTPS_PRIORITIES,
      ADM_TLS_PRIORITIES, MHD_OPTION_CONNECTION_LIMIT, o->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
      o->max_connections_per_ip, MHD_OPTION_CONNECTION_TIMEOUT, o->idle_timeout_s, MHD_OPTION_THREAD_STACK_SIZE,
      o->thread_stack_bytes, MHD_OPTION_NOTIFY_COMPLETED, request_completed, s, MHD_OPTION_NOTIFY_CONNECTION,
      adm__notify_connection, s, MHD_OPTION_URI_LOG_CALLBACK, adm__uri_logged, s, MHD_OPTION_LISTENING_ADDRESS_REUSE,
      1u, MHD_OPTION_ARRAY, pool, MHD_OPTION_END);
  if (s->daemon == NULL) {
    sem_destroy(&s->decodes);
    sem_destroy(&s->fact_waits);
    adm__conns_free(s);
    pthread_mutex_destroy(&s->conns_lock);
    free(s);
    return adm_fail(err, ADM_EIO, o->listen, "cannot listen (address in use, or TLS setup failed)");
  }
  if (pthread_create(&s->watchdog, NULL, adm__watchdog_main, s) == 0)
    s->watchdog_started = true;
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
  s->port = info ? info->port : 0;
  atomic_store(&s->ready, true);
  *out = s;
  return 0;
}

uint16_t adm_server_port(const struct adm_server *s) {
  return s->port;
}

void adm_server_set_ready(struct adm_server *s, bool ready) {
  atomic_store(&s->ready, ready);
}

void adm_server_drain(struct adm_server *s) {
  if (atomic_exchange(&s->draining, true))
    return;
  /* Closed now, not at stop: a socket left listening lets the kernel
   * accept connections nobody will serve, which hang until reset. */
  MHD_socket fd = MHD_quiesce_daemon(s->daemon);
  if (fd != MHD_INVALID_SOCKET) {
    /* shutdown() stops the listening at once; close() alone waits while
     * another thread still holds the socket in poll(). */
    shutdown(fd, SHUT_RDWR);
    close(fd);
  }
}

unsigned adm_server_in_flight(const struct adm_server *s) {
  return atomic_load(&s->in_flight);
}

unsigned adm_server_connections(const struct adm_server *s) {
  return atomic_load(&s->n_conns);
}

struct adm_budget *adm_server_budget(struct adm_server *s) {
  return &s->budget;
}

unsigned long long adm_server_requests(const struct adm_server *s) {
  return atomic_load(&s->requests);
}

void adm_server_stop(struct adm_server *s) {
  if (s == NULL)
    return;
  atomic_store(&s->stopping, true);
  if (s->watchdog_started)
    pthread_join(s->watchdog, NULL);
  MHD_stop_daemon(s->daemon);
  for (unsigned i = 0; i < MAX_DECODE_SLOTS; i++)
    adm_arena_free(&s->slots[i].arena);
  sem_destroy(&s->decodes);
  sem_destroy(&s->fact_waits);
  adm__conns_free(s); /* after the daemon: closing its connections returns their entries */
  pthread_mutex_destroy(&s->conns_lock);
  free(s);
}
