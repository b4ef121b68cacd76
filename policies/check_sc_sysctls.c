/* securityContext.sysctls (securityContext family).
 * Restricts: spec.securityContext.sysctls[*].name.
 * Allowed: names matching none of the rule's forbiddenSysctls globs; and,
 *   when allowedUnsafeSysctls is configured, names outside Pod Security's
 *   safe set (the newest version of the baseline sysctls check) must match
 *   one of its globs. Globs are fnmatch patterns without flags ("kernel.*",
 *   "*"). A name both forbidden and unsafe is reported as forbidden only,
 *   as PodSecurityPolicy gave forbiddenSysctls precedence. Names written
 *   with "/" separators ("kernel/msgmax") are matched as the kubelet reads
 *   them ("kernel.msgmax"), so the other spelling cannot slip past a glob.
 * PodSecurityPolicy: forbiddenSysctls, allowedUnsafeSysctls. */
#include <fnmatch.h>

#include "admitd/family.h"
#include "internal.h"

#define ID "securityContext.sysctls"

/* The Pod Security check whose newest version holds the safe set. */
extern const struct adm_check adm_check_sysctls;

static bool active(const struct adm_rule_settings *rule) {
  const struct adm_sc_rule *r = adm_rule_sc(rule);
  return r->forbidden_sysctls.n > 0 || r->has_allowed_unsafe_sysctls;
}

static bool matches(const struct adm_names *globs, const char *name) {
  for (size_t i = 0; i < globs->n; i++)
    if (fnmatch(globs->items[i], name, 0) == 0)
      return true;
  return false;
}

/* The kubelet's sysctl.NormalizeName: when the first separator is "/",
 * "." and "/" swap ("net/ipv4/conf/eno2.100/rp_filter" is
 * "net.ipv4.conf.eno2/100.rp_filter"). Borrowed from the arena, or name. */
static const char *normalize(const char *name, struct adm_arena *a) {
  size_t sep = strcspn(name, "./");
  if (name[sep] != '/')
    return name;
  char *n = adm_arena_strdup(a, name);
  if (n == NULL)
    return name; /* the arena has failed: the verdict will be an error */
  for (char *p = n; *p; p++)
    *p = *p == '.' ? '/' : *p == '/' ? '.' : *p;
  return n;
}

/* Whether the newest baseline sysctls check allows name: one list of safe
 * sysctls for Pod Security and this rule. It allocates only when it fails. */
static bool safe(const char *name, struct adm_arena *a) {
  adm_check_fn newest = NULL;
  for (size_t v = 0; v < ADM_CHECK_MAX_VERSIONS && adm_check_sysctls.versions[v].fn; v++)
    newest = adm_check_sysctls.versions[v].fn;
  const char *items[1] = {name};
  struct adm_pod one = {.sc = {.present = true, .sysctls = {items, 1}}};
  return newest != NULL && newest(&one, a).allowed;
}

static void report(struct adm_findings *out, const struct adm__names *bad, const char *what,
                   const struct adm_names *globs, const char *globs_key) {
  if (bad->n == 0)
    return;
  struct adm_sb sb;
  adm_sb_init(&sb, out->arena);
  adm_sb_addf(&sb, "pod sets %s %s ", what, adm__plural("sysctl", "sysctls", bad->n));
  adm_sb_add_quoted_list(&sb, bad->items, bad->n);
  adm_sb_addf(&sb, " in spec.securityContext.sysctls; %s: ", globs_key);
  adm_sb_add_quoted_list(&sb, (const char *const *)globs->items, globs->n);
  if (globs->n == 0)
    adm_sb_add(&sb, "none");
  adm_findings_add(out, ID, adm_sb_str(&sb));
}

static void check(const struct adm_rule_ctx *ctx) {
  const struct adm_pod *pod = ctx->pod;
  struct adm_findings *out = ctx->out;
  const struct adm_sc_rule *r = adm_rule_sc(ctx->settings);
  if (!pod->sc.present)
    return;
  struct adm__names forbidden, unsafe;
  adm__names_init(&forbidden, out->arena);
  adm__names_init(&unsafe, out->arena);
  for (size_t i = 0; i < pod->sc.sysctls.n; i++) {
    const char *name = pod->sc.sysctls.items[i], *n = normalize(name, out->arena);
    if (matches(&r->forbidden_sysctls, n))
      adm__names_add(&forbidden, name);
    else if (r->has_allowed_unsafe_sysctls && !safe(n, out->arena) && !matches(&r->allowed_unsafe_sysctls, n))
      adm__names_add(&unsafe, name);
  }
  report(out, &forbidden, "forbidden", &r->forbidden_sysctls, "forbidden");
  report(out, &unsafe, "unsafe", &r->allowed_unsafe_sysctls, "allowed beyond the safe set");
}

const struct adm_rule_check adm_check_sc_sysctls = {
    .id = ID,
    .family = ADM_FAMILY_SECURITY_CONTEXT,
    .summary = "no forbiddenSysctls; sysctls beyond the safe set only if in allowedUnsafeSysctls",
    .active = active,
    .check = check,
    .linux_only = true,
};
