/* policies/image_ref.c: the Docker reference grammar and its defaults, the
 * reasons a reference is refused, pattern normalization, and glob matching
 * within and across path components. Expected normalizations follow
 * distribution/reference's ParseNormalizedNamed and ParseDockerRef. */
#include "helpers.h"

#include "admitd/error.h"
#include "admitd/image.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define DIGEST "sha256:" HEX64

static struct adm_image_ref ref(const char *s) {
  struct adm_image_ref r;
  const char *why = NULL;
  if (adm_image_ref_parse(s, &r, &why) < 0)
    fail_msg("expected \"%s\" to parse, got: %s", s, why);
  return r;
}

static struct adm_image_pattern pat(const char *s) {
  struct adm_image_pattern p;
  const char *why = NULL;
  if (adm_image_pattern_parse(s, &p, &why) < 0)
    fail_msg("expected pattern \"%s\" to parse, got: %s", s, why);
  return p;
}

static void normalizes_like_upstream(void **state) {
  (void)state;
  static const struct {
    const char *in, *out, *domain, *path;
  } cases[] = {
      {"nginx", "docker.io/library/nginx:latest", "docker.io", "library/nginx"},
      {"nginx:1.25", "docker.io/library/nginx:1.25", "docker.io", "library/nginx"},
      {"library/nginx", "docker.io/library/nginx:latest", "docker.io", "library/nginx"},
      {"docker.io/nginx", "docker.io/library/nginx:latest", "docker.io", "library/nginx"},
      {"index.docker.io/nginx", "docker.io/library/nginx:latest", "docker.io", "library/nginx"},
      {"index.docker.io/user/app:v1", "docker.io/user/app:v1", "docker.io", "user/app"},
      /* Docker Hub's API endpoint and its other name pull the same images */
      {"registry-1.docker.io/library/nginx:1", "docker.io/library/nginx:1", "docker.io", "library/nginx"},
      {"registry-1.docker.io/nginx", "docker.io/library/nginx:latest", "docker.io", "library/nginx"},
      {"Registry.Hub.Docker.com/user/app", "docker.io/user/app:latest", "docker.io", "user/app"},
      /* another port, or a host that only ends like one, is another registry */
      {"registry-1.docker.io:443/nginx", "registry-1.docker.io:443/nginx:latest", "registry-1.docker.io:443", "nginx"},
      {"xregistry-1.docker.io/nginx", "xregistry-1.docker.io/nginx:latest", "xregistry-1.docker.io", "nginx"},
      {"docker.io.example.com/nginx", "docker.io.example.com/nginx:latest", "docker.io.example.com", "nginx"},
      {"user/app", "docker.io/user/app:latest", "docker.io", "user/app"},
      {"user/team/app", "docker.io/user/team/app:latest", "docker.io", "user/team/app"},
      {"localhost/app", "localhost/app:latest", "localhost", "app"},
      {"localhost:5000/app:v1", "localhost:5000/app:v1", "localhost:5000", "app"},
      /* no "/": "localhost" is a repository and "5000" its tag, as upstream reads it */
      {"localhost:5000", "docker.io/library/localhost:5000", "docker.io", "library/localhost"},
      {"registry.example.com/team/app", "registry.example.com/team/app:latest", "registry.example.com", "team/app"},
      {"127.0.0.1:5000/a/b/c:v1", "127.0.0.1:5000/a/b/c:v1", "127.0.0.1:5000", "a/b/c"},
      {"[::1]:5000/app", "[::1]:5000/app:latest", "[::1]:5000", "app"},
      {"[fe80::1]/app", "[fe80::1]/app:latest", "[fe80::1]", "app"},
      {"example.com/app:TAG_1.0-rc", "example.com/app:TAG_1.0-rc", "example.com", "app"},
      {"example.com/a__b/c-d/e---f/g.h/i_j", "example.com/a__b/c-d/e---f/g.h/i_j:latest", "example.com",
       "a__b/c-d/e---f/g.h/i_j"},
      /* hosts compare as DNS does: lower-cased before the Docker Hub rules */
      {"Registry.Example.COM/app", "registry.example.com/app:latest", "registry.example.com", "app"},
      {"INDEX.DOCKER.IO/nginx", "docker.io/library/nginx:latest", "docker.io", "library/nginx"},
      {"nginx@" DIGEST, "docker.io/library/nginx@" DIGEST, "docker.io", "library/nginx"},
      {"nginx:1.25@" DIGEST, "docker.io/library/nginx:1.25@" DIGEST, "docker.io", "library/nginx"},
      {"example.com:443/x/y:v@" DIGEST, "example.com:443/x/y:v@" DIGEST, "example.com:443", "x/y"},
      {"a.b", "docker.io/library/a.b:latest", "docker.io", "library/a.b"}, /* no "/": never a host */
  };
  char buf[ADM_IMAGE_STRING_MAX];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct adm_image_ref r = ref(cases[i].in);
    adm_image_ref_string(&r, buf, sizeof buf);
    if (strcmp(buf, cases[i].out) != 0)
      fail_msg("expected \"%s\" to normalize to \"%s\", got \"%s\"", cases[i].in, cases[i].out, buf);
    if (strcmp(r.domain, cases[i].domain) != 0)
      fail_msg("expected \"%s\" to have host \"%s\", got \"%s\"", cases[i].in, cases[i].domain, r.domain);
    if (strcmp(adm_image_ref_path(&r), cases[i].path) != 0)
      fail_msg("expected \"%s\" to have path \"%s\", got \"%s\"", cases[i].in, cases[i].path, adm_image_ref_path(&r));
  }
}

