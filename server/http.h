/* The HTTPS listener: routes, limits, the request lifecycle and graceful
 * drain. Decoding and deciding are delegated to review.c and decide.c. */
#ifndef ADMITD_HTTP_H
#define ADMITD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include "admitd/budget.h"
#include "admitd/error.h"
#include "admitd/namespace.h"
#include "metrics.h"

struct adm_server_options {
  const char *listen; /* "ADDR:PORT" or "[V6ADDR]:PORT" */
  size_t max_body_bytes;
  unsigned max_connections;        /* 1/8 of them is a reserve for new connections */
  unsigned max_connections_per_ip; /* 0: no per-address limit */
  unsigned idle_timeout_s;         /* keep-alive connections between requests */
  unsigned request_timeout_ms;     /* whole request, from accept or request line to answer */
  unsigned max_concurrent_decodes;
  int max_json_depth;
  size_t thread_stack_bytes;
  size_t memory_budget_bytes; /* bodies and decoded trees, all requests together */
  unsigned io_threads;        /* 0: a thread per connection; N: N epoll workers */
  bool client_auth;           /* --client-ca: only the probes answer without a trusted client certificate */
  /* Where the labels of a request's namespace come from (namespace.h);
   * NULL: nowhere. */
  const struct adm_ns_source *namespaces;
  /* What else /readyz waits for (the first list of namespaces); NULL: nothing. */
  bool (*also_ready)(void);
  /* The namespace reader's counters for /metrics (false: not reading); NULL: none. */
  bool (*namespace_stats)(struct adm_kube_ns_stats *out);
};

/* Defaults, sized from the CPUs and memory limit of the process's cgroup. */
void adm_server_options_default(struct adm_server_options *o);
/* The default --memory-budget for a cgroup memory limit (0: none). */
size_t adm_server_default_budget(size_t cgroup_limit);

struct adm_server;

/* Listen and serve with the TLS credentials published through tls.h. *new*. */
int adm_server_start(const struct adm_server_options *o, struct adm_server **out, struct adm_error *err);
/* The port actually bound (useful with port 0). */
uint16_t adm_server_port(const struct adm_server *s);
/* Close the listening socket (new connections are refused at once), turn
 * /readyz to 503, and answer every later request with Connection: close. */
void adm_server_drain(struct adm_server *s);
/* Requests between their first byte of body handling and their response. */
unsigned adm_server_in_flight(const struct adm_server *s);
/* Open connections, idle keep-alive ones included. */
unsigned adm_server_connections(const struct adm_server *s);
/* The process-wide memory budget (for the start-up log and tests). */
struct adm_budget *adm_server_budget(struct adm_server *s);
/* Reviews answered since start. */
unsigned long long adm_server_requests(const struct adm_server *s);
void adm_server_set_ready(struct adm_server *s, bool ready);
/* What a metrics scrape reads from the server's own state. */
void adm_server_metrics_gauges(const struct adm_server *s, struct adm_metrics_gauges *g);
/* "ADDR:PORT" or "[V6ADDR]:PORT" (IP literals only) into a socket address.
 * Errors are placed at "--listen"; a caller parsing another flag renames it. */
int adm_parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len, bool *v6, struct adm_error *err);
/* Close everything and free. */
void adm_server_stop(struct adm_server *s);

#endif
