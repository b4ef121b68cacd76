/* server/verify/cosign.c on the committed fixtures (hack/gen-cosign-fixtures.sh:
 * keys, payloads and signatures made with openssl) and a fake blob store:
 * each key algorithm, wrong keys, tampered payloads, replayed signatures of
 * another image, malformed manifests and annotations, mixed layers, bounds,
 * and key loading. No registry. */
#include "cosign_fixtures.h"

/* --- a fake blob store --------------------------------------------------- */

struct blob {
  char digest[80];
  const unsigned char *data;
  size_t len;
  int rc; /* non-zero: the fetch of this blob fails so */
};

struct store {
  struct blob blobs[8];
  size_t n;
  int fail; /* every fetch returns this when non-zero */
  unsigned calls;
};

/* Serve data under digest (its own sha256 when digest is NULL). */
static const char *put(struct store *s, const char *digest, const void *data, size_t len) {
  if (s->n == sizeof s->blobs / sizeof s->blobs[0])
    fail_msg("the fake store is full");
  struct blob *b = &s->blobs[s->n++];
  if (digest)
    snprintf(b->digest, sizeof b->digest, "%s", digest);
  else
    sha256_of(data, len, b->digest);
  b->data = data;
  b->len = len;
  return b->digest;
}

static const char *put_fixture(struct store *s, const char *name) {
  size_t len;
  const char *data = fixture(name, &len);
  return put(s, NULL, data, len);
}

static int fake_fetch(void *ctx, const char *digest, unsigned char *buf, size_t cap, size_t *len) {
  struct store *s = ctx;
  s->calls++;
  if (s->fail)
    return s->fail;
  for (size_t i = 0; i < s->n; i++) {
    if (strcmp(s->blobs[i].digest, digest) != 0)
      continue;
    if (s->blobs[i].rc)
      return s->blobs[i].rc;
    if (s->blobs[i].len > cap)
      return ADM_ETOOBIG;
    memcpy(buf, s->blobs[i].data, s->blobs[i].len);
    *len = s->blobs[i].len;
    return 0;
  }
  return ADM_EIO; /* unknown blob: the registry said 404 */
}

/* --- manifests ----------------------------------------------------------- */

/* A layer signing the fixture payload <payload>.json (served by s) with the
 * signature <sig>.sig. */
static struct layer signed_layer(struct store *s, const char *payload, const char *sig) {
  char name[64];
  size_t len;
  snprintf(name, sizeof name, "%s.json", payload);
  const char *data = fixture(name, &len);
  const char *digest = put(s, NULL, data, len);
  snprintf(name, sizeof name, "%s.sig", sig);
  return (struct layer){digest, (json_int_t)len, text(name), NULL};
}

static struct adm_cosign_result verify_with(const char *manifest, const char *digest, struct adm_cosign_key *const *ks,
                                            size_t nk, struct store *s, const struct adm_cosign_limits *lim) {
  struct adm_cosign_result res;
  int rc = adm_cosign_verify(manifest, strlen(manifest), digest, ks, nk, fake_fetch, s, lim, &res);
  if (rc != 0)
    fail_msg("expected adm_cosign_verify to return 0, got %d", rc);
  return res;
}

static void expect(const struct adm_cosign_result *res, enum adm_cosign_outcome want, uint64_t want_keys,
                   const char *detail_part) {
  if (res->outcome != want)
    fail_msg("expected outcome %s, got %s (%s)", adm_cosign_outcome_name(want), adm_cosign_outcome_name(res->outcome),
             res->detail);
  if (res->keys != want_keys)
    fail_msg("expected keys 0x%llx, got 0x%llx", (unsigned long long)want_keys, (unsigned long long)res->keys);
  if (detail_part && strstr(res->detail, detail_part) == NULL)
    fail_msg("expected the detail to contain \"%s\", got \"%s\"", detail_part, res->detail);
  if (!detail_part && res->detail[0] != '\0')
    fail_msg("expected no failure detail, got \"%s\"", res->detail);
}

/* --- tests --------------------------------------------------------------- */

static void golden_manifests(void **state) {
  (void)state;
  struct store s = {0};
  put_fixture(&s, "payload.json");
  struct adm_cosign_key *ks[] = {keys[P256], keys[ED25519]};
  struct adm_cosign_result res = verify_with(text("manifest.json"), image_digest, ks, 2, &s, NULL);
  expect(&res, ADM_COSIGN_VERIFIED, 0x3, NULL);
  assert_int_equal(res.layers, 2);
  assert_int_equal(res.verified, 2);
  assert_int_equal(s.calls, 1); /* both layers sign one payload: fetched once */
  assert_true(adm_cosign_key_verified(&res, 0));
  assert_true(adm_cosign_key_verified(&res, 1));
  assert_false(adm_cosign_key_verified(&res, 2));

  struct adm_cosign_key *one[] = {keys[WRONG], keys[ED25519]};
  res = verify_with(text("manifest.json"), image_digest, one, 2, &s, NULL);
  expect(&res, ADM_COSIGN_VERIFIED, 0x2, "layers[0]: no key verifies");
  assert_int_equal(res.invalid, 1);

  /* Docker media types (COSIGN_DOCKER_MEDIA_TYPES), RSA PKCS#1 v1.5 and PSS */
  struct adm_cosign_key *rsa[] = {keys[RSAPSS], keys[RSA2048]};
  res = verify_with(text("manifest-docker.json"), image_digest, rsa, 2, &s, NULL);
  expect(&res, ADM_COSIGN_VERIFIED, 0x3, NULL);
}

