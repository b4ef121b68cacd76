/* The registry client (server/registry/) against real registries on
 * loopback. tests/registry/run.sh starts them, pushes the image and passes
 * addresses and digests in the environment (REG_*, IMG_*); run alone, this
 * program skips (exit 77).
 *
 * Timings are printed, never asserted: the deadline tests assert the
 * outcome, which only a call that gave up in time can produce. */
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
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "admitd/registry.h"

/* Loopback over plain HTTP (any port of 127.0.0.1 to 127.0.0.4 and
 * localhost), except the TLS registry's exact host:port, which is HTTPS with
 * its own CA. */
static struct adm_registry_client *client_timed(const char *credentials, size_t max_manifest, long connect_ms,
                                                long request_ms) {
  char tls[64];
  snprintf(tls, sizeof tls, "%s", env("REG_TLS"));
  struct adm_registry_host hosts[] = {
      {.host = "127.0.0.1", .insecure = true}, {.host = "127.0.0.2", .insecure = true},
      {.host = "127.0.0.3", .insecure = true}, {.host = "127.0.0.4", .insecure = true},
      {.host = "localhost", .insecure = true}, {.host = tls, .ca_file = env("REG_TLS_CA")},
  };
  struct adm_registry_options o = {.hosts = hosts,
                                   .nhosts = sizeof hosts / sizeof hosts[0],
                                   .credentials_file = credentials,
                                   .connect_timeout_ms = connect_ms,
                                   .request_timeout_ms = request_ms,
                                   .max_manifest_bytes = max_manifest};
  struct adm_registry_client *c = NULL;
  struct adm_error err = {0};
  int rc = adm_registry_client_new(&o, &c, &err);
  if (rc != 0)
    fail_msg("adm_registry_client_new: %s: %s", err.where, err.message);
  return c;
}

static struct adm_registry_client *client_with(const char *credentials, size_t max_manifest) {
  return client_timed(credentials, max_manifest, 2000, 5000);
}

static struct adm_registry_client *anon(void) {
  return client_with(NULL, 0);
}

static struct adm_registry_client *authed(void) {
  return client_with(env("REG_CREDENTIALS"), 0);
}

static int64_t soon(void) {
  return adm_verifier_deadline_in(10000);
}

static void expect_resolve(struct adm_registry_client *c, const char *reg, const char *repo, const char *ref,
                           const char *want_digest) {
  struct adm_fetch_target t = {reg, repo, ref};
  struct adm_fetch_error err = {0};
  char digest[ADM_DIGEST_MAX];
  ASSERT_OUTCOME(ADM_FETCH_OK, adm_registry_resolve(c, &t, soon(), digest, &err), err);
  if (strcmp(digest, want_digest) != 0)
    fail_msg("%s:%s resolved to %s, expected %s", repo, ref, digest, want_digest);
}

static enum adm_fetch_outcome resolve_outcome(struct adm_registry_client *c, const char *reg, const char *repo,
                                              const char *ref, int64_t deadline, struct adm_fetch_error *err) {
  struct adm_fetch_target t = {reg, repo, ref};
  char digest[ADM_DIGEST_MAX];
  return adm_registry_resolve(c, &t, deadline, digest, err);
}

/* ---- tag -> digest ---------------------------------------------------- */

static void test_resolve_tags(void **state) {
  (void)state;
  struct adm_registry_client *c = anon();
  expect_resolve(c, env("REG_PLAIN"), "app", "v1", env("IMG_OCI"));
  expect_resolve(c, env("REG_PLAIN"), "app", "v1-docker", env("IMG_DOCKER"));
  /* A multi-arch tag resolves to the index, not to a platform manifest. */
  expect_resolve(c, env("REG_PLAIN"), "app", "v1-index", env("IMG_INDEX"));
  assert_int_equal(adm_registry_requests(c), 3); /* one HEAD each */
  adm_registry_client_free(c);
}

static void test_resolve_digest_without_io(void **state) {
  (void)state;
  struct adm_registry_client *c = anon();
  expect_resolve(c, env("REG_GONE"), "app", env("IMG_OCI"), env("IMG_OCI"));
  if (adm_registry_requests(c) != 0)
    fail_msg("a digest reference needs no request, made %lu", adm_registry_requests(c));
  adm_registry_client_free(c);
}

/* ---- manifests and blobs ---------------------------------------------- */

