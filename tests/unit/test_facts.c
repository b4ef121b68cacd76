/* Facts before judgement (facts.h, decide.c, pipeline.c) with a fake fact
 * backend: what the images.signature check makes of each outcome, the
 * rule's mode and onRegistryError, that a request denied by rules needing
 * no registry asks for no fact, the suspended pipeline the server uses,
 * and fail-closed paths (no backend, too many images). */
#include "helpers.h"

#include <stdio.h>
#include <unistd.h>

#include "admitd/config.h"
#include "admitd/decide.h"
#include "admitd/facts.h"
#include "admitd/gather.h"
#include "admitd/pipeline.h"
#include "admitd/verifier.h"

/* --- the fake backend: an outcome per image, calls counted ------------------ */

struct fake_answer {
  const char *image; /* normalized */
  enum adm_sig_outcome outcome;
};

static struct {
  const struct fake_answer *answers;
  size_t n;
  unsigned prepares, lookups, gathers;
  bool cached;             /* lookup answers too (a warm cache) */
  const char *cached_only; /* ...for this image alone */
  int marker;
} fake;

static int fake_prepare(struct adm_config *cfg, void (*report)(void *, const struct adm_error *), void *ctx,
                        struct adm_error *err) {
  (void)report;
  (void)ctx;
  (void)err;
  fake.prepares++;
  cfg->images.runtime = &fake.marker;
  return 0;
}

static void fake_release(void *rt) {
  assert_ptr_equal(rt, &fake.marker);
}

static void answer(const struct adm_image_need *need, struct adm_gathered_fact *out) {
  memset(out, 0, sizeof *out);
  out->rule_index = need->rule_index;
  snprintf(out->image, sizeof out->image, "%s", need->image);
  out->outcome = ADM_SIG_UNSIGNED;
  for (size_t i = 0; i < fake.n; i++)
    if (strcmp(fake.answers[i].image, need->image) == 0)
      out->outcome = fake.answers[i].outcome;
  snprintf(out->digest, sizeof out->digest, "sha256:%064d", 7);
  if (out->outcome == ADM_SIG_VERIFIED) {
    snprintf(out->authorities, sizeof out->authorities, "release");
    snprintf(out->verified_at, sizeof out->verified_at, "registry.example.com/signed");
  } else {
    /* What a transport says goes to the log only; the summary is for denials. */
    snprintf(out->detail, sizeof out->detail, "fake transport: Connection refused (%s)",
             adm_sig_outcome_id(out->outcome));
    snprintf(out->summary, sizeof out->summary, "fake says %s", adm_sig_outcome_id(out->outcome));
  }
}

static bool fake_lookup(void *rt, const struct adm_image_need *need, struct adm_gathered_fact *out) {
  (void)rt;
  fake.lookups++;
  if (!fake.cached || (fake.cached_only && strcmp(fake.cached_only, need->image) != 0))
    return false;
  answer(need, out);
  return true;
}

static void fake_gather(void *rt, const struct adm_image_need *need, int64_t deadline_ms,
                        struct adm_gathered_fact *out) {
  (void)rt;
  assert_true(deadline_ms > 0);
  __atomic_fetch_add(&fake.gathers, 1, __ATOMIC_SEQ_CST); /* shares gather on several threads */
  if (strstr(need->image, "/slow"))
    usleep(150 * 1000);
  answer(need, out);
}

static const struct adm_fact_backend fake_backend = {fake_prepare, fake_release, fake_lookup, fake_gather};

static void use(const struct fake_answer *answers, size_t n) {
  memset(&fake, 0, sizeof fake);
  fake.answers = answers;
  fake.n = n;
  adm_fact_backend_set(&fake_backend);
}

/* --- policies and requests ---------------------------------------------------- */

/* One images rule: extra goes into the rule, verify into its verify;
 * allow_tags says whether it admits tag references. */
static struct adm_config *policy_tags(const char *top, const char *rule_extra, const char *verify_extra,
                                      bool allow_tags) {
  char yaml[4096];
  snprintf(yaml, sizeof yaml,
           "apiVersion: admitd.io/v1alpha1\n"
           "kind: Policy\n"
           "%s"
           "images:\n"
           "  authorities:\n"
           "    - name: release\n"
           "      key: |\n"
           "        -----BEGIN PUBLIC KEY-----\n"
           "        MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n"
           "        -----END PUBLIC KEY-----\n"
           "  rules:\n"
           "    - namespaces: [prod]\n"
           "%s"
           "      verify:\n"
           "        images: [\"registry.example.com/**\"]\n"
           "        authorities: [release]\n"
           "        allowTags: %s\n"
           "%s",
           top ? top : "", rule_extra ? rule_extra : "", allow_tags ? "true" : "false",
           verify_extra ? verify_extra : "");
  struct adm_config *cfg;
  struct adm_error err = {0};
  if (adm_config_parse(yaml, strlen(yaml), "p.yaml", &cfg, &err) < 0)
    fail_msg("policy does not parse: %s: %s\n%s", err.where, err.message, yaml);
  return cfg;
}

/* The tests of outcomes use tag references: the rule allows them. */
static struct adm_config *policy(const char *top, const char *rule_extra, const char *verify_extra) {
  return policy_tags(top, rule_extra, verify_extra, true);
}

