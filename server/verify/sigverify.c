/* Signature verification of one image under one verify rule (sigverify.h):
 * resolve, then the .sig manifest checked with every key authority's keys
 * at once (so each payload blob is fetched once), then, unless that already
 * decided it, the Sigstore bundles among the referrers (sigbundle.c); then
 * count authorities against the threshold and the required names and the
 * attestations against the rule's. Owns the mapping of registry outcomes to
 * verification outcomes, which failure is told when several were seen, and
 * what a denial may say of one (the summary) apart from what only the log
 * may (the detail, where registry answers and transport errors go), and
 * nothing else: no caching (sigverify_cache.c), no policy (which rule
 * applies and what an outcome means are the images family's business).
 * Every path that is not a verified, threshold-meeting signature ends in
 * another outcome. */
#include "sigverify.h"

#include "sigbundle.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "admitd/image.h"

/* The outcome and its detail, for the log. */
__attribute__((format(printf, 3, 4))) static void set(struct adm_sig_result *res, enum adm_sig_outcome o,
                                                      const char *fmt, ...) {
  res->outcome = o;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(res->detail, sizeof res->detail, fmt, ap);
  va_end(ap);
}

/* The summary a denial carries: only admitd's words and names it knows
 * without asking (host, location, digest, authorities), never a registry's
 * or the network's. */
__attribute__((format(printf, 2, 3))) static void say(struct adm_sig_result *res, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(res->summary, sizeof res->summary, fmt, ap);
  va_end(ap);
}

_Static_assert(sizeof((struct adm_sig_result *)0)->summary == sizeof((struct adm_sig_result *)0)->detail,
               "own() copies the detail whole");

/* The summary is the detail, whose whole text is admitd's own. */
static void own(struct adm_sig_result *res) {
  memcpy(res->summary, res->detail, sizeof res->summary); /* the same size: never cut */
}

/* Both, for failures told in admitd's own words only (a bad rule or input). */
#define set_own(res, o, ...) (set((res), (o), __VA_ARGS__), own(res))

/* What a registry failure means at each step. A missing image is not a
 * registry error: a tag pushed after admission must not slip through
 * onRegistryError: allow. Bytes that are not what they claim are a bad
 * signature, never "unavailable". */
enum step { STEP_RESOLVE, STEP_SIG_MANIFEST, STEP_PAYLOAD };

static enum adm_sig_outcome from_fetch(enum adm_fetch_outcome o, enum step step) {
  switch (o) {
  case ADM_FETCH_UNAVAILABLE:
    return ADM_SIG_REGISTRY_UNAVAILABLE;
  case ADM_FETCH_DEADLINE:
    return ADM_SIG_DEADLINE;
  case ADM_FETCH_AUTH:
    return ADM_SIG_AUTH_FAILED;
  case ADM_FETCH_NOT_FOUND:
    return step == STEP_RESOLVE        ? ADM_SIG_IMAGE_NOT_FOUND
           : step == STEP_SIG_MANIFEST ? ADM_SIG_UNSIGNED
                                       : ADM_SIG_MALFORMED_SIGNATURE;
  /* The registry answered, with something that cannot be used: a fact
   * about what it serves, never forgiven as "unavailable". */
  case ADM_FETCH_TOO_LARGE:
  case ADM_FETCH_MALFORMED:
    return step == STEP_RESOLVE ? ADM_SIG_INTERNAL : ADM_SIG_MALFORMED_SIGNATURE;
  case ADM_FETCH_DIGEST_MISMATCH:
    return step == STEP_RESOLVE ? ADM_SIG_INTERNAL : ADM_SIG_INVALID_SIGNATURE;
  case ADM_FETCH_OK:
  case ADM_FETCH_INTERNAL:
  default:
    return ADM_SIG_INTERNAL;
  }
}

static bool is_transport(enum adm_fetch_outcome o) {
  return o == ADM_FETCH_UNAVAILABLE || o == ADM_FETCH_DEADLINE || o == ADM_FETCH_AUTH || o == ADM_FETCH_INTERNAL;
}

