/* securityContext.appArmorProfile (securityContext family).
 * Restricts: the effective AppArmor profile of every container (init, regular,
 *   ephemeral), resolved as the kubelet does: the container's
 *   securityContext.appArmorProfile, else the legacy annotation
 *   metadata.annotations["container.apparmor.security.beta.kubernetes.io/<name>"]
 *   ("runtime/default", "unconfined", "localhost/<profile>"), else
 *   spec.securityContext.appArmorProfile, else the runtime default.
 * Allowed: profiles matching an entry of the rule's allowedAppArmorProfiles:
 *   "RuntimeDefault", "Unconfined", or "Localhost/<glob>" matched (fnmatch,
 *   no flags) against the profile name. Unset counts as RuntimeDefault. An
 *   annotation with any other value names no profile and fails.
 * PodSecurityPolicy: the apparmor.security.beta.kubernetes.io/allowedProfileNames
 *   annotation. */
#include "sc_rule.h"

#define ID "securityContext.appArmorProfile"
#define ANNOTATION_PREFIX "container.apparmor.security.beta.kubernetes.io/"

static bool active(const struct adm_rule_settings *rule) {
  return adm_rule_sc(rule)->has_allowed_apparmor_profiles;
}

/* The legacy annotation's value for container name, or NULL. */
static const char *annotation(const struct adm_pod *pod, const char *name) {
  const size_t plen = sizeof ANNOTATION_PREFIX - 1;
  for (size_t i = 0; i < pod->n_annotations; i++) {
    const char *k = pod->annotation_keys[i];
    if (strncmp(k, ANNOTATION_PREFIX, plen) == 0 && strcmp(k + plen, name) == 0)
      return pod->annotation_values[i];
  }
  return NULL;
}

enum source { RUNTIME_DEFAULT, CONTAINER_FIELD, ANNOTATION, POD_FIELD };

/* A profile as it is judged, and where it came from. type NULL: an
 * annotation value that names no profile, kept in name. */
struct effective {
  const char *type, *name;
  enum source from;
};

static struct effective resolve(const struct adm_pod *pod, const struct adm_container *c) {
  if (c->sc.present && c->sc.common.apparmor.present)
    return (struct effective){c->sc.common.apparmor.type, c->sc.common.apparmor.localhost_profile, CONTAINER_FIELD};
  const char *v = annotation(pod, c->name);
  if (v) {
    if (strcmp(v, "runtime/default") == 0)
      return (struct effective){"RuntimeDefault", NULL, ANNOTATION};
    if (strcmp(v, "unconfined") == 0)
      return (struct effective){"Unconfined", NULL, ANNOTATION};
    if (strncmp(v, "localhost/", 10) == 0)
      return (struct effective){"Localhost", v + 10, ANNOTATION};
    return (struct effective){NULL, v, ANNOTATION};
  }
  if (pod->sc.present && pod->sc.common.apparmor.present)
    return (struct effective){pod->sc.common.apparmor.type, pod->sc.common.apparmor.localhost_profile, POD_FIELD};
  return (struct effective){"RuntimeDefault", NULL, RUNTIME_DEFAULT};
}

static void check(const struct adm_rule_ctx *ctx) {
  const struct adm_pod *pod = ctx->pod;
  struct adm_findings *out = ctx->out;
  const struct adm_names *allow = &adm_rule_sc(ctx->settings)->allowed_apparmor_profiles;
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    struct effective e = resolve(pod, c);
    if (e.type && adm__sc_profile_allowed(allow, e.type, e.name))
      continue;
    struct adm_sb sb;
    adm_sb_init(&sb, out->arena);
    adm_sb_addf(&sb, "container \"%s\" ", c->name);
    if (e.type == NULL) {
      adm_sb_add(&sb, "has annotation ");
      adm_sb_add(&sb, adm__key_quoted_value(out->arena, adm_arena_printf(out->arena, ANNOTATION_PREFIX "%s", c->name),
                                            e.name));
      adm_sb_add(&sb, ", which names no AppArmor profile");
    } else if (e.from == RUNTIME_DEFAULT) {
      adm_sb_add(&sb, "sets no AppArmor profile, so the runtime default (\"RuntimeDefault\") applies");
    } else {
      adm_sb_addf(&sb, "uses AppArmor profile \"%s", e.type);
      if (strcmp(e.type, "Localhost") == 0 && e.name)
        adm_sb_addf(&sb, "/%s", e.name);
      if (e.from == ANNOTATION)
        adm_sb_addf(&sb, "\" from annotation " ANNOTATION_PREFIX "%s", c->name);
      else
        adm_sb_add(&sb, e.from == CONTAINER_FIELD ? "\" from securityContext.appArmorProfile"
                                                  : "\" from spec.securityContext.appArmorProfile");
    }
    adm__sc_add_allowed_names(&sb, allow);
    adm_findings_add(out, ID, adm_sb_str(&sb));
  }
}

const struct adm_rule_check adm_check_sc_app_armor_profile = {
    .id = ID,
    .family = ADM_FAMILY_SECURITY_CONTEXT,
    .summary =
        "every container's effective AppArmor profile (unset: RuntimeDefault) must be in allowedAppArmorProfiles",
    .active = active,
    .check = check,
    .linux_only = true,
};
