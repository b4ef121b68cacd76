/* server/verify/sigstore.c: the order of the checks and the outcome each
 * failure gets, over the conformance cases in process; the key policy that
 * never accepts a certificate; what a verified result reports (identity,
 * claims, predicate); argument errors; and the torture test: every arena
 * allocation of a full verification (trusted root included) failed in turn
 * never verifies and always says INTERNAL. */
#include "sigstore_fixtures.h"

#include <time.h>

#define BEACON                                                                                                         \
  "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/"                  \
  "extremely-dangerous-oidc-beacon.yml@refs/heads/main"
#define ACTIONS "https://token.actions.githubusercontent.com"

/* The inputs of one case, loaded into a (which the torture test keeps apart). */
struct input {
  char *bundle, *root, *key, *artifact;
  size_t bundle_len, root_len, key_len, artifact_len;
  struct adm_sigstore_identity id;
};

static void load(struct adm_arena *a, const char *name, struct input *in) {
  memset(in, 0, sizeof *in);
  in->bundle = CONF(a, name, "bundle.sigstore.json", &in->bundle_len);
  in->root = conf_file(a, name, "trusted_root.json", &in->root_len);
  if (in->root == NULL)
    in->root = CONF(a, NULL, "public-good-trusted_root.json", &in->root_len);
  in->key = conf_file(a, name, "key.pub", &in->key_len);
  in->artifact = conf_file(a, name, "artifact", &in->artifact_len);
  if (in->artifact == NULL)
    in->artifact = CONF(a, NULL, "bundle-verify/a.txt", &in->artifact_len);
  in->id = (struct adm_sigstore_identity){BEACON, ACTIONS, false, false};
  char *id = conf_file(a, name, "identity", NULL), *issuer = conf_file(a, name, "issuer", NULL);
  if (id)
    in->id.subject = id;
  if (issuer)
    in->id.issuer = issuer;
}

/* Parse and verify in a; res->outcome says how it ended. */
static int run(struct adm_arena *a, const struct input *in, bool digest_only, struct adm_sigstore_result *res) {
  struct adm_trusted_root *root = NULL;
  struct adm_sigstore_key *key = NULL;
  struct adm_error err = {0};
  memset(res, 0, sizeof *res);
  if (adm_trusted_root_parse(a, in->root, in->root_len, &root, &err) < 0)
    return err.code;
  if (in->key && adm_sigstore_key_parse(a, in->key, in->key_len, &key, &err) < 0)
    return err.code;
  struct adm_sigstore_policy pol = {
      .root = root, .key = key, .identity = key ? NULL : &in->id, .now = (int64_t)time(NULL)};
  struct adm_sigstore_artifact art = {0};
  if (digest_only)
    gnutls_hash_fast(GNUTLS_DIG_SHA256, in->artifact, in->artifact_len, art.sha256);
  else
    art = (struct adm_sigstore_artifact){(const unsigned char *)in->artifact, in->artifact_len, {0}};
  return adm_sigstore_verify(a, in->bundle, in->bundle_len, &pol, &art, res);
}

static const struct {
  const char *name;
  enum adm_sigstore_outcome want;
} cases[] = {
    {"happy-path-v0.1", ADM_SIGSTORE_VERIFIED},
    {"happy-path-v0.3", ADM_SIGSTORE_VERIFIED},
    {"happy-path-intoto-in-dsse-v3", ADM_SIGSTORE_VERIFIED},
    {"rekor2-happy-path", ADM_SIGSTORE_VERIFIED},
    {"rekor2-dsse-happy-path", ADM_SIGSTORE_VERIFIED},
    {"managed-key-happy-path", ADM_SIGSTORE_VERIFIED},
    {"managed-key-and-trusted-root", ADM_SIGSTORE_VERIFIED},
    {"bundle-empty-certificate-chain_fail", ADM_SIGSTORE_MALFORMED},
    {"bundle-unknown-version_fail", ADM_SIGSTORE_MALFORMED},
    {"bundle-with-root-cert_fail", ADM_SIGSTORE_UNTRUSTED_CHAIN},
    {"bundle-from-wrong-instance_fail", ADM_SIGSTORE_TLOG_INVALID},
    {"signature-mismatch_fail", ADM_SIGSTORE_INVALID_SIGNATURE},
    {"dsse-invalid-sig_fail", ADM_SIGSTORE_INVALID_SIGNATURE},
    {"message-digest-mismatch_fail", ADM_SIGSTORE_DIGEST_MISMATCH},
    {"wrong-hashedrekord-entry_fail", ADM_SIGSTORE_TLOG_INVALID},
    {"checkpoint-bad-keyhint_fail", ADM_SIGSTORE_TLOG_INVALID},
    {"set-invalid-signature_fail", ADM_SIGSTORE_TLOG_INVALID},
    {"invalid-ct-key_fail", ADM_SIGSTORE_SCT_INVALID},
    {"intoto-expired-certificate_fail", ADM_SIGSTORE_UNTRUSTED_CHAIN},
    {"managed-key-no-key_fail", ADM_SIGSTORE_WRONG_MATERIAL},
    {"rekor2-no-timestamp_fail", ADM_SIGSTORE_NO_VERIFIED_TIME},
    {"rekor2-timestamp-payload-mismatch_fail", ADM_SIGSTORE_TIMESTAMP_INVALID},
    {"rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail", ADM_SIGSTORE_TIMESTAMP_INVALID},
};