static bool empty(const char *s) {
  return s == NULL || s[0] == '\0';
}

bool adm_sig_resolve(struct adm_verifier *v, const struct adm_sig_request *req, int64_t deadline_ms,
                     struct adm_sig_result *res) {
  memset(res, 0, sizeof *res);
  const char *why;
  if (v == NULL || req == NULL || empty(req->registry) || empty(req->repository) ||
      (empty(req->tag) && empty(req->digest))) {
    set_own(res, ADM_SIG_INTERNAL, "image reference without registry, repository, tag or digest");
    return false;
  }
  if (!empty(req->digest)) {
    if (adm_image_digest_check(req->digest, &why) < 0) {
      set(res, ADM_SIG_INTERNAL, "%s/%s@%.80s: %s", req->registry, req->repository, req->digest, why);
      say(res, "the digest: %s", why);
      return false;
    }
    snprintf(res->digest, sizeof res->digest, "%s", req->digest);
    return true;
  }
  if (adm_verifier_now_ms() >= deadline_ms) {
    set(res, ADM_SIG_DEADLINE, "%s/%s:%s: deadline passed before the tag was resolved", req->registry, req->repository,
        req->tag);
    say(res, "resolving the tag at %.200s", req->registry);
    return false;
  }
  struct adm_fetch_target t = {req->registry, req->repository, req->tag};
  struct adm_fetch_error err = {0};
  char digest[ADM_DIGEST_MAX] = "";
  enum adm_fetch_outcome o = v->ops->resolve(v, &t, deadline_ms, digest, &err);
  if (o != ADM_FETCH_OK) {
    set(res, from_fetch(o, STEP_RESOLVE), "resolving %s/%s:%s: %s", req->registry, req->repository, req->tag,
        err.detail[0] ? err.detail : adm_fetch_outcome_text(o));
    say(res, "resolving the tag at %.200s", req->registry);
    return false;
  }
  if (adm_image_digest_check(digest, &why) < 0) {
    /* Not a registry error: onRegistryError must not allow what cannot be checked. */
    set(res, ADM_SIG_INTERNAL, "%s/%s:%s resolved to %.80s: %s", req->registry, req->repository, req->tag, digest, why);
    say(res, "resolving the tag at %.200s", req->registry);
    return false;
  }
  snprintf(res->digest, sizeof res->digest, "%s", digest);
  return true;
}

/* --- the rule ------------------------------------------------------------ */

struct plan {
  struct adm_cosign_key *keys[ADM_COSIGN_MAX_KEYS];
  size_t owner[ADM_COSIGN_MAX_KEYS]; /* keys[i] belongs to authorities[owner[i]] */
  size_t n_keys;
  uint64_t required; /* authority bits */
  size_t threshold;
  struct adm_image_ref sigrepo; /* domain and path of the .sig tags when the rule names a repository */
};

