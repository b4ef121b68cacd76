/* server/verify/sigbundle.c (and attest.c) through adm_sig_verify, with the
 * fake verifier serving real bundles made by sigstore-js
 * (tests/fixtures/sigstore/) as OCI referrers of the cosign fixtures' image:
 * keyless and key-based bundles verified; an index that lies about
 * artifactType; a referrer of another image and a bundle replayed from one;
 * more than 32 referrers; an oversized or short bundle; an attestation
 * offered as a signature; a certificate under a key authority; keyless
 * identity, issuer and claims that do not match; a log entry a key
 * authority requires; attestation conditions met and not met; one authority
 * by both formats counted once; a client without the referrers call; the
 * trace; and every allocation of each bundle's verification failed in turn. */
#include "cosign_fixtures.h"

#include "fake_verifier.h"

#include "admitd/sigstore.h"
#include "sigstore_internal.h"
#include "sigverify.h"

/* The bundle path itself, with its arenas counted so that the torture test
 * can fail any allocation of any of them. */
static unsigned long arenas_made, fail_arena, fail_nth, most_allocs;
static void counted_arena_init(struct adm_arena *a, size_t block, size_t limit) {
  adm_arena_init(a, block, limit);
  if (++arenas_made == fail_arena)
    a->fail_at = fail_nth;
}
static void counted_arena_free(struct adm_arena *a) {
  if (a->allocs > most_allocs)
    most_allocs = a->allocs;
  adm_arena_free(a);
}
#define adm_arena_init counted_arena_init
#define adm_arena_free counted_arena_free
#include "sigbundle.c"
#undef adm_arena_init
#undef adm_arena_free

#define REGISTRY "registry.example.com"
#define BUNDLE_V03 "application/vnd.dev.sigstore.bundle.v0.3+json"
#define OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define EMPTY "application/vnd.oci.empty.v1+json"
#define IDENTITY "https://github.com/admitd-test/app/.github/workflows/release.yml@refs/heads/main"
#define ISSUER "https://token.actions.githubusercontent.com"
#define SLSA "https://slsa.dev/provenance/v1"

static const char *sfixture(const char *name, size_t *len) {
  return fixture_in("sigstore", name, len);
}

static const char *keep(const char *s) {
  if (n_loaded == MAX_LOADED)
    fail_msg("too many fixtures loaded");
  char *copy = strdup(s);
  loaded[n_loaded++] = copy;
  return copy;
}

/* --- trust material --------------------------------------------------------- */

static struct adm_arena trust; /* roots and bundle keys */
static const struct adm_trusted_root *root;
static const struct adm_sigstore_key *skey[1], *sother[1];
static struct adm_cosign_key *ckey[1], *cboth[2];

static const struct adm_sigstore_key *bundle_key(const char *file) {
  size_t len;
  const char *pem = sfixture(file, &len);
  struct adm_sigstore_key *k;
  struct adm_error err = {0};
  if (adm_sigstore_key_parse(&trust, pem, len, &k, &err) < 0)
    fail_msg("key %s: %s", file, err.message);
  return k;
}

static struct adm_cosign_key *sig_key(const char *file) {
  size_t len;
  const char *pem = sfixture(file, &len);
  struct adm_cosign_key *k = NULL;
  struct adm_error err = {0};
  if (adm_cosign_key_new(&k, pem, len, 0, &err) < 0)
    fail_msg("key %s: %s", file, err.message);
  return k;
}

static int setup(void **state) {
  group_setup(state);
  adm_arena_init(&trust, 65536, 0);
  size_t len;
  const char *text = sfixture("trusted_root.json", &len);
  struct adm_trusted_root *r;
  struct adm_error err = {0};
  if (adm_trusted_root_parse(&trust, text, len, &r, &err) < 0)
    fail_msg("trusted root: %s: %s", err.where, err.message);
  root = r;
  skey[0] = bundle_key("key.pub");
  sother[0] = bundle_key("other.pub");
  ckey[0] = sig_key("key.pub");
  /* One authority, two keys: the cosign fixtures' P-256 (.sig) and the bundle key. */
  cboth[0] = keys[P256];
  cboth[1] = sig_key("key.pub");
  return 0;
}

static int teardown(void **state) {
  adm_cosign_key_free(ckey[0]);
  adm_cosign_key_free(cboth[1]);
  adm_arena_free(&trust);
  return group_teardown(state);
}

/* --- a registry with referrers ------------------------------------------------ */

struct world {
  struct fake_entry e[96];
  size_t n;
  struct fake_verifier f;
  struct adm_verifier v;
  char index[16384];
  size_t index_len;
};

static void serve(struct world *w, const char *ref, const char *bytes, enum adm_fetch_outcome o) {
  if (w->n == sizeof w->e / sizeof w->e[0])
    fail_msg("the fake registry is full");
  w->e[w->n++] = (struct fake_entry){"app", ref, o, NULL, bytes, NULL};
  w->f.entries = w->e;
  w->f.n = w->n;
  fake_verifier_init(&w->f, &w->v);
}

/* Served under its own digest; the digest, kept. */
static const char *serve_content(struct world *w, const char *bytes) {
  char d[ADM_DIGEST_MAX];
  fake_sha256(bytes, d);
  const char *digest = keep(d);
  serve(w, digest, bytes, ADM_FETCH_OK);
  return digest;
}

struct referrer_opts {
  const char *subject;       /* default: the image */
  const char *artifact_type; /* default: BUNDLE_V03; "" none */
  const char *layer_type;    /* default: BUNDLE_V03 */
  const char *claimed;       /* the index descriptor's artifactType; default: artifact_type */
  long long size;            /* the layer's size; default: the bundle's */
  bool no_blob;              /* the bundle blob is not served */
};

