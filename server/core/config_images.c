/* The images section's signature settings: trusted roots, authorities
 * (named public keys, or keyless identities), registries, credentials,
 * cache and deadline, and a rule's verify (with its attestations), each a
 * key table (config_internal.h).
 * Key and trusted root files are read here, when the policy loads, so a
 * reload picks up a rotated key and a snapshot never reads a file while
 * judging. What the keys and roots mean is the fact backend's business
 * (facts.h): the core links no crypto library. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <regex.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admitd/config.h"
#include "admitd/file.h"
#include "admitd/gather.h"
#include "admitd/review.h"
#include "config_internal.h"

#define KEY_FILE_MAX (64u << 10)

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int oom(struct adm__cfg_parse *p, const char *where) {
  return adm_fail(p->err, ADM_ENOMEM, where, "out of memory");
}

/* "10m", "30s", "1500ms", "1h": a positive duration, in ms. */
static bool parse_duration(const char *s, long long *ms) {
  char *end;
  if (s[0] < '0' || s[0] > '9')
    return false;
  unsigned long long v = strtoull(s, &end, 10);
  long long unit;
  if (strcmp(end, "ms") == 0)
    unit = 1;
  else if (strcmp(end, "s") == 0)
    unit = 1000;
  else if (strcmp(end, "m") == 0)
    unit = 60 * 1000;
  else if (strcmp(end, "h") == 0)
    unit = 3600 * 1000;
  else
    return false;
  if (v > (unsigned long long)(LLONG_MAX / unit) / 2)
    return false;
  *ms = (long long)v * unit;
  return true;
}

static int get_duration(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path, long long min,
                        long long max, long long *out) {
  const json_t *v;
  int rc = adm__cfg_want_type(p, obj, key, path, JSON_STRING, "a duration such as 500ms, 3s or 10m", &v);
  if (rc < 0 || v == NULL)
    return rc;
  long long ms;
  char full[200], msg[200];
  adm__cfg_join_path(full, sizeof full, path, key);
  if (!parse_duration(json_string_value(v), &ms)) {
    snprintf(msg, sizeof msg, "\"%.40s\" is not a duration (want a whole number and ms, s, m or h: 3s)",
             json_string_value(v));
    return adm__cfg_error_at(p, obj, key, 0, full, ADM_EINVAL, "%s", msg);
  }
  if (ms < min || ms > max) {
    snprintf(msg, sizeof msg, "%s is out of range (%lldms to %lldms)", json_string_value(v), min, max);
    return adm__cfg_error_at(p, obj, key, 0, full, ADM_EINVAL, "%s", msg);
  }
  *out = ms;
  return 0;
}

static int get_string(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path, bool required,
                      const char **out) {
  const json_t *v;
  *out = NULL;
  int rc = adm__cfg_want_type(p, obj, key, path, JSON_STRING, "a string", &v);
  if (rc < 0)
    return rc;
  char full[200];
  adm__cfg_join_path(full, sizeof full, path, key);
  if (v == NULL || json_string_length(v) == 0) {
    if (!required && v == NULL)
      return 0;
    if (v == NULL)
      return adm__cfg_error_at(p, obj, NULL, 0, full, ADM_EMISSING, "missing%s", "");
    return adm__cfg_error_at(p, obj, key, 0, full, ADM_EINVAL, "must not be empty%s", "");
  }
  *out = json_string_value(v);
  return 0;
}

/* path as written, or joined to the policy file's directory when relative. */
static char *resolve_path(const struct adm__cfg_parse *p, const char *path) {
  if (path[0] == '/' || p->docs->file == NULL || strchr(p->docs->file, '/') == NULL)
    return adm__cfg_strdup(path);
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", p->docs->file);
  char *d = dirname(dir);
  size_t n = strlen(d) + 1 + strlen(path) + 1;
  char *out = malloc(n);
  if (out)
    snprintf(out, n, "%s/%s", d, path);
  return out;
}

static int get_path(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path, char **out) {
  const char *s;
  int rc = get_string(p, obj, key, path, false, &s);
  if (rc < 0 || s == NULL)
    return rc;
  if ((*out = resolve_path(p, s)) == NULL)
    return oom(p, key);
  return 0;
}

static bool is_authority_name(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 63)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
          c == '.'))
      return false;
  }
  return true;
}

/* name, given at obj[k_name] under path, checked as a name and copied into
 * *out: 0, ADM_ENOMEM, or the error placed there. */
static int take_name(struct adm__cfg_parse *p, const json_t *obj, const char *k_name, const char *path,
                     const char *name, char **out) {
  if (!is_authority_name(name)) {
    char full[128];
    snprintf(full, sizeof full, "%s.%s", path, k_name);
    return adm__cfg_error_at(p, obj, k_name, 0, full, ADM_EINVAL, "\"%s\" is not a name (1 to 63 of A-Z a-z 0-9 - _ .)",
                             name);
  }
  if ((*out = adm__cfg_strdup(name)) == NULL)
    return oom(p, path);
  return 0;
}

/* file, given at obj[k_file] under path: resolved against the policy file
 * into *resolved, and read whole (a regular file of at most max bytes) into
 * *text. 0, ADM_ENOMEM, or the error placed there. */
static int read_named_file(struct adm__cfg_parse *p, const json_t *obj, const char *k_file, const char *path,
                           const char *file, size_t max, char **resolved, char **text, size_t *len) {
  if ((*resolved = resolve_path(p, file)) == NULL)
    return oom(p, path);
  struct adm_error ferr = {0};
  if (adm_read_regular_file(*resolved, max, text, len, &ferr) < 0) {
    char msg[300], full[128];
    snprintf(full, sizeof full, "%s.%s", path, k_file);
    adm_error_format(&ferr, msg, sizeof msg);
    return adm__cfg_error_at(p, obj, k_file, 0, full, ferr.code ? ferr.code : ADM_EIO, "cannot read it: %s", msg);
  }
  return 0;
}

/* A list of named entries (images.trustedRoots, images.authorities): each
 * parsed in place, and no two with one name. */
struct named_list {
  const char *what;  /* one entry, in "already the name of another ..." */
  const char *list;  /* what the key holds, for a type error */
  const char *empty; /* the error for an empty list; one %s */
  size_t size;       /* of one entry */
  size_t name;       /* offset of its char *name */
  /* Parse arr[i] into entry i of items: 0, ADM_ENOMEM or an error placed. */
  int (*parse)(struct adm__cfg_parse *p, const json_t *arr, size_t i, void *items);
};

static const char *entry_name(const struct named_list *l, const void *items, size_t i) {
  return *(char *const *)((const char *)items + i * l->size + l->name);
}

/* sec[key] into *items (calloc'd) and *n, every error placed and the first
 * returned, stopping only when memory runs out. */
