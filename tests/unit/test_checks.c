/* policies/check_*.c: the edge cases the upstream fixtures do not show,
 * and the exact wording of reasons and details. Pods are written as JSON
 * and go through the real extractor. */
#include "helpers.h"

#define B ADM_LEVEL_BASELINE
#define R ADM_LEVEL_RESTRICTED
#define LATEST ADM_VERSION_LATEST

/* A pod that passes restricted; tests add one fault at a time. */
#define GOOD_SPEC_SC "\"securityContext\":{\"runAsNonRoot\":true,\"seccompProfile\":{\"type\":\"RuntimeDefault\"}}"
#define GOOD_C_SC "\"securityContext\":{\"allowPrivilegeEscalation\":false,\"capabilities\":{\"drop\":[\"ALL\"]}}"

static void upstream_example_message(void **state) {
  const char *out =
      test_eval(*state, "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"containers\":[{\"name\":\"x\"}]}}", R, LATEST);
  assert_string_equal(
      out,
      "allowPrivilegeEscalation != false (container \"x\" must set securityContext.allowPrivilegeEscalation=false), "
      "unrestricted capabilities (container \"x\" must set securityContext.capabilities.drop=[\"ALL\"]), "
      "runAsNonRoot != true (pod or container \"x\" must set securityContext.runAsNonRoot=true), "
      "seccompProfile (pod or container \"x\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or "
      "\"Localhost\")");
}

static void good_pod_passes_restricted_at_every_version(void **state) {
  for (int minor = 0; minor <= 37; minor++)
    assert_string_equal(
        test_eval(*state, "{\"spec\":{" GOOD_SPEC_SC ",\"containers\":[{\"name\":\"a\"," GOOD_C_SC "}]}}", R, minor),
        "");
}

static void privileged_level_allows_everything(void **state) {
  assert_string_equal(test_eval(*state,
                                "{\"spec\":{\"hostNetwork\":true,\"containers\":[{\"name\":\"a\",\"securityContext\":{"
                                "\"privileged\":true}}]}}",
                                ADM_LEVEL_PRIVILEGED, LATEST),
                      "");
}

static void empty_vs_absent_security_context(void **state) {
  /* An empty securityContext sets nothing: same verdict as none at all. */
  const char *empty = test_eval(
      *state, "{\"spec\":{" GOOD_SPEC_SC ",\"containers\":[{\"name\":\"a\",\"securityContext\":{}}]}}", R, LATEST);
  const char *none = test_eval(*state, "{\"spec\":{" GOOD_SPEC_SC ",\"containers\":[{\"name\":\"a\"}]}}", R, LATEST);
  assert_string_equal(empty, none);
  assert_str_contains(empty, "allowPrivilegeEscalation != false");
  /* capabilities present but without drop. */
  const char *nodrop = test_eval(*state,
                                 "{\"spec\":{" GOOD_SPEC_SC ",\"containers\":[{\"name\":\"a\",\"securityContext\":{"
                                 "\"allowPrivilegeEscalation\":false,\"capabilities\":{}}}]}}",
                                 R, LATEST);
  assert_string_equal(
      nodrop, "unrestricted capabilities (container \"a\" must set securityContext.capabilities.drop=[\"ALL\"])");
  /* null is the same as absent. */
  assert_string_equal(
      test_eval(*state,
                "{\"spec\":{\"securityContext\":null,\"containers\":[{\"name\":\"a\",\"securityContext\":null}]}}", B,
                LATEST),
      "");
}

static void pod_and_container_run_as_non_root(void **state) {
  /* Pod true, one container explicitly false. */
  assert_string_equal(
      test_eval(*state,
                "{\"spec\":{\"securityContext\":{\"runAsNonRoot\":true,\"seccompProfile\":{\"type\":\"RuntimeDefault\"}"
                "},\"containers\":[{\"name\":\"a\",\"securityContext\":{\"runAsNonRoot\":false,"
                "\"allowPrivilegeEscalation\":false,\"capabilities\":{\"drop\":[\"ALL\"]}}}]}}",
                R, LATEST),
      "runAsNonRoot != true (container \"a\" must not set securityContext.runAsNonRoot=false)");
  /* Pod false overrides containers that say true: the pod is named. */
  assert_string_equal(
      test_eval(*state,
                "{\"spec\":{\"securityContext\":{\"runAsNonRoot\":false,\"seccompProfile\":{\"type\":"
                "\"RuntimeDefault\"}},\"containers\":[{\"name\":\"a\",\"securityContext\":{\"runAsNonRoot\":true,"
                "\"allowPrivilegeEscalation\":false,\"capabilities\":{\"drop\":[\"ALL\"]}}}]}}",
                R, LATEST),
      "runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false)");
  /* No pod level: every container must say true; plural names. */
  assert_str_contains(
      test_eval(*state,
                "{\"spec\":{\"securityContext\":{\"seccompProfile\":{\"type\":\"RuntimeDefault\"}},\"containers\":[{"
                "\"name\":\"a\"},{\"name\":\"b\",\"securityContext\":{\"runAsNonRoot\":true}}],\"initContainers\":[{"
                "\"name\":\"i\"}]}}",
                R, LATEST),
      "runAsNonRoot != true (pod or containers \"i\", \"a\" must set securityContext.runAsNonRoot=true)");
}

