/* server/tls.c: credential sets live exactly as long as something uses
 * them. Reloads do not pile sets up; a set that a live session was handed
 * survives any number of reloads until that session is closed (a real
 * handshake over a socketpair, so GnuTLS itself holds the pointers); files
 * that did not change build no new set. */
#include "helpers.h"

#include <gnutls/x509.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tls.h"
#include "admitd/file.h"
#include "admitd/yaml.h"

static char dir[64], cert_path[128], key_path[128];

static void put_file(const char *path, const gnutls_datum_t *d) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(d->data, 1, d->size, f), d->size);
  assert_int_equal(fclose(f), 0);
}

/* A new ECDSA key and a certificate for it, as PEM files. */
static void new_pair(void) {
  gnutls_x509_privkey_t key;
  gnutls_x509_crt_t crt;
  gnutls_datum_t cert_pem, key_pem;
  static unsigned char serial = 1;
  time_t now = time(NULL);
  assert_int_equal(gnutls_x509_privkey_init(&key), 0);
  assert_int_equal(
      gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0), 0);
  assert_int_equal(gnutls_x509_crt_init(&crt), 0);
  serial++;
  assert_int_equal(gnutls_x509_crt_set_version(crt, 3) | gnutls_x509_crt_set_serial(crt, &serial, 1) |
                       gnutls_x509_crt_set_activation_time(crt, now - 60) |
                       gnutls_x509_crt_set_expiration_time(crt, now + 3600) |
                       gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "test", 4) |
                       gnutls_x509_crt_set_key(crt, key) | gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0),
                   0);
  assert_int_equal(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cert_pem), 0);
  assert_int_equal(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &key_pem), 0);
  put_file(cert_path, &cert_pem);
  put_file(key_path, &key_pem);
  gnutls_free(cert_pem.data);
  gnutls_free(key_pem.data);
  gnutls_x509_crt_deinit(crt);
  gnutls_x509_privkey_deinit(key);
}

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/admitd-tls-XXXXXX");
  if (mkdtemp(dir) == NULL)
    return -1;
  snprintf(cert_path, sizeof cert_path, "%s/tls.crt", dir);
  snprintf(key_path, sizeof key_path, "%s/tls.key", dir);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  adm_tls_shutdown();
  unlink(cert_path);
  unlink(key_path);
  rmdir(dir);
  return 0;
}

static void load_and_publish(void) {
  struct adm_tls_creds *c;
  struct adm_error err = {0};
  assert_int_equal(adm_tls_creds_load(cert_path, key_path, &c, &err), 0);
  adm_tls_publish(c);
}

static void reloads_do_not_pile_up_credential_sets(void **state) {
  (void)state;
  new_pair();
  load_and_publish();
  assert_int_equal(adm_tls_creds_live(), 1);
  for (int i = 0; i < 200; i++)
    load_and_publish();
  /* Each replaced set that no session holds is freed at once. */
  assert_int_equal(adm_tls_creds_live(), 1);
  adm_tls_shutdown();
  assert_int_equal(adm_tls_creds_live(), 0);
}

struct client {
  int fd, rc;
};

static void *client_main(void *arg) {
  struct client *cl = arg;
  gnutls_certificate_credentials_t cred;
  gnutls_session_t s;
  char buf[5];
  cl->rc = -1;
  if (gnutls_certificate_allocate_credentials(&cred) < 0)
    return NULL;
  if (gnutls_init(&s, GNUTLS_CLIENT) == 0) {
    int rc = gnutls_set_default_priority(s);
    if (rc == 0)
      rc = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
    gnutls_transport_set_int(s, cl->fd);
    do
      rc = rc < 0 ? rc : gnutls_handshake(s);
    while (rc < 0 && !gnutls_error_is_fatal(rc));
    if (rc == 0 && gnutls_record_recv(s, buf, sizeof buf) == (ssize_t)sizeof buf && memcmp(buf, "hello", 5) == 0)
      cl->rc = 0;
    gnutls_deinit(s);
  }
  gnutls_certificate_free_credentials(cred);
  return NULL;
}