/* A referrer of the image holding bundle (a fixture's text), listed in the index. */
static const char *attach(struct world *w, const char *bundle, struct referrer_opts o) {
  const char *type = o.artifact_type ? o.artifact_type : BUNDLE_V03;
  char bd[ADM_DIGEST_MAX];
  fake_sha256(bundle, bd);
  if (!o.no_blob)
    serve_content(w, bundle);
  char m[2048], artifact[200] = "";
  if (type[0])
    snprintf(artifact, sizeof artifact, "\"artifactType\":\"%s\",", type);
  snprintf(
      m, sizeof m,
      "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MANIFEST "\",%s\"config\":{\"mediaType\":\"" EMPTY
      "\",\"digest\":\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2},"
      "\"layers\":[{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%lld}],\"subject\":{\"mediaType\":\"" OCI_MANIFEST
      "\",\"digest\":\"%s\",\"size\":100}}",
      artifact, o.layer_type ? o.layer_type : BUNDLE_V03, bd, o.size ? o.size : (long long)strlen(bundle),
      o.subject ? o.subject : image_digest);
  const char *md = serve_content(w, keep(m));
  const char *claimed = o.claimed ? o.claimed : type;
  char desc[400];
  snprintf(desc, sizeof desc, "%s{\"mediaType\":\"" OCI_MANIFEST "\",\"digest\":\"%s\",\"size\":%zu%s%s%s}",
           w->index_len ? "," : "", md, strlen(m), claimed[0] ? ",\"artifactType\":\"" : "", claimed,
           claimed[0] ? "\"" : "");
  if (w->index_len + strlen(desc) >= sizeof w->index)
    fail_msg("the index is full");
  memcpy(w->index + w->index_len, desc, strlen(desc) + 1);
  w->index_len += strlen(desc);
  return md;
}

/* The referrers index of the image, as attached so far (API, or the tag). */
static void publish(struct world *w, bool via_tag) {
  char idx[16500];
  snprintf(idx, sizeof idx,
           "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[%s]}",
           w->index);
  char ref[ADM_DIGEST_MAX + 20];
  snprintf(ref, sizeof ref, "%s/%s", via_tag ? "referrers-tag" : "referrers", image_digest);
  for (size_t i = 0; i < w->n; i++)
    if (strcmp(w->e[i].reference, ref) == 0) { /* published again: the index grew */
      w->e[i].bytes = keep(idx);
      return;
    }
  serve(w, keep(ref), keep(idx), ADM_FETCH_OK);
}

static const char *bundle(const char *name) {
  char file[96];
  snprintf(file, sizeof file, "%s.sigstore.json", name);
  return sfixture(file, NULL);
}

/* w serving the named bundle fixture as the image's one referrer. */
static struct world *one(struct world *w, const char *name) {
  attach(w, bundle(name), (struct referrer_opts){0});
  publish(w, false);
  return w;
}

/* w serving a keyless signature and a keyless provenance attestation. */
static void signed_and_attested(struct world *w, bool via_tag) {
  attach(w, bundle("keyless"), (struct referrer_opts){0});
  attach(w, bundle("attestation"), (struct referrer_opts){0});
  publish(w, via_tag);
}

/* --- authorities and rules ---------------------------------------------------- */

static struct adm_sigstore_identity identity = {IDENTITY, ISSUER, false, false};

static struct adm_sig_authority keyless(const char *name, const struct adm_sigstore_identity *id) {
  return (struct adm_sig_authority){.name = name, .root = root, .identity = id};
}

static struct adm_sig_authority keyed(const char *name, const struct adm_sigstore_key *const *sk,
                                      struct adm_cosign_key *const *ck, size_t n) {
  return (struct adm_sig_authority){.name = name, .keys = ck, .n_keys = n, .bundle_keys = sk, .root = root};
}

static struct adm_sig_result run(struct world *w, const struct adm_sig_rule *rule, const struct adm_sig_trace *trace) {
  struct adm_sig_request req = {REGISTRY, "app", NULL, image_digest, rule, trace};
  struct adm_sig_result res;
  memset(&res, 0x5a, sizeof res);
  int rc = adm_sig_verify(&w->v, &req, adm_verifier_deadline_in(10000), &res);
  if (rc != 0)
    fail_msg("expected adm_sig_verify to return 0, got %d (%s)", rc, res.detail);
  return res;
}

static void expect(const struct adm_sig_result *res, enum adm_sig_outcome want, uint64_t authorities,
                   const char *detail_part) {
  if (res->outcome != want)
    fail_msg("expected %s, got %s (%s)", adm_sig_outcome_id(want), adm_sig_outcome_id(res->outcome), res->detail);
  if (res->authorities != authorities)
    fail_msg("expected authorities 0x%llx, got 0x%llx (%s)", (unsigned long long)authorities,
             (unsigned long long)res->authorities, res->detail);
  if (detail_part && strstr(res->detail, detail_part) == NULL)
    fail_msg("expected the detail to contain \"%s\", got \"%s\"", detail_part, res->detail);
  /* The summary names no registry words: only admitd's. */
  if (strstr(res->summary, "fake") != NULL)
    fail_msg("the summary holds a registry's words: %s", res->summary);
}

/* Threshold 0: all of the rule's authorities, unless the rule says. */
#define RULE(...)                                                                                                      \
  (struct adm_sig_rule) {                                                                                              \
    __VA_ARGS__                                                                                                        \
  }

/* --- tests ---------------------------------------------------------------------- */

static void keyless_bundle_verifies(void **state) {
  (void)state;
  for (int tag = 0; tag < 2; tag++) {
    struct world w = {0};
    attach(&w, bundle("keyless"), (struct referrer_opts){0});
    publish(&w, tag);
    struct adm_sig_authority ci = keyless("ci", &identity);
    struct adm_sig_rule rule = RULE(.authorities = &ci, .n_authorities = 1);
    struct adm_sig_result res = run(&w, &rule, NULL);
    expect(&res, ADM_SIG_VERIFIED, 1, "ci [bundle]");
    assert_int_equal(res.by_bundle, 1);
    assert_non_null(strstr(res.summary, "ci [bundle]"));
    /* No key authority: no .sig manifest asked for; the referrer manifest and its blob. */
    assert_int_equal(w.f.referrers, 1);
    assert_int_equal(w.f.manifests, 1);
    assert_int_equal(w.f.blobs, 1);
  }
}

