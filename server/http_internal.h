/* What the files of admitd's HTTP server share, and nothing else: the
 * server, connection and request structures, the limits they are sized
 * by, the monotonic clock, and the adm__ functions one file calls in
 * another. http.c is the listener and routing, http_body.c bodies and
 * their limits, http_slots.c decode slots and fact waits, http_conns.c
 * connections, shedding and the watchdog. Not for use outside server/http*.c. */
#ifndef ADMITD_HTTP_INTERNAL_H
#define ADMITD_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "admitd/budget.h"
#include "admitd/config.h"
#include "admitd/pipeline.h"
#include "http.h"

/* A decode slot: the right to decode one body now, and the arena that
 * body's tree and decision live in. The arena is recycled, not freed, so
 * in steady state a review allocates nothing from the heap. */
#define MAX_DECODE_SLOTS 64
/* Time kept back from the facts' deadline to judge and answer in. */
#define FACTS_MARGIN_MS 250
/* Requests that may wait on registries at once, at the least. */
#define FACT_WAITS_MIN 64
#define SLOT_ARENA_KEEP (2u << 20)
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

static inline long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static inline long long ts_ns(const struct timespec *t) {
  return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

static inline long long elapsed_us(const struct timespec *start) {
  return (now_ns() - ts_ns(start)) / 1000;
}

/* --- http.c: routing ----------------------------------------------------- */

enum path adm__path_of(const char *uri);
void adm__reject_now(struct request *r, unsigned code, const char *reason, const char *message);

/* --- http_body.c: bodies under the cap and the memory budget ------------ */

int adm__append_body(struct adm_server *s, struct request *r, const char *data, size_t n);
extern const char adm__budget_short_msg[];
const char *adm__over_budget_msg(const struct adm_server *s, char *buf, size_t len);
void adm__release_body(struct adm_server *s, struct request *r);
void adm__too_large(struct adm_server *s, struct request *r);

/* --- http_slots.c: decode slots and fact waits -------------------------- */

bool adm__acquire_decode_slot(struct adm_server *s, const struct request *r);
unsigned adm__claim_slot(struct adm_server *s);
int64_t adm__facts_deadline_ms(const struct adm_server *s, const struct request *r, const struct adm_config *cfg);
int64_t adm__answer_deadline_ms(const struct adm_server *s, const struct request *r);
void adm__release_slot(struct adm_server *s, unsigned i);

/* The server's side of adm_pipeline_run's slot ops: its decode slots. */
struct adm__slotted {
  struct adm_server *s;
  struct adm_config *cfg;
  unsigned slot;
};
extern const struct adm_slot_ops adm__slotted_ops;

/* --- http_conns.c: the connection table, shedding, the watchdog --------- */

void adm__conns_free(struct adm_server *s);
bool adm__conns_init(struct adm_server *s, unsigned n);
void adm__notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                            enum MHD_ConnectionNotificationCode toe);
void adm__set_conn_state(struct adm_server *s, struct MHD_Connection *c, enum conn_state st);
void *adm__uri_logged(void *cls, const char *uri, struct MHD_Connection *c);
void *adm__watchdog_main(void *arg);

#endif
