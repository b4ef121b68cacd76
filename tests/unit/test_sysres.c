/* server/base/sysres.c: cgroup v1 and v2 limits read from a fake tree, so
 * defaults follow the container's limits rather than the node's. */
#include "helpers.h"

#include <sys/stat.h>
#include <unistd.h>

#include "admitd/sysres.h"

static char root[256];

static void put(const char *rel, const char *text) {
  char path[512], cmd[600];
  snprintf(path, sizeof path, "%s/%s", root, rel);
  snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\"", path);
  assert_int_equal(system(cmd), 0);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static int fresh_root(void **state) {
  (void)state;
  snprintf(root, sizeof root, "/tmp/admitd-sysres-XXXXXX");
  assert_non_null(mkdtemp(root));
  return 0;
}

static int remove_root(void **state) {
  (void)state;
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  return system(cmd);
}

static void v2_limits_of_the_process_cgroup(void **state) {
  (void)state;
  const char *cg = "0::/kubepods/pod1/c1\n";
  put("sys/fs/cgroup/kubepods/pod1/c1/memory.max", "134217728\n");
  put("sys/fs/cgroup/kubepods/pod1/c1/cpu.max", "150000 100000\n");
  assert_int_equal(adm_sys_memory_limit_at(root, cg), 134217728);
  /* 1.5 CPUs of quota may run 2 threads at once. */
  assert_int_equal(adm_sys_cpu_quota_at(root, cg), 2);
}

static void v2_inside_a_cgroup_namespace(void **state) {
  (void)state;
  put("sys/fs/cgroup/memory.max", "max\n");
  put("sys/fs/cgroup/cpu.max", "max 100000\n");
  assert_int_equal(adm_sys_memory_limit_at(root, "0::/\n"), 0);
  assert_int_equal(adm_sys_cpu_quota_at(root, "0::/\n"), 0);
  put("sys/fs/cgroup/memory.max", "67108864\n");
  put("sys/fs/cgroup/cpu.max", "50000 100000\n");
  assert_int_equal(adm_sys_memory_limit_at(root, "0::/\n"), 67108864);
  assert_int_equal(adm_sys_cpu_quota_at(root, "0::/\n"), 1);
}

static void v1_limits_and_no_limit(void **state) {
  (void)state;
  const char *cg = "4:memory:/process_api/x\n2:cpu,cpuacct:/process_api/x\n";
  put("sys/fs/cgroup/memory/process_api/x/memory.limit_in_bytes", "9223372036854771712\n");
  assert_int_equal(adm_sys_memory_limit_at(root, cg), 0); /* v1's "unlimited" */
  put("sys/fs/cgroup/memory/process_api/x/memory.limit_in_bytes", "268435456\n");
  assert_int_equal(adm_sys_memory_limit_at(root, cg), 268435456);
  put("sys/fs/cgroup/cpu/process_api/x/cpu.cfs_quota_us", "-1\n");
  put("sys/fs/cgroup/cpu/process_api/x/cpu.cfs_period_us", "100000\n");
  assert_int_equal(adm_sys_cpu_quota_at(root, cg), 0);
  put("sys/fs/cgroup/cpu/process_api/x/cpu.cfs_quota_us", "300000\n");
  assert_int_equal(adm_sys_cpu_quota_at(root, cg), 3);
}

static void nothing_to_read_means_no_limit(void **state) {
  (void)state;
  assert_int_equal(adm_sys_memory_limit_at(root, ""), 0);
  assert_int_equal(adm_sys_cpu_quota_at(root, ""), 0);
  /* The live process: at least one CPU, never more than the node has. */
  unsigned n = adm_sys_cpus();
  assert_true(n >= 1);
  assert_true(n <= (unsigned)sysconf(_SC_NPROCESSORS_CONF));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(v2_limits_of_the_process_cgroup, fresh_root, remove_root),
      cmocka_unit_test_setup_teardown(v2_inside_a_cgroup_namespace, fresh_root, remove_root),
      cmocka_unit_test_setup_teardown(v1_limits_and_no_limit, fresh_root, remove_root),
      cmocka_unit_test_setup_teardown(nothing_to_read_means_no_limit, fresh_root, remove_root),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
