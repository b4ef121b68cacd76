/* The parsed forms of Sigstore documents and the internal interfaces between
 * the files of the bundle verifier (adm__ names). Shared only by
 * server/verify/ and its unit tests; include/admitd/sigstore.h is the
 * contract for everyone else. Every pointer is *borrowed* from the arena the
 * document was parsed into. */
#ifndef ADMITD_SIGSTORE_INTERNAL_H
#define ADMITD_SIGSTORE_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admitd/arena.h"
#include "admitd/error.h"
#include "admitd/sigstore.h"

#define ADM__MAX_LIST 64          /* entries of any list in a trusted root or bundle */
#define ADM__MAX_B64 (512u << 10) /* characters of one base64 field */

struct adm__bytes {
  const unsigned char *data;
  size_t len;
};

/* A closed interval of Unix seconds; a missing end is unbounded. */
struct adm__range {
  int64_t start, end;
  bool has_end;
};

/* --- protojson.c: proto3 JSON fields, each failure naming its JSON path -- */

/* A JSON path under construction: "$.tlogs[2].publicKey". */
struct adm__path {
  char text[160];
};
void adm__path_key(struct adm__path *out, const struct adm__path *parent, const char *key);
void adm__path_index(struct adm__path *out, const struct adm__path *parent, size_t i);

/* Object member key of obj (may be NULL), NULL when absent; type errors fail. */
int adm__pj_object(const json_t *obj, const char *key, const struct adm__path *p, bool required, const json_t **out,
                   struct adm_error *err);
int adm__pj_array(const json_t *obj, const char *key, const struct adm__path *p, bool required, const json_t **out,
                  size_t *n, struct adm_error *err);
int adm__pj_string(struct adm_arena *a, const json_t *obj, const char *key, const struct adm__path *p, bool required,
                   const char **out, struct adm_error *err);
/* Standard base64 (proto3 bytes). A missing optional field is {NULL, 0}. */
int adm__pj_bytes(struct adm_arena *a, const json_t *obj, const char *key, const struct adm__path *p, bool required,
                  struct adm__bytes *out, struct adm_error *err);
/* int64 as a JSON string of digits (or a JSON integer); must be >= 0. */
int adm__pj_int64(const json_t *obj, const char *key, const struct adm__path *p, bool required, int64_t *out,
                  bool *present, struct adm_error *err);
/* TimeRange {start (required), end}: RFC 3339 timestamps. */
int adm__pj_range(const json_t *obj, const char *key, const struct adm__path *p, bool required, struct adm__range *out,
                  bool *present, struct adm_error *err);
/* 1 to 18 decimal digits (no sign) into *out. */
bool adm__decimal(const char *s, size_t n, int64_t *out);
/* RFC 3339 ("2023-07-12T15:56:36Z", fractions and offsets allowed) to Unix seconds. */
int adm__rfc3339(const char *s, int64_t *out);
/* Decode standard base64 (padding required) into a. */
int adm__b64(struct adm_arena *a, const char *s, size_t len, struct adm__bytes *out);
bool adm__range_contains(const struct adm__range *r, int64_t t);
/* Whether hex is the 64 lower-case hex digits of sha256. */
bool adm__hex_is(const char *hex, const unsigned char sha256[32]);
/* JSON values of one document (a bundle, a statement, a log entry's body,
 * a trusted root): a real one holds hundreds, a provenance predicate some
 * thousands. */
#define ADM__PJ_MAX_VALUES 65536
/* Parse JSON text with the bundle's bounds (size, values, duplicates refused). */
json_t *adm__pj_load(const char *text, size_t len, size_t max, struct adm_error *err);

/* --- der.c: DER walking (libtasn1 for tags and lengths) ------------------ */

