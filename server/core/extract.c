/* Builds the typed pod view from JSON. Owns the knowledge of where each
 * field lives in a Pod and in each workload; must not judge anything
 * (that is policies/) nor know about AdmissionReview (review.c). */
#include "admitd/extract.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const template_spec_template[] = {"spec", "template", NULL};
static const char *const template_cronjob[] = {"spec", "jobTemplate", "spec", "template", NULL};
static const char *const template_podtemplate[] = {"template", NULL};

/* The apiVersions a manifest may give each kind. Legacy ones (served by
 * older API servers) reach a webhook as the canonical group's resource under
 * the default matchPolicy Equivalent, so they are judged as that. */
static const char *const core_versions[] = {"v1", NULL};
static const char *const apps_versions[] = {"apps/v1", "apps/v1beta1", "apps/v1beta2", NULL};
static const char *const apps_and_extensions[] = {"apps/v1", "apps/v1beta1", "apps/v1beta2", "extensions/v1beta1",
                                                  NULL};
static const char *const job_versions[] = {"batch/v1", NULL};
static const char *const cronjob_versions[] = {"batch/v1", "batch/v1beta1", "batch/v2alpha1", NULL};

static const struct adm_pod_resource pod_resources[] = {
    {"", "pods", "Pod", NULL, core_versions},
    {"", "replicationcontrollers", "ReplicationController", template_spec_template, core_versions},
    {"", "podtemplates", "PodTemplate", template_podtemplate, core_versions},
    {"apps", "replicasets", "ReplicaSet", template_spec_template, apps_and_extensions},
    {"apps", "deployments", "Deployment", template_spec_template, apps_and_extensions},
    {"apps", "statefulsets", "StatefulSet", template_spec_template, apps_versions},
    {"apps", "daemonsets", "DaemonSet", template_spec_template, apps_and_extensions},
    {"batch", "jobs", "Job", template_spec_template, job_versions},
    {"batch", "cronjobs", "CronJob", template_cronjob, cronjob_versions},
};

#define N_POD_RESOURCES (sizeof pod_resources / sizeof pod_resources[0])

const struct adm_pod_resource *adm_pod_resource_find(const char *group, const char *resource) {
  for (size_t i = 0; i < N_POD_RESOURCES; i++)
    if (strcmp(pod_resources[i].group, group ? group : "") == 0 && resource &&
        strcmp(pod_resources[i].resource, resource) == 0)
      return &pod_resources[i];
  return NULL;
}

const struct adm_pod_resource *adm_pod_resource_by_kind(const char *kind) {
  for (size_t i = 0; kind && i < N_POD_RESOURCES; i++)
    if (strcmp(pod_resources[i].kind, kind) == 0)
      return &pod_resources[i];
  return NULL;
}

const struct adm_pod_resource *adm_pod_resource_for_object(const char *api_version, const char *kind) {
  const struct adm_pod_resource *res = adm_pod_resource_by_kind(kind);
  for (const char *const *v = res && api_version ? res->api_versions : NULL; v && *v; v++)
    if (strcmp(*v, api_version) == 0)
      return res;
  return NULL;
}

/* The JSON path of the field being read, for error messages, and the
 * first error. An error is sticky: every read after it does nothing and
 * returns it, so a reader reads its fields one after another and returns
 * c->rc once, and the error reported is always the first. */
struct ctx {
  struct adm_arena *a;
  struct adm_error *err;
  char path[512];
  size_t len;
  int rc;
};

/* Record rc (from adm_fail) as the first error; returns it. */
static int failed(struct ctx *c, int rc) {
  if (c->rc == 0)
    c->rc = rc;
  return c->rc;
}

static int out_of_memory(struct ctx *c) {
  return failed(c, adm_fail(c->err, ADM_ENOMEM, c->path, "out of memory"));
}

/* Called for every field read, error or not: plain copies, no printf. A
 * path that would not fit is left as it was (errors name its prefix). */
