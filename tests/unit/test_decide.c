/* server/core/decide.c: which requests are judged, exemptions, modes, workloads,
 * the significant-update rule, dry-run and the warning budget. */
#include "helpers.h"

#include <dirent.h>
#include <stdio.h>

#include "admitd/config.h"
#include "admitd/file.h"
#include "admitd/yaml.h"
#include "admitd/decide.h"
#include "admitd/pipeline.h"
#include "admitd/verifier.h"

static const char *PRIV_POD = "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":"
                              "\"img:1\",\"securityContext\":{\"privileged\":true}}]}}";
static const char *PLAIN_POD =
    "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"img:1\"}]}}";

struct req_opts {
  const char *group, *resource, *sub, *op, *ns, *user, *name, *object, *old;
  const char *labels;   /* "k=v,...": the namespace's labels; NULL: not known */
  const char *ns_error; /* with labels NULL: the lookup failed with this */
};

/* Both steps of a decision with no facts gathered: the policies here have
 * no verify rule, so none may be needed. */
static void decide_both_in(const struct adm_config *cfg, const struct adm_review_request *req,
                           const struct adm_ns_view *ns, struct adm_arena *a, struct adm_decision *d) {
  struct adm_decide_plan plan;
  adm_decide_begin(cfg, req, ns, a, &plan, d);
  assert_int_equal(plan.n_needs, 0);
  adm_decide_finish(cfg, req, &plan, NULL, a, d);
}

static void decide_both(const struct adm_config *cfg, const struct adm_review_request *req, struct adm_arena *a,
                        struct adm_decision *d) {
  decide_both_in(cfg, req, NULL, a, d);
}

static void decide(void **state, const struct adm_config *cfg, struct req_opts o, struct adm_decision *d) {
  struct adm_review_request r = {
      .api_version = "admission.k8s.io/v1",
      .uid = "u",
      .kind_group = "",
      .kind_version = "v1",
      .kind_kind = "X",
      .resource_group = o.group ? o.group : "",
      .resource_version = "v1",
      .resource_resource = o.resource ? o.resource : "pods",
      .sub_resource = o.sub ? o.sub : "",
      .name = o.name ? o.name : "p",
      .namespace = o.ns ? o.ns : "team",
      .operation = o.op ? o.op : "CREATE",
      .username = o.user ? o.user : "alice",
      .object = o.object ? test_json_kept(o.object) : NULL,
      .old_object = o.old ? test_json_kept(o.old) : NULL,
  };
  struct adm_ns_view ns = {ADM_NS_UNREAD, {NULL, NULL, 0}, NULL};
  if (o.labels) {
    const char *why = NULL;
    if (adm_ns_labels_parse(o.labels, *state, &ns.labels, &why) < 0)
      fail_msg("labels %s: %s", o.labels, why ? why : "out of memory");
    ns.state = ADM_NS_KNOWN;
  } else if (o.ns_error) {
    ns = (struct adm_ns_view){ADM_NS_UNKNOWN, {NULL, NULL, 0}, o.ns_error};
  }
  decide_both_in(cfg, &r, &ns, *state, d);
}

static const char *annotation(const struct adm_decision *d, const char *key) {
  for (size_t i = 0; i < d->n_annotations; i++)
    if (strcmp(d->annotations[i].key, key) == 0)
      return d->annotations[i].value;
  return NULL;
}

static struct adm_config *parse(const char *yaml) {
  struct adm_config *cfg;
  struct adm_error err = {0};
  if (adm_config_parse(yaml, strlen(yaml), "p.yaml", &cfg, &err) < 0)
    fail_msg("policy does not parse: %s: %s", err.where, err.message);
  return cfg;
}

static void default_policy_denies_privileged_warns_restricted(void **state) {
  struct adm_config *cfg = adm_config_default();
  struct adm_decision d;
  decide(state, cfg, (struct req_opts){.object = PRIV_POD}, &d);
  assert_false(d.allowed);
  assert_int_equal(d.code, 403);
  assert_string_equal(d.status_reason, "Forbidden");
  assert_string_equal(d.message, "pods \"p\" is forbidden: violates PodSecurity \"baseline:latest\": privileged "
                                 "(container \"a\" must not set securityContext.privileged=true)");
  assert_int_equal(d.n_warnings, 0); /* no warnings on a request already refused */
  assert_string_equal(annotation(&d, "enforce-policy"), "baseline:latest");
  assert_str_contains(annotation(&d, "audit-violations"),
                      "would violate PodSecurity \"restricted:latest\": privileged");
  decide(state, cfg, (struct req_opts){.object = PLAIN_POD}, &d);
  assert_true(d.allowed);
  assert_int_equal(d.n_warnings, 1);
  assert_str_contains(d.warnings[0],
                      "would violate PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false");
  adm_config_free(cfg);
}

static void requests_outside_the_policy_are_skipped(void **state) {
  struct adm_config *cfg = adm_config_default();
  struct adm_decision d;
  decide(state, cfg, (struct req_opts){.resource = "services", .object = PRIV_POD}, &d);
  assert_true(d.allowed);
  assert_false(d.judged);
  decide(state, cfg, (struct req_opts){.op = "DELETE", .old = PRIV_POD}, &d);
  assert_true(d.allowed);
  assert_false(d.judged);
  decide(state, cfg, (struct req_opts){.sub = "status", .op = "UPDATE", .object = PRIV_POD, .old = PRIV_POD}, &d);
  assert_false(d.judged);
  decide(
      state, cfg,
      (struct req_opts){
          .group = "apps", .resource = "deployments", .sub = "scale", .op = "UPDATE", .object = "{\"kind\":\"Scale\"}"},
      &d);
  assert_false(d.judged);
  /* An unknown pod subresource is judged, so a skewed webhook fails safe. */
  decide(
      state, cfg,
      (struct req_opts){
          .sub = "ephemeralcontainers",
          .op = "UPDATE",
          .object =
              "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"img:1\"}],"
              "\"ephemeralContainers\":[{\"name\":\"d\",\"image\":\"b\",\"securityContext\":{\"privileged\":true}}]}}",
          .old = PLAIN_POD},
      &d);
  assert_true(d.judged);
  assert_false(d.allowed);
  adm_config_free(cfg);
}

static void exemptions(void **state) {
  struct adm_config *cfg =
      parse("apiVersion: admitd.io/v1alpha1\nkind: Policy\npodSecurity:\n"
            "  exemptions: {usernames: [ci-bot], runtimeClasses: [kata], namespaces: [kube-system]}\n");
  struct adm_decision d;
  decide(state, cfg, (struct req_opts){.ns = "kube-system", .object = PRIV_POD}, &d);
  assert_true(d.allowed);
  assert_string_equal(annotation(&d, "exempt"), "namespace");
  decide(state, cfg, (struct req_opts){.user = "ci-bot", .object = PRIV_POD}, &d);
  assert_true(d.allowed);
  assert_string_equal(annotation(&d, "exempt"), "user");
  decide(state, cfg,
         (struct req_opts){.object = "{\"spec\":{\"runtimeClassName\":\"kata\",\"containers\":[{\"name\":\"a\","
                                     "\"securityContext\":{\"privileged\":true}}]}}"},
         &d);
  assert_true(d.allowed);
  assert_string_equal(annotation(&d, "exempt"), "runtimeClass");
  /* Exact match only: no prefixes. */
  decide(state, cfg, (struct req_opts){.user = "ci-bot2", .object = PRIV_POD}, &d);
  assert_false(d.allowed);
  adm_config_free(cfg);
}

