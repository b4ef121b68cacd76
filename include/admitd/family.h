/* The policy families and their one table (adm_families): each family's
 * name, audit annotation key, default for workloads, rule keys and rule
 * checks; the rule settings the keys fill (parsed from the policy file into
 * the snapshot) and the findings a rule check reports. Pure: the checks read
 * a pod view and a rule's settings and append findings to the request
 * arena; they know nothing of modes, namespaces or selection (decide.c
 * applies those), and the key tables are data that config.c reads. */
#ifndef ADMITD_FAMILY_H
#define ADMITD_FAMILY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admitd/arena.h"
#include "admitd/image.h"
#include "admitd/pod.h"
#include "admitd/policy.h"
#include "admitd/quantity.h"

/* In the fixed order decisions list them. */
enum adm_family_id {
  ADM_FAMILY_POD_SECURITY = 0,
  ADM_FAMILY_RESOURCES,
  ADM_FAMILY_SECURITY_CONTEXT,
  ADM_FAMILY_IMAGES,
  ADM__FAMILY_COUNT
};

/* How a family judges a pod. Levels: Pod Security's model, a
 * level:version per mode chosen per namespace, judged by upstream's check
 * descriptors (policy.h) with upstream's exemptions and words. Rules: every
 * selected rule's checks over that rule's settings. */
enum adm_family_model { ADM_FAMILY_RULES = 0, ADM_FAMILY_LEVELS };

/* "podSecurity", "resources", "securityContext", "images": the policy
 * file section and the prefix of check ids and audit annotation keys. */
const char *adm_family_name(enum adm_family_id f);

/* How a family treats the pod templates of workloads. */
enum adm_workloads_mode { ADM_WORKLOADS_ENFORCE = 0, ADM_WORKLOADS_WARN, ADM_WORKLOADS_IGNORE };

/* A list of names owned by the snapshot. */
struct adm_names {
  char **items;
  size_t n;
};

/* One violation: the check id ("resources.limits.required") and a message
 * naming the container, the field, the value and what would pass. */
struct adm_finding {
  const char *check;
  const char *message;
  /* The registry could not be asked: a rule's onRegistryError may turn
   * this finding into a warning or let it pass (decide.c). */
  bool registry_error;
};

struct adm_findings {
  struct adm_arena *arena;
  struct adm_finding *items;
  size_t n, cap;
};

void adm_findings_init(struct adm_findings *f, struct adm_arena *a);
/* A NULL message (its allocation failed) is recorded as a failure of the
 * arena, so the request fails closed where its verdict is made. */
