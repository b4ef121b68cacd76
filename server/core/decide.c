/* Modes, exemptions, dry-run and request selection, as upstream Pod
 * Security Admission applies them (admission.go), evaluated once per
 * distinct level:version a request needs. Pure over its inputs: no I/O. */
#include "admitd/decide.h"

#include <stdio.h>
#include <string.h>

#include "admitd/extract.h"
#include "admitd/family.h"
#include "admitd/gather.h"
#include "admitd/selector.h"
#include "namespace_internal.h"

/* Pod subresources that cannot change the pod spec; anything else (such as
 * ephemeralcontainers or resize) is judged, so an unknown one fails safe. */
static const char *const ignored_pod_subresources[] = {"exec",        "attach", "binding", "eviction", "log",
                                                       "portforward", "proxy",  "status",  NULL};

static bool in_list(const char *s, const char *const *list) {
  for (; *list; list++)
    if (strcmp(s, *list) == 0)
      return true;
  return false;
}

static void add_annotation(struct adm_decision *d, const char *key, const char *value) {
  for (size_t i = 0; i < d->n_annotations; i++) {
    if (strcmp(d->annotations[i].key, key) == 0) {
      d->annotations[i].value = value;
      return;
    }
  }
  if (d->n_annotations < ADM_MAX_ANNOTATIONS)
    d->annotations[d->n_annotations++] = (struct adm_annotation){key, value};
}

static size_t warnings_total(const struct adm_decision *d) {
  size_t total = 0;
  for (size_t i = 0; i < d->n_warnings; i++)
    total += strlen(d->warnings[i]);
  return total;
}

/* Keep the whole set under the API server's budget, so it never truncates
 * or drops what admitd says: a long warning is cut with a marker instead. */
static void add_warning(struct adm_decision *d, struct adm_arena *a, const char *text) {
  if (text == NULL || d->n_warnings >= ADM_MAX_WARNINGS)
    return;
  size_t used = warnings_total(d), len = strlen(text);
  if (used + len > ADM_WARNINGS_BUDGET) {
    static const char cut[] = " ... (truncated)";
    if (used + sizeof cut + 64 > ADM_WARNINGS_BUDGET)
      return;
    size_t keep = ADM_WARNINGS_BUDGET - used - sizeof cut;
    /* Never split a UTF-8 sequence. */
    while (keep > 0 && ((unsigned char)text[keep] & 0xC0) == 0x80)
      keep--;
    text = adm_arena_printf(a, "%.*s%s", (int)keep, text, cut);
    if (text == NULL)
      return;
  }
  d->warnings[d->n_warnings++] = text;
}

static void note_check(struct adm_decision *d, const char *id) {
  for (size_t j = 0; j < d->n_failed_checks; j++)
    if (strcmp(d->failed_checks[j], id) == 0)
      return;
  if (d->n_failed_checks < sizeof d->failed_checks / sizeof d->failed_checks[0])
    d->failed_checks[d->n_failed_checks++] = id;
}

static void add_outcome(struct adm_decision *d, struct adm_arena *a, int family, int mode, const char *check,
                        const char *message, const char *detail) {
  note_check(d, check);
  struct adm_outcome *grown = adm_arena_grow(a, d->outcomes, d->n_outcomes, &d->cap_outcomes, sizeof *grown, 16);
  if (grown == NULL)
    return; /* the arena has failed: the verdict is an error answer */
  d->outcomes = grown;
  d->outcomes[d->n_outcomes++] = (struct adm_outcome){family, mode, check, message, detail};
}

static void note_failed(struct adm_decision *d, struct adm_arena *a, const struct adm_evaluation *ev, int mode) {
  for (size_t i = 0; i < ev->n_failed; i++) {
    const struct adm_failed_check *f = &ev->failed[i];
    /* Formatted by whoever reports it: the answer itself does not need it. */
    add_outcome(d, a, ADM_FAMILY_POD_SECURITY, mode, f->id, f->reason, f->detail && f->detail[0] ? f->detail : NULL);
  }
}

static void allow(struct adm_decision *d) {
  memset(d, 0, sizeof *d);
  d->judged = true;
  d->allowed = true;
}

static void skip(struct adm_decision *d, const char *why) {
  allow(d);
  d->judged = false;
  d->skip_reason = why;
}

static void deny(struct adm_decision *d, int code, const char *reason, const char *message) {
  d->allowed = false;
  d->code = code;
  d->status_reason = reason;
  d->message = message;
}

static bool same_lv(struct adm_level_version a, struct adm_level_version b, const struct adm_registry *reg) {
  if (a.level != b.level)
    return false;
  if (a.level == ADM_LEVEL_PRIVILEGED)
    return true;
  return adm_registry_resolve_minor(reg, a.minor) == adm_registry_resolve_minor(reg, b.minor);
}

/* Judge the pod at levels, in upstream's words. labels_error: the
 * namespace's invalid Pod Security labels, NULL when none. */
