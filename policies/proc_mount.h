/* The unconditional procMount rule, shared by the baseline check (before
 * 1.35, and for pods without a user namespace after) and the restricted one. */
#ifndef ADMITD_POLICIES_PROC_MOUNT_H
#define ADMITD_POLICIES_PROC_MOUNT_H
#include "internal.h"
struct adm_check_result adm__proc_mount_v1_0(const struct adm_pod *pod, struct adm_arena *a);
#endif
