/* libFuzzer harness: the signature cache's keys (sigverify_cache.h). The
 * input's first bytes fix a world of four repositories of one registry,
 * each answering every request for signatures one way (signed, nothing
 * there, unavailable, auth-failed, deadline, malformed; the referrers
 * listing answers the same way), the table size and
 * the caller's deadline; every further byte is one lookup: a repository, a
 * reference (the signed digest, the unsigned one, a tag, a missing tag),
 * one of two rules (the second reads its signatures from a
 * signatureRepository), verify or peek, and time passing (0, half of
 * errorTtl, errorTtl, ttl). Each answer is checked against adm_sig_verify
 * asked directly, without the cache:
 *   - VERIFIED only where the direct answer verifies, or for a digest the
 *     same rule verified earlier (a verified digest is reused anywhere);
 *   - every other answer is the direct one at that location: never
 *     another location's failure or registry error;
 *   - where the direct answer verifies, so does the cache;
 *   - the summary never holds what the registry said (the fake's marker),
 *     and names the host for a registry error.
 * The fixtures are tests/fixtures/cosign (the ECDSA P-256 key and its
 * signature of payload.json), read from ADMITD_SOURCE_DIR.
 * Built with FUZZ_STANDALONE it is its own main, which runs the harness
 * over a fixed set of pseudo-random inputs (the ctest smoke run). */
#include <gnutls/crypto.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigverify.h"
#include "sigverify_cache.h"

#define REGISTRY "registry.example.com"
#define MARKER "FAKE-TRANSPORT-SAID"
#define TTL_MS 1000
#define ERROR_TTL_MS 100

static void check(bool ok) {
  if (!ok)
    abort();
}

enum behaviour { SIGNED, NOTHING, UNAVAILABLE, AUTH, DEADLINE, MALFORMED, N_BEHAVIOURS };

static const char *const repos[4] = {"r0", "r1", "r2", "r3"};
static enum behaviour world[4];
static char image_digest[ADM_DIGEST_MAX], other_digest[ADM_DIGEST_MAX], payload_digest[ADM_DIGEST_MAX], sig_tag[96];
static char *payload, *manifest;
static struct adm_cosign_key *key;

static char *read_fixture(const char *name) {
  const char *root = getenv("ADMITD_SOURCE_DIR");
  char path[1024];
  snprintf(path, sizeof path, "%s/tests/fixtures/cosign/%s", root ? root : ".", name);
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "fuzz_sigcache: cannot open %s (set ADMITD_SOURCE_DIR to the repository)\n", path);
    abort();
  }
  char *buf = calloc(1, 65536);
  check(buf != NULL);
  size_t n = fread(buf, 1, 65535, f);
  fclose(f);
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
    buf[--n] = '\0';
  return buf;
}

static void sha256_hex(const char *bytes, size_t len, char out[ADM_DIGEST_MAX]) {
  unsigned char h[32];
  check(gnutls_hash_fast(GNUTLS_DIG_SHA256, bytes, len, h) == 0);
  memcpy(out, "sha256:", 8);
  for (int i = 0; i < 32; i++)
    snprintf(out + 7 + 2 * i, 3, "%02x", h[i]);
}

static void load_world(void) {
  char *digest = read_fixture("image.digest"), *other = read_fixture("other.digest");
  check(strlen(digest) < sizeof image_digest && strlen(other) < sizeof other_digest);
  memcpy(image_digest, digest, strlen(digest) + 1);
  memcpy(other_digest, other, strlen(other) + 1);
  free(digest);
  free(other);
  payload = read_fixture("payload.json");
  sha256_hex(payload, strlen(payload), payload_digest);
  snprintf(sig_tag, sizeof sig_tag, "sha256-%s.sig", image_digest + 7);
  char *sig = read_fixture("ecdsa-p256.sig"), *pem = read_fixture("ecdsa-p256.pub");
  manifest = calloc(1, 4096);
  check(manifest != NULL);
  snprintf(manifest, 4096,
           "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{"
           "\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"size\":2,\"digest\":\"%s\"},\"layers\":[{"
           "\"mediaType\":\"" ADM_COSIGN_SIMPLESIGNING "\",\"size\":%zu,\"digest\":\"%s\",\"annotations\":{"
           "\"" ADM_COSIGN_SIGNATURE_ANNOTATION "\":\"%s\"}}]}",
           payload_digest, strlen(payload), payload_digest, sig);
  struct adm_error err = {0};
  check(adm_cosign_key_new(&key, pem, strlen(pem), 0, &err) == 0);
  free(sig);
  free(pem);
}

