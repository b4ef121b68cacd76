/* seLinuxOptions (baseline).
 * Restricts: spec.securityContext.seLinuxOptions and every container's.
 * Allowed: type "", container_t, container_init_t, container_kvm_t (and
 *   container_engine_t from 1.31); user and role unset.
 * Versions: 1.0; 1.31 adds container_engine_t. */
#include "internal.h"

static const char *const types_v1_0[] = {"", "container_t", "container_init_t", "container_kvm_t", NULL};
static const char *const types_v1_31[] = {
    "", "container_t", "container_init_t", "container_kvm_t", "container_engine_t", NULL};

struct selinux_scan {
  const char *const *allowed;
  struct adm__names bad_types;
  bool set_user, set_role;
};

static bool valid_options(struct selinux_scan *s, const struct adm_selinux_options *o) {
  bool valid = true;
  if (!adm__str_in(o->type, s->allowed)) {
    valid = false;
    adm__names_add(&s->bad_types, o->type);
  }
  if (o->user[0]) {
    valid = false;
    s->set_user = true;
  }
  if (o->role[0]) {
    valid = false;
    s->set_role = true;
  }
  return valid;
}

static struct adm_check_result se_linux_options(const struct adm_pod *pod, struct adm_arena *a,
                                                const char *const *allowed) {
  struct selinux_scan s = {.allowed = allowed};
  adm__names_init(&s.bad_types, a);
  struct adm__names setters, bad;
  adm__names_init(&setters, a);
  adm__names_init(&bad, a);
  if (pod->sc.present && pod->sc.common.selinux.present && !valid_options(&s, &pod->sc.common.selinux))
    adm__names_add(&setters, "pod");
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    if (c->sc.present && c->sc.common.selinux.present && !valid_options(&s, &c->sc.common.selinux))
      adm__names_add(&bad, c->name);
  }
  adm__setters_add_containers(&setters, &bad);
  if (setters.n == 0)
    return ADM__ALLOWED;
  adm__names_sort_unique(&s.bad_types);
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm_sb_add_list(&sb, setters.items, setters.n, " and ");
  adm_sb_add(&sb, " set forbidden securityContext.seLinuxOptions: ");
  const char *sep = "";
  if (s.bad_types.n > 0) {
    adm_sb_add(&sb, adm__plural("type ", "types ", s.bad_types.n));
    adm_sb_add_quoted_list(&sb, s.bad_types.items, s.bad_types.n);
    sep = "; ";
  }
  if (s.set_user) {
    adm_sb_addf(&sb, "%suser may not be set", sep);
    sep = "; ";
  }
  if (s.set_role)
    adm_sb_addf(&sb, "%srole may not be set", sep);
  return adm__deny("seLinuxOptions", &sb);
}

static struct adm_check_result se_linux_options_v1_0(const struct adm_pod *pod, struct adm_arena *a) {
  return se_linux_options(pod, a, types_v1_0);
}

static struct adm_check_result se_linux_options_v1_31(const struct adm_pod *pod, struct adm_arena *a) {
  return se_linux_options(pod, a, types_v1_31);
}

const struct adm_check adm_check_se_linux_options = {
    .id = "seLinuxOptions",
    .level = ADM_LEVEL_BASELINE,
    .summary = "SELinux type limited to container types; no custom user or role",
    .versions = {{0, se_linux_options_v1_0, NULL}, {31, se_linux_options_v1_31, NULL}},
};