static int plan_rule(const struct adm_sig_rule *rule, struct plan *p, struct adm_sig_result *res) {
  memset(p, 0, sizeof *p);
  if (rule->n_authorities == 0 || rule->n_authorities > ADM_SIG_MAX_AUTHORITIES || rule->authorities == NULL) {
    set_own(res, ADM_SIG_INTERNAL, "verify rule has %zu authorities (1 to %d)", rule->n_authorities,
            ADM_SIG_MAX_AUTHORITIES);
    return ADM_EINVAL;
  }
  for (size_t a = 0; a < rule->n_authorities; a++) {
    const struct adm_sig_authority *auth = &rule->authorities[a];
    if (adm_sig_authority_keyless(auth) ? auth->root == NULL || auth->n_keys != 0
                                        : auth->n_keys == 0 || auth->keys == NULL) {
      set_own(res, ADM_SIG_INTERNAL, "authority \"%s\" has neither keys nor a keyless identity with a trusted root",
              auth->name ? auth->name : "");
      return ADM_EINVAL;
    }
    for (size_t k = 0; k < auth->n_keys; k++) {
      if (p->n_keys == ADM_COSIGN_MAX_KEYS || auth->keys[k] == NULL) {
        set_own(res, ADM_SIG_INTERNAL, "verify rule has a missing key or more than %d keys", ADM_COSIGN_MAX_KEYS);
        return ADM_EINVAL;
      }
      p->owner[p->n_keys] = a;
      p->keys[p->n_keys++] = auth->keys[k];
    }
  }
  if (rule->n_attestations > 32 || (rule->n_attestations && rule->attestations == NULL)) {
    set_own(res, ADM_SIG_INTERNAL, "verify rule has %zu attestations (at most 32)", rule->n_attestations);
    return ADM_EINVAL;
  }
  p->threshold = rule->threshold == ADM_SIG_THRESHOLD_ALL ? rule->n_authorities : rule->threshold;
  if (p->threshold > rule->n_authorities) {
    set_own(res, ADM_SIG_INTERNAL, "threshold %u is above the rule's %zu authorities", rule->threshold,
            rule->n_authorities);
    return ADM_EINVAL;
  }
  for (size_t r = 0; r < rule->n_required; r++) {
    size_t a = 0;
    while (a < rule->n_authorities && (rule->authorities[a].name == NULL || rule->required[r] == NULL ||
                                       strcmp(rule->authorities[a].name, rule->required[r]) != 0))
      a++;
    if (a == rule->n_authorities) {
      set_own(res, ADM_SIG_INTERNAL, "required authority \"%.64s\" is not one of the rule's",
              rule->required[r] ? rule->required[r] : "");
      return ADM_EINVAL;
    }
    p->required |= (uint64_t)1 << a;
  }
  if (!empty(rule->signature_repository)) {
    const char *why = NULL;
    if (adm_image_ref_parse(rule->signature_repository, &p->sigrepo, &why) < 0 || !p->sigrepo.tag_implied) {
      set_own(res, ADM_SIG_INTERNAL, "signatureRepository \"%.100s\" is not registry/repository: %s",
              rule->signature_repository, why ? why : "it names a tag or digest");
      return ADM_EINVAL;
    }
  }
  return 0;
}

/* --- payload blobs through the verifier ---------------------------------- */

struct blobs {
  struct adm_verifier *v;
  struct adm_fetch_target where; /* registry and repository of the .sig manifest */
  int64_t deadline_ms;
  /* The first failure that says nothing about the signature (the registry
   * could not be asked), else the first failure of any kind. */
  struct adm_fetch_error first;
  bool failed, transport;
};

static int fetch_payload(void *ctx, const char *digest, unsigned char *buf, size_t cap, size_t *len) {
  struct blobs *b = ctx;
  struct adm_fetch_target t = b->where;
  t.reference = digest;
  struct adm_fetched f = {0};
  struct adm_fetch_error err = {0};
  enum adm_fetch_outcome o = b->v->ops->fetch_blob(b->v, &t, b->deadline_ms, &f, &err);
  if (o != ADM_FETCH_OK) {
    err.outcome = o;
    if (!b->failed || (!b->transport && is_transport(o))) {
      b->first = err;
      b->transport = is_transport(o);
    }
    b->failed = true;
    return o == ADM_FETCH_TOO_LARGE ? ADM_ETOOBIG : ADM_EIO;
  }
  int rc = 0;
  if (f.len > cap)
    rc = ADM_ETOOBIG;
  else
    memcpy(buf, f.data, f.len);
  *len = f.len;
  adm_fetched_free(&f);
  return rc;
}

/* --- verification -------------------------------------------------------- */

/* "release, qa" for the authority bits, truncated to fit. */
static void names_of(const struct adm_sig_rule *rule, uint64_t bits, char *out, size_t cap) {
  size_t n = 0;
  out[0] = '\0';
  for (size_t a = 0; a < rule->n_authorities && n < cap; a++)
    if ((bits >> a) & 1u) {
      int w = snprintf(out + n, cap - n, "%s%s", n ? ", " : "",
                       rule->authorities[a].name ? rule->authorities[a].name : "?");
      if (w < 0)
        break;
      n += (size_t)w;
    }
}

