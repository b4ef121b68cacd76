/* Prometheus metrics: counters the request path bumps without a lock, the
 * text exposition (format 0.0.4) of them, and an optional plain-HTTP
 * listener that serves only that text (what a ServiceMonitor scrapes).
 *
 * Counters are process-wide, like the config snapshot. Each thread adds to
 * one of a fixed set of cache-line-aligned shards with relaxed atomic adds,
 * so two connection threads never share a counter line in the common case;
 * a scrape sums the shards. Nothing on the request path allocates, locks or
 * formats text. Every label value is drawn from a fixed set (unknown kinds
 * and operations become "other"), so a client cannot grow the series. */
#ifndef ADMITD_METRICS_H
#define ADMITD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "admitd/kube.h"
#include "admitd/arena.h"
#include "admitd/facts.h"
#include "admitd/config.h"
#include "admitd/error.h"
#include "admitd/pipeline.h"

/* Latency buckets, upper bounds in microseconds: 100 us to 10 s. */
#define ADM_METRICS_BUCKETS_US                                                                                         \
  { 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000 }
#define ADM_METRICS_N_BUCKETS 16

/* Distinct (family, check) pairs counted; more are counted as check "other". */
#define ADM_METRICS_MAX_CHECKS 128

enum adm_metrics_decision { ADM_METRICS_ALLOWED = 0, ADM_METRICS_DENIED, ADM_METRICS_ERROR, ADM__METRICS_DECISIONS };
enum adm_metrics_reload {
  ADM_METRICS_RELOAD_CONFIG = 0,
  ADM_METRICS_RELOAD_CERTIFICATE,
  ADM_METRICS_RELOAD_CLIENT_CA,
  ADM__METRICS_RELOADS
};
/* Why the serving port refused a caller under --client-ca. */
enum adm_metrics_refusal {
  ADM_METRICS_REFUSED_NO_CERTIFICATE = 0,
  ADM_METRICS_REFUSED_UNTRUSTED,
  ADM_METRICS_REFUSED_EXPIRED,
  ADM_METRICS_REFUSED_NAME,
  ADM_METRICS_REFUSED_ERROR,
  ADM__METRICS_REFUSALS
};

/* Name every Pod Security check, so each series exists (at 0) from the first
 * scrape. Also sets start time. Idempotent; counting works without it. */
void adm_metrics_init(void);

/* --- the request path: lock-free, no allocation ------------------------- */

/* A /validate request answered by the pipeline: its decision, kind and
 * operation, latency, and each failed check under the mode(s) it failed in.
 * cfg is the snapshot the request was judged under (still pinned). */
void adm_metrics_review(const struct adm_config *cfg, const struct adm_pipeline_result *res, long long latency_ns);
/* A /validate request answered without a decision (refused before the
 * pipeline, or abandoned): decision "error", kind and operation "unknown". */
void adm_metrics_review_error(long long latency_ns);
/* One failed check. family: "podSecurity", later "images", ...; check: its
 * id; both are copied the first time they are seen. */
void adm_metrics_failed_check(const char *family, const char *check, enum adm_mode mode);
/* Every HTTP answer the serving port writes, by status code. */
void adm_metrics_http_response(unsigned code);
/* A request refused for its client certificate (--client-ca). */
void adm_metrics_client_refused(enum adm_metrics_refusal why);
/* A request found every decode slot taken and waited waited_ns for one
 * (whether or not it got one). */
void adm_metrics_decode_wait(long long waited_ns);

/* The modes (bit 1 << enum adm_mode) in which check failed for a decided
 * request under cfg. decide.c records failed check ids across modes; the
 * mode is derived from which modes acted (a policy denial or dry-run
 * denial: enforce; an audit-violations annotation: audit; a PodSecurity
 * warning: warn) and whether that mode's level:version runs the check. */
unsigned adm_metrics_check_modes(const struct adm_config *cfg, const struct adm_review_request *req,
                                 const struct adm_decision *d, const char *check);

/* --- reloads (the signal loop) ---------------------------------------------- */

/* A reload that was applied (ok) or refused; ok also sets the time of the
 * last success. The initial load at start counts as a success. */
void adm_metrics_reload(enum adm_metrics_reload what, bool ok);

/* --- exposition ---------------------------------------------------------------- */

/* What the server knows at scrape time, read from its own state. */
struct adm_metrics_gauges {
  unsigned in_flight, connections, decode_slots;
  size_t budget_used, budget_limit;
  unsigned long long budget_refusals, timed_out;
  unsigned long long shed_head, shed_idle; /* shed to keep the reserve: no complete request head; idle */
  bool ready;
  long long cert_expiry; /* unix seconds, 0: unknown */
  bool recording;        /* --record is on: the counts below are exposed */
  unsigned long long records_written, records_dropped, records_failed, records_too_large;
  /* Image signature verification, once a policy has verify rules. */
  bool verifying;
  unsigned long long verifications[ADM_SIG_OUTCOME_COUNT]; /* by outcome, when registries were asked */
  unsigned long long verification_cache_hits, registry_requests;
  /* Namespaces from the API server, once a policy reads their labels. */
  bool reading_namespaces;
  struct adm_kube_ns_stats namespaces;
};

typedef void (*adm_metrics_gauges_fn)(void *ctx, struct adm_metrics_gauges *out);

/* The exposition text, *borrowed* from a (NULL when a allocation failed). */
const char *adm_metrics_render(struct adm_arena *a, const struct adm_metrics_gauges *g, size_t *len);

#define ADM_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* A plain-HTTP listener on addr serving GET /metrics (and /healthz). gauges
 * is called per scrape with ctx. *new*: adm_metrics_listener_stop. */
struct adm_metrics_listener;
int adm_metrics_listener_start(const struct sockaddr *addr, adm_metrics_gauges_fn gauges, void *ctx,
                               struct adm_metrics_listener **out, struct adm_error *err);
uint16_t adm_metrics_listener_port(const struct adm_metrics_listener *l);
void adm_metrics_listener_stop(struct adm_metrics_listener *l);

/* Reset every counter (tests only). */
void adm_metrics_reset(void);

#endif
