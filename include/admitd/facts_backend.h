/* The fact backends of the executable layer (facts.h): signature
 * verification against real registries (keys parsed with GnuTLS, the
 * libcurl client, the cache and single-flight), and its offline stand-in
 * for `admitd check --offline`, which checks the keys but asks no
 * registry. One of them is registered before any policy is loaded. */
#ifndef ADMITD_FACTS_BACKEND_H
#define ADMITD_FACTS_BACKEND_H

#include <stdint.h>

#include "admitd/config.h"
#include "admitd/facts.h"
#include "admitd/gather.h"

extern const struct adm_fact_backend adm_registry_fact_backend;
extern const struct adm_fact_backend adm_offline_fact_backend;

/* Counters since the process started, for /metrics. */
struct adm_fact_stats {
  /* verifications by outcome: those that asked (or waited on) registries,
   * and busy ones, which admitd had no time or room to ask about */
  uint64_t outcomes[ADM_SIG_OUTCOME_COUNT];
  uint64_t cache_hits;        /* facts answered from the cache without waiting */
  uint64_t registry_requests; /* HTTP requests to registries, token requests included */
};

/* cfg: the pinned snapshot, whose registry client's requests are added to
 * those of the clients already released. */
void adm_fact_stats(const struct adm_config *cfg, struct adm_fact_stats *out);

/* need verified under cfg's policy as gather would, but past the cache,
 * with every step told to trace (admitd explain-image). cfg must have been
 * prepared by adm_registry_fact_backend. Fills *out; returns what
 * adm_sig_verify returns, or ADM_EINVAL for a need the snapshot did not
 * prepare. */
struct adm_sig_trace;
int adm_fact_backend_explain(const struct adm_config *cfg, const struct adm_image_need *need, int64_t deadline_ms,
                             const struct adm_sig_trace *trace, struct adm_gathered_fact *out);

/* Test hook: route every registry call of snapshots prepared from now on
 * through v instead of a libcurl client (NULL: back to libcurl). */
struct adm_verifier;
void adm_fact_backend_test_verifier(struct adm_verifier *v);

#endif