static void a_set_in_use_lives_until_its_session_closes(void **state) {
  (void)state;
  new_pair();
  load_and_publish();
  int sv[2];
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  struct client cl = {.fd = sv[1]};
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, client_main, &cl), 0);

  gnutls_certificate_credentials_t cred;
  gnutls_session_t s;
  assert_int_equal(gnutls_certificate_allocate_credentials(&cred), 0);
  gnutls_certificate_set_retrieve_function2(cred, adm_tls_cert_callback);
  assert_int_equal(gnutls_init(&s, GNUTLS_SERVER), 0);
  assert_int_equal(gnutls_priority_set_direct(s, ADM_TLS_PRIORITIES, NULL), 0);
  assert_int_equal(gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred), 0);
  gnutls_transport_set_int(s, sv[0]);
  int rc;
  do
    rc = gnutls_handshake(s);
  while (rc < 0 && !gnutls_error_is_fatal(rc));
  assert_int_equal(rc, 0);
  const gnutls_datum_t *ours = gnutls_certificate_get_ours(s);
  assert_non_null(ours);
  gnutls_datum_t served = {malloc(ours->size), ours->size};
  memcpy(served.data, ours->data, ours->size);

  /* The certificate rotates (a new key as well) while the connection lives. */
  for (int i = 0; i < 20; i++) {
    new_pair();
    load_and_publish();
  }
  assert_int_equal(adm_tls_creds_live(), 2); /* the session's set, and the current one */
  /* GnuTLS still points into the first set; under ASan a freed one fails here. */
  ours = gnutls_certificate_get_ours(s);
  assert_non_null(ours);
  assert_int_equal(ours->size, served.size);
  assert_memory_equal(ours->data, served.data, served.size);
  assert_int_equal(gnutls_record_send(s, "hello", 5), 5);
  assert_int_equal(pthread_join(t, NULL), 0);
  assert_int_equal(cl.rc, 0);

  adm_tls_session_closed(s);
  assert_int_equal(adm_tls_creds_live(), 1);
  adm_tls_session_closed(s); /* twice, or for a session never handed a set: nothing */
  assert_int_equal(adm_tls_creds_live(), 1);
  gnutls_deinit(s);
  gnutls_certificate_free_credentials(cred);
  close(sv[0]);
  close(sv[1]);
  free(served.data);
}

static void unchanged_files_build_no_new_set(void **state) {
  (void)state;
  struct adm_tls_creds *c;
  struct adm_error err = {0};
  new_pair();
  load_and_publish();
  assert_int_equal(adm_tls_creds_load_changed(cert_path, key_path, &c, &err), 0);
  assert_null(c);
  /* Rewritten with the same bytes (a new inode and mtime): still the same. */
  char *bytes;
  size_t len;
  assert_int_equal(adm_read_file(cert_path, 1 << 20, &bytes, &len, &err), 0);
  unlink(cert_path);
  put_file(cert_path, &(gnutls_datum_t){(unsigned char *)bytes, (unsigned)len});
  free(bytes);
  assert_int_equal(adm_tls_creds_load_changed(cert_path, key_path, &c, &err), 0);
  assert_null(c);
  assert_int_equal(adm_tls_creds_live(), 1);
  new_pair();
  assert_int_equal(adm_tls_creds_load_changed(cert_path, key_path, &c, &err), 0);
  assert_non_null(c);
  adm_tls_publish(c);
  assert_int_equal(adm_tls_creds_live(), 1);
}

/* --- client certificates ------------------------------------------------ */

struct pki {
  gnutls_x509_crt_t crt;
  gnutls_x509_privkey_t key;
};

enum { PURPOSE_CLIENT, PURPOSE_SERVER, PURPOSE_NONE };

