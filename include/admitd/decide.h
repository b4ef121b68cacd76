/* From a decoded AdmissionReview and a config snapshot to a decision.
 * The only place that knows modes (enforce/audit/warn), exemptions,
 * dry-run, and which requests upstream Pod Security judges. */
#ifndef ADMITD_DECIDE_H
#define ADMITD_DECIDE_H

#include "admitd/arena.h"
#include "admitd/config.h"
#include "admitd/facts.h"
#include "admitd/gather.h"
#include "admitd/namespace.h"
#include "admitd/pod.h"
#include "admitd/review.h"

/* Total warning text the API server passes whole (runes; bytes here bound it). */
#define ADM_WARNINGS_BUDGET 4096

/* The decision in two steps around fact gathering, so that the pipeline
 * can gather facts (and the server can wait for registries without a
 * decode slot) between them. begin judges everything that needs no facts
 * and lists the facts the rest need; when it already denies (by rules
 * that need no registry), it lists none: no registry is asked for a pod
 * that is refused anyway. finish runs the checks that read facts, then
 * words the decision and applies dry-run. */
struct adm_decide_plan {
  bool families; /* the families judge this request: finish has work */
  bool is_pod;
  struct adm_pod pod;
  const char *label, *name;
  bool any[ADM__FAMILY_COUNT][ADM__MODE_COUNT]; /* findings so far, per family and mode */
  struct adm_image_need *needs;                 /* *borrowed* from the arena */
  size_t n_needs, cap_needs;
  size_t n_needs_dropped; /* past ADM_MAX_IMAGE_NEEDS: left without a fact (fail closed) */
  bool not_attempted;     /* denied before any fact was needed */
  /* On a pod UPDATE, the old pod, else NULL. */
  const struct adm_pod *old;
  /* Facts known without a registry: NOT_CHECKED for a container that keeps
   * its image on an UPDATE (so relabelling a running pod never depends on
   * a registry), INTERNAL for images past ADM_MAX_IMAGE_NEEDS (fail closed). */
  struct adm_image_fact *local_facts;
  size_t n_local_facts, cap_local_facts;
  /* The request's namespace as looked up before judgement. */
  struct adm_ns_view ns;
  /* A namespace update that makes its enforce level stricter: upstream
   * judges the pods already in it at the new level and warns about those
   * that would fail (adm_decide_namespace_pods). Never a denial. */
  bool ns_pods_pending;
  const char *ns_pods_namespace;
  struct adm_level_version ns_pods_enforce;
};

/* Upstream's bounds on that: pods judged, and time spent listing and
 * judging them (half the request's remaining time, if less). */
#define ADM_NS_PODS_MAX 3000
#define ADM_NS_PODS_TIMEOUT_MS 1000

/* Judge the namespace's pods at plan's new enforce level, as upstream's
 * EvaluatePodsInNamespace, one at a time as they are listed: begin, then
 * adm_ns_pods_add for each pod (it returns 1 once deadline_ms has passed:
 * stop listing), then end with what the listing returned (namespace.h's
 * list_pods: 0 all seen, 1 more than ADM_NS_PODS_MAX, negative: failed,
 * error says why), which adds upstream's warnings to d. NULL from begin:
 * the arena has failed (the answer is an error). */
struct adm_ns_pods;
struct adm_ns_pods *adm_decide_ns_pods_begin(const struct adm_config *cfg, const struct adm_decide_plan *plan,
                                             int64_t deadline_ms, struct adm_arena *a);
int adm_ns_pods_add(void *pods, const json_t *pod);
void adm_decide_ns_pods_end(struct adm_ns_pods *pods, int listed, const char *error, struct adm_decision *d);

/* Whether the request's namespace labels are to be looked up before
 * judgement: the policy reads them, and the request is not a Namespace's
 * own (that one is judged by the labels it carries). */
bool adm_decide_reads_namespace(const struct adm_config *cfg, const struct adm_review_request *req);

/* ns: the namespace's labels when adm_decide_reads_namespace (NULL or
 * UNREAD then: not learned, fail closed); otherwise not read. */
void adm_decide_begin(const struct adm_config *cfg, const struct adm_review_request *req, const struct adm_ns_view *ns,
                      struct adm_arena *a, struct adm_decide_plan *plan, struct adm_decision *d);
/* facts: one per need of plan (any order), or NULL when there were none. */
void adm_decide_finish(const struct adm_config *cfg, const struct adm_review_request *req, struct adm_decide_plan *plan,
                       const struct adm_image_facts *facts, struct adm_arena *a, struct adm_decision *d);

#endif
