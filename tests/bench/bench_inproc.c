/* In-process floor for hack/bench.sh: for each AdmissionReview body, the
 * CPU cost of a bare jansson parse (the floor admitd cannot beat with
 * jansson) against admitd's whole path: adm_pipeline_run (prune, decode,
 * extract, evaluate, decide, encode) with the server's limits, the built-in
 * policy and one arena recycled between reviews, as a server decode slot
 * does. The two are timed in alternating rounds with the thread's CPU
 * clock, so a noisy neighbour slows both alike; medians are reported.
 * Prints one JSON object per body.
 *
 * With --compare-policy FILE, the same alternating rounds compare the
 * whole path under the built-in policy with the whole path under FILE
 * (the cost of the policy families a team adds). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admitd/config.h"
#include "admitd/file.h"
#include "admitd/pipeline.h"
#include "admitd/review.h"
#include "admitd/yaml.h"

static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* admitd installs its own jansson allocator before main; the floor is a
 * stock jansson parse, so bare rounds run with plain malloc and free. No
 * jansson value lives across a switch. */
static json_malloc_t admitd_malloc;
static json_free_t admitd_free;

static void bare(const char *body, size_t len) {
  json_error_t e;
  json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &e);
  if (j == NULL) {
    fprintf(stderr, "bench: body does not parse: %s\n", e.text);
    exit(1);
  }
  json_decref(j);
}

/* As a server decode slot: one arena, recycled between reviews (the
 * amount server/http_slots.c keeps), and the server's limits. */
#define SLOT_ARENA_KEEP (2u << 20)
static struct adm_arena arena;
static struct adm_pipeline_options options;
static struct adm_pipeline_result result;

/* The server prunes its own copy of the body; so does this, per review. */
static char *scratch;

static void full(const struct adm_config *cfg, const char *body, size_t len) {
  memcpy(scratch, body, len);
  adm_pipeline_run(&options, cfg, scratch, len, &arena, &result, NULL);
  if (!result.decided) {
    fprintf(stderr, "bench: body is not a review: %d: %.*s\n", result.http_status, (int)result.len, result.body);
    exit(1);
  }
  if (result.decoded)
    adm_review_request_release(&result.req);
  adm_arena_recycle(&arena, SLOT_ARENA_KEEP);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Median CPU microseconds per review of full() under a and under b,
 * timed in alternating rounds. */
static void compare(const struct adm_config *a, const struct adm_config *b, const char *body, size_t len,
                    double seconds, double *a_us, double *b_us) {
  enum { ROUNDS_MAX = 400 };
  static double xa[ROUNDS_MAX], xb[ROUNDS_MAX];
  int rounds = 0, per_round = 50;
  for (int i = 0; i < 300; i++) {
    full(a, body, len);
    full(b, body, len);
  }
  double start = cpu_now();
  while (rounds < ROUNDS_MAX && (cpu_now() - start < seconds || rounds < 5)) {
    double t0 = cpu_now();
    for (int i = 0; i < per_round; i++)
      full(a, body, len);
    double t1 = cpu_now();
    for (int i = 0; i < per_round; i++)
      full(b, body, len);
    double t2 = cpu_now();
    xa[rounds] = (t1 - t0) / per_round * 1e6;
    xb[rounds] = (t2 - t1) / per_round * 1e6;
    rounds++;
  }
  qsort(xa, (size_t)rounds, sizeof(double), cmp_double);
  qsort(xb, (size_t)rounds, sizeof(double), cmp_double);
  *a_us = xa[rounds / 2];
  *b_us = xb[rounds / 2];
}

int main(int argc, char **argv) {
  double seconds = 2.0;
  int first = 1;
  const char *policy = NULL;
  for (;;) {
    if (argc > first + 1 && strcmp(argv[first], "--seconds") == 0) {
      seconds = strtod(argv[first + 1], NULL);
      first += 2;
    } else if (argc > first + 1 && strcmp(argv[first], "--compare-policy") == 0) {
      policy = argv[first + 1];
      first += 2;
    } else {
      break;
    }
  }
  if (first >= argc) {
    fprintf(stderr, "usage: admitd-bench [--seconds S] [--compare-policy FILE] REVIEW.json...\n");
    return 2;
  }
  struct adm_config *cfg = adm_config_default(), *other = NULL;
  if (policy) {
    struct adm_error err = {0};
    if (adm_config_load(policy, &other, &err) < 0) {
      fprintf(stderr, "bench: %s: %s\n", err.where, err.message);
      return 1;
    }
  }
  adm_pipeline_options_default(&options);
  adm_arena_init(&arena, 65536, 0);
  for (int f = first; f < argc; f++) {
    char *body;
    size_t len;
    struct adm_error err = {0};
    if (adm_read_file(argv[f], 64u << 20, &body, &len, &err) < 0) {
      fprintf(stderr, "bench: %s: %s\n", err.where, err.message);
      return 1;
    }
    free(scratch);
    scratch = malloc(len);
    if (other) {
      double builtin_us, policy_us;
      compare(cfg, other, body, len, seconds, &builtin_us, &policy_us);
      const char *name = strrchr(argv[f], '/') ? strrchr(argv[f], '/') + 1 : argv[f];
      printf("{\"body\":\"%s\",\"bytes\":%zu,\"builtin_us\":%.2f,\"policy_us\":%.2f,\"policy_over_builtin\":%.3f}\n",
             name, len, builtin_us, policy_us, policy_us / builtin_us);
      fflush(stdout);
      free(body);
      continue;
    }
    /* Warm caches and both allocators. */
    json_get_alloc_funcs(&admitd_malloc, &admitd_free);
    for (int i = 0; i < 300; i++) {
      json_set_alloc_funcs(malloc, free);
      bare(body, len);
      json_set_alloc_funcs(admitd_malloc, admitd_free);
      full(cfg, body, len);
    }
    enum { ROUNDS_MAX = 400 };
    double bare_us[ROUNDS_MAX], full_us[ROUNDS_MAX];
    int rounds = 0, per_round = 50;
    double start = cpu_now();
    while (rounds < ROUNDS_MAX && (cpu_now() - start < seconds || rounds < 5)) {
      json_set_alloc_funcs(malloc, free);
      double t0 = cpu_now();
      for (int i = 0; i < per_round; i++)
        bare(body, len);
      double t1 = cpu_now();
      json_set_alloc_funcs(admitd_malloc, admitd_free);
      t1 += cpu_now() - t1; /* the switch itself is not timed */
      for (int i = 0; i < per_round; i++)
        full(cfg, body, len);
      double t2 = cpu_now();
      bare_us[rounds] = (t1 - t0) / per_round * 1e6;
      full_us[rounds] = (t2 - t1) / per_round * 1e6;
      rounds++;
    }
    qsort(bare_us, (size_t)rounds, sizeof(double), cmp_double);
    qsort(full_us, (size_t)rounds, sizeof(double), cmp_double);
    double b = bare_us[rounds / 2], u = full_us[rounds / 2];
    const char *name = strrchr(argv[f], '/') ? strrchr(argv[f], '/') + 1 : argv[f];
    printf("{\"body\":\"%s\",\"bytes\":%zu,\"rounds\":%d,\"bare_parse_us\":%.2f,\"full_path_us\":%.2f,"
           "\"full_over_bare\":%.3f,\"full_reviews_per_core_s\":%.0f}\n",
           name, len, rounds, b, u, u / b, 1e6 / u);
    fflush(stdout);
    free(body);
  }
  adm_config_free(cfg);
  adm_config_free(other);
  adm_arena_free(&arena);
  free(scratch);
  return 0;
}