/* A certificate for cn: a CA when issuer is NULL (self-signed), else a leaf
 * signed by issuer, valid from..until, with the given extended key usage. */
static struct pki make_cert(const char *cn, const struct pki *issuer, bool ca, int purpose, time_t from, time_t until) {
  struct pki p;
  static unsigned char serial = 100;
  serial++;
  assert_int_equal(gnutls_x509_privkey_init(&p.key), 0);
  assert_int_equal(
      gnutls_x509_privkey_generate(p.key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0), 0);
  assert_int_equal(gnutls_x509_crt_init(&p.crt), 0);
  assert_int_equal(gnutls_x509_crt_set_version(p.crt, 3) | gnutls_x509_crt_set_serial(p.crt, &serial, 1) |
                       gnutls_x509_crt_set_activation_time(p.crt, from) |
                       gnutls_x509_crt_set_expiration_time(p.crt, until) |
                       gnutls_x509_crt_set_dn_by_oid(p.crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn, (unsigned)strlen(cn)) |
                       gnutls_x509_crt_set_basic_constraints(p.crt, ca, -1) | gnutls_x509_crt_set_key(p.crt, p.key),
                   0);
  if (ca)
    assert_int_equal(gnutls_x509_crt_set_key_usage(p.crt, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN), 0);
  if (purpose != PURPOSE_NONE)
    assert_int_equal(gnutls_x509_crt_set_key_purpose_oid(
                         p.crt, purpose == PURPOSE_CLIENT ? GNUTLS_KP_TLS_WWW_CLIENT : GNUTLS_KP_TLS_WWW_SERVER, 0),
                     0);
  assert_int_equal(
      gnutls_x509_crt_sign2(p.crt, issuer ? issuer->crt : p.crt, issuer ? issuer->key : p.key, GNUTLS_DIG_SHA256, 0),
      0);
  return p;
}

static struct pki make_ca(const char *cn) {
  time_t now = time(NULL);
  return make_cert(cn, NULL, true, PURPOSE_NONE, now - 3600, now + 86400);
}

static struct pki make_client(const char *cn, const struct pki *ca) {
  time_t now = time(NULL);
  return make_cert(cn, ca, false, PURPOSE_CLIENT, now - 3600, now + 86400);
}

static void pki_free(struct pki *p) {
  gnutls_x509_crt_deinit(p->crt);
  gnutls_x509_privkey_deinit(p->key);
}

static void put_crts(const char *path, const struct pki *const *certs, size_t n) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  for (size_t i = 0; i < n; i++) {
    gnutls_datum_t pem;
    assert_int_equal(gnutls_x509_crt_export2(certs[i]->crt, GNUTLS_X509_FMT_PEM, &pem), 0);
    assert_int_equal(fwrite(pem.data, 1, pem.size, f), pem.size);
    gnutls_free(pem.data);
  }
  assert_int_equal(fclose(f), 0);
}

static char ca_path[128];

static void publish_ca(const struct pki *ca) {
  struct adm_tls_client_ca *set;
  struct adm_error err = {0};
  put_crts(ca_path, &ca, 1);
  assert_int_equal(adm_tls_client_ca_load(ca_path, &set, &err), 0);
  adm_tls_client_ca_publish(set);
}

struct peer {
  int fd, rc;
  const struct pki *cert; /* NULL: the client has none */
  bool tls12;
};

