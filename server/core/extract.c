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

/* The JSON path of the field being read, for error messages. */
struct ctx {
  struct adm_arena *a;
  struct adm_error *err;
  char path[512];
  size_t len;
};

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
  int rc = adm_fail(c->err, ADM_ETYPE, c->path, "expected %s, got %s", expected, names[json_typeof(v)]);
  path_pop(c, saved);
  return rc;
}

/* Each getter leaves *out untouched when the key is absent or null. */
static int get_object(struct ctx *c, const json_t *parent, const char *key, const json_t **out) {
  const json_t *v = parent ? json_object_get(parent, key) : NULL;
  *out = NULL;
  if (v == NULL || json_is_null(v))
    return 0;
  if (!json_is_object(v))
    return type_error(c, key, "object", v);
  *out = v;
  return 0;
}

static int get_array(struct ctx *c, const json_t *parent, const char *key, const json_t **out) {
  const json_t *v = parent ? json_object_get(parent, key) : NULL;
  *out = NULL;
  if (v == NULL || json_is_null(v))
    return 0;
  if (!json_is_array(v))
    return type_error(c, key, "array", v);
  *out = v;
  return 0;
}

static int get_string(struct ctx *c, const json_t *parent, const char *key, const char **out) {
  const json_t *v = parent ? json_object_get(parent, key) : NULL;
  if (v == NULL || json_is_null(v))
    return 0;
  if (!json_is_string(v))
    return type_error(c, key, "string", v);
  *out = json_string_value(v);
  return 0;
}

static int get_tri(struct ctx *c, const json_t *parent, const char *key, enum adm_tri *out) {
  const json_t *v = parent ? json_object_get(parent, key) : NULL;
  if (v == NULL || json_is_null(v))
    return 0;
  if (!json_is_boolean(v))
    return type_error(c, key, "boolean", v);
  *out = json_is_true(v) ? ADM_TRUE : ADM_FALSE;
  return 0;
}

static int get_bool(struct ctx *c, const json_t *parent, const char *key, bool *out) {
  enum adm_tri t = ADM_UNSET;
  int rc = get_tri(c, parent, key, &t);
  *out = t == ADM_TRUE;
  return rc;
}

static int get_int(struct ctx *c, const json_t *parent, const char *key, bool *has, int64_t *out) {
  const json_t *v = parent ? json_object_get(parent, key) : NULL;
  if (v == NULL || json_is_null(v))
    return 0;
  if (!json_is_integer(v))
    return type_error(c, key, "integer", v);
  *has = true;
  *out = (int64_t)json_integer_value(v);
  return 0;
}

static int get_string_list(struct ctx *c, const json_t *parent, const char *key, struct adm_str_list *out) {
  const json_t *arr;
  int rc = get_array(c, parent, key, &arr);
  if (rc < 0 || arr == NULL)
    return rc;
  size_t n = json_array_size(arr);
  out->items = adm_arena_calloc(c->a, n ? n : 1, sizeof *out->items);
  if (out->items == NULL)
    return adm_fail(c->err, ADM_ENOMEM, c->path, "out of memory");
  size_t saved = path_push_key(c, key);
  for (size_t i = 0; i < n; i++) {
    const json_t *v = json_array_get(arr, i);
    if (!json_is_string(v)) {
      size_t s2 = path_push_index(c, i);
      rc = adm_fail(c->err, ADM_ETYPE, c->path, "expected string");
      path_pop(c, s2);
      path_pop(c, saved);
      return rc;
    }
    out->items[out->n++] = json_string_value(v);
  }
  path_pop(c, saved);
  return 0;
}

/* Descend into parent[key] as an object; calls fn with the path extended. */
#define WITH_OBJECT(c, parent, key, var, body)                                                                         \
  do {                                                                                                                 \
    const json_t *var;                                                                                                 \
    int rc_ = get_object((c), (parent), (key), &var);                                                                  \
    if (rc_ < 0)                                                                                                       \
      return rc_;                                                                                                      \
    if (var != NULL) {                                                                                                 \
      size_t saved_ = path_push_key((c), (key));                                                                       \
      rc_ = (body);                                                                                                    \
      path_pop((c), saved_);                                                                                           \
      if (rc_ < 0)                                                                                                     \
        return rc_;                                                                                                    \
    }                                                                                                                  \
  } while (0)