/* --- the fake registry: what each repository answers ------------------------ */

static enum adm_fetch_outcome fail_as(enum behaviour b, struct adm_fetch_error *err) {
  enum adm_fetch_outcome o = b == UNAVAILABLE ? ADM_FETCH_UNAVAILABLE
                             : b == AUTH      ? ADM_FETCH_AUTH
                             : b == DEADLINE  ? ADM_FETCH_DEADLINE
                                              : ADM_FETCH_NOT_FOUND;
  err->outcome = o;
  snprintf(err->detail, sizeof err->detail, MARKER " (%s)", adm_fetch_outcome_text(o));
  return o;
}

static const enum behaviour *behaviour_of(const struct adm_fetch_target *t) {
  for (int i = 0; i < 4; i++)
    if (strcmp(t->registry, REGISTRY) == 0 && strcmp(t->repository, repos[i]) == 0)
      return &world[i];
  return NULL;
}

static enum adm_fetch_outcome f_resolve(struct adm_verifier *v, const struct adm_fetch_target *t, int64_t deadline_ms,
                                        char digest[ADM_DIGEST_MAX], struct adm_fetch_error *err) {
  (void)v;
  (void)deadline_ms;
  const enum behaviour *b = behaviour_of(t);
  if (b == NULL || strcmp(t->reference, "v1") != 0)
    return fail_as(NOTHING, err);
  if (*b == UNAVAILABLE || *b == AUTH || *b == DEADLINE)
    return fail_as(*b, err);
  snprintf(digest, ADM_DIGEST_MAX, "%s", image_digest);
  return ADM_FETCH_OK;
}

static enum adm_fetch_outcome serve(const char *bytes, struct adm_fetched *out) {
  out->len = strlen(bytes);
  out->data = malloc(out->len + 1);
  if (out->data == NULL)
    return ADM_FETCH_INTERNAL;
  memcpy(out->data, bytes, out->len + 1);
  sha256_hex(bytes, out->len, out->digest);
  return ADM_FETCH_OK;
}

static enum adm_fetch_outcome f_manifest(struct adm_verifier *v, const struct adm_fetch_target *t, int64_t deadline_ms,
                                         struct adm_fetched *out, struct adm_fetch_error *err) {
  (void)v;
  (void)deadline_ms;
  memset(out, 0, sizeof *out);
  const enum behaviour *b = behaviour_of(t);
  if (b == NULL || *b == NOTHING)
    return fail_as(NOTHING, err);
  if (*b == MALFORMED)
    return serve("{", out);
  if (*b != SIGNED)
    return fail_as(*b, err);
  if (strcmp(t->reference, sig_tag) != 0)
    return fail_as(NOTHING, err);
  snprintf(out->media_type, sizeof out->media_type, "application/vnd.oci.image.manifest.v1+json");
  return serve(manifest, out);
}

static enum adm_fetch_outcome f_blob(struct adm_verifier *v, const struct adm_fetch_target *t, int64_t deadline_ms,
                                     struct adm_fetched *out, struct adm_fetch_error *err) {
  (void)v;
  (void)deadline_ms;
  memset(out, 0, sizeof *out);
  const enum behaviour *b = behaviour_of(t);
  if (b == NULL || *b != SIGNED || strcmp(t->reference, payload_digest) != 0)
    return fail_as(NOTHING, err);
  return serve(payload, out);
}

/* The referrers follow the repository's behaviour: a signed one has only
 * its .sig, a malformed one a broken index. */
static enum adm_fetch_outcome f_referrers(struct adm_verifier *v, const struct adm_fetch_target *t, int64_t deadline_ms,
                                          struct adm_fetched *out, enum adm_referrers_via *via,
                                          struct adm_fetch_error *err) {
  (void)v;
  (void)deadline_ms;
  memset(out, 0, sizeof *out);
  *via = ADM_REFERRERS_TAG;
  const enum behaviour *b = behaviour_of(t);
  if (b == NULL || *b == NOTHING || *b == SIGNED)
    return fail_as(NOTHING, err);
  if (*b == MALFORMED)
    return serve("{", out);
  return fail_as(*b, err);
}

static const struct adm_verifier_ops fake_ops = {f_resolve, f_manifest, f_blob, f_referrers};

/* --- the run -------------------------------------------------------------------- */

