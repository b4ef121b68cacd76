/* The images section's signature settings: authorities (named public
 * keys), registries, credentials, cache and deadline, and a rule's verify.
 * Key files are read here, when the policy loads, so a reload picks up a
 * rotated key and a snapshot never reads a file while judging. What the
 * keys mean is the fact backend's business (facts.h): the core links no
 * crypto library. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admitd/config.h"
#include "admitd/file.h"
#include "admitd/gather.h"
#include "config_internal.h"

#define KEY_FILE_MAX (64u << 10)

const char *const adm__cfg_images_section_keys[] = {
    "mode", "workloads", "rules", "authorities", "registries", "credentialsFile", "cache", "deadline", NULL};

struct doc_line {
  const char *key, *doc;
};

static const struct doc_line section_docs[] = {
    {"authorities[].name", "a name for the signer, used by verify rules and in messages"},
    {"authorities[].key", "its public key(s), PEM (ECDSA P-256/P-384, RSA, Ed25519), as in cosign.pub"},
    {"authorities[].keyFile", "or a file holding them, read when the policy loads; relative to the policy file"},
    {"authorities[].rsaPss", "true: an RSA key signs with RSASSA-PSS rather than PKCS#1 v1.5"},
    {"registries[].host", "a registry (\"registry.example.com\", \"127.0.0.1:5000\") these settings are for"},
    {"registries[].caFile", "PEM CA bundle to trust for it instead of the system CAs"},
    {"registries[].insecure", "true: plain HTTP (loopback tests only)"},
    {"credentialsFile", "a dockerconfigjson file with registry credentials (a mounted pull Secret)"},
    {"cache.ttl", "how long a verified image is trusted without asking again (default 10m)"},
    {"cache.errorTtl", "how long a failed verification is remembered (default 30s)"},
    {"cache.resolveTtl", "how long a tag's digest is remembered (default 30s)"},
    {"cache.maxEntries", "entries per cache table, the oldest evicted first (default 10000)"},
    {"deadline", "all registry work of one admission, also capped by the request's ?timeout= (default 3s)"},
};

static const struct doc_line verify_docs[] = {
    {"images", "image patterns the rule verifies; none: every image of the pods it selects"},
    {"authorities", "names of images.authorities whose signatures count"},
    {"threshold", "distinct authorities that must have signed (default 1), or all"},
    {"required", "authorities that must have signed whatever the threshold"},
    {"signatureRepository", "registry/repository holding the .sig tags (default: next to the image)"},
    {"onRegistryError", "deny, warn or allow when the registry cannot be asked (default deny)"},
    {"allowTags", "true: also admit tag references, verified by the digest the tag resolves to now (default false)"},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

void adm__cfg_images_keys_print(FILE *out) {
  for (size_t i = 0; i < N(section_docs); i++)
    fprintf(out, "images.%s\t%s\n", section_docs[i].key, section_docs[i].doc);
  for (size_t i = 0; i < N(verify_docs); i++)
    fprintf(out, "images.rules[].verify.%s\t%s\n", verify_docs[i].key, verify_docs[i].doc);
}

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

static int parse_authority(struct adm__cfg_parse *p, const json_t *arr, size_t i, struct adm_image_authority *a) {
  static const char *const keys[] = {"name", "key", "keyFile", "rsaPss", NULL};
  char path[96];
  snprintf(path, sizeof path, "images.authorities[%zu]", i);
  const json_t *obj = json_array_get(arr, i);
  adm_yaml_mark_find(p->docs, arr, NULL, i, &a->line, &a->col);
  if (!json_is_object(obj))
    return adm__cfg_error_at(p, arr, NULL, i, path, ADM_ETYPE, "expected a mapping, got %s", adm__cfg_type_name(obj));
  int rc = adm__cfg_check_keys(p, obj, path, keys);
  const char *name, *key, *file;
  int r1 = get_string(p, obj, "name", path, true, &name);
  int r2 = get_string(p, obj, "key", path, false, &key);
  int r3 = get_string(p, obj, "keyFile", path, false, &file);
  int r4 = adm__cfg_get_bool(p, obj, "rsaPss", path, &a->rsa_pss);
  if (rc == 0)
    rc = r1 < 0 ? r1 : r2 < 0 ? r2 : r3 < 0 ? r3 : r4;
  if (name) {
    if (!is_authority_name(name)) {
      char full[128];
      snprintf(full, sizeof full, "%s.name", path);
      rc = adm__cfg_error_at(p, obj, "name", 0, full, ADM_EINVAL, "\"%s\" is not a name (1 to 63 of A-Z a-z 0-9 - _ .)",
                             name);
    } else if ((a->name = adm__cfg_strdup(name)) == NULL) {
      return oom(p, path);
    }
  }
  if (r2 < 0 || r3 < 0)
    return rc;
  if ((key == NULL) == (file == NULL))
    return adm__cfg_error_at(p, arr, NULL, i, path, key ? ADM_EINVAL : ADM_EMISSING, "%s",
                             key ? "give key or keyFile, not both" : "give the public key: key (PEM) or keyFile");
  if (key) {
    if ((a->pem = adm__cfg_strdup(key)) == NULL)
      return oom(p, path);
    return rc;
  }
  if ((a->key_file = resolve_path(p, file)) == NULL)
    return oom(p, path);
  size_t len;
  struct adm_error ferr = {0};
  if (adm_read_regular_file(a->key_file, KEY_FILE_MAX, &a->pem, &len, &ferr) < 0) {
    char full[128], msg[300];
    snprintf(full, sizeof full, "%s.keyFile", path);
    adm_error_format(&ferr, msg, sizeof msg);
    return adm__cfg_error_at(p, obj, "keyFile", 0, full, ferr.code ? ferr.code : ADM_EIO, "cannot read it: %s", msg);
  }
  return rc;
}

static int parse_authorities(struct adm__cfg_parse *p, const json_t *sec) {
  struct adm_images_settings *im = &p->cfg->images;
  const json_t *arr;
  int rc = adm__cfg_want_type(p, sec, "authorities", "images", JSON_ARRAY, "a list of authorities", &arr);
  if (rc < 0 || arr == NULL)
    return rc;
  size_t n = json_array_size(arr);
  if (n == 0)
    return adm__cfg_error_at(p, sec, "authorities", 0, "images.authorities", ADM_EINVAL,
                             "an empty list; leave the key out when no rule verifies signatures%s", "");
  if ((im->authorities = calloc(n, sizeof *im->authorities)) == NULL)
    return oom(p, "images.authorities");
  for (size_t i = 0; i < n; i++) {
    struct adm_image_authority *a = &im->authorities[im->n_authorities++];
    int r = parse_authority(p, arr, i, a);
    if (r < 0)
      rc = r;
    for (size_t j = 0; a->name && j < i; j++) {
      if (im->authorities[j].name && strcmp(im->authorities[j].name, a->name) == 0) {
        char full[96];
        snprintf(full, sizeof full, "images.authorities[%zu].name", i);
        rc = adm__cfg_error_at(p, arr, NULL, i, full, ADM_EINVAL, "\"%s\" is already the name of another authority",
                               a->name);
      }
    }
  }
  return rc;
}

static int parse_registries(struct adm__cfg_parse *p, const json_t *sec) {
  static const char *const keys[] = {"host", "caFile", "insecure", NULL};
  struct adm_images_settings *im = &p->cfg->images;
  const json_t *arr;
  int rc = adm__cfg_want_type(p, sec, "registries", "images", JSON_ARRAY, "a list of registries", &arr);
  if (rc < 0 || arr == NULL)
    return rc;
  size_t n = json_array_size(arr);
  if (n && (im->registries = calloc(n, sizeof *im->registries)) == NULL)
    return oom(p, "images.registries");
  for (size_t i = 0; i < n; i++) {
    char path[96];
    snprintf(path, sizeof path, "images.registries[%zu]", i);
    const json_t *obj = json_array_get(arr, i);
    if (!json_is_object(obj)) {
      rc = adm__cfg_error_at(p, arr, NULL, i, path, ADM_ETYPE, "expected a mapping, got %s", adm__cfg_type_name(obj));
      continue;
    }
    struct adm_image_registry *r = &im->registries[im->n_registries++];
    const char *host;
    int r1 = adm__cfg_check_keys(p, obj, path, keys);
    int r2 = get_string(p, obj, "host", path, true, &host);
    int r3 = get_path(p, obj, "caFile", path, &r->ca_file);
    /* A CA bundle that cannot be read would only show later, as every
     * verification failing with registry-unavailable, and one that is not
     * a regular file (a FIFO) would hang the TLS handshake that reads it:
     * refuse both now. */
    struct stat st;
    if (r3 == 0 && r->ca_file && (access(r->ca_file, R_OK) != 0 || stat(r->ca_file, &st) != 0)) {
      char full[128], msg[300];
      snprintf(full, sizeof full, "%s.caFile", path);
      snprintf(msg, sizeof msg, "cannot read %s: %s", r->ca_file, strerror(errno));
      r3 = adm__cfg_error_at(p, obj, "caFile", 0, full, ADM_EIO, "%s", msg);
    } else if (r3 == 0 && r->ca_file && !S_ISREG(st.st_mode)) {
      char full[128], msg[300];
      snprintf(full, sizeof full, "%s.caFile", path);
      snprintf(msg, sizeof msg, "%s is not a regular file; refused", r->ca_file);
      r3 = adm__cfg_error_at(p, obj, "caFile", 0, full, ADM_EINVAL, "%s", msg);
    }
    int r4 = adm__cfg_get_bool(p, obj, "insecure", path, &r->insecure);
    if (r1 < 0 || r2 < 0 || r3 < 0 || r4 < 0)
      rc = r1 < 0 ? r1 : r2 < 0 ? r2 : r3 < 0 ? r3 : r4;
    if (host && (r->host = adm__cfg_strdup(host)) == NULL)
      return oom(p, path);
    if (host && (strchr(host, '/') || strchr(host, ' '))) {
      char full[128];
      snprintf(full, sizeof full, "%s.host", path);
      rc = adm__cfg_error_at(p, obj, "host", 0, full, ADM_EINVAL,
                             "\"%s\" is not a registry host (write name or name:port, no scheme or path)", host);
    }
  }
  return rc;
}

