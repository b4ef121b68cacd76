/* The current config snapshot: publish with an atomic swap, pin for the
 * length of a request. Pinning is wait-free (a few atomic operations, no
 * loop, no lock) and publishing never waits for readers: reload.c says how.
 * When to re-read the policy file is file.h's (adm_file_watch). */
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

#endif
