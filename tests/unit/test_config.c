/* server/core/config.c: every key of the policy file, both upstream formats, and
 * errors that carry file:line:col and the key. */
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

#include "admitd/config.h"

static int parse(const char *yaml, struct adm_config **cfg, struct adm_error *err) {
  return adm_config_parse(yaml, strlen(yaml), "policy.yaml", cfg, err);
}

static void full_policy_parses(void **state) {
  (void)state;
  struct adm_config *cfg;
  struct adm_error err = {0};
  assert_int_equal(
      parse("apiVersion: admitd.io/v1alpha1\n"
            "kind: Policy\n"
            "dryRun: true\n"
            "podSecurity:\n"
            "  defaults: {enforce: restricted, enforceVersion: v1.30, warn: baseline, warnVersion: latest,\n"
            "             audit: privileged, auditVersion: v1.0}\n"
            "  namespaces:\n"
            "    - names: [\"dev-*\"]\n"
            "      enforce: baseline\n"
            "  exemptions: {usernames: [a], runtimeClasses: [b, c], namespaces: []}\n"
            "  enforceOnWorkloads: true\n",
            &cfg, &err),
      0);
  assert_true(cfg->dry_run);
  assert_true(cfg->pod_security.enforce_on_workloads);
  assert_int_equal(cfg->pod_security.defaults.lv[ADM_MODE_ENFORCE].level, ADM_LEVEL_RESTRICTED);
  assert_int_equal(cfg->pod_security.defaults.lv[ADM_MODE_ENFORCE].minor, 30);
  assert_int_equal(cfg->pod_security.defaults.lv[ADM_MODE_WARN].minor, ADM_VERSION_LATEST);
  assert_int_equal(cfg->pod_security.defaults.lv[ADM_MODE_AUDIT].level, ADM_LEVEL_PRIVILEGED);
  assert_int_equal(cfg->pod_security.n_rules, 1);
  assert_int_equal(cfg->pod_security.exempt_runtime_classes.n, 2);
  assert_int_equal(cfg->pod_security.exempt_namespaces.n, 0);
  struct adm_mode_levels l = adm_config_levels_for(&cfg->pod_security, "dev-1");
  assert_int_equal(l.lv[ADM_MODE_ENFORCE].level, ADM_LEVEL_BASELINE);
  assert_int_equal(l.lv[ADM_MODE_ENFORCE].minor, 30); /* version not given: the default's */
  l = adm_config_levels_for(&cfg->pod_security, "prod");
  assert_int_equal(l.lv[ADM_MODE_ENFORCE].level, ADM_LEVEL_RESTRICTED);
  adm_config_free(cfg);
}

static void builtin_default(void **state) {
  (void)state;
  struct adm_config *cfg = adm_config_default();
  assert_int_equal(cfg->pod_security.defaults.lv[ADM_MODE_ENFORCE].level, ADM_LEVEL_BASELINE);
  assert_int_equal(cfg->pod_security.defaults.lv[ADM_MODE_WARN].level, ADM_LEVEL_RESTRICTED);
  assert_int_equal(cfg->pod_security.defaults.lv[ADM_MODE_AUDIT].level, ADM_LEVEL_RESTRICTED);
  assert_int_equal(cfg->pod_security.defaults.lv[ADM_MODE_ENFORCE].minor, ADM_VERSION_LATEST);
  assert_true(adm_names_contains(&cfg->pod_security.exempt_namespaces, "kube-system"));
  assert_false(adm_names_contains(&cfg->pod_security.exempt_namespaces, ""));
  adm_config_free(cfg);
}

static void expect_error(const char *yaml, int code, const char *where, const char *msg) {
  struct adm_config *cfg = NULL;
  struct adm_error err = {0};
  assert_int_equal(parse(yaml, &cfg, &err), code);
  assert_null(cfg);
  assert_string_equal(err.where, where);
  assert_str_contains(err.message, msg);
}

static void errors_name_line_column_and_key(void **state) {
  (void)state;
  const char *head = "apiVersion: admitd.io/v1alpha1\nkind: Policy\n";
  char buf[512];
  snprintf(buf, sizeof buf, "%spodSecurity:\n  defautls: {}\n", head);
  expect_error(buf, ADM_EUNKNOWN_KEY, "policy.yaml:4:3: podSecurity.defautls", "unknown key");
  snprintf(buf, sizeof buf, "%spodSecurity:\n  defaults:\n    enforce: strict\n", head);
  expect_error(buf, ADM_EINVAL, "policy.yaml:5:5: podSecurity.defaults.enforce", "unknown level \"strict\"");
  snprintf(buf, sizeof buf, "%spodSecurity:\n  defaults:\n    warnVersion: \"1.30\"\n", head);
  expect_error(buf, ADM_EINVAL, "policy.yaml:5:5: podSecurity.defaults.warnVersion", "invalid version \"1.30\"");
  snprintf(buf, sizeof buf, "%sdryRun: \"maybe\"\n", head);
  expect_error(buf, ADM_ETYPE, "policy.yaml:3:1: dryRun", "expected true or false, got a string");
  /* YAML 1.1 words kubectl reads as booleans are strings in a policy: say so. */
  snprintf(buf, sizeof buf, "%sdryRun: on\n", head);
  expect_error(buf, ADM_ETYPE, "policy.yaml:3:1: dryRun",
               "\"on\" is a string in a policy file (policy files are YAML 1.2, where only true and false are "
               "booleans): write true");
  snprintf(buf, sizeof buf, "%spodSecurity:\n  enforceOnWorkloads: no\n", head);
  expect_error(buf, ADM_ETYPE, "policy.yaml:4:3: podSecurity.enforceOnWorkloads", "write false");
  snprintf(buf, sizeof buf, "%spodSecurity:\n  namespaces:\n    - enforce: baseline\n", head);
  expect_error(buf, ADM_EMISSING, "policy.yaml:5:7: podSecurity.namespaces[0]", "names");
  snprintf(buf, sizeof buf, "%spodSecurity:\n  exemptions:\n    usernames: [ok, 3]\n", head);
  expect_error(buf, ADM_ETYPE, "policy.yaml:5:21: podSecurity.exemptions.usernames[1]",
               "expected a non-empty string, got a number");
  snprintf(buf, sizeof buf, "%simagez: {}\n", head);
  expect_error(buf, ADM_EUNKNOWN_KEY, "policy.yaml:3:1: imagez", "unknown key");
  /* images is a family section now: like the others, it needs rules. */
  snprintf(buf, sizeof buf, "%simages: {}\n", head);
  expect_error(buf, ADM_EMISSING, "policy.yaml:3:1: images", "a family needs rules");
  expect_error("apiVersion: v1\nkind: ConfigMap\n", ADM_EINVAL, "policy.yaml:1:1: apiVersion", "unknown document");
  expect_error("a: 1\n---\nb: 2\n", ADM_EINVAL, "policy.yaml", "exactly one YAML mapping");
  expect_error("a: [\n", ADM_EPARSE, "policy.yaml:2:1", "");
}

