/* libFuzzer harness: fuzz_review with allocation failures. The first two
 * bytes of each input choose which arena allocation fails; the rest is the
 * body. Whatever fails, the answer must be an error Status, never allowed. */
#define FUZZ_FAIL_AT 1
#include "fuzz_review.c"
