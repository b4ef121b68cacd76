/* Shared by the unit tests of the families' rule checks (test_sc_rules.c,
 * test_images_rules.c): find a check in the families' tables by id, run it
 * on a pod view and a rule built by hand, compare its findings with the
 * exact messages expected, in order, and check a family's part of the table. */
#ifndef ADMITD_TEST_RULE_CHECKS_H
#define ADMITD_TEST_RULE_CHECKS_H

#include <stdarg.h>

#include "admitd/family.h"
#include "helpers.h"

#define NAMES(...) ((struct adm_names){(char *[]){__VA_ARGS__}, sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)})

static inline const struct adm_rule_check *find_check(const char *id) {
  const struct adm_rule_check *c = adm_rule_check_find(id);
  if (c == NULL)
    fail_msg("check %s is not in the families' tables", id);
  return c;
}

/* A rule's settings from a family's settings struct built by hand. */
static inline struct adm_rule_settings settings_resources(const struct adm_resources_rule *r) {
  struct adm_rule_settings s = {.family = ADM_FAMILY_RESOURCES};
  s.u.resources = *r;
  return s;
}
static inline struct adm_rule_settings settings_sc(const struct adm_sc_rule *r) {
  struct adm_rule_settings s = {.family = ADM_FAMILY_SECURITY_CONTEXT};
  s.u.sc = *r;
  return s;
}
static inline struct adm_rule_settings settings_images(const struct adm_images_rule *r) {
  struct adm_rule_settings s = {.family = ADM_FAMILY_IMAGES};
  s.u.images = *r;
  return s;
}
#define SETTINGS(r)                                                                                                    \
  _Generic((r), const struct adm_resources_rule *: settings_resources, struct adm_resources_rule *: settings_resources, \
           const struct adm_sc_rule *: settings_sc, struct adm_sc_rule *: settings_sc,                                 \
           const struct adm_images_rule *: settings_images, struct adm_images_rule *: settings_images)(r)

/* Run check id (which must be active for the rule) over pod (old: the pod
 * before an UPDATE, or NULL) with no facts
 * and return its findings, each of which must carry the id. */
static inline struct adm_findings *run_settings(void **state, const char *id, const struct adm_pod *pod,
                                                const struct adm_pod *old, struct adm_rule_settings rule) {
  const struct adm_rule_check *chk = find_check(id);
  if (!chk->active(&rule))
    fail_msg("expected %s to be active for this rule", id);
  struct adm_findings *f = adm_arena_alloc(*state, sizeof *f);
  assert_non_null(f);
  adm_findings_init(f, *state);
  struct adm_rule_ctx ctx = {.pod = pod, .old = old, .settings = &rule, .out = f};
  chk->check(&ctx);
  /* Its id, or its id and the kind of failure ("images.signature.unsigned"). */
  size_t n = strlen(id);
  for (size_t i = 0; i < f->n; i++)
    if (strncmp(f->items[i].check, id, n) != 0 || (f->items[i].check[n] != '\0' && f->items[i].check[n] != '.'))
      fail_msg("expected finding %zu of %s to carry its id, got %s", i, id, f->items[i].check);
  assert_int_equal(adm_arena_failure(*state), ADM_ARENA_OK);
  return f;
}

/* The findings are exactly these messages, in this order. */
static inline void expect(const struct adm_findings *f, size_t n, ...) {
  if (f->n != n) {
    for (size_t i = 0; i < f->n; i++)
      print_message("  finding %zu: %s\n", i, f->items[i].message);
    fail_msg("expected %zu findings, got %zu", n, f->n);
  }
  va_list ap;
  va_start(ap, n);
  for (size_t i = 0; i < n; i++)
    assert_string_equal(f->items[i].message, va_arg(ap, const char *));
  va_end(ap);
}

/* rule: a family's settings struct (struct adm_sc_rule *, ...). */
#define run(state, id, pod, rule) run_settings(state, id, pod, NULL, SETTINGS(rule))
/* The same on a pod UPDATE, old being the pod as it was. */
#define run_update(state, id, pod, old, rule) run_settings(state, id, pod, old, SETTINGS(rule))

#define PASSES(id, pod, rule) expect(run(state, id, pod, rule), 0)

/* The family's check list (adm_families[family].checks) is exactly ids
 * (NULL-terminated), in that order (the order their findings are reported
 * in), each declaring that family, each once in every family's lists, each
 * with a summary, and none active for empty, a rule of the family that
 * configures nothing. */
static inline void expect_family_table(enum adm_family_id family, const char *const *ids,
                                       const struct adm_rule_settings *empty) {
  size_t n = 0;
  for (const struct adm_rule_check *const *c = adm_families[family].checks; *c; c++) {
    if ((*c)->family != family)
      fail_msg("expected %s, listed under %s, to declare that family", (*c)->id, adm_family_name(family));
    if (ids[n] == NULL || strcmp(ids[n], (*c)->id) != 0)
      fail_msg("expected %s check %zu to be %s, got %s", adm_family_name(family), n, ids[n] ? ids[n] : "none",
               (*c)->id);
    n++;
    if ((*c)->active(empty))
      fail_msg("expected %s to be inactive for a rule that configures nothing", (*c)->id);
    if ((*c)->summary == NULL || (*c)->summary[0] == '\0')
      fail_msg("expected %s to have a summary", (*c)->id);
    size_t seen = 0;
    for (int f = 0; f < ADM__FAMILY_COUNT; f++)
      for (const struct adm_rule_check *const *d = adm_families[f].checks; d && *d; d++)
        seen += strcmp((*c)->id, (*d)->id) == 0;
    if (seen != 1)
      fail_msg("expected %s once in the families' tables, found %zu", (*c)->id, seen);
  }
  if (ids[n] != NULL)
    fail_msg("expected %s in the table as a %s check", ids[n], adm_family_name(family));
}

#endif
