/* libmicrohttpd glue. Owns routing, protocol-level rejections (405, 413,
 * 415, 429, 400), body buffering under a hard cap and the process memory
 * budget, the per-request deadline (a timer, not only a check when bytes
 * arrive), the connection reserve, the decode semaphore and drain. Must not
 * interpret policy.
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
#include "admitd/jsonw.h"
#include "admitd/log.h"
#include "admitd/record.h"
#include "metrics.h"
#include "admitd/pipeline.h"
#include "admitd/reload.h"
#include "admitd/review.h"
#include "admitd/sysres.h"
#include "tls.h"

/* A decode slot: the right to decode one body now, and the arena that
 * body's tree and decision live in. The arena is recycled, not freed, so
 * in steady state a review allocates nothing from the heap. */
#define MAX_DECODE_SLOTS 64
/* Time kept back from the facts' deadline to judge and answer in. */
#define FACTS_MARGIN_MS 250
/* Requests that may wait on registries at once, at the least. */
#define FACT_WAITS_MIN 64
#define SLOT_ARENA_KEEP (2u << 20)
/* Without a cgroup memory limit, the budget is this. */
#define DEFAULT_BUDGET_NO_LIMIT (256u << 20)
/* How often the watchdog looks for requests past their deadline. */
#define WATCHDOG_TICK_NS (50 * 1000 * 1000)
/* A connection younger than this is never shed: it is still handshaking. */
#define SHED_MIN_AGE_NS (200LL * 1000 * 1000)

struct decode_slot {
  struct adm_arena arena;
  struct adm_pipeline_result result; /* large: kept off the small thread stacks */
};

/* Where a connection is in its life, for the deadline and for shedding. */
enum conn_state {
  CONN_NEW,     /* accepted, no request head yet: deadline from accept */
  CONN_HEAD,    /* request line seen, headers not complete */
  CONN_HANDLER, /* headers complete: body or answer in progress */
  CONN_IDLE,    /* between keep-alive requests: MHD's idle timeout applies */
};

/* The connections of one client address, so that shedding is fair: the
 * address holding the most loses its connections first. */
struct peer {
  struct peer *next; /* in its hash bucket, or on the free list */
  sa_family_t family;
  unsigned char addr[16]; /* an IPv4 address in the first 4 bytes */
  unsigned listed;        /* its connections on the list */
  unsigned holding;       /* of those, not shut down and without a request in progress */
};

/* Buckets of the address table (a power of two). */
#define PEER_BUCKETS 1024

/* One per TCP connection, from accept to close, on the server's list
 * (oldest first). fd stays valid while the entry is listed: libmicrohttpd
 * reports the close before it closes the socket. */
struct conn {
  struct conn *prev, *next; /* next: on the free list when not listed */
  struct peer *peer;
  MHD_socket fd;
  long long opened_ns;
  long long waiting_ns;  /* since when it has sent no complete request head (idle: since its last answer) */
  long long deadline_ns; /* 0: none */
  enum conn_state state;
  bool shut; /* shutdown() already called */
};

struct adm_server {
  struct MHD_Daemon *daemon;
  struct adm_server_options opt;
  struct adm_pipeline_limits limits;
  struct adm_budget budget;
  uint16_t port;
  sem_t decodes;            /* free slots */
  sem_t fact_waits;         /* requests that may wait on registries at once */
  atomic_ullong free_slots; /* bit i set: slots[i] is free */
  struct decode_slot slots[MAX_DECODE_SLOTS];
  atomic_bool draining;
  atomic_bool ready;
  atomic_uint in_flight;
  atomic_ullong requests;
  /* Connections: guarded by conns_lock; n_conns is read without it. The
   * entries and address records come from arrays made at start, one of
   * each per --max-connections, so accepting allocates nothing. */
  pthread_mutex_t conns_lock;
  struct conn *conns_head, *conns_tail;
  atomic_uint n_conns;
  unsigned n_shut;     /* listed connections already shut down, closing */
  unsigned soft_limit; /* past this, shed to keep the reserve free */
  struct conn *conn_pool, *free_conns;
  struct peer *peer_pool, *free_peers;
  struct peer *peers[PEER_BUCKETS];
  unsigned n_slots;
  atomic_ullong timed_out, shed_head, shed_idle;
  pthread_t watchdog;
  bool watchdog_started;
  atomic_bool stopping;
};

