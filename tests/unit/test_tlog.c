/* server/verify/tlog.c: RFC 9162 inclusion proofs against trees built here
 * for every index of every size up to 17, and log entries signed on the
 * spot by a test log: the SET, the integrated time (future, outside the
 * key's validFor), the body compared with the bundle (signature, key,
 * digest, kind), the proof requirements by bundle version and Rekor
 * generation, and real entries from the conformance cases. */
#include "sigstore_fixtures.h"

/* --- Merkle trees -------------------------------------------------------- */

static void leaf_hash(int i, unsigned char out[32]) {
  unsigned char buf[2] = {0x00, (unsigned char)i};
  gnutls_hash_fast(GNUTLS_DIG_SHA256, buf, 2, out);
}

static void node(const unsigned char l[32], const unsigned char r[32], unsigned char out[32]) {
  unsigned char buf[65];
  buf[0] = 0x01;
  memcpy(buf + 1, l, 32);
  memcpy(buf + 33, r, 32);
  gnutls_hash_fast(GNUTLS_DIG_SHA256, buf, 65, out);
}

/* RFC 6962 2.1: MTH of leaves [lo, hi). */
static void mth(int lo, int hi, unsigned char out[32]) {
  if (hi - lo == 1) {
    leaf_hash(lo, out);
    return;
  }
  int k = 1;
  while (k * 2 < hi - lo)
    k *= 2;
  unsigned char l[32], r[32];
  mth(lo, lo + k, l);
  mth(lo + k, hi, r);
  node(l, r, out);
}

/* RFC 6962 2.1.1: PATH(m, D[lo:hi]), leaf-most first. */
static size_t path(int m, int lo, int hi, unsigned char (*out)[32]) {
  if (hi - lo == 1)
    return 0;
  int k = 1;
  while (k * 2 < hi - lo)
    k *= 2;
  size_t n;
  if (m < k) {
    n = path(m, lo, lo + k, out);
    mth(lo + k, hi, out[n]);
  } else {
    n = path(m - k, lo + k, hi, out);
    mth(lo, lo + k, out[n]);
  }
  return n + 1;
}

static void merkle(void **state) {
  (void)state;
  unsigned char hashes[16][32], root[32], leaf[32];
  struct adm__bytes proof[16];
  for (int i = 0; i < 16; i++)
    proof[i] = (struct adm__bytes){hashes[i], 32};
  for (int size = 1; size <= 17; size++) {
    mth(0, size, root);
    for (int m = 0; m < size; m++) {
      size_t n = path(m, 0, size, hashes);
      leaf_hash(m, leaf);
      if (adm__merkle_verify(m, size, leaf, proof, n, root) != 0)
        fail_msg("index %d of %d does not verify", m, size);
      /* A tree twice as large needs a longer path. */
      assert_int_not_equal(adm__merkle_verify(m, 2 * size + 1, leaf, proof, n, root), 0);
      if (size > 1) {
        if (adm__merkle_verify((m + 1) % size, size, leaf, proof, n, root) == 0)
          fail_msg("index %d of %d verified as %d", m, size, (m + 1) % size);
        assert_int_not_equal(adm__merkle_verify(m, size, leaf, proof, n - 1, root), 0); /* a hash short */
        hashes[0][5] ^= 1;
        assert_int_not_equal(adm__merkle_verify(m, size, leaf, proof, n, root), 0); /* a bit flipped */
        hashes[0][5] ^= 1;
      }
      memcpy(hashes[n], root, 32);
      assert_int_not_equal(adm__merkle_verify(m, size, leaf, proof, n + 1, root), 0); /* a hash too many */
    }
  }
  assert_int_not_equal(adm__merkle_verify(3, 3, leaf, proof, 0, root), 0);
  assert_int_not_equal(adm__merkle_verify(-1, 3, leaf, proof, 0, root), 0);
  assert_int_not_equal(adm__merkle_verify(0, 0, leaf, proof, 0, root), 0);
}

/* --- entries of a test log ------------------------------------------------ */

struct fixture {
  struct test_key log_key, signer;
  struct adm_trusted_root root;
  struct adm__tlog tlog;
  unsigned char log_id[32];
  struct adm__bundle bundle;
  struct adm__expect x;
  struct adm__entry e;
  struct adm__bytes signature;
};

static char *pem_b64(struct adm_arena *a, const struct adm__bytes *spki) {
  char *pem =
      adm_arena_printf(a, "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n", b64(a, spki->data, spki->len));
  return b64(a, pem, strlen(pem));
}