static void namespace_rules_first_match_wins(void **state) {
  struct adm_config *cfg = parse("apiVersion: admitd.io/v1alpha1\nkind: Policy\npodSecurity:\n"
                                 "  defaults: {enforce: baseline, warn: baseline, audit: baseline}\n"
                                 "  namespaces:\n"
                                 "    - names: [\"prod-*\"]\n      enforce: restricted\n      enforceVersion: v1.30\n"
                                 "    - names: [\"prod-legacy\", sandbox]\n      enforce: privileged\n");
  struct adm_decision d;
  decide(state, cfg, (struct req_opts){.ns = "prod-web", .object = PLAIN_POD}, &d);
  assert_false(d.allowed);
  assert_str_contains(d.message, "violates PodSecurity \"restricted:v1.30\"");
  decide(state, cfg, (struct req_opts){.ns = "prod-legacy", .object = PLAIN_POD}, &d);
  assert_false(d.allowed); /* the glob rule came first */
  decide(state, cfg, (struct req_opts){.ns = "sandbox", .object = PRIV_POD}, &d);
  assert_true(d.allowed);
  assert_string_equal(annotation(&d, "enforce-policy"), "privileged:latest");
  /* The rule left warn and audit alone: they follow the defaults. */
  assert_str_contains(annotation(&d, "audit-violations"), "\"baseline:latest\"");
  adm_config_free(cfg);
}

static void fully_privileged_is_a_fast_allow(void **state) {
  struct adm_config *cfg = parse("apiVersion: admitd.io/v1alpha1\nkind: Policy\npodSecurity:\n"
                                 "  defaults: {enforce: privileged, warn: privileged, audit: privileged}\n");
  struct adm_decision d;
  decide(state, cfg, (struct req_opts){.object = "{\"spec\":\"not even a spec\"}"}, &d);
  assert_true(d.allowed);
  assert_string_equal(annotation(&d, "enforce-policy"), "privileged:latest");
  adm_config_free(cfg);
}

static const char *DEPLOY_PRIV = "{\"metadata\":{\"name\":\"web\"},\"spec\":{\"template\":{\"spec\":{\"containers\":[{"
                                 "\"name\":\"a\",\"securityContext\":{\"privileged\":true}}]}}}}";

