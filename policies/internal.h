/* Helpers shared by the check files: the container visitor, result
 * constructors, and upstream's pluralize / joinQuote / sorted-set idioms. */
#ifndef ADMITD_POLICIES_INTERNAL_H
#define ADMITD_POLICIES_INTERNAL_H

#include <string.h>

#include "admitd/policy.h"

#define ADM__ALLOWED ((struct adm_check_result){.allowed = true})

static inline const char *adm__plural(const char *one, const char *many, size_t n) {
  return n == 1 ? one : many;
}

static inline bool adm__str_eq(const char *a, const char *b) {
  return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static inline bool adm__is_windows(const struct adm_pod *pod) {
  return adm__str_eq(pod->os_name, "windows");
}

/* spec.hostUsers: false, which relaxes some checks from 1.35. */
static inline bool adm__user_namespaced(const struct adm_pod *pod) {
  return pod->host_users == ADM_FALSE;
}

/* A growable list of borrowed strings in the arena. */
struct adm__names {
  struct adm_arena *arena;
  const char **items;
  size_t n, cap;
};

void adm__names_init(struct adm__names *l, struct adm_arena *a);
void adm__names_add(struct adm__names *l, const char *s);
/* Sort (byte order, as Go's) and drop repeats: upstream's sets.List(). */
void adm__names_sort_unique(struct adm__names *l);
bool adm__names_contains(const struct adm__names *l, const char *s);

/* `containers "a", "b"` (pluralized by count) appended to sb. */
void adm__add_containers(struct adm_sb *sb, const struct adm__names *names);

/* Upstream's "setters" idiom: add `containers "a", "b"` (pluralized) to
 * setters as one entry, when there are any; joined later with " and ",
 * as in `pod and containers "a", "b" must not set ...`. */
void adm__setters_add_containers(struct adm__names *setters, const struct adm__names *containers);

/* A failing result whose detail is the builder's text. */
struct adm_check_result adm__deny(const char *reason, struct adm_sb *detail);

bool adm__str_in(const char *s, const char *const *set);

/* key="value" with value quoted as Go's %q does (upstream's annotation detail). */
const char *adm__key_quoted_value(struct adm_arena *a, const char *key, const char *value);

#endif
