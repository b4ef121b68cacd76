/* Signature verification (server/verify/sigverify.c, server/verify/sigverify_cache.c)
 * through the real registry client against Debian's docker-registry on
 * loopback. tests/registry/sigverify.sh pushes the images and the
 * openssl-made cosign signatures and passes addresses, digests and key
 * files in the environment (REG_*, IMG_*, SIG_KEYS); run alone, this
 * program skips (exit 77).
 *
 * Timings are printed; the only ones asserted are generous bounds that a
 * hang (rather than a refusal or a deadline) would break. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "admitd/registry.h"
#include "sigverify.h"
#include "sigverify_cache.h"

enum key_id { ECDSA, RSA, ED25519, WRONG, N_KEYS };
static const char *const key_names[N_KEYS] = {"ecdsa", "rsa", "ed25519", "wrong"};
static struct adm_cosign_key *keys[N_KEYS];
static struct adm_cosign_key *key_sets[N_KEYS][1];
static struct adm_sig_authority auth[N_KEYS];

static int setup(void **state) {
  (void)state;
  for (int i = 0; i < N_KEYS; i++) {
    char path[1024], pem[ADM_COSIGN_PEM_MAX];
    snprintf(path, sizeof path, "%s/%s.pub", env("SIG_KEYS"), key_names[i]);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
      fail_msg("cannot open %s", path);
    size_t n = fread(pem, 1, sizeof pem, f);
    fclose(f);
    struct adm_error err = {0};
    if (adm_cosign_key_new(&keys[i], pem, n, 0, &err) < 0)
      fail_msg("expected %s to load: %s", path, err.message);
    key_sets[i][0] = keys[i];
    auth[i] = (struct adm_sig_authority){.name = key_names[i], .keys = key_sets[i], .n_keys = 1};
  }
  return 0;
}

static int teardown(void **state) {
  (void)state;
  for (int i = 0; i < N_KEYS; i++)
    adm_cosign_key_free(keys[i]);
  return 0;
}

/* Plain HTTP to every loopback port. request_ms bounds each HTTP request. */
static struct adm_registry_client *client_timed(long request_ms) {
  struct adm_registry_host hosts[] = {{.host = "127.0.0.1", .insecure = true}};
  struct adm_registry_options o = {
      .hosts = hosts, .nhosts = 1, .connect_timeout_ms = 2000, .request_timeout_ms = request_ms};
  struct adm_registry_client *c = NULL;
  struct adm_error err = {0};
  if (adm_registry_client_new(&o, &c, &err) != 0)
    fail_msg("adm_registry_client_new: %s: %s", err.where, err.message);
  return c;
}

struct rig {
  struct adm_registry_client *client;
  struct adm_verifier v;
};

static void rig_init(struct rig *r, long request_ms) {
  r->client = client_timed(request_ms);
  adm_registry_verifier(r->client, &r->v);
}

static struct adm_sig_result verify_in(struct rig *r, const char *reg, const char *repo, const char *tag,
                                       const char *digest, const struct adm_sig_rule *rule, int64_t deadline_ms) {
  struct adm_sig_request req = {reg, repo, tag, digest, rule, NULL};
  struct adm_sig_result res;
  int rc = adm_sig_verify(&r->v, &req, deadline_ms, &res);
  if (rc != 0)
    fail_msg("expected adm_sig_verify to return 0, got %d (%s)", rc, res.detail);
  return res;
}

static struct adm_sig_result verify(struct rig *r, const char *repo, const char *tag, const char *digest,
                                    const struct adm_sig_rule *rule) {
  return verify_in(r, env("REG_PLAIN"), repo, tag, digest, rule, adm_verifier_deadline_in(10000));
}

static void expect(const struct adm_sig_result *res, enum adm_sig_outcome want, uint64_t want_authorities) {
  if (res->outcome != want)
    fail_msg("expected %s, got %s (%s)", adm_sig_outcome_id(want), adm_sig_outcome_id(res->outcome), res->detail);
  if (res->authorities != want_authorities)
    fail_msg("expected authorities 0x%llx, got 0x%llx (%s)", (unsigned long long)want_authorities,
             (unsigned long long)res->authorities, res->detail);
}

