/* The policy configuration as an immutable snapshot. A snapshot is built
 * whole by adm_config_parse() (or adm_config_default()), then only read.
 * Requests pin the current one for their whole life (reload.c). */
#ifndef ADMITD_CONFIG_H
#define ADMITD_CONFIG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "admitd/error.h"
#include "admitd/facts.h"
#include "admitd/family.h"
#include "admitd/policy.h"
#include "admitd/selector.h"

enum adm_mode { ADM_MODE_ENFORCE = 0, ADM_MODE_AUDIT, ADM_MODE_WARN, ADM__MODE_COUNT };

struct adm_mode_levels {
  struct adm_level_version lv[ADM__MODE_COUNT];
};

/* Sets levels for namespaces matching any of names (exact or fnmatch glob).
 * Modes not given keep the defaults. */
struct adm_namespace_rule {
  struct adm_names names;
  bool has_level[ADM__MODE_COUNT], has_version[ADM__MODE_COUNT];
  struct adm_mode_levels levels;
};

/* A label selector's requirements (matchLabels and matchExpressions),
 * ANDed; none matches everything. Owned by the snapshot. */
struct adm_label_selector {
  struct adm_label_requirement *reqs;
  size_t n;
};

/* One rule of a family: where it applies and what it requires. Every
 * matching rule applies (unlike podSecurity.namespaces, first match). */
struct adm_family_rule {
  char *name;    /* optional, for messages; NULL when not given */
  unsigned line; /* where the rule starts in the policy file */
  struct adm_names namespaces, exclude_namespaces;
  struct adm_label_selector selector;           /* on the labels of the pod or template */
  struct adm_label_selector namespace_selector; /* on the labels of its namespace */
  bool has_mode;
  enum adm_mode mode;
  struct adm_rule_settings settings; /* its family's requirements */
};

struct adm_family_config {
  bool configured;
  enum adm_mode mode; /* default for its rules: enforce */
  enum adm_workloads_mode workloads;
  struct adm_family_rule *rules;
  size_t n_rules;
};

/* images.trustedRoots[]: a Sigstore TrustedRoot document (CAs, logs,
 * timestamp authorities), read when the policy loads; what it holds is
 * checked by the fact backend as it prepares the snapshot. */
struct adm_image_trusted_root {
  char *name;
  char *file; /* resolved like keyFile */
  char *json; /* its text */
  size_t len;
  unsigned line, col;
};

#define ADM_TRUSTED_ROOT_FILE_MAX (4u << 20)

/* A Fulcio claim a keyless authority's certificates must carry. */
struct adm_image_claim {
  char *name; /* Fulcio's name for it: sourceRepositoryRef, buildSignerURI, ... */
  char *value;
};

/* One named signer: images.authorities[]. Key-based (pem) or keyless
 * (a certificate from the trusted root's CAs naming subject and issuer). */
struct adm_image_authority {
  char *name;
  char *pem;      /* the public key(s), PEM: written inline, or read from keyFile as the policy loads */
  char *key_file; /* the path it was read from (relative paths resolved against the policy file); NULL: inline */
  bool rsa_pss;   /* an RSA key signs with PSS rather than PKCS#1 v1.5 */
  /* images.trustedRoots[] index of its trustedRoot; SIZE_MAX: none. A key
   * authority verifies a bundle's log entries and timestamps with it. */
  size_t trusted_root;
  bool require_tlog; /* a key authority's bundles need a verified log entry */
  bool keyless;
  char *subject, *issuer; /* keyless: exact, or regular expressions when *_regex */
  bool subject_regex, issuer_regex;
  struct adm_image_claim *claims;
  size_t n_claims;
  unsigned line, col;
};

/* images.registries[]: how to reach one registry. */
struct adm_image_registry {
  char *host;
  char *ca_file; /* resolved like keyFile; NULL: the system CAs */
  bool insecure; /* plain HTTP */
};