static void decide_pod_security(const struct adm_config *cfg, const struct adm_mode_levels *levels,
                                const char *labels_error, const struct adm_pod *pod, bool enforce,
                                const char *resource_label, const char *name, struct adm_arena *a,
                                struct adm_decision *d) {
  const struct adm_registry *reg = adm_registry_default();
  if (cfg && adm_names_contains(&cfg->pod_security.exempt_runtime_classes, pod->runtime_class)) {
    add_annotation(d, "exempt", "runtimeClass");
    return;
  }
  if (labels_error) {
    add_annotation(d, "error", adm_arena_printf(a, "Failed to parse policy: %s", labels_error));
    /* admitd's own addition: the person applying the pod learns why. */
    add_warning(d, a,
                adm_arena_printf(a,
                                 "the namespace's Pod Security labels are invalid (an invalid enforce level is "
                                 "restricted, audit and warn privileged): %s",
                                 labels_error));
  }
  /* One evaluation per distinct level:version; audit and warn reuse enforce's. */
  struct adm_evaluation evs[ADM__MODE_COUNT];
  int source[ADM__MODE_COUNT];
  for (int m = 0; m < ADM__MODE_COUNT; m++) {
    source[m] = m;
    if (m == ADM_MODE_ENFORCE && !enforce)
      continue;
    for (int k = 0; k < m; k++) {
      if ((k != ADM_MODE_ENFORCE || enforce) && source[k] == k && same_lv(levels->lv[k], levels->lv[m], reg)) {
        source[m] = k;
        break;
      }
    }
    if (source[m] == m)
      adm_evaluate(reg, levels->lv[m], pod, a, &evs[m]);
  }
  char lvbuf[64];
  if (enforce) {
    const struct adm_evaluation *ev = &evs[source[ADM_MODE_ENFORCE]];
    add_annotation(d, "enforce-policy",
                   adm_arena_strdup(a, adm_level_version_format(levels->lv[ADM_MODE_ENFORCE], lvbuf, sizeof lvbuf)));
    if (!ev->allowed) {
      note_failed(d, a, ev, ADM_MODE_ENFORCE);
      const char *msg;
      if (name && name[0])
        msg = adm_arena_printf(a, "%s \"%s\" is forbidden: violates PodSecurity \"%s\": %s", resource_label, name,
                               lvbuf, adm_evaluation_format(ev, a));
      else
        msg = adm_arena_printf(a, "%s is forbidden: violates PodSecurity \"%s\": %s", resource_label, lvbuf,
                               adm_evaluation_format(ev, a));
      deny(d, 403, "Forbidden", msg ? msg : "forbidden by PodSecurity");
    }
  }
  /* Audit and warn usually name the same level:version: format it once. */
  const char *would_violate[ADM__MODE_COUNT] = {NULL};
  for (int m = ADM_MODE_AUDIT; m <= ADM_MODE_WARN; m++) {
    const struct adm_evaluation *ev = &evs[source[m]];
    if (ev->allowed)
      continue;
    note_failed(d, a, ev, m);
    const struct adm_level_version lv = levels->lv[m], audit_lv = levels->lv[ADM_MODE_AUDIT];
    if (m == ADM_MODE_WARN && would_violate[ADM_MODE_AUDIT] && lv.level == audit_lv.level &&
        lv.minor == audit_lv.minor) {
      would_violate[m] = would_violate[ADM_MODE_AUDIT];
      continue;
    }
    adm_level_version_format(lv, lvbuf, sizeof lvbuf);
    would_violate[m] = adm_arena_printf(a, "would violate PodSecurity \"%s\": %s", lvbuf, adm_evaluation_format(ev, a));
  }
  if (would_violate[ADM_MODE_AUDIT])
    add_annotation(d, adm_families[ADM_FAMILY_POD_SECURITY].audit_key, would_violate[ADM_MODE_AUDIT]);
  /* Upstream adds no warnings to a request it already rejects. */
  if (d->allowed && would_violate[ADM_MODE_WARN])
    add_warning(d, a, would_violate[ADM_MODE_WARN]);
}

static bool fully_privileged(const struct adm_mode_levels *l, bool enforce) {
  return (!enforce || l->lv[ADM_MODE_ENFORCE].level == ADM_LEVEL_PRIVILEGED) &&
         l->lv[ADM_MODE_AUDIT].level == ADM_LEVEL_PRIVILEGED && l->lv[ADM_MODE_WARN].level == ADM_LEVEL_PRIVILEGED;
}

static bool same_str(const char *a, const char *b) {
  return strcmp(a ? a : "", b ? b : "") == 0;
}

#define SECCOMP_POD_ANNOTATION "seccomp.security.alpha.kubernetes.io/pod"
#define SECCOMP_CONTAINER_ANNOTATION_PREFIX "container.seccomp.security.alpha.kubernetes.io/"

/* The per-container seccomp annotation of c on pod (NULL when unset). */
static const char *container_seccomp_annotation(const struct adm_pod *pod, const struct adm_container *c) {
  static const size_t prefix_len = sizeof SECCOMP_CONTAINER_ANNOTATION_PREFIX - 1;
  const char *name = c->name ? c->name : "";
  for (size_t i = 0; i < pod->n_annotations; i++) {
    const char *k = pod->annotation_keys[i];
    if (strncmp(k, SECCOMP_CONTAINER_ANNOTATION_PREFIX, prefix_len) == 0 && strcmp(k + prefix_len, name) == 0)
      return pod->annotation_values[i];
  }
  return NULL;
}

/* Upstream's isSignificantContainerUpdate: the image, or the container's
 * seccomp annotation (which policy versions up to v1.18 read). */
static bool significant_container_update(const struct adm_pod *pod, const struct adm_container *c,
                                         const struct adm_pod *old, const struct adm_container *oc) {
  return !same_str(c->image, oc->image) ||
         !same_str(container_seccomp_annotation(pod, c), container_seccomp_annotation(old, oc));
}

/* Upstream's isSignificantPodUpdate: container counts, images and seccomp
 * annotations, or an added or changed ephemeral container. The pod-level
 * seccomp annotation is compared too, as upstream did while policies up to
 * v1.18 read it: judging one more update is the safe side. */
static bool significant_update(const struct adm_pod *pod, const struct adm_pod *old) {
  if (!same_str(adm_pod_annotation(pod, SECCOMP_POD_ANNOTATION), adm_pod_annotation(old, SECCOMP_POD_ANNOTATION)))
    return true;
  if (pod->n_regular != old->n_regular || pod->n_init != old->n_init)
    return true;
  const struct adm_container *pi = pod->containers, *oi = old->containers;
  for (size_t i = 0; i < pod->n_init + pod->n_regular; i++)
    if (significant_container_update(pod, &pi[i], old, &oi[i]))
      return true;
  size_t first_eph = pod->n_init + pod->n_regular, old_first_eph = old->n_init + old->n_regular;
  for (size_t i = 0; i < pod->n_ephemeral; i++) {
    const struct adm_container *c = &pod->containers[first_eph + i], *match = NULL;
    for (size_t j = 0; j < old->n_ephemeral && match == NULL; j++)
      if (same_str(old->containers[old_first_eph + j].name, c->name))
        match = &old->containers[old_first_eph + j];
    if (match == NULL || significant_container_update(pod, c, old, match))
      return true;
  }
  return false;
}

