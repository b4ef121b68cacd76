/* The one table of Pod Security check descriptors, and the registry built
 * from it: for every level and every policy version 1.0..1.<newest>, the
 * active implementation of each check in output order (baseline ids sorted,
 * then restricted ids sorted), with restricted overrides applied. Built once;
 * a broken table is refused, never half-used. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include "admitd/family.h"
#include "internal.h"

extern const struct adm_check adm_check_allow_privilege_escalation;
extern const struct adm_check adm_check_app_armor_profile;
extern const struct adm_check adm_check_capabilities_baseline;
extern const struct adm_check adm_check_capabilities_restricted;
extern const struct adm_check adm_check_host_namespaces;
extern const struct adm_check adm_check_host_path_volumes;
extern const struct adm_check adm_check_host_ports;
extern const struct adm_check adm_check_host_probes_and_host_lifecycle;
extern const struct adm_check adm_check_privileged;
extern const struct adm_check adm_check_proc_mount_baseline;
extern const struct adm_check adm_check_proc_mount_restricted;
extern const struct adm_check adm_check_restricted_volumes;
extern const struct adm_check adm_check_run_as_non_root;
extern const struct adm_check adm_check_run_as_user;
extern const struct adm_check adm_check_se_linux_options;
extern const struct adm_check adm_check_seccomp_profile_baseline;
extern const struct adm_check adm_check_seccomp_profile_restricted;
extern const struct adm_check adm_check_sysctls;
extern const struct adm_check adm_check_windows_host_process;

const struct adm_check *const adm_check_table[] = {
    &adm_check_app_armor_profile,
    &adm_check_capabilities_baseline,
    &adm_check_host_namespaces,
    &adm_check_host_path_volumes,
    &adm_check_host_ports,
    &adm_check_host_probes_and_host_lifecycle,
    &adm_check_privileged,
    &adm_check_proc_mount_baseline,
    &adm_check_se_linux_options,
    &adm_check_seccomp_profile_baseline,
    &adm_check_sysctls,
    &adm_check_windows_host_process,
    &adm_check_allow_privilege_escalation,
    &adm_check_capabilities_restricted,
    &adm_check_proc_mount_restricted,
    &adm_check_restricted_volumes,
    &adm_check_run_as_non_root,
    &adm_check_run_as_user,
    &adm_check_seccomp_profile_restricted,
    NULL,
};

static const char *const level_names[] = {"privileged", "baseline", "restricted"};

const char *adm_level_name(enum adm_level level) {
  return (unsigned)level <= ADM_LEVEL_RESTRICTED ? level_names[level] : "unknown";
}

int adm_level_parse(const char *s, enum adm_level *out) {
  for (int i = 0; i <= ADM_LEVEL_RESTRICTED; i++) {
    if (s && strcmp(s, level_names[i]) == 0) {
      *out = (enum adm_level)i;
      return 0;
    }
  }
  return ADM_EINVAL;
}

int adm_version_parse(const char *s, int *minor_out) {
  if (s == NULL)
    return ADM_EINVAL;
  if (strcmp(s, "latest") == 0) {
    *minor_out = ADM_VERSION_LATEST;
    return 0;
  }
  if (strncmp(s, "v1.", 3) != 0)
    return ADM_EINVAL;
  const char *d = s + 3;
  if (*d == '\0' || (*d == '0' && d[1] != '\0'))
    return ADM_EINVAL;
  /* Upstream's strconv.Atoi takes any int64: a larger minor is valid and
   * means a version newer than any known, so it is kept as 1000000. */
  unsigned long long v = 0;
  for (; *d; d++) {
    if (*d < '0' || *d > '9')
      return ADM_EINVAL;
    if (v > (9223372036854775807ull - (unsigned long long)(*d - '0')) / 10)
      return ADM_EINVAL; /* past int64, as Atoi refuses it */
    v = v * 10 + (unsigned long long)(*d - '0');
  }
  *minor_out = v > 1000000 ? 1000000 : (int)v;
  return 0;
}