static void upstream_pod_security_configuration(void **state) {
  (void)state;
  struct adm_config *cfg;
  struct adm_error err = {0};
  assert_int_equal(parse("apiVersion: pod-security.admission.config.k8s.io/v1\n"
                         "kind: PodSecurityConfiguration\n"
                         "defaults:\n  enforce: baseline\n  enforce-version: v1.29\n  warn: restricted\n"
                         "exemptions:\n  usernames: []\n  runtimeClasses: []\n  namespaces: [kube-system, admitd]\n",
                         &cfg, &err),
                   0);
  assert_int_equal(cfg->pod_security.defaults.lv[ADM_MODE_ENFORCE].level, ADM_LEVEL_BASELINE);
  assert_int_equal(cfg->pod_security.defaults.lv[ADM_MODE_ENFORCE].minor, 29);
  assert_int_equal(cfg->pod_security.defaults.lv[ADM_MODE_WARN].level, ADM_LEVEL_RESTRICTED);
  /* Upstream's default for a mode left out is privileged. */
  assert_int_equal(cfg->pod_security.defaults.lv[ADM_MODE_AUDIT].level, ADM_LEVEL_PRIVILEGED);
  assert_int_equal(cfg->pod_security.exempt_namespaces.n, 2);
  /* As in the built-in admission, the namespaces' labels apply over these defaults. */
  assert_true(cfg->pod_security.namespace_labels);
  assert_true(cfg->reads_namespace_labels);
  adm_config_free(cfg);
  expect_error("apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\ndefaults:\n  "
               "enforceVersion: v1.2\n",
               ADM_EUNKNOWN_KEY, "policy.yaml:4:3: defaults.enforceVersion", "unknown key");
}

static void admission_configuration_wrapper(void **state) {
  (void)state;
  struct adm_config *cfg;
  struct adm_error err = {0};
  assert_int_equal(parse("apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n"
                         "- name: Other\n  configuration: {}\n"
                         "- name: PodSecurity\n  configuration:\n"
                         "    apiVersion: pod-security.admission.config.k8s.io/v1\n    kind: PodSecurityConfiguration\n"
                         "    defaults: {enforce: restricted}\n",
                         &cfg, &err),
                   0);
  assert_int_equal(cfg->pod_security.defaults.lv[ADM_MODE_ENFORCE].level, ADM_LEVEL_RESTRICTED);
  adm_config_free(cfg);
  expect_error("apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: Other\n",
               ADM_EMISSING, "policy.yaml:3:1: plugins", "no PodSecurity plugin");
  expect_error("apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: PodSecurity\n  "
               "path: x.yaml\n",
               ADM_EMISSING, "policy.yaml:4:3: plugins[0].configuration", "inline configuration");
}

static void load_reads_files(void **state) {
  (void)state;
  struct adm_config *cfg;
  struct adm_error err = {0};
  assert_int_equal(adm_config_load("/nonexistent/policy.yaml", &cfg, &err), ADM_EIO);
  assert_str_contains(err.where, "/nonexistent/policy.yaml");
}

static const char *const FAMILIES =
    "apiVersion: admitd.io/v1alpha1\n"
    "kind: Policy\n"
    "resources:\n"
    "  mode: warn\n"
    "  workloads: ignore\n"
    "  rules:\n"
    "    - name: prod limits\n"
    "      namespaces: [\"prod-*\"]\n"
    "      excludeNamespaces: [prod-batch]\n"
    "      selector:\n"
    "        matchLabels: {tier: web}\n"
    "        matchExpressions: [{key: team, operator: In, values: [a, b]}, {key: legacy, operator: DoesNotExist}]\n"
    "      mode: enforce\n"
    "      requireRequests: [cpu, memory]\n"
    "      requireLimits: [memory, nvidia.com/gpu, hugepages-2Mi]\n"
    "      min: {memory: \" 16Mi\\t\"}\n"
    "      max: {cpu: \"4\", memory: 8Gi}\n"
    "      maxLimitRequestRatio: {cpu: 4}\n"
    "      podMax: {memory: 16Gi}\n"
    "securityContext:\n"
    "  rules:\n"
    "    - readOnlyRootFilesystem: true\n"
    "      runAsUser: {min: 1000}\n"
    "      allowedCapabilities: []\n"
    "      requiredDropCapabilities: [ALL]\n"
    "      automountServiceAccountToken: false\n"
    "      allowedAutomountServiceAccounts: [builder]\n"
    "      allowedSeccompProfiles: [RuntimeDefault, \"Localhost/profiles/*\"]\n"
    "      allowPrivilegeEscalation: false\n"
    "      forbiddenSysctls: [\"kernel.*\"]\n";

static void family_sections_parse(void **state) {
  (void)state;
  struct adm_config *cfg;
  struct adm_error err = {0};
  if (parse(FAMILIES, &cfg, &err) < 0)
    fail_msg("expected the policy to parse: %s: %s", err.where, err.message);
  const struct adm_family_config *res = &cfg->families[ADM_FAMILY_RESOURCES];
  assert_true(res->configured);
  assert_int_equal(res->mode, ADM_MODE_WARN);
  assert_int_equal(res->workloads, ADM_WORKLOADS_IGNORE);
  assert_int_equal(res->n_rules, 1);
  const struct adm_family_rule *r = &res->rules[0];
  assert_string_equal(r->name, "prod limits");
  assert_int_equal(r->line, 7);
  assert_true(r->has_mode);
  assert_int_equal(r->mode, ADM_MODE_ENFORCE);
  assert_int_equal(r->selector.n, 3); /* one matchLabels entry, two expressions */
  assert_int_equal(r->selector.reqs[1].op, ADM_SEL_IN);
  assert_int_equal(r->selector.reqs[1].n_values, 2);
  assert_int_equal(adm_rule_resources(&r->settings)->require_limits.n, 3);
  assert_int_equal(adm_rule_resources(&r->settings)->max.n, 2);
  assert_string_equal(adm_rule_resources(&r->settings)->max_ratio.items[0].text, "4");
  /* Decoded as the API server decodes a quantity: white space around it dropped. */
  assert_string_equal(adm_rule_resources(&r->settings)->min.items[0].text, "16Mi");
  assert_true(adm_rule_resources(&r->settings)->min.items[0].value.coef == 16u << 20);
  const struct adm_family_config *sc = &cfg->families[ADM_FAMILY_SECURITY_CONTEXT];
  assert_int_equal(sc->mode, ADM_MODE_ENFORCE); /* the default */
  assert_int_equal(sc->workloads, ADM_WORKLOADS_ENFORCE);
  const struct adm_sc_rule *x = adm_rule_sc(&sc->rules[0].settings);
  assert_true(x->require_read_only_root_filesystem);
  assert_true(x->run_as_user.has_min && !x->run_as_user.has_max);
  assert_true(x->has_allowed_capabilities);
  assert_int_equal(x->allowed_capabilities.n, 0);
  assert_true(x->forbid_automount_token);
  assert_true(x->require_no_privilege_escalation);
  assert_false(x->has_allowed_unsafe_sysctls);
  assert_false(cfg->families[ADM_FAMILY_IMAGES].configured);
  adm_config_free(cfg);
}

struct collected {
  char lines[16][400];
  size_t n;
};

