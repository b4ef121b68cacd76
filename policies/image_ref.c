/* Image references and patterns (image.h). Owns the reference grammar and
 * the glob matcher; must not allocate or do I/O (policies/ is pure).
 *
 * References follow distribution/reference (ParseNormalizedNamed, then
 * ParseDockerRef's default tag), which is what containerd and the kubelet
 * use to decide what to pull:
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [ domain "/" ] path
 *   domain     := host [ ":" port ]        port := [0-9]+
 *   host       := component ( "." component )* | "[" [0-9A-Fa-f:]+ "]"
 *   component  := [A-Za-z0-9] | [A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]
 *   path       := path-comp ( "/" path-comp )*
 *   path-comp  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *   digest     := "sha256:" [a-f0-9]{64}
 *
 * - The first "/"-separated component is the registry host when it holds a
 *   "." or a ":", or is exactly "localhost"; otherwise the host is Docker
 *   Hub, "docker.io". With no "/" at all there is no host.
 * - The host is compared as DNS does, without case: it is lower-cased before
 *   anything else, so "EVIL.example/x" cannot slip past a pattern that
 *   denies every image of "evil.example". Upstream keeps its case; the pull
 *   goes to the same host either way.
 * - distribution/reference since v0.5 also takes a first component with an
 *   upper-case letter ("Foo/bar") as a host. admitd refuses such references
 *   ("repository name must be lowercase", as older upstream did): lower-cased,
 *   "foo/bar" would read back as a Docker Hub image, so the normalized name
 *   would no longer say where the image comes from.
 * - Docker Hub answers to several names: "index.docker.io" (upstream's
 *   legacy name), "registry-1.docker.io" (its API endpoint, which a pull
 *   of "docker.io" goes to) and "registry.hub.docker.com". All of them are
 *   "docker.io" here, so that a pattern written with one name matches an
 *   image written with another, and a deny list is not bypassed by
 *   spelling the host differently. Upstream normalizes only
 *   "index.docker.io"; the others pull the same images. On docker.io a
 *   one-component path is an official image: "nginx" -> "library/nginx".
 * - The path must be lower case ("repository name must be lowercase").
 * - The normalized name ("docker.io/library/nginx") is at most 255
 *   characters, counted after "docker.io/" and "library/" are added, as
 *   upstream counts it.
 * - The tag separator is the last ":" after the last "/", so
 *   "localhost:5000/app" has no tag and "localhost:5000" is the image
 *   "docker.io/library/localhost" with tag "5000", as upstream reads it.
 * - Neither tag nor digest: the tag "latest" is implied. A digest wins over
 *   a tag for what runs; both are kept ("nginx:1.25@sha256:...").
 * - Digests: only sha256 is supported; its hex must be 64 lower-case
 *   characters. Other algorithms that match the digest grammar are refused
 *   ("unsupported digest algorithm") rather than half-understood.
 * - A bare 64-character hex string is an image ID, not a reference, and is
 *   refused.
 *
 * Patterns are written like references and normalized the same way (no
 * host means docker.io; "nginx", "index.docker.io/nginx" and
 * "registry-1.docker.io/library/nginx" are all "docker.io/library/nginx"),
 * then matched on the normalized name. Examples below write a glob
 * component in braces, because C comments cannot hold a slash before a
 * star: "docker.io/{**}" means the pattern docker.io, a slash, and two
 * stars.
 * - "*" matches any run of characters within one path component (the host
 *   is a component too: "*.example.com/app"); "**" must be a whole component
 *   and matches any number of components, none included: "a/{**}/b" matches
 *   "a/b" and "a/x/y/b". "**" cannot stand inside a host glob, so no host
 *   glob matches across a "/".
 * - A pattern whose first component is "**" names no host: "**" alone
 *   matches every image, "**:latest" every image tagged or defaulting to
 *   latest, "{**}/nginx" any repository called nginx.
 * - A first component "*" is a Docker Hub namespace, like any component
 *   without ".", ":" or upper case: "{*}/app" is "docker.io/{*}/app", and
 *   "{*}" alone is "docker.io/library/{*}" (policy-controller normalizes
 *   globs the same way). "docker.io/{**}" stays every Docker Hub image; it is
 *   not turned into official images only.
 * - An optional ":tag" glob and "@digest" glob ("*" only) follow the name.
 *   A tag glob matches the tag as written or the implied "latest"; a
 *   reference with a digest and no tag has no tag to match.
 * - Only "*" is special; "?" and "[" are not pattern characters. */