static size_t path_push_key(struct ctx *c, const char *key) {
  size_t saved = c->len, n = strlen(key), dot = c->len ? 1 : 0;
  if (c->len + dot + n < sizeof c->path) {
    if (dot)
      c->path[c->len++] = '.';
    memcpy(c->path + c->len, key, n + 1);
    c->len += n;
  }
  return saved;
}

static size_t path_push_index(struct ctx *c, size_t i) {
  size_t saved = c->len;
  int n = snprintf(c->path + c->len, sizeof c->path - c->len, "[%zu]", i);
  if (n > 0 && (size_t)n < sizeof c->path - c->len)
    c->len += (size_t)n;
  return saved;
}

static void path_pop(struct ctx *c, size_t saved) {
  c->len = saved;
  c->path[saved] = '\0';
}

static int type_error(struct ctx *c, const char *key, const char *expected, const json_t *v) {
  size_t saved = path_push_key(c, key);
  static const char *const names[] = {"object", "array", "string", "integer", "number", "boolean", "boolean", "null"};
  int rc = failed(c, adm_fail(c->err, ADM_ETYPE, c->path, "expected %s, got %s", expected, names[json_typeof(v)]));
  path_pop(c, saved);
  return rc;
}

/* An error at the current path, with the index i pushed for it. */
static int item_error(struct ctx *c, size_t i, const char *expected) {
  size_t saved = path_push_index(c, i);
  int rc = failed(c, adm_fail(c->err, ADM_ETYPE, c->path, "expected %s", expected));
  path_pop(c, saved);
  return rc;
}

/* parent[key] when it is present and not null, else NULL. */
static const json_t *field(const json_t *parent, const char *key) {
  const json_t *v = parent ? json_object_get(parent, key) : NULL;
  return v == NULL || json_is_null(v) ? NULL : v;
}

/* Each getter leaves *out untouched when the key is absent or null, and
 * does nothing after an error. */
static const json_t *get_object(struct ctx *c, const json_t *parent, const char *key) {
  const json_t *v = c->rc < 0 ? NULL : field(parent, key);
  if (v == NULL)
    return NULL;
  if (!json_is_object(v)) {
    type_error(c, key, "object", v);
    return NULL;
  }
  return v;
}

static const json_t *get_array(struct ctx *c, const json_t *parent, const char *key) {
  const json_t *v = c->rc < 0 ? NULL : field(parent, key);
  if (v == NULL)
    return NULL;
  if (!json_is_array(v)) {
    type_error(c, key, "array", v);
    return NULL;
  }
  return v;
}

static void get_string(struct ctx *c, const json_t *parent, const char *key, const char **out) {
  const json_t *v = c->rc < 0 ? NULL : field(parent, key);
  if (v == NULL)
    return;
  if (!json_is_string(v))
    type_error(c, key, "string", v);
  else
    *out = json_string_value(v);
}

static void get_tri(struct ctx *c, const json_t *parent, const char *key, enum adm_tri *out) {
  const json_t *v = c->rc < 0 ? NULL : field(parent, key);
  if (v == NULL)
    return;
  if (!json_is_boolean(v))
    type_error(c, key, "boolean", v);
  else
    *out = json_is_true(v) ? ADM_TRUE : ADM_FALSE;
}

static void get_bool(struct ctx *c, const json_t *parent, const char *key, bool *out) {
  enum adm_tri t = ADM_UNSET;
  get_tri(c, parent, key, &t);
  *out = t == ADM_TRUE;
}

static void get_int(struct ctx *c, const json_t *parent, const char *key, bool *has, int64_t *out) {
  const json_t *v = c->rc < 0 ? NULL : field(parent, key);
  if (v == NULL)
    return;
  if (!json_is_integer(v)) {
    type_error(c, key, "integer", v);
    return;
  }
  *has = true;
  *out = (int64_t)json_integer_value(v);
}

/* parent[key] as an object with the path extended by key (pop *saved after
 * reading it), or NULL when absent, null or after an error. */
static const json_t *enter(struct ctx *c, const json_t *parent, const char *key, size_t *saved) {
  const json_t *o = get_object(c, parent, key);
  if (o != NULL)
    *saved = path_push_key(c, key);
  return o;
}

