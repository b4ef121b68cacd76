/* libmicrohttpd glue. Owns routing, protocol-level rejections (405, 413,
 * 415, 400), body accumulation under a hard cap, the per-request deadline,
 * the decode semaphore and drain. Must not interpret policy.
 *
 * Threading: one thread per connection. kube-apiserver keeps a few
 * long-lived keep-alive connections and sends one request at a time on
 * each; with a thread per connection the kernel spreads them over every
 * core, where MHD's epoll pool pins a connection to the worker that
 * accepted it. Connections are capped, stacks are small, and a semaphore
 * bounds how many bodies are being decoded at once (a decoded tree costs
 * several times its body). No lock is held on the request path. */
#include "admitd/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "admitd/decide.h"
#include "admitd/log.h"
#include "admitd/pipeline.h"
#include "admitd/reload.h"
#include "admitd/review.h"
#include "admitd/tls.h"

/* A decode slot: the right to decode one body now, and the arena that
 * body's tree and decision live in. The arena is recycled, not freed, so
 * in steady state a review allocates nothing from the heap. */
#define MAX_DECODE_SLOTS 64
#define SLOT_ARENA_KEEP (2u << 20)

struct decode_slot {
  struct adm_arena arena;
  struct adm_pipeline_result result; /* large: kept off the small thread stacks */
};

struct adm_server {
  struct MHD_Daemon *daemon;
  struct adm_server_options opt;
  struct adm_pipeline_limits limits;
  uint16_t port;
  sem_t decodes;            /* free slots */
  atomic_ullong free_slots; /* bit i set: slots[i] is free */
  struct decode_slot slots[MAX_DECODE_SLOTS];
  atomic_bool draining;
  atomic_bool ready;
  atomic_uint in_flight;
  atomic_ullong requests;
  MHD_socket quiesced_fd;
};

enum route { ROUTE_VALIDATE, ROUTE_HEALTHZ, ROUTE_READYZ, ROUTE_REJECT };

/* One per HTTP request. A rejected request still reads (and discards) its
 * body before the answer, so the connection stays usable for keep-alive. */
struct request {
  enum route route;
  char *body;
  size_t len, cap;
  bool too_big;
  struct timespec start;
  bool counted;
  unsigned reject_code;
  const char *reject_reason;
  char reject_message[200];
  const char *allow; /* for 405 */
};

void adm_server_options_default(struct adm_server_options *o) {
  o->listen = "127.0.0.1:8443";
  o->max_body_bytes = 7u << 20;
  o->max_connections = 256;
  o->max_connections_per_ip = 128;
  o->idle_timeout_s = 120;
  o->request_timeout_ms = 10000;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  o->max_concurrent_decodes = (unsigned)(cpus > 0 ? 2 * cpus : 4);
  o->max_json_depth = ADM_REVIEW_MAX_DEPTH_DEFAULT;
  o->thread_stack_bytes = 256u << 10;
}

static long long elapsed_us(const struct timespec *start) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long long)(now.tv_sec - start->tv_sec) * 1000000LL + (now.tv_nsec - start->tv_nsec) / 1000;
}

/* Queue a response; body is *stolen* (freed by libmicrohttpd), allow adds an Allow header. */
static enum MHD_Result respond_with(struct adm_server *s, struct MHD_Connection *c, unsigned code, char *body,
                                    size_t len, const char *content_type, const char *allow) {
  struct MHD_Response *r;
  if (body)
    r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
  else
    r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
  if (r == NULL) {
    free(body);
    return MHD_NO;
  }
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
  if (allow)
    MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
  /* While draining, tell the API server to drop the pooled connection. */
  if (atomic_load(&s->draining))
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
  enum MHD_Result ret = MHD_queue_response(c, code, r);
  MHD_destroy_response(r);
  return ret;
}

/* Queue a JSON answer that libmicrohttpd copies (body stays the caller's). */
static enum MHD_Result respond_copy(struct adm_server *s, struct MHD_Connection *c, unsigned code, const char *body,
                                    size_t len) {
  struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
  if (r == NULL)
    return MHD_NO;
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
  if (atomic_load(&s->draining))
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
  enum MHD_Result ret = MHD_queue_response(c, code, r);
  MHD_destroy_response(r);
  return ret;
}