/* A pod CREATE review in namespace prod with these images. */
static char *review(const char *ns, const char *const *images, size_t n) {
  static char buf[16384];
  size_t len = (size_t)snprintf(buf, sizeof buf,
                                "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{"
                                "\"uid\":\"u1\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},"
                                "\"resource\":{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\"},"
                                "\"name\":\"p\",\"namespace\":\"%s\",\"operation\":\"CREATE\","
                                "\"userInfo\":{\"username\":\"alice\"},\"object\":{\"metadata\":{\"name\":\"p\"},"
                                "\"spec\":{\"containers\":[",
                                ns);
  for (size_t i = 0; i < n; i++)
    len += (size_t)snprintf(buf + len, sizeof buf - len, "%s{\"name\":\"c%zu\",\"image\":\"%s\"}", i ? "," : "", i,
                            images[i]);
  snprintf(buf + len, sizeof buf - len, "]}}}}");
  return buf;
}

struct run {
  struct adm_arena a;
  struct adm_pipeline_result res;
};

/* NULL o: the defaults (wait for registries). */
static void judge(struct run *r, const struct adm_config *cfg, const char *body, const struct adm_pipeline_options *o) {
  memset(r, 0, sizeof *r);
  adm_arena_init(&r->a, 0, 0);
  char *copy = adm_arena_strdup(&r->a, body);
  adm_pipeline_run(o, cfg, copy, strlen(copy), &r->a, &r->res, NULL);
}

static struct adm_pipeline_options facts_opts(enum adm_facts_policy p, const struct adm_gathered_fact *given,
                                              size_t n_given) {
  struct adm_pipeline_options o;
  adm_pipeline_options_default(&o);
  o.facts = p;
  o.given = given;
  o.n_given = n_given;
  return o;
}

static void done(struct run *r) {
  if (r->res.decoded)
    adm_review_request_release(&r->res.req);
  adm_arena_free(&r->a);
}

static const char *annotation(const struct adm_decision *d, const char *key) {
  for (size_t i = 0; i < d->n_annotations; i++)
    if (strcmp(d->annotations[i].key, key) == 0)
      return d->annotations[i].value;
  return NULL;
}

static bool failed(const struct adm_decision *d, const char *check) {
  for (size_t i = 0; i < d->n_failed_checks; i++)
    if (strcmp(d->failed_checks[i], check) == 0)
      return true;
  return false;
}

/* A warning of admitd's images family (Pod Security warns about these pods too). */
static const char *images_warning(const struct adm_decision *d) {
  for (size_t i = 0; i < d->n_warnings; i++)
    if (strstr(d->warnings[i], "admitd images policy"))
      return d->warnings[i];
  return NULL;
}

static void expect_in(const char *hay, const char *needle) {
  if (hay == NULL || strstr(hay, needle) == NULL)
    fail_msg("expected [%s] in [%s]", needle, hay ? hay : "(null)");
}

static void expect_not_in(const char *hay, const char *needle) {
  if (hay != NULL && strstr(hay, needle) != NULL)
    fail_msg("expected no [%s] in [%s]", needle, hay);
}

#define IMG_OK "registry.example.com/app:v1"
#define IMG_BAD "registry.example.com/bad:v1"
#define NORM_OK "registry.example.com/app:v1"
#define NORM_BAD "registry.example.com/bad:v1"

static const struct fake_answer answers[] = {
    {NORM_OK, ADM_SIG_VERIFIED},
    {NORM_BAD, ADM_SIG_UNSIGNED},
    {"registry.example.com/down:v1", ADM_SIG_REGISTRY_UNAVAILABLE},
    {"registry.example.com/slow:v1", ADM_SIG_DEADLINE},
    {"registry.example.com/other:v1", ADM_SIG_DIGEST_MISMATCH},
};
#define USE_ANSWERS() use(answers, sizeof answers / sizeof *answers)

/* The fake's answers, the one-rule policy and a review of a pod with a
 * signed and an unsigned image in body. */
static struct adm_config *signed_and_unsigned(char *body, size_t cap) {
  USE_ANSWERS();
  const char *imgs[] = {IMG_OK, IMG_BAD};
  snprintf(body, cap, "%s", review("prod", imgs, 2));
  return policy(NULL, NULL, NULL);
}

/* --- tests ------------------------------------------------------------------------ */

static void verified_is_allowed_and_recorded(void **state) {
  (void)state;
  USE_ANSWERS();
  struct adm_config *cfg = policy(NULL, NULL, NULL);
  assert_int_equal(fake.prepares, 1);
  const char *imgs[] = {IMG_OK, IMG_OK, "docker.io/library/busybox:1"}; /* one need; busybox not covered */
  struct run r;
  judge(&r, cfg, review("prod", imgs, 3), NULL);
  assert_true(r.res.decided);
  assert_true(r.res.decision.allowed);
  assert_int_equal(fake.gathers, 1);
  /* allowTags: the tag is recorded with the digest it resolved to. */
  expect_in(annotation(&r.res.decision, "images-verified"), NORM_OK "@sha256:");
  expect_in(annotation(&r.res.decision, "images-verified"), "(release) signatures in registry.example.com/signed");
  assert_non_null(r.res.decision.image_facts);
  assert_int_equal(r.res.decision.image_facts->n, 1);
  done(&r);
  adm_config_free(cfg);
}

