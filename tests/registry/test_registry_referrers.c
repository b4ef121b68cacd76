/* The registry client's referrers call (adm_registry_referrers, and the
 * verifier vtable's referrers) against real registries on loopback:
 * Debian's docker-registry, which has no referrers API (the referrers tag),
 * referrers_proxy.py in front of it (the API), fakeregistry.py for answers
 * no real registry gives, and origins.py for where credentials go.
 * tests/registry/referrers.sh starts them, pushes subjects, referrers and
 * referrers tags and passes them in the environment (REG_*, REF_*); run
 * alone, this program skips (exit 77).
 *
 * An index from the API with no manifests is OK, not NOT_FOUND: the
 * registry said there are no referrers, and the caller says "unsigned". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admitd/registry.h"

#define OCI_INDEX "application/vnd.oci.image.index.v1+json"

/* Plain HTTP to 127.0.0.1 to 127.0.0.4 and localhost. */
static struct adm_registry_client *client(const char *credentials, size_t max_manifest, long request_ms) {
  struct adm_registry_host hosts[] = {
      {.host = "127.0.0.1", .insecure = true}, {.host = "127.0.0.2", .insecure = true},
      {.host = "127.0.0.3", .insecure = true}, {.host = "127.0.0.4", .insecure = true},
      {.host = "localhost", .insecure = true},
  };
  struct adm_registry_options o = {.hosts = hosts,
                                   .nhosts = sizeof hosts / sizeof hosts[0],
                                   .credentials_file = credentials,
                                   .connect_timeout_ms = 2000,
                                   .request_timeout_ms = request_ms,
                                   .max_manifest_bytes = max_manifest};
  struct adm_registry_client *c = NULL;
  struct adm_error err = {0};
  if (adm_registry_client_new(&o, &c, &err) != 0)
    fail_msg("adm_registry_client_new: %s: %s", err.where, err.message);
  return c;
}

static struct adm_registry_client *anon(void) {
  return client(NULL, 0, 5000);
}

static struct adm_registry_client *authed(void) {
  return client(env("REG_CREDENTIALS"), 0, 5000);
}

static int64_t soon(void) {
  return adm_verifier_deadline_in(10000);
}

static void expect_via(enum adm_referrers_via want, enum adm_referrers_via got) {
  if (got != want)
    fail_msg("expected the answer via %s, got %d", want == ADM_REFERRERS_API ? "the API" : "the referrers tag",
             (int)got);
}

/* What one call gave. */
struct call {
  struct adm_fetched f;
  struct adm_fetch_error err;
  enum adm_referrers_via via;
};

/* The referrers of subject in reg/repo, before deadline: fails unless the
 * outcome is want, by the path via, with nothing in k->f unless OK. k->via
 * starts as no path at all, so a call that never sets it is caught. */
static void expect_call_by(struct adm_registry_client *c, const char *reg, const char *repo, const char *subject,
                           int64_t deadline, enum adm_fetch_outcome want, enum adm_referrers_via via, struct call *k) {
  struct adm_fetch_target t = {reg, repo, subject};
  memset(k, 0, sizeof *k);
  k->via = (enum adm_referrers_via) - 1;
  enum adm_fetch_outcome o = adm_registry_referrers(c, &t, deadline, &k->f, &k->via, &k->err);
  if (o != want)
    fail_msg("%s/%s referrers of %s: expected %s, got %s (%s)", reg, repo, subject ? subject : "(null)",
             adm_fetch_outcome_id(want), adm_fetch_outcome_id(o), k->err.detail);
  expect_via(via, k->via);
  if (want != ADM_FETCH_OK)
    assert_null(k->f.data);
}

static void expect_call(struct adm_registry_client *c, const char *reg, const char *repo, const char *subject,
                        enum adm_fetch_outcome want, enum adm_referrers_via via, struct call *k) {
  expect_call_by(c, reg, repo, subject, soon(), want, via, k);
}

static void sha256_of(const void *data, size_t len, char out[ADM_DIGEST_MAX]) {
  unsigned char h[32];
  gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, h);
  int n = snprintf(out, ADM_DIGEST_MAX, "sha256:");
  for (int i = 0; i < 32; i++)
    n += snprintf(out + n, ADM_DIGEST_MAX - (size_t)n, "%02x", h[i]);
}