static void keyed_bundles_and_the_log(void **state) {
  (void)state;
  struct world w = {0};
  one(&w, "keyed");
  struct adm_sig_authority release = keyed("release", skey, ckey, 1);
  release.require_tlog = true;
  struct adm_sig_rule rule = RULE(.authorities = &release, .n_authorities = 1);
  struct adm_sig_result res = run(&w, &rule, NULL);
  expect(&res, ADM_SIG_VERIFIED, 1, "release [bundle]");
  /* Without a log entry: refused where the authority requires one, verified where not. */
  struct world n = {0};
  one(&n, "keyed-notlog");
  res = run(&n, &rule, NULL);
  expect(&res, ADM_SIG_TLOG_INVALID, 0, "no transparency log entry");
  assert_non_null(strstr(res.summary, "authority release"));
  release.require_tlog = false;
  release.root = NULL;
  res = run(&n, &rule, NULL);
  expect(&res, ADM_SIG_VERIFIED, 1, NULL);
  /* Another key: invalid. */
  struct adm_sig_authority stranger = keyed("stranger", sother, ckey, 1);
  rule.authorities = &stranger;
  res = run(&w, &rule, NULL);
  expect(&res, ADM_SIG_INVALID_SIGNATURE, 0, "authority stranger");
}

static void index_that_lies_about_artifact_type(void **state) {
  (void)state;
  struct world w = {0};
  attach(&w, bundle("keyless"), (struct referrer_opts){.claimed = EMPTY});
  publish(&w, true);
  struct adm_sig_authority ci = keyless("ci", &identity);
  struct adm_sig_rule rule = RULE(.authorities = &ci, .n_authorities = 1);
  expect((struct adm_sig_result[]){run(&w, &rule, NULL)}, ADM_SIG_VERIFIED, 1, NULL);
  /* The reverse: the index names a bundle; the manifest and its layer are something else. */
  struct world x = {0};
  attach(&x, "{\"not\":\"a bundle\"}",
         (struct referrer_opts){
             .artifact_type = "application/spdx+json", .layer_type = "application/spdx+json", .claimed = BUNDLE_V03});
  publish(&x, true);
  struct adm_sig_result res = run(&x, &rule, NULL);
  expect(&res, ADM_SIG_MALFORMED_SIGNATURE, 0, "the manifest is not one");
  assert_int_equal(x.f.blobs, 0);
  /* An SBOM the index does not call a bundle is no finding at all. */
  struct world y = {0};
  attach(&y, "{\"sbom\":1}",
         (struct referrer_opts){.artifact_type = "application/spdx+json", .layer_type = "application/spdx+json"});
  publish(&y, false);
  expect((struct adm_sig_result[]){run(&y, &rule, NULL)}, ADM_SIG_UNSIGNED, 0, "no Sigstore bundle");
  /* The artifactType alone, or the first layer alone, makes a bundle. */
  struct world z = {0};
  attach(&z, bundle("keyless"), (struct referrer_opts){.artifact_type = ""});
  publish(&z, false);
  expect((struct adm_sig_result[]){run(&z, &rule, NULL)}, ADM_SIG_VERIFIED, 1, NULL);
}

static void another_images_referrer_and_bundle(void **state) {
  (void)state;
  struct adm_sig_authority ci = keyless("ci", &identity);
  struct adm_sig_rule rule = RULE(.authorities = &ci, .n_authorities = 1);
  /* A manifest whose subject is another image, listed here. */
  struct world w = {0};
  attach(&w, bundle("keyless"), (struct referrer_opts){.subject = other_digest});
  publish(&w, false);
  struct adm_sig_result res = run(&w, &rule, NULL);
  expect(&res, ADM_SIG_DIGEST_MISMATCH, 0, "its subject is");
  assert_int_equal(w.f.blobs, 0);
  /* A good bundle of another image, attached to this one. */
  struct world r = {0};
  one(&r, "other-subject");
  expect((struct adm_sig_result[]){run(&r, &rule, NULL)}, ADM_SIG_DIGEST_MISMATCH, 0, "digest-mismatch");
  /* Changed after signing. */
  struct world t = {0};
  one(&t, "tampered");
  expect((struct adm_sig_result[]){run(&t, &rule, NULL)}, ADM_SIG_INVALID_SIGNATURE, 0, "invalid-signature");
}

static void at_most_32_referrers(void **state) {
  (void)state;
  struct world w = {0};
  char filler[64];
  for (int i = 0; i < 40; i++) {
    snprintf(filler, sizeof filler, "{\"filler\":%d}", i);
    attach(&w, keep(filler), (struct referrer_opts){0});
  }
  attach(&w, bundle("keyless"), (struct referrer_opts){0}); /* the 41st */
  publish(&w, false);
  struct adm_sig_authority ci = keyless("ci", &identity);
  struct adm_sig_rule rule = RULE(.authorities = &ci, .n_authorities = 1);
  struct adm_sig_result res = run(&w, &rule, NULL);
  assert_int_not_equal(res.outcome, ADM_SIG_VERIFIED);
  assert_int_equal(w.f.manifests, ADM_SIG_MAX_REFERRERS);
  /* One referrer listed 40 times is fetched once. */
  struct world d = {0};
  for (int i = 0; i < 40; i++)
    attach(&d, bundle("tampered"), (struct referrer_opts){0});
  publish(&d, false);
  expect((struct adm_sig_result[]){run(&d, &rule, NULL)}, ADM_SIG_INVALID_SIGNATURE, 0, NULL);
  assert_int_equal(d.f.manifests, 1);
  /* Those the index calls bundles are looked at first: the good one among
   * 40 that say nothing is found. */
  struct world x = {0};
  for (int i = 0; i < 40; i++) {
    snprintf(filler, sizeof filler, "{\"sbom\":%d}", i);
    attach(&x, keep(filler),
           (struct referrer_opts){.artifact_type = "application/spdx+json", .layer_type = "application/spdx+json"});
  }
  attach(&x, bundle("keyless"), (struct referrer_opts){0});
  publish(&x, false);
  res = run(&x, &rule, NULL);
  expect(&res, ADM_SIG_VERIFIED, 1, NULL);
  assert_int_equal(x.f.manifests, 1);
}