static void test_get_manifest(void **state) {
  (void)state;
  struct adm_registry_client *c = anon();
  size_t want_len;
  char *want = slurp(env("IMG_OCI_FILE"), &want_len);
  struct adm_fetch_target t = {env("REG_PLAIN"), "app", "v1"};
  struct adm_fetched m;
  struct adm_fetch_error err = {0};
  ASSERT_OUTCOME(ADM_FETCH_OK, adm_registry_get_manifest(c, &t, soon(), &m, &err), err);
  assert_int_equal(m.len, want_len);
  assert_memory_equal(m.data, want, want_len);
  assert_string_equal(m.digest, env("IMG_OCI"));
  assert_string_equal(m.media_type, "application/vnd.oci.image.manifest.v1+json");
  adm_fetched_free(&m);

  t.reference = env("IMG_INDEX"); /* by digest: checked against the bytes */
  ASSERT_OUTCOME(ADM_FETCH_OK, adm_registry_get_manifest(c, &t, soon(), &m, &err), err);
  assert_string_equal(m.digest, env("IMG_INDEX"));
  assert_string_equal(m.media_type, "application/vnd.oci.image.index.v1+json");
  adm_fetched_free(&m);

  t.reference = "v1-docker";
  ASSERT_OUTCOME(ADM_FETCH_OK, adm_registry_get_manifest(c, &t, soon(), &m, &err), err);
  assert_string_equal(m.digest, env("IMG_DOCKER"));
  assert_string_equal(m.media_type, "application/vnd.docker.distribution.manifest.v2+json");
  adm_fetched_free(&m);
  free(want);
  adm_registry_client_free(c);
}

static void test_get_blob(void **state) {
  (void)state;
  struct adm_registry_client *c = anon();
  size_t want_len;
  char *want = slurp(env("IMG_CONFIG_FILE"), &want_len);
  struct adm_fetch_target t = {env("REG_PLAIN"), "app", env("IMG_CONFIG")};
  struct adm_fetched b;
  struct adm_fetch_error err = {0};
  ASSERT_OUTCOME(ADM_FETCH_OK, adm_registry_get_blob(c, &t, soon(), &b, &err), err);
  assert_int_equal(b.len, want_len);
  assert_memory_equal(b.data, want, want_len);
  assert_string_equal(b.digest, env("IMG_CONFIG"));
  adm_fetched_free(&b);
  t.reference = env("IMG_LAYER"); /* the registry redirects nothing here; bytes still checked */
  ASSERT_OUTCOME(ADM_FETCH_OK, adm_registry_get_blob(c, &t, soon(), &b, &err), err);
  assert_string_equal(b.digest, env("IMG_LAYER"));
  adm_fetched_free(&b);
  free(want);
  adm_registry_client_free(c);
}

static void test_not_found(void **state) {
  (void)state;
  struct adm_registry_client *c = anon();
  struct adm_fetch_error err = {0};
  ASSERT_OUTCOME(ADM_FETCH_NOT_FOUND, resolve_outcome(c, env("REG_PLAIN"), "app", "nope", soon(), &err), err);
  assert_int_equal(err.http_status, 404);
  ASSERT_OUTCOME(ADM_FETCH_NOT_FOUND, resolve_outcome(c, env("REG_PLAIN"), "no/such/repo", "v1", soon(), &err), err);
  struct adm_fetch_target t = {env("REG_PLAIN"), "app",
                               "sha256:"
                               "0000000000000000000000000000000000000000000000000000000000000000"};
  struct adm_fetched f;
  ASSERT_OUTCOME(ADM_FETCH_NOT_FOUND, adm_registry_get_blob(c, &t, soon(), &f, &err), err);
  ASSERT_OUTCOME(ADM_FETCH_NOT_FOUND, adm_registry_get_manifest(c, &t, soon(), &f, &err), err);
  assert_null(f.data);
  adm_registry_client_free(c);
}

static void test_oversize_manifest(void **state) {
  (void)state;
  struct adm_registry_client *small = client_with(NULL, 8192), *big = anon();
  struct adm_fetch_target t = {env("REG_PLAIN"), "app", "big"};
  struct adm_fetched m;
  struct adm_fetch_error err = {0};
  ASSERT_OUTCOME(ADM_FETCH_TOO_LARGE, adm_registry_get_manifest(small, &t, soon(), &m, &err), err);
  assert_null(m.data);
  /* Resolving needs no body, so the cap does not apply; the default cap admits it. */
  expect_resolve(small, env("REG_PLAIN"), "app", "big", env("IMG_BIG"));
  ASSERT_OUTCOME(ADM_FETCH_OK, adm_registry_get_manifest(big, &t, soon(), &m, &err), err);
  assert_string_equal(m.digest, env("IMG_BIG"));
  adm_fetched_free(&m);
  adm_registry_client_free(small);
  adm_registry_client_free(big);
}