static void *peer_main(void *arg) {
  struct peer *p = arg;
  gnutls_certificate_credentials_t cred;
  gnutls_session_t s;
  char buf[5];
  p->rc = -1;
  if (gnutls_certificate_allocate_credentials(&cred) < 0)
    return NULL;
  if (p->cert)
    gnutls_certificate_set_x509_key(cred, (gnutls_x509_crt_t *)&p->cert->crt, 1, p->cert->key);
  if (gnutls_init(&s, GNUTLS_CLIENT) == 0) {
    int rc = p->tls12 ? gnutls_priority_set_direct(s, "NORMAL:-VERS-ALL:+VERS-TLS1.2", NULL)
                      : gnutls_set_default_priority(s);
    if (rc == 0)
      rc = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
    gnutls_transport_set_int(s, p->fd);
    do
      rc = rc < 0 ? rc : gnutls_handshake(s);
    while (rc < 0 && !gnutls_error_is_fatal(rc));
    if (rc == 0 && gnutls_record_recv(s, buf, sizeof buf) == (ssize_t)sizeof buf && memcmp(buf, "hello", 5) == 0)
      p->rc = 0;
    gnutls_deinit(s);
  }
  gnutls_certificate_free_credentials(cred);
  shutdown(p->fd, SHUT_RDWR); /* a failed handshake must not leave the server waiting */
  return NULL;
}

/* A real handshake with the server side on adm_tls_cert_callback; the
 * verdict on the client's certificate, judged twice (the second from the
 * session's memory) and again after each CA in rotate_to is published. */
struct handshake {
  gnutls_certificate_credentials_t cred;
  gnutls_session_t s;
  int sv[2];
  pthread_t t;
  struct peer peer;
};

static void handshake_open(struct handshake *h, const struct pki *client, bool tls12) {
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, h->sv), 0);
  h->peer = (struct peer){.fd = h->sv[1], .cert = client, .tls12 = tls12};
  assert_int_equal(pthread_create(&h->t, NULL, peer_main, &h->peer), 0);
  assert_int_equal(gnutls_certificate_allocate_credentials(&h->cred), 0);
  gnutls_certificate_set_retrieve_function2(h->cred, adm_tls_cert_callback);
  assert_int_equal(gnutls_init(&h->s, GNUTLS_SERVER), 0);
  assert_int_equal(gnutls_priority_set_direct(h->s, ADM_TLS_PRIORITIES, NULL), 0);
  assert_int_equal(gnutls_credentials_set(h->s, GNUTLS_CRD_CERTIFICATE, h->cred), 0);
  gnutls_transport_set_int(h->s, h->sv[0]);
  int rc;
  do
    rc = gnutls_handshake(h->s);
  while (rc < 0 && !gnutls_error_is_fatal(rc));
  assert_int_equal(rc, 0);
}

static void handshake_close(struct handshake *h) {
  assert_int_equal(gnutls_record_send(h->s, "hello", 5), 5);
  assert_int_equal(pthread_join(h->t, NULL), 0);
  assert_int_equal(h->peer.rc, 0);
  adm_tls_session_closed(h->s);
  gnutls_deinit(h->s);
  gnutls_certificate_free_credentials(h->cred);
  close(h->sv[0]);
  close(h->sv[1]);
}

static enum adm_tls_client verdict_of(const struct pki *client, bool tls12) {
  struct handshake h;
  handshake_open(&h, client, tls12);
  enum adm_tls_client v = adm_tls_client_check(h.s);
  assert_int_equal(adm_tls_client_check(h.s), v); /* remembered: the same */
  handshake_close(&h);
  return v;
}

static int client_setup(void **state) {
  if (setup(state) < 0)
    return -1;
  snprintf(ca_path, sizeof ca_path, "%s/client-ca.pem", dir);
  new_pair();
  load_and_publish();
  return 0;
}

static int client_teardown(void **state) {
  assert_int_equal(adm_tls_client_names_set(NULL, 0, NULL), 0);
  unlink(ca_path);
  return teardown(state);
}

