/* `admitd verify-bundle`: verify one Sigstore bundle offline, with the
 * command-line protocol of the Sigstore conformance suite:
 *   verify-bundle --bundle FILE (--certificate-identity I --certificate-oidc-issuer U | --key KEY)
 *                 [--trusted-root FILE] FILE_OR_DIGEST
 * FILE_OR_DIGEST is the artifact, or "sha256:<hex>". Exit 0 verified, 1 not
 * verified (the outcome and reason on stderr; also a trusted root or key
 * that was read but is invalid), 2 usage or unreadable input.
 * Owns only the arguments and the files; the verification is the verify
 * layer's (admitd/sigstore.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>

#include "admitd/cli.h"
#include "admitd/file.h"
#include "admitd/image.h"
#include "admitd/sigstore.h"
#include "admitd/yaml.h"

#define MAX_ARTIFACT (256u << 20)

static int usage(FILE *f) {
  fprintf(f, "usage: admitd verify-bundle --bundle FILE\n"
             "         (--certificate-identity I | --certificate-identity-regexp RE)\n"
             "         (--certificate-oidc-issuer U | --certificate-oidc-issuer-regexp RE)\n"
             "         [--trusted-root FILE] FILE_OR_DIGEST\n"
             "       admitd verify-bundle --bundle FILE --key KEY [--trusted-root FILE] FILE_OR_DIGEST\n"
             "FILE_OR_DIGEST: the artifact, or sha256:<64 hex>. Exit 0 verified, 1 not verified, 2 usage.\n");
  return 2;
}

/* "sha256:<64 lower-case hex>" into out. */
static bool parse_digest(const char *s, unsigned char out[32]) {
  const char *why;
  if (adm_image_digest_check(s, &why) < 0)
    return false;
  gnutls_datum_t hex = {(unsigned char *)(uintptr_t)(s + 7), 64}, bin = {NULL, 0};
  bool ok = gnutls_hex_decode2(&hex, &bin) == 0 && bin.size == 32;
  if (ok)
    memcpy(out, bin.data, 32);
  gnutls_free(bin.data);
  return ok;
}

static int read_input(const char *what, const char *path, size_t max, char **text, size_t *len) {
  struct adm_error err = {0};
  if (adm_read_file(path, max, text, len, &err) < 0) {
    char msg[800];
    adm_error_format(&err, msg, sizeof msg);
    fprintf(stderr, "admitd verify-bundle: %s %s: %s\n", what, path, msg);
    return 2;
  }
  return 0;
}

int adm_cli_verify_bundle(int argc, char **argv) {
  static const struct option opts[] = {
      {"bundle", required_argument, NULL, 'b'},
      {"certificate-identity", required_argument, NULL, 'i'},
      {"certificate-identity-regexp", required_argument, NULL, 'I'},
      {"certificate-oidc-issuer", required_argument, NULL, 'o'},
      {"certificate-oidc-issuer-regexp", required_argument, NULL, 'O'},
      {"key", required_argument, NULL, 'k'},
      {"trusted-root", required_argument, NULL, 't'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  const char *bundle_path = NULL, *key_path = NULL, *root_path = NULL;
  struct adm_sigstore_identity id = {0};
  optind = 1;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'b':
      bundle_path = optarg;
      break;
    case 'i':
    case 'I':
      id.subject = optarg;
      id.subject_regex = c == 'I';
      break;
    case 'o':
    case 'O':
      id.issuer = optarg;
      id.issuer_regex = c == 'O';
      break;
    case 'k':
      key_path = optarg;
      break;
    case 't':
      root_path = optarg;
      break;
    case 'h':
      usage(stdout);
      return 0;
    default:
      return usage(stderr);
    }
  }
  bool keyless = id.subject != NULL || id.issuer != NULL;
  if (bundle_path == NULL || optind != argc - 1 || (keyless && key_path) ||
      (!key_path && (id.subject == NULL || id.issuer == NULL)))
    return usage(stderr);
  if (!key_path && root_path == NULL) {
    fprintf(stderr, "admitd verify-bundle: keyless verification needs --trusted-root\n");
    return 2;
  }
  const char *subject_arg = argv[optind];

  struct adm_arena a;
  adm_arena_init(&a, 65536, 0);
  char *bundle = NULL, *root_text = NULL, *key_text = NULL, *artifact = NULL;
  size_t bundle_len = 0, root_len = 0, key_len = 0, artifact_len = 0;
  struct adm_sigstore_policy pol = {.identity = key_path ? NULL : &id, .now = (int64_t)time(NULL)};
  struct adm_sigstore_artifact art = {0};
  struct adm_trusted_root *root = NULL;
  struct adm_sigstore_key *key = NULL;
  struct adm_error err = {0};
  char msg[800];
  int rc = read_input("bundle", bundle_path, ADM_SIGSTORE_MAX_BUNDLE, &bundle, &bundle_len);
  if (rc == 0 && root_path) {
    rc = read_input("trusted root", root_path, ADM_SIGSTORE_MAX_ROOT, &root_text, &root_len);
    if (rc == 0 && adm_trusted_root_parse(&a, root_text, root_len, &root, &err) < 0) {
      adm_error_format(&err, msg, sizeof msg);
      fprintf(stderr, "admitd verify-bundle: not verified: trusted root %s: %s\n", root_path, msg);
      rc = 1;
    }
    pol.root = root;
  }
  if (rc == 0 && key_path) {
    rc = read_input("key", key_path, 16384, &key_text, &key_len);
    if (rc == 0 && adm_sigstore_key_parse(&a, key_text, key_len, &key, &err) < 0) {
      adm_error_format(&err, msg, sizeof msg);
      fprintf(stderr, "admitd verify-bundle: not verified: key %s: %s\n", key_path, msg);
      rc = 1;
    }
    pol.key = key;
  }
  if (rc == 0 && strncmp(subject_arg, "sha256:", 7) == 0) {
    if (!parse_digest(subject_arg, art.sha256)) {
      fprintf(stderr, "admitd verify-bundle: %s: want sha256:<64 hex digits>\n", subject_arg);
      rc = 2;
    }
  } else if (rc == 0) {
    rc = read_input("artifact", subject_arg, MAX_ARTIFACT, &artifact, &artifact_len);
    art.data = (const unsigned char *)artifact;
    art.len = artifact_len;
  }
  if (rc == 0) {
    struct adm_sigstore_result res;
    adm_sigstore_verify(&a, bundle, bundle_len, &pol, &art, &res);
    if (res.outcome == ADM_SIGSTORE_VERIFIED) {
      printf("verified: %s\n", res.detail);
      if (res.subject)
        printf("subject: %s\nissuer: %s\n", res.subject, res.issuer ? res.issuer : "");
      if (res.predicate_type)
        printf("predicateType: %s\n", res.predicate_type);
      rc = 0;
    } else {
      fprintf(stderr, "admitd verify-bundle: not verified: %s: %s\n", adm_sigstore_outcome_name(res.outcome),
              res.detail);
      rc = 1;
    }
  }
  free(bundle);
  free(root_text);
  free(key_text);
  free(artifact);
  adm_arena_free(&a);
  return rc;
}