void adm_findings_add(struct adm_findings *f, const char *check, const char *message);
/* A finding that says a registry could not be asked (see registry_error). */
void adm_findings_add_registry_error(struct adm_findings *f, const char *check, const char *message);
/* printf-style message into the arena. */
void adm_findings_addf(struct adm_findings *f, const char *check, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* resource name -> quantity, as written in the policy (text kept for messages). */
struct adm_quantity_setting {
  char *resource;
  char *text;
  struct adm_quantity value;
};

struct adm_quantity_map {
  struct adm_quantity_setting *items;
  size_t n;
};

struct adm_resources_rule {
  struct adm_names require_requests, require_limits;
  struct adm_quantity_map min, max;  /* per container, on requests and limits present */
  struct adm_quantity_map max_ratio; /* limit / request, when both are present */
  struct adm_quantity_map pod_max;   /* effective pod requests and limits */
};

/* An inclusive range of IDs; an unset bound is open. */
struct adm_id_range {
  bool set;
  bool has_min, has_max;
  int64_t min, max;
};

struct adm_sc_rule {
  bool require_read_only_root_filesystem;
  bool require_run_as_non_root;
  struct adm_id_range run_as_user, run_as_group, fs_group, supplemental_groups;
  bool has_allowed_capabilities; /* an empty list: nothing may be added */
  struct adm_names allowed_capabilities;
  struct adm_names required_drop_capabilities;
  bool forbid_automount_token;                       /* automountServiceAccountToken: false required */
  struct adm_names automount_token_service_accounts; /* exempt from it */
  bool forbid_share_process_namespace;
  bool forbid_host_aliases;
  /* Profiles as "RuntimeDefault", "Unconfined", "Localhost/<glob of the profile name>". */
  bool has_allowed_seccomp_profiles;
  struct adm_names allowed_seccomp_profiles;
  bool has_allowed_apparmor_profiles;
  struct adm_names allowed_apparmor_profiles;
  bool has_allowed_proc_mount_types;
  struct adm_names allowed_proc_mount_types;
  bool require_no_privilege_escalation;
  bool has_allowed_unsafe_sysctls; /* globs of sysctls allowed beyond the safe set */
  struct adm_names allowed_unsafe_sysctls;
  struct adm_names forbidden_sysctls; /* globs */
};

/* An image pattern as written (for messages) and as parsed. */
struct adm_image_pattern_setting {
  char *text;
  struct adm_image_pattern pattern;
};

/* Image patterns in policy order, owned by the snapshot. */
struct adm_image_patterns {
  struct adm_image_pattern_setting *items;
  size_t n;
};

enum adm_on_registry_error { ADM_ON_REGISTRY_ERROR_DENY = 0, ADM_ON_REGISTRY_ERROR_WARN, ADM_ON_REGISTRY_ERROR_ALLOW };

/* How a condition of an attestation compares the value at its path. */
enum adm_attest_op {
  ADM_ATTEST_EQUALS = 0, /* the value, as text, is value */
  ADM_ATTEST_ONE_OF,     /* ... is one of one_of */
  ADM_ATTEST_MATCHES,    /* ... matches the glob value ('*' any run of characters, '/' included) */
  ADM_ATTEST_MAX_AGE,    /* an RFC 3339 timestamp at most max_age_ms old */
};

/* One condition on an attestation's predicate: the value at a dotted path
 * ("runDetails.builder.id"; a component of digits indexes a list). */
struct adm_attest_condition {
  char *path;
  enum adm_attest_op op;
  char *value; /* equals, matches */
  struct adm_names one_of;
  long long max_age_ms;
};

#define ADM_MAX_ATTESTATIONS 8 /* per verify rule */
#define ADM_MAX_CONDITIONS 16  /* per attestation */

/* verify.attestations[]: some bundle verified by one of the rule's
 * authorities must state predicate_type, and every condition must hold
 * on its predicate. */
struct adm_images_attestation {
  char *predicate_type;
  struct adm_attest_condition *conditions;
  size_t n_conditions;
};

/* A rule's `verify`: the images it covers must carry signatures by its
 * authorities (named in the images section): cosign's .sig format or
 * Sigstore bundles, and the attestations it names. The signature check
 * reads the facts gathered for it (facts.h); it never asks a registry
 * itself. */
struct adm_images_verify {
  bool set;
  struct adm_image_patterns images; /* images to verify; others are not this rule's concern */
  struct adm_names authorities;     /* names of images.authorities[] */
  size_t *authority_index;          /* the same, as indexes into images.authorities[] */
  unsigned threshold;               /* distinct authorities that must verify; 0: all of them */
  struct adm_names required;        /* authorities that must verify whatever the threshold */
  char *signature_repository;       /* "registry/repository" holding the .sig tags; NULL: next to the image */
  enum adm_on_registry_error on_registry_error;
  /* A tag reference is verified by the digest it resolves to now, though
   * the kubelet may pull another later; false: covered images must be
   * pinned by digest (images.signature.pinned). */
  bool allow_tags;
  struct adm_images_attestation *attestations;
  size_t n_attestations;
};

/* The images family's rules: the local ones judged on the references as
 * written, with no registry lookup, and `verify`, judged on gathered facts
 * (only for pods the local rules do not already deny). */
struct adm_images_rule {
  struct adm_image_patterns allow;          /* when n > 0, every image must match one */
  struct adm_image_patterns deny;           /* an image matching one fails, allowed or not */
  struct adm_image_patterns require_digest; /* images matching one must be pinned by digest */
  bool forbid_latest;                       /* no ":latest" or untagged image unless pinned by digest */
  bool has_allowed_tags;
  struct adm_names allowed_tags; /* tag globs; images pinned by digest are not judged */
  struct adm_images_verify verify;
};

/* One rule's requirements: the settings of its own family and no other.
 * Checks reach them through the accessor of their family, which refuses
 * (aborts on) another family's settings, so a check cannot read the wrong
 * struct and still compile and run. */
struct adm_rule_settings {
  enum adm_family_id family;
  union {
    struct adm_resources_rule resources;
    struct adm_sc_rule sc;
    struct adm_images_rule images;
  } u;
};

const struct adm_resources_rule *adm_rule_resources(const struct adm_rule_settings *s);
const struct adm_sc_rule *adm_rule_sc(const struct adm_rule_settings *s);
const struct adm_images_rule *adm_rule_images(const struct adm_rule_settings *s);

struct adm_image_facts;

/* What a rule check reads and where it writes: the pod view (and on a pod
 * UPDATE the pod as it was, else NULL), its rule's settings, the facts
 * gathered before judgement (NULL for checks that do not read them), and
 * the findings. */
struct adm_rule_ctx {
  const struct adm_pod *pod;
  const struct adm_pod *old;
  const struct adm_rule_settings *settings;
  const struct adm_image_facts *facts;
  struct adm_findings *out;
};

/* A rule check: appends a finding for each way the pod misses the rule. */
typedef void (*adm_rule_check_fn)(const struct adm_rule_ctx *ctx);
/* Whether the rule configures this check at all. */
typedef bool (*adm_rule_active_fn)(const struct adm_rule_settings *s);

struct adm_rule_check {
  const char *id; /* "resources.limits.required" */
  enum adm_family_id family;
  const char *summary;
  adm_rule_active_fn active;
  adm_rule_check_fn check;
  /* The API server refuses this field on Windows pods (spec.os.name:
   * windows), so the requirement could never be met there: not judged for
   * them, as Pod Security exempts them from the same controls. */
  bool linux_only;
  /* Reads gathered facts (ctx->facts): run only once they are in, after
   * every other check (decide.c). */
  bool reads_facts;
};

/* What a policy key holds: config.c reads each type with its own parser
 * (which refuses what the API server would refuse), frees it, and tells
 * whether a rule set it. */
enum adm_key_type {
  ADM_KEY_STRING,          /* char * */
  ADM_KEY_NAMESPACES,      /* struct adm_names, non-empty */
  ADM_KEY_NAMES,           /* struct adm_names */
  ADM_KEY_SELECTOR,        /* matchLabels / matchExpressions into the rule's selector */
  ADM_KEY_MODE,            /* enum adm_mode */
  ADM_KEY_RESOURCE_NAMES,  /* struct adm_names of resource names */
  ADM_KEY_QUANTITIES,      /* struct adm_quantity_map */
  ADM_KEY_TRUE,            /* bool; only true may be written */
  ADM_KEY_FALSE,           /* bool set when false is written; only false may be */
  ADM_KEY_ID_RANGE,        /* struct adm_id_range */
  ADM_KEY_CAPABILITIES,    /* struct adm_names of capability names */
  ADM_KEY_PROFILES,        /* struct adm_names of seccomp / AppArmor profiles */
  ADM_KEY_PROC_MOUNTS,     /* struct adm_names of procMount types */
  ADM_KEY_SYSCTLS,         /* struct adm_names of sysctl globs */
  ADM_KEY_IMAGE_PATTERNS,  /* struct adm_image_patterns */
  ADM_KEY_DIGEST_PATTERNS, /* struct adm_image_patterns without @digest */
  ADM_KEY_TAG_GLOBS,       /* struct adm_names of tag globs */
  ADM_KEY_VERIFY,          /* struct adm_images_verify */
};

#define ADM_KEY_NO_FLAG ((size_t)-1)

/* One key of a policy section: its name, type, where its value goes (an
 * offset into the struct the section fills), an optional bool set when the
 * key is given, and the one-line doc `admitd keys` prints and the README's
 * key table is checked against. */
struct adm_key_spec {
  const char *key;
  enum adm_key_type type;
  size_t offset;
  size_t flag_offset; /* ADM_KEY_NO_FLAG: none */
  /* Only qualifies another key: a rule that sets nothing but this has no
   * effect (and is refused as such). */
  bool modifier;
  const char *doc;
};

typedef void (*adm_contradiction_fn)(void *ctx, const char *key, const char *entry, const char *message);

/* A family: everything about it that is not its checks' logic. decide.c
 * and config.c walk adm_families[] and nothing else, so adding a family is
 * an entry here, its checks, its keys and its README section. */
struct adm_family {
  enum adm_family_id id;
  const char *name;                  /* the policy section and the check id prefix */
  const char *audit_key;             /* the audit annotation of its audit-mode findings */
  enum adm_workloads_mode workloads; /* how workloads' pod templates are judged by default */
  enum adm_family_model model;
  /* Rules: its checks, NULL-terminated, in the order findings are reported. */
  const struct adm_rule_check *const *checks;
  /* Levels: its check descriptors, NULL-terminated, which adm_registry_build
   * turns into a check list per level and version. */
  const struct adm_check *const *level_checks;
  const struct adm_key_spec *rule_keys; /* rules: offsets into struct adm_rule_settings */
  size_t n_rule_keys;
  /* Reports each pair of a rule's settings that contradict each other, at
   * rule[key][entry] ("min", "memory"). NULL: none can. */
  void (*contradictions)(const struct adm_rule_settings *s, adm_contradiction_fn report, void *ctx);
};

/* Indexed by enum adm_family_id, in the fixed order decisions list them. */
extern const struct adm_family adm_families[ADM__FAMILY_COUNT];

/* The family whose policy section is name; NULL if none. */
const struct adm_family *adm_family_find(const char *name);

/* The rule check with this id, in any family; NULL if none. */
const struct adm_rule_check *adm_rule_check_find(const char *id);

#endif
