/* The metrics cost per review, for hack/bench.sh: what validate_finish and
 * queue() add to a request (adm_metrics_review on a decided result, with its
 * failed checks and their modes, plus adm_metrics_http_response), timed on 1
 * thread and on 2 threads at once (2 shards bumped concurrently), by thread
 * CPU time. The result comes from the real pipeline on each body given.
 * Prints one JSON object per body. Not a test: timings are never judged. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admitd/config.h"
#include "metrics.h"
#include "admitd/file.h"
#include "admitd/pipeline.h"
#include "admitd/yaml.h"

static const struct adm_config *cfg;
static struct adm_pipeline_result res;
static long iterations;

static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ns of thread CPU per review. */
static void *run(void *out) {
  double t0 = cpu_now();
  for (long i = 0; i < iterations; i++) {
    adm_metrics_review(cfg, &res, 120000 + (i & 1023) * 1000);
    adm_metrics_http_response(200);
  }
  *(double *)out = (cpu_now() - t0) * 1e9 / (double)iterations;
  return NULL;
}

int main(int argc, char **argv) {
  iterations = 1000000;
  int first = 1;
  if (argc > 2 && strcmp(argv[1], "--iterations") == 0) {
    iterations = strtol(argv[2], NULL, 10);
    first = 3;
  }
  if (first >= argc || iterations <= 0) {
    fprintf(stderr, "usage: admitd-bench-metrics [--iterations N] BODY.json...\n");
    return 2;
  }
  cfg = adm_config_default();
  adm_metrics_init();
  struct adm_pipeline_options opt;
  adm_pipeline_options_default(&opt);
  for (int f = first; f < argc; f++) {
    char *body;
    size_t len;
    struct adm_error err = {0};
    if (adm_read_file(argv[f], 64u << 20, &body, &len, &err) < 0) {
      fprintf(stderr, "bench: cannot read %s: %s\n", argv[f], err.message);
      return 1;
    }
    struct adm_arena arena;
    adm_arena_init(&arena, 65536, 0);
    adm_pipeline_run(&opt, cfg, body, len, &arena, &res, NULL);
    if (!res.decided) {
      fprintf(stderr, "bench: %s is not decided: %s\n", argv[f], res.error ? res.error : "");
      return 1;
    }
    double one, two[2];
    run(&one);
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
      pthread_create(&t[i], NULL, run, &two[i]);
    for (int i = 0; i < 2; i++)
      pthread_join(t[i], NULL);
    const char *name = strrchr(argv[f], '/');
    printf("{\"kind\":\"metrics\",\"body\":\"%s\",\"failed_checks\":%zu,\"ns_per_review_1_thread\":%.1f,"
           "\"ns_per_review_2_threads\":%.1f}\n",
           name ? name + 1 : argv[f], res.decision.n_failed_checks, one, (two[0] + two[1]) / 2);
    adm_review_request_release(&res.req);
    adm_arena_free(&arena);
    free(body);
  }
  return 0;
}