static void docker_hub_names(void **state) {
  (void)state;
  static const char *const hub[] = {"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com",
                                    "Registry-1.Docker.IO"};
  for (size_t i = 0; i < sizeof hub / sizeof *hub; i++)
    if (!adm_image_host_is_docker_hub(hub[i], strlen(hub[i])))
      fail_msg("expected %s to be Docker Hub", hub[i]);
  static const char *const other[] = {
      "docker.io:443", "registry-1.docker.io.evil", "io", "docker.i", "", "registry-2.docker.io", "hub.docker.com",
      "quay.io"};
  for (size_t i = 0; i < sizeof other / sizeof *other; i++)
    if (adm_image_host_is_docker_hub(other[i], strlen(other[i])))
      fail_msg("expected %s not to be Docker Hub", other[i]);
  /* n bounds the host: a longer buffer is not read past it */
  assert_true(adm_image_host_is_docker_hub("docker.io/library", 9));
  assert_false(adm_image_host_is_docker_hub("docker.io", 8));
}

static void tags_and_digests(void **state) {
  (void)state;
  struct adm_image_ref r = ref("nginx");
  assert_true(r.tag_implied);
  assert_string_equal(r.tag, "latest");
  assert_true(adm_image_ref_is_latest(&r)); /* untagged: latest runs */
  assert_false(adm_image_ref_has_digest(&r));

  r = ref("nginx:latest");
  assert_false(r.tag_implied);
  assert_true(adm_image_ref_is_latest(&r));

  r = ref("nginx:1.25");
  assert_false(adm_image_ref_is_latest(&r));
  assert_string_equal(r.tag, "1.25");

  r = ref("nginx@" DIGEST);
  assert_false(r.tag_implied); /* a digest alone implies no tag */
  assert_string_equal(r.tag, "");
  assert_string_equal(r.digest, DIGEST);
  assert_true(adm_image_ref_has_digest(&r));
  assert_false(adm_image_ref_is_latest(&r));

  r = ref("nginx:latest@" DIGEST); /* the digest wins: latest does not choose what runs */
  assert_string_equal(r.tag, "latest");
  assert_string_equal(r.digest, DIGEST);
  assert_false(adm_image_ref_is_latest(&r));
  assert_true(adm_image_ref_has_digest(&r));

  r = ref("example.com/latest"); /* a repository called latest is not the tag */
  assert_true(adm_image_ref_is_latest(&r));
  r = ref("example.com/latest:v2");
  assert_false(adm_image_ref_is_latest(&r));
}

