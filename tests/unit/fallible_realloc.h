/* For unit tests that include a .c to fail its reallocs on purpose: set
 * realloc_fail_in = N and the Nth realloc from then on returns NULL (0:
 * none does). Include this, define realloc(p, n) as fallible_realloc(p, n),
 * include the .c, then undefine realloc. */
#ifndef ADMITD_TEST_FALLIBLE_REALLOC_H
#define ADMITD_TEST_FALLIBLE_REALLOC_H

#include <stdlib.h>

static int realloc_fail_in;

static void *fallible_realloc(void *p, size_t n) {
  if (realloc_fail_in > 0 && --realloc_fail_in == 0)
    return NULL;
  return realloc(p, n);
}

#endif
