/* Prometheus metrics: sharded lock-free counters, the text exposition and
 * the plain-HTTP metrics listener. Owns every counter admitd exports; reads
 * the server's own state (connections, budget, readiness) only through the
 * gauges a caller hands to a scrape. Must not lock, allocate or format on
 * the request path, and must not let a client's input choose a label value
 * outside a fixed set. */
#include "metrics.h"

#include <microhttpd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admitd/family.h"
#include "admitd/log.h"
#include "admitd/policy.h"

/* Shards: a thread takes the next one round robin on its first count, so
 * up to this many busy threads bump disjoint cache lines. */
#define N_SHARDS 16

static const char *const kinds[] = {"Pod",        "Deployment", "ReplicaSet", "StatefulSet",
                                    "DaemonSet",  "Job",        "CronJob",    "ReplicationController",
                                    "PodTemplate"};
#define N_KNOWN_KINDS (sizeof kinds / sizeof kinds[0])
#define KIND_OTHER N_KNOWN_KINDS
#define KIND_UNKNOWN (N_KNOWN_KINDS + 1)
#define N_KINDS (N_KNOWN_KINDS + 2)

static const char *const operations[] = {"CREATE", "UPDATE", "DELETE", "CONNECT"};
#define N_KNOWN_OPS (sizeof operations / sizeof operations[0])
#define OP_OTHER N_KNOWN_OPS
#define OP_UNKNOWN (N_KNOWN_OPS + 1)
#define N_OPS (N_KNOWN_OPS + 2)

static const unsigned http_codes[] = {200, 400, 401, 403, 404, 405, 413, 415, 429, 500, 503};
#define N_KNOWN_CODES (sizeof http_codes / sizeof http_codes[0])
#define N_CODES (N_KNOWN_CODES + 1) /* + "other" */

static const char *const decision_names[ADM__METRICS_DECISIONS] = {"allowed", "denied", "error"};
static const char *const refusal_names[ADM__METRICS_REFUSALS] = {"no_certificate", "untrusted", "expired", "name",
                                                                 "error"};
static const long long bucket_us[ADM_METRICS_N_BUCKETS] = ADM_METRICS_BUCKETS_US;

/* The (family, check) pairs seen, shared by all shards. A slot goes
 * EMPTY -> BUSY (one writer copies the names) -> READY, and never back
 * (until a test resets). The last slot is the overflow, "other". */
enum { SLOT_EMPTY = 0, SLOT_BUSY, SLOT_READY };
struct check_key {
  atomic_int state;
  char family[24];
  char check[56];
};
static struct check_key check_keys[ADM_METRICS_MAX_CHECKS + 1];
#define CHECK_OVERFLOW ADM_METRICS_MAX_CHECKS

struct shard {
  _Alignas(64) atomic_ullong requests[ADM__METRICS_DECISIONS][N_KINDS][N_OPS];
  /* Per bucket, not cumulative; the last one is past 10 s. The count is
   * their sum, so +Inf always equals _count in a scrape. */
  atomic_ullong latency[ADM__METRICS_DECISIONS][ADM_METRICS_N_BUCKETS + 1];
  atomic_ullong latency_sum_ns[ADM__METRICS_DECISIONS];
  atomic_ullong failed[ADM_METRICS_MAX_CHECKS + 1][ADM__MODE_COUNT];
  atomic_ullong http[N_CODES];
  atomic_ullong decode_waits, decode_wait_ns;
  atomic_ullong refused[ADM__METRICS_REFUSALS];
};

static struct shard shards[N_SHARDS];
static atomic_uint next_shard;
static _Thread_local struct shard *my_shard;

/* Not on the request path: plain atomics. */
static atomic_ullong reloads[ADM__METRICS_RELOADS][2]; /* [what][ok] */
static atomic_llong last_success_ns[ADM__METRICS_RELOADS];
static atomic_llong start_ns;