static void each_failure_denies_naming_its_outcome(void **state) {
  (void)state;
  USE_ANSWERS();
  struct adm_config *cfg = policy(NULL, NULL, NULL);
  const struct {
    const char *image, *check, *text;
  } cases[] = {
      {IMG_BAD, "images.signature.unsigned", "image is not signed"},
      {"registry.example.com/down:v1", "images.signature.registry-unavailable", "registry unavailable"},
      {"registry.example.com/slow:v1", "images.signature.deadline", "did not answer in time"},
      {"registry.example.com/other:v1", "images.signature.digest-mismatch", "signature is for another image"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    struct run r;
    judge(&r, cfg, review("prod", &cases[i].image, 1), NULL);
    assert_true(r.res.decided);
    assert_false(r.res.decision.allowed);
    assert_int_equal(r.res.decision.code, 403);
    expect_in(r.res.decision.message, "violates admitd images policy");
    expect_in(r.res.decision.message, cases[i].text);
    expect_in(r.res.decision.message, "fake says");
    expect_not_in(r.res.decision.message, "Connection refused");
    if (!failed(&r.res.decision, cases[i].check))
      fail_msg("expected failed check %s", cases[i].check);
    assert_null(annotation(&r.res.decision, "images-verified"));
    done(&r);
  }
  /* Outside the rule's namespaces: no fact is needed. */
  struct run r;
  const char *bad = IMG_BAD;
  unsigned before = fake.gathers;
  judge(&r, cfg, review("dev", &bad, 1), NULL);
  assert_true(r.res.decision.allowed);
  assert_int_equal(fake.gathers, before);
  done(&r);
  adm_config_free(cfg);
}

/* A request that local rules or Pod Security deny asks no registry. */
static void denied_requests_ask_no_registry(void **state) {
  (void)state;
  USE_ANSWERS();
  struct adm_config *cfg = policy(NULL, "      allow: [\"registry.example.com/app\"]\n", NULL);
  const char *imgs[] = {IMG_OK, IMG_BAD};
  struct run r;
  judge(&r, cfg, review("prod", imgs, 2), NULL);
  assert_false(r.res.decision.allowed);
  assert_true(failed(&r.res.decision, "images.allowed"));
  assert_false(failed(&r.res.decision, "images.signature.unsigned"));
  assert_int_equal(fake.lookups + fake.gathers, 0);
  done(&r);
  adm_config_free(cfg);

  /* Pod Security enforce (restricted) denies a pod with no securityContext. */
  cfg = policy("podSecurity:\n  defaults: {enforce: restricted}\n", NULL, NULL);
  judge(&r, cfg, review("prod", imgs, 1), NULL);
  assert_false(r.res.decision.allowed);
  expect_in(r.res.decision.message, "PodSecurity");
  assert_int_equal(fake.lookups + fake.gathers, 0);
  done(&r);
  adm_config_free(cfg);
}

static void on_registry_error_warn_allow_deny(void **state) {
  (void)state;
  USE_ANSWERS();
  const char *down = "registry.example.com/down:v1", *bad = IMG_BAD;
  struct run r;

  struct adm_config *cfg = policy(NULL, NULL, "        onRegistryError: warn\n");
  judge(&r, cfg, review("prod", &down, 1), NULL);
  assert_true(r.res.decision.allowed);
  expect_in(images_warning(&r.res.decision), "registry unavailable");
  expect_in(images_warning(&r.res.decision), "(fake says registry-unavailable)");
  expect_not_in(images_warning(&r.res.decision), "Connection refused");
  done(&r);
  /* Only registry errors: an unsigned image is still denied. */
  judge(&r, cfg, review("prod", &bad, 1), NULL);
  assert_false(r.res.decision.allowed);
  done(&r);
  adm_config_free(cfg);

  cfg = policy(NULL, NULL, "        onRegistryError: allow\n");
  judge(&r, cfg, review("prod", &down, 1), NULL);
  assert_true(r.res.decision.allowed);
  assert_null(images_warning(&r.res.decision));
  expect_in(annotation(&r.res.decision, "images-unverified"), "registry unavailable");
  expect_not_in(annotation(&r.res.decision, "images-unverified"), "Connection refused");
  done(&r);
  judge(&r, cfg, review("prod", &bad, 1), NULL);
  assert_false(r.res.decision.allowed);
  done(&r);
  adm_config_free(cfg);
}

static void modes_and_dry_run(void **state) {
  (void)state;
  USE_ANSWERS();
  const char *bad = IMG_BAD;
  struct run r;
  struct adm_config *cfg = policy(NULL, "      mode: warn\n", NULL);
  judge(&r, cfg, review("prod", &bad, 1), NULL);
  assert_true(r.res.decision.allowed);
  expect_in(images_warning(&r.res.decision), "would violate admitd images policy");
  expect_in(images_warning(&r.res.decision), "image is not signed");
  done(&r);
  adm_config_free(cfg);

  cfg = policy(NULL, "      mode: audit\n", NULL);
  judge(&r, cfg, review("prod", &bad, 1), NULL);
  assert_true(r.res.decision.allowed);
  expect_in(annotation(&r.res.decision, "images-violations"), "image is not signed");
  done(&r);
  adm_config_free(cfg);

  cfg = policy("dryRun: true\n", NULL, NULL);
  judge(&r, cfg, review("prod", &bad, 1), NULL);
  assert_true(r.res.decision.allowed);
  expect_in(annotation(&r.res.decision, "dry-run-denied"), "image is not signed");
  done(&r);
  adm_config_free(cfg);

  /* Under dry-run, a pod local rules refuse is still verified: the point is
   * to learn everything that would refuse it. */
  cfg = policy("dryRun: true\n", "      deny: [\"registry.example.com/bad\"]\n", NULL);
  unsigned before = fake.gathers;
  judge(&r, cfg, review("prod", &bad, 1), NULL);
  assert_true(r.res.decision.allowed);
  assert_int_equal(fake.gathers, before + 1);
  expect_in(annotation(&r.res.decision, "dry-run-denied"), "matches the deny pattern");
  expect_in(annotation(&r.res.decision, "dry-run-denied"), "image is not signed");
  done(&r);
  adm_config_free(cfg);
}

#define PINNED_DIGEST "sha256:1111111111111111111111111111111111111111111111111111111111111111"

/* Without allowTags a covered tag reference is refused as written, before
 * any registry is asked, and the message says how to pin it; a pinned one
 * is verified; an image the rule does not cover is not its concern. */
static void unpinned_images_are_refused_without_a_registry(void **state) {
  (void)state;
  static const struct fake_answer pinned_answers[] = {
      {"registry.example.com/app@" PINNED_DIGEST, ADM_SIG_VERIFIED},
      {"registry.example.com/app:v1@" PINNED_DIGEST, ADM_SIG_VERIFIED},
  };
  use(pinned_answers, 2);
  struct adm_config *cfg = policy_tags(NULL, NULL, NULL, false);
  const char *imgs[] = {"registry.example.com/app@" PINNED_DIGEST, IMG_OK};
  struct run r;
  judge(&r, cfg, review("prod", imgs, 2), NULL);
  assert_true(r.res.decided);
  assert_false(r.res.decision.allowed);
  assert_true(failed(&r.res.decision, "images.signature.pinned"));
  expect_in(r.res.decision.message, "container \"c1\" image \"" IMG_OK "\" (" NORM_OK ") is not pinned by digest");
  expect_in(r.res.decision.message, "pin it: registry.example.com/app@sha256:<digest>");
  if (strstr(r.res.decision.message, "container \"c0\""))
    fail_msg("expected the pinned image's container not to be named: %s", r.res.decision.message);
  assert_int_equal(fake.lookups + fake.gathers, 0);
  assert_null(annotation(&r.res.decision, "images-verified"));
  done(&r);
  /* The server's path neither suspends nor asks for it. */
  struct adm_pipeline_options fo = facts_opts(ADM_FACTS_SUSPEND, NULL, 0);
  judge(&r, cfg, review("prod", imgs, 2), &fo);
  assert_true(r.res.decided);
  assert_false(r.res.suspended);
  assert_false(r.res.decision.allowed);
  assert_int_equal(fake.lookups + fake.gathers, 0);
  done(&r);

  /* Pinned (with or without a tag) and verified; busybox is not covered. */
  const char *ok[] = {"registry.example.com/app@" PINNED_DIGEST, "registry.example.com/app:v1@" PINNED_DIGEST,
                      "busybox:1.36"};
  judge(&r, cfg, review("prod", ok, 3), NULL);
  assert_true(r.res.decided);
  assert_true(r.res.decision.allowed);
  assert_int_equal(fake.gathers, 2);
  expect_in(annotation(&r.res.decision, "images-verified"),
            "registry.example.com/app@" PINNED_DIGEST " (release) signatures in registry.example.com/signed; "
            "registry.example.com/app:v1@" PINNED_DIGEST " (release) signatures in registry.example.com/signed");
  done(&r);
  adm_config_free(cfg);
}

/* Under warn, audit and dryRun nothing is refused yet: the image is still
 * verified, so the report names both what pinning and what the signature
 * would refuse. */
static void unpinned_images_in_other_modes_are_still_verified(void **state) {
  (void)state;
  USE_ANSWERS();
  /* Where each mode reports: NULL is the warnings. */
  const struct {
    const char *top, *rule, *annotation;
  } modes[] = {
      {NULL, "      mode: warn\n", NULL},
      {NULL, "      mode: audit\n", "images-violations"},
      {"dryRun: true\n", NULL, "dry-run-denied"},
  };
  const char *bad = IMG_BAD;
  for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
    struct adm_config *cfg = policy_tags(modes[i].top, modes[i].rule, NULL, false);
    struct run r;
    judge(&r, cfg, review("prod", &bad, 1), NULL);
    assert_true(r.res.decision.allowed);
    const char *report =
        modes[i].annotation ? annotation(&r.res.decision, modes[i].annotation) : images_warning(&r.res.decision);
    expect_in(report, "is not pinned by digest");
    expect_in(report, "image is not signed");
    assert_int_equal(fake.gathers, i + 1);
    done(&r);
    adm_config_free(cfg);
  }
}