static int read_selinux(struct ctx *c, const json_t *o, struct adm_selinux_options *s) {
  s->present = true;
  s->type = s->user = s->role = "";
  int rc;
  if ((rc = get_string(c, o, "type", &s->type)) < 0 || (rc = get_string(c, o, "user", &s->user)) < 0 ||
      (rc = get_string(c, o, "role", &s->role)) < 0)
    return rc;
  return 0;
}

static int read_profile(struct ctx *c, const json_t *o, struct adm_profile *p) {
  p->present = true;
  p->type = "";
  int rc = get_string(c, o, "type", &p->type);
  return rc < 0 ? rc : get_string(c, o, "localhostProfile", &p->localhost_profile);
}

static int read_windows(struct ctx *c, const json_t *o, enum adm_tri *host_process) {
  return get_tri(c, o, "hostProcess", host_process);
}

static int read_common(struct ctx *c, const json_t *sc, struct adm_security_common *cm) {
  int rc;
  if ((rc = get_tri(c, sc, "runAsNonRoot", &cm->run_as_non_root)) < 0 ||
      (rc = get_int(c, sc, "runAsUser", &cm->has_run_as_user, &cm->run_as_user)) < 0 ||
      (rc = get_int(c, sc, "runAsGroup", &cm->has_run_as_group, &cm->run_as_group)) < 0)
    return rc;
  WITH_OBJECT(c, sc, "seLinuxOptions", o, read_selinux(c, o, &cm->selinux));
  WITH_OBJECT(c, sc, "seccompProfile", o, read_profile(c, o, &cm->seccomp));
  WITH_OBJECT(c, sc, "appArmorProfile", o, read_profile(c, o, &cm->apparmor));
  WITH_OBJECT(c, sc, "windowsOptions", o, read_windows(c, o, &cm->windows_host_process));
  return 0;
}

static int read_capabilities(struct ctx *c, const json_t *o, struct adm_container_security *s) {
  s->has_capabilities = true;
  int rc;
  if ((rc = get_string_list(c, o, "add", &s->cap_add)) < 0 || (rc = get_string_list(c, o, "drop", &s->cap_drop)) < 0)
    return rc;
  return 0;
}

static int read_container_sc(struct ctx *c, const json_t *sc, struct adm_container_security *s) {
  s->present = true;
  int rc;
  if ((rc = read_common(c, sc, &s->common)) < 0 || (rc = get_tri(c, sc, "privileged", &s->privileged)) < 0 ||
      (rc = get_tri(c, sc, "allowPrivilegeEscalation", &s->allow_privilege_escalation)) < 0 ||
      (rc = get_string(c, sc, "procMount", &s->proc_mount)) < 0 ||
      (rc = get_tri(c, sc, "readOnlyRootFilesystem", &s->read_only_root_filesystem)) < 0)
    return rc;
  WITH_OBJECT(c, sc, "capabilities", o, read_capabilities(c, o, s));
  return 0;
}

/* host of handler.httpGet and handler.tcpSocket, when non-empty. */
static int read_handler_hosts(struct ctx *c, const json_t *handler, const char **hosts, size_t *n) {
  static const char *const kinds[] = {"httpGet", "tcpSocket"};
  for (size_t k = 0; k < 2; k++) {
    const json_t *o;
    int rc = get_object(c, handler, kinds[k], &o);
    if (rc < 0)
      return rc;
    if (o == NULL)
      continue;
    size_t saved = path_push_key(c, kinds[k]);
    const char *host = NULL;
    rc = get_string(c, o, "host", &host);
    path_pop(c, saved);
    if (rc < 0)
      return rc;
    if (host && host[0])
      hosts[(*n)++] = host;
  }
  return 0;
}

