/* Listing the pods of one namespace, bounded in count, bytes and time:
 * what a namespace update needs to warn about the pods that would violate
 * its new labels. Pages of at most 100 pods (never more than are still
 * wanted), all under one deadline; each pod goes to the caller as the
 * list's own object, and only one page is held at a time. */
#include <stdlib.h>
#include <string.h>

#include "admitd/verifier.h"
#include "kube_internal.h"

/* A page is parsed whole, on the path of a Namespace update and outside
 * the memory budget, and a parsed JSON value costs about 300 bytes: the
 * page's values, not its bytes, bound that memory (50 x 2048 values, about
 * 30 MB at worst). Real pods have a few hundred values; a page past either
 * bound fails the listing, which only costs the update its warnings. */
enum {
  POD_PAGE = 50,
  POD_BYTES = 256u << 10, /* one pod on average; the API server stores objects of up to 1.5 MiB */
  POD_VALUES = 2048,      /* JSON values of one pod on average */
};

int adm_kube_list_pods(struct adm_kube_config *cfg, const char *namespace, size_t max_pods, int64_t deadline_ms,
                       adm_kube_pod_fn fn, void *ctx, struct adm_error *err) {
  if (!adm__kube_valid_name(namespace))
    return adm_fail(err, ADM_EINVAL, "namespace", "not a namespace name");
  char path[128], cont[ADM__KUBE_URL_MAX / 2] = "";
  snprintf(path, sizeof path, "/api/v1/namespaces/%s/pods", namespace);
  size_t seen = 0;
  for (;;) {
    /* One more than wanted tells whether there are more than max_pods. */
    size_t want = max_pods - seen + 1;
    struct adm__kube_page_request r = {.path = path,
                                       .limit = want < POD_PAGE ? want : POD_PAGE,
                                       .cont = cont,
                                       .deadline_ms = deadline_ms,
                                       .cap = (size_t)POD_PAGE * POD_BYTES,
                                       .max_values = (size_t)POD_PAGE * POD_VALUES};
    json_t *root;
    struct adm__kube_page page;
    long status;
    int rc = adm__kube_get_page(cfg, &r, &root, &page, &status, err);
    if (rc < 0)
      return rc;
    size_t n = json_array_size(page.items);
    for (size_t i = 0; i < n && rc == 0; i++) {
      json_t *pod = json_array_get(page.items, i);
      const char *name = adm__kube_meta_string(pod, "name");
      if (!json_is_object(pod) || name == NULL) {
        rc = adm_fail(err, ADM_EMISSING, "items[].metadata.name", "a pod without a name");
        break;
      }
      if (seen == max_pods) {
        adm_fail(err, ADM_ETOOBIG, path, "more than %zu pods", max_pods);
        rc = 1;
        break;
      }
      seen++;
      rc = fn(ctx, pod);
    }
    bool more = page.cont[0] != '\0';
    if (rc == 0 && more && strlen(page.cont) >= sizeof cont)
      rc = adm_fail(err, ADM_ETOOBIG, path, "continue token too long");
    if (rc == 0 && more)
      memcpy(cont, page.cont, strlen(page.cont) + 1);
    json_decref(root);
    if (rc != 0 || !more)
      return rc;
    if (adm_verifier_now_ms() >= deadline_ms)
      return adm_fail(err, ADM_EIO, path, "deadline passed after %zu pods", seen);
  }
}