static void test_invalid_target(void **state) {
  (void)state;
  struct adm_registry_client *c = anon();
  struct adm_fetch_error err = {0};
  ASSERT_OUTCOME(ADM_FETCH_INTERNAL, resolve_outcome(c, env("REG_PLAIN"), "App", "v1", soon(), &err), err);
  ASSERT_OUTCOME(ADM_FETCH_INTERNAL, resolve_outcome(c, env("REG_PLAIN"), "app/../x", "v1", soon(), &err), err);
  ASSERT_OUTCOME(ADM_FETCH_INTERNAL, resolve_outcome(c, env("REG_PLAIN"), "app", "v1?x=y", soon(), &err), err);
  /* A registry name that makes no URL. */
  ASSERT_OUTCOME(ADM_FETCH_MALFORMED, resolve_outcome(c, "bad host", "app", "v1", soon(), &err), err);
  struct adm_fetch_target t = {env("REG_PLAIN"), "app", "v1"}; /* a blob needs a digest */
  struct adm_fetched f;
  ASSERT_OUTCOME(ADM_FETCH_INTERNAL, adm_registry_get_blob(c, &t, soon(), &f, &err), err);
  assert_int_equal(adm_registry_requests(c), 0);
  adm_registry_client_free(c);
}

/* ---- auth ------------------------------------------------------------- */

static void test_basic_auth(void **state) {
  (void)state;
  struct adm_registry_client *c = authed(), *a = anon();
  /* The credentials file names it "http://host:port/v1/": canonicalised. */
  expect_resolve(c, env("REG_BASIC"), "app", "v1", env("IMG_OCI"));
  struct adm_fetch_error err = {0};
  ASSERT_OUTCOME(ADM_FETCH_AUTH, resolve_outcome(a, env("REG_BASIC"), "app", "v1", soon(), &err), err);
  assert_int_equal(err.http_status, 401);

  char path[] = "/tmp/admitd-creds-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  dprintf(fd, "{\"auths\":{\"%s\":{\"username\":\"alice\",\"password\":\"wrong\"}}}", env("REG_BASIC"));
  close(fd);
  struct adm_registry_client *w = client_with(path, 0);
  ASSERT_OUTCOME(ADM_FETCH_AUTH, resolve_outcome(w, env("REG_BASIC"), "app", "v1", soon(), &err), err);
  unlink(path);
  adm_registry_client_free(w);
  adm_registry_client_free(c);
  adm_registry_client_free(a);
}

static void test_bearer_anonymous(void **state) {
  (void)state;
  struct adm_registry_client *c = anon();
  expect_resolve(c, env("REG_TOKEN"), "app", "v1", env("IMG_OCI"));
  /* 401 challenge, token request, retry. */
  assert_int_equal(adm_registry_requests(c), 3);
  /* The token is cached for the repository: one request. */
  expect_resolve(c, env("REG_TOKEN"), "app", "v1-index", env("IMG_INDEX"));
  assert_int_equal(adm_registry_requests(c), 4);
  /* Anonymous callers get no access to private/: the registry refuses the token. */
  struct adm_fetch_error err = {0};
  ASSERT_OUTCOME(ADM_FETCH_AUTH, resolve_outcome(c, env("REG_TOKEN"), "private/app", "v1", soon(), &err), err);
  adm_registry_client_free(c);
}

static void test_bearer_with_credentials(void **state) {
  (void)state;
  struct adm_registry_client *c = authed();
  expect_resolve(c, env("REG_TOKEN"), "private/app", "v1", env("IMG_PRIVATE"));
  size_t n;
  char *log = slurp(env("REG_TOKEN_LOG"), &n);
  if (strstr(log, "scope=repository:private/app:pull auth=good granted=private/app:pull") == NULL)
    fail_msg("the token request should carry the registry's basic credentials; token log:\n%s", log);
  free(log);
  adm_registry_client_free(c);
}

static void test_bad_token_answer(void **state) {
  (void)state;
  struct adm_registry_client *c = anon();
  struct adm_fetch_error err = {0};
  ASSERT_OUTCOME(ADM_FETCH_MALFORMED, resolve_outcome(c, env("REG_FAKE"), "badtoken", "v1", soon(), &err), err);
  adm_registry_client_free(c);
}

/* ---- transport -------------------------------------------------------- */

static void test_tls_with_ca_file(void **state) {
  (void)state;
  struct adm_registry_client *c = anon();
  /* Over TLS the registry speaks HTTP/2: header names arrive in lower case. */
  expect_resolve(c, env("REG_TLS"), "app", "v1-index", env("IMG_INDEX"));
  assert_int_equal(adm_registry_requests(c), 1); /* the digest came from the HEAD, no GET */
  adm_registry_client_free(c);
}

static struct adm_registry_client *no_settings(void) {
  struct adm_registry_options o = {.connect_timeout_ms = 2000, .request_timeout_ms = 5000};
  struct adm_registry_client *c = NULL;
  assert_int_equal(adm_registry_client_new(&o, &c, NULL), 0);
  return c;
}