static void refuses_malformed_references(void **state) {
  (void)state;
  static const struct {
    const char *in, *why;
    int code;
  } cases[] = {
      {"", "empty image reference", ADM_EPARSE},
      {"Nginx", "repository name must be lowercase", ADM_EPARSE},
      {"example.com/App", "repository name must be lowercase", ADM_EPARSE},
      {"Example.com/App", "repository name must be lowercase", ADM_EPARSE},
      /* newer upstream reads an upper-case first component as a host; lower-cased
       * it would read back as Docker Hub, so it is refused */
      {"Foo/bar", "repository name must be lowercase", ADM_EPARSE},
      {"LOCALHOST/bar", "repository name must be lowercase", ADM_EPARSE},
      {"nginx:", "invalid tag", ADM_EPARSE},
      {"nginx:-x", "invalid tag", ADM_EPARSE},
      {"nginx:.x", "invalid tag", ADM_EPARSE},
      {"nginx:a/b", "invalid registry host", ADM_EPARSE}, /* ":" before the last "/" is a port, not a tag */
      {"nginx:1.0:2", "invalid repository name", ADM_EPARSE},
      {"nginx:t@g", "invalid digest format", ADM_EPARSE},
      {"nginx@", "invalid digest format", ADM_EPARSE},
      {"nginx@sha256:abc", "invalid digest format", ADM_EPARSE},
      {"nginx@sha256:" HEX64 "0", "invalid sha256 digest length", ADM_EPARSE},
      {"nginx@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
       "invalid digest format: hex must be lower case", ADM_EPARSE},
      {"nginx@sha512:" HEX64 HEX64, "unsupported digest algorithm (only sha256)", ADM_EPARSE},
      {"nginx@md5:0123456789abcdef0123456789abcdef", "unsupported digest algorithm (only sha256)", ADM_EPARSE},
      {"nginx@1sha:" HEX64, "invalid digest format", ADM_EPARSE},
      {"nginx@" DIGEST "@" DIGEST, "invalid digest format", ADM_EPARSE},
      {"-nginx", "invalid repository name", ADM_EPARSE},
      {"nginx-", "invalid repository name", ADM_EPARSE},
      {"a..b", "invalid repository name", ADM_EPARSE},
      {"a___b", "invalid repository name", ADM_EPARSE},
      {"a.-b", "invalid repository name", ADM_EPARSE},
      {"a b", "invalid repository name", ADM_EPARSE},
      {"user//app", "invalid repository name", ADM_EPARSE},
      {"user/app/", "invalid repository name", ADM_EPARSE},
      {"/app", "invalid repository name", ADM_EPARSE},
      {"example.com/", "missing repository name", ADM_EPARSE},
      {":v1", "missing repository name", ADM_EPARSE},
      {"@" DIGEST, "missing repository name", ADM_EPARSE},
      {"-bad.com/app", "invalid registry host", ADM_EPARSE},
      {"bad-.com/app", "invalid registry host", ADM_EPARSE},
      {"bad..com/app", "invalid registry host", ADM_EPARSE},
      {"host:abc/app", "invalid registry host", ADM_EPARSE},
      {"host:/app", "invalid registry host", ADM_EPARSE},
      {"[::1/app", "invalid registry host", ADM_EPARSE},
      {"[]:5000/app", "invalid registry host", ADM_EPARSE},
      {"ex_ample.com/app", "invalid registry host", ADM_EPARSE},
      {HEX64, "a 64-character hexadecimal string is an image ID, not a reference", ADM_EPARSE},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct adm_image_ref r;
    const char *why = NULL;
    int rc = adm_image_ref_parse(cases[i].in, &r, &why);
    if (rc != cases[i].code)
      fail_msg("expected \"%s\" to fail with %d, got %d", cases[i].in, cases[i].code, rc);
    if (why == NULL || strcmp(why, cases[i].why) != 0)
      fail_msg("expected \"%s\" to fail with \"%s\", got \"%s\"", cases[i].in, cases[i].why, why ? why : "(null)");
    if (r.name[0] != '\0')
      fail_msg("expected a refused reference \"%s\" to be zeroed", cases[i].in);
  }
}