static void collect(void *ctx, const struct adm_error *e) {
  struct collected *c = ctx;
  if (c->n < 16) {
    adm_error_format(e, c->lines[c->n], sizeof c->lines[0]);
    c->n++;
  }
}

/* yaml, read as p.yaml, is refused; every error is collected into c. */
static void parse_failing(const char *yaml, struct collected *c, struct adm_error *err) {
  struct adm_config *cfg = NULL;
  assert_true(adm_config_parse_report(yaml, strlen(yaml), "p.yaml", &cfg, err, collect, c) < 0);
  assert_null(cfg);
}

/* Each of want is part of some reported error. */
static void expect_reported(const struct collected *c, const char *const *want, size_t n) {
  for (size_t i = 0; i < n; i++) {
    bool found = false;
    for (size_t j = 0; j < c->n && !found; j++)
      found = strstr(c->lines[j], want[i]) != NULL;
    if (!found) {
      for (size_t j = 0; j < c->n; j++)
        print_message("reported: %s\n", c->lines[j]);
      fail_msg("expected an error containing [%s]", want[i]);
    }
  }
}

/* check-config reports every mistake of a file at once, each placed. */
static void family_errors_are_all_reported(void **state) {
  (void)state;
  const char *yaml = "apiVersion: admitd.io/v1alpha1\n"
                     "kind: Policy\n"
                     "resources:\n"
                     "  mode: strict\n"
                     "  rules:\n"
                     "    - requireLimits: [memroy]\n"
                     "      min: {memory: 2Gi}\n"
                     "      max: {memory: 1Gi}\n"
                     "    - namespaces: [a]\n"
                     "    - max: {cpu: 1x}\n"
                     "      maxLimitRequestRatio: {cpu: \"0.5\"}\n"
                     "      limits: {cpu: 1}\n"
                     "securityContext:\n"
                     "  workloads: sometimes\n"
                     "  rules:\n"
                     "    - runAsUser: {min: 10, max: 5}\n"
                     "      selector: {matchExpressions: [{key: a, operator: In}]}\n"
                     "      allowedSeccompProfiles: [Default]\n"
                     "      automountServiceAccountToken: true\n";
  struct collected c = {0};
  struct adm_error err = {0};
  parse_failing(yaml, &c, &err);
  static const char *const want[] = {
      "p.yaml:4:3: resources.mode: unknown mode \"strict\"",
      "p.yaml:6:23: resources.rules[0].requireLimits[0]: \"memroy\" is not a resource name",
      "p.yaml:7:13: resources.rules[0].min.memory: min is greater than max (1Gi)",
      "p.yaml:9:7: resources.rules[1]: the rule has no effect",
      "p.yaml:12:7: resources.rules[2].limits: unknown key",
      "p.yaml:10:13: resources.rules[2].max.cpu: \"1x\": not a quantity",
      "p.yaml:14:3: securityContext.workloads: unknown value \"sometimes\"",
      "p.yaml:16:7: securityContext.rules[0].runAsUser: min is greater than max",
      "p.yaml:17:46: securityContext.rules[0].selector.matchExpressions[0]: In needs a non-empty values list",
      "resources.rules[2].maxLimitRequestRatio.cpu: a limit to request ratio is at least 1, got 0.5",
      "p.yaml:18:32: securityContext.rules[0].allowedSeccompProfiles[0]: \"Default\" is not a profile",
      "p.yaml:19:7: securityContext.rules[0].automountServiceAccountToken: only false can be required",
  };
  expect_reported(&c, want, sizeof want / sizeof want[0]);
  /* The ratio below 1 is the 12th mistake: all are there, the first is in err. */
  assert_true(c.n >= 12);
  assert_str_contains(err.where, "resources.mode");
}

static void images_rules_parse(void **state) {
  (void)state;
  const char *yaml = "apiVersion: admitd.io/v1alpha1\n"
                     "kind: Policy\n"
                     "images:\n"
                     "  mode: warn\n"
                     "  rules:\n"
                     "    - namespaces: [\"prod-*\"]\n"
                     "      allow: [\"registry.example.com/**\", nginx, \"index.docker.io/library/redis:7.*\"]\n"
                     "      deny: [\"**:latest\"]\n"
                     "      requireDigest: [\"registry.example.com/prod/**\"]\n"
                     "    - mode: enforce\n"
                     "      forbidLatest: true\n"
                     "      allowedTags: [\"v*\", \"1.*\"]\n";
  struct adm_config *cfg;
  struct adm_error err = {0};
  if (parse(yaml, &cfg, &err) < 0)
    fail_msg("expected the policy to parse: %s: %s", err.where, err.message);
  const struct adm_family_config *fc = &cfg->families[ADM_FAMILY_IMAGES];
  assert_true(fc->configured);
  assert_int_equal(fc->mode, ADM_MODE_WARN);
  assert_int_equal(fc->n_rules, 2);
  const struct adm_images_rule *a = adm_rule_images(&fc->rules[0].settings);
  assert_int_equal(a->allow.n, 3);
  /* Kept as written for messages, normalized for matching. */
  assert_string_equal(a->allow.items[1].text, "nginx");
  assert_string_equal(a->allow.items[1].pattern.name, "docker.io/library/nginx");
  assert_string_equal(a->allow.items[2].pattern.name, "docker.io/library/redis");
  assert_true(a->allow.items[2].pattern.has_tag);
  assert_string_equal(a->allow.items[2].pattern.tag, "7.*");
  assert_int_equal(a->deny.n, 1);
  assert_string_equal(a->deny.items[0].pattern.name, "**");
  assert_string_equal(a->deny.items[0].pattern.tag, "latest");
  assert_int_equal(a->require_digest.n, 1);
  assert_false(a->forbid_latest);
  assert_false(a->has_allowed_tags);
  const struct adm_images_rule *b = adm_rule_images(&fc->rules[1].settings);
  assert_true(fc->rules[1].has_mode);
  assert_true(b->forbid_latest);
  assert_true(b->has_allowed_tags);
  assert_int_equal(b->allowed_tags.n, 2);
  assert_int_equal(b->allow.n, 0);
  assert_false(cfg->families[ADM_FAMILY_RESOURCES].configured);
  adm_config_free(cfg);
}