static int parse_named_list(struct adm__cfg_parse *p, const json_t *sec, const char *key, const char *path,
                            const struct named_list *l, const char *name_key, void **items, size_t *n) {
  const json_t *arr;
  char full[96];
  adm__cfg_join_path(full, sizeof full, path, key);
  int rc = adm__cfg_want_type(p, sec, key, path, JSON_ARRAY, l->list, &arr);
  if (rc < 0 || arr == NULL)
    return rc;
  size_t len = json_array_size(arr);
  if (len == 0)
    return adm__cfg_error_at(p, sec, key, 0, full, ADM_EINVAL, l->empty, "");
  if ((*items = calloc(len, l->size)) == NULL)
    return oom(p, full);
  for (size_t i = 0; i < len; i++) {
    (*n)++;
    int e = l->parse(p, arr, i, *items);
    if (e == ADM_ENOMEM)
      return e;
    if (e < 0)
      rc = e;
    const char *name = entry_name(l, *items, i);
    for (size_t j = 0; name && j < i; j++) {
      const char *other = entry_name(l, *items, j);
      if (other && strcmp(other, name) == 0) {
        char name_path[128], msg[96];
        snprintf(name_path, sizeof name_path, "%s[%zu].%s", full, i, name_key);
        snprintf(msg, sizeof msg, "\"%%s\" is already the name of another %s", l->what);
        rc = adm__cfg_error_at(p, arr, NULL, i, name_path, ADM_EINVAL, msg, name);
      }
    }
  }
  return rc;
}

/* --- trusted roots -------------------------------------------------------- */

static const struct adm__cfg_key trusted_root_keys[] = {
    {.key = "name", .doc = "a name for the trusted root, used by authorities"},
    {.key = "file",
     .doc = "a Sigstore TrustedRoot JSON file (trusted_root.json), read when the policy loads; relative to the policy "
            "file"},
};

enum { ROOT_NAME, ROOT_FILE };

static const struct adm__cfg_table trusted_root_table = {trusted_root_keys, N(trusted_root_keys), NULL};

static int parse_trusted_root(struct adm__cfg_parse *p, const json_t *arr, size_t i, struct adm_image_trusted_root *r) {
  const char *k_name = trusted_root_keys[ROOT_NAME].key, *k_file = trusted_root_keys[ROOT_FILE].key;
  char path[96];
  snprintf(path, sizeof path, "images.trustedRoots[%zu]", i);
  const json_t *obj = json_array_get(arr, i);
  adm_yaml_mark_find(p->docs, arr, NULL, i, &r->line, &r->col);
  if (!json_is_object(obj))
    return adm__cfg_error_at(p, arr, NULL, i, path, ADM_ETYPE, "expected a mapping, got %s", adm__cfg_type_name(obj));
  int rc = adm__cfg_check_table(p, obj, path, &trusted_root_table, ADM__CFG_ADMITD);
  const char *name, *file;
  int r1 = get_string(p, obj, k_name, path, true, &name);
  int r2 = get_string(p, obj, k_file, path, true, &file);
  if (rc == 0)
    rc = r1 < 0 ? r1 : r2;
  int rn = name ? take_name(p, obj, k_name, path, name, &r->name) : 0;
  if (rn == ADM_ENOMEM)
    return rn;
  if (rn < 0)
    rc = rn;
  if (file == NULL)
    return rc;
  int rf = read_named_file(p, obj, k_file, path, file, ADM_TRUSTED_ROOT_FILE_MAX, &r->file, &r->json, &r->len);
  return rf < 0 ? rf : rc;
}

static int parse_trusted_root_at(struct adm__cfg_parse *p, const json_t *arr, size_t i, void *items) {
  return parse_trusted_root(p, arr, i, &((struct adm_image_trusted_root *)items)[i]);
}

static const struct named_list trusted_roots_list = {
    .what = "trusted root",
    .list = "a list of trusted roots",
    .empty = "an empty list; leave the key out when no authority is keyless%s",
    .size = sizeof(struct adm_image_trusted_root),
    .name = offsetof(struct adm_image_trusted_root, name),
    .parse = parse_trusted_root_at,
};

static int p_trusted_roots(struct adm__cfg_parse *p, const json_t *sec, const char *key, const char *path,
                           const struct adm__cfg_key *k, void *field, bool *flag) {
  (void)k;
  (void)flag;
  (void)field;
  struct adm_images_settings *im = &p->cfg->images;
  return parse_named_list(p, sec, key, path, &trusted_roots_list, trusted_root_keys[ROOT_NAME].key,
                          (void **)&im->trusted_roots, &im->n_trusted_roots);
}

static size_t trusted_root_index(const struct adm_images_settings *im, const char *name) {
  for (size_t i = 0; i < im->n_trusted_roots; i++)
    if (im->trusted_roots[i].name && strcmp(im->trusted_roots[i].name, name) == 0)
      return i;
  return SIZE_MAX;
}

/* --- authorities ---------------------------------------------------------- */

/* The trustedRoot named at obj[key] (required or not) into *index. */
static int get_trusted_root(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path,
                            bool required, size_t *index) {
  const char *name;
  *index = SIZE_MAX;
  int rc = get_string(p, obj, key, path, required, &name);
  if (rc < 0 || name == NULL)
    return rc;
  *index = trusted_root_index(&p->cfg->images, name);
  if (*index != SIZE_MAX)
    return 0;
  char full[160];
  adm__cfg_join_path(full, sizeof full, path, key);
  return adm__cfg_error_at(p, obj, key, 0, full, ADM_EINVAL,
                           "\"%s\" is not the name of an entry of images.trustedRoots", name);
}

/* One of exact (obj[key]) or a regular expression (obj[re_key]), the whole
 * value matched, as the verifier will (POSIX extended). */
static int get_identity(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *re_key,
                        const char *path, char **out, bool *regex) {
  const char *exact, *re;
  int r1 = get_string(p, obj, key, path, false, &exact);
  int r2 = get_string(p, obj, re_key, path, false, &re);
  if (r1 < 0 || r2 < 0)
    return r1 < 0 ? r1 : r2;
  char full[160], msg[240];
  if ((exact == NULL) == (re == NULL)) {
    adm__cfg_join_path(full, sizeof full, path, exact ? re_key : key);
    snprintf(msg, sizeof msg, "give %s or %s, %s", key, re_key, exact ? "not both" : "one of them");
    return adm__cfg_error_at(p, obj, exact ? re_key : NULL, 0, full, exact ? ADM_EINVAL : ADM_EMISSING, "%s", msg);
  }
  if (re) {
    regex_t compiled;
    int e = regcomp(&compiled, re, REG_EXTENDED | REG_NOSUB);
    if (e != 0) {
      char why[120];
      regerror(e, &compiled, why, sizeof why);
      adm__cfg_join_path(full, sizeof full, path, re_key);
      snprintf(msg, sizeof msg, "\"%.60s\" is not a regular expression: %s", re, why);
      return adm__cfg_error_at(p, obj, re_key, 0, full, ADM_EINVAL, "%s", msg);
    }
    regfree(&compiled);
  }
  *regex = re != NULL;
  if ((*out = adm__cfg_strdup(re ? re : exact)) == NULL)
    return oom(p, path);
  return 0;
}

