/* GnuTLS credential handling: loading and checking PEM files, generating
 * a self-signed certificate, and serving the current credentials to each
 * handshake. Knows nothing of HTTP. */
#include "admitd/tls.h"

#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admitd/yaml.h"

#define MAX_CHAIN 8

struct adm_tls_creds {
  gnutls_pcert_st pcerts[MAX_CHAIN];
  unsigned n_pcerts;
  gnutls_privkey_t key;
  long long expiry;
  struct adm_tls_creds *retired_next;
};

static _Atomic(struct adm_tls_creds *) current_creds;
static struct adm_tls_creds *retired;

static void creds_free(struct adm_tls_creds *c) {
  if (c == NULL)
    return;
  for (unsigned i = 0; i < c->n_pcerts; i++)
    gnutls_pcert_deinit(&c->pcerts[i]);
  if (c->key)
    gnutls_privkey_deinit(c->key);
  free(c);
}

static int gtls_fail(struct adm_error *err, const char *where, const char *what, int gerr) {
  return adm_fail(err, ADM_ETLS, where, "%s: %s", what, gnutls_strerror(gerr));
}

/* Refuse a key that does not belong to the leaf: every handshake would fail. */
static int check_key_matches(gnutls_privkey_t key, gnutls_pcert_st *leaf, const char *where, struct adm_error *err) {
  gnutls_pubkey_t pub;
  unsigned char a[64], b[64];
  size_t alen = sizeof a, blen = sizeof b;
  int rc = gnutls_pubkey_init(&pub);
  if (rc < 0)
    return gtls_fail(err, where, "pubkey", rc);
  rc = gnutls_pubkey_import_privkey(pub, key, 0, 0);
  if (rc == 0)
    rc = gnutls_pubkey_get_key_id(pub, GNUTLS_KEYID_USE_SHA256, a, &alen);
  gnutls_pubkey_deinit(pub);
  if (rc < 0)
    return gtls_fail(err, where, "reading the key's public half", rc);
  rc = gnutls_pubkey_get_key_id(leaf->pubkey, GNUTLS_KEYID_USE_SHA256, b, &blen);
  if (rc < 0)
    return gtls_fail(err, where, "reading the certificate's key", rc);
  if (alen != blen || memcmp(a, b, alen) != 0)
    return adm_fail(err, ADM_ETLS, where, "the private key does not match the certificate");
  return 0;
}