static int64_t now_ms;
static int64_t fuzz_clock(void *ctx) {
  (void)ctx;
  return now_ms;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (key == NULL)
    load_world();
  if (size < 3)
    return 0;
  for (int i = 0; i < 4; i++)
    world[i] = (enum behaviour)(((data[0] >> (2 * i)) & 3) + (((data[1] >> i) & 1) ? 3 : 0)) % N_BEHAVIOURS;
  struct adm_sig_authority release = {.name = "release", .keys = &key, .n_keys = 1};
  struct adm_sig_rule rules[2] = {
      {.authorities = &release, .n_authorities = 1, .threshold = 1},
      {.authorities = &release, .n_authorities = 1, .threshold = 1, .signature_repository = REGISTRY "/r3"}};
  static const char *const rule_ids[2] = {"rule-0", "rule-1"};
  now_ms = 1000000;
  struct adm_sig_cache_options o = {.ttl_ms = TTL_MS,
                                    .error_ttl_ms = ERROR_TTL_MS,
                                    .resolve_ttl_ms = ERROR_TTL_MS,
                                    .max_entries = 1 + (data[1] >> 4),
                                    .clock = fuzz_clock};
  struct adm_sig_cache *c = NULL;
  check(adm_sig_cache_new(&o, &c) == 0);
  struct adm_verifier v = {&fake_ops, NULL};
  bool verified_before[2][2] = {{false}}; /* [rule][digest: image, other] */
  /* Now and then a caller whose deadline has passed. */
  int64_t deadline = adm_verifier_deadline_in((data[2] & 7) == 0 ? 0 : 60000);
  for (size_t i = 3; i < size; i++) {
    uint8_t op = data[i];
    int repo = op & 3, ref = (op >> 2) & 3, r = (op >> 4) & 1;
    bool peek = (op >> 5) & 1;
    static const int64_t steps[4] = {0, ERROR_TTL_MS / 2, ERROR_TTL_MS, TTL_MS};
    now_ms += steps[op >> 6];
    const char *digest = ref == 0 ? image_digest : ref == 1 ? other_digest : NULL;
    const char *tag = ref == 2 ? "v1" : ref == 3 ? "missing" : NULL;
    struct adm_sig_request req = {REGISTRY, repos[repo], tag, digest, &rules[r], NULL};
    struct adm_sig_result direct, cached;
    check(adm_sig_verify(&v, &req, deadline, &direct) == 0);
    bool answered = true;
    if (peek)
      answered = adm_sig_cache_peek(c, &req, rule_ids[r], 1, &cached);
    else
      check(adm_sig_cache_verify(c, &v, &req, rule_ids[r], 1, deadline, &cached) == 0);
    if (!answered)
      continue;
    int d = strcmp(direct.digest, other_digest) == 0;
    if (cached.outcome == ADM_SIG_VERIFIED)
      check(direct.outcome == ADM_SIG_VERIFIED || (direct.digest[0] && verified_before[r][d]));
    else
      check(cached.outcome == direct.outcome);
    if (direct.outcome == ADM_SIG_VERIFIED) {
      check(cached.outcome == ADM_SIG_VERIFIED);
      verified_before[r][d] = true;
    }
    check(strstr(cached.summary, MARKER) == NULL && strstr(direct.summary, MARKER) == NULL);
    if (adm_sig_outcome_is_registry_error(cached.outcome))
      check(strcmp(cached.summary, "registry " REGISTRY) == 0 ||
            strcmp(cached.summary, "resolving the tag at " REGISTRY) == 0);
    check(strstr(direct.detail, MARKER) != NULL || direct.outcome == ADM_SIG_VERIFIED ||
          direct.outcome == ADM_SIG_MALFORMED_SIGNATURE || direct.outcome == ADM_SIG_UNSIGNED ||
          direct.outcome == ADM_SIG_DEADLINE);
  }
  adm_sig_cache_free(c);
  return 0;
}

#ifdef FUZZ_STANDALONE
/* A fixed run for ctest: inputs from a small PRNG, every byte value of the
 * world's first bytes among them. */
int main(void) {
  uint64_t x = 0x9e3779b97f4a7c15ull;
  uint8_t buf[64];
  unsigned runs = 0;
  for (int n = 0; n < 4096; n++) {
    for (size_t i = 0; i < sizeof buf; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      buf[i] = (uint8_t)x;
    }
    buf[0] = (uint8_t)n;
    buf[1] = (uint8_t)(n >> 8 | (buf[1] & 0xf0));
    LLVMFuzzerTestOneInput(buf, 3 + (size_t)(x % (sizeof buf - 3)));
    runs++;
  }
  printf("fuzz_sigcache: %u inputs, every answer consistent with asking directly\n", runs);
  return 0;
}
#endif
