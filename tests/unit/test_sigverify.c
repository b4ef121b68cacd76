/* server/verify/sigverify.c with the fake verifier (fake_verifier.h) serving the
 * committed cosign fixtures: each key algorithm, unsigned images, wrong
 * keys, a signature replayed from another image, thresholds and required
 * authorities, tag resolution, signatureRepository, every registry failure
 * mapped to its outcome, deadlines, and rules that cannot be applied. */
#include "cosign_fixtures.h"

#include "fake_verifier.h"

#include <unistd.h>

#include "sigverify.h"

#define REGISTRY "registry.example.com"

/* --- a fake registry built per test --------------------------------------- */

struct world {
  struct fake_entry e[32];
  size_t n;
  struct fake_verifier f;
  struct adm_verifier v;
};

/* A copy of s kept until the group ends. */
static const char *kept(const char *s) {
  if (n_loaded == MAX_LOADED)
    fail_msg("too many fixtures loaded");
  char *copy = strdup(s);
  loaded[n_loaded++] = copy;
  return copy;
}

static void serve(struct world *w, const char *repo, const char *ref, const char *bytes, enum adm_fetch_outcome o,
                  const char *digest) {
  if (w->n == sizeof w->e / sizeof w->e[0])
    fail_msg("the fake registry is full");
  w->e[w->n++] = (struct fake_entry){repo, ref, o, digest, bytes, NULL};
  w->f.entries = w->e;
  w->f.n = w->n;
  fake_verifier_init(&w->f, &w->v);
}

/* "sha256-<hex>.sig" for digest. */
static const char *sig_tag(const char *digest) {
  char tag[96];
  snprintf(tag, sizeof tag, "sha256-%s.sig", digest + 7);
  return kept(tag);
}

/* A layer signing the fixture <payload>.json with <sig>.sig; the payload is
 * served as a blob of repo. */
static struct layer layer_in(struct world *w, const char *repo, const char *payload, const char *sig) {
  char name[64], digest[80];
  size_t len;
  snprintf(name, sizeof name, "%s.json", payload);
  const char *data = fixture(name, &len);
  const char *d = kept(sha256_of(data, len, digest));
  serve(w, repo, d, data, ADM_FETCH_OK, NULL);
  snprintf(name, sizeof name, "%s.sig", sig);
  return (struct layer){d, (json_int_t)len, text(name), NULL};
}

/* The .sig manifest of digest with these layers, in repo. */
static void sign_in(struct world *w, const char *repo, const char *digest, const struct layer *layers, size_t n) {
  serve(w, repo, sig_tag(digest), manifest_of(OCI, layers, n), ADM_FETCH_OK, NULL);
}

/* --- rules ----------------------------------------------------------------- */

static struct adm_cosign_key *key_p256[1], *key_ed[1], *key_wrong[1], *key_rsa[1];
static struct adm_sig_authority release, qa, stranger, ops;

static int setup(void **state) {
  group_setup(state);
  key_p256[0] = keys[P256];
  key_ed[0] = keys[ED25519];
  key_wrong[0] = keys[WRONG];
  key_rsa[0] = keys[RSA2048];
  release = (struct adm_sig_authority){.name = "release", .keys = key_p256, .n_keys = 1};
  qa = (struct adm_sig_authority){.name = "qa", .keys = key_ed, .n_keys = 1};
  stranger = (struct adm_sig_authority){.name = "stranger", .keys = key_wrong, .n_keys = 1};
  ops = (struct adm_sig_authority){.name = "ops", .keys = key_rsa, .n_keys = 1};
  return 0;
}

static struct adm_sig_result verify_ok(struct world *w, const struct adm_sig_request *req, int64_t deadline) {
  struct adm_sig_result res;
  memset(&res, 0x5a, sizeof res); /* garbage in: every field must be written */
  int rc = adm_sig_verify(&w->v, req, deadline, &res);
  if (rc != 0)
    fail_msg("expected adm_sig_verify to return 0, got %d (%s)", rc, res.detail);
  return res;
}

static struct adm_sig_result verify(struct world *w, const struct adm_sig_request *req) {
  return verify_ok(w, req, adm_verifier_deadline_in(5000));
}

static void expect(const struct adm_sig_result *res, enum adm_sig_outcome want, uint64_t want_authorities,
                   const char *detail_part) {
  if (res->outcome != want)
    fail_msg("expected outcome %s, got %s (%s)", adm_sig_outcome_id(want), adm_sig_outcome_id(res->outcome),
             res->detail);
  if (res->authorities != want_authorities)
    fail_msg("expected authorities 0x%llx, got 0x%llx (%s)", (unsigned long long)want_authorities,
             (unsigned long long)res->authorities, res->detail);
  if (detail_part && strstr(res->detail, detail_part) == NULL)
    fail_msg("expected the detail to contain \"%s\", got \"%s\"", detail_part, res->detail);
}

/* --- tests ------------------------------------------------------------------ */