static void bundle_size_is_checked(void **state) {
  (void)state;
  struct adm_sig_authority ci = keyless("ci", &identity);
  struct adm_sig_rule rule = RULE(.authorities = &ci, .n_authorities = 1);
  struct world w = {0};
  attach(&w, bundle("keyless"), (struct referrer_opts){.size = (long long)ADM_SIGSTORE_MAX_BUNDLE + 1});
  publish(&w, false);
  expect((struct adm_sig_result[]){run(&w, &rule, NULL)}, ADM_SIG_MALFORMED_SIGNATURE, 0, "size");
  assert_int_equal(w.f.blobs, 0);
  struct world s = {0};
  attach(&s, bundle("keyless"), (struct referrer_opts){.size = 100});
  publish(&s, false);
  expect((struct adm_sig_result[]){run(&s, &rule, NULL)}, ADM_SIG_MALFORMED_SIGNATURE, 0, "descriptor says 100");
  /* A blob the registry does not have. */
  struct world m = {0};
  attach(&m, bundle("keyless"), (struct referrer_opts){.no_blob = true});
  publish(&m, false);
  expect((struct adm_sig_result[]){run(&m, &rule, NULL)}, ADM_SIG_MALFORMED_SIGNATURE, 0, "the bundle");
}

static void attestation_is_never_a_signature(void **state) {
  (void)state;
  struct world w = {0};
  one(&w, "attestation");
  struct adm_sig_authority ci = keyless("ci", &identity);
  struct adm_sig_rule rule = RULE(.authorities = &ci, .n_authorities = 1);
  struct adm_sig_result res = run(&w, &rule, NULL);
  expect(&res, ADM_SIG_UNSIGNED, 0, "only attestations");
  assert_non_null(strstr(res.summary, "only attestations, which are not signatures"));
  /* Beside a key authority, whose kind does not fit the bundle: still unsigned. */
  struct adm_sig_authority both[] = {ci, keyed("release", skey, ckey, 1)};
  rule = RULE(.authorities = both, .n_authorities = 2, .threshold = 1);
  expect((struct adm_sig_result[]){run(&w, &rule, NULL)}, ADM_SIG_UNSIGNED, 0, "only attestations");
}

static void certificate_under_a_key_authority(void **state) {
  (void)state;
  struct world w = {0};
  one(&w, "keyless");
  struct adm_sig_authority release = keyed("release", skey, ckey, 1);
  struct adm_sig_rule rule = RULE(.authorities = &release, .n_authorities = 1);
  struct adm_sig_result res = run(&w, &rule, NULL);
  expect(&res, ADM_SIG_WRONG_MATERIAL, 0, "carries a certificate");
  /* And a key-signed bundle under a keyless authority. */
  struct world k = {0};
  one(&k, "keyed");
  struct adm_sig_authority ci = keyless("ci", &identity);
  rule.authorities = &ci;
  expect((struct adm_sig_result[]){run(&k, &rule, NULL)}, ADM_SIG_WRONG_MATERIAL, 0, "signed with a key");
  /* Beside a key authority that verifies it, the other's wrong material is no matter. */
  struct adm_sig_authority both[] = {ci, release};
  rule = RULE(.authorities = both, .n_authorities = 2, .threshold = 1);
  expect((struct adm_sig_result[]){run(&k, &rule, NULL)}, ADM_SIG_VERIFIED, 2, NULL);
}

static void keyless_identity_issuer_and_claims(void **state) {
  (void)state;
  struct world w = {0};
  one(&w, "keyless");
  struct adm_sigstore_identity other_subject = {
      "https://github.com/admitd-test/other/.github/workflows/x.yml@refs/heads/main", ISSUER, false, false};
  struct adm_sigstore_identity other_issuer = {IDENTITY, "https://accounts.google.com", false, false};
  struct adm_sigstore_identity by_regex = {"^https://github\\.com/admitd-test/.*$", "https://token\\.actions\\..*",
                                           true, true};
  struct adm_sig_authority ci = keyless("ci", &other_subject);
  struct adm_sig_rule rule = RULE(.authorities = &ci, .n_authorities = 1);
  struct adm_sig_result res = run(&w, &rule, NULL);
  expect(&res, ADM_SIG_IDENTITY_MISMATCH, 0, "subject");
  assert_non_null(strstr(res.summary, "authority ci"));
  ci.identity = &other_issuer;
  expect((struct adm_sig_result[]){run(&w, &rule, NULL)}, ADM_SIG_IDENTITY_MISMATCH, 0, "issuer");
  ci.identity = &by_regex;
  expect((struct adm_sig_result[]){run(&w, &rule, NULL)}, ADM_SIG_VERIFIED, 1, NULL);
  ci.identity = &identity;
  const struct adm_sig_claim missing[] = {{"sourceRepositoryRef", "refs/heads/main"}};
  const struct adm_sig_claim wrong[] = {{"issuer", "https://accounts.google.com"}};
  const struct adm_sig_claim right[] = {{"issuer", ISSUER}};
  ci.claims = missing;
  ci.n_claims = 1;
  expect((struct adm_sig_result[]){run(&w, &rule, NULL)}, ADM_SIG_IDENTITY_MISMATCH, 0, "no claim sourceRepositoryRef");
  ci.claims = wrong;
  expect((struct adm_sig_result[]){run(&w, &rule, NULL)}, ADM_SIG_IDENTITY_MISMATCH, 0, "claim issuer is");
  ci.claims = right;
  expect((struct adm_sig_result[]){run(&w, &rule, NULL)}, ADM_SIG_VERIFIED, 1, NULL);
  /* A CA outside the trusted root: a root without CAs trusts none. */
  struct adm_trusted_root bare = *root;
  bare.n_cas = 0;
  ci.claims = NULL;
  ci.n_claims = 0;
  ci.root = &bare;
  expect((struct adm_sig_result[]){run(&w, &rule, NULL)}, ADM_SIG_UNTRUSTED_CHAIN, 0, "untrusted-chain");
}