/* "pods", "deployments.apps": upstream's GroupResource.String(). */
static const char *resource_label(const struct adm_review_request *req, struct adm_arena *a) {
  if (req->resource_group[0] == '\0')
    return req->resource_resource;
  return adm_arena_printf(a, "%s.%s", req->resource_resource, req->resource_group);
}

/* Policy refusals only: 403, a namespace's invalid Pod Security labels
 * (422) and a namespace that could not be looked up (500, decide's only
 * one), so that a policy tried in dry-run never refuses what it would
 * refuse when enforced. A pod that cannot be read (400) stays refused,
 * dry-run or not, since nothing about it could be judged. */
static void apply_dry_run(const struct adm_config *cfg, struct adm_decision *d, struct adm_arena *a) {
  if (!cfg->dry_run || d->allowed || (d->code != 403 && d->code != 422 && d->code != 500))
    return;
  d->allowed = true;
  d->dry_run_denied = true;
  add_annotation(d, "dry-run-denied", d->message);
  add_warning(d, a, adm_arena_printf(a, "admitd dry-run: this request would be denied: %s", d->message));
}

/* --- the families of rules --------------------------------------------------- */

static bool resources_differ(const struct adm_resource_list *x, const struct adm_resource_list *y) {
  if (x->n != y->n)
    return true;
  for (size_t i = 0; i < x->n; i++)
    if (!same_str(x->items[i].name, y->items[i].name) || !same_str(x->items[i].value, y->items[i].value))
      return true;
  return false;
}

static bool labels_differ(const struct adm_label_list *x, const struct adm_label_list *y) {
  if (x->n != y->n)
    return true;
  for (size_t i = 0; i < x->n; i++) {
    bool found = false;
    for (size_t j = 0; j < y->n && !found; j++)
      found = strcmp(x->keys[i], y->keys[j]) == 0 && strcmp(x->values[i], y->values[j]) == 0;
    if (!found)
      return true;
  }
  return false;
}

/* The families also judge an update that resizes a container (the resize
 * subresource, or an in-place change), which upstream's rule ignores, and
 * one that changes labels: a new label can bring a running pod under a
 * rule that selects by labels. */
static bool significant_for_families(const struct adm_pod *pod, const struct adm_pod *old) {
  if (significant_update(pod, old) || labels_differ(&pod->labels, &old->labels))
    return true;
  for (size_t i = 0; i < pod->n_init + pod->n_regular; i++) {
    const struct adm_resources *r = &pod->containers[i].resources, *o = &old->containers[i].resources;
    if (resources_differ(&r->requests, &o->requests) || resources_differ(&r->limits, &o->limits))
      return true;
  }
  return resources_differ(&pod->resources.requests, &old->resources.requests) ||
         resources_differ(&pod->resources.limits, &old->resources.limits);
}

/* By name only: a namespaceSelector is judged apart (rule_namespace_selected). */
static bool rule_namespace_named(const struct adm_family_rule *r, const char *namespace) {
  return adm_namespace_selected(namespace, (const char *const *)r->namespaces.items, r->namespaces.n,
                                (const char *const *)r->exclude_namespaces.items, r->exclude_namespaces.n);
}

/* Labels not learned select nothing here; decide_inner refuses the request
 * before any rule is asked (need_unknown_labels). */
static bool rule_namespace_selected(const struct adm_family_rule *r, const char *namespace,
                                    const struct adm_ns_view *ns) {
  if (!rule_namespace_named(r, namespace))
    return false;
  if (r->namespace_selector.n == 0)
    return true;
  struct adm_selector sel = {r->namespace_selector.reqs, r->namespace_selector.n};
  return ns->state == ADM_NS_KNOWN && adm_selector_matches(&sel, &ns->labels);
}

static bool rule_selects(const struct adm_family_rule *r, const char *namespace, const struct adm_ns_view *ns,
                         const struct adm_pod *pod) {
  if (!rule_namespace_selected(r, namespace, ns))
    return false;
  struct adm_selector sel = {r->selector.reqs, r->selector.n};
  struct adm_labels labels = {pod->labels.keys, pod->labels.values, pod->labels.n};
  return adm_selector_matches(&sel, &labels);
}

/* A configured family judges pods, and workload templates unless told
 * to ignore them. */
static bool family_judges(const struct adm_family_config *fc, bool is_pod) {
  return fc->configured && (is_pod || fc->workloads != ADM_WORKLOADS_IGNORE);
}

/* Whether family f has a rule for namespace (labels are checked once the
 * pod is read). */
static bool rule_family_applies(const struct adm_config *cfg, int f, const char *namespace,
                                const struct adm_ns_view *ns, bool is_pod) {
  const struct adm_family_config *fc = &cfg->families[f];
  for (size_t i = 0; family_judges(fc, is_pod) && i < fc->n_rules; i++)
    if (rule_namespace_selected(&fc->rules[i], namespace, ns))
      return true;
  return false;
}

/* Whether a rule that would judge the request selects namespaces by
 * labels that could not be learned: then nobody can tell whether it
 * applies, and the request is refused (fail closed). */
static bool need_unknown_labels(const struct adm_config *cfg, const char *namespace, const struct adm_ns_view *ns,
                                bool is_pod) {
  if (ns->state == ADM_NS_KNOWN)
    return false;
  for (int f = 0; f < ADM__FAMILY_COUNT; f++) {
    const struct adm_family_config *fc = &cfg->families[f];
    for (size_t i = 0; adm_families[f].model == ADM_FAMILY_RULES && family_judges(fc, is_pod) && i < fc->n_rules; i++)
      if (fc->rules[i].namespace_selector.n > 0 && rule_namespace_named(&fc->rules[i], namespace))
        return true;
  }
  return false;
}

/* Findings of one family in one mode, "a, b, c", appended to sb and
 * de-duplicated: two rules may require the same thing of the same pod.
 * Past max bytes the rest are counted (repeats included), not copied, so
 * a pod with many containers under many rules costs bounded text, memory
 * and time. */