static void each_algorithm(void **state) {
  (void)state;
  static const enum key_id algs[] = {P256, P384, RSA2048, RSAPSS, RSASSAPSS, ED25519};
  for (size_t a = 0; a < sizeof algs / sizeof algs[0]; a++) {
    struct world w = {0};
    sign_in(&w, "app", image_digest, LAYERS(layer_in(&w, "app", "payload", key_files[algs[a]].file)));
    struct adm_cosign_key *k[] = {keys[algs[a]]};
    struct adm_sig_authority auth = {.name = key_files[algs[a]].file, .keys = k, .n_keys = 1};
    struct adm_sig_rule rule = {.authorities = &auth, .n_authorities = 1, .threshold = 1};
    struct adm_sig_request req = {REGISTRY, "app", NULL, image_digest, &rule, NULL};
    struct adm_sig_result res = verify(&w, &req);
    expect(&res, ADM_SIG_VERIFIED, 1, key_files[algs[a]].file);
    assert_string_equal(res.digest, image_digest);
    assert_true(adm_sig_authority_verified(&res, 0));
    /* A digest reference is never resolved; the .sig manifest and one payload are fetched. */
    assert_int_equal(w.f.resolves, 0);
    assert_int_equal(w.f.manifests, 1);
    assert_int_equal(w.f.blobs, 1);
  }
}

static void unsigned_image(void **state) {
  (void)state;
  struct world w = {0};
  serve(&w, "app", "v1", NULL, ADM_FETCH_OK, image_digest);
  struct adm_sig_rule rule = {.authorities = &release, .n_authorities = 1, .threshold = 1};
  struct adm_sig_request req = {REGISTRY, "app", NULL, image_digest, &rule, NULL};
  struct adm_sig_result res = verify(&w, &req);
  expect(&res, ADM_SIG_UNSIGNED, 0, "not found");
  assert_string_equal(res.digest, image_digest);
  assert_int_equal(w.f.blobs, 0);
  /* A .sig manifest without simple-signing layers is unsigned too. */
  sign_in(&w, "app", image_digest, NULL, 0);
  res = verify(&w, &req);
  expect(&res, ADM_SIG_UNSIGNED, 0, NULL);
}

static void wrong_key(void **state) {
  (void)state;
  struct world w = {0};
  sign_in(&w, "app", image_digest, LAYERS(layer_in(&w, "app", "payload", "ecdsa-p256")));
  struct adm_sig_rule rule = {.authorities = &stranger, .n_authorities = 1, .threshold = 1};
  struct adm_sig_request req = {REGISTRY, "app", NULL, image_digest, &rule, NULL};
  struct adm_sig_result res = verify(&w, &req);
  expect(&res, ADM_SIG_INVALID_SIGNATURE, 0, "no key verifies");
}

static void replayed_signature(void **state) {
  (void)state;
  /* The other image's valid signature copied under this image's .sig tag. */
  struct world w = {0};
  sign_in(&w, "app", image_digest, LAYERS(layer_in(&w, "app", "payload-other", "ecdsa-p256-other")));
  struct adm_sig_rule rule = {.authorities = &release, .n_authorities = 1, .threshold = 1};
  struct adm_sig_request req = {REGISTRY, "app", NULL, image_digest, &rule, NULL};
  struct adm_sig_result res = verify(&w, &req);
  expect(&res, ADM_SIG_DIGEST_MISMATCH, 0, other_digest);
  /* ... and it still verifies for the image it was made for. */
  sign_in(&w, "app", other_digest, LAYERS(layer_in(&w, "app", "payload-other", "ecdsa-p256-other")));
  req.digest = other_digest;
  res = verify(&w, &req);
  expect(&res, ADM_SIG_VERIFIED, 1, NULL);
}

static void threshold_two(void **state) {
  (void)state;
  struct adm_sig_authority two[] = {release, qa};
  struct adm_sig_rule rule = {.authorities = two, .n_authorities = 2, .threshold = 2};
  struct adm_sig_request req = {REGISTRY, "app", NULL, image_digest, &rule, NULL};

  struct world one = {0};
  sign_in(&one, "app", image_digest, LAYERS(layer_in(&one, "app", "payload", "ecdsa-p256")));
  struct adm_sig_result res = verify(&one, &req);
  expect(&res, ADM_SIG_BELOW_THRESHOLD, 1, "1 of 2");

  struct world both = {0};
  sign_in(&both, "app", image_digest,
          LAYERS(layer_in(&both, "app", "payload", "ecdsa-p256"), layer_in(&both, "app", "payload", "ed25519")));
  res = verify(&both, &req);
  expect(&res, ADM_SIG_VERIFIED, 3, "release, qa");

  /* "all" is every authority: both verify, and with a third it falls short. */
  rule.threshold = ADM_SIG_THRESHOLD_ALL;
  res = verify(&both, &req);
  expect(&res, ADM_SIG_VERIFIED, 3, NULL);
  struct adm_sig_authority three[] = {release, qa, ops};
  rule.authorities = three;
  rule.n_authorities = 3;
  res = verify(&both, &req);
  expect(&res, ADM_SIG_BELOW_THRESHOLD, 3, "2 of 3");

  /* Two layers signed by one authority's key count that authority once. */
  struct world twice = {0};
  sign_in(&twice, "app", image_digest,
          LAYERS(layer_in(&twice, "app", "payload", "ecdsa-p256"), layer_in(&twice, "app", "payload", "ecdsa-p256")));
  rule.authorities = two;
  rule.n_authorities = 2;
  rule.threshold = 2;
  res = verify(&twice, &req);
  expect(&res, ADM_SIG_BELOW_THRESHOLD, 1, "1 of 2");

  /* One authority holding both keys is still one authority. */
  struct adm_cosign_key *ks[] = {keys[P256], keys[ED25519]};
  struct adm_sig_authority merged[] = {{.name = "release", .keys = ks, .n_keys = 2}, stranger};
  rule.authorities = merged;
  res = verify(&both, &req);
  expect(&res, ADM_SIG_BELOW_THRESHOLD, 1, "1 of 2");
}

