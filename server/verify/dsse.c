/* DSSE envelopes and the in-toto Statement they carry: the pre-
 * authentication encoding a DSSE signature covers, and the Statement's
 * type, subjects, predicate type and predicate. Says whether the artifact's
 * SHA-256 is among the subjects and reports the predicate type and the
 * predicate as they are: telling a signature
 * (https://sigstore.dev/cosign/sign/v1) from an attestation is policy's
 * decision, never made here. Verifies no signature. */
#include <stdio.h>
#include <string.h>

#include "sigstore_internal.h"

int adm__dsse_pae(struct adm_arena *a, const char *type, const struct adm__bytes *payload, struct adm__bytes *out) {
  char head[64];
  size_t tlen = strlen(type);
  int h = snprintf(head, sizeof head, "DSSEv1 %zu ", tlen);
  char mid[32];
  int m = snprintf(mid, sizeof mid, " %zu ", payload->len);
  size_t n = (size_t)h + tlen + (size_t)m + payload->len;
  unsigned char *buf = adm_arena_alloc(a, n + 1);
  if (buf == NULL)
    return ADM_ENOMEM;
  memcpy(buf, head, (size_t)h);
  memcpy(buf + h, type, tlen);
  memcpy(buf + (size_t)h + tlen, mid, (size_t)m);
  if (payload->len)
    memcpy(buf + (size_t)h + tlen + (size_t)m, payload->data, payload->len);
  out->data = buf;
  out->len = n;
  return 0;
}

int adm__statement_parse(struct adm_arena *a, const struct adm__bytes *payload, const unsigned char sha256[32],
                         struct adm__statement *out, struct adm_error *err) {
  memset(out, 0, sizeof *out);
  json_t *doc = adm__pj_load((const char *)payload->data, payload->len, ADM_SIGSTORE_MAX_BUNDLE, err);
  if (doc == NULL)
    return err ? err->code : ADM_EPARSE;
  const json_t *subjects, *pred;
  size_t n;
  int rc;
  rc = adm__pj_string(a, doc, "_type", NULL, true, &out->type, err);
  if (rc >= 0)
    rc = adm__pj_string(a, doc, "predicateType", NULL, true, &out->predicate_type, err);
  if (rc >= 0)
    rc = adm__pj_array(doc, "subject", NULL, true, &subjects, &n, err);
  if (rc < 0)
    goto done;
  if (strcmp(out->type, "https://in-toto.io/Statement/v1") != 0 &&
      strcmp(out->type, "https://in-toto.io/Statement/v0.1") != 0) {
    rc = adm_fail(err, ADM_EUNSUPPORTED, "$._type", "not an in-toto Statement v1 or v0.1: \"%.80s\"", out->type);
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    const json_t *s = json_array_get(subjects, i), *d = json_object_get(s, "digest");
    const json_t *h = json_object_get(d, "sha256");
    if (json_is_string(h) && adm__hex_is(json_string_value(h), sha256))
      out->subject_matches = true;
  }
  pred = json_object_get(doc, "predicate");
  if (pred != NULL) {
    /* Sized first, then written into the arena: jansson's allocator may
     * be the process's own, so its buffers are never freed here. */
    size_t flags = JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS;
    size_t size = json_dumpb(pred, NULL, 0, flags);
    char *text = size ? adm_arena_alloc(a, size + 1) : NULL;
    if (text == NULL || json_dumpb(pred, text, size, flags) != size) {
      rc = adm_fail(err, ADM_ENOMEM, "$.predicate", "out of memory");
      goto done;
    }
    text[size] = 0;
    out->predicate = text;
  }
done:
  json_decref(doc);
  return rc;
}
