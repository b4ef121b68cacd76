/* Signature verification in process, for hack/bench.sh, against a
 * registry on loopback that holds the review's images, signed. Every
 * admission takes the server's path, adm_pipeline_run with slot ops: judge
 * without waiting; when registries must be asked, release the slot, ask
 * them (side by side, adm_facts_gather) and judge again with every fact
 * given. (The server's bound on requests waiting on registries, 64 at the
 * least, is left out: a flight of up to 64 fits in it.) Measured:
 *
 *   cold     a new policy snapshot per sample, so its cache is empty and
 *            every image is resolved and verified on the registry: wall
 *            latency p50/p99, process CPU, registry requests per admission;
 *   cached   one snapshot, warmed: wall latency p50/p99 and the registry
 *            requests made (0 is the point);
 *   CPU      the cached admission against the same body under a policy
 *            with no images section, in alternating rounds of process CPU
 *            time (as admitd-bench --compare-policy), medians;
 *   flight   THREADS threads admitting the body at once on a new snapshot:
 *            the registry requests made, against one cold admission's.
 *
 * Every admission must be decided and allowed with each image VERIFIED,
 * or the bench stops: a figure for a failed verification would measure
 * the wrong thing. Prints one JSON object. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admitd/config.h"
#include "admitd/facts_backend.h"
#include "admitd/file.h"
#include "admitd/gather.h"
#include "admitd/pipeline.h"
#include "admitd/review.h"
#include "admitd/verifier.h"
#include "admitd/yaml.h"

/* The amount a server decode slot keeps between reviews (server/http_slots.c). */
#define SLOT_ARENA_KEEP (2u << 20)

static struct adm_pipeline_options options;
static const char *body;
static size_t body_len;

static double clock_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A server decode slot: an arena recycled between reviews and its own
 * copy of the body (pruning changes it in place). */
struct slot {
  struct adm_arena arena;
  struct adm_pipeline_result res;
  char *scratch;
  size_t verified; /* facts VERIFIED in the last admission */
  bool waited;     /* the last admission found a fact uncached and asked (or waited on) the registry */
};

static void slot_init(struct slot *s) {
  memset(s, 0, sizeof *s);
  adm_arena_init(&s->arena, 65536, 0);
  s->scratch = malloc(body_len);
  if (s->scratch == NULL) {
    fprintf(stderr, "bench: out of memory\n");
    exit(1);
  }
}

static void slot_free(struct slot *s) {
  adm_arena_free(&s->arena);
  free(s->scratch);
}

static void fail(const struct slot *s, const char *what) {
  const struct adm_pipeline_result *r = &s->res;
  fprintf(stderr, "bench: %s: status %d, %s\n", what, r->http_status,
          r->decided ? (r->decision.message ? r->decision.message : "") : (r->error ? r->error : ""));
  if (r->decided && r->decision.image_facts)
    for (size_t i = 0; i < r->decision.image_facts->n; i++) {
      const struct adm_image_fact *f = &r->decision.image_facts->items[i];
      fprintf(stderr, "bench:   %s: %s %s\n", f->image, adm_sig_outcome_id(f->outcome), f->detail);
    }
  exit(1);
}

/* The server's slot operations on one bench slot: released, the arena is
 * recycled; the registries are asked side by side, as the server asks. */
struct slot_ctx {
  struct slot *s;
  const struct adm_config *cfg;
  bool released; /* registries had to be asked */
};

static void bench_release(void *p) {
  struct slot_ctx *c = p;
  c->released = true;
  adm_arena_recycle(&c->s->arena, SLOT_ARENA_KEEP);
}

static void bench_gather(void *p, const struct adm_image_need *needs, size_t n, int64_t deadline_ms,
                         struct adm_gathered_fact *out) {
  struct slot_ctx *c = p;
  adm_facts_gather(c->cfg, needs, n, deadline_ms, 0, out);
}

static bool bench_reacquire(void *p, int64_t deadline_ms, struct adm_arena **arena, struct adm_pipeline_result **out) {
  struct slot_ctx *c = p;
  (void)deadline_ms;
  *arena = &c->s->arena;
  *out = &c->s->res;
  return true;
}

static const struct adm_slot_ops bench_slot_ops = {bench_release, bench_gather, bench_reacquire};

