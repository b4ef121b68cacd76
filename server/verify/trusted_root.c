/* The Sigstore TrustedRoot document: transparency logs (tlogs), CT logs
 * (ctlogs), certificate authorities and timestamp authorities, each with
 * the interval it is trusted for. Parsing only, bounded, failing with the
 * JSON path of the first bad field; a log whose validFor has no start, or
 * a key or certificate that is not DER, refuses the whole document rather
 * than being read as unbounded or skipped. Owns no verification: the other
 * files look logs up here by logId. */
#include <string.h>

#include "sigstore_internal.h"

static const char *const root_media_types[] = {
    "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    "application/vnd.dev.sigstore.trustedroot.v0.2+json",
};

/* The host[:port] of an https:// or http:// URL, in a. */
static const char *url_host(struct adm_arena *a, const char *url) {
  const char *p = strstr(url, "://");
  p = p ? p + 3 : url;
  size_t n = strcspn(p, "/?#");
  return adm_arena_strndup(a, p, n);
}

static int parse_log(struct adm_arena *a, const json_t *v, const struct adm__path *p, struct adm__tlog *out,
                     struct adm_error *err) {
  const json_t *pk, *lid;
  struct adm__path kp;
  bool present;
  int rc;
  if (!json_is_object(v))
    return adm_fail(err, ADM_ETYPE, p->text, "want an object");
  rc = adm__pj_string(a, v, "baseUrl", p, false, &out->base_url, err);
  if (rc >= 0)
    rc = adm__pj_object(v, "publicKey", p, true, &pk, err);
  if (rc >= 0)
    rc = adm__pj_object(v, "logId", p, true, &lid, err);
  if (rc < 0)
    return rc;
  adm__path_key(&kp, p, "publicKey");
  rc = adm__pj_bytes(a, pk, "rawBytes", &kp, true, &out->key, err);
  if (rc >= 0)
    rc = adm__pj_string(a, pk, "keyDetails", &kp, false, &out->key_details, err);
  if (rc >= 0)
    rc = adm__pj_range(pk, "validFor", &kp, true, &out->valid, &present, err);
  if (rc < 0)
    return rc;
  struct adm__path lp;
  adm__path_key(&lp, p, "logId");
  rc = adm__pj_bytes(a, lid, "keyId", &lp, true, &out->log_id, err);
  if (rc < 0)
    return rc;
  out->host = url_host(a, out->base_url ? out->base_url : "");
  if (out->host == NULL)
    return adm_fail(err, ADM_ENOMEM, p->text, "out of memory");
  return 0;
}

static int parse_ca(struct adm_arena *a, const json_t *v, const struct adm__path *p, struct adm__ca *out,
                    struct adm_error *err) {
  const json_t *chain, *certs;
  struct adm__path cp, lp, ep;
  int rc;
  if (!json_is_object(v))
    return adm_fail(err, ADM_ETYPE, p->text, "want an object");
  rc = adm__pj_string(a, v, "uri", p, false, &out->uri, err);
  if (rc >= 0)
    rc = adm__pj_object(v, "certChain", p, true, &chain, err);
  if (rc >= 0)
    rc = adm__pj_range(v, "validFor", p, true, &out->valid, NULL, err);
  if (rc < 0)
    return rc;
  adm__path_key(&cp, p, "certChain");
  rc = adm__pj_array(chain, "certificates", &cp, true, &certs, &out->n_certs, err);
  if (rc < 0)
    return rc;
  adm__path_key(&lp, &cp, "certificates");
  if (out->n_certs == 0)
    return adm_fail(err, ADM_EMISSING, lp.text, "empty");
  out->certs = adm_arena_calloc(a, out->n_certs, sizeof *out->certs);
  if (out->certs == NULL)
    return adm_fail(err, ADM_ENOMEM, p->text, "out of memory");
  for (size_t i = 0; i < out->n_certs; i++) {
    adm__path_index(&ep, &lp, i);
    const json_t *c = json_array_get(certs, i);
    if (!json_is_object(c))
      return adm_fail(err, ADM_ETYPE, ep.text, "want an object");
    rc = adm__pj_bytes(a, c, "rawBytes", &ep, true, &out->certs[i], err);
    if (rc < 0)
      return rc;
    int64_t nb, na;
    if (adm__cert_validity(&out->certs[i], &nb, &na) < 0)
      return adm_fail(err, ADM_EPARSE, ep.text, "not a DER X.509 certificate");
  }
  return 0;
}