static void digests_alone(void **state) {
  (void)state;
  const char *why = NULL;
  assert_int_equal(adm_image_digest_check(DIGEST, &why), 0);
  assert_int_equal(adm_image_digest_check("sha256:" HEX64 "0", &why), ADM_EPARSE);
  assert_string_equal(why, "invalid sha256 digest length");
  assert_int_equal(adm_image_digest_check("sha512:" HEX64 HEX64, &why), ADM_EPARSE);
  assert_string_equal(why, "unsupported digest algorithm (only sha256)");
  assert_int_equal(adm_image_digest_check("SHA256:" HEX64, &why), ADM_EPARSE);
  assert_int_equal(adm_image_digest_check(HEX64, &why), ADM_EPARSE);
  assert_string_equal(why, "invalid digest format");
  assert_int_equal(adm_image_digest_check("", &why), ADM_EPARSE);
}

static void length_limits(void **state) {
  (void)state;
  char in[1024], want[1024];
  const char *why;
  struct adm_image_ref r;
  /* "docker.io/" + 245 = 255: the longest name; counted after normalization */
  snprintf(in, sizeof in, "x/%0*d", 243, 0);
  assert_int_equal(adm_image_ref_parse(in, &r, &why), 0);
  assert_int_equal(strlen(r.name), 255);
  snprintf(in, sizeof in, "x/%0*d", 244, 0);
  assert_int_equal(adm_image_ref_parse(in, &r, &why), ADM_ETOOBIG);
  assert_string_equal(why, "repository name must not be more than 255 characters");
  /* "library/" counts: 237 characters fit as an official image, 238 do not */
  snprintf(in, sizeof in, "%0*d", 237, 0);
  assert_int_equal(adm_image_ref_parse(in, &r, &why), 0);
  snprintf(in, sizeof in, "%0*d", 238, 0);
  assert_int_equal(adm_image_ref_parse(in, &r, &why), ADM_ETOOBIG);

  /* tags: 128 characters, not 129 */
  snprintf(in, sizeof in, "nginx:%0*d", 128, 0);
  assert_int_equal(adm_image_ref_parse(in, &r, &why), 0);
  snprintf(want, sizeof want, "%0*d", 128, 0);
  assert_string_equal(r.tag, want);
  snprintf(in, sizeof in, "nginx:%0*d", 129, 0);
  assert_int_equal(adm_image_ref_parse(in, &r, &why), ADM_EPARSE);
  assert_string_equal(why, "invalid tag");

  /* the longest reference fits the string buffer whole */
  char name[300], tag[200];
  snprintf(name, sizeof name, "%0*d", 240, 0);
  memcpy(name, "abc.de/", 7);
  snprintf(tag, sizeof tag, "%0*d", 128, 0);
  snprintf(in, sizeof in, "%s:%s@%s", name, tag, DIGEST);
  assert_int_equal(adm_image_ref_parse(in, &r, &why), 0);
  char buf[ADM_IMAGE_STRING_MAX];
  assert_string_equal(adm_image_ref_string(&r, buf, sizeof buf), in);

  /* input past the bound is refused before it is read to the end */
  char *huge = malloc(100000);
  memset(huge, 'a', 99999);
  huge[99999] = '\0';
  assert_int_equal(adm_image_ref_parse(huge, &r, &why), ADM_ETOOBIG);
  assert_string_equal(why, "image reference is too long");
  free(huge);
}

