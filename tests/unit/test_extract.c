/* server/core/extract.c: where the pod spec is found for each workload, the
 * API server's volume defaulting, and type errors that name the path. */
#include "helpers.h"

static int extract_kind(struct adm_arena *a, const char *kind, const char *text, struct adm_pod *pod, bool *found,
                        struct adm_error *err) {
  const struct adm_pod_resource *res = adm_pod_resource_by_kind(kind);
  assert_non_null(res);
  return adm_extract_template(test_json_kept(text), res, a, pod, found, err);
}

static void every_workload_template_is_found(void **state) {
  static const struct {
    const char *kind, *json;
  } cases[] = {
      {"Deployment",
       "{\"metadata\":{\"name\":\"w\"},\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\"}]}}}}"},
      {"ReplicaSet",
       "{\"metadata\":{\"name\":\"w\"},\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\"}]}}}}"},
      {"StatefulSet",
       "{\"metadata\":{\"name\":\"w\"},\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\"}]}}}}"},
      {"DaemonSet",
       "{\"metadata\":{\"name\":\"w\"},\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\"}]}}}}"},
      {"Job", "{\"metadata\":{\"name\":\"w\"},\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\"}]}}}}"},
      {"ReplicationController",
       "{\"metadata\":{\"name\":\"w\"},\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\"}]}}}}"},
      {"CronJob", "{\"metadata\":{\"name\":\"w\"},\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":{"
                  "\"containers\":[{\"name\":\"c\"}]}}}}}}"},
      {"PodTemplate", "{\"metadata\":{\"name\":\"w\"},\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\"}]}}}"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct adm_pod pod;
    bool found = false;
    struct adm_error err = {0};
    assert_int_equal(extract_kind(*state, cases[i].kind, cases[i].json, &pod, &found, &err), 0);
    assert_true(found);
    assert_int_equal(pod.n_containers, 1);
    assert_string_equal(pod.containers[0].name, "c");
    /* The template has no name: the workload's is reported. */
    assert_string_equal(pod.name, "w");
  }
}

static void workload_without_template_is_not_found(void **state) {
  struct adm_pod pod;
  bool found = true;
  struct adm_error err = {0};
  assert_int_equal(extract_kind(*state, "CronJob", "{\"spec\":{\"schedule\":\"* * * * *\"}}", &pod, &found, &err), 0);
  assert_false(found);
}

static void resources_and_kinds(void **state) {
  (void)state;
  assert_non_null(adm_pod_resource_find("", "pods"));
  assert_non_null(adm_pod_resource_find("batch", "cronjobs"));
  assert_null(adm_pod_resource_find("", "deployments"));
  assert_null(adm_pod_resource_find("", "services"));
  assert_null(adm_pod_resource_by_kind("Service"));
}

static void expect_resource(const char *api_version, const char *kind, const char *group, const char *resource) {
  const struct adm_pod_resource *res = adm_pod_resource_for_object(api_version, kind);
  if (resource == NULL) {
    if (res != NULL)
      fail_msg("%s %s: expected not a built-in workload, got %s.%s", api_version ? api_version : "(none)",
               kind ? kind : "(none)", res->resource, res->group);
    return;
  }
  if (res == NULL)
    fail_msg("%s %s: expected %s.%s, got not a built-in workload", api_version ? api_version : "(none)",
             kind ? kind : "(none)", resource, group ? group : "");
  assert_string_equal(res->group, group);
  assert_string_equal(res->resource, resource);
}

static void kinds_are_matched_with_their_api_group(void **state) {
  (void)state;
  expect_resource("apps/v1", "StatefulSet", "apps", "statefulsets");
  expect_resource("apps.kruise.io/v1beta1", "StatefulSet", NULL, NULL);
  expect_resource("apps.kruise.io/v1alpha1", "DaemonSet", NULL, NULL);
  expect_resource("v1", "Pod", "", "pods");
  expect_resource("v1", "ReplicationController", "", "replicationcontrollers");
  expect_resource("v1", "PodTemplate", "", "podtemplates");
  expect_resource("core/v1", "Pod", NULL, NULL);
  expect_resource("apps/v1", "Pod", NULL, NULL);
  expect_resource("batch/v1", "Job", "batch", "jobs");
  expect_resource(NULL, "Pod", NULL, NULL);
  expect_resource("v1", NULL, NULL, NULL);
  /* Legacy apiVersions kubectl knows are judged as the canonical resource. */
  expect_resource("extensions/v1beta1", "Deployment", "apps", "deployments");
  expect_resource("extensions/v1beta1", "DaemonSet", "apps", "daemonsets");
  expect_resource("extensions/v1beta1", "ReplicaSet", "apps", "replicasets");
  expect_resource("extensions/v1beta1", "StatefulSet", NULL, NULL);
  expect_resource("apps/v1beta1", "StatefulSet", "apps", "statefulsets");
  expect_resource("apps/v1beta2", "DaemonSet", "apps", "daemonsets");
  expect_resource("batch/v1beta1", "CronJob", "batch", "cronjobs");
  expect_resource("batch/v2alpha1", "CronJob", "batch", "cronjobs");
  expect_resource("batch/v1beta1", "Job", NULL, NULL);
}

static void containers_in_visit_order_with_counts(void **state) {
  struct adm_pod pod;
  struct adm_error err = {0};
  json_t *j = test_json_kept(
      "{\"spec\":{\"ephemeralContainers\":[{\"name\":\"e\"}],\"containers\":[{\"name\":\"c1\"},{\"name\":\"c2\"}],"
      "\"initContainers\":[{\"name\":\"i\"}]}}");
  assert_int_equal(adm_extract_pod(j, *state, &pod, &err), 0);
  assert_int_equal(pod.n_containers, 4);
  assert_int_equal(pod.n_init, 1);
  assert_int_equal(pod.n_regular, 2);
  assert_int_equal(pod.n_ephemeral, 1);
  assert_string_equal(pod.containers[0].name, "i");
  assert_int_equal(pod.containers[0].kind, ADM_CONTAINER_INIT);
  assert_string_equal(pod.containers[3].name, "e");
  assert_int_equal(pod.containers[3].kind, ADM_CONTAINER_EPHEMERAL);
}

static void volume_without_source_defaults_to_empty_dir(void **state) {
  struct adm_pod pod;
  struct adm_error err = {0};
  json_t *j = test_json_kept(
      "{\"spec\":{\"volumes\":[{\"name\":\"a\"},{\"name\":\"b\",\"hostPath\":null},{\"name\":\"c\",\"newKind\":{}}]}}");
  assert_int_equal(adm_extract_pod(j, *state, &pod, &err), 0);
  assert_int_equal(pod.n_volumes, 3);
  assert_int_equal(pod.volumes[0].sources, UINT64_C(1) << ADM_VOL_EMPTY_DIR);
  /* null is no source, as a nil pointer is upstream. */
  assert_int_equal(pod.volumes[1].sources, UINT64_C(1) << ADM_VOL_EMPTY_DIR);
  assert_int_equal(pod.volumes[2].sources, 0);
  assert_true(pod.volumes[2].has_unknown);
}

static void expect_type_error(void **state, const char *json, const char *where, const char *msg) {
  struct adm_pod pod;
  struct adm_error err = {0};
  assert_int_equal(adm_extract_pod(test_json_kept(json), *state, &pod, &err), ADM_ETYPE);
  assert_string_equal(err.where, where);
  assert_str_contains(err.message, msg);
}

static void wrong_types_name_the_path(void **state) {
  expect_type_error(state,
                    "{\"spec\":{\"containers\":[{\"name\":\"a\",\"securityContext\":{\"privileged\":\"yes\"}}]}}",
                    "spec.containers[0].securityContext.privileged", "expected boolean, got string");
  expect_type_error(state, "{\"spec\":{\"containers\":{}}}", "spec.containers", "expected array");
  expect_type_error(state, "{\"spec\":{\"initContainers\":[{\"name\":\"a\",\"ports\":[{\"hostPort\":\"80\"}]}]}}",
                    "spec.initContainers[0].ports[0].hostPort", "expected integer");
  expect_type_error(
      state, "{\"spec\":{\"containers\":[{\"name\":\"a\",\"securityContext\":{\"capabilities\":{\"add\":[1]}}}]}}",
      "spec.containers[0].securityContext.capabilities.add[0]", "expected string");
  expect_type_error(state, "{\"metadata\":{\"annotations\":{\"k\":1}}}", "metadata.annotations.k", "expected string");
  expect_type_error(state, "{\"spec\":{\"securityContext\":{\"runAsUser\":1.5}}}", "spec.securityContext.runAsUser",
                    "expected integer");
  expect_type_error(
      state, "{\"spec\":{\"containers\":[{\"name\":\"a\",\"lifecycle\":{\"preStop\":{\"httpGet\":{\"host\":[]}}}}]}}",
      "spec.containers[0].lifecycle.preStop.httpGet.host", "expected string");
  expect_type_error(state, "{\"spec\":{\"volumes\":[7]}}", "spec.volumes[0]", "expected object");
  expect_type_error(state, "{\"spec\":\"x\"}", "spec", "expected object");
  expect_type_error(state, "{\"spec\":{\"containers\":[{\"name\":\"a\",\"resources\":{\"limits\":{\"memory\":[]}}}]}}",
                    "spec.containers[0].resources.limits.memory", "expected quantity");
  expect_type_error(state, "{\"spec\":{\"overhead\":{\"memory\":{}}}}", "spec.overhead.memory", "expected quantity");
  expect_type_error(state, "{\"metadata\":{\"labels\":{\"app\":true}}}", "metadata.labels.app", "expected string");
  expect_type_error(state, "{\"spec\":{\"securityContext\":{\"supplementalGroups\":[1,\"2\"]}}}",
                    "spec.securityContext.supplementalGroups[1]", "expected integer");
  expect_type_error(state, "{\"spec\":{\"automountServiceAccountToken\":\"no\"}}", "spec.automountServiceAccountToken",
                    "expected boolean");
}

/* What the resources and securityContext families read. */
static void family_fields_are_read(void **state) {
  struct adm_pod pod;
  struct adm_error err = {0};
  const char *json =
      "{\"metadata\":{\"name\":\"p\",\"labels\":{\"app\":\"web\",\"tier\":\"\"}},\"spec\":{"
      "\"serviceAccountName\":\"builder\",\"automountServiceAccountToken\":false,\"shareProcessNamespace\":true,"
      "\"hostAliases\":[{\"ip\":\"1.2.3.4\"},{\"ip\":\"5.6.7.8\"}],"
      "\"resources\":{\"limits\":{\"memory\":\"1Gi\"}},\"overhead\":{\"cpu\":\"250m\",\"memory\":120},"
      "\"securityContext\":{\"fsGroup\":2000,\"supplementalGroups\":[3000,4000],\"runAsGroup\":10,"
      "\"seccompProfile\":{\"type\":\"Localhost\",\"localhostProfile\":\"profiles/a.json\"}},"
      "\"initContainers\":[{\"name\":\"side\",\"restartPolicy\":\"Always\",\"resources\":{\"requests\":{\"cpu\":0.1}}}]"
      ","
      "\"containers\":[{\"name\":\"a\",\"resources\":{\"requests\":{\"cpu\":1,\"memory\":\"64Mi\",\"gone\":null},"
      "\"limits\":{\"cpu\":0.5}},\"securityContext\":{\"readOnlyRootFilesystem\":true}}],"
      "\"ephemeralContainers\":[{\"name\":\"dbg\",\"resources\":{\"requests\":{\"cpu\":\"1\"}}}]}}";
  assert_int_equal(adm_extract_pod(test_json_kept(json), *state, &pod, &err), 0);
  assert_int_equal(pod.labels.n, 2);
  assert_string_equal(pod.labels.keys[0], "app");
  assert_string_equal(pod.labels.values[1], "");
  assert_string_equal(pod.service_account, "builder");
  assert_int_equal(pod.automount_token, ADM_FALSE);
  assert_int_equal(pod.share_process_namespace, ADM_TRUE);
  assert_int_equal(pod.n_host_aliases, 2);
  assert_true(pod.resources.present);
  assert_string_equal(pod.resources.limits.items[0].value, "1Gi");
  assert_int_equal(pod.overhead.n, 2);
  assert_string_equal(pod.overhead.items[0].name, "cpu");
  assert_string_equal(pod.overhead.items[1].value, "120");
  assert_true(pod.sc.has_fs_group);
  assert_int_equal(pod.sc.fs_group, 2000);
  assert_int_equal(pod.sc.n_supplemental_groups, 2);
  assert_int_equal(pod.sc.supplemental_groups[1], 4000);
  assert_true(pod.sc.common.has_run_as_group);
  assert_string_equal(pod.sc.common.seccomp.localhost_profile, "profiles/a.json");
  const struct adm_container *side = &pod.containers[0], *a = &pod.containers[1], *dbg = &pod.containers[2];
  assert_string_equal(side->restart_policy, "Always");
  /* YAML numbers become the text kubectl sends: 0.1 stays 0.1. */
  assert_string_equal(side->resources.requests.items[0].value, "0.1");
  assert_null(a->restart_policy);
  assert_int_equal(a->resources.requests.n, 2); /* a null value is absent */
  assert_string_equal(a->resources.requests.items[0].value, "1");
  assert_string_equal(a->resources.limits.items[0].value, "0.5");
  assert_int_equal(a->sc.read_only_root_filesystem, ADM_TRUE);
  assert_false(dbg->resources.present); /* ephemeral containers have none */
  assert_null(pod.containers[1].sc.common.seccomp.localhost_profile);
}

static void too_many_containers_is_an_error(void **state) {
  struct adm_sb sb;
  adm_sb_init(&sb, *state);
  adm_sb_add(&sb, "{\"spec\":{\"containers\":[");
  for (int i = 0; i <= ADM_MAX_CONTAINERS; i++)
    adm_sb_addf(&sb, "%s{\"name\":\"c%d\"}", i ? "," : "", i);
  adm_sb_add(&sb, "]}}");
  struct adm_pod pod;
  struct adm_error err = {0};
  assert_int_equal(adm_extract_pod(test_json_kept(adm_sb_str(&sb)), *state, &pod, &err), ADM_ETOOBIG);
}

static void generate_name_stands_in_for_name(void **state) {
  struct adm_pod pod;
  struct adm_error err = {0};
  assert_int_equal(adm_extract_pod(test_json_kept("{\"metadata\":{\"generateName\":\"web-\",\"namespace\":\"ns\"}}"),
                                   *state, &pod, &err),
                   0);
  assert_string_equal(pod.name, "web-");
  assert_string_equal(pod.namespace, "ns");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(every_workload_template_is_found, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(workload_without_template_is_not_found, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(resources_and_kinds, test_setup, test_teardown),
      cmocka_unit_test(kinds_are_matched_with_their_api_group),
      cmocka_unit_test_setup_teardown(containers_in_visit_order_with_counts, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(volume_without_source_defaults_to_empty_dir, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(wrong_types_name_the_path, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(family_fields_are_read, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(too_many_containers_is_an_error, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(generate_name_stands_in_for_name, test_setup, test_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
