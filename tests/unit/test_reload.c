/* server/core/reload.c: publish and pin. Readers on other threads pin and read
 * while snapshots are swapped under them; under AddressSanitizer a
 * snapshot freed too early is a test failure. */
#include "helpers.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "admitd/reload.h"

static atomic_bool stop;
static atomic_long reads;

static void *reader(void *arg) {
  (void)arg;
  while (!atomic_load(&stop)) {
    struct adm_config *cfg = adm_config_pin();
    if (cfg) {
      /* Touch the snapshot: a freed one is caught by ASan. */
      if (cfg->defaults.lv[ADM_MODE_ENFORCE].level > ADM_LEVEL_RESTRICTED || cfg->source[0] == '\0')
        abort();
      atomic_fetch_add(&reads, 1);
      adm_config_unpin(cfg);
    }
  }
  return NULL;
}

static void pins_survive_publishes(void **state) {
  (void)state;
  adm_config_publish(adm_config_default());
  pthread_t t[3];
  for (int i = 0; i < 3; i++)
    pthread_create(&t[i], NULL, reader, NULL);
  /* Keep swapping until the readers have really run alongside (on a busy
   * machine they may start late); bounded so a stuck reader fails, not hangs. */
  time_t until = time(NULL) + 20;
  for (long i = 0; (i < 2000 || atomic_load(&reads) < 5000) && time(NULL) < until; i++)
    adm_config_publish(adm_config_default());
  atomic_store(&stop, true);
  for (int i = 0; i < 3; i++)
    pthread_join(t[i], NULL);
  assert_true(atomic_load(&reads) >= 5000);
  adm_config_publish(NULL);
  assert_null(adm_config_pin());
}

static void pinned_snapshot_outlives_replacement(void **state) {
  (void)state;
  struct adm_config *first = adm_config_default();
  adm_config_publish(first);
  struct adm_config *pinned = adm_config_pin();
  assert_ptr_equal(pinned, first);
  adm_config_publish(adm_config_default());
  assert_int_equal(atomic_load(&pinned->refs), 1);
  assert_string_equal(pinned->source, "<built-in>");
  adm_config_unpin(pinned);
  adm_config_publish(NULL);
}

static void reload_keeps_old_policy_on_error(void **state) {
  (void)state;
  char path[] = "/tmp/admitd-reload-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  const char *good = "apiVersion: admitd.io/v1alpha1\nkind: Policy\npodSecurity:\n  defaults: {enforce: restricted}\n";
  assert_int_equal(write(fd, good, strlen(good)), (ssize_t)strlen(good));
  close(fd);
  struct adm_error err = {0};
  assert_int_equal(adm_config_reload(path, &err), 0);
  struct adm_config *cfg = adm_config_pin();
  assert_int_equal(cfg->defaults.lv[ADM_MODE_ENFORCE].level, ADM_LEVEL_RESTRICTED);
  adm_config_unpin(cfg);
  struct adm_file_stamp before, after;
  adm_file_stamp(path, &before);
  FILE *f = fopen(path, "w");
  fputs("apiVersion: admitd.io/v1alpha1\nkind: Policy\nbogus: 1\n", f);
  fclose(f);
  adm_file_stamp(path, &after);
  assert_true(adm_file_stamp_changed(&before, &after));
  assert_int_equal(adm_config_reload(path, &err), ADM_EUNKNOWN_KEY);
  cfg = adm_config_pin();
  assert_int_equal(cfg->defaults.lv[ADM_MODE_ENFORCE].level, ADM_LEVEL_RESTRICTED);
  adm_config_unpin(cfg);
  unlink(path);
  adm_file_stamp(path, &after);
  assert_false(after.exists);
  adm_config_publish(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pins_survive_publishes),
      cmocka_unit_test(pinned_snapshot_outlives_replacement),
      cmocka_unit_test(reload_keeps_old_policy_on_error),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