static struct adm_sig_rule one_of(enum key_id k) {
  return (struct adm_sig_rule){.authorities = &auth[k], .n_authorities = 1, .threshold = 1};
}

/* --- signatures ----------------------------------------------------------- */

static void each_algorithm(void **state) {
  (void)state;
  struct rig r;
  rig_init(&r, 5000);
  for (int k = ECDSA; k <= ED25519; k++) {
    struct adm_sig_rule rule = one_of((enum key_id)k);
    struct adm_sig_result res = verify(&r, "app", "v1", NULL, &rule);
    expect(&res, ADM_SIG_VERIFIED, 1);
    assert_string_equal(res.digest, env("IMG_APP"));
    print_message("%s: %s\n", key_names[k], res.detail);
  }
  adm_registry_client_free(r.client);
}

static void unsigned_wrong_key_and_replay(void **state) {
  (void)state;
  struct rig r;
  rig_init(&r, 5000);
  struct adm_sig_rule ecdsa = one_of(ECDSA), wrong = one_of(WRONG);
  struct adm_sig_result res = verify(&r, "bare", "v1", NULL, &ecdsa);
  expect(&res, ADM_SIG_UNSIGNED, 0);
  assert_string_equal(res.digest, env("IMG_BARE"));
  res = verify(&r, "app", "v1", NULL, &wrong);
  expect(&res, ADM_SIG_INVALID_SIGNATURE, 0);
  /* app's valid signature under replay's .sig tag: bound to app's digest. */
  res = verify(&r, "replay", NULL, env("IMG_REPLAY"), &ecdsa);
  expect(&res, ADM_SIG_DIGEST_MISMATCH, 0);
  if (strstr(res.detail, env("IMG_APP")) == NULL)
    fail_msg("expected the detail to name the digest the signature is for, got %s", res.detail);
  adm_registry_client_free(r.client);
}

static void thresholds(void **state) {
  (void)state;
  struct rig r;
  rig_init(&r, 5000);
  struct adm_sig_authority two[] = {auth[ECDSA], auth[RSA]};
  struct adm_sig_rule rule = {.authorities = two, .n_authorities = 2, .threshold = 2};
  struct adm_sig_result res = verify(&r, "one", "v1", NULL, &rule);
  expect(&res, ADM_SIG_BELOW_THRESHOLD, 1);
  res = verify(&r, "app", "v1", NULL, &rule);
  expect(&res, ADM_SIG_VERIFIED, 3);
  struct adm_sig_authority three[] = {auth[ECDSA], auth[RSA], auth[ED25519]};
  struct adm_sig_rule all = {.authorities = three, .n_authorities = 3, .threshold = ADM_SIG_THRESHOLD_ALL};
  res = verify(&r, "app", "v1", NULL, &all);
  expect(&res, ADM_SIG_VERIFIED, 7);
  const char *required[] = {"rsa"};
  struct adm_sig_rule req = {
      .authorities = two, .n_authorities = 2, .threshold = 1, .required = required, .n_required = 1};
  res = verify(&r, "one", "v1", NULL, &req);
  expect(&res, ADM_SIG_BELOW_THRESHOLD, 1);
  adm_registry_client_free(r.client);
}