static void outcomes(void **state) {
  struct adm_arena *a = *state;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    for (int digest_only = 0; digest_only < 2; digest_only++) {
      struct input in;
      load(a, cases[i].name, &in);
      struct adm_sigstore_result res;
      assert_int_equal(run(a, &in, digest_only, &res), 0);
      if (res.outcome != cases[i].want)
        fail_msg("%s: %s (%s), want %s", cases[i].name, adm_sigstore_outcome_name(res.outcome), res.detail,
                 adm_sigstore_outcome_name(cases[i].want));
    }
  }
}

static void reports(void **state) {
  struct adm_arena *a = *state;
  struct input in;
  struct adm_sigstore_result res;
  load(a, "happy-path-intoto-in-dsse-v3", &in);
  assert_int_equal(run(a, &in, false, &res), 0);
  assert_int_equal(res.outcome, ADM_SIGSTORE_VERIFIED);
  assert_true(res.dsse);
  assert_non_null(res.predicate_type);
  assert_string_equal(res.subject, BEACON);
  assert_string_equal(res.issuer, ACTIONS);
  assert_true(res.n_claims >= 5);
  assert_int_equal(res.tlog_entries, 1);
  assert_true(res.signed_at > 0);
  load(a, "rekor2-happy-path", &in);
  assert_int_equal(run(a, &in, true, &res), 0);
  assert_int_equal(res.outcome, ADM_SIGSTORE_VERIFIED);
  assert_false(res.dsse);
  assert_null(res.predicate_type);
  assert_int_equal(res.timestamps, 1);
}

static void identity(void **state) {
  struct adm_arena *a = *state;
  struct input in;
  struct adm_sigstore_result res;
  load(a, "happy-path-v0.3", &in);
  in.id.subject = "https://github.com/someone/else";
  assert_int_equal(run(a, &in, false, &res), 0);
  assert_int_equal(res.outcome, ADM_SIGSTORE_IDENTITY_MISMATCH);
  in.id = (struct adm_sigstore_identity){BEACON, "https://accounts.google.com", false, false};
  assert_int_equal(run(a, &in, false, &res), 0);
  assert_int_equal(res.outcome, ADM_SIGSTORE_IDENTITY_MISMATCH);
  in.id =
      (struct adm_sigstore_identity){"https://github\\.com/sigstore-conformance/.*", "https://token\\..*", true, true};
  assert_int_equal(run(a, &in, false, &res), 0);
  assert_int_equal(res.outcome, ADM_SIGSTORE_VERIFIED);
}

/* A key never verifies a bundle that carries a certificate, even one whose
 * key is that certificate's (GHSA-fx35-mq7g-6g98). */
