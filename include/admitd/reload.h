/* The current config snapshot: publish with an atomic swap, pin for the
 * length of a request. Pinning is wait-free (a few atomic operations, no
 * loop, no lock) and publishing never waits for readers: reload.c says how.
 *
 * Change detection for the policy file: a file is read only once its stamp
 * has held still for a poll interval, and a read that raced a writer is
 * thrown away (adm_file_watch). */
#ifndef ADMITD_RELOAD_H
#define ADMITD_RELOAD_H

#include <stdbool.h>

#include "admitd/config.h"

/* Steals cfg; the previous snapshot is released when its last pin goes. */
void adm_config_publish(struct adm_config *cfg);
/* *borrowed* until adm_config_unpin; NULL before the first publish. Any
 * thread, any number of pins at once. */
struct adm_config *adm_config_pin(void);
void adm_config_unpin(struct adm_config *cfg);
/* Release replaced snapshots that a publish could not release yet because
 * a reader was mid-pin. Cheap; the serve loop calls it every tick. */
void adm_config_reclaim(void);

/* Reload from path: on success publish and return 0; on failure keep the
 * current snapshot and fill err. */
int adm_config_reload(const char *path, struct adm_error *err);

/* File identity for change detection (a Secret update is a symlink swap, so
 * inode and mtime of the resolved file both matter). */
struct adm_file_stamp {
  long long ino, size, mtime_ns;
  int exists;
};
void adm_file_stamp(const char *path, struct adm_file_stamp *out);
int adm_file_stamp_changed(const struct adm_file_stamp *a, const struct adm_file_stamp *b);

/* When to re-read a polled file. Pure: the caller stats and reads. */
struct adm_file_watch {
  struct adm_file_stamp tried; /* the stamp of the last complete read, applied or rejected */
  struct adm_file_stamp seen;  /* the stamp at the previous poll */
};
/* Start from the stamp of the file as first loaded. */
void adm_file_watch_init(struct adm_file_watch *w, const struct adm_file_stamp *loaded);
/* One poll with the file's stamp now: true when it should be read, that is
 * when forced (SIGHUP), or when it exists, differs from the last read and
 * is the same as at the previous poll (it has stopped changing). */
bool adm_file_watch_poll(struct adm_file_watch *w, const struct adm_file_stamp *now, bool forced);
/* After a read: the stamps taken just before and just after it. False: the
 * file changed under the read; discard what was read, the next stable poll
 * reads it again. True: the read stands (and is not repeated). */
bool adm_file_watch_settle(struct adm_file_watch *w, const struct adm_file_stamp *before,
                           const struct adm_file_stamp *after);

#endif
