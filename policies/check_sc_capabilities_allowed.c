/* securityContext.capabilities.allowed (securityContext family).
 * Restricts: every container's securityContext.capabilities.add (init,
 *   regular, ephemeral).
 * Allowed: names listed in the rule's allowedCapabilities, compared without
 *   case and without a "CAP_" prefix, since runtimes upper-case what they
 *   are given ("net_admin" grants NET_ADMIN); "*" allows any. An empty list
 *   allows no additions. Dropping is never restricted here.
 * PodSecurityPolicy: allowedCapabilities. */
#include "admitd/family.h"
#include "internal.h"
#include "sc_rule.h"

#define ID "securityContext.capabilities.allowed"

static bool active(const struct adm_rule_settings *rule) {
  return adm_rule_sc(rule)->has_allowed_capabilities;
}

static bool allowed(const struct adm_names *allow, const char *cap) {
  for (size_t i = 0; i < allow->n; i++)
    if (strcmp(allow->items[i], "*") == 0 || adm__sc_cap_is(cap, allow->items[i], true))
      return true;
  return false;
}

static void check(const struct adm_rule_ctx *ctx) {
  const struct adm_pod *pod = ctx->pod;
  struct adm_findings *out = ctx->out;
  const struct adm_names *allow = &adm_rule_sc(ctx->settings)->allowed_capabilities;
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    if (!c->sc.present || !c->sc.has_capabilities)
      continue;
    struct adm__names bad;
    adm__names_init(&bad, out->arena);
    for (size_t j = 0; j < c->sc.cap_add.n; j++)
      if (!allowed(allow, c->sc.cap_add.items[j]))
        adm__names_add(&bad, c->sc.cap_add.items[j]);
    if (bad.n == 0)
      continue;
    struct adm_sb sb;
    adm_sb_init(&sb, out->arena);
    adm_sb_addf(&sb, "container \"%s\" adds ", c->name);
    adm_sb_add_quoted_list(&sb, bad.items, bad.n);
    adm_sb_add(&sb, " in securityContext.capabilities.add; allowed: ");
    if (allow->n == 0)
      adm_sb_add(&sb, "none");
    else
      adm_sb_add_quoted_list(&sb, (const char *const *)allow->items, allow->n);
    adm_findings_add(out, ID, adm_sb_str(&sb));
  }
}

const struct adm_rule_check adm_check_sc_capabilities_allowed = {
    .id = ID,
    .family = ADM_FAMILY_SECURITY_CONTEXT,
    .summary = "containers may add only the capabilities in allowedCapabilities",
    .active = active,
    .check = check,
    .linux_only = true,
};