/* Bad patterns and tag globs name the entry, its line and column, and why. */
static void images_errors_are_all_reported(void **state) {
  (void)state;
  const char *yaml = "apiVersion: admitd.io/v1alpha1\n"
                     "kind: Policy\n"
                     "images:\n"
                     "  rules:\n"
                     "    - allow: [\"registry.example.com/**\", \"Bad/Repo\"]\n"
                     "      deny: [\"a/***/b\"]\n"
                     "      requireDigest: [\"x/y@sha256:*\"]\n"
                     "      forbidLatest: false\n"
                     "      allowedTags: [\"v1.*\", \"-x\"]\n"
                     "    - allow: []\n"
                     "    - namespaces: [a]\n"
                     "    - allowedTags: []\n"
                     "    - deny: [\"nginx:1.2?\"]\n"
                     "      frobnicate: []\n";
  struct collected c = {0};
  struct adm_error err = {0};
  parse_failing(yaml, &c, &err);
  static const char *const want[] = {
      "p.yaml:5:42: images.rules[0].allow[1]: \"Bad/Repo\" is not an image pattern: repository name must be lowercase",
      "p.yaml:6:14: images.rules[0].deny[0]: \"a/***/b\" is not an image pattern: \"**\" must be a whole path "
      "component",
      "p.yaml:7:23: images.rules[0].requireDigest[0]: \"x/y@sha256:*\": a requireDigest pattern names images, not "
      "digests",
      "p.yaml:8:7: images.rules[0].forbidLatest: only true can be required",
      "p.yaml:9:29: images.rules[0].allowedTags[1]: \"-x\" is not a tag glob: invalid tag pattern",
      "p.yaml:10:7: images.rules[1].allow: an empty allow list admits no image",
      "p.yaml:11:7: images.rules[2]: the rule has no effect",
      "p.yaml:12:7: images.rules[3].allowedTags: an empty list allows no tag",
      "p.yaml:13:14: images.rules[4].deny[0]: \"nginx:1.2?\" is not an image pattern: invalid tag pattern",
      "p.yaml:14:7: images.rules[4].frobnicate: unknown key",
  };
  expect_reported(&c, want, sizeof want / sizeof want[0]);
  assert_int_equal(c.n, sizeof want / sizeof want[0]);
}

/* The start of a policy with the fixtures' trusted root as "public-good"
 * (one %s: the source directory). */
#define SIGSTORE_POLICY_HEAD                                                                                           \
  "apiVersion: admitd.io/v1alpha1\nkind: Policy\nimages:\n  trustedRoots:\n"                                           \
  "    - {name: public-good, file: '%s/tests/fixtures/sigstore/trusted_root.json'}\n"

/* A policy with the fixtures' trusted root and one keyless authority "f"
 * (keyless: its mapping's keys), then rules (from "  rules:"). */
static void keyless_policy(char *yaml, size_t cap, const char *keyless, const char *rules) {
  const char *src = getenv("ADMITD_SOURCE_DIR");
  snprintf(yaml, cap, SIGSTORE_POLICY_HEAD "  authorities:\n    - name: f\n      keyless: {%s}\n%s", src ? src : ".",
           keyless, rules);
}

/* Trusted roots, keyless authorities and attestations: each mistake named
 * at its path. */
static void sigstore_errors_are_all_reported(void **state) {
  (void)state;
  const char *src = getenv("ADMITD_SOURCE_DIR");
  char yaml[4096];
  snprintf(yaml, sizeof yaml,
           SIGSTORE_POLICY_HEAD "    - {name: public-good, file: /nonexistent/admitd/trusted_root.json}\n"
                                "    - {name: 'bad name', file: x, url: y}\n"
                                "  authorities:\n"
                                "    - name: a\n"
                                "      keyless: {trustedRoot: nope, issuer: i, issuerRegExp: j, subject: s}\n"
                                "    - name: b\n"
                                "      keyless: {trustedRoot: public-good, issuer: i, subjectRegExp: '('}\n"
                                "    - name: c\n"
                                "      keyless: {issuer: i, subject: s, claims: {sourceRepositoryRef: [x]}}\n"
                                "    - name: d\n"
                                "      key: 'PEM'\n"
                                "      requireTlog: true\n"
                                "    - name: e\n"
                                "      key: 'PEM'\n"
                                "      keyless: {trustedRoot: public-good, issuer: i, subject: s}\n"
                                "    - name: f\n"
                                "      keyless: {trustedRoot: public-good, issuer: i, subject: s}\n"
                                "      rsaPss: true\n"
                                "      trustedRoot: public-good\n"
                                "      requireTlog: true\n",
           src ? src : ".");
  struct collected c = {0};
  struct adm_error err = {0};
  parse_failing(yaml, &c, &err);
  static const char *const want[] = {
      "p.yaml:6:7: images.trustedRoots[1].name: \"public-good\" is already the name of another trusted root",
      "images.trustedRoots[1].file: cannot read it",
      "images.trustedRoots[2].name: \"bad name\" is not a name",
      "images.trustedRoots[2].url: unknown key",
      "images.authorities[0].keyless.trustedRoot: \"nope\" is not the name of an entry of images.trustedRoots",
      "images.authorities[0].keyless.issuerRegExp: give issuer or issuerRegExp, not both",
      "images.authorities[1].keyless.subjectRegExp: \"(\" is not a regular expression",
      "images.authorities[2].keyless.trustedRoot: missing",
      "images.authorities[2].keyless.claims.sourceRepositoryRef: expected a non-empty string, got a list",
      "images.authorities[3].requireTlog: needs trustedRoot",
      "images.authorities[4]: give one of key, keyFile and keyless",
      "images.authorities[5].rsaPss: is for RSA keys; a keyless authority has none",
      "images.authorities[5].trustedRoot: of a keyless authority is written under keyless",
      "images.authorities[5].requireTlog: is for key authorities",
  };
  expect_reported(&c, want, sizeof want / sizeof want[0]);
  /* Neither subject nor issuer. */
  struct collected c2 = {0};
  keyless_policy(yaml, sizeof yaml, "trustedRoot: public-good", "");
  parse_failing(yaml, &c2, &err);
  static const char *const want2[] = {
      "images.authorities[0].keyless.issuer: give issuer or issuerRegExp, one of them",
      "images.authorities[0].keyless.subject: give subject or subjectRegExp, one of them",
  };
  expect_reported(&c2, want2, sizeof want2 / sizeof want2[0]);
}

/* A verify rule's attestations: each mistake named at its path. */
static void attestation_errors_are_all_reported(void **state) {
  (void)state;
  char yaml[4096];
  keyless_policy(yaml, sizeof yaml, "trustedRoot: public-good, issuer: i, subject: s",
                 "  rules:\n"
                 "    - verify:\n"
                 "        authorities: [f]\n"
                 "        attestations:\n"
                 "          - predicateType: https://slsa.dev/provenance/v1\n"
                 "            conditions:\n"
                 "              - {path: a..b, equals: x}\n"
                 "              - {path: a, equals: x, matches: y}\n"
                 "              - {path: a}\n"
                 "              - {path: a, maxAge: forever}\n"
                 "              - {path: a, oneOf: []}\n"
                 "              - {path: a, equals: [x]}\n"
                 "          - conditions: []\n");
  struct collected c = {0};
  struct adm_error err = {0};
  parse_failing(yaml, &c, &err);
  static const char *const want[] = {
      "images.rules[0].verify.attestations[0].conditions[0].path: \"a..b\" is not a dotted path",
      "images.rules[0].verify.attestations[0].conditions[1]: give one of equals, oneOf, matches and maxAge, not "
      "several",
      "images.rules[0].verify.attestations[0].conditions[2]: give one of equals, oneOf, matches and maxAge",
      "images.rules[0].verify.attestations[0].conditions[3].maxAge: \"forever\" is not a duration",
      "images.rules[0].verify.attestations[0].conditions[4].oneOf: an empty list matches nothing",
      "images.rules[0].verify.attestations[0].conditions[5].equals: expected a string, number or boolean, got a list",
      "images.rules[0].verify.attestations[1].predicateType: missing",
  };
  expect_reported(&c, want, sizeof want / sizeof want[0]);
}