static void client_ca_files_are_checked(void **state) {
  (void)state;
  struct adm_tls_client_ca *set = NULL;
  struct adm_error err = {0};
  assert_int_equal(adm_tls_client_ca_load(ca_path, &set, &err), ADM_EIO); /* missing */
  assert_string_equal(err.where, ca_path);
  /* A FIFO in its place is refused at once, not waited on for a writer
   * (a read that blocked would end the test at the alarm). */
  alarm(10);
  assert_int_equal(mkfifo(ca_path, 0600), 0);
  assert_int_equal(adm_tls_client_ca_load(ca_path, &set, &err), ADM_EINVAL);
  assert_non_null(strstr(err.message, "not a regular file"));
  struct adm_tls_creds *fifo_creds = NULL;
  assert_int_equal(adm_tls_creds_load(ca_path, key_path, &fifo_creds, &err), ADM_EINVAL);
  assert_null(fifo_creds);
  assert_int_equal(unlink(ca_path), 0);
  alarm(0);
  FILE *f = fopen(ca_path, "w");
  assert_non_null(f);
  fputs("not a certificate\n", f);
  fclose(f);
  assert_true(adm_tls_client_ca_load(ca_path, &set, &err) < 0);
  assert_string_equal(err.where, ca_path);
  assert_null(set);
  /* A leaf is not a CA: refused, though it parses. */
  struct pki ca = make_ca("a CA"), leaf = make_client("kube-apiserver", &ca);
  const struct pki *both[] = {&ca, &leaf};
  put_crts(ca_path, both, 2);
  assert_int_equal(adm_tls_client_ca_load(ca_path, &set, &err), ADM_ETLS);
  assert_non_null(strstr(err.message, "certificate 2 of 2 is not a CA"));
  /* Two CAs: a bundle, as during a rotation. */
  struct pki ca2 = make_ca("another CA");
  const struct pki *cas[] = {&ca, &ca2};
  put_crts(ca_path, cas, 2);
  assert_int_equal(adm_tls_client_ca_load(ca_path, &set, &err), 0);
  assert_int_equal(adm_tls_client_ca_count(set), 2);
  adm_tls_client_ca_publish(set);
  /* The same bytes again build nothing; other bytes do. */
  assert_int_equal(adm_tls_client_ca_load_changed(ca_path, &set, &err), 0);
  assert_null(set);
  put_crts(ca_path, cas, 1);
  assert_int_equal(adm_tls_client_ca_load_changed(ca_path, &set, &err), 0);
  assert_non_null(set);
  adm_tls_client_ca_free(set);
  /* Names are bounded. */
  const char *empty[] = {""};
  assert_int_equal(adm_tls_client_names_set(empty, 1, &err), ADM_EINVAL);
  pki_free(&ca);
  pki_free(&ca2);
  pki_free(&leaf);
}