static size_t popcount(uint64_t x) {
  size_t n = 0;
  for (; x; x &= x - 1)
    n++;
  return n;
}

/* Some authorities verified, short of threshold or required. */
static void below_threshold(const struct adm_sig_rule *rule, const struct plan *p, const char *image,
                            struct adm_sig_result *res) {
  char names[160];
  size_t got = popcount(res->authorities);
  uint64_t missing = p->required & ~res->authorities;
  if (missing) {
    names_of(rule, missing, names, sizeof names);
    set(res, ADM_SIG_BELOW_THRESHOLD, "%s@%s: required authority %s did not verify", image, res->digest, names);
    say(res, "%s: required authority %s did not verify", res->digest, names);
  } else {
    names_of(rule, res->authorities, names, sizeof names);
    set(res, ADM_SIG_BELOW_THRESHOLD, "%s@%s: %zu of %zu required authorities verified (%s)", image, res->digest, got,
        p->threshold, names);
    say(res, "%s: %zu of %zu required authorities verified (%s)", res->digest, got, p->threshold, names);
  }
}

static enum adm_sig_outcome from_cosign(enum adm_cosign_outcome o) {
  switch (o) {
  case ADM_COSIGN_UNSIGNED:
    return ADM_SIG_UNSIGNED;
  case ADM_COSIGN_INVALID_SIGNATURE:
    return ADM_SIG_INVALID_SIGNATURE;
  case ADM_COSIGN_DIGEST_MISMATCH:
    return ADM_SIG_DIGEST_MISMATCH;
  case ADM_COSIGN_MALFORMED:
    return ADM_SIG_MALFORMED_SIGNATURE;
  case ADM_COSIGN_VERIFIED:
  case ADM_COSIGN_FETCH_FAILED:
  default:
    return ADM_SIG_INTERNAL; /* handled by the caller */
  }
}

int adm_sig_location(const struct adm_sig_request *req, struct adm_sig_location *out) {
  memset(out, 0, sizeof *out);
  if (req == NULL || req->rule == NULL || empty(req->registry) || empty(req->repository))
    return ADM_EINVAL;
  const char *registry = req->registry, *repository = req->repository;
  struct adm_image_ref sigrepo;
  if (!empty(req->rule->signature_repository)) {
    if (adm_image_ref_parse(req->rule->signature_repository, &sigrepo, NULL) < 0 || !sigrepo.tag_implied)
      return ADM_EINVAL;
    registry = sigrepo.domain;
    repository = adm_image_ref_path(&sigrepo);
  }
  if ((size_t)snprintf(out->registry, sizeof out->registry, "%s", registry) >= sizeof out->registry ||
      (size_t)snprintf(out->repository, sizeof out->repository, "%s", repository) >= sizeof out->repository)
    return ADM_ETOOBIG;
  return 0;
}

/* The summary of an outcome whose path left none: the host for a registry
 * error, the signature location for a fact about the signatures. */
static void summarize(struct adm_sig_result *res, const char *host) {
  if (res->summary[0])
    return;
  if (adm_sig_outcome_is_registry_error(res->outcome))
    say(res, "registry %.200s", host);
  else if (res->outcome == ADM_SIG_UNSIGNED)
    say(res, "no signature for %s in %s", res->digest, res->where);
  else if (res->where[0])
    say(res, "the signatures of %s in %s", res->digest, res->where);
}

/* --- outcomes of both paths ---------------------------------------------- */

bool adm__sig_unknown(enum adm_sig_outcome o) {
  return o == ADM_SIG_INTERNAL || o == ADM_SIG_BUSY || adm_sig_outcome_is_registry_error(o);
}

/* Which failure is told, most informative first (sigverify.h); lower wins. */
static int rank(enum adm_sig_outcome o) {
  static const enum adm_sig_outcome order[] = {
      ADM_SIG_IDENTITY_MISMATCH, ADM_SIG_UNTRUSTED_CHAIN,   ADM_SIG_TLOG_INVALID,   ADM_SIG_TIMESTAMP_INVALID,
      ADM_SIG_DIGEST_MISMATCH,   ADM_SIG_INVALID_SIGNATURE, ADM_SIG_WRONG_MATERIAL, ADM_SIG_MALFORMED_SIGNATURE,
  };
  if (adm__sig_unknown(o))
    return 0;
  for (size_t i = 0; i < sizeof order / sizeof *order; i++)
    if (order[i] == o)
      return (int)i + 1;
  return (int)(sizeof order / sizeof *order) + 1;
}

