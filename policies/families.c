/* The one table of policy families (family.h): each family's name, audit
 * key, workload default, rule keys and rule checks; the settings accessors
 * and the findings list. Adding a check: a file
 * policies/check_<family>_<rule>.c exporting its descriptor, and a line in
 * its family's check list below. Adding a family: an entry in
 * adm_families, its checks and keys here, its README section. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admitd/family.h"

/* A check that asks for another family's settings is a programming error
 * no test could miss (every check runs in the unit tests): stop rather
 * than read a struct as another. */
static const struct adm_rule_settings *settings_of(const struct adm_rule_settings *s, enum adm_family_id f) {
  if (s == NULL || s->family != f) {
    fprintf(stderr, "admitd: a %s check read the settings of a %s rule\n", adm_family_name(f),
            s ? adm_family_name(s->family) : "missing");
    abort();
  }
  return s;
}

const struct adm_resources_rule *adm_rule_resources(const struct adm_rule_settings *s) {
  return &settings_of(s, ADM_FAMILY_RESOURCES)->u.resources;
}

const struct adm_sc_rule *adm_rule_sc(const struct adm_rule_settings *s) {
  return &settings_of(s, ADM_FAMILY_SECURITY_CONTEXT)->u.sc;
}

const struct adm_images_rule *adm_rule_images(const struct adm_rule_settings *s) {
  return &settings_of(s, ADM_FAMILY_IMAGES)->u.images;
}

const char *adm_family_name(enum adm_family_id f) {
  return (unsigned)f < ADM__FAMILY_COUNT ? adm_families[f].name : "unknown";
}

void adm_findings_init(struct adm_findings *f, struct adm_arena *a) {
  f->arena = a;
  f->items = NULL;
  f->n = f->cap = 0;
}

void adm_findings_add(struct adm_findings *f, const char *check, const char *message) {
  if (message == NULL) {
    adm_arena_fail(f->arena); /* the request fails closed */
    return;
  }
  struct adm_finding *grown = adm_arena_grow(f->arena, f->items, f->n, &f->cap, sizeof *grown, 8);
  if (grown == NULL)
    return; /* the arena has failed: the verdict will be an error */
  f->items = grown;
  f->items[f->n++] = (struct adm_finding){check, message, false};
}

void adm_findings_add_registry_error(struct adm_findings *f, const char *check, const char *message) {
  size_t before = f->n;
  adm_findings_add(f, check, message);
  if (f->n > before)
    f->items[before].registry_error = true;
}

void adm_findings_addf(struct adm_findings *f, const char *check, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char small[512];
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  const char *msg = NULL;
  if (n >= 0 && (size_t)n < sizeof small) {
    msg = adm_arena_strndup(f->arena, small, (size_t)n);
  } else if (n >= 0) {
    char *big = adm_arena_alloc(f->arena, (size_t)n + 1);
    if (big) {
      va_start(ap, fmt);
      vsnprintf(big, (size_t)n + 1, fmt, ap);
      va_end(ap);
    }
    msg = big;
  }
  adm_findings_add(f, check, msg);
}

/* resources */
extern const struct adm_rule_check adm_check_resources_quantity;
extern const struct adm_rule_check adm_check_resources_requests_required;
extern const struct adm_rule_check adm_check_resources_limits_required;
extern const struct adm_rule_check adm_check_resources_min;
extern const struct adm_rule_check adm_check_resources_max;
extern const struct adm_rule_check adm_check_resources_limit_request_ratio;
extern const struct adm_rule_check adm_check_resources_pod_max;

/* securityContext */
extern const struct adm_rule_check adm_check_sc_read_only_root_filesystem;
extern const struct adm_rule_check adm_check_sc_run_as_non_root;
extern const struct adm_rule_check adm_check_sc_run_as_user;
extern const struct adm_rule_check adm_check_sc_run_as_group;
extern const struct adm_rule_check adm_check_sc_fs_group;
extern const struct adm_rule_check adm_check_sc_supplemental_groups;
extern const struct adm_rule_check adm_check_sc_capabilities_allowed;
extern const struct adm_rule_check adm_check_sc_capabilities_required_drop;
extern const struct adm_rule_check adm_check_sc_automount_service_account_token;
extern const struct adm_rule_check adm_check_sc_share_process_namespace;
extern const struct adm_rule_check adm_check_sc_host_aliases;
extern const struct adm_rule_check adm_check_sc_seccomp_profile;
extern const struct adm_rule_check adm_check_sc_app_armor_profile;
extern const struct adm_rule_check adm_check_sc_proc_mount;
extern const struct adm_rule_check adm_check_sc_allow_privilege_escalation;
extern const struct adm_rule_check adm_check_sc_sysctls;