const char *adm_level_version_format(struct adm_level_version lv, char *buf, size_t len) {
  if (lv.minor == ADM_VERSION_LATEST)
    snprintf(buf, len, "%s:latest", adm_level_name(lv.level));
  else
    snprintf(buf, len, "%s:v1.%d", adm_level_name(lv.level), lv.minor);
  return buf;
}

static size_t check_versions(const struct adm_check *c) {
  size_t n = 0;
  while (n < ADM_CHECK_MAX_VERSIONS && c->versions[n].fn != NULL)
    n++;
  return n;
}

static const struct adm_check *find_check(const struct adm_check *const *table, const char *id) {
  for (; *table; table++)
    if (strcmp((*table)->id, id) == 0)
      return *table;
  return NULL;
}

static int validate_table(const struct adm_check *const *table, struct adm_error *err) {
  size_t n = 0;
  for (const struct adm_check *const *t = table; *t; t++, n++) {
    const struct adm_check *c = *t;
    if (n >= ADM_MAX_CHECKS)
      return adm_fail(err, ADM_ETABLE, "checks", "more than %d checks", ADM_MAX_CHECKS);
    if (c->id == NULL || c->id[0] == '\0')
      return adm_fail(err, ADM_ETABLE, "checks", "check %zu has no id", n);
    for (const struct adm_check *const *u = table; u != t; u++)
      if (strcmp((*u)->id, c->id) == 0)
        return adm_fail(err, ADM_ETABLE, c->id, "multiple checks registered for id %s", c->id);
    if (c->level != ADM_LEVEL_BASELINE && c->level != ADM_LEVEL_RESTRICTED)
      return adm_fail(err, ADM_ETABLE, c->id, "invalid level %d", (int)c->level);
    size_t nv = check_versions(c);
    if (nv == 0)
      return adm_fail(err, ADM_ETABLE, c->id, "no versions");
    int prev = -1;
    for (size_t i = 0; i < nv; i++) {
      int m = c->versions[i].min_minor;
      if (m < 0 || m >= ADM_MAX_MINOR)
        return adm_fail(err, ADM_ETABLE, c->id, "version 1.%d out of range", m);
      if (m <= prev)
        return adm_fail(err, ADM_ETABLE, c->id, "versions must be strictly increasing (1.%d after 1.%d)", m, prev);
      prev = m;
    }
  }
  for (const struct adm_check *const *t = table; *t; t++) {
    const struct adm_check *c = *t;
    for (size_t i = 0, nv = check_versions(c); i < nv; i++) {
      const char *const *ov = c->versions[i].overrides;
      if (ov == NULL)
        continue;
      if (c->level != ADM_LEVEL_RESTRICTED)
        return adm_fail(err, ADM_ETABLE, c->id, "only restricted checks may set overrides");
      for (; *ov; ov++) {
        const struct adm_check *o = find_check(table, *ov);
        if (o != NULL && o->level != ADM_LEVEL_BASELINE)
          return adm_fail(err, ADM_ETABLE, c->id, "overrides restricted check %s", *ov);
      }
    }
  }
  return 0;
}

/* The implementation of c active at minor, or NULL if c starts later. */
static const struct adm_check_version *active_version(const struct adm_check *c, int minor) {
  const struct adm_check_version *best = NULL;
  for (size_t i = 0, nv = check_versions(c); i < nv; i++)
    if (c->versions[i].min_minor <= minor)
      best = &c->versions[i];
  return best;
}

static int cmp_check_id(const void *a, const void *b) {
  const struct adm_check *x = *(const struct adm_check *const *)a;
  const struct adm_check *y = *(const struct adm_check *const *)b;
  return strcmp(x->id, y->id);
}

