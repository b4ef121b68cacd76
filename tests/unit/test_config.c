/* server/core/config.c: every key of the policy file, both upstream formats, and
 * errors that carry file:line:col and the key. */
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
  assert_true(cfg->enforce_on_workloads);
  assert_int_equal(cfg->defaults.lv[ADM_MODE_ENFORCE].level, ADM_LEVEL_RESTRICTED);
  assert_int_equal(cfg->defaults.lv[ADM_MODE_ENFORCE].minor, 30);
  assert_int_equal(cfg->defaults.lv[ADM_MODE_WARN].minor, ADM_VERSION_LATEST);
  assert_int_equal(cfg->defaults.lv[ADM_MODE_AUDIT].level, ADM_LEVEL_PRIVILEGED);
  assert_int_equal(cfg->n_rules, 1);
  assert_int_equal(cfg->exempt_runtime_classes.n, 2);
  assert_int_equal(cfg->exempt_namespaces.n, 0);
  struct adm_mode_levels l = adm_config_levels_for(cfg, "dev-1");
  assert_int_equal(l.lv[ADM_MODE_ENFORCE].level, ADM_LEVEL_BASELINE);
  assert_int_equal(l.lv[ADM_MODE_ENFORCE].minor, 30); /* version not given: the default's */
  l = adm_config_levels_for(cfg, "prod");
  assert_int_equal(l.lv[ADM_MODE_ENFORCE].level, ADM_LEVEL_RESTRICTED);
  adm_config_free(cfg);
}

static void builtin_default(void **state) {
  (void)state;
  struct adm_config *cfg = adm_config_default();
  assert_int_equal(cfg->defaults.lv[ADM_MODE_ENFORCE].level, ADM_LEVEL_BASELINE);
  assert_int_equal(cfg->defaults.lv[ADM_MODE_WARN].level, ADM_LEVEL_RESTRICTED);
  assert_int_equal(cfg->defaults.lv[ADM_MODE_AUDIT].level, ADM_LEVEL_RESTRICTED);
  assert_int_equal(cfg->defaults.lv[ADM_MODE_ENFORCE].minor, ADM_VERSION_LATEST);
  assert_true(adm_names_contains(&cfg->exempt_namespaces, "kube-system"));
  assert_false(adm_names_contains(&cfg->exempt_namespaces, ""));
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
  snprintf(buf, sizeof buf, "%simages: {}\n", head);
  expect_error(buf, ADM_EUNKNOWN_KEY, "policy.yaml:3:1: images", "unknown key");
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
  assert_int_equal(cfg->defaults.lv[ADM_MODE_ENFORCE].level, ADM_LEVEL_BASELINE);
  assert_int_equal(cfg->defaults.lv[ADM_MODE_ENFORCE].minor, 29);
  assert_int_equal(cfg->defaults.lv[ADM_MODE_WARN].level, ADM_LEVEL_RESTRICTED);
  /* Upstream's default for a mode left out is privileged. */
  assert_int_equal(cfg->defaults.lv[ADM_MODE_AUDIT].level, ADM_LEVEL_PRIVILEGED);
  assert_int_equal(cfg->exempt_namespaces.n, 2);
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
  assert_int_equal(cfg->defaults.lv[ADM_MODE_ENFORCE].level, ADM_LEVEL_RESTRICTED);
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(full_policy_parses),
      cmocka_unit_test(builtin_default),
      cmocka_unit_test(errors_name_line_column_and_key),
      cmocka_unit_test(upstream_pod_security_configuration),
      cmocka_unit_test(admission_configuration_wrapper),
      cmocka_unit_test(load_reads_files),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
