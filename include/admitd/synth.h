/* The AdmissionReview the API server would send for an object: how the
 * offline commands (check, test) judge manifests through the same
 * pipeline as the server, byte for byte the same path. */
#ifndef ADMITD_SYNTH_H
#define ADMITD_SYNTH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "admitd/arena.h"

struct adm_synth {
  const char *uid;
  const char *group, *version, *kind;       /* request.kind */
  const char *resource_group, *resource;    /* request.resource (version as kind's) */
  const char *name, *namespace, *operation; /* operation defaults to CREATE */
  const char *username;
  const char *const *groups; /* userInfo.groups, n_groups of them */
  size_t n_groups;
  const json_t *object, *old_object; /* either may be NULL */
  bool dry_run;
};

/* The review as JSON text, *borrowed* from a; NULL when a fails. */
char *adm_synth_review(struct adm_arena *a, const struct adm_synth *s, size_t *len);

#endif
