/* Reading whole files, and telling when a file changed: what the policy,
 * certificate and key loaders and the reload loop share. A polled file is
 * read only once its stamp has held still for a poll interval, and a read
 * that raced a writer is thrown away (adm_file_watch). Plain C and POSIX:
 * links nothing. */
#ifndef ADMITD_FILE_H
#define ADMITD_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "admitd/error.h"

/* Read a whole file (bounded by max_bytes) into a *new* NUL-terminated buffer. */
int adm_read_file(const char *path, size_t max_bytes, char **out, size_t *len, struct adm_error *err);
/* The same for a file that must be a regular file (a policy): anything else
 * (a FIFO, a device, a folder) is refused without blocking. No "-". */
int adm_read_regular_file(const char *path, size_t max_bytes, char **out, size_t *len, struct adm_error *err);

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