/* images */
extern const struct adm_rule_check adm_check_images_reference;
extern const struct adm_rule_check adm_check_images_allowed;
extern const struct adm_rule_check adm_check_images_denied;
extern const struct adm_rule_check adm_check_images_digest_required;
extern const struct adm_rule_check adm_check_images_tag_latest;
extern const struct adm_rule_check adm_check_images_tag_allowed;
extern const struct adm_rule_check adm_check_images_signature_pinned;
extern const struct adm_rule_check adm_check_images_signature;

/* --- resources ----------------------------------------------------------- */

static const struct adm_rule_check *const resources_checks[] = {
    &adm_check_resources_quantity,
    &adm_check_resources_requests_required,
    &adm_check_resources_limits_required,
    &adm_check_resources_min,
    &adm_check_resources_max,
    &adm_check_resources_limit_request_ratio,
    &adm_check_resources_pod_max,
    NULL,
};

#define RES(f) offsetof(struct adm_rule_settings, u.resources.f)
static const struct adm_key_spec resources_keys[] = {
    {"requireRequests", ADM_KEY_RESOURCE_NAMES, RES(require_requests), ADM_KEY_NO_FLAG, false,
     "resources every container must request (init and sidecar containers included)"},
    {"requireLimits", ADM_KEY_RESOURCE_NAMES, RES(require_limits), ADM_KEY_NO_FLAG, false,
     "resources every container must limit"},
    {"min", ADM_KEY_QUANTITIES, RES(min), ADM_KEY_NO_FLAG, false,
     "smallest request or limit per container, where one is set"},
    {"max", ADM_KEY_QUANTITIES, RES(max), ADM_KEY_NO_FLAG, false,
     "largest request or limit per container, where one is set"},
    {"maxLimitRequestRatio", ADM_KEY_QUANTITIES, RES(max_ratio), ADM_KEY_NO_FLAG, false,
     "largest limit / request per container, where both are set"},
    {"podMax", ADM_KEY_QUANTITIES, RES(pod_max), ADM_KEY_NO_FLAG, false,
     "largest effective pod request or limit: spec.resources where set, else containers and sidecars summed (max "
     "with each init container); plus spec.overhead"},
};

static const struct adm_quantity_setting *find_quantity(const struct adm_quantity_map *m, const char *resource) {
  for (size_t i = 0; i < m->n; i++)
    if (strcmp(m->items[i].resource, resource) == 0)
      return &m->items[i];
  return NULL;
}

static void resources_contradictions(const struct adm_rule_settings *s, adm_contradiction_fn report, void *ctx) {
  const struct adm_resources_rule *x = adm_rule_resources(s);
  char msg[160];
  for (size_t i = 0; i < x->min.n; i++) {
    const struct adm_quantity_setting *hi = find_quantity(&x->max, x->min.items[i].resource);
    if (hi && adm_quantity_cmp(&x->min.items[i].value, &hi->value) > 0) {
      snprintf(msg, sizeof msg, "min is greater than max (%s)", hi->text);
      report(ctx, "min", x->min.items[i].resource, msg);
    }
  }
  static const struct adm_quantity one = {false, 1, 0};
  for (size_t i = 0; i < x->max_ratio.n; i++) {
    if (adm_quantity_cmp(&x->max_ratio.items[i].value, &one) < 0) {
      snprintf(msg, sizeof msg, "a limit to request ratio is at least 1, got %s", x->max_ratio.items[i].text);
      report(ctx, "maxLimitRequestRatio", x->max_ratio.items[i].resource, msg);
    }
  }
}

/* --- securityContext ------------------------------------------------------ */