static void each_algorithm(void **state) {
  (void)state;
  static const enum key_id algs[] = {P256, P384, RSA2048, RSAPSS, RSASSAPSS, ED25519};
  for (size_t a = 0; a < sizeof algs / sizeof algs[0]; a++) {
    struct store s = {0};
    struct layer l = signed_layer(&s, "payload", key_files[algs[a]].file);
    const char *m = manifest_of(OCI, &l, 1);
    /* every key offered: only the signer's verifies */
    struct adm_cosign_result res = verify_with(m, image_digest, keys, N_KEYS, &s, NULL);
    if (res.outcome != ADM_COSIGN_VERIFIED || res.keys != (uint64_t)1 << algs[a])
      fail_msg("expected %s to verify with its own key only, got %s keys 0x%llx (%s)", key_files[algs[a]].file,
               adm_cosign_outcome_name(res.outcome), (unsigned long long)res.keys, res.detail);
    /* and every other key alone fails */
    struct adm_cosign_key *others[N_KEYS];
    size_t n = 0;
    for (int k = 0; k < N_KEYS; k++)
      if (k != (int)algs[a])
        others[n++] = keys[k];
    res = verify_with(m, image_digest, others, n, &s, NULL);
    if (res.outcome != ADM_COSIGN_INVALID_SIGNATURE)
      fail_msg("expected %s's signature to be invalid under the other keys, got %s", key_files[algs[a]].file,
               adm_cosign_outcome_name(res.outcome));
  }
}

static void rsa_padding_is_what_the_key_says(void **state) {
  (void)state;
  struct store s = {0};
  struct layer pss = signed_layer(&s, "payload", "rsa-pss"), v15 = signed_layer(&s, "payload", "rsa-2048");
  /* the PSS key loaded without the flag expects PKCS#1 v1.5 */
  struct adm_cosign_key *plain = load_key("rsa-pss", 0), *as_pss = load_key("rsa-2048", ADM_COSIGN_KEY_RSA_PSS);
  assert_string_equal(adm_cosign_key_scheme(plain), "rsa-pkcs1v15-sha256");
  struct adm_cosign_result res = verify_with(manifest_of(OCI, &pss, 1), image_digest, &plain, 1, &s, NULL);
  expect(&res, ADM_COSIGN_INVALID_SIGNATURE, 0, "no key verifies");
  res = verify_with(manifest_of(OCI, &v15, 1), image_digest, &as_pss, 1, &s, NULL);
  expect(&res, ADM_COSIGN_INVALID_SIGNATURE, 0, "no key verifies");
  /* PSS salts are the hash's length; a maximal salt is not verified (yet) */
  struct layer maxsalt = signed_layer(&s, "payload", "rsa-pss-maxsalt");
  res = verify_with(manifest_of(OCI, &maxsalt, 1), image_digest, &keys[RSAPSS], 1, &s, NULL);
  expect(&res, ADM_COSIGN_INVALID_SIGNATURE, 0, "no key verifies");
  adm_cosign_key_free(plain);
  adm_cosign_key_free(as_pss);
}

static void wrong_key(void **state) {
  (void)state;
  struct store s = {0};
  struct layer l = signed_layer(&s, "payload", "ecdsa-p256");
  struct adm_cosign_result res = verify_with(manifest_of(OCI, &l, 1), image_digest, &keys[WRONG], 1, &s, NULL);
  expect(&res, ADM_COSIGN_INVALID_SIGNATURE, 0, "layers[0]: no key verifies the signature over payload sha256:");
  assert_int_equal(res.invalid, 1);
}

static void tampered_payload(void **state) {
  (void)state;
  size_t len;
  const char *payload = fixture("payload.json", &len);
  char *tampered = malloc(len);
  memcpy(tampered, payload, len);
  tampered[len - 10] ^= 1;
  char real[80];
  sha256_of(payload, len, real);

  /* (a) the registry serves other bytes under the payload's digest */
  struct store s = {0};
  put(&s, real, tampered, len);
  struct layer l = {real, (json_int_t)len, text("ecdsa-p256.sig"), NULL};
  struct adm_cosign_result res = verify_with(manifest_of(OCI, &l, 1), image_digest, keys, N_KEYS, &s, NULL);
  expect(&res, ADM_COSIGN_INVALID_SIGNATURE, 0, "not its descriptor's sha256:");

  /* (b) the descriptor names the tampered bytes: the signature fails */
  struct store s2 = {0};
  struct layer l2 = {put(&s2, NULL, tampered, len), (json_int_t)len, text("ecdsa-p256.sig"), NULL};
  res = verify_with(manifest_of(OCI, &l2, 1), image_digest, keys, N_KEYS, &s2, NULL);
  expect(&res, ADM_COSIGN_INVALID_SIGNATURE, 0, "no key verifies");

  /* (c) the right bytes, but the descriptor's size disagrees */
  struct store s3 = {0};
  struct layer l3 = {put(&s3, NULL, payload, len), (json_int_t)len - 1, text("ecdsa-p256.sig"), NULL};
  res = verify_with(manifest_of(OCI, &l3, 1), image_digest, keys, N_KEYS, &s3, NULL);
  expect(&res, ADM_COSIGN_INVALID_SIGNATURE, 0, "its descriptor says 239");

  /* (d) a blob longer than the payload limit, under a descriptor that
   * claims it fits: refused at the fetch, never read whole */
  struct adm_cosign_limits lim = {.max_payload = 100};
  struct layer l4 = {real, 50, text("ecdsa-p256.sig"), NULL};
  struct store s4 = {0};
  put(&s4, real, payload, len);
  res = verify_with(manifest_of(OCI, &l4, 1), image_digest, keys, N_KEYS, &s4, &lim);
  expect(&res, ADM_COSIGN_INVALID_SIGNATURE, 0, "larger than its descriptor says");
  free(tampered);
}