/* The server's path: no waiting in the slot; the facts come back given. */
static void suspended_pipeline_resumes_with_given_facts(void **state) {
  (void)state;
  char body[16384];
  struct adm_config *cfg = signed_and_unsigned(body, sizeof body);
  struct adm_pipeline_options fo = facts_opts(ADM_FACTS_SUSPEND, NULL, 0);
  struct run r;
  judge(&r, cfg, body, &fo);
  assert_true(r.res.suspended);
  assert_false(r.res.decided);
  assert_int_equal(r.res.n_pending, 2);
  assert_int_equal(fake.gathers, 0);
  struct adm_gathered_fact given[2];
  for (size_t i = 0; i < 2; i++)
    answer(&r.res.pending[i], &given[i]);
  done(&r);
  fo = facts_opts(ADM_FACTS_GIVEN_ONLY, given, 2);
  judge(&r, cfg, body, &fo);
  assert_true(r.res.decided);
  assert_false(r.res.decision.allowed);
  expect_in(r.res.decision.message, NORM_BAD);
  expect_in(annotation(&r.res.decision, "images-verified"), NORM_OK);
  assert_int_equal(fake.gathers, 0);
  done(&r);

  /* Given only: a need without a given fact is not asked for, and fails closed. */
  fo.n_given = 1;
  fake.gathers = fake.lookups = 0;
  judge(&r, cfg, body, &fo);
  assert_true(r.res.decided);
  assert_false(r.res.decision.allowed);
  assert_true(failed(&r.res.decision, "images.signature.internal"));
  assert_int_equal(fake.gathers + fake.lookups, 0);
  done(&r);

  /* What the cache answered comes back with what is pending. */
  fake.cached = true;
  const char *mixed[] = {IMG_OK, "registry.example.com/new:v1"};
  char body2[16384];
  snprintf(body2, sizeof body2, "%s", review("prod", mixed, 2));
  fo = facts_opts(ADM_FACTS_SUSPEND, NULL, 0);
  fake.cached_only = NORM_OK;
  judge(&r, cfg, body2, &fo);
  assert_true(r.res.suspended);
  assert_int_equal(r.res.n_pending, 1);
  assert_string_equal(r.res.pending[0].image, "registry.example.com/new:v1");
  assert_int_equal(r.res.found->n, 1);
  struct adm_gathered_fact both[2];
  answer(&r.res.pending[0], &both[0]);
  adm_gathered_fact_of(&r.res.found->items[0], &both[1]);
  assert_int_equal(both[1].outcome, ADM_SIG_VERIFIED);
  done(&r);
  /* The cache forgets meanwhile: the second pass still has both. */
  fake.cached = false;
  fo = facts_opts(ADM_FACTS_GIVEN_ONLY, both, 2);
  judge(&r, cfg, body2, &fo);
  assert_true(r.res.decided);
  expect_in(annotation(&r.res.decision, "images-verified"), NORM_OK);
  expect_in(r.res.decision.message, "registry.example.com/new:v1");
  done(&r);
  fake.cached = true;
  fake.cached_only = NULL;

  /* A warm cache answers in place: no suspension. */
  fake.cached = true;
  fo = facts_opts(ADM_FACTS_SUSPEND, NULL, 0);
  judge(&r, cfg, body, &fo);
  assert_true(r.res.decided);
  assert_false(r.res.suspended);
  assert_int_equal(fake.gathers, 0);
  done(&r);
  adm_config_free(cfg);
}

