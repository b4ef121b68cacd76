/* What the CLI commands (check, test, replay) share: how a manifest object
 * or a recorded AdmissionReview goes through adm_pipeline_run exactly as the
 * server runs it, and how a folder argument becomes a sorted list of files.
 * Knows no command's flags or output. */
#ifndef ADMITD_CLI_JUDGE_H
#define ADMITD_CLI_JUDGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "admitd/arena.h"
#include "admitd/config.h"
#include "admitd/pipeline.h"

/* The parts of the request the API server adds around an object. */
struct adm__envelope {
  const char *uid;
  const char *namespace; /* "" or NULL: the object's metadata.namespace, else "default" */
  const char *user;
  const char *operation; /* NULL: CREATE */
  const char *const *groups;
  size_t n_groups;
  const json_t *old_object; /* for UPDATE; may be NULL */
  bool dry_run;
  const struct adm_labels *namespace_labels; /* NULL: the namespace has none (but its name) */
};

/* Judge obj as the review the API server would send for it. Any kind is
 * wrapped (a kind admitd does not judge gets a request it allows without
 * evaluation), so what is skipped is decided by the pipeline, not here.
 * res->decided says whether there is a decision; strings borrow from a. */
void adm__judge_object(const struct adm_config *cfg, const json_t *obj, const struct adm__envelope *env,
                       struct adm_arena *a, struct adm_pipeline_result *res);

/* Judge a recorded AdmissionReview given as a tree, in a namespace with
 * namespace_labels (NULL: none but its name). */
void adm__judge_review(const struct adm_config *cfg, const json_t *review, const struct adm_labels *namespace_labels,
                       struct adm_arena *a, struct adm_pipeline_result *res);

/* path itself when it is not a folder; else every regular file below it
 * (recursively, hidden entries skipped) whose name ends with one of the
 * NULL-terminated suffixes, sorted. Links are followed, but each folder is
 * read once (by device and inode): a link to a folder already read is not
 * followed and is listed in skipped for the command to report. *out is
 * *new*: adm__paths_free. -1 with errno when the folder cannot be read. */
struct adm__paths {
  char **items;
  size_t n, cap;
  char **skipped; /* links to a folder already read: not followed, by design */
  size_t n_skipped, cap_skipped;
  /* "PATH: why" for each entry below a folder that would have been read
   * but could not be (too deep, a path too long, a dangling link, not a
   * regular file, a folder that does not open): an input error. */
  char **unread;
  size_t n_unread, cap_unread;
};
int adm__collect_files(const char *path, const char *const *suffixes, struct adm__paths *out);
void adm__paths_free(struct adm__paths *p);

/* A recording's namespaceLabels ({key: value}) into *out, strings
 * borrowed from obj: out, or NULL when obj is not a mapping (a record made
 * by a policy that read no labels). Values that are not strings are left
 * out. NULL too when a is short of memory. */
const struct adm_labels *adm__labels_from_json(const json_t *obj, struct adm_arena *a, struct adm_labels *out);

/* The text of obj[a][b] when it is a string, else "". */
const char *adm__str_field(const json_t *obj, const char *a, const char *b);

/* The directory part of path ("." when there is none), into buf. */
void adm__dirname(const char *path, char *buf, size_t len);
/* base joined with rel unless rel is absolute, into buf; -1 when it does not fit. */
int adm__join_path(const char *base_dir, const char *rel, char *buf, size_t len);

#endif