static void workloads_warn_and_audit_unless_enforced(void **state) {
  struct adm_config *cfg = adm_config_default();
  struct adm_decision d;
  decide(state, cfg,
         (struct req_opts){.group = "apps", .resource = "deployments", .name = "web", .object = DEPLOY_PRIV}, &d);
  assert_true(d.allowed);
  assert_null(annotation(&d, "enforce-policy"));
  assert_str_contains(d.warnings[0], "would violate PodSecurity \"restricted:latest\": privileged");
  adm_config_free(cfg);
  cfg = parse("apiVersion: admitd.io/v1alpha1\nkind: Policy\npodSecurity:\n  enforceOnWorkloads: true\n");
  decide(state, cfg,
         (struct req_opts){.group = "apps", .resource = "deployments", .name = "web", .object = DEPLOY_PRIV}, &d);
  assert_false(d.allowed);
  assert_str_contains(d.message,
                      "deployments.apps \"web\" is forbidden: violates PodSecurity \"baseline:latest\": privileged");
  decide(state, cfg,
         (struct req_opts){.group = "batch",
                           .resource = "cronjobs",
                           .name = "cj",
                           .object = "{\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":{\"hostPID\":true,"
                                     "\"containers\":[{\"name\":\"a\"}]}}}}}}"},
         &d);
  assert_false(d.allowed);
  assert_str_contains(d.message, "cronjobs.batch \"cj\" is forbidden");
  assert_str_contains(d.message, "host namespaces (hostPID=true)");
  adm_config_free(cfg);
}

static void unreadable_objects_fail_closed_for_pods_open_for_workloads(void **state) {
  struct adm_config *cfg = adm_config_default();
  struct adm_decision d;
  decide(state, cfg,
         (struct req_opts){.object =
                               "{\"spec\":{\"containers\":[{\"name\":\"a\",\"securityContext\":{\"privileged\":1}}]}}"},
         &d);
  assert_false(d.allowed);
  assert_int_equal(d.code, 400);
  assert_str_contains(d.message, "request.object.spec.containers[0].securityContext.privileged: expected boolean");
  assert_non_null(annotation(&d, "error"));
  decide(state, cfg,
         (struct req_opts){.group = "apps",
                           .resource = "deployments",
                           .object = "{\"spec\":{\"template\":{\"spec\":{\"containers\":7}}}}"},
         &d);
  assert_true(d.allowed);
  assert_str_contains(annotation(&d, "error"), "spec.template.spec.containers: expected array");
  decide(state, cfg, (struct req_opts){.object = NULL}, &d);
  assert_false(d.allowed);
  adm_config_free(cfg);
}

static void pod_updates_are_judged_only_when_significant(void **state) {
  struct adm_config *cfg = adm_config_default();
  struct adm_decision d;
  const char *priv_labeled = "{\"metadata\":{\"name\":\"p\",\"labels\":{\"x\":\"y\"}},\"spec\":{\"containers\":[{"
                             "\"name\":\"a\",\"image\":\"img:1\",\"securityContext\":{\"privileged\":true}}]}}";
  decide(state, cfg, (struct req_opts){.op = "UPDATE", .object = priv_labeled, .old = PRIV_POD}, &d);
  assert_true(d.allowed);
  assert_false(d.judged);
  const char *priv_new_image = "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":"
                               "\"img:2\",\"securityContext\":{\"privileged\":true}}]}}";
  decide(state, cfg, (struct req_opts){.op = "UPDATE", .object = priv_new_image, .old = PRIV_POD}, &d);
  assert_false(d.allowed);
  const char *with_debug =
      "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"img:1\"}],"
      "\"ephemeralContainers\":[{\"name\":\"dbg\",\"image\":\"busybox\",\"securityContext\":{\"privileged\":true}}]}}";
  decide(state, cfg,
         (struct req_opts){.op = "UPDATE", .sub = "ephemeralcontainers", .object = with_debug, .old = PLAIN_POD}, &d);
  assert_false(d.allowed);
  assert_str_contains(d.message, "container \"dbg\"");
  decide(state, cfg, (struct req_opts){.op = "UPDATE", .object = PRIV_POD}, &d);
  assert_false(d.allowed);
  assert_str_contains(d.message, "request.oldObject is missing");
  adm_config_free(cfg);
}

/* A pod in parts, so the table below reads as what changed. */
struct pod_parts {
  const char *annotations; /* JSON object text, or NULL */
  const char *init;        /* JSON array text, or NULL */
  const char *containers;
  const char *ephemeral;
};

static const char *pod_json(struct adm_arena *a, struct pod_parts p) {
  return adm_arena_printf(
      a, "{\"metadata\":{\"name\":\"p\",\"annotations\":%s},\"spec\":{%s%s%s\"containers\":%s%s%s}}",
      p.annotations ? p.annotations : "{}", p.init ? "\"initContainers\":" : "", p.init ? p.init : "",
      p.init ? "," : "", p.containers, p.ephemeral ? ",\"ephemeralContainers\":" : "", p.ephemeral ? p.ephemeral : "");
}

/* Upstream's update table (isSignificantPodUpdate and
 * isSignificantContainerUpdate): each row is old -> new and whether the
 * update must be judged. Judged updates of a privileged pod are denied. */
static void significant_update_table(void **state) {
  struct adm_arena *a = *state;
  struct adm_config *cfg = adm_config_default();
  const char *c1 = "[{\"name\":\"a\",\"image\":\"img:1\",\"securityContext\":{\"privileged\":true}}]";
  const char *c2 = "[{\"name\":\"a\",\"image\":\"img:2\",\"securityContext\":{\"privileged\":true}}]";
  const char *two = "[{\"name\":\"a\",\"image\":\"img:1\",\"securityContext\":{\"privileged\":true}},"
                    "{\"name\":\"b\",\"image\":\"img:1\"}]";
  const char *init1 = "[{\"name\":\"i\",\"image\":\"init:1\"}]";
  const char *init2 = "[{\"name\":\"i\",\"image\":\"init:2\"}]";
  const char *eph1 = "[{\"name\":\"dbg\",\"image\":\"busybox:1\"}]";
  const char *eph2 = "[{\"name\":\"dbg\",\"image\":\"busybox:2\"}]";
  const char *eph_other = "[{\"name\":\"dbg2\",\"image\":\"busybox:1\"}]";
  const char *pod_sc = "{\"seccomp.security.alpha.kubernetes.io/pod\":\"unconfined\"}";
  const char *pod_sc_rt = "{\"seccomp.security.alpha.kubernetes.io/pod\":\"runtime/default\"}";
  const char *ctr_sc = "{\"container.seccomp.security.alpha.kubernetes.io/a\":\"unconfined\"}";
  const char *init_sc = "{\"container.seccomp.security.alpha.kubernetes.io/i\":\"unconfined\"}";
  const char *eph_sc = "{\"container.seccomp.security.alpha.kubernetes.io/dbg\":\"unconfined\"}";
  const char *other_sc = "{\"container.seccomp.security.alpha.kubernetes.io/zzz\":\"unconfined\"}";
  const char *unrelated = "{\"example.com/x\":\"y\"}";
  const struct {
    const char *what;
    struct pod_parts old, new;
    bool judged;
  } rows[] = {
      {"no change", {NULL, NULL, c1, NULL}, {NULL, NULL, c1, NULL}, false},
      {"unrelated annotation", {NULL, NULL, c1, NULL}, {unrelated, NULL, c1, NULL}, false},
      {"container image", {NULL, NULL, c1, NULL}, {NULL, NULL, c2, NULL}, true},
      {"container added", {NULL, NULL, c1, NULL}, {NULL, NULL, two, NULL}, true},
      {"init container added", {NULL, NULL, c1, NULL}, {NULL, init1, c1, NULL}, true},
      {"init container image", {NULL, init1, c1, NULL}, {NULL, init2, c1, NULL}, true},
      {"ephemeral container added", {NULL, NULL, c1, NULL}, {NULL, NULL, c1, eph1}, true},
      {"ephemeral container image", {NULL, NULL, c1, eph1}, {NULL, NULL, c1, eph2}, true},
      {"ephemeral container renamed", {NULL, NULL, c1, eph1}, {NULL, NULL, c1, eph_other}, true},
      {"ephemeral container unchanged", {NULL, NULL, c1, eph1}, {NULL, NULL, c1, eph1}, false},
      {"pod seccomp annotation added", {NULL, NULL, c1, NULL}, {pod_sc, NULL, c1, NULL}, true},
      {"pod seccomp annotation changed", {pod_sc_rt, NULL, c1, NULL}, {pod_sc, NULL, c1, NULL}, true},
      {"pod seccomp annotation removed", {pod_sc, NULL, c1, NULL}, {NULL, NULL, c1, NULL}, true},
      {"container seccomp annotation", {NULL, NULL, c1, NULL}, {ctr_sc, NULL, c1, NULL}, true},
      {"init container seccomp annotation", {NULL, init1, c1, NULL}, {init_sc, init1, c1, NULL}, true},
      {"ephemeral container seccomp annotation", {NULL, NULL, c1, eph1}, {eph_sc, NULL, c1, eph1}, true},
      {"seccomp annotation of no container", {NULL, NULL, c1, NULL}, {other_sc, NULL, c1, NULL}, false},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    struct adm_decision d;
    decide(state, cfg,
           (struct req_opts){.op = "UPDATE", .object = pod_json(a, rows[i].new), .old = pod_json(a, rows[i].old)}, &d);
    if (d.judged != rows[i].judged || d.allowed == rows[i].judged)
      fail_msg("%s: expected judged=%d (and so allowed=%d), got judged=%d allowed=%d", rows[i].what, rows[i].judged,
               !rows[i].judged, d.judged, d.allowed);
  }
  adm_config_free(cfg);
}

/* The families beside Pod Security: one combined line when both deny,
 * outcomes per family and mode, and Windows pods spared the controls the
 * API server refuses them. */
static void families_combine_with_pod_security(void **state) {
  struct adm_config *cfg = parse("apiVersion: admitd.io/v1alpha1\nkind: Policy\n"
                                 "securityContext:\n  rules:\n    - readOnlyRootFilesystem: true\n"
                                 "      runAsNonRoot: true\n"
                                 "    - mode: audit\n      hostAliases: false\n");
  struct adm_decision d;
  decide(state, cfg, (struct req_opts){.object = PRIV_POD}, &d);
  assert_false(d.allowed);
  assert_str_contains(d.message, "pods \"p\" is forbidden: violates PodSecurity \"baseline:latest\": privileged");
  assert_str_contains(d.message, "; violates admitd securityContext policy: container \"a\"");
  bool ro = false, psa = false;
  for (size_t i = 0; i < d.n_outcomes; i++) {
    ro |= d.outcomes[i].family == ADM_FAMILY_SECURITY_CONTEXT && d.outcomes[i].mode == ADM_MODE_ENFORCE &&
          strcmp(d.outcomes[i].check, "securityContext.readOnlyRootFilesystem") == 0;
    psa |= d.outcomes[i].family == ADM_FAMILY_POD_SECURITY && strcmp(d.outcomes[i].check, "privileged") == 0;
  }
  assert_true(ro);
  assert_true(psa);
  /* Only the families deny: their own opening, no Pod Security text. */
  decide(state, cfg, (struct req_opts){.object = PLAIN_POD}, &d);
  assert_false(d.allowed);
  assert_string_equal(d.message, "pods \"p\" is forbidden: violates admitd securityContext policy: "
                                 "container \"a\" does not set securityContext.readOnlyRootFilesystem; it must be "
                                 "true, container \"a\" has runAsNonRoot unset and runAsUser unset; it must have "
                                 "runAsNonRoot=true or a runAsUser other than 0, in securityContext or "
                                 "spec.securityContext");
  /* A Windows pod cannot set readOnlyRootFilesystem: only runAsNonRoot applies. */
  const char *win = "{\"metadata\":{\"name\":\"w\"},\"spec\":{\"os\":{\"name\":\"windows\"},\"hostAliases\":"
                    "[{\"ip\":\"1.1.1.1\"}],\"containers\":[{\"name\":\"a\",\"image\":\"x\"}]}}";
  decide(state, cfg, (struct req_opts){.object = win}, &d);
  assert_false(d.allowed);
  assert_str_lacks(d.message, "readOnlyRootFilesystem");
  assert_str_contains(d.message, "runAsNonRoot");
  /* The audit rule annotates, whatever the verdict. */
  assert_str_contains(annotation(&d, "securityContext-violations"), "hostAliases");
  adm_config_free(cfg);
}

/* A label added to a running pod can bring it under a rule that selects
 * by labels: the families judge that update, Pod Security does not. And
 * dry-run never lets through a pod that could not be read. */
static void label_updates_and_unreadable_pods(void **state) {
  struct adm_config *cfg = parse("apiVersion: admitd.io/v1alpha1\nkind: Policy\ndryRun: true\n"
                                 "securityContext:\n  rules:\n    - selector: {matchLabels: {exposure: internet}}\n"
                                 "      readOnlyRootFilesystem: true\n");
  const char *plain = "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"}]}}";
  const char *exposed = "{\"metadata\":{\"name\":\"p\",\"labels\":{\"exposure\":\"internet\"}},\"spec\":{"
                        "\"containers\":[{\"name\":\"a\",\"image\":\"x\"}]}}";
  struct adm_decision d;
  decide(state, cfg, (struct req_opts){.op = "UPDATE", .object = exposed, .old = plain}, &d);
  assert_true(d.judged);
  assert_true(d.dry_run_denied); /* judged and denied (dry-run then allows it, saying so) */
  assert_str_contains(annotation(&d, "dry-run-denied"), "readOnlyRootFilesystem");
  decide(state, cfg, (struct req_opts){.op = "UPDATE", .object = exposed, .old = exposed}, &d);
  assert_false(d.judged); /* nothing that matters changed */
  const char *unreadable = "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":{}}}";
  decide(state, cfg, (struct req_opts){.object = unreadable}, &d);
  assert_false(d.allowed);
  assert_int_equal(d.code, 400);
  assert_false(d.dry_run_denied);
  adm_config_free(cfg);
}