static int creds_from_pem(const gnutls_datum_t *cert_pem, const gnutls_datum_t *key_pem, const char *cert_where,
                          const char *key_where, struct adm_tls_creds **out, struct adm_error *err) {
  struct adm_tls_creds *c = calloc(1, sizeof *c);
  if (c == NULL)
    return adm_fail(err, ADM_ENOMEM, cert_where, "out of memory");
  gnutls_x509_crt_t *crts = NULL;
  unsigned n = 0;
  int rc = gnutls_x509_crt_list_import2(&crts, &n, cert_pem, GNUTLS_X509_FMT_PEM, 0);
  if (rc < 0) {
    rc = gtls_fail(err, cert_where, "not a PEM certificate chain", rc);
    goto fail;
  }
  if (n == 0 || n > MAX_CHAIN) {
    rc = adm_fail(err, ADM_ETLS, cert_where, "expected 1 to %d certificates, found %u", MAX_CHAIN, n);
    goto fail_crts;
  }
  c->expiry = (long long)gnutls_x509_crt_get_expiration_time(crts[0]);
  for (unsigned i = 0; i < n; i++) {
    if ((rc = gnutls_pcert_import_x509(&c->pcerts[i], crts[i], 0)) < 0) {
      rc = gtls_fail(err, cert_where, "certificate", rc);
      goto fail_crts;
    }
    c->n_pcerts++;
  }
  if ((rc = gnutls_privkey_init(&c->key)) < 0 ||
      (rc = gnutls_privkey_import_x509_raw(c->key, key_pem, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
    rc = gtls_fail(err, key_where, "not a PEM private key", rc);
    goto fail_crts;
  }
  if ((rc = check_key_matches(c->key, &c->pcerts[0], key_where, err)) < 0)
    goto fail_crts;
  for (unsigned i = 0; i < n; i++)
    gnutls_x509_crt_deinit(crts[i]);
  gnutls_free(crts);
  *out = c;
  return 0;
fail_crts:
  for (unsigned i = 0; i < n; i++)
    gnutls_x509_crt_deinit(crts[i]);
  gnutls_free(crts);
fail:
  creds_free(c);
  return rc;
}

int adm_tls_creds_load(const char *cert_path, const char *key_path, struct adm_tls_creds **out, struct adm_error *err) {
  char *cert = NULL, *key = NULL;
  size_t clen, klen;
  int rc;
  if ((rc = adm_read_file(cert_path, 1 << 20, &cert, &clen, err)) < 0)
    return rc;
  if ((rc = adm_read_file(key_path, 1 << 20, &key, &klen, err)) < 0) {
    free(cert);
    return rc;
  }
  gnutls_datum_t cd = {(unsigned char *)cert, (unsigned)clen}, kd = {(unsigned char *)key, (unsigned)klen};
  rc = creds_from_pem(&cd, &kd, cert_path, key_path, out, err);
  free(cert);
  explicit_bzero(key, klen);
  free(key);
  return rc;
}

int adm_tls_creds_self_signed(struct adm_tls_creds **out, gnutls_datum_t *cert_pem, struct adm_error *err) {
  gnutls_x509_privkey_t key = NULL;
  gnutls_x509_crt_t crt = NULL;
  gnutls_datum_t key_pem = {NULL, 0};
  const char *where = "self-signed certificate";
  int rc;
  cert_pem->data = NULL;
  if ((rc = gnutls_x509_privkey_init(&key)) < 0 ||
      (rc = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0)) <
          0 ||
      (rc = gnutls_x509_crt_init(&crt)) < 0) {
    rc = gtls_fail(err, where, "key generation", rc);
    goto done;
  }
  unsigned char serial[16];
  if ((rc = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial)) < 0) {
    rc = gtls_fail(err, where, "random serial", rc);
    goto done;
  }
  serial[0] &= 0x7f; /* positive */
  time_t now = time(NULL);
  static const char ip[4] = {127, 0, 0, 1};
  if ((rc = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
      (rc = gnutls_x509_crt_set_serial(crt, serial, sizeof serial)) < 0 ||
      (rc = gnutls_x509_crt_set_activation_time(crt, now - 3600)) < 0 ||
      (rc = gnutls_x509_crt_set_expiration_time(crt, now + 365 * 24 * 3600)) < 0 ||
      (rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "admitd self-signed", 18)) < 0 ||
      (rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost", 9, GNUTLS_FSAN_APPEND)) < 0 ||
      (rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 4, GNUTLS_FSAN_APPEND)) < 0 ||
      (rc = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
      (rc = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
      (rc = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
      (rc = gnutls_x509_crt_set_key(crt, key)) < 0 ||
      (rc = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0 ||
      (rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, cert_pem)) < 0 ||
      (rc = gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &key_pem)) < 0) {
    rc = gtls_fail(err, where, "certificate", rc);
    goto done;
  }
  rc = creds_from_pem(cert_pem, &key_pem, where, where, out, err);
done:
  if (rc < 0 && cert_pem->data) {
    gnutls_free(cert_pem->data);
    cert_pem->data = NULL;
  }
  if (key_pem.data) {
    explicit_bzero(key_pem.data, key_pem.size);
    gnutls_free(key_pem.data);
  }
  if (crt)
    gnutls_x509_crt_deinit(crt);
  if (key)
    gnutls_x509_privkey_deinit(key);
  return rc;
}

void adm_tls_publish(struct adm_tls_creds *creds) {
  struct adm_tls_creds *old = atomic_exchange(&current_creds, creds);
  /* Only the main thread publishes, so the retired list needs no lock. */
  if (old) {
    old->retired_next = retired;
    retired = old;
  }
}

void adm_tls_shutdown(void) {
  creds_free(atomic_exchange(&current_creds, NULL));
  while (retired) {
    struct adm_tls_creds *next = retired->retired_next;
    creds_free(retired);
    retired = next;
  }
}

int adm_tls_cert_callback(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
                          const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length, gnutls_pcert_st **pcert,
                          unsigned int *pcert_length, gnutls_privkey_t *privkey) {
  (void)session, (void)req_ca_dn, (void)nreqs, (void)pk_algos, (void)pk_algos_length;
  struct adm_tls_creds *c = atomic_load(&current_creds);
  if (c == NULL)
    return -1;
  *pcert = c->pcerts;
  *pcert_length = c->n_pcerts;
  *privkey = c->key;
  return 0;
}

long long adm_tls_current_expiry(void) {
  struct adm_tls_creds *c = atomic_load(&current_creds);
  return c ? c->expiry : 0;
}
