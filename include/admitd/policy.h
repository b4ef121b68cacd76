/* Pod Security Standards: levels, versions, check descriptors, the registry
 * that turns the descriptor table into per-level, per-version check lists,
 * and evaluation. Everything here is pure: no I/O, no logging, and the only
 * memory used is the caller's arena. */
#ifndef ADMITD_POLICY_H
#define ADMITD_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "admitd/arena.h"
#include "admitd/error.h"
#include "admitd/pod.h"

enum adm_level { ADM_LEVEL_PRIVILEGED = 0, ADM_LEVEL_BASELINE, ADM_LEVEL_RESTRICTED };

/* Versions are minor numbers of 1.x; ADM_VERSION_LATEST follows the newest
 * check version the registry knows. */
#define ADM_VERSION_LATEST (-1)

struct adm_level_version {
  enum adm_level level;
  int minor; /* 0.. or ADM_VERSION_LATEST */
};

const char *adm_level_name(enum adm_level level);
/* 0, or ADM_EINVAL for anything but privileged|baseline|restricted. */
int adm_level_parse(const char *s, enum adm_level *out);
/* "latest" or "v1.N" (upstream's ^v1\.(0|[1-9][0-9]*)$). */
int adm_version_parse(const char *s, int *minor_out);
/* "baseline:v1.30" or "restricted:latest" into buf. */
const char *adm_level_version_format(struct adm_level_version lv, char *buf, size_t len);

/* One check's verdict. reason and detail are borrowed from the arena (or static). */
struct adm_check_result {
  bool allowed;
  const char *reason;
  const char *detail; /* may be NULL */
};

typedef struct adm_check_result (*adm_check_fn)(const struct adm_pod *pod, struct adm_arena *arena);

struct adm_check_version {
  int min_minor; /* first policy version 1.<min_minor> this applies to */
  adm_check_fn fn;
  const char *const *overrides; /* NULL-terminated baseline check ids this replaces, or NULL */
};

#define ADM_CHECK_MAX_VERSIONS 8

struct adm_check {
  const char *id;       /* upstream's check id: "hostPorts" */
  enum adm_level level; /* baseline or restricted */
  const char *summary;
  struct adm_check_version versions[ADM_CHECK_MAX_VERSIONS];
};

/* The descriptor table, NULL-terminated, in policies/registry.c. */
extern const struct adm_check *const adm_check_table[];

#define ADM_MAX_MINOR 64 /* versions a registry can hold */
#define ADM_MAX_CHECKS 32

struct adm_registry_entry {
  const struct adm_check *check;
  adm_check_fn fn;
};

struct adm_registry {
  int max_minor; /* newest minimum version among the checks: what latest means */
  /* [level-1][minor] -> entries in output order: baseline ids sorted, then restricted. */
  struct adm_registry_entry lists[2][ADM_MAX_MINOR][ADM_MAX_CHECKS];
  size_t counts[2][ADM_MAX_MINOR];
};

/* Validate a table and build the lists. Fails with ADM_ETABLE (and a message
 * in err) for a duplicate id, versions not strictly increasing, an override
 * from a baseline check or of a non-baseline check, or a bad level. */
int adm_registry_build(struct adm_registry *reg, const struct adm_check *const *table, struct adm_error *err);
/* The registry built from Pod Security's family entry (its level_checks,
 * adm_check_table), built once; *borrowed*, never NULL. */
const struct adm_registry *adm_registry_default(void);
/* The minor a level_version resolves to (latest and too-new clamp to max_minor). */
int adm_registry_resolve_minor(const struct adm_registry *reg, int minor);

struct adm_failed_check {
  const char *id;
  const char *reason;
  const char *detail;
};

struct adm_evaluation {
  bool allowed;
  size_t n_failed;
  struct adm_failed_check failed[ADM_MAX_CHECKS];
};

/* Run every check of lv against pod. Privileged allows without running anything. */
void adm_evaluate(const struct adm_registry *reg, struct adm_level_version lv, const struct adm_pod *pod,
                  struct adm_arena *arena, struct adm_evaluation *out);

/* "reason (detail), reason, ..." in evaluation order; borrowed from arena. */
const char *adm_evaluation_format(const struct adm_evaluation *ev, struct adm_arena *arena);

#endif