/* A valid rule with attestations: what each condition holds, as text. */
static void attestation_values_load(void **state) {
  (void)state;
  char yaml[4096];
  keyless_policy(yaml, sizeof yaml,
                 "trustedRoot: public-good, issuerRegExp: 'https://.*', subject: s,"
                 " claims: {sourceRepositoryRef: refs/heads/main}",
                 "  rules:\n"
                 "    - verify:\n"
                 "        authorities: [f]\n"
                 "        attestations:\n"
                 "          - predicateType: t\n"
                 "            conditions:\n"
                 "              - {path: a.b, equals: 3}\n"
                 "              - {path: c, equals: true}\n"
                 "              - {path: d, oneOf: [x, y]}\n"
                 "              - {path: e, matches: 'https://*'}\n"
                 "              - {path: f, maxAge: 720h}\n"
                 "          - predicateType: u\n");
  struct adm_config *cfg = NULL;
  struct adm_error err = {0};
  if (adm_config_parse(yaml, strlen(yaml), "p.yaml", &cfg, &err) < 0)
    fail_msg("%s: %s", err.where, err.message);
  const struct adm_image_authority *a = &cfg->images.authorities[0];
  assert_true(a->keyless && a->issuer_regex && !a->subject_regex);
  assert_int_equal(a->trusted_root, 0);
  assert_int_equal(a->n_claims, 1);
  assert_string_equal(a->claims[0].value, "refs/heads/main");
  assert_int_equal(cfg->images.n_trusted_roots, 1);
  assert_true(cfg->images.trusted_roots[0].len > 100);
  const struct adm_images_verify *v = &adm_rule_images(&cfg->families[ADM_FAMILY_IMAGES].rules[0].settings)->verify;
  assert_int_equal(v->n_attestations, 2);
  const struct adm_attest_condition *c = v->attestations[0].conditions;
  assert_int_equal(v->attestations[0].n_conditions, 5);
  assert_string_equal(c[0].value, "3");
  assert_string_equal(c[1].value, "true");
  assert_int_equal(c[2].op, ADM_ATTEST_ONE_OF);
  assert_int_equal(c[2].one_of.n, 2);
  assert_int_equal(c[3].op, ADM_ATTEST_MATCHES);
  assert_int_equal(c[4].max_age_ms, 720LL * 3600 * 1000);
  assert_int_equal(v->attestations[1].n_conditions, 0);
  adm_config_free(cfg);
}

/* Files a policy names are read as it loads: a FIFO in the place of one
 * is refused at once (reading it would wait for a writer and hang the
 * reload), with its key and place. */
static void named_files_must_be_regular_files(void **state) {
  (void)state;
  alarm(10); /* a read that blocked would end the test here */
  char dir[] = "/tmp/admitd-fifo.XXXXXX";
  assert_non_null(mkdtemp(dir));
  char fifo[64];
  snprintf(fifo, sizeof fifo, "%s/pipe", dir);
  assert_int_equal(mkfifo(fifo, 0600), 0);
  char yaml[1024];
  snprintf(yaml, sizeof yaml,
           "apiVersion: admitd.io/v1alpha1\nkind: Policy\n"
           "images:\n"
           "  authorities:\n"
           "    - name: release\n"
           "      keyFile: %s\n"
           "  registries: [{host: r.example, caFile: %s}]\n"
           "  rules:\n"
           "    - verify: {images: ['r.example/**'], authorities: [release]}\n",
           fifo, fifo);
  struct collected c = {0};
  struct adm_error err = {0};
  parse_failing(yaml, &c, &err);
  static const char *const want[] = {
      "images.authorities[0].keyFile: cannot read it:",
      "not a regular file",
      "images.registries[0].caFile:",
      "is not a regular file; refused",
  };
  expect_reported(&c, want, sizeof want / sizeof want[0]);
  unlink(fifo);
  rmdir(dir);
  alarm(0);
}

/* Signature settings: every mistake reported, placed, naming the key. */
static void verify_errors_are_all_reported(void **state) {
  (void)state;
  const char *yaml = "apiVersion: admitd.io/v1alpha1\nkind: Policy\n"
                     "images:\n"
                     "  authorities:\n"
                     "    - name: release\n"
                     "      key: x\n"
                     "      keyFile: y\n"
                     "    - name: release\n"
                     "      keyFile: does-not-exist.pub\n"
                     "    - name: 'bad name'\n"
                     "  registries: [{host: 'https://r.example/x', insecure: 'yes', caFile: nope.pem}]\n"
                     "  cache: {ttl: 10 minutes, maxEntries: 0}\n"
                     "  deadline: 2d\n"
                     "  rules:\n"
                     "    - verify: {authorities: [release, nobody], threshold: 3, required: [qa]}\n"
                     "    - verify: {authorities: [release], threshold: some, onRegistryError: maybe}\n";
  struct collected c = {0};
  struct adm_error err = {0};
  parse_failing(yaml, &c, &err);
  static const char *const want[] = {
      "p.yaml:5:7: images.authorities[0]: give one of key, keyFile and keyless",
      "images.authorities[1].name: \"release\" is already the name of another authority",
      "p.yaml:9:7: images.authorities[1].keyFile: cannot read it:",
      "does-not-exist.pub",
      "p.yaml:10:7: images.authorities[2]: give the public key: key (PEM) or keyFile",
      "images.authorities[2].name: \"bad name\" is not a name",
      "images.registries[0].insecure: \"yes\" is a string in a policy file",
      "images.registries[0].host: \"https://r.example/x\" is not a registry host",
      "images.registries[0].caFile: cannot read nope.pem: No such file or directory",
      "images.cache.ttl: \"10 minutes\" is not a duration",
      "images.cache.maxEntries: out of range",
      "p.yaml:13:3: images.deadline: \"2d\" is not a duration",
      "images.rules[0].verify.authorities[1]: \"nobody\" is not the name of an entry of images.authorities",
      "images.rules[0].verify.required[0]: \"qa\" is not one of this rule's authorities",
      "images.rules[1].verify.threshold: want a whole number of authorities (1 or more) or \"all\"",
      "images.rules[1].verify.onRegistryError: unknown value \"maybe\" (want deny, warn or allow)",
  };
  expect_reported(&c, want, sizeof want / sizeof want[0]);

  const char *more = "apiVersion: admitd.io/v1alpha1\nkind: Policy\n"
                     "images:\n"
                     "  authorities: [{name: release, key: k}]\n"
                     "  rules:\n"
                     "    - verify: {authorities: [], signatureRepository: 'r.example/sigs:v1'}\n"
                     "    - verify: {authorities: [release, release], allowTags: yes}\n"
                     "resources:\n"
                     "  rules: [{verify: {authorities: [release]}}]\n";
  struct collected c2 = {0};
  parse_failing(more, &c2, &err);
  static const char *const want2[] = {
      "p.yaml:6:33: images.rules[0].verify.signatureRepository: \"r.example/sigs:v1\" is not a repository",
      "images.rules[0].verify.authorities: name at least one authority",
      "images.rules[1].verify.authorities[1]: \"release\" is named twice",
      "p.yaml:7:49: images.rules[1].verify.allowTags: \"yes\" is a string in a policy file",
      "resources.rules[0].verify: unknown key",
  };
  expect_reported(&c2, want2, sizeof want2 / sizeof want2[0]);
  /* verify without any authorities in the section. */
  const char *none = "apiVersion: admitd.io/v1alpha1\nkind: Policy\nimages:\n  rules: [{verify: {authorities: [a]}}]\n";
  struct collected c3 = {0};
  parse_failing(none, &c3, &err);
  static const char *const want3[] = {"images.rules[0].verify: verify needs signers"};
  expect_reported(&c3, want3, 1);
}

