/* The registry fact backend (facts_backend.h): what a policy snapshot's
 * verify rules need, built when the snapshot loads and released with it:
 * every trusted root, every authority's keys (for .sig signatures and for
 * bundles) or keyless identity, one adm_sig_rule per verify rule, the
 * registry client and the result cache. A snapshot never shares them with
 * another, so a reload that rotates a key, a trusted root or a credential
 * can never be answered from what the old policy verified. */
#include "admitd/facts_backend.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cosign.h"
#include "admitd/arena.h"
#include "admitd/gather.h"
#include "admitd/registry.h"
#include "admitd/sigstore.h"
#include "sigverify.h"
#include "sigverify_cache.h"

struct rule_rt {
  bool set;
  struct adm_sig_authority *authorities; /* the rule's, in its order */
  const char **required;
  struct adm_sig_rule sig;
  char id[32];
};

struct runtime {
  bool offline;
  /* Trusted roots, bundle keys, identities and claims live here. */
  struct adm_arena arena;
  const struct adm_trusted_root **roots;       /* images.trustedRoots[], parsed */
  struct adm_cosign_key **keys;                /* every authority's, flat */
  const struct adm_sigstore_key **bundle_keys; /* the same keys, for bundles */
  size_t n_keys;
  struct adm_sig_authority *authorities; /* images.authorities[], keys into the flat list */
  size_t n_authorities;
  struct rule_rt *rules; /* one per images rule */
  size_t n_rules;
  struct adm_registry_client *client;
  struct adm_verifier verifier;
  struct adm_sig_cache *cache;
};

static _Atomic(struct adm_verifier *) test_verifier;
static atomic_ullong outcomes[ADM_SIG_OUTCOME_COUNT];
static atomic_ullong cache_hits, released_requests;

void adm_fact_backend_test_verifier(struct adm_verifier *v) {
  atomic_store(&test_verifier, v);
}

void adm_fact_stats(const struct adm_config *cfg, struct adm_fact_stats *out) {
  for (int i = 0; i < ADM_SIG_OUTCOME_COUNT; i++)
    out->outcomes[i] = atomic_load(&outcomes[i]);
  /* Busy facts never reach a backend: admitd made them instead of asking. */
  out->outcomes[ADM_SIG_BUSY] += adm_facts_busy_total();
  out->cache_hits = atomic_load(&cache_hits);
  out->registry_requests = atomic_load(&released_requests);
  /* Only a runtime this file made is a struct runtime. */
  bool ours =
      cfg && (cfg->images.backend == &adm_registry_fact_backend || cfg->images.backend == &adm_offline_fact_backend);
  const struct runtime *rt = ours ? cfg->images.runtime : NULL;
  if (rt && rt->client)
    out->registry_requests += adm_registry_requests(rt->client);
}

static void release(void *p) {
  struct runtime *rt = p;
  if (rt == NULL)
    return;
  if (rt->client) {
    atomic_fetch_add(&released_requests, adm_registry_requests(rt->client));
    adm_registry_client_free(rt->client);
  }
  adm_sig_cache_free(rt->cache);
  for (size_t i = 0; i < rt->n_rules; i++) {
    free(rt->rules[i].authorities);
    free(rt->rules[i].required);
  }
  free(rt->rules);
  for (size_t i = 0; i < rt->n_keys; i++)
    adm_cosign_key_free(rt->keys[i]);
  free(rt->keys);
  free(rt->bundle_keys);
  free(rt->roots);
  free(rt->authorities);
  adm_arena_free(&rt->arena);
  free(rt);
}

/* An error placed on the policy file like the parser's own. */
static int report_at(const struct adm_config *cfg, void (*report)(void *, const struct adm_error *), void *ctx,
                     struct adm_error *err, unsigned line, unsigned col, const char *path, int code, const char *msg) {
  char where[300];
  if (line)
    snprintf(where, sizeof where, "%s:%u:%u: %s", cfg->source, line, col, path);
  else
    snprintf(where, sizeof where, "%s: %s", cfg->source, path);
  struct adm_error e = {0};
  adm_fail(&e, code, where, "%s", msg);
  if (report)
    report(ctx, &e);
  if (err && err->code == 0)
    *err = e;
  return code;
}

#define PEM_BEGIN "-----BEGIN "
#define PEM_END "-----END "