void adm__sig_note(struct adm__sig_found *f, enum adm_sig_outcome o, const char *authority, const char *fmt, ...) {
  if (f->failed && rank(o) >= rank(f->failure))
    return;
  f->failed = true;
  f->failure = o;
  f->failure_authority = authority;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(f->detail, sizeof f->detail, fmt, ap);
  va_end(ap);
}

enum adm_sig_outcome adm__sig_from_fetch(enum adm_fetch_outcome o) {
  return from_fetch(o, STEP_PAYLOAD);
}

bool adm__sig_goal_met(const struct adm__sig_goal *g, const struct adm__sig_found *f) {
  return (g->required & ~f->authorities) == 0 && popcount(f->authorities) >= g->threshold &&
         (f->attestations & g->attestations) == g->attestations;
}

/* The .sig manifest under the key authorities: what verified, and the
 * failure when nothing did. 0, or ADM_ENOMEM. */
static int legacy(struct adm_verifier *v, const struct adm_sig_request *req, const struct plan *p,
                  const struct adm_sig_location *loc, const char *digest, int64_t deadline_ms,
                  struct adm__sig_found *f) {
  char tag[ADM_DIGEST_MAX + 8];
  snprintf(tag, sizeof tag, "sha256-%s.sig", digest + 7);
  struct blobs b = {.v = v, .deadline_ms = deadline_ms};
  b.where.registry = loc->registry;
  b.where.repository = loc->repository;
  struct adm_fetch_target t = {b.where.registry, b.where.repository, tag};
  const struct adm_sig_rule *rule = req->rule;
  if (adm_verifier_now_ms() >= deadline_ms) {
    adm__sig_note(f, ADM_SIG_DEADLINE, NULL, "%s: deadline passed before the signature was fetched", digest);
    return 0;
  }
  struct adm_fetched m = {0};
  struct adm_fetch_error err = {0};
  enum adm_fetch_outcome o = v->ops->fetch_manifest(v, &t, deadline_ms, &m, &err);
  if (o != ADM_FETCH_OK) {
    const char *said = err.detail[0] ? err.detail : adm_fetch_outcome_text(o);
    if (o != ADM_FETCH_NOT_FOUND)
      adm__sig_note(f, from_fetch(o, STEP_SIG_MANIFEST), NULL, "signature %s/%s:%s: %s", t.registry, t.repository, tag,
                    said);
    for (size_t a = 0; a < rule->n_authorities; a++)
      if (!adm_sig_authority_keyless(&rule->authorities[a]))
        adm__sig_trace(req, ADM_SIG_TRACE_LEGACY, rule->authorities[a].name, NULL, NULL,
                       o == ADM_FETCH_NOT_FOUND ? "none" : adm_sig_outcome_id(from_fetch(o, STEP_SIG_MANIFEST)), said);
    return 0;
  }
  struct adm_cosign_result cr;
  int rc =
      adm_cosign_verify((const char *)m.data, m.len, digest, p->keys, p->n_keys, fetch_payload, &b, rule->limits, &cr);
  adm_fetched_free(&m);
  if (rc < 0) {
    adm__sig_note(f, ADM_SIG_INTERNAL, NULL, "%s: verifying the signature: %s", digest, adm_strerror(rc));
    return rc == ADM_ENOMEM ? rc : 0;
  }
  uint64_t bits = 0;
  for (size_t i = 0; i < p->n_keys; i++)
    if (adm_cosign_key_verified(&cr, i))
      bits |= (uint64_t)1 << p->owner[i];
  f->authorities |= bits;
  f->by_sig |= bits;
  enum adm_sig_outcome so = cr.outcome == ADM_COSIGN_FETCH_FAILED
                                ? (b.failed ? from_fetch(b.first.outcome, STEP_PAYLOAD) : ADM_SIG_INTERNAL)
                                : from_cosign(cr.outcome);
  const char *why = cr.outcome == ADM_COSIGN_FETCH_FAILED && b.failed ? b.first.detail
                    : cr.detail[0]                                    ? cr.detail
                                                                      : adm_cosign_outcome_name(cr.outcome);
  for (size_t a = 0; a < rule->n_authorities; a++)
    if (!adm_sig_authority_keyless(&rule->authorities[a]))
      adm__sig_trace(req, ADM_SIG_TRACE_LEGACY, rule->authorities[a].name, NULL, NULL,
                     (bits >> a) & 1u                    ? "verified"
                     : cr.outcome == ADM_COSIGN_VERIFIED ? "invalid-signature"
                                                         : adm_sig_outcome_id(so),
                     (bits >> a) & 1u ? "a .sig layer verifies with its key" : why);
  if (bits != 0) {
    /* A layer left unread might have counted for another authority. */
    if (b.failed && b.transport)
      adm__sig_note(f, from_fetch(b.first.outcome, STEP_PAYLOAD), NULL,
                    "%s: below the threshold, and a payload could not be read: %s", digest, b.first.detail);
    return 0;
  }
  if (cr.outcome != ADM_COSIGN_UNSIGNED)
    adm__sig_note(f, so, NULL, "%s: %s", digest, why);
  return 0;
}