/* A pod UPDATE review (subresource sub, "" for none) from old to obj. */
static void update_review(char *buf, size_t cap, const char *sub, const char *obj, const char *old) {
  snprintf(buf, cap,
           "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u\","
           "\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},\"resource\":{\"group\":\"\","
           "\"version\":\"v1\",\"resource\":\"pods\"},\"subResource\":\"%s\",\"name\":\"p\",\"namespace\":"
           "\"prod\",\"operation\":\"UPDATE\",\"userInfo\":{\"username\":\"u\"},\"object\":%s,"
           "\"oldObject\":%s}}",
           sub, obj, old);
}

/* body is denied naming text, after gathers facts asked for in all. */
static void expect_denied(const struct adm_config *cfg, const char *body, unsigned gathers, const char *text) {
  struct run r;
  judge(&r, cfg, body, NULL);
  assert_true(r.res.decided);
  assert_false(r.res.decision.allowed);
  assert_int_equal(fake.gathers, gathers);
  expect_in(r.res.decision.message, text);
  done(&r);
}

/* An UPDATE verifies only images the old pod did not run. */
static void update_verifies_only_new_images(void **state) {
  (void)state;
  USE_ANSWERS();
  struct adm_config *cfg = policy(NULL, NULL, NULL);
  const char *imgs[] = {IMG_BAD};
  char body[16384];
  char newpod[1024], oldpod[1024];
#define POD_WITH_LABEL(buf, label)                                                                                     \
  snprintf(buf, sizeof buf,                                                                                            \
           "{\"metadata\":{\"name\":\"p\",\"labels\":{\"a\":\"" label "\"}},\"spec\":{\"containers\":"                 \
           "[{\"name\":\"c0\",\"image\":\"%s\"}]}}",                                                                   \
           imgs[0])
  POD_WITH_LABEL(oldpod, "1");
  /* Relabelling a pod that runs an unsigned image: not verified again. */
  POD_WITH_LABEL(newpod, "2");
  update_review(body, sizeof body, "", newpod, oldpod);
  struct run r;
  judge(&r, cfg, body, NULL);
  assert_true(r.res.decided);
  assert_true(r.res.decision.allowed);
  assert_int_equal(fake.gathers, 0);
  assert_int_equal(r.res.decision.image_facts->items[0].outcome, ADM_SIG_NOT_CHECKED);
  done(&r);
  /* An ephemeral container with a new image is verified. */
  snprintf(newpod, sizeof newpod,
           "{\"metadata\":{\"name\":\"p\",\"labels\":{\"a\":\"1\"}},\"spec\":{\"containers\":[{\"name\":"
           "\"c0\",\"image\":\"%s\"}],\"ephemeralContainers\":[{\"name\":\"dbg\",\"image\":"
           "\"registry.example.com/other:v1\"}]}}",
           imgs[0]);
  update_review(body, sizeof body, "ephemeralcontainers", newpod, oldpod);
  expect_denied(cfg, body, 1, "signature is for another image");
  adm_config_free(cfg);
}

/* Without allowTags, an UPDATE that keeps a container's tag (a relabel) is
 * not refused for it, as the tag is not verified again; a new tag is. */
static void update_keeps_an_unpinned_image(void **state) {
  (void)state;
  USE_ANSWERS();
  struct adm_config *cfg = policy_tags(NULL, NULL, NULL, false);
  char body[8192];
#define POD(labels, image)                                                                                             \
  "{\"metadata\":{\"name\":\"p\",\"labels\":" labels "},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"" image  \
  "\"}]}}"
  update_review(body, sizeof body, "", POD("{\"a\":\"2\"}", IMG_OK), POD("{\"a\":\"1\"}", IMG_OK));
  struct run r;
  judge(&r, cfg, body, NULL);
  assert_true(r.res.decided);
  assert_true(r.res.decision.allowed);
  assert_int_equal(fake.gathers + fake.lookups, 0);
  done(&r);
  update_review(body, sizeof body, "", POD("{\"a\":\"1\"}", "registry.example.com/app:v2"),
                POD("{\"a\":\"1\"}", IMG_OK));
  expect_denied(cfg, body, 0,
                "container \"c\" image \"registry.example.com/app:v2\" "
                "(registry.example.com/app:v2) is not pinned by digest");
#undef POD
  adm_config_free(cfg);
}