/* Many containers under warn and audit rules: the text is bounded and
 * says how much was left out, and the pod is allowed, not refused for
 * the memory its messages would take. */
static void family_text_is_bounded(void **state) {
  struct adm_config *cfg =
      parse("apiVersion: admitd.io/v1alpha1\nkind: Policy\n"
            "podSecurity:\n  defaults: {enforce: privileged, warn: privileged, audit: privileged}\n"
            "securityContext:\n  rules:\n    - mode: warn\n      runAsNonRoot: true\n"
            "    - mode: audit\n      runAsUser: {min: 1000}\n");
  struct adm_sb sb;
  adm_sb_init(&sb, *state);
  adm_sb_add(&sb, "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[");
  for (int i = 0; i < 1000; i++)
    adm_sb_addf(&sb, "%s{\"name\":\"container-%d\",\"image\":\"x\"}", i ? "," : "", i);
  adm_sb_add(&sb, "]}}");
  struct adm_decision d;
  decide(state, cfg, (struct req_opts){.object = adm_sb_str(&sb)}, &d);
  assert_true(d.allowed);
  const char *audit = annotation(&d, "securityContext-violations");
  assert_non_null(audit);
  assert_true(strlen(audit) < 4096);
  assert_str_contains(audit, "more)");
  assert_int_equal(d.n_warnings, 1);
  assert_true(strlen(d.warnings[0]) < 4096);
  assert_str_contains(d.warnings[0], "more)");
  adm_config_free(cfg);
}

static void dry_run_turns_denials_into_audits(void **state) {
  struct adm_config *cfg = parse("apiVersion: admitd.io/v1alpha1\nkind: Policy\ndryRun: true\n");
  struct adm_decision d;
  decide(state, cfg, (struct req_opts){.object = PRIV_POD}, &d);
  assert_true(d.allowed);
  assert_true(d.dry_run_denied);
  assert_str_contains(annotation(&d, "dry-run-denied"), "violates PodSecurity \"baseline:latest\": privileged");
  assert_str_contains(d.warnings[d.n_warnings - 1], "admitd dry-run: this request would be denied");
  adm_config_free(cfg);
}

static void warnings_stay_within_the_api_server_budget(void **state) {
  struct adm_config *cfg = adm_config_default();
  struct adm_sb sb;
  adm_sb_init(&sb, *state);
  adm_sb_add(&sb, "{\"spec\":{\"containers\":[");
  for (int i = 0; i < 300; i++)
    adm_sb_addf(&sb, "%s{\"name\":\"container-with-a-rather-long-name-%03d\"}", i ? "," : "", i);
  adm_sb_add(&sb, "]}}");
  struct adm_decision d;
  decide(state, cfg, (struct req_opts){.object = adm_sb_str(&sb)}, &d);
  assert_true(d.allowed);
  size_t total = 0;
  for (size_t i = 0; i < d.n_warnings; i++)
    total += strlen(d.warnings[i]);
  assert_true(total <= ADM_WARNINGS_BUDGET);
  assert_str_contains(d.warnings[0], "(truncated)");
  adm_config_free(cfg);
}

/* The response to a review with and without adm_review_prune. */
/* pruned: the server's own path (adm_pipeline_run); unpruned: the
 * reference it must agree with, decoded whole without pruning. */