static void required_authority(void **state) {
  (void)state;
  struct world w = {0};
  sign_in(&w, "app", image_digest, LAYERS(layer_in(&w, "app", "payload", "ecdsa-p256")));
  struct adm_sig_authority two[] = {release, qa};
  const char *required[] = {"qa"};
  struct adm_sig_rule rule = {
      .authorities = two, .n_authorities = 2, .threshold = 1, .required = required, .n_required = 1};
  struct adm_sig_request req = {REGISTRY, "app", NULL, image_digest, &rule, NULL};
  struct adm_sig_result res = verify(&w, &req);
  expect(&res, ADM_SIG_BELOW_THRESHOLD, 1, "required authority qa");
  required[0] = "release";
  res = verify(&w, &req);
  expect(&res, ADM_SIG_VERIFIED, 1, NULL);
}

static void tag_resolution(void **state) {
  (void)state;
  struct world w = {0};
  /* A multi-arch tag resolves to its index digest: that is what is signed and verified. */
  serve(&w, "app", "multi", NULL, ADM_FETCH_OK, image_digest);
  serve(&w, "app", "v2", NULL, ADM_FETCH_OK, other_digest);
  sign_in(&w, "app", image_digest, LAYERS(layer_in(&w, "app", "payload", "ecdsa-p256")));
  struct adm_sig_rule rule = {.authorities = &release, .n_authorities = 1, .threshold = 1};
  struct adm_sig_request req = {REGISTRY, "app", "multi", NULL, &rule, NULL};
  struct adm_sig_result res = verify(&w, &req);
  expect(&res, ADM_SIG_VERIFIED, 1, NULL);
  assert_string_equal(res.digest, image_digest);
  assert_int_equal(w.f.resolves, 1);

  /* Another tag, another digest: its own (missing) signature. */
  req.tag = "v2";
  res = verify(&w, &req);
  expect(&res, ADM_SIG_UNSIGNED, 0, sig_tag(other_digest));
  assert_string_equal(res.digest, other_digest);

  /* Tag and digest: the digest wins, nothing is resolved. */
  req.digest = image_digest;
  w.f.resolves = 0;
  res = verify(&w, &req);
  expect(&res, ADM_SIG_VERIFIED, 1, NULL);
  assert_int_equal(w.f.resolves, 0);

  /* A tag the registry does not know is not a registry error. */
  req.tag = "nope";
  req.digest = NULL;
  res = verify(&w, &req);
  expect(&res, ADM_SIG_IMAGE_NOT_FOUND, 0, "nope");
  assert_false(adm_sig_outcome_is_registry_error(res.outcome));
  assert_string_equal(res.digest, "");
}

static void signature_repository(void **state) {
  (void)state;
  struct world w = {0};
  sign_in(&w, "team/signatures", image_digest, LAYERS(layer_in(&w, "team/signatures", "payload", "ecdsa-p256")));
  struct adm_sig_rule rule = {.authorities = &release, .n_authorities = 1, .threshold = 1};
  struct adm_sig_request req = {REGISTRY, "app", NULL, image_digest, &rule, NULL};
  struct adm_sig_result res = verify(&w, &req);
  expect(&res, ADM_SIG_UNSIGNED, 0, "registry.example.com/app:sha256-");
  rule.signature_repository = "sigs.example.com/team/signatures";
  res = verify(&w, &req);
  expect(&res, ADM_SIG_VERIFIED, 1, NULL);
  /* Normalized like an image name: a bare path is on Docker Hub. */
  rule.signature_repository = "team/other";
  res = verify(&w, &req);
  expect(&res, ADM_SIG_UNSIGNED, 0, "docker.io/team/other:sha256-");
  /* A tag or digest in it cannot be meant. */
  rule.signature_repository = "sigs.example.com/team/signatures:v1";
  res.outcome = ADM_SIG_VERIFIED;
  assert_int_equal(adm_sig_verify(&w.v, &req, adm_verifier_deadline_in(5000), &res), ADM_EINVAL);
  expect(&res, ADM_SIG_INTERNAL, 0, "signatureRepository");
}