static int read_probe_hosts(struct ctx *c, const json_t *ct, struct adm_str_list *out) {
  /* At most two hosts for each of five handlers. */
  const char **hosts = adm_arena_calloc(c->a, 10, sizeof *hosts);
  size_t n = 0;
  if (hosts == NULL)
    return adm_fail(c->err, ADM_ENOMEM, c->path, "out of memory");
  static const char *const probes[] = {"livenessProbe", "readinessProbe", "startupProbe"};
  for (size_t i = 0; i < 3; i++)
    WITH_OBJECT(c, ct, probes[i], o, read_handler_hosts(c, o, hosts, &n));
  const json_t *lc;
  int rc = get_object(c, ct, "lifecycle", &lc);
  if (rc < 0)
    return rc;
  if (lc != NULL) {
    size_t saved = path_push_key(c, "lifecycle");
    static const char *const handlers[] = {"postStart", "preStop"};
    for (size_t i = 0; i < 2; i++) {
      const json_t *h;
      if ((rc = get_object(c, lc, handlers[i], &h)) < 0)
        break;
      if (h == NULL)
        continue;
      size_t s2 = path_push_key(c, handlers[i]);
      rc = read_handler_hosts(c, h, hosts, &n);
      path_pop(c, s2);
      if (rc < 0)
        break;
    }
    path_pop(c, saved);
    if (rc < 0)
      return rc;
  }
  out->items = hosts;
  out->n = n;
  return 0;
}

static int read_ports(struct ctx *c, const json_t *ct, struct adm_container *out) {
  const json_t *ports;
  int rc = get_array(c, ct, "ports", &ports);
  if (rc < 0 || ports == NULL)
    return rc;
  size_t n = json_array_size(ports);
  out->host_ports = adm_arena_calloc(c->a, n ? n : 1, sizeof *out->host_ports);
  if (out->host_ports == NULL)
    return adm_fail(c->err, ADM_ENOMEM, c->path, "out of memory");
  size_t saved = path_push_key(c, "ports");
  for (size_t i = 0; i < n && rc == 0; i++) {
    const json_t *p = json_array_get(ports, i);
    size_t s2 = path_push_index(c, i);
    if (!json_is_object(p)) {
      rc = adm_fail(c->err, ADM_ETYPE, c->path, "expected object");
    } else {
      bool has = false;
      int64_t hp = 0;
      rc = get_int(c, p, "hostPort", &has, &hp);
      out->host_ports[out->n_host_ports++] = hp;
    }
    path_pop(c, s2);
  }
  path_pop(c, saved);
  return rc;
}

/* A quantity as the API server would hold it: manifests may give a YAML
 * number (cpu: 1, cpu: 0.5), which kubectl sends as that number's text. */
static int quantity_text(struct ctx *c, const char *key, const json_t *v, const char **out) {
  if (json_is_string(v)) {
    *out = json_string_value(v);
    return 0;
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
    return type_error(c, key, "quantity (string or number)", v);
  }
  *out = adm_arena_strdup(c->a, buf);
  return *out ? 0 : adm_fail(c->err, ADM_ENOMEM, c->path, "out of memory");
}

static int read_resource_list(struct ctx *c, const json_t *parent, const char *key, struct adm_resource_list *out) {
  const json_t *o;
  int rc = get_object(c, parent, key, &o);
  if (rc < 0 || o == NULL)
    return rc;
  size_t n = json_object_size(o);
  out->items = adm_arena_calloc(c->a, n ? n : 1, sizeof *out->items);
  if (out->items == NULL)
    return adm_fail(c->err, ADM_ENOMEM, c->path, "out of memory");
  size_t saved = path_push_key(c, key);
  const char *name;
  const json_t *v;
  json_object_foreach((json_t *)o, name, v) {
    if (json_is_null(v))
      continue;
    struct adm_resource_entry *e = &out->items[out->n];
    e->name = name;
    if ((rc = quantity_text(c, name, v, &e->value)) < 0)
      break;
    out->n++;
  }
  path_pop(c, saved);
  return rc;
}

static int read_resources(struct ctx *c, const json_t *o, struct adm_resources *r) {
  r->present = true;
  int rc = read_resource_list(c, o, "requests", &r->requests);
  return rc < 0 ? rc : read_resource_list(c, o, "limits", &r->limits);
}