static void pattern_normalization(void **state) {
  (void)state;
  static const struct {
    const char *in, *name, *tag, *digest;
  } cases[] = {
      {"nginx", "docker.io/library/nginx", NULL, NULL},
      {"*", "docker.io/library/*", NULL, NULL},
      {"docker.io/*", "docker.io/library/*", NULL, NULL},
      {"index.docker.io/*", "docker.io/library/*", NULL, NULL},
      {"registry-1.docker.io/library/nginx*", "docker.io/library/nginx*", NULL, NULL},
      {"REGISTRY-1.docker.io/**", "docker.io/**", NULL, NULL},
      {"registry.hub.docker.com/team/*", "docker.io/team/*", NULL, NULL},
      {"docker.io/**", "docker.io/**", NULL, NULL}, /* every Docker Hub image, not only official ones */
      {"*/app", "docker.io/*/app", NULL, NULL},
      {"**", "**", NULL, NULL},
      {"**:latest", "**", "latest", NULL},
      {"**/nginx", "**/nginx", NULL, NULL},
      {"Registry.Example.com/**", "registry.example.com/**", NULL, NULL},
      {"*.example.com/team/*", "*.example.com/team/*", NULL, NULL},
      {"localhost:5000/**", "localhost:5000/**", NULL, NULL},
      {"registry.example.com/app:v1.*", "registry.example.com/app", "v1.*", NULL},
      {"registry.example.com/app@sha256:*", "registry.example.com/app", NULL, "sha256:*"},
      {"nginx:1.25@" DIGEST, "docker.io/library/nginx", "1.25", DIGEST},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct adm_image_pattern p = pat(cases[i].in);
    if (strcmp(p.name, cases[i].name) != 0)
      fail_msg("expected pattern \"%s\" to normalize to \"%s\", got \"%s\"", cases[i].in, cases[i].name, p.name);
    if (p.has_tag != (cases[i].tag != NULL) || (cases[i].tag && strcmp(p.tag, cases[i].tag) != 0))
      fail_msg("expected pattern \"%s\" to have tag glob \"%s\", got \"%s\"", cases[i].in,
               cases[i].tag ? cases[i].tag : "(none)", p.has_tag ? p.tag : "(none)");
    if (p.has_digest != (cases[i].digest != NULL) || (cases[i].digest && strcmp(p.digest, cases[i].digest) != 0))
      fail_msg("expected pattern \"%s\" to have digest glob \"%s\", got \"%s\"", cases[i].in,
               cases[i].digest ? cases[i].digest : "(none)", p.has_digest ? p.digest : "(none)");
  }
}