static char *respond_to(const struct adm_config *cfg, const char *text, size_t len, bool prune) {
  char *buf = malloc(len + 1);
  memcpy(buf, text, len);
  struct adm_arena a;
  adm_arena_init(&a, 65536, 0);
  if (prune) {
    static struct adm_pipeline_result res;
    struct adm_pipeline_options opt;
    adm_pipeline_options_default(&opt);
    adm_pipeline_run(&opt, cfg, buf, len, &a, &res, NULL);
    assert_int_equal(res.http_status, 200);
    char *out = malloc(res.len + 1);
    memcpy(out, res.body, res.len);
    out[res.len] = '\0';
    adm_review_request_release(&res.req);
    adm_arena_free(&a);
    free(buf);
    return out;
  }
  struct adm_review_request req;
  struct adm_error err = {0};
  assert_int_equal(adm_review_decode(buf, len, 100, &a, &req, &err), 0);
  struct adm_decision d;
  decide_both(cfg, &req, &a, &d);
  char *out = adm_review_encode(&req, &d, NULL);
  adm_review_request_release(&req);
  adm_arena_free(&a);
  free(buf);
  return out;
}

static void pruning_never_changes_a_decision(void **state) {
  (void)state;
  const char *root = getenv("ADMITD_SOURCE_DIR");
  if (root == NULL)
    skip();
  static const char *const dirs[] = {"tests/fixtures/reviews", "tests/fixtures/bench", "tests/replay"};
  struct adm_config *cfg = adm_config_default();
  int compared = 0;
  for (size_t i = 0; i < 3; i++) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", root, dirs[i]);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      char path[8192];
      if (i == 2)
        snprintf(path, sizeof path, "%s/%s/input.json", dir, e->d_name);
      else if (strstr(e->d_name, ".json"))
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
      else
        continue;
      char *text;
      size_t len;
      struct adm_error err = {0};
      if (adm_read_file(path, 1 << 24, &text, &len, &err) < 0)
        continue; /* a replay case given as YAML */
      if (strstr(text, "\"AdmissionReview\"") == NULL) {
        free(text);
        continue;
      }
      char *plain = respond_to(cfg, text, len, false), *pruned = respond_to(cfg, text, len, true);
      if (strcmp(plain, pruned) != 0)
        fail_msg("%s: pruning changed the response:\n%s\n%s", path, plain, pruned);
      compared++;
      free(plain);
      free(pruned);
      free(text);
    }
    closedir(d);
  }
  assert_true(compared >= 15);
  adm_config_free(cfg);
}

/* --- namespace labels ------------------------------------------------------- */

static const char *const LABELS_POLICY = "apiVersion: admitd.io/v1alpha1\nkind: Policy\npodSecurity:\n"
                                         "  namespaceLabels: true\n"
                                         "  defaults: {enforce: privileged, audit: privileged, warn: privileged}\n";

/* The labels set the levels as upstream reads them; without labels the
 * defaults hold. */
static void namespace_labels_set_pod_security_levels(void **state) {
  struct adm_config *cfg = parse(LABELS_POLICY);
  assert_true(cfg->reads_namespace_labels);
  struct adm_decision d;
  decide(state, cfg, (struct req_opts){.object = PRIV_POD, .labels = ""}, &d);
  assert_true(d.allowed);
  assert_string_equal(annotation(&d, "enforce-policy"), "privileged:latest");
  decide(state, cfg,
         (struct req_opts){.object = PLAIN_POD,
                           .labels = "pod-security.kubernetes.io/enforce=restricted,"
                                     "pod-security.kubernetes.io/enforce-version=v1.30"},
         &d);
  assert_false(d.allowed);
  assert_int_equal(d.code, 403);
  assert_str_contains(d.message, "violates PodSecurity \"restricted:v1.30\"");
  /* Warn follows a more restrictive enforce level, here for a workload,
   * which enforce does not judge. */
  decide(state, cfg,
         (struct req_opts){.group = "apps",
                           .resource = "deployments",
                           .object = "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\","
                                     "\"image\":\"i\"}]}}}}",
                           .labels = "pod-security.kubernetes.io/enforce=baseline"},
         &d);
  assert_true(d.allowed);
  assert_int_equal(d.n_warnings, 0); /* a plain pod meets baseline */
  decide(state, cfg,
         (struct req_opts){.group = "apps",
                           .resource = "deployments",
                           .object = "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\","
                                     "\"image\":\"i\",\"securityContext\":{\"privileged\":true}}]}}}}",
                           .labels = "pod-security.kubernetes.io/enforce=baseline"},
         &d);
  assert_true(d.allowed);
  assert_int_equal(d.n_warnings, 1);
  assert_str_contains(d.warnings[0], "would violate PodSecurity \"baseline:latest\"");
  adm_config_free(cfg);
}

/* Invalid values: enforce is restricted, audit and warn privileged, and
 * the error is told in upstream's words; the fast allow is not taken. */
static void invalid_namespace_labels_fail_as_upstream(void **state) {
  struct adm_config *cfg = parse(LABELS_POLICY);
  struct adm_decision d;
  decide(state, cfg,
         (struct req_opts){.object = PLAIN_POD,
                           .labels = "pod-security.kubernetes.io/enforce=strict,pod-security.kubernetes.io/"
                                     "warn-version=v2"},
         &d);
  assert_false(d.allowed);
  assert_str_contains(d.message, "violates PodSecurity \"restricted:latest\"");
  assert_string_equal(annotation(&d, "error"),
                      "Failed to parse policy: [metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "
                      "\"strict\": must be one of privileged, baseline, restricted, "
                      "metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: \"v2\": must be "
                      "\"latest\" or \"v1.x\"]");
  decide(state, cfg, (struct req_opts){.object = PRIV_POD, .labels = "pod-security.kubernetes.io/audit=loose"}, &d);
  assert_true(d.allowed); /* enforce stays privileged; an invalid audit level is privileged */
  assert_null(annotation(&d, "audit-violations"));
  assert_string_equal(annotation(&d, "error"),
                      "Failed to parse policy: metadata.labels[pod-security.kubernetes.io/audit]: Invalid value: "
                      "\"loose\": must be one of privileged, baseline, restricted");
  assert_int_equal(d.n_warnings, 1);
  assert_str_contains(d.warnings[0], "Pod Security labels are invalid");
  adm_config_free(cfg);
}

/* The file's namespaces rules win over the labels, for the modes they give. */
static void file_rules_win_over_namespace_labels(void **state) {
  struct adm_config *cfg = parse("apiVersion: admitd.io/v1alpha1\nkind: Policy\npodSecurity:\n"
                                 "  namespaceLabels: true\n"
                                 "  namespaces: [{names: [legacy], enforce: privileged}]\n");
  struct adm_decision d;
  decide(
      state, cfg,
      (struct req_opts){.ns = "legacy", .object = PRIV_POD, .labels = "pod-security.kubernetes.io/enforce=restricted"},
      &d);
  assert_true(d.allowed);
  decide(
      state, cfg,
      (struct req_opts){.ns = "other", .object = PRIV_POD, .labels = "pod-security.kubernetes.io/enforce=restricted"},
      &d);
  assert_false(d.allowed);
  assert_str_contains(d.message, "restricted:latest");
  adm_config_free(cfg);
}

