/* Reading namespaces from the Kubernetes API server: where the API server
 * is and how to authenticate to it (a kubeconfig file or the in-cluster
 * service account), a watcher that keeps every namespace's labels in
 * memory, a live GET for a namespace the watcher has not seen, and a
 * bounded listing of a namespace's pods. server/kube/ is the only folder
 * besides server/registry/ whose files include libcurl (GnuTLS flavour).
 *
 * Fail closed and bounded: every size has a limit, and a limit reached
 * makes an answer unknown (ADM_KUBE_NS_UNKNOWN, ADM_ETOOBIG), never
 * quietly shorter. TLS is always verified; insecure-skip-tls-verify is
 * refused, since namespace labels decide security levels and a server that
 * is not authenticated could lower them. */
#ifndef ADMITD_KUBE_H
#define ADMITD_KUBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "admitd/arena.h"
#include "admitd/error.h"
#include "admitd/selector.h"

/* ---- where the API server is ------------------------------------------- */

struct adm_kube_config;

/* *new*: the API server of one context of a kubeconfig file (context NULL
 * or "": current-context). Reads the cluster's server (https only),
 * certificate-authority or certificate-authority-data, and the user's
 * token or tokenFile and client-certificate(-data) / client-key(-data).
 * Relative paths are relative to the kubeconfig's folder. The *-data
 * values are decoded and written to a private folder (0700, files 0600)
 * under $TMPDIR (or /tmp), which adm_kube_config_free removes. Refused,
 * with err naming the file, line and key: exec and auth-provider plugins,
 * username/password, impersonation (as, as-groups, as-uid), proxy-url,
 * tls-server-name, insecure-skip-tls-verify: true, token together with
 * tokenFile, and every missing or malformed value. ADM_EIO, ADM_EPARSE,
 * ADM_EMISSING, ADM_ETYPE, ADM_EINVAL, ADM_EUNSUPPORTED, ADM_EDUPLICATE,
 * ADM_ETOOBIG, ADM_ENOMEM. */
int adm_kube_config_from_kubeconfig(const char *path, const char *context, struct adm_kube_config **out,
                                    struct adm_error *err);

/* In-cluster settings; each NULL field takes its default. Tests point them
 * at files of their own. */
struct adm_kube_in_cluster {
  const char *host;       /* NULL: $KUBERNETES_SERVICE_HOST (an IPv6 address is bracketed) */
  const char *port;       /* NULL: $KUBERNETES_SERVICE_PORT */
  const char *token_file; /* NULL: /var/run/secrets/kubernetes.io/serviceaccount/token */
  const char *ca_file;    /* NULL: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt */
};
/* *new*: https://host:port with the service account's token file (read
 * now, so a missing one fails here) and CA. ic NULL: every default. */
int adm_kube_config_in_cluster(const struct adm_kube_in_cluster *ic, struct adm_kube_config **out,
                               struct adm_error *err);
void adm_kube_config_free(struct adm_kube_config *c);
/* "https://host:port", *borrowed* from c. */
const char *adm_kube_config_server(const struct adm_kube_config *c);

/* A token file (either source) is read again before a request when its
 * inode, size or mtime changed, at least once a minute, and at once after
 * a 401, which is then retried once. Everything here may use one config
 * from several threads at once; it must outlive them. */

/* ---- the namespace watcher --------------------------------------------- */

/* Every bound of the watcher. JSON values are counted before a parse: an
 * event or a GET may hold 2 * max_labels + 1024, a list page page_size
 * times that. */
struct adm_kube_ns_options {
  size_t max_namespaces;   /* 0: 100000; more is an error state, see adm_kube_ns_lookup */
  size_t max_labels;       /* per namespace; 0: 256 */
  size_t max_label_bytes;  /* key + value of one label; 0: 512 (Kubernetes allows 317 + 63) */
  size_t max_event_bytes;  /* one watch event, one GET; 0: 1 MiB */
  size_t max_page_bytes;   /* one list page; 0: 16 MiB */
  size_t page_size;        /* limit= of a list page; 0: 100 */
  long watch_timeout_s;    /* timeoutSeconds= of a watch; 0: 300 to 600, chosen at random per watch */
  long read_timeout_ms;    /* a watch that receives nothing this long is dropped; 0: timeout + 30 s */
  long connect_timeout_ms; /* 0: 5000 */
  long request_timeout_ms; /* one list page; 0: 30000 */
  long backoff_initial_ms; /* first wait after a failure; 0: 500 */
  long backoff_max_ms;     /* cap of the doubling wait (each wait is jittered to half..all); 0: 30000 */
};

