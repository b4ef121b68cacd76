/* What the files of server/kube/ share and nothing else includes: the
 * config's layout and its token cache, one HTTP exchange with the API
 * server, and the parsers of the API's JSON documents. Private to
 * server/kube/; the contract for everyone else is include/admitd/kube.h. */
#ifndef ADMITD_KUBE_INTERNAL_H
#define ADMITD_KUBE_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admitd/error.h"
#include "admitd/file.h"
#include "admitd/kube.h"

enum {
  ADM__KUBE_TOKEN_MAX = 16384,       /* a service account token is about 1 KiB */
  ADM__KUBE_TOKEN_REREAD_MS = 60000, /* a token file is read again at least this often */
  ADM__KUBE_URL_MAX = 4096,
  ADM__KUBE_ERROR_BODY_MAX = 4096, /* of a non-2xx answer: enough for its Status message */
};

struct adm_kube_config {
  char *server;                         /* "https://host:port", no trailing slash */
  char *ca_file, *cert_file, *key_file; /* NULL: none (system CAs; no client certificate) */
  char *token;                          /* a fixed token, or NULL */
  char *token_file;                     /* read and re-read (rotation), or NULL */
  char *tmpdir;                         /* the folder the *-data values were written to, removed on free; or NULL */

  pthread_mutex_t lock; /* the token cache below */
  char *cached;         /* the token file's content, trimmed */
  struct adm_file_stamp cached_stamp;
  int64_t cached_at_ms;
};

/* "Authorization: Bearer ..." (*new*) into *out, or NULL when c has no
 * token. force: read the token file again whatever its stamp (after a
 * 401). ADM_EIO / ADM_EINVAL (empty) / ADM_ETOOBIG / ADM_ENOMEM. */
int adm__kube_auth_header(struct adm_kube_config *c, bool force, char **out, struct adm_error *err);

/* ---- one HTTP exchange (kube_http.c) ---------------------------------- */

enum adm__kube_outcome {
  ADM__KUBE_DONE,      /* an answer came: see status */
  ADM__KUBE_DEADLINE,  /* the call's deadline passed */
  ADM__KUBE_STALLED,   /* no byte for read_timeout_ms */
  ADM__KUBE_STOPPED,   /* *stop was set */
  ADM__KUBE_TOO_LARGE, /* the body (or a streamed line) passed its cap */
  ADM__KUBE_ABORTED,   /* the stream callback refused the data */
  ADM__KUBE_NOMEM,
  ADM__KUBE_TRANSPORT, /* refused, reset, TLS, a cut stream */
};

/* Receives a streamed body (a watch): return false to abort the exchange. */
typedef bool (*adm__kube_stream_fn)(void *ctx, const char *data, size_t n);

struct adm__kube_exchange {
  /* In. */
  const char *path_query; /* "/api/v1/namespaces?limit=500" */
  int64_t deadline_ms;    /* adm_verifier_now_ms clock */
  long connect_timeout_ms;
  long read_timeout_ms;       /* 0: none */
  size_t cap;                 /* body cap when buffered */
  adm__kube_stream_fn stream; /* NULL: buffer the body */
  void *stream_ctx;
  const atomic_bool *stop; /* NULL: none */
  /* Out. */
  long status;
  char *body; /* *new*, NUL-terminated, when buffered (an error answer's first bytes too) */
  size_t len, alloc;
  bool too_large, header_too_long;
  int64_t last_byte_ms;
  char detail[256]; /* what went wrong, for errors */
};

/* One GET with the config's TLS settings and token; a 401 re-reads the
 * token and is tried once more. x->body is freed by adm__kube_exchange_done. */
enum adm__kube_outcome adm__kube_get(struct adm_kube_config *c, struct adm__kube_exchange *x);
void adm__kube_exchange_done(struct adm__kube_exchange *x);
/* A text for an outcome that is not DONE, or for a DONE with an unexpected
 * status (naming the Status message when the body holds one). */
void adm__kube_describe(const struct adm__kube_exchange *x, enum adm__kube_outcome o, const char *what, char *out,
                        size_t outlen);
/* Whether name is a namespace name (an RFC 1123 label): safe in a path. */
bool adm__kube_valid_name(const char *name);

/* ---- the API's JSON (kube_json.c) ------------------------------------- */

struct adm__kube_limits {
  size_t max_labels, max_label_bytes, max_values;
};

/* One namespace, immutable once made: one allocation holding its name and
 * labels. over_limit: its labels passed a bound and are not kept. refs is
 * touched by the watcher's writers only, under their lock. */
struct adm__kube_ns {
  unsigned long refs;
  bool over_limit;
  const char *name;
  struct adm_labels labels;
};

/* *new* (refs 1; adm__kube_ns_unref) from a Namespace object. ADM_EMISSING /
 * ADM_ETYPE (err at its JSON path) / ADM_ENOMEM. */
int adm__kube_ns_from_json(const json_t *obj, const struct adm__kube_limits *lim, struct adm__kube_ns **out,
                           struct adm_error *err);
void adm__kube_ns_unref(struct adm__kube_ns *ns);

/* text parsed as one JSON object, after its values were counted against
 * max_values (ADM_ETOOBIG) so no large tree is built for nothing.
 * *new* json or NULL with err filled (ADM_EPARSE, ADM_ETYPE, ADM_ETOOBIG). */
json_t *adm__kube_json_load(const char *text, size_t len, size_t max_values, struct adm_error *err);
/* metadata.<key> of an object as a string, or NULL. *borrowed*. */
const char *adm__kube_meta_string(const json_t *obj, const char *key);

enum adm__kube_event_type {
  ADM__KUBE_ADDED,
  ADM__KUBE_MODIFIED,
  ADM__KUBE_DELETED,
  ADM__KUBE_BOOKMARK,
  ADM__KUBE_ERROR
};
struct adm__kube_event {
  enum adm__kube_event_type type;
  const json_t *object; /* *borrowed* from the parsed line */
  const char *rv;       /* object.metadata.resourceVersion, or NULL (ERROR) */
  long code;            /* ERROR: the Status code (410: Gone), 0 when absent */
  const char *message;  /* ERROR: the Status message, or "" */
};
/* One watch event from its parsed line. ADM_EMISSING / ADM_ETYPE /
 * ADM_EINVAL (an unknown type). */
int adm__kube_event_from_json(const json_t *root, struct adm__kube_event *ev, struct adm_error *err);

/* A list page: items (an array), metadata.resourceVersion and
 * metadata.continue ("" when the last). *borrowed* from root. */
struct adm__kube_page {
  const json_t *items;
  const char *rv;
  const char *cont;
};
int adm__kube_page_from_json(const json_t *root, struct adm__kube_page *page, struct adm_error *err);

/* One page of a list: GET path?limit=N[&continue=C]. */
struct adm__kube_page_request {
  const char *path; /* "/api/v1/namespaces" */
  size_t limit;
  const char *cont; /* NULL or "": the first page */
  int64_t deadline_ms;
  long connect_timeout_ms;
  size_t cap, max_values; /* bytes of the page, JSON values in it */
  const atomic_bool *stop;
};
/* 0 with *root (*new*) and page (*borrowed* from it); ADM_EIO for an
 * answer that is not 200 (*status says which: 410 means the continue token
 * expired) or that never came; ADM_ETOOBIG, ADM_EPARSE, ADM_ETYPE,
 * ADM_EMISSING, ADM_ENOMEM; err says which. */
int adm__kube_get_page(struct adm_kube_config *c, const struct adm__kube_page_request *r, json_t **root,
                       struct adm__kube_page *page, long *status, struct adm_error *err);

#endif