/* Where a failure is injected, what the fake answers there, what comes out. */
enum where { AT_RESOLVE, AT_SIG, AT_BLOB };
static const struct {
  enum where at;
  enum adm_fetch_outcome fetch;
  enum adm_sig_outcome want;
} failures[] = {
    {AT_RESOLVE, ADM_FETCH_UNAVAILABLE, ADM_SIG_REGISTRY_UNAVAILABLE},
    {AT_RESOLVE, ADM_FETCH_AUTH, ADM_SIG_AUTH_FAILED},
    {AT_RESOLVE, ADM_FETCH_DEADLINE, ADM_SIG_DEADLINE},
    {AT_RESOLVE, ADM_FETCH_NOT_FOUND, ADM_SIG_IMAGE_NOT_FOUND},
    {AT_RESOLVE, ADM_FETCH_MALFORMED, ADM_SIG_INTERNAL},
    {AT_RESOLVE, ADM_FETCH_TOO_LARGE, ADM_SIG_INTERNAL},
    {AT_RESOLVE, ADM_FETCH_DIGEST_MISMATCH, ADM_SIG_INTERNAL},
    {AT_RESOLVE, ADM_FETCH_INTERNAL, ADM_SIG_INTERNAL},
    {AT_SIG, ADM_FETCH_UNAVAILABLE, ADM_SIG_REGISTRY_UNAVAILABLE},
    {AT_SIG, ADM_FETCH_AUTH, ADM_SIG_AUTH_FAILED},
    {AT_SIG, ADM_FETCH_DEADLINE, ADM_SIG_DEADLINE},
    {AT_SIG, ADM_FETCH_NOT_FOUND, ADM_SIG_UNSIGNED},
    {AT_SIG, ADM_FETCH_TOO_LARGE, ADM_SIG_MALFORMED_SIGNATURE},
    {AT_SIG, ADM_FETCH_MALFORMED, ADM_SIG_MALFORMED_SIGNATURE},
    {AT_SIG, ADM_FETCH_DIGEST_MISMATCH, ADM_SIG_INVALID_SIGNATURE},
    {AT_BLOB, ADM_FETCH_UNAVAILABLE, ADM_SIG_REGISTRY_UNAVAILABLE},
    {AT_BLOB, ADM_FETCH_AUTH, ADM_SIG_AUTH_FAILED},
    {AT_BLOB, ADM_FETCH_DEADLINE, ADM_SIG_DEADLINE},
    {AT_BLOB, ADM_FETCH_NOT_FOUND, ADM_SIG_MALFORMED_SIGNATURE},
    {AT_BLOB, ADM_FETCH_DIGEST_MISMATCH, ADM_SIG_INVALID_SIGNATURE},
    {AT_BLOB, ADM_FETCH_TOO_LARGE, ADM_SIG_INVALID_SIGNATURE},
};

static void registry_failures(void **state) {
  (void)state;
  struct adm_sig_rule rule = {.authorities = &release, .n_authorities = 1, .threshold = 1};
  for (size_t i = 0; i < sizeof failures / sizeof failures[0]; i++) {
    struct world w = {0};
    char payload_digest[80];
    size_t len;
    const char *payload = fixture("payload.json", &len);
    sha256_of(payload, len, payload_digest);
    /* The failure first: the fake answers with the first matching entry
     * (and takes NOT_FOUND to mean "keep looking": such a case is an entry left out). */
    enum adm_fetch_outcome f = failures[i].fetch;
    bool gone = f == ADM_FETCH_NOT_FOUND;
    if (failures[i].at == AT_RESOLVE && !gone)
      serve(&w, "app", "v1", NULL, f, NULL);
    if (failures[i].at == AT_SIG && !gone)
      serve(&w, "app", sig_tag(image_digest), NULL, f, NULL);
    if (failures[i].at == AT_BLOB && !gone)
      serve(&w, "app", kept(payload_digest), NULL, f, NULL);
    if (!(failures[i].at == AT_RESOLVE && gone))
      serve(&w, "app", "v1", NULL, ADM_FETCH_OK, image_digest);
    struct layer l = layer_in(&w, "app", "payload", "ecdsa-p256");
    if (failures[i].at == AT_BLOB && gone)
      w.n--; /* the payload blob layer_in just served */
    if (!(failures[i].at == AT_SIG && gone))
      sign_in(&w, "app", image_digest, &l, 1);
    struct adm_sig_request req = {REGISTRY, "app", "v1", NULL, &rule, NULL};
    struct adm_sig_result res = verify(&w, &req);
    if (res.outcome != failures[i].want)
      fail_msg("case %zu: %s at step %d: expected %s, got %s (%s)", i, adm_fetch_outcome_id(failures[i].fetch),
               failures[i].at, adm_sig_outcome_id(failures[i].want), adm_sig_outcome_id(res.outcome), res.detail);
    assert_int_equal(res.authorities, 0);
    assert_true(res.detail[0] != '\0');
    assert_false(res.outcome == ADM_SIG_VERIFIED);
    /* What the registry said stays in the detail; the summary a denial
     * carries names the host, or the location the signatures were read from. */
    if (res.summary[0] == '\0' || strstr(res.summary, "fake") != NULL)
      fail_msg("case %zu: expected a summary without the registry's words, got \"%s\"", i, res.summary);
    const char *want = failures[i].at == AT_RESOLVE                     ? "resolving the tag at " REGISTRY
                       : adm_sig_outcome_is_registry_error(res.outcome) ? "registry " REGISTRY
                                                                        : NULL;
    if (want && strcmp(res.summary, want) != 0)
      fail_msg("case %zu: expected the summary \"%s\", got \"%s\"", i, want, res.summary);
  }
  /* Wrong bytes under the payload's digest (a tampered blob): the fake, as
   * the real client, refuses them; never verified. */
  struct world w = {0};
  char payload_digest[80];
  size_t len;
  const char *payload = fixture("payload.json", &len);
  serve(&w, "app", kept(sha256_of(payload, len, payload_digest)), text("payload-other.json"), ADM_FETCH_OK, NULL);
  sign_in(&w, "app", image_digest, LAYERS(layer_in(&w, "app", "payload", "ecdsa-p256")));
  struct adm_sig_request req = {REGISTRY, "app", NULL, image_digest, &rule, NULL};
  struct adm_sig_result res = verify(&w, &req);
  expect(&res, ADM_SIG_INVALID_SIGNATURE, 0, "hashes to");
  /* Not JSON at the .sig tag. */
  struct world junk = {0};
  serve(&junk, "app", sig_tag(image_digest), "<html>", ADM_FETCH_OK, NULL);
  res = verify(&junk, &req);
  expect(&res, ADM_SIG_MALFORMED_SIGNATURE, 0, NULL);
}