static const struct adm_rule_check *const sc_checks[] = {
    &adm_check_sc_read_only_root_filesystem,
    &adm_check_sc_run_as_non_root,
    &adm_check_sc_run_as_user,
    &adm_check_sc_run_as_group,
    &adm_check_sc_fs_group,
    &adm_check_sc_supplemental_groups,
    &adm_check_sc_capabilities_allowed,
    &adm_check_sc_capabilities_required_drop,
    &adm_check_sc_automount_service_account_token,
    &adm_check_sc_share_process_namespace,
    &adm_check_sc_host_aliases,
    &adm_check_sc_seccomp_profile,
    &adm_check_sc_app_armor_profile,
    &adm_check_sc_proc_mount,
    &adm_check_sc_allow_privilege_escalation,
    &adm_check_sc_sysctls,
    NULL,
};

#define SC(f) offsetof(struct adm_rule_settings, u.sc.f)
static const struct adm_key_spec sc_keys[] = {
    {"readOnlyRootFilesystem", ADM_KEY_TRUE, SC(require_read_only_root_filesystem), ADM_KEY_NO_FLAG, false,
     "true: every container sets readOnlyRootFilesystem: true"},
    {"runAsNonRoot", ADM_KEY_TRUE, SC(require_run_as_non_root), ADM_KEY_NO_FLAG, false,
     "true: every container runs as non-root (runAsNonRoot: true or a runAsUser other than 0)"},
    {"runAsUser", ADM_KEY_ID_RANGE, SC(run_as_user), ADM_KEY_NO_FLAG, false,
     "{min, max}: every container's effective runAsUser"},
    {"runAsGroup", ADM_KEY_ID_RANGE, SC(run_as_group), ADM_KEY_NO_FLAG, false,
     "{min, max}: every container's effective runAsGroup"},
    {"fsGroup", ADM_KEY_ID_RANGE, SC(fs_group), ADM_KEY_NO_FLAG, false, "{min, max}: the pod's fsGroup"},
    {"supplementalGroups", ADM_KEY_ID_RANGE, SC(supplemental_groups), ADM_KEY_NO_FLAG, false,
     "{min, max}: each supplemental group"},
    {"allowedCapabilities", ADM_KEY_CAPABILITIES, SC(allowed_capabilities), SC(has_allowed_capabilities), false,
     "capabilities a container may add (* for any; [] for none)"},
    {"requiredDropCapabilities", ADM_KEY_CAPABILITIES, SC(required_drop_capabilities), ADM_KEY_NO_FLAG, false,
     "capabilities every container must drop (dropping ALL satisfies any)"},
    {"automountServiceAccountToken", ADM_KEY_FALSE, SC(forbid_automount_token), ADM_KEY_NO_FLAG, false,
     "false: the pod sets automountServiceAccountToken: false"},
    {"allowedAutomountServiceAccounts", ADM_KEY_NAMES, SC(automount_token_service_accounts), ADM_KEY_NO_FLAG, true,
     "service accounts whose pods may mount a token anyway"},
    {"shareProcessNamespace", ADM_KEY_FALSE, SC(forbid_share_process_namespace), ADM_KEY_NO_FLAG, false,
     "false: shareProcessNamespace is not true"},
    {"hostAliases", ADM_KEY_FALSE, SC(forbid_host_aliases), ADM_KEY_NO_FLAG, false, "false: no hostAliases entries"},
    {"allowedSeccompProfiles", ADM_KEY_PROFILES, SC(allowed_seccomp_profiles), SC(has_allowed_seccomp_profiles), false,
     "RuntimeDefault, Unconfined, Localhost/<glob>: each container's effective seccomp profile"},
    {"allowedAppArmorProfiles", ADM_KEY_PROFILES, SC(allowed_apparmor_profiles), SC(has_allowed_apparmor_profiles),
     false, "RuntimeDefault, Unconfined, Localhost/<glob>: each container's AppArmor profile (unset: RuntimeDefault)"},
    {"allowedProcMountTypes", ADM_KEY_PROC_MOUNTS, SC(allowed_proc_mount_types), SC(has_allowed_proc_mount_types),
     false, "Default, Unmasked: each container's procMount"},
    {"allowPrivilegeEscalation", ADM_KEY_FALSE, SC(require_no_privilege_escalation), ADM_KEY_NO_FLAG, false,
     "false: every container sets allowPrivilegeEscalation: false"},
    {"allowedUnsafeSysctls", ADM_KEY_SYSCTLS, SC(allowed_unsafe_sysctls), SC(has_allowed_unsafe_sysctls), false,
     "globs of sysctls allowed beyond Pod Security's safe set"},
    {"forbiddenSysctls", ADM_KEY_SYSCTLS, SC(forbidden_sysctls), ADM_KEY_NO_FLAG, false,
     "globs of sysctls no pod may set"},
};

