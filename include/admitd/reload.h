/* The current config snapshot: publish with an atomic swap, pin for the
 * length of a request. Pinning takes no lock: a reader announces itself on
 * an atomic counter, loads the pointer and takes a reference; the publisher
 * swaps first and drops the old snapshot's reference only once no reader is
 * between load and reference. */
#ifndef ADMITD_RELOAD_H
#define ADMITD_RELOAD_H

#include "admitd/config.h"

/* Steals cfg; the previous snapshot is released when its last pin goes. */
void adm_config_publish(struct adm_config *cfg);
/* *borrowed* until adm_config_unpin; NULL before the first publish. */
struct adm_config *adm_config_pin(void);
void adm_config_unpin(struct adm_config *cfg);

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

#endif