static void get_string_list(struct ctx *c, const json_t *parent, const char *key, struct adm_str_list *out) {
  const json_t *arr = get_array(c, parent, key);
  if (arr == NULL)
    return;
  size_t n = json_array_size(arr);
  out->items = adm_arena_calloc(c->a, n ? n : 1, sizeof *out->items);
  if (out->items == NULL) {
    out_of_memory(c);
    return;
  }
  size_t saved = path_push_key(c, key);
  for (size_t i = 0; i < n && c->rc == 0; i++) {
    const json_t *v = json_array_get(arr, i);
    if (json_is_string(v))
      out->items[out->n++] = json_string_value(v);
    else
      item_error(c, i, "string");
  }
  path_pop(c, saved);
}

static void read_selinux(struct ctx *c, const json_t *o, struct adm_selinux_options *s) {
  s->present = true;
  s->type = s->user = s->role = "";
  get_string(c, o, "type", &s->type);
  get_string(c, o, "user", &s->user);
  get_string(c, o, "role", &s->role);
}

static void read_profile(struct ctx *c, const json_t *o, struct adm_profile *p) {
  p->present = true;
  p->type = "";
  get_string(c, o, "type", &p->type);
  get_string(c, o, "localhostProfile", &p->localhost_profile);
}

static void read_common(struct ctx *c, const json_t *sc, struct adm_security_common *cm) {
  get_tri(c, sc, "runAsNonRoot", &cm->run_as_non_root);
  get_int(c, sc, "runAsUser", &cm->has_run_as_user, &cm->run_as_user);
  get_int(c, sc, "runAsGroup", &cm->has_run_as_group, &cm->run_as_group);
  size_t saved;
  const json_t *o = enter(c, sc, "seLinuxOptions", &saved);
  if (o != NULL) {
    read_selinux(c, o, &cm->selinux);
    path_pop(c, saved);
  }
  o = enter(c, sc, "seccompProfile", &saved);
  if (o != NULL) {
    read_profile(c, o, &cm->seccomp);
    path_pop(c, saved);
  }
  o = enter(c, sc, "appArmorProfile", &saved);
  if (o != NULL) {
    read_profile(c, o, &cm->apparmor);
    path_pop(c, saved);
  }
  o = enter(c, sc, "windowsOptions", &saved);
  if (o != NULL) {
    get_tri(c, o, "hostProcess", &cm->windows_host_process);
    path_pop(c, saved);
  }
}

static void read_container_sc(struct ctx *c, const json_t *sc, struct adm_container_security *s) {
  s->present = true;
  read_common(c, sc, &s->common);
  get_tri(c, sc, "privileged", &s->privileged);
  get_tri(c, sc, "allowPrivilegeEscalation", &s->allow_privilege_escalation);
  get_string(c, sc, "procMount", &s->proc_mount);
  get_tri(c, sc, "readOnlyRootFilesystem", &s->read_only_root_filesystem);
  size_t saved;
  const json_t *o = enter(c, sc, "capabilities", &saved);
  if (o != NULL) {
    s->has_capabilities = true;
    get_string_list(c, o, "add", &s->cap_add);
    get_string_list(c, o, "drop", &s->cap_drop);
    path_pop(c, saved);
  }
}

/* host of handler.httpGet and handler.tcpSocket, when non-empty. */
static void read_handler_hosts(struct ctx *c, const json_t *handler, const char **hosts, size_t *n) {
  static const char *const kinds[] = {"httpGet", "tcpSocket"};
  for (size_t k = 0; k < 2; k++) {
    size_t saved;
    const json_t *o = enter(c, handler, kinds[k], &saved);
    if (o == NULL)
      continue;
    const char *host = NULL;
    get_string(c, o, "host", &host);
    path_pop(c, saved);
    if (c->rc == 0 && host && host[0])
      hosts[(*n)++] = host;
  }
}

