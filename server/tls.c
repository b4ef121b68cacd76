/* GnuTLS credential handling: loading and checking PEM files, generating
 * a self-signed certificate, serving the current credentials to each
 * handshake, and (with --client-ca) judging the certificate a client
 * presented against the current client CA set. Knows nothing of HTTP:
 * which paths need a client certificate is http.c's business.
 *
 * Lifetime of a credential set. The certificate callback hands GnuTLS
 * pointers into the set (gnutls_certificate_retrieve_function2: "the
 * provided values will not be released or modified by gnutls"). GnuTLS
 * keeps them in the session past the handshake, not only during it: they
 * stay the session's selected certificate and key until gnutls_deinit,
 * and gnutls_certificate_get_ours() reads them at any time (its own doc:
 * "the certificate as sent to the peer in the last handshake");
 * gnutls_deinit itself only forgets them, since they were not allocated
 * for it. So the one safe point to let a set go is when its session is
 * done: each session that got a set holds a reference, dropped by
 * adm_tls_session_closed(), which the server calls when a connection
 * closes. The set being served holds one more. A replaced set is freed
 * by whichever drops its last reference. Handshakes take a mutex: next to
 * the public-key work of a handshake it costs nothing. */
#include "tls.h"

#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admitd/file.h"
#include "admitd/yaml.h"

#define MAX_CHAIN 8
#define DIGEST_BYTES 32
#define SESSION_BUCKETS 256

struct adm_tls_creds {
  gnutls_pcert_st pcerts[MAX_CHAIN];
  unsigned n_pcerts;
  gnutls_privkey_t key;
  long long expiry;
  unsigned refs;                      /* under creds_lock: being current + one per session */
  bool has_digest;                    /* loaded from files: digest says of what */
  unsigned char digest[DIGEST_BYTES]; /* SHA-256 over the certificate and key files */
};

/* A session that was handed a set, and so holds a reference to it. It
 * also remembers what its client certificate was found to be, and under
 * which client CA generation: the peer's certificate cannot change on a
 * session without a new handshake (which resets it), so each connection
 * is verified once per CA, not once per request. */
struct session_use {
  gnutls_session_t session;
  struct adm_tls_creds *creds;
  unsigned long client_gen; /* 0: not yet judged */
  enum adm_tls_client client;
  struct session_use *next;
};

/* A client CA set: trust anchors for client certificates, shared by the
 * verifications that hold a reference to it. */
struct adm_tls_client_ca {
  gnutls_x509_trust_list_t trust;
  unsigned n_cas;
  unsigned refs; /* under creds_lock: being current + one per verification */
  unsigned long gen;
  unsigned char digest[DIGEST_BYTES]; /* SHA-256 of the file */
};

static pthread_mutex_t creds_lock = PTHREAD_MUTEX_INITIALIZER;
static struct adm_tls_creds *current_creds;           /* under creds_lock */
static struct adm_tls_client_ca *current_ca;          /* under creds_lock; NULL: no client certificates asked */
static unsigned long ca_generations;                  /* under creds_lock */
static struct session_use *sessions[SESSION_BUCKETS]; /* under creds_lock */
static atomic_long live_creds;

static void creds_free(struct adm_tls_creds *c) {
  if (c == NULL)
    return;
  for (unsigned i = 0; i < c->n_pcerts; i++)
    gnutls_pcert_deinit(&c->pcerts[i]);
  if (c->key)
    gnutls_privkey_deinit(c->key);
  free(c);
  atomic_fetch_sub(&live_creds, 1);
}

/* Drop one reference under creds_lock; returns the set if that was the
 * last, for the caller to free once the lock is released. */
static struct adm_tls_creds *put_locked(struct adm_tls_creds *c) {
  return c && --c->refs == 0 ? c : NULL;
}

static struct session_use **session_find_locked(gnutls_session_t session) {
  uintptr_t p = (uintptr_t)session;
  struct session_use **u = &sessions[((p >> 4) ^ (p >> 12)) % SESSION_BUCKETS];
  while (*u && (*u)->session != session)
    u = &(*u)->next;
  return u;
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
  atomic_fetch_add(&live_creds, 1);
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
    rc = gnutls_pcert_import_x509(&c->pcerts[i], crts[i], 0);
    if (rc < 0) {
      rc = gtls_fail(err, cert_where, "certificate", rc);
      goto fail_crts;
    }
    c->n_pcerts++;
  }
  rc = gnutls_privkey_init(&c->key);
  if (rc >= 0)
    rc = gnutls_privkey_import_x509_raw(c->key, key_pem, GNUTLS_X509_FMT_PEM, NULL, 0);
  if (rc < 0) {
    rc = gtls_fail(err, key_where, "not a PEM private key", rc);
    goto fail_crts;
  }
  rc = check_key_matches(c->key, &c->pcerts[0], key_where, err);
  if (rc < 0)
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

