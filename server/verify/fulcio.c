/* What a Fulcio certificate says about its signer: the SAN (URI, email or
 * the OtherName 1.3.6.1.4.1.57264.1.7), the OIDC issuer (1.3.6.1.4.1.57264.1.8,
 * a DER UTF8String, else the deprecated 1.3.6.1.4.1.57264.1.1, raw text),
 * and every other Fulcio claim by its OID, for a policy to match later.
 * Also the identity match itself: exact, or a POSIX extended regular
 * expression anchored at both ends. Checks no signature and no chain. */
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libtasn1.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigstore_internal.h"

#define FULCIO_ARC "1.3.6.1.4.1.57264.1."
#define MAX_VALUE 4096

static const char *const claim_names[] = {
    [1] = "issuer (deprecated)",
    [2] = "githubWorkflowTrigger",
    [3] = "githubWorkflowSha",
    [4] = "githubWorkflowName",
    [5] = "githubWorkflowRepository",
    [6] = "githubWorkflowRef",
    [8] = "issuer",
    [9] = "buildSignerURI",
    [10] = "buildSignerDigest",
    [11] = "runnerEnvironment",
    [12] = "sourceRepositoryURI",
    [13] = "sourceRepositoryDigest",
    [14] = "sourceRepositoryRef",
    [15] = "sourceRepositoryIdentifier",
    [16] = "sourceRepositoryOwnerURI",
    [17] = "sourceRepositoryOwnerIdentifier",
    [18] = "buildConfigURI",
    [19] = "buildConfigDigest",
    [20] = "buildTrigger",
    [21] = "runInvocationURI",
    [22] = "sourceRepositoryVisibilityAtSigning",
};
#define N_CLAIMS (sizeof claim_names / sizeof *claim_names)

bool adm_fulcio_claim_known(const char *name) {
  for (size_t i = 0; i < N_CLAIMS; i++)
    if (claim_names[i] && strchr(claim_names[i], ' ') == NULL && strcmp(claim_names[i], name) == 0)
      return true;
  return false;
}

/* The extension's value as text: raw for .1.1-.1.6, a DER UTF8String from .1.8 on. */
static int claim(struct adm_arena *a, gnutls_x509_crt_t crt, unsigned n, const char **out) {
  char oid[48];
  snprintf(oid, sizeof oid, FULCIO_ARC "%u", n);
  gnutls_datum_t v = {NULL, 0};
  *out = NULL;
  if (gnutls_x509_crt_get_extension_by_oid2(crt, oid, 0, &v, NULL) < 0)
    return 0;
  int rc = 0;
  const unsigned char *text = v.data;
  size_t len = v.size;
  if (n >= 8) {
    struct adm__der d;
    if (adm__der_one(v.data, v.size, &d) < 0 || d.cls != ASN1_CLASS_UNIVERSAL || d.tag != ASN1_TAG_UTF8_STRING)
      rc = ADM_EPARSE;
    text = d.val;
    len = d.len;
  }
  if (rc == 0 && (len > MAX_VALUE || memchr(text, '\0', len) != NULL))
    rc = ADM_EPARSE;
  if (rc == 0 && (*out = adm_arena_strndup(a, (const char *)text, len)) == NULL)
    rc = ADM_ENOMEM;
  gnutls_free(v.data);
  return rc;
}

static int subject(struct adm_arena *a, gnutls_x509_crt_t crt, const char **out) {
  *out = NULL;
  for (unsigned seq = 0; seq < 16; seq++) {
    char buf[MAX_VALUE];
    size_t size = sizeof buf - 1;
    int type = gnutls_x509_crt_get_subject_alt_name(crt, seq, buf, &size, NULL);
    if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
      break;
    if (type < 0)
      return ADM_EPARSE;
    if (type == GNUTLS_SAN_URI || type == GNUTLS_SAN_RFC822NAME) {
      *out = adm_arena_strndup(a, buf, size);
      return *out ? 0 : ADM_ENOMEM;
    }
    if (type == GNUTLS_SAN_OTHERNAME) {
      char oid[64];
      size_t olen = sizeof oid;
      if (gnutls_x509_crt_get_subject_alt_othername_oid(crt, seq, oid, &olen) < 0 || strcmp(oid, FULCIO_ARC "7") != 0)
        continue;
      struct adm__der d;
      if (adm__der_one((const unsigned char *)buf, size, &d) < 0 || d.tag != ASN1_TAG_UTF8_STRING)
        return ADM_EPARSE;
      *out = adm_arena_strndup(a, (const char *)d.val, d.len);
      return *out ? 0 : ADM_ENOMEM;
    }
  }
  return 0;
}

int adm__fulcio_parse(struct adm_arena *a, const struct adm__bytes *leaf, struct adm__fulcio *out,
                      struct adm_error *err) {
  memset(out, 0, sizeof *out);
  gnutls_x509_crt_t crt;
  if (gnutls_x509_crt_init(&crt) < 0)
    return adm_fail(err, ADM_ENOMEM, NULL, "out of memory");
  gnutls_datum_t d = {(unsigned char *)(uintptr_t)leaf->data, (unsigned)leaf->len};
  int rc = 0;
  if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) < 0)
    rc = adm_fail(err, ADM_EPARSE, NULL, "the leaf is not a DER X.509 certificate");
  for (unsigned n = 1; n < N_CLAIMS && rc == 0; n++) {
    const char *v;
    if (claim_names[n] == NULL)
      continue;
    int c = claim(a, crt, n, &v);
    if (c < 0)
      rc = adm_fail(err, c, NULL, "Fulcio extension " FULCIO_ARC "%u is malformed", n);
    else if (v && out->n_claims < ADM_FULCIO_MAX_CLAIMS)
      out->claims[out->n_claims++] = (struct adm_fulcio_claim){n, claim_names[n], v};
    if (v && n == 8)
      out->issuer = v;
    else if (v && n == 1 && out->issuer == NULL)
      out->issuer = v;
  }
  if (rc == 0 && (rc = subject(a, crt, &out->subject)) < 0)
    rc = adm_fail(err, rc, NULL, "the leaf's subject alternative name is malformed");
  gnutls_x509_crt_deinit(crt);
  return rc;
}

bool adm__identity_match(const char *want, bool regex, const char *got) {
  if (want == NULL || got == NULL)
    return false;
  if (!regex)
    return strcmp(want, got) == 0;
  size_t n = strlen(want);
  char *anchored = malloc(n + 5);
  if (anchored == NULL)
    return false;
  anchored[0] = '^';
  anchored[1] = '(';
  memcpy(anchored + 2, want, n);
  memcpy(anchored + 2 + n, ")$", 3);
  regex_t re;
  bool ok = false;
  if (regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB) == 0) {
    ok = regexec(&re, got, 0, NULL, 0) == 0;
    regfree(&re);
  }
  free(anchored);
  return ok;
}
