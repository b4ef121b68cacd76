/* From a decoded Kubernetes object (jansson) to the typed pod view of
 * pod.h: a Pod itself, or the pod template of a workload. Types are checked
 * as the API server's decoder would: a wrong type is an error that names the
 * JSON path, never a guess. The pod view's strings are *borrowed* from the
 * JSON tree; its arrays come from the arena. */
#ifndef ADMITD_EXTRACT_H
#define ADMITD_EXTRACT_H

#include <jansson.h>
#include <stdbool.h>

#include "admitd/arena.h"
#include "admitd/error.h"
#include "admitd/pod.h"

/* A resource admitd judges: Pods themselves, or workloads carrying a pod template. */
struct adm_pod_resource {
  const char *group;    /* "" for core */
  const char *resource; /* plural, as in AdmissionReview.request.resource */
  const char *kind;
  const char *const *template_path; /* NULL-terminated keys to the template; NULL for Pod */
  const char *const *api_versions;  /* NULL-terminated apiVersions a manifest of this kind may carry */
};

/* NULL when the group/resource carries no pod spec. */
const struct adm_pod_resource *adm_pod_resource_find(const char *group, const char *resource);
/* Likewise by kind alone, whatever the group (tests and fuzzers). */
const struct adm_pod_resource *adm_pod_resource_by_kind(const char *kind);
/* For a manifest: by apiVersion and kind, so apps.kruise.io's StatefulSet is
 * not taken for apps' (NULL: not a built-in workload). Legacy apiVersions
 * (extensions/v1beta1, apps/v1beta1 and v1beta2, batch/v1beta1 and v2alpha1)
 * give the canonical resource. */
const struct adm_pod_resource *adm_pod_resource_for_object(const char *api_version, const char *kind);

#define ADM_MAX_CONTAINERS 1024
#define ADM_MAX_VOLUMES 1024

/* Fill pod from a Pod object (metadata + spec). */
int adm_extract_pod(const json_t *obj, struct adm_arena *a, struct adm_pod *pod, struct adm_error *err);

/* Fill pod from the template of a workload object. *found is false (and 0
 * returned) when the workload has no template at all. */
int adm_extract_template(const json_t *obj, const struct adm_pod_resource *res, struct adm_arena *a,
                         struct adm_pod *pod, bool *found, struct adm_error *err);

#endif
