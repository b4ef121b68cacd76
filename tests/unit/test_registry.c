/* policies/registry.c: the built-in table builds, versions resolve as
 * upstream's registry does, and a broken table is refused with a reason. */
#include "helpers.h"

static const char *ids_at(const struct adm_registry *reg, int level_index, int minor, char *buf, size_t len) {
  buf[0] = '\0';
  for (size_t i = 0; i < reg->counts[level_index][minor]; i++) {
    strncat(buf, reg->lists[level_index][minor][i].check->id, len - strlen(buf) - 2);
    strncat(buf, ",", len - strlen(buf) - 1);
  }
  return buf;
}

static void builtin_table_builds_with_latest_v1_37(void **state) {
  (void)state;
  const struct adm_registry *reg = adm_registry_default();
  assert_int_equal(reg->max_minor, 37);
  assert_int_equal(adm_registry_resolve_minor(reg, ADM_VERSION_LATEST), 37);
  assert_int_equal(adm_registry_resolve_minor(reg, 99), 37);
  assert_int_equal(adm_registry_resolve_minor(reg, 30), 30);
}

static void baseline_ids_sorted_then_restricted(void **state) {
  (void)state;
  char buf[2048];
  const struct adm_registry *reg = adm_registry_default();
  assert_string_equal(ids_at(reg, 0, 37, buf, sizeof buf),
                      "appArmorProfile,capabilities_baseline,hostNamespaces,hostPathVolumes,hostPorts,"
                      "hostProbesAndHostLifecycle,privileged,procMount,seLinuxOptions,seccompProfile_baseline,"
                      "sysctls,windowsHostProcess,");
  /* Restricted drops the baseline checks that restricted ones override. */
  assert_string_equal(ids_at(reg, 1, 37, buf, sizeof buf),
                      "appArmorProfile,hostNamespaces,hostPorts,hostProbesAndHostLifecycle,privileged,"
                      "seLinuxOptions,sysctls,windowsHostProcess,allowPrivilegeEscalation,capabilities_restricted,"
                      "procMount_restricted,restrictedVolumes,runAsNonRoot,runAsUser,seccompProfile_restricted,");
}

static void versions_select_checks_as_upstream(void **state) {
  (void)state;
  char buf[2048];
  const struct adm_registry *reg = adm_registry_default();
  /* 1.18: no restricted seccomp yet, so the baseline one stays; no runAsUser, no allowPrivilegeEscalation before 1.8.
   */
  const char *r18 = ids_at(reg, 1, 18, buf, sizeof buf);
  assert_str_contains(r18, "seccompProfile_baseline,");
  assert_str_lacks(r18, "seccompProfile_restricted");
  assert_str_lacks(r18, "runAsUser,");
  const char *r21 = ids_at(reg, 1, 21, buf, sizeof buf);
  assert_str_contains(r21, "capabilities_baseline,");
  assert_str_lacks(r21, "capabilities_restricted");
  const char *r7 = ids_at(reg, 1, 7, buf, sizeof buf);
  assert_str_lacks(r7, "allowPrivilegeEscalation");
  const char *b33 = ids_at(reg, 0, 33, buf, sizeof buf);
  assert_str_lacks(b33, "hostProbesAndHostLifecycle");
  const char *r34 = ids_at(reg, 1, 34, buf, sizeof buf);
  assert_str_contains(r34, "procMount,");
  assert_str_lacks(r34, "procMount_restricted");
}

static struct adm_check_result always_allow(const struct adm_pod *p, struct adm_arena *a) {
  (void)p, (void)a;
  return (struct adm_check_result){.allowed = true};
}

static int build(const struct adm_check *const *table, struct adm_error *err) {
  static struct adm_registry reg;
  return adm_registry_build(&reg, table, err);
}

static void duplicate_id_is_refused(void **state) {
  (void)state;
  static const struct adm_check a = {.id = "x", .level = ADM_LEVEL_BASELINE, .versions = {{0, always_allow, NULL}}};
  static const struct adm_check b = {.id = "x", .level = ADM_LEVEL_BASELINE, .versions = {{3, always_allow, NULL}}};
  const struct adm_check *const table[] = {&a, &b, NULL};
  struct adm_error err = {0};
  assert_int_equal(build(table, &err), ADM_ETABLE);
  assert_str_contains(err.message, "multiple checks registered for id x");
}