/* A verify rule that covers every image a caller may name, with no allow
 * list to bound them, loads with a placed warning; one with images or an
 * allow list does not. */
static void verify_without_bounds_warns(void **state) {
  (void)state;
  const char *yaml = "apiVersion: admitd.io/v1alpha1\nkind: Policy\n"
                     "images:\n"
                     "  authorities: [{name: a, key: k}]\n"
                     "  rules:\n"
                     "    - {namespaces: [x], verify: {authorities: [a]}}\n"
                     "    - {namespaces: [y], verify: {authorities: [a], images: ['r.example/**']}}\n"
                     "    - {namespaces: [z], allow: ['r.example/**'], verify: {authorities: [a]}}\n"
                     "    - namespaces: [w]\n"
                     "      verify:\n"
                     "        authorities: [a]\n";
  struct adm_config *cfg = NULL;
  struct adm_error err = {0};
  if (parse(yaml, &cfg, &err) < 0)
    fail_msg("expected the policy to load, got %s: %s", err.where, err.message);
  assert_int_equal(cfg->warnings.n, 2);
  const char *want = ": without images or an allow list in its rule, it verifies every image a pod names";
  const char *at[] = {"policy.yaml:6:25: images.rules[0].verify: ", "policy.yaml:10:7: images.rules[3].verify: "};
  for (size_t i = 0; i < 2; i++)
    if (strncmp(cfg->warnings.items[i], at[i], strlen(at[i])) != 0 || strstr(cfg->warnings.items[i], want) == NULL)
      fail_msg("expected warning %zu to start \"%s\" and say why, got \"%s\"", i, at[i], cfg->warnings.items[i]);
  adm_config_free(cfg);
}

/* allowTags lets a registry say which digest a tag is: without an allow
 * list in the rule, and with images patterns that match any registry, any
 * registry a pod names is trusted with that; patterns naming a registry
 * bound it. */
static void allow_tags_without_allow_list_warns(void **state) {
  (void)state;
  const char *yaml = "apiVersion: admitd.io/v1alpha1\nkind: Policy\n"
                     "images:\n"
                     "  authorities: [{name: a, key: k}]\n"
                     "  rules:\n"
                     "    - {namespaces: [x], verify: {authorities: [a], images: ['**'], allowTags: true}}\n"
                     "    - {namespaces: [y], allow: ['r.example/**'], verify: {authorities: [a], allowTags: true}}\n"
                     "    - {namespaces: [z], verify: {authorities: [a], images: ['r.example/**'], allowTags: true}}\n"
                     "    - {namespaces: [v], verify: {authorities: [a], images: ['*.io/app'], allowTags: true}}\n";
  struct adm_config *cfg = NULL;
  struct adm_error err = {0};
  if (parse(yaml, &cfg, &err) < 0)
    fail_msg("expected the policy to load, got %s: %s", err.where, err.message);
  assert_int_equal(cfg->warnings.n, 2);
  const char *at[] = {"policy.yaml:6:25: images.rules[0].verify: ", "policy.yaml:9:25: images.rules[3].verify: "};
  for (size_t i = 0; i < 2; i++)
    if (strncmp(cfg->warnings.items[i], at[i], strlen(at[i])) != 0 ||
        strstr(cfg->warnings.items[i], "allowTags without an allow list in its rule trusts any registry") == NULL)
      fail_msg("expected the allowTags warning at \"%s\", got \"%s\"", at[i], cfg->warnings.items[i]);
  adm_config_free(cfg);
}

/* Durations, defaults, thresholds and paths resolved against the policy file. */
static void verify_settings_parse(void **state) {
  (void)state;
  const char *yaml = "apiVersion: admitd.io/v1alpha1\nkind: Policy\n"
                     "images:\n"
                     "  authorities:\n"
                     "    - {name: a, key: k1}\n"
                     "    - {name: b, key: k2, rsaPss: true}\n"
                     "  registries: [{host: '127.0.0.1:5000', insecure: true, caFile: ecdsa-p256.pub}]\n"
                     "  credentialsFile: /etc/admitd/pull/.dockerconfigjson\n"
                     "  cache: {ttl: 5m, errorTtl: 1500ms, resolveTtl: 1h, maxEntries: 42}\n"
                     "  deadline: 2s\n"
                     "  rules:\n"
                     "    - verify: {authorities: [b, a], threshold: all, required: [a], onRegistryError: warn,\n"
                     "               signatureRepository: 'r.example/sigs', images: ['r.example/**'],\n"
                     "               allowTags: true}\n"
                     "    - verify: {authorities: [a]}\n";
  struct adm_config *cfg = NULL;
  struct adm_error err = {0};
  /* Paths are relative to the policy file: put it among the cosign fixtures. */
  char file[1024];
  const char *root = getenv("ADMITD_SOURCE_DIR");
  snprintf(file, sizeof file, "%s/tests/fixtures/cosign/p.yaml", root ? root : ".");
  if (adm_config_parse(yaml, strlen(yaml), file, &cfg, &err) < 0)
    fail_msg("%s: %s", err.where, err.message);
  const struct adm_images_settings *im = &cfg->images;
  assert_true(im->has_verify);
  assert_int_equal(im->n_authorities, 2);
  assert_true(im->authorities[1].rsa_pss);
  const char *ca = im->registries[0].ca_file, *tail = "/tests/fixtures/cosign/ecdsa-p256.pub";
  assert_true(strlen(ca) > strlen(tail));
  assert_string_equal(ca + strlen(ca) - strlen(tail), tail);
  assert_string_equal(im->credentials_file, "/etc/admitd/pull/.dockerconfigjson");
  assert_int_equal(im->cache_ttl_ms, 300000);
  assert_int_equal(im->cache_error_ttl_ms, 1500);
  assert_int_equal(im->cache_resolve_ttl_ms, 3600000);
  assert_int_equal(im->cache_max_entries, 42);
  assert_int_equal(im->deadline_ms, 2000);
  const struct adm_images_verify *v = &cfg->families[ADM_FAMILY_IMAGES].rules[0].settings.u.images.verify;
  assert_true(v->set);
  assert_int_equal(v->threshold, 0);
  assert_int_equal(v->authority_index[0], 1);
  assert_int_equal(v->authority_index[1], 0);
  assert_string_equal(v->signature_repository, "r.example/sigs");
  assert_int_equal(v->on_registry_error, ADM_ON_REGISTRY_ERROR_WARN);
  assert_true(v->allow_tags);
  const struct adm_images_verify *w = &cfg->families[ADM_FAMILY_IMAGES].rules[1].settings.u.images.verify;
  assert_int_equal(w->threshold, 1);
  assert_int_equal(w->images.n, 0);
  assert_int_equal(w->on_registry_error, ADM_ON_REGISTRY_ERROR_DENY);
  assert_false(w->allow_tags); /* tags must be pinned unless the rule says otherwise */
  adm_config_free(cfg);
  /* The default deadline. */
  const char *small = "apiVersion: admitd.io/v1alpha1\nkind: Policy\nimages:\n  authorities: [{name: a, key: k}]\n"
                      "  rules: [{verify: {authorities: [a]}}]\n";
  assert_int_equal(adm_config_parse(small, strlen(small), "p.yaml", &cfg, &err), 0);
  assert_int_equal(cfg->images.deadline_ms, ADM_IMAGES_DEADLINE_DEFAULT_MS);
  adm_config_free(cfg);
}