static void join_findings(struct adm_sb *sb, const struct adm_decision *d, int family, int mode, size_t max) {
  size_t n = 0, left_out = 0, start = sb->len;
  for (size_t i = 0; i < d->n_outcomes; i++) {
    const struct adm_outcome *o = &d->outcomes[i];
    if (o->family != family || o->mode != mode)
      continue;
    /* Past the bound, count without the quadratic de-duplication. */
    if (n > 0 && sb->len - start + strlen(o->message) > max) {
      left_out++;
      continue;
    }
    bool seen = false;
    for (size_t j = 0; j < i && !seen; j++)
      seen = d->outcomes[j].family == family && d->outcomes[j].mode == mode &&
             strcmp(d->outcomes[j].message, o->message) == 0;
    if (seen)
      continue;
    adm_sb_add(sb, n++ ? ", " : "");
    adm_sb_add(sb, o->message);
  }
  if (left_out)
    adm_sb_addf(sb, " ... (and %zu more)", left_out);
}

/* The most text one family adds to a denial, a warning or an annotation. */
#define FAMILY_TEXT_MAX 3072

/* "would violate admitd <family> policy: a, b" for warnings and audit. */
static const char *would_violate(const struct adm_decision *d, struct adm_arena *a, int family, int mode) {
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm_sb_add(&sb, "would violate admitd ");
  adm_sb_add(&sb, adm_family_name((enum adm_family_id)family));
  adm_sb_add(&sb, " policy: ");
  join_findings(&sb, d, family, mode, FAMILY_TEXT_MAX);
  return adm_sb_str(&sb);
}

static enum adm_mode rule_mode(const struct adm_family_config *fc, const struct adm_family_rule *r, bool is_pod) {
  enum adm_mode mode = r->has_mode ? r->mode : fc->mode;
  if (!is_pod && fc->workloads == ADM_WORKLOADS_WARN && mode == ADM_MODE_ENFORCE)
    mode = ADM_MODE_WARN;
  return mode;
}

/* Run the checks of rule r over pod, those that read facts when facts are
 * given and the others when not, and record the findings in r's mode. A finding that says a registry could
 * not be asked follows the rule's onRegistryError: warn makes an enforced
 * finding a warning, allow lets it pass (it is listed in the
 * images-unverified annotation instead). */
static void run_rule(const struct adm_decide_plan *plan, int f, const struct adm_family_rule *r, enum adm_mode mode,
                     const struct adm_image_facts *facts, struct adm_arena *a, struct adm_decision *d,
                     bool any[][ADM__MODE_COUNT], struct adm_sb *unverified, size_t *unverified_left_out) {
  const struct adm_pod *pod = &plan->pod;
  struct adm_findings found;
  adm_findings_init(&found, a);
  bool windows = same_str(pod->os_name, "windows");
  struct adm_rule_ctx ctx = {.pod = pod, .old = plan->old, .settings = &r->settings, .facts = facts, .out = &found};
  for (const struct adm_rule_check *const *c = adm_families[f].checks; *c; c++)
    if ((*c)->reads_facts == (facts != NULL) && (*c)->active(&r->settings) && !(windows && (*c)->linux_only))
      (*c)->check(&ctx);
  enum adm_on_registry_error on_error =
      f == ADM_FAMILY_IMAGES ? adm_rule_images(&r->settings)->verify.on_registry_error : ADM_ON_REGISTRY_ERROR_DENY;
  for (size_t k = 0; k < found.n; k++) {
    enum adm_mode m = mode;
    if (found.items[k].registry_error && on_error == ADM_ON_REGISTRY_ERROR_ALLOW) {
      if (unverified->len > FAMILY_TEXT_MAX) {
        (*unverified_left_out)++;
        continue;
      }
      adm_sb_add(unverified, unverified->len ? "; " : "");
      adm_sb_add(unverified, found.items[k].message);
      continue;
    }
    if (found.items[k].registry_error && on_error == ADM_ON_REGISTRY_ERROR_WARN && m == ADM_MODE_ENFORCE)
      m = ADM_MODE_WARN;
    add_outcome(d, a, f, (int)m, found.items[k].check, found.items[k].message, NULL);
    any[f][m] = true;
  }
}

/* A fact known without a registry: the pod already runs the image, or it
 * is past what one admission may verify. */
static void add_local_fact(struct adm_decide_plan *plan, const struct adm_images_rule *ir, size_t rule_index,
                           const char *image, enum adm_sig_outcome outcome, const char *detail, struct adm_arena *a) {
  for (size_t k = 0; k < plan->n_local_facts; k++)
    if (plan->local_facts[k].rule == ir && strcmp(plan->local_facts[k].image, image) == 0 &&
        plan->local_facts[k].outcome == outcome)
      return;
  struct adm_image_fact *grown =
      adm_arena_grow(a, plan->local_facts, plan->n_local_facts, &plan->cap_local_facts, sizeof *grown, 2);
  if (grown == NULL)
    return; /* the arena has failed: the verdict is an error answer */
  plan->local_facts = grown;
  plan->local_facts[plan->n_local_facts++] =
      (struct adm_image_fact){ir, rule_index, adm_arena_strdup(a, image), outcome, "", "", detail, detail, ""};
}

