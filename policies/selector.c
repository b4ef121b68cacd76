/* Namespace and label selection (selector.h). Semantics follow
 * apimachinery's labels.Selector: NotIn and DoesNotExist match a pod
 * without the key; In and Exists need it. */
#include "admitd/selector.h"

#include <fnmatch.h>
#include <string.h>

#include "admitd/error.h"

static bool is_dns_label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* A Kubernetes qualified name: [prefix/]name, name <= 63 of [A-Za-z0-9-_.]
 * starting and ending alphanumeric; prefix a DNS subdomain <= 253. */
bool adm_label_key_valid(const char *s) {
  const char *slash = strchr(s, '/');
  const char *name = slash ? slash + 1 : s;
  if (slash) {
    size_t plen = (size_t)(slash - s);
    if (plen == 0 || plen > 253)
      return false;
    for (const char *c = s; c < slash; c++)
      if (!is_dns_label_char(*c) && *c != '.')
        return false;
    if (s[0] == '-' || s[0] == '.' || slash[-1] == '-' || slash[-1] == '.')
      return false;
  }
  size_t n = strlen(name);
  if (n == 0 || n > 63)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && ((i == 0 || i == n - 1) || (c != '-' && c != '_' && c != '.')))
      return false;
  }
  return true;
}

bool adm_label_value_valid(const char *s) {
  return s[0] == '\0' || (adm_label_key_valid(s) && strchr(s, '/') == NULL);
}

const char *adm_labels_get(const struct adm_labels *labels, const char *key) {
  for (size_t i = 0; i < labels->n; i++)
    if (strcmp(labels->keys[i], key) == 0)
      return labels->values[i];
  return NULL;
}

static bool in_values(const struct adm_label_requirement *r, const char *v) {
  for (size_t i = 0; i < r->n_values; i++)
    if (strcmp(r->values[i], v) == 0)
      return true;
  return false;
}

static bool requirement_matches(const struct adm_label_requirement *r, const struct adm_labels *labels) {
  const char *v = adm_labels_get(labels, r->key);
  switch (r->op) {
  case ADM_SEL_IN:
    return v != NULL && in_values(r, v);
  case ADM_SEL_NOT_IN:
    return v == NULL || !in_values(r, v);
  case ADM_SEL_EXISTS:
    return v != NULL;
  case ADM_SEL_DOES_NOT_EXIST:
    return v == NULL;
  }
  return false;
}

bool adm_selector_matches(const struct adm_selector *sel, const struct adm_labels *labels) {
  for (size_t i = 0; i < sel->n_reqs; i++)
    if (!requirement_matches(&sel->reqs[i], labels))
      return false;
  return true;
}

static bool name_matches(const char *name, const char *const *patterns, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(patterns[i], name) == 0 || fnmatch(patterns[i], name, 0) == 0)
      return true;
  return false;
}

bool adm_namespace_selected(const char *namespace, const char *const *include, size_t n_include,
                            const char *const *exclude, size_t n_exclude) {
  const char *ns = namespace ? namespace : "";
  if (n_include > 0 && !name_matches(ns, include, n_include))
    return false;
  return !name_matches(ns, exclude, n_exclude);
}

int adm_selector_op_parse(const char *s, enum adm_selector_op *out) {
  static const struct {
    const char *name;
    enum adm_selector_op op;
  } ops[] = {{"In", ADM_SEL_IN},
             {"NotIn", ADM_SEL_NOT_IN},
             {"Exists", ADM_SEL_EXISTS},
             {"DoesNotExist", ADM_SEL_DOES_NOT_EXIST}};
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    if (strcmp(s, ops[i].name) == 0) {
      *out = ops[i].op;
      return 0;
    }
  }
  return ADM_EINVAL;
}
