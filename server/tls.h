/* Serving credentials for the TLS listener, and the client CA set that
 * client certificates are judged by (--client-ca). Credentials are loaded whole
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

/* --- client certificates ------------------------------------------------
 * With a client CA published, every handshake asks the client for a
 * certificate (asks, does not require: the caller decides per request
 * whether one is needed). A published set is replaced whole on rotation,
 * like the serving credentials; a session's verdict is remembered until
 * the CA set changes or the session renegotiates. */

#define ADM_TLS_MAX_CLIENT_NAMES 32
#define ADM_TLS_MAX_CLIENT_NAME 64 /* X.520's upper bound for a common name */

/* What a session's client certificate is found to be. */
enum adm_tls_client {
  ADM_TLS_CLIENT_TRUSTED = 0,
  ADM_TLS_CLIENT_NO_CERTIFICATE,
  ADM_TLS_CLIENT_UNTRUSTED, /* no chain to a CA of the set, a bad signature, or not for client auth */
  ADM_TLS_CLIENT_EXPIRED,   /* chains to the set, but it or a CA is out of its validity period */
  ADM_TLS_CLIENT_NAME,      /* chains to the set, but its CN is not an allowed name */
  ADM_TLS_CLIENT_ERROR,     /* could not be judged (out of memory, or no CA published) */
  ADM__TLS_CLIENT_VERDICTS
};

struct adm_tls_client_ca;

/* Load a PEM file of 1 to 64 CA certificates (each with basicConstraints
 * CA:TRUE) that a client certificate must chain to. Errors name the file.
 * *new* (adm_tls_client_ca_free, or publish it). */
int adm_tls_client_ca_load(const char *path, struct adm_tls_client_ca **out, struct adm_error *err);
/* The same, except that a file holding the bytes the published set was
 * loaded from builds nothing: 0 with *out NULL. For reloads. */
int adm_tls_client_ca_load_changed(const char *path, struct adm_tls_client_ca **out, struct adm_error *err);
unsigned adm_tls_client_ca_count(const struct adm_tls_client_ca *ca);
void adm_tls_client_ca_free(struct adm_tls_client_ca *ca);
/* Publish ca (steals) for new handshakes and verdicts; the replaced set is
 * freed once no verification holds it. Until the first publish no client
 * certificate is asked for. */
void adm_tls_client_ca_publish(struct adm_tls_client_ca *ca);
/* The subject CNs a client certificate may have (copied; none: any). Set
 * before the server starts. */
int adm_tls_client_names_set(const char *const *names, size_t n, struct adm_error *err);
/* Judge the client certificate of session (a handshake that went through
 * adm_tls_cert_callback) against the published CA set and names. Without
 * a published set: ADM_TLS_CLIENT_ERROR. */
enum adm_tls_client adm_tls_client_check(gnutls_session_t session);

/* Credential sets allocated and not yet freed, for tests and metrics. */
long adm_tls_creds_live(void);

/* Unix time the leaf certificate of the current creds expires, or 0. */
long long adm_tls_current_expiry(void);

#endif