static long long wall_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static struct shard *shard(void) {
  if (my_shard == NULL)
    my_shard = &shards[atomic_fetch_add_explicit(&next_shard, 1, memory_order_relaxed) % N_SHARDS];
  return my_shard;
}

static void bump(atomic_ullong *c, unsigned long long n) {
  atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static unsigned long long sum_shards(size_t offset) {
  unsigned long long total = 0;
  for (size_t i = 0; i < N_SHARDS; i++)
    total += atomic_load_explicit((atomic_ullong *)((char *)&shards[i] + offset), memory_order_relaxed);
  return total;
}
/* The sum over shards of one counter, named by its place in a shard. */
#define SUM(field) sum_shards(offsetof(struct shard, field))

/* s's place in names[n]; n ("other") when absent; n + 1 ("unknown") for NULL. */
static unsigned label_index(const char *s, const char *const *names, unsigned n) {
  if (s == NULL)
    return n + 1;
  for (unsigned i = 0; i < n; i++)
    if (strcmp(s, names[i]) == 0)
      return i;
  return n;
}

static unsigned kind_index(const char *kind) {
  return label_index(kind, kinds, N_KNOWN_KINDS);
}

static unsigned op_index(const char *op) {
  return label_index(op, operations, N_KNOWN_OPS);
}

static unsigned code_index(unsigned code) {
  for (unsigned i = 0; i < N_KNOWN_CODES; i++)
    if (http_codes[i] == code)
      return i;
  return N_KNOWN_CODES;
}

static unsigned bucket_index(long long latency_ns) {
  long long us = latency_ns / 1000;
  for (unsigned i = 0; i < ADM_METRICS_N_BUCKETS; i++)
    if (us <= bucket_us[i])
      return i;
  return ADM_METRICS_N_BUCKETS;
}

static void observe(struct shard *sh, enum adm_metrics_decision d, unsigned kind, unsigned op, long long latency_ns) {
  if (latency_ns < 0)
    latency_ns = 0;
  bump(&sh->requests[d][kind][op], 1);
  bump(&sh->latency[d][bucket_index(latency_ns)], 1);
  bump(&sh->latency_sum_ns[d], (unsigned long long)latency_ns);
}

/* FNV-1a of family NUL check. */
static unsigned check_hash(const char *family, const char *check) {
  unsigned h = 2166136261u;
  for (const char *p = family; *p; p++)
    h = (h ^ (unsigned char)*p) * 16777619u;
  h = (h ^ 0u) * 16777619u;
  for (const char *p = check; *p; p++)
    h = (h ^ (unsigned char)*p) * 16777619u;
  return h;
}

static bool key_is(const struct check_key *k, const char *family, const char *check) {
  return strcmp(k->family, family) == 0 && strcmp(k->check, check) == 0;
}

/* The slot of (family, check), claiming a free one the first time. A name
 * that does not fit, or a full table, is the overflow slot. Only a first
 * sighting writes; a reader meeting a slot being written waits the few
 * instructions of one copy. */
static unsigned check_slot(const char *family, const char *check) {
  if (strlen(family) >= sizeof check_keys[0].family || strlen(check) >= sizeof check_keys[0].check)
    return CHECK_OVERFLOW;
  unsigned start = check_hash(family, check) % ADM_METRICS_MAX_CHECKS;
  for (unsigned n = 0; n < ADM_METRICS_MAX_CHECKS; n++) {
    unsigned i = (start + n) % ADM_METRICS_MAX_CHECKS;
    struct check_key *k = &check_keys[i];
    int st = atomic_load_explicit(&k->state, memory_order_acquire);
    if (st == SLOT_EMPTY) {
      int expect = SLOT_EMPTY;
      if (atomic_compare_exchange_strong(&k->state, &expect, SLOT_BUSY)) {
        snprintf(k->family, sizeof k->family, "%s", family);
        snprintf(k->check, sizeof k->check, "%s", check);
        atomic_store_explicit(&k->state, SLOT_READY, memory_order_release);
        return i;
      }
      st = expect;
    }
    while (st == SLOT_BUSY)
      st = atomic_load_explicit(&k->state, memory_order_acquire);
    if (key_is(k, family, check))
      return i;
  }
  return CHECK_OVERFLOW;
}

void adm_metrics_failed_check(const char *family, const char *check, enum adm_mode mode) {
  if ((unsigned)mode >= ADM__MODE_COUNT || family == NULL || check == NULL)
    return;
  bump(&shard()->failed[check_slot(family, check)][mode], 1);
}

void adm_metrics_init(void) {
  long long zero = 0;
  atomic_compare_exchange_strong(&start_ns, &zero, wall_ns());
  for (int w = 0; w < ADM__METRICS_RELOADS; w++) {
    zero = 0;
    atomic_compare_exchange_strong(&last_success_ns[w], &zero, atomic_load(&start_ns));
  }
  for (int f = 0; f < ADM__FAMILY_COUNT; f++) {
    for (const struct adm_check *const *t = adm_families[f].level_checks; t && *t; t++)
      check_slot(adm_families[f].name, (*t)->id);
    for (const struct adm_rule_check *const *t = adm_families[f].checks; t && *t; t++) {
      if (!(*t)->reads_facts) {
        check_slot(adm_families[f].name, (*t)->id);
        continue;
      }
      /* A check over facts fails under one id per outcome. */
      for (int o = 0; o < ADM_SIG_OUTCOME_COUNT; o++) {
        if (o == ADM_SIG_VERIFIED || o == ADM_SIG_NOT_CHECKED)
          continue;
        char id[96];
        snprintf(id, sizeof id, "%s.%s", (*t)->id, adm_sig_outcome_id((enum adm_sig_outcome)o));
        check_slot(adm_families[f].name, id);
      }
    }
  }
}

/* Whether outcome i repeats an earlier one (two rules failing the same
 * check in the same mode count once per review). */
static bool repeated(const struct adm_decision *d, size_t i) {
  const struct adm_outcome *o = &d->outcomes[i];
  for (size_t j = 0; j < i; j++)
    if (d->outcomes[j].family == o->family && d->outcomes[j].mode == o->mode &&
        strcmp(d->outcomes[j].check, o->check) == 0)
      return true;
  return false;
}

unsigned adm_metrics_check_modes(const struct adm_config *cfg, const struct adm_review_request *req,
                                 const struct adm_decision *d, const char *check) {
  (void)cfg, (void)req;
  unsigned modes = 0;
  for (size_t i = 0; i < d->n_outcomes; i++)
    if (strcmp(d->outcomes[i].check, check) == 0 && (unsigned)d->outcomes[i].mode < ADM__MODE_COUNT)
      modes |= 1u << d->outcomes[i].mode;
  return modes;
}

void adm_metrics_review(const struct adm_config *cfg, const struct adm_pipeline_result *res, long long latency_ns) {
  (void)cfg;
  struct shard *sh = shard();
  if (!res->decided) {
    unsigned kind = res->decoded ? kind_index(res->req.kind_kind) : KIND_UNKNOWN;
    unsigned op = res->decoded ? op_index(res->req.operation) : OP_UNKNOWN;
    observe(sh, ADM_METRICS_ERROR, kind, op, latency_ns);
    return;
  }
  const struct adm_decision *d = &res->decision;
  observe(sh, d->allowed ? ADM_METRICS_ALLOWED : ADM_METRICS_DENIED, kind_index(res->req.kind_kind),
          op_index(res->req.operation), latency_ns);
  /* decide records every failed check with its family and the mode it
   * failed in (before dry-run turns a denial into an allow). */
  for (size_t i = 0; i < d->n_outcomes; i++) {
    const struct adm_outcome *o = &d->outcomes[i];
    if ((unsigned)o->mode >= ADM__MODE_COUNT || repeated(d, i))
      continue;
    bump(&sh->failed[check_slot(adm_family_name((enum adm_family_id)o->family), o->check)][o->mode], 1);
  }
}

void adm_metrics_review_error(long long latency_ns) {
  observe(shard(), ADM_METRICS_ERROR, KIND_UNKNOWN, OP_UNKNOWN, latency_ns);
}

void adm_metrics_http_response(unsigned code) {
  bump(&shard()->http[code_index(code)], 1);
}

void adm_metrics_client_refused(enum adm_metrics_refusal why) {
  if ((unsigned)why < ADM__METRICS_REFUSALS)
    bump(&shard()->refused[why], 1);
}

void adm_metrics_decode_wait(long long waited_ns) {
  struct shard *sh = shard();
  bump(&sh->decode_waits, 1);
  bump(&sh->decode_wait_ns, waited_ns > 0 ? (unsigned long long)waited_ns : 0);
}

void adm_metrics_reload(enum adm_metrics_reload what, bool ok) {
  if ((unsigned)what >= ADM__METRICS_RELOADS)
    return;
  atomic_fetch_add(&reloads[what][ok ? 1 : 0], 1);
  if (ok)
    atomic_store(&last_success_ns[what], wall_ns());
}

void adm_metrics_reset(void) {
  memset(shards, 0, sizeof shards);
  memset(check_keys, 0, sizeof check_keys);
  memset(reloads, 0, sizeof reloads);
  memset(last_success_ns, 0, sizeof last_success_ns);
  atomic_store(&start_ns, 0);
}

/* --- exposition ------------------------------------------------------------ */

static void header(struct adm_sb *sb, const char *name, const char *type, const char *help) {
  adm_sb_addf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value with the format's three escapes. */
static void label_value(struct adm_sb *sb, const char *v) {
  adm_sb_add(sb, "\"");
  for (const char *p = v; *p; p++) {
    if (*p == '\\')
      adm_sb_add(sb, "\\\\");
    else if (*p == '"')
      adm_sb_add(sb, "\\\"");
    else if (*p == '\n')
      adm_sb_add(sb, "\\n");
    else
      adm_sb_addn(sb, p, 1);
  }
  adm_sb_add(sb, "\"");
}

static void seconds(struct adm_sb *sb, long long ns) {
  adm_sb_addf(sb, "%lld.%09lld", ns / 1000000000LL, ns % 1000000000LL);
}

static void gauge(struct adm_sb *sb, const char *name, const char *type, const char *help, unsigned long long v) {
  header(sb, name, type, help);
  adm_sb_addf(sb, "%s %llu\n", name, v);
}

static void render_requests(struct adm_sb *sb) {
  header(sb, "admitd_requests_total", "counter",
         "AdmissionReview requests on /validate by decision (allowed, denied, error), kind and operation.");
  for (int d = 0; d < ADM__METRICS_DECISIONS; d++)
    for (unsigned k = 0; k < N_KINDS; k++)
      for (unsigned o = 0; o < N_OPS; o++) {
        unsigned long long v = SUM(requests[d][k][o]);
        /* Pod CREATE is always there, so every decision has a series from the start. */
        if (v == 0 && !(k == 0 && o == 0))
          continue;
        const char *kind = k < N_KNOWN_KINDS ? kinds[k] : k == KIND_OTHER ? "other" : "unknown";
        const char *op = o < N_KNOWN_OPS ? operations[o] : o == OP_OTHER ? "other" : "unknown";
        adm_sb_addf(sb, "admitd_requests_total{decision=\"%s\",kind=\"%s\",operation=\"%s\"} %llu\n", decision_names[d],
                    kind, op, v);
      }
  header(sb, "admitd_request_duration_seconds", "histogram",
         "Time from a request's start (accept or request line) to its answer being queued, by decision.");
  for (int d = 0; d < ADM__METRICS_DECISIONS; d++) {
    unsigned long long cumulative = 0;
    for (unsigned b = 0; b <= ADM_METRICS_N_BUCKETS; b++) {
      cumulative += SUM(latency[d][b]);
      if (b < ADM_METRICS_N_BUCKETS)
        adm_sb_addf(sb, "admitd_request_duration_seconds_bucket{decision=\"%s\",le=\"%g\"} %llu\n", decision_names[d],
                    (double)bucket_us[b] / 1e6, cumulative);
      else
        adm_sb_addf(sb, "admitd_request_duration_seconds_bucket{decision=\"%s\",le=\"+Inf\"} %llu\n", decision_names[d],
                    cumulative);
    }
    adm_sb_addf(sb, "admitd_request_duration_seconds_sum{decision=\"%s\"} ", decision_names[d]);
    seconds(sb, (long long)SUM(latency_sum_ns[d]));
    adm_sb_addf(sb, "\nadmitd_request_duration_seconds_count{decision=\"%s\"} %llu\n", decision_names[d], cumulative);
  }
}

static void render_checks(struct adm_sb *sb) {
  header(sb, "admitd_failed_checks_total", "counter",
         "Checks failed by judged requests, by policy family, check id and the mode it failed in.");
  for (unsigned i = 0; i <= ADM_METRICS_MAX_CHECKS; i++) {
    const char *family = "other", *check = "other";
    if (i < ADM_METRICS_MAX_CHECKS) {
      if (atomic_load_explicit(&check_keys[i].state, memory_order_acquire) != SLOT_READY)
        continue;
      family = check_keys[i].family;
      check = check_keys[i].check;
    }
    for (int m = 0; m < ADM__MODE_COUNT; m++) {
      unsigned long long v = SUM(failed[i][m]);
      if (i == CHECK_OVERFLOW && v == 0)
        continue;
      adm_sb_add(sb, "admitd_failed_checks_total{family=");
      label_value(sb, family);
      adm_sb_add(sb, ",check=");
      label_value(sb, check);
      adm_sb_addf(sb, ",mode=\"%s\"} %llu\n", adm_mode_name((enum adm_mode)m), v);
    }
  }
}

static void render_http(struct adm_sb *sb, const struct adm_metrics_gauges *g) {
  header(sb, "admitd_http_responses_total", "counter",
         "HTTP answers on the serving port by status code (413 too large, 429 memory budget held, 503 no decode "
         "slot in time).");
  for (unsigned i = 0; i < N_CODES; i++) {
    char code[16];
    if (i < N_KNOWN_CODES)
      snprintf(code, sizeof code, "%u", http_codes[i]);
    else
      snprintf(code, sizeof code, "other");
    adm_sb_addf(sb, "admitd_http_responses_total{code=\"%s\"} %llu\n", code, SUM(http[i]));
  }
  header(sb, "admitd_client_auth_refused_total", "counter",
         "Requests refused for their client certificate under --client-ca (each answered 401, 403 or 500 and its "
         "connection closed), by reason.");
  for (int i = 0; i < ADM__METRICS_REFUSALS; i++)
    adm_sb_addf(sb, "admitd_client_auth_refused_total{reason=\"%s\"} %llu\n", refusal_names[i], SUM(refused[i]));
  gauge(sb, "admitd_in_flight_requests", "gauge", "Reviews between their headers and their answer.", g->in_flight);
  gauge(sb, "admitd_open_connections", "gauge", "Open connections on the serving port, idle keep-alive included.",
        g->connections);
  gauge(sb, "admitd_decode_slots", "gauge", "Bodies that may be decoded at once (--max-concurrent-decodes).",
        g->decode_slots);
  gauge(sb, "admitd_decode_slot_waits_total", "counter", "Requests that found every decode slot taken and waited.",
        SUM(decode_waits));
  header(sb, "admitd_decode_slot_wait_seconds_total", "counter", "Time requests spent waiting for a decode slot.");
  adm_sb_add(sb, "admitd_decode_slot_wait_seconds_total ");
  seconds(sb, (long long)SUM(decode_wait_ns));
  adm_sb_add(sb, "\n");
  gauge(sb, "admitd_memory_budget_bytes", "gauge", "The memory budget for bodies and decoded trees (--memory-budget).",
        g->budget_limit);
  gauge(sb, "admitd_memory_budget_used_bytes", "gauge", "Bytes of the memory budget held now.", g->budget_used);
  gauge(sb, "admitd_memory_budget_refusals_total", "counter", "Reservations the memory budget refused.",
        g->budget_refusals);
  if (g->recording) {
    gauge(sb, "admitd_records_written_total", "counter", "Judged requests written to the --record file.",
          g->records_written);
    gauge(sb, "admitd_records_dropped_total", "counter",
          "Judged requests not recorded because the recorder's queue was full or the memory budget short at the "
          "time (the request never waits).",
          g->records_dropped);
    gauge(sb, "admitd_records_failed_total", "counter",
          "Judged requests that could not be written (file unwritable, disk full).", g->records_failed);
    gauge(sb, "admitd_records_too_large_total", "counter",
          "Judged requests never recorded because redacting them needs more than the whole memory budget.",
          g->records_too_large);
  }
  gauge(sb, "admitd_connections_timed_out_total", "counter",
        "Connections closed because their request passed --request-timeout.", g->timed_out);
  header(sb, "admitd_connections_shed_total", "counter",
         "Connections closed to keep the connection reserve free, by reason: head (no complete request head yet), "
         "idle (keep-alive, between requests).");
  adm_sb_addf(sb, "admitd_connections_shed_total{reason=\"head\"} %llu\n", g->shed_head);
  adm_sb_addf(sb, "admitd_connections_shed_total{reason=\"idle\"} %llu\n", g->shed_idle);
  gauge(sb, "admitd_ready", "gauge", "1 while /readyz answers 200.", g->ready ? 1 : 0);
}

static void render_namespaces(struct adm_sb *sb, const struct adm_metrics_gauges *g) {
  if (!g->reading_namespaces)
    return;
  const struct adm_kube_ns_stats *n = &g->namespaces;
  gauge(sb, "admitd_namespaces_synced", "gauge",
        "1 once the first list of namespaces completed (/readyz waits for it).", n->synced ? 1 : 0);
  gauge(sb, "admitd_namespaces", "gauge", "Namespaces whose labels are held.", n->namespaces);
  gauge(sb, "admitd_namespace_limit_reached", "gauge",
        "1 while a bound on namespaces or labels is reached: their labels are unknown, and requests that need them "
        "are refused.",
        n->limit_reached ? 1 : 0);
  gauge(sb, "admitd_namespace_lists_total", "counter",
        "Complete lists of namespaces (the first, and relists after 410 Gone or an unusable watch).", n->lists);
  gauge(sb, "admitd_namespace_watches_total", "counter", "Watch requests started.", n->watches);
  gauge(sb, "admitd_namespace_watch_reconnects_total", "counter",
        "Watches that ended abnormally (dropped, stalled, refused, HTTP error) and were started again.", n->reconnects);
  gauge(sb, "admitd_namespace_watch_events_total", "counter", "Watch events applied, bookmarks included.", n->events);
  gauge(sb, "admitd_namespace_errors_total", "counter",
        "Failed requests, ERROR events, unusable answers and bounds reached while reading namespaces.", n->errors);
  gauge(sb, "admitd_namespace_gets_total", "counter", "Live GETs of one namespace the watch had not delivered yet.",
        n->gets);
  gauge(sb, "admitd_namespace_get_errors_total", "counter", "Live GETs that failed.", n->get_errors);
  gauge(sb, "admitd_namespace_last_sync_timestamp_seconds", "gauge", "When the last complete list of namespaces ended.",
        (unsigned long long)(n->last_sync_unix_ms / 1000));
}

static void render_images(struct adm_sb *sb, const struct adm_metrics_gauges *g) {
  if (!g->verifying)
    return;
  header(sb, "admitd_image_verifications_total", "counter",
         "Image signature verifications by outcome: asked of (or waited on) registries, or busy.");
  for (int o = 0; o < ADM_SIG_OUTCOME_COUNT; o++)
    if (o != ADM_SIG_NOT_CHECKED)
      adm_sb_addf(sb, "admitd_image_verifications_total{outcome=\"%s\"} %llu\n",
                  adm_sig_outcome_id((enum adm_sig_outcome)o), g->verifications[o]);
  gauge(sb, "admitd_image_verification_cache_hits_total", "counter",
        "Image verifications answered from the cache, without a registry request.", g->verification_cache_hits);
  gauge(sb, "admitd_registry_requests_total", "counter", "HTTP requests made to registries, token requests included.",
        g->registry_requests);
}

static void render_reloads(struct adm_sb *sb, const struct adm_metrics_gauges *g) {
  static const char *const what[ADM__METRICS_RELOADS] = {"config", "certificate", "client_ca"};
  static const char *const help[ADM__METRICS_RELOADS] = {"policy file", "TLS certificate and key",
                                                         "client CA file (--client-ca)"};
  for (int w = 0; w < ADM__METRICS_RELOADS; w++) {
    char name[96], text[160];
    snprintf(name, sizeof name, "admitd_%s_reloads_total", what[w]);
    snprintf(text, sizeof text,
             "Reloads of the %s by result: success (applied) or failure (refused, the previous one stays).", help[w]);
    header(sb, name, "counter", text);
    adm_sb_addf(sb, "%s{result=\"success\"} %llu\n%s{result=\"failure\"} %llu\n", name,
                (unsigned long long)atomic_load(&reloads[w][1]), name, (unsigned long long)atomic_load(&reloads[w][0]));
    snprintf(name, sizeof name, "admitd_%s_last_reload_success_timestamp_seconds", what[w]);
    snprintf(text, sizeof text, "Unix time the %s in use was loaded (at start or by the last successful reload).",
             help[w]);
    header(sb, name, "gauge", text);
    adm_sb_addf(sb, "%s ", name);
    seconds(sb, atomic_load(&last_success_ns[w]));
    adm_sb_add(sb, "\n");
  }
  if (g->cert_expiry > 0)
    gauge(sb, "admitd_certificate_expiry_timestamp_seconds", "gauge",
          "Unix time the serving certificate in use expires.", (unsigned long long)g->cert_expiry);
}

const char *adm_metrics_render(struct adm_arena *a, const struct adm_metrics_gauges *g, size_t *len) {
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  header(&sb, "admitd_build_info", "gauge", "admitd's version; always 1.");
  adm_sb_add(&sb, "admitd_build_info{version=");
  label_value(&sb, ADMITD_VERSION);
  adm_sb_add(&sb, "} 1\n");
  header(&sb, "admitd_start_time_seconds", "gauge", "Unix time admitd started.");
  adm_sb_add(&sb, "admitd_start_time_seconds ");
  seconds(&sb, atomic_load(&start_ns));
  adm_sb_add(&sb, "\n");
  render_requests(&sb);
  render_checks(&sb);
  render_http(&sb, g);
  render_reloads(&sb, g);
  render_images(&sb, g);
  render_namespaces(&sb, g);
  const char *out = adm_sb_str(&sb);
  *len = out ? sb.len : 0;
  return out;
}

/* --- the plain-HTTP listener ------------------------------------------------ */

struct adm_metrics_listener {
  struct MHD_Daemon *daemon;
  adm_metrics_gauges_fn gauges;
  void *ctx;
  uint16_t port;
};

static enum MHD_Result answer(struct MHD_Connection *c, unsigned code, const char *type, const char *body, size_t len) {
  struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
  if (r == NULL)
    return MHD_NO;
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
  enum MHD_Result ret = MHD_queue_response(c, code, r);
  MHD_destroy_response(r);
  return ret;
}

static enum MHD_Result text(struct MHD_Connection *c, unsigned code, const char *body) {
  return answer(c, code, "text/plain; charset=utf-8", body, strlen(body));
}

/* Serve the exposition into a scratch arena; libmicrohttpd copies it. */
static enum MHD_Result scrape(struct MHD_Connection *c, adm_metrics_gauges_fn fn, void *ctx) {
  struct adm_metrics_gauges g = {0};
  if (fn)
    fn(ctx, &g);
  struct adm_arena a;
  adm_arena_init(&a, 65536, 16u << 20);
  size_t len;
  const char *body = adm_metrics_render(&a, &g, &len);
  enum MHD_Result ret =
      body ? answer(c, 200, ADM_METRICS_CONTENT_TYPE, body, len) : text(c, 500, "out of memory rendering metrics\n");
  adm_arena_free(&a);
  return ret;
}

static enum MHD_Result listener_handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                        const char *version, const char *upload_data, size_t *upload_data_size,
                                        void **con_cls) {
  (void)version, (void)upload_data;
  struct adm_metrics_listener *l = cls;
  if (*con_cls == NULL) { /* headers only: answer once the (ignored) body is read */
    *con_cls = l;
    return MHD_YES;
  }
  if (*upload_data_size > 0) {
    *upload_data_size = 0;
    return MHD_YES;
  }
  bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
  if (strcmp(url, "/metrics") != 0 && strcmp(url, "/healthz") != 0)
    return text(c, 404, "no such endpoint; this listener serves GET /metrics and GET /healthz\n");
  if (!get)
    return text(c, 405, "method not allowed; use GET or HEAD\n");
  if (strcmp(url, "/healthz") == 0)
    return text(c, 200, "ok\n");
  return scrape(c, l->gauges, l->ctx);
}

int adm_metrics_listener_start(const struct sockaddr *addr, adm_metrics_gauges_fn gauges, void *ctx,
                               struct adm_metrics_listener **out, struct adm_error *err) {
  struct adm_metrics_listener *l = calloc(1, sizeof *l);
  if (l == NULL)
    return adm_fail(err, ADM_ENOMEM, "--metrics-listen", "out of memory");
  l->gauges = gauges;
  l->ctx = ctx;
  /* One thread polls every scrape connection: a scrape is rare and quick. */
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG;
  if (addr->sa_family == AF_INET6)
    flags |= MHD_USE_IPv6;
  l->daemon = MHD_start_daemon(flags, 0, NULL, NULL, listener_handler, l, MHD_OPTION_EXTERNAL_LOGGER, adm_log_mhd,
                               "metrics listener", MHD_OPTION_SOCK_ADDR, addr, MHD_OPTION_CONNECTION_LIMIT, 16u,
                               MHD_OPTION_PER_IP_CONNECTION_LIMIT, 8u, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
                               MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384, MHD_OPTION_LISTENING_ADDRESS_REUSE,
                               1u, MHD_OPTION_END);
  if (l->daemon == NULL) {
    free(l);
    return adm_fail(err, ADM_EIO, "--metrics-listen", "cannot listen (address in use?)");
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(l->daemon, MHD_DAEMON_INFO_BIND_PORT);
  l->port = info ? info->port : 0;
  *out = l;
  return 0;
}

uint16_t adm_metrics_listener_port(const struct adm_metrics_listener *l) {
  return l->port;
}

void adm_metrics_listener_stop(struct adm_metrics_listener *l) {
  if (l == NULL)
    return;
  MHD_stop_daemon(l->daemon);
  free(l);
}
