/* Fixtures for the unit tests of the Sigstore bundle verifier
 * (server/verify/): the public conformance cases read in place from
 * ../shared/conformance/sigstore beside the repository (tests that need
 * them skip when it is absent), keys made on the spot with GnuTLS, and
 * base64. Everything loaded is freed by the test's teardown. */
#ifndef ADMITD_SIGSTORE_FIXTURES_H
#define ADMITD_SIGSTORE_FIXTURES_H

#include "helpers.h"

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>

#include "sigstore_internal.h"

/* A conformance file (bundle-verify/<name>/<file>, or the data folder
 * itself when name is NULL), NUL-terminated, in a; NULL when absent. */
static inline char *conf_file(struct adm_arena *a, const char *name, const char *file, size_t *len) {
  const char *root = getenv("ADMITD_SOURCE_DIR");
  char path[1024];
  if (name)
    snprintf(path, sizeof path, "%s/../shared/conformance/sigstore/bundle-verify/%s/%s", root ? root : ".", name, file);
  else
    snprintf(path, sizeof path, "%s/../shared/conformance/sigstore/%s", root ? root : ".", file);
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  char *buf = adm_arena_alloc(a, 1u << 20);
  size_t n = fread(buf, 1, (1u << 20) - 1, f);
  fclose(f);
  buf[n] = '\0';
  if (len)
    *len = n;
  return buf;
}

/* The same, or skip the test when the conformance data is absent. */
#define CONF(a, name, file, len)                                                                                       \
  ({                                                                                                                   \
    char *c_ = conf_file((a), (name), (file), (len));                                                                  \
    if (c_ == NULL) {                                                                                                  \
      print_message("skipped: no conformance data (../shared/conformance/sigstore)\n");                                \
      skip();                                                                                                          \
    }                                                                                                                  \
    c_;                                                                                                                \
  })

static inline struct adm_trusted_root *conf_root(struct adm_arena *a, const char *name) {
  size_t len = 0;
  char *text = name ? conf_file(a, name, "trusted_root.json", &len) : NULL;
  if (text == NULL)
    text = CONF(a, NULL, "public-good-trusted_root.json", &len);
  struct adm_trusted_root *root;
  struct adm_error err = {0};
  if (adm_trusted_root_parse(a, text, len, &root, &err) < 0)
    fail_msg("trusted root of %s: %s: %s", name ? name : "public good", err.where, err.message);
  return root;
}

static inline struct adm__bundle conf_bundle(struct adm_arena *a, const char *name) {
  size_t len = 0;
  char *text = CONF(a, name, "bundle.sigstore.json", &len);
  struct adm__bundle b;
  struct adm_error err = {0};
  if (adm__bundle_parse(a, text, len, &b, &err) < 0)
    fail_msg("bundle of %s: %s: %s", name, err.where, err.message);
  return b;
}

/* Standard base64 of data, in a. */
static inline char *b64(struct adm_arena *a, const void *data, size_t len) {
  gnutls_datum_t in = {(unsigned char *)(uintptr_t)data, (unsigned)len}, out = {NULL, 0};
  if (gnutls_base64_encode2(&in, &out) < 0)
    fail_msg("base64 encoding failed");
  char *s = adm_arena_strndup(a, (const char *)out.data, out.size);
  gnutls_free(out.data);
  return s;
}

/* A fresh key of algorithm pk (bits: curve or RSA size); its DER SPKI in *spki. */
struct test_key {
  gnutls_privkey_t priv;
  struct adm__bytes spki;
};

static inline void key_gen(struct adm_arena *a, gnutls_pk_algorithm_t pk, unsigned bits, struct test_key *k) {
  gnutls_pubkey_t pub;
  gnutls_datum_t der = {NULL, 0};
  if (gnutls_privkey_init(&k->priv) < 0 || gnutls_privkey_generate(k->priv, pk, bits, 0) < 0 ||
      gnutls_pubkey_init(&pub) < 0 || gnutls_pubkey_import_privkey(pub, k->priv, 0, 0) < 0 ||
      gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der) < 0)
    fail_msg("key generation failed");
  unsigned char *copy = adm_arena_alloc(a, der.size);
  memcpy(copy, der.data, der.size);
  k->spki = (struct adm__bytes){copy, der.size};
  gnutls_free(der.data);
  gnutls_pubkey_deinit(pub);
}

/* The key's signature over data (hash as adm__sig_verify pairs it), in a. */
static inline struct adm__bytes key_sign(struct adm_arena *a, const struct test_key *k, gnutls_sign_algorithm_t alg,
                                         const void *data, size_t len) {
  gnutls_datum_t d = {(unsigned char *)(uintptr_t)data, (unsigned)len}, sig = {NULL, 0};
  if (gnutls_privkey_sign_data2(k->priv, alg, 0, &d, &sig) < 0)
    fail_msg("signing failed");
  unsigned char *copy = adm_arena_alloc(a, sig.size);
  memcpy(copy, sig.data, sig.size);
  gnutls_free(sig.data);
  return (struct adm__bytes){copy, sig.size};
}

static inline int arena_setup(void **state) {
  struct adm_arena *a = malloc(sizeof *a);
  adm_arena_init(a, 65536, 0);
  *state = a;
  return 0;
}

static inline int arena_teardown(void **state) {
  adm_arena_free(*state);
  free(*state);
  return 0;
}

#endif