static void refuses_malformed_patterns(void **state) {
  (void)state;
  static const struct {
    const char *in, *why;
  } cases[] = {
      {"", "empty image pattern"},
      {"registry.example.com/team**", "\"**\" must be a whole path component"},
      {"registry.example.com/***", "\"**\" must be a whole path component"},
      {"**.example.com/**", "invalid registry host in pattern"},
      {"reg**istry.example.com/app", "invalid registry host in pattern"},
      {"bad_host.com/app", "invalid registry host in pattern"},
      {"-bad.com/app", "invalid registry host in pattern"},
      {"registry.example.com/App", "repository name must be lowercase"},
      {"Foo/**", "repository name must be lowercase"},
      {"registry.example.com/a?", "invalid character in pattern (only \"*\" is special)"},
      {"registry.example.com/[ab]", "invalid character in pattern (only \"*\" is special)"},
      {"registry.example.com//a", "empty path component in pattern"},
      {"**//a", "empty path component in pattern"},
      {"registry.example.com/", "missing repository name in pattern"},
      {":v1", "missing repository name in pattern"},
      {"nginx:", "invalid tag pattern"},
      {"nginx:.x", "invalid tag pattern"},
      {"nginx:a+b", "invalid tag pattern"},
      {"nginx@", "invalid digest format"},
      {"nginx@sha256:XYZ", "invalid digest format"},
      {"nginx@sha256:A*", "invalid digest pattern"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct adm_image_pattern p;
    const char *why = NULL;
    int rc = adm_image_pattern_parse(cases[i].in, &p, &why);
    if (rc != ADM_EPARSE)
      fail_msg("expected pattern \"%s\" to fail with ADM_EPARSE, got %d", cases[i].in, rc);
    if (why == NULL || strcmp(why, cases[i].why) != 0)
      fail_msg("expected pattern \"%s\" to fail with \"%s\", got \"%s\"", cases[i].in, cases[i].why,
               why ? why : "(null)");
  }
  char long_pattern[600];
  const char *why;
  struct adm_image_pattern p;
  snprintf(long_pattern, sizeof long_pattern, "x.io/%0*d", 251, 0);
  assert_int_equal(adm_image_pattern_parse(long_pattern, &p, &why), ADM_ETOOBIG);
  assert_string_equal(why, "repository name must not be more than 255 characters");
  assert_false(
      adm_image_pattern_match(&p, &(struct adm_image_ref){.name = "x"})); /* a failed pattern matches nothing */
}

static void assert_matches(const char *pattern, const char *image, bool want) {
  struct adm_image_pattern p = pat(pattern);
  struct adm_image_ref r = ref(image);
  if (adm_image_pattern_match(&p, &r) != want)
    fail_msg("expected pattern \"%s\" %s \"%s\" (normalized \"%s\" vs \"%s\")", pattern,
             want ? "to match" : "not to match", image, p.name, r.name);
}

static void matching(void **state) {
  (void)state;
  /* Docker Hub short names on both sides */
  assert_matches("nginx", "nginx", true);
  assert_matches("nginx", "docker.io/library/nginx:1.25", true);
  assert_matches("nginx", "index.docker.io/library/nginx@" DIGEST, true);
  assert_matches("nginx", "user/nginx", false);
  assert_matches("nginx", "example.com/nginx", false);
  assert_matches("docker.io/library/*", "redis", true);
  assert_matches("docker.io/library/*", "user/app", false);
  assert_matches("docker.io/library/*", "library/a/b", false); /* "*" stays in one component */
  assert_matches("*", "nginx", true);
  assert_matches("*", "user/app", false);
  assert_matches("docker.io/**", "user/app", true);
  assert_matches("docker.io/**", "nginx", true);
  assert_matches("docker.io/**", "example.com/app", false);
  /* Docker Hub by any of its names, on either side */
  assert_matches("docker.io/library/nginx*", "registry-1.docker.io/library/nginx:1", true);
  assert_matches("docker.io/library/nginx*", "index.docker.io/nginx", true);
  assert_matches("docker.io/library/nginx*", "registry.hub.docker.com/library/nginx", true);
  assert_matches("registry-1.docker.io/library/*", "nginx", true);
  assert_matches("index.docker.io/**", "docker.io/user/app", true);
  assert_matches("registry-1.docker.io/**", "quay.io/user/app", false);

  /* one registry: "**" crosses components, never hosts */
  assert_matches("registry.example.com/**", "registry.example.com/app", true);
  assert_matches("registry.example.com/**", "registry.example.com/a/b/c:v1", true);
  assert_matches("registry.example.com/**", "registry.example.com.evil.io/app", false);
  assert_matches("registry.example.com/**", "evil.io/registry.example.com/app", false);
  assert_matches("registry.example.com/**", "registry.example.com:5000/app", false);
  assert_matches("registry.example.com/**", "REGISTRY.example.com/app", true);
  assert_matches("evil.example/**", "EVIL.example/x", true); /* a deny cannot be dodged by case */
  assert_matches("registry.example.com/team/*", "registry.example.com/team/app", true);
  assert_matches("registry.example.com/team/*", "registry.example.com/team/sub/app", false);
  assert_matches("registry.example.com/team/*", "registry.example.com/team2/app", false);
  assert_matches("registry.example.com/team-*/app", "registry.example.com/team-a/app", true);
  assert_matches("registry.example.com/*-svc", "registry.example.com/pay-svc", true);
  assert_matches("registry.example.com/*-svc", "registry.example.com/pay-svc-x", false);
  assert_matches("*.example.com/**", "registry.example.com/app", true);
  assert_matches("*.example.com/**", "a.b.example.com/app", true);
  assert_matches("*.example.com/**", "example.com/app", false);
  assert_matches("*.example.com/**", "registry.example.com.evil.io/app", false);
  assert_matches("localhost:*/**", "localhost:5000/app", true);

  /* "**" as zero components, in the middle and at the start */
  assert_matches("registry.example.com/a/**/b", "registry.example.com/a/b", true);
  assert_matches("registry.example.com/a/**/b", "registry.example.com/a/x/y/b", true);
  assert_matches("registry.example.com/a/**/b", "registry.example.com/a/x/c", false);
  assert_matches("registry.example.com/a/**/b", "registry.example.com/a/b/c", false);
  assert_matches("registry.example.com/team/**", "registry.example.com/team", true); /* none at the end */
  assert_matches("registry.example.com/team/**/**", "registry.example.com/team", true);
  assert_matches("registry.example.com/team/**", "registry.example.com/teams", false);
  assert_matches("**/nginx", "nginx", true);
  assert_matches("**/nginx", "example.com/team/nginx", true);
  assert_matches("**/nginx", "example.com/nginx-x", false);
  assert_matches("**", "nginx", true);
  assert_matches("**", "[::1]:5000/a/b/c@" DIGEST, true);

  /* tag and digest globs */
  assert_matches("**:latest", "nginx", true); /* untagged means latest */
  assert_matches("**:latest", "example.com/app:latest", true);
  assert_matches("**:latest", "nginx:1.25", false);
  assert_matches("**:latest", "nginx@" DIGEST, false);       /* no tag at all */
  assert_matches("**:latest", "nginx:latest@" DIGEST, true); /* the tag as written */
  assert_matches("registry.example.com/app:v1.*", "registry.example.com/app:v1.2", true);
  assert_matches("registry.example.com/app:v1.*", "registry.example.com/app:v2.0", false);
  assert_matches("registry.example.com/app:v1.*", "registry.example.com/app", false);
  assert_matches("registry.example.com/app:*", "registry.example.com/app@" DIGEST, false);
  assert_matches("**@sha256:*", "nginx@" DIGEST, true);
  assert_matches("**@sha256:*", "nginx:1.25", false);
  assert_matches("nginx@" DIGEST, "nginx:1.25@" DIGEST, true);
  assert_matches("nginx@" DIGEST, "nginx@sha256:1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                 false);
  assert_matches("nginx:1.25@" DIGEST, "nginx@" DIGEST, false); /* tag glob needs a tag */
}

static void tag_patterns(void **state) {
  (void)state;
  const char *why;
  assert_int_equal(adm_image_tag_pattern_check("v*", &why), 0);
  assert_int_equal(adm_image_tag_pattern_check("*-rc*", &why), 0);
  assert_int_equal(adm_image_tag_pattern_check("*", &why), 0);
  assert_int_equal(adm_image_tag_pattern_check("", &why), ADM_EPARSE);
  assert_int_equal(adm_image_tag_pattern_check("v/1", &why), ADM_EPARSE);
  assert_string_equal(why, "invalid tag pattern");
  assert_int_equal(adm_image_tag_pattern_check("-x", &why), ADM_EPARSE);
  char long_glob[200];
  snprintf(long_glob, sizeof long_glob, "%0*d", 129, 0);
  assert_int_equal(adm_image_tag_pattern_check(long_glob, &why), ADM_EPARSE);
  assert_true(adm_image_tag_match("v1.*", "v1.2.3"));
  assert_false(adm_image_tag_match("v1.*", "v10"));
  assert_true(adm_image_tag_match("*-rc*", "1.0-rc2"));
  assert_false(adm_image_tag_match("*-rc*", "1.0"));
  assert_true(adm_image_tag_match("*", "anything"));
  assert_true(adm_image_tag_match("1.25", "1.25"));
  assert_false(adm_image_tag_match("1.25", "1.25.1"));
  assert_true(adm_image_tag_match("a*b*c", "aXbYbZc"));
  assert_false(adm_image_tag_match("a*b*c", "aXbYbZ"));
}

/* Globs that defeat naive backtracking finish at once. */
static void matching_is_not_exponential(void **state) {
  (void)state;
  char name[300], glob[300];
  /* 120 one-letter components, a pattern of 40 "**" then a missing last one */
  size_t n = (size_t)snprintf(name, sizeof name, "a.io");
  for (int i = 0; i < 120; i++)
    n += (size_t)snprintf(name + n, sizeof name - n, "/a");
  n = (size_t)snprintf(glob, sizeof glob, "a.io");
  for (int i = 0; i < 40; i++)
    n += (size_t)snprintf(glob + n, sizeof glob - n, "/**");
  snprintf(glob + n, sizeof glob - n, "/b");
  assert_matches(glob, name, false);
  glob[n] = '\0';
  snprintf(glob + n, sizeof glob - n, "/a");
  assert_matches(glob, name, true);

  char tag[130], tglob[130];
  memset(tag, 'a', 128);
  tag[128] = '\0';
  n = 0;
  for (int i = 0; i < 60; i++)
    tglob[n++] = 'a', tglob[n++] = '*';
  tglob[n++] = 'b';
  tglob[n] = '\0';
  assert_false(adm_image_tag_match(tglob, tag));
}

/* Random strings over the grammar's alphabet: parsing never fails to
 * answer, a normalized reference parses back to itself, and written as a
 * pattern it matches the reference it came from. */
static void normalization_is_a_fixpoint(void **state) {
  (void)state;
  static const char alphabet[] = "ab0_.-/:@AZx*";
  uint32_t seed = 12345;
  unsigned valid = 0;
  for (int round = 0; round < 200000; round++) {
    char in[24];
    seed = seed * 1103515245u + 12345u;
    size_t n = 1 + (seed >> 16) % (sizeof in - 1);
    for (size_t i = 0; i < n; i++) {
      seed = seed * 1103515245u + 12345u;
      in[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
    }
    in[n] = '\0';
    struct adm_image_ref r, again;
    const char *why = NULL;
    if (adm_image_ref_parse(in, &r, &why) < 0) {
      if (why == NULL)
        fail_msg("expected a reason for refusing \"%s\"", in);
      continue;
    }
    valid++;
    char buf[ADM_IMAGE_STRING_MAX];
    adm_image_ref_string(&r, buf, sizeof buf);
    if (adm_image_ref_parse(buf, &again, &why) < 0)
      fail_msg("expected \"%s\" (from \"%s\") to parse, got: %s", buf, in, why);
    again.tag_implied = r.tag_implied;
    if (memcmp(&r, &again, sizeof r) != 0)
      fail_msg("expected \"%s\" to normalize to itself (from \"%s\")", buf, in);
    struct adm_image_pattern p;
    if (adm_image_pattern_parse(buf, &p, &why) < 0)
      fail_msg("expected \"%s\" to be a pattern, got: %s", buf, why);
    if (!adm_image_pattern_match(&p, &r))
      fail_msg("expected pattern \"%s\" to match itself", buf);
  }
  if (valid < 1000)
    fail_msg("expected the generator to make valid references, made %u", valid);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(normalizes_like_upstream),
      cmocka_unit_test(docker_hub_names),
      cmocka_unit_test(tags_and_digests),
      cmocka_unit_test(refuses_malformed_references),
      cmocka_unit_test(digests_alone),
      cmocka_unit_test(length_limits),
      cmocka_unit_test(pattern_normalization),
      cmocka_unit_test(refuses_malformed_patterns),
      cmocka_unit_test(matching),
      cmocka_unit_test(tag_patterns),
      cmocka_unit_test(matching_is_not_exponential),
      cmocka_unit_test(normalization_is_a_fixpoint),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
