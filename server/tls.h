/* Serving credentials for the TLS listener. Credentials are loaded whole
 * and published with a swap that the per-handshake certificate callback
 * reads, so a rotated certificate (cert-manager renewing a Secret) is
 * served on the next handshake without a restart. A replaced set is freed
 * when the last session that was handed it closes (tls.c says why then). */
#ifndef ADMITD_TLS_H
#define ADMITD_TLS_H

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <stddef.h>

#include "admitd/error.h"

/* TLS 1.3 and 1.2 only, AEAD ciphers only, ECDHE key exchange. */
#define ADM_TLS_PRIORITIES                                                                                             \
  "SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:"                               \
  "+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:-SIGN-RSA-SHA1:"                                  \
  "-SIGN-ECDSA-SHA1:%SERVER_PRECEDENCE"

struct adm_tls_creds;

/* Load a PEM chain and key from files; the key must match the leaf. *new*. */
int adm_tls_creds_load(const char *cert_path, const char *key_path, struct adm_tls_creds **out, struct adm_error *err);
/* The same, except that when the files hold exactly the bytes the published
 * set was loaded from it builds nothing: 0 with *out NULL. For reloads. */
int adm_tls_creds_load_changed(const char *cert_path, const char *key_path, struct adm_tls_creds **out,
                               struct adm_error *err);
/* Make an in-memory ECDSA P-256 self-signed certificate for localhost and
 * 127.0.0.1, valid one year. *new*; *cert_pem is *new* (gnutls_free). */
int adm_tls_creds_self_signed(struct adm_tls_creds **out, gnutls_datum_t *cert_pem, struct adm_error *err);

/* Publish creds for new handshakes (steals). The replaced set is freed
 * once no session holds it. */
void adm_tls_publish(struct adm_tls_creds *creds);
/* Free every set. Only after the server has stopped: no session remains. */
void adm_tls_shutdown(void);

/* gnutls_certificate_retrieve_function2 for MHD_OPTION_HTTPS_CERT_CALLBACK.
 * The session holds a reference to the set it was handed until
 * adm_tls_session_closed(session). */
int adm_tls_cert_callback(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
                          const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length, gnutls_pcert_st **pcert,
                          unsigned int *pcert_length, gnutls_privkey_t *privkey);
/* The server calls this when a connection closes, before gnutls_deinit
 * (libmicrohttpd's MHD_CONNECTION_NOTIFY_CLOSED comes first), and after
 * which nothing handshakes on the session: drops the session's reference.
 * Only the pointer's value is used. A session never handed a set is fine. */
void adm_tls_session_closed(gnutls_session_t session);

/* Credential sets allocated and not yet freed, for tests and metrics. */
long adm_tls_creds_live(void);

/* Unix time the leaf certificate of the current creds expires, or 0. */
long long adm_tls_current_expiry(void);

#endif
