/* Publishing and pinning config snapshots; change detection for the
 * policy file. Owns the one global pointer to the current snapshot. */
#include "admitd/reload.h"

#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>

static _Atomic(struct adm_config *) current;
static atomic_int pinning; /* readers between loading `current` and taking a reference */

struct adm_config *adm_config_pin(void) {
  atomic_fetch_add(&pinning, 1);
  struct adm_config *cfg = atomic_load(&current);
  if (cfg)
    atomic_fetch_add(&cfg->refs, 1);
  atomic_fetch_sub(&pinning, 1);
  return cfg;
}

void adm_config_unpin(struct adm_config *cfg) {
  if (cfg && atomic_fetch_sub(&cfg->refs, 1) == 1)
    adm_config_free(cfg);
}

void adm_config_publish(struct adm_config *cfg) {
  struct adm_config *old = atomic_exchange(&current, cfg);
  /* A reader that loaded `old` is counted in `pinning` until it holds a
   * reference; after this wait every such reader has one (or saw `cfg`). */
  while (atomic_load(&pinning) != 0)
    sched_yield();
  adm_config_unpin(old);
}

int adm_config_reload(const char *path, struct adm_error *err) {
  struct adm_config *cfg;
  int rc = adm_config_load(path, &cfg, err);
  if (rc < 0)
    return rc;
  adm_config_publish(cfg);
  return 0;
}

void adm_file_stamp(const char *path, struct adm_file_stamp *out) {
  struct stat st;
  memset(out, 0, sizeof *out);
  if (path == NULL || stat(path, &st) < 0)
    return;
  out->exists = 1;
  out->ino = (long long)st.st_ino;
  out->size = (long long)st.st_size;
  out->mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
}

int adm_file_stamp_changed(const struct adm_file_stamp *a, const struct adm_file_stamp *b) {
  return a->exists != b->exists || a->ino != b->ino || a->size != b->size || a->mtime_ns != b->mtime_ns;
}