/* Which authorities verified: names, each marked [bundle] when a Sigstore
 * bundle verified it and no .sig signature did. */
static void marked_names(const struct adm_sig_rule *rule, uint64_t bits, uint64_t by_bundle, char *out, size_t cap) {
  size_t n = 0;
  out[0] = '\0';
  for (size_t a = 0; a < rule->n_authorities && n < cap; a++)
    if ((bits >> a) & 1u) {
      int w = snprintf(out + n, cap - n, "%s%s%s", n ? ", " : "",
                       rule->authorities[a].name ? rule->authorities[a].name : "?",
                       (by_bundle >> a) & 1u ? " [bundle]" : "");
      if (w < 0)
        break;
      n += (size_t)w;
    }
}

/* The verdict from what both paths found. */
static void conclude(const struct adm_sig_request *req, const struct plan *p, const struct adm__sig_goal *goal,
                     const char *image, struct adm__sig_found *f, struct adm_sig_result *res) {
  const struct adm_sig_rule *rule = req->rule;
  res->authorities = f->authorities;
  res->by_bundle = f->by_bundle;
  res->attestations = f->attestations;
  bool sig_ok = (p->required & ~f->authorities) == 0 && popcount(f->authorities) >= p->threshold;
  bool att_ok = (f->attestations & goal->attestations) == goal->attestations;
  if (sig_ok && att_ok) {
    char names[200];
    marked_names(rule, f->authorities, f->by_bundle, names, sizeof names);
    set(res, ADM_SIG_VERIFIED, "%s@%s: verified by %s", image, res->digest, names);
    say(res, "%s verified by %s in %s", res->digest, names, res->where);
    return;
  }
  if (f->failed && adm__sig_unknown(f->failure)) {
    set(res, f->failure, "%s@%s: %s", image, res->digest, f->detail);
    return;
  }
  if (f->authorities != 0 && !sig_ok) {
    below_threshold(rule, p, image, res);
    return;
  }
  if (sig_ok) {
    size_t j = 0;
    while (j < rule->n_attestations && ((f->attestations >> j) & 1u))
      j++;
    const char *type = j < rule->n_attestations ? rule->attestations[j].predicate_type : "";
    set(res, ADM_SIG_PREDICATE_NOT_SATISFIED, "%s@%s: attestation %s: %s", image, res->digest, type,
        f->attestation_detail[0] ? f->attestation_detail : "none verified by the rule's authorities");
    say(res, "%s in %s: no attestation %.160s by the rule's authorities meets its conditions", res->digest, res->where,
        type);
    return;
  }
  if (f->failed) {
    set(res, f->failure, "%s@%s: %s", image, res->digest, f->detail);
    if (f->failure_authority)
      say(res, "the signatures of %s in %s (authority %.64s)", res->digest, res->where, f->failure_authority);
    return;
  }
  char sig[ADM_DIGEST_MAX + ADM_IMAGE_NAME_MAX + 40] = "";
  if (p->n_keys)
    snprintf(sig, sizeof sig, "%s:sha256-%s.sig not found, and ", res->where, res->digest + 7);
  set(res, ADM_SIG_UNSIGNED, "%s@%s: no signature (%sno Sigstore bundle among the referrers%s)", image, res->digest,
      sig, f->other_attestations ? ", only attestations" : "");
  if (f->other_attestations)
    say(res, "no signature for %s in %s, only attestations, which are not signatures", res->digest, res->where);
}

