/* The securityContext rule checks' shared logic and wording (see
 * sc_rule.h). Pure: no I/O, memory only from the findings' arena. */
#include <fnmatch.h>
#include <inttypes.h>
#include <strings.h>

#include "sc_rule.h"

void adm__sc_add_allowed_range(struct adm_sb *sb, const struct adm_id_range *r) {
  if (r->has_min && r->has_max)
    adm_sb_addf(sb, "; allowed: %" PRId64 " to %" PRId64, r->min, r->max);
  else if (r->has_min)
    adm_sb_addf(sb, "; allowed: %" PRId64 " or more", r->min);
  else if (r->has_max)
    adm_sb_addf(sb, "; allowed: %" PRId64 " or less", r->max);
  else
    adm_sb_add(sb, "; allowed: any value");
}

void adm__sc_add_allowed_names(struct adm_sb *sb, const struct adm_names *allow) {
  adm_sb_add(sb, "; allowed: ");
  adm_sb_add_quoted_list(sb, (const char *const *)allow->items, allow->n);
  if (allow->n == 0)
    adm_sb_add(sb, "none");
}

void adm__sc_check_id(const struct adm_pod *pod, const char *id, const char *field, const struct adm_id_range *r,
                      adm__sc_id_get_fn get, struct adm_findings *out) {
  int64_t pod_v = 0;
  bool pod_sets = pod->sc.present && get(&pod->sc.common, &pod_v);
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    int64_t v = 0;
    bool own = c->sc.present && get(&c->sc.common, &v);
    if (!own)
      v = pod_v;
    if ((own || pod_sets) && adm__sc_in_range(r, v))
      continue;
    struct adm_sb sb;
    adm_sb_init(&sb, out->arena);
    if (own)
      adm_sb_addf(&sb, "container \"%s\" sets securityContext.%s=%" PRId64, c->name, field, v);
    else if (pod_sets)
      adm_sb_addf(&sb, "container \"%s\" inherits spec.securityContext.%s=%" PRId64, c->name, field, v);
    else
      adm_sb_addf(&sb, "container \"%s\" sets no %s in securityContext or spec.securityContext", c->name, field);
    adm__sc_add_allowed_range(&sb, r);
    adm_findings_add(out, id, adm_sb_str(&sb));
  }
}

bool adm__sc_profile_allowed(const struct adm_names *allow, const char *type, const char *name) {
  bool localhost = strcmp(type, "Localhost") == 0;
  for (size_t i = 0; i < allow->n; i++) {
    const char *e = allow->items[i];
    if (!localhost && strcmp(e, type) == 0 && type[0] != '\0')
      return true;
    if (localhost && name && strncmp(e, "Localhost/", 10) == 0 && fnmatch(e + 10, name, 0) == 0)
      return true;
  }
  return false;
}

/* `containers "a", "b" do not set securityContext.<field>; it must be <want>`,
 * or with value `... set securityContext.<field>=<value>; ...` */
static void report(struct adm_findings *out, const char *id, const struct adm__names *names, const char *field,
                   const char *value, bool want) {
  if (names->n == 0)
    return;
  struct adm_sb sb;
  adm_sb_init(&sb, out->arena);
  adm__add_containers(&sb, names);
  if (value == NULL)
    adm_sb_addf(&sb, " %s securityContext.%s", adm__plural("does not set", "do not set", names->n), field);
  else
    adm_sb_addf(&sb, " %s securityContext.%s=%s", adm__plural("sets", "set", names->n), field, value);
  adm_sb_addf(&sb, "; it must be %s", want ? "true" : "false");
  adm_findings_add(out, id, adm_sb_str(&sb));
}

void adm__sc_require_bool(const struct adm_pod *pod, const char *id, const char *field, bool want,
                          adm__sc_tri_get_fn get, struct adm_findings *out) {
  struct adm__names unset, wrong;
  adm__names_init(&unset, out->arena);
  adm__names_init(&wrong, out->arena);
  enum adm_tri bad = want ? ADM_FALSE : ADM_TRUE;
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    enum adm_tri v = c->sc.present ? get(&c->sc) : ADM_UNSET;
    if (v == ADM_UNSET)
      adm__names_add(&unset, c->name);
    else if (v == bad)
      adm__names_add(&wrong, c->name);
  }
  report(out, id, &unset, field, NULL, want);
  report(out, id, &wrong, field, want ? "false" : "true", want);
}

bool adm__sc_cap_is(const char *name, const char *want, bool strip_prefix) {
  if (name == NULL || want == NULL)
    return false;
  if (strip_prefix && strncasecmp(name, "CAP_", 4) == 0)
    name += 4;
  if (strncasecmp(want, "CAP_", 4) == 0)
    want += 4;
  return strcasecmp(name, want) == 0;
}