/* The images section's settings for signature verification. */
struct adm_images_settings {
  struct adm_image_trusted_root *trusted_roots;
  size_t n_trusted_roots;
  struct adm_image_authority *authorities;
  size_t n_authorities;
  struct adm_image_registry *registries;
  size_t n_registries;
  char *credentials_file; /* dockerconfigjson, resolved like keyFile; NULL: anonymous */
  long long cache_ttl_ms, cache_error_ttl_ms, cache_resolve_ttl_ms;
  size_t cache_max_entries;
  long long deadline_ms; /* all registry work of one admission */
  bool has_verify;       /* some rule verifies signatures */
  /* Built by the fact backend (facts.h) when the snapshot is loaded, and
   * released with it: keys, registry client, cache. NULL: none. */
  void *runtime;
  const struct adm_fact_backend *backend;
};

#define ADM_IMAGES_DEADLINE_DEFAULT_MS 3000

/* The podSecurity section: the settings of the family whose model is
 * levels (family.h). */
struct adm_pod_security_config {
  struct adm_mode_levels defaults;
  struct adm_namespace_rule *rules; /* first match wins */
  size_t n_rules;
  struct adm_names exempt_usernames, exempt_runtime_classes, exempt_namespaces;
  bool enforce_on_workloads;
  /* Levels also come from the namespace's pod-security.kubernetes.io/...
   * labels, as upstream reads them; the namespaces rules above still win. */
  bool namespace_labels;
};

struct adm_config {
  atomic_int refs;
  char *source; /* file it came from, or "<built-in>" */
  bool dry_run;
  struct adm_pod_security_config pod_security;
  /* Some decision reads the labels of the request's namespace
   * (podSecurity.namespaceLabels, a rule's namespaceSelector): they are
   * looked up before judgement (namespace.h). */
  bool reads_namespace_labels;
  /* The sections of the families whose model is rules, by family id. */
  struct adm_family_config families[ADM__FAMILY_COUNT];
  struct adm_images_settings images;
  /* What loads but deserves a second look, each "file:line:col: key:
   * message": check-config prints them, serve logs them when it publishes. */
  struct adm_names warnings;
};

/* Called with every error of a policy file, in order (check-config). */
typedef void (*adm_config_report_fn)(void *ctx, const struct adm_error *err);

/* Parse a policy file's text. *out is *new* (adm_config_free), refs = 1. Errors
 * name file:line:col and the key. Accepts admitd's Policy, upstream's
 * PodSecurityConfiguration, and an AdmissionConfiguration holding one. */
int adm_config_parse(const char *text, size_t len, const char *file, struct adm_config **out, struct adm_error *err);
/* The same, calling report with every error found (not only the first). */
int adm_config_parse_report(const char *text, size_t len, const char *file, struct adm_config **out,
                            struct adm_error *err, adm_config_report_fn report, void *ctx);
int adm_config_load_report(const char *path, struct adm_config **out, struct adm_error *err,
                           adm_config_report_fn report, void *ctx);
/* Read and parse a file. */
int adm_config_load(const char *path, struct adm_config **out, struct adm_error *err);
/* The built-in default: enforce baseline, warn and audit restricted, all at
 * latest; kube-system exempt. *new*. */
struct adm_config *adm_config_default(void);
void adm_config_free(struct adm_config *cfg);

/* The levels that apply to a namespace: first matching rule over defaults. */
struct adm_mode_levels adm_config_levels_for(const struct adm_pod_security_config *ps, const char *namespace);
/* The same over base (the levels a namespace's labels set) instead of the defaults. */
struct adm_mode_levels adm_config_levels_over(const struct adm_pod_security_config *ps, const char *namespace,
                                              struct adm_mode_levels base);
bool adm_names_contains(const struct adm_names *names, const char *s);

const char *adm_mode_name(enum adm_mode m);

/* Every key of the family sections with its one-line doc, "key\tdoc" per
 * line (`admitd keys`; hack/verify-docs.sh checks the README against it). */
void adm_config_keys_print(FILE *out);

#define ADM_CONFIG_MAX_BYTES (1u << 20)

#endif