static enum MHD_Result respond(struct adm_server *s, struct MHD_Connection *c, unsigned code, char *body, size_t len,
                               const char *content_type) {
  return respond_with(s, c, code, body, len, content_type, NULL);
}

static enum MHD_Result respond_text(struct adm_server *s, struct MHD_Connection *c, unsigned code, const char *text) {
  size_t len = strlen(text);
  char *body = malloc(len + 1);
  if (body == NULL)
    return MHD_NO;
  memcpy(body, text, len + 1);
  return respond(s, c, code, body, len, "text/plain; charset=utf-8");
}

/* A Kubernetes Status body for a refusal; allow is set for 405. */
static enum MHD_Result respond_status_allow(struct adm_server *s, struct MHD_Connection *c, unsigned code,
                                            const char *reason, const char *message, const char *allow) {
  size_t len;
  char *body = adm_status_body((int)code, reason, message, &len);
  if (body == NULL)
    return MHD_NO;
  adm_log(ADM_LOG_INFO, "rejected request: %u %s: %s", code, reason, message);
  return respond_with(s, c, code, body, len, "application/json", allow);
}

static enum MHD_Result respond_status(struct adm_server *s, struct MHD_Connection *c, unsigned code, const char *reason,
                                      const char *message) {
  return respond_status_allow(s, c, code, reason, message, NULL);
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

static void reject(struct request *r, unsigned code, const char *reason, const char *message) {
  r->route = ROUTE_REJECT;
  r->reject_code = code;
  r->reject_reason = reason;
  snprintf(r->reject_message, sizeof r->reject_message, "%s", message);
}

/* First call for /validate: everything that can be judged before the body. */
static void validate_start(struct adm_server *s, struct MHD_Connection *c, const char *method, struct request *r) {
  if (strcmp(method, MHD_HTTP_METHOD_POST) != 0) {
    reject(r, 405, "MethodNotAllowed", "method not allowed; use POST");
    r->allow = "POST";
    return;
  }
  struct header_count hc = {0};
  MHD_get_connection_values(c, MHD_HEADER_KIND, count_header, &hc);
  if (hc.content_length > 1)
    return reject(r, 400, "BadRequest", "more than one Content-Length header");
  if (hc.content_length == 1 && hc.transfer_encoding > 0)
    return reject(r, 400, "BadRequest", "both Content-Length and Transfer-Encoding");
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
      return reject(r, 400, "BadRequest", "malformed Content-Length");
    if (v > s->opt.max_body_bytes) {
      char msg[128];
      snprintf(msg, sizeof msg, "request entity is too large; limit is %zu bytes", s->opt.max_body_bytes);
      return reject(r, 413, "RequestEntityTooLarge", msg);
    }
    /* Sized once from Content-Length, so the body is never copied while growing. */
    if (v > 0 && (r->body = malloc((size_t)v)) != NULL)
      r->cap = (size_t)v;
  }
  r->route = ROUTE_VALIDATE;
  r->counted = true;
  atomic_fetch_add(&s->in_flight, 1);
}

static int append_body(struct adm_server *s, struct request *r, const char *data, size_t n) {
  if (r->too_big || r->len + n > s->opt.max_body_bytes) {
    r->too_big = true;
    return 0;
  }
  if (r->len + n > r->cap) {
    size_t cap = r->cap ? r->cap : 16384;
    while (cap < r->len + n)
      cap *= 2;
    if (cap > s->opt.max_body_bytes)
      cap = s->opt.max_body_bytes;
    char *nb = realloc(r->body, cap);
    if (nb == NULL)
      return -1;
    r->body = nb;
    r->cap = cap;
  }
  memcpy(r->body + r->len, data, n);
  r->len += n;
  return 0;
}

static bool acquire_decode_slot(struct adm_server *s, const struct request *r) {
  long long left_us = (long long)s->opt.request_timeout_ms * 1000 - elapsed_us(&r->start);
  if (left_us <= 0)
    return false;
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += (time_t)(left_us / 1000000);
  until.tv_nsec += (long)(left_us % 1000000) * 1000;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  while (sem_timedwait(&s->decodes, &until) < 0)
    if (errno != EINTR)
      return false;
  return true;
}