/* One admission as the server makes it (adm_pipeline_run with slot ops);
 * need_facts: every image must come out VERIFIED. */
static void admit(struct slot *s, const struct adm_config *cfg, bool need_facts) {
  struct adm_pipeline_result *r = &s->res;
  memcpy(s->scratch, body, body_len);
  struct slot_ctx ctx = {s, cfg, false};
  struct adm_pipeline_result *answer;
  struct adm_pipeline_options o = options;
  o.deadline_ms = adm_verifier_now_ms() + cfg->images.deadline_ms;
  o.slots_ctx = &ctx;
  o.body_held = body_len;
  if (adm_pipeline_run(&o, cfg, s->scratch, body_len, &s->arena, r, &answer) != ADM_PIPELINE_ANSWERED)
    fail(s, "no answer");
  s->waited = ctx.released;
  if (!r->decided || !r->decision.allowed)
    fail(s, "the review was not allowed");
  s->verified = 0;
  const struct adm_image_facts *f = r->decision.image_facts;
  for (size_t i = 0; f && i < f->n; i++)
    s->verified += f->items[i].outcome == ADM_SIG_VERIFIED;
  if (need_facts && (f == NULL || f->n == 0 || s->verified != f->n))
    fail(s, "an image did not verify");
  if (r->decoded)
    adm_review_request_release(&r->req);
  adm_arena_recycle(&s->arena, SLOT_ARENA_KEEP);
}

static struct adm_config *load(const char *path) {
  struct adm_config *cfg = NULL;
  struct adm_error err = {0};
  if (adm_config_load(path, &cfg, &err) < 0) {
    fprintf(stderr, "bench: %s: %s\n", err.where, err.message);
    exit(1);
  }
  return cfg;
}