static void attestation_conditions(void **state) {
  (void)state;
  struct world w = {0};
  signed_and_attested(&w, false);
  struct adm_sig_authority ci = keyless("ci", &identity);
  char *one_of[] = {"https://github.com/actions/runner/self-hosted", "https://github.com/actions/runner/github-hosted"};
  struct adm_attest_condition good[] = {
      {.path = "buildDefinition.buildType",
       .op = ADM_ATTEST_EQUALS,
       .value = "https://actions.github.io/buildtypes/workflow/v1"},
      {.path = "runDetails.builder.id", .op = ADM_ATTEST_MATCHES, .value = "https://github.com/*"},
      {.path = "runDetails.builder.id", .op = ADM_ATTEST_ONE_OF, .one_of = {one_of, 2}},
      {.path = "runDetails.metadata.startedOn", .op = ADM_ATTEST_MAX_AGE, .max_age_ms = 3650LL * 86400 * 1000},
  };
  struct adm_images_attestation att = {SLSA, good, 4};
  struct adm_sig_rule rule = RULE(.authorities = &ci, .n_authorities = 1, .attestations = &att, .n_attestations = 1);
  struct adm_sig_result res = run(&w, &rule, NULL);
  expect(&res, ADM_SIG_VERIFIED, 1, NULL);
  assert_int_equal(res.attestations, 1);
  /* Each condition that does not hold. */
  const struct {
    struct adm_attest_condition c;
    const char *why;
  } bad[] = {
      {{.path = "buildDefinition.buildType", .op = ADM_ATTEST_EQUALS, .value = "other"}, "which the condition refuses"},
      {{.path = "runDetails.builder.id", .op = ADM_ATTEST_MATCHES, .value = "https://gitlab.com/*"}, "refuses"},
      {{.path = "runDetails.builder.id", .op = ADM_ATTEST_ONE_OF, .one_of = {one_of, 1}}, "refuses"},
      {{.path = "runDetails.metadata.startedOn", .op = ADM_ATTEST_MAX_AGE, .max_age_ms = 3600 * 1000},
       "not a time recent enough"},
      {{.path = "runDetails.nothing.here", .op = ADM_ATTEST_EQUALS, .value = "x"}, "is missing"},
      {{.path = "runDetails.builder", .op = ADM_ATTEST_EQUALS, .value = "x"}, "a mapping, not a value"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    struct adm_attest_condition c = bad[i].c;
    struct adm_images_attestation one = {SLSA, &c, 1};
    rule.attestations = &one;
    res = run(&w, &rule, NULL);
    expect(&res, ADM_SIG_PREDICATE_NOT_SATISFIED, 1, bad[i].why);
    assert_non_null(strstr(res.summary, SLSA));
  }
  /* An attestation of a type no bundle states. */
  struct adm_images_attestation sbom = {"https://spdx.dev/Document", NULL, 0};
  rule.attestations = &sbom;
  expect((struct adm_sig_result[]){run(&w, &rule, NULL)}, ADM_SIG_PREDICATE_NOT_SATISFIED, 1, "none verified");
  /* The attestation by someone else does not count. */
  struct adm_sigstore_identity stranger = {"https://github.com/x/y/.github/workflows/z.yml@refs/heads/main", ISSUER,
                                           false, false};
  struct adm_sig_authority both[] = {ci, keyless("other", &stranger)};
  rule = RULE(.authorities = &both[1], .n_authorities = 1, .attestations = &att, .n_attestations = 1);
  expect((struct adm_sig_result[]){run(&w, &rule, NULL)}, ADM_SIG_IDENTITY_MISMATCH, 0, NULL);
}

/* attest.c on predicates of every shape, at a fixed time. */
static void condition_values(void **state) {
  (void)state;
  const char *predicate = "{\"n\":3,\"b\":true,\"z\":null,\"l\":[{\"x\":\"y\"}],\"t\":\"2026-12-07T00:00:00Z\","
                          "\"bad\":\"yesterday\",\"s\":\"https://github.com/a/b\"}";
  const int64_t now = 1796601600; /* 2026-12-07T00:00:00Z */
  char *yes[] = {"3", "4"};
  const struct {
    struct adm_attest_condition c;
    bool holds;
  } cases[] = {
      {{.path = "n", .op = ADM_ATTEST_EQUALS, .value = "3"}, true},
      {{.path = "n", .op = ADM_ATTEST_ONE_OF, .one_of = {yes, 2}}, true},
      {{.path = "b", .op = ADM_ATTEST_EQUALS, .value = "true"}, true},
      {{.path = "z", .op = ADM_ATTEST_EQUALS, .value = "null"}, true},
      {{.path = "b", .op = ADM_ATTEST_EQUALS, .value = "1"}, false},
      {{.path = "l.0.x", .op = ADM_ATTEST_EQUALS, .value = "y"}, true},
      {{.path = "l.1.x", .op = ADM_ATTEST_EQUALS, .value = "y"}, false},
      {{.path = "l.x", .op = ADM_ATTEST_EQUALS, .value = "y"}, false},
      {{.path = "n.x", .op = ADM_ATTEST_EQUALS, .value = "3"}, false},
      {{.path = "s", .op = ADM_ATTEST_MATCHES, .value = "https://github.com/?/*"}, true},
      {{.path = "s", .op = ADM_ATTEST_MATCHES, .value = "https://github.com/b/*"}, false},
      {{.path = "t", .op = ADM_ATTEST_MAX_AGE, .max_age_ms = 1000}, true},
      {{.path = "bad", .op = ADM_ATTEST_MAX_AGE, .max_age_ms = 3600000}, false},
      {{.path = "n", .op = ADM_ATTEST_MAX_AGE, .max_age_ms = 3600000}, false},
  };
  char why[200];
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    struct adm_images_attestation att = {SLSA, (struct adm_attest_condition *)&cases[i].c, 1};
    int rc = adm__attest_check(&att, predicate, now, why, sizeof why);
    if ((rc == 0) != cases[i].holds)
      fail_msg("case %zu (%s): expected %s, got %d (%s)", i, cases[i].c.path, cases[i].holds ? "holds" : "fails", rc,
               why);
  }
  /* Time: a day later it is too old; six minutes earlier it is in the future. */
  struct adm_attest_condition age = {.path = "t", .op = ADM_ATTEST_MAX_AGE, .max_age_ms = 3600000};
  struct adm_images_attestation att = {SLSA, &age, 1};
  assert_int_equal(adm__attest_check(&att, predicate, now + 86400, why, sizeof why), ADM_EINVAL);
  assert_int_equal(adm__attest_check(&att, predicate, now - 360, why, sizeof why), ADM_EINVAL);
  assert_int_equal(adm__attest_check(&att, predicate, now - 240, why, sizeof why), 0);
  /* Not a predicate at all. */
  assert_int_equal(adm__attest_check(&att, "{\"t\":", now, why, sizeof why), ADM_EPARSE);
  assert_int_equal(adm__attest_check(&att, NULL, now, why, sizeof why), ADM_EMISSING);
  /* No conditions: the type alone is asked for. */
  struct adm_images_attestation bare = {SLSA, NULL, 0};
  assert_int_equal(adm__attest_check(&bare, "{}", now, why, sizeof why), 0);
}