static void read_probe_hosts(struct ctx *c, const json_t *ct, struct adm_str_list *out) {
  /* At most two hosts for each of five handlers. */
  const char **hosts = adm_arena_calloc(c->a, 10, sizeof *hosts);
  size_t n = 0;
  if (hosts == NULL) {
    out_of_memory(c);
    return;
  }
  static const char *const probes[] = {"livenessProbe", "readinessProbe", "startupProbe"};
  size_t saved;
  for (size_t i = 0; i < 3; i++) {
    const json_t *o = enter(c, ct, probes[i], &saved);
    if (o != NULL) {
      read_handler_hosts(c, o, hosts, &n);
      path_pop(c, saved);
    }
  }
  const json_t *lc = enter(c, ct, "lifecycle", &saved);
  if (lc != NULL) {
    static const char *const handlers[] = {"postStart", "preStop"};
    for (size_t i = 0; i < 2; i++) {
      size_t s2;
      const json_t *h = enter(c, lc, handlers[i], &s2);
      if (h != NULL) {
        read_handler_hosts(c, h, hosts, &n);
        path_pop(c, s2);
      }
    }
    path_pop(c, saved);
  }
  if (c->rc == 0) {
    out->items = hosts;
    out->n = n;
  }
}

static void read_ports(struct ctx *c, const json_t *ct, struct adm_container *out) {
  const json_t *ports = get_array(c, ct, "ports");
  if (ports == NULL)
    return;
  size_t n = json_array_size(ports);
  out->host_ports = adm_arena_calloc(c->a, n ? n : 1, sizeof *out->host_ports);
  if (out->host_ports == NULL) {
    out_of_memory(c);
    return;
  }
  size_t saved = path_push_key(c, "ports");
  for (size_t i = 0; i < n && c->rc == 0; i++) {
    const json_t *p = json_array_get(ports, i);
    if (!json_is_object(p)) {
      item_error(c, i, "object");
      break;
    }
    size_t s2 = path_push_index(c, i);
    bool has = false;
    int64_t hp = 0;
    get_int(c, p, "hostPort", &has, &hp);
    out->host_ports[out->n_host_ports++] = hp;
    path_pop(c, s2);
  }
  path_pop(c, saved);
}

/* A quantity as the API server would hold it: manifests may give a YAML
 * number (cpu: 1, cpu: 0.5), which kubectl sends as that number's text. */
static void quantity_text(struct ctx *c, const char *key, const json_t *v, const char **out) {
  if (json_is_string(v)) {
    *out = json_string_value(v);
    return;
  }
  char buf[64];
  if (json_is_integer(v)) {
    snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
  } else if (json_is_real(v)) {
    /* The shortest text that reads back as the same double, as Go prints it. */
    double d = json_real_value(v);
    for (int prec = 1; prec <= 17; prec++) {
      snprintf(buf, sizeof buf, "%.*g", prec, d);
      if (strtod(buf, NULL) == d)
        break;
    }
  } else {
    type_error(c, key, "quantity (string or number)", v);
    return;
  }
  *out = adm_arena_strdup(c->a, buf);
  if (*out == NULL)
    out_of_memory(c);
}

static void read_resource_list(struct ctx *c, const json_t *parent, const char *key, struct adm_resource_list *out) {
  const json_t *o = get_object(c, parent, key);
  if (o == NULL)
    return;
  size_t n = json_object_size(o);
  out->items = adm_arena_calloc(c->a, n ? n : 1, sizeof *out->items);
  if (out->items == NULL) {
    out_of_memory(c);
    return;
  }
  size_t saved = path_push_key(c, key);
  const char *name;
  const json_t *v;
  json_object_foreach((json_t *)o, name, v) {
    if (json_is_null(v))
      continue;
    struct adm_resource_entry *e = &out->items[out->n];
    e->name = name;
    quantity_text(c, name, v, &e->value);
    if (c->rc < 0)
      break;
    out->n++;
  }
  path_pop(c, saved);
}

static void read_resources(struct ctx *c, const json_t *o, struct adm_resources *r) {
  r->present = true;
  read_resource_list(c, o, "requests", &r->requests);
  read_resource_list(c, o, "limits", &r->limits);
}

