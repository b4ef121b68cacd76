/* Sigstore bundles among an image's OCI referrers (sigbundle.h): list the
 * referrers of the admitted digest at the signature location, and for each
 * of at most ADM_SIG_MAX_REFERRERS trust nothing the index says: fetch the
 * referrer manifest by its digest, require its subject to be the admitted
 * digest and its artifactType (or first layer) to be a Sigstore bundle,
 * fetch the bundle blob by digest and size, and verify it with
 * adm_sigstore_verify under each of the rule's authorities, given only the
 * admitted digest. A verified statement whose predicate type is cosign's
 * signature counts its authority; any other predicate is an attestation,
 * judged against the rule's attestations (attest.c) and never a signature.
 * Owns no policy of its own and no outcome order (sigverify.c); all work is
 * bounded in count, bytes and by the deadline. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cosign.h"
#include "admitd/jsonw.h"
#include "sigbundle.h"

#define BUNDLE_TYPE_PREFIX "application/vnd.dev.sigstore.bundle"
#define MAX_INDEX_VALUES 8192    /* JSON values of a referrers index, counted before it is parsed */
#define MAX_MANIFEST (64u << 10) /* bytes of one referrer manifest */
#define MAX_MANIFEST_VALUES 1024
#define ARENA_BLOCK (64u << 10)
#define ARENA_LIMIT (8u << 20) /* one bundle's verification: a 1 MiB bundle needs a few MiB */

void adm__sig_trace(const struct adm_sig_request *req, enum adm_sig_trace_step step, const char *authority,
                    const char *referrer, const char *artifact_type, const char *judged, const char *detail) {
  if (req->trace == NULL || req->trace->event == NULL)
    return;
  struct adm_sig_trace_event e = {step, authority, referrer, artifact_type, judged, detail ? detail : ""};
  req->trace->event(req->trace->ctx, &e);
}

/* One referrer's work. */
struct look {
  struct adm_verifier *v;
  const struct adm_sig_request *req;
  const struct adm_sig_rule *rule;
  const struct adm_sig_location *loc;
  const char *digest;
  unsigned char sha256[32];
  const struct adm__sig_goal *goal;
  int64_t deadline_ms;
  struct adm__sig_found *f;
  size_t verifications;
  bool out_of_time, out_of_work;
  /* The bundle at hand: whether some authority's kind fits its material
   * (key or certificate), and the first that does not. Under a rule with
   * both kinds, one kind's wrong-material says nothing when the other
   * verified the bundle or refused it for a reason of its own. */
  bool fits;
  const char *misfit;
  char misfit_detail[384];
};

static bool starts_bundle(const char *s) {
  return s != NULL && strncmp(s, BUNDLE_TYPE_PREFIX, strlen(BUNDLE_TYPE_PREFIX)) == 0;
}