/* Only the same container keeping its image is exempt: another container
 * that ran it does not vouch for it (its tag may have moved), and a new use
 * of an image some container keeps is verified. */
static void update_exemption_is_per_container(void **state) {
  (void)state;
  USE_ANSWERS();
  struct adm_config *cfg = policy(NULL, NULL, NULL);
  char body[8192];
  /* The regular container takes the init container's (unsigned) image. */
#define POD(spec) "{\"metadata\":{\"name\":\"p\"},\"spec\":" spec "}"
  update_review(body, sizeof body, "",
                POD("{\"initContainers\":[{\"name\":\"i\",\"image\":\"" IMG_BAD "\"}],"
                    "\"containers\":[{\"name\":\"c\",\"image\":\"" IMG_BAD "\"}]}"),
                POD("{\"initContainers\":[{\"name\":\"i\",\"image\":\"" IMG_BAD "\"}],"
                    "\"containers\":[{\"name\":\"c\",\"image\":\"" IMG_OK "\"}]}"));
  expect_denied(cfg, body, 1, "image is not signed");
  /* A container keeps the unsigned image; a new ephemeral one uses it too. */
  update_review(body, sizeof body, "ephemeralcontainers",
                POD("{\"containers\":[{\"name\":\"c\",\"image\":\"" IMG_BAD "\"}],"
                    "\"ephemeralContainers\":[{\"name\":\"e\",\"image\":\"" IMG_BAD "\"}]}"),
                POD("{\"containers\":[{\"name\":\"c\",\"image\":\"" IMG_BAD "\"}]}"));
  expect_denied(cfg, body, 2, "container \"e\" image");
#undef POD
  adm_config_free(cfg);
}

/* The annotations stay bounded however many images a pod has. */
static void annotations_are_bounded(void **state) {
  (void)state;
  enum { N = ADM_MAX_IMAGE_NEEDS };
  static char names[N][200];
  static struct fake_answer all[N];
  const char *imgs[N];
  for (int i = 0; i < N; i++) {
    snprintf(names[i], sizeof names[i], "registry.example.com/a-rather-long-repository-name-%0120d:v1", i);
    all[i] = (struct fake_answer){names[i], i % 2 ? ADM_SIG_VERIFIED : ADM_SIG_REGISTRY_UNAVAILABLE};
    imgs[i] = names[i];
  }
  use(all, N);
  struct adm_config *cfg = policy(NULL, NULL, "        onRegistryError: allow\n");
  struct run r;
  judge(&r, cfg, review("prod", imgs, N), NULL);
  assert_true(r.res.decided);
  assert_true(r.res.decision.allowed);
  const char *v = annotation(&r.res.decision, "images-verified"), *u = annotation(&r.res.decision, "images-unverified");
  expect_in(v, "more)");
  expect_in(u, "more)");
  assert_true(strlen(v) < 4096);
  assert_true(strlen(u) < 4096);
  done(&r);
  adm_config_free(cfg);
}

/* Without a backend, a verify rule can never be met: internal, denied. */
static void no_backend_fails_closed(void **state) {
  (void)state;
  adm_fact_backend_set(NULL);
  struct adm_config *cfg = policy(NULL, NULL, NULL);
  const char *ok = IMG_OK;
  struct run r;
  judge(&r, cfg, review("prod", &ok, 1), NULL);
  assert_true(r.res.decided);
  assert_false(r.res.decision.allowed);
  assert_true(failed(&r.res.decision, "images.signature.internal"));
  expect_in(r.res.decision.message, "not available");
  done(&r);
  /* The server's path never suspends for what nobody could gather. */
  struct adm_pipeline_options fo = facts_opts(ADM_FACTS_SUSPEND, NULL, 0);
  judge(&r, cfg, review("prod", &ok, 1), &fo);
  assert_true(r.res.decided);
  assert_false(r.res.suspended);
  assert_false(r.res.decision.allowed);
  done(&r);
  adm_config_free(cfg);
}

/* Past ADM_MAX_IMAGE_NEEDS distinct images, the rest are not verified. */
static void too_many_images_fail_closed(void **state) {
  (void)state;
  enum { N = ADM_MAX_IMAGE_NEEDS + 2 };
  static char names[N][64];
  static struct fake_answer all[N];
  const char *imgs[N];
  for (int i = 0; i < N; i++) {
    snprintf(names[i], sizeof names[i], "registry.example.com/app%d:v1", i);
    all[i] = (struct fake_answer){names[i], ADM_SIG_VERIFIED};
    imgs[i] = names[i];
  }
  use(all, N);
  struct adm_config *cfg = policy(NULL, NULL, NULL);
  struct run r;
  judge(&r, cfg, review("prod", imgs, N), NULL);
  assert_true(r.res.decided);
  assert_false(r.res.decision.allowed);
  assert_int_equal(fake.gathers, ADM_MAX_IMAGE_NEEDS);
  assert_true(failed(&r.res.decision, "images.signature.internal"));
  expect_in(r.res.decision.message, names[N - 1]);
  done(&r);
  adm_config_free(cfg);
}

/* A malformed image under a verify-only rule is refused, not skipped. */
static void malformed_image_is_refused(void **state) {
  (void)state;
  USE_ANSWERS();
  struct adm_config *cfg = policy(NULL, NULL, NULL);
  const char *bad = "Registry.example.com/UPPER:v1";
  struct run r;
  judge(&r, cfg, review("prod", &bad, 1), NULL);
  assert_false(r.res.decision.allowed);
  assert_true(failed(&r.res.decision, "images.reference"));
  assert_int_equal(fake.gathers, 0);
  done(&r);
  adm_config_free(cfg);
}