static int read_container(struct ctx *c, const json_t *ct, enum adm_container_kind kind, struct adm_container *out) {
  memset(out, 0, sizeof *out);
  out->kind = kind;
  out->name = "";
  int rc;
  if ((rc = get_string(c, ct, "name", &out->name)) < 0 || (rc = get_string(c, ct, "image", &out->image)) < 0 ||
      (rc = get_string(c, ct, "restartPolicy", &out->restart_policy)) < 0)
    return rc;
  WITH_OBJECT(c, ct, "securityContext", o, read_container_sc(c, o, &out->sc));
  /* Ephemeral containers have no resources; the API server refuses them. */
  if (kind != ADM_CONTAINER_EPHEMERAL)
    WITH_OBJECT(c, ct, "resources", o, read_resources(c, o, &out->resources));
  if ((rc = read_ports(c, ct, out)) < 0 || (rc = read_probe_hosts(c, ct, &out->probe_hosts)) < 0)
    return rc;
  return 0;
}

static int read_containers(struct ctx *c, const json_t *spec, const char *key, enum adm_container_kind kind,
                           struct adm_pod *pod, size_t *count) {
  const json_t *arr;
  int rc = get_array(c, spec, key, &arr);
  if (rc < 0 || arr == NULL)
    return rc;
  size_t saved = path_push_key(c, key);
  for (size_t i = 0; i < json_array_size(arr); i++) {
    size_t s2 = path_push_index(c, i);
    const json_t *ct = json_array_get(arr, i);
    if (!json_is_object(ct))
      rc = adm_fail(c->err, ADM_ETYPE, c->path, "expected object");
    else
      rc = read_container(c, ct, kind, &pod->containers[pod->n_containers++]);
    path_pop(c, s2);
    if (rc < 0)
      break;
    (*count)++;
  }
  path_pop(c, saved);
  return rc;
}

static int read_int_list(struct ctx *c, const json_t *parent, const char *key, int64_t **items, size_t *n) {
  const json_t *arr;
  int rc = get_array(c, parent, key, &arr);
  if (rc < 0 || arr == NULL)
    return rc;
  size_t count = json_array_size(arr);
  *items = adm_arena_calloc(c->a, count ? count : 1, sizeof **items);
  if (*items == NULL)
    return adm_fail(c->err, ADM_ENOMEM, c->path, "out of memory");
  size_t saved = path_push_key(c, key);
  for (size_t i = 0; i < count && rc == 0; i++) {
    const json_t *v = json_array_get(arr, i);
    if (json_is_integer(v)) {
      (*items)[(*n)++] = (int64_t)json_integer_value(v);
    } else {
      size_t s2 = path_push_index(c, i);
      rc = adm_fail(c->err, ADM_ETYPE, c->path, "expected integer");
      path_pop(c, s2);
    }
  }
  path_pop(c, saved);
  return rc;
}

static int read_pod_sc(struct ctx *c, const json_t *sc, struct adm_pod_security *s) {
  s->present = true;
  int rc = read_common(c, sc, &s->common);
  if (rc < 0 || (rc = get_int(c, sc, "fsGroup", &s->has_fs_group, &s->fs_group)) < 0 ||
      (rc = read_int_list(c, sc, "supplementalGroups", &s->supplemental_groups, &s->n_supplemental_groups)) < 0)
    return rc;
  const json_t *arr;
  if ((rc = get_array(c, sc, "sysctls", &arr)) < 0 || arr == NULL)
    return rc;
  size_t n = json_array_size(arr);
  s->sysctls.items = adm_arena_calloc(c->a, n ? n : 1, sizeof *s->sysctls.items);
  if (s->sysctls.items == NULL)
    return adm_fail(c->err, ADM_ENOMEM, c->path, "out of memory");
  size_t saved = path_push_key(c, "sysctls");
  for (size_t i = 0; i < n && rc == 0; i++) {
    const json_t *e = json_array_get(arr, i);
    size_t s2 = path_push_index(c, i);
    const char *name = "";
    if (!json_is_object(e))
      rc = adm_fail(c->err, ADM_ETYPE, c->path, "expected object");
    else
      rc = get_string(c, e, "name", &name);
    s->sysctls.items[s->sysctls.n++] = name;
    path_pop(c, s2);
  }
  path_pop(c, saved);
  return rc;
}