static const char *string_at(const json_t *obj, const char *key) {
  const json_t *v = json_object_get(obj, key);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

static int hex_value(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "sha256:<64 lower hex>" (checked by the caller) to its 32 bytes. */
static void digest_bytes(const char *digest, unsigned char out[32]) {
  for (int i = 0; i < 32; i++)
    out[i] = (unsigned char)(hex_value(digest[7 + 2 * i]) << 4 | hex_value(digest[8 + 2 * i]));
}

static enum adm_sig_outcome from_sigstore(enum adm_sigstore_outcome o) {
  switch (o) {
  case ADM_SIGSTORE_VERIFIED:
    return ADM_SIG_VERIFIED;
  case ADM_SIGSTORE_MALFORMED:
    return ADM_SIG_MALFORMED_SIGNATURE;
  case ADM_SIGSTORE_WRONG_MATERIAL:
    return ADM_SIG_WRONG_MATERIAL;
  case ADM_SIGSTORE_INVALID_SIGNATURE:
    return ADM_SIG_INVALID_SIGNATURE;
  case ADM_SIGSTORE_DIGEST_MISMATCH:
    return ADM_SIG_DIGEST_MISMATCH;
  case ADM_SIGSTORE_UNTRUSTED_CHAIN:
  case ADM_SIGSTORE_SCT_INVALID: /* no trusted CT log vouches for the certificate */
    return ADM_SIG_UNTRUSTED_CHAIN;
  case ADM_SIGSTORE_IDENTITY_MISMATCH:
    return ADM_SIG_IDENTITY_MISMATCH;
  case ADM_SIGSTORE_TLOG_INVALID:
    return ADM_SIG_TLOG_INVALID;
  case ADM_SIGSTORE_TIMESTAMP_INVALID:
  case ADM_SIGSTORE_NO_VERIFIED_TIME:
    return ADM_SIG_TIMESTAMP_INVALID;
  case ADM_SIGSTORE_INTERNAL:
  default:
    return ADM_SIG_INTERNAL;
  }
}

/* Every claim the authority requires, as the certificate states it. */
static bool claims_hold(const struct adm_sig_authority *a, const struct adm_sigstore_result *res, char *why,
                        size_t cap) {
  for (size_t i = 0; i < a->n_claims; i++) {
    const char *got = NULL;
    for (size_t c = 0; c < res->n_claims && got == NULL; c++)
      if (res->claims[c].name && strcmp(res->claims[c].name, a->claims[i].name) == 0)
        got = res->claims[c].value;
    if (got == NULL || strcmp(got, a->claims[i].value) != 0) {
      if (got)
        snprintf(why, cap, "claim %s is \"%.100s\", not \"%.100s\"", a->claims[i].name, got, a->claims[i].value);
      else
        snprintf(why, cap, "the certificate has no claim %s", a->claims[i].name);
      return false;
    }
  }
  return true;
}

/* A verified statement: a signature of its authority, or an attestation.
 * 0, or ADM_ENOMEM. */
static int verified(struct look *l, size_t ai, const char *referrer, const struct adm_sigstore_result *res) {
  const struct adm_sig_authority *a = &l->rule->authorities[ai];
  char why[300];
  if (!res->dsse) {
    snprintf(why, sizeof why, "a message signature, not an in-toto statement about the image");
    adm__sig_note(l->f, ADM_SIG_MALFORMED_SIGNATURE, a->name, "referrer %s: %s", referrer, why);
    adm__sig_trace(l->req, ADM_SIG_TRACE_BUNDLE, a->name, referrer, NULL, "malformed-signature", why);
    return 0;
  }
  if (adm_sig_authority_keyless(a) && !claims_hold(a, res, why, sizeof why)) {
    adm__sig_note(l->f, ADM_SIG_IDENTITY_MISMATCH, a->name, "referrer %s: authority %s: %s", referrer, a->name, why);
    adm__sig_trace(l->req, ADM_SIG_TRACE_BUNDLE, a->name, referrer, NULL, "identity-mismatch", why);
    return 0;
  }
  if (a->require_tlog && res->tlog_entries == 0) {
    snprintf(why, sizeof why, "no transparency log entry, which the authority requires");
    adm__sig_note(l->f, ADM_SIG_TLOG_INVALID, a->name, "referrer %s: authority %s: %s", referrer, a->name, why);
    adm__sig_trace(l->req, ADM_SIG_TRACE_BUNDLE, a->name, referrer, NULL, "tlog-invalid", why);
    return 0;
  }
  const char *type = res->predicate_type ? res->predicate_type : "";
  if (strcmp(type, ADM_SIGSTORE_PREDICATE_SIGN) == 0) {
    l->f->authorities |= (uint64_t)1 << ai;
    l->f->by_bundle |= ((uint64_t)1 << ai) & ~l->f->by_sig;
    adm__sig_trace(l->req, ADM_SIG_TRACE_BUNDLE, a->name, referrer, NULL, "signature", res->detail);
    return 0;
  }
  bool asked = false;
  for (size_t j = 0; j < l->rule->n_attestations; j++) {
    const struct adm_images_attestation *att = &l->rule->attestations[j];
    if (strcmp(att->predicate_type, type) != 0)
      continue;
    asked = true;
    int rc = adm__attest_check(att, res->predicate, (int64_t)time(NULL), why, sizeof why);
    if (rc == ADM_ENOMEM)
      return rc;
    if (rc == 0) {
      l->f->attestations |= (uint32_t)1 << j;
      snprintf(why, sizeof why, "attestation %.200s: its conditions hold", type);
      adm__sig_trace(l->req, ADM_SIG_TRACE_BUNDLE, a->name, referrer, NULL, "attestation", why);
    } else {
      if (l->f->attestation_detail[0] == '\0')
        snprintf(l->f->attestation_detail, sizeof l->f->attestation_detail, "referrer %s: attestation %.120s: %s",
                 referrer, type, why);
      adm__sig_trace(l->req, ADM_SIG_TRACE_BUNDLE, a->name, referrer, NULL, "predicate-not-satisfied", why);
    }
  }
  if (!asked) {
    l->f->other_attestations++;
    snprintf(why, sizeof why, "an attestation (%.200s), which is not a signature", type);
    adm__sig_trace(l->req, ADM_SIG_TRACE_BUNDLE, a->name, referrer, NULL, "attestation", why);
  }
  return 0;
}

/* The bundle under authority ai: once per key of a key authority until one
 * verifies, once for a keyless one. 0, or ADM_ENOMEM. */
static int under(struct look *l, size_t ai, const char *referrer, const char *bundle, size_t len) {
  const struct adm_sig_authority *a = &l->rule->authorities[ai];
  size_t tries = adm_sig_authority_keyless(a) ? 1 : a->bundle_keys ? a->n_keys : 0;
  struct adm_sigstore_result best;
  bool have = false;
  for (size_t k = 0; k < tries; k++) {
    if (l->verifications == ADM_SIG_MAX_VERIFICATIONS) {
      l->out_of_work = true;
      return 0;
    }
    if (adm_verifier_now_ms() >= l->deadline_ms) {
      l->out_of_time = true;
      return 0;
    }
    l->verifications++;
    struct adm_sigstore_policy pol = {
        .root = a->root,
        .key = adm_sig_authority_keyless(a) ? NULL : a->bundle_keys[k],
        .identity = a->identity,
        .now = (int64_t)time(NULL),
    };
    struct adm_sigstore_artifact art = {0};
    memcpy(art.sha256, l->sha256, sizeof art.sha256);
    struct adm_arena arena;
    adm_arena_init(&arena, ARENA_BLOCK, ARENA_LIMIT);
    struct adm_sigstore_result res;
    int rc = adm_sigstore_verify(&arena, bundle, len, &pol, &art, &res);
    if (rc == ADM_ENOMEM) {
      adm_arena_free(&arena);
      return rc;
    }
    if (rc == 0 && res.outcome == ADM_SIGSTORE_VERIFIED) {
      l->fits = true;
      rc = verified(l, ai, referrer, &res);
      adm_arena_free(&arena);
      return rc;
    }
    /* The strings the result borrows go with the arena: keep the words. */
    if (!have || from_sigstore(res.outcome) != ADM_SIG_INVALID_SIGNATURE) {
      best = res;
      best.subject = best.issuer = best.predicate_type = best.predicate = NULL;
      best.n_claims = 0;
      have = true;
    }
    adm_arena_free(&arena);
  }
  if (!have)
    return 0;
  enum adm_sig_outcome o = from_sigstore(best.outcome);
  adm__sig_trace(l->req, ADM_SIG_TRACE_BUNDLE, a->name, referrer, NULL, adm_sig_outcome_id(o), best.detail);
  if (o == ADM_SIG_WRONG_MATERIAL) {
    if (l->misfit == NULL) {
      l->misfit = a->name;
      snprintf(l->misfit_detail, sizeof l->misfit_detail, "%s", best.detail);
    }
    return 0;
  }
  l->fits = true;
  adm__sig_note(l->f, o, a->name, "referrer %s: authority %s: %s: %s", referrer, a->name,
                adm_sigstore_outcome_name(best.outcome), best.detail);
  return 0;
}

/* A failure about one referrer, before any authority saw it. */
__attribute__((format(printf, 5, 6))) static void
refuse(struct look *l, const char *referrer, const char *artifact_type, enum adm_sig_outcome o, const char *fmt, ...) {
  char why[320];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  adm__sig_note(l->f, o, NULL, "referrer %s: %s", referrer, why);
  adm__sig_trace(l->req, ADM_SIG_TRACE_REFERRER, NULL, referrer, artifact_type, adm_sig_outcome_id(o), why);
}

/* The layer of a bundle manifest: digest and size, checked. */
static bool bundle_layer(struct look *l, const char *referrer, const char *type, const json_t *layer,
                         const char **digest, size_t *size) {
  const json_t *sz = json_object_get(layer, "size");
  const char *why = NULL;
  *digest = string_at(layer, "digest");
  if (*digest == NULL || adm_image_digest_check(*digest, &why) < 0) {
    refuse(l, referrer, type, ADM_SIG_MALFORMED_SIGNATURE, "the bundle layer's digest: %s", why ? why : "missing");
    return false;
  }
  if (!json_is_integer(sz) || json_integer_value(sz) < 1 || json_integer_value(sz) > ADM_SIGSTORE_MAX_BUNDLE) {
    refuse(l, referrer, type, ADM_SIG_MALFORMED_SIGNATURE, "the bundle layer's size is not 1 to %u bytes",
           ADM_SIGSTORE_MAX_BUNDLE);
    return false;
  }
  *size = (size_t)json_integer_value(sz);
  return true;
}

/* The bundle blob of a referrer, verified under every authority. */
static int judge_bundle(struct look *l, const char *referrer, const char *type, const char *blob_digest, size_t size) {
  struct adm_fetch_target t = {l->loc->registry, l->loc->repository, blob_digest};
  struct adm_fetched b = {0};
  struct adm_fetch_error err = {0};
  enum adm_fetch_outcome o = l->v->ops->fetch_blob(l->v, &t, l->deadline_ms, &b, &err);
  if (o != ADM_FETCH_OK) {
    refuse(l, referrer, type, o == ADM_FETCH_NOT_FOUND ? ADM_SIG_MALFORMED_SIGNATURE : adm__sig_from_fetch(o),
           "the bundle %s: %s", blob_digest, err.detail[0] ? err.detail : adm_fetch_outcome_text(o));
    return 0;
  }
  int rc = 0;
  if (strcmp(b.digest, blob_digest) != 0)
    refuse(l, referrer, type, ADM_SIG_INVALID_SIGNATURE, "the bundle's bytes are not %s", blob_digest);
  else if (b.len != size)
    refuse(l, referrer, type, ADM_SIG_MALFORMED_SIGNATURE, "the bundle is %zu bytes, its descriptor says %zu", b.len,
           size);
  else {
    adm__sig_trace(l->req, ADM_SIG_TRACE_REFERRER, NULL, referrer, type, "bundle", "a Sigstore bundle for the image");
    l->fits = false;
    l->misfit = NULL;
    for (size_t a = 0; a < l->rule->n_authorities && rc == 0 && !l->out_of_time && !l->out_of_work; a++)
      rc = under(l, a, referrer, (const char *)b.data, b.len);
    if (rc == 0 && !l->fits && l->misfit)
      adm__sig_note(l->f, ADM_SIG_WRONG_MATERIAL, l->misfit, "referrer %s: authority %s: wrong-material: %s", referrer,
                    l->misfit, l->misfit_detail);
  }
  adm_fetched_free(&b);
  return rc;
}

/* One referrer the index names; claimed: its descriptor says it is a bundle. */
static int judge_referrer(struct look *l, const char *referrer, bool claimed) {
  const char *why = NULL;
  if (adm_image_digest_check(referrer, &why) < 0) {
    refuse(l, "(index)", "", ADM_SIG_MALFORMED_SIGNATURE, "a descriptor's digest: %s", why);
    return 0;
  }
  if (adm_verifier_now_ms() >= l->deadline_ms) {
    l->out_of_time = true;
    return 0;
  }
  struct adm_fetch_target t = {l->loc->registry, l->loc->repository, referrer};
  struct adm_fetched m = {0};
  struct adm_fetch_error err = {0};
  enum adm_fetch_outcome o = l->v->ops->fetch_manifest(l->v, &t, l->deadline_ms, &m, &err);
  if (o != ADM_FETCH_OK) {
    refuse(l, referrer, "", o == ADM_FETCH_NOT_FOUND ? ADM_SIG_MALFORMED_SIGNATURE : adm__sig_from_fetch(o),
           "the manifest: %s", err.detail[0] ? err.detail : adm_fetch_outcome_text(o));
    return 0;
  }
  int rc = 0;
  json_t *doc = NULL;
  json_error_t je;
  if (strcmp(m.digest, referrer) != 0) {
    refuse(l, referrer, "", ADM_SIG_INVALID_SIGNATURE, "the manifest's bytes are not its digest");
  } else if (m.len > MAX_MANIFEST || adm_json_values_exceed((const char *)m.data, m.len, MAX_MANIFEST_VALUES)) {
    refuse(l, referrer, "", ADM_SIG_MALFORMED_SIGNATURE, "the manifest is over %u bytes or %d JSON values",
           MAX_MANIFEST, MAX_MANIFEST_VALUES);
  } else if ((doc = json_loadb((const char *)m.data, m.len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
    if (json_error_code(&je) == json_error_out_of_memory)
      rc = ADM_ENOMEM;
    else
      refuse(l, referrer, "", ADM_SIG_MALFORMED_SIGNATURE, "the manifest is not JSON: %s", je.text);
  } else {
    const json_t *layers = json_object_get(doc, "layers"), *layer = json_array_get(layers, 0);
    const char *type = string_at(doc, "artifactType");
    const char *subject = string_at(json_object_get(doc, "subject"), "digest");
    const char *blob;
    size_t size;
    if (!json_is_object(doc))
      refuse(l, referrer, "", ADM_SIG_MALFORMED_SIGNATURE, "the manifest is not a JSON object");
    else if (!starts_bundle(type) && !starts_bundle(string_at(layer, "mediaType"))) {
      /* Any artifact may refer to an image (an SBOM, a scan): only one
       * the index claimed to be a bundle is a malformed one. */
      if (claimed)
        refuse(l, referrer, type ? type : "", ADM_SIG_MALFORMED_SIGNATURE,
               "the index names a Sigstore bundle; the manifest is not one");
      else
        adm__sig_trace(l->req, ADM_SIG_TRACE_REFERRER, NULL, referrer, type ? type : "", "skipped",
                       "not a Sigstore bundle");
    } else if (subject == NULL || strcmp(subject, l->digest) != 0)
      refuse(l, referrer, type ? type : "", ADM_SIG_DIGEST_MISMATCH, "its subject is %.80s, not the image",
             subject ? subject : "missing");
    else if (!json_is_object(layer))
      refuse(l, referrer, type ? type : "", ADM_SIG_MALFORMED_SIGNATURE, "no layer holds the bundle");
    else if (bundle_layer(l, referrer, type ? type : "", layer, &blob, &size))
      rc = judge_bundle(l, referrer, type ? type : string_at(layer, "mediaType"), blob, size);
  }
  json_decref(doc);
  adm_fetched_free(&m);
  return rc;
}

/* The digests the index names, those it claims are bundles first (an
 * order only: each is judged by its own manifest), at most
 * ADM_SIG_MAX_REFERRERS. *listed: how many it names. */
static size_t pick(const json_t *manifests, const char *picked[ADM_SIG_MAX_REFERRERS],
                   bool claimed[ADM_SIG_MAX_REFERRERS], size_t *listed) {
  size_t n = 0;
  *listed = json_array_size(manifests);
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < *listed && n < ADM_SIG_MAX_REFERRERS; i++) {
      const json_t *d = json_array_get(manifests, i);
      bool bundle = starts_bundle(string_at(d, "artifactType"));
      const char *digest = string_at(d, "digest");
      if (bundle != (pass == 0))
        continue;
      bool again = false; /* listed twice: judged once */
      for (size_t j = 0; j < n && digest && !again; j++)
        again = strcmp(picked[j], digest) == 0;
      if (again)
        continue;
      picked[n] = digest ? digest : "";
      claimed[n++] = bundle;
    }
  return n;
}

int adm__sig_bundles(struct adm_verifier *v, const struct adm_sig_request *req, const struct adm_sig_location *loc,
                     const char *digest, const struct adm__sig_goal *goal, int64_t deadline_ms,
                     struct adm__sig_found *f) {
  struct look l = {.v = v,
                   .req = req,
                   .rule = req->rule,
                   .loc = loc,
                   .digest = digest,
                   .goal = goal,
                   .deadline_ms = deadline_ms,
                   .f = f};
  digest_bytes(digest, l.sha256);
  if (v->ops->referrers == NULL) {
    adm__sig_note(f, ADM_SIG_INTERNAL, NULL, "%s: the registry client cannot list referrers", digest);
    adm__sig_trace(req, ADM_SIG_TRACE_REFERRERS, NULL, NULL, NULL, "internal", "cannot list referrers");
    return 0;
  }
  if (adm_verifier_now_ms() >= deadline_ms) {
    adm__sig_note(f, ADM_SIG_DEADLINE, NULL, "%s: deadline passed before the referrers were listed", digest);
    return 0;
  }
  struct adm_fetch_target t = {loc->registry, loc->repository, digest};
  struct adm_fetched idx = {0};
  struct adm_fetch_error err = {0};
  enum adm_referrers_via via = ADM_REFERRERS_API;
  enum adm_fetch_outcome o = v->ops->referrers(v, &t, deadline_ms, &idx, &via, &err);
  if (o == ADM_FETCH_NOT_FOUND) {
    adm__sig_trace(req, ADM_SIG_TRACE_REFERRERS, NULL, NULL, NULL, "none", "no referrers");
    return 0;
  }
  if (o != ADM_FETCH_OK) {
    enum adm_sig_outcome so = adm__sig_from_fetch(o);
    adm__sig_note(f, so, NULL, "%s: referrers: %s", digest, err.detail[0] ? err.detail : adm_fetch_outcome_text(o));
    adm__sig_trace(req, ADM_SIG_TRACE_REFERRERS, NULL, NULL, NULL, adm_sig_outcome_id(so), err.detail);
    return 0;
  }
  const char *how = via == ADM_REFERRERS_TAG ? "the referrers tag" : "the referrers API";
  int rc = 0;
  json_t *doc = NULL;
  json_error_t je;
  if (adm_json_values_exceed((const char *)idx.data, idx.len, MAX_INDEX_VALUES)) {
    adm__sig_note(f, ADM_SIG_MALFORMED_SIGNATURE, NULL, "%s: the referrers index has more than %d JSON values", digest,
                  MAX_INDEX_VALUES);
    adm__sig_trace(req, ADM_SIG_TRACE_REFERRERS, NULL, NULL, NULL, "malformed-signature", "too many JSON values");
  } else if ((doc = json_loadb((const char *)idx.data, idx.len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
    if (json_error_code(&je) == json_error_out_of_memory)
      rc = ADM_ENOMEM;
    adm__sig_note(f, ADM_SIG_MALFORMED_SIGNATURE, NULL, "%s: the referrers index is not JSON: %s", digest, je.text);
    adm__sig_trace(req, ADM_SIG_TRACE_REFERRERS, NULL, NULL, NULL, "malformed-signature", je.text);
  } else if (!json_is_array(json_object_get(doc, "manifests"))) {
    adm__sig_note(f, ADM_SIG_MALFORMED_SIGNATURE, NULL, "%s: the referrers index has no manifests list", digest);
    adm__sig_trace(req, ADM_SIG_TRACE_REFERRERS, NULL, NULL, NULL, "malformed-signature", "no manifests list");
  } else {
    const char *picked[ADM_SIG_MAX_REFERRERS];
    bool claimed[ADM_SIG_MAX_REFERRERS];
    size_t listed, n = pick(json_object_get(doc, "manifests"), picked, claimed, &listed);
    char what[160];
    snprintf(what, sizeof what, "%zu listed through %s, %zu considered", listed, how, n);
    adm__sig_trace(req, ADM_SIG_TRACE_REFERRERS, NULL, NULL, NULL, listed > n ? "capped" : "listed", what);
    for (size_t i = 0; i < n && rc == 0 && !l.out_of_time && !l.out_of_work; i++) {
      if (req->trace == NULL && adm__sig_goal_met(goal, f))
        break;
      rc = judge_referrer(&l, picked[i], claimed[i]);
    }
    if (l.out_of_time)
      adm__sig_note(f, ADM_SIG_DEADLINE, NULL, "%s: deadline passed while verifying its referrers", digest);
    else if (l.out_of_work)
      adm__sig_note(f, ADM_SIG_MALFORMED_SIGNATURE, NULL, "%s: more than %d bundle verifications; the rest not read",
                    digest, ADM_SIG_MAX_VERIFICATIONS);
  }
  json_decref(doc);
  adm_fetched_free(&idx);
  return rc;
}