typedef int (*parse_fn)(struct adm_arena *a, const json_t *v, const struct adm__path *p, void *out,
                        struct adm_error *err);

static int parse_log_item(struct adm_arena *a, const json_t *v, const struct adm__path *p, void *out,
                          struct adm_error *err) {
  return parse_log(a, v, p, out, err);
}

static int parse_ca_item(struct adm_arena *a, const json_t *v, const struct adm__path *p, void *out,
                         struct adm_error *err) {
  return parse_ca(a, v, p, out, err);
}

/* root[key], a list of items of size bytes, each read by parse. */
static int parse_list(struct adm_arena *a, const json_t *root, const char *key, size_t size, parse_fn parse, void **out,
                      size_t *n, struct adm_error *err) {
  const json_t *arr;
  int rc = adm__pj_array(root, key, NULL, false, &arr, n, err);
  if (rc < 0 || *n == 0)
    return rc;
  unsigned char *items = adm_arena_calloc(a, *n, size);
  if (items == NULL)
    return adm_fail(err, ADM_ENOMEM, key, "out of memory");
  *out = items;
  struct adm__path base, p;
  adm__path_key(&base, NULL, key);
  for (size_t i = 0; i < *n; i++) {
    adm__path_index(&p, &base, i);
    rc = parse(a, json_array_get(arr, i), &p, items + i * size, err);
    if (rc < 0)
      return rc;
  }
  return 0;
}

int adm_trusted_root_parse(struct adm_arena *a, const char *json, size_t len, struct adm_trusted_root **out,
                           struct adm_error *err) {
  *out = NULL;
  json_t *doc = adm__pj_load(json, len, ADM_SIGSTORE_MAX_ROOT, err);
  if (doc == NULL)
    return err ? err->code : ADM_EPARSE;
  struct adm_trusted_root *r = adm_arena_calloc(a, 1, sizeof *r);
  const char *mt = NULL;
  int rc =
      r ? adm__pj_string(a, doc, "mediaType", NULL, true, &mt, err) : adm_fail(err, ADM_ENOMEM, "$", "out of memory");
  if (rc == 0) {
    bool known = false;
    for (size_t i = 0; i < sizeof root_media_types / sizeof *root_media_types; i++)
      known = known || strcmp(mt, root_media_types[i]) == 0;
    if (!known)
      rc = adm_fail(err, ADM_EUNSUPPORTED, "$.mediaType", "unknown trusted root media type \"%.80s\"", mt);
  }
  void *tlogs = NULL, *ctlogs = NULL, *cas = NULL, *tsas = NULL;
  if (rc == 0 && (rc = parse_list(a, doc, "tlogs", sizeof *r->tlogs, parse_log_item, &tlogs, &r->n_tlogs, err)) == 0 &&
      (rc = parse_list(a, doc, "ctlogs", sizeof *r->ctlogs, parse_log_item, &ctlogs, &r->n_ctlogs, err)) == 0 &&
      (rc = parse_list(a, doc, "certificateAuthorities", sizeof *r->cas, parse_ca_item, &cas, &r->n_cas, err)) == 0)
    rc = parse_list(a, doc, "timestampAuthorities", sizeof *r->tsas, parse_ca_item, &tsas, &r->n_tsas, err);
  if (r) {
    r->tlogs = tlogs;
    r->ctlogs = ctlogs;
    r->cas = cas;
    r->tsas = tsas;
  }
  json_decref(doc);
  if (rc == 0 && adm_arena_failure(a) != ADM_ARENA_OK)
    rc = adm_fail(err, ADM_ENOMEM, "$", "out of memory");
  if (rc == 0)
    *out = r;
  return rc;
}

const struct adm__tlog *adm__root_tlog(const struct adm__tlog *logs, size_t n, const struct adm__bytes *log_id) {
  for (size_t i = 0; i < n; i++)
    if (logs[i].log_id.len == log_id->len && log_id->len > 0 &&
        memcmp(logs[i].log_id.data, log_id->data, log_id->len) == 0)
      return &logs[i];
  return NULL;
}