static void partial_failure_below_threshold(void **state) {
  (void)state;
  /* One authority verified, the other's payload could not be fetched: short
   * of the threshold because of the registry, so the registry's outcome. */
  struct world w = {0};
  size_t len;
  const char *other = fixture("payload-caseless.json", &len);
  char d[80];
  serve(&w, "app", kept(sha256_of(other, len, d)), NULL, ADM_FETCH_UNAVAILABLE, NULL);
  sign_in(&w, "app", image_digest,
          LAYERS(layer_in(&w, "app", "payload", "ecdsa-p256"), layer_in(&w, "app", "payload-caseless", "ed25519")));
  struct adm_sig_authority two[] = {release, qa};
  struct adm_sig_rule rule = {.authorities = two, .n_authorities = 2, .threshold = 2};
  struct adm_sig_request req = {REGISTRY, "app", NULL, image_digest, &rule, NULL};
  struct adm_sig_result res = verify(&w, &req);
  expect(&res, ADM_SIG_REGISTRY_UNAVAILABLE, 1, "below the threshold");
  /* Threshold 1 is met by what was read. */
  rule.threshold = 1;
  res = verify(&w, &req);
  expect(&res, ADM_SIG_VERIFIED, 1, NULL);
}

static void deadline(void **state) {
  (void)state;
  struct world w = {0};
  serve(&w, "app", "v1", NULL, ADM_FETCH_OK, image_digest);
  sign_in(&w, "app", image_digest, LAYERS(layer_in(&w, "app", "payload", "ecdsa-p256")));
  struct adm_sig_rule rule = {.authorities = &release, .n_authorities = 1, .threshold = 1};
  struct adm_sig_request req = {REGISTRY, "app", "v1", NULL, &rule, NULL};
  /* Already past: no registry call at all. */
  struct adm_sig_result res = verify_ok(&w, &req, adm_verifier_now_ms() - 1);
  expect(&res, ADM_SIG_DEADLINE, 0, "deadline");
  assert_int_equal(w.f.resolves + w.f.manifests + w.f.blobs, 0);
  req.digest = image_digest;
  res = verify_ok(&w, &req, adm_verifier_now_ms() - 1);
  expect(&res, ADM_SIG_DEADLINE, 0, "deadline");
  assert_int_equal(w.f.resolves + w.f.manifests + w.f.blobs, 0);
  assert_true(adm_sig_outcome_is_registry_error(ADM_SIG_DEADLINE));
}

static void rules_that_cannot_apply(void **state) {
  (void)state;
  struct world w = {0};
  sign_in(&w, "app", image_digest, LAYERS(layer_in(&w, "app", "payload", "ecdsa-p256")));
  struct adm_sig_authority nokeys = {.name = "empty", .keys = NULL, .n_keys = 0};
  const char *unknown[] = {"nobody"};
  struct adm_sig_rule rules[] = {
      {.authorities = &release, .n_authorities = 0, .threshold = 1},
      {.authorities = &nokeys, .n_authorities = 1, .threshold = 1},
      {.authorities = &release, .n_authorities = 1, .threshold = 2},
      {.authorities = &release, .n_authorities = 1, .threshold = 1, .required = unknown, .n_required = 1},
  };
  for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
    struct adm_sig_request req = {REGISTRY, "app", NULL, image_digest, &rules[i], NULL};
    struct adm_sig_result res;
    res.outcome = ADM_SIG_VERIFIED;
    int rc = adm_sig_verify(&w.v, &req, adm_verifier_deadline_in(5000), &res);
    if (rc != ADM_EINVAL || res.outcome != ADM_SIG_INTERNAL)
      fail_msg("rule %zu: expected ADM_EINVAL and internal, got %d and %s", i, rc, adm_sig_outcome_id(res.outcome));
  }
  assert_int_equal(w.f.manifests, 0);
  /* A reference without tag or digest, and a digest that is not sha256. */
  struct adm_sig_rule rule = {.authorities = &release, .n_authorities = 1, .threshold = 1};
  struct adm_sig_request bare = {REGISTRY, "app", NULL, NULL, &rule, NULL};
  struct adm_sig_result res;
  assert_int_equal(adm_sig_verify(&w.v, &bare, adm_verifier_deadline_in(5000), &res), ADM_EINVAL);
  expect(&res, ADM_SIG_INTERNAL, 0, NULL);
  struct adm_sig_request odd = {REGISTRY, "app", NULL, "sha512:abc", &rule, NULL};
  res = verify(&w, &odd);
  expect(&res, ADM_SIG_INTERNAL, 0, "sha512:abc");
}