static void read_container(struct ctx *c, const json_t *ct, enum adm_container_kind kind, struct adm_container *out) {
  memset(out, 0, sizeof *out);
  out->kind = kind;
  out->name = "";
  get_string(c, ct, "name", &out->name);
  get_string(c, ct, "image", &out->image);
  get_string(c, ct, "restartPolicy", &out->restart_policy);
  size_t saved;
  const json_t *o = enter(c, ct, "securityContext", &saved);
  if (o != NULL) {
    read_container_sc(c, o, &out->sc);
    path_pop(c, saved);
  }
  /* Ephemeral containers have no resources; the API server refuses them. */
  if (kind != ADM_CONTAINER_EPHEMERAL && (o = enter(c, ct, "resources", &saved)) != NULL) {
    read_resources(c, o, &out->resources);
    path_pop(c, saved);
  }
  read_ports(c, ct, out);
  if (c->rc == 0)
    read_probe_hosts(c, ct, &out->probe_hosts);
}

static void read_containers(struct ctx *c, const json_t *spec, const char *key, enum adm_container_kind kind,
                            struct adm_pod *pod, size_t *count) {
  const json_t *arr = get_array(c, spec, key);
  if (arr == NULL)
    return;
  size_t saved = path_push_key(c, key);
  for (size_t i = 0; i < json_array_size(arr) && c->rc == 0; i++) {
    const json_t *ct = json_array_get(arr, i);
    if (!json_is_object(ct)) {
      item_error(c, i, "object");
      break;
    }
    size_t s2 = path_push_index(c, i);
    read_container(c, ct, kind, &pod->containers[pod->n_containers++]);
    path_pop(c, s2);
    if (c->rc == 0)
      (*count)++;
  }
  path_pop(c, saved);
}

static void read_int_list(struct ctx *c, const json_t *parent, const char *key, int64_t **items, size_t *n) {
  const json_t *arr = get_array(c, parent, key);
  if (arr == NULL)
    return;
  size_t count = json_array_size(arr);
  *items = adm_arena_calloc(c->a, count ? count : 1, sizeof **items);
  if (*items == NULL) {
    out_of_memory(c);
    return;
  }
  size_t saved = path_push_key(c, key);
  for (size_t i = 0; i < count && c->rc == 0; i++) {
    const json_t *v = json_array_get(arr, i);
    if (json_is_integer(v))
      (*items)[(*n)++] = (int64_t)json_integer_value(v);
    else
      item_error(c, i, "integer");
  }
  path_pop(c, saved);
}

static void read_sysctls(struct ctx *c, const json_t *sc, struct adm_str_list *out) {
  const json_t *arr = get_array(c, sc, "sysctls");
  if (arr == NULL)
    return;
  size_t n = json_array_size(arr);
  out->items = adm_arena_calloc(c->a, n ? n : 1, sizeof *out->items);
  if (out->items == NULL) {
    out_of_memory(c);
    return;
  }
  size_t saved = path_push_key(c, "sysctls");
  for (size_t i = 0; i < n && c->rc == 0; i++) {
    const json_t *e = json_array_get(arr, i);
    const char *name = "";
    if (!json_is_object(e)) {
      item_error(c, i, "object");
    } else {
      size_t s2 = path_push_index(c, i);
      get_string(c, e, "name", &name);
      path_pop(c, s2);
    }
    out->items[out->n++] = name;
  }
  path_pop(c, saved);
}

static void read_pod_sc(struct ctx *c, const json_t *sc, struct adm_pod_security *s) {
  s->present = true;
  read_common(c, sc, &s->common);
  get_int(c, sc, "fsGroup", &s->has_fs_group, &s->fs_group);
  read_int_list(c, sc, "supplementalGroups", &s->supplemental_groups, &s->n_supplemental_groups);
  read_sysctls(c, sc, &s->sysctls);
}

/* Which sources a volume names; a source admitd does not know (a newer
 * API) makes it "unknown". */
