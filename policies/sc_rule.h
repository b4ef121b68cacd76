/* Helpers shared by the securityContext family's rule checks
 * (policies/check_sc_*.c): ID ranges and their "allowed" text, the
 * container-over-pod ID check, the profile matcher and the "containers must
 * set a boolean" check. Pure, like the checks: they read the pod view and
 * the rule's settings and append findings to the request arena. Each check
 * keeps its own file, descriptor and field names; only the logic and the
 * wording that must stay the same across them live here. */
#ifndef ADMITD_POLICIES_SC_RULE_H
#define ADMITD_POLICIES_SC_RULE_H

#include "admitd/family.h"
#include "internal.h"

static inline bool adm__sc_in_range(const struct adm_id_range *r, int64_t v) {
  return (!r->has_min || v >= r->min) && (!r->has_max || v <= r->max);
}

/* "; allowed: 1000 to 2000" (or "1000 or more", "2000 or less", "any value") */
void adm__sc_add_allowed_range(struct adm_sb *sb, const struct adm_id_range *r);

/* "; allowed: \"A\", \"B\"" (or "none" for an empty list) */
void adm__sc_add_allowed_names(struct adm_sb *sb, const struct adm_names *allow);

/* Reads one ID field of a securityContext: true and *v when it is set. */
typedef bool (*adm__sc_id_get_fn)(const struct adm_security_common *sc, int64_t *v);

/* Every container's effective ID (its own securityContext.<field>, else
 * spec.securityContext.<field>, as the kubelet resolves it) must be set and
 * in r; a finding under id for each container where it is not. */
void adm__sc_check_id(const struct adm_pod *pod, const char *id, const char *field, const struct adm_id_range *r,
                      adm__sc_id_get_fn get, struct adm_findings *out);

/* Whether a profile of type (with name, a Localhost profile's name or NULL)
 * matches an entry of allow: "RuntimeDefault" and "Unconfined" match
 * themselves, "Localhost/<glob>" a Localhost profile whose name the glob
 * matches (fnmatch, no flags); anything else nothing. */
/* Whether a capability name from a pod is want. Runtimes upper-case what
 * the API server accepts as written (containerd adds "CAP_" + upper case),
 * so names compare without case. A "CAP_" prefix is stripped only where
 * reading more into a name is the safe side (what add may grant); a
 * prefixed name in drop may drop nothing, so it is not taken as dropped. */
bool adm__sc_cap_is(const char *name, const char *want, bool strip_prefix);

bool adm__sc_profile_allowed(const struct adm_names *allow, const char *type, const char *name);

/* Reads one boolean field of a container's securityContext. */
typedef enum adm_tri (*adm__sc_tri_get_fn)(const struct adm_container_security *sc);

/* Every container must set securityContext.<field> to want; two findings
 * under id at most, in this order: `containers "a", "b" do not set
 * securityContext.<field>; it must be <want>` and `container "c" sets
 * securityContext.<field>=<!want>; it must be <want>`. */
void adm__sc_require_bool(const struct adm_pod *pod, const char *id, const char *field, bool want,
                          adm__sc_tri_get_fn get, struct adm_findings *out);

#endif