/* Counters for metrics. */
struct adm_kube_ns_stats {
  bool synced;               /* the first complete list has been published */
  bool limit_reached;        /* a bound was reached: see last_error; lookups may say UNKNOWN */
  uint64_t namespaces;       /* in the published map */
  uint64_t lists;            /* complete lists published (the first included) */
  uint64_t relists;          /* lists after the first: 410 Gone, a limit, an unparsable event */
  uint64_t watches;          /* watch requests started */
  uint64_t reconnects;       /* watches that ended abnormally: dropped, stalled, refused, HTTP error */
  uint64_t events;           /* watch events applied (ADDED, MODIFIED, DELETED, BOOKMARK) */
  uint64_t errors;           /* failed requests, ERROR events, unusable answers, bounds reached */
  uint64_t gets;             /* live GETs (adm_kube_ns_get) */
  uint64_t get_errors;       /* live GETs that failed */
  int64_t last_sync_unix_ms; /* wall clock of the last complete list; 0: none yet */
  char last_error[256];      /* the latest error, "" when none */
};

struct adm_kube_ns_watcher;

/* *new* (free with adm_kube_ns_stop): starts one thread that lists the
 * namespaces page by page and then watches them from the list's
 * resourceVersion. Bookmarks only move the resourceVersion on; a 410 Gone
 * (as an HTTP status or as an ERROR event) relists; a dropped stream, one
 * silent for read_timeout_ms, or a failed request reconnects after a
 * capped, jittered exponential backoff; a 401 re-reads the token. cfg is
 * *borrowed* until adm_kube_ns_stop. Fails only for bad options, threads
 * or memory. */
int adm_kube_ns_start(struct adm_kube_config *cfg, const struct adm_kube_ns_options *o,
                      struct adm_kube_ns_watcher **out, struct adm_error *err);
/* Stops the thread (an ongoing request is abandoned within about a second),
 * joins it and frees w. NULL: nothing. */
void adm_kube_ns_stop(struct adm_kube_ns_watcher *w);

/* Once the first complete list has been published, and for good (for
 * /readyz). Wait-free. */
bool adm_kube_ns_synced(const struct adm_kube_ns_watcher *w);

enum adm_kube_ns_result {
  ADM_KUBE_NS_FOUND,      /* *out holds the namespace's labels */
  ADM_KUBE_NS_ABSENT,     /* no such namespace (in the map; or the API server said 404) */
  ADM_KUBE_NS_NOT_SYNCED, /* the first list has not completed */
  ADM_KUBE_NS_UNKNOWN,    /* a bound was reached or the map is stale: the labels cannot be told */
  ADM_KUBE_NS_FAILED,     /* the arena is out of memory, or the live GET failed */
};
/* "found", "absent", "not synced", "unknown", "failed". */
const char *adm_kube_ns_result_name(enum adm_kube_ns_result r);

/* The labels of namespace name in the published map, copied into a
 * (*borrowed* until the arena ends). Takes no lock: a reader announces
 * itself in one of two counters, and a replaced map is freed only after
 * both have drained once (nswatch.c). Namespaces whose labels passed a
 * bound, and absent names while the map is incomplete, are UNKNOWN. */
enum adm_kube_ns_result adm_kube_ns_lookup(struct adm_kube_ns_watcher *w, const char *name, struct adm_arena *a,
                                           struct adm_labels *out);

/* GET /api/v1/namespaces/<name> now, bounded by deadline_ms (an absolute
 * time on adm_verifier_now_ms's clock), for a name the map does not hold.
 * FOUND and ABSENT as above; FAILED with why filled (deadline, transport,
 * status, limits, arena). A found namespace is added to the map unless the
 * watch changed the map while the GET was under way (it then knows
 * better). Any thread. */
enum adm_kube_ns_result adm_kube_ns_get(struct adm_kube_ns_watcher *w, const char *name, int64_t deadline_ms,
                                        struct adm_arena *a, struct adm_labels *out, char *why, size_t whylen);

/* A consistent copy of the counters (takes a short lock; not for the
 * request path). */
void adm_kube_ns_stats(struct adm_kube_ns_watcher *w, struct adm_kube_ns_stats *out);

/* ---- pods of a namespace ----------------------------------------------- */

/* Called once per pod with the Pod object of the list (*borrowed* for the
 * call). A non-zero return stops the listing and is returned as it is
 * (make it negative, or over 1, to tell it from "more than max_pods"). */
typedef int (*adm_kube_pod_fn)(void *ctx, const json_t *pod);

/* GET /api/v1/namespaces/<namespace>/pods page by page (limit and continue,
 * at most 100 pods a page, so pods are never all held at once) and call fn
 * for each pod, at most max_pods times, all before deadline_ms
 * (adm_verifier_now_ms's clock). 0: every pod was seen. 1: the namespace
 * has more than max_pods pods (fn saw max_pods of them). ADM_ETOOBIG: a
 * page over its byte or value bounds. ADM_EIO: deadline, transport or HTTP
 * error (fn may have seen some pods). ADM_EMISSING: a pod without a name.
 * ADM_EINVAL: not a namespace name. ADM_ENOMEM. err says which. */
int adm_kube_list_pods(struct adm_kube_config *cfg, const char *namespace, size_t max_pods, int64_t deadline_ms,
                       adm_kube_pod_fn fn, void *ctx, struct adm_error *err);

#endif
