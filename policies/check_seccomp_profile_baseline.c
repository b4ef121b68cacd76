/* seccompProfile_baseline (baseline).
 * Restricts, up to 1.18: annotations seccomp.security.alpha.kubernetes.io/pod and
 *   container.seccomp.security.alpha.kubernetes.io/<container>; allowed
 *   runtime/default, docker/default, localhost/<name>.
 * From 1.19: spec.securityContext.seccompProfile.type and every container's;
 *   allowed RuntimeDefault, Localhost or unset.
 * Versions: 1.0 (annotations); 1.19 (fields). Replaced at restricted from 1.19. */
#include "seccomp.h"

#define ANNOTATION_POD "seccomp.security.alpha.kubernetes.io/pod"
#define ANNOTATION_CONTAINER_PREFIX "container.seccomp.security.alpha.kubernetes.io/"

static bool valid_annotation_value(const char *v) {
  return strcmp(v, "runtime/default") == 0 || strcmp(v, "docker/default") == 0 || strncmp(v, "localhost/", 10) == 0;
}

static struct adm_check_result seccomp_baseline_v1_0(const struct adm_pod *pod, struct adm_arena *a) {
  struct adm__names forbidden;
  adm__names_init(&forbidden, a);
  const char *v = adm_pod_annotation(pod, ANNOTATION_POD);
  if (v && !valid_annotation_value(v))
    adm__names_add(&forbidden, adm__key_quoted_value(a, ANNOTATION_POD, v));
  for (size_t i = 0; i < pod->n_containers; i++) {
    const char *key = adm_arena_printf(a, "%s%s", ANNOTATION_CONTAINER_PREFIX, pod->containers[i].name);
    if (key == NULL)
      continue;
    v = adm_pod_annotation(pod, key);
    if (v && !valid_annotation_value(v))
      adm__names_add(&forbidden, adm__key_quoted_value(a, key, v));
  }
  if (forbidden.n == 0)
    return ADM__ALLOWED;
  adm__names_sort_unique(&forbidden);
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm_sb_addf(&sb, "forbidden %s ", adm__plural("annotation", "annotations", forbidden.n));
  adm_sb_add_list(&sb, forbidden.items, forbidden.n, ", ");
  return adm__deny("seccompProfile", &sb);
}

static struct adm_check_result seccomp_baseline_v1_19(const struct adm_pod *pod, struct adm_arena *a) {
  struct adm__names setters, bad, values;
  adm__names_init(&setters, a);
  adm__names_init(&bad, a);
  adm__names_init(&values, a);
  const struct adm_profile *pp = &pod->sc.common.seccomp;
  if (pod->sc.present && pp->present && !adm__valid_seccomp_type(pp->type)) {
    adm__names_add(&setters, "pod");
    adm__names_add(&values, pp->type);
  }
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    const struct adm_profile *p = &c->sc.common.seccomp;
    if (c->sc.present && p->present && !adm__valid_seccomp_type(p->type)) {
      adm__names_add(&bad, c->name);
      adm__names_add(&values, p->type);
    }
  }
  adm__setters_add_containers(&setters, &bad);
  if (setters.n == 0)
    return ADM__ALLOWED;
  adm__names_sort_unique(&values);
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm_sb_add_list(&sb, setters.items, setters.n, " and ");
  adm_sb_add(&sb, " must not set securityContext.seccompProfile.type to ");
  adm_sb_add_quoted_list(&sb, values.items, values.n);
  return adm__deny("seccompProfile", &sb);
}

const struct adm_check adm_check_seccomp_profile_baseline = {
    .id = "seccompProfile_baseline",
    .level = ADM_LEVEL_BASELINE,
    .summary = "seccomp, if set, limited to RuntimeDefault or Localhost",
    .versions = {{0, seccomp_baseline_v1_0, NULL}, {19, seccomp_baseline_v1_19, NULL}},
};
