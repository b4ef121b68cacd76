/* Connections: the table of every TCP connection from accept to close and
 * of the addresses they come from (made at start, so accepting allocates
 * nothing), where each is in its life, the request deadline a watchdog
 * enforces whether or not the client sends, and shedding connections
 * without a request in progress when new ones would eat into the reserve,
 * those of the address holding the most first. Must not answer requests,
 * nor shed a connection with a request in progress. */
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "admitd/log.h"
#include "http_internal.h"
#include "tls.h"

/* How often the watchdog looks for requests past their deadline. */
#define WATCHDOG_TICK_NS (50 * 1000 * 1000)
/* A connection younger than this is never shed: it is still handshaking. */
#define SHED_MIN_AGE_NS (200LL * 1000 * 1000)

static struct conn *conn_of(struct MHD_Connection *c) {
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return ci ? ci->socket_context : NULL;
}

/* The table of connections: an entry and (for a new address) an address
 * record for each, from the arrays made at start. n entries; false when
 * they cannot be had. */
bool adm__conns_init(struct adm_server *s, unsigned n) {
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

void adm__conns_free(struct adm_server *s) {
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

/* Lock held. Whether a goes before b: a stalled head from any address
 * first (a caller with many addresses, each holding a few silent
 * connections, must not make the API server's pooled idle ones the
 * busiest address and have them shed); then the address holding more
 * connections without a request in progress (so a burst of new ones
 * costs its own address, not others' idle ones); then by shed_class;
 * then the one that has waited (or been idle) longer. */
static bool sheds_before(const struct conn *a, const struct conn *b, long long now) {
  enum shed_class ca = shed_class(a, now), cb = shed_class(b, now);
  if ((ca == SHED_STALLED) != (cb == SHED_STALLED))
    return ca == SHED_STALLED;
  if (a->peer->holding != b->peer->holding)
    return a->peer->holding > b->peer->holding;
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

void adm__notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
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
void *adm__uri_logged(void *cls, const char *uri, struct MHD_Connection *c) {
  struct adm_server *s = cls;
  struct request *r = calloc(1, sizeof *r);
  if (r == NULL)
    return NULL;
  r->path = adm__path_of(uri);
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

void adm__set_conn_state(struct adm_server *s, struct MHD_Connection *c, enum conn_state st) {
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
void *adm__watchdog_main(void *arg) {
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
