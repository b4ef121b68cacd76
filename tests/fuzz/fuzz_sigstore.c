/* libFuzzer harness for the Sigstore bundle verifier (server/verify/): the
 * first input byte picks what the rest is fed to: a trusted root; a bundle
 * verified under a fixed key; a trusted root and a bundle (split at the
 * first NUL) verified keyless; a certificate (Fulcio claims, SCTs, chain);
 * a checkpoint under a fixed Ed25519 log key; an RFC 3161 timestamp; an
 * in-toto statement; a predicate under attestation conditions (a condition
 * that holds names a value the input holds). Refusals are fine; crashes, sanitizer reports and a
 * VERIFIED result (no input can carry a valid signature of the fixed keys)
 * are not. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sigbundle.h"
#include "sigstore_internal.h"

/* A P-256 key made for this harness alone; nobody holds its private half. */
static const char fixed_key[] = "-----BEGIN PUBLIC KEY-----\n"
                                "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEv07/IZKxLQaWpILK8Zlovs6YXQiQ\n"
                                "sKdKiLAK5SGvj6sLCzf2JqOJebEwIbGTSjy32eViizCnsMTifhIFPTgCaQ==\n"
                                "-----END PUBLIC KEY-----\n";
/* An Ed25519 SubjectPublicKeyInfo, for checkpoints. */
static const unsigned char ed25519_spki[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
                                             0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc,
                                             0xdd, 0xee, 0xff, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                             0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11, 0x22, 0x33, 0x44};

static void must_not_verify(const struct adm_sigstore_result *res) {
  if (res->outcome == ADM_SIGSTORE_VERIFIED)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static struct adm_arena a;
  if (a.block_size == 0)
    adm_arena_init(&a, 65536, 64u << 20);
  adm_arena_recycle(&a, 1u << 20);
  if (size < 1)
    return 0;
  unsigned mode = data[0] % 8;
  const char *text = (const char *)data + 1;
  size_t len = size - 1;
  struct adm_error err = {0};
  struct adm_sigstore_result res;
  struct adm_sigstore_artifact art = {(const unsigned char *)"artifact", 8, {0}};
  switch (mode) {
  case 0: {
    struct adm_trusted_root *root;
    adm_trusted_root_parse(&a, text, len, &root, &err);
    break;
  }
  case 1: {
    struct adm_sigstore_key *key;
    if (adm_sigstore_key_parse(&a, fixed_key, sizeof fixed_key - 1, &key, &err) < 0)
      abort();
    struct adm_sigstore_policy pol = {.key = key, .now = 1800000000};
    adm_sigstore_verify(&a, text, len, &pol, &art, &res);
    must_not_verify(&res);
    break;
  }
  case 2: {
    const char *nul = memchr(text, '\0', len);
    struct adm_trusted_root *root;
    if (nul == NULL || adm_trusted_root_parse(&a, text, (size_t)(nul - text), &root, &err) < 0)
      break;
    struct adm_sigstore_identity id = {".*", ".*", true, true};
    struct adm_sigstore_policy pol = {.root = root, .identity = &id, .now = 1800000000};
    adm_sigstore_verify(&a, nul + 1, len - (size_t)(nul - text) - 1, &pol, &art, &res);
    must_not_verify(&res);
    break;
  }
  case 3: {
    struct adm__bytes cert = {(const unsigned char *)text, len};
    struct adm__fulcio f;
    size_t n;
    int64_t nb, na;
    adm__fulcio_parse(&a, &cert, &f, &err);
    adm__sct_verify(&a, &cert, &cert, NULL, 0, &n, &err);
    adm__cert_validity(&cert, &nb, &na);
    adm__cert_self_signed(&cert);
    struct adm__ca ca = {NULL, &cert, 1, {0, 0, false}};
    adm__chain_verify(&cert, &ca, 1, 1700000000, NULL, NULL, &err);
    break;
  }
  case 4: {
    char *note = adm_arena_strndup(&a, text, len);
    struct adm__tlog log = {.host = "log.example.dev", .key = {ed25519_spki, sizeof ed25519_spki}};
    struct adm__checkpoint cp;
    if (note && adm__checkpoint_verify(&a, note, &log, &cp, &err) == 0)
      abort();
    break;
  }
  case 5: {
    struct adm_trusted_root root = {0};
    struct adm__bytes token = {(const unsigned char *)text, len}, sig = {(const unsigned char *)"sig", 3};
    int64_t t;
    if (adm__tsa_verify(&token, &sig, &root, &t, &err) == 0)
      abort();
    break;
  }
  case 7: {
    char *predicate = adm_arena_strndup(&a, text, len);
    char *one_of[] = {"https://github.com/a", "b"};
    struct adm_attest_condition c[] = {
        {.path = "runDetails.builder.id", .op = ADM_ATTEST_EQUALS, .value = "admitd-fuzz-value"},
        {.path = "a.0.b", .op = ADM_ATTEST_ONE_OF, .one_of = {one_of, 2}},
        {.path = "x", .op = ADM_ATTEST_MATCHES, .value = "https://*/admitd"},
        {.path = "t", .op = ADM_ATTEST_MAX_AGE, .max_age_ms = 3600 * 1000},
    };
    char why[200];
    for (size_t i = 0; predicate && i < sizeof c / sizeof *c; i++) {
      struct adm_images_attestation att = {"t", &c[i], 1};
      if (adm__attest_check(&att, predicate, 1800000000, why, sizeof why) == 0 && i == 0 &&
          strstr(predicate, "admitd-fuzz-value") == NULL)
        abort();
    }
    break;
  }
  default: {
    struct adm__bytes payload = {(const unsigned char *)text, len};
    struct adm__statement st;
    unsigned char sum[32] = {0};
    adm__statement_parse(&a, &payload, sum, &st, &err);
    break;
  }
  }
  return 0;
}