static void key_never_accepts_certificate(void **state) {
  struct adm_arena *a = *state;
  struct input in;
  load(a, "happy-path-v0.3", &in);
  struct adm__bundle b = conf_bundle(a, "happy-path-v0.3");
  struct adm__bytes spki;
  assert_int_equal(adm__cert_spki(a, &b.leaf, &spki), 0);
  in.key =
      adm_arena_printf(a, "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n", b64(a, spki.data, spki.len));
  in.key_len = strlen(in.key);
  struct adm_sigstore_result res;
  assert_int_equal(run(a, &in, false, &res), 0);
  assert_int_equal(res.outcome, ADM_SIGSTORE_WRONG_MATERIAL);
  /* And without a trusted root a key still checks the signature. */
  load(a, "managed-key-happy-path", &in);
  struct adm_sigstore_key *key;
  struct adm_error err = {0};
  assert_int_equal(adm_sigstore_key_parse(a, in.key, in.key_len, &key, &err), 0);
  struct adm_sigstore_policy pol = {.key = key, .now = (int64_t)time(NULL)};
  struct adm_sigstore_artifact art = {(const unsigned char *)in.artifact, in.artifact_len, {0}};
  assert_int_equal(adm_sigstore_verify(a, in.bundle, in.bundle_len, &pol, &art, &res), 0);
  assert_int_equal(res.outcome, ADM_SIGSTORE_VERIFIED);
  art.len--;
  assert_int_equal(adm_sigstore_verify(a, in.bundle, in.bundle_len, &pol, &art, &res), 0);
  assert_int_equal(res.outcome, ADM_SIGSTORE_DIGEST_MISMATCH);
}

/* A keyless case parsed and ready to verify again after a test changes its
 * trusted root or its clock. */
struct open_case {
  struct input in;
  struct adm_trusted_root *root;
  struct adm__bundle b;
  struct adm_sigstore_policy pol;
  struct adm_sigstore_artifact art;
};

static void open_case(struct adm_arena *a, const char *name, struct open_case *c) {
  struct adm_error err = {0};
  load(a, name, &c->in);
  assert_int_equal(adm_trusted_root_parse(a, c->in.root, c->in.root_len, &c->root, &err), 0);
  c->b = conf_bundle(a, name);
  c->pol = (struct adm_sigstore_policy){.root = c->root, .identity = &c->in.id, .now = (int64_t)time(NULL)};
  c->art = (struct adm_sigstore_artifact){(const unsigned char *)c->in.artifact, c->in.artifact_len, {0}};
}

static enum adm_sigstore_outcome verify_case(struct adm_arena *a, struct open_case *c,
                                             struct adm_sigstore_result *res) {
  assert_int_equal(adm_sigstore_verify(a, c->in.bundle, c->in.bundle_len, &c->pol, &c->art, res), 0);
  return res->outcome;
}

/* A Rekor v2 entry's time is the timestamp authority's: it must fall in
 * the log key's validFor as an integrated time must. */
static void rekor_v2_log_validity(void **state) {
  struct adm_arena *a = *state;
  struct open_case c;
  struct adm_sigstore_result res;
  open_case(a, "rekor2-happy-path", &c);
  struct adm__tlog *log = (struct adm__tlog *)adm__root_tlog(c.root->tlogs, c.root->n_tlogs, &c.b.entries[0].log_id);
  assert_non_null(log);
  assert_int_equal(verify_case(a, &c, &res), ADM_SIGSTORE_VERIFIED);
  log->valid.has_end = true;
  log->valid.end = res.signed_at - 1;
  assert_int_equal(verify_case(a, &c, &res), ADM_SIGSTORE_TLOG_INVALID);
  assert_str_contains(res.detail, "validFor");
  log->valid.end++; /* the end is inclusive */
  assert_int_equal(verify_case(a, &c, &res), ADM_SIGSTORE_VERIFIED);
  /* An integratedTime of 0 written out does not make it a Rekor v1 entry. */
  json_t *doc = json_loadb(c.in.bundle, c.in.bundle_len, 0, NULL);
  json_object_set_new(json_array_get(json_object_get(json_object_get(doc, "verificationMaterial"), "tlogEntries"), 0),
                      "integratedTime", json_string("0"));
  char *text = json_dumps(doc, JSON_COMPACT);
  json_decref(doc);
  c.in.bundle = adm_arena_strdup(a, text);
  c.in.bundle_len = strlen(text);
  free(text);
  assert_int_equal(verify_case(a, &c, &res), ADM_SIGSTORE_VERIFIED);
  log->valid.end--;
  assert_int_equal(verify_case(a, &c, &res), ADM_SIGSTORE_TLOG_INVALID);
}