static void outcome_ids(void **state) {
  (void)state;
  /* A zeroed result is never verified. */
  struct adm_sig_result zero = {0};
  assert_int_equal(zero.outcome, ADM_SIG_INTERNAL);
  static const char *const ids[] = {"internal",
                                    "verified",
                                    "unsigned",
                                    "invalid-signature",
                                    "digest-mismatch",
                                    "identity-mismatch",
                                    "untrusted-chain",
                                    "tlog-invalid",
                                    "timestamp-invalid",
                                    "wrong-material",
                                    "predicate-not-satisfied",
                                    "below-threshold",
                                    "registry-unavailable",
                                    "auth-failed",
                                    "malformed-signature",
                                    "deadline",
                                    "image-not-found",
                                    "busy",
                                    "not-checked"};
  assert_int_equal(sizeof ids / sizeof ids[0], ADM_SIG_OUTCOME_COUNT);
  for (int o = 0; o < ADM_SIG_OUTCOME_COUNT; o++) {
    assert_string_equal(adm_sig_outcome_id((enum adm_sig_outcome)o), ids[o]);
    assert_true(adm_sig_outcome_text((enum adm_sig_outcome)o)[0] != '\0');
  }
  assert_string_equal(adm_sig_outcome_id((enum adm_sig_outcome)99), "internal");
  assert_true(adm_sig_outcome_is_registry_error(ADM_SIG_REGISTRY_UNAVAILABLE));
  assert_true(adm_sig_outcome_is_registry_error(ADM_SIG_AUTH_FAILED));
  assert_false(adm_sig_outcome_is_registry_error(ADM_SIG_UNSIGNED));
  assert_false(adm_sig_outcome_is_registry_error(ADM_SIG_INTERNAL));
}

/* --- the registry fact backend (server/verify/backend.c) over the fake registry ----- */

#include "admitd/config.h"
#include "admitd/facts_backend.h"
#include "admitd/gather.h"
#include "admitd/pipeline.h"

/* A policy verifying every image of registry.example.com, its key in
 * key_line; tags are allowed, so that their resolution is exercised.
 * verify_extra: more keys of the rule's verify ("onRegistryError: allow, "). */
static struct adm_config *backend_policy_with(const char *key_line, const char *verify_extra, struct adm_error *err) {
  char yaml[8192];
  snprintf(yaml, sizeof yaml,
           "apiVersion: admitd.io/v1alpha1\nkind: Policy\nimages:\n  authorities:\n    - name: release\n%s"
           "  rules:\n    - verify: {%simages: ['" REGISTRY "/**'], authorities: [release], allowTags: true}\n",
           key_line, verify_extra);
  struct adm_config *cfg = NULL;
  return adm_config_parse(yaml, strlen(yaml), "p.yaml", &cfg, err) < 0 ? NULL : cfg;
}

static struct adm_config *backend_policy(const char *key_line, struct adm_error *err) {
  return backend_policy_with(key_line, "", err);
}

static const char *key_file_line(const char *name) {
  const char *root = getenv("ADMITD_SOURCE_DIR");
  char line[1200];
  snprintf(line, sizeof line, "      keyFile: '%s/tests/fixtures/cosign/%s'\n", root ? root : ".", name);
  return kept(line);
}

#define judge_image test_judge_image

static void backend_keys_are_checked_as_the_policy_loads(void **state) {
  (void)state;
  adm_fact_backend_set(&adm_registry_fact_backend);
  struct adm_error err = {0};
  assert_null(backend_policy("      key: |\n        -----BEGIN PUBLIC KEY-----\n        AAAA\n"
                             "        -----END PUBLIC KEY-----\n",
                             &err));
  if (strstr(err.where, "p.yaml:5:7: images.authorities[0].key") == NULL)
    fail_msg("expected the key's place, got %s: %s", err.where, err.message);
  memset(&err, 0, sizeof err);
  assert_null(backend_policy("      key: 'not a key'\n", &err));
  assert_non_null(strstr(err.message, "no PEM public key"));
  /* Two keys in one file: either verifies for the authority. */
  size_t l1, l2;
  char both[8192];
  snprintf(both, sizeof both, "%s%s", fixture("ed25519.pub", &l1), fixture("ecdsa-p256.pub", &l2));
  char *path = strdup("/tmp/admitd-keys-XXXXXX");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, both, strlen(both)), (ssize_t)strlen(both));
  close(fd);
  char line[256];
  snprintf(line, sizeof line, "      keyFile: '%s'\n", path);
  struct world w = {0};
  sign_in(&w, "app", image_digest, LAYERS(layer_in(&w, "app", "payload", "ecdsa-p256")));
  adm_fact_backend_test_verifier(&w.v);
  struct adm_config *cfg = backend_policy(line, &err);
  unlink(path);
  free(path);
  assert_non_null(cfg);
  struct adm_arena a;
  adm_arena_init(&a, 0, 0);
  char image[256];
  snprintf(image, sizeof image, REGISTRY "/app@%s", image_digest);
  struct adm_pipeline_result *res = judge_image(cfg, image, &a);
  assert_true(res->decision.allowed);
  adm_review_request_release(&res->req);
  adm_arena_free(&a);
  adm_config_free(cfg);
  adm_fact_backend_test_verifier(NULL);
}