static void client_certificates_are_judged(void **state) {
  (void)state;
  time_t now = time(NULL);
  struct pki ca = make_ca("client CA"), other = make_ca("other CA");
  struct pki good = make_client("kube-apiserver", &ca), stranger = make_client("kube-apiserver", &other);
  struct pki expired = make_cert("kube-apiserver", &ca, false, PURPOSE_CLIENT, now - 7200, now - 3600);
  struct pki future = make_cert("kube-apiserver", &ca, false, PURPOSE_CLIENT, now + 3600, now + 7200);
  struct pki serving = make_cert("kube-apiserver", &ca, false, PURPOSE_SERVER, now - 3600, now + 3600);
  struct pki any_purpose = make_cert("kube-apiserver", &ca, false, PURPOSE_NONE, now - 3600, now + 3600);
  struct pki self = make_cert("kube-apiserver", NULL, false, PURPOSE_CLIENT, now - 3600, now + 3600); /* self-signed */

  /* No CA published: no certificate is asked for, and nothing can be trusted. */
  struct handshake h;
  handshake_open(&h, &good, false);
  unsigned n_peers = 0;
  assert_null(gnutls_certificate_get_peers(h.s, &n_peers));
  assert_int_equal(adm_tls_client_check(h.s), ADM_TLS_CLIENT_ERROR);
  handshake_close(&h);

  publish_ca(&ca);
  for (int v = 0; v < 2; v++) { /* TLS 1.3, then 1.2: both ask for the certificate */
    bool tls12 = v == 1;
    assert_int_equal(verdict_of(&good, tls12), ADM_TLS_CLIENT_TRUSTED);
    assert_int_equal(verdict_of(NULL, tls12), ADM_TLS_CLIENT_NO_CERTIFICATE);
    assert_int_equal(verdict_of(&stranger, tls12), ADM_TLS_CLIENT_UNTRUSTED);
  }
  assert_int_equal(verdict_of(&self, false), ADM_TLS_CLIENT_UNTRUSTED);
  assert_int_equal(verdict_of(&expired, false), ADM_TLS_CLIENT_EXPIRED);
  assert_int_equal(verdict_of(&future, false), ADM_TLS_CLIENT_EXPIRED);
  assert_int_equal(verdict_of(&serving, false), ADM_TLS_CLIENT_UNTRUSTED);
  assert_int_equal(verdict_of(&any_purpose, false), ADM_TLS_CLIENT_TRUSTED);

  /* Names: the CN must be one of them, exactly. */
  const char *names[] = {"apiserver-webhook-client", "kube-apiserver"};
  assert_int_equal(adm_tls_client_names_set(names, 2, NULL), 0);
  assert_int_equal(verdict_of(&good, false), ADM_TLS_CLIENT_TRUSTED);
  assert_int_equal(adm_tls_client_names_set(names, 1, NULL), 0);
  assert_int_equal(verdict_of(&good, false), ADM_TLS_CLIENT_NAME);
  const char *prefix[] = {"kube-apiserve"};
  assert_int_equal(adm_tls_client_names_set(prefix, 1, NULL), 0);
  assert_int_equal(verdict_of(&good, false), ADM_TLS_CLIENT_NAME);
  /* A wrong CA is untrusted whatever its name. */
  assert_int_equal(verdict_of(&stranger, false), ADM_TLS_CLIENT_UNTRUSTED);

  struct pki *all[] = {&ca, &other, &good, &stranger, &expired, &future, &serving, &any_purpose, &self};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    pki_free(all[i]);
}

static void a_rotated_client_ca_judges_open_sessions_again(void **state) {
  (void)state;
  struct pki old_ca = make_ca("old CA"), new_ca = make_ca("new CA");
  struct pki old_client = make_client("kube-apiserver", &old_ca), new_client = make_client("kube-apiserver", &new_ca);
  publish_ca(&old_ca);
  struct handshake a, b;
  handshake_open(&a, &old_client, false);
  assert_int_equal(adm_tls_client_check(a.s), ADM_TLS_CLIENT_TRUSTED);
  publish_ca(&new_ca);
  /* The connection made under the old CA is refused from now on. */
  assert_int_equal(adm_tls_client_check(a.s), ADM_TLS_CLIENT_UNTRUSTED);
  handshake_open(&b, &new_client, false);
  assert_int_equal(adm_tls_client_check(b.s), ADM_TLS_CLIENT_TRUSTED);
  handshake_close(&a);
  handshake_close(&b);
  /* And back: a session's memory is per CA generation, not per file. */
  publish_ca(&old_ca);
  assert_int_equal(verdict_of(&new_client, false), ADM_TLS_CLIENT_UNTRUSTED);
  assert_int_equal(verdict_of(&old_client, false), ADM_TLS_CLIENT_TRUSTED);
  struct pki *all[] = {&old_ca, &new_ca, &old_client, &new_client};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    pki_free(all[i]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(client_ca_files_are_checked, client_setup, client_teardown),
      cmocka_unit_test_setup_teardown(client_certificates_are_judged, client_setup, client_teardown),
      cmocka_unit_test_setup_teardown(a_rotated_client_ca_judges_open_sessions_again, client_setup, client_teardown),
      cmocka_unit_test_setup_teardown(reloads_do_not_pile_up_credential_sets, setup, teardown),
      cmocka_unit_test_setup_teardown(a_set_in_use_lives_until_its_session_closes, setup, teardown),
      cmocka_unit_test_setup_teardown(unchanged_files_build_no_new_set, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
