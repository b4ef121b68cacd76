/* server/tls.c: credential sets live exactly as long as something uses
 * them. Reloads do not pile sets up; a set that a live session was handed
 * survives any number of reloads until that session is closed (a real
 * handshake over a socketpair, so GnuTLS itself holds the pointers); files
 * that did not change build no new set. */
#include "helpers.h"

#include <gnutls/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tls.h"
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(reloads_do_not_pile_up_credential_sets, setup, teardown),
      cmocka_unit_test_setup_teardown(a_set_in_use_lives_until_its_session_closes, setup, teardown),
      cmocka_unit_test_setup_teardown(unchanged_files_build_no_new_set, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