/* A namespace that cannot be looked up: a pod is refused as upstream
 * refuses it, a workload allowed with the error; an exempt namespace is
 * never looked up. */
static void namespace_lookup_failure_fails_closed(void **state) {
  struct adm_config *cfg = parse(LABELS_POLICY);
  struct adm_decision d;
  decide(state, cfg, (struct req_opts){.object = PLAIN_POD, .ns_error = "API server unavailable"}, &d);
  assert_false(d.allowed);
  assert_int_equal(d.code, 500);
  assert_string_equal(d.message, "Internal error occurred: failed to lookup namespace \"team\"");
  assert_string_equal(annotation(&d, "error"),
                      "Internal error occurred: failed to lookup namespace \"team\": API server unavailable");
  decide(state, cfg, (struct req_opts){.object = PLAIN_POD}, &d); /* no source at all */
  assert_false(d.allowed);
  assert_int_equal(d.code, 500);
  decide(state, cfg,
         (struct req_opts){.group = "apps",
                           .resource = "deployments",
                           .object = "{\"spec\":{\"template\":{\"spec\":{\"containers\":[]}}}}",
                           .ns_error = "timed out"},
         &d);
  assert_true(d.allowed);
  assert_string_equal(annotation(&d, "error"), "failed to lookup namespace \"team\": timed out");
  adm_config_free(cfg);
  cfg = parse("apiVersion: admitd.io/v1alpha1\nkind: Policy\npodSecurity:\n  namespaceLabels: true\n"
              "  exemptions: {namespaces: [team]}\n");
  decide(state, cfg, (struct req_opts){.object = PRIV_POD, .ns_error = "API server unavailable"}, &d);
  assert_true(d.allowed);
  assert_string_equal(annotation(&d, "exempt"), "namespace");
  adm_config_free(cfg);
}

/* A family rule with a namespaceSelector applies only in namespaces whose
 * labels match; where the labels are unknown, nobody can tell, and the
 * request is refused, workload or pod. */
static void namespace_selector_selects_by_labels(void **state) {
  struct adm_config *cfg = parse("apiVersion: admitd.io/v1alpha1\nkind: Policy\n"
                                 "podSecurity: {defaults: {enforce: privileged, audit: privileged, warn: privileged}}\n"
                                 "resources:\n  rules:\n  - namespaceSelector: {matchLabels: {env: prod}}\n"
                                 "    requireLimits: [memory]\n");
  assert_true(cfg->reads_namespace_labels);
  struct adm_decision d;
  decide(state, cfg, (struct req_opts){.object = PLAIN_POD, .labels = "env=prod"}, &d);
  assert_false(d.allowed);
  assert_str_contains(d.message, "violates admitd resources policy");
  decide(state, cfg, (struct req_opts){.object = PLAIN_POD, .labels = "env=dev"}, &d);
  assert_true(d.allowed);
  decide(state, cfg, (struct req_opts){.object = PLAIN_POD, .labels = ""}, &d);
  assert_true(d.allowed);
  decide(state, cfg, (struct req_opts){.object = PLAIN_POD, .ns_error = "not synced"}, &d);
  assert_false(d.allowed);
  assert_int_equal(d.code, 500);
  decide(state, cfg,
         (struct req_opts){.group = "apps",
                           .resource = "deployments",
                           .object = "{\"spec\":{\"template\":{\"spec\":{\"containers\":[]}}}}",
                           .ns_error = "not synced"},
         &d);
  assert_false(d.allowed);
  assert_int_equal(d.code, 500);
  adm_config_free(cfg);
  /* Without namespaceLabels or a namespaceSelector nothing is looked up,
   * and an unknown namespace changes nothing. */
  cfg = adm_config_default();
  assert_false(cfg->reads_namespace_labels);
  decide(state, cfg, (struct req_opts){.object = PLAIN_POD, .ns_error = "unreachable"}, &d);
  assert_true(d.allowed);
  adm_config_free(cfg);
}

/* The offline commands' label flag, and its mistakes. */
static void namespace_labels_flag_parses(void **state) {
  struct adm_arena *a = *state;
  struct adm_labels l;
  const char *why;
  assert_int_equal(adm_ns_labels_parse("env=prod,pod-security.kubernetes.io/enforce=restricted,e=", a, &l, &why), 0);
  assert_int_equal(l.n, 3);
  assert_string_equal(l.keys[1], "pod-security.kubernetes.io/enforce");
  assert_string_equal(l.values[2], "");
  assert_int_equal(adm_ns_labels_parse("", a, &l, &why), 0);
  assert_int_equal(l.n, 0);
  assert_int_equal(adm_ns_labels_parse("env", a, &l, &why), ADM_EINVAL);
  assert_string_equal(why, "\"env\" is not key=value");
  assert_int_equal(adm_ns_labels_parse("a=1,a=2", a, &l, &why), ADM_EINVAL);
  assert_string_equal(why, "label \"a\" is given twice");
  assert_int_equal(adm_ns_labels_parse("-x=1", a, &l, &why), ADM_EINVAL);
  assert_int_equal(adm_ns_labels_parse("x=a/b", a, &l, &why), ADM_EINVAL);
  /* The fixed source adds kubernetes.io/metadata.name as the API server does. */
  struct adm_ns_fixed fixed = {.labels = l};
  assert_int_equal(adm_ns_labels_parse("env=prod", a, &fixed.labels, &why), 0);
  struct adm_ns_source src;
  memset(&src, 0xa5, sizeof src); /* as a caller's stack may hold */
  adm_ns_source_fixed(&fixed, &src);
  assert_null(src.list_pods);
  struct adm_ns_view v;
  src.lookup(src.ctx, "payments", 0, a, &v);
  assert_int_equal(v.state, ADM_NS_KNOWN);
  assert_int_equal(v.labels.n, 2);
  assert_string_equal(v.labels.keys[1], "kubernetes.io/metadata.name");
  assert_string_equal(v.labels.values[1], "payments");
}

/* --- Namespace requests --------------------------------------------------- */

static const char *ns_object(const char *name, const char *labels_json) {
  static char buf[4][512];
  static int next;
  char *b = buf[next++ % 4];
  snprintf(b, 512, "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"%s\",\"labels\":%s}}", name,
           labels_json);
  return b;
}

/* Begin a Namespace request's decision; the plan says whether its pods are
 * to be checked. */
static void decide_namespace_named(void **state, const struct adm_config *cfg, const char *name, const char *op,
                                   const char *object, const char *old, struct adm_decide_plan *plan,
                                   struct adm_decision *d) {
  struct adm_review_request r = {
      .api_version = "admission.k8s.io/v1",
      .uid = "u",
      .kind_group = "",
      .kind_version = "v1",
      .kind_kind = "Namespace",
      .resource_group = "",
      .resource_version = "v1",
      .resource_resource = "namespaces",
      .sub_resource = "",
      .name = name,
      .namespace = name,
      .operation = op,
      .username = "alice",
      .object = object ? test_json_kept(object) : NULL,
      .old_object = old ? test_json_kept(old) : NULL,
  };
  adm_decide_begin(cfg, &r, NULL, *state, plan, d);
  adm_decide_finish(cfg, &r, plan, NULL, *state, d);
}