/* SHA-256 over both files, the certificate's length first so that bytes
 * cannot move from one file to the other unnoticed. */
static int files_digest(const char *cert, size_t clen, const char *key, size_t klen, unsigned char *out) {
  gnutls_hash_hd_t h;
  uint64_t n = clen;
  if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0)
    return -1;
  gnutls_hash(h, &n, sizeof n);
  gnutls_hash(h, cert, clen);
  gnutls_hash(h, key, klen);
  gnutls_hash_deinit(h, out);
  return 0;
}

static int load_files(const char *cert_path, const char *key_path, bool only_if_changed, struct adm_tls_creds **out,
                      struct adm_error *err) {
  char *cert = NULL, *key = NULL;
  size_t clen, klen;
  unsigned char digest[DIGEST_BYTES];
  int rc;
  *out = NULL;
  rc = adm_read_regular_file(cert_path, 1 << 20, &cert, &clen, err);
  if (rc < 0)
    return rc;
  rc = adm_read_regular_file(key_path, 1 << 20, &key, &klen, err);
  if (rc < 0) {
    free(cert);
    return rc;
  }
  bool has_digest = files_digest(cert, clen, key, klen, digest) == 0;
  bool same = false;
  if (only_if_changed && has_digest) {
    pthread_mutex_lock(&creds_lock);
    same = current_creds && current_creds->has_digest && memcmp(current_creds->digest, digest, sizeof digest) == 0;
    pthread_mutex_unlock(&creds_lock);
  }
  if (!same) {
    gnutls_datum_t cd = {(unsigned char *)cert, (unsigned)clen}, kd = {(unsigned char *)key, (unsigned)klen};
    rc = creds_from_pem(&cd, &kd, cert_path, key_path, out, err);
    if (rc == 0 && has_digest) {
      (*out)->has_digest = true;
      memcpy((*out)->digest, digest, sizeof digest);
    }
  }
  free(cert);
  explicit_bzero(key, klen);
  free(key);
  return rc;
}

int adm_tls_creds_load(const char *cert_path, const char *key_path, struct adm_tls_creds **out, struct adm_error *err) {
  return load_files(cert_path, key_path, false, out, err);
}

int adm_tls_creds_load_changed(const char *cert_path, const char *key_path, struct adm_tls_creds **out,
                               struct adm_error *err) {
  return load_files(cert_path, key_path, true, out, err);
}