static void replayed_signature_of_another_image(void **state) {
  (void)state;
  struct store s = {0};
  struct layer l = signed_layer(&s, "payload-other", "ecdsa-p256-other");
  const char *m = manifest_of(OCI, &l, 1);
  /* a valid signature by a trusted key, for another image: never accepted */
  struct adm_cosign_result res = verify_with(m, image_digest, keys, N_KEYS, &s, NULL);
  expect(&res, ADM_COSIGN_DIGEST_MISMATCH, 0, "payload is signed for sha256:");
  assert_int_equal(res.mismatched, 1);
  /* ... and it is a good signature of the image it names */
  res = verify_with(m, other_digest, keys, N_KEYS, &s, NULL);
  expect(&res, ADM_COSIGN_VERIFIED, 1u << P256, NULL);
  /* under an untrusted key the same layer is merely invalid */
  res = verify_with(m, image_digest, &keys[WRONG], 1, &s, NULL);
  expect(&res, ADM_COSIGN_INVALID_SIGNATURE, 0, "no key verifies");
}

static void signed_payload_claims(void **state) {
  (void)state;
  struct store s = {0};
  struct layer l = signed_layer(&s, "payload-wrongtype", "ecdsa-p256-wrongtype");
  struct adm_cosign_result res = verify_with(manifest_of(OCI, &l, 1), image_digest, keys, N_KEYS, &s, NULL);
  expect(&res, ADM_COSIGN_MALFORMED, 0, "critical.type is not \"cosign container image signature\"");

  /* keys in another case are what cosign (Go's encoding/json) reads too */
  l = signed_layer(&s, "payload-caseless", "ecdsa-p256-caseless");
  res = verify_with(manifest_of(OCI, &l, 1), image_digest, keys, N_KEYS, &s, NULL);
  expect(&res, ADM_COSIGN_VERIFIED, 1u << P256, NULL);
  res = verify_with(manifest_of(OCI, &l, 1), other_digest, keys, N_KEYS, &s, NULL);
  expect(&res, ADM_COSIGN_DIGEST_MISMATCH, 0, "payload is signed for");

  /* "critical" and "CRITICAL" naming two images: refused, whichever is asked */
  l = signed_layer(&s, "payload-ambiguous", "ecdsa-p256-ambiguous");
  res = verify_with(manifest_of(OCI, &l, 1), image_digest, keys, N_KEYS, &s, NULL);
  expect(&res, ADM_COSIGN_MALFORMED, 0, "repeats a key in different case");
  res = verify_with(manifest_of(OCI, &l, 1), other_digest, keys, N_KEYS, &s, NULL);
  expect(&res, ADM_COSIGN_MALFORMED, 0, "repeats a key in different case");

  l = signed_layer(&s, "payload-nodigest", "ecdsa-p256-nodigest");
  res = verify_with(manifest_of(OCI, &l, 1), image_digest, keys, N_KEYS, &s, NULL);
  expect(&res, ADM_COSIGN_MALFORMED, 0, "signed payload has no critical.image.docker-manifest-digest");

  l = signed_layer(&s, "payload-notjson", "ecdsa-p256-notjson");
  res = verify_with(manifest_of(OCI, &l, 1), image_digest, keys, N_KEYS, &s, NULL);
  expect(&res, ADM_COSIGN_MALFORMED, 0, "signed payload is not JSON");
}

