/* The namespace source of `admitd serve` (namespaces.h): the watcher's
 * snapshot first; for a name it does not hold (a namespace made a moment
 * ago, or the first list not done yet), one live GET with a short
 * deadline, as upstream's webhook does; anything else is UNKNOWN with the
 * reason, which decide turns into upstream's refusal. Pods of a namespace
 * are parsed one at a time as they are listed. */
#include "namespaces.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admitd/log.h"
#include "admitd/verifier.h"

struct reader {
  struct adm_kube_config *cfg;
  struct adm_kube_ns_watcher *watcher;
};

/* Set once by the main thread, read by request threads. */
static _Atomic(struct reader *) current;

int adm__namespaces_start(const struct adm__namespaces_options *o, struct adm_error *err) {
  if (atomic_load(&current) != NULL)
    return 0;
  struct reader *r = calloc(1, sizeof *r);
  if (r == NULL)
    return adm_fail(err, ADM_ENOMEM, "namespaces", "out of memory");
  int rc;
  if (o->kubeconfig) {
    rc = adm_kube_config_from_kubeconfig(o->kubeconfig, o->context, &r->cfg, err);
  } else if (getenv("KUBERNETES_SERVICE_HOST") == NULL) {
    rc = adm_fail(err, ADM_EMISSING, "namespaces",
                  "the policy reads namespace labels, but admitd has no API server to read them from: give "
                  "--kubeconfig, or run it in a cluster with the namespace-labels deploy component");
  } else {
    rc = adm_kube_config_in_cluster(NULL, &r->cfg, err);
  }
  if (rc == 0)
    rc = adm_kube_ns_start(r->cfg, NULL, &r->watcher, err);
  if (rc < 0) {
    adm_kube_config_free(r->cfg);
    free(r);
    return rc;
  }
  adm_log(ADM_LOG_INFO, "reading namespaces from %s", adm_kube_config_server(r->cfg));
  atomic_store(&current, r);
  return 0;
}

void adm__namespaces_stop(void) {
  struct reader *r = atomic_exchange(&current, NULL);
  if (r == NULL)
    return;
  adm_kube_ns_stop(r->watcher);
  adm_kube_config_free(r->cfg);
  free(r);
}

bool adm__namespaces_ready(void) {
  struct reader *r = atomic_load(&current);
  return r == NULL || adm_kube_ns_synced(r->watcher);
}

bool adm__namespaces_wait_ready(long ms) {
  int64_t until = adm_verifier_now_ms() + ms;
  while (!adm__namespaces_ready() && adm_verifier_now_ms() < until) {
    struct timespec t = {0, 20 * 1000 * 1000};
    nanosleep(&t, NULL);
  }
  return adm__namespaces_ready();
}

bool adm__namespaces_stats(struct adm_kube_ns_stats *out) {
  struct reader *r = atomic_load(&current);
  if (r == NULL)
    return false;
  adm_kube_ns_stats(r->watcher, out);
  return true;
}

/* UNKNOWN, because "namespace \"<name>\" <why>". */
static void unknown(struct adm_ns_view *out, struct adm_arena *a, const char *name, const char *why) {
  out->state = ADM_NS_UNKNOWN;
  out->error = adm_arena_printf(a, "namespace \"%s\" %s", name, why);
  if (out->error == NULL)
    out->error = "out of memory";
}

static void lookup(void *ctx, const char *name, int64_t deadline_ms, struct adm_arena *a, struct adm_ns_view *out) {
  (void)ctx;
  *out = (struct adm_ns_view){ADM_NS_UNKNOWN, {NULL, NULL, 0}, "namespaces are not read from an API server"};
  struct reader *r = atomic_load(&current);
  if (r == NULL)
    return;
  enum adm_kube_ns_result res = adm_kube_ns_lookup(r->watcher, name, a, &out->labels);
  if (res == ADM_KUBE_NS_FOUND) {
    out->state = ADM_NS_KNOWN;
    out->error = NULL;
    return;
  }
  if (res != ADM_KUBE_NS_ABSENT && res != ADM_KUBE_NS_NOT_SYNCED) {
    unknown(out, a, name, adm_kube_ns_result_name(res));
    return;
  }
  /* Not in the snapshot (yet): ask for it once, briefly. */
  int64_t limit = adm_verifier_now_ms() + ADM_NAMESPACE_GET_MS;
  if (deadline_ms > 0 && deadline_ms < limit)
    limit = deadline_ms;
  char why[256] = "";
  res = adm_kube_ns_get(r->watcher, name, limit, a, &out->labels, why, sizeof why);
  if (res == ADM_KUBE_NS_FOUND) {
    out->state = ADM_NS_KNOWN;
    out->error = NULL;
  } else if (res == ADM_KUBE_NS_ABSENT) {
    unknown(out, a, name, "not found");
  } else {
    unknown(out, a, name, why[0] ? why : adm_kube_ns_result_name(res));
  }
}

struct pod_walk {
  int (*each)(void *arg, const json_t *pod);
  void *arg;
  bool stopped;
};

/* The listing passes a non-zero return through as its own result, where 1
 * means "more pods than asked for": a stop is kept here instead. */
static int one_pod(void *ctx, const json_t *pod) {
  struct pod_walk *w = ctx;
  w->stopped = w->each(w->arg, pod) != 0;
  return w->stopped ? -1 : 0;
}

static int list_pods(void *ctx, const char *namespace, size_t max, int64_t deadline_ms, struct adm_arena *a,
                     int (*each)(void *arg, const json_t *pod), void *arg, const char **error) {
  (void)ctx;
  struct reader *r = atomic_load(&current);
  if (r == NULL) {
    *error = "namespaces are not read from an API server";
    return ADM_EUNSUPPORTED;
  }
  struct pod_walk w = {each, arg, false};
  struct adm_error err = {0};
  int rc = adm_kube_list_pods(r->cfg, namespace, max, deadline_ms, one_pod, &w, &err);
  if (w.stopped) /* judged up to the deadline: the judge knows */
    return 0;
  if (rc == 0 || rc == 1)
    return rc;
  char msg[512];
  adm_error_format(&err, msg, sizeof msg);
  *error = adm_arena_strdup(a, msg);
  if (*error == NULL)
    *error = "out of memory";
  return rc < 0 ? rc : ADM_EIO;
}

static const struct adm_ns_source source = {lookup, list_pods, NULL};

const struct adm_ns_source *adm__namespaces_source(void) {
  return &source;
}