static void versions_must_increase(void **state) {
  (void)state;
  static const struct adm_check a = {
      .id = "x", .level = ADM_LEVEL_BASELINE, .versions = {{5, always_allow, NULL}, {5, always_allow, NULL}}};
  const struct adm_check *const table[] = {&a, NULL};
  struct adm_error err = {0};
  assert_int_equal(build(table, &err), ADM_ETABLE);
  assert_str_contains(err.message, "strictly increasing");
  static const struct adm_check b = {
      .id = "y", .level = ADM_LEVEL_BASELINE, .versions = {{9, always_allow, NULL}, {4, always_allow, NULL}}};
  const struct adm_check *const table2[] = {&b, NULL};
  assert_int_equal(build(table2, &err), ADM_ETABLE);
}

static void overrides_only_from_restricted_of_baseline(void **state) {
  (void)state;
  static const char *const ov[] = {"r", NULL};
  static const char *const ovb[] = {"b", NULL};
  static const struct adm_check base = {.id = "b", .level = ADM_LEVEL_BASELINE, .versions = {{0, always_allow, ovb}}};
  const struct adm_check *const t1[] = {&base, NULL};
  struct adm_error err = {0};
  assert_int_equal(build(t1, &err), ADM_ETABLE);
  assert_str_contains(err.message, "only restricted checks may set overrides");
  static const struct adm_check r = {.id = "r", .level = ADM_LEVEL_RESTRICTED, .versions = {{0, always_allow, NULL}}};
  static const struct adm_check r2 = {.id = "r2", .level = ADM_LEVEL_RESTRICTED, .versions = {{0, always_allow, ov}}};
  const struct adm_check *const t2[] = {&r, &r2, NULL};
  assert_int_equal(build(t2, &err), ADM_ETABLE);
  assert_str_contains(err.message, "overrides restricted check r");
}

static void bad_level_and_empty_versions_refused(void **state) {
  (void)state;
  static const struct adm_check p = {.id = "p", .level = ADM_LEVEL_PRIVILEGED, .versions = {{0, always_allow, NULL}}};
  const struct adm_check *const t1[] = {&p, NULL};
  struct adm_error err = {0};
  assert_int_equal(build(t1, &err), ADM_ETABLE);
  static const struct adm_check e = {.id = "e", .level = ADM_LEVEL_BASELINE};
  const struct adm_check *const t2[] = {&e, NULL};
  assert_int_equal(build(t2, &err), ADM_ETABLE);
  assert_str_contains(err.message, "no versions");
}

static void level_and_version_parsing(void **state) {
  (void)state;
  enum adm_level l;
  int m;
  assert_int_equal(adm_level_parse("restricted", &l), 0);
  assert_int_equal(l, ADM_LEVEL_RESTRICTED);
  assert_int_equal(adm_level_parse("Restricted", &l), ADM_EINVAL);
  assert_int_equal(adm_version_parse("latest", &m), 0);
  assert_int_equal(m, ADM_VERSION_LATEST);
  assert_int_equal(adm_version_parse("v1.30", &m), 0);
  assert_int_equal(m, 30);
  assert_int_equal(adm_version_parse("v1.0", &m), 0);
  assert_int_equal(m, 0);
  assert_int_equal(adm_version_parse("v1.01", &m), ADM_EINVAL);
  assert_int_equal(adm_version_parse("v2.1", &m), ADM_EINVAL);
  assert_int_equal(adm_version_parse("1.30", &m), ADM_EINVAL);
  assert_int_equal(adm_version_parse("v1.", &m), ADM_EINVAL);
  /* As upstream's Atoi: any int64 minor is valid (newer than known), one past it is not. */
  assert_int_equal(adm_version_parse("v1.1000001", &m), 0);
  assert_int_equal(m, 1000000);
  assert_int_equal(adm_version_parse("v1.9223372036854775807", &m), 0);
  assert_int_equal(adm_version_parse("v1.9223372036854775808", &m), ADM_EINVAL);
  char buf[64];
  assert_string_equal(adm_level_version_format((struct adm_level_version){ADM_LEVEL_BASELINE, 5}, buf, sizeof buf),
                      "baseline:v1.5");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(builtin_table_builds_with_latest_v1_37),
      cmocka_unit_test(baseline_ids_sorted_then_restricted),
      cmocka_unit_test(versions_select_checks_as_upstream),
      cmocka_unit_test(duplicate_id_is_refused),
      cmocka_unit_test(versions_must_increase),
      cmocka_unit_test(overrides_only_from_restricted_of_baseline),
      cmocka_unit_test(bad_level_and_empty_versions_refused),
      cmocka_unit_test(level_and_version_parsing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