static void test_https_by_default(void **state) {
  (void)state;
  struct adm_registry_client *c = no_settings();
  struct adm_fetch_error err = {0};
  /* System CAs do not know the test CA. */
  ASSERT_OUTCOME(ADM_FETCH_UNAVAILABLE, resolve_outcome(c, env("REG_TLS"), "app", "v1", soon(), &err), err);
  print_message("untrusted certificate: %s\n", err.detail);
  /* A plain-HTTP registry is not spoken to in plain HTTP unless marked insecure. */
  ASSERT_OUTCOME(ADM_FETCH_UNAVAILABLE, resolve_outcome(c, env("REG_PLAIN"), "app", "v1", soon(), &err), err);
  print_message("plain registry over https: %s\n", err.detail);
  adm_registry_client_free(c);
}

static void test_stopped_registry(void **state) {
  (void)state;
  struct adm_registry_client *c = anon();
  struct adm_fetch_error err = {0};
  int64_t start = adm_verifier_now_ms();
  ASSERT_OUTCOME(ADM_FETCH_UNAVAILABLE, resolve_outcome(c, env("REG_GONE"), "app", "v1", soon(), &err), err);
  print_message("stopped registry refused in %lld ms: %s\n", (long long)(adm_verifier_now_ms() - start), err.detail);
  adm_registry_client_free(c);
}

static void test_silent_registry_deadline(void **state) {
  (void)state;
  char addr[64];
  int fd = silent_listener(addr, sizeof addr);
  /* Per-request timeout ten minutes, past ctest's timeout for this test:
   * only the deadline can end these calls in time. */
  struct adm_registry_client *c = client_timed(NULL, 0, 2000, 600000);
  struct adm_fetch_error err = {0};
  int64_t start = adm_verifier_now_ms();
  ASSERT_OUTCOME(ADM_FETCH_DEADLINE, resolve_outcome(c, addr, "app", "v1", adm_verifier_deadline_in(300), &err), err);
  print_message("silent registry: resolve gave up after %lld ms (deadline 300 ms): %s\n",
                (long long)(adm_verifier_now_ms() - start), err.detail);
  struct adm_fetch_target t = {addr, "app", env("IMG_CONFIG")};
  struct adm_fetched b;
  start = adm_verifier_now_ms();
  ASSERT_OUTCOME(ADM_FETCH_DEADLINE, adm_registry_get_blob(c, &t, adm_verifier_deadline_in(200), &b, &err), err);
  print_message("silent registry: blob gave up after %lld ms (deadline 200 ms)\n",
                (long long)(adm_verifier_now_ms() - start));
  /* A deadline already passed sends nothing. */
  unsigned long before = adm_registry_requests(c);
  ASSERT_OUTCOME(ADM_FETCH_DEADLINE, resolve_outcome(c, env("REG_PLAIN"), "app", "v1", adm_verifier_now_ms() - 1, &err),
                 err);
  assert_int_equal(adm_registry_requests(c), before);
  adm_registry_client_free(c);
  close(fd);
}

/* ---- what only a misbehaving registry does ---------------------------- */

static void test_digest_header_absent(void **state) {
  (void)state;
  struct adm_registry_client *c = anon();
  /* HEAD without Docker-Content-Digest: GET and hash the bytes. */
  expect_resolve(c, env("REG_FAKE"), "nodigest", "v1", env("IMG_OCI"));
  assert_int_equal(adm_registry_requests(c), 2);
  adm_registry_client_free(c);
}

static void test_digest_mismatch(void **state) {
  (void)state;
  struct adm_registry_client *c = anon();
  struct adm_fetch_target t = {env("REG_FAKE"), "liar", "v1"};
  struct adm_fetched f;
  struct adm_fetch_error err = {0};
  ASSERT_OUTCOME(ADM_FETCH_DIGEST_MISMATCH, adm_registry_get_manifest(c, &t, soon(), &f, &err), err);
  t.repository = "nodigest"; /* served bytes are the OCI manifest, asked for the index */
  t.reference = env("IMG_INDEX");
  ASSERT_OUTCOME(ADM_FETCH_DIGEST_MISMATCH, adm_registry_get_manifest(c, &t, soon(), &f, &err), err);
  t.repository = "wrongblob";
  t.reference = env("IMG_CONFIG");
  ASSERT_OUTCOME(ADM_FETCH_DIGEST_MISMATCH, adm_registry_get_blob(c, &t, soon(), &f, &err), err);
  assert_null(f.data);
  adm_registry_client_free(c);
}