static void run_as_user_zero(void **state) {
  assert_str_contains(
      test_eval(*state,
                "{\"spec\":{\"securityContext\":{\"runAsUser\":0,\"runAsNonRoot\":true,\"seccompProfile\":{\"type\":"
                "\"RuntimeDefault\"}},\"containers\":[{\"name\":\"a\",\"securityContext\":{\"runAsUser\":0,"
                "\"allowPrivilegeEscalation\":false,\"capabilities\":{\"drop\":[\"ALL\"]}}}]}}",
                R, LATEST),
      "runAsUser=0 (pod and container \"a\" must not set runAsUser=0)");
  /* runAsUser arrived in 1.23. */
  assert_string_equal(
      test_eval(*state,
                "{\"spec\":{\"securityContext\":{\"runAsUser\":0,\"runAsNonRoot\":true,\"seccompProfile\":{\"type\":"
                "\"RuntimeDefault\"}},\"containers\":[{\"name\":\"a\"," GOOD_C_SC "}]}}",
                R, 22),
      "");
}

static void windows_pods_exempt_from_linux_only_checks_from_1_25(void **state) {
  const char *pod = "{\"spec\":{\"os\":{\"name\":\"windows\"},\"securityContext\":{\"runAsNonRoot\":true},"
                    "\"containers\":[{\"name\":\"w\"}]}}";
  assert_string_equal(test_eval(*state, pod, R, 25), "");
  const char *v24 = test_eval(*state, pod, R, 24);
  assert_str_contains(v24, "allowPrivilegeEscalation != false");
  assert_str_contains(v24, "unrestricted capabilities");
  assert_str_contains(v24, "seccompProfile");
  /* hostProcess still applies to Windows pods. */
  assert_str_contains(
      test_eval(
          *state,
          "{\"spec\":{\"os\":{\"name\":\"windows\"},\"securityContext\":{\"windowsOptions\":{\"hostProcess\":true}},"
          "\"containers\":[{\"name\":\"w\",\"securityContext\":{\"windowsOptions\":{\"hostProcess\":true}}}]}}",
          B, LATEST),
      "hostProcess (pod and container \"w\" must not set securityContext.windowsOptions.hostProcess=true)");
}

static void ephemeral_containers_are_checked(void **state) {
  assert_string_equal(test_eval(*state,
                                "{\"spec\":{\"containers\":[{\"name\":\"a\"}],\"ephemeralContainers\":[{\"name\":"
                                "\"debug\",\"securityContext\":{\"privileged\":true}}]}}",
                                B, LATEST),
                      "privileged (container \"debug\" must not set securityContext.privileged=true)");
  /* Visit order: init, regular, ephemeral. */
  assert_string_equal(
      test_eval(*state,
                "{\"spec\":{\"ephemeralContainers\":[{\"name\":\"e\",\"securityContext\":{\"privileged\":true}}],"
                "\"containers\":[{\"name\":\"c\",\"securityContext\":{\"privileged\":true}}],\"initContainers\":[{"
                "\"name\":\"i\",\"securityContext\":{\"privileged\":true}}]}}",
                B, LATEST),
      "privileged (containers \"i\", \"c\", \"e\" must not set securityContext.privileged=true)");
}

static void host_ports_sort_as_text(void **state) {
  assert_string_equal(test_eval(*state,
                                "{\"spec\":{\"containers\":[{\"name\":\"a\",\"ports\":[{\"containerPort\":1,"
                                "\"hostPort\":9},{\"containerPort\":2,\"hostPort\":8080}]},{\"name\":\"b\",\"ports\":[{"
                                "\"containerPort\":3,\"hostPort\":10},{\"containerPort\":4}]}]}}",
                                B, LATEST),
                      "hostPort (containers \"a\", \"b\" use hostPorts 10, 8080, 9)");
  assert_string_equal(
      test_eval(*state,
                "{\"spec\":{\"containers\":[{\"name\":\"a\",\"ports\":[{\"containerPort\":80,\"hostPort\":0}]}]}}", B,
                LATEST),
      "");
}