/* host: the registry of the step that ran last, for summarize (a copy:
 * the signature location it may name lives here). */
static int verify(struct adm_verifier *v, const struct adm_sig_request *req, int64_t deadline_ms,
                  struct adm_sig_result *res, char host[ADM_IMAGE_NAME_MAX + 1]) {
  if (v == NULL || req == NULL || req->rule == NULL) {
    set_own(res, ADM_SIG_INTERNAL, "no verifier, request or rule");
    return ADM_EINVAL;
  }
  if (empty(req->registry) || empty(req->repository) || (empty(req->tag) && empty(req->digest))) {
    set_own(res, ADM_SIG_INTERNAL, "image reference without registry, repository, tag or digest");
    return ADM_EINVAL;
  }
  struct plan plan;
  struct plan *p = &plan;
  int rc = plan_rule(req->rule, p, res);
  if (rc < 0)
    return rc;
  snprintf(host, ADM_IMAGE_NAME_MAX + 1, "%s", req->registry);
  if (!adm_sig_resolve(v, req, deadline_ms, res))
    return 0;
  adm__sig_trace(req, ADM_SIG_TRACE_RESOLVED, NULL, NULL, NULL, "resolved", res->digest);

  char image[ADM_IMAGE_NAME_MAX + 2];
  snprintf(image, sizeof image, "%s/%s", req->registry, req->repository);
  struct adm_sig_location loc;
  if (adm_sig_location(req, &loc) < 0 ||
      (size_t)snprintf(res->where, sizeof res->where, "%s/%s", loc.registry, loc.repository) >= sizeof res->where) {
    set_own(res, ADM_SIG_INTERNAL, "the signature repository's name is too long");
    return 0;
  }
  memcpy(host, loc.registry, sizeof loc.registry);
  struct adm__sig_goal goal = {
      .threshold = p->threshold,
      .required = p->required,
      .attestations = req->rule->n_attestations ? (uint32_t)(((uint64_t)1 << req->rule->n_attestations) - 1) : 0,
  };
  struct adm__sig_found found = {0};
  rc = p->n_keys ? legacy(v, req, p, &loc, res->digest, deadline_ms, &found) : 0;
  /* Bundles unless the .sig signatures decided it (the trace wants all). */
  if (rc == 0 && (req->trace != NULL || !adm__sig_goal_met(&goal, &found)))
    rc = adm__sig_bundles(v, req, &loc, res->digest, &goal, deadline_ms, &found);
  if (rc < 0) {
    set(res, ADM_SIG_INTERNAL, "%s@%s: verifying the signatures: %s", image, res->digest, adm_strerror(rc));
    return rc;
  }
  conclude(req, p, &goal, image, &found, res);
  return 0;
}

int adm_sig_verify(struct adm_verifier *v, const struct adm_sig_request *req, int64_t deadline_ms,
                   struct adm_sig_result *res) {
  if (res == NULL)
    return ADM_EINVAL;
  memset(res, 0, sizeof *res);
  char host[ADM_IMAGE_NAME_MAX + 1] = "";
  int rc = verify(v, req, deadline_ms, res, host);
  summarize(res, host);
  return rc;
}