static void references(void **state) {
  (void)state;
  struct rig r;
  rig_init(&r, 5000);
  struct adm_sig_rule ecdsa = one_of(ECDSA), ed = one_of(ED25519);
  /* By digest: no resolution. */
  struct adm_sig_result res = verify(&r, "app", NULL, env("IMG_APP"), &ecdsa);
  expect(&res, ADM_SIG_VERIFIED, 1);
  /* The multi-arch tag resolves to the index digest, which is what is signed. */
  res = verify(&r, "app", "v1-index", NULL, &ecdsa);
  expect(&res, ADM_SIG_VERIFIED, 1);
  assert_string_equal(res.digest, env("IMG_APP_INDEX"));
  /* The index is not signed with Ed25519, though its platform manifest is. */
  res = verify(&r, "app", "v1-index", NULL, &ed);
  expect(&res, ADM_SIG_INVALID_SIGNATURE, 0);
  res = verify(&r, "app", "nope", NULL, &ecdsa);
  expect(&res, ADM_SIG_IMAGE_NOT_FOUND, 0);
  /* signatureRepository: the .sig tag in another repository. */
  res = verify(&r, "elsewhere", "v1", NULL, &ed);
  expect(&res, ADM_SIG_UNSIGNED, 0);
  char sigrepo[128];
  snprintf(sigrepo, sizeof sigrepo, "%s/signatures/elsewhere", env("REG_PLAIN"));
  ed.signature_repository = sigrepo;
  res = verify(&r, "elsewhere", "v1", NULL, &ed);
  expect(&res, ADM_SIG_VERIFIED, 1);
  assert_string_equal(res.digest, env("IMG_ELSEWHERE"));
  adm_registry_client_free(r.client);
}

/* --- failures ------------------------------------------------------------- */

static void stopped_registry(void **state) {
  (void)state;
  struct rig r;
  rig_init(&r, 5000);
  struct adm_sig_rule ecdsa = one_of(ECDSA);
  int64_t start = adm_verifier_now_ms();
  struct adm_sig_result res = verify_in(&r, env("REG_GONE"), "app", "v1", NULL, &ecdsa, adm_verifier_deadline_in(5000));
  int64_t took = adm_verifier_now_ms() - start;
  expect(&res, ADM_SIG_REGISTRY_UNAVAILABLE, 0);
  print_message("stopped registry: %s after %lld ms (deadline 5000 ms): %s\n", adm_sig_outcome_id(res.outcome),
                (long long)took, res.detail);
  if (took >= 2500)
    fail_msg("a refused connection should fail fast, took %lld ms", (long long)took);
  /* By digest too: the .sig fetch is refused. */
  res = verify_in(&r, env("REG_GONE"), "app", NULL, env("IMG_APP"), &ecdsa, adm_verifier_deadline_in(5000));
  expect(&res, ADM_SIG_REGISTRY_UNAVAILABLE, 0);
  adm_registry_client_free(r.client);
}

static void silent_registry(void **state) {
  (void)state;
  char addr[64];
  int fd = silent_listener(addr, sizeof addr);
  /* Per-request timeout ten minutes: only the deadline can end this in time. */
  struct rig r;
  rig_init(&r, 600000);
  struct adm_sig_rule ecdsa = one_of(ECDSA);
  int64_t start = adm_verifier_now_ms();
  struct adm_sig_result res = verify_in(&r, addr, "app", "v1", NULL, &ecdsa, adm_verifier_deadline_in(300));
  int64_t took = adm_verifier_now_ms() - start;
  expect(&res, ADM_SIG_DEADLINE, 0);
  print_message("silent registry: %s after %lld ms (deadline 300 ms)\n", adm_sig_outcome_id(res.outcome),
                (long long)took);
  if (took >= 1300)
    fail_msg("expected to give up at the 300 ms deadline, took %lld ms", (long long)took);
  start = adm_verifier_now_ms();
  res = verify_in(&r, addr, "app", NULL, env("IMG_APP"), &ecdsa, adm_verifier_deadline_in(200));
  took = adm_verifier_now_ms() - start;
  expect(&res, ADM_SIG_DEADLINE, 0);
  if (took >= 1200)
    fail_msg("expected to give up at the 200 ms deadline, took %lld ms", (long long)took);
  adm_registry_client_free(r.client);
  close(fd);
}

/* --- the cache over the real client ---------------------------------------- */