/* Selector values are label values; an empty namespaces list is refused
 * rather than quietly meaning every namespace. */
static void selector_values_and_empty_namespaces(void **state) {
  (void)state;
  const char *yaml = "apiVersion: admitd.io/v1alpha1\nkind: Policy\n"
                     "securityContext:\n  rules:\n"
                     "    - namespaces: []\n"
                     "      selector: {matchExpressions: [{key: tier, operator: NotIn, values: [web, 'bad value!']}]}\n"
                     "      readOnlyRootFilesystem: true\n";
  struct collected c = {0};
  struct adm_config *cfg = NULL;
  struct adm_error err = {0};
  assert_true(adm_config_parse_report(yaml, strlen(yaml), "p.yaml", &cfg, &err, collect, &c) < 0);
  assert_int_equal(c.n, 2);
  assert_str_contains(c.lines[0], "p.yaml:5:7: securityContext.rules[0].namespaces: an empty list");
  assert_str_contains(c.lines[1],
                      "securityContext.rules[0].selector.matchExpressions[0].values[1]: \"bad value!\" is not "
                      "a label value");
}

/* `admitd keys` prints every key of the policy file, each once and with
 * its doc, from the same tables the parser refuses unknown keys by. */
static void keys_print_every_key_once(void **state) {
  (void)state;
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  assert_non_null(out);
  adm_config_keys_print(out);
  assert_int_equal(fclose(out), 0);
  static const char *const want[] = {
      "apiVersion",
      "kind",
      "dryRun",
      "podSecurity.defaults.enforce",
      "podSecurity.defaults.warnVersion",
      "podSecurity.namespaces",
      "podSecurity.namespaces[].names",
      "podSecurity.namespaces[].auditVersion",
      "podSecurity.exemptions.usernames",
      "podSecurity.exemptions.runtimeClasses",
      "podSecurity.exemptions.namespaces",
      "podSecurity.enforceOnWorkloads",
      "resources.mode",
      "resources.rules[].podMax",
      "securityContext.workloads",
      "images.authorities[].rsaPss",
      "images.registries[].caFile",
      "images.credentialsFile",
      "images.cache.resolveTtl",
      "images.cache.maxEntries",
      "images.deadline",
      "images.rules[].verify",
      "images.rules[].verify.threshold",
      "images.rules[].verify.allowTags",
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    char line[128];
    snprintf(line, sizeof line, "\n%s\t", want[i]);
    bool found = strncmp(text, line + 1, strlen(line + 1)) == 0 || strstr(text, line) != NULL;
    if (!found)
      fail_msg("admitd keys does not print %s:\n%s", want[i], text);
  }
  /* Every line is "key<TAB>doc" with a doc, and no key comes twice. */
  size_t n = 0;
  char *keys[256];
  for (char *line = text; *line && n < 256; n++) {
    char *end = strchr(line, '\n');
    assert_non_null(end);
    *end = '\0';
    char *tab = strchr(line, '\t');
    if (tab == NULL || tab[1] == '\0')
      fail_msg("a key without its doc: [%s]", line);
    *tab = '\0';
    for (size_t j = 0; j < n; j++)
      if (strcmp(keys[j], line) == 0)
        fail_msg("%s is printed twice", line);
    keys[n] = line;
    line = end + 1;
  }
  assert_true(n > 90 && n < 256);
  free(text);
}

/* Unknown keys are refused in every section the tables describe, each
 * reported and placed, and parsing goes on past them. */
static void unknown_keys_refused_in_every_section(void **state) {
  (void)state;
  struct collected c = {0};
  struct adm_error err = {0};
  parse_failing("apiVersion: admitd.io/v1alpha1\n"
                "kind: Policy\n"
                "podSecurity:\n"
                "  defaults: {enforce: baseline, enforce-version: latest}\n"
                "  namespaces:\n"
                "    - {names: [a], enforceversion: v1.30, warn: strict}\n"
                "  exemptions: {users: [x]}\n"
                "  enforceOnWorkloads: yes\n"
                "images:\n"
                "  authorities:\n"
                "    - {name: r, key: PEM, keyfile: x}\n"
                "  registries:\n"
                "    - {host: r.example.com, ca: x}\n"
                "  cache: {ttl: 1m, ttls: 1m, maxEntries: 0}\n"
                "  deadlines: 3s\n"
                "  rules:\n"
                "    - allow: [\"r.example.com/**\"]\n"
                "      verify: {authorities: [r], thresh: 1}\n",
                &c, &err);
  static const char *const want[] = {
      "p.yaml:4:33: podSecurity.defaults.enforce-version: unknown key",
      "p.yaml:6:20: podSecurity.namespaces[0].enforceversion: unknown key",
      "p.yaml:6:43: podSecurity.namespaces[0].warn: unknown level \"strict\"",
      "p.yaml:7:16: podSecurity.exemptions.users: unknown key",
      "p.yaml:8:3: podSecurity.enforceOnWorkloads: \"yes\" is a string",
      "p.yaml:11:27: images.authorities[0].keyfile: unknown key",
      "p.yaml:13:29: images.registries[0].ca: unknown key",
      "p.yaml:14:20: images.cache.ttls: unknown key",
      "p.yaml:14:30: images.cache.maxEntries: out of range",
      "p.yaml:15:3: images.deadlines: unknown key",
      "p.yaml:18:34: images.rules[0].verify.thresh: unknown key",
  };
  expect_reported(&c, want, sizeof want / sizeof want[0]);
  assert_int_equal(c.n, sizeof want / sizeof want[0]);
}