static void one_authority_counts_once(void **state) {
  (void)state;
  /* The .sig signed by the cosign fixtures' P-256 key, the bundle by the
   * sigstore fixtures' key: both keys are release's. */
  struct world w = {0};
  size_t len;
  const char *payload = fixture("payload.json", &len);
  char pd[80];
  sha256_of(payload, len, pd);
  serve_content(&w, payload);
  struct layer l = {keep(pd), (json_int_t)len, text("ecdsa-p256.sig"), NULL};
  char tag[96];
  snprintf(tag, sizeof tag, "sha256-%s.sig", image_digest + 7);
  serve(&w, keep(tag), manifest_of(OCI, &l, 1), ADM_FETCH_OK);
  attach(&w, bundle("keyed"), (struct referrer_opts){0});
  publish(&w, false);
  const struct adm_sigstore_key *sk[] = {sother[0], skey[0]};
  struct adm_sig_authority auths[] = {keyed("release", sk, cboth, 2), keyless("ci", &identity)};
  struct adm_sig_rule rule = RULE(.authorities = auths, .n_authorities = 2, .threshold = 2);
  struct adm_sig_result res = run(&w, &rule, NULL);
  expect(&res, ADM_SIG_BELOW_THRESHOLD, 1, "1 of 2");
  /* Threshold 1: the .sig decides it, and no referrer is asked for. */
  rule.threshold = 1;
  fake_verifier_init(&w.f, &w.v);
  res = run(&w, &rule, NULL);
  expect(&res, ADM_SIG_VERIFIED, 1, NULL);
  assert_int_equal(res.by_bundle, 0);
  assert_int_equal(w.f.referrers, 0);
  /* With the keyless bundle too, both count. */
  attach(&w, bundle("keyless"), (struct referrer_opts){0});
  publish(&w, false);
  rule.threshold = 2;
  res = run(&w, &rule, NULL);
  expect(&res, ADM_SIG_VERIFIED, 3, "release, ci [bundle]");
}

static void no_referrers_call_is_internal(void **state) {
  (void)state;
  struct world w = {0};
  w.f.no_referrers = true;
  attach(&w, bundle("keyless"), (struct referrer_opts){0});
  publish(&w, false);
  struct adm_sig_authority ci = keyless("ci", &identity);
  struct adm_sig_rule rule = RULE(.authorities = &ci, .n_authorities = 1);
  expect((struct adm_sig_result[]){run(&w, &rule, NULL)}, ADM_SIG_INTERNAL, 0, "cannot list referrers");
  /* Never unsigned, even with no .sig manifest either. */
  struct adm_sig_authority release = keyed("release", skey, ckey, 1);
  rule.authorities = &release;
  expect((struct adm_sig_result[]){run(&w, &rule, NULL)}, ADM_SIG_INTERNAL, 0, "cannot list referrers");
}

static void registry_failures_leave_it_unknown(void **state) {
  (void)state;
  struct adm_sig_authority ci = keyless("ci", &identity);
  struct adm_sig_rule rule = RULE(.authorities = &ci, .n_authorities = 1);
  struct world w = {0};
  char ref[ADM_DIGEST_MAX + 20];
  snprintf(ref, sizeof ref, "referrers/%s", image_digest);
  serve(&w, keep(ref), NULL, ADM_FETCH_UNAVAILABLE);
  expect((struct adm_sig_result[]){run(&w, &rule, NULL)}, ADM_SIG_REGISTRY_UNAVAILABLE, 0, NULL);
  /* A referrer that could not be read outranks one that failed. */
  struct world x = {0};
  attach(&x, bundle("tampered"), (struct referrer_opts){0});
  const char *md = attach(&x, bundle("keyless"), (struct referrer_opts){.subject = image_digest});
  for (size_t i = 0; i < x.n; i++)
    if (strcmp(x.e[i].reference, md) == 0)
      x.e[i].outcome = ADM_FETCH_DEADLINE;
  publish(&x, false);
  struct adm_sig_result res = run(&x, &rule, NULL);
  expect(&res, ADM_SIG_DEADLINE, 0, NULL);
  /* Malformed indexes. */
  static const char *const broken[] = {"{", "{\"manifests\":{}}", "[]"};
  for (size_t i = 0; i < sizeof broken / sizeof *broken; i++) {
    struct world b = {0};
    serve(&b, keep(ref), broken[i], ADM_FETCH_OK);
    expect((struct adm_sig_result[]){run(&b, &rule, NULL)}, ADM_SIG_MALFORMED_SIGNATURE, 0, "referrers index");
  }
}