#include "admitd/image.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "admitd/error.h"

#define MAX_COMPONENTS (ADM_IMAGE_NAME_MAX / 2 + 1)

static const char docker_hub[] = "docker.io";

static bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

static bool is_lower(char c) {
  return c >= 'a' && c <= 'z';
}

static bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}

static bool is_alnum(char c) {
  return is_digit(c) || is_lower(c) || is_upper(c);
}

static bool is_lower_alnum(char c) {
  return is_digit(c) || is_lower(c);
}

static bool is_word(char c) {
  return is_alnum(c) || c == '_';
}

static bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static char to_lower(char c) {
  return is_upper(c) ? (char)(c - 'A' + 'a') : c;
}

static int fail(const char **why, int code, const char *reason) {
  if (why)
    *why = reason;
  return code;
}

static const char *find_char(const char *s, size_t n, char c) {
  return memchr(s, c, n);
}

static const char *find_last(const char *s, size_t n, char c) {
  while (n > 0)
    if (s[--n] == c)
      return s + n;
  return NULL;
}

static bool contains(const char *s, size_t n, char c) {
  return find_char(s, n, c) != NULL;
}

static bool has_upper(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (is_upper(s[i]))
      return true;
  return false;
}

/* [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )* */
static bool path_component_ok(const char *s, size_t n) {
  size_t i = 0;
  if (n == 0 || !is_lower_alnum(s[0]))
    return false;
  for (;;) {
    while (i < n && is_lower_alnum(s[i]))
      i++;
    if (i == n)
      return true;
    if (s[i] == '.') {
      i++;
    } else if (s[i] == '_') {
      i++;
      if (i < n && s[i] == '_')
        i++;
    } else if (s[i] == '-') {
      while (i < n && s[i] == '-')
        i++;
    } else {
      return false;
    }
    if (i == n || !is_lower_alnum(s[i]))
      return false;
  }
}

/* host [ ":" port ], as in the header comment. */
static bool domain_ok(const char *s, size_t n) {
  size_t i = 0;
  if (n > 0 && s[0] == '[') {
    size_t start = ++i;
    while (i < n && (is_hex(s[i]) || s[i] == ':'))
      i++;
    if (i == start || i == n || s[i] != ']')
      return false;
    i++;
  } else {
    for (;;) {
      size_t start = i;
      while (i < n && (is_alnum(s[i]) || s[i] == '-'))
        i++;
      if (i == start || s[start] == '-' || s[i - 1] == '-')
        return false;
      if (i < n && s[i] == '.') {
        i++;
        continue;
      }
      break;
    }
  }
  if (i < n && s[i] == ':') {
    size_t start = ++i;
    while (i < n && is_digit(s[i]))
      i++;
    if (i == start)
      return false;
  }
  return i == n;
}

/* [\w][\w.-]{0,127} */
static bool tag_ok(const char *s, size_t n) {
  if (n == 0 || n > ADM_IMAGE_TAG_MAX || !is_word(s[0]))
    return false;
  for (size_t i = 1; i < n; i++)
    if (!is_word(s[i]) && s[i] != '.' && s[i] != '-')
      return false;
  return true;
}

/* algorithm ":" hex, as go-digest parses it: the grammar first, then the
 * algorithm, then its length and alphabet. */
static int digest_check(const char *s, size_t n, const char **why) {
  const char *colon = find_char(s, n, ':');
  if (colon == NULL || colon == s)
    return fail(why, ADM_EPARSE, "invalid digest format");
  size_t alg_len = (size_t)(colon - s), hex_len = n - alg_len - 1;
  for (size_t i = 0; i < alg_len; i++) {
    bool sep = s[i] == '+' || s[i] == '.' || s[i] == '_' || s[i] == '-';
    bool starts = i == 0 || (s[i - 1] == '+' || s[i - 1] == '.' || s[i - 1] == '_' || s[i - 1] == '-');
    if (starts ? !(is_lower(s[i]) || is_upper(s[i])) : !(sep || is_alnum(s[i])))
      return fail(why, ADM_EPARSE, "invalid digest format");
  }
  if (hex_len < 32)
    return fail(why, ADM_EPARSE, "invalid digest format");
  for (size_t i = 0; i < hex_len; i++)
    if (!is_hex(colon[1 + i]))
      return fail(why, ADM_EPARSE, "invalid digest format");
  if (alg_len != 6 || memcmp(s, "sha256", 6) != 0)
    return fail(why, ADM_EPARSE, "unsupported digest algorithm (only sha256)");
  if (hex_len != 64)
    return fail(why, ADM_EPARSE, "invalid sha256 digest length");
  for (size_t i = 0; i < hex_len; i++)
    if (is_upper(colon[1 + i]))
      return fail(why, ADM_EPARSE, "invalid digest format: hex must be lower case");
  return 0;
}

