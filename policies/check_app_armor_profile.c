/* appArmorProfile (baseline).
 * Restricts: metadata.annotations["container.apparmor.security.beta.kubernetes.io/..."],
 *   spec.securityContext.appArmorProfile.type and the same field on every container.
 * Allowed: annotations "runtime/default", "localhost/<name>" or empty; types RuntimeDefault, Localhost.
 * Versions: 1.0 (the field checks apply to every version, as upstream has it). */
#include "internal.h"

#define APPARMOR_ANNOTATION_PREFIX "container.apparmor.security.beta.kubernetes.io/"

static bool allowed_annotation_value(const char *v) {
  return v[0] == '\0' || strcmp(v, "runtime/default") == 0 || strncmp(v, "localhost/", 10) == 0;
}

static bool allowed_type(const char *t) {
  return strcmp(t, "RuntimeDefault") == 0 || strcmp(t, "Localhost") == 0;
}

static struct adm_check_result app_armor_profile_v1_0(const struct adm_pod *pod, struct adm_arena *a) {
  struct adm__names setters, values, containers, annotations;
  adm__names_init(&setters, a);
  adm__names_init(&values, a);
  adm__names_init(&containers, a);
  adm__names_init(&annotations, a);

  const struct adm_profile *pp = &pod->sc.common.apparmor;
  if (pod->sc.present && pp->present && !allowed_type(pp->type)) {
    adm__names_add(&setters, "pod");
    adm__names_add(&values, pp->type);
  }
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    const struct adm_profile *p = &c->sc.common.apparmor;
    if (c->sc.present && p->present && !allowed_type(p->type)) {
      adm__names_add(&containers, c->name);
      adm__names_add(&values, p->type);
    }
  }
  adm__setters_add_containers(&setters, &containers);
  for (size_t i = 0; i < pod->n_annotations; i++) {
    const char *k = pod->annotation_keys[i], *v = pod->annotation_values[i];
    if (strncmp(k, APPARMOR_ANNOTATION_PREFIX, sizeof APPARMOR_ANNOTATION_PREFIX - 1) == 0 &&
        !allowed_annotation_value(v))
      adm__names_add(&annotations, adm__key_quoted_value(a, k, v));
  }
  adm__names_sort_unique(&values);
  if (annotations.n > 0) {
    adm__names_sort_unique(&annotations);
    for (size_t i = 0; i < annotations.n; i++)
      adm__names_add(&values, annotations.items[i]);
    adm__names_add(&setters, adm__plural("annotation", "annotations", annotations.n));
  }
  if (setters.n == 0)
    return ADM__ALLOWED;
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm_sb_add_list(&sb, setters.items, setters.n, " and ");
  adm_sb_add(&sb, " must not set AppArmor profile type to ");
  adm_sb_add_quoted_list(&sb, values.items, values.n);
  return adm__deny(adm__plural("forbidden AppArmor profile", "forbidden AppArmor profiles", values.n), &sb);
}

const struct adm_check adm_check_app_armor_profile = {
    .id = "appArmorProfile",
    .level = ADM_LEVEL_BASELINE,
    .summary = "AppArmor profiles limited to runtime/default and localhost",
    .versions = {{0, app_armor_profile_v1_0, NULL}},
};