/* --- the trace ------------------------------------------------------------------ */

struct seen {
  char lines[32][300];
  size_t n;
};

static void record(void *ctx, const struct adm_sig_trace_event *e) {
  struct seen *s = ctx;
  if (s->n < 32)
    snprintf(s->lines[s->n++], sizeof s->lines[0], "%d %s %s %s %s", e->step, e->authority ? e->authority : "-",
             e->referrer ? e->referrer : "-", e->artifact_type ? e->artifact_type : "-", e->judged);
}

static bool saw(const struct seen *s, const char *part) {
  for (size_t i = 0; i < s->n; i++)
    if (strstr(s->lines[i], part))
      return true;
  return false;
}

static void trace_tells_every_step(void **state) {
  (void)state;
  struct world w = {0};
  signed_and_attested(&w, true);
  struct adm_sig_authority auths[] = {keyless("ci", &identity), keyed("release", skey, ckey, 1)};
  struct adm_sig_rule rule = RULE(.authorities = auths, .n_authorities = 2, .threshold = 1);
  struct seen s = {0};
  struct adm_sig_trace t = {record, &s};
  struct adm_sig_result res = run(&w, &rule, &t);
  expect(&res, ADM_SIG_VERIFIED, 1, NULL);
  assert_true(saw(&s, "0 - - - resolved"));
  assert_true(saw(&s, "1 release - - none")); /* no .sig manifest */
  assert_true(saw(&s, "2 - - - listed"));     /* the index */
  assert_true(saw(&s, BUNDLE_V03 " bundle")); /* each referrer */
  assert_true(saw(&s, "4 ci "));              /* under each authority */
  assert_true(saw(&s, " signature"));
  assert_true(saw(&s, " attestation"));
  assert_true(saw(&s, "4 release ") && saw(&s, "wrong-material"));
}

/* --- the registry fact backend: policies with bundles ------------------------- */

#include "admitd/config.h"
#include "admitd/facts_backend.h"
#include "admitd/gather.h"

/* A policy: the fixtures' trusted root, keyless "ci" (keyless_extra in its
 * mapping), key "release" from key.pub, one rule verifying the registry's
 * images with rule_extra in its verify. NULL with err on a refusal. */
static struct adm_config *policy(const char *root_file, const char *keyless_extra, const char *rule_extra,
                                 struct adm_error *err) {
  const char *src = getenv("ADMITD_SOURCE_DIR");
  char yaml[8192];
  snprintf(yaml, sizeof yaml,
           "apiVersion: admitd.io/v1alpha1\nkind: Policy\nimages:\n"
           "  trustedRoots:\n    - {name: test, file: '%s/tests/fixtures/sigstore/%s'}\n"
           "  authorities:\n"
           "    - name: ci\n      keyless: {trustedRoot: test, issuer: '" ISSUER "', subject: '" IDENTITY "'%s}\n"
           "    - name: release\n      keyFile: '%s/tests/fixtures/sigstore/key.pub'\n"
           "      trustedRoot: test\n      requireTlog: true\n"
           "  rules:\n    - verify: {images: ['" REGISTRY "/**'], authorities: [ci, release], threshold: 1%s}\n",
           src ? src : ".", root_file, keyless_extra, src ? src : ".", rule_extra);
  struct adm_config *cfg = NULL;
  return adm_config_parse(yaml, strlen(yaml), "p.yaml", &cfg, err) < 0 ? NULL : cfg;
}

static void backend_verifies_bundles_in_the_pipeline(void **state) {
  (void)state;
  adm_fact_backend_set(&adm_registry_fact_backend);
  struct world w = {0};
  signed_and_attested(&w, true);
  adm_fact_backend_test_verifier(&w.v);
  struct adm_error err = {0};
  struct adm_config *cfg =
      policy("trusted_root.json", "",
             ", attestations: [{predicateType: '" SLSA "', conditions: [{path: runDetails.builder.id, matches: "
             "'https://github.com/*'}, {path: runDetails.metadata.startedOn, maxAge: 87600h}]}]",
             &err);
  if (cfg == NULL)
    fail_msg("%s: %s", err.where, err.message);
  struct adm_arena a;
  adm_arena_init(&a, 0, 0);
  char image[256];
  snprintf(image, sizeof image, REGISTRY "/app@%s", image_digest);
  struct adm_pipeline_result *res = test_judge_image(cfg, image, &a);
  assert_true(res->decision.allowed);
  assert_str_contains(test_annotation(&res->decision, "images-verified"),
                      "(ci [bundle]) signatures in " REGISTRY "/app");
  adm_review_request_release(&res->req);
  adm_config_free(cfg);
  /* Conditions that do not hold: denied, naming the outcome and the predicate type. */
  cfg = policy("trusted_root.json", "",
               ", attestations: [{predicateType: '" SLSA "', conditions: [{path: runDetails.builder.id, equals: x}]}]",
               &err);
  assert_non_null(cfg);
  res = test_judge_image(cfg, image, &a);
  assert_false(res->decision.allowed);
  assert_str_contains(res->decision.message, "no verified attestation meets the rule's conditions");
  assert_str_contains(res->decision.message, SLSA);
  adm_review_request_release(&res->req);
  adm_config_free(cfg);
  /* A claim the certificate lacks: the identity does not match. */
  cfg = policy("trusted_root.json", ", claims: {sourceRepositoryRef: refs/heads/main}", "", &err);
  assert_non_null(cfg);
  res = test_judge_image(cfg, image, &a);
  assert_false(res->decision.allowed);
  assert_str_contains(res->decision.message, "signed by another identity or issuer than the rule's");
  assert_str_contains(res->decision.message, "(authority ci)");
  assert_str_lacks(res->decision.message, "fake");
  adm_review_request_release(&res->req);
  adm_arena_free(&a);
  adm_config_free(cfg);
  adm_fact_backend_test_verifier(NULL);
  adm_fact_backend_set(NULL);
}