static int get_claims(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path,
                      struct adm_image_authority *a) {
  const json_t *m;
  int rc = adm__cfg_want_type(p, obj, key, path, JSON_OBJECT, "a mapping of Fulcio claim names to values", &m);
  if (rc < 0 || m == NULL)
    return rc;
  char full[160];
  adm__cfg_join_path(full, sizeof full, path, key);
  size_t n = json_object_size(m);
  if ((a->claims = calloc(n ? n : 1, sizeof *a->claims)) == NULL)
    return oom(p, full);
  const char *name;
  const json_t *v;
  json_object_foreach((json_t *)m, name, v) {
    char item[240];
    snprintf(item, sizeof item, "%s.%s", full, name);
    if (!json_is_string(v) || json_string_length(v) == 0) {
      rc = adm__cfg_error_at(p, m, name, 0, item, ADM_ETYPE, "expected a non-empty string, got %s",
                             json_is_string(v) ? "an empty string" : adm__cfg_type_name(v));
      continue;
    }
    struct adm_image_claim *c = &a->claims[a->n_claims++];
    if ((c->name = adm__cfg_strdup(name)) == NULL || (c->value = adm__cfg_strdup(json_string_value(v))) == NULL)
      return oom(p, full);
  }
  return rc;
}

static const struct adm__cfg_key keyless_keys[] = {
    {.key = "trustedRoot",
     .doc = "the images.trustedRoots entry whose CAs, CT logs, logs and timestamp authorities count"},
    {.key = "issuer", .doc = "the OIDC issuer the certificate must name (https://token.actions.githubusercontent.com)"},
    {.key = "issuerRegExp", .doc = "or a regular expression (POSIX extended) the whole issuer must match"},
    {.key = "subject", .doc = "the identity (URI, email) the certificate must name"},
    {.key = "subjectRegExp", .doc = "or a regular expression (POSIX extended) the whole identity must match"},
    {.key = "claims",
     .doc = "Fulcio claims the certificate must carry, name: value (sourceRepositoryRef: refs/heads/main)"},
};

enum { KL_ROOT, KL_ISSUER, KL_ISSUER_RE, KL_SUBJECT, KL_SUBJECT_RE, KL_CLAIMS };

static const struct adm__cfg_table keyless_table = {keyless_keys, N(keyless_keys), NULL};

static int parse_keyless(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *auth_path,
                         struct adm_image_authority *a) {
  const json_t *kl;
  int rc = adm__cfg_want_type(p, obj, key, auth_path, JSON_OBJECT, "a mapping", &kl);
  if (rc < 0 || kl == NULL)
    return rc;
  char path[128];
  adm__cfg_join_path(path, sizeof path, auth_path, key);
  a->keyless = true;
  int e[5];
  e[0] = adm__cfg_check_table(p, kl, path, &keyless_table, ADM__CFG_ADMITD);
  e[1] = get_trusted_root(p, kl, keyless_keys[KL_ROOT].key, path, true, &a->trusted_root);
  e[2] = get_identity(p, kl, keyless_keys[KL_ISSUER].key, keyless_keys[KL_ISSUER_RE].key, path, &a->issuer,
                      &a->issuer_regex);
  e[3] = get_identity(p, kl, keyless_keys[KL_SUBJECT].key, keyless_keys[KL_SUBJECT_RE].key, path, &a->subject,
                      &a->subject_regex);
  e[4] = get_claims(p, kl, keyless_keys[KL_CLAIMS].key, path, a);
  for (int i = 0; i < 5; i++)
    if (e[i] == ADM_ENOMEM || (rc == 0 && e[i] < 0))
      rc = e[i];
  return rc;
}

/* name, key, keyFile, keyless and trustedRoot are read by parse_authority:
 * an authority is one key (inline or from its file) or keyless, never two. */
static const struct adm__cfg_key authority_keys[] = {
    {.key = "name", .doc = "a name for the signer, used by verify rules and in messages"},
    {.key = "key", .doc = "its public key(s), PEM (ECDSA P-256/P-384, RSA, Ed25519), as in cosign.pub"},
    {.key = "keyFile", .doc = "or a file holding them, read when the policy loads; relative to the policy file"},
    {.key = "keyless",
     .sub = &keyless_table,
     .doc = "or a keyless signer: a certificate from a trusted root's CA naming an identity and issuer"},
    {.key = "rsaPss",
     .parse = adm__cfg_p_bool,
     .offset = offsetof(struct adm_image_authority, rsa_pss),
     .doc = "true: an RSA key signs with RSASSA-PSS rather than PKCS#1 v1.5"},
    {.key = "trustedRoot",
     .doc = "key authorities: the images.trustedRoots entry whose logs and timestamp authorities verify a bundle's "
            "entries"},
    {.key = "requireTlog",
     .parse = adm__cfg_p_bool,
     .offset = offsetof(struct adm_image_authority, require_tlog),
     .doc = "key authorities: true: a bundle verifies only with a transparency log entry (needs trustedRoot)"},
};

enum { AUTH_NAME, AUTH_KEY, AUTH_KEY_FILE, AUTH_KEYLESS, AUTH_RSA_PSS, AUTH_ROOT, AUTH_REQUIRE_TLOG };

static const struct adm__cfg_table authority_table = {authority_keys, N(authority_keys), NULL};

/* What a keyless authority may not have, and what a key authority's
 * trustedRoot and requireTlog need. */
static int check_authority_kind(struct adm__cfg_parse *p, const json_t *obj, const char *path,
                                const struct adm_image_authority *a) {
  char full[128];
  int rc = 0;
  if (a->keyless) {
    static const int refused[] = {AUTH_RSA_PSS, AUTH_ROOT, AUTH_REQUIRE_TLOG};
    static const char *const why[] = {
        "is for RSA keys; a keyless authority has none",
        "of a keyless authority is written under keyless",
        "is for key authorities: a keyless authority always requires a verified log entry",
    };
    for (size_t i = 0; i < N(refused); i++) {
      const char *k = authority_keys[refused[i]].key;
      if (json_object_get(obj, k) == NULL)
        continue;
      snprintf(full, sizeof full, "%s.%s", path, k);
      rc = adm__cfg_error_at(p, obj, k, 0, full, ADM_EINVAL, "%s", why[i]);
    }
    return rc;
  }
  if (a->require_tlog && a->trusted_root == SIZE_MAX) {
    const char *k = authority_keys[AUTH_REQUIRE_TLOG].key;
    snprintf(full, sizeof full, "%s.%s", path, k);
    rc = adm__cfg_error_at(p, obj, k, 0, full, ADM_EMISSING,
                           "needs trustedRoot: the log's key that verifies the entry is in a trusted root%s", "");
  }
  return rc;
}