static void expect_requests(struct adm_registry_client *c, unsigned long want) {
  if (adm_registry_requests(c) != want)
    fail_msg("expected %lu HTTP requests, the client made %lu", want, adm_registry_requests(c));
}

/* A listing that came back OK: the index type, the digest of exactly these
 * bytes, and each of the (NULL-terminated) needles somewhere in them. Frees
 * it. */
static void expect_index(struct adm_fetched *f, const char *const *needles) {
  char digest[ADM_DIGEST_MAX];
  sha256_of(f->data, f->len, digest);
  assert_string_equal(f->digest, digest);
  assert_string_equal(f->media_type, OCI_INDEX);
  char *text = strndup((const char *)f->data, f->len);
  for (; needles != NULL && *needles != NULL; needles++)
    if (strstr(text, *needles) == NULL)
      fail_msg("expected \"%s\" in the index:\n%s", *needles, text);
  free(text);
  adm_fetched_free(f);
}

/* A repository of the fake registry and what asking it gives. */
struct expected {
  const char *repo;
  enum adm_fetch_outcome want;
};

/* Each case, on a new client: its outcome, by the path via, and
 * requests_each HTTP requests. */
static void expect_outcomes(const struct expected *cases, size_t n, enum adm_referrers_via via,
                            unsigned long requests_each) {
  struct adm_registry_client *c = anon();
  for (size_t i = 0; i < n; i++) {
    struct call k;
    unsigned long before = adm_registry_requests(c);
    expect_call(c, env("REG_FAKE"), cases[i].repo, env("REF_SUBJ_API"), cases[i].want, via, &k);
    assert_int_equal(adm_registry_requests(c) - before, requests_each);
    print_message("%s: %s\n", cases[i].repo, k.err.detail);
  }
  adm_registry_client_free(c);
}

/* ---- the API ---------------------------------------------------------- */

static void test_api_lists_referrers(void **state) {
  (void)state;
  struct adm_registry_client *c = anon();
  struct call k;
  expect_call(c, env("REG_PROXY"), "referred", env("REF_SUBJ_API"), ADM_FETCH_OK, ADM_REFERRERS_API, &k);
  expect_requests(c, 1);
  expect_index(&k.f, (const char *const[]){env("REF_API_A"), env("REF_API_B"), NULL});
  /* The proxy logs the whole request line: no artifactType filter was asked. */
  char line[160];
  snprintf(line, sizeof line, "GET /v2/referred/referrers/%s 200", env("REF_SUBJ_API"));
  if (!log_has_line(env("REG_PROXY_LOG"), line, ""))
    fail_msg("expected \"%s\" in the proxy's log, with no query", line);
  /* A registry with the API describes what the referrers tag lists too. */
  expect_call(c, env("REG_PROXY"), "referred", env("REF_SUBJ_TAG"), ADM_FETCH_OK, ADM_REFERRERS_API, &k);
  expect_index(&k.f, (const char *const[]){env("REF_TAG_REFERRER"), NULL});
  expect_requests(c, 2);
  adm_registry_client_free(c);
}

static void test_api_empty_index(void **state) {
  (void)state;
  struct adm_registry_client *c = anon();
  struct call k;
  /* No referrers, said by a registry with the API: OK, an empty list. */
  expect_call(c, env("REG_PROXY"), "referred", env("REF_SUBJ_NONE"), ADM_FETCH_OK, ADM_REFERRERS_API, &k);
  expect_requests(c, 1); /* no fallback to the tag */
  expect_index(&k.f, (const char *const[]){"\"manifests\": []", NULL});
  adm_registry_client_free(c);
}

static void test_api_answers_accepted(void **state) {
  (void)state;
  struct adm_registry_client *c = anon();
  size_t n;
  char *manifest = slurp(env("IMG_OCI_FILE"), &n), listed[ADM_DIGEST_MAX];
  sha256_of(manifest, n, listed);
  free(manifest);
  /* application/json with the index type in the body; an index with
   * OCI-Filters-Applied; a Docker-Content-Digest the spec gives no meaning
   * here (the index is not addressed by it). */
  const char *const repos[] = {"referrers/json", "referrers/filtered", "referrers/digest-header"};
  for (size_t i = 0; i < sizeof repos / sizeof *repos; i++) {
    struct call k;
    expect_call(c, env("REG_FAKE"), repos[i], env("REF_SUBJ_API"), ADM_FETCH_OK, ADM_REFERRERS_API, &k);
    expect_index(&k.f, (const char *const[]){listed, NULL});
  }
  expect_requests(c, 3);
  adm_registry_client_free(c);
}