/* Two authorities holding one key, however their PEM is written, are
 * refused: one signature would count for both towards a threshold. */
static void backend_refuses_one_key_under_two_authorities(void **state) {
  (void)state;
  adm_fact_backend_set(&adm_registry_fact_backend);
  size_t len;
  const char *pem = fixture("ecdsa-p256.pub", &len);
  /* The same key as the fixture file, its PEM indented differently. */
  char inline_key[4096];
  size_t n = (size_t)snprintf(inline_key, sizeof inline_key, "      key: |\n");
  for (const char *p = pem; *p && n + 16 < sizeof inline_key;) {
    const char *nl = strchr(p, '\n');
    size_t l = nl ? (size_t)(nl - p) : strlen(p);
    n += (size_t)snprintf(inline_key + n, sizeof inline_key - n, "        %.*s\n", (int)l, p);
    p += l + (nl ? 1 : 0);
  }
  char yaml[12000];
  snprintf(yaml, sizeof yaml,
           "apiVersion: admitd.io/v1alpha1\nkind: Policy\nimages:\n  authorities:\n    - name: one\n%s"
           "    - name: two\n%s"
           "  rules:\n    - verify: {images: ['" REGISTRY "/**'], authorities: [one, two], threshold: 2}\n",
           key_file_line("ecdsa-p256.pub"), inline_key);
  struct adm_config *cfg = NULL;
  struct adm_error err = {0};
  assert_true(adm_config_parse(yaml, strlen(yaml), "p.yaml", &cfg, &err) < 0);
  assert_null(cfg);
  if (strstr(err.where, "images.authorities[1].key") == NULL ||
      strstr(err.message, "holds the same key as authority \"one\"") == NULL)
    fail_msg("expected the second authority refused for the first's key, got %s: %s", err.where, err.message);
  adm_fact_backend_set(NULL);
}

/* Verified once, then from the cache: no registry call at all. */
static void backend_caches_and_counts(void **state) {
  (void)state;
  adm_fact_backend_set(&adm_registry_fact_backend);
  struct world w = {0};
  serve(&w, "app", "v1", NULL, ADM_FETCH_OK, image_digest);
  sign_in(&w, "app", image_digest, LAYERS(layer_in(&w, "app", "payload", "ecdsa-p256")));
  adm_fact_backend_test_verifier(&w.v);
  struct adm_error err = {0};
  struct adm_config *cfg = backend_policy(key_file_line("ecdsa-p256.pub"), &err);
  if (cfg == NULL)
    fail_msg("%s: %s", err.where, err.message);
  struct adm_fact_stats before, after;
  adm_fact_stats(cfg, &before);
  struct adm_arena a;
  adm_arena_init(&a, 0, 0);
  struct adm_pipeline_result *res = judge_image(cfg, REGISTRY "/app:v1", &a);
  assert_true(res->decision.allowed);
  const char *verified = NULL;
  for (size_t i = 0; i < res->decision.n_annotations; i++)
    if (strcmp(res->decision.annotations[i].key, "images-verified") == 0)
      verified = res->decision.annotations[i].value;
  assert_non_null(verified);
  assert_non_null(strstr(verified, image_digest)); /* the tag's digest is what is recorded */
  assert_non_null(strstr(verified, "(release) signatures in " REGISTRY "/app"));
  adm_review_request_release(&res->req);
  unsigned calls = w.f.resolves + w.f.manifests + w.f.blobs;
  assert_true(calls >= 3);
  res = judge_image(cfg, REGISTRY "/app:v1", &a);
  assert_true(res->decision.allowed);
  adm_review_request_release(&res->req);
  assert_int_equal(w.f.resolves + w.f.manifests + w.f.blobs, calls);
  adm_fact_stats(cfg, &after);
  assert_int_equal(after.cache_hits, before.cache_hits + 1);
  assert_int_equal(after.outcomes[ADM_SIG_VERIFIED], before.outcomes[ADM_SIG_VERIFIED] + 1);
  /* Busy facts are made without the backend, and counted all the same. */
  struct adm_image_need needs[2] = {{.rule_index = 0, .image = REGISTRY "/x:1"},
                                    {.rule_index = 0, .image = REGISTRY "/y:1"}};
  struct adm_gathered_fact busy[2];
  adm_facts_busy(needs, 2, "too many admissions were waiting on registries", busy);
  assert_int_equal(busy[1].outcome, ADM_SIG_BUSY);
  adm_fact_stats(cfg, &after);
  assert_int_equal(after.outcomes[ADM_SIG_BUSY], before.outcomes[ADM_SIG_BUSY] + 2);
  /* An unsigned image is denied, naming the outcome. */
  res = judge_image(cfg,
                    REGISTRY "/bare@sha256:"
                             "0000000000000000000000000000000000000000000000000000000000000000",
                    &a);
  assert_false(res->decision.allowed);
  assert_non_null(strstr(res->decision.message, "image is not signed"));
  adm_review_request_release(&res->req);
  adm_arena_free(&a);
  adm_config_free(cfg);
  adm_fact_backend_test_verifier(NULL);
}