static void read_volume_sources(const json_t *v, struct adm_volume *vol) {
  const char *key;
  const json_t *val;
  json_object_foreach((json_t *)v, key, val) {
    if (strcmp(key, "name") == 0 || json_is_null(val))
      continue;
    bool known = false;
    for (int s = 0; s < ADM_VOL__COUNT && !known; s++) {
      if (strcmp(key, adm_volume_source_key((enum adm_volume_source)s)) == 0) {
        vol->sources |= UINT64_C(1) << s;
        known = true;
      }
    }
    if (!known)
      vol->has_unknown = true;
  }
  /* The API server defaults a volume with no source to emptyDir
   * (SetDefaults_Volume), so manifests are judged as stored. */
  if (vol->sources == 0 && !vol->has_unknown)
    vol->sources = UINT64_C(1) << ADM_VOL_EMPTY_DIR;
}

static void read_volumes(struct ctx *c, const json_t *spec, struct adm_pod *pod) {
  const json_t *arr = get_array(c, spec, "volumes");
  if (arr == NULL)
    return;
  size_t n = json_array_size(arr);
  if (n > ADM_MAX_VOLUMES) {
    failed(c, adm_fail(c->err, ADM_ETOOBIG, c->path, "more than %d volumes", ADM_MAX_VOLUMES));
    return;
  }
  pod->volumes = adm_arena_calloc(c->a, n ? n : 1, sizeof *pod->volumes);
  if (pod->volumes == NULL) {
    out_of_memory(c);
    return;
  }
  size_t saved = path_push_key(c, "volumes");
  for (size_t i = 0; i < n && c->rc == 0; i++) {
    const json_t *v = json_array_get(arr, i);
    struct adm_volume *vol = &pod->volumes[pod->n_volumes++];
    vol->name = "";
    if (!json_is_object(v)) {
      item_error(c, i, "object");
      break;
    }
    size_t s2 = path_push_index(c, i);
    get_string(c, v, "name", &vol->name);
    if (c->rc == 0)
      read_volume_sources(v, vol);
    path_pop(c, s2);
  }
  path_pop(c, saved);
}

/* A string map (labels, annotations) as two parallel lists. */
static void read_string_map(struct ctx *c, const json_t *meta, const char *key, const char ***keys,
                            const char ***values, size_t *count) {
  const json_t *o = get_object(c, meta, key);
  if (o == NULL)
    return;
  size_t n = json_object_size(o);
  *keys = adm_arena_calloc(c->a, n ? n : 1, sizeof **keys);
  *values = adm_arena_calloc(c->a, n ? n : 1, sizeof **values);
  if (*keys == NULL || *values == NULL) {
    out_of_memory(c);
    return;
  }
  size_t saved = path_push_key(c, key);
  const char *k;
  const json_t *val;
  json_object_foreach((json_t *)o, k, val) {
    if (!json_is_string(val)) {
      type_error(c, k, "string", val);
      break;
    }
    (*keys)[*count] = k;
    (*values)[(*count)++] = json_string_value(val);
  }
  path_pop(c, saved);
}

static void read_meta(struct ctx *c, const json_t *meta, struct adm_pod *pod) {
  const char *generate = NULL;
  get_string(c, meta, "name", &pod->name);
  get_string(c, meta, "generateName", &generate);
  get_string(c, meta, "namespace", &pod->namespace);
  if (pod->name[0] == '\0' && generate)
    pod->name = generate;
  read_string_map(c, meta, "labels", &pod->labels.keys, &pod->labels.values, &pod->labels.n);
  read_string_map(c, meta, "annotations", &pod->annotation_keys, &pod->annotation_values, &pod->n_annotations);
}

static size_t count_array(const json_t *spec, const char *key) {
  const json_t *v = json_object_get(spec, key);
  return json_is_array(v) ? json_array_size(v) : 0;
}