static void test_not_an_index(void **state) {
  (void)state;
  /* A page; JSON with no type, or the index type only in a nested object;
   * an index Content-Type over a manifest body and the other way round; the
   * type twice or escaped (each could be read two ways); broken, cut in an
   * escape, or trailing JSON; an array; nothing. */
  static const struct expected cases[] = {
      {"referrers/html", ADM_FETCH_MALFORMED},           {"referrers/bare", ADM_FETCH_MALFORMED},
      {"referrers/typed-manifest", ADM_FETCH_MALFORMED}, {"referrers/manifest-typed", ADM_FETCH_MALFORMED},
      {"referrers/two-types", ADM_FETCH_MALFORMED},      {"referrers/escaped", ADM_FETCH_MALFORMED},
      {"referrers/truncated", ADM_FETCH_MALFORMED},      {"referrers/trailing", ADM_FETCH_MALFORMED},
      {"referrers/array", ADM_FETCH_MALFORMED},          {"referrers/empty", ADM_FETCH_MALFORMED},
      {"referrers/nested-type", ADM_FETCH_MALFORMED},    {"referrers/open-escape", ADM_FETCH_MALFORMED},
  };
  expect_outcomes(cases, sizeof cases / sizeof *cases, ADM_REFERRERS_API, 1);
}

/* Only 404 says a registry has no referrers API (distribution spec 1.1):
 * every other status keeps its outcome, and the tag is not asked. */
static void test_api_statuses(void **state) {
  (void)state;
  static const struct expected cases[] = {
      {"status/503", ADM_FETCH_UNAVAILABLE}, {"status/501", ADM_FETCH_UNAVAILABLE},
      {"status/429", ADM_FETCH_UNAVAILABLE}, {"status/405", ADM_FETCH_MALFORMED},
      {"status/400", ADM_FETCH_MALFORMED},   {"status/406", ADM_FETCH_MALFORMED},
      {"status/403", ADM_FETCH_AUTH},        {"status/401", ADM_FETCH_AUTH},
      {"status/410", ADM_FETCH_NOT_FOUND},
  };
  expect_outcomes(cases, sizeof cases / sizeof *cases, ADM_REFERRERS_API, 1);
}

/* ---- the referrers tag ------------------------------------------------ */

static void test_tag_fallback(void **state) {
  (void)state;
  struct adm_registry_client *c = anon();
  struct call k;
  expect_call(c, env("REG_PLAIN"), "referred", env("REF_SUBJ_TAG"), ADM_FETCH_OK, ADM_REFERRERS_TAG, &k);
  expect_requests(c, 2); /* the API's 404, the tag */
  size_t n;
  char *want = slurp(env("REF_TAG_INDEX_FILE"), &n);
  assert_int_equal(k.f.len, n);
  assert_memory_equal(k.f.data, want, n);
  assert_string_equal(k.f.digest, env("REF_TAG_INDEX"));
  expect_index(&k.f, NULL);
  free(want);
  adm_registry_client_free(c);
}

static void test_tag_missing(void **state) {
  (void)state;
  struct adm_registry_client *c = anon();
  struct call k;
  expect_call(c, env("REG_PLAIN"), "referred", env("REF_SUBJ_NONE"), ADM_FETCH_NOT_FOUND, ADM_REFERRERS_TAG, &k);
  assert_int_equal(k.err.http_status, 404);
  expect_requests(c, 2);
  print_message("no referrers tag: %s\n", k.err.detail);
  /* The referrers pushed through the proxy are known to it alone. */
  expect_call(c, env("REG_PLAIN"), "referred", env("REF_SUBJ_API"), ADM_FETCH_NOT_FOUND, ADM_REFERRERS_TAG, &k);
  /* The fake's 404 everywhere: both paths asked, in order. */
  const char *subject = env("REF_SUBJ_NONE");
  expect_call(c, env("REG_FAKE"), "status/404", subject, ADM_FETCH_NOT_FOUND, ADM_REFERRERS_TAG, &k);
  char line[200];
  snprintf(line, sizeof line, "GET %s /v2/status/404/referrers/%s auth=no", env("REG_FAKE"), subject);
  assert_true(log_has_line(env("REG_FAKE_LOG"), line, ""));
  snprintf(line, sizeof line, "GET %s /v2/status/404/manifests/sha256-%s auth=no", env("REG_FAKE"), subject + 7);
  assert_true(log_has_line(env("REG_FAKE_LOG"), line, ""));
  expect_requests(c, 6);
  adm_registry_client_free(c);
}