static int parse_authority(struct adm__cfg_parse *p, const json_t *arr, size_t i, struct adm_image_authority *a) {
  const char *k_name = authority_keys[AUTH_NAME].key, *k_key = authority_keys[AUTH_KEY].key,
             *k_file = authority_keys[AUTH_KEY_FILE].key, *k_keyless = authority_keys[AUTH_KEYLESS].key;
  char path[96];
  snprintf(path, sizeof path, "images.authorities[%zu]", i);
  a->trusted_root = SIZE_MAX;
  const json_t *obj = json_array_get(arr, i);
  adm_yaml_mark_find(p->docs, arr, NULL, i, &a->line, &a->col);
  if (!json_is_object(obj))
    return adm__cfg_error_at(p, arr, NULL, i, path, ADM_ETYPE, "expected a mapping, got %s", adm__cfg_type_name(obj));
  int rc = adm__cfg_check_table(p, obj, path, &authority_table, ADM__CFG_ADMITD);
  const char *name, *key, *file;
  int r1 = get_string(p, obj, k_name, path, true, &name);
  int r2 = get_string(p, obj, k_key, path, false, &key);
  int r3 = get_string(p, obj, k_file, path, false, &file);
  int r4 = adm__cfg_parse_table(p, obj, path, &authority_table, a, NULL, ADM__CFG_ADMITD, NULL);
  if (r4 == ADM_ENOMEM)
    return r4;
  bool keyless = json_object_get(obj, k_keyless) != NULL;
  int r5 = keyless ? parse_keyless(p, obj, k_keyless, path, a)
                   : get_trusted_root(p, obj, authority_keys[AUTH_ROOT].key, path, false, &a->trusted_root);
  if (r5 == ADM_ENOMEM)
    return r5;
  int r6 = check_authority_kind(p, obj, path, a);
  if (rc == 0)
    rc = r1 < 0 ? r1 : r2 < 0 ? r2 : r3 < 0 ? r3 : r4 < 0 ? r4 : r5 < 0 ? r5 : r6;
  int rn = name ? take_name(p, obj, k_name, path, name, &a->name) : 0;
  if (rn == ADM_ENOMEM)
    return rn;
  if (rn < 0)
    rc = rn;
  if (r2 < 0 || r3 < 0)
    return rc;
  if ((key != NULL) + (file != NULL) + keyless != 1)
    return adm__cfg_error_at(p, arr, NULL, i, path, key || file ? ADM_EINVAL : ADM_EMISSING, "%s",
                             key || file ? "give one of key, keyFile and keyless"
                                         : "give the public key: key (PEM) or keyFile, or keyless");
  if (keyless)
    return rc;
  if (key) {
    if ((a->pem = adm__cfg_strdup(key)) == NULL)
      return oom(p, path);
    return rc;
  }
  size_t len;
  int rf = read_named_file(p, obj, k_file, path, file, KEY_FILE_MAX, &a->key_file, &a->pem, &len);
  return rf < 0 ? rf : rc;
}

static int parse_authority_at(struct adm__cfg_parse *p, const json_t *arr, size_t i, void *items) {
  return parse_authority(p, arr, i, &((struct adm_image_authority *)items)[i]);
}

static const struct named_list authorities_list = {
    .what = "authority",
    .list = "a list of authorities",
    .empty = "an empty list; leave the key out when no rule verifies signatures%s",
    .size = sizeof(struct adm_image_authority),
    .name = offsetof(struct adm_image_authority, name),
    .parse = parse_authority_at,
};

static int p_authorities(struct adm__cfg_parse *p, const json_t *sec, const char *key, const char *path,
                         const struct adm__cfg_key *k, void *field, bool *flag) {
  (void)k;
  (void)flag;
  (void)field;
  struct adm_images_settings *im = &p->cfg->images;
  return parse_named_list(p, sec, key, path, &authorities_list, authority_keys[AUTH_NAME].key,
                          (void **)&im->authorities, &im->n_authorities);
}

/* A CA bundle that cannot be read would only show later, as every
 * verification failing with registry-unavailable, and one that is not a
 * regular file (a FIFO) would hang the TLS handshake that reads it: both
 * are refused now. */
static int p_ca_file(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path,
                     const struct adm__cfg_key *k, void *field, bool *flag) {
  (void)k;
  (void)flag;
  char **ca_file = field;
  int rc = get_path(p, obj, key, path, ca_file);
  if (rc < 0 || *ca_file == NULL)
    return rc;
  struct stat st;
  char full[128], msg[300];
  adm__cfg_join_path(full, sizeof full, path, key);
  if (access(*ca_file, R_OK) != 0 || stat(*ca_file, &st) != 0) {
    snprintf(msg, sizeof msg, "cannot read %s: %s", *ca_file, strerror(errno));
    return adm__cfg_error_at(p, obj, key, 0, full, ADM_EIO, "%s", msg);
  }
  if (!S_ISREG(st.st_mode)) {
    snprintf(msg, sizeof msg, "%s is not a regular file; refused", *ca_file);
    return adm__cfg_error_at(p, obj, key, 0, full, ADM_EINVAL, "%s", msg);
  }
  return 0;
}

#define REGISTRY(f) offsetof(struct adm_image_registry, f)

/* host is read by p_registries, which refuses one with a scheme or path. */
static const struct adm__cfg_key registry_keys[] = {
    {.key = "host", .doc = "a registry (\"registry.example.com\", \"127.0.0.1:5000\") these settings are for"},
    {.key = "caFile",
     .parse = p_ca_file,
     .offset = REGISTRY(ca_file),
     .doc = "PEM CA bundle to trust for it instead of the system CAs"},
    {.key = "insecure",
     .parse = adm__cfg_p_bool,
     .offset = REGISTRY(insecure),
     .doc = "true: plain HTTP (loopback tests only)"},
};

enum { REGISTRY_HOST };

static const struct adm__cfg_table registry_table = {registry_keys, N(registry_keys), NULL};

