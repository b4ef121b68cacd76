/* The policy families' names, the findings list, and the one table of
 * rule checks beyond Pod Security (family.h). Adding a check: a file
 * policies/check_<family>_<rule>.c exporting its descriptor, and a line
 * in adm_rule_check_table below. */
#include <stdarg.h>
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
  static const char *const names[ADM__FAMILY_COUNT] = {"podSecurity", "resources", "securityContext", "images"};
  return (unsigned)f < ADM__FAMILY_COUNT ? names[f] : "unknown";
}

void adm_findings_init(struct adm_findings *f, struct adm_arena *a) {
  f->arena = a;
  f->items = NULL;
  f->n = f->cap = 0;
}

void adm_findings_add(struct adm_findings *f, const char *check, const char *message) {
  if (message == NULL) {
    adm_arena_strdup(f->arena, NULL); /* marks the arena failed: the request fails closed */
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

const struct adm_rule_check *const adm_rule_check_table[] = {
    /* resources */
    &adm_check_resources_quantity,
    &adm_check_resources_requests_required,
    &adm_check_resources_limits_required,
    &adm_check_resources_min,
    &adm_check_resources_max,
    &adm_check_resources_limit_request_ratio,
    &adm_check_resources_pod_max,
    /* securityContext */
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
    /* images */
    &adm_check_images_reference,
    &adm_check_images_allowed,
    &adm_check_images_denied,
    &adm_check_images_digest_required,
    &adm_check_images_tag_latest,
    &adm_check_images_tag_allowed,
    &adm_check_images_signature_pinned,
    &adm_check_images_signature,
    NULL,
};