static void test_tag_answers_refused(void **state) {
  (void)state;
  /* After the API's 404: a tag that names a manifest, not an index; a tag
   * whose Docker-Content-Digest is not its bytes (checked like any manifest
   * GET by tag); a tag the registry cannot serve. */
  static const struct expected cases[] = {
      {"referrers/tag-manifest", ADM_FETCH_MALFORMED},
      {"referrers/tag-liar", ADM_FETCH_DIGEST_MISMATCH},
      {"referrers/tag-503", ADM_FETCH_UNAVAILABLE},
  };
  expect_outcomes(cases, sizeof cases / sizeof *cases, ADM_REFERRERS_TAG, 2);
}

/* ---- auth ------------------------------------------------------------- */

static void test_token_auth(void **state) {
  (void)state;
  struct adm_registry_client *c = anon();
  struct call k;
  /* docker-registry answers a route it does not have 404 before it asks
   * for credentials: that 404, the tag's 401, the token, the tag again. */
  expect_call(c, env("REG_TOKEN"), "referred", env("REF_SUBJ_TAG"), ADM_FETCH_OK, ADM_REFERRERS_TAG, &k);
  assert_string_equal(k.f.digest, env("REF_TAG_INDEX"));
  expect_index(&k.f, NULL);
  expect_requests(c, 4);
  /* The token is cached for the repository. */
  expect_call(c, env("REG_TOKEN"), "referred", env("REF_SUBJ_NONE"), ADM_FETCH_NOT_FOUND, ADM_REFERRERS_TAG, &k);
  expect_requests(c, 6);
  adm_registry_client_free(c);
}

static void test_basic_auth(void **state) {
  (void)state;
  struct adm_registry_client *c = authed(), *a = anon();
  struct call k;
  expect_call(c, env("REG_BASIC"), "referred", env("REF_SUBJ_TAG"), ADM_FETCH_OK, ADM_REFERRERS_TAG, &k);
  assert_string_equal(k.f.digest, env("REF_TAG_INDEX"));
  expect_index(&k.f, NULL);
  /* Without credentials: the API's 404 (asked for none), the tag's 401. A
   * 401 on the API path itself is no fallback (test_api_statuses). */
  expect_call(a, env("REG_BASIC"), "referred", env("REF_SUBJ_TAG"), ADM_FETCH_AUTH, ADM_REFERRERS_TAG, &k);
  assert_int_equal(k.err.http_status, 401);
  expect_requests(a, 2);
  adm_registry_client_free(c);
  adm_registry_client_free(a);
}

static void test_bearer_realm_elsewhere(void **state) {
  (void)state;
  struct adm_registry_client *c = authed();
  origins_forget();
  struct call k;
  const char *subject = env("REF_SUBJ_API");
  expect_call(c, env("ORIGIN_REGISTRY"), "direct", subject, ADM_FETCH_OK, ADM_REFERRERS_API, &k);
  expect_index(&k.f, NULL);
  char line[200];
  snprintf(line, sizeof line, "GET /v2/direct/referrers/%s auth=none", subject);
  expect_sent("registry", line, true, "the first request, challenged");
  expect_sent("tokens", "GET /token auth=basic-good", true, "the registry's challenge names this realm");
  snprintf(line, sizeof line, "GET /v2/direct/referrers/%s auth=bearer:token-for-registry", subject);
  expect_sent("registry", line, true, "the token, on the referrers path");
  expect_requests(c, 3);
  adm_registry_client_free(c);
}