static int p_registries(struct adm__cfg_parse *p, const json_t *sec, const char *key, const char *path,
                        const struct adm__cfg_key *k, void *field, bool *flag) {
  (void)k;
  (void)flag;
  (void)field;
  const char *k_host = registry_keys[REGISTRY_HOST].key;
  struct adm_images_settings *im = &p->cfg->images;
  const json_t *arr;
  char list_path[64];
  adm__cfg_join_path(list_path, sizeof list_path, path, key);
  int rc = adm__cfg_want_type(p, sec, key, path, JSON_ARRAY, "a list of registries", &arr);
  if (rc < 0 || arr == NULL)
    return rc;
  size_t n = json_array_size(arr);
  if (n && (im->registries = calloc(n, sizeof *im->registries)) == NULL)
    return oom(p, list_path);
  for (size_t i = 0; i < n; i++) {
    char entry[96];
    snprintf(entry, sizeof entry, "%s[%zu]", list_path, i);
    const json_t *obj = json_array_get(arr, i);
    if (!json_is_object(obj)) {
      rc = adm__cfg_error_at(p, arr, NULL, i, entry, ADM_ETYPE, "expected a mapping, got %s", adm__cfg_type_name(obj));
      continue;
    }
    struct adm_image_registry *r = &im->registries[im->n_registries++];
    const char *host;
    int r1 = adm__cfg_check_table(p, obj, entry, &registry_table, ADM__CFG_ADMITD);
    int r2 = get_string(p, obj, k_host, entry, true, &host);
    int r3 = adm__cfg_parse_table(p, obj, entry, &registry_table, r, NULL, ADM__CFG_ADMITD, NULL);
    if (r3 == ADM_ENOMEM)
      return r3;
    if (r1 < 0 || r2 < 0 || r3 < 0)
      rc = r1 < 0 ? r1 : r2 < 0 ? r2 : r3;
    if (host && (r->host = adm__cfg_strdup(host)) == NULL)
      return oom(p, entry);
    if (host && (strchr(host, '/') || strchr(host, ' '))) {
      char full[128];
      snprintf(full, sizeof full, "%s.%s", entry, k_host);
      rc = adm__cfg_error_at(p, obj, k_host, 0, full, ADM_EINVAL,
                             "\"%s\" is not a registry host (write name or name:port, no scheme or path)", host);
    }
  }
  return rc;
}

static int p_path(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path,
                  const struct adm__cfg_key *k, void *field, bool *flag) {
  (void)k;
  (void)flag;
  return get_path(p, obj, key, path, field);
}

static const long long day_ms = 24LL * 3600 * 1000;

static int p_cache_ttl(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path,
                       const struct adm__cfg_key *k, void *field, bool *flag) {
  (void)k;
  (void)flag;
  return get_duration(p, obj, key, path, 1, day_ms, field);
}

/* Under twice ADM_FACTS_MIN_MS, every uncached image would be BUSY. */
static int p_deadline(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path,
                      const struct adm__cfg_key *k, void *field, bool *flag) {
  (void)k;
  (void)flag;
  return get_duration(p, obj, key, path, 2 * ADM_FACTS_MIN_MS, 60 * 1000, field);
}

static int p_max_entries(struct adm__cfg_parse *p, const json_t *obj, const char *key, const char *path,
                         const struct adm__cfg_key *k, void *field, bool *flag) {
  (void)k;
  (void)flag;
  const json_t *m;
  int rc = adm__cfg_want_type(p, obj, key, path, JSON_INTEGER, "a whole number", &m);
  if (rc < 0 || m == NULL)
    return rc;
  json_int_t v = json_integer_value(m);
  if (v < 1 || v > 1000000) {
    char full[128];
    adm__cfg_join_path(full, sizeof full, path, key);
    return adm__cfg_error_at(p, obj, key, 0, full, ADM_EINVAL, "out of range (1 to 1000000)%s", "");
  }
  *(size_t *)field = (size_t)v;
  return 0;
}

#define IMAGES(f) offsetof(struct adm_images_settings, f)

static const struct adm__cfg_key cache_keys[] = {
    {.key = "ttl",
     .parse = p_cache_ttl,
     .offset = IMAGES(cache_ttl_ms),
     .doc = "how long a verified image is trusted without asking again (default 10m)"},
    {.key = "errorTtl",
     .parse = p_cache_ttl,
     .offset = IMAGES(cache_error_ttl_ms),
     .doc = "how long a failed verification is remembered (default 30s)"},
    {.key = "resolveTtl",
     .parse = p_cache_ttl,
     .offset = IMAGES(cache_resolve_ttl_ms),
     .doc = "how long a tag's digest is remembered (default 30s)"},
    {.key = "maxEntries",
     .parse = p_max_entries,
     .offset = IMAGES(cache_max_entries),
     .doc = "entries per cache table, the oldest evicted first (default 10000)"},
};

static const struct adm__cfg_table cache_table = {cache_keys, N(cache_keys), NULL};

/* The section's own keys, in parse order, then every family's
 * (adm__cfg_family_section). The trusted roots come first: authorities
 * name them; then the authorities: verify rules name them. */
static const struct adm__cfg_key images_section_keys[] = {
    {.key = "trustedRoots", .parse = p_trusted_roots, .sub = &trusted_root_table, .list = true},
    {.key = "authorities", .parse = p_authorities, .sub = &authority_table, .list = true},
    {.key = "registries", .parse = p_registries, .sub = &registry_table, .list = true},
    {.key = "credentialsFile",
     .parse = p_path,
     .offset = IMAGES(credentials_file),
     .doc = "a dockerconfigjson file with registry credentials (a mounted pull Secret)"},
    {.key = "cache", .parse = adm__cfg_p_mapping, .sub = &cache_table},
    {.key = "deadline",
     .parse = p_deadline,
     .offset = IMAGES(deadline_ms),
     .doc = "all registry work of one admission, also capped by the request's ?timeout= (default 3s)"},
};

const struct adm__cfg_table adm__cfg_images_section = {images_section_keys, N(images_section_keys),
                                                       &adm__cfg_family_section};

int adm__cfg_parse_images_section(struct adm__cfg_parse *p, const json_t *sec) {
  struct adm_images_settings *im = &p->cfg->images;
  im->deadline_ms = ADM_IMAGES_DEADLINE_DEFAULT_MS;
  return adm__cfg_parse_table(p, sec, adm_family_name(ADM_FAMILY_IMAGES), &adm__cfg_images_section, im, NULL,
                              ADM__CFG_ADMITD, NULL);
}

static size_t authority_index(const struct adm_images_settings *im, const char *name) {
  for (size_t i = 0; i < im->n_authorities; i++)
    if (im->authorities[i].name && strcmp(im->authorities[i].name, name) == 0)
      return i;
  return SIZE_MAX;
}

