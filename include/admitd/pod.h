/* The typed pod view every check reads: plain structs, filled by
 * server/extract.c from a Pod or a workload's pod template. Strings are
 * *borrowed* from the decoded request (or its arena) and live as long as the
 * request. A NULL string or an ADM_UNSET flag means the field was absent or
 * null, exactly as a nil pointer does upstream. */
#ifndef ADMITD_POD_H
#define ADMITD_POD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Optional booleans: upstream distinguishes nil, false and true. */
enum adm_tri { ADM_UNSET = 0, ADM_FALSE, ADM_TRUE };

/* Volume sources known to the Pod API, in upstream's reporting order. */
// clang-format off
#define ADM_VOLUME_SOURCE_MAP(X)                                              \
  X(CONFIG_MAP, "configMap", 1)                                               \
  X(CSI, "csi", 1)                                                            \
  X(DOWNWARD_API, "downwardAPI", 1)                                           \
  X(EMPTY_DIR, "emptyDir", 1)                                                 \
  X(EPHEMERAL, "ephemeral", 1)                                                \
  X(IMAGE, "image", 1)                                                        \
  X(PVC, "persistentVolumeClaim", 1)                                          \
  X(PROJECTED, "projected", 1)                                                \
  X(SECRET, "secret", 1)                                                      \
  X(HOST_PATH, "hostPath", 0)                                                 \
  X(GCE_PD, "gcePersistentDisk", 0)                                           \
  X(AWS_EBS, "awsElasticBlockStore", 0)                                       \
  X(GIT_REPO, "gitRepo", 0)                                                   \
  X(NFS, "nfs", 0)                                                            \
  X(ISCSI, "iscsi", 0)                                                        \
  X(GLUSTERFS, "glusterfs", 0)                                                \
  X(RBD, "rbd", 0)                                                            \
  X(FLEX, "flexVolume", 0)                                                    \
  X(CINDER, "cinder", 0)                                                      \
  X(CEPHFS, "cephfs", 0)                                                      \
  X(FLOCKER, "flocker", 0)                                                    \
  X(FC, "fc", 0)                                                              \
  X(AZURE_FILE, "azureFile", 0)                                               \
  X(VSPHERE, "vsphereVolume", 0)                                              \
  X(QUOBYTE, "quobyte", 0)                                                    \
  X(AZURE_DISK, "azureDisk", 0)                                               \
  X(PHOTON_PD, "photonPersistentDisk", 0)                                     \
  X(PORTWORX, "portworxVolume", 0)                                            \
  X(SCALEIO, "scaleIO", 0)                                                    \
  X(STORAGEOS, "storageos", 0)
// clang-format on

enum adm_volume_source {
#define ADM__VOL_ENUM(id, key, restricted_ok) ADM_VOL_##id,
  ADM_VOLUME_SOURCE_MAP(ADM__VOL_ENUM)
#undef ADM__VOL_ENUM
      ADM_VOL__COUNT
};

/* The JSON key of a volume source ("hostPath"), and whether the restricted
 * level allows it. */
const char *adm_volume_source_key(enum adm_volume_source s);
bool adm_volume_source_restricted_ok(enum adm_volume_source s);

struct adm_str_list {
  const char **items;
  size_t n;
};

struct adm_selinux_options {
  bool present;
  const char *type, *user, *role; /* "" when absent: upstream compares values */
};

/* A profile reference (seccompProfile, appArmorProfile): present with a type. */
struct adm_profile {
  bool present;
  const char *type;              /* "" when present without a type */
  const char *localhost_profile; /* NULL when absent */
};

/* A requests or limits map: resource name -> quantity text as written (a
 * JSON number in a manifest is turned into the text kubectl would send). */
struct adm_resource_entry {
  const char *name;
  const char *value;
};

struct adm_resource_list {
  struct adm_resource_entry *items;
  size_t n;
};

struct adm_resources {
  bool present;
  struct adm_resource_list requests, limits;
};