/* check --offline: keys checked, no registry asked, the image reported. */
static void offline_backend_asks_nothing(void **state) {
  (void)state;
  adm_fact_backend_set(&adm_offline_fact_backend);
  struct adm_error err = {0};
  struct adm_config *cfg = backend_policy(key_file_line("ecdsa-p256.pub"), &err);
  assert_non_null(cfg);
  struct adm_arena a;
  adm_arena_init(&a, 0, 0);
  struct adm_pipeline_result *res = judge_image(cfg, REGISTRY "/app:v1", &a);
  assert_true(res->decision.allowed);
  assert_non_null(res->decision.image_facts);
  assert_int_equal(res->decision.image_facts->items[0].outcome, ADM_SIG_NOT_CHECKED);
  adm_review_request_release(&res->req);
  adm_arena_free(&a);
  adm_config_free(cfg);
  assert_null(backend_policy("      key: 'not a key'\n", &err));
  adm_fact_backend_set(NULL);
}

/* The decoy through the registry backend and its cache, under
 * onRegistryError: allow, with every arena allocation of the real image's
 * admission failed in turn: the decoy's registry error at its location is
 * never the real image's pass; each answer is a denial or an error. Then
 * a verified digest named elsewhere, failed the same way: an error, or
 * admitted saying where its signatures are. */
static void backend_decoy_every_allocation_failed(void **state) {
  (void)state;
  adm_fact_backend_set(&adm_registry_fact_backend);
  struct world w = {0};
  serve(&w, "down", sig_tag(other_digest), NULL, ADM_FETCH_UNAVAILABLE, NULL);
  sign_in(&w, "app", image_digest, LAYERS(layer_in(&w, "app", "payload", "ecdsa-p256")));
  adm_fact_backend_test_verifier(&w.v);
  char decoy[300], bare[300], signed_image[300], elsewhere[300];
  snprintf(decoy, sizeof decoy, REGISTRY "/down@%s", other_digest);
  snprintf(bare, sizeof bare, REGISTRY "/bare@%s", other_digest);
  snprintf(signed_image, sizeof signed_image, REGISTRY "/app@%s", image_digest);
  snprintf(elsewhere, sizeof elsewhere, REGISTRY "/nothing-here@%s", image_digest);
  unsigned failed = 0;
  for (unsigned fail_at = 1;; fail_at++) {
    struct adm_error err = {0};
    struct adm_config *cfg = backend_policy_with(key_file_line("ecdsa-p256.pub"), "onRegistryError: allow, ", &err);
    if (cfg == NULL)
      fail_msg("%s: %s", err.where, err.message);
    struct adm_arena a;
    adm_arena_init(&a, 0, 0);
    struct adm_pipeline_result *res = judge_image(cfg, decoy, &a);
    assert_true(res->decision.allowed); /* what allow means at the unreachable location */
    adm_review_request_release(&res->req);
    res = judge_image(cfg, signed_image, &a);
    assert_true(res->decision.allowed);
    adm_review_request_release(&res->req);
    bool tripped = false;
    for (int step = 0; step < 2; step++) {
      struct adm_arena f;
      char body[2048];
      test_pod_review(body, sizeof body, step == 0 ? bare : elsewhere);
      struct adm_pipeline_result out;
      bool failed_here = test_run_failing_at(cfg, body, fail_at, &f, &out);
      tripped |= failed_here;
      if (failed_here)
        assert_false(out.decided);
      else if (step == 0)
        assert_false(out.decision.allowed); /* unsigned where it is named, whatever the decoy said */
      else
        assert_true(out.decision.allowed && strstr(out.body, "signatures in " REGISTRY "/app") != NULL);
      if (out.decoded)
        adm_review_request_release(&out.req);
      adm_arena_free(&f);
    }
    adm_arena_free(&a);
    adm_config_free(cfg);
    if (!tripped)
      break;
    failed++;
  }
  print_message("failed each of %u allocations after the decoy in turn\n", failed);
  assert_true(failed > 10);
  adm_fact_backend_test_verifier(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(each_algorithm),
      cmocka_unit_test(unsigned_image),
      cmocka_unit_test(wrong_key),
      cmocka_unit_test(replayed_signature),
      cmocka_unit_test(threshold_two),
      cmocka_unit_test(required_authority),
      cmocka_unit_test(tag_resolution),
      cmocka_unit_test(signature_repository),
      cmocka_unit_test(registry_failures),
      cmocka_unit_test(partial_failure_below_threshold),
      cmocka_unit_test(deadline),
      cmocka_unit_test(rules_that_cannot_apply),
      cmocka_unit_test(outcome_ids),
      cmocka_unit_test(backend_keys_are_checked_as_the_policy_loads),
      cmocka_unit_test(backend_refuses_one_key_under_two_authorities),
      cmocka_unit_test(backend_caches_and_counts),
      cmocka_unit_test(backend_decoy_every_allocation_failed),
      cmocka_unit_test(offline_backend_asks_nothing),
  };
  return cmocka_run_group_tests(tests, setup, group_teardown);
}