/* Every allocation of a verified decision failed in turn: an error answer each time. */
static void failed_allocations_fail_closed(void **state) {
  (void)state;
  USE_ANSWERS();
  fake.cached = true;
  struct adm_config *cfg = policy(NULL, NULL, NULL);
  const char *imgs[] = {IMG_OK, IMG_BAD};
  char body[16384];
  snprintf(body, sizeof body, "%s", review("prod", imgs, 2));
  for (unsigned fail_at = 1;; fail_at++) {
    struct adm_arena a;
    struct adm_pipeline_result res;
    bool tripped = test_run_failing_at(cfg, body, fail_at, &a, &res);
    if (res.decided)
      assert_false(res.decision.allowed); /* the unsigned image denies it, or an error answer */
    else
      assert_true(res.http_status == 413 || res.http_status == 429 || res.http_status == 500);
    if (res.decoded)
      adm_review_request_release(&res.req);
    adm_arena_free(&a);
    if (!tripped) {
      print_message("failed each of %u allocations in turn\n", fail_at - 1);
      break;
    }
    assert_false(res.decided);
  }
  adm_config_free(cfg);
}

/* Queued behind a slow image of its own share, an image that would start
 * with too little time left is BUSY (admitd's queue), never a deadline
 * that onRegistryError could forgive. */
static void queued_images_out_of_time_are_busy(void **state) {
  (void)state;
  USE_ANSWERS();
  struct adm_config *cfg = policy(NULL, NULL, NULL);
  enum { N = 9 }; /* one more than the shares: share 0 has needs 0 and 8 */
  struct adm_image_need needs[N];
  struct adm_gathered_fact out[N];
  for (int i = 0; i < N; i++) {
    memset(&needs[i], 0, sizeof needs[i]);
    snprintf(needs[i].image, sizeof needs[i].image, "registry.example.com/%s%d:v1", i == 0 ? "slow" : "app", i);
  }
  fake.gathers = 0;
  uint64_t busy = adm_facts_busy_total();
  adm_facts_gather(cfg, needs, N, adm_verifier_now_ms() + 200, 0, out);
  assert_int_equal(out[8].outcome, ADM_SIG_BUSY);
  assert_int_equal(adm_facts_busy_total(), busy + 1); /* counted, for admitd_image_verifications_total */
  expect_in(out[8].detail, "no time was left");
  assert_int_equal(fake.gathers, N - 1);
  assert_false(adm_sig_outcome_is_registry_error(ADM_SIG_BUSY));
  adm_config_free(cfg);
}

/* An image asked late, behind a slow image of the same pod, whose registry
 * then runs out of time is BUSY, never a deadline onRegistryError could
 * forgive: a caller cannot put a slow decoy before an unsigned image to
 * have it let through. One asked at the start keeps its deadline. */
static void late_images_out_of_time_are_busy_not_deadline(void **state) {
  (void)state;
  static const struct fake_answer late[] = {
      {"registry.example.com/app1:v1", ADM_SIG_DEADLINE},
      {"registry.example.com/app8:v1", ADM_SIG_DEADLINE},
  };
  use(late, sizeof late / sizeof *late);
  struct adm_config *cfg = policy(NULL, NULL, NULL);
  enum { N = 9 }; /* one more than the shares: share 0 has needs 0 and 8 */
  struct adm_image_need needs[N];
  struct adm_gathered_fact out[N];
  for (int i = 0; i < N; i++) {
    memset(&needs[i], 0, sizeof needs[i]);
    snprintf(needs[i].image, sizeof needs[i].image, "registry.example.com/%s%d:v1", i == 0 ? "slow" : "app", i);
  }
  uint64_t busy = adm_facts_busy_total();
  adm_facts_gather(cfg, needs, N, adm_verifier_now_ms() + 2000, 0, out);
  assert_int_equal(out[1].outcome, ADM_SIG_DEADLINE); /* asked at once: the registry's own time ran out */
  assert_int_equal(out[8].outcome, ADM_SIG_BUSY);     /* asked after the slow one: not forgivable */
  expect_in(out[8].detail, "asked late");
  assert_int_equal(adm_facts_busy_total(), busy + 1);
  adm_config_free(cfg);
}

/* The server's slotted path, with every allocation failed in turn: an
 * error answer or a denial each time, never an allowed unsigned image. */
struct slotted_fake {
  struct adm_arena *arena;
  struct adm_pipeline_result *res;
  const struct adm_config *cfg;
  unsigned released;
  bool no_slot;            /* reacquire finds none */
  int64_t gather_deadline; /* what gather was given */
  int64_t reacquire_by;    /* what reacquire was given */
};

static void sf_release(void *p) {
  struct slotted_fake *f = p;
  f->released++;
  adm_arena_recycle(f->arena, 0);
}

static void sf_gather(void *p, const struct adm_image_need *needs, size_t n, int64_t deadline_ms,
                      struct adm_gathered_fact *out) {
  struct slotted_fake *f = p;
  f->gather_deadline = deadline_ms;
  adm_facts_gather(f->cfg, needs, n, deadline_ms, 0, out);
}

static bool sf_reacquire(void *p, int64_t deadline_ms, struct adm_arena **arena, struct adm_pipeline_result **out) {
  struct slotted_fake *f = p;
  f->reacquire_by = deadline_ms;
  if (f->no_slot)
    return false;
  *arena = f->arena;
  *out = f->res;
  return true;
}

static const struct adm_slot_ops sf_ops = {sf_release, sf_gather, sf_reacquire};

