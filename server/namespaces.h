/* The labels of a request's namespace for `admitd serve`, from the API
 * server (server/kube/): started the first time a policy reads namespace
 * labels (config.h, reads_namespace_labels), from --kubeconfig or the
 * in-cluster service account, and kept until exit. Process-wide: the
 * pipeline reads it through one namespace source (namespace.h), /readyz
 * through adm__namespaces_ready, metrics through adm__namespaces_stats. */
#ifndef ADMITD_SERVE_NAMESPACES_H
#define ADMITD_SERVE_NAMESPACES_H

#include <stdbool.h>

#include "admitd/error.h"
#include "admitd/kube.h"
#include "admitd/namespace.h"

/* Where the API server is: a kubeconfig file (and context, NULL: its
 * current one), or, when kubeconfig is NULL, the in-cluster settings. */
struct adm__namespaces_options {
  const char *kubeconfig, *context;
};

/* Start reading namespaces unless already started. 0, or an error naming
 * what is missing (no kubeconfig and not in a cluster, an unreadable or
 * refused kubeconfig, a missing service account token). */
int adm__namespaces_start(const struct adm__namespaces_options *o, struct adm_error *err);
/* Stop the watcher and free everything (at exit). */
void adm__namespaces_stop(void);
/* The source the pipeline asks; answers UNKNOWN until started. */
const struct adm_ns_source *adm__namespaces_source(void);
/* For /readyz: true when not started, or once the first list completed. */
bool adm__namespaces_ready(void);
/* Wait up to ms for the first list to complete; whether it did. */
bool adm__namespaces_wait_ready(long ms);
/* The watcher's counters; false when not started. */
bool adm__namespaces_stats(struct adm_kube_ns_stats *out);

/* The longest a live GET for a namespace the watcher has not seen may take
 * (less when the review's own deadline is nearer). */
#define ADM_NAMESPACE_GET_MS 1000

#endif