static int read_volumes(struct ctx *c, const json_t *spec, struct adm_pod *pod) {
  const json_t *arr;
  int rc = get_array(c, spec, "volumes", &arr);
  if (rc < 0 || arr == NULL)
    return rc;
  size_t n = json_array_size(arr);
  if (n > ADM_MAX_VOLUMES)
    return adm_fail(c->err, ADM_ETOOBIG, c->path, "more than %d volumes", ADM_MAX_VOLUMES);
  pod->volumes = adm_arena_calloc(c->a, n ? n : 1, sizeof *pod->volumes);
  if (pod->volumes == NULL)
    return adm_fail(c->err, ADM_ENOMEM, c->path, "out of memory");
  size_t saved = path_push_key(c, "volumes");
  for (size_t i = 0; i < n && rc == 0; i++) {
    const json_t *v = json_array_get(arr, i);
    size_t s2 = path_push_index(c, i);
    struct adm_volume *vol = &pod->volumes[pod->n_volumes++];
    vol->name = "";
    if (!json_is_object(v)) {
      rc = adm_fail(c->err, ADM_ETYPE, c->path, "expected object");
    } else if ((rc = get_string(c, v, "name", &vol->name)) == 0) {
      const char *key;
      const json_t *val;
      json_object_foreach((json_t *)v, key, val) {
        if (strcmp(key, "name") == 0 || json_is_null(val))
          continue;
        bool known = false;
        for (int s = 0; s < ADM_VOL__COUNT; s++) {
          if (strcmp(key, adm_volume_source_key((enum adm_volume_source)s)) == 0) {
            vol->sources |= UINT64_C(1) << s;
            known = true;
            break;
          }
        }
        if (!known)
          vol->has_unknown = true;
      }
      /* The API server defaults a volume with no source to emptyDir
       * (SetDefaults_Volume), so manifests are judged as stored. A source
       * admitd does not know (a newer API) stays "unknown". */
      if (vol->sources == 0 && !vol->has_unknown)
        vol->sources = UINT64_C(1) << ADM_VOL_EMPTY_DIR;
    }
    path_pop(c, s2);
  }
  path_pop(c, saved);
  return rc;
}

static int read_annotations(struct ctx *c, const json_t *meta, struct adm_pod *pod) {
  const json_t *ann;
  int rc = get_object(c, meta, "annotations", &ann);
  if (rc < 0 || ann == NULL)
    return rc;
  size_t n = json_object_size(ann);
  pod->annotation_keys = adm_arena_calloc(c->a, n ? n : 1, sizeof *pod->annotation_keys);
  pod->annotation_values = adm_arena_calloc(c->a, n ? n : 1, sizeof *pod->annotation_values);
  if (pod->annotation_keys == NULL || pod->annotation_values == NULL)
    return adm_fail(c->err, ADM_ENOMEM, c->path, "out of memory");
  size_t saved = path_push_key(c, "annotations");
  const char *key;
  const json_t *val;
  json_object_foreach((json_t *)ann, key, val) {
    if (!json_is_string(val)) {
      rc = type_error(c, key, "string", val);
      break;
    }
    pod->annotation_keys[pod->n_annotations] = key;
    pod->annotation_values[pod->n_annotations++] = json_string_value(val);
  }
  path_pop(c, saved);
  return rc;
}

static int read_labels(struct ctx *c, const json_t *meta, struct adm_label_list *l) {
  const json_t *o;
  int rc = get_object(c, meta, "labels", &o);
  if (rc < 0 || o == NULL)
    return rc;
  size_t n = json_object_size(o);
  l->keys = adm_arena_calloc(c->a, n ? n : 1, sizeof *l->keys);
  l->values = adm_arena_calloc(c->a, n ? n : 1, sizeof *l->values);
  if (l->keys == NULL || l->values == NULL)
    return adm_fail(c->err, ADM_ENOMEM, c->path, "out of memory");
  size_t saved = path_push_key(c, "labels");
  const char *key;
  const json_t *val;
  json_object_foreach((json_t *)o, key, val) {
    if (!json_is_string(val)) {
      rc = type_error(c, key, "string", val);
      break;
    }
    l->keys[l->n] = key;
    l->values[l->n++] = json_string_value(val);
  }
  path_pop(c, saved);
  return rc;
}