int adm_tls_creds_self_signed(struct adm_tls_creds **out, gnutls_datum_t *cert_pem, struct adm_error *err) {
  gnutls_x509_privkey_t key = NULL;
  gnutls_x509_crt_t crt = NULL;
  gnutls_datum_t key_pem = {NULL, 0};
  const char *where = "self-signed certificate";
  int rc;
  cert_pem->data = NULL;
  rc = gnutls_x509_privkey_init(&key);
  if (rc >= 0)
    rc = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
  if (rc >= 0)
    rc = gnutls_x509_crt_init(&crt);
  if (rc < 0) {
    rc = gtls_fail(err, where, "key generation", rc);
    goto done;
  }
  unsigned char serial[16];
  rc = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial);
  if (rc < 0) {
    rc = gtls_fail(err, where, "random serial", rc);
    goto done;
  }
  serial[0] &= 0x7f; /* positive */
  time_t now = time(NULL);
  static const char ip[4] = {127, 0, 0, 1};
  rc = gnutls_x509_crt_set_version(crt, 3);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_serial(crt, serial, sizeof serial);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_activation_time(crt, now - 3600);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_expiration_time(crt, now + 365 * 24 * 3600);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "admitd self-signed", 18);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost", 9, GNUTLS_FSAN_APPEND);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 4, GNUTLS_FSAN_APPEND);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_basic_constraints(crt, 0, -1);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_key(crt, key);
  if (rc >= 0)
    rc = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0);
  if (rc >= 0)
    rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, cert_pem);
  if (rc >= 0)
    rc = gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &key_pem);
  if (rc < 0) {
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

/* --- client certificates (--client-ca, --client-cn) -------------------- */

#define MAX_CLIENT_CAS 64

static char client_names[ADM_TLS_MAX_CLIENT_NAMES][ADM_TLS_MAX_CLIENT_NAME + 1];
static size_t n_client_names;

void adm_tls_client_ca_free(struct adm_tls_client_ca *ca) {
  if (ca == NULL)
    return;
  gnutls_x509_trust_list_deinit(ca->trust, 1);
  free(ca);
}

static struct adm_tls_client_ca *ca_put_locked(struct adm_tls_client_ca *ca) {
  return ca && --ca->refs == 0 ? ca : NULL;
}

/* Every certificate of the file must be a CA: a leaf in the trust list
 * would be trusted as itself, which is not what --client-ca says. */
static int client_ca_from_pem(const char *path, const gnutls_datum_t *pem, struct adm_tls_client_ca **out,
                              struct adm_error *err) {
  gnutls_x509_crt_t *crts = NULL;
  unsigned n = 0;
  int rc = gnutls_x509_crt_list_import2(&crts, &n, pem, GNUTLS_X509_FMT_PEM, 0);
  if (rc < 0)
    return gtls_fail(err, path, "not a PEM file of CA certificates", rc);
  if (n == 0 || n > MAX_CLIENT_CAS) {
    rc = adm_fail(err, ADM_ETLS, path, "expected 1 to %d CA certificates, found %u", MAX_CLIENT_CAS, n);
    goto done;
  }
  for (unsigned i = 0; i < n; i++) {
    unsigned is_ca = 0;
    if (gnutls_x509_crt_get_basic_constraints(crts[i], NULL, &is_ca, NULL) < 0 || !is_ca) {
      rc = adm_fail(err, ADM_ETLS, path, "certificate %u of %u is not a CA certificate (basicConstraints CA:TRUE)",
                    i + 1, n);
      goto done;
    }
  }
  struct adm_tls_client_ca *ca = calloc(1, sizeof *ca);
  if (ca == NULL) {
    rc = adm_fail(err, ADM_ENOMEM, path, "out of memory");
    goto done;
  }
  rc = gnutls_x509_trust_list_init(&ca->trust, 0);
  if (rc < 0) {
    free(ca);
    rc = gtls_fail(err, path, "trust list", rc);
    goto done;
  }
  /* The list owns the certificates it added (all of them, unless memory
   * ran out part way); the rest, and the array, are still ours. */
  int added = gnutls_x509_trust_list_add_cas(ca->trust, crts, n, 0);
  for (unsigned i = added > 0 ? (unsigned)added : 0; i < n; i++)
    gnutls_x509_crt_deinit(crts[i]);
  gnutls_free(crts);
  if (added != (int)n) {
    adm_tls_client_ca_free(ca);
    return adm_fail(err, ADM_ENOMEM, path, "out of memory for the trust list");
  }
  ca->n_cas = n;
  *out = ca;
  return 0;
done:
  for (unsigned i = 0; i < n; i++)
    gnutls_x509_crt_deinit(crts[i]);
  gnutls_free(crts);
  return rc;
}

static int load_client_ca(const char *path, bool only_if_changed, struct adm_tls_client_ca **out,
                          struct adm_error *err) {
  char *pem;
  size_t len;
  unsigned char digest[DIGEST_BYTES];
  *out = NULL;
  int rc = adm_read_regular_file(path, 1 << 20, &pem, &len, err);
  if (rc < 0)
    return rc;
  if (gnutls_hash_fast(GNUTLS_DIG_SHA256, pem, len, digest) < 0) {
    free(pem);
    return adm_fail(err, ADM_ETLS, path, "cannot hash the file");
  }
  bool same = false;
  if (only_if_changed) {
    pthread_mutex_lock(&creds_lock);
    same = current_ca && memcmp(current_ca->digest, digest, sizeof digest) == 0;
    pthread_mutex_unlock(&creds_lock);
  }
  if (!same) {
    gnutls_datum_t d = {(unsigned char *)pem, (unsigned)len};
    rc = client_ca_from_pem(path, &d, out, err);
    if (rc == 0)
      memcpy((*out)->digest, digest, sizeof digest);
  }
  free(pem);
  return rc;
}

int adm_tls_client_ca_load(const char *path, struct adm_tls_client_ca **out, struct adm_error *err) {
  return load_client_ca(path, false, out, err);
}

int adm_tls_client_ca_load_changed(const char *path, struct adm_tls_client_ca **out, struct adm_error *err) {
  return load_client_ca(path, true, out, err);
}

unsigned adm_tls_client_ca_count(const struct adm_tls_client_ca *ca) {
  return ca->n_cas;
}

void adm_tls_client_ca_publish(struct adm_tls_client_ca *ca) {
  pthread_mutex_lock(&creds_lock);
  if (ca) {
    ca->refs = 1;
    ca->gen = ++ca_generations;
  }
  struct adm_tls_client_ca *dead = ca_put_locked(current_ca);
  current_ca = ca;
  pthread_mutex_unlock(&creds_lock);
  adm_tls_client_ca_free(dead);
}

int adm_tls_client_names_set(const char *const *names, size_t n, struct adm_error *err) {
  if (n > ADM_TLS_MAX_CLIENT_NAMES)
    return adm_fail(err, ADM_ETOOBIG, "--client-cn", "at most %d names", ADM_TLS_MAX_CLIENT_NAMES);
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(names[i]);
    if (len == 0 || len > ADM_TLS_MAX_CLIENT_NAME)
      return adm_fail(err, ADM_EINVAL, "--client-cn", "a name is 1 to %d bytes, got \"%s\"", ADM_TLS_MAX_CLIENT_NAME,
                      names[i]);
  }
  for (size_t i = 0; i < n; i++)
    snprintf(client_names[i], sizeof client_names[i], "%s", names[i]);
  n_client_names = n;
  return 0;
}