static int parse_cache(struct adm__cfg_parse *p, const json_t *sec) {
  static const char *const keys[] = {"ttl", "errorTtl", "resolveTtl", "maxEntries", NULL};
  struct adm_images_settings *im = &p->cfg->images;
  const json_t *c;
  int rc = adm__cfg_want_type(p, sec, "cache", "images", JSON_OBJECT, "a mapping", &c);
  if (rc < 0 || c == NULL)
    return rc;
  static const long long day = 24LL * 3600 * 1000;
  int r1 = adm__cfg_check_keys(p, c, "images.cache", keys);
  int r2 = get_duration(p, c, "ttl", "images.cache", 1, day, &im->cache_ttl_ms);
  int r3 = get_duration(p, c, "errorTtl", "images.cache", 1, day, &im->cache_error_ttl_ms);
  int r4 = get_duration(p, c, "resolveTtl", "images.cache", 1, day, &im->cache_resolve_ttl_ms);
  const json_t *m;
  int r5 = adm__cfg_want_type(p, c, "maxEntries", "images.cache", JSON_INTEGER, "a whole number", &m);
  if (r5 == 0 && m) {
    json_int_t v = json_integer_value(m);
    if (v < 1 || v > 1000000)
      r5 = adm__cfg_error_at(p, c, "maxEntries", 0, "images.cache.maxEntries", ADM_EINVAL,
                             "out of range (1 to 1000000)%s", "");
    else
      im->cache_max_entries = (size_t)v;
  }
  return r1 < 0 ? r1 : r2 < 0 ? r2 : r3 < 0 ? r3 : r4 < 0 ? r4 : r5;
}

