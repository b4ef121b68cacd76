/* What decide.c asks of namespace.c about a Namespace request itself, as
 * upstream's ValidateNamespace does it. Not a public contract. */
#ifndef ADMITD_NAMESPACE_INTERNAL_H
#define ADMITD_NAMESPACE_INTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "admitd/config.h"
#include "admitd/namespace.h"

/* obj's metadata.labels into *out (strings borrowed from obj): out, or
 * NULL when a is short of memory. No labels: an empty set. */
const struct adm_labels *adm__ns_object_labels(const json_t *obj, struct adm_arena *a, struct adm_labels *out);

/* Upstream's warning for an exempt namespace whose labels set a policy
 * that is neither fully privileged nor equivalent to the defaults
 * ("namespace \"x\" is exempt from Pod Security, and the policy
 * (enforce=restricted:latest) will be ignored"), or NULL. */
const char *adm__ns_exempt_warning(const char *name, const struct adm_mode_levels *p,
                                   const struct adm_mode_levels *defaults, const struct adm_labels *labels,
                                   struct adm_arena *a);

/* The warnings upstream's EvaluatePodsInNamespace gives for pods judged at
 * enforce, into out[0..max_out), in its order: how many, then the summary
 * line, then one line per distinct set of reasons, sorted. Returns how
 * many. */
size_t adm__ns_pods_warnings(const struct adm_config *cfg, const char *namespace, struct adm_level_version enforce,
                             const json_t *pods, size_t total, int64_t deadline_ms, struct adm_arena *a,
                             const char **out, size_t max_out);

#endif