/* Every PEM block of a's text is one key of the authority. */
static int authority_keys(struct runtime *rt, const struct adm_config *cfg, size_t ai,
                          void (*report)(void *, const struct adm_error *), void *ctx, struct adm_error *err) {
  const struct adm_image_authority *a = &cfg->images.authorities[ai];
  char path[96];
  snprintf(path, sizeof path, "images.authorities[%zu].%s", ai, a->key_file ? "keyFile" : "key");
  size_t first = rt->n_keys;
  const char *s = a->pem;
  int rc = 0;
  while ((s = strstr(s, PEM_BEGIN)) != NULL) {
    /* The block runs to the dashes that close its END line. */
    const char *end = strstr(s, PEM_END);
    const char *close = end ? strstr(end + strlen(PEM_END), "-----") : NULL;
    size_t len = close ? (size_t)(close + 5 - s) : strlen(s);
    if (rt->n_keys == ADM_COSIGN_MAX_KEYS) {
      char msg[120];
      snprintf(msg, sizeof msg, "more than %d keys in the policy", ADM_COSIGN_MAX_KEYS);
      return report_at(cfg, report, ctx, err, a->line, a->col, path, ADM_EINVAL, msg);
    }
    struct adm_error kerr = {0};
    struct adm_cosign_key *key = NULL;
    int k = adm_cosign_key_new(&key, s, len, a->rsa_pss ? ADM_COSIGN_KEY_RSA_PSS : 0, &kerr);
    if (k < 0) {
      char msg[400];
      adm_error_format(&kerr, msg, sizeof msg);
      rc = report_at(cfg, report, ctx, err, a->line, a->col, path, k, msg);
      s += len;
      continue;
    }
    /* The same key for bundles: what cosign's parser takes, this one does. */
    const struct adm_sigstore_key *bkey = NULL;
    struct adm_sigstore_key *parsed = NULL;
    k = adm_sigstore_key_parse(&rt->arena, s, len, &parsed, &kerr);
    bkey = parsed;
    if (k < 0) {
      char msg[400];
      adm_error_format(&kerr, msg, sizeof msg);
      adm_cosign_key_free(key);
      rc = report_at(cfg, report, ctx, err, a->line, a->col, path, k, msg);
      s += len;
      continue;
    }
    rt->bundle_keys[rt->n_keys] = bkey;
    rt->keys[rt->n_keys++] = key;
    s += len;
    /* Two authorities with one key would let one signature count twice
     * towards a threshold. */
    for (size_t j = 0; j < ai; j++)
      for (size_t m = 0; m < rt->authorities[j].n_keys; m++)
        if (adm_cosign_key_same(key, rt->authorities[j].keys[m])) {
          char msg[200];
          snprintf(msg, sizeof msg,
                   "holds the same key as authority \"%.60s\": one signature would count for both towards a threshold",
                   rt->authorities[j].name);
          rc = report_at(cfg, report, ctx, err, a->line, a->col, path, ADM_EINVAL, msg);
        }
  }
  if (rc == 0 && rt->n_keys == first)
    rc = report_at(cfg, report, ctx, err, a->line, a->col, path, ADM_EPARSE,
                   "no PEM public key (-----BEGIN PUBLIC KEY-----) in it");
  rt->authorities[ai] = (struct adm_sig_authority){
      .name = a->name,
      .keys = rt->keys + first,
      .n_keys = rt->n_keys - first,
      .bundle_keys = rt->bundle_keys + first,
      .root = a->trusted_root < cfg->images.n_trusted_roots ? rt->roots[a->trusted_root] : NULL,
      .require_tlog = a->require_tlog,
  };
  return rc;
}

/* A keyless authority: its identity and claims, and its trusted root. */
static int authority_keyless(struct runtime *rt, const struct adm_config *cfg, size_t ai,
                             void (*report)(void *, const struct adm_error *), void *ctx, struct adm_error *err) {
  const struct adm_image_authority *a = &cfg->images.authorities[ai];
  struct adm_sigstore_identity *id = adm_arena_calloc(&rt->arena, 1, sizeof *id);
  struct adm_sig_claim *claims = adm_arena_calloc(&rt->arena, a->n_claims + 1, sizeof *claims);
  if (id == NULL || claims == NULL)
    return adm_fail(err, ADM_ENOMEM, "images.authorities", "out of memory");
  *id = (struct adm_sigstore_identity){a->subject, a->issuer, a->subject_regex, a->issuer_regex};
  int rc = 0;
  for (size_t c = 0; c < a->n_claims; c++) {
    claims[c] = (struct adm_sig_claim){a->claims[c].name, a->claims[c].value};
    if (!adm_fulcio_claim_known(a->claims[c].name)) {
      char path[200];
      snprintf(path, sizeof path, "images.authorities[%zu].keyless.claims.%.60s", ai, a->claims[c].name);
      rc = report_at(cfg, report, ctx, err, a->line, a->col, path, ADM_EINVAL,
                     "not a Fulcio claim name (sourceRepositoryURI, sourceRepositoryRef, buildSignerURI, "
                     "runnerEnvironment, ...)");
    }
  }
  rt->authorities[ai] = (struct adm_sig_authority){
      .name = a->name,
      .root = a->trusted_root < cfg->images.n_trusted_roots ? rt->roots[a->trusted_root] : NULL,
      .identity = id,
      .claims = claims,
      .n_claims = a->n_claims,
  };
  return rc;
}