int adm__cfg_parse_images_section(struct adm__cfg_parse *p, const json_t *sec) {
  struct adm_images_settings *im = &p->cfg->images;
  im->deadline_ms = ADM_IMAGES_DEADLINE_DEFAULT_MS;
  int r1 = parse_authorities(p, sec);
  int r2 = parse_registries(p, sec);
  int r3 = get_path(p, sec, "credentialsFile", "images", &im->credentials_file);
  int r4 = parse_cache(p, sec);
  /* Under twice ADM_FACTS_MIN_MS, every uncached image would be BUSY. */
  int r5 = get_duration(p, sec, "deadline", "images", 2 * ADM_FACTS_MIN_MS, 60 * 1000, &im->deadline_ms);
  return r1 < 0 ? r1 : r2 < 0 ? r2 : r3 < 0 ? r3 : r4 < 0 ? r4 : r5;
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

static int parse_threshold(struct adm__cfg_parse *p, const json_t *v, const char *path, struct adm_images_verify *out) {
  const json_t *t = json_object_get(v, "threshold");
  char full[200];
  snprintf(full, sizeof full, "%s.threshold", path);
  out->threshold = 1;
  if (t == NULL)
    return 0;
  if (json_is_string(t) && strcmp(json_string_value(t), "all") == 0) {
    out->threshold = 0;
    return 0;
  }
  if (!json_is_integer(t) || json_integer_value(t) < 1)
    return adm__cfg_error_at(p, v, "threshold", 0, full, ADM_EINVAL,
                             "want a whole number of authorities (1 or more) or \"all\"%s", "");
  if ((json_int_t)out->authorities.n < json_integer_value(t)) {
    char msg[160];
    snprintf(msg, sizeof msg, "%lld is more than the %zu authorities the rule names", (long long)json_integer_value(t),
             out->authorities.n);
    return adm__cfg_error_at(p, v, "threshold", 0, full, ADM_EINVAL, "%s", msg);
  }
  out->threshold = (unsigned)json_integer_value(t);
  return 0;
}

static int parse_on_error(struct adm__cfg_parse *p, const json_t *v, const char *path,
                          enum adm_on_registry_error *out) {
  const json_t *s;
  int rc = adm__cfg_want_type(p, v, "onRegistryError", path, JSON_STRING, "deny, warn or allow", &s);
  if (rc < 0 || s == NULL)
    return rc;
  static const char *const names[] = {"deny", "warn", "allow"};
  for (int i = 0; i < 3; i++) {
    if (strcmp(json_string_value(s), names[i]) == 0) {
      *out = (enum adm_on_registry_error)i;
      return 0;
    }
  }
  char full[200];
  snprintf(full, sizeof full, "%s.onRegistryError", path);
  return adm__cfg_error_at(p, v, "onRegistryError", 0, full, ADM_EINVAL,
                           "unknown value \"%s\" (want deny, warn or allow)", json_string_value(s));
}

/* "registry/repository", normalized like an image name; no tag or digest. */
static int parse_signature_repository(struct adm__cfg_parse *p, const json_t *v, const char *path, char **out) {
  const char *s;
  int rc = get_string(p, v, "signatureRepository", path, false, &s);
  if (rc < 0 || s == NULL)
    return rc;
  struct adm_image_ref ref;
  const char *why = NULL;
  char full[200], msg[240];
  snprintf(full, sizeof full, "%s.signatureRepository", path);
  if (adm_image_ref_parse(s, &ref, &why) < 0 || !ref.tag_implied) {
    snprintf(msg, sizeof msg, "\"%.80s\" is not a repository: %s", s, why ? why : "it has a tag or digest");
    return adm__cfg_error_at(p, v, "signatureRepository", 0, full, ADM_EINVAL, "%s", msg);
  }
  if ((*out = adm__cfg_strdup(ref.name)) == NULL)
    return oom(p, full);
  return 0;
}

int adm__cfg_parse_verify(struct adm__cfg_parse *p, const json_t *rule, const char *rule_path,
                          struct adm_images_verify *out) {
  static const char *const keys[] = {"images",          "authorities", "threshold", "required", "signatureRepository",
                                     "onRegistryError", "allowTags",   NULL};
  const json_t *v;
  int rc = adm__cfg_want_type(p, rule, "verify", rule_path, JSON_OBJECT, "a mapping", &v);
  if (rc < 0 || v == NULL)
    return rc;
  char path[160];
  adm__cfg_join_path(path, sizeof path, rule_path, "verify");
  out->set = true;
  p->cfg->images.has_verify = true;
  int r1 = adm__cfg_check_keys(p, v, path, keys);
  int r2 = adm__cfg_image_patterns(p, v, "images", path, &out->images, false);
  int r3 = adm__cfg_get_names(p, v, "authorities", path, &out->authorities);
  int r4 = adm__cfg_get_names(p, v, "required", path, &out->required);
  int r5 = parse_signature_repository(p, v, path, &out->signature_repository);
  int r6 = parse_on_error(p, v, path, &out->on_registry_error);
  int r_tags = adm__cfg_get_bool(p, v, "allowTags", path, &out->allow_tags);
  rc = r1 < 0 ? r1 : r2 < 0 ? r2 : r3 < 0 ? r3 : r4 < 0 ? r4 : r5 < 0 ? r5 : r6 < 0 ? r6 : r_tags;
  if (r3 < 0)
    return rc;
  char full[200];
  snprintf(full, sizeof full, "%s.authorities", path);
  if (p->cfg->images.n_authorities == 0)
    return adm__cfg_error_at(p, v, NULL, 0, path, ADM_EMISSING,
                             "verify needs signers: list them under images.authorities and name them here%s", "");
  if (out->authorities.n == 0)
    return adm__cfg_error_at(p, v, json_object_get(v, "authorities") ? "authorities" : NULL, 0, full, ADM_EMISSING,
                             "name at least one authority whose signatures count%s", "");
  int r7 = check_names(p, v, "authorities", path, &out->authorities, NULL);
  int r8 = r4 < 0 ? 0 : check_names(p, v, "required", path, &out->required, &out->authorities);
  int r9 = parse_threshold(p, v, path, out);
  if (r7 < 0 || r8 < 0 || r9 < 0)
    return r7 < 0 ? r7 : r8 < 0 ? r8 : r9;
  for (size_t i = 0; i < out->authorities.n; i++)
    for (size_t j = 0; j < i; j++)
      if (strcmp(out->authorities.items[i], out->authorities.items[j]) == 0) {
        snprintf(full, sizeof full, "%s.authorities[%zu]", path, i);
        return adm__cfg_error_at(p, json_object_get(v, "authorities"), NULL, i, full, ADM_EINVAL,
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
    adm__cfg_warn_at(p, rule, "verify", path,
                     "without images or an allow list in its rule, it verifies every image a pod names, so any "
                     "caller can make admitd connect to any host; add allow: [your registries] to the rule");
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
}

void adm__cfg_free_images(struct adm_config *cfg) {
  struct adm_images_settings *im = &cfg->images;
  if (im->runtime && im->backend)
    im->backend->release(im->runtime);
  for (size_t i = 0; i < im->n_authorities; i++) {
    free(im->authorities[i].name);
    free(im->authorities[i].pem);
    free(im->authorities[i].key_file);
  }
  free(im->authorities);
  for (size_t i = 0; i < im->n_registries; i++) {
    free(im->registries[i].host);
    free(im->registries[i].ca_file);
  }
  free(im->registries);
  free(im->credentials_file);
}