/* One image need per (verify rule, distinct image) of the pod. */
static void add_needs(struct adm_decide_plan *plan, const struct adm_family_rule *r, size_t rule_index,
                      struct adm_arena *a) {
  const struct adm_images_rule *ir = adm_rule_images(&r->settings);
  for (size_t i = 0; i < plan->pod.n_containers; i++) {
    const char *image = plan->pod.containers[i].image;
    struct adm_image_ref ref;
    if (image == NULL || adm_image_ref_parse(image, &ref, NULL) < 0 || !adm_images_verify_covers(&ir->verify, &ref))
      continue;
    char text[ADM_IMAGE_STRING_MAX];
    adm_image_ref_string(&ref, text, sizeof text);
    bool dup = false;
    for (size_t k = 0; k < plan->n_needs && !dup; k++)
      dup = plan->needs[k].rule == ir && strcmp(plan->needs[k].image, text) == 0;
    if (dup)
      continue;
    if (adm_pod_keeps_image(plan->old, &plan->pod.containers[i])) {
      add_local_fact(plan, ir, rule_index, text, ADM_SIG_NOT_CHECKED, "the pod already runs it; this update keeps it",
                     a);
      continue;
    }
    if (plan->n_needs == ADM_MAX_IMAGE_NEEDS) {
      /* Fails closed, even where another container runs it unchanged. */
      plan->n_needs_dropped++;
      add_local_fact(plan, ir, rule_index, text, ADM_SIG_INTERNAL, "more images than one admission may verify", a);
      continue;
    }
    struct adm_image_need *grown = adm_arena_grow(a, plan->needs, plan->n_needs, &plan->cap_needs, sizeof *grown, 2);
    if (grown == NULL)
      return; /* the arena has failed: the verdict is an error answer */
    plan->needs = grown;
    struct adm_image_need *n = &plan->needs[plan->n_needs++];
    n->rule = ir;
    n->rule_index = rule_index;
    n->ref = ref;
    memcpy(n->image, text, sizeof text);
  }
}

/* Every check that needs no facts, of every rule of family f that selects
 * the pod. */
static void evaluate_rule_family(const struct adm_config *cfg, int f, const struct adm_review_request *req,
                                 struct adm_decide_plan *plan, struct adm_arena *a, struct adm_decision *d) {
  const struct adm_family_config *fc = &cfg->families[f];
  for (size_t i = 0; family_judges(fc, plan->is_pod) && i < fc->n_rules; i++) {
    const struct adm_family_rule *r = &fc->rules[i];
    if (rule_selects(r, req->namespace, &plan->ns, &plan->pod))
      run_rule(plan, f, r, rule_mode(fc, r, plan->is_pod), NULL, a, d, plan->any, NULL, NULL);
  }
}

/* Once every family has judged what it can alone: the images the verify
 * rules need facts for. */
static void plan_image_needs(const struct adm_config *cfg, const struct adm_review_request *req,
                             struct adm_decide_plan *plan, struct adm_arena *a, struct adm_decision *d) {
  /* A request denied already is not worth a registry round trip; under
   * dry-run it is, since the point is to learn all that would refuse it. */
  bool denied = !d->allowed;
  for (int f = 0; f < ADM__FAMILY_COUNT; f++)
    denied |= plan->any[f][ADM_MODE_ENFORCE];
  if (denied && !cfg->dry_run) {
    plan->not_attempted = true;
    return;
  }
  const struct adm_family_config *fc = &cfg->families[ADM_FAMILY_IMAGES];
  for (size_t i = 0; family_judges(fc, plan->is_pod) && i < fc->n_rules; i++) {
    const struct adm_family_rule *r = &fc->rules[i];
    if (adm_rule_images(&r->settings)->verify.set && rule_selects(r, req->namespace, &plan->ns, &plan->pod))
      add_needs(plan, r, i, a);
  }
}

/* "image@digest (release, qa) signatures in registry/repository" for each
 * verified image, "; "-separated: a digest verified at one location is
 * admitted wherever it is named, so say where its signatures are. */
static const char *verified_images(const struct adm_image_facts *facts, struct adm_arena *a) {
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  size_t left_out = 0;
  for (size_t i = 0; i < facts->n; i++) {
    const struct adm_image_fact *f = &facts->items[i];
    if (f->outcome != ADM_SIG_VERIFIED)
      continue;
    bool seen = false;
    for (size_t j = 0; j < i && !seen; j++)
      seen = facts->items[j].outcome == ADM_SIG_VERIFIED && strcmp(facts->items[j].image, f->image) == 0 &&
             strcmp(facts->items[j].digest, f->digest) == 0;
    if (seen)
      continue;
    if (sb.len > FAMILY_TEXT_MAX) {
      left_out++;
      continue;
    }
    adm_sb_addf(&sb, "%s%s%s%s (%s)", sb.len ? "; " : "", f->image, strchr(f->image, '@') ? "" : "@",
                strchr(f->image, '@') ? "" : f->digest, f->authorities);
    if (f->verified_at && f->verified_at[0])
      adm_sb_addf(&sb, " signatures in %s", f->verified_at);
  }
  if (left_out)
    adm_sb_addf(&sb, " ... (and %zu more)", left_out);
  return sb.len ? adm_sb_str(&sb) : NULL;
}

/* The gathered facts and those that needed no registry, as one list. */
static const struct adm_image_facts *all_facts(const struct adm_decide_plan *plan, const struct adm_image_facts *facts,
                                               struct adm_arena *a) {
  if (plan->n_local_facts == 0)
    return facts;
  size_t n = plan->n_local_facts + (facts ? facts->n : 0);
  struct adm_image_facts *all = adm_arena_alloc(a, sizeof *all);
  struct adm_image_fact *items = adm_arena_alloc(a, n * sizeof *items);
  if (all == NULL || items == NULL)
    return NULL; /* the arena has failed: the verdict is an error answer */
  /* Gathered facts first: the check takes the first fact of an image, and
   * one container's new use of an image must not pass on another's
   * unchanged one. */
  size_t k = facts ? facts->n : 0;
  if (k)
    memcpy(items, facts->items, k * sizeof *items);
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < plan->n_local_facts; i++)
      if ((plan->local_facts[i].outcome == ADM_SIG_NOT_CHECKED) == (pass == 1))
        items[k++] = plan->local_facts[i];
  *all = (struct adm_image_facts){items, n, plan->not_attempted};
  return all;
}

/* The checks that read facts, then the words: the denial, warnings and
 * audit annotations of every family, from every finding recorded. Pod
 * Security's verdict, if any, is already in d. */