static void malformed_signatures(void **state) {
  (void)state;
  struct store s = {0};
  struct layer good = signed_layer(&s, "payload", "ecdsa-p256");
  static const struct {
    const char *sig, *detail;
    enum adm_cosign_outcome outcome;
  } cases[] = {
      {"not base64!", "not base64", ADM_COSIGN_MALFORMED},
      {"", "not base64", ADM_COSIGN_MALFORMED},
      {"\n", "not base64", ADM_COSIGN_MALFORMED},    /* decodes to nothing */
      {"QUJD=", "not base64", ADM_COSIGN_MALFORMED}, /* bad padding */
      {"QUI", "not base64", ADM_COSIGN_MALFORMED},   /* missing padding, as Go's StdEncoding refuses */
      {"QUJD QUJD", "not base64", ADM_COSIGN_MALFORMED},
      {"QUJD", "no key verifies", ADM_COSIGN_INVALID_SIGNATURE}, /* base64 of three bytes: no signature */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct layer l = good;
    l.sig = cases[i].sig;
    struct adm_cosign_result res = verify_with(manifest_of(OCI, &l, 1), image_digest, keys, N_KEYS, &s, NULL);
    if (res.outcome != cases[i].outcome || strstr(res.detail, cases[i].detail) == NULL)
      fail_msg("expected signature \"%s\" to be %s (%s), got %s (%s)", cases[i].sig,
               adm_cosign_outcome_name(cases[i].outcome), cases[i].detail, adm_cosign_outcome_name(res.outcome),
               res.detail);
  }
  /* line breaks inside the base64 are what Go's decoder skips too */
  char wrapped[200];
  snprintf(wrapped, sizeof wrapped, "%.40s\n%s\n", good.sig, good.sig + 40);
  struct layer l = good;
  l.sig = wrapped;
  struct adm_cosign_result res = verify_with(manifest_of(OCI, &l, 1), image_digest, keys, N_KEYS, &s, NULL);
  expect(&res, ADM_COSIGN_VERIFIED, 1u << P256, NULL);

  /* a flipped bit in the DER signature */
  char flipped[200];
  snprintf(flipped, sizeof flipped, "%s", good.sig);
  flipped[20] = flipped[20] == 'A' ? 'B' : 'A';
  l.sig = flipped;
  res = verify_with(manifest_of(OCI, &l, 1), image_digest, keys, N_KEYS, &s, NULL);
  expect(&res, ADM_COSIGN_INVALID_SIGNATURE, 0, "no key verifies");

  /* no annotation at all */
  l.sig = NULL;
  res = verify_with(manifest_of(OCI, &l, 1), image_digest, keys, N_KEYS, &s, NULL);
  expect(&res, ADM_COSIGN_MALFORMED, 0, "no dev.cosignproject.cosign/signature annotation");
}