static void read_spec(struct ctx *c, const json_t *spec, struct adm_pod *pod) {
  get_bool(c, spec, "hostNetwork", &pod->host_network);
  get_bool(c, spec, "hostPID", &pod->host_pid);
  get_bool(c, spec, "hostIPC", &pod->host_ipc);
  get_tri(c, spec, "hostUsers", &pod->host_users);
  get_string(c, spec, "runtimeClassName", &pod->runtime_class);
  get_string(c, spec, "serviceAccountName", &pod->service_account);
  get_tri(c, spec, "automountServiceAccountToken", &pod->automount_token);
  get_tri(c, spec, "shareProcessNamespace", &pod->share_process_namespace);
  const json_t *aliases = get_array(c, spec, "hostAliases");
  pod->n_host_aliases = aliases ? json_array_size(aliases) : 0;
  size_t saved;
  const json_t *o = enter(c, spec, "resources", &saved);
  if (o != NULL) {
    read_resources(c, o, &pod->resources);
    path_pop(c, saved);
  }
  read_resource_list(c, spec, "overhead", &pod->overhead);
  o = enter(c, spec, "os", &saved);
  if (o != NULL) {
    get_string(c, o, "name", &pod->os_name);
    path_pop(c, saved);
  }
  o = enter(c, spec, "securityContext", &saved);
  if (o != NULL) {
    read_pod_sc(c, o, &pod->sc);
    path_pop(c, saved);
  }
  if (c->rc < 0)
    return;
  size_t total =
      count_array(spec, "initContainers") + count_array(spec, "containers") + count_array(spec, "ephemeralContainers");
  if (total > ADM_MAX_CONTAINERS) {
    failed(c, adm_fail(c->err, ADM_ETOOBIG, c->path, "more than %d containers", ADM_MAX_CONTAINERS));
    return;
  }
  pod->containers = adm_arena_calloc(c->a, total ? total : 1, sizeof *pod->containers);
  if (pod->containers == NULL) {
    out_of_memory(c);
    return;
  }
  read_containers(c, spec, "initContainers", ADM_CONTAINER_INIT, pod, &pod->n_init);
  read_containers(c, spec, "containers", ADM_CONTAINER_REGULAR, pod, &pod->n_regular);
  read_containers(c, spec, "ephemeralContainers", ADM_CONTAINER_EPHEMERAL, pod, &pod->n_ephemeral);
  read_volumes(c, spec, pod);
}

/* metadata + spec of a Pod or a PodTemplateSpec. */
static int read_pod_like(struct ctx *c, const json_t *obj, struct adm_pod *pod) {
  memset(pod, 0, sizeof *pod);
  pod->name = "";
  pod->namespace = "";
  size_t saved;
  const json_t *o = enter(c, obj, "metadata", &saved);
  if (o != NULL) {
    read_meta(c, o, pod);
    path_pop(c, saved);
  }
  o = enter(c, obj, "spec", &saved);
  if (o != NULL) {
    read_spec(c, o, pod);
    path_pop(c, saved);
  }
  return c->rc;
}

int adm_extract_pod(const json_t *obj, struct adm_arena *a, struct adm_pod *pod, struct adm_error *err) {
  struct ctx c = {.a = a, .err = err};
  if (!json_is_object(obj))
    return adm_fail(err, ADM_ETYPE, "object", "expected a Pod object");
  return read_pod_like(&c, obj, pod);
}

int adm_extract_template(const json_t *obj, const struct adm_pod_resource *res, struct adm_arena *a,
                         struct adm_pod *pod, bool *found, struct adm_error *err) {
  struct ctx c = {.a = a, .err = err};
  *found = false;
  if (!json_is_object(obj))
    return adm_fail(err, ADM_ETYPE, "object", "expected an object");
  if (res->template_path == NULL) {
    *found = true;
    return read_pod_like(&c, obj, pod);
  }
  const json_t *cur = obj;
  for (const char *const *k = res->template_path; *k; k++) {
    const json_t *next = get_object(&c, cur, *k);
    if (next == NULL)
      return c.rc;
    path_push_key(&c, *k);
    cur = next;
  }
  *found = true;
  /* Templates carry no name of their own; report the workload's. */
  int rc = read_pod_like(&c, cur, pod);
  if (rc == 0 && pod->name[0] == '\0') {
    const json_t *meta = json_object_get(obj, "metadata");
    const json_t *name = json_is_object(meta) ? json_object_get(meta, "name") : NULL;
    if (json_is_string(name))
      pod->name = json_string_value(name);
  }
  return rc;
}