/* An integrated time after "now" is refused, whatever else holds. */
static void integrated_time_in_future(void **state) {
  struct adm_arena *a = *state;
  struct open_case c;
  struct adm_sigstore_result res;
  open_case(a, "happy-path-v0.3", &c);
  c.pol.now = c.b.entries[0].integrated_time;
  assert_int_equal(verify_case(a, &c, &res), ADM_SIGSTORE_VERIFIED);
  assert_true(res.signed_at == c.b.entries[0].integrated_time);
  c.pol.now--;
  assert_int_equal(verify_case(a, &c, &res), ADM_SIGSTORE_TLOG_INVALID);
  assert_str_contains(res.detail, "in the future");
}

static void arguments(void **state) {
  struct adm_arena *a = *state;
  struct adm_sigstore_result res;
  struct adm_sigstore_artifact art = {0};
  struct adm_sigstore_policy pol = {0};
  assert_int_equal(adm_sigstore_verify(a, "{}", 2, &pol, &art, &res), ADM_EINVAL); /* neither key nor identity */
  assert_int_equal(res.outcome, ADM_SIGSTORE_INTERNAL);
  struct adm_sigstore_identity id = {"x", "y", false, false};
  pol.identity = &id; /* identity without a trusted root */
  assert_int_equal(adm_sigstore_verify(a, "{}", 2, &pol, &art, &res), ADM_EINVAL);
  assert_int_equal(adm_sigstore_verify(a, NULL, 0, &pol, &art, &res), ADM_EINVAL);
  assert_int_equal(adm_sigstore_verify(a, "{}", 2, &pol, &art, NULL), ADM_EINVAL);
  struct adm_sigstore_result zero;
  memset(&zero, 0, sizeof zero);
  assert_int_equal(zero.outcome, ADM_SIGSTORE_INTERNAL); /* a zeroed result never says verified */
  assert_string_equal(adm_sigstore_outcome_name(zero.outcome), "internal");
  assert_string_equal(adm_sigstore_outcome_name(ADM_SIGSTORE_TLOG_INVALID), "tlog-invalid");
  assert_string_equal(adm_sigstore_outcome_name((enum adm_sigstore_outcome)99), "internal");
}

static void torture_every_allocation(void **state) {
  struct adm_arena *files = *state;
  static const char *const names[] = {"happy-path-v0.1", "happy-path-intoto-in-dsse-v3", "rekor2-happy-path",
                                      "rekor2-dsse-happy-path", "managed-key-happy-path"};
  unsigned long total = 0;
  struct adm_arena a;
  adm_arena_init(&a, 4096, 0);
  for (size_t c = 0; c < sizeof names / sizeof *names; c++) {
    struct input in;
    load(files, names[c], &in);
    struct adm_sigstore_result res;
    adm_arena_recycle(&a, 0);
    assert_int_equal(run(&a, &in, false, &res), 0);
    assert_int_equal(res.outcome, ADM_SIGSTORE_VERIFIED);
    unsigned long allocs = a.allocs;
    assert_true(allocs > 10);
    for (unsigned long nth = 1; nth <= allocs; nth++) {
      adm_arena_recycle(&a, 0);
      a.fail_at = nth;
      int rc = run(&a, &in, false, &res);
      a.fail_at = 0;
      if (res.outcome == ADM_SIGSTORE_VERIFIED)
        fail_msg("%s: failing allocation %lu of %lu still verified", names[c], nth, allocs);
      if (rc != ADM_ENOMEM || res.outcome != ADM_SIGSTORE_INTERNAL)
        fail_msg("%s: failing allocation %lu of %lu gave %d, %s (%s), not out of memory", names[c], nth, allocs, rc,
                 adm_sigstore_outcome_name(res.outcome), res.detail);
    }
    total += allocs;
  }
  adm_arena_free(&a);
  print_message("torture: %lu failed allocations over %zu verifications, none verified\n", total,
                sizeof names / sizeof *names);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(outcomes, arena_setup, arena_teardown),
      cmocka_unit_test_setup_teardown(reports, arena_setup, arena_teardown),
      cmocka_unit_test_setup_teardown(identity, arena_setup, arena_teardown),
      cmocka_unit_test_setup_teardown(key_never_accepts_certificate, arena_setup, arena_teardown),
      cmocka_unit_test_setup_teardown(rekor_v2_log_validity, arena_setup, arena_teardown),
      cmocka_unit_test_setup_teardown(integrated_time_in_future, arena_setup, arena_teardown),
      cmocka_unit_test_setup_teardown(arguments, arena_setup, arena_teardown),
      cmocka_unit_test_setup_teardown(torture_every_allocation, arena_setup, arena_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
