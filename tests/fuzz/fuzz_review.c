/* libFuzzer harness: arbitrary bytes as a /validate body, through the
 * server's path (prune, decode into a recycled arena, decide with the
 * built-in policy, encode), and the same bytes decoded without pruning.
 * Both must finish without a crash or sanitizer report, and pruning must
 * never change the response. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "admitd/config.h"
#include "admitd/decide.h"
#include "admitd/review.h"

static char *respond(const struct adm_config *cfg, struct adm_arena *arena, char *body, size_t len, bool prune) {
  struct adm_review_request req;
  struct adm_error err = {0};
  if (prune && adm_review_prune(body, &len, 100) < 0)
    return NULL;
  if (adm_review_decode(body, len, prune ? 0 : 100, arena, &req, &err) < 0)
    return NULL;
  struct adm_decision d;
  adm_decide(cfg, &req, arena, &d);
  char *out = adm_review_encode(&req, &d, NULL);
  adm_review_request_release(&req);
  adm_arena_recycle(arena, 1u << 20);
  return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static struct adm_config *cfg;
  static struct adm_arena arena;
  if (cfg == NULL) {
    cfg = adm_config_default();
    adm_arena_init(&arena, 65536, 0);
  }
  char *a = malloc(size + 1), *b = malloc(size + 1);
  memcpy(a, data, size);
  memcpy(b, data, size);
  char *plain = respond(cfg, &arena, a, size, false);
  char *pruned = respond(cfg, &arena, b, size, true);
  /* Pruning may only turn a deep body into a refusal earlier; when both
   * decoded, the answers must be the same. */
  if (plain && pruned && strcmp(plain, pruned) != 0)
    abort();
  free(plain);
  free(pruned);
  free(a);
  free(b);
  return 0;
}