/* --- images ---------------------------------------------------------------- */

static const struct adm_rule_check *const images_checks[] = {
    &adm_check_images_reference,        &adm_check_images_allowed,    &adm_check_images_denied,
    &adm_check_images_digest_required,  &adm_check_images_tag_latest, &adm_check_images_tag_allowed,
    &adm_check_images_signature_pinned, &adm_check_images_signature,  NULL,
};

#define IMG(f) offsetof(struct adm_rule_settings, u.images.f)
static const struct adm_key_spec images_keys[] = {
    {"allow", ADM_KEY_IMAGE_PATTERNS, IMG(allow), ADM_KEY_NO_FLAG, false,
     "image patterns; when given, every image must match one"},
    {"deny", ADM_KEY_IMAGE_PATTERNS, IMG(deny), ADM_KEY_NO_FLAG, false,
     "image patterns no image may match, even an allowed one"},
    {"requireDigest", ADM_KEY_DIGEST_PATTERNS, IMG(require_digest), ADM_KEY_NO_FLAG, false,
     "image patterns whose images must be pinned by digest (@sha256:...)"},
    {"forbidLatest", ADM_KEY_TRUE, IMG(forbid_latest), ADM_KEY_NO_FLAG, false,
     "true: no image tagged latest or untagged, unless pinned by digest"},
    {"allowedTags", ADM_KEY_TAG_GLOBS, IMG(allowed_tags), IMG(has_allowed_tags), false,
     "tag globs (v1.*); an image not pinned by digest must have a matching tag (untagged: latest)"},
    {"verify", ADM_KEY_VERIFY, IMG(verify), ADM_KEY_NO_FLAG, false,
     "signatures (.sig or Sigstore bundles) the rule's images must carry: images, authorities, threshold... (below)"},
};

/* --- the table ------------------------------------------------------------- */

#define KEYS(k) k, .n_rule_keys = sizeof(k) / sizeof((k)[0])

const struct adm_family adm_families[ADM__FAMILY_COUNT] = {
    [ADM_FAMILY_POD_SECURITY] = {.id = ADM_FAMILY_POD_SECURITY,
                                 .name = "podSecurity",
                                 .audit_key = "audit-violations",
                                 .workloads = ADM_WORKLOADS_WARN,
                                 .model = ADM_FAMILY_LEVELS,
                                 .level_checks = adm_check_table},
    [ADM_FAMILY_RESOURCES] = {.id = ADM_FAMILY_RESOURCES,
                              .name = "resources",
                              .audit_key = "resources-violations",
                              .workloads = ADM_WORKLOADS_ENFORCE,
                              .checks = resources_checks,
                              .rule_keys = KEYS(resources_keys),
                              .contradictions = resources_contradictions},
    [ADM_FAMILY_SECURITY_CONTEXT] = {.id = ADM_FAMILY_SECURITY_CONTEXT,
                                     .name = "securityContext",
                                     .audit_key = "securityContext-violations",
                                     .workloads = ADM_WORKLOADS_ENFORCE,
                                     .checks = sc_checks,
                                     .rule_keys = KEYS(sc_keys)},
    [ADM_FAMILY_IMAGES] = {.id = ADM_FAMILY_IMAGES,
                           .name = "images",
                           .audit_key = "images-violations",
                           .workloads = ADM_WORKLOADS_ENFORCE,
                           .checks = images_checks,
                           .rule_keys = KEYS(images_keys)},
};

const struct adm_family *adm_family_find(const char *name) {
  for (int f = 0; f < ADM__FAMILY_COUNT; f++)
    if (strcmp(adm_families[f].name, name) == 0)
      return &adm_families[f];
  return NULL;
}

const struct adm_rule_check *adm_rule_check_find(const char *id) {
  for (int f = 0; f < ADM__FAMILY_COUNT; f++)
    for (const struct adm_rule_check *const *c = adm_families[f].checks; c && *c; c++)
      if (strcmp((*c)->id, id) == 0)
        return *c;
  return NULL;
}