/* After sem_timedwait succeeded a bit is free; claim one without a lock. */
static unsigned claim_slot(struct adm_server *s) {
  for (;;) {
    unsigned long long mask = atomic_load(&s->free_slots);
    if (mask == 0)
      continue; /* a releaser posted before setting its bit: momentary */
    unsigned i = (unsigned)__builtin_ctzll(mask);
    if (atomic_compare_exchange_weak(&s->free_slots, &mask, mask & ~(1ull << i)))
      return i;
  }
}

static void release_slot(struct adm_server *s, unsigned i) {
  adm_arena_recycle(&s->slots[i].arena, SLOT_ARENA_KEEP);
  atomic_fetch_or(&s->free_slots, 1ull << i);
  sem_post(&s->decodes);
}

static enum MHD_Result validate_finish(struct adm_server *s, struct MHD_Connection *c, struct request *r) {
  if (r->too_big) {
    char msg[128];
    snprintf(msg, sizeof msg, "request entity is too large; limit is %zu bytes", s->opt.max_body_bytes);
    return respond_status(s, c, 413, "RequestEntityTooLarge", msg);
  }
  if (!acquire_decode_slot(s, r))
    return respond_status(s, c, 503, "ServiceUnavailable", "too many requests being decoded; try again");
  unsigned slot = claim_slot(s);
  struct adm_arena *arena = &s->slots[slot].arena;
  struct adm_config *cfg = adm_config_pin();
  struct adm_pipeline_result *res = &s->slots[slot].result;
  adm_pipeline_run(&s->limits, cfg, r->body, r->len, arena, res);
  adm_config_unpin(cfg);
  if (res->decided)
    adm_log_decision(&res->req, &res->decision, elapsed_us(&r->start));
  else
    adm_log(ADM_LOG_INFO, "rejected request: %d: %s", res->http_status, res->error ? res->error : "");
  /* libmicrohttpd copies the answer, so the slot's arena can be recycled now. */
  enum MHD_Result ret = respond_copy(s, c, (unsigned)res->http_status, res->body, res->len);
  if (res->decoded)
    adm_review_request_release(&res->req);
  release_slot(s, slot);
  return ret;
}

static enum MHD_Result route_start(struct adm_server *s, struct MHD_Connection *c, const char *url, const char *method,
                                   struct request *r) {
  bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
  if (strcmp(url, "/healthz") == 0 || strcmp(url, "/livez") == 0 || strcmp(url, "/readyz") == 0) {
    r->route = strcmp(url, "/readyz") == 0 ? ROUTE_READYZ : ROUTE_HEALTHZ;
    if (!get) {
      reject(r, 405, "MethodNotAllowed", "method not allowed; use GET or HEAD");
      r->allow = "GET, HEAD";
    }
  } else if (strcmp(url, "/validate") == 0) {
    validate_start(s, c, method, r);
  } else {
    reject(r, 404, "NotFound", "no such endpoint; admitd serves POST /validate, GET /healthz, GET /readyz");
  }
  /* With Expect: 100-continue the client waits for us: refuse before it sends the body. */
  const char *expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
  if (r->route == ROUTE_REJECT && expect && strcasecmp(expect, "100-continue") == 0)
    return respond_status_allow(s, c, r->reject_code, r->reject_reason, r->reject_message, r->allow);
  return MHD_YES;
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                      const char *version, const char *upload_data, size_t *upload_data_size,
                                      void **con_cls) {
  (void)version;
  struct adm_server *s = cls;
  struct request *r = *con_cls;
  if (r == NULL) {
    /* Only note the request now; answering on the first call would make
     * libmicrohttpd close the connection instead of keeping it alive. */
    r = calloc(1, sizeof *r);
    if (r == NULL)
      return MHD_NO;
    clock_gettime(CLOCK_MONOTONIC, &r->start);
    *con_cls = r;
    return route_start(s, c, url, method, r);
  }
  if (elapsed_us(&r->start) > (long long)s->opt.request_timeout_ms * 1000) {
    adm_log(ADM_LOG_WARN, "dropped a request that did not complete within %u ms", s->opt.request_timeout_ms);
    return MHD_NO;
  }
  if (*upload_data_size > 0) {
    if (r->route == ROUTE_VALIDATE && append_body(s, r, upload_data, *upload_data_size) < 0)
      return MHD_NO;
    *upload_data_size = 0; /* rejected and health requests discard any body */
    return MHD_YES;
  }
  switch (r->route) {
  case ROUTE_HEALTHZ:
    return respond_text(s, c, 200, "ok\n");
  case ROUTE_READYZ:
    if (atomic_load(&s->draining))
      return respond_text(s, c, 503, "draining\n");
    return respond_text(s, c, atomic_load(&s->ready) ? 200 : 503, atomic_load(&s->ready) ? "ok\n" : "not ready\n");
  case ROUTE_REJECT:
    return respond_status_allow(s, c, r->reject_code, r->reject_reason, r->reject_message, r->allow);
  case ROUTE_VALIDATE:
    return validate_finish(s, c, r);
  }
  return MHD_NO;
}

