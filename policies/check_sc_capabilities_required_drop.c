/* securityContext.capabilities.requiredDrop (securityContext family).
 * Restricts: every container's securityContext.capabilities.drop and .add
 *   (init, regular, ephemeral).
 * Allowed: each name in the rule's requiredDropCapabilities is in drop, or
 *   drop holds "ALL"; names compared without case, as runtimes upper-case
 *   them ("all" drops ALL), but a "CAP_"-prefixed name in drop does not
 *   count (containerd would make it CAP_CAP_..., dropping nothing). A
 *   required name, however spelled in add (net_raw, CAP_NET_RAW),
 *   that is also added (other than ALL) fails even so: container runtimes
 *   apply drop ALL before the individual adds, so it would be granted again.
 *   Which capabilities may be added is securityContext.capabilities.allowed's
 *   business, so a required "ALL" says nothing about add.
 * PodSecurityPolicy: requiredDropCapabilities (which it added to drop; admitd
 *   does not mutate, so the pod must say it). */
#include "admitd/family.h"
#include "internal.h"
#include "sc_rule.h"

#include <strings.h>

#define ID "securityContext.capabilities.requiredDrop"

static bool active(const struct adm_rule_settings *rule) {
  return adm_rule_sc(rule)->required_drop_capabilities.n > 0;
}

/* strip_prefix: see adm__sc_cap_is. */
static bool in_list(const struct adm_str_list *l, const char *s, bool strip_prefix) {
  for (size_t i = 0; i < l->n; i++)
    if (adm__sc_cap_is(l->items[i], s, strip_prefix))
      return true;
  return false;
}

/* `container "a" <verb> "X", "Y" in securityContext.capabilities.<field>; <need>` */
static void report(struct adm_findings *out, const struct adm_container *c, const struct adm__names *caps,
                   const char *verb, const char *field, const char *need) {
  if (caps->n == 0)
    return;
  struct adm_sb sb;
  adm_sb_init(&sb, out->arena);
  adm_sb_addf(&sb, "container \"%s\" %s ", c->name, verb);
  adm_sb_add_quoted_list(&sb, caps->items, caps->n);
  adm_sb_addf(&sb, " in securityContext.capabilities.%s; ", field);
  adm_sb_add(&sb, need); /* NULL (its allocation failed) fails the builder */
  adm_findings_add(out, ID, adm_sb_str(&sb));
}

/* "it must drop "ALL"" when ALL is required, else
 * "it must drop "ALL" or each of "NET_RAW", "SYS_ADMIN"". */
static const char *need_text(struct adm_arena *a, const struct adm_names *required) {
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm_sb_add(&sb, "it must drop \"ALL\"");
  for (size_t j = 0; j < required->n; j++)
    if (strcmp(required->items[j], "ALL") == 0)
      return adm_sb_str(&sb);
  adm_sb_add(&sb, adm__plural(" or ", " or each of ", required->n));
  adm_sb_add_quoted_list(&sb, (const char *const *)required->items, required->n);
  return adm_sb_str(&sb);
}

static void check(const struct adm_rule_ctx *ctx) {
  const struct adm_pod *pod = ctx->pod;
  struct adm_findings *out = ctx->out;
  const struct adm_names *required = &adm_rule_sc(ctx->settings)->required_drop_capabilities;
  static const struct adm_str_list none = {NULL, 0};
  for (size_t i = 0; i < pod->n_containers; i++) {
    const struct adm_container *c = &pod->containers[i];
    bool caps = c->sc.present && c->sc.has_capabilities;
    const struct adm_str_list *drop = caps ? &c->sc.cap_drop : &none, *add = caps ? &c->sc.cap_add : &none;
    bool drops_all = in_list(drop, "ALL", false);
    struct adm__names kept, added;
    adm__names_init(&kept, out->arena);
    adm__names_init(&added, out->arena);
    for (size_t j = 0; j < required->n; j++) {
      const char *cap = required->items[j];
      if (!drops_all && !in_list(drop, cap, false))
        adm__names_add(&kept, cap);
      if (strcasecmp(cap, "ALL") != 0 && in_list(add, cap, true))
        adm__names_add(&added, cap);
    }
    if (kept.n > 0)
      report(out, c, &kept, "does not drop", "drop", need_text(out->arena, required));
    report(out, c, &added, "adds", "add", "capabilities it must drop may not be added back");
  }
}

const struct adm_rule_check adm_check_sc_capabilities_required_drop = {
    .id = ID,
    .family = ADM_FAMILY_SECURITY_CONTEXT,
    .summary = "containers must drop every capability in requiredDropCapabilities (or ALL)",
    .active = active,
    .check = check,
    .linux_only = true,
};