/* The leaf's subject CN, exactly one, against --client-cn. Kubernetes
 * names a client certificate's user by its CN alone, so SANs are not
 * read; a subject with two CNs is ambiguous and refused. */
static bool name_allowed(gnutls_x509_crt_t leaf) {
  if (n_client_names == 0)
    return true;
  char cn[ADM_TLS_MAX_CLIENT_NAME + 2], second[8];
  size_t len = sizeof cn, len2 = sizeof second;
  if (gnutls_x509_crt_get_dn_by_oid(leaf, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &len) < 0 || strlen(cn) != len)
    return false;
  if (gnutls_x509_crt_get_dn_by_oid(leaf, GNUTLS_OID_X520_COMMON_NAME, 1, 0, second, &len2) !=
      GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
    return false;
  for (size_t i = 0; i < n_client_names; i++)
    if (strcmp(cn, client_names[i]) == 0)
      return true;
  return false;
}

/* The certificates the client sent, judged against ca. */
static enum adm_tls_client verify_client(gnutls_session_t session, const struct adm_tls_client_ca *ca) {
  unsigned n = 0;
  const gnutls_datum_t *peers = gnutls_certificate_get_peers(session, &n);
  if (peers == NULL || n == 0)
    return ADM_TLS_CLIENT_NO_CERTIFICATE;
  if (n > MAX_CHAIN)
    return ADM_TLS_CLIENT_UNTRUSTED;
  gnutls_x509_crt_t crts[MAX_CHAIN];
  unsigned have = 0;
  enum adm_tls_client verdict = ADM_TLS_CLIENT_ERROR;
  for (; have < n; have++) {
    if (gnutls_x509_crt_init(&crts[have]) < 0)
      goto done;
    if (gnutls_x509_crt_import(crts[have], &peers[have], GNUTLS_X509_FMT_DER) < 0) {
      have++;
      verdict = ADM_TLS_CLIENT_UNTRUSTED;
      goto done;
    }
  }
  /* For client authentication: a certificate whose extended key usage
   * leaves that out (a serving certificate) is not trusted for it. */
  gnutls_typed_vdata_st purpose = {GNUTLS_DT_KEY_PURPOSE_OID, (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT, 0};
  unsigned status = 0;
  if (gnutls_x509_trust_list_verify_crt2(ca->trust, crts, n, &purpose, 1, 0, &status, NULL) < 0)
    goto done;
  const unsigned timing = GNUTLS_CERT_EXPIRED | GNUTLS_CERT_NOT_ACTIVATED;
  if (status == 0)
    verdict = name_allowed(crts[0]) ? ADM_TLS_CLIENT_TRUSTED : ADM_TLS_CLIENT_NAME;
  else if ((status & timing) && !(status & ~(timing | GNUTLS_CERT_INVALID)))
    verdict = ADM_TLS_CLIENT_EXPIRED;
  else
    verdict = ADM_TLS_CLIENT_UNTRUSTED;
done:
  for (unsigned i = 0; i < have; i++)
    gnutls_x509_crt_deinit(crts[i]);
  return verdict;
}

enum adm_tls_client adm_tls_client_check(gnutls_session_t session) {
  pthread_mutex_lock(&creds_lock);
  struct adm_tls_client_ca *ca = current_ca;
  if (ca == NULL) {
    /* Asked to judge with no CA: the caller requires certificates that
     * nothing can vouch for. Refused, never let through. */
    pthread_mutex_unlock(&creds_lock);
    return ADM_TLS_CLIENT_ERROR;
  }
  struct session_use *u = *session_find_locked(session);
  if (u && u->client_gen == ca->gen) {
    enum adm_tls_client v = u->client;
    pthread_mutex_unlock(&creds_lock);
    return v;
  }
  ca->refs++;
  pthread_mutex_unlock(&creds_lock);
  enum adm_tls_client v = verify_client(session, ca);
  pthread_mutex_lock(&creds_lock);
  /* Found again: the entry may have gone (or come) while unlocked. An
   * error is not remembered, so the next request tries again. */
  u = *session_find_locked(session);
  if (u != NULL && v != ADM_TLS_CLIENT_ERROR) {
    u->client_gen = ca->gen;
    u->client = v;
  }
  struct adm_tls_client_ca *dead = ca_put_locked(ca);
  pthread_mutex_unlock(&creds_lock);
  adm_tls_client_ca_free(dead);
  return v;
}

void adm_tls_publish(struct adm_tls_creds *creds) {
  if (creds)
    creds->refs = 1;
  pthread_mutex_lock(&creds_lock);
  struct adm_tls_creds *dead = put_locked(current_creds);
  current_creds = creds;
  pthread_mutex_unlock(&creds_lock);
  creds_free(dead);
}

void adm_tls_shutdown(void) {
  pthread_mutex_lock(&creds_lock);
  for (size_t b = 0; b < SESSION_BUCKETS; b++) {
    while (sessions[b]) {
      struct session_use *u = sessions[b];
      sessions[b] = u->next;
      creds_free(put_locked(u->creds));
      free(u);
    }
  }
  creds_free(put_locked(current_creds));
  current_creds = NULL;
  struct adm_tls_client_ca *ca = ca_put_locked(current_ca);
  current_ca = NULL;
  pthread_mutex_unlock(&creds_lock);
  adm_tls_client_ca_free(ca);
}

int adm_tls_cert_callback(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
                          const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length, gnutls_pcert_st **pcert,
                          unsigned int *pcert_length, gnutls_privkey_t *privkey) {
  (void)req_ca_dn, (void)nreqs, (void)pk_algos, (void)pk_algos_length;
  struct session_use *fresh = malloc(sizeof *fresh);
  struct adm_tls_creds *dead = NULL;
  pthread_mutex_lock(&creds_lock);
  struct adm_tls_creds *c = current_creds;
  struct session_use **u = session_find_locked(session);
  if (c == NULL || (*u == NULL && fresh == NULL)) {
    /* Out of memory too: an uncounted set could be freed under the session. */
    pthread_mutex_unlock(&creds_lock);
    free(fresh);
    return -1;
  }
  c->refs++;
  if (*u) {
    /* The same session again: a renegotiation replaces the selected set
     * (and perhaps the client's certificate), or the address of a session
     * that was deinitialized without adm_tls_session_closed is reused.
     * Either way the old set and verdict are no longer this session's. */
    dead = put_locked((*u)->creds);
    (*u)->creds = c;
    (*u)->client_gen = 0;
  } else {
    *fresh = (struct session_use){session, c, 0, ADM_TLS_CLIENT_ERROR, NULL};
    *u = fresh;
    fresh = NULL;
  }
  *pcert = c->pcerts;
  *pcert_length = c->n_pcerts;
  *privkey = c->key;
  /* GnuTLS asks for the server's certificate while it reads the
   * ClientHello, before it writes its CertificateRequest, so the request
   * is still ours to make. Requested, not required: the kubelet's probes
   * carry no certificate and http.c lets them through. No CA names are
   * advertised (the credentials hold none), so a client that picks its
   * certificate by the names offered still sends one after a rotation. */
  if (current_ca)
    gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUEST);
  pthread_mutex_unlock(&creds_lock);
  free(fresh);
  creds_free(dead);
  return 0;
}

void adm_tls_session_closed(gnutls_session_t session) {
  struct session_use *gone = NULL;
  struct adm_tls_creds *dead = NULL;
  pthread_mutex_lock(&creds_lock);
  struct session_use **u = session_find_locked(session);
  if (*u) {
    gone = *u;
    *u = gone->next;
    dead = put_locked(gone->creds);
  }
  pthread_mutex_unlock(&creds_lock);
  free(gone);
  creds_free(dead);
}

long adm_tls_creds_live(void) {
  return atomic_load(&live_creds);
}

long long adm_tls_current_expiry(void) {
  pthread_mutex_lock(&creds_lock);
  long long expiry = current_creds ? current_creds->expiry : 0;
  pthread_mutex_unlock(&creds_lock);
  return expiry;
}