static void decide_namespace_request(void **state, const struct adm_config *cfg, const char *op, const char *object,
                                     const char *old, struct adm_decide_plan *plan, struct adm_decision *d) {
  decide_namespace_named(state, cfg, "team", op, object, old, plan, d);
}

/* Invalid Pod Security labels are refused in upstream's words when they
 * are new, and let through when an update leaves them as they were. */
static void namespace_with_invalid_labels_is_refused(void **state) {
  struct adm_config *cfg = parse(LABELS_POLICY);
  struct adm_decide_plan plan;
  struct adm_decision d;
  const char *bad = ns_object("team", "{\"pod-security.kubernetes.io/enforce\":\"strict\"}");
  decide_namespace_request(state, cfg, "CREATE", bad, NULL, &plan, &d);
  assert_false(d.allowed);
  assert_int_equal(d.code, 422);
  assert_string_equal(d.status_reason, "Invalid");
  assert_string_equal(d.message, "Namespace \"team\" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: "
                                 "Invalid value: \"strict\": must be one of privileged, baseline, restricted");
  decide_namespace_request(state, cfg, "UPDATE", bad, bad, &plan, &d);
  assert_true(d.allowed);
  decide_namespace_request(state, cfg, "UPDATE", bad, ns_object("team", "{}"), &plan, &d);
  assert_false(d.allowed);
  assert_int_equal(d.code, 422);
  decide_namespace_request(state, cfg, "CREATE", ns_object("team", "{\"env\":\"prod\"}"), NULL, &plan, &d);
  assert_true(d.allowed);
  assert_false(plan.ns_pods_pending);
  /* What no Namespace decodes as is refused, as upstream refuses it:
   * labels that are not a mapping of strings, an UPDATE without its old object. */
  static const char *const undecodable[] = {"[\"a\"]", "{\"pod-security.kubernetes.io/enforce\":5}", "7"};
  for (size_t i = 0; i < sizeof undecodable / sizeof *undecodable; i++) {
    decide_namespace_request(state, cfg, "CREATE", ns_object("team", undecodable[i]), NULL, &plan, &d);
    assert_false(d.allowed);
    assert_int_equal(d.code, 400);
    assert_string_equal(d.message, "failed to decode object");
  }
  decide_namespace_request(state, cfg, "UPDATE", ns_object("team", "{}"), ns_object("team", "[]"), &plan, &d);
  assert_int_equal(d.code, 400);
  assert_string_equal(d.message, "failed to decode old object");
  decide_namespace_request(state, cfg, "UPDATE", ns_object("team", "{}"), NULL, &plan, &d);
  assert_int_equal(d.code, 400);
  assert_string_equal(d.message, "failed to decode old object");
  adm_config_free(cfg);
}

/* The pods of array through the streamed check, as a listing that
 * returns listed would give them. */
static void check_pods(void **state, const struct adm_config *cfg, const struct adm_decide_plan *plan,
                       const json_t *array, int listed, struct adm_decision *d) {
  struct adm_ns_pods *p = adm_decide_ns_pods_begin(cfg, plan, adm_verifier_deadline_in(5000), *state);
  assert_non_null(p);
  size_t i;
  const json_t *pod;
  json_array_foreach(array, i, pod) assert_int_equal(adm_ns_pods_add(p, pod), 0);
  adm_decide_ns_pods_end(p, listed, "API server unavailable", d);
}

/* A stricter enforce level has the namespace's pods judged, in upstream's
 * words; a laxer one or an unchanged one
 * does not; the update is never refused for them. */
static void namespace_update_warns_about_existing_pods(void **state) {
  struct adm_config *cfg = parse(LABELS_POLICY);
  struct adm_decide_plan plan;
  struct adm_decision d;
  const char *restricted = ns_object("team", "{\"pod-security.kubernetes.io/enforce\":\"baseline\"}");
  const char *none = ns_object("team", "{}");
  decide_namespace_request(state, cfg, "UPDATE", none, restricted, &plan, &d);
  assert_true(d.allowed);
  assert_false(plan.ns_pods_pending); /* made laxer */
  decide_namespace_request(state, cfg, "UPDATE", restricted, restricted, &plan, &d);
  assert_false(plan.ns_pods_pending); /* unchanged */
  decide_namespace_request(state, cfg, "UPDATE", restricted, none, &plan, &d);
  assert_true(d.allowed);
  assert_true(plan.ns_pods_pending);
  assert_string_equal(plan.ns_pods_namespace, "team");
  assert_int_equal(plan.ns_pods_enforce.level, ADM_LEVEL_BASELINE);
  json_t *pods =
      json_loads("["
                 "{\"metadata\":{\"name\":\"web-2\",\"ownerReferences\":[{\"uid\":\"rs1\",\"controller\":true}]},"
                 "\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"i\",\"securityContext\":"
                 "{\"privileged\":true}}]}},"
                 "{\"metadata\":{\"name\":\"web-1\",\"ownerReferences\":[{\"uid\":\"rs1\",\"controller\":true}]},"
                 "\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"i\",\"securityContext\":"
                 "{\"privileged\":true}}]}},"
                 "{\"metadata\":{\"name\":\"ok\"},\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"i\"}]}},"
                 "{\"metadata\":{\"name\":\"debug\"},\"spec\":{\"hostPID\":true,\"containers\":"
                 "[{\"name\":\"a\",\"image\":\"i\"}]}}]",
                 0, NULL);
  assert_non_null(pods);
  check_pods(state, cfg, &plan, pods, 0, &d);
  assert_true(d.allowed);
  assert_int_equal(d.n_warnings, 3);
  assert_string_equal(
      d.warnings[0],
      "existing pods in namespace \"team\" violate the new PodSecurity enforce level \"baseline:latest\"");
  assert_string_equal(d.warnings[1], "debug: host namespaces");
  assert_string_equal(d.warnings[2], "web-1 (and 1 other pod): privileged");
  /* More pods than were listed: said so. */
  d.n_warnings = 0;
  check_pods(state, cfg, &plan, pods, 1, &d);
  assert_string_equal(d.warnings[0], "new PodSecurity enforce level only checked against the first 4 existing pods");
  /* Past the deadline the listing is told to stop. */
  struct adm_ns_pods *late = adm_decide_ns_pods_begin(cfg, &plan, adm_verifier_now_ms() - 1, *state);
  assert_int_equal(adm_ns_pods_add(late, json_array_get(pods, 0)), 1);
  json_decref(pods);
  /* Pods that could not be listed: a warning, never a refusal. */
  d.n_warnings = 0;
  check_pods(state, cfg, &plan, NULL, ADM_EIO, &d);
  assert_true(d.allowed);
  assert_int_equal(d.n_warnings, 1);
  assert_string_equal(d.warnings[0], "failed to list pods while checking new PodSecurity enforce level");
  adm_config_free(cfg);
}