enum route { ROUTE_VALIDATE, ROUTE_HEALTHZ, ROUTE_READYZ, ROUTE_METRICS, ROUTE_REJECT };
enum path { PATH_OTHER, PATH_VALIDATE, PATH_HEALTHZ, PATH_READYZ, PATH_METRICS };

/* One per HTTP request, made when its request line arrives. A rejected
 * request with a small body still reads (and discards) it before the
 * answer, so the connection stays usable for keep-alive; one whose body
 * must not be read (too large, no budget, unframeable) is answered at once
 * and the connection closed. */
struct request {
  enum path path; /* from the raw request line, before any unescaping */
  enum route route;
  bool started; /* the access handler has seen it */
  char *body;
  size_t len, cap;
  size_t reserved; /* bytes of body charged to the budget */
  size_t seen;     /* body bytes sent, kept or not: past the whole budget, 413 rather than 429 */
  bool too_big, budget_short;
  struct timespec start;
  bool counted;
  bool observed;   /* its decision (or error, or refused certificate) is in the metrics */
  bool answer_now; /* answer before the body and close */
  unsigned reject_code;
  const char *reject_reason;
  char reject_message[200];
  const char *allow;        /* for 405 */
  long long api_timeout_ms; /* the API server's ?timeout=, 0 when absent */
};

size_t adm_server_default_budget(size_t cgroup_limit) {
  if (cgroup_limit == 0)
    return DEFAULT_BUDGET_NO_LIMIT;
  /* Half the limit: the other half holds the process baseline, the
   * connections (stacks, TLS sessions, MHD buffers) and allocator slack. */
  return cgroup_limit / 2;
}

