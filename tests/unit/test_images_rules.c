/* policies/check_images_*.c: the images family's local rule checks, run
 * through their family's check list on pod views and rules built by hand (the
 * checks are pure: no JSON, no config, no registry). Every check: pass,
 * fail with the exact message, init and ephemeral containers judged,
 * normalization, and digests where they matter. */
#include <stdarg.h>
#include <stdio.h>

#include "rule_checks.h"

#define DIGEST "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* A pod with one container of each kind, in visit order: init "init",
 * regular "app", ephemeral "debug", whose images tests set. */
struct fixture {
  struct adm_pod pod;
  struct adm_container c[3];
};

static struct adm_pod *pod3(struct fixture *fx, const char *init, const char *app, const char *debug) {
  memset(fx, 0, sizeof *fx);
  static const char *const names[3] = {"init", "app", "debug"};
  static const enum adm_container_kind kinds[3] = {ADM_CONTAINER_INIT, ADM_CONTAINER_REGULAR, ADM_CONTAINER_EPHEMERAL};
  const char *images[3] = {init, app, debug};
  for (int i = 0; i < 3; i++) {
    fx->c[i].kind = kinds[i];
    fx->c[i].name = names[i];
    fx->c[i].image = images[i];
  }
  fx->pod.name = "p";
  fx->pod.namespace = "ns";
  fx->pod.containers = fx->c;
  fx->pod.n_containers = 3;
  fx->pod.n_init = fx->pod.n_regular = fx->pod.n_ephemeral = 1;
  return &fx->pod;
}

/* Patterns parsed as the config parser does, in the test's arena. */
static struct adm_image_patterns patterns(void **state, size_t n, ...) {
  struct adm_image_patterns l = {adm_arena_calloc(*state, n, sizeof *l.items), n};
  assert_non_null(l.items);
  va_list ap;
  va_start(ap, n);
  for (size_t i = 0; i < n; i++) {
    const char *s = va_arg(ap, const char *);
    const char *why = NULL;
    if (adm_image_pattern_parse(s, &l.items[i].pattern, &why) < 0)
      fail_msg("test pattern %s does not parse: %s", s, why);
    l.items[i].text = (char *)s;
  }
  va_end(ap);
  return l;
}

/* ---- the table ---- */

static const char *const image_ids[] = {
    "images.reference",        "images.allowed",    "images.denied",
    "images.digest.required",  "images.tag.latest", "images.tag.allowed",
    "images.signature.pinned", "images.signature",  NULL,
};

static void table_lists_every_check_once_in_order_and_none_is_active_by_default(void **state) {
  (void)state;
  const struct adm_images_rule empty = {0};
  const struct adm_rule_settings settings = SETTINGS(&empty);
  expect_family_table(ADM_FAMILY_IMAGES, image_ids, &settings);
  for (const struct adm_rule_check *const *c = adm_families[ADM_FAMILY_IMAGES].checks; *c; c++)
    if ((*c)->linux_only)
      fail_msg("expected %s to judge Windows pods too: images are not OS-specific", (*c)->id);
}

/* images.reference runs whenever anything is set; each other check only
 * for its own setting. */
