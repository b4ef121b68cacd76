/* policies/check_sc_*.c: the securityContext family's rule checks, run
 * through their family's check list on pod views and rules built by hand (the
 * checks are pure: no JSON, no config). Every check: pass, fail, unset,
 * container over pod where both can set the field, ephemeral containers,
 * and the exact message. */
#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rule_checks.h"

#define STRS(...)                                                                                                      \
  ((struct adm_str_list){(const char *[]){__VA_ARGS__}, sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *)})
#define RANGE(lo, hi) ((struct adm_id_range){.set = true, .has_min = true, .has_max = true, .min = (lo), .max = (hi)})

/* A pod with one container of each kind, in visit order: init "init",
 * regular "app", ephemeral "debug"; each has an empty securityContext, and
 * so has the pod. Tests set what they need. */
struct fixture {
  struct adm_pod pod;
  struct adm_container c[3];
};

static struct adm_pod *pod3(struct fixture *fx) {
  memset(fx, 0, sizeof *fx);
  static const char *const names[3] = {"init", "app", "debug"};
  static const enum adm_container_kind kinds[3] = {ADM_CONTAINER_INIT, ADM_CONTAINER_REGULAR, ADM_CONTAINER_EPHEMERAL};
  for (int i = 0; i < 3; i++) {
    fx->c[i].kind = kinds[i];
    fx->c[i].name = names[i];
    fx->c[i].sc.present = true;
  }
  fx->pod.name = "p";
  fx->pod.namespace = "ns";
  fx->pod.sc.present = true;
  fx->pod.containers = fx->c;
  fx->pod.n_containers = 3;
  fx->pod.n_init = fx->pod.n_regular = fx->pod.n_ephemeral = 1;
  return &fx->pod;
}

/* ---- the table ---- */

static const char *const sc_ids[] = {
    "securityContext.readOnlyRootFilesystem",
    "securityContext.runAsNonRoot",
    "securityContext.runAsUser",
    "securityContext.runAsGroup",
    "securityContext.fsGroup",
    "securityContext.supplementalGroups",
    "securityContext.capabilities.allowed",
    "securityContext.capabilities.requiredDrop",
    "securityContext.automountServiceAccountToken",
    "securityContext.shareProcessNamespace",
    "securityContext.hostAliases",
    "securityContext.seccompProfile",
    "securityContext.appArmorProfile",
    "securityContext.procMount",
    "securityContext.allowPrivilegeEscalation",
    "securityContext.sysctls",
    NULL,
};

static void table_lists_every_check_once_and_none_is_active_by_default(void **state) {
  (void)state;
  const struct adm_sc_rule empty = {0};
  const struct adm_rule_settings settings = SETTINGS(&empty);
  expect_family_table(ADM_FAMILY_SECURITY_CONTEXT, sc_ids, &settings);
}