/* Every trusted root, parsed and checked as the policy loads. */
static int trusted_roots(struct runtime *rt, const struct adm_config *cfg,
                         void (*report)(void *, const struct adm_error *), void *ctx, struct adm_error *err) {
  int rc = 0;
  for (size_t i = 0; i < cfg->images.n_trusted_roots; i++) {
    const struct adm_image_trusted_root *r = &cfg->images.trusted_roots[i];
    struct adm_trusted_root *root = NULL;
    struct adm_error terr = {0};
    int k = adm_trusted_root_parse(&rt->arena, r->json, r->len, &root, &terr);
    if (k == ADM_ENOMEM)
      return adm_fail(err, k, "images.trustedRoots", "out of memory");
    if (k < 0) {
      char path[64], msg[600];
      snprintf(path, sizeof path, "images.trustedRoots[%zu].file", i);
      adm_error_format(&terr, msg, sizeof msg);
      char full[800];
      snprintf(full, sizeof full, "%s is not a Sigstore trusted root: %s", r->file, msg);
      rc = report_at(cfg, report, ctx, err, r->line, r->col, path, k, full);
    }
    rt->roots[i] = root;
  }
  return rc;
}

static int rule_runtime(struct runtime *rt, const struct adm_config *cfg, size_t ri, struct adm_error *err) {
  const struct adm_family_rule *r = &cfg->families[ADM_FAMILY_IMAGES].rules[ri];
  const struct adm_images_verify *v = &adm_rule_images(&r->settings)->verify;
  struct rule_rt *x = &rt->rules[ri];
  if (!v->set)
    return 0;
  x->set = true;
  snprintf(x->id, sizeof x->id, "rule-%zu", ri);
  x->authorities = calloc(v->authorities.n, sizeof *x->authorities);
  x->required = calloc(v->required.n + 1, sizeof *x->required);
  if (x->authorities == NULL || x->required == NULL)
    return adm_fail(err, ADM_ENOMEM, "images", "out of memory");
  /* At most ADM_COSIGN_MAX_KEYS in the whole policy, so in any rule too. */
  for (size_t i = 0; i < v->authorities.n; i++)
    x->authorities[i] = rt->authorities[v->authority_index[i]];
  for (size_t i = 0; i < v->required.n; i++)
    x->required[i] = v->required.items[i];
  x->sig = (struct adm_sig_rule){
      .authorities = x->authorities,
      .n_authorities = v->authorities.n,
      .threshold = v->threshold == 0 ? ADM_SIG_THRESHOLD_ALL : v->threshold,
      .required = x->required,
      .n_required = v->required.n,
      .signature_repository = v->signature_repository,
      .limits = NULL,
      .attestations = v->attestations,
      .n_attestations = v->n_attestations,
  };
  return 0;
}

static int make_client(struct runtime *rt, const struct adm_config *cfg, struct adm_error *err) {
  struct adm_verifier *tv = atomic_load(&test_verifier);
  if (tv) {
    rt->verifier = *tv;
    return 0;
  }
  const struct adm_images_settings *im = &cfg->images;
  struct adm_registry_host *hosts = im->n_registries ? calloc(im->n_registries, sizeof *hosts) : NULL;
  if (im->n_registries && hosts == NULL)
    return adm_fail(err, ADM_ENOMEM, "images.registries", "out of memory");
  for (size_t i = 0; i < im->n_registries; i++)
    hosts[i] =
        (struct adm_registry_host){im->registries[i].host, im->registries[i].ca_file, im->registries[i].insecure};
  struct adm_registry_options o = {
      .hosts = hosts,
      .nhosts = im->n_registries,
      .credentials_file = im->credentials_file,
      /* No one HTTP request may take the whole admission's deadline. */
      .request_timeout_ms = im->deadline_ms,
      .connect_timeout_ms = im->deadline_ms < 1000 ? im->deadline_ms : 1000,
  };
  struct adm_error cerr = {0};
  int rc = adm_registry_client_new(&o, &rt->client, &cerr);
  free(hosts);
  if (rc < 0) {
    char msg[400];
    adm_error_format(&cerr, msg, sizeof msg);
    return adm_fail(err, rc, cfg->source, "images: %s", msg);
  }
  adm_registry_verifier(rt->client, &rt->verifier);
  return 0;
}