static void decide_families(const struct adm_config *cfg, const struct adm_review_request *req,
                            struct adm_decide_plan *plan, const struct adm_image_facts *facts, struct adm_arena *a,
                            struct adm_decision *d) {
  facts = all_facts(plan, facts, a);
  bool(*any)[ADM__MODE_COUNT] = plan->any;
  const char *resource_label = plan->label, *name = plan->name;
  const struct adm_family_config *ifc = &cfg->families[ADM_FAMILY_IMAGES];
  struct adm_image_facts none = {NULL, 0, plan->not_attempted};
  struct adm_sb unverified;
  adm_sb_init(&unverified, a);
  size_t unverified_left_out = 0;
  for (size_t i = 0; family_judges(ifc, plan->is_pod) && i < ifc->n_rules; i++) {
    const struct adm_family_rule *r = &ifc->rules[i];
    if (adm_rule_images(&r->settings)->verify.set && rule_selects(r, req->namespace, &plan->ns, &plan->pod))
      run_rule(plan, ADM_FAMILY_IMAGES, r, rule_mode(ifc, r, plan->is_pod), facts ? facts : &none, a, d, any,
               &unverified, &unverified_left_out);
  }
  if (facts && facts->n) {
    /* facts may live on the caller's stack; the decision outlives it. */
    struct adm_image_facts *kept = adm_arena_alloc(a, sizeof *kept);
    if (kept != NULL)
      *kept = *facts;
    d->image_facts = kept;
    const char *verified = verified_images(facts, a);
    if (verified)
      add_annotation(d, "images-verified", verified);
  }
  if (unverified_left_out)
    adm_sb_addf(&unverified, " ... (and %zu more)", unverified_left_out);
  if (unverified.len)
    add_annotation(d, "images-unverified", adm_sb_str(&unverified));
  /* Denial: upstream's Pod Security text first when it denied, then each
   * family's reasons in the fixed family order, on one line. */
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  bool denied = false;
  for (int f = 0; f < ADM__FAMILY_COUNT; f++) {
    if (adm_families[f].model != ADM_FAMILY_RULES || !any[f][ADM_MODE_ENFORCE])
      continue;
    if (!denied) {
      if (!d->allowed)
        adm_sb_add(&sb, d->message);
      else if (name && name[0])
        adm_sb_addf(&sb, "%s \"%s\" is forbidden: ", resource_label, name);
      else
        adm_sb_addf(&sb, "%s is forbidden: ", resource_label);
    }
    if (!d->allowed || denied)
      adm_sb_add(&sb, "; ");
    adm_sb_add(&sb, "violates admitd ");
    adm_sb_add(&sb, adm_family_name((enum adm_family_id)f));
    adm_sb_add(&sb, " policy: ");
    join_findings(&sb, d, f, ADM_MODE_ENFORCE, FAMILY_TEXT_MAX);
    denied = true;
  }
  if (denied) {
    const char *msg = adm_sb_str(&sb);
    deny(d, 403, "Forbidden", msg ? msg : "forbidden by admitd policy");
  }
  for (int f = 0; f < ADM__FAMILY_COUNT; f++) {
    if (adm_families[f].model != ADM_FAMILY_RULES)
      continue;
    if (any[f][ADM_MODE_AUDIT])
      add_annotation(d, adm_families[f].audit_key, would_violate(d, a, f, ADM_MODE_AUDIT));
    /* As upstream: no warnings on a request that is rejected anyway. */
    if (any[f][ADM_MODE_WARN] && d->allowed)
      add_warning(d, a, would_violate(d, a, f, ADM_MODE_WARN));
  }
}

/* --- Namespace requests --------------------------------------------------- */

static bool is_namespace_request(const struct adm_review_request *req) {
  return req->resource_group[0] == '\0' && strcmp(req->resource_resource, "namespaces") == 0;
}

bool adm_decide_reads_namespace(const struct adm_config *cfg, const struct adm_review_request *req) {
  return cfg->reads_namespace_labels && !is_namespace_request(req);
}

/* Pod Security's levels for a namespace with labels: the labels' over the
 * defaults, the file's namespaces rules over those. */
static struct adm_mode_levels namespace_levels(const struct adm_pod_security_config *ps, const char *name,
                                               const struct adm_labels *labels, struct adm_arena *a,
                                               const char **errors) {
  struct adm_mode_levels base = adm_ns_pod_security_levels(labels, ps->defaults, a, errors);
  return adm_config_levels_over(ps, name, base);
}

static bool same_lv_exactly(struct adm_level_version x, struct adm_level_version y) {
  return x.level == y.level && x.minor == y.minor;
}

/* With namespace labels on, a Namespace CREATE or UPDATE as upstream's
 * ValidateNamespace judges it: invalid Pod Security labels are refused
 * (422) when new; an exempt namespace is told its labels are ignored; an
 * enforce level made stricter has the namespace's pods judged at it, for
 * warnings only (the pipeline lists them: adm_decide_namespace_pods). */
static void decide_namespace(const struct adm_config *cfg, const struct adm_review_request *req,
                             struct adm_decide_plan *plan, struct adm_arena *a, struct adm_decision *d) {
  const struct adm_pod_security_config *ps = &cfg->pod_security;
  bool create = strcmp(req->operation, "CREATE") == 0, update = strcmp(req->operation, "UPDATE") == 0;
  if (req->sub_resource[0] != '\0' || (!create && !update)) {
    skip(d, "does not set a namespace's labels");
    return;
  }
  const char *name = req->name[0] ? req->name : req->namespace;
  const char *exempt_as = req->namespace[0] ? req->namespace : name;
  struct adm_labels labels, old_labels;
  const char *errors = NULL, *old_errors = NULL;
  int rl = adm__ns_object_labels(req->object, a, &labels);
  int ro = update && rl == 0 ? adm__ns_object_labels(req->old_object, a, &old_labels) : 0;
  if (rl == ADM_ENOMEM || ro == ADM_ENOMEM)
    return; /* the arena has failed: the answer is an error */
  if (rl < 0 || ro < 0) {
    /* As upstream when an object is missing or does not decode as a Namespace. */
    deny(d, 400, "BadRequest", rl < 0 ? "failed to decode object" : "failed to decode old object");
    add_annotation(d, "error", d->message);
    return;
  }
  /* Upstream's exempt-namespace warning reads the labels alone. */
  struct adm_mode_levels labelled = adm_ns_pod_security_levels(&labels, ps->defaults, a, &errors);
  struct adm_mode_levels now = adm_config_levels_over(ps, name, labelled);
  struct adm_mode_levels before = now;
  if (update)
    before = namespace_levels(ps, name, &old_labels, a, &old_errors);
  /* Labels already invalid, and left as they were, are not refused again. */
  if (errors && (create || old_errors == NULL || strcmp(errors, old_errors) != 0)) {
    deny(d, 422, "Invalid", adm_arena_printf(a, "Namespace \"%s\" is invalid: %s", name, errors));
    return;
  }
  struct adm_level_version enforce = now.lv[ADM_MODE_ENFORCE], was = before.lv[ADM_MODE_ENFORCE];
  if (update && (same_lv_exactly(enforce, was) || enforce.level == ADM_LEVEL_PRIVILEGED ||
                 (enforce.minor == was.minor && enforce.level <= was.level)))
    return;
  if (adm_names_contains(&ps->exempt_namespaces, exempt_as)) {
    add_warning(d, a, adm__ns_exempt_warning(name, &labelled, &ps->defaults, &labels, a));
    return;
  }
  if (update) {
    plan->ns_pods_pending = true;
    plan->ns_pods_namespace = name;
    plan->ns_pods_enforce = enforce;
  }
}