struct adm__der {
  unsigned cls;      /* ASN1_CLASS_* of the tag */
  unsigned long tag; /* tag number */
  bool constructed;
  const unsigned char *start; /* the whole TLV */
  size_t total;
  const unsigned char *val; /* its contents */
  size_t len;
};
/* Read the TLV at *p (within end); advance *p past it. */
int adm__der_next(const unsigned char **p, const unsigned char *end, struct adm__der *out);
/* Read exactly one TLV filling buf. */
int adm__der_one(const unsigned char *buf, size_t len, struct adm__der *out);
/* Encode a DER length into out (at most 5 bytes); returns its size. */
size_t adm__der_len(size_t len, unsigned char out[5]);
/* GeneralizedTime/UTCTime contents to Unix seconds. */
int adm__der_time(const struct adm__der *t, int64_t *out);

/* --- pubkey.c: signatures under DER SubjectPublicKeyInfo keys ------------ */

struct adm_sigstore_key {
  struct adm__bytes spki; /* DER SubjectPublicKeyInfo */
};
/* Verify sig over data (or over its SHA-256/384/512 digest when prehashed
 * is set: data then is the digest) with the DER SPKI key. The hash follows
 * the key: SHA-256 for P-256 and RSA, SHA-384 for P-384, SHA-512 for P-521,
 * pure Ed25519 (never prehashed). 0 when it verifies. */
int adm__sig_verify(const struct adm__bytes *spki, const unsigned char *data, size_t len, bool prehashed,
                    const struct adm__bytes *sig);
/* Whether spki is an Ed25519 key; its 32 raw bytes in raw when so. */
bool adm__spki_ed25519(const struct adm__bytes *spki, unsigned char raw[32]);
/* The DER SPKI of a certificate's key, in a. */
int adm__cert_spki(struct adm_arena *a, const struct adm__bytes *cert, struct adm__bytes *out);

/* --- trusted_root.c ------------------------------------------------------ */

struct adm__tlog {
  const char *base_url, *host, *key_details;
  struct adm__bytes key, log_id;
  struct adm__range valid;
};

struct adm__ca {
  const char *uri;
  struct adm__bytes *certs; /* leaf-most first, root last */
  size_t n_certs;
  struct adm__range valid;
};

struct adm_trusted_root {
  struct adm__tlog *tlogs, *ctlogs;
  size_t n_tlogs, n_ctlogs;
  struct adm__ca *cas, *tsas;
  size_t n_cas, n_tsas;
};
const struct adm__tlog *adm__root_tlog(const struct adm__tlog *logs, size_t n, const struct adm__bytes *log_id);

/* --- bundle.c ------------------------------------------------------------ */

enum adm__material { ADM__MAT_KEY, ADM__MAT_CHAIN, ADM__MAT_CERT };
enum adm__content { ADM__MESSAGE, ADM__DSSE };

struct adm__entry {
  int64_t log_index, integrated_time;
  bool has_integrated_time;
  struct adm__bytes log_id;
  const char *kind, *version;
  struct adm__bytes set; /* inclusionPromise.signedEntryTimestamp, len 0 when absent */
  const char *body_b64;  /* canonicalizedBody as written */
  struct adm__bytes body;
  bool has_proof;
  int64_t proof_index, tree_size;
  struct adm__bytes root_hash;
  struct adm__bytes *hashes;
  size_t n_hashes;
  const char *checkpoint; /* NULL when absent */
};

struct adm__bundle {
  int minor; /* 1, 2 or 3 */
  enum adm__material material;
  const char *key_hint;     /* publicKey.hint, NULL when absent; never trusted */
  struct adm__bytes leaf;   /* the leaf certificate (chain or certificate) */
  struct adm__bytes *extra; /* further certificates of an x509CertificateChain */
  size_t n_extra;
  struct adm__entry *entries;
  size_t n_entries;
  struct adm__bytes *timestamps;
  size_t n_timestamps;
  enum adm__content content;
  const char *digest_alg; /* messageSignature */
  struct adm__bytes digest;
  struct adm__bytes signature; /* messageSignature.signature or the DSSE signature */
  const char *payload_type;    /* DSSE */
  struct adm__bytes payload;
};
int adm__bundle_parse(struct adm_arena *a, const char *json, size_t len, struct adm__bundle *out,
                      struct adm_error *err);

/* --- dsse.c -------------------------------------------------------------- */