static int prepare_runtime(struct adm_config *cfg, bool offline, void (*report)(void *, const struct adm_error *),
                           void *ctx, struct adm_error *err) {
  const struct adm_images_settings *im = &cfg->images;
  const struct adm_family_config *fc = &cfg->families[ADM_FAMILY_IMAGES];
  struct runtime *rt = calloc(1, sizeof *rt);
  if (rt == NULL)
    return adm_fail(err, ADM_ENOMEM, "images", "out of memory");
  rt->offline = offline;
  adm_arena_init(&rt->arena, 64u << 10, 0);
  rt->keys = calloc(ADM_COSIGN_MAX_KEYS, sizeof *rt->keys);
  rt->bundle_keys = calloc(ADM_COSIGN_MAX_KEYS, sizeof *rt->bundle_keys);
  rt->roots = calloc(im->n_trusted_roots + 1, sizeof *rt->roots);
  rt->authorities = calloc(im->n_authorities + 1, sizeof *rt->authorities);
  rt->rules = calloc(fc->n_rules + 1, sizeof *rt->rules);
  rt->n_authorities = im->n_authorities;
  rt->n_rules = fc->n_rules;
  int rc = 0;
  if (rt->keys == NULL || rt->bundle_keys == NULL || rt->roots == NULL || rt->authorities == NULL ||
      rt->rules == NULL) {
    rc = adm_fail(err, ADM_ENOMEM, "images", "out of memory");
    goto fail;
  }
  rc = trusted_roots(rt, cfg, report, ctx, err);
  if (rc == ADM_ENOMEM)
    goto fail;
  for (size_t i = 0; i < im->n_authorities; i++) {
    int r = im->authorities[i].keyless ? authority_keyless(rt, cfg, i, report, ctx, err)
                                       : authority_keys(rt, cfg, i, report, ctx, err);
    if (r < 0)
      rc = r;
    if (r == ADM_ENOMEM)
      goto fail;
  }
  if (rc < 0)
    goto fail;
  for (size_t i = 0; i < fc->n_rules && rc == 0; i++)
    rc = rule_runtime(rt, cfg, i, err);
  if (rc < 0)
    goto fail;
  if (!offline) {
    struct adm_sig_cache_options co = {
        .ttl_ms = im->cache_ttl_ms,
        .error_ttl_ms = im->cache_error_ttl_ms,
        .resolve_ttl_ms = im->cache_resolve_ttl_ms,
        .max_entries = im->cache_max_entries,
    };
    rc = adm_sig_cache_new(&co, &rt->cache);
    if (rc < 0) {
      adm_fail(err, rc, "images.cache", "cannot make the cache");
      goto fail;
    }
    rc = make_client(rt, cfg, err);
    if (rc < 0) {
      if (report)
        report(ctx, err);
      goto fail;
    }
  }
  cfg->images.runtime = rt;
  return 0;
fail:
  release(rt);
  return rc;
}

/* Every failure reaches report once (check-config lists them all), placed
 * or not. */
struct counted_report {
  void (*report)(void *, const struct adm_error *);
  void *ctx;
  unsigned n;
};

static void count_report(void *p, const struct adm_error *e) {
  struct counted_report *c = p;
  c->n++;
  if (c->report)
    c->report(c->ctx, e);
}

static int prepare_reported(struct adm_config *cfg, bool offline, void (*report)(void *, const struct adm_error *),
                            void *ctx, struct adm_error *err) {
  struct counted_report c = {report, ctx, 0};
  int rc = prepare_runtime(cfg, offline, count_report, &c, err);
  if (rc < 0 && c.n == 0 && report)
    report(ctx, err);
  return rc;
}

static int prepare(struct adm_config *cfg, void (*report)(void *, const struct adm_error *), void *ctx,
                   struct adm_error *err) {
  return prepare_reported(cfg, false, report, ctx, err);
}

static int prepare_offline(struct adm_config *cfg, void (*report)(void *, const struct adm_error *), void *ctx,
                           struct adm_error *err) {
  return prepare_reported(cfg, true, report, ctx, err);
}

