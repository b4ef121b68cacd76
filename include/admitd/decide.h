/* From a decoded AdmissionReview and a config snapshot to a decision.
 * The only place that knows modes (enforce/audit/warn), exemptions,
 * dry-run, and which requests upstream Pod Security judges. */
#ifndef ADMITD_DECIDE_H
#define ADMITD_DECIDE_H

#include "admitd/arena.h"
#include "admitd/config.h"
#include "admitd/review.h"

/* Total warning text the API server passes whole (runes; bytes here bound it). */
#define ADM_WARNINGS_BUDGET 4096

/* Fills d; strings are *borrowed* from the arena, the request or static storage. */
void adm_decide(const struct adm_config *cfg, const struct adm_review_request *req, struct adm_arena *a,
                struct adm_decision *d);

/* Judge one pod view at explicit levels (the CLI's --level path and decide's core).
 * resource/name are used in the denial message ("pods \"x\" is forbidden: ..."). */
void adm_decide_pod(const struct adm_config *cfg, const struct adm_mode_levels *levels, const struct adm_pod *pod,
                    bool enforce, const char *resource_label, const char *name, struct adm_arena *a,
                    struct adm_decision *d);

#endif