static void slotted_path_fails_closed(void **state) {
  (void)state;
  char body[16384];
  struct adm_config *cfg = signed_and_unsigned(body, sizeof body);
  unsigned failed_allocs = 0;
  for (unsigned fail_at = 1;; fail_at++) {
    struct adm_arena a;
    adm_arena_init(&a, 0, 0);
    char copy[16384];
    snprintf(copy, sizeof copy, "%s", body);
    a.fail_at = fail_at;
    struct adm_pipeline_result res, *answer = NULL;
    struct slotted_fake f = {.arena = &a, .res = &res, .cfg = cfg};
    struct adm_pipeline_options o = facts_opts(ADM_FACTS_SUSPEND, NULL, 0);
    o.deadline_ms = adm_verifier_now_ms() + 2000;
    o.margin_ms = 250;
    o.slots = &sf_ops;
    o.slots_ctx = &f;
    o.body_held = strlen(copy);
    enum adm_pipeline_status st = adm_pipeline_run(&o, cfg, copy, strlen(copy), &a, &res, &answer);
    assert_int_equal(st, ADM_PIPELINE_ANSWERED);
    bool tripped = a.failure != ADM_ARENA_OK;
    if (answer->decided)
      assert_false(answer->decision.allowed);
    else
      assert_true(answer->http_status >= 400);
    if (answer->decoded)
      adm_review_request_release(&answer->req);
    adm_arena_free(&a);
    if (!tripped) {
      assert_int_equal(f.released, 1); /* the slot was let go while registries were asked */
      break;
    }
    failed_allocs++;
    assert_false(answer->decided);
  }
  print_message("failed each of %u allocations of the slotted path in turn\n", failed_allocs);
  adm_config_free(cfg);
}

/* No slot free again by the deadline and half the margin: no answer is
 * made, and the slot first held was let go (the server answers 503). */
static void slotted_path_without_a_slot_again_answers_nothing(void **state) {
  (void)state;
  char body[16384];
  struct adm_config *cfg = signed_and_unsigned(body, sizeof body);
  struct adm_arena a;
  adm_arena_init(&a, 0, 0);
  struct adm_pipeline_result res, *answer = NULL;
  struct slotted_fake f = {.arena = &a, .res = &res, .cfg = cfg, .no_slot = true};
  struct adm_pipeline_options o = facts_opts(ADM_FACTS_SUSPEND, NULL, 0);
  o.deadline_ms = adm_verifier_now_ms() + 2000;
  o.margin_ms = 250;
  o.slots = &sf_ops;
  o.slots_ctx = &f;
  assert_int_equal(adm_pipeline_run(&o, cfg, body, strlen(body), &a, &res, &answer), ADM_PIPELINE_NO_SLOT);
  assert_int_equal(f.released, 1);
  assert_int_equal(f.gather_deadline, o.deadline_ms);
  assert_int_equal(f.reacquire_by, o.deadline_ms + 125); /* half the margin */
  adm_arena_free(&a);
  adm_config_free(cfg);
}

/* Slot ops without a deadline: registries get the policy's, from now. */
static void slotted_path_defaults_to_the_policy_deadline(void **state) {
  (void)state;
  char body[16384];
  struct adm_config *cfg = signed_and_unsigned(body, sizeof body);
  struct adm_arena a;
  adm_arena_init(&a, 0, 0);
  struct adm_pipeline_result res, *answer = NULL;
  struct slotted_fake f = {.arena = &a, .res = &res, .cfg = cfg};
  struct adm_pipeline_options o = facts_opts(ADM_FACTS_SUSPEND, NULL, 0);
  o.slots = &sf_ops;
  o.slots_ctx = &f;
  int64_t before = adm_verifier_now_ms();
  assert_int_equal(adm_pipeline_run(&o, cfg, body, strlen(body), &a, &res, &answer), ADM_PIPELINE_ANSWERED);
  int64_t after = adm_verifier_now_ms();
  assert_int_equal(f.released, 1);
  assert_true(f.gather_deadline >= before + cfg->images.deadline_ms);
  assert_true(f.gather_deadline <= after + cfg->images.deadline_ms);
  assert_true(answer->decided);
  assert_false(answer->decision.allowed); /* one image is unsigned */
  if (answer->decoded)
    adm_review_request_release(&answer->req);
  adm_arena_free(&a);
  adm_config_free(cfg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(verified_is_allowed_and_recorded),
      cmocka_unit_test(each_failure_denies_naming_its_outcome),
      cmocka_unit_test(denied_requests_ask_no_registry),
      cmocka_unit_test(on_registry_error_warn_allow_deny),
      cmocka_unit_test(modes_and_dry_run),
      cmocka_unit_test(unpinned_images_are_refused_without_a_registry),
      cmocka_unit_test(unpinned_images_in_other_modes_are_still_verified),
      cmocka_unit_test(suspended_pipeline_resumes_with_given_facts),
      cmocka_unit_test(update_verifies_only_new_images),
      cmocka_unit_test(update_exemption_is_per_container),
      cmocka_unit_test(update_keeps_an_unpinned_image),
      cmocka_unit_test(annotations_are_bounded),
      cmocka_unit_test(queued_images_out_of_time_are_busy),
      cmocka_unit_test(late_images_out_of_time_are_busy_not_deadline),
      cmocka_unit_test(slotted_path_fails_closed),
      cmocka_unit_test(slotted_path_without_a_slot_again_answers_nothing),
      cmocka_unit_test(slotted_path_defaults_to_the_policy_deadline),
      cmocka_unit_test(no_backend_fails_closed),
      cmocka_unit_test(too_many_images_fail_closed),
      cmocka_unit_test(malformed_image_is_refused),
      cmocka_unit_test(failed_allocations_fail_closed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