/* Labels as parallel arrays, in document order. */
struct adm_label_list {
  const char **keys;
  const char **values;
  size_t n;
};

/* Fields a pod-level securityContext shares with a container-level one. */
struct adm_security_common {
  enum adm_tri run_as_non_root;
  bool has_run_as_user;
  int64_t run_as_user;
  bool has_run_as_group;
  int64_t run_as_group;
  struct adm_selinux_options selinux;
  struct adm_profile seccomp;
  struct adm_profile apparmor;
  enum adm_tri windows_host_process;
};

struct adm_container_security {
  bool present;
  struct adm_security_common common;
  enum adm_tri privileged;
  enum adm_tri allow_privilege_escalation;
  const char *proc_mount; /* NULL: unset */
  bool has_capabilities;
  struct adm_str_list cap_add, cap_drop;
  enum adm_tri read_only_root_filesystem;
};

enum adm_container_kind { ADM_CONTAINER_INIT, ADM_CONTAINER_REGULAR, ADM_CONTAINER_EPHEMERAL };

struct adm_container {
  enum adm_container_kind kind;
  const char *name;
  const char *image; /* NULL when absent */
  struct adm_container_security sc;
  int64_t *host_ports; /* every ports[].hostPort, 0 where unset */
  size_t n_host_ports;
  /* Hosts set in httpGet/tcpSocket of probes and lifecycle handlers, in
   * liveness, readiness, startup, postStart, preStop order; empty strings omitted. */
  struct adm_str_list probe_hosts;
  struct adm_resources resources; /* never present on ephemeral containers */
  const char *restart_policy;     /* NULL when absent; "Always" makes an init container a sidecar */
};

struct adm_volume {
  const char *name;
  /* Which sources are set (non-null), one bit per enum adm_volume_source;
   * has_unknown: a key that is none of them (a newer volume type). */
  uint64_t sources;
  bool has_unknown;
};

struct adm_pod_security {
  bool present;
  struct adm_security_common common;
  struct adm_str_list sysctls; /* names, in order */
  bool has_fs_group;
  int64_t fs_group;
  int64_t *supplemental_groups;
  size_t n_supplemental_groups;
};

struct adm_pod {
  const char *name;      /* metadata.name or generateName; may be "" */
  const char *namespace; /* metadata.namespace; may be "" */
  /* metadata.annotations as parallel arrays, in document order. */
  const char **annotation_keys;
  const char **annotation_values;
  size_t n_annotations;

  bool host_network, host_pid, host_ipc;
  enum adm_tri host_users;
  const char *os_name;       /* spec.os.name, NULL when absent */
  const char *runtime_class; /* spec.runtimeClassName, NULL when absent */
  struct adm_pod_security sc;

  struct adm_label_list labels;         /* metadata.labels (the template's for a workload) */
  const char *service_account;          /* spec.serviceAccountName, NULL when absent */
  enum adm_tri automount_token;         /* spec.automountServiceAccountToken */
  enum adm_tri share_process_namespace; /* spec.shareProcessNamespace */
  size_t n_host_aliases;                /* entries of spec.hostAliases */
  struct adm_resources resources;       /* spec.resources (pod-level, newer Kubernetes) */
  struct adm_resource_list overhead;    /* spec.overhead (the RuntimeClass's, set at admission) */

  /* Every container in visit order: init, regular, ephemeral. */
  struct adm_container *containers;
  size_t n_containers;
  size_t n_init, n_regular, n_ephemeral;

  struct adm_volume *volumes;
  size_t n_volumes;
};

/* Value of an annotation, or NULL. */
const char *adm_pod_annotation(const struct adm_pod *pod, const char *key);

/* Whether old, the pod before an UPDATE (NULL: none), ran c's image, as
 * written, in the container of c's name: the container keeps its image.
 * Another container's use of the image does not count: its tag may have
 * moved since it was pulled. */
bool adm_pod_keeps_image(const struct adm_pod *old, const struct adm_container *c);

#endif