static void request_of(const struct runtime *rt, const struct adm_image_need *need, struct adm_sig_request *req) {
  const struct adm_image_ref *ref = &need->ref;
  bool digest = ref->digest[0] != '\0';
  *req = (struct adm_sig_request){
      .registry = ref->domain,
      .repository = adm_image_ref_path(ref),
      .tag = digest ? NULL : ref->tag,
      .digest = digest ? ref->digest : NULL,
      .rule = &rt->rules[need->rule_index].sig,
  };
}

static void to_gathered(const struct rule_rt *x, const struct adm_image_need *need, const struct adm_sig_result *res,
                        struct adm_gathered_fact *out) {
  adm_gathered_fact_set(out, need, res->outcome, res->detail);
  snprintf(out->summary, sizeof out->summary, "%s", res->summary);
  if (res->outcome == ADM_SIG_VERIFIED)
    snprintf(out->verified_at, sizeof out->verified_at, "%s", res->where);
  snprintf(out->digest, sizeof out->digest, "%s", res->digest);
  size_t len = 0;
  for (size_t i = 0; i < x->sig.n_authorities; i++) {
    if (!adm_sig_authority_verified(res, i))
      continue;
    /* Marked when only a Sigstore bundle verified it (a .sig otherwise). */
    int n = snprintf(out->authorities + len, sizeof out->authorities - len, "%s%s%s", len ? ", " : "",
                     x->sig.authorities[i].name, (res->by_bundle >> i) & 1u ? " [bundle]" : "");
    if (n < 0 || (size_t)n >= sizeof out->authorities - len)
      break;
    len += (size_t)n;
  }
}

/* The need names a rule this snapshot prepared: anything else is refused. */
static const struct rule_rt *rule_of(const struct runtime *rt, const struct adm_image_need *need) {
  return need->rule_index < rt->n_rules && rt->rules[need->rule_index].set ? &rt->rules[need->rule_index] : NULL;
}

static bool lookup(void *p, const struct adm_image_need *need, struct adm_gathered_fact *out) {
  struct runtime *rt = p;
  const struct rule_rt *x = rule_of(rt, need);
  if (rt->offline || x == NULL)
    return false;
  struct adm_sig_request req;
  struct adm_sig_result res;
  request_of(rt, need, &req);
  if (!adm_sig_cache_peek(rt->cache, &req, x->id, 1, &res))
    return false;
  atomic_fetch_add(&cache_hits, 1);
  to_gathered(x, need, &res, out);
  return true;
}

static void gather(void *p, const struct adm_image_need *need, int64_t deadline_ms, struct adm_gathered_fact *out) {
  struct runtime *rt = p;
  const struct rule_rt *x = rule_of(rt, need);
  if (x == NULL) {
    adm_gathered_fact_set(out, need, ADM_SIG_INTERNAL, "the rule is not one the policy prepared");
    return;
  }
  if (rt->offline) {
    adm_gathered_fact_set(out, need, ADM_SIG_NOT_CHECKED, "offline");
    return;
  }
  struct adm_sig_request req;
  struct adm_sig_result res = {0};
  request_of(rt, need, &req);
  adm_sig_cache_verify(rt->cache, &rt->verifier, &req, x->id, 1, deadline_ms, &res);
  atomic_fetch_add(&outcomes[(unsigned)res.outcome < ADM_SIG_OUTCOME_COUNT ? res.outcome : 0], 1);
  to_gathered(x, need, &res, out);
}

int adm_fact_backend_explain(const struct adm_config *cfg, const struct adm_image_need *need, int64_t deadline_ms,
                             const struct adm_sig_trace *trace, struct adm_gathered_fact *out) {
  bool ours = cfg && cfg->images.backend == &adm_registry_fact_backend;
  struct runtime *rt = ours ? cfg->images.runtime : NULL;
  const struct rule_rt *x = rt ? rule_of(rt, need) : NULL;
  if (x == NULL || rt->offline) {
    adm_gathered_fact_set(out, need, ADM_SIG_INTERNAL, "the rule is not one the policy prepared");
    return ADM_EINVAL;
  }
  struct adm_sig_request req;
  struct adm_sig_result res = {0};
  request_of(rt, need, &req);
  req.trace = trace;
  int rc = adm_sig_verify(&rt->verifier, &req, deadline_ms, &res);
  to_gathered(x, need, &res, out);
  return rc;
}

const struct adm_fact_backend adm_registry_fact_backend = {prepare, release, lookup, gather};
const struct adm_fact_backend adm_offline_fact_backend = {prepare_offline, release, lookup, gather};