/* Upstream's formats know only upstream's keys, in upstream's spelling. */
static void upstream_formats_know_only_their_keys(void **state) {
  (void)state;
  struct collected c = {0};
  struct adm_error err = {0};
  parse_failing("apiVersion: pod-security.admission.config.k8s.io/v1\n"
                "kind: PodSecurityConfiguration\n"
                "dryRun: true\n"
                "defaults: {enforce: baseline, enforceVersion: latest, audit-version: v1.29, warn-Version: latest}\n"
                "exemptions: {runtime-classes: [a], runtimeClasses: [b]}\n"
                "enforceOnWorkloads: true\n",
                &c, &err);
  static const char *const want[] = {
      "p.yaml:3:1: dryRun: unknown key",
      "p.yaml:4:31: defaults.enforceVersion: unknown key",
      "p.yaml:4:77: defaults.warn-Version: unknown key",
      "p.yaml:5:14: exemptions.runtime-classes: unknown key",
      "p.yaml:6:1: enforceOnWorkloads: unknown key",
  };
  expect_reported(&c, want, sizeof want / sizeof want[0]);
  assert_int_equal(c.n, sizeof want / sizeof want[0]);

  struct collected c2 = {0};
  parse_failing("apiVersion: apiserver.config.k8s.io/v1\n"
                "kind: AdmissionConfiguration\n"
                "podSecurity: {}\n"
                "plugins: []\n",
                &c2, &err);
  static const char *const want2[] = {"p.yaml:3:1: podSecurity: unknown key"};
  expect_reported(&c2, want2, 1);
  assert_int_equal(c2.n, 1);

  /* audit-version and the exemptions are read into the snapshot. */
  struct adm_config *cfg = NULL;
  const char *ok = "apiVersion: pod-security.admission.config.k8s.io/v1\n"
                   "kind: PodSecurityConfiguration\n"
                   "defaults: {audit: restricted, audit-version: v1.29}\n"
                   "exemptions: {runtimeClasses: [kata]}\n";
  assert_int_equal(adm_config_parse(ok, strlen(ok), "p.yaml", &cfg, &err), 0);
  assert_int_equal(cfg->pod_security.defaults.lv[ADM_MODE_AUDIT].level, ADM_LEVEL_RESTRICTED);
  assert_int_equal(cfg->pod_security.defaults.lv[ADM_MODE_AUDIT].minor, 29);
  assert_int_equal(cfg->pod_security.defaults.lv[ADM_MODE_ENFORCE].level, ADM_LEVEL_PRIVILEGED);
  assert_true(adm_names_contains(&cfg->pod_security.exempt_runtime_classes, "kata"));
  adm_config_free(cfg);
}

/* A namespaces rule marks only the modes it gives; the others follow the defaults. */
static void namespace_rule_marks_what_it_gives(void **state) {
  (void)state;
  struct adm_config *cfg = NULL;
  struct adm_error err = {0};
  const char *y = "apiVersion: admitd.io/v1alpha1\n"
                  "kind: Policy\n"
                  "podSecurity:\n"
                  "  defaults: {enforce: baseline, enforceVersion: v1.25}\n"
                  "  namespaces:\n"
                  "    - {names: [a], warnVersion: v1.28, audit: privileged}\n";
  assert_int_equal(adm_config_parse(y, strlen(y), "p.yaml", &cfg, &err), 0);
  assert_int_equal(cfg->pod_security.n_rules, 1);
  const struct adm_namespace_rule *r = &cfg->pod_security.rules[0];
  assert_false(r->has_level[ADM_MODE_ENFORCE]);
  assert_false(r->has_version[ADM_MODE_ENFORCE]);
  assert_true(r->has_version[ADM_MODE_WARN]);
  assert_false(r->has_level[ADM_MODE_WARN]);
  assert_true(r->has_level[ADM_MODE_AUDIT]);
  assert_false(r->has_version[ADM_MODE_AUDIT]);
  struct adm_mode_levels lv = adm_config_levels_for(&cfg->pod_security, "a");
  assert_int_equal(lv.lv[ADM_MODE_ENFORCE].level, ADM_LEVEL_BASELINE);
  assert_int_equal(lv.lv[ADM_MODE_ENFORCE].minor, 25);
  assert_int_equal(lv.lv[ADM_MODE_WARN].minor, 28);
  assert_int_equal(lv.lv[ADM_MODE_WARN].level, ADM_LEVEL_RESTRICTED);
  assert_int_equal(lv.lv[ADM_MODE_AUDIT].level, ADM_LEVEL_PRIVILEGED);
  adm_config_free(cfg);
}

/* The family table is the one place a family is described: every entry
 * is complete for its model, found by its section name, and its section is
 * accepted at the top level of a policy (and nothing that is not one). */
static void family_table_is_complete(void **state) {
  (void)state;
  for (int f = 0; f < ADM__FAMILY_COUNT; f++) {
    const struct adm_family *fam = &adm_families[f];
    assert_int_equal(fam->id, f);
    assert_ptr_equal(adm_family_find(fam->name), fam);
    assert_non_null(fam->audit_key);
    if (fam->model == ADM_FAMILY_LEVELS) {
      assert_non_null(fam->level_checks);
      assert_null(fam->checks);
      assert_int_equal(fam->n_rule_keys, 0);
    } else {
      assert_int_equal(fam->model, ADM_FAMILY_RULES);
      assert_non_null(fam->checks);
      assert_null(fam->level_checks);
      assert_true(fam->n_rule_keys > 0);
    }
    char text[256];
    snprintf(text, sizeof text, "apiVersion: admitd.io/v1alpha1\nkind: Policy\n%s: 7\n", fam->name);
    struct adm_config *cfg = NULL;
    struct adm_error err = {0};
    assert_true(adm_config_parse(text, strlen(text), "p.yaml", &cfg, &err) < 0);
    if (strstr(err.message, "unknown key") != NULL || strstr(err.message, "a mapping") == NULL)
      fail_msg("%s: expected a type error for a known section, got %s: %s", fam->name, err.where, err.message);
  }
  assert_null(adm_family_find("podsecurity"));
  static const char unknown[] = "apiVersion: admitd.io/v1alpha1\nkind: Policy\npodsecurity: {}\n";
  struct adm_config *cfg = NULL;
  struct adm_error err = {0};
  assert_int_equal(adm_config_parse(unknown, strlen(unknown), "p.yaml", &cfg, &err), ADM_EUNKNOWN_KEY);
  assert_non_null(strstr(err.where, "podsecurity"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(family_sections_parse),
      cmocka_unit_test(family_table_is_complete),
      cmocka_unit_test(family_errors_are_all_reported),
      cmocka_unit_test(selector_values_and_empty_namespaces),
      cmocka_unit_test(named_files_must_be_regular_files),
      cmocka_unit_test(verify_errors_are_all_reported),
      cmocka_unit_test(keys_print_every_key_once),
      cmocka_unit_test(unknown_keys_refused_in_every_section),
      cmocka_unit_test(upstream_formats_know_only_their_keys),
      cmocka_unit_test(namespace_rule_marks_what_it_gives),
      cmocka_unit_test(verify_settings_parse),
      cmocka_unit_test(verify_without_bounds_warns),
      cmocka_unit_test(allow_tags_without_allow_list_warns),
      cmocka_unit_test(images_rules_parse),
      cmocka_unit_test(images_errors_are_all_reported),
      cmocka_unit_test(sigstore_errors_are_all_reported),
      cmocka_unit_test(attestation_errors_are_all_reported),
      cmocka_unit_test(attestation_values_load),
      cmocka_unit_test(full_policy_parses),
      cmocka_unit_test(builtin_default),
      cmocka_unit_test(errors_name_line_column_and_key),
      cmocka_unit_test(upstream_pod_security_configuration),
      cmocka_unit_test(admission_configuration_wrapper),
      cmocka_unit_test(load_reads_files),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