static void malformed_descriptors_and_manifests(void **state) {
  (void)state;
  struct store s = {0};
  struct layer good = signed_layer(&s, "payload", "ecdsa-p256");
  struct layer bad_digest = good, no_size = good;
  bad_digest.digest = "sha256:abc";
  no_size.size = -1;
  struct adm_cosign_result res = verify_with(manifest_of(OCI, &bad_digest, 1), image_digest, keys, N_KEYS, &s, NULL);
  expect(&res, ADM_COSIGN_MALFORMED, 0, "descriptor digest is not a sha256 digest");
  res = verify_with(manifest_of(OCI, &no_size, 1), image_digest, keys, N_KEYS, &s, NULL);
  expect(&res, ADM_COSIGN_MALFORMED, 0, "descriptor size is not a non-negative integer");
  char negative[512];
  snprintf(negative, sizeof negative,
           "{\"schemaVersion\":2,\"layers\":[{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":-5,"
           "\"annotations\":{\"%s\":\"%s\"}}]}",
           ADM_COSIGN_SIMPLESIGNING, good.digest, ADM_COSIGN_SIGNATURE_ANNOTATION, good.sig);
  res = verify_with(negative, image_digest, keys, N_KEYS, &s, NULL);
  expect(&res, ADM_COSIGN_MALFORMED, 0, "descriptor size is not a non-negative integer");

  static const struct {
    const char *manifest, *detail;
  } cases[] = {
      {"", "signature manifest is not JSON"},
      {"{\"schemaVersion\":2,", "signature manifest is not JSON"},
      {"[]", "signature manifest is not a JSON object"},
      {"{\"schemaVersion\":1,\"layers\":[]}", "schemaVersion is not 2"},
      {"{\"schemaVersion\":\"2\",\"layers\":[]}", "schemaVersion is not 2"},
      {"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}",
       "mediaType is not an OCI or Docker v2 image manifest"},
      {"{\"schemaVersion\":2,\"mediaType\":\"" OCI "\"}", "no layers array"},
      {"{\"schemaVersion\":2,\"layers\":{}}", "no layers array"},
      {"{\"schemaVersion\":2,\"layers\":[\"x\"]}", "layers[0] is not a descriptor with a mediaType"},
      {"{\"schemaVersion\":2,\"layers\":[{\"digest\":\"x\"}]}", "layers[0] is not a descriptor with a mediaType"},
      {"{\"schemaVersion\":2,\"schemaVersion\":2,\"layers\":[]}", "signature manifest is not JSON"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct adm_cosign_result r = verify_with(cases[i].manifest, image_digest, keys, N_KEYS, &s, NULL);
    if (r.outcome != ADM_COSIGN_MALFORMED || strstr(r.detail, cases[i].detail) == NULL)
      fail_msg("expected manifest %s to be malformed (%s), got %s (%s)", cases[i].manifest, cases[i].detail,
               adm_cosign_outcome_name(r.outcome), r.detail);
    if (r.keys != 0 || r.layers != 0)
      fail_msg("expected a malformed manifest to report no layers or keys");
  }
  /* a broken layer spoils the manifest even after a good one */
  char text_buf[4096];
  snprintf(text_buf, sizeof text_buf, "%s", manifest_of(OCI, &good, 1));
  char *end = strrchr(text_buf, ']');
  memmove(end + 4, end, strlen(end) + 1);
  memcpy(end, ",\"x\"", 4);
  res = verify_with(text_buf, image_digest, keys, N_KEYS, &s, NULL);
  expect(&res, ADM_COSIGN_MALFORMED, 0, "layers[1] is not a descriptor");
}

static void unsigned_images(void **state) {
  (void)state;
  struct store s = {0};
  struct adm_cosign_result res = verify_with(manifest_of(OCI, NULL, 0), image_digest, keys, N_KEYS, &s, NULL);
  expect(&res, ADM_COSIGN_UNSIGNED, 0, NULL);
  /* layers of other types are skipped, as cosign skips them */
  struct layer other = signed_layer(&s, "payload", "ecdsa-p256");
  other.media = "application/vnd.oci.image.layer.v1.tar+gzip";
  res = verify_with(manifest_of(OCI, &other, 1), image_digest, keys, N_KEYS, &s, NULL);
  expect(&res, ADM_COSIGN_UNSIGNED, 0, NULL);
  assert_int_equal(res.layers, 0);
  /* an OCI manifest may leave mediaType out */
  struct layer l = signed_layer(&s, "payload", "ecdsa-p256");
  res = verify_with(manifest_of(NULL, &l, 1), image_digest, keys, N_KEYS, &s, NULL);
  expect(&res, ADM_COSIGN_VERIFIED, 1u << P256, NULL);
}

static void fetch_failures(void **state) {
  (void)state;
  struct store s = {0};
  struct layer l = signed_layer(&s, "payload", "ecdsa-p256");
  s.fail = ADM_EIO;
  struct adm_cosign_result res = verify_with(manifest_of(OCI, &l, 1), image_digest, keys, N_KEYS, &s, NULL);
  expect(&res, ADM_COSIGN_FETCH_FAILED, 0, "cannot fetch payload sha256:");
  assert_int_equal(res.fetch_error, ADM_EIO);
  assert_int_equal(res.fetch_failed, 1);

  /* a missing blob beside a valid layer: verified, the failure counted */
  struct store s2 = {0};
  struct layer ok = signed_layer(&s2, "payload", "ed25519");
  struct layer missing = ok;
  missing.digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
  res = verify_with(manifest_of(OCI, LAYERS(missing, ok)), image_digest, keys, N_KEYS, &s2, NULL);
  expect(&res, ADM_COSIGN_VERIFIED, 1u << ED25519, "layers[0]: cannot fetch");
  assert_int_equal(res.fetch_failed, 1);
  assert_int_equal(res.verified, 1);

  /* beside an invalid layer or a replay the answer is unknown, not invalid */
  struct layer wrong = ok;
  wrong.sig = text("ecdsa-p256-other.sig");
  res = verify_with(manifest_of(OCI, LAYERS(wrong, missing)), image_digest, keys, N_KEYS, &s2, NULL);
  expect(&res, ADM_COSIGN_FETCH_FAILED, 0, "layers[0]: no key verifies");
  struct layer replay = signed_layer(&s2, "payload-other", "ecdsa-p256-other");
  res = verify_with(manifest_of(OCI, LAYERS(replay, missing)), image_digest, keys, N_KEYS, &s2, NULL);
  expect(&res, ADM_COSIGN_FETCH_FAILED, 0, "layers[0]: payload is signed for");
  assert_int_equal(res.mismatched, 1);

  /* the first fetch error is the one reported */
  struct layer timeout = ok, refused = ok;
  timeout.digest = put(&s2, "sha256:2222222222222222222222222222222222222222222222222222222222222222", "", 0);
  s2.blobs[s2.n - 1].rc = ADM_EIO;
  refused.digest = put(&s2, "sha256:3333333333333333333333333333333333333333333333333333333333333333", "", 0);
  s2.blobs[s2.n - 1].rc = ADM_EUNSUPPORTED;
  res = verify_with(manifest_of(OCI, LAYERS(refused, timeout)), image_digest, keys, N_KEYS, &s2, NULL);
  expect(&res, ADM_COSIGN_FETCH_FAILED, 0, "layers[0]: cannot fetch payload sha256:3333");
  assert_int_equal(res.fetch_error, ADM_EUNSUPPORTED);
  assert_int_equal(res.fetch_failed, 2);
}

static void mixed_layers(void **state) {
  (void)state;
  struct store s = {0};
  struct layer valid = signed_layer(&s, "payload", "ecdsa-p256");
  struct layer wrong_key = signed_layer(&s, "payload", "ecdsa-p384");
  struct layer replay = signed_layer(&s, "payload-other", "ecdsa-p256-other");
  struct layer bad = valid;
  bad.sig = "%%%";
  struct layer ed = signed_layer(&s, "payload", "ed25519");
  struct adm_cosign_key *ks[] = {keys[P256], keys[ED25519], keys[RSA2048]};

  struct adm_cosign_result res =
      verify_with(manifest_of(OCI, LAYERS(wrong_key, replay, valid, bad, ed)), image_digest, ks, 3, &s, NULL);
  expect(&res, ADM_COSIGN_VERIFIED, 0x3, "layers[0]: no key verifies");
  assert_int_equal(res.layers, 5);
  assert_int_equal(res.verified, 2);
  assert_int_equal(res.invalid, 1);
  assert_int_equal(res.mismatched, 1);
  assert_int_equal(res.malformed, 1);
  assert_false(adm_cosign_key_verified(&res, 2));

  /* with no valid layer, the most telling failure: a replay, then an
   * invalid signature, then a malformed one */
  res = verify_with(manifest_of(OCI, LAYERS(wrong_key, bad, replay)), image_digest, ks, 3, &s, NULL);
  expect(&res, ADM_COSIGN_DIGEST_MISMATCH, 0, "layers[0]: no key verifies");
  res = verify_with(manifest_of(OCI, LAYERS(bad, wrong_key)), image_digest, ks, 3, &s, NULL);
  expect(&res, ADM_COSIGN_INVALID_SIGNATURE, 0, "layers[0]: signature annotation is not base64");
  res = verify_with(manifest_of(OCI, LAYERS(bad, bad)), image_digest, ks, 3, &s, NULL);
  expect(&res, ADM_COSIGN_MALFORMED, 0, "layers[0]: signature annotation is not base64");
  assert_int_equal(res.malformed, 2);

  /* the same key signing twice is still one key */
  res = verify_with(manifest_of(OCI, LAYERS(valid, valid)), image_digest, ks, 3, &s, NULL);
  expect(&res, ADM_COSIGN_VERIFIED, 0x1, NULL);
  assert_int_equal(res.verified, 2);
}

static void bounds(void **state) {
  (void)state;
  struct store s = {0};
  struct layer l = signed_layer(&s, "payload", "ecdsa-p256");
  struct layer many[5] = {l, l, l, l, l};
  struct adm_cosign_limits lim = {.max_layers = 4};
  struct adm_cosign_result res = verify_with(manifest_of(OCI, many, 5), image_digest, keys, N_KEYS, &s, &lim);
  expect(&res, ADM_COSIGN_MALFORMED, 0, "5 layers, more than 4");
  lim.max_layers = 5;
  res = verify_with(manifest_of(OCI, many, 5), image_digest, keys, N_KEYS, &s, &lim);
  expect(&res, ADM_COSIGN_VERIFIED, 1u << P256, NULL);

  const char *m = manifest_of(OCI, &l, 1);
  struct adm_cosign_limits small = {.max_manifest = strlen(m) - 1};
  unsigned calls = s.calls;
  res = verify_with(m, image_digest, keys, N_KEYS, &s, &small);
  expect(&res, ADM_COSIGN_MALFORMED, 0, "signature manifest is over the");
  assert_int_equal(s.calls, calls); /* refused before any fetch */
  small.max_manifest = strlen(m);
  res = verify_with(m, image_digest, keys, N_KEYS, &s, &small);
  expect(&res, ADM_COSIGN_VERIFIED, 1u << P256, NULL);

  calls = s.calls;
  struct adm_cosign_limits payload = {.max_payload = (size_t)l.size - 1};
  res = verify_with(m, image_digest, keys, N_KEYS, &s, &payload);
  expect(&res, ADM_COSIGN_MALFORMED, 0, "over the 239-byte limit");
  assert_int_equal(s.calls, calls);

  struct adm_cosign_limits sig = {.max_signature = strlen(l.sig) - 1};
  res = verify_with(m, image_digest, keys, N_KEYS, &s, &sig);
  expect(&res, ADM_COSIGN_MALFORMED, 0, "signature annotation is over the");

  /* A small manifest whose parse would be large: counted, never parsed.
   * Brackets and commas inside strings do not count. */
  size_t n = strlen(m);
  size_t cap = n + 16 * 4096 + 64;
  char *bomb = malloc(cap);
  assert_non_null(bomb);
  size_t k = (size_t)snprintf(bomb, n + 64, "%.*s,\"x\":[", (int)(n - 1), m);
  for (int i = 0; i < 4000; i++)
    k += (size_t)snprintf(bomb + k, cap - k, "%s{}", i ? "," : "");
  snprintf(bomb + k, cap - k, "]}");
  calls = s.calls;
  res = verify_with(bomb, image_digest, keys, N_KEYS, &s, NULL);
  expect(&res, ADM_COSIGN_MALFORMED, 0, "more than 1024 JSON values");
  assert_int_equal(s.calls, calls);
  k = (size_t)snprintf(bomb, n + 64, "%.*s,\"x\":\"", (int)(n - 1), m);
  for (int i = 0; i < 4000; i++)
    k += (size_t)snprintf(bomb + k, cap - k, "{,[");
  snprintf(bomb + k, cap - k, "\"}");
  res = verify_with(bomb, image_digest, keys, N_KEYS, &s, NULL);
  expect(&res, ADM_COSIGN_VERIFIED, 1u << P256, NULL);
  free(bomb);
}

static void refuses_bad_arguments(void **state) {
  (void)state;
  struct store s = {0};
  const char *m = text("manifest.json");
  struct adm_cosign_result res;
  size_t n = strlen(m);
  assert_int_equal(adm_cosign_verify(m, n, "sha256:abc", keys, 1, fake_fetch, &s, NULL, &res), ADM_EINVAL);
  assert_int_equal(res.outcome, ADM_COSIGN_MALFORMED); /* never left VERIFIED */
  assert_int_equal(adm_cosign_verify(m, n, "latest", keys, 1, fake_fetch, &s, NULL, &res), ADM_EINVAL);
  assert_int_equal(adm_cosign_verify(m, n, image_digest, keys, 0, fake_fetch, &s, NULL, &res), ADM_EINVAL);
  assert_int_equal(adm_cosign_verify(m, n, image_digest, keys, 1, NULL, &s, NULL, &res), ADM_EINVAL);
  struct adm_cosign_key *many[ADM_COSIGN_MAX_KEYS + 1];
  for (size_t i = 0; i <= ADM_COSIGN_MAX_KEYS; i++)
    many[i] = keys[P256];
  assert_int_equal(adm_cosign_verify(m, n, image_digest, many, ADM_COSIGN_MAX_KEYS + 1, fake_fetch, &s, NULL, &res),
                   ADM_EINVAL);
  struct adm_cosign_key *with_null[] = {keys[P256], NULL};
  assert_int_equal(adm_cosign_verify(m, n, image_digest, with_null, 2, fake_fetch, &s, NULL, &res), ADM_EINVAL);
  assert_int_equal(s.calls, 0);
  /* the last of 64 keys still reports in its own bit */
  put_fixture(&s, "payload.json");
  many[ADM_COSIGN_MAX_KEYS - 1] = keys[ED25519];
  for (size_t i = 0; i < ADM_COSIGN_MAX_KEYS - 1; i++)
    many[i] = keys[WRONG];
  assert_int_equal(adm_cosign_verify(m, n, image_digest, many, ADM_COSIGN_MAX_KEYS, fake_fetch, &s, NULL, &res), 0);
  expect(&res, ADM_COSIGN_VERIFIED, (uint64_t)1 << 63, "layers[0]: no key verifies");
}

static void loads_keys(void **state) {
  (void)state;
  for (int i = 0; i < N_KEYS; i++)
    if (strcmp(adm_cosign_key_scheme(keys[i]), key_files[i].scheme) != 0)
      fail_msg("expected %s to be %s, got %s", key_files[i].file, key_files[i].scheme, adm_cosign_key_scheme(keys[i]));
  static const struct {
    const char *file, *message;
    unsigned flags;
    int code;
  } refused[] = {
      {"unsupported-p521.pub", "ECDSA curve SECP521R1 is not supported", 0, ADM_EUNSUPPORTED},
      {"unsupported-ed448.pub", "EdDSA (Ed448) keys are not supported", 0, ADM_EUNSUPPORTED},
      {"unsupported-rsa-1024.pub", "RSA key of 1024 bits is not supported", 0, ADM_EUNSUPPORTED},
      {"ecdsa-p256.pub", "RSA-PSS was asked for a ecdsa-p256-sha256 key", ADM_COSIGN_KEY_RSA_PSS, ADM_EINVAL},
      {"ed25519.pub", "RSA-PSS was asked for a ed25519 key", ADM_COSIGN_KEY_RSA_PSS, ADM_EINVAL},
      {"payload.json", "expected exactly one PEM \"PUBLIC KEY\" block", 0, ADM_EPARSE},
  };
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
    size_t len;
    const char *pem = fixture(refused[i].file, &len);
    struct adm_cosign_key *k = (struct adm_cosign_key *)1;
    struct adm_error err = {0};
    int rc = adm_cosign_key_new(&k, pem, len, refused[i].flags, &err);
    if (rc != refused[i].code || strstr(err.message, refused[i].message) == NULL)
      fail_msg("expected %s to be refused with %d (%s), got %d (%s)", refused[i].file, refused[i].code,
               refused[i].message, rc, err.message);
    assert_null(k);
  }
  /* two keys in one text, a damaged key, a private key, too long */
  size_t a_len, b_len;
  const char *a = fixture("ecdsa-p256.pub", &a_len), *b = fixture("ed25519.pub", &b_len);
  char both[2048];
  snprintf(both, sizeof both, "%s%s", a, b);
  struct adm_cosign_key *k = NULL;
  struct adm_error err = {0};
  assert_int_equal(adm_cosign_key_new(&k, both, strlen(both), 0, &err), ADM_EPARSE);
  static const char priv[] =
      "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
      "-----END PRIVATE KEY-----\n";
  snprintf(both, sizeof both, "%s%s", a, priv); /* a public key, and a private key GnuTLS would not look at */
  assert_int_equal(adm_cosign_key_new(&k, both, strlen(both), 0, &err), ADM_EPARSE);
  assert_string_equal(err.message, "expected exactly one PEM \"PUBLIC KEY\" block");
  char damaged[1024];
  snprintf(damaged, sizeof damaged, "%s", a);
  damaged[40] = damaged[40] == 'A' ? 'B' : 'A';
  assert_int_equal(adm_cosign_key_new(&k, damaged, strlen(damaged), 0, &err), ADM_EPARSE);
  assert_non_null(strstr(err.message, "not a PEM public key"));
  assert_int_equal(adm_cosign_key_new(&k, priv, sizeof priv - 1, 0, &err), ADM_EPARSE);
  char *huge = calloc(1, ADM_COSIGN_PEM_MAX + 2);
  memset(huge, ' ', ADM_COSIGN_PEM_MAX + 1);
  assert_int_equal(adm_cosign_key_new(&k, huge, ADM_COSIGN_PEM_MAX + 1, 0, &err), ADM_ETOOBIG);
  free(huge);
  /* a length that stops before the key ends reads only that far */
  assert_int_equal(adm_cosign_key_new(&k, a, a_len / 2, 0, &err), ADM_EPARSE);
  assert_null(k);
}

