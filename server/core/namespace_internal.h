/* What decide.c asks of namespace.c about a Namespace request itself, as
 * upstream's ValidateNamespace does it. Not a public contract. */
#ifndef ADMITD_NAMESPACE_INTERNAL_H
#define ADMITD_NAMESPACE_INTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "admitd/config.h"
#include "admitd/namespace.h"

/* obj's metadata.labels into *out (strings borrowed from obj); no labels
 * is an empty set. 0, ADM_ETYPE when metadata or labels is not a mapping
 * or a value is not a string (a Namespace upstream could not decode), or
 * ADM_ENOMEM. */
int adm__ns_object_labels(const json_t *obj, struct adm_arena *a, struct adm_labels *out);

/* Upstream's warning for an exempt namespace whose labels set a policy
 * that is neither fully privileged nor equivalent to the defaults
 * ("namespace \"x\" is exempt from Pod Security, and the policy
 * (enforce=restricted:latest) will be ignored"), or NULL. */
const char *adm__ns_exempt_warning(const char *name, const struct adm_mode_levels *p,
                                   const struct adm_mode_levels *defaults, const struct adm_labels *labels,
                                   struct adm_arena *a);

/* Pods judged one at a time at a namespace's new enforce level (upstream's
 * EvaluatePodsInNamespace, streamed): only each distinct set of reasons is
 * kept, with the lexically first pod name and a count. */
struct adm__ns_pods {
  const struct adm_config *cfg;
  struct adm_level_version enforce;
  int64_t deadline_ms;
  struct adm_arena *a;
  struct adm__pod_warning *found;
  size_t n_found, cap_found;
  size_t checked;   /* pods judged (runtime-class exempt ones are not) */
  bool out_of_time; /* stopped at the deadline */
};
void adm__ns_pods_init(struct adm__ns_pods *p, const struct adm_config *cfg, struct adm_level_version enforce,
                       int64_t deadline_ms, struct adm_arena *a);
/* 0: go on; 1: the deadline has passed, stop. */
int adm__ns_pods_add(struct adm__ns_pods *p, const json_t *pod);
/* The warnings into out[0..max_out), in upstream's order: how many were
 * checked when not all were (more: the listing was cut), then the summary
 * line, then one line per distinct set of reasons, sorted. Returns how
 * many. */
size_t adm__ns_pods_warnings(const struct adm__ns_pods *p, const char *namespace, bool more, const char **out,
                             size_t max_out);

#endif