static void user_namespaces_relax_from_1_35(void **state) {
  const char *pod = "{\"spec\":{\"hostUsers\":false,\"securityContext\":{\"runAsUser\":0,\"seccompProfile\":{\"type\":"
                    "\"RuntimeDefault\"}},\"containers\":[{\"name\":\"a\",\"securityContext\":{\"procMount\":"
                    "\"Unmasked\",\"allowPrivilegeEscalation\":false,\"capabilities\":{\"drop\":[\"ALL\"]}}}]}}";
  assert_string_equal(test_eval(*state, pod, B, 35), "");
  assert_string_equal(test_eval(*state, pod, B, 34),
                      "procMount (container \"a\" must not set securityContext.procMount to \"Unmasked\")");
  /* Restricted keeps the strict /proc rule, but relaxes runAsNonRoot and runAsUser. */
  assert_string_equal(test_eval(*state, pod, R, 35),
                      "procMount (container \"a\" must not set securityContext.procMount to \"Unmasked\")");
  const char *r34 = test_eval(*state, pod, R, 34);
  assert_str_contains(r34, "runAsNonRoot != true");
  assert_str_contains(r34, "runAsUser=0");
}

static void sysctls_by_version(void **state) {
  const char *pod = "{\"spec\":{\"securityContext\":{\"sysctls\":[{\"name\":\"net.ipv4.tcp_rmem\",\"value\":\"1\"},{"
                    "\"name\":\"kernel.msgmax\",\"value\":\"1\"}]},\"containers\":[{\"name\":\"a\"}]}}";
  assert_string_equal(test_eval(*state, pod, B, 31), "forbidden sysctls (net.ipv4.tcp_rmem, kernel.msgmax)");
  assert_string_equal(test_eval(*state, pod, B, 32), "forbidden sysctls (kernel.msgmax)");
  const char *v37 = "{\"spec\":{\"securityContext\":{\"sysctls\":[{\"name\":\"net.ipv4.tcp_notsent_lowat\"}]},"
                    "\"containers\":[{\"name\":\"a\"}]}}";
  assert_string_equal(test_eval(*state, v37, B, 36), "forbidden sysctls (net.ipv4.tcp_notsent_lowat)");
  assert_string_equal(test_eval(*state, v37, B, 37), "");
  /* A version newer than any known is treated as the newest. */
  assert_string_equal(test_eval(*state, v37, B, 99), "");
}

static void selinux_types_users_roles(void **state) {
  const char *engine = "{\"spec\":{\"containers\":[{\"name\":\"a\",\"securityContext\":{\"seLinuxOptions\":{\"type\":"
                       "\"container_engine_t\"}}}]}}";
  assert_string_equal(
      test_eval(*state, engine, B, 30),
      "seLinuxOptions (container \"a\" set forbidden securityContext.seLinuxOptions: type \"container_engine_t\")");
  assert_string_equal(test_eval(*state, engine, B, 31), "");
  assert_string_equal(test_eval(*state,
                                "{\"spec\":{\"securityContext\":{\"seLinuxOptions\":{\"user\":\"u\",\"role\":\"r\","
                                "\"type\":\"spc_t\"}},\"containers\":[{\"name\":\"a\"}]}}",
                                B, LATEST),
                      "seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type \"spc_t\"; user may not "
                      "be set; role may not be set)");
}

static void apparmor_annotations_and_fields(void **state) {
  assert_string_equal(test_eval(*state,
                                "{\"metadata\":{\"annotations\":{\"container.apparmor.security.beta.kubernetes.io/"
                                "a\":\"unconfined\"}},\"spec\":{\"containers\":[{\"name\":\"a\",\"securityContext\":{"
                                "\"appArmorProfile\":{\"type\":\"Unconfined\"}}}]}}",
                                B, LATEST),
                      "forbidden AppArmor profiles (container \"a\" and annotation must not set AppArmor profile type "
                      "to \"Unconfined\", \"container.apparmor.security.beta.kubernetes.io/a=\"unconfined\"\")");
  /* Values are quoted as Go's %q quotes them. */
  assert_str_contains(test_eval(*state,
                                "{\"metadata\":{\"annotations\":{\"container.apparmor.security.beta.kubernetes.io/"
                                "a\":\"x\\\"y\\n\"}},\"spec\":{\"containers\":[{\"name\":\"a\"}]}}",
                                B, LATEST),
                      "a=\"x\\\"y\\n\"");
  assert_string_equal(
      test_eval(*state,
                "{\"metadata\":{\"annotations\":{\"container.apparmor.security.beta.kubernetes.io/a\":\"localhost/"
                "prof\"}},\"spec\":{\"securityContext\":{\"appArmorProfile\":{\"type\":\"Localhost\","
                "\"localhostProfile\":\"p\"}},\"containers\":[{\"name\":\"a\"}]}}",
                B, 0),
      "");
}