static void cached_admission_makes_no_request(void **state) {
  (void)state;
  struct rig r;
  rig_init(&r, 5000);
  struct adm_sig_cache *c = NULL;
  assert_int_equal(adm_sig_cache_new(NULL, &c), 0);
  struct adm_sig_rule ecdsa = one_of(ECDSA);
  struct adm_sig_request req = {env("REG_PLAIN"), "app", "v1", NULL, &ecdsa, NULL};
  struct adm_sig_result res;
  assert_int_equal(adm_sig_cache_verify(c, &r.v, &req, "rule-0", 1, adm_verifier_deadline_in(10000), &res), 0);
  expect(&res, ADM_SIG_VERIFIED, 1);
  unsigned long cold = adm_registry_requests(r.client);
  print_message("cold verification: %lu requests\n", cold);
  assert_true(cold >= 3); /* HEAD, the .sig manifest, the payload */
  assert_int_equal(adm_sig_cache_verify(c, &r.v, &req, "rule-0", 1, adm_verifier_deadline_in(10000), &res), 0);
  expect(&res, ADM_SIG_VERIFIED, 1);
  assert_int_equal(adm_registry_requests(r.client), cold);
  /* A reload (generation 2) asks again. */
  assert_int_equal(adm_sig_cache_verify(c, &r.v, &req, "rule-0", 2, adm_verifier_deadline_in(10000), &res), 0);
  expect(&res, ADM_SIG_VERIFIED, 1);
  assert_int_equal(adm_registry_requests(r.client), 2 * cold);
  adm_sig_cache_free(c);
  adm_registry_client_free(r.client);
}

#define THREADS 32

struct asker {
  pthread_t thread;
  struct adm_sig_cache *c;
  struct adm_verifier *v;
  pthread_barrier_t *start;
  const struct adm_sig_rule *rule;
  struct adm_sig_result res;
  int rc;
};

static void *ask(void *arg) {
  struct asker *a = arg;
  struct adm_sig_request req = {env("REG_PLAIN"), "app", "v1", NULL, a->rule, NULL};
  pthread_barrier_wait(a->start);
  a->rc = adm_sig_cache_verify(a->c, a->v, &req, "rule-0", 1, adm_verifier_deadline_in(10000), &a->res);
  return NULL;
}

static void concurrent_admissions_share_requests(void **state) {
  (void)state;
  /* The cold cost of one verification, on a client of its own. */
  struct rig one;
  rig_init(&one, 5000);
  struct adm_sig_rule rule = one_of(RSA);
  struct adm_sig_result res = verify(&one, "app", "v1", NULL, &rule);
  expect(&res, ADM_SIG_VERIFIED, 1);
  unsigned long cold = adm_registry_requests(one.client);
  adm_registry_client_free(one.client);

  struct rig r;
  rig_init(&r, 5000);
  struct adm_sig_cache *c = NULL;
  assert_int_equal(adm_sig_cache_new(NULL, &c), 0);
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, THREADS);
  struct asker askers[THREADS];
  for (int i = 0; i < THREADS; i++) {
    askers[i] = (struct asker){.c = c, .v = &r.v, .start = &start, .rule = &rule};
    assert_int_equal(pthread_create(&askers[i].thread, NULL, ask, &askers[i]), 0);
  }
  for (int i = 0; i < THREADS; i++) {
    pthread_join(askers[i].thread, NULL);
    assert_int_equal(askers[i].rc, 0);
    expect(&askers[i].res, ADM_SIG_VERIFIED, 1);
  }
  pthread_barrier_destroy(&start);
  print_message("%d concurrent admissions: %lu requests (one cold verification: %lu)\n", THREADS,
                adm_registry_requests(r.client), cold);
  assert_int_equal(adm_registry_requests(r.client), cold);
  adm_sig_cache_free(c);
  adm_registry_client_free(r.client);
}

int main(void) {
  if (getenv("REG_PLAIN") == NULL) {
    fprintf(stderr, "SKIP: run through tests/registry/sigverify.sh, which starts the registry\n");
    return 77;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(each_algorithm),
      cmocka_unit_test(unsigned_wrong_key_and_replay),
      cmocka_unit_test(thresholds),
      cmocka_unit_test(references),
      cmocka_unit_test(stopped_registry),
      cmocka_unit_test(silent_registry),
      cmocka_unit_test(cached_admission_makes_no_request),
      cmocka_unit_test(concurrent_admissions_share_requests),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
