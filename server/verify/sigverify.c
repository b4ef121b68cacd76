/* Signature verification of one image under one verify rule (sigverify.h):
 * resolve, fetch the .sig manifest, run cosign's checklist with every
 * authority's keys at once (so each payload blob is fetched once), then
 * count authorities against the threshold and the required names. Owns the
 * mapping of registry outcomes to verification outcomes, and nothing else:
 * no caching (sigverify_cache.c), no policy (which rule applies and what an
 * outcome means are the images family's business). Every path that is not
 * a verified, threshold-meeting signature ends in another outcome. */
#include "sigverify.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "admitd/image.h"

__attribute__((format(printf, 3, 4))) static void set(struct adm_sig_result *res, enum adm_sig_outcome o,
                                                      const char *fmt, ...) {
  res->outcome = o;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(res->detail, sizeof res->detail, fmt, ap);
  va_end(ap);
}

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
    set(res, ADM_SIG_INTERNAL, "image reference without registry, repository, tag or digest");
    return false;
  }
  if (!empty(req->digest)) {
    if (adm_image_digest_check(req->digest, &why) < 0) {
      set(res, ADM_SIG_INTERNAL, "%s/%s@%.80s: %s", req->registry, req->repository, req->digest, why);
      return false;
    }
    snprintf(res->digest, sizeof res->digest, "%s", req->digest);
    return true;
  }
  if (adm_verifier_now_ms() >= deadline_ms) {
    set(res, ADM_SIG_DEADLINE, "%s/%s:%s: deadline passed before the tag was resolved", req->registry, req->repository,
        req->tag);
    return false;
  }
  struct adm_fetch_target t = {req->registry, req->repository, req->tag};
  struct adm_fetch_error err = {0};
  char digest[ADM_DIGEST_MAX] = "";
  enum adm_fetch_outcome o = v->ops->resolve(v, &t, deadline_ms, digest, &err);
  if (o != ADM_FETCH_OK) {
    set(res, from_fetch(o, STEP_RESOLVE), "resolving %s/%s:%s: %s", req->registry, req->repository, req->tag,
        err.detail[0] ? err.detail : adm_fetch_outcome_text(o));
    return false;
  }
  if (adm_image_digest_check(digest, &why) < 0) {
    /* Not a registry error: onRegistryError must not allow what cannot be checked. */
    set(res, ADM_SIG_INTERNAL, "%s/%s:%s resolved to %.80s: %s", req->registry, req->repository, req->tag, digest, why);
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
    set(res, ADM_SIG_INTERNAL, "verify rule has %zu authorities (1 to %d)", rule->n_authorities,
        ADM_SIG_MAX_AUTHORITIES);
    return ADM_EINVAL;
  }
  for (size_t a = 0; a < rule->n_authorities; a++) {
    const struct adm_sig_authority *auth = &rule->authorities[a];
    if (auth->n_keys == 0 || auth->keys == NULL) {
      set(res, ADM_SIG_INTERNAL, "authority \"%s\" has no keys", auth->name ? auth->name : "");
      return ADM_EINVAL;
    }
    for (size_t k = 0; k < auth->n_keys; k++) {
      if (p->n_keys == ADM_COSIGN_MAX_KEYS || auth->keys[k] == NULL) {
        set(res, ADM_SIG_INTERNAL, "verify rule has a missing key or more than %d keys", ADM_COSIGN_MAX_KEYS);
        return ADM_EINVAL;
      }
      p->owner[p->n_keys] = a;
      p->keys[p->n_keys++] = auth->keys[k];
    }
  }
  p->threshold = rule->threshold == ADM_SIG_THRESHOLD_ALL ? rule->n_authorities : rule->threshold;
  if (p->threshold > rule->n_authorities) {
    set(res, ADM_SIG_INTERNAL, "threshold %u is above the rule's %zu authorities", rule->threshold,
        rule->n_authorities);
    return ADM_EINVAL;
  }
  for (size_t r = 0; r < rule->n_required; r++) {
    size_t a = 0;
    while (a < rule->n_authorities && (rule->authorities[a].name == NULL || rule->required[r] == NULL ||
                                       strcmp(rule->authorities[a].name, rule->required[r]) != 0))
      a++;
    if (a == rule->n_authorities) {
      set(res, ADM_SIG_INTERNAL, "required authority \"%.64s\" is not one of the rule's",
          rule->required[r] ? rule->required[r] : "");
      return ADM_EINVAL;
    }
    p->required |= (uint64_t)1 << a;
  }
  if (!empty(rule->signature_repository)) {
    const char *why = NULL;
    if (adm_image_ref_parse(rule->signature_repository, &p->sigrepo, &why) < 0 || !p->sigrepo.tag_implied) {
      set(res, ADM_SIG_INTERNAL, "signatureRepository \"%.100s\" is not registry/repository: %s",
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

/* Threshold and required over the authorities that verified. */
static void judge(const struct adm_sig_rule *rule, const struct plan *p, const char *image,
                  struct adm_sig_result *res) {
  char names[160];
  size_t got = popcount(res->authorities);
  uint64_t missing = p->required & ~res->authorities;
  if (missing) {
    names_of(rule, missing, names, sizeof names);
    set(res, ADM_SIG_BELOW_THRESHOLD, "%s@%s: required authority %s did not verify", image, res->digest, names);
  } else if (got < p->threshold) {
    names_of(rule, res->authorities, names, sizeof names);
    set(res, ADM_SIG_BELOW_THRESHOLD, "%s@%s: %zu of %zu required authorities verified (%s)", image, res->digest, got,
        p->threshold, names);
  } else {
    names_of(rule, res->authorities, names, sizeof names);
    set(res, ADM_SIG_VERIFIED, "%s@%s: verified by %s", image, res->digest, names);
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

int adm_sig_verify(struct adm_verifier *v, const struct adm_sig_request *req, int64_t deadline_ms,
                   struct adm_sig_result *res) {
  if (res == NULL)
    return ADM_EINVAL;
  memset(res, 0, sizeof *res);
  if (v == NULL || req == NULL || req->rule == NULL) {
    set(res, ADM_SIG_INTERNAL, "no verifier, request or rule");
    return ADM_EINVAL;
  }
  if (empty(req->registry) || empty(req->repository) || (empty(req->tag) && empty(req->digest))) {
    set(res, ADM_SIG_INTERNAL, "image reference without registry, repository, tag or digest");
    return ADM_EINVAL;
  }
  struct plan plan;
  struct plan *p = &plan;
  int rc = plan_rule(req->rule, p, res);
  if (rc < 0)
    return rc;
  if (!adm_sig_resolve(v, req, deadline_ms, res))
    return 0;

  char image[ADM_IMAGE_NAME_MAX + 2];
  snprintf(image, sizeof image, "%s/%s", req->registry, req->repository);
  char tag[ADM_DIGEST_MAX + 8];
  snprintf(tag, sizeof tag, "sha256-%s.sig", res->digest + 7);
  struct blobs b = {.v = v, .deadline_ms = deadline_ms};
  b.where.registry = req->registry;
  b.where.repository = req->repository;
  if (!empty(req->rule->signature_repository)) {
    b.where.registry = p->sigrepo.domain;
    b.where.repository = adm_image_ref_path(&p->sigrepo);
  }
  struct adm_fetch_target t = {b.where.registry, b.where.repository, tag};

  if (adm_verifier_now_ms() >= deadline_ms) {
    set(res, ADM_SIG_DEADLINE, "%s@%s: deadline passed before the signature was fetched", image, res->digest);
    return 0;
  }
  struct adm_fetched m = {0};
  struct adm_fetch_error err = {0};
  enum adm_fetch_outcome o = v->ops->fetch_manifest(v, &t, deadline_ms, &m, &err);
  if (o != ADM_FETCH_OK) {
    if (o == ADM_FETCH_NOT_FOUND)
      set(res, ADM_SIG_UNSIGNED, "%s@%s: no signature (%s/%s:%s not found)", image, res->digest, t.registry,
          t.repository, tag);
    else
      set(res, from_fetch(o, STEP_SIG_MANIFEST), "%s@%s: signature %s/%s:%s: %s", image, res->digest, t.registry,
          t.repository, tag, err.detail[0] ? err.detail : adm_fetch_outcome_text(o));
    return 0;
  }

  struct adm_cosign_result cr;
  rc = adm_cosign_verify((const char *)m.data, m.len, res->digest, p->keys, p->n_keys, fetch_payload, &b,
                         req->rule->limits, &cr);
  adm_fetched_free(&m);
  if (rc < 0) {
    set(res, ADM_SIG_INTERNAL, "%s@%s: verifying the signature: %s", image, res->digest, adm_strerror(rc));
    return rc == ADM_ENOMEM ? rc : 0;
  }
  for (size_t i = 0; i < p->n_keys; i++)
    if (adm_cosign_key_verified(&cr, i))
      res->authorities |= (uint64_t)1 << p->owner[i];

  if (res->authorities != 0) {
    judge(req->rule, p, image, res);
    /* Short of the threshold with a layer left unread: the unread one might
     * have counted, so say why it was not read. */
    if (res->outcome == ADM_SIG_BELOW_THRESHOLD && b.failed && b.transport)
      set(res, from_fetch(b.first.outcome, STEP_PAYLOAD), "%s@%s: below the threshold, and a payload: %s", image,
          res->digest, b.first.detail);
    return 0;
  }
  if (cr.outcome == ADM_COSIGN_FETCH_FAILED) {
    enum adm_sig_outcome so = b.failed ? from_fetch(b.first.outcome, STEP_PAYLOAD) : ADM_SIG_INTERNAL;
    set(res, so, "%s@%s: signature payload: %s", image, res->digest, b.failed ? b.first.detail : cr.detail);
    return 0;
  }
  set(res, from_cosign(cr.outcome), "%s@%s: %s", image, res->digest,
      cr.detail[0] ? cr.detail : adm_cosign_outcome_name(cr.outcome));
  return 0;
}