static void each_check_is_active_only_for_its_setting(void **state) {
  struct {
    const char *id;
    struct adm_images_rule rule;
  } cases[] = {
      {"images.allowed", {.allow = patterns(state, 1, "nginx")}},
      {"images.denied", {.deny = patterns(state, 1, "nginx")}},
      {"images.digest.required", {.require_digest = patterns(state, 1, "nginx")}},
      {"images.tag.latest", {.forbid_latest = true}},
      {"images.tag.allowed", {.has_allowed_tags = true, .allowed_tags = NAMES("v*")}},
      {"images.signature", {.verify = {.set = true, .allow_tags = true}}},
      /* verify without allowTags: images.signature as well */
      {"images.signature.pinned", {.verify = {.set = true}}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    for (const struct adm_rule_check *const *c = adm_families[ADM_FAMILY_IMAGES].checks; *c; c++) {
      bool want = strcmp((*c)->id, cases[i].id) == 0 || strcmp((*c)->id, "images.reference") == 0 ||
                  (strcmp(cases[i].id, "images.signature.pinned") == 0 && strcmp((*c)->id, "images.signature") == 0);
      const struct adm_rule_settings settings = SETTINGS(&cases[i].rule);
      if ((*c)->active(&settings) != want)
        fail_msg("expected %s %s for the rule setting only %s", (*c)->id, want ? "active" : "inactive", cases[i].id);
    }
  }
}

/* ---- images.reference ---- */

static void reference_malformed_missing_and_valid(void **state) {
  struct fixture fx;
  const struct adm_images_rule rule = {.forbid_latest = true};
  struct adm_pod *pod = pod3(&fx, "busybox:1.36", "registry.example.com/app@" DIGEST, "localhost:5000/debug:v1");
  PASSES("images.reference", pod, &rule);

  /* Each kind of container is judged; the reason is the grammar's. */
  pod = pod3(&fx, "Busybox", "registry.example.com/app:", NULL);
  fx.c[2].image = "";
  expect(run(state, "images.reference", pod, &rule), 3,
         "container \"init\" image \"Busybox\" is not a valid image reference: repository name must be lowercase",
         "container \"app\" image \"registry.example.com/app:\" is not a valid image reference: invalid tag",
         "container \"debug\" has no image");
  fx.c[2].image = NULL;
  expect(run(state, "images.reference", pod, &rule), 3,
         "container \"init\" image \"Busybox\" is not a valid image reference: repository name must be lowercase",
         "container \"app\" image \"registry.example.com/app:\" is not a valid image reference: invalid tag",
         "container \"debug\" has no image");
}

static void reference_quotes_and_cuts_what_it_shows(void **state) {
  struct fixture fx;
  const struct adm_images_rule rule = {.forbid_latest = true};
  char long_image[400];
  memset(long_image, 'a', sizeof long_image - 1);
  long_image[sizeof long_image - 1] = '\0';
  long_image[0] = 'A'; /* upper case: refused before its length is */
  struct adm_pod *pod = pod3(&fx, "x\"y\n", "nginx:1", long_image);
  struct adm_findings *f = run(state, "images.reference", pod, &rule);
  assert_int_equal(f->n, 2);
  assert_string_equal(f->items[0].message,
                      "container \"init\" image \"x\\\"y\\n\" is not a valid image reference: invalid repository name");
  /* The first 200 characters, then "(cut)". */
  char want[400];
  snprintf(want, sizeof want,
           "container \"debug\" image \"%.200s\" (cut) is not a valid image reference: repository name must be "
           "lowercase",
           long_image);
  assert_string_equal(f->items[1].message, want);
}

/* A rule that sets everything, so that "nginx" fails every check but
 * images.reference. */
/* The tag list outlives the call (a compound literal here would not). */
static char *every_setting_tags[] = {"v*"};

static struct adm_images_rule every_setting(void **state) {
  return (struct adm_images_rule){
      .allow = patterns(state, 1, "registry.example.com/**"),
      .deny = patterns(state, 1, "**"),
      .require_digest = patterns(state, 1, "**"),
      .forbid_latest = true,
      .has_allowed_tags = true,
      .allowed_tags = {every_setting_tags, 1},
      .verify = {.set = true},
  };
}

/* A malformed image is reported once, by images.reference, and every other
 * check leaves it alone instead of guessing. */
static void other_checks_skip_malformed_images(void **state) {
  struct fixture fx;
  const struct adm_images_rule rule = every_setting(state);
  struct adm_pod *pod = pod3(&fx, "UPPER/case", "bad:tag:too", NULL);
  for (const char *const *id = image_ids + 1; *id; id++)
    PASSES(*id, pod, &rule);
  expect(run(state, "images.reference", pod, &rule), 3,
         "container \"init\" image \"UPPER/case\" is not a valid image reference: repository name must be lowercase",
         "container \"app\" image \"bad:tag:too\" is not a valid image reference: invalid repository name",
         "container \"debug\" has no image");
}

/* ---- images.allowed ---- */

static void allowed_normalizes_images_and_patterns(void **state) {
  struct fixture fx;
  const struct adm_images_rule rule = {.allow = patterns(state, 2, "registry.example.com/**", "docker.io/library/*")};
  /* "nginx" is docker.io/library/nginx:latest; index.docker.io is docker.io. */
  struct adm_pod *pod = pod3(&fx, "nginx", "index.docker.io/library/redis:7", "registry.example.com/team/tools/x:v1");
  PASSES("images.allowed", pod, &rule);

  pod = pod3(&fx, "bitnami/nginx", "registry.example.com.evil.io/app:v1", "quay.io/debug/shell");
  expect(run(state, "images.allowed", pod, &rule), 3,
         "container \"init\" image \"bitnami/nginx\" (docker.io/bitnami/nginx:latest) is not in the allow list: "
         "\"registry.example.com/**\", \"docker.io/library/*\"",
         "container \"app\" image \"registry.example.com.evil.io/app:v1\" (registry.example.com.evil.io/app:v1) is not "
         "in the allow list: \"registry.example.com/**\", \"docker.io/library/*\"",
         "container \"debug\" image \"quay.io/debug/shell\" (quay.io/debug/shell:latest) is not in the allow list: "
         "\"registry.example.com/**\", \"docker.io/library/*\"");
}

static void allowed_pattern_tag_and_digest_parts(void **state) {
  struct fixture fx;
  const struct adm_images_rule rule = {.allow = patterns(state, 2, "nginx:1.*", "registry.example.com/app@sha256:*")};
  struct adm_pod *pod = pod3(&fx, "nginx:1.25", "registry.example.com/app@" DIGEST, "nginx:1.25@" DIGEST);
  PASSES("images.allowed", pod, &rule);
  /* Untagged is "latest" for the tag glob; a tag is not a digest. */
  pod = pod3(&fx, "nginx", "registry.example.com/app:v1", "nginx:1.25");
  expect(run(state, "images.allowed", pod, &rule), 2,
         "container \"init\" image \"nginx\" (docker.io/library/nginx:latest) is not in the allow list: "
         "\"nginx:1.*\", \"registry.example.com/app@sha256:*\"",
         "container \"app\" image \"registry.example.com/app:v1\" (registry.example.com/app:v1) is not in the allow "
         "list: \"nginx:1.*\", \"registry.example.com/app@sha256:*\"");
}

/* A long allow list is named in part, so one finding cannot crowd out the
 * rest of a response. */
static void allowed_long_list_is_cut(void **state) {
  struct fixture fx;
  const struct adm_images_rule rule = {
      .allow = patterns(state, 10, "a/1", "a/2", "a/3", "a/4", "a/5", "a/6", "a/7", "a/8", "a/9", "a/10")};
  struct adm_pod *pod = pod3(&fx, "a/1", "a/10", "b/1");
  expect(run(state, "images.allowed", pod, &rule), 1,
         "container \"debug\" image \"b/1\" (docker.io/b/1:latest) is not in the allow list: \"a/1\", \"a/2\", "
         "\"a/3\", \"a/4\", \"a/5\", \"a/6\", \"a/7\", \"a/8\" (and 2 more)");
}

/* ---- images.denied ---- */

static void denied_wins_over_allowed_and_names_first_match(void **state) {
  struct fixture fx;
  const struct adm_images_rule rule = {
      .allow = patterns(state, 1, "**"),
      .deny = patterns(state, 3, "docker.io/library/busybox", "**:latest", "**/*debug*"),
  };
  struct adm_pod *pod = pod3(&fx, "busybox:1.36", "registry.example.com/app", "quay.io/tools/netdebug:v2");
  PASSES("images.allowed", pod, &rule);
  expect(run(state, "images.denied", pod, &rule), 3,
         "container \"init\" image \"busybox:1.36\" (docker.io/library/busybox:1.36) matches the deny pattern "
         "\"docker.io/library/busybox\"",
         "container \"app\" image \"registry.example.com/app\" (registry.example.com/app:latest) matches the deny "
         "pattern \"**:latest\"",
         "container \"debug\" image \"quay.io/tools/netdebug:v2\" (quay.io/tools/netdebug:v2) matches the deny "
         "pattern \"**/*debug*\"");
  pod = pod3(&fx, "alpine:3", "registry.example.com/app:v1", "quay.io/tools/shell:v2");
  PASSES("images.denied", pod, &rule);
}

/* Docker Hub's other names are docker.io, in patterns and in references
 * alike, so a deny list cannot be passed by spelling the host another way. */
static void denied_catches_docker_hub_by_any_name(void **state) {
  struct fixture fx;
  const struct adm_images_rule rule = {.deny = patterns(state, 1, "docker.io/library/nginx*")};
  struct adm_pod *pod = pod3(&fx, "registry-1.docker.io/library/nginx:1", "index.docker.io/nginx",
                             "REGISTRY.HUB.DOCKER.COM/library/nginx-unprivileged:1@" DIGEST);
  expect(run(state, "images.denied", pod, &rule), 3,
         "container \"init\" image \"registry-1.docker.io/library/nginx:1\" (docker.io/library/nginx:1) matches the "
         "deny pattern \"docker.io/library/nginx*\"",
         "container \"app\" image \"index.docker.io/nginx\" (docker.io/library/nginx:latest) matches the deny "
         "pattern \"docker.io/library/nginx*\"",
         "container \"debug\" image \"REGISTRY.HUB.DOCKER.COM/library/nginx-unprivileged:1@" DIGEST
         "\" (docker.io/library/nginx-unprivileged:1@" DIGEST
         ") matches the deny pattern \"docker.io/library/nginx*\"");
  /* A pattern written with another name means docker.io too. */
  const struct adm_images_rule alias = {.deny = patterns(state, 1, "registry-1.docker.io/nginx")};
  pod = pod3(&fx, "nginx", "docker.io/library/nginx:1", "registry.example.com/nginx");
  struct adm_findings *f = run(state, "images.denied", pod, &alias);
  assert_int_equal(f->n, 2);
  assert_str_contains(f->items[0].message, "container \"init\"");
  assert_str_contains(f->items[1].message, "container \"app\"");
  /* Another port or a mirror is another registry: deny lists are name filters. */
  pod = pod3(&fx, "docker.io:443/library/nginx", "mirror.gcr.io/library/nginx", "busybox");
  PASSES("images.denied", pod, &rule);
}

/* ---- images.signature.pinned ---- */

static void signature_pinned_for_covered_images_unless_tags_are_allowed(void **state) {
  struct fixture fx;
  struct adm_images_rule rule = {.verify = {.set = true, .images = patterns(state, 1, "registry.example.com/**")}};
  struct adm_pod *pod = pod3(&fx, "registry.example.com/init@" DIGEST, "registry.example.com/app:v1@" DIGEST,
                             "busybox:1.36"); /* not covered */
  PASSES("images.signature.pinned", pod, &rule);
  pod = pod3(&fx, "registry.example.com/init", "registry.example.com/team/app:v1", "busybox:1.36");
  expect(run(state, "images.signature.pinned", pod, &rule), 2,
         "container \"init\" image \"registry.example.com/init\" (registry.example.com/init:latest) is not pinned by "
         "digest, which signature verification requires (a tag can be moved after it is verified); pin it: "
         "registry.example.com/init@sha256:<digest>",
         "container \"app\" image \"registry.example.com/team/app:v1\" (registry.example.com/team/app:v1) is not "
         "pinned by digest, which signature verification requires (a tag can be moved after it is verified); pin it: "
         "registry.example.com/team/app@sha256:<digest>");
  /* No images patterns: every image is covered, Docker Hub's by their canonical name. */
  const struct adm_images_rule all = {.verify = {.set = true}};
  pod =
      pod3(&fx, "registry.example.com/init@" DIGEST, "registry.example.com/app@" DIGEST, "registry-1.docker.io/nginx");
  expect(run(state, "images.signature.pinned", pod, &all), 1,
         "container \"debug\" image \"registry-1.docker.io/nginx\" (docker.io/library/nginx:latest) is not pinned by "
         "digest, which signature verification requires (a tag can be moved after it is verified); pin it: "
         "docker.io/library/nginx@sha256:<digest>");
  /* An UPDATE: a container that keeps its image is not judged again; one
   * whose image changed is, and so is one taking another container's tag. */
  struct fixture was;
  pod = pod3(&fx, "registry.example.com/init", "registry.example.com/team/app:v2", "registry.example.com/init");
  const struct adm_pod *old = pod3(&was, "registry.example.com/init", "registry.example.com/team/app:v1", NULL);
  struct adm_findings *f = run_update(state, "images.signature.pinned", pod, old, &rule);
  assert_int_equal(f->n, 2);
  assert_str_contains(f->items[0].message, "container \"app\" image \"registry.example.com/team/app:v2\"");
  assert_str_contains(f->items[1].message, "container \"debug\" image \"registry.example.com/init\"");
  /* allowTags: tags are verified by what they resolve to; this check is off. */
  rule.verify.allow_tags = true;
  const struct adm_rule_settings tags = SETTINGS(&rule);
  assert_false(find_check("images.signature.pinned")->active(&tags));
}

/* ---- images.digest.required ---- */

static void digest_required_for_matching_images(void **state) {
  struct fixture fx;
  const struct adm_images_rule rule = {.require_digest = patterns(state, 2, "registry.example.com/prod/**", "*.io/**")};
  /* Pinned (with or without a tag), or outside the patterns. */
  struct adm_pod *pod = pod3(&fx, "registry.example.com/prod/init@" DIGEST, "registry.example.com/prod/app:v1@" DIGEST,
                             "registry.example.com/dev/debug:v1");
  PASSES("images.digest.required", pod, &rule);
  pod = pod3(&fx, "registry.example.com/prod/init", "registry.example.com/prod/team/app:v1", "quay.io/x:1");
  expect(run(state, "images.digest.required", pod, &rule), 3,
         "container \"init\" image \"registry.example.com/prod/init\" (registry.example.com/prod/init:latest) is not "
         "pinned by digest (registry.example.com/prod/init@sha256:<digest>), which requireDigest "
         "\"registry.example.com/prod/**\" requires",
         "container \"app\" image \"registry.example.com/prod/team/app:v1\" (registry.example.com/prod/team/app:v1) "
         "is not pinned by digest (registry.example.com/prod/team/app@sha256:<digest>), which requireDigest "
         "\"registry.example.com/prod/**\" requires",
         "container \"debug\" image \"quay.io/x:1\" (quay.io/x:1) is not pinned by digest (quay.io/x@sha256:<digest>), "
         "which requireDigest \"*.io/**\" requires");
}

/* ---- images.tag.latest ---- */

static void tag_latest_forbids_latest_and_untagged_unless_pinned(void **state) {
  struct fixture fx;
  const struct adm_images_rule rule = {.forbid_latest = true};
  /* "Latest" is another tag; a digest fixes what runs whatever the tag. */
  struct adm_pod *pod = pod3(&fx, "busybox:1.36", "nginx:Latest", "nginx:latest@" DIGEST);
  PASSES("images.tag.latest", pod, &rule);
  fx.c[2].image = "nginx@" DIGEST;
  PASSES("images.tag.latest", pod, &rule);
  pod = pod3(&fx, "busybox", "registry.example.com/app:latest", "localhost:5000/debug");
  expect(run(state, "images.tag.latest", pod, &rule), 3,
         "container \"init\" image \"busybox\" (docker.io/library/busybox:latest) has no tag, so latest is pulled; "
         "give a version tag or pin a digest",
         "container \"app\" image \"registry.example.com/app:latest\" (registry.example.com/app:latest) uses the tag "
         "latest; give a version tag or pin a digest",
         "container \"debug\" image \"localhost:5000/debug\" (localhost:5000/debug:latest) has no tag, so latest is "
         "pulled; give a version tag or pin a digest");
}

/* ---- images.tag.allowed ---- */

static void tag_allowed_globs_implied_latest_and_digests(void **state) {
  struct fixture fx;
  const struct adm_images_rule rule = {.has_allowed_tags = true, .allowed_tags = NAMES("v*", "1.*-alpine")};
  struct adm_pod *pod = pod3(&fx, "busybox:v1.36", "nginx:1.25-alpine", "tools/debug:dev@" DIGEST);
  PASSES("images.tag.allowed", pod, &rule);
  pod = pod3(&fx, "busybox", "nginx:1.25", "tools/debug:V1");
  expect(run(state, "images.tag.allowed", pod, &rule), 3,
         "container \"init\" image \"busybox\" (docker.io/library/busybox:latest) has no tag (latest is pulled), and "
         "latest is not an allowed tag: \"v*\", \"1.*-alpine\"",
         "container \"app\" image \"nginx:1.25\" (docker.io/library/nginx:1.25) has the tag \"1.25\", which is not an "
         "allowed tag: \"v*\", \"1.*-alpine\"",
         "container \"debug\" image \"tools/debug:V1\" (docker.io/tools/debug:V1) has the tag \"V1\", which is not an "
         "allowed tag: \"v*\", \"1.*-alpine\"");
}

/* ---- determinism and failure ---- */

static void findings_follow_visit_order(void **state) {
  struct adm_container cs[5] = {
      {.kind = ADM_CONTAINER_INIT, .name = "z-init", .image = "a"},
      {.kind = ADM_CONTAINER_INIT, .name = "a-init", .image = "b"},
      {.kind = ADM_CONTAINER_REGULAR, .name = "m-app", .image = "c"},
      {.kind = ADM_CONTAINER_EPHEMERAL, .name = "b-debug", .image = "d"},
      {.kind = ADM_CONTAINER_EPHEMERAL, .name = "a-debug", .image = "e"},
  };
  struct adm_pod pod = {
      .name = "p", .containers = cs, .n_containers = 5, .n_init = 2, .n_regular = 1, .n_ephemeral = 2};
  const struct adm_images_rule rule = {.forbid_latest = true};
  struct adm_findings *f = run(state, "images.tag.latest", &pod, &rule);
  const char *order[] = {"z-init", "a-init", "m-app", "b-debug", "a-debug"};
  assert_int_equal(f->n, 5);
  for (size_t i = 0; i < 5; i++) {
    char want[64];
    snprintf(want, sizeof want, "container \"%s\" ", order[i]);
    assert_str_contains(f->items[i].message, want);
  }
}

/* A finding whose message cannot be allocated fails the arena (the request
 * fails closed where the verdict is made); it never silently passes. */
static void failed_allocation_fails_closed(void **state) {
  struct fixture fx;
  const struct adm_images_rule rule = every_setting(state);
  /* Every check has exactly one thing to report: the init container's image. */
  struct adm_pod *pod = pod3(&fx, NULL, NULL, NULL);
  pod->n_containers = 1;
  for (const char *const *id = image_ids; *id; id++) {
    fx.c[0].image = strcmp(*id, "images.reference") == 0 ? "Bad" : "nginx";
    const struct adm_rule_check *chk = find_check(*id);
    struct adm_findings *ok = run(state, *id, pod, &rule);
    if (ok->n != 1)
      fail_msg("expected one finding from %s, got %zu", *id, ok->n);
    struct adm_arena a;
    adm_arena_init(&a, 4096, 0);
    a.fail_at = a.allocs + 1;
    struct adm_findings f;
    adm_findings_init(&f, &a);
    const struct adm_rule_settings settings = SETTINGS(&rule);
    chk->check(&(struct adm_rule_ctx){.pod = pod, .settings = &settings, .out = &f});
    if (adm_arena_failure(&a) == ADM_ARENA_OK)
      fail_msg("expected %s to fail the arena when its message cannot be allocated", *id);
    adm_arena_free(&a);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(table_lists_every_check_once_in_order_and_none_is_active_by_default, test_setup,
                                      test_teardown),
      cmocka_unit_test_setup_teardown(each_check_is_active_only_for_its_setting, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(reference_malformed_missing_and_valid, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(reference_quotes_and_cuts_what_it_shows, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(other_checks_skip_malformed_images, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(allowed_normalizes_images_and_patterns, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(allowed_pattern_tag_and_digest_parts, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(allowed_long_list_is_cut, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(denied_wins_over_allowed_and_names_first_match, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(denied_catches_docker_hub_by_any_name, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(signature_pinned_for_covered_images_unless_tags_are_allowed, test_setup,
                                      test_teardown),
      cmocka_unit_test_setup_teardown(digest_required_for_matching_images, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(tag_latest_forbids_latest_and_untagged_unless_pinned, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(tag_allowed_globs_implied_latest_and_digests, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(findings_follow_visit_order, test_setup, test_teardown),
      cmocka_unit_test_setup_teardown(failed_allocation_fails_closed, test_setup, test_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
