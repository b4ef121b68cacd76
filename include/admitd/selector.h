/* Rule selection shared by every policy family: namespace names and globs
 * with exclusions, and Kubernetes label selectors (matchLabels and
 * matchExpressions with In, NotIn, Exists, DoesNotExist) over a pod's or a
 * template's labels. Pure; everything is *borrowed* from the snapshot. */
#ifndef ADMITD_SELECTOR_H
#define ADMITD_SELECTOR_H

#include <stdbool.h>
#include <stddef.h>

enum adm_selector_op { ADM_SEL_IN, ADM_SEL_NOT_IN, ADM_SEL_EXISTS, ADM_SEL_DOES_NOT_EXIST };

struct adm_label_requirement {
  const char *key;
  enum adm_selector_op op;
  const char *const *values; /* In / NotIn only */
  size_t n_values;
};

/* matchLabels become In requirements with one value; all are ANDed, and
 * an empty selector selects everything, as in Kubernetes. */
struct adm_selector {
  const struct adm_label_requirement *reqs;
  size_t n_reqs;
};

/* Labels as parallel arrays. */
struct adm_labels {
  const char *const *keys;
  const char *const *values;
  size_t n;
};

bool adm_selector_matches(const struct adm_selector *sel, const struct adm_labels *labels);

/* The value of label key, or NULL when labels lack it. */
const char *adm_labels_get(const struct adm_labels *labels, const char *key);

/* A Kubernetes label key (a qualified name: [DNS subdomain/]name, name at
 * most 63 of [A-Za-z0-9-_.] starting and ending alphanumeric), and a label
 * value (empty, or such a name without a prefix). */
bool adm_label_key_valid(const char *s);
bool adm_label_value_valid(const char *s);

/* Whether namespace is selected: matches one of include (exact names or
 * fnmatch globs; none given means every namespace) and none of exclude. */
bool adm_namespace_selected(const char *namespace, const char *const *include, size_t n_include,
                            const char *const *exclude, size_t n_exclude);

/* The op named as in Kubernetes ("In", "NotIn", "Exists", "DoesNotExist"); 0 or ADM_EINVAL. */
int adm_selector_op_parse(const char *s, enum adm_selector_op *out);

#endif