/* Every name must be an authority of the section (and of the rule, for required). */
static int check_names(struct adm__cfg_parse *p, const json_t *v, const char *key, const char *path,
                       const struct adm_names *names, const struct adm_names *within) {
  int rc = 0;
  const json_t *arr = json_object_get(v, key);
  for (size_t i = 0; i < names->n; i++) {
    char full[200];
    snprintf(full, sizeof full, "%s.%s[%zu]", path, key, i);
    bool ok = within ? adm_names_contains(within, names->items[i])
                     : authority_index(&p->cfg->images, names->items[i]) != SIZE_MAX;
    if (!ok)
      rc = adm__cfg_error_at(p, arr, NULL, i, full, ADM_EINVAL,
                             within ? "\"%s\" is not one of this rule's authorities"
                                    : "\"%s\" is not the name of an entry of images.authorities",
                             names->items[i]);
  }
  return rc;
}

static int parse_threshold(struct adm__cfg_parse *p, const json_t *v, const char *key, const char *path,
                           struct adm_images_verify *out) {
  const json_t *t = json_object_get(v, key);
  char full[200];
  adm__cfg_join_path(full, sizeof full, path, key);
  out->threshold = 1;
  if (t == NULL)
    return 0;
  if (json_is_string(t) && strcmp(json_string_value(t), "all") == 0) {
    out->threshold = 0;
    return 0;
  }
  if (!json_is_integer(t) || json_integer_value(t) < 1)
    return adm__cfg_error_at(p, v, key, 0, full, ADM_EINVAL,
                             "want a whole number of authorities (1 or more) or \"all\"%s", "");
  if ((json_int_t)out->authorities.n < json_integer_value(t)) {
    char msg[160];
    snprintf(msg, sizeof msg, "%lld is more than the %zu authorities the rule names", (long long)json_integer_value(t),
             out->authorities.n);
    return adm__cfg_error_at(p, v, key, 0, full, ADM_EINVAL, "%s", msg);
  }
  out->threshold = (unsigned)json_integer_value(t);
  return 0;
}

static int p_on_error(struct adm__cfg_parse *p, const json_t *v, const char *key, const char *path,
                      const struct adm__cfg_key *k, void *field, bool *flag) {
  (void)k;
  (void)flag;
  const json_t *s;
  int rc = adm__cfg_want_type(p, v, key, path, JSON_STRING, "deny, warn or allow", &s);
  if (rc < 0 || s == NULL)
    return rc;
  static const char *const names[] = {"deny", "warn", "allow"};
  for (int i = 0; i < 3; i++) {
    if (strcmp(json_string_value(s), names[i]) == 0) {
      *(enum adm_on_registry_error *)field = (enum adm_on_registry_error)i;
      return 0;
    }
  }
  char full[200];
  adm__cfg_join_path(full, sizeof full, path, key);
  return adm__cfg_error_at(p, v, key, 0, full, ADM_EINVAL, "unknown value \"%s\" (want deny, warn or allow)",
                           json_string_value(s));
}

/* "registry/repository", normalized like an image name; no tag or digest. */
static int p_signature_repository(struct adm__cfg_parse *p, const json_t *v, const char *key, const char *path,
                                  const struct adm__cfg_key *k, void *field, bool *flag) {
  (void)k;
  (void)flag;
  const char *s;
  int rc = get_string(p, v, key, path, false, &s);
  if (rc < 0 || s == NULL)
    return rc;
  struct adm_image_ref ref;
  const char *why = NULL;
  char full[200], msg[240];
  adm__cfg_join_path(full, sizeof full, path, key);
  if (adm_image_ref_parse(s, &ref, &why) < 0 || !ref.tag_implied) {
    snprintf(msg, sizeof msg, "\"%.80s\" is not a repository: %s", s, why ? why : "it has a tag or digest");
    return adm__cfg_error_at(p, v, key, 0, full, ADM_EINVAL, "%s", msg);
  }
  if ((*(char **)field = adm__cfg_strdup(ref.name)) == NULL)
    return oom(p, full);
  return 0;
}

static int p_verify_images(struct adm__cfg_parse *p, const json_t *v, const char *key, const char *path,
                           const struct adm__cfg_key *k, void *field, bool *flag) {
  (void)k;
  (void)flag;
  return adm__cfg_image_patterns(p, v, key, path, field, false);
}

/* --- attestations ------------------------------------------------------- */

static const struct adm__cfg_key condition_keys[] = {
    {.key = "path", .doc = "a dotted path into the predicate (runDetails.builder.id; digits index a list)"},
    {.key = "equals", .doc = "the value there, as text, must be this (a number or boolean by its JSON spelling)"},
    {.key = "oneOf", .doc = "or one of these"},
    {.key = "matches", .doc = "or match this glob (* is any run of characters, / included)"},
    {.key = "maxAge", .doc = "or be an RFC 3339 timestamp at most this old (720h)"},
};

enum { COND_PATH, COND_EQUALS, COND_ONE_OF, COND_MATCHES, COND_MAX_AGE };

static const struct adm__cfg_table condition_table = {condition_keys, N(condition_keys), NULL};

static const struct adm__cfg_key attestation_keys[] = {
    {.key = "predicateType",
     .doc = "the in-toto predicate type a verified bundle must state (https://slsa.dev/provenance/v1)"},
    {.key = "conditions", .sub = &condition_table, .list = true},
};

enum { ATT_TYPE, ATT_CONDITIONS };

static const struct adm__cfg_table attestation_table = {attestation_keys, N(attestation_keys), NULL};

/* "a.b.0.c": components non-empty. */
static bool is_dotted_path(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 255 || s[0] == '.' || s[n - 1] == '.' || strstr(s, "..") != NULL)
    return false;
  return true;
}

/* A scalar as the text a predicate's value is compared with. */
static char *scalar_text(const json_t *v) {
  if (json_is_string(v))
    return adm__cfg_strdup(json_string_value(v));
  return adm_json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT); /* plain malloc: freed with free() */
}