static void backend_checks_roots_and_claims_as_the_policy_loads(void **state) {
  (void)state;
  adm_fact_backend_set(&adm_registry_fact_backend);
  struct adm_error err = {0};
  assert_null(policy("key.pub", "", "", &err));
  assert_str_contains(err.where, "p.yaml:5:7: images.trustedRoots[0].file");
  assert_str_contains(err.message, "is not a Sigstore trusted root");
  memset(&err, 0, sizeof err);
  assert_null(policy("trusted_root.json", ", claims: {sourceRepoRef: main}", "", &err));
  assert_str_contains(err.where, "images.authorities[0].keyless.claims.sourceRepoRef");
  assert_str_contains(err.message, "not a Fulcio claim name");
  adm_fact_backend_set(NULL);
}

static void backend_explains(void **state) {
  (void)state;
  adm_fact_backend_set(&adm_registry_fact_backend);
  struct world w = {0};
  one(&w, "keyless");
  adm_fact_backend_test_verifier(&w.v);
  struct adm_error err = {0};
  struct adm_config *cfg = policy("trusted_root.json", "", "", &err);
  assert_non_null(cfg);
  struct adm_image_need need = {.rule = NULL, .rule_index = 0};
  char image[256];
  snprintf(image, sizeof image, REGISTRY "/app@%s", image_digest);
  assert_int_equal(adm_image_ref_parse(image, &need.ref, NULL), 0);
  adm_image_ref_string(&need.ref, need.image, sizeof need.image);
  struct seen s = {0};
  struct adm_sig_trace t = {record, &s};
  struct adm_gathered_fact out;
  assert_int_equal(adm_fact_backend_explain(cfg, &need, adm_verifier_deadline_in(10000), &t, &out), 0);
  assert_int_equal(out.outcome, ADM_SIG_VERIFIED);
  assert_string_equal(out.authorities, "ci [bundle]");
  assert_true(saw(&s, "4 ci ") && saw(&s, " signature"));
  assert_true(saw(&s, "1 release - - none"));
  /* A rule the snapshot did not prepare. */
  need.rule_index = 7;
  assert_int_equal(adm_fact_backend_explain(cfg, &need, adm_verifier_deadline_in(1000), &t, &out), ADM_EINVAL);
  assert_int_equal(out.outcome, ADM_SIG_INTERNAL);
  adm_config_free(cfg);
  adm_fact_backend_test_verifier(NULL);
  adm_fact_backend_set(NULL);
}

/* --- every allocation failed in turn ------------------------------------------- */

static void torture_every_allocation(void **state) {
  (void)state;
  struct world w = {0};
  signed_and_attested(&w, false);
  struct adm_sig_authority ci = keyless("ci", &identity);
  struct adm_attest_condition c = {.path = "runDetails.builder.id", .op = ADM_ATTEST_MATCHES, .value = "https://*"};
  struct adm_images_attestation att = {SLSA, &c, 1};
  struct adm_sig_rule rule = RULE(.authorities = &ci, .n_authorities = 1, .attestations = &att, .n_attestations = 1);
  arenas_made = fail_arena = most_allocs = 0;
  expect((struct adm_sig_result[]){run(&w, &rule, NULL)}, ADM_SIG_VERIFIED, 1, NULL);
  unsigned long arenas = arenas_made, per_arena = most_allocs, failed = 0;
  assert_true(arenas >= 2 && per_arena > 10);
  /* Each allocation of each verification's arena: internal, never verified. */
  for (fail_arena = 1; fail_arena <= arenas; fail_arena++)
    for (fail_nth = 1; fail_nth <= per_arena; fail_nth++) {
      arenas_made = 0;
      struct adm_sig_request req = {REGISTRY, "app", NULL, image_digest, &rule, NULL};
      struct adm_sig_result res;
      int rc = adm_sig_verify(&w.v, &req, adm_verifier_deadline_in(10000), &res);
      if (res.outcome == ADM_SIG_VERIFIED && arenas_made >= fail_arena) {
        /* The failing allocation was past what that arena needed. */
        continue;
      }
      if (res.outcome == ADM_SIG_VERIFIED)
        fail_msg("arena %lu allocation %lu: verified", fail_arena, fail_nth);
      if (rc != ADM_ENOMEM || res.outcome != ADM_SIG_INTERNAL)
        fail_msg("arena %lu allocation %lu: %d %s (%s), not out of memory", fail_arena, fail_nth, rc,
                 adm_sig_outcome_id(res.outcome), res.detail);
      failed++;
    }
  fail_arena = 0;
  print_message("torture: %lu failed allocations over %lu verifications, none verified\n", failed, arenas);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(keyless_bundle_verifies),
      cmocka_unit_test(keyed_bundles_and_the_log),
      cmocka_unit_test(index_that_lies_about_artifact_type),
      cmocka_unit_test(another_images_referrer_and_bundle),
      cmocka_unit_test(at_most_32_referrers),
      cmocka_unit_test(bundle_size_is_checked),
      cmocka_unit_test(attestation_is_never_a_signature),
      cmocka_unit_test(certificate_under_a_key_authority),
      cmocka_unit_test(keyless_identity_issuer_and_claims),
      cmocka_unit_test(attestation_conditions),
      cmocka_unit_test(condition_values),
      cmocka_unit_test(one_authority_counts_once),
      cmocka_unit_test(no_referrers_call_is_internal),
      cmocka_unit_test(registry_failures_leave_it_unknown),
      cmocka_unit_test(trace_tells_every_step),
      cmocka_unit_test(backend_verifies_bundles_in_the_pipeline),
      cmocka_unit_test(backend_checks_roots_and_claims_as_the_policy_loads),
      cmocka_unit_test(backend_explains),
      cmocka_unit_test(torture_every_allocation),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
