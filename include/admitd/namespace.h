/* The namespace of a request as decide reads it, when the policy reads
 * namespace labels (podSecurity.namespaceLabels, a rule's
 * namespaceSelector), and the contract with whatever knows them: the API
 * server's namespaces for `admitd serve`, the command line or a test case
 * for the offline commands. AdmissionReview carries no namespace labels, so
 * they are looked up before judgement, as upstream Pod Security does.
 *
 * Fail closed: labels that could not be learned are UNKNOWN with the
 * reason, never an empty set that reads as "no labels". */
#ifndef ADMITD_NAMESPACE_H
#define ADMITD_NAMESPACE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <stdint.h>

#include "admitd/arena.h"
#include "admitd/config.h"
#include "admitd/selector.h"

/* Pod Security's namespace labels (upstream's api/constants.go). */
#define ADM_PSA_LABEL_PREFIX "pod-security.kubernetes.io/"

enum adm_ns_state {
  ADM_NS_UNREAD = 0, /* the policy reads no namespace labels: nothing was asked */
  ADM_NS_KNOWN,      /* labels holds the namespace's labels (maybe none) */
  ADM_NS_UNKNOWN,    /* asked, and not learned: error says why */
};

struct adm_ns_view {
  enum adm_ns_state state;
  struct adm_labels labels; /* KNOWN: *borrowed* from the request's arena */
  const char *error;        /* UNKNOWN: "namespace \"x\" not found", "API server unavailable: ..." */
};

/* Where the labels come from. lookup fills *out (strings in a) with KNOWN
 * or UNKNOWN, by deadline_ms (CLOCK_MONOTONIC ms). Safe to call from
 * several threads at once. */
struct adm_ns_source {
  void (*lookup)(void *ctx, const char *namespace, int64_t deadline_ms, struct adm_arena *a, struct adm_ns_view *out);
  /* Calls each with every pod of namespace (a Pod object, *borrowed* for
   * the call), at most max of them, by deadline_ms; a non-zero return from
   * each stops the listing. Returns 0 when every pod was seen, 1 when the
   * namespace has more than max, or a negative ADM_E* code with *error
   * (static or in a) saying why. Pods are never all held at once. NULL:
   * this source cannot list pods (a namespace update is then not checked
   * against them, and says so in a warning). */
  int (*list_pods)(void *ctx, const char *namespace, size_t max, int64_t deadline_ms, struct adm_arena *a,
                   int (*each)(void *arg, const json_t *pod), void *arg, const char **error);
  void *ctx;
};

/* Pod Security's levels in a namespace with these labels, over defaults,
 * exactly as upstream's PolicyToEvaluate reads them: each of
 * pod-security.kubernetes.io/{enforce,audit,warn}[-version] given replaces
 * the default; an invalid level is restricted for enforce and privileged
 * for audit and warn, an invalid version latest; warn follows an enforce
 * level set more restrictive than it. *errors: NULL, or upstream's text
 * for the invalid labels ("metadata.labels[...]: Invalid value: ..."),
 * in a. */
struct adm_mode_levels adm_ns_pod_security_levels(const struct adm_labels *labels, struct adm_mode_levels defaults,
                                                  struct adm_arena *a, const char **errors);

/* A source that knows one set of labels for every namespace (the command
 * line's --namespace-labels, a test case's namespaceLabels), adding
 * kubernetes.io/metadata.name=<namespace> as the API server does when the
 * set does not hold it. labels is *borrowed* for the source's life. */
struct adm_ns_fixed {
  struct adm_labels labels;
};
void adm_ns_source_fixed(struct adm_ns_fixed *fixed, struct adm_ns_source *out);

/* "k=v,k2=v2" into labels (strings in a); "" is no labels. ADM_EINVAL for
 * a pair without '=', an empty or repeated key, or a key or value that is
 * not a Kubernetes label key or value; ADM_ENOMEM. */
int adm_ns_labels_parse(const char *text, struct adm_arena *a, struct adm_labels *out, const char **why);

#endif