static void test_endless_body(void **state) {
  (void)state;
  struct adm_registry_client *c = client_with(NULL, 65536);
  struct adm_fetch_target t = {env("REG_FAKE"), "endless", "v1"};
  struct adm_fetched f;
  struct adm_fetch_error err = {0};
  ASSERT_OUTCOME(ADM_FETCH_TOO_LARGE, adm_registry_get_manifest(c, &t, soon(), &f, &err), err);
  adm_registry_client_free(c);
}

static void test_http_status(void **state) {
  (void)state;
  struct adm_registry_client *c = anon();
  struct adm_fetch_error err = {0};
  ASSERT_OUTCOME(ADM_FETCH_UNAVAILABLE, resolve_outcome(c, env("REG_FAKE"), "status/503", "v1", soon(), &err), err);
  assert_int_equal(err.http_status, 503);
  ASSERT_OUTCOME(ADM_FETCH_UNAVAILABLE, resolve_outcome(c, env("REG_FAKE"), "status/429", "v1", soon(), &err), err);
  ASSERT_OUTCOME(ADM_FETCH_AUTH, resolve_outcome(c, env("REG_FAKE"), "status/403", "v1", soon(), &err), err);
  ASSERT_OUTCOME(ADM_FETCH_MALFORMED, resolve_outcome(c, env("REG_FAKE"), "status/400", "v1", soon(), &err), err);
  /* A 401 without a challenge is an auth failure, not a loop. */
  ASSERT_OUTCOME(ADM_FETCH_AUTH, resolve_outcome(c, env("REG_FAKE"), "status/401", "v1", soon(), &err), err);
  adm_registry_client_free(c);
}

static int log_has(const char *needle) {
  return log_has_line(env("REG_FAKE_LOG"), "", needle);
}

static void test_redirect_to_other_host(void **state) {
  (void)state;
  struct adm_registry_client *c = authed();
  struct adm_fetch_target t = {env("REG_FAKE"), "redirect", env("IMG_CONFIG")};
  struct adm_fetched f;
  struct adm_fetch_error err = {0};
  ASSERT_OUTCOME(ADM_FETCH_OK, adm_registry_get_blob(c, &t, soon(), &f, &err), err);
  assert_string_equal(f.digest, env("IMG_CONFIG"));
  adm_fetched_free(&f);
  char line[256];
  const char *port = strchr(env("REG_FAKE"), ':') + 1;
  snprintf(line, sizeof line, "GET %s /v2/redirect/blobs/%s auth=yes", env("REG_FAKE"), env("IMG_CONFIG"));
  if (!log_has(line))
    fail_msg("expected the registry to get the credentials: %s", line);
  snprintf(line, sizeof line, "GET localhost:%s /cdn/%s auth=no", port, env("IMG_CONFIG"));
  if (!log_has(line))
    fail_msg("credentials must not follow a redirect to another host: expected \"%s\"", line);
  adm_registry_client_free(c);
}

static void test_redirect_same_host(void **state) {
  (void)state;
  struct adm_registry_client *c = authed();
  struct adm_fetch_target t = {env("REG_FAKE"), "samehost", env("IMG_CONFIG")};
  struct adm_fetched f;
  struct adm_fetch_error err = {0};
  ASSERT_OUTCOME(ADM_FETCH_OK, adm_registry_get_blob(c, &t, soon(), &f, &err), err);
  adm_fetched_free(&f);
  char line[256];
  snprintf(line, sizeof line, "GET %s /cdn/%s auth=yes", env("REG_FAKE"), env("IMG_CONFIG"));
  if (!log_has(line))
    fail_msg("a same-origin redirect keeps the credentials: expected \"%s\"", line);
  adm_registry_client_free(c);
}

/* ---- where credentials and tokens go (origins.py) --------------------- */

/* The mirror's lines must show neither the registry's credentials, nor the
 * mirror's own (a challenge after a redirect is answered anonymously), nor
 * the registry's token; the registry's must not show the mirror's token. */
static void expect_no_crossing(void) {
  expect_sent("mirror", "auth=basic", false, "neither the registry's credentials nor the mirror's own");
  expect_sent("mirror", "token-for-registry", false, "the registry's token stays with the registry");
  expect_sent("registry", "token-for-mirror", false, "the mirror's token never goes to the registry");
}

