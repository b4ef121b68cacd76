/* The committed cosign fixtures (tests/fixtures/cosign/, made by
 * hack/gen-cosign-fixtures.sh with openssl) for the unit tests of
 * server/verify/cosign.c and server/verify/sigverify*.c: fixture files, the public keys of
 * every algorithm, and signature manifests built from layers. Everything
 * loaded is freed by group_teardown. */
#ifndef ADMITD_COSIGN_FIXTURES_H
#define ADMITD_COSIGN_FIXTURES_H

#include "helpers.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <jansson.h>
#include <stdio.h>

#include "cosign.h"
#include "admitd/review.h"

#define MAX_LOADED 1024
static char *loaded[MAX_LOADED];
static size_t n_loaded;

/* tests/fixtures/<folder>/<name>, NUL-terminated; *borrowed* until the group ends. */
static inline const char *fixture_in(const char *folder, const char *name, size_t *len) {
  const char *root = getenv("ADMITD_SOURCE_DIR");
  char path[1024];
  snprintf(path, sizeof path, "%s/tests/fixtures/%s/%s", root ? root : ".", folder, name);
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    fail_msg("cannot open fixture %s (is ADMITD_SOURCE_DIR set?)", path);
  char *buf = malloc(65536);
  size_t n = fread(buf, 1, 65535, f);
  fclose(f);
  buf[n] = '\0';
  if (n_loaded == MAX_LOADED)
    fail_msg("too many fixtures loaded");
  loaded[n_loaded++] = buf;
  if (len)
    *len = n;
  return buf;
}

/* A file of tests/fixtures/cosign. */
static inline const char *fixture(const char *name, size_t *len) {
  return fixture_in("cosign", name, len);
}

static inline const char *text(const char *name) {
  return fixture(name, NULL);
}

enum key_id { P256, P384, RSA2048, RSAPSS, RSASSAPSS, ED25519, WRONG, N_KEYS };
static const struct {
  const char *file, *scheme;
  unsigned flags;
} key_files[N_KEYS] = {
    [P256] = {"ecdsa-p256", "ecdsa-p256-sha256", 0},
    [P384] = {"ecdsa-p384", "ecdsa-p384-sha256", 0},
    [RSA2048] = {"rsa-2048", "rsa-pkcs1v15-sha256", 0},
    [RSAPSS] = {"rsa-pss", "rsa-pss-sha256", ADM_COSIGN_KEY_RSA_PSS},
    [RSASSAPSS] = {"rsassa-pss", "rsa-pss-sha256", 0},
    [ED25519] = {"ed25519", "ed25519", 0},
    [WRONG] = {"wrong", "ecdsa-p256-sha256", 0},
};
static struct adm_cosign_key *keys[N_KEYS];
static const char *image_digest, *other_digest;

static inline struct adm_cosign_key *load_key(const char *file, unsigned flags) {
  char name[64];
  size_t len;
  snprintf(name, sizeof name, "%s.pub", file);
  const char *pem = fixture(name, &len);
  struct adm_cosign_key *k = NULL;
  struct adm_error err = {0};
  if (adm_cosign_key_new(&k, pem, len, flags, &err) < 0)
    fail_msg("expected key %s to load, got: %s", name, err.message);
  return k;
}

static inline int group_setup(void **state) {
  (void)state;
  for (int i = 0; i < N_KEYS; i++)
    keys[i] = load_key(key_files[i].file, key_files[i].flags);
  image_digest = text("image.digest");
  other_digest = text("other.digest");
  return 0;
}

static inline int group_teardown(void **state) {
  (void)state;
  for (int i = 0; i < N_KEYS; i++)
    adm_cosign_key_free(keys[i]);
  for (size_t i = 0; i < n_loaded; i++)
    free(loaded[i]);
  n_loaded = 0;
  return 0;
}

static inline char *sha256_of(const void *data, size_t len, char out[80]) {
  unsigned char sum[32];
  gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, sum);
  int n = snprintf(out, 80, "sha256:");
  for (int i = 0; i < 32; i++)
    n += snprintf(out + n, 80 - (size_t)n, "%02x", sum[i]);
  return out;
}

struct layer {
  const char *digest;
  json_int_t size;   /* -1: leave out */
  const char *sig;   /* NULL: no annotation */
  const char *media; /* NULL: simple signing */
};

/* A signature manifest of the given layers, as JSON text (*borrowed*). */
static inline const char *manifest_of(const char *media, const struct layer *layers, size_t n) {
  json_t *root = json_pack("{s:i, s:{s:s, s:i, s:s}}", "schemaVersion", 2, "config", "mediaType",
                           "application/vnd.oci.image.config.v1+json", "size", 233, "digest",
                           "sha256:7eac15bda43e4e0b5bfe2f0ca779cd4c7974a880a87f9e1b2db1b40459733a88");
  if (media)
    json_object_set_new(root, "mediaType", json_string(media));
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++) {
    json_t *l = json_pack("{s:s, s:s}", "mediaType", layers[i].media ? layers[i].media : ADM_COSIGN_SIMPLESIGNING,
                          "digest", layers[i].digest);
    if (layers[i].size >= 0)
      json_object_set_new(l, "size", json_integer(layers[i].size));
    if (layers[i].sig)
      json_object_set_new(l, "annotations", json_pack("{s:s}", ADM_COSIGN_SIGNATURE_ANNOTATION, layers[i].sig));
    json_array_append_new(arr, l);
  }
  json_object_set_new(root, "layers", arr);
  char *out = adm_json_dumps(root, JSON_COMPACT) /* plain malloc, whatever allocator jansson has */;
  json_decref(root);
  if (n_loaded == MAX_LOADED)
    fail_msg("too many fixtures loaded");
  loaded[n_loaded++] = out;
  return out;
}

#define OCI "application/vnd.oci.image.manifest.v1+json"
#define LAYERS(...)                                                                                                    \
  (const struct layer[]){__VA_ARGS__}, sizeof((const struct layer[]){__VA_ARGS__}) / sizeof(struct layer)

#endif