/* A fetcher that claims more bytes than it may write. */
static int lying_fetch(void *ctx, const char *digest, unsigned char *buf, size_t cap, size_t *len) {
  (void)digest;
  struct store *s = ctx;
  s->calls++;
  memcpy(buf, s->blobs[0].data, s->blobs[0].len < cap ? s->blobs[0].len : cap);
  *len = cap + 1;
  return 0;
}

static void distrusts_the_fetcher(void **state) {
  (void)state;
  struct store s = {0};
  struct layer l = signed_layer(&s, "payload", "ecdsa-p256");
  const char *m = manifest_of(OCI, &l, 1);
  struct adm_cosign_result res;
  assert_int_equal(adm_cosign_verify(m, strlen(m), image_digest, keys, N_KEYS, lying_fetch, &s, NULL, &res), 0);
  expect(&res, ADM_COSIGN_INVALID_SIGNATURE, 0, "larger than its descriptor says");
  assert_int_equal(s.calls, 1);
}

/* Damaged manifests (a byte changed, dropped or doubled) never crash and
 * never verify an image they do not sign; under ASan, never leak. */
static void damaged_manifests_fail_closed(void **state) {
  (void)state;
  struct store s = {0};
  put_fixture(&s, "payload.json");
  put_fixture(&s, "payload-other.json");
  size_t len;
  const char *golden = fixture("manifest.json", &len);
  char *m = malloc(len + 2);
  uint32_t seed = 7;
  unsigned verified = 0;
  struct adm_cosign_key *ks[] = {keys[WRONG], keys[P256], keys[ED25519]};
  for (int round = 0; round < 1000; round++) {
    memcpy(m, golden, len);
    size_t n = len;
    seed = seed * 1103515245u + 12345u;
    size_t at = (seed >> 8) % len;
    switch (seed % 3) {
    case 0:
      m[at] = (char)(seed >> 24);
      break;
    case 1:
      memmove(m + at, m + at + 1, len - at - 1);
      n--;
      break;
    default:
      memmove(m + at + 1, m + at, len - at);
      n++;
    }
    struct adm_cosign_result res;
    if (adm_cosign_verify(m, n, other_digest, ks, 3, fake_fetch, &s, NULL, &res) != 0)
      fail_msg("expected a damaged manifest to give an outcome, not an error");
    if (res.outcome == ADM_COSIGN_VERIFIED)
      fail_msg("expected a manifest signing another image never to verify: %.*s", (int)n, m);
    if (adm_cosign_verify(m, n, image_digest, ks, 3, fake_fetch, &s, NULL, &res) != 0)
      fail_msg("expected a damaged manifest to give an outcome, not an error");
    verified += res.outcome == ADM_COSIGN_VERIFIED;
  }
  free(m);
  if (verified == 0 || verified == 1000)
    fail_msg("expected some damage to be harmless and some not, %u of 1000 verified", verified);
}