static void test_redirect_then_challenge(void **state) {
  (void)state;
  struct adm_registry_client *c = authed();
  origins_forget();
  /* The registry redirects at once; the mirror challenges. */
  struct adm_fetch_target t = {env("ORIGIN_REGISTRY"), "hop", "v1"};
  struct adm_fetched f = {0};
  struct adm_fetch_error err = {0};
  enum adm_fetch_outcome o = adm_registry_get_manifest(c, &t, soon(), &f, &err);
  expect_no_crossing(); /* first: it says more than a failed outcome */
  expect_sent("mirror", "GET /token auth=none", true, "a challenge after a redirect gets an anonymous token request");
  expect_sent("mirror", "GET /v2/hop/manifests/v1 auth=bearer:token-for-mirror", true, "the mirror's token");
  ASSERT_OUTCOME(ADM_FETCH_OK, o, err);
  assert_string_equal(f.digest, env("IMG_OCI"));
  adm_fetched_free(&f);
  t.reference = env("IMG_CONFIG");
  ASSERT_OUTCOME(ADM_FETCH_OK, adm_registry_get_blob(c, &t, soon(), &f, &err), err);
  adm_fetched_free(&f);

  /* The registry wants its own token first, then redirects: twice, the
   * second time with its token cached (the mirror's is not). */
  origins_forget();
  t = (struct adm_fetch_target){env("ORIGIN_REGISTRY"), "tokenhop", "v1"};
  o = adm_registry_get_manifest(c, &t, soon(), &f, &err);
  expect_no_crossing();
  expect_sent("tokens", "GET /token auth=basic-good", true, "the registry's own challenge: its realm gets them");
  ASSERT_OUTCOME(ADM_FETCH_OK, o, err);
  adm_fetched_free(&f);
  o = resolve_outcome(c, env("ORIGIN_REGISTRY"), "tokenhop", "v1", soon(), &err);
  expect_no_crossing();
  expect_sent("registry", "HEAD /v2/tokenhop/manifests/v1 auth=bearer:token-for-registry", true, "the cached token");
  expect_sent("mirror", "HEAD /v2/tokenhop/manifests/v1 auth=bearer:token-for-mirror", true, "the mirror's token");
  ASSERT_OUTCOME(ADM_FETCH_OK, o, err);
  adm_registry_client_free(c);
}

static void test_redirect_then_basic_challenge(void **state) {
  (void)state;
  struct adm_registry_client *c = authed();
  origins_forget();
  struct adm_fetch_error err = {0};
  ASSERT_OUTCOME(ADM_FETCH_AUTH, resolve_outcome(c, env("ORIGIN_REGISTRY"), "hopbasic", "v1", soon(), &err), err);
  assert_int_equal(err.http_status, 401);
  print_message("basic challenge after a redirect: %s\n", err.detail);
  expect_sent("mirror", "HEAD /v2/hopbasic/manifests/v1 auth=none", true, "the redirect itself");
  expect_no_crossing(); /* a Basic challenge after a redirect gets no credentials */
  adm_registry_client_free(c);
}

static void test_redirect_target_refuses_its_token(void **state) {
  (void)state;
  struct adm_registry_client *c = authed();
  origins_forget();
  struct adm_fetch_error err = {0};
  ASSERT_OUTCOME(ADM_FETCH_AUTH, resolve_outcome(c, env("ORIGIN_REGISTRY"), "hoprefuse", "v1", soon(), &err), err);
  assert_int_equal(err.http_status, 401);
  /* registry, mirror's 401, its token, registry again, mirror's 401: final. */
  assert_int_equal(adm_registry_requests(c), 5);
  expect_sent("mirror", "HEAD /v2/hoprefuse/manifests/v1 auth=bearer:token-for-mirror", true, "its token, once");
  expect_no_crossing();
  adm_registry_client_free(c);
}

static void test_token_realm_on_other_host(void **state) {
  (void)state;
  /* Docker Hub's shape: registry-1.docker.io names auth.docker.io. */
  struct adm_registry_client *c = authed(), *a = anon();
  origins_forget();
  expect_resolve(c, env("ORIGIN_REGISTRY"), "direct", "v1", env("IMG_OCI"));
  expect_sent("tokens", "GET /token auth=basic-good", true, "the registry's challenge names this realm");
  expect_sent("registry", "HEAD /v2/direct/manifests/v1 auth=bearer:token-for-registry", true, "the token");
  origins_forget();
  struct adm_fetch_error err = {0};
  ASSERT_OUTCOME(ADM_FETCH_AUTH, resolve_outcome(a, env("ORIGIN_REGISTRY"), "direct", "v1", soon(), &err), err);
  expect_sent("tokens", "GET /token auth=none", true, "without credentials, the realm is asked anonymously");
  adm_registry_client_free(c);
  adm_registry_client_free(a);
}

static void test_token_realm_redirects(void **state) {
  (void)state;
  struct adm_registry_client *c = authed();
  origins_forget();
  struct adm_fetch_error err = {0};
  /* The realm sends the token request to another host, which refuses it
   * without credentials. */
  ASSERT_OUTCOME(ADM_FETCH_AUTH, resolve_outcome(c, env("ORIGIN_REGISTRY"), "realmmoved", "v1", soon(), &err), err);
  expect_sent("tokens", "GET /moved auth=basic-good", true, "the realm the registry named");
  expect_sent("elsewhere", "GET /token auth=none", true, "the realm's redirect is followed");
  expect_sent("elsewhere", "auth=basic", false, "credentials do not follow a realm's redirect to another host");
  /* A redirect within the realm's own origin keeps them. */
  expect_resolve(c, env("ORIGIN_REGISTRY"), "realmhere", "v1", env("IMG_OCI"));
  expect_sent("tokens", "GET /here auth=basic-good", true, "the realm the registry named");
  expect_sent("tokens", "GET /token auth=basic-good", true, "a same-origin redirect of the realm");
  adm_registry_client_free(c);
}