struct adm_ns_pods {
  const struct adm_decide_plan *plan;
  struct adm__ns_pods acc;
};

struct adm_ns_pods *adm_decide_ns_pods_begin(const struct adm_config *cfg, const struct adm_decide_plan *plan,
                                             int64_t deadline_ms, struct adm_arena *a) {
  struct adm_ns_pods *p = adm_arena_alloc(a, sizeof *p);
  if (p == NULL)
    return NULL;
  p->plan = plan;
  adm__ns_pods_init(&p->acc, cfg, plan->ns_pods_enforce, deadline_ms, a);
  return p;
}

int adm_ns_pods_add(void *pods, const json_t *pod) {
  return adm__ns_pods_add(&((struct adm_ns_pods *)pods)->acc, pod);
}

void adm_decide_ns_pods_end(struct adm_ns_pods *p, int listed, const char *error, struct adm_decision *d) {
  struct adm_arena *a = p->acc.a;
  if (listed < 0) {
    add_warning(d, a, "failed to list pods while checking new PodSecurity enforce level");
    add_annotation(d, "error", adm_arena_printf(a, "failed to list pods: %s", error ? error : "unknown error"));
    return;
  }
  const char *out[ADM_MAX_WARNINGS];
  size_t n = adm__ns_pods_warnings(&p->acc, p->plan->ns_pods_namespace, listed == 1, out, ADM_MAX_WARNINGS);
  for (size_t i = 0; i < n; i++)
    add_warning(d, a, out[i]);
}

/* --- the decision ---------------------------------------------------------- */

/* Upstream's answer when a namespace cannot be looked up: a pod is
 * refused (500), a workload allowed with the error in an annotation. */
static void namespace_lookup_failed(const struct adm_review_request *req, const struct adm_ns_view *ns, bool refuse,
                                    struct adm_arena *a, struct adm_decision *d) {
  const char *why = ns->error ? ns->error : "namespace labels were not read";
  if (refuse) {
    deny(d, 500, "InternalError",
         adm_arena_printf(a, "Internal error occurred: failed to lookup namespace \"%s\"", req->namespace));
    add_annotation(d, "error", adm_arena_printf(a, "%s: %s", d->message, why));
  } else {
    add_annotation(d, "error", adm_arena_printf(a, "failed to lookup namespace \"%s\": %s", req->namespace, why));
  }
}

enum psa_verdict { PSA_SKIPS, PSA_JUDGES, PSA_REFUSES };

struct psa_levels {
  struct adm_mode_levels levels;
  bool enforce;
  const char *labels_error; /* the namespace's invalid Pod Security labels, or NULL */
};

/* Whether Pod Security judges the request, and at which levels: not in an
 * exempt namespace or for an exempt user, nor when every mode it would
 * judge is privileged (upstream's fast allow). With namespace labels on,
 * the levels are the labels' over the defaults, and the file's namespaces
 * rules over those; a pod whose namespace cannot be looked up is refused. */
static enum psa_verdict pod_security_judges(const struct adm_pod_security_config *ps,
                                            const struct adm_review_request *req, const struct adm_ns_view *ns,
                                            bool is_pod, struct psa_levels *out, struct adm_arena *a,
                                            struct adm_decision *d) {
  if (adm_names_contains(&ps->exempt_namespaces, req->namespace)) {
    add_annotation(d, "exempt", "namespace");
    return PSA_SKIPS;
  }
  if (adm_names_contains(&ps->exempt_usernames, req->username)) {
    add_annotation(d, "exempt", "user");
    return PSA_SKIPS;
  }
  struct adm_mode_levels base = ps->defaults;
  out->labels_error = NULL;
  if (ps->namespace_labels) {
    if (ns->state != ADM_NS_KNOWN) {
      namespace_lookup_failed(req, ns, is_pod, a, d);
      return is_pod ? PSA_REFUSES : PSA_SKIPS;
    }
    base = adm_ns_pod_security_levels(&ns->labels, ps->defaults, a, &out->labels_error);
  }
  out->levels = adm_config_levels_over(ps, req->namespace, base);
  out->enforce = is_pod || ps->enforce_on_workloads;
  if (out->labels_error == NULL && fully_privileged(&out->levels, out->enforce)) {
    if (is_pod)
      add_annotation(d, "enforce-policy", "privileged:latest");
    return PSA_SKIPS;
  }
  return PSA_JUDGES;
}