/* Pods listed in any order, each name smaller than the last: the first
 * name of a set of reasons is kept in a bounded room, so 3000 of them fit
 * a small request's arena, and the answer names the smallest. */
static void namespace_pods_in_reverse_order_fit_the_arena(void **state) {
  struct adm_config *cfg = parse(LABELS_POLICY);
  struct adm_decide_plan plan;
  struct adm_decision d;
  decide_namespace_request(state, cfg, "UPDATE",
                           ns_object("team", "{\"pod-security.kubernetes.io/enforce\":\"baseline\"}"),
                           ns_object("team", "{}"), &plan, &d);
  assert_true(plan.ns_pods_pending);
  struct adm_arena a;
  adm_arena_init(&a, 16384, 256u << 10); /* a namespace update's arena is about this */
  struct adm_ns_pods *p = adm_decide_ns_pods_begin(cfg, &plan, adm_verifier_deadline_in(10000), &a);
  assert_non_null(p);
  char name[256];
  for (int i = 2999; i >= 0; i--) {
    snprintf(name, sizeof name, "p%04d-%0200d", i, 0);
    json_t *pod = json_pack("{s:{s:s},s:{s:[{s:s,s:s,s:{s:b}}]}}", "metadata", "name", name, "spec", "containers",
                            "name", "a", "image", "i", "securityContext", "privileged", 1);
    assert_non_null(pod);
    assert_int_equal(adm_ns_pods_add(p, pod), 0);
    json_decref(pod);
  }
  d = (struct adm_decision){.allowed = true};
  adm_decide_ns_pods_end(p, 0, NULL, &d);
  assert_int_equal(adm_arena_failure(&a), ADM_ARENA_OK);
  assert_int_equal(d.n_warnings, 2);
  snprintf(name, sizeof name, "p0000-%0200d (and 2999 other pods): privileged", 0);
  assert_string_equal(d.warnings[1], name);
  adm_arena_free(&a);
  adm_config_free(cfg);
}

/* An exempt namespace whose labels set a policy is told they are ignored. */
static void exempt_namespace_is_told_its_labels_are_ignored(void **state) {
  struct adm_config *cfg = parse("apiVersion: admitd.io/v1alpha1\nkind: Policy\npodSecurity:\n  namespaceLabels: true\n"
                                 "  defaults: {enforce: privileged, audit: privileged, warn: privileged}\n"
                                 "  exemptions: {namespaces: [team]}\n");
  struct adm_decide_plan plan;
  struct adm_decision d;
  decide_namespace_request(state, cfg, "CREATE",
                           ns_object("team", "{\"pod-security.kubernetes.io/enforce\":\"restricted\","
                                             "\"pod-security.kubernetes.io/audit-version\":\"v1.30\"}"),
                           NULL, &plan, &d);
  assert_true(d.allowed);
  assert_int_equal(d.n_warnings, 1);
  assert_string_equal(d.warnings[0], "namespace \"team\" is exempt from Pod Security, and the policy "
                                     "(enforce=restricted:latest) will be ignored");
  assert_false(plan.ns_pods_pending);
  adm_config_free(cfg);
}

/* Dry-run refuses nothing a policy refuses: a namespace that could not be
 * looked up and newly invalid labels are let through and recorded, as
 * policy denials are. */
static void dry_run_covers_namespace_refusals(void **state) {
  struct adm_config *cfg = parse("apiVersion: admitd.io/v1alpha1\nkind: Policy\ndryRun: true\npodSecurity:\n"
                                 "  namespaceLabels: true\n"
                                 "  defaults: {enforce: privileged, audit: privileged, warn: privileged}\n");
  struct adm_decision d;
  decide(state, cfg, (struct req_opts){.object = PLAIN_POD, .ns_error = "API server unavailable"}, &d);
  assert_true(d.allowed);
  assert_true(d.dry_run_denied);
  assert_str_contains(annotation(&d, "dry-run-denied"), "failed to lookup namespace");
  struct adm_decide_plan plan;
  decide_namespace_request(state, cfg, "CREATE", ns_object("team", "{\"pod-security.kubernetes.io/enforce\":\"x\"}"),
                           NULL, &plan, &d);
  assert_true(d.allowed);
  assert_true(d.dry_run_denied);
  adm_config_free(cfg);
}

/* The exempt-namespace warning reads the labels alone, as upstream's: a
 * namespaces rule of the file is not a policy the namespace's labels set;
 * and a Namespace request reads no labels, so it records no lookup. */
static void exempt_warning_reads_labels_alone(void **state) {
  struct adm_config *cfg = parse("apiVersion: admitd.io/v1alpha1\nkind: Policy\npodSecurity:\n  namespaceLabels: true\n"
                                 "  defaults: {enforce: privileged, audit: privileged, warn: privileged}\n"
                                 "  namespaces: [{names: [kube-*], enforce: restricted}]\n"
                                 "  exemptions: {namespaces: [kube-system]}\n");
  struct adm_decide_plan plan;
  struct adm_decision d;
  decide_namespace_named(state, cfg, "kube-system", "CREATE", ns_object("kube-system", "{}"), NULL, &plan, &d);
  assert_true(d.allowed);
  assert_int_equal(d.n_warnings, 0);
  assert_null(d.namespace_error);
  assert_null(d.namespace_labels);
  adm_config_free(cfg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(default_policy_denies_privileged_warns_restricted, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(requests_outside_the_policy_are_skipped, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(exemptions, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(namespace_rules_first_match_wins, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(fully_privileged_is_a_fast_allow, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(workloads_warn_and_audit_unless_enforced, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(unreadable_objects_fail_closed_for_pods_open_for_workloads, test_setup,
                                      test_teardown),
      cmocka_unit_test_setup_teardown(pod_updates_are_judged_only_when_significant, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(significant_update_table, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(families_combine_with_pod_security, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(label_updates_and_unreadable_pods, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(family_text_is_bounded, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(dry_run_turns_denials_into_audits, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(warnings_stay_within_the_api_server_budget, test_setup, test_teardown),
      cmocka_unit_test(pruning_never_changes_a_decision),
      cmocka_unit_test_setup_teardown(namespace_labels_set_pod_security_levels, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(invalid_namespace_labels_fail_as_upstream, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(file_rules_win_over_namespace_labels, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(namespace_lookup_failure_fails_closed, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(namespace_selector_selects_by_labels, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(namespace_labels_flag_parses, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(namespace_with_invalid_labels_is_refused, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(namespace_update_warns_about_existing_pods, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(namespace_pods_in_reverse_order_fit_the_arena, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(exempt_namespace_is_told_its_labels_are_ignored, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(dry_run_covers_namespace_refusals, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(exempt_warning_reads_labels_alone, test_setup, test_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