/* ---- redirects -------------------------------------------------------- */

static void test_redirects_keep_credentials_home(void **state) {
  (void)state;
  struct adm_registry_client *c = authed();
  struct call k;
  const char *subject = env("REF_SUBJ_API");
  /* Basic auth on the registry, 307 to another host. */
  expect_call(c, env("REG_FAKE"), "redirect", subject, ADM_FETCH_OK, ADM_REFERRERS_API, &k);
  expect_index(&k.f, NULL);
  char line[200];
  snprintf(line, sizeof line, "GET %s /v2/redirect/referrers/%s auth=yes", env("REG_FAKE"), subject);
  if (!log_has_line(env("REG_FAKE_LOG"), line, ""))
    fail_msg("expected the registry to get the credentials: %s", line);
  snprintf(line, sizeof line, "GET localhost:%s /cdn/referrers/%s auth=no", strchr(env("REG_FAKE"), ':') + 1, subject);
  if (!log_has_line(env("REG_FAKE_LOG"), line, ""))
    fail_msg("credentials must not follow a redirect to another host: expected \"%s\"", line);

  /* A redirect to a mirror that challenges: its own token, asked anonymously. */
  origins_forget();
  expect_call(c, env("ORIGIN_REGISTRY"), "hop", subject, ADM_FETCH_OK, ADM_REFERRERS_API, &k);
  expect_index(&k.f, NULL);
  expect_sent("mirror", "GET /token auth=none", true, "a challenge after a redirect gets an anonymous token request");
  snprintf(line, sizeof line, "GET /v2/hop/referrers/%s auth=bearer:token-for-mirror", subject);
  expect_sent("mirror", line, true, "the mirror's token");
  expect_sent("mirror", "auth=basic", false, "neither the registry's credentials nor the mirror's own");
  expect_sent("mirror", "token-for-registry", false, "the registry's token stays with the registry");
  adm_registry_client_free(c);
}

/* ---- caps and deadlines ----------------------------------------------- */

static void test_oversize(void **state) {
  (void)state;
  struct adm_registry_client *small = client(NULL, 8192, 5000), *big = anon();
  struct call k;
  const char *subject = env("REF_SUBJ_BIG");
  expect_call(small, env("REG_PROXY"), "referred", subject, ADM_FETCH_TOO_LARGE, ADM_REFERRERS_API, &k);
  expect_call(small, env("REG_PLAIN"), "referred", subject, ADM_FETCH_TOO_LARGE, ADM_REFERRERS_TAG, &k);
  /* No Content-Length, megabytes until the cap trips. */
  expect_call(small, env("REG_FAKE"), "endless", subject, ADM_FETCH_TOO_LARGE, ADM_REFERRERS_API, &k);
  /* The default cap admits both. */
  expect_call(big, env("REG_PROXY"), "referred", subject, ADM_FETCH_OK, ADM_REFERRERS_API, &k);
  assert_true(k.f.len > 8192);
  expect_index(&k.f, NULL);
  expect_call(big, env("REG_PLAIN"), "referred", subject, ADM_FETCH_OK, ADM_REFERRERS_TAG, &k);
  assert_true(k.f.len > 8192);
  expect_index(&k.f, NULL);
  adm_registry_client_free(small);
  adm_registry_client_free(big);
}

static void test_deadline(void **state) {
  (void)state;
  char addr[64];
  int fd = silent_listener(addr, sizeof addr);
  /* Requests may take ten minutes, past ctest's timeout: only the deadline
   * can end these calls in time. */
  struct adm_registry_client *c = client(NULL, 0, 600000);
  struct call k;
  const char *subject = env("REF_SUBJ_API");
  int64_t start = adm_verifier_now_ms();
  expect_call_by(c, addr, "app", subject, adm_verifier_deadline_in(300), ADM_FETCH_DEADLINE, ADM_REFERRERS_API, &k);
  print_message("silent registry: gave up after %lld ms (deadline 300 ms)\n",
                (long long)(adm_verifier_now_ms() - start));
  /* The fallback shares the deadline: the tag answers after 3 s. */
  start = adm_verifier_now_ms();
  expect_call_by(c, env("REG_FAKE"), "referrers/tag-slow", subject, adm_verifier_deadline_in(500), ADM_FETCH_DEADLINE,
                 ADM_REFERRERS_TAG, &k);
  print_message("slow referrers tag: gave up after %lld ms (deadline 500 ms)\n",
                (long long)(adm_verifier_now_ms() - start));
  /* A deadline already passed sends nothing. */
  unsigned long before = adm_registry_requests(c);
  expect_call_by(c, env("REG_PLAIN"), "referred", subject, adm_verifier_now_ms() - 1, ADM_FETCH_DEADLINE,
                 ADM_REFERRERS_API, &k);
  assert_int_equal(adm_registry_requests(c), before);
  adm_registry_client_free(c);
  close(fd);
}