void adm_server_options_default(struct adm_server_options *o) {
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

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static long long ts_ns(const struct timespec *t) {
  return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

static long long elapsed_us(const struct timespec *start) {
  return (now_ns() - ts_ns(start)) / 1000;
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
static enum path path_of(const char *uri) {
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
static void reject_now(struct request *r, unsigned code, const char *reason, const char *message) {
  reject(r, code, reason, message);
  r->answer_now = true;
}

static void too_large(struct adm_server *s, struct request *r) {
  char msg[160];
  snprintf(msg, sizeof msg, "request entity is too large; limit is %zu bytes", s->opt.max_body_bytes);
  reject_now(r, 413, "RequestEntityTooLarge", msg);
}

static const char *over_budget_msg(const struct adm_server *s, char *buf, size_t len) {
  snprintf(buf, len, "request entity is too large; admitd's memory budget is %zu bytes", s->budget.limit);
  return buf;
}

static const char budget_short_msg[] =
    "admitd: its memory budget is held by other requests; the body was not read and no decision was made, try "
    "again";

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
    return reject_now(r, 400, "BadRequest", "more than one Content-Length header");
  if (hc.content_length == 1 && hc.transfer_encoding > 0)
    return reject_now(r, 400, "BadRequest", "both Content-Length and Transfer-Encoding");
  const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
  if (hc.transfer_encoding > 1 || (te && strcasecmp(te, "chunked") != 0))
    return reject_now(r, 400, "BadRequest", "unsupported Transfer-Encoding; send Content-Length or chunked");
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
      return reject_now(r, 400, "BadRequest", "malformed Content-Length");
    if (v > s->opt.max_body_bytes)
      return too_large(s, r);
    if (!adm_budget_could_hold(&s->budget, (size_t)v)) {
      char msg[160];
      return reject_now(r, 413, "RequestEntityTooLarge", over_budget_msg(s, msg, sizeof msg));
    }
    /* Reserved before a byte is read: a body is never buffered unpaid. */
    if (v > 0) {
      if (!adm_budget_take(&s->budget, (size_t)v))
        return reject_now(r, 429, "TooManyRequests", budget_short_msg);
      r->reserved = (size_t)v;
      if ((r->body = malloc((size_t)v)) == NULL)
        return reject_now(r, 500, "InternalError", "admitd: out of memory for the request body");
      r->cap = (size_t)v;
    }
  }
  r->route = ROUTE_VALIDATE;
  r->counted = true;
  atomic_fetch_add(&s->in_flight, 1);
}

/* Keep n more body bytes: within the cap, and (for chunked bodies, whose
 * size is not known up front) reserved on the budget as the buffer grows. */
static int append_body(struct adm_server *s, struct request *r, const char *data, size_t n) {
  r->seen += n;
  if (r->too_big || r->budget_short)
    return 0;
  if (r->len + n > s->opt.max_body_bytes) {
    r->too_big = true;
    return 0;
  }
  if (!adm_budget_could_hold(&s->budget, r->len + n)) {
    r->budget_short = true;
    return 0;
  }
  if (r->len + n > r->cap) {
    size_t cap = r->cap ? r->cap : 16384;
    while (cap < r->len + n)
      cap *= 2;
    if (cap > s->opt.max_body_bytes)
      cap = s->opt.max_body_bytes;
    if (!adm_budget_could_hold(&s->budget, cap))
      cap = s->budget.limit; /* doubling must not ask for more than there is */
    size_t more = cap > r->reserved ? cap - r->reserved : 0;
    if (!adm_budget_take(&s->budget, more)) {
      r->budget_short = true;
      return 0;
    }
    r->reserved += more;
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

static void release_body(struct adm_server *s, struct request *r) {
  free(r->body);
  r->body = NULL;
  r->len = r->cap = 0;
  adm_budget_give(&s->budget, r->reserved);
  r->reserved = 0;
}

/* Wait for a decode slot until the request's deadline, on the monotonic
 * clock, so a wall-clock step neither cuts nor stretches the wait. A wait
 * is counted for the metrics only when every slot was taken. */
static bool acquire_decode_slot_by(struct adm_server *s, long long deadline) {
  long long waited_from = now_ns();
  if (deadline - waited_from <= 0)
    return false;
  if (sem_trywait(&s->decodes) == 0)
    return true;
  struct timespec until = {(time_t)(deadline / 1000000000LL), (long)(deadline % 1000000000LL)};
  bool got = true;
  while (got && sem_clockwait(&s->decodes, CLOCK_MONOTONIC, &until) < 0)
    got = errno == EINTR;
  adm_metrics_decode_wait(now_ns() - waited_from);
  return got;
}

/* By the request's own deadline. */
static bool acquire_decode_slot(struct adm_server *s, const struct request *r) {
  return acquire_decode_slot_by(s, ts_ns(&r->start) + (long long)s->opt.request_timeout_ms * 1000000LL);
}

/* After sem_clockwait succeeded a bit is free; claim one without a lock. */
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

/* All registry work of one admission ends by the earliest of: the
 * policy's images.deadline, the API server's ?timeout= and admitd's own
 * request deadline, each less a margin to judge and answer in. */
static int64_t facts_deadline_ms(const struct adm_server *s, const struct request *r, const struct adm_config *cfg) {
  static const long long margin_ms = FACTS_MARGIN_MS;
  long long start_ms = ts_ns(&r->start) / 1000000, now_ms = now_ns() / 1000000;
  long long deadline = now_ms + cfg->images.deadline_ms;
  if (r->api_timeout_ms > 0 && start_ms + r->api_timeout_ms - margin_ms < deadline)
    deadline = start_ms + r->api_timeout_ms - margin_ms;
  if (s->opt.request_timeout_ms > 0 && start_ms + (long long)s->opt.request_timeout_ms - margin_ms < deadline)
    deadline = start_ms + (long long)s->opt.request_timeout_ms - margin_ms;
  return deadline > now_ms ? deadline : now_ms;
}

/* A permit from sem by deadline_ms (CLOCK_MONOTONIC ms). */
static bool wait_turn(sem_t *sem, int64_t deadline_ms) {
  if (sem_trywait(sem) == 0)
    return true;
  struct timespec until = {(time_t)(deadline_ms / 1000), (long)(deadline_ms % 1000) * 1000000L};
  for (;;) {
    if (sem_clockwait(sem, CLOCK_MONOTONIC, &until) == 0)
      return true;
    if (errno != EINTR)
      return false;
  }
}

/* Ask the registries for needs[0..n) by deadline_ms, within the bound on
 * requests waiting at once; one that cannot get in, or that has too little
 * time left, gets BUSY for each of its images, never a fact it did not earn. */
static void gather_facts(struct adm_server *s, const struct adm_config *cfg, const struct adm_image_need *needs,
                         size_t n, int64_t deadline_ms, struct adm_gathered_fact *out) {
  /* Overload is admitd's own failure, never the registry's: it must not
   * read as a registry error that onRegistryError could let pass. */
  bool admitted = wait_turn(&s->fact_waits, deadline_ms - ADM_FACTS_MIN_MS);
  const char *busy = !admitted ? "too many admissions were waiting on registries"
                     : now_ns() / 1000000 + ADM_FACTS_MIN_MS > deadline_ms ? "no time was left for registries"
                                                                           : NULL;
  if (busy == NULL)
    adm_facts_gather(cfg, needs, n, deadline_ms, s->opt.thread_stack_bytes, out);
  if (admitted)
    sem_post(&s->fact_waits);
  if (busy != NULL)
    adm_facts_busy(needs, n, busy, out);
}

/* The server's side of adm_pipeline_run's slot ops: its decode slots. */
struct slotted {
  struct adm_server *s;
  struct adm_config *cfg;
  unsigned slot;
};

static void slotted_release(void *p) {
  struct slotted *sl = p;
  release_slot(sl->s, sl->slot);
}

static void slotted_gather(void *p, const struct adm_image_need *needs, size_t n, int64_t deadline_ms,
                           struct adm_gathered_fact *out) {
  struct slotted *sl = p;
  gather_facts(sl->s, sl->cfg, needs, n, deadline_ms, out);
}

static bool slotted_reacquire(void *p, int64_t deadline_ms, struct adm_arena **arena,
                              struct adm_pipeline_result **out) {
  struct slotted *sl = p;
  if (!acquire_decode_slot_by(sl->s, (long long)deadline_ms * 1000000LL))
    return false;
  sl->slot = claim_slot(sl->s);
  *arena = &sl->s->slots[sl->slot].arena;
  *out = &sl->s->slots[sl->slot].result;
  return true;
}

static const struct adm_slot_ops slotted_ops = {slotted_release, slotted_gather, slotted_reacquire};

static enum MHD_Result validate_finish(struct adm_server *s, struct MHD_Connection *c, struct request *r) {
  if (r->too_big) {
    char msg[128];
    snprintf(msg, sizeof msg, "request entity is too large; limit is %zu bytes", s->opt.max_body_bytes);
    release_body(s, r);
    return respond_status(s, c, 413, "RequestEntityTooLarge", msg);
  }
  if (r->budget_short) {
    release_body(s, r);
    /* A body larger than the whole budget will never be read: no retry helps. */
    char msg[160];
    if (!adm_budget_could_hold(&s->budget, r->seen))
      return respond_status(s, c, 413, "RequestEntityTooLarge", over_budget_msg(s, msg, sizeof msg));
    return respond_status(s, c, 429, "TooManyRequests", budget_short_msg);
  }
  if (!acquire_decode_slot(s, r))
    return respond_status(s, c, 503, "ServiceUnavailable", "too many requests being decoded; try again");
  struct slotted sl = {s, adm_config_pin(), claim_slot(s)};
  struct adm_config *cfg = sl.cfg;
  struct adm_pipeline_result *res;
  struct adm_pipeline_options po = {
      .limits = s->limits,
      .facts = ADM_FACTS_SUSPEND,
      .deadline_ms = facts_deadline_ms(s, r, cfg),
      .margin_ms = FACTS_MARGIN_MS,
      .slots = &slotted_ops,
      .slots_ctx = &sl,
      .body_held = r->len,
  };
  enum adm_pipeline_status st =
      adm_pipeline_run(&po, cfg, r->body, r->len, &s->slots[sl.slot].arena, &s->slots[sl.slot].result, &res);
  if (st != ADM_PIPELINE_ANSWERED) {
    adm_config_unpin(cfg);
    release_body(s, r);
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
  release_slot(s, slot);
  release_body(s, r);
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
  reject_now(r, refusals[v].code, refusals[v].reason, refusals[v].message);
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

/* --- connections: deadlines, the reserve ------------------------------- */

static struct conn *conn_of(struct MHD_Connection *c) {
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return ci ? ci->socket_context : NULL;
}

/* The table of connections: an entry and (for a new address) an address
 * record for each, from the arrays made at start. n entries; false when
 * they cannot be had. */
static bool conns_init(struct adm_server *s, unsigned n) {
  n = n ? n : 1;
  s->conn_pool = calloc(n, sizeof *s->conn_pool);
  s->peer_pool = calloc(n, sizeof *s->peer_pool);
  if (s->conn_pool == NULL || s->peer_pool == NULL)
    return false;
  for (unsigned i = n; i-- > 0;) {
    s->conn_pool[i].next = s->free_conns;
    s->free_conns = &s->conn_pool[i];
    s->peer_pool[i].next = s->free_peers;
    s->free_peers = &s->peer_pool[i];
  }
  return true;
}

static void conns_free(struct adm_server *s) {
  free(s->conn_pool);
  free(s->peer_pool);
  s->conn_pool = s->free_conns = NULL;
  s->peer_pool = s->free_peers = NULL;
}

/* A client address as the table's key; all unknown ones share one. */
static void peer_key(const struct sockaddr *sa, struct peer *key) {
  memset(key, 0, sizeof *key);
  if (sa && sa->sa_family == AF_INET) {
    key->family = AF_INET;
    memcpy(key->addr, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
  } else if (sa && sa->sa_family == AF_INET6) {
    key->family = AF_INET6;
    memcpy(key->addr, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
  }
}

static struct peer **peer_bucket(struct adm_server *s, const struct peer *key) {
  uint32_t h = 2166136261u ^ key->family; /* FNV-1a */
  for (size_t i = 0; i < sizeof key->addr; i++)
    h = (h ^ key->addr[i]) * 16777619u;
  return &s->peers[h & (PEER_BUCKETS - 1)];
}

/* Lock held. The record of key's address, made if it has none; NULL when
 * none is free. */
static struct peer *peer_get(struct adm_server *s, const struct peer *key) {
  struct peer **b = peer_bucket(s, key);
  for (struct peer *p = *b; p; p = p->next)
    if (p->family == key->family && memcmp(p->addr, key->addr, sizeof p->addr) == 0)
      return p;
  struct peer *p = s->free_peers;
  if (p == NULL)
    return NULL;
  s->free_peers = p->next;
  *p = *key;
  p->next = *b;
  *b = p;
  return p;
}

static void peer_put(struct adm_server *s, struct peer *p) {
  if (--p->listed > 0)
    return;
  struct peer **b = peer_bucket(s, p);
  while (*b != p)
    b = &(*b)->next;
  *b = p->next;
  p->next = s->free_peers;
  s->free_peers = p;
}

/* Lock held. List a connection from key's address, accepted at now, on
 * socket fd; NULL when the table has no entry for it. */
static struct conn *conn_open(struct adm_server *s, MHD_socket fd, const struct peer *key, long long now) {
  struct conn *k = s->free_conns;
  struct peer *p = k ? peer_get(s, key) : NULL;
  if (p == NULL)
    return NULL;
  s->free_conns = k->next;
  memset(k, 0, sizeof *k);
  k->peer = p;
  p->listed++;
  p->holding++;
  k->fd = fd;
  k->opened_ns = k->waiting_ns = now;
  k->deadline_ns = now + (long long)s->opt.request_timeout_ms * 1000000LL;
  k->state = CONN_NEW;
  k->prev = s->conns_tail;
  if (s->conns_tail)
    s->conns_tail->next = k;
  else
    s->conns_head = k;
  s->conns_tail = k;
  atomic_fetch_add(&s->n_conns, 1);
  return k;
}

/* Lock held. k is closed: off the list, its entry free again. */
static void conn_close(struct adm_server *s, struct conn *k) {
  if (k->prev)
    k->prev->next = k->next;
  else
    s->conns_head = k->next;
  if (k->next)
    k->next->prev = k->prev;
  else
    s->conns_tail = k->prev;
  atomic_fetch_sub(&s->n_conns, 1);
  if (k->shut)
    s->n_shut--;
  else if (k->state != CONN_HANDLER)
    k->peer->holding--;
  peer_put(s, k->peer);
  k->next = s->free_conns;
  s->free_conns = k;
}

/* Lock held. Wake k's thread with EOF; libmicrohttpd then closes it. */
static void shut(struct adm_server *s, struct conn *k) {
  if (k->fd != MHD_INVALID_SOCKET)
    shutdown(k->fd, SHUT_RDWR);
  k->shut = true;
  s->n_shut++;
  if (k->state != CONN_HANDLER)
    k->peer->holding--;
}

/* Lock held. k enters state st; its address's holding count follows. */
static void conn_enter(struct conn *k, enum conn_state st) {
  if (!k->shut && (k->state == CONN_HANDLER) != (st == CONN_HANDLER)) {
    if (st == CONN_HANDLER)
      k->peer->holding--;
    else
      k->peer->holding++;
  }
  k->state = st;
}

/* Of one address's connections without a request in progress, which go
 * first: those that have waited at least SHED_MIN_AGE_NS for a whole
 * request head (slow clients; a keep-alive connection between its request
 * line and its handler is never one), then idle ones, then young ones
 * still in their handshake or head. */
enum shed_class { SHED_STALLED, SHED_IDLE, SHED_YOUNG };

static enum shed_class shed_class(const struct conn *k, long long now) {
  if (k->state == CONN_IDLE)
    return SHED_IDLE;
  return now - k->waiting_ns >= SHED_MIN_AGE_NS ? SHED_STALLED : SHED_YOUNG;
}

/* Lock held. Whether a goes before b: the address holding more
 * connections without a request in progress first, then by shed_class,
 * then the one that has waited (or been idle) longer. */
static bool sheds_before(const struct conn *a, const struct conn *b, long long now) {
  if (a->peer->holding != b->peer->holding)
    return a->peer->holding > b->peer->holding;
  enum shed_class ca = shed_class(a, now), cb = shed_class(b, now);
  if (ca != cb)
    return ca < cb;
  return a->waiting_ns < b->waiting_ns;
}

/* Lock held. While more connections are open (and not already closing)
 * than the soft limit, shut one of the address holding the most without a
 * request in progress, first in the order of sheds_before, so new ones
 * find a place in the reserve: a client that keeps many connections idle,
 * stalls many heads or keeps opening new ones makes room with its own, and
 * one holding few keeps its own. A connection with a request in progress
 * is never shed, nor a young one that is all its address holds: a
 * newcomer, which the reserve is for. The request deadline or the idle
 * timeout would close the others anyway; this only comes sooner. */
static void shed_over_limit(struct adm_server *s, long long now) {
  for (unsigned live = atomic_load(&s->n_conns) - s->n_shut; live > s->soft_limit; live--) {
    struct conn *victim = NULL;
    for (struct conn *k = s->conns_head; k; k = k->next)
      if (!k->shut && k->state != CONN_HANDLER && (victim == NULL || sheds_before(k, victim, now)))
        victim = k;
    if (victim == NULL || (shed_class(victim, now) == SHED_YOUNG && victim->peer->holding < 2))
      return;
    shut(s, victim);
    atomic_fetch_add(victim->state == CONN_IDLE ? &s->shed_idle : &s->shed_head, 1);
  }
}

static void notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                              enum MHD_ConnectionNotificationCode toe) {
  struct adm_server *s = cls;
  if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    const union MHD_ConnectionInfo *ai = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    MHD_socket fd = ci ? ci->connect_fd : MHD_INVALID_SOCKET;
    struct peer key;
    peer_key(ai ? ai->client_addr : NULL, &key);
    long long now = now_ns();
    pthread_mutex_lock(&s->conns_lock);
    struct conn *k = conn_open(s, fd, &key, now);
    if (k)
      shed_over_limit(s, now);
    pthread_mutex_unlock(&s->conns_lock);
    *socket_context = k;
    /* Not in the table, it would have no deadline: refused. */
    if (k == NULL && fd != MHD_INVALID_SOCKET)
      shutdown(fd, SHUT_RDWR);
    return;
  }
  /* The credential set this session was handed may be freed now if it
   * was replaced; GnuTLS keeps pointers into it until the session ends. */
  const union MHD_ConnectionInfo *ti = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
  if (ti && ti->tls_session)
    adm_tls_session_closed((gnutls_session_t)ti->tls_session);
  struct conn *k = *socket_context;
  if (k == NULL)
    return;
  pthread_mutex_lock(&s->conns_lock);
  conn_close(s, k);
  pthread_mutex_unlock(&s->conns_lock);
  *socket_context = NULL;
}

/* The request line arrived: the request's clock starts (on a new
 * connection, at accept). Routes on the raw target. */
static void *uri_logged(void *cls, const char *uri, struct MHD_Connection *c) {
  struct adm_server *s = cls;
  struct request *r = calloc(1, sizeof *r);
  if (r == NULL)
    return NULL;
  r->path = path_of(uri);
  long long start = now_ns();
  struct conn *k = conn_of(c);
  if (k) {
    pthread_mutex_lock(&s->conns_lock);
    if (k->state == CONN_NEW)
      start = k->opened_ns;
    else
      k->waiting_ns = start;
    conn_enter(k, CONN_HEAD);
    k->deadline_ns = start + (long long)s->opt.request_timeout_ms * 1000000LL;
    pthread_mutex_unlock(&s->conns_lock);
  }
  r->start.tv_sec = (time_t)(start / 1000000000LL);
  r->start.tv_nsec = (long)(start % 1000000000LL);
  return r;
}

static void set_conn_state(struct adm_server *s, struct MHD_Connection *c, enum conn_state st) {
  struct conn *k = conn_of(c);
  if (k == NULL)
    return;
  pthread_mutex_lock(&s->conns_lock);
  conn_enter(k, st);
  if (st == CONN_IDLE) {
    k->deadline_ns = 0;
    k->waiting_ns = now_ns();
  }
  pthread_mutex_unlock(&s->conns_lock);
}

/* Closes connections whose request is past its deadline, whether or not
 * the client is sending: a stalled head or body wakes nothing else. */
static void *watchdog_main(void *arg) {
  struct adm_server *s = arg;
  unsigned long long reported_timeouts = 0, reported_shed = 0, reported_idle = 0;
  while (!atomic_load(&s->stopping)) {
    struct timespec tick = {0, WATCHDOG_TICK_NS};
    nanosleep(&tick, NULL);
    long long now = now_ns();
    pthread_mutex_lock(&s->conns_lock);
    for (struct conn *k = s->conns_head; k; k = k->next) {
      if (!k->shut && k->deadline_ns != 0 && now > k->deadline_ns) {
        shut(s, k);
        atomic_fetch_add(&s->timed_out, 1);
      }
    }
    shed_over_limit(s, now);
    pthread_mutex_unlock(&s->conns_lock);
    unsigned long long t = atomic_load(&s->timed_out), sh = atomic_load(&s->shed_head), si = atomic_load(&s->shed_idle);
    if (t != reported_timeouts)
      adm_log(ADM_LOG_WARN, "dropped %llu connection(s) whose request did not complete within %u ms",
              t - reported_timeouts, s->opt.request_timeout_ms);
    if (sh != reported_shed)
      adm_log(ADM_LOG_WARN, "shed %llu connection(s) that had sent no complete request, to keep room for new ones",
              sh - reported_shed);
    if (si != reported_idle)
      adm_log(ADM_LOG_WARN,
              "shed %llu idle keep-alive connection(s), of the addresses holding the most, to keep room for new ones",
              si - reported_idle);
    reported_timeouts = t;
    reported_shed = sh;
    reported_idle = si;
  }
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
  g->ready = atomic_load(&s->ready) && !atomic_load(&s->draining);
  g->cert_expiry = adm_tls_current_expiry();
  struct adm_recorder_stats rs;
  if ((g->recording = adm_recorder_installed_stats(&rs))) {
    g->records_written = rs.recorded;
    g->records_dropped = rs.dropped;
    g->records_failed = rs.failed;
    g->records_too_large = rs.too_large;
  }
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
    r->path = path_of(url);
    clock_gettime(CLOCK_MONOTONIC, &r->start);
    *con_cls = r;
  }
  if (!r->started) {
    r->started = true;
    set_conn_state(s, c, CONN_HANDLER);
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
  set_conn_state(s, c, CONN_IDLE);
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
  release_body(s, r);
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
  if (!conns_init(s, o->max_connections)) {
    conns_free(s);
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
      notify_connection, s, MHD_OPTION_URI_LOG_CALLBACK, uri_logged, s, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
      MHD_OPTION_ARRAY, pool, MHD_OPTION_END);
  if (s->daemon == NULL) {
    sem_destroy(&s->decodes);
    sem_destroy(&s->fact_waits);
    conns_free(s);
    pthread_mutex_destroy(&s->conns_lock);
    free(s);
    return adm_fail(err, ADM_EIO, o->listen, "cannot listen (address in use, or TLS setup failed)");
  }
  if (pthread_create(&s->watchdog, NULL, watchdog_main, s) == 0)
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
  conns_free(s); /* after the daemon: closing its connections returns their entries */
  pthread_mutex_destroy(&s->conns_lock);
  free(s);
}
