/* What the operating system lets this process use: CPUs (affinity mask and
 * cgroup CPU quota) and memory (cgroup v2 memory.max or v1
 * memory.limit_in_bytes). Used to size defaults from the container's
 * limits rather than the node's. Reads files only; no state. */
#ifndef ADMITD_SYSRES_H
#define ADMITD_SYSRES_H

#include <stddef.h>

/* CPUs this process may run on: the affinity mask, lowered to the cgroup
 * CPU quota rounded up (cpu.max, or cfs_quota_us / cfs_period_us). >= 1. */
unsigned adm_sys_cpus(void);

/* The cgroup memory limit in bytes, 0 when there is none (or it cannot be
 * read). */
size_t adm_sys_memory_limit(void);

/* The same, reading under root (normally "/") and taking the process's
 * cgroup paths from proc_cgroup (the text of /proc/self/cgroup), so tests
 * can point them at a fake tree. */
size_t adm_sys_memory_limit_at(const char *root, const char *proc_cgroup);
unsigned adm_sys_cpu_quota_at(const char *root, const char *proc_cgroup);

#endif
