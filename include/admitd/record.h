/* Recording judged requests (`admitd serve --record FILE`): one JSON line
 * per decided request, {"time", "request": the AdmissionReview, "decision"},
 * for `admitd replay` and `admitd replay --emit-tests`.
 *
 * Request threads never wait on the disk: adm_record() copies the body and
 * the decision into a bounded queue and returns; a writer thread redacts,
 * formats and appends. A full queue drops the record and counts it; so
 * does a record the whole memory budget could never redact (and logs it).
 * The file
 * is bounded (rotated to FILE.1 past max_bytes); a file that cannot be
 * opened or written (disk full) is logged once per outage, counted, and
 * never stops the server. What can carry a secret is redacted
 * (adm_record_redact). */
#ifndef ADMITD_RECORD_H
#define ADMITD_RECORD_H

#include <jansson.h>
#include <stddef.h>

#include "admitd/error.h"
#include "admitd/pipeline.h"

struct adm_recorder_options {
  const char *path;
  unsigned long long max_bytes; /* rotate FILE to FILE.1 past this; on disk at most twice this */
  size_t queue_records;         /* records waiting for the writer, at most */
  size_t queue_bytes;           /* bytes waiting for the writer, at most */
};

#define ADM_RECORD_MAX_BYTES_DEFAULT (64ull << 20)

void adm_recorder_options_default(struct adm_recorder_options *o);

struct adm_recorder;

struct adm_recorder_stats {
  unsigned long long recorded; /* lines written */
  unsigned long long dropped;  /* the queue was full, or the memory budget short at the time */
  unsigned long long failed;   /* could not be written (file unwritable, disk full) or parsed */
  unsigned long long rotations;
  unsigned long long too_large; /* its copy and re-parse need more than the whole memory budget (logged) */
};

/* Start the writer thread. *out is *new* (adm_recorder_stop). The file is
 * opened by the writer: one that cannot be opened is an outage, not an error. */
int adm_recorder_start(const struct adm_recorder_options *o, struct adm_recorder **out, struct adm_error *err);
/* Write what is queued, stop the writer, free r. */
void adm_recorder_stop(struct adm_recorder *r);
void adm_recorder_get_stats(struct adm_recorder *r, struct adm_recorder_stats *out);

/* Charge queued copies and the writer's re-parse to b (the server's memory
 * budget); records that do not fit are dropped and counted. */
struct adm_budget;
void adm_recorder_set_budget(struct adm_recorder *r, struct adm_budget *b);

/* The recorder adm_record() feeds (NULL: none). Set before the server
 * starts and cleared after it stops. */
void adm_recorder_install(struct adm_recorder *r);
/* The installed recorder's counts (for /metrics); false when none is. */
bool adm_recorder_installed_stats(struct adm_recorder_stats *out);

/* The server's hook, after adm_pipeline_run: queue body (len bytes, as the
 * pipeline left it: pruned in place, so the first JSON value is the
 * review) with res's decision. Does nothing without an installed recorder
 * or a decision. Never blocks on I/O. */
void adm_record(const char *body, size_t len, const struct adm_pipeline_result *res);

/* A decision as recorded: allowed, judged, code, message (when denied),
 * warnings, checks (failed check ids), auditAnnotations, dryRunDenied.
 * *new*; NULL when out of memory. `admitd test` reports in the same shape. */
json_t *adm_record_decision(const struct adm_decision *d);

/* Redact review in place, wherever they appear: the string values of
 * env[].value, httpHeaders[].value, args, command (containers' and every
 * exec action's), annotations (but the AppArmor and seccomp ones decisions
 * read), csi.volumeAttributes, flexVolume.options and gitRepo.repository
 * become "<redacted>"; every managedFields, data, stringData and binaryData
 * is dropped. None of these decides admission: a replay decides the same. */
void adm_record_redact(json_t *review);

#endif
