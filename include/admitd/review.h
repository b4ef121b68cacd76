/* AdmissionReview (admission.k8s.io/v1 and v1beta1): decoding a request
 * body into a typed view, and encoding the decision as the response the API
 * server expects (same apiVersion and kind, response.uid = request.uid). */
#ifndef ADMITD_REVIEW_H
#define ADMITD_REVIEW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "admitd/arena.h"
#include "admitd/error.h"
#include "admitd/jsonw.h"

#define ADM_REVIEW_MAX_DEPTH_DEFAULT 100

struct adm_image_facts;

struct adm_review_request {
  json_t *root;            /* *new*: released by adm_review_request_release */
  bool in_arena;           /* the tree lives in the caller's arena */
  const char *api_version; /* "admission.k8s.io/v1" or ".../v1beta1" */
  const char *uid;
  const char *kind_group, *kind_version, *kind_kind;
  const char *resource_group, *resource_version, *resource_resource;
  const char *sub_resource; /* "" when absent */
  const char *name, *namespace, *operation, *username;
  const json_t *object, *old_object; /* NULL when absent or null */
  bool dry_run;
};

/* Decode body. Fails with a JSON path in err->where for: malformed JSON,
 * nesting deeper than max_depth, duplicate keys, a wrong apiVersion/kind,
 * a missing request or uid, or a field of the wrong type. With an arena,
 * the whole decoded tree is allocated from it (and borrowed from it: the
 * request must be released before the arena is, and nothing from the heap
 * may be attached to the tree, since releasing it frees nothing). NULL:
 * the heap. max_depth 0: the caller already checked (adm_review_prune). */
int adm_review_decode(const char *body, size_t len, int max_depth, struct adm_arena *arena,
                      struct adm_review_request *out, struct adm_error *err);
/* The same checks on an already decoded document; steals root (released on failure too). */
int adm_review_from_json(json_t *root, struct adm_review_request *out, struct adm_error *err);
void adm_review_request_release(struct adm_review_request *req);

/* Before decoding a body admitd owns: drop, in place, the values no
 * decision reads (metadata.managedFields, and request.object.status and
 * request.oldObject.status), replacing each with null, and check nesting.
 * *len shrinks; ADM_ETOODEEP past limit. Commonly a quarter of a pod
 * review, and jansson's cost is proportional to what it parses. A value is
 * dropped only if jansson (JSON_REJECT_DUPLICATES) would accept it, so a
 * pruned body decodes to the same answer as the body before pruning. */
int adm_review_prune(char *body, size_t *len, int limit);

/* 1 if a JSON text nests deeper than limit, else 0 (strings are skipped). */
int adm_json_depth_exceeds(const char *body, size_t len, int limit);

struct adm_annotation {
  const char *key, *value;
};

#define ADM_MAX_WARNINGS 8
#define ADM_MAX_ANNOTATIONS 12

/* One failed check in one mode: what `admitd check`, the log and the
 * metrics report per family. family is an enum adm_family_id, mode an
 * enum adm_mode (enforce, audit, warn: after workloads and dry-run made
 * theirs, dry-run aside). */
struct adm_outcome {
  int family, mode;
  const char *check;
  const char *message; /* a family's finding, or Pod Security's reason */
  const char *detail;  /* Pod Security's detail ("reason (detail)"), or NULL */
};

struct adm_decision {
  bool judged;             /* false: outside admitd's policy, allowed without evaluation */
  const char *skip_reason; /* why not judged, for the log */
  bool allowed;
  bool dry_run_denied;       /* dry-run turned a denial into an allow */
  int code;                  /* status code when denied: 403 for policy, 400 for bad objects */
  const char *status_reason; /* "Forbidden", "BadRequest" */
  const char *message;
  const char *warnings[ADM_MAX_WARNINGS];
  size_t n_warnings;
  struct adm_annotation annotations[ADM_MAX_ANNOTATIONS];
  size_t n_annotations;
  /* Failed check ids across modes, for logs and `admitd check --output json`. */
  const char *failed_checks[32];
  size_t n_failed_checks;
  /* Every failed check with its family and mode; *borrowed* from the arena. */
  struct adm_outcome *outcomes;
  size_t n_outcomes, cap_outcomes;
  /* What signature verification found for the pod's images (facts.h),
   * NULL when nothing was verified; *borrowed* from the arena. */
  const struct adm_image_facts *image_facts;
  /* The labels of the namespace the decision read (namespace.h), NULL when
   * it read none; *borrowed* from the arena. Recordings keep them, so a
   * replay judges in the same namespace. */
  const struct adm_labels *namespace_labels;
};

/* The response document, *borrowed* from a; NULL when a allocation failed
 * (a NULL string anywhere in d fails it too: never a partial answer). */
const char *adm_review_encode_into(const struct adm_review_request *req, const struct adm_decision *d,
                                   struct adm_arena *a, size_t *len);
/* The same, *new* (caller frees with free()). */
char *adm_review_encode(const struct adm_review_request *req, const struct adm_decision *d, size_t *len);

/* A metav1.Status body for protocol errors (400/405/413/415...), *new*. */
char *adm_status_body(int code, const char *reason, const char *message, size_t *len);

/* jansson allocates through admitd's functions (installed before main):
 * into the calling thread's current arena while adm_review_decode() parses
 * with one, from the heap otherwise. Each block is tagged, so freeing a
 * block is right whichever way it was made. */

/* json_dumps() into plain malloc memory: *new*, free() it. */
char *adm_json_dumps(const json_t *json, size_t flags);
/* Compact JSON text of json in a's memory (*borrowed*, not NUL-terminated),
 * its length in *len; NULL when it could not be written. */
char *adm_json_dump_arena(struct adm_arena *a, const json_t *json, size_t *len);

#endif