static void outcome_names(void **state) {
  (void)state;
  assert_string_equal(adm_cosign_outcome_name(ADM_COSIGN_VERIFIED), "verified");
  assert_string_equal(adm_cosign_outcome_name(ADM_COSIGN_UNSIGNED), "unsigned");
  assert_string_equal(adm_cosign_outcome_name(ADM_COSIGN_INVALID_SIGNATURE), "invalid-signature");
  assert_string_equal(adm_cosign_outcome_name(ADM_COSIGN_DIGEST_MISMATCH), "digest-mismatch");
  assert_string_equal(adm_cosign_outcome_name(ADM_COSIGN_MALFORMED), "malformed");
  assert_string_equal(adm_cosign_outcome_name(ADM_COSIGN_FETCH_FAILED), "fetch-failed");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(loads_keys),
      cmocka_unit_test(golden_manifests),
      cmocka_unit_test(each_algorithm),
      cmocka_unit_test(rsa_padding_is_what_the_key_says),
      cmocka_unit_test(wrong_key),
      cmocka_unit_test(tampered_payload),
      cmocka_unit_test(replayed_signature_of_another_image),
      cmocka_unit_test(signed_payload_claims),
      cmocka_unit_test(malformed_signatures),
      cmocka_unit_test(malformed_descriptors_and_manifests),
      cmocka_unit_test(unsigned_images),
      cmocka_unit_test(fetch_failures),
      cmocka_unit_test(mixed_layers),
      cmocka_unit_test(bounds),
      cmocka_unit_test(refuses_bad_arguments),
      cmocka_unit_test(distrusts_the_fetcher),
      cmocka_unit_test(damaged_manifests_fail_closed),
      cmocka_unit_test(outcome_names),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