static int read_meta(struct ctx *c, const json_t *meta, struct adm_pod *pod) {
  int rc;
  const char *generate = NULL;
  if ((rc = get_string(c, meta, "name", &pod->name)) < 0 || (rc = get_string(c, meta, "generateName", &generate)) < 0 ||
      (rc = get_string(c, meta, "namespace", &pod->namespace)) < 0)
    return rc;
  if (pod->name[0] == '\0' && generate)
    pod->name = generate;
  if ((rc = read_labels(c, meta, &pod->labels)) < 0)
    return rc;
  return read_annotations(c, meta, pod);
}

static size_t count_array(const json_t *spec, const char *key) {
  const json_t *v = json_object_get(spec, key);
  return json_is_array(v) ? json_array_size(v) : 0;
}

static int read_spec(struct ctx *c, const json_t *spec, struct adm_pod *pod) {
  int rc;
  if ((rc = get_bool(c, spec, "hostNetwork", &pod->host_network)) < 0 ||
      (rc = get_bool(c, spec, "hostPID", &pod->host_pid)) < 0 ||
      (rc = get_bool(c, spec, "hostIPC", &pod->host_ipc)) < 0 ||
      (rc = get_tri(c, spec, "hostUsers", &pod->host_users)) < 0 ||
      (rc = get_string(c, spec, "runtimeClassName", &pod->runtime_class)) < 0 ||
      (rc = get_string(c, spec, "serviceAccountName", &pod->service_account)) < 0 ||
      (rc = get_tri(c, spec, "automountServiceAccountToken", &pod->automount_token)) < 0 ||
      (rc = get_tri(c, spec, "shareProcessNamespace", &pod->share_process_namespace)) < 0)
    return rc;
  const json_t *aliases;
  if ((rc = get_array(c, spec, "hostAliases", &aliases)) < 0)
    return rc;
  pod->n_host_aliases = aliases ? json_array_size(aliases) : 0;
  WITH_OBJECT(c, spec, "resources", o, read_resources(c, o, &pod->resources));
  if ((rc = read_resource_list(c, spec, "overhead", &pod->overhead)) < 0)
    return rc;
  const json_t *os;
  if ((rc = get_object(c, spec, "os", &os)) < 0)
    return rc;
  if (os != NULL) {
    size_t saved = path_push_key(c, "os");
    rc = get_string(c, os, "name", &pod->os_name);
    path_pop(c, saved);
    if (rc < 0)
      return rc;
  }
  WITH_OBJECT(c, spec, "securityContext", o, read_pod_sc(c, o, &pod->sc));
  size_t total =
      count_array(spec, "initContainers") + count_array(spec, "containers") + count_array(spec, "ephemeralContainers");
  if (total > ADM_MAX_CONTAINERS)
    return adm_fail(c->err, ADM_ETOOBIG, c->path, "more than %d containers", ADM_MAX_CONTAINERS);
  pod->containers = adm_arena_calloc(c->a, total ? total : 1, sizeof *pod->containers);
  if (pod->containers == NULL)
    return adm_fail(c->err, ADM_ENOMEM, c->path, "out of memory");
  if ((rc = read_containers(c, spec, "initContainers", ADM_CONTAINER_INIT, pod, &pod->n_init)) < 0 ||
      (rc = read_containers(c, spec, "containers", ADM_CONTAINER_REGULAR, pod, &pod->n_regular)) < 0 ||
      (rc = read_containers(c, spec, "ephemeralContainers", ADM_CONTAINER_EPHEMERAL, pod, &pod->n_ephemeral)) < 0)
    return rc;
  return read_volumes(c, spec, pod);
}

/* metadata + spec of a Pod or a PodTemplateSpec. */
static int read_pod_like(struct ctx *c, const json_t *obj, struct adm_pod *pod) {
  memset(pod, 0, sizeof *pod);
  pod->name = "";
  pod->namespace = "";
  WITH_OBJECT(c, obj, "metadata", o, read_meta(c, o, pod));
  WITH_OBJECT(c, obj, "spec", o, read_spec(c, o, pod));
  return 0;
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
    const json_t *next;
    int rc = get_object(&c, cur, *k, &next);
    if (rc < 0)
      return rc;
    if (next == NULL)
      return 0;
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