/* ---- what is asked ---------------------------------------------------- */

static void test_invalid_target(void **state) {
  (void)state;
  struct adm_registry_client *c = anon();
  struct call k;
  const char *plain = env("REG_PLAIN");
  /* A tag, the referrers tag itself, another algorithm, upper case, short. */
  const char *const refs[] = {
      "v1",
      "sha256-0000000000000000000000000000000000000000000000000000000000000000",
      "sha512:0000000000000000000000000000000000000000000000000000000000000000"
      "0000000000000000000000000000000000000000000000000000000000000000",
      "sha256:ABCDEF0000000000000000000000000000000000000000000000000000000000",
      "sha256:000000000000000000000000000000000000000000000000000000000000000",
      NULL,
  };
  for (size_t i = 0; i < sizeof refs / sizeof *refs; i++) {
    expect_call(c, plain, "referred", refs[i], ADM_FETCH_INTERNAL, ADM_REFERRERS_API, &k);
    assert_non_null(strstr(k.err.detail, "is not a sha256 digest"));
  }
  expect_call(c, plain, "Referred", env("REF_SUBJ_API"), ADM_FETCH_INTERNAL, ADM_REFERRERS_API, &k);
  expect_call(c, plain, "a/../b", env("REF_SUBJ_API"), ADM_FETCH_INTERNAL, ADM_REFERRERS_API, &k);
  expect_requests(c, 0);
  adm_registry_client_free(c);
}

static void test_verifier_vtable(void **state) {
  (void)state;
  struct adm_registry_client *c = anon();
  struct adm_verifier v;
  adm_registry_verifier(c, &v);
  assert_non_null(v.ops->referrers);
  struct adm_fetch_target t = {env("REG_PROXY"), "referred", env("REF_SUBJ_API")};
  struct call k = {.via = ADM_REFERRERS_TAG};
  ASSERT_OUTCOME(ADM_FETCH_OK, v.ops->referrers(&v, &t, soon(), &k.f, &k.via, &k.err), k.err);
  expect_via(ADM_REFERRERS_API, k.via);
  expect_index(&k.f, (const char *const[]){env("REF_API_A"), NULL});
  t.registry = env("REG_PLAIN");
  t.reference = env("REF_SUBJ_TAG");
  ASSERT_OUTCOME(ADM_FETCH_OK, v.ops->referrers(&v, &t, soon(), &k.f, &k.via, &k.err), k.err);
  expect_via(ADM_REFERRERS_TAG, k.via);
  expect_index(&k.f, NULL);
  adm_registry_client_free(c);
}

int main(void) {
  if (getenv("REG_PROXY") == NULL) {
    fprintf(stderr, "SKIP: run through tests/registry/referrers.sh, which starts the registries\n");
    return 77;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_api_lists_referrers),
      cmocka_unit_test(test_api_empty_index),
      cmocka_unit_test(test_api_answers_accepted),
      cmocka_unit_test(test_not_an_index),
      cmocka_unit_test(test_api_statuses),
      cmocka_unit_test(test_tag_fallback),
      cmocka_unit_test(test_tag_missing),
      cmocka_unit_test(test_tag_answers_refused),
      cmocka_unit_test(test_token_auth),
      cmocka_unit_test(test_basic_auth),
      cmocka_unit_test(test_bearer_realm_elsewhere),
      cmocka_unit_test(test_redirects_keep_credentials_home),
      cmocka_unit_test(test_oversize),
      cmocka_unit_test(test_deadline),
      cmocka_unit_test(test_invalid_target),
      cmocka_unit_test(test_verifier_vtable),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