static bool overridden(const struct adm_check *const *restricted, size_t nr, int minor, const char *id) {
  for (size_t i = 0; i < nr; i++) {
    const struct adm_check_version *v = active_version(restricted[i], minor);
    if (v == NULL || v->overrides == NULL)
      continue;
    for (const char *const *ov = v->overrides; *ov; ov++)
      if (strcmp(*ov, id) == 0)
        return true;
  }
  return false;
}

int adm_registry_build(struct adm_registry *reg, const struct adm_check *const *table, struct adm_error *err) {
  int rc = validate_table(table, err);
  if (rc < 0)
    return rc;
  memset(reg, 0, sizeof *reg);
  const struct adm_check *baseline[ADM_MAX_CHECKS], *restricted[ADM_MAX_CHECKS];
  size_t nb = 0, nr = 0;
  for (const struct adm_check *const *t = table; *t; t++) {
    const struct adm_check *c = *t;
    size_t nv = check_versions(c);
    if (c->versions[nv - 1].min_minor > reg->max_minor)
      reg->max_minor = c->versions[nv - 1].min_minor;
    if (c->level == ADM_LEVEL_BASELINE)
      baseline[nb++] = c;
    else
      restricted[nr++] = c;
  }
  qsort(baseline, nb, sizeof baseline[0], cmp_check_id);
  qsort(restricted, nr, sizeof restricted[0], cmp_check_id);

  for (int minor = 0; minor <= reg->max_minor; minor++) {
    for (size_t i = 0; i < nb; i++) {
      const struct adm_check_version *v = active_version(baseline[i], minor);
      if (v == NULL)
        continue;
      struct adm_registry_entry e = {baseline[i], v->fn};
      reg->lists[0][minor][reg->counts[0][minor]++] = e;
      if (!overridden(restricted, nr, minor, baseline[i]->id))
        reg->lists[1][minor][reg->counts[1][minor]++] = e;
    }
    for (size_t i = 0; i < nr; i++) {
      const struct adm_check_version *v = active_version(restricted[i], minor);
      if (v != NULL)
        reg->lists[1][minor][reg->counts[1][minor]++] = (struct adm_registry_entry){restricted[i], v->fn};
    }
  }
  return 0;
}

static struct adm_registry default_registry;
static once_flag default_registry_once = ONCE_FLAG_INIT;

static void build_default_registry(void) {
  struct adm_error err;
  if (adm_registry_build(&default_registry, adm_families[ADM_FAMILY_POD_SECURITY].level_checks, &err) < 0) {
    /* The built-in table is fixed at compile time and a unit test builds it. */
    fprintf(stderr, "admitd: built-in check table is broken: %s: %s\n", err.where, err.message);
    abort();
  }
}

const struct adm_registry *adm_registry_default(void) {
  call_once(&default_registry_once, build_default_registry);
  return &default_registry;
}

int adm_registry_resolve_minor(const struct adm_registry *reg, int minor) {
  if (minor == ADM_VERSION_LATEST || minor > reg->max_minor)
    return reg->max_minor;
  return minor < 0 ? 0 : minor;
}

void adm_evaluate(const struct adm_registry *reg, struct adm_level_version lv, const struct adm_pod *pod,
                  struct adm_arena *arena, struct adm_evaluation *out) {
  out->allowed = true;
  out->n_failed = 0;
  if (lv.level == ADM_LEVEL_PRIVILEGED)
    return;
  int minor = adm_registry_resolve_minor(reg, lv.minor);
  int li = lv.level == ADM_LEVEL_BASELINE ? 0 : 1;
  for (size_t i = 0; i < reg->counts[li][minor]; i++) {
    const struct adm_registry_entry *e = &reg->lists[li][minor][i];
    struct adm_check_result r = e->fn(pod, arena);
    if (r.allowed)
      continue;
    out->allowed = false;
    out->failed[out->n_failed++] = (struct adm_failed_check){
        .id = e->check->id,
        .reason = r.reason ? r.reason : "unknown forbidden reason",
        .detail = r.detail,
    };
  }
}