/* A hashedrekord 0.0.1 body for sig over digest by key; the SET signed. */
static void entry(struct adm_arena *a, struct fixture *f, const char *body_sig, const char *body_key,
                  const unsigned char digest[32]) {
  char hex[65];
  for (int i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  char *body = adm_arena_printf(a,
                                "{\"apiVersion\":\"0.0.1\",\"kind\":\"hashedrekord\",\"spec\":{\"data\":{\"hash\":"
                                "{\"algorithm\":\"sha256\",\"value\":\"%s\"}},\"signature\":{\"content\":\"%s\","
                                "\"publicKey\":{\"content\":\"%s\"}}}}",
                                hex, body_sig, body_key);
  struct adm__entry *e = &f->e;
  memset(e, 0, sizeof *e);
  e->log_index = 1234;
  e->integrated_time = 1700000000;
  e->has_integrated_time = true;
  e->log_id = (struct adm__bytes){f->log_id, 32};
  e->kind = "hashedrekord";
  e->version = "0.0.1";
  e->body = (struct adm__bytes){(const unsigned char *)body, strlen(body)};
  e->body_b64 = b64(a, body, strlen(body));
  char *set = adm_arena_printf(a, "{\"body\":\"%s\",\"integratedTime\":%lld,\"logID\":\"", e->body_b64,
                               (long long)e->integrated_time);
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm_sb_add(&sb, set);
  for (int i = 0; i < 32; i++)
    adm_sb_addf(&sb, "%02x", f->log_id[i]);
  adm_sb_addf(&sb, "\",\"logIndex\":%lld}", (long long)e->log_index);
  const char *payload = adm_sb_str(&sb);
  e->set = key_sign(a, &f->log_key, GNUTLS_SIGN_ECDSA_SHA256, payload, strlen(payload));
}

static struct fixture F;

static int setup(void **state) {
  arena_setup(state);
  struct adm_arena *a = *state;
  struct fixture *f = &F;
  memset(f, 0, sizeof *f);
  unsigned bits = GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1);
  key_gen(a, GNUTLS_PK_ECDSA, bits, &f->log_key);
  key_gen(a, GNUTLS_PK_ECDSA, bits, &f->signer);
  gnutls_hash_fast(GNUTLS_DIG_SHA256, f->log_key.spki.data, f->log_key.spki.len, f->log_id);
  f->tlog = (struct adm__tlog){.base_url = "https://log.example.dev",
                               .host = "log.example.dev",
                               .key = f->log_key.spki,
                               .log_id = {f->log_id, 32},
                               .valid = {1600000000, 0, false}};
  f->root.tlogs = &f->tlog;
  f->root.n_tlogs = 1;
  f->signature = key_sign(a, &f->signer, GNUTLS_SIGN_ECDSA_SHA256, "artifact", 8);
  f->bundle.content = ADM__MESSAGE;
  f->bundle.signature = f->signature;
  f->x = (struct adm__expect){
      .signature = &f->bundle.signature, .leaf_or_key = &f->signer.spki, .is_key = true, .bundle = &f->bundle};
  gnutls_hash_fast(GNUTLS_DIG_SHA256, "artifact", 8, f->x.artifact_sha256);
  entry(a, f, b64(a, f->signature.data, f->signature.len), pem_b64(a, &f->signer.spki), f->x.artifact_sha256);
  return 0;
}

static int teardown(void **state) {
  gnutls_privkey_deinit(F.log_key.priv);
  gnutls_privkey_deinit(F.signer.priv);
  return arena_teardown(state);
}

static int check(struct adm_arena *a, int minor, int64_t now, const char *want) {
  struct adm_error err = {0};
  int64_t t = 0;
  bool has_time = true;
  int rc = adm__tlog_verify(a, &F.e, minor, &F.root, &F.x, now, &t, &has_time, &err);
  if (want == NULL) {
    if (rc != 0)
      fail_msg("did not verify: %s", err.message);
    assert_true(has_time && t == F.e.integrated_time);
  } else {
    if (rc == 0)
      fail_msg("verified, want \"%s\"", want);
    assert_str_contains(err.message, want);
    assert_false(has_time);
  }
  return rc;
}

static void signed_entry_timestamp(void **state) {
  struct adm_arena *a = *state;
  check(a, 1, 1800000000, NULL);
  check(a, 1, 1700000000, NULL);              /* now is the integrated time */
  check(a, 1, 1699999999, "in the future");   /* a second before */
  check(a, 2, 1800000000, "inclusion proof"); /* v0.2 needs a proof */
  F.tlog.valid = (struct adm__range){1600000000, 1699999999, true};
  check(a, 1, 1800000000, "validFor");
  F.tlog.valid = (struct adm__range){1600000000, 1700000000, true};
  check(a, 1, 1800000000, NULL); /* the end is inclusive */
  F.e.log_index++;               /* the SET covers the index */
  check(a, 1, 1800000000, "signed entry timestamp");
  F.e.log_index--;
  struct adm__bytes set = F.e.set;
  F.e.set.len = 0;
  check(a, 1, 1800000000, "signed entry timestamp"); /* v0.1 needs one */
  F.e.set = set;
  F.e.log_id.len = 31;
  check(a, 1, 1800000000, "does not list");
  F.e.log_id.len = 32;
  F.e.has_integrated_time = false;
  check(a, 1, 1800000000, "integrated time");
}