/* "DSSEv1 <len> <type> <len> <payload>" in a. */
int adm__dsse_pae(struct adm_arena *a, const char *type, const struct adm__bytes *payload, struct adm__bytes *out);
struct adm__statement {
  const char *type, *predicate_type, *predicate;
  bool subject_matches;
};
/* Parse the in-toto Statement (v1, or v0.1) and look for sha256 among its subjects. */
int adm__statement_parse(struct adm_arena *a, const struct adm__bytes *payload, const unsigned char sha256[32],
                         struct adm__statement *out, struct adm_error *err);

/* --- x509_chain.c / fulcio.c --------------------------------------------- */

/* Check leaf (DER) up to one of cas at time t: signatures and CA rules by
 * GnuTLS, every certificate's validity and the authority's validFor
 * against t. The issuing certificate of the leaf in *issuer. 0, or a
 * negative code with err->message saying why. */
int adm__chain_verify(const struct adm__bytes *leaf, const struct adm__ca *cas, size_t n_cas, int64_t t,
                      const char *eku_oid, struct adm__bytes *issuer, struct adm_error *err);
/* Validity of a DER certificate. */
int adm__cert_validity(const struct adm__bytes *cert, int64_t *not_before, int64_t *not_after);
bool adm__cert_self_signed(const struct adm__bytes *cert);

struct adm__fulcio {
  const char *subject, *issuer;
  struct adm_fulcio_claim claims[ADM_FULCIO_MAX_CLAIMS];
  size_t n_claims;
};
int adm__fulcio_parse(struct adm_arena *a, const struct adm__bytes *leaf, struct adm__fulcio *out,
                      struct adm_error *err);
/* Exact, or the whole value matching the extended regex. */
bool adm__identity_match(const char *want, bool regex, const char *got);

/* --- sct.c --------------------------------------------------------------- */

/* Embedded SCTs of leaf (issued by issuer) verified against ctlogs; *verified counts them. */
int adm__sct_verify(struct adm_arena *a, const struct adm__bytes *leaf, const struct adm__bytes *issuer,
                    const struct adm__tlog *ctlogs, size_t n_ctlogs, size_t *verified, struct adm_error *err);

/* --- checkpoint.c -------------------------------------------------------- */

struct adm__checkpoint {
  const char *origin;
  int64_t size;
  unsigned char root[32];
};
/* Parse the signed note and verify a signature by log under name host. */
int adm__checkpoint_verify(struct adm_arena *a, const char *note, const struct adm__tlog *log,
                           struct adm__checkpoint *out, struct adm_error *err);

/* --- tlog.c -------------------------------------------------------------- */

/* What a log entry must commit to. */
struct adm__expect {
  const struct adm__bytes *signature;
  const struct adm__bytes *leaf_or_key; /* DER certificate, or DER SPKI */
  bool is_key;
  unsigned char artifact_sha256[32]; /* messageSignature: the artifact; DSSE v1: the payload */
  const struct adm__bundle *bundle;  /* DSSE: the envelope */
  unsigned char pae_sha256[32];      /* DSSE under Rekor v2 */
};
/* Verify one entry against the root's tlogs; *time set (and *has_time) for
 * a Rekor v1 entry whose SET verified. */
int adm__tlog_verify(struct adm_arena *a, const struct adm__entry *e, int minor, const struct adm_trusted_root *root,
                     const struct adm__expect *x, int64_t now, int64_t *time, bool *has_time, struct adm_error *err);
/* Whether e is a Rekor v2 entry (hashedrekord or dsse 0.0.2): no integrated time. */
bool adm__entry_rekor_v2(const struct adm__entry *e);
/* RFC 9162 2.1.3.2: 0 when the path leads from leaf to root. */
int adm__merkle_verify(int64_t index, int64_t size, const unsigned char leaf[32], const struct adm__bytes *hashes,
                       size_t n, const unsigned char root[32]);

/* --- tsa.c --------------------------------------------------------------- */

/* Verify one RFC 3161 timestamp over sig against the root's TSAs; genTime in *time. */
int adm__tsa_verify(const struct adm__bytes *token, const struct adm__bytes *sig, const struct adm_trusted_root *root,
                    int64_t *time, struct adm_error *err);

#endif