static void test_storage_redirect_after_token(void **state) {
  (void)state;
  struct adm_registry_client *c = authed();
  origins_forget();
  struct adm_fetch_target t = {env("ORIGIN_REGISTRY"), "storage", env("IMG_CONFIG")};
  struct adm_fetched f;
  struct adm_fetch_error err = {0};
  ASSERT_OUTCOME(ADM_FETCH_OK, adm_registry_get_blob(c, &t, soon(), &f, &err), err);
  assert_string_equal(f.digest, env("IMG_CONFIG"));
  adm_fetched_free(&f);
  char line[160];
  snprintf(line, sizeof line, "GET /v2/storage/blobs/%s auth=bearer:token-for-registry", env("IMG_CONFIG"));
  expect_sent("registry", line, true, "the registry's token");
  snprintf(line, sizeof line, "GET /cdn/%s auth=none", env("IMG_CONFIG"));
  expect_sent("mirror", line, true, "a blob redirected to storage is fetched without the token");
  adm_registry_client_free(c);
}

/* ---- names, credentials files, the vtable, threads -------------------- */

static void expect_canonical(const char *in, const char *want) {
  char out[256];
  assert_int_equal(adm_registry_host_canonical(in, out, sizeof out), 0);
  if (strcmp(out, want) != 0)
    fail_msg("canonical(%s) = %s, expected %s", in, out, want);
}

static void test_docker_hub_names(void **state) {
  (void)state;
  expect_canonical("docker.io", "docker.io");
  expect_canonical("index.docker.io", "docker.io");
  expect_canonical("https://index.docker.io/v1/", "docker.io");
  expect_canonical("Registry-1.Docker.IO", "docker.io");
  expect_canonical("registry.hub.docker.com", "docker.io");
  expect_canonical("quay.io", "quay.io");
  expect_canonical("http://127.0.0.1:5000/v1/", "127.0.0.1:5000");
  assert_string_equal(adm_registry_api_host("docker.io"), "registry-1.docker.io");
  assert_string_equal(adm_registry_api_host("ghcr.io"), "ghcr.io");
  char tiny[4];
  assert_int_equal(adm_registry_host_canonical("quay.io", tiny, sizeof tiny), ADM_ETOOBIG);
}

static int bad_credentials(const char *content) {
  char path[] = "/tmp/admitd-creds-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  dprintf(fd, "%s", content);
  close(fd);
  struct adm_registry_options o = {.credentials_file = path};
  struct adm_registry_client *c = NULL;
  struct adm_error err = {0};
  int rc = adm_registry_client_new(&o, &c, &err);
  unlink(path);
  assert_null(c);
  assert_string_equal(err.where, path);
  return rc;
}

static void test_credentials_file_errors(void **state) {
  (void)state;
  assert_int_equal(bad_credentials("{not json"), ADM_EPARSE);
  assert_int_equal(bad_credentials("{\"auths\": []}"), ADM_EPARSE);
  assert_int_equal(bad_credentials("{\"auths\": {\"r.io\": {\"auth\": \"!!!\"}}}"), ADM_EPARSE);
  assert_int_equal(bad_credentials("{\"auths\": {\"r.io\": {\"auth\": \"bm9jb2xvbg==\"}}}"), ADM_EPARSE);
  struct adm_registry_options o = {.credentials_file = "/nonexistent/config.json"};
  struct adm_registry_client *c = NULL;
  assert_int_equal(adm_registry_client_new(&o, &c, NULL), ADM_EIO);
  assert_null(c);
  /* A FIFO in its place is refused at once, not waited on for a writer
   * (a read that blocked would end the test at the alarm). */
  alarm(10);
  char dir[] = "/tmp/admitd-creds-fifo.XXXXXX";
  assert_non_null(mkdtemp(dir));
  char fifo[64];
  snprintf(fifo, sizeof fifo, "%s/config.json", dir);
  assert_int_equal(mkfifo(fifo, 0600), 0);
  o.credentials_file = fifo;
  struct adm_error err = {0};
  assert_int_equal(adm_registry_client_new(&o, &c, &err), ADM_EINVAL);
  assert_null(c);
  assert_non_null(strstr(err.message, "not a regular file"));
  unlink(fifo);
  rmdir(dir);
  alarm(0);
}

