/* securityContext.automountServiceAccountToken (securityContext family).
 * Restricts: spec.automountServiceAccountToken, by spec.serviceAccountName.
 * Allowed: false; or any value when the pod's service account ("default" when
 *   spec.serviceAccountName is unset) is listed in the rule's
 *   automountServiceAccountTokenServiceAccounts. Unset fails: the
 *   ServiceAccount's own automountServiceAccountToken, which decides then,
 *   is not known here.
 * Not in PodSecurityPolicy. */
#include "admitd/family.h"
#include "internal.h"

#define ID "securityContext.automountServiceAccountToken"

static bool active(const struct adm_rule_settings *rule) {
  return adm_rule_sc(rule)->forbid_automount_token;
}

static void check(const struct adm_rule_ctx *ctx) {
  const struct adm_pod *pod = ctx->pod;
  struct adm_findings *out = ctx->out;
  const struct adm_names *exempt = &adm_rule_sc(ctx->settings)->automount_token_service_accounts;
  if (pod->automount_token == ADM_FALSE)
    return;
  const char *sa = pod->service_account && pod->service_account[0] ? pod->service_account : "default";
  for (size_t i = 0; i < exempt->n; i++)
    if (strcmp(exempt->items[i], sa) == 0)
      return;
  struct adm_sb sb;
  adm_sb_init(&sb, out->arena);
  adm_sb_add(&sb, pod->automount_token == ADM_TRUE ? "pod sets spec.automountServiceAccountToken=true"
                                                   : "pod does not set spec.automountServiceAccountToken");
  adm_sb_addf(&sb, " for service account \"%s\"; it must be false", sa);
  if (exempt->n > 0) {
    adm_sb_add(&sb,
               adm__plural(" unless the service account is ", " unless the service account is one of ", exempt->n));
    adm_sb_add_quoted_list(&sb, (const char *const *)exempt->items, exempt->n);
  }
  adm_findings_add(out, ID, adm_sb_str(&sb));
}

const struct adm_rule_check adm_check_sc_automount_service_account_token = {
    .id = ID,
    .family = ADM_FAMILY_SECURITY_CONTEXT,
    .summary = "pods must set automountServiceAccountToken: false unless their service account is exempt",
    .active = active,
    .check = check,
};
