/* server/verify/checkpoint.c: C2SP signed notes made on the spot with
 * Ed25519 and ECDSA log keys: the log's signature verifies wherever it
 * stands among witness cosignatures; a wrong key hint, name or signature, a
 * missing body line, no signature block or too many signatures fail. */
#include "sigstore_fixtures.h"

#define HOST "log.example.dev"

struct log {
  struct test_key key;
  struct adm__tlog tlog;
  gnutls_sign_algorithm_t sign;
  bool ed25519;
};

static void make_log(struct adm_arena *a, struct log *l, bool ed25519) {
  l->ed25519 = ed25519;
  if (ed25519) {
    key_gen(a, GNUTLS_PK_EDDSA_ED25519, 256, &l->key);
    l->sign = GNUTLS_SIGN_EDDSA_ED25519;
  } else {
    key_gen(a, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), &l->key);
    l->sign = GNUTLS_SIGN_ECDSA_SHA256;
  }
  memset(&l->tlog, 0, sizeof l->tlog);
  l->tlog.host = HOST;
  l->tlog.key = l->key.spki;
}

/* "— name base64(hint || signature)\n" over body, signed by l. */
static char *sig_line(struct adm_arena *a, const struct log *l, const char *name, const char *body, bool bad_hint) {
  unsigned char hint[32];
  unsigned char raw[32];
  if (adm__spki_ed25519(&l->key.spki, raw)) {
    unsigned char buf[256];
    size_t n = strlen(name);
    memcpy(buf, name, n);
    buf[n] = '\n';
    buf[n + 1] = 1;
    memcpy(buf + n + 2, raw, 32);
    gnutls_hash_fast(GNUTLS_DIG_SHA256, buf, n + 34, hint);
  } else {
    gnutls_hash_fast(GNUTLS_DIG_SHA256, l->key.spki.data, l->key.spki.len, hint);
  }
  if (bad_hint)
    hint[0] ^= 1;
  struct adm__bytes sig = key_sign(a, &l->key, l->sign, body, strlen(body));
  unsigned char *blob = adm_arena_alloc(a, 4 + sig.len);
  memcpy(blob, hint, 4);
  memcpy(blob + 4, sig.data, sig.len);
  return adm_arena_printf(a, "\xe2\x80\x94 %s %s\n", name, b64(a, blob, 4 + sig.len));
}

static const char body[] = HOST "\n42\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\nTimestamp: 1\n";

static void verifies(void **state) {
  struct adm_arena *a = *state;
  for (int ed = 0; ed < 2; ed++) {
    struct log l, witness;
    make_log(a, &l, ed);
    make_log(a, &witness, true);
    struct adm__checkpoint cp;
    struct adm_error err = {0};
    char *note = adm_arena_printf(a, "%s\n%s", body, sig_line(a, &l, HOST, body, false));
    assert_int_equal(adm__checkpoint_verify(a, note, &l.tlog, &cp, &err), 0);
    assert_string_equal(cp.origin, HOST);
    assert_true(cp.size == 42);
    for (int i = 0; i < 32; i++)
      assert_int_equal(cp.root[i], i);
    /* Witnesses before and after the log's line are skipped. */
    note = adm_arena_printf(a, "%s\n%s%s%s", body, sig_line(a, &witness, "witness.example", body, false),
                            sig_line(a, &l, HOST, body, false), sig_line(a, &witness, HOST, body, false));
    assert_int_equal(adm__checkpoint_verify(a, note, &l.tlog, &cp, &err), 0);
    gnutls_privkey_deinit(l.key.priv);
    gnutls_privkey_deinit(witness.key.priv);
  }
}

static void refused(void **state) {
  struct adm_arena *a = *state;
  struct log l, other;
  make_log(a, &l, true);
  make_log(a, &other, true);
  struct adm__checkpoint cp;
  struct adm_error err = {0};
  static const char other_body[] = HOST "\n43\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";
  const struct {
    const char *note, *why;
  } cases[] = {
      {adm_arena_printf(a, "%s\n%s", body, sig_line(a, &l, HOST, body, true)), "no signature by"},
      {adm_arena_printf(a, "%s\n%s", body, sig_line(a, &l, "other.example", body, false)), "no signature by"},
      {adm_arena_printf(a, "%s\n%s", body, sig_line(a, &other, HOST, body, false)), "no signature by"},
      {adm_arena_printf(a, "%s\n%s", body, sig_line(a, &l, HOST, other_body, false)), "does not verify"},
      {adm_arena_printf(a, "%s\n", body), "no signature by"},
      {body, "no signature block"},
      {adm_arena_printf(a, "42\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\n%s",
                        sig_line(a, &l, HOST, body, false)),
       "lacks origin"},
      {adm_arena_printf(a, HOST "\nx\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\n%s",
                        sig_line(a, &l, HOST, body, false)),
       "tree size"},
      {adm_arena_printf(a, HOST "\n042\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\n%s",
                        sig_line(a, &l, HOST, body, false)),
       "tree size"},
      {adm_arena_printf(a, HOST "\n42\nAAEC\n\n%s", sig_line(a, &l, HOST, body, false)), "root hash"},
      {adm_arena_printf(a, "%s\n- " HOST " AAAAAAAA\n", body), "em dash"},
      {adm_arena_printf(a, "%s\n\xe2\x80\x94 " HOST "\n", body), "lacks a name"},
      {adm_arena_printf(a, "%s\n\xe2\x80\x94 " HOST " !!!!\n", body), "not base64"},
      {adm_arena_printf(a, "%s\n\xe2\x80\x94 " HOST " AAAAAAAA", body), "not terminated"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    if (adm__checkpoint_verify(a, cases[i].note, &l.tlog, &cp, &err) == 0)
      fail_msg("case %zu verified: %s", i, cases[i].note);
    assert_str_contains(err.message, cases[i].why);
  }
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm_sb_add(&sb, body);
  adm_sb_add(&sb, "\n");
  for (int i = 0; i < 17; i++)
    adm_sb_add(&sb, sig_line(a, &other, "w.example", body, false));
  assert_int_equal(adm__checkpoint_verify(a, adm_sb_str(&sb), &l.tlog, &cp, &err), ADM_ETOOBIG);
  gnutls_privkey_deinit(l.key.priv);
  gnutls_privkey_deinit(other.key.priv);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(verifies, arena_setup, arena_teardown),
      cmocka_unit_test_setup_teardown(refused, arena_setup, arena_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