static void seccomp_annotations_before_1_19_fields_after(void **state) {
  const char *ann = "{\"metadata\":{\"annotations\":{\"seccomp.security.alpha.kubernetes.io/"
                    "pod\":\"unconfined\"}},\"spec\":{\"containers\":[{\"name\":\"a\"}]}}";
  assert_string_equal(test_eval(*state, ann, B, 18),
                      "seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod=\"unconfined\")");
  assert_string_equal(test_eval(*state, ann, B, 19), "");
  const char *field = "{\"spec\":{\"containers\":[{\"name\":\"a\",\"securityContext\":{\"seccompProfile\":{\"type\":"
                      "\"Unconfined\"}}}]}}";
  assert_string_equal(test_eval(*state, field, B, 18), "");
  assert_string_equal(
      test_eval(*state, field, B, 19),
      "seccompProfile (container \"a\" must not set securityContext.seccompProfile.type to \"Unconfined\")");
}

static void volumes_restricted_replace_host_path(void **state) {
  const char *pod = "{\"spec\":{\"containers\":[{\"name\":\"a\"}],\"volumes\":[{\"name\":\"h\",\"hostPath\":{\"path\":"
                    "\"/\"}},{\"name\":\"n\",\"nfs\":{\"server\":\"s\",\"path\":\"/"
                    "\"}},{\"name\":\"f\",\"futureVolume\":{}},{\"name\":\"e\"}]}}";
  assert_string_equal(test_eval(*state, pod, B, LATEST), "hostPath volumes (volume \"h\")");
  const char *r = test_eval(*state, pod, R, LATEST);
  assert_str_contains(r, "restricted volume types (volumes \"h\", \"n\", \"f\" use restricted volume types "
                         "\"hostPath\", \"nfs\", \"unknown\")");
  assert_str_lacks(r, "hostPath volumes");
}

static void probe_hosts_from_1_34(void **state) {
  const char *pod = "{\"spec\":{\"containers\":[{\"name\":\"b\",\"livenessProbe\":{\"httpGet\":{\"host\":\"10.0.0.1\","
                    "\"port\":80}}},{\"name\":\"a\",\"lifecycle\":{\"preStop\":{\"tcpSocket\":{\"host\":\"evil\","
                    "\"port\":1}}},\"readinessProbe\":{\"tcpSocket\":{\"host\":\"\",\"port\":1}}}]}}";
  assert_string_equal(test_eval(*state, pod, B, 33), "");
  assert_string_equal(
      test_eval(*state, pod, B, 34),
      "probe or lifecycle host (containers \"a\", \"b\" use probe or lifecycle hosts \"10.0.0.1\", \"evil\")");
}

static void capabilities_baseline_and_restricted(void **state) {
  const char *pod = "{\"spec\":{" GOOD_SPEC_SC
                    ",\"containers\":[{\"name\":\"a\",\"securityContext\":{\"allowPrivilegeEscalation\":false,"
                    "\"capabilities\":{\"add\":[\"NET_ADMIN\",\"CHOWN\",\"NET_BIND_SERVICE\"],\"drop\":[\"ALL\"]}}}]}}";
  assert_string_equal(
      test_eval(*state, pod, B, LATEST),
      "non-default capabilities (container \"a\" must not include \"NET_ADMIN\" in securityContext.capabilities.add)");
  assert_string_equal(test_eval(*state, pod, R, LATEST),
                      "unrestricted capabilities (container \"a\" must not include \"CHOWN\", \"NET_ADMIN\" in "
                      "securityContext.capabilities.add)");
  /* Before 1.22 restricted uses the baseline rule. */
  assert_string_equal(
      test_eval(*state, pod, R, 21),
      "non-default capabilities (container \"a\" must not include \"NET_ADMIN\" in securityContext.capabilities.add)");
}

static void host_namespaces_detail(void **state) {
  assert_string_equal(
      test_eval(
          *state,
          "{\"spec\":{\"hostNetwork\":true,\"hostPID\":true,\"hostIPC\":false,\"containers\":[{\"name\":\"a\"}]}}", B,
          LATEST),
      "host namespaces (hostNetwork=true, hostPID=true)");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(upstream_example_message, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(good_pod_passes_restricted_at_every_version, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(privileged_level_allows_everything, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(empty_vs_absent_security_context, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(pod_and_container_run_as_non_root, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(run_as_user_zero, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(windows_pods_exempt_from_linux_only_checks_from_1_25, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(ephemeral_containers_are_checked, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(host_ports_sort_as_text, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(user_namespaces_relax_from_1_35, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(sysctls_by_version, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(selinux_types_users_roles, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(apparmor_annotations_and_fields, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(seccomp_annotations_before_1_19_fields_after, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(volumes_restricted_replace_host_path, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(probe_hosts_from_1_34, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(capabilities_baseline_and_restricted, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(host_namespaces_detail, test_setup, test_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