static int parse_condition(struct adm__cfg_parse *p, const json_t *arr, size_t i, const char *list_path,
                           struct adm_attest_condition *c) {
  char path[360], full[400];
  snprintf(path, sizeof path, "%s[%zu]", list_path, i);
  const json_t *obj = json_array_get(arr, i);
  if (!json_is_object(obj))
    return adm__cfg_error_at(p, arr, NULL, i, path, ADM_ETYPE, "expected a mapping, got %s", adm__cfg_type_name(obj));
  int rc = adm__cfg_check_table(p, obj, path, &condition_table, ADM__CFG_ADMITD);
  const char *dotted;
  int r = get_string(p, obj, condition_keys[COND_PATH].key, path, true, &dotted);
  if (r < 0)
    return rc < 0 ? rc : r;
  if (!is_dotted_path(dotted)) {
    char msg[160];
    adm__cfg_join_path(full, sizeof full, path, condition_keys[COND_PATH].key);
    snprintf(msg, sizeof msg, "\"%.80s\" is not a dotted path (a.b.c, 1 to 255 characters)", dotted);
    return adm__cfg_error_at(p, obj, condition_keys[COND_PATH].key, 0, full, ADM_EINVAL, "%s", msg);
  }
  if ((c->path = adm__cfg_strdup(dotted)) == NULL)
    return oom(p, path);
  int given = 0;
  for (int k = COND_EQUALS; k <= COND_MAX_AGE; k++)
    if (json_object_get(obj, condition_keys[k].key) != NULL) {
      given++;
      c->op = (enum adm_attest_op)(k - COND_EQUALS);
    }
  if (given != 1)
    return adm__cfg_error_at(p, arr, NULL, i, path, given ? ADM_EINVAL : ADM_EMISSING,
                             "give one of equals, oneOf, matches and maxAge%s", given ? ", not several" : "");
  const char *k = condition_keys[COND_EQUALS + c->op].key;
  const json_t *v = json_object_get(obj, k);
  adm__cfg_join_path(full, sizeof full, path, k);
  switch (c->op) {
  case ADM_ATTEST_EQUALS:
    if (!json_is_string(v) && !json_is_number(v) && !json_is_boolean(v))
      return adm__cfg_error_at(p, obj, k, 0, full, ADM_ETYPE, "expected a string, number or boolean, got %s",
                               adm__cfg_type_name(v));
    if ((c->value = scalar_text(v)) == NULL)
      return oom(p, full);
    return rc;
  case ADM_ATTEST_MATCHES: {
    const char *glob;
    r = get_string(p, obj, k, path, true, &glob);
    if (r < 0)
      return r;
    if ((c->value = adm__cfg_strdup(glob)) == NULL)
      return oom(p, full);
    return rc;
  }
  case ADM_ATTEST_ONE_OF:
    r = adm__cfg_get_names(p, obj, k, path, &c->one_of);
    if (r == 0 && c->one_of.n == 0)
      r = adm__cfg_error_at(p, obj, k, 0, full, ADM_EINVAL, "an empty list matches nothing%s", "");
    return r < 0 ? r : rc;
  case ADM_ATTEST_MAX_AGE:
  default:
    r = get_duration(p, obj, k, path, 1000, 10 * 365 * day_ms, &c->max_age_ms);
    return r < 0 ? r : rc;
  }
}

static int parse_attestation(struct adm__cfg_parse *p, const json_t *arr, size_t i, const char *list_path,
                             struct adm_images_attestation *att) {
  char path[240], full[300];
  snprintf(path, sizeof path, "%s[%zu]", list_path, i);
  const json_t *obj = json_array_get(arr, i);
  if (!json_is_object(obj))
    return adm__cfg_error_at(p, arr, NULL, i, path, ADM_ETYPE, "expected a mapping, got %s", adm__cfg_type_name(obj));
  int rc = adm__cfg_check_table(p, obj, path, &attestation_table, ADM__CFG_ADMITD);
  const char *type;
  int r = get_string(p, obj, attestation_keys[ATT_TYPE].key, path, true, &type);
  if (r < 0)
    rc = r;
  else if ((att->predicate_type = adm__cfg_strdup(type)) == NULL)
    return oom(p, path);
  const char *k = attestation_keys[ATT_CONDITIONS].key;
  const json_t *conds;
  r = adm__cfg_want_type(p, obj, k, path, JSON_ARRAY, "a list of conditions", &conds);
  if (r < 0 || conds == NULL)
    return r < 0 ? r : rc;
  adm__cfg_join_path(full, sizeof full, path, k);
  size_t n = json_array_size(conds);
  if (n > ADM_MAX_CONDITIONS)
    return adm__cfg_error_at(p, obj, k, 0, full, ADM_ETOOBIG, "more than 16 conditions%s", "");
  if ((att->conditions = calloc(n ? n : 1, sizeof *att->conditions)) == NULL)
    return oom(p, full);
  for (size_t c = 0; c < n; c++) {
    r = parse_condition(p, conds, c, full, &att->conditions[att->n_conditions++]);
    if (r == ADM_ENOMEM)
      return r;
    if (r < 0)
      rc = r;
  }
  return rc;
}

/* field: the whole verify, for the list and its count. */
static int p_attestations(struct adm__cfg_parse *p, const json_t *v, const char *key, const char *path,
                          const struct adm__cfg_key *k, void *field, bool *flag) {
  (void)k;
  (void)flag;
  struct adm_images_verify *out = field;
  const json_t *arr;
  int rc = adm__cfg_want_type(p, v, key, path, JSON_ARRAY, "a list of attestations", &arr);
  if (rc < 0 || arr == NULL)
    return rc;
  char full[200];
  adm__cfg_join_path(full, sizeof full, path, key);
  size_t n = json_array_size(arr);
  if (n == 0 || n > ADM_MAX_ATTESTATIONS)
    return adm__cfg_error_at(p, v, key, 0, full, n ? ADM_ETOOBIG : ADM_EINVAL, "%s",
                             n ? "more than 8 attestations" : "an empty list; leave the key out when none is required");
  if ((out->attestations = calloc(n, sizeof *out->attestations)) == NULL)
    return oom(p, full);
  for (size_t i = 0; i < n; i++) {
    int r = parse_attestation(p, arr, i, full, &out->attestations[out->n_attestations++]);
    if (r == ADM_ENOMEM)
      return r;
    if (r < 0)
      rc = r;
  }
  return rc;
}

#define VERIFY(f) offsetof(struct adm_images_verify, f)

/* In parse order but for threshold, read once the authorities it counts are. */
static const struct adm__cfg_key verify_keys[] = {
    {.key = "images",
     .parse = p_verify_images,
     .offset = VERIFY(images),
     .doc = "image patterns the rule verifies; none: every image of the pods it selects"},
    {.key = "authorities",
     .parse = adm__cfg_p_names,
     .offset = VERIFY(authorities),
     .doc = "names of images.authorities whose signatures count"},
    {.key = "threshold", .doc = "distinct authorities that must have signed (default 1), or all"},
    {.key = "required",
     .parse = adm__cfg_p_names,
     .offset = VERIFY(required),
     .doc = "authorities that must have signed whatever the threshold"},
    {.key = "signatureRepository",
     .parse = p_signature_repository,
     .offset = VERIFY(signature_repository),
     .doc = "registry/repository holding the .sig tags and the referrers (default: next to the image)"},
    {.key = "onRegistryError",
     .parse = p_on_error,
     .offset = VERIFY(on_registry_error),
     .doc = "deny, warn or allow when the registry cannot be asked (default deny)"},
    {.key = "allowTags",
     .parse = adm__cfg_p_bool,
     .offset = VERIFY(allow_tags),
     .doc = "true: also admit tag references, verified by the digest the tag resolves to now (default false)"},
    {.key = "attestations",
     .parse = p_attestations,
     .offset = 0, /* the whole verify: the list and its count */
     .sub = &attestation_table,
     .list = true,
     .doc = "attestations (in-toto predicates) a verified bundle by one of the rule's authorities must carry"},
};