static void test_verifier_vtable(void **state) {
  (void)state;
  struct adm_registry_client *c = anon();
  struct adm_verifier v;
  adm_registry_verifier(c, &v);
  struct adm_fetch_target t = {env("REG_PLAIN"), "app", "v1-index"};
  struct adm_fetch_error err = {0};
  char digest[ADM_DIGEST_MAX];
  ASSERT_OUTCOME(ADM_FETCH_OK, v.ops->resolve(&v, &t, soon(), digest, &err), err);
  assert_string_equal(digest, env("IMG_INDEX"));
  struct adm_fetched m;
  t.reference = digest;
  ASSERT_OUTCOME(ADM_FETCH_OK, v.ops->fetch_manifest(&v, &t, soon(), &m, &err), err);
  adm_fetched_free(&m);
  t.reference = env("IMG_LAYER");
  ASSERT_OUTCOME(ADM_FETCH_OK, v.ops->fetch_blob(&v, &t, soon(), &m, &err), err);
  adm_fetched_free(&m);
  assert_string_equal(adm_fetch_outcome_id(ADM_FETCH_UNAVAILABLE), "registry-unavailable");
  adm_registry_client_free(c);
}

struct worker {
  struct adm_registry_client *c;
  int failures;
};

static void *work(void *arg) {
  struct worker *w = arg;
  const char *regs[] = {"REG_TOKEN", "REG_PLAIN", "REG_TLS"};
  for (int i = 0; i < 12; i++) {
    struct adm_fetch_error err = {0};
    char digest[ADM_DIGEST_MAX];
    struct adm_fetch_target t = {getenv(regs[i % 3]), "app", "v1-index"};
    enum adm_fetch_outcome o = adm_registry_resolve(w->c, &t, soon(), digest, &err);
    if (o != ADM_FETCH_OK || strcmp(digest, getenv("IMG_INDEX")) != 0) {
      fprintf(stderr, "%s: %s: %s\n", regs[i % 3], adm_fetch_outcome_id(o), err.detail);
      w->failures++;
    }
  }
  return NULL;
}

static void test_threads_share_a_client(void **state) {
  (void)state;
  /* Eight threads' TLS handshakes at once, on a loaded machine (or under
   * the sanitizers), can take longer than the 2 s the other tests allow a
   * connection: this test is about sharing one client, not about speed. */
  struct adm_registry_client *c = client_timed(NULL, 0, 15000, 15000);
  pthread_t th[8];
  struct worker w[8];
  for (int i = 0; i < 8; i++) {
    w[i] = (struct worker){c, 0};
    assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
  }
  int failures = 0;
  for (int i = 0; i < 8; i++) {
    pthread_join(th[i], NULL);
    failures += w[i].failures;
  }
  assert_int_equal(failures, 0);
  adm_registry_client_free(c);
}

int main(void) {
  if (getenv("REG_PLAIN") == NULL) {
    fprintf(stderr, "SKIP: run through tests/registry/run.sh, which starts the registries\n");
    return 77;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_resolve_tags),
      cmocka_unit_test(test_resolve_digest_without_io),
      cmocka_unit_test(test_get_manifest),
      cmocka_unit_test(test_get_blob),
      cmocka_unit_test(test_not_found),
      cmocka_unit_test(test_oversize_manifest),
      cmocka_unit_test(test_invalid_target),
      cmocka_unit_test(test_basic_auth),
      cmocka_unit_test(test_bearer_anonymous),
      cmocka_unit_test(test_bearer_with_credentials),
      cmocka_unit_test(test_bad_token_answer),
      cmocka_unit_test(test_tls_with_ca_file),
      cmocka_unit_test(test_https_by_default),
      cmocka_unit_test(test_stopped_registry),
      cmocka_unit_test(test_silent_registry_deadline),
      cmocka_unit_test(test_digest_header_absent),
      cmocka_unit_test(test_digest_mismatch),
      cmocka_unit_test(test_endless_body),
      cmocka_unit_test(test_http_status),
      cmocka_unit_test(test_redirect_to_other_host),
      cmocka_unit_test(test_redirect_same_host),
      cmocka_unit_test(test_redirect_then_challenge),
      cmocka_unit_test(test_redirect_then_basic_challenge),
      cmocka_unit_test(test_redirect_target_refuses_its_token),
      cmocka_unit_test(test_token_realm_on_other_host),
      cmocka_unit_test(test_token_realm_redirects),
      cmocka_unit_test(test_storage_redirect_after_token),
      cmocka_unit_test(test_docker_hub_names),
      cmocka_unit_test(test_credentials_file_errors),
      cmocka_unit_test(test_verifier_vtable),
      cmocka_unit_test(test_threads_share_a_client),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
