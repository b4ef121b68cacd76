/* Seccomp helpers shared by the baseline and restricted seccomp checks. */
#ifndef ADMITD_POLICIES_SECCOMP_H
#define ADMITD_POLICIES_SECCOMP_H
#include "internal.h"

static inline bool adm__valid_seccomp_type(const char *t) {
  return strcmp(t, "RuntimeDefault") == 0 || strcmp(t, "Localhost") == 0;
}
#endif