static void request_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                              enum MHD_RequestTerminationCode toe) {
  (void)c;
  struct adm_server *s = cls;
  struct request *r = *con_cls;
  if (r == NULL)
    return;
  if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
    adm_log(ADM_LOG_DEBUG, "request ended early (code %d)", (int)toe);
  if (r->counted) {
    atomic_fetch_sub(&s->in_flight, 1);
    atomic_fetch_add(&s->requests, 1);
  }
  free(r->body);
  free(r);
  *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap) {
  (void)cls;
  char msg[1024];
  vsnprintf(msg, sizeof msg, fmt, ap);
  size_t n = strlen(msg);
  while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
    msg[--n] = '\0';
  adm_log(ADM_LOG_WARN, "http: %s", msg);
}

static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len, bool *v6,
                        struct adm_error *err) {
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
  int rc = parse_listen(o->listen, &ss, &sslen, &v6, err);
  if (rc < 0)
    return rc;
  struct adm_server *s = calloc(1, sizeof *s);
  if (s == NULL)
    return adm_fail(err, ADM_ENOMEM, "server", "out of memory");
  s->opt = *o;
  adm_pipeline_limits_default(&s->limits);
  s->limits.max_json_depth = o->max_json_depth;
  s->quiesced_fd = MHD_INVALID_SOCKET;
  unsigned n_slots = o->max_concurrent_decodes ? o->max_concurrent_decodes : 1;
  if (n_slots > MAX_DECODE_SLOTS)
    n_slots = MAX_DECODE_SLOTS;
  sem_init(&s->decodes, 0, n_slots);
  for (unsigned i = 0; i < n_slots; i++)
    adm_arena_init(&s->slots[i].arena, 65536, 0);
  atomic_init(&s->free_slots, n_slots == 64 ? ~0ull : (1ull << n_slots) - 1);
  unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS | MHD_USE_ITC |
                   MHD_USE_ERROR_LOG | MHD_USE_POLL;
  if (v6)
    flags |= MHD_USE_IPv6;
  s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, access_handler, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                               MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_HTTPS_CERT_CALLBACK,
                               adm_tls_cert_callback, MHD_OPTION_HTTPS_PRIORITIES, ADM_TLS_PRIORITIES,
                               MHD_OPTION_CONNECTION_LIMIT, o->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                               o->max_connections_per_ip, MHD_OPTION_CONNECTION_TIMEOUT, o->idle_timeout_s,
                               MHD_OPTION_THREAD_STACK_SIZE, o->thread_stack_bytes, MHD_OPTION_NOTIFY_COMPLETED,
                               request_completed, s, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_END);
  if (s->daemon == NULL) {
    sem_destroy(&s->decodes);
    free(s);
    return adm_fail(err, ADM_EIO, o->listen, "cannot listen (address in use, or TLS setup failed)");
  }
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
  s->quiesced_fd = MHD_quiesce_daemon(s->daemon);
}

unsigned adm_server_in_flight(const struct adm_server *s) {
  return atomic_load(&s->in_flight);
}

unsigned long long adm_server_requests(const struct adm_server *s) {
  return atomic_load(&s->requests);
}

void adm_server_stop(struct adm_server *s) {
  if (s == NULL)
    return;
  MHD_stop_daemon(s->daemon);
  if (s->quiesced_fd != MHD_INVALID_SOCKET)
    close(s->quiesced_fd);
  for (unsigned i = 0; i < MAX_DECODE_SLOTS; i++)
    adm_arena_free(&s->slots[i].arena);
  sem_destroy(&s->decodes);
  free(s);
}