enum { VERIFY_AUTHORITIES = 1, VERIFY_THRESHOLD, VERIFY_REQUIRED, VERIFY_N = N(verify_keys) };

const struct adm__cfg_table adm__cfg_verify_keys = {verify_keys, N(verify_keys), NULL};

/* Whether a pattern of l matches images of any registry (its host is a
 * wildcard, as in "**" or "*.io/app"). */
static bool any_host_pattern(const struct adm_image_patterns *l) {
  for (size_t i = 0; i < l->n; i++)
    if (l->items[i].text[0] == '*')
      return true;
  return false;
}

int adm__cfg_parse_verify(struct adm__cfg_parse *p, const json_t *rule, const char *key, const char *rule_path,
                          struct adm_images_verify *out) {
  const char *k_authorities = verify_keys[VERIFY_AUTHORITIES].key, *k_required = verify_keys[VERIFY_REQUIRED].key;
  const json_t *v;
  int rc = adm__cfg_want_type(p, rule, key, rule_path, JSON_OBJECT, "a mapping", &v);
  if (rc < 0 || v == NULL)
    return rc;
  char path[160];
  adm__cfg_join_path(path, sizeof path, rule_path, key);
  out->set = true;
  p->cfg->images.has_verify = true;
  int r1 = adm__cfg_check_table(p, v, path, &adm__cfg_verify_keys, ADM__CFG_ADMITD);
  int rcs[VERIFY_N];
  int r2 = adm__cfg_parse_table(p, v, path, &adm__cfg_verify_keys, out, NULL, ADM__CFG_ADMITD, rcs);
  if (r2 == ADM_ENOMEM)
    return r2;
  rc = r1 < 0 ? r1 : r2;
  if (rcs[VERIFY_AUTHORITIES] < 0)
    return rc;
  char full[200];
  adm__cfg_join_path(full, sizeof full, path, k_authorities);
  if (p->cfg->images.n_authorities == 0)
    return adm__cfg_error_at(p, v, NULL, 0, path, ADM_EMISSING,
                             "verify needs signers: list them under images.authorities and name them here%s", "");
  if (out->authorities.n == 0)
    return adm__cfg_error_at(p, v, json_object_get(v, k_authorities) ? k_authorities : NULL, 0, full, ADM_EMISSING,
                             "name at least one authority whose signatures count%s", "");
  int r7 = check_names(p, v, k_authorities, path, &out->authorities, NULL);
  int r8 = rcs[VERIFY_REQUIRED] < 0 ? 0 : check_names(p, v, k_required, path, &out->required, &out->authorities);
  int r9 = parse_threshold(p, v, verify_keys[VERIFY_THRESHOLD].key, path, out);
  if (r7 < 0 || r8 < 0 || r9 < 0)
    return r7 < 0 ? r7 : r8 < 0 ? r8 : r9;
  for (size_t i = 0; i < out->authorities.n; i++)
    for (size_t j = 0; j < i; j++)
      if (strcmp(out->authorities.items[i], out->authorities.items[j]) == 0) {
        snprintf(full, sizeof full, "%s.%s[%zu]", path, k_authorities, i);
        return adm__cfg_error_at(p, json_object_get(v, k_authorities), NULL, i, full, ADM_EINVAL,
                                 "\"%s\" is named twice", out->authorities.items[i]);
      }
  if ((out->authority_index = calloc(out->authorities.n, sizeof *out->authority_index)) == NULL)
    return oom(p, path);
  for (size_t i = 0; i < out->authorities.n; i++)
    out->authority_index[i] = authority_index(&p->cfg->images, out->authorities.items[i]);
  /* Without images or an allow list the rule verifies whatever a caller
   * names, so anyone who may create a pod makes admitd connect to any
   * host:port they choose. Allowed (a closed network may want it), said. */
  if (out->images.n == 0 && json_object_get(rule, "allow") == NULL)
    adm__cfg_warn_at(p, rule, key, path,
                     "without images or an allow list in its rule, it verifies every image a pod names, so any "
                     "caller can make admitd connect to any host; add allow: [your registries] to the rule");
  /* With tags admitted, a registry names the digest a tag stands for:
   * one that lies (or is the caller's own) names a signed digest and later
   * serves anything under the tag. Only registries the rule names (in an
   * allow list, or as the host of its images patterns) are to be trusted
   * with that. */
  else if (out->allow_tags && json_object_get(rule, "allow") == NULL && any_host_pattern(&out->images))
    adm__cfg_warn_at(p, rule, key, path,
                     "allowTags without an allow list in its rule trusts any registry a pod names to say which "
                     "digest a tag is, and to serve that digest later; add allow: [your registries] to the rule");
  return rc;
}

void adm__cfg_free_verify(struct adm_images_verify *v) {
  for (size_t i = 0; i < v->images.n; i++)
    free(v->images.items[i].text);
  free(v->images.items);
  adm__cfg_free_names(&v->authorities);
  adm__cfg_free_names(&v->required);
  free(v->authority_index);
  free(v->signature_repository);
  for (size_t i = 0; i < v->n_attestations; i++) {
    struct adm_images_attestation *a = &v->attestations[i];
    free(a->predicate_type);
    for (size_t c = 0; c < a->n_conditions; c++) {
      free(a->conditions[c].path);
      free(a->conditions[c].value);
      adm__cfg_free_names(&a->conditions[c].one_of);
    }
    free(a->conditions);
  }
  free(v->attestations);
}

void adm__cfg_free_images(struct adm_config *cfg) {
  struct adm_images_settings *im = &cfg->images;
  if (im->runtime && im->backend)
    im->backend->release(im->runtime);
  for (size_t i = 0; i < im->n_trusted_roots; i++) {
    free(im->trusted_roots[i].name);
    free(im->trusted_roots[i].file);
    free(im->trusted_roots[i].json);
  }
  free(im->trusted_roots);
  for (size_t i = 0; i < im->n_authorities; i++) {
    struct adm_image_authority *a = &im->authorities[i];
    free(a->name);
    free(a->pem);
    free(a->key_file);
    free(a->subject);
    free(a->issuer);
    for (size_t c = 0; c < a->n_claims; c++) {
      free(a->claims[c].name);
      free(a->claims[c].value);
    }
    free(a->claims);
  }
  free(im->authorities);
  for (size_t i = 0; i < im->n_registries; i++) {
    free(im->registries[i].host);
    free(im->registries[i].ca_file);
  }
  free(im->registries);
  free(im->credentials_file);
}