static bool is_image_id(const char *s, size_t n) {
  if (n != 64)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!is_digit(s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
      return false;
  return true;
}

struct span {
  const char *s;
  size_t n;
};

/* The parts of a reference or pattern: [name][:tag][@digest] as spans. */
struct split {
  const char *name, *tag, *digest;
  size_t name_len, tag_len, digest_len;
  bool has_tag, has_digest;
};

static void split_reference(const char *s, size_t n, struct split *sp) {
  memset(sp, 0, sizeof *sp);
  const char *at = find_char(s, n, '@');
  if (at) {
    sp->has_digest = true;
    sp->digest = at + 1;
    sp->digest_len = n - (size_t)(at - s) - 1;
    n = (size_t)(at - s);
  }
  const char *slash = find_last(s, n, '/'), *colon = find_last(s, n, ':');
  if (colon && (slash == NULL || colon > slash)) {
    sp->has_tag = true;
    sp->tag = colon + 1;
    sp->tag_len = n - (size_t)(colon - s) - 1;
    n = (size_t)(colon - s);
  }
  sp->name = s;
  sp->name_len = n;
}

/* Whether the first component of name (before its first "/") is a host. */
static bool first_is_host(const char *name, size_t n, size_t *host_len) {
  const char *slash = find_char(name, n, '/');
  if (slash == NULL)
    return false;
  size_t h = (size_t)(slash - name);
  *host_len = h;
  return contains(name, h, '.') || contains(name, h, ':') || (h == 9 && memcmp(name, "localhost", 9) == 0);
}

static bool host_glob_ok(const char *s, size_t n);

/* Separate the host (docker.io when none is written) from the path of
 * sp's name; a pattern's host may be a glob. */
static int split_host(const struct split *sp, bool pattern, struct span *host, struct span *path, const char **why) {
  size_t h;
  host->s = docker_hub;
  host->n = sizeof docker_hub - 1;
  path->s = sp->name;
  path->n = sp->name_len;
  if (first_is_host(sp->name, sp->name_len, &h)) {
    bool ok = pattern && contains(sp->name, h, '*') ? host_glob_ok(sp->name, h) : domain_ok(sp->name, h);
    if (!ok)
      return fail(why, ADM_EPARSE, pattern ? "invalid registry host in pattern" : "invalid registry host");
    host->s = sp->name;
    host->n = h;
    path->s = sp->name + h + 1;
    path->n = sp->name_len - h - 1;
  }
  if (path->n == 0)
    return fail(why, ADM_EPARSE, pattern ? "missing repository name in pattern" : "missing repository name");
  return 0;
}

/* Write domain (lower-cased, Docker Hub's other names resolved) "/"
 * [library/] path into name, and the domain alone into dom. The caller has
 * checked every part; official is false for a pattern whose path is "**"
 * ("docker.io/{**}" is every Docker Hub image, not every official one). */
static int join_name(const char *host, size_t host_len, const char *path, size_t path_len, bool official_ok, char *name,
                     char *dom, size_t *path_offset, const char **why) {
  char lower[ADM_IMAGE_NAME_MAX + 1];
  if (host_len > ADM_IMAGE_NAME_MAX)
    return fail(why, ADM_ETOOBIG, "repository name must not be more than 255 characters");
  for (size_t i = 0; i < host_len; i++)
    lower[i] = to_lower(host[i]);
  lower[host_len] = '\0';
  if (adm_image_host_is_docker_hub(lower, host_len))
    snprintf(lower, sizeof lower, "%s", docker_hub);
  bool official = official_ok && strcmp(lower, docker_hub) == 0 && !contains(path, path_len, '/');
  const char *prefix = official ? "library/" : "";
  size_t dlen = strlen(lower), plen = strlen(prefix);
  if (dlen + 1 + plen + path_len > ADM_IMAGE_NAME_MAX)
    return fail(why, ADM_ETOOBIG, "repository name must not be more than 255 characters");
  memcpy(dom, lower, dlen + 1);
  memcpy(name, lower, dlen);
  name[dlen] = '/';
  memcpy(name + dlen + 1, prefix, plen);
  memcpy(name + dlen + 1 + plen, path, path_len);
  name[dlen + 1 + plen + path_len] = '\0';
  *path_offset = dlen + 1;
  return 0;
}

static int ref_parse(const char *s, struct adm_image_ref *out, const char **why) {
  size_t n = strnlen(s, ADM_IMAGE_INPUT_MAX + 1);
  if (n == 0)
    return fail(why, ADM_EPARSE, "empty image reference");
  if (n > ADM_IMAGE_INPUT_MAX)
    return fail(why, ADM_ETOOBIG, "image reference is too long");
  if (is_image_id(s, n))
    return fail(why, ADM_EPARSE, "a 64-character hexadecimal string is an image ID, not a reference");

  struct split sp;
  split_reference(s, n, &sp);
  int rc = sp.has_digest ? digest_check(sp.digest, sp.digest_len, why) : 0;
  if (rc < 0)
    return rc;
  if (sp.has_tag && !tag_ok(sp.tag, sp.tag_len))
    return fail(why, ADM_EPARSE, "invalid tag");
  if (sp.name_len == 0)
    return fail(why, ADM_EPARSE, "missing repository name");

  struct span host, path;
  rc = split_host(&sp, false, &host, &path, why);
  if (rc < 0)
    return rc;
  const char *p = path.s;
  size_t path_len = path.n;
  if (has_upper(p, path_len))
    return fail(why, ADM_EPARSE, "repository name must be lowercase");
  for (size_t i = 0; i <= path_len;) {
    const char *end = find_char(p + i, path_len - i, '/');
    size_t c = end ? (size_t)(end - (p + i)) : path_len - i;
    if (!path_component_ok(p + i, c))
      return fail(why, ADM_EPARSE, "invalid repository name");
    i += c + 1;
  }
  rc = join_name(host.s, host.n, p, path_len, true, out->name, out->domain, &out->path_offset, why);
  if (rc < 0)
    return rc;
  if (sp.has_tag)
    snprintf(out->tag, sizeof out->tag, "%.*s", (int)sp.tag_len, sp.tag);
  else if (!sp.has_digest) {
    snprintf(out->tag, sizeof out->tag, "latest");
    out->tag_implied = true;
  }
  if (sp.has_digest)
    snprintf(out->digest, sizeof out->digest, "%.*s", (int)sp.digest_len, sp.digest);
  return 0;
}

int adm_image_ref_parse(const char *s, struct adm_image_ref *out, const char **why) {
  memset(out, 0, sizeof *out);
  int rc = ref_parse(s, out, why);
  if (rc < 0)
    memset(out, 0, sizeof *out);
  return rc;
}

int adm_image_digest_check(const char *s, const char **why) {
  size_t n = strnlen(s, ADM_IMAGE_INPUT_MAX + 1);
  if (n > ADM_IMAGE_INPUT_MAX)
    return fail(why, ADM_EPARSE, "invalid digest format");
  return digest_check(s, n, why);
}

const char *adm_image_ref_string(const struct adm_image_ref *ref, char *buf, size_t len) {
  snprintf(buf, len, "%s%s%s%s%s", ref->name, ref->tag[0] ? ":" : "", ref->tag, ref->digest[0] ? "@" : "", ref->digest);
  return buf;
}

bool adm_image_host_is_docker_hub(const char *host, size_t n) {
  static const char *const names[] = {docker_hub, "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    size_t k = strlen(names[i]), j = 0;
    while (j < k && j < n && to_lower(host[j]) == names[i][j])
      j++;
    if (j == k && n == k)
      return true;
  }
  return false;
}

bool adm_image_ref_has_digest(const struct adm_image_ref *ref) {
  return ref->digest[0] != '\0';
}

bool adm_image_ref_is_latest(const struct adm_image_ref *ref) {
  return !adm_image_ref_has_digest(ref) && strcmp(ref->tag, "latest") == 0;
}

/* --- globs --------------------------------------------------------------- */

/* The wildcard algorithm, once for characters and once for components:
 * greedy, with one backtrack point (the last star), so O(pn * sn) at worst
 * and never exponential. star(i): pattern element i is a star; same(i, j):
 * pattern element i matches subject element j. */
struct wildcard {
  bool (*star)(const void *ctx, size_t i);
  bool (*same)(const void *ctx, size_t i, size_t j);
  const void *ctx;
};

static bool wildcard_match(const struct wildcard *w, size_t pn, size_t sn) {
  size_t pi = 0, si = 0, star = SIZE_MAX, star_si = 0;
  while (si < sn) {
    if (pi < pn && w->star(w->ctx, pi)) {
      star = pi++;
      star_si = si;
    } else if (pi < pn && w->same(w->ctx, pi, si)) {
      pi++;
      si++;
    } else if (star != SIZE_MAX) {
      pi = star + 1;
      si = ++star_si;
    } else {
      return false;
    }
  }
  while (pi < pn && w->star(w->ctx, pi))
    pi++;
  return pi == pn;
}

struct chars {
  const char *p, *s;
};

static bool char_star(const void *ctx, size_t i) {
  return ((const struct chars *)ctx)->p[i] == '*';
}

static bool char_same(const void *ctx, size_t i, size_t j) {
  const struct chars *c = ctx;
  return c->p[i] == c->s[j];
}

/* "*" matches any run of characters (the caller keeps it within one
 * component). */
static bool glob_match(const char *p, size_t pn, const char *s, size_t sn) {
  struct chars c = {p, s};
  struct wildcard w = {char_star, char_same, &c};
  return wildcard_match(&w, pn, sn);
}

/* Split on "/"; false past MAX_COMPONENTS (never for a checked name). */
static bool components(const char *s, struct span *out, size_t *count) {
  size_t k = 0;
  for (;;) {
    const char *slash = strchr(s, '/');
    if (k == MAX_COMPONENTS)
      return false;
    out[k].s = s;
    out[k].n = slash ? (size_t)(slash - s) : strlen(s);
    k++;
    if (slash == NULL)
      break;
    s = slash + 1;
  }
  *count = k;
  return true;
}

static bool is_globstar(const struct span *c) {
  return c->n == 2 && c->s[0] == '*' && c->s[1] == '*';
}

struct comps {
  const struct span *p, *s;
};

static bool comp_star(const void *ctx, size_t i) {
  return is_globstar(&((const struct comps *)ctx)->p[i]);
}

static bool comp_same(const void *ctx, size_t i, size_t j) {
  const struct comps *c = ctx;
  return glob_match(c->p[i].s, c->p[i].n, c->s[j].s, c->s[j].n);
}

/* One level up: components are the elements, "**" the star. */
static bool name_match(const char *pattern, const char *name) {
  struct span p[MAX_COMPONENTS], s[MAX_COMPONENTS];
  size_t pn, sn;
  if (!components(pattern, p, &pn) || !components(name, s, &sn))
    return false;
  struct comps c = {p, s};
  struct wildcard w = {comp_star, comp_same, &c};
  return wildcard_match(&w, pn, sn);
}

/* --- patterns ------------------------------------------------------------ */

static bool host_glob_char(char c) {
  return is_alnum(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '*';
}

/* Host characters and "*"; "**" cannot stand in a host (it would let a
 * host glob reach across "/"). */
static bool host_glob_ok(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!host_glob_char(s[i]) || (s[i] == '*' && i + 1 < n && s[i + 1] == '*'))
      return false;
  return true;
}

static bool path_glob_char(char c) {
  return is_lower_alnum(c) || c == '.' || c == '_' || c == '-' || c == '*';
}

/* Each component non-empty, made of allowed characters, and "**" only as a
 * whole component. */
static int check_path_glob(const char *s, size_t n, const char **why) {
  for (size_t i = 0; i <= n;) {
    const char *end = find_char(s + i, n - i, '/');
    size_t c = end ? (size_t)(end - (s + i)) : n - i;
    if (c == 0)
      return fail(why, ADM_EPARSE, "empty path component in pattern");
    for (size_t j = 0; j < c; j++) {
      char ch = s[i + j];
      if (is_upper(ch))
        return fail(why, ADM_EPARSE, "repository name must be lowercase");
      if (!path_glob_char(ch))
        return fail(why, ADM_EPARSE, "invalid character in pattern (only \"*\" is special)");
      if (ch == '*' && j + 1 < c && s[i + j + 1] == '*' && c != 2)
        return fail(why, ADM_EPARSE, "\"**\" must be a whole path component");
    }
    i += c + 1;
  }
  return 0;
}

static int check_glob(const char *s, size_t n, size_t max, bool (*ok)(char), const char *what, const char **why) {
  if (n == 0 || n > max)
    return fail(why, ADM_EPARSE, what);
  for (size_t i = 0; i < n; i++)
    if (!ok(s[i]) && s[i] != '*')
      return fail(why, ADM_EPARSE, what);
  return 0;
}

static bool tag_char(char c) {
  return is_word(c) || c == '.' || c == '-';
}

static bool digest_char(char c) {
  return is_lower_alnum(c) || c == ':';
}

static int pattern_parse(const char *s, struct adm_image_pattern *out, const char **why) {
  size_t n = strnlen(s, ADM_IMAGE_INPUT_MAX + 1);
  if (n == 0)
    return fail(why, ADM_EPARSE, "empty image pattern");
  if (n > ADM_IMAGE_INPUT_MAX)
    return fail(why, ADM_ETOOBIG, "image pattern is too long");
  struct split sp;
  split_reference(s, n, &sp);
  int rc;
  if (sp.has_digest) {
    if (contains(sp.digest, sp.digest_len, '*'))
      rc = check_glob(sp.digest, sp.digest_len, ADM_IMAGE_DIGEST_MAX, digest_char, "invalid digest pattern", why);
    else
      rc = digest_check(sp.digest, sp.digest_len, why);
    if (rc < 0)
      return rc;
    snprintf(out->digest, sizeof out->digest, "%.*s", (int)sp.digest_len, sp.digest);
    out->has_digest = true;
  }
  if (sp.has_tag) {
    rc = check_glob(sp.tag, sp.tag_len, ADM_IMAGE_TAG_MAX, tag_char, "invalid tag pattern", why);
    if (rc < 0)
      return rc;
    if (sp.tag[0] == '.' || sp.tag[0] == '-')
      return fail(why, ADM_EPARSE, "invalid tag pattern");
    snprintf(out->tag, sizeof out->tag, "%.*s", (int)sp.tag_len, sp.tag);
    out->has_tag = true;
  }
  if (sp.name_len == 0)
    return fail(why, ADM_EPARSE, "missing repository name in pattern");

  /* A leading "**" names no host: the glob is matched as written. */
  if (sp.name_len >= 2 && sp.name[0] == '*' && sp.name[1] == '*' && (sp.name_len == 2 || sp.name[2] == '/')) {
    rc = check_path_glob(sp.name, sp.name_len, why);
    if (rc < 0)
      return rc;
    if (sp.name_len > ADM_IMAGE_NAME_MAX)
      return fail(why, ADM_ETOOBIG, "repository name must not be more than 255 characters");
    snprintf(out->name, sizeof out->name, "%.*s", (int)sp.name_len, sp.name);
    return 0;
  }
  struct span host, path;
  rc = split_host(&sp, true, &host, &path, why);
  if (rc < 0)
    return rc;
  rc = check_path_glob(path.s, path.n, why);
  if (rc < 0)
    return rc;
  char dom[ADM_IMAGE_NAME_MAX + 1];
  size_t off;
  bool globstar_path = path.n == 2 && path.s[0] == '*' && path.s[1] == '*';
  return join_name(host.s, host.n, path.s, path.n, !globstar_path, out->name, dom, &off, why);
}

int adm_image_pattern_parse(const char *s, struct adm_image_pattern *out, const char **why) {
  memset(out, 0, sizeof *out);
  int rc = pattern_parse(s, out, why);
  if (rc < 0)
    memset(out, 0, sizeof *out);
  return rc;
}

bool adm_image_pattern_match(const struct adm_image_pattern *p, const struct adm_image_ref *ref) {
  if (p->name[0] == '\0' || ref->name[0] == '\0')
    return false; /* a zeroed (failed) pattern or reference matches nothing */
  if (!name_match(p->name, ref->name))
    return false;
  if (p->has_tag && (ref->tag[0] == '\0' || !adm_image_tag_match(p->tag, ref->tag)))
    return false;
  if (p->has_digest &&
      (ref->digest[0] == '\0' || !glob_match(p->digest, strlen(p->digest), ref->digest, strlen(ref->digest))))
    return false;
  return true;
}

int adm_image_tag_pattern_check(const char *glob, const char **why) {
  size_t n = strnlen(glob, ADM_IMAGE_TAG_MAX + 1);
  int rc = check_glob(glob, n, ADM_IMAGE_TAG_MAX, tag_char, "invalid tag pattern", why);
  if (rc == 0 && (glob[0] == '.' || glob[0] == '-'))
    return fail(why, ADM_EPARSE, "invalid tag pattern");
  return rc;
}

bool adm_image_tag_match(const char *glob, const char *tag) {
  return glob_match(glob, strlen(glob), tag, strlen(tag));
}
