/* sysres.h: CPUs and memory the process may use, read from the affinity
 * mask and the cgroup files. Must not cache or allocate beyond the call. */
#include "admitd/sysres.h"

#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The first line of root/rel/file into buf; false when unreadable. */
static int read_line(const char *root, const char *rel, const char *file, char *buf, size_t cap) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s/%s", root, rel, file);
  FILE *f = fopen(path, "re");
  if (f == NULL)
    return 0;
  int ok = fgets(buf, (int)cap, f) != NULL;
  fclose(f);
  if (ok)
    buf[strcspn(buf, "\n")] = '\0';
  return ok;
}

/* The cgroup path of controller (v1: "memory", "cpu"; v2: "") from the
 * text of /proc/self/cgroup; "/" when it is not listed. */
static void cgroup_path(const char *proc_cgroup, const char *controller, char *out, size_t cap) {
  snprintf(out, cap, "/");
  const char *line = proc_cgroup;
  while (line && *line) {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    const char *c1 = memchr(line, ':', len);
    const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
    if (c2) {
      size_t clen = (size_t)(c2 - c1 - 1);
      int match = controller[0] == '\0' ? clen == 0 && strncmp(line, "0:", 2) == 0 : 0;
      /* v1 lists controllers comma-separated, e.g. "cpu,cpuacct". */
      for (const char *p = c1 + 1; !match && controller[0] && p < c2;) {
        const char *comma = memchr(p, ',', (size_t)(c2 - p));
        const char *stop = comma ? comma : c2;
        if ((size_t)(stop - p) == strlen(controller) && strncmp(p, controller, (size_t)(stop - p)) == 0)
          match = 1;
        p = stop + 1;
      }
      if (match) {
        snprintf(out, cap, "%.*s", (int)(len - (size_t)(c2 + 1 - line)), c2 + 1);
        return;
      }
    }
    line = end ? end + 1 : NULL;
  }
}

static unsigned long long parse_u64(const char *s, int *ok) {
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  *ok = end != s && (*end == '\0' || *end == ' ');
  return v;
}

/* v1 reports "no limit" as a huge page-rounded number. */
#define NO_LIMIT_ABOVE (1ull << 60)

size_t adm_sys_memory_limit_at(const char *root, const char *proc_cgroup) {
  char rel[2048], line[128], dir[4096];
  int ok;
  cgroup_path(proc_cgroup, "", rel, sizeof rel);
  /* v2: the process's own cgroup (or, inside a cgroup namespace, the root). */
  snprintf(dir, sizeof dir, "sys/fs/cgroup%s", rel);
  if (read_line(root, dir, "memory.max", line, sizeof line) ||
      read_line(root, "sys/fs/cgroup", "memory.max", line, sizeof line)) {
    if (strcmp(line, "max") == 0)
      return 0;
    unsigned long long v = parse_u64(line, &ok);
    return ok && v < NO_LIMIT_ABOVE ? (size_t)v : 0;
  }
  cgroup_path(proc_cgroup, "memory", rel, sizeof rel);
  snprintf(dir, sizeof dir, "sys/fs/cgroup/memory%s", rel);
  if (read_line(root, dir, "memory.limit_in_bytes", line, sizeof line) ||
      read_line(root, "sys/fs/cgroup/memory", "memory.limit_in_bytes", line, sizeof line)) {
    unsigned long long v = parse_u64(line, &ok);
    return ok && v < NO_LIMIT_ABOVE ? (size_t)v : 0;
  }
  return 0;
}

unsigned adm_sys_cpu_quota_at(const char *root, const char *proc_cgroup) {
  char rel[2048], line[128], dir[4096];
  int ok1, ok2;
  cgroup_path(proc_cgroup, "", rel, sizeof rel);
  snprintf(dir, sizeof dir, "sys/fs/cgroup%s", rel);
  if (read_line(root, dir, "cpu.max", line, sizeof line) ||
      read_line(root, "sys/fs/cgroup", "cpu.max", line, sizeof line)) {
    if (strncmp(line, "max", 3) == 0)
      return 0;
    char *space = strchr(line, ' ');
    unsigned long long quota = parse_u64(line, &ok1);
    unsigned long long period = space ? parse_u64(space + 1, &ok2) : 100000;
    if (!ok1 || period == 0)
      return 0;
    return (unsigned)((quota + period - 1) / period);
  }
  cgroup_path(proc_cgroup, "cpu", rel, sizeof rel);
  char q[64], p[64];
  snprintf(dir, sizeof dir, "sys/fs/cgroup/cpu%s", rel);
  if (!(read_line(root, dir, "cpu.cfs_quota_us", q, sizeof q) &&
        read_line(root, dir, "cpu.cfs_period_us", p, sizeof p)) &&
      !(read_line(root, "sys/fs/cgroup/cpu", "cpu.cfs_quota_us", q, sizeof q) &&
        read_line(root, "sys/fs/cgroup/cpu", "cpu.cfs_period_us", p, sizeof p)))
    return 0;
  if (q[0] == '-')
    return 0;
  unsigned long long quota = parse_u64(q, &ok1), period = parse_u64(p, &ok2);
  if (!ok1 || !ok2 || period == 0 || quota == 0)
    return 0;
  return (unsigned)((quota + period - 1) / period);
}

static void self_cgroup(char *buf, size_t cap) {
  buf[0] = '\0';
  FILE *f = fopen("/proc/self/cgroup", "re");
  if (f == NULL)
    return;
  size_t n = fread(buf, 1, cap - 1, f);
  buf[n] = '\0';
  fclose(f);
}

size_t adm_sys_memory_limit(void) {
  char cg[4096];
  self_cgroup(cg, sizeof cg);
  return adm_sys_memory_limit_at("/", cg);
}

unsigned adm_sys_cpus(void) {
  unsigned n = 0;
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0)
    n = (unsigned)CPU_COUNT(&set);
  if (n == 0) {
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    n = online > 0 ? (unsigned)online : 1;
  }
  char cg[4096];
  self_cgroup(cg, sizeof cg);
  unsigned quota = adm_sys_cpu_quota_at("/", cg);
  if (quota != 0 && quota < n)
    n = quota;
  return n;
}