static uint64_t requests(const struct adm_config *cfg) {
  struct adm_fact_stats st;
  adm_fact_stats(cfg, &st);
  return st.registry_requests;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The q-quantile of sorted x[0..n), nearest rank. */
static double quantile(const double *x, size_t n, double q) {
  size_t k = (size_t)(q * (double)n + 0.999999);
  return x[k == 0 ? 0 : k > n ? n - 1 : k - 1];
}

struct flight {
  pthread_barrier_t *start;
  const struct adm_config *cfg;
  struct slot slot;
  double wall_s;
};

static void *flight_thread(void *p) {
  struct flight *f = p;
  pthread_barrier_wait(f->start);
  double t0 = clock_s(CLOCK_MONOTONIC);
  admit(&f->slot, f->cfg, true);
  f->wall_s = clock_s(CLOCK_MONOTONIC) - t0;
  return NULL;
}

static void usage(void) {
  fprintf(stderr, "usage: admitd-bench-images [--seconds S] [--cold N] [--cached N] [--threads N] [--flights N]\n"
                  "                           PLAIN_POLICY IMAGES_POLICY REVIEW.json\n");
  exit(2);
}

int main(int argc, char **argv) {
  double seconds = 2.0;
  long cold_n = 200, cached_n = 20000, threads = 64, flights = 5;
  int a = 1;
  for (; a + 1 < argc && strncmp(argv[a], "--", 2) == 0; a += 2) {
    if (strcmp(argv[a], "--seconds") == 0)
      seconds = strtod(argv[a + 1], NULL);
    else if (strcmp(argv[a], "--cold") == 0)
      cold_n = strtol(argv[a + 1], NULL, 10);
    else if (strcmp(argv[a], "--cached") == 0)
      cached_n = strtol(argv[a + 1], NULL, 10);
    else if (strcmp(argv[a], "--threads") == 0)
      threads = strtol(argv[a + 1], NULL, 10);
    else if (strcmp(argv[a], "--flights") == 0)
      flights = strtol(argv[a + 1], NULL, 10);
    else
      usage();
  }
  if (argc - a != 3 || cold_n < 1 || cached_n < 1 || threads < 1 || flights < 1)
    usage();
  const char *plain_path = argv[a], *images_path = argv[a + 1], *review = argv[a + 2];
  /* Before any policy loads: snapshots with verify rules are prepared by it. */
  adm_fact_backend_set(&adm_registry_fact_backend);
  adm_pipeline_options_default(&options);
  options.facts = ADM_FACTS_SUSPEND;
  options.slots = &bench_slot_ops;
  struct adm_error err = {0};
  char *b;
  if (adm_read_file(review, 64u << 20, &b, &body_len, &err) < 0) {
    fprintf(stderr, "bench: %s: %s\n", err.where, err.message);
    return 1;
  }
  body = b;
  struct slot s;
  slot_init(&s);
  struct adm_config *plain = load(plain_path);
  if (plain->images.has_verify) {
    fprintf(stderr, "bench: %s must have no verify rule\n", plain_path);
    return 1;
  }

  /* Cold. The first snapshots also pay one-time library set-up (libcurl,
   * GnuTLS): two are not counted. */
  double *cold_wall = calloc((size_t)cold_n, sizeof *cold_wall), *cold_cpu = calloc((size_t)cold_n, sizeof *cold_cpu);
  uint64_t cold_req_min = UINT64_MAX, cold_req_max = 0;
  size_t images = 0;
  for (long i = -2; i < cold_n; i++) {
    struct adm_config *cfg = load(images_path);
    uint64_t r0 = requests(cfg);
    double c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), t0 = clock_s(CLOCK_MONOTONIC);
    admit(&s, cfg, true);
    double t1 = clock_s(CLOCK_MONOTONIC), c1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    uint64_t dr = requests(cfg) - r0;
    adm_config_free(cfg);
    images = s.verified;
    if (i < 0)
      continue;
    cold_wall[i] = (t1 - t0) * 1e6;
    cold_cpu[i] = (c1 - c0) * 1e6;
    if (dr < cold_req_min)
      cold_req_min = dr;
    if (dr > cold_req_max)
      cold_req_max = dr;
  }
  qsort(cold_wall, (size_t)cold_n, sizeof(double), cmp_double);
  qsort(cold_cpu, (size_t)cold_n, sizeof(double), cmp_double);

  /* Cached: one snapshot, warmed by one admission. Requests are counted
   * from here to the end of the CPU rounds. */
  struct adm_config *cached = load(images_path);
  admit(&s, cached, true);
  uint64_t cached_r0 = requests(cached);
  struct adm_fact_stats st0, st1;
  adm_fact_stats(cached, &st0);
  double *cached_wall = calloc((size_t)cached_n, sizeof *cached_wall);
  long cached_admissions = cached_n;
  for (long i = 0; i < cached_n; i++) {
    double t0 = clock_s(CLOCK_MONOTONIC);
    admit(&s, cached, true);
    cached_wall[i] = (clock_s(CLOCK_MONOTONIC) - t0) * 1e6;
  }
  qsort(cached_wall, (size_t)cached_n, sizeof(double), cmp_double);

  /* CPU: alternating rounds, no images section against a cached
   * verification; process CPU, so work on any other thread counts. */
  enum { ROUNDS_MAX = 400 };
  static double xp[ROUNDS_MAX], xi[ROUNDS_MAX];
  int rounds = 0, per_round = 50;
  for (int i = 0; i < 300; i++) {
    admit(&s, plain, false);
    admit(&s, cached, true);
  }
  cached_admissions += 300;
  double start = clock_s(CLOCK_PROCESS_CPUTIME_ID);
  while (rounds < ROUNDS_MAX && (clock_s(CLOCK_PROCESS_CPUTIME_ID) - start < seconds || rounds < 5)) {
    double t0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    for (int i = 0; i < per_round; i++)
      admit(&s, plain, false);
    double t1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    for (int i = 0; i < per_round; i++)
      admit(&s, cached, true);
    double t2 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    xp[rounds] = (t1 - t0) / per_round * 1e6;
    xi[rounds] = (t2 - t1) / per_round * 1e6;
    rounds++;
    cached_admissions += per_round;
  }
  qsort(xp, (size_t)rounds, sizeof(double), cmp_double);
  qsort(xi, (size_t)rounds, sizeof(double), cmp_double);
  uint64_t cached_requests = requests(cached) - cached_r0;
  adm_fact_stats(cached, &st1);
  uint64_t cache_hits = st1.cache_hits - st0.cache_hits;
  adm_config_free(cached);

  /* Flights: THREADS admissions of images no one has verified yet (a new
   * snapshot, so an empty cache), released at once. */
  struct flight *fl = calloc((size_t)threads, sizeof *fl);
  pthread_t *tid = calloc((size_t)threads, sizeof *tid);
  if (fl == NULL || tid == NULL) {
    fprintf(stderr, "bench: out of memory\n");
    return 1;
  }
  for (long t = 0; t < threads; t++)
    slot_init(&fl[t].slot);
  uint64_t flight_req_max = 0, flight_req_min = UINT64_MAX;
  long flight_waited_min = threads;
  double flight_wall_max = 0;
  for (long k = 0; k < flights; k++) {
    struct adm_config *cfg = load(images_path);
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, (unsigned)threads);
    uint64_t r0 = requests(cfg);
    for (long t = 0; t < threads; t++) {
      fl[t].start = &barrier;
      fl[t].cfg = cfg;
      if (pthread_create(&tid[t], NULL, flight_thread, &fl[t]) != 0) {
        fprintf(stderr, "bench: cannot start thread %ld\n", t);
        return 1;
      }
    }
    long waited = 0;
    for (long t = 0; t < threads; t++) {
      pthread_join(tid[t], NULL);
      if (fl[t].wall_s > flight_wall_max)
        flight_wall_max = fl[t].wall_s;
      waited += fl[t].slot.waited;
    }
    /* Admissions that found no cached fact: with fewer than two the
     * flight ran one after another and shows nothing about sharing work. */
    if (waited < flight_waited_min)
      flight_waited_min = waited;
    uint64_t dr = requests(cfg) - r0;
    pthread_barrier_destroy(&barrier);
    adm_config_free(cfg);
    if (dr > flight_req_max)
      flight_req_max = dr;
    if (dr < flight_req_min)
      flight_req_min = dr;
  }
  for (long t = 0; t < threads; t++)
    slot_free(&fl[t].slot);

  /* Every snapshot is released now: this is all this process asked. */
  struct adm_fact_stats total;
  adm_fact_stats(NULL, &total);
  const char *name = strrchr(review, '/') ? strrchr(review, '/') + 1 : review;
  printf("{\"kind\":\"images\",\"body\":\"%s\",\"bytes\":%zu,\"images\":%zu,"
         "\"cold_samples\":%ld,\"cold_p50_us\":%.1f,\"cold_p99_us\":%.1f,\"cold_max_us\":%.1f,\"cold_cpu_us\":%.1f,"
         "\"cold_requests_min\":%llu,\"cold_requests_max\":%llu,"
         "\"cached_samples\":%ld,\"cached_p50_us\":%.1f,\"cached_p99_us\":%.1f,\"cached_max_us\":%.1f,"
         "\"cpu_rounds\":%d,\"plain_us\":%.2f,\"cached_us\":%.2f,\"cached_over_plain\":%.3f,"
         "\"cached_admissions\":%ld,\"cached_cache_hits\":%llu,\"cached_requests\":%llu,"
         "\"flight_threads\":%ld,\"flights\":%ld,\"flight_requests_min\":%llu,\"flight_requests_max\":%llu,"
         "\"flight_waited_min\":%ld,\"flight_wall_max_us\":%.1f,\"requests_total\":%llu}\n",
         name, body_len, images, cold_n, quantile(cold_wall, (size_t)cold_n, 0.5),
         quantile(cold_wall, (size_t)cold_n, 0.99), cold_wall[cold_n - 1], quantile(cold_cpu, (size_t)cold_n, 0.5),
         (unsigned long long)cold_req_min, (unsigned long long)cold_req_max, cached_n,
         quantile(cached_wall, (size_t)cached_n, 0.5), quantile(cached_wall, (size_t)cached_n, 0.99),
         cached_wall[cached_n - 1], rounds, xp[rounds / 2], xi[rounds / 2], xi[rounds / 2] / xp[rounds / 2],
         cached_admissions, (unsigned long long)cache_hits, (unsigned long long)cached_requests, threads, flights,
         (unsigned long long)flight_req_min, (unsigned long long)flight_req_max, flight_waited_min,
         flight_wall_max * 1e6, (unsigned long long)total.registry_requests);
  adm_config_free(plain);
  slot_free(&s);
  free(cold_wall);
  free(cold_cpu);
  free(cached_wall);
  free(fl);
  free(tid);
  free(b);
  return 0;
}