static void each_check_is_active_only_for_its_setting(void **state) {
  (void)state;
  struct {
    const char *id;
    struct adm_sc_rule rule;
  } cases[] = {
      {"securityContext.readOnlyRootFilesystem", {.require_read_only_root_filesystem = true}},
      {"securityContext.runAsNonRoot", {.require_run_as_non_root = true}},
      {"securityContext.runAsUser", {.run_as_user = {.set = true}}},
      {"securityContext.runAsGroup", {.run_as_group = {.set = true}}},
      {"securityContext.fsGroup", {.fs_group = {.set = true}}},
      {"securityContext.supplementalGroups", {.supplemental_groups = {.set = true}}},
      {"securityContext.capabilities.allowed", {.has_allowed_capabilities = true}},
      {"securityContext.capabilities.requiredDrop", {.required_drop_capabilities = NAMES("ALL")}},
      {"securityContext.automountServiceAccountToken", {.forbid_automount_token = true}},
      {"securityContext.shareProcessNamespace", {.forbid_share_process_namespace = true}},
      {"securityContext.hostAliases", {.forbid_host_aliases = true}},
      {"securityContext.seccompProfile", {.has_allowed_seccomp_profiles = true}},
      {"securityContext.appArmorProfile", {.has_allowed_apparmor_profiles = true}},
      {"securityContext.procMount", {.has_allowed_proc_mount_types = true}},
      {"securityContext.allowPrivilegeEscalation", {.require_no_privilege_escalation = true}},
      {"securityContext.sysctls", {.forbidden_sysctls = NAMES("kernel.*")}},
      {"securityContext.sysctls", {.has_allowed_unsafe_sysctls = true}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    for (const struct adm_rule_check *const *c = adm_families[ADM_FAMILY_SECURITY_CONTEXT].checks; *c; c++) {
      bool want = strcmp((*c)->id, cases[i].id) == 0;
      const struct adm_rule_settings settings = SETTINGS(&cases[i].rule);
      if ((*c)->active(&settings) != want)
        fail_msg("expected %s %s for the rule setting only %s", (*c)->id, want ? "active" : "inactive", cases[i].id);
    }
  }
}

/* ---- readOnlyRootFilesystem, allowPrivilegeEscalation ---- */

static void read_only_root_filesystem(void **state) {
  struct fixture fx;
  struct adm_pod *pod = pod3(&fx);
  const struct adm_sc_rule rule = {.require_read_only_root_filesystem = true};
  for (int i = 0; i < 3; i++)
    fx.c[i].sc.read_only_root_filesystem = ADM_TRUE;
  PASSES("securityContext.readOnlyRootFilesystem", pod, &rule);

  /* Unset (no securityContext at all) and false both fail; the ephemeral
   * container is judged too. */
  fx.c[1].sc = (struct adm_container_security){0};
  fx.c[2].sc.read_only_root_filesystem = ADM_FALSE;
  expect(run(state, "securityContext.readOnlyRootFilesystem", pod, &rule), 2,
         "container \"app\" does not set securityContext.readOnlyRootFilesystem; it must be true",
         "container \"debug\" sets securityContext.readOnlyRootFilesystem=false; it must be true");

  /* Containers with the same fault share one finding, in visit order. */
  fx.c[0].sc.read_only_root_filesystem = ADM_UNSET;
  fx.c[2].sc.read_only_root_filesystem = ADM_UNSET;
  expect(run(state, "securityContext.readOnlyRootFilesystem", pod, &rule), 1,
         "containers \"init\", \"app\", \"debug\" do not set securityContext.readOnlyRootFilesystem; it must be true");
}

static void allow_privilege_escalation(void **state) {
  struct fixture fx;
  struct adm_pod *pod = pod3(&fx);
  const struct adm_sc_rule rule = {.require_no_privilege_escalation = true};
  const char *id = "securityContext.allowPrivilegeEscalation";
  for (int i = 0; i < 3; i++)
    fx.c[i].sc.allow_privilege_escalation = ADM_FALSE;
  PASSES(id, pod, &rule);
  fx.c[0].sc.allow_privilege_escalation = ADM_UNSET;
  fx.c[1].sc.present = false;
  fx.c[2].sc.allow_privilege_escalation = ADM_TRUE;
  expect(run(state, id, pod, &rule), 2,
         "containers \"init\", \"app\" do not set securityContext.allowPrivilegeEscalation; it must be false",
         "container \"debug\" sets securityContext.allowPrivilegeEscalation=true; it must be false");
}

/* ---- runAsNonRoot ---- */

static void run_as_non_root(void **state) {
  struct fixture fx;
  struct adm_pod *pod = pod3(&fx);
  const struct adm_sc_rule rule = {.require_run_as_non_root = true};
  const char *id = "securityContext.runAsNonRoot";

  /* Nothing set anywhere: every container, ephemeral included. */
  expect(
      run(state, id, pod, &rule), 3,
      "container \"init\" has runAsNonRoot unset and runAsUser unset; it must have runAsNonRoot=true or a runAsUser "
      "other than 0, in securityContext or spec.securityContext",
      "container \"app\" has runAsNonRoot unset and runAsUser unset; it must have runAsNonRoot=true or a runAsUser "
      "other than 0, in securityContext or spec.securityContext",
      "container \"debug\" has runAsNonRoot unset and runAsUser unset; it must have runAsNonRoot=true or a runAsUser "
      "other than 0, in securityContext or spec.securityContext");

  /* The pod's runAsNonRoot covers every container ... */
  pod->sc.common.run_as_non_root = ADM_TRUE;
  PASSES(id, pod, &rule);
  /* ... unless a container says false: container over pod. */
  fx.c[1].sc.common.run_as_non_root = ADM_FALSE;
  expect(run(state, id, pod, &rule), 1,
         "container \"app\" has runAsNonRoot=false (securityContext) and runAsUser unset; it must have "
         "runAsNonRoot=true or a runAsUser other than 0, in securityContext or spec.securityContext");

  /* A non-zero runAsUser is enough, from the pod or the container. */
  pod->sc.common.has_run_as_user = true;
  pod->sc.common.run_as_user = 1000;
  PASSES(id, pod, &rule);
  /* A container's runAsUser=0 overrides the pod's 1000. */
  fx.c[1].sc.common.has_run_as_user = true;
  fx.c[1].sc.common.run_as_user = 0;
  expect(run(state, id, pod, &rule), 1,
         "container \"app\" has runAsNonRoot=false (securityContext) and runAsUser=0 (securityContext); it must have "
         "runAsNonRoot=true or a runAsUser other than 0, in securityContext or spec.securityContext");

  /* Inherited values are named as the pod's. */
  fx.c[1].sc.common = (struct adm_security_common){0};
  pod->sc.common.run_as_non_root = ADM_FALSE;
  pod->sc.common.run_as_user = 0;
  fx.c[0].sc.common.run_as_non_root = ADM_TRUE;
  fx.c[2].sc.common.has_run_as_user = true;
  fx.c[2].sc.common.run_as_user = 65534;
  expect(run(state, id, pod, &rule), 1,
         "container \"app\" has runAsNonRoot=false (spec.securityContext) and runAsUser=0 (spec.securityContext); it "
         "must have runAsNonRoot=true or a runAsUser other than 0, in securityContext or spec.securityContext");
}

/* ---- runAsUser, runAsGroup ---- */

static void run_as_user_range(void **state) {
  struct fixture fx;
  struct adm_pod *pod = pod3(&fx);
  const struct adm_sc_rule rule = {.run_as_user = RANGE(1000, 2000)};
  const char *id = "securityContext.runAsUser";

  /* Unset everywhere fails: the image's user is unknown. */
  expect(run(state, id, pod, &rule), 3,
         "container \"init\" sets no runAsUser in securityContext or spec.securityContext; allowed: 1000 to 2000",
         "container \"app\" sets no runAsUser in securityContext or spec.securityContext; allowed: 1000 to 2000",
         "container \"debug\" sets no runAsUser in securityContext or spec.securityContext; allowed: 1000 to 2000");

  /* The pod's value, inclusive bounds. */
  pod->sc.common.has_run_as_user = true;
  pod->sc.common.run_as_user = 1000;
  PASSES(id, pod, &rule);
  pod->sc.common.run_as_user = 2000;
  PASSES(id, pod, &rule);

  /* Container over pod, both ways. */
  pod->sc.common.run_as_user = 0;
  fx.c[0].sc.common.has_run_as_user = true;
  fx.c[0].sc.common.run_as_user = 1500;
  fx.c[2].sc.common.has_run_as_user = true;
  fx.c[2].sc.common.run_as_user = 2001;
  expect(run(state, id, pod, &rule), 2,
         "container \"app\" inherits spec.securityContext.runAsUser=0; allowed: 1000 to 2000",
         "container \"debug\" sets securityContext.runAsUser=2001; allowed: 1000 to 2000");

  /* A pod without a securityContext gives nothing to inherit. */
  pod->sc.present = false;
  pod->sc.common.run_as_user = 1500;
  expect(run(state, id, pod, &rule), 2,
         "container \"app\" sets no runAsUser in securityContext or spec.securityContext; allowed: 1000 to 2000",
         "container \"debug\" sets securityContext.runAsUser=2001; allowed: 1000 to 2000");
}

static void run_as_user_open_bounds(void **state) {
  struct fixture fx;
  struct adm_pod *pod = pod3(&fx);
  pod->n_containers = 1; /* "init" alone */
  const char *id = "securityContext.runAsUser";
  struct adm_sc_rule rule = {.run_as_user = {.set = true, .has_min = true, .min = 1000}};
  fx.c[0].sc.common.has_run_as_user = true;
  fx.c[0].sc.common.run_as_user = INT64_MAX;
  PASSES(id, pod, &rule);
  fx.c[0].sc.common.run_as_user = 999;
  expect(run(state, id, pod, &rule), 1, "container \"init\" sets securityContext.runAsUser=999; allowed: 1000 or more");

  rule.run_as_user = (struct adm_id_range){.set = true, .has_max = true, .max = 999};
  PASSES(id, pod, &rule);
  fx.c[0].sc.common.run_as_user = 1000;
  expect(run(state, id, pod, &rule), 1, "container \"init\" sets securityContext.runAsUser=1000; allowed: 999 or less");

  /* No bounds: any value, but it must be set. */
  rule.run_as_user = (struct adm_id_range){.set = true};
  fx.c[0].sc.common.run_as_user = 0;
  PASSES(id, pod, &rule);
  fx.c[0].sc.common.has_run_as_user = false;
  expect(run(state, id, pod, &rule), 1,
         "container \"init\" sets no runAsUser in securityContext or spec.securityContext; allowed: any value");
}

static void run_as_group_range(void **state) {
  struct fixture fx;
  struct adm_pod *pod = pod3(&fx);
  const struct adm_sc_rule rule = {.run_as_group = RANGE(100, 200), .run_as_user = RANGE(0, 0)};
  const char *id = "securityContext.runAsGroup";
  /* runAsUser is another field: setting it satisfies nothing here. */
  pod->sc.common.has_run_as_user = true;
  pod->sc.common.run_as_user = 150;
  expect(run(state, id, pod, &rule), 3,
         "container \"init\" sets no runAsGroup in securityContext or spec.securityContext; allowed: 100 to 200",
         "container \"app\" sets no runAsGroup in securityContext or spec.securityContext; allowed: 100 to 200",
         "container \"debug\" sets no runAsGroup in securityContext or spec.securityContext; allowed: 100 to 200");
  pod->sc.common.has_run_as_group = true;
  pod->sc.common.run_as_group = 150;
  PASSES(id, pod, &rule);
  fx.c[2].sc.common.has_run_as_group = true;
  fx.c[2].sc.common.run_as_group = 0;
  pod->sc.common.run_as_group = 99;
  fx.c[0].sc.common.has_run_as_group = true;
  fx.c[0].sc.common.run_as_group = 200;
  expect(run(state, id, pod, &rule), 2,
         "container \"app\" inherits spec.securityContext.runAsGroup=99; allowed: 100 to 200",
         "container \"debug\" sets securityContext.runAsGroup=0; allowed: 100 to 200");
}

/* ---- fsGroup, supplementalGroups ---- */

static void fs_group(void **state) {
  struct fixture fx;
  struct adm_pod *pod = pod3(&fx);
  const struct adm_sc_rule rule = {.fs_group = RANGE(1000, 2000)};
  const char *id = "securityContext.fsGroup";
  expect(run(state, id, pod, &rule), 1, "pod does not set spec.securityContext.fsGroup; allowed: 1000 to 2000");
  pod->sc.has_fs_group = true;
  pod->sc.fs_group = 1000;
  PASSES(id, pod, &rule);
  pod->sc.fs_group = 0;
  expect(run(state, id, pod, &rule), 1, "pod sets spec.securityContext.fsGroup=0; allowed: 1000 to 2000");
  /* No pod securityContext: unset. */
  pod->sc.present = false;
  pod->sc.fs_group = 1500;
  expect(run(state, id, pod, &rule), 1, "pod does not set spec.securityContext.fsGroup; allowed: 1000 to 2000");
}

static void supplemental_groups(void **state) {
  struct fixture fx;
  struct adm_pod *pod = pod3(&fx);
  const struct adm_sc_rule rule = {.supplemental_groups = {.set = true, .has_min = true, .min = 1000}};
  const char *id = "securityContext.supplementalGroups";
  /* None at all is fine. */
  PASSES(id, pod, &rule);
  int64_t groups[] = {1000, 0, 5000, 999};
  pod->sc.supplemental_groups = groups;
  pod->sc.n_supplemental_groups = 1;
  PASSES(id, pod, &rule);
  pod->sc.n_supplemental_groups = 3;
  expect(run(state, id, pod, &rule), 1,
         "pod sets supplemental group 0 in spec.securityContext.supplementalGroups; allowed: 1000 or more");
  pod->sc.n_supplemental_groups = 4;
  expect(run(state, id, pod, &rule), 1,
         "pod sets supplemental groups 0, 999 in spec.securityContext.supplementalGroups; allowed: 1000 or more");
}

/* ---- capabilities ---- */

static void capabilities_allowed(void **state) {
  struct fixture fx;
  struct adm_pod *pod = pod3(&fx);
  struct adm_sc_rule rule = {.has_allowed_capabilities = true, .allowed_capabilities = NAMES("NET_BIND_SERVICE")};
  const char *id = "securityContext.capabilities.allowed";
  /* Nothing added, or only what is allowed. */
  PASSES(id, pod, &rule);
  fx.c[1].sc.has_capabilities = true;
  fx.c[1].sc.cap_add = STRS("NET_BIND_SERVICE");
  fx.c[1].sc.cap_drop = STRS("NET_ADMIN", "SYS_ADMIN"); /* dropping is never restricted */
  PASSES(id, pod, &rule);

  /* The ephemeral container is judged too; names compare as runtimes
   * read them: without case ("net_bind_service" grants NET_BIND_SERVICE). */
  fx.c[2].sc.has_capabilities = true;
  fx.c[2].sc.cap_add = STRS("SYS_PTRACE", "net_bind_service", "NET_BIND_SERVICE", "sys_admin");
  expect(run(state, id, pod, &rule), 1,
         "container \"debug\" adds \"SYS_PTRACE\", \"sys_admin\" in securityContext.capabilities.add; allowed: "
         "\"NET_BIND_SERVICE\"");
  fx.c[2].sc.cap_add = STRS("SYS_PTRACE", "net_bind_service", "NET_BIND_SERVICE");

  /* "*" allows any. */
  rule.allowed_capabilities = NAMES("NET_BIND_SERVICE", "*");
  PASSES(id, pod, &rule);

  /* An empty list: nothing may be added. */
  rule.allowed_capabilities = (struct adm_names){0};
  expect(run(state, id, pod, &rule), 2,
         "container \"app\" adds \"NET_BIND_SERVICE\" in securityContext.capabilities.add; allowed: none",
         "container \"debug\" adds \"SYS_PTRACE\", \"net_bind_service\", \"NET_BIND_SERVICE\" in "
         "securityContext.capabilities.add; allowed: none");
}

static void capabilities_required_drop(void **state) {
  struct fixture fx;
  struct adm_pod *pod = pod3(&fx);
  struct adm_sc_rule rule = {.required_drop_capabilities = NAMES("NET_RAW", "SYS_ADMIN")};
  const char *id = "securityContext.capabilities.requiredDrop";
  /* A compound literal in the loop body would not outlive its iteration. */
  const struct adm_str_list both = STRS("SYS_ADMIN", "NET_RAW");
  for (int i = 0; i < 3; i++) {
    fx.c[i].sc.has_capabilities = true;
    fx.c[i].sc.cap_drop = both;
  }
  PASSES(id, pod, &rule);

  /* ALL covers every name; a missing drop list fails; so does a name dropped
   * by ALL but added back. */
  fx.c[0].sc.cap_drop = STRS("ALL");
  fx.c[1].sc = (struct adm_container_security){.present = true};
  fx.c[2].sc.cap_drop = STRS("ALL");
  fx.c[2].sc.cap_add = STRS("NET_RAW", "CHOWN");
  expect(
      run(state, id, pod, &rule), 2,
      "container \"app\" does not drop \"NET_RAW\", \"SYS_ADMIN\" in securityContext.capabilities.drop; it must drop "
      "\"ALL\" or each of \"NET_RAW\", \"SYS_ADMIN\"",
      "container \"debug\" adds \"NET_RAW\" in securityContext.capabilities.add; capabilities it must drop may not "
      "be added back");

  /* Runtimes upper-case names: an add of "net_raw" or "CAP_NET_RAW" grants
   * NET_RAW back, and "all" in drop drops everything; but "CAP_NET_RAW" in
   * drop (containerd would make it CAP_CAP_NET_RAW) drops nothing. */
  fx.c[2].sc.cap_add = STRS("net_raw");
  expect(run(state, id, pod, &rule), 2,
         "container \"app\" does not drop \"NET_RAW\", \"SYS_ADMIN\" in securityContext.capabilities.drop; it must "
         "drop \"ALL\" or each of \"NET_RAW\", \"SYS_ADMIN\"",
         "container \"debug\" adds \"NET_RAW\" in securityContext.capabilities.add; capabilities it must drop may not "
         "be added back");
  fx.c[2].sc.cap_add = STRS("CAP_SYS_ADMIN");
  fx.c[2].sc.cap_drop = STRS("all");
  expect(run(state, id, pod, &rule), 2,
         "container \"app\" does not drop \"NET_RAW\", \"SYS_ADMIN\" in securityContext.capabilities.drop; it must "
         "drop \"ALL\" or each of \"NET_RAW\", \"SYS_ADMIN\"",
         "container \"debug\" adds \"SYS_ADMIN\" in securityContext.capabilities.add; capabilities it must drop "
         "may not be added back");
  fx.c[2].sc.cap_add = (struct adm_str_list){0};
  fx.c[2].sc.cap_drop = STRS("CAP_NET_RAW", "SYS_ADMIN");
  expect(run(state, id, pod, &rule), 2,
         "container \"app\" does not drop \"NET_RAW\", \"SYS_ADMIN\" in securityContext.capabilities.drop; it must "
         "drop \"ALL\" or each of \"NET_RAW\", \"SYS_ADMIN\"",
         "container \"debug\" does not drop \"NET_RAW\" in securityContext.capabilities.drop; it must drop \"ALL\" or "
         "each of \"NET_RAW\", \"SYS_ADMIN\"");
  fx.c[2].sc.cap_drop = STRS("ALL");

  /* Partly dropped: only the missing name is reported. */
  fx.c[1].sc.has_capabilities = true;
  fx.c[1].sc.cap_drop = STRS("SYS_ADMIN");
  fx.c[2].sc.cap_add = STRS("CHOWN");
  expect(
      run(state, id, pod, &rule), 1,
      "container \"app\" does not drop \"NET_RAW\" in securityContext.capabilities.drop; it must drop \"ALL\" or each "
      "of \"NET_RAW\", \"SYS_ADMIN\"");

  /* Required ALL: only ALL will do; adding is capabilities.allowed's business. */
  rule.required_drop_capabilities = NAMES("ALL");
  expect(run(state, id, pod, &rule), 1,
         "container \"app\" does not drop \"ALL\" in securityContext.capabilities.drop; it must drop \"ALL\"");
  fx.c[1].sc.cap_drop = STRS("ALL");
  PASSES(id, pod, &rule);

  /* One name: no "each of". */
  rule.required_drop_capabilities = NAMES("NET_RAW");
  fx.c[0].sc = (struct adm_container_security){0};
  expect(run(state, id, pod, &rule), 1,
         "container \"init\" does not drop \"NET_RAW\" in securityContext.capabilities.drop; it must drop \"ALL\" or "
         "\"NET_RAW\"");
}

/* ---- pod-level booleans ---- */

static void automount_service_account_token(void **state) {
  struct fixture fx;
  struct adm_pod *pod = pod3(&fx);
  struct adm_sc_rule rule = {.forbid_automount_token = true};
  const char *id = "securityContext.automountServiceAccountToken";
  pod->automount_token = ADM_FALSE;
  PASSES(id, pod, &rule);
  /* Unset: the ServiceAccount decides, which is not known here. */
  pod->automount_token = ADM_UNSET;
  expect(run(state, id, pod, &rule), 1,
         "pod does not set spec.automountServiceAccountToken for service account \"default\"; it must be false");
  pod->automount_token = ADM_TRUE;
  pod->service_account = "builder";
  expect(run(state, id, pod, &rule), 1,
         "pod sets spec.automountServiceAccountToken=true for service account \"builder\"; it must be false");

  /* Listed service accounts are exempt; an unset name is "default". */
  rule.automount_token_service_accounts = NAMES("builder", "default");
  PASSES(id, pod, &rule);
  pod->service_account = NULL;
  PASSES(id, pod, &rule);
  pod->service_account = "other";
  expect(run(state, id, pod, &rule), 1,
         "pod sets spec.automountServiceAccountToken=true for service account \"other\"; it must be false unless the "
         "service account is one of \"builder\", \"default\"");
  rule.automount_token_service_accounts = NAMES("builder");
  expect(run(state, id, pod, &rule), 1,
         "pod sets spec.automountServiceAccountToken=true for service account \"other\"; it must be false unless the "
         "service account is \"builder\"");
}

static void share_process_namespace(void **state) {
  struct fixture fx;
  struct adm_pod *pod = pod3(&fx);
  const struct adm_sc_rule rule = {.forbid_share_process_namespace = true};
  const char *id = "securityContext.shareProcessNamespace";
  PASSES(id, pod, &rule);
  pod->share_process_namespace = ADM_FALSE;
  PASSES(id, pod, &rule);
  pod->share_process_namespace = ADM_TRUE;
  expect(run(state, id, pod, &rule), 1, "pod sets spec.shareProcessNamespace=true; it must be false or unset");
}

static void host_aliases(void **state) {
  struct fixture fx;
  struct adm_pod *pod = pod3(&fx);
  const struct adm_sc_rule rule = {.forbid_host_aliases = true};
  const char *id = "securityContext.hostAliases";
  PASSES(id, pod, &rule);
  pod->n_host_aliases = 1;
  expect(run(state, id, pod, &rule), 1, "pod sets spec.hostAliases (1 entry); it must have none");
  pod->n_host_aliases = 2;
  expect(run(state, id, pod, &rule), 1, "pod sets spec.hostAliases (2 entries); it must have none");
}

/* ---- profiles ---- */

static void seccomp_profile(void **state) {
  struct fixture fx;
  struct adm_pod *pod = pod3(&fx);
  struct adm_sc_rule rule = {.has_allowed_seccomp_profiles = true,
                             .allowed_seccomp_profiles = NAMES("RuntimeDefault", "Localhost/prof-*")};
  const char *id = "securityContext.seccompProfile";

  /* Unset fails, naming what would pass. */
  expect(run(state, id, pod, &rule), 3,
         "container \"init\" sets no seccompProfile in securityContext or spec.securityContext; allowed: "
         "\"RuntimeDefault\", \"Localhost/prof-*\"",
         "container \"app\" sets no seccompProfile in securityContext or spec.securityContext; allowed: "
         "\"RuntimeDefault\", \"Localhost/prof-*\"",
         "container \"debug\" sets no seccompProfile in securityContext or spec.securityContext; allowed: "
         "\"RuntimeDefault\", \"Localhost/prof-*\"");

  /* The pod's profile covers every container. */
  pod->sc.common.seccomp = (struct adm_profile){true, "RuntimeDefault", NULL};
  PASSES(id, pod, &rule);

  /* Container over pod; Localhost names are matched by the glob, which
   * crosses "/". */
  fx.c[0].sc.common.seccomp = (struct adm_profile){true, "Localhost", "prof-a/strict.json"};
  fx.c[1].sc.common.seccomp = (struct adm_profile){true, "Unconfined", NULL};
  fx.c[2].sc.common.seccomp = (struct adm_profile){true, "Localhost", "other.json"};
  expect(run(state, id, pod, &rule), 2,
         "container \"app\" uses seccomp profile \"Unconfined\" from securityContext.seccompProfile; allowed: "
         "\"RuntimeDefault\", \"Localhost/prof-*\"",
         "container \"debug\" uses seccomp profile \"Localhost/other.json\" from securityContext.seccompProfile; "
         "allowed: \"RuntimeDefault\", \"Localhost/prof-*\"");

  /* An inherited profile is named as the pod's; a type alone never matches
   * a Localhost entry, and a typeless profile matches nothing. */
  rule.allowed_seccomp_profiles = NAMES("Unconfined", "Localhost/*");
  fx.c[1].sc.common.seccomp.present = false;
  fx.c[2].sc.common.seccomp = (struct adm_profile){true, "", NULL};
  pod->sc.common.seccomp = (struct adm_profile){true, "Localhost", NULL};
  expect(run(state, id, pod, &rule), 2,
         "container \"app\" uses seccomp profile \"Localhost\" from spec.securityContext.seccompProfile; allowed: "
         "\"Unconfined\", \"Localhost/*\"",
         "container \"debug\" uses seccomp profile \"\" from securityContext.seccompProfile; allowed: \"Unconfined\", "
         "\"Localhost/*\"");
  /* Even an empty entry does not admit a typeless profile. */
  rule.allowed_seccomp_profiles = NAMES("", "Localhost/*");
  pod->n_containers = 3;
  expect(run(state, id, pod, &rule), 2,
         "container \"app\" uses seccomp profile \"Localhost\" from spec.securityContext.seccompProfile; allowed: "
         "\"\", \"Localhost/*\"",
         "container \"debug\" uses seccomp profile \"\" from securityContext.seccompProfile; allowed: \"\", "
         "\"Localhost/*\"");
  pod->sc.common.seccomp = (struct adm_profile){true, "Unconfined", NULL};
  fx.c[2].sc.common.seccomp.present = false;
  rule.allowed_seccomp_profiles = NAMES("Unconfined", "Localhost/*");
  PASSES(id, pod, &rule);

  /* An empty list allows nothing. */
  rule.allowed_seccomp_profiles = (struct adm_names){0};
  pod->n_containers = 1;
  expect(
      run(state, id, pod, &rule), 1,
      "container \"init\" uses seccomp profile \"Localhost/prof-a/strict.json\" from securityContext.seccompProfile; "
      "allowed: none");
}

static const char *apparmor_keys[2] = {"container.apparmor.security.beta.kubernetes.io/app",
                                       "container.apparmor.security.beta.kubernetes.io/debug"};

static void app_armor_profile_fields_and_default(void **state) {
  struct fixture fx;
  struct adm_pod *pod = pod3(&fx);
  struct adm_sc_rule rule = {.has_allowed_apparmor_profiles = true,
                             .allowed_apparmor_profiles = NAMES("RuntimeDefault")};
  const char *id = "securityContext.appArmorProfile";

  /* Unset counts as the runtime default. */
  PASSES(id, pod, &rule);
  rule.allowed_apparmor_profiles = NAMES("Localhost/k8s-*");
  expect(run(state, id, pod, &rule), 3,
         "container \"init\" sets no AppArmor profile, so the runtime default (\"RuntimeDefault\") applies; allowed: "
         "\"Localhost/k8s-*\"",
         "container \"app\" sets no AppArmor profile, so the runtime default (\"RuntimeDefault\") applies; allowed: "
         "\"Localhost/k8s-*\"",
         "container \"debug\" sets no AppArmor profile, so the runtime default (\"RuntimeDefault\") applies; allowed: "
         "\"Localhost/k8s-*\"");

  /* Pod field, then container over pod. */
  pod->sc.common.apparmor = (struct adm_profile){true, "Localhost", "k8s-web"};
  PASSES(id, pod, &rule);
  fx.c[2].sc.common.apparmor = (struct adm_profile){true, "Unconfined", NULL};
  fx.c[0].sc.common.apparmor = (struct adm_profile){true, "Localhost", "k8s-init"};
  pod->sc.common.apparmor = (struct adm_profile){true, "Localhost", "web"};
  expect(
      run(state, id, pod, &rule), 2,
      "container \"app\" uses AppArmor profile \"Localhost/web\" from spec.securityContext.appArmorProfile; allowed: "
      "\"Localhost/k8s-*\"",
      "container \"debug\" uses AppArmor profile \"Unconfined\" from securityContext.appArmorProfile; allowed: "
      "\"Localhost/k8s-*\"");
}

static void app_armor_profile_annotations(void **state) {
  struct fixture fx;
  struct adm_pod *pod = pod3(&fx);
  struct adm_sc_rule rule = {.has_allowed_apparmor_profiles = true,
                             .allowed_apparmor_profiles = NAMES("RuntimeDefault", "Localhost/k8s-*")};
  const char *id = "securityContext.appArmorProfile";
  const char *values[2] = {"localhost/k8s-app", "unconfined"};
  pod->annotation_keys = apparmor_keys;
  pod->annotation_values = values;
  pod->n_annotations = 2;

  /* Each annotation applies to its own container only. */
  expect(run(state, id, pod, &rule), 1,
         "container \"debug\" uses AppArmor profile \"Unconfined\" from annotation "
         "container.apparmor.security.beta.kubernetes.io/debug; allowed: \"RuntimeDefault\", \"Localhost/k8s-*\"");

  /* The container's field beats its annotation ... */
  fx.c[2].sc.common.apparmor = (struct adm_profile){true, "RuntimeDefault", NULL};
  PASSES(id, pod, &rule);
  /* ... and the annotation beats the pod's field, as the kubelet has it. */
  pod->sc.common.apparmor = (struct adm_profile){true, "Unconfined", NULL};
  values[0] = "runtime/default";
  expect(run(state, id, pod, &rule), 1,
         "container \"init\" uses AppArmor profile \"Unconfined\" from spec.securityContext.appArmorProfile; allowed: "
         "\"RuntimeDefault\", \"Localhost/k8s-*\"");
  pod->sc.common.apparmor.present = false;
  values[0] = "localhost/other";
  expect(run(state, id, pod, &rule), 1,
         "container \"app\" uses AppArmor profile \"Localhost/other\" from annotation "
         "container.apparmor.security.beta.kubernetes.io/app; allowed: \"RuntimeDefault\", \"Localhost/k8s-*\"");

  /* A value that names no profile fails, quoted as Go's %q does. */
  values[0] = "bogus \"x\"";
  expect(
      run(state, id, pod, &rule), 1,
      "container \"app\" has annotation container.apparmor.security.beta.kubernetes.io/app=\"bogus \\\"x\\\"\", which "
      "names no AppArmor profile; allowed: \"RuntimeDefault\", \"Localhost/k8s-*\"");
}

static void proc_mount(void **state) {
  struct fixture fx;
  struct adm_pod *pod = pod3(&fx);
  struct adm_sc_rule rule = {.has_allowed_proc_mount_types = true, .allowed_proc_mount_types = NAMES("Default")};
  const char *id = "securityContext.procMount";
  /* Unset is Default. */
  PASSES(id, pod, &rule);
  fx.c[0].sc.proc_mount = "Default";
  fx.c[2].sc.proc_mount = "Unmasked";
  expect(run(state, id, pod, &rule), 1,
         "container \"debug\" sets securityContext.procMount=\"Unmasked\"; allowed: \"Default\"");
  rule.allowed_proc_mount_types = NAMES("Unmasked");
  fx.c[1].sc.present = false;
  expect(run(state, id, pod, &rule), 2,
         "container \"init\" sets securityContext.procMount=\"Default\"; allowed: \"Unmasked\"",
         "container \"app\" does not set securityContext.procMount (\"Default\"); allowed: \"Unmasked\"");
  rule.allowed_proc_mount_types = NAMES("Unmasked", "Default");
  PASSES(id, pod, &rule);
}

/* ---- sysctls ---- */

static void sysctls_forbidden(void **state) {
  struct fixture fx;
  struct adm_pod *pod = pod3(&fx);
  const struct adm_sc_rule rule = {.forbidden_sysctls = NAMES("kernel.*", "net.core.somaxconn")};
  const char *id = "securityContext.sysctls";
  PASSES(id, pod, &rule);
  /* Without allowedUnsafeSysctls, unsafe names not forbidden pass. */
  pod->sc.sysctls = STRS("net.ipv4.tcp_syncookies", "vm.swappiness");
  PASSES(id, pod, &rule);
  /* The "/" spelling is matched as the kubelet reads it. */
  pod->sc.sysctls = STRS("kernel.shm_rmid_forced", "net.ipv4.tcp_syncookies", "kernel/msgmax", "net.core.somaxconn");
  expect(run(state, id, pod, &rule), 1,
         "pod sets forbidden sysctls \"kernel.shm_rmid_forced\", \"kernel/msgmax\", \"net.core.somaxconn\" in "
         "spec.securityContext.sysctls; forbidden: \"kernel.*\", \"net.core.somaxconn\"");
}

static void sysctls_allowed_unsafe(void **state) {
  struct fixture fx;
  struct adm_pod *pod = pod3(&fx);
  struct adm_sc_rule rule = {.has_allowed_unsafe_sysctls = true, .allowed_unsafe_sysctls = NAMES("net.core.*")};
  const char *id = "securityContext.sysctls";
  /* The safe set, up to the newest baseline version, needs no listing;
   * "/" spellings of safe names are safe. */
  pod->sc.sysctls = STRS("net.ipv4.ip_local_port_range", "net.ipv4.tcp_notsent_lowat", "net/ipv4/tcp_syncookies",
                         "net.core.somaxconn");
  PASSES(id, pod, &rule);
  pod->sc.sysctls = STRS("vm.swappiness", "net.core.somaxconn", "kernel.msgmax");
  expect(run(state, id, pod, &rule), 1,
         "pod sets unsafe sysctls \"vm.swappiness\", \"kernel.msgmax\" in spec.securityContext.sysctls; allowed beyond "
         "the safe set: \"net.core.*\"");

  /* Forbidden takes precedence and is reported alone for a name. */
  rule.forbidden_sysctls = NAMES("kernel.*");
  expect(run(state, id, pod, &rule), 2,
         "pod sets forbidden sysctl \"kernel.msgmax\" in spec.securityContext.sysctls; forbidden: \"kernel.*\"",
         "pod sets unsafe sysctl \"vm.swappiness\" in spec.securityContext.sysctls; allowed beyond the safe set: "
         "\"net.core.*\"");

  /* An empty allow list: nothing beyond the safe set. */
  rule.forbidden_sysctls = (struct adm_names){0};
  rule.allowed_unsafe_sysctls = (struct adm_names){0};
  pod->sc.sysctls = STRS("net.ipv4.tcp_syncookies", "net.core.somaxconn");
  expect(run(state, id, pod, &rule), 1,
         "pod sets unsafe sysctl \"net.core.somaxconn\" in spec.securityContext.sysctls; allowed beyond the safe set: "
         "none");
}

/* ---- determinism ---- */

static void findings_follow_visit_order(void **state) {
  /* Two init, one regular, two ephemeral containers: findings come in the
   * order the pod lists them, init first, whatever the names sort to. */
  struct adm_container cs[5] = {
      {.kind = ADM_CONTAINER_INIT, .name = "z-init"},       {.kind = ADM_CONTAINER_INIT, .name = "a-init"},
      {.kind = ADM_CONTAINER_REGULAR, .name = "m-app"},     {.kind = ADM_CONTAINER_EPHEMERAL, .name = "b-debug"},
      {.kind = ADM_CONTAINER_EPHEMERAL, .name = "a-debug"},
  };
  struct adm_pod pod = {
      .name = "p", .containers = cs, .n_containers = 5, .n_init = 2, .n_regular = 1, .n_ephemeral = 2};
  const struct adm_sc_rule rule = {.has_allowed_proc_mount_types = true, .allowed_proc_mount_types = NAMES("Unmasked")};
  struct adm_findings *f = run(state, "securityContext.procMount", &pod, &rule);
  const char *order[] = {"z-init", "a-init", "m-app", "b-debug", "a-debug"};
  assert_int_equal(f->n, 5);
  for (size_t i = 0; i < 5; i++) {
    char want[64];
    snprintf(want, sizeof want, "container \"%s\" ", order[i]);
    assert_str_contains(f->items[i].message, want);
  }
}

/* A check that asks for another family's settings stops the process
 * rather than read one struct as another. */
static void accessor_refuses_another_familys_settings(void **state) {
  (void)state;
  const struct adm_rule_settings resources = {.family = ADM_FAMILY_RESOURCES};
  assert_non_null(adm_rule_resources(&resources));
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    freopen("/dev/null", "w", stderr);
    (void)adm_rule_sc(&resources);
    _exit(0);
  }
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
    fail_msg("expected adm_rule_sc on a resources rule to abort, got status %d", status);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(accessor_refuses_another_familys_settings),
      cmocka_unit_test_setup_teardown(table_lists_every_check_once_and_none_is_active_by_default, test_setup,
                                      test_teardown),
      cmocka_unit_test_setup_teardown(each_check_is_active_only_for_its_setting, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(read_only_root_filesystem, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(allow_privilege_escalation, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(run_as_non_root, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(run_as_user_range, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(run_as_user_open_bounds, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(run_as_group_range, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(fs_group, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(supplemental_groups, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(capabilities_allowed, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(capabilities_required_drop, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(automount_service_account_token, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(share_process_namespace, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(host_aliases, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(seccomp_profile, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(app_armor_profile_fields_and_default, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(app_armor_profile_annotations, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(proc_mount, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(sysctls_forbidden, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(sysctls_allowed_unsafe, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(findings_follow_visit_order, test_setup, test_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
