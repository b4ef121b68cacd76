/* Transparency log checkpoints as C2SP signed notes (tlog-checkpoint,
 * signed-note): the body is the origin line, the tree size, the base64 root
 * hash and optional extension lines; after a blank line come signature
 * lines "— <name> <base64(key hint || signature)>". The log's own signature
 * must be among them, under the log's name (the host of its baseUrl) and
 * key hint; lines from other names or keys (witness cosignatures) are
 * skipped, never trusted. Key hints: for Ed25519, SHA-256(name || 0x0A ||
 * 0x01 || key)[:4] as signed-note defines; for ECDSA (signed-note type
 * 0x02, and Rekor v1 before it), SHA-256(DER SPKI)[:4]. signed-note asks
 * verifiers to take at least 16 signatures: that is the bound. Compares
 * nothing with the inclusion proof (tlog.c does). */
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <string.h>

#include "sigstore_internal.h"

#define MAX_NOTE 16384
#define MAX_SIGS 16
static const char dash[] = "\xe2\x80\x94 "; /* U+2014 EM DASH, then a space */

static int key_hint(const struct adm__tlog *log, const char *name, size_t name_len, unsigned char hint[4]) {
  unsigned char raw[32], sum[32];
  if (adm__spki_ed25519(&log->key, raw)) {
    unsigned char buf[256 + 34];
    if (name_len > 256)
      return ADM_EINVAL;
    memcpy(buf, name, name_len);
    buf[name_len] = '\n';
    buf[name_len + 1] = 0x01;
    memcpy(buf + name_len + 2, raw, 32);
    gnutls_hash_fast(GNUTLS_DIG_SHA256, buf, name_len + 34, sum);
  } else {
    gnutls_hash_fast(GNUTLS_DIG_SHA256, log->key.data, log->key.len, sum);
  }
  memcpy(hint, sum, 4);
  return 0;
}

int adm__checkpoint_verify(struct adm_arena *a, const char *note, const struct adm__tlog *log,
                           struct adm__checkpoint *out, struct adm_error *err) {
  memset(out, 0, sizeof *out);
  size_t len = strlen(note);
  if (len > MAX_NOTE)
    return adm_fail(err, ADM_ETOOBIG, NULL, "checkpoint longer than %d bytes", MAX_NOTE);
  const char *sep = strstr(note, "\n\n");
  if (sep == NULL)
    return adm_fail(err, ADM_EPARSE, NULL, "checkpoint has no signature block");
  size_t body_len = (size_t)(sep - note) + 1; /* the body includes its final newline */
  /* Body: origin, size, root hash; then extension lines. */
  const char *l1 = note, *e1 = memchr(l1, '\n', body_len);
  const char *l2 = e1 + 1, *e2 = e1 && l2 < note + body_len ? memchr(l2, '\n', body_len - (size_t)(l2 - note)) : NULL;
  const char *l3 = e2 ? e2 + 1 : NULL;
  const char *e3 = l3 && l3 < note + body_len ? memchr(l3, '\n', body_len - (size_t)(l3 - note)) : NULL;
  if (e1 == NULL || e2 == NULL || e3 == NULL || e1 == l1)
    return adm_fail(err, ADM_EPARSE, NULL, "checkpoint body lacks origin, size or root hash");
  if ((e2 - l2 > 1 && l2[0] == '0') || !adm__decimal(l2, (size_t)(e2 - l2), &out->size))
    return adm_fail(err, ADM_EPARSE, NULL, "checkpoint tree size is not a decimal number");
  struct adm__bytes root;
  if (adm__b64(a, l3, (size_t)(e3 - l3), &root) < 0 || root.len != 32)
    return adm_fail(err, ADM_EPARSE, NULL, "checkpoint root hash is not a base64 SHA-256 hash");
  memcpy(out->root, root.data, 32);
  out->origin = adm_arena_strndup(a, l1, (size_t)(e1 - l1));
  if (out->origin == NULL)
    return adm_fail(err, ADM_ENOMEM, NULL, "out of memory");

  const char *name = log->host;
  size_t name_len = strlen(name);
  unsigned char hint[4];
  if (key_hint(log, name, name_len, hint) < 0)
    return adm_fail(err, ADM_EINVAL, NULL, "log name too long");
  const char *p = sep + 2, *end = note + len;
  size_t sigs = 0;
  bool verified = false;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (nl == NULL)
      return adm_fail(err, ADM_EPARSE, NULL, "checkpoint signature line not terminated");
    if (++sigs > MAX_SIGS)
      return adm_fail(err, ADM_ETOOBIG, NULL, "more than %d checkpoint signatures", MAX_SIGS);
    size_t ll = (size_t)(nl - p);
    if (ll < sizeof dash - 1 || memcmp(p, dash, sizeof dash - 1) != 0)
      return adm_fail(err, ADM_EPARSE, NULL, "checkpoint signature line does not start with an em dash");
    const char *nm = p + sizeof dash - 1, *sp = memchr(nm, ' ', (size_t)(nl - nm));
    if (sp == NULL || sp == nm)
      return adm_fail(err, ADM_EPARSE, NULL, "checkpoint signature line lacks a name");
    struct adm__bytes blob;
    if (adm__b64(a, sp + 1, (size_t)(nl - sp - 1), &blob) < 0 || blob.len < 5)
      return adm_fail(err, ADM_EPARSE, NULL, "checkpoint signature is not base64");
    p = nl + 1;
    if ((size_t)(sp - nm) != name_len || memcmp(nm, name, name_len) != 0 || memcmp(blob.data, hint, 4) != 0)
      continue; /* another signer: a witness, or a key this root does not list */
    struct adm__bytes sig = {blob.data + 4, blob.len - 4};
    if (adm__sig_verify(&log->key, (const unsigned char *)note, body_len, false, &sig) == 0)
      verified = true;
    else
      return adm_fail(err, ADM_EINVAL, NULL, "checkpoint signature by %s does not verify", name);
  }
  if (!verified)
    return adm_fail(err, ADM_EINVAL, NULL, "checkpoint carries no signature by %s", name);
  return 0;
}