static void body_mismatch(void **state) {
  struct adm_arena *a = *state;
  struct test_key other;
  key_gen(a, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), &other);
  struct adm__bytes other_sig = key_sign(a, &F.signer, GNUTLS_SIGN_ECDSA_SHA256, "artifact", 8);
  unsigned char other_digest[32];
  memset(other_digest, 7, 32);
  char *sig = b64(a, F.signature.data, F.signature.len), *key = pem_b64(a, &F.signer.spki);
  entry(a, &F, b64(a, other_sig.data, other_sig.len), key, F.x.artifact_sha256);
  check(a, 1, 1800000000, "signature differs");
  entry(a, &F, sig, pem_b64(a, &other.spki), F.x.artifact_sha256);
  check(a, 1, 1800000000, "certificate or key differs");
  entry(a, &F, sig, key, other_digest);
  check(a, 1, 1800000000, "artifact digest differs");
  entry(a, &F, sig, "not base64!", F.x.artifact_sha256);
  check(a, 1, 1800000000, "certificate or key differs");
  entry(a, &F, sig, key, F.x.artifact_sha256);
  F.e.kind = "intoto";
  check(a, 1, 1800000000, "kind or version");
  F.e.kind = "hashedrekord";
  F.bundle.content = ADM__DSSE;
  check(a, 1, 1800000000, "for a DSSE envelope");
  F.bundle.content = ADM__MESSAGE;
  F.e.body = (struct adm__bytes){(const unsigned char *)"[]", 2};
  check(a, 1, 1800000000, "not a JSON object");
  static const char odd[] = "{\"apiVersion\":\"9\",\"kind\":\"x\",\"spec\":{}}";
  F.e.body = (struct adm__bytes){(const unsigned char *)odd, sizeof odd - 1};
  F.e.kind = "x";
  F.e.version = "9";
  F.bundle.content = ADM__DSSE;
  check(a, 1, 1800000000, "unsupported entry kind");
  gnutls_privkey_deinit(other.priv);
}

static void rekor_v2_needs_proof(void **state) {
  struct adm_arena *a = *state;
  F.e.version = "0.0.2";
  F.e.has_integrated_time = false;
  struct adm_error err = {0};
  int64_t t;
  bool has_time;
  assert_int_not_equal(adm__tlog_verify(a, &F.e, 3, &F.root, &F.x, 1800000000, &t, &has_time, &err), 0);
}

/* Real entries: proof and checkpoint of a Rekor v1 and a Rekor v2 log. */
static void conformance_entries(void **state) {
  struct adm_arena *a = *state;
  static const char *const names[] = {"happy-path-v0.3", "rekor2-happy-path", "happy-path-intoto-in-dsse-v3"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    struct adm_trusted_root *root = conf_root(a, names[i]);
    struct adm__bundle b = conf_bundle(a, names[i]);
    struct adm__expect x = {.signature = &b.signature, .leaf_or_key = &b.leaf, .bundle = &b};
    size_t alen = 0;
    char *art = CONF(a, NULL, "bundle-verify/a.txt", &alen);
    gnutls_hash_fast(GNUTLS_DIG_SHA256, art, alen, x.artifact_sha256);
    if (b.content == ADM__DSSE)
      gnutls_hash_fast(GNUTLS_DIG_SHA256, b.payload.data, b.payload.len, x.artifact_sha256);
    struct adm_error err = {0};
    int64_t t;
    bool has_time;
    if (adm__tlog_verify(a, &b.entries[0], b.minor, root, &x, INT64_MAX, &t, &has_time, &err) != 0)
      fail_msg("%s: %s", names[i], err.message);
    assert_int_equal(has_time, b.entries[0].has_integrated_time);
    /* The tree-local index, not the global one, places the leaf. */
    struct adm__entry e = b.entries[0];
    e.proof_index = e.log_index;
    e.set.len = 0;
    if (e.proof_index != b.entries[0].proof_index)
      assert_int_not_equal(adm__tlog_verify(a, &e, b.minor, root, &x, INT64_MAX, &t, &has_time, &err), 0);
    /* The checkpoint must be the proof's. */
    e = b.entries[0];
    e.tree_size++;
    assert_int_not_equal(adm__tlog_verify(a, &e, b.minor, root, &x, INT64_MAX, &t, &has_time, &err), 0);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(merkle),
      cmocka_unit_test_setup_teardown(signed_entry_timestamp, setup, teardown),
      cmocka_unit_test_setup_teardown(body_mismatch, setup, teardown),
      cmocka_unit_test_setup_teardown(rekor_v2_needs_proof, setup, teardown),
      cmocka_unit_test_setup_teardown(conformance_entries, arena_setup, arena_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
