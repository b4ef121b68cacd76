/* The certificate path of a Sigstore leaf (Fulcio) or timestamp signer
 * (TSA): from the leaf the bundle carries up to an authority of the trusted
 * root, using ONLY that authority's certChain for intermediates and root;
 * certificates the bundle adds are never consulted. Signatures, CA flags
 * and path rules are GnuTLS's; time is not "now" but the verified observer
 * time, so GnuTLS's clock checks are off and every certificate's validity
 * and the authority's validFor are compared with that time here. Owns no
 * identity rule (fulcio.c does). */
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <string.h>

#include "sigstore_internal.h"

#define MAX_CHAIN 8

static int load(gnutls_x509_crt_t *crt, const struct adm__bytes *der) {
  if (gnutls_x509_crt_init(crt) < 0)
    return ADM_ENOMEM;
  gnutls_datum_t d = {(unsigned char *)(uintptr_t)der->data, (unsigned)der->len};
  if (der->len == 0 || der->len > 65536 || gnutls_x509_crt_import(*crt, &d, GNUTLS_X509_FMT_DER) < 0) {
    gnutls_x509_crt_deinit(*crt);
    return ADM_EPARSE;
  }
  return 0;
}

int adm__cert_validity(const struct adm__bytes *cert, int64_t *not_before, int64_t *not_after) {
  gnutls_x509_crt_t crt;
  int rc = load(&crt, cert);
  if (rc < 0)
    return rc;
  *not_before = (int64_t)gnutls_x509_crt_get_activation_time(crt);
  *not_after = (int64_t)gnutls_x509_crt_get_expiration_time(crt);
  gnutls_x509_crt_deinit(crt);
  return (*not_before == -1 || *not_after == -1) ? ADM_EPARSE : 0;
}

bool adm__cert_self_signed(const struct adm__bytes *cert) {
  gnutls_x509_crt_t crt;
  if (load(&crt, cert) < 0)
    return false;
  bool self = gnutls_x509_crt_check_issuer(crt, crt) != 0;
  gnutls_x509_crt_deinit(crt);
  return self;
}

static bool has_eku(gnutls_x509_crt_t crt, const char *oid) {
  for (unsigned i = 0; i < 32; i++) {
    char buf[128];
    size_t size = sizeof buf;
    if (gnutls_x509_crt_get_key_purpose_oid(crt, i, buf, &size, NULL) < 0)
      return false;
    if (strcmp(buf, oid) == 0)
      return true;
  }
  return false;
}

/* leaf and ca's chain at time t; 0 or a reason in why. */
static int try_ca(gnutls_x509_crt_t leaf, const struct adm__ca *ca, int64_t t, char *why, size_t whylen) {
  gnutls_x509_crt_t list[MAX_CHAIN + 1];
  size_t n = 0;
  int rc = 0;
  if (ca->n_certs > MAX_CHAIN) {
    snprintf(why, whylen, "authority chain longer than %d", MAX_CHAIN);
    return ADM_ETOOBIG;
  }
  list[n++] = leaf;
  for (size_t i = 0; i < ca->n_certs && rc == 0; i++) {
    rc = load(&list[n], &ca->certs[i]);
    if (rc == 0)
      n++;
  }
  if (rc == 0) {
    unsigned status = 0;
    unsigned flags = GNUTLS_VERIFY_DISABLE_TIME_CHECKS | GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS;
    /* The authority's last certificate is the anchor; the leaf and the
     * authority's intermediates form the path to it. */
    if (gnutls_x509_crt_list_verify(list, (unsigned)(n - 1), &list[n - 1], 1, NULL, 0, flags, &status) < 0 ||
        status != 0) {
      snprintf(why, whylen, "does not chain to the authority (GnuTLS status 0x%x)", status);
      rc = ADM_EINVAL;
    }
  }
  for (size_t i = 0; i < n && rc == 0; i++) {
    int64_t nb = (int64_t)gnutls_x509_crt_get_activation_time(list[i]);
    int64_t na = (int64_t)gnutls_x509_crt_get_expiration_time(list[i]);
    if (t < nb || t > na) {
      snprintf(why, whylen, "%s certificate not valid at %lld (valid %lld to %lld)", i == 0 ? "leaf" : "authority",
               (long long)t, (long long)nb, (long long)na);
      rc = ADM_EINVAL;
    }
  }
  for (size_t i = 1; i < n; i++)
    gnutls_x509_crt_deinit(list[i]);
  return rc;
}

int adm__chain_verify(const struct adm__bytes *leaf, const struct adm__ca *cas, size_t n_cas, int64_t t,
                      const char *eku_oid, struct adm__bytes *issuer, struct adm_error *err) {
  gnutls_x509_crt_t crt;
  if (load(&crt, leaf) < 0)
    return adm_fail(err, ADM_EPARSE, NULL, "the leaf is not a DER X.509 certificate");
  if (eku_oid && !has_eku(crt, eku_oid)) {
    gnutls_x509_crt_deinit(crt);
    return adm_fail(err, ADM_EINVAL, NULL, "the leaf lacks extended key usage %s", eku_oid);
  }
  char why[200] = "no certificate authority in the trusted root";
  int rc = ADM_EINVAL;
  for (size_t i = 0; i < n_cas && rc < 0; i++) {
    if (!adm__range_contains(&cas[i].valid, t)) {
      snprintf(why, sizeof why, "time %lld outside every authority's validFor", (long long)t);
      continue;
    }
    rc = try_ca(crt, &cas[i], t, why, sizeof why);
    if (rc == 0 && issuer)
      *issuer = cas[i].certs[0];
  }
  gnutls_x509_crt_deinit(crt);
  return rc == 0 ? 0 : adm_fail(err, ADM_EINVAL, NULL, "%s", why);
}