static void decide_inner(const struct adm_config *cfg, const struct adm_review_request *req, struct adm_arena *a,
                         struct adm_decide_plan *plan, struct adm_decision *d) {
  allow(d);
  if (cfg->pod_security.namespace_labels && is_namespace_request(req)) {
    decide_namespace(cfg, req, plan, a, d);
    return;
  }
  const struct adm_pod_resource *res = adm_pod_resource_find(req->resource_group, req->resource_resource);
  if (res == NULL) {
    skip(d, "resource carries no pod spec");
    return;
  }
  bool is_pod = res->template_path == NULL;
  if (strcmp(req->operation, "CREATE") != 0 && strcmp(req->operation, "UPDATE") != 0) {
    skip(d, "operation is not CREATE or UPDATE");
    return;
  }
  if (is_pod ? in_list(req->sub_resource, ignored_pod_subresources) : req->sub_resource[0] != '\0') {
    skip(d, "subresource does not change the pod spec");
    return;
  }
  /* Which families judge the request: Pod Security by its exemptions and
   * its fast allow, which concern it only; a family of rules when one of
   * its rules is for the namespace. */
  const struct adm_ns_view *ns = &plan->ns;
  if (need_unknown_labels(cfg, req->namespace, ns, is_pod)) {
    namespace_lookup_failed(req, ns, true, a, d);
    return;
  }
  bool judges[ADM__FAMILY_COUNT] = {false}, any_judges = false;
  struct psa_levels psa = {.labels_error = NULL};
  for (int f = 0; f < ADM__FAMILY_COUNT; f++) {
    if (adm_families[f].model == ADM_FAMILY_LEVELS) {
      enum psa_verdict v = pod_security_judges(&cfg->pod_security, req, ns, is_pod, &psa, a, d);
      if (v == PSA_REFUSES)
        return;
      judges[f] = v == PSA_JUDGES;
    } else {
      judges[f] = rule_family_applies(cfg, f, req->namespace, ns, is_pod);
    }
    any_judges |= judges[f];
  }
  if (!any_judges)
    return;
  struct adm_error err = {0};
  char msg[800];
  if (req->object == NULL) {
    if (is_pod) {
      deny(d, 400, "BadRequest", "failed to decode pod: request.object is missing");
      add_annotation(d, "error", d->message);
    } else {
      add_annotation(d, "error", "failed to decode object: request.object is missing");
    }
    return;
  }
  struct adm_pod *pod = &plan->pod;
  bool found = true;
  int rc = is_pod ? adm_extract_pod(req->object, a, pod, &err)
                  : adm_extract_template(req->object, res, a, pod, &found, &err);
  if (rc < 0) {
    adm_error_format(&err, msg, sizeof msg);
    /* A pod that cannot be read fails closed; a workload fails open with a note, as upstream. */
    const char *text =
        adm_arena_printf(a, "failed to decode %s: request.object.%s", is_pod ? "pod" : "pod template", msg);
    if (is_pod)
      deny(d, 400, "BadRequest", text);
    add_annotation(d, "error", text);
    return;
  }
  if (!found) {
    skip(d, "workload has no pod template");
    return;
  }
  if (is_pod && strcmp(req->operation, "UPDATE") == 0) {
    struct adm_pod old;
    if (req->old_object == NULL || adm_extract_pod(req->old_object, a, &old, &err) < 0) {
      adm_error_format(&err, msg, sizeof msg);
      deny(d, 400, "BadRequest",
           req->old_object ? adm_arena_printf(a, "failed to decode old pod: request.oldObject.%s", msg)
                           : "failed to decode old pod: request.oldObject is missing");
      add_annotation(d, "error", d->message);
      return;
    }
    struct adm_pod *kept = adm_arena_alloc(a, sizeof *kept);
    if (kept != NULL)
      *kept = old;
    plan->old = kept;
    /* Each model has its own idea of an update worth judging. */
    any_judges = false;
    bool rules_significant = significant_for_families(pod, &old);
    for (int f = 0; f < ADM__FAMILY_COUNT; f++) {
      judges[f] =
          judges[f] && (adm_families[f].model == ADM_FAMILY_LEVELS ? significant_update(pod, &old) : rules_significant);
      any_judges |= judges[f];
    }
    if (!any_judges) {
      skip(d, "pod update changes no container image or count");
      return;
    }
  }
  const char *name = req->name[0] ? req->name : pod->name;
  const char *label = resource_label(req, a);
  plan->is_pod = is_pod;
  plan->label = label;
  plan->name = name;
  for (int f = 0; f < ADM__FAMILY_COUNT; f++) {
    if (!judges[f])
      continue;
    if (adm_families[f].model == ADM_FAMILY_LEVELS) {
      decide_pod_security(cfg, &psa.levels, psa.labels_error, pod, psa.enforce, label, name, a, d);
    } else {
      plan->families = true;
      evaluate_rule_family(cfg, f, req, plan, a, d);
    }
  }
  if (plan->families)
    plan_image_needs(cfg, req, plan, a, d);
}

void adm_decide_begin(const struct adm_config *cfg, const struct adm_review_request *req, const struct adm_ns_view *ns,
                      struct adm_arena *a, struct adm_decide_plan *plan, struct adm_decision *d) {
  memset(plan, 0, sizeof *plan);
  if (adm_decide_reads_namespace(cfg, req))
    plan->ns = ns && ns->state != ADM_NS_UNREAD
                   ? *ns
                   : (struct adm_ns_view){ADM_NS_UNKNOWN, {NULL, NULL, 0}, "namespace labels were not read"};
  decide_inner(cfg, req, a, plan, d);
  if (plan->ns.state == ADM_NS_UNKNOWN)
    d->namespace_error = plan->ns.error ? plan->ns.error : "unknown";
  if (plan->ns.state == ADM_NS_KNOWN) {
    struct adm_labels *kept = adm_arena_alloc(a, sizeof *kept);
    if (kept != NULL) /* else the arena has failed: the answer is an error */
      *kept = plan->ns.labels;
    d->namespace_labels = kept;
  }
}

void adm_decide_finish(const struct adm_config *cfg, const struct adm_review_request *req, struct adm_decide_plan *plan,
                       const struct adm_image_facts *facts, struct adm_arena *a, struct adm_decision *d) {
  if (plan->families)
    decide_families(cfg, req, plan, facts, a, d);
  apply_dry_run(cfg, d, a);
}
