/* server/core/reload.c: publish and pin. Readers on other threads pin and read
 * while snapshots are swapped under them; under AddressSanitizer a
 * snapshot freed too early is a test failure. Includes the .c to reach the
 * reader slots and the retired list. */
#include "helpers.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "reload.c"

#include "admitd/file.h"

static size_t retired_count(void) {
  size_t n = 0;
  pthread_mutex_lock(&retire_lock);
  for (struct retired *r = retired_list; r; r = r->next)
    n++;
  pthread_mutex_unlock(&retire_lock);
  return n;
}

static atomic_bool stop;
static atomic_long reads;

static void *reader(void *arg) {
  (void)arg;
  while (!atomic_load(&stop)) {
    struct adm_config *cfg = adm_config_pin();
    if (cfg) {
      /* Touch the snapshot: a freed one is caught by ASan. */
      if (cfg->pod_security.defaults.lv[ADM_MODE_ENFORCE].level > ADM_LEVEL_RESTRICTED || cfg->source[0] == '\0')
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
  assert_int_equal(cfg->pod_security.defaults.lv[ADM_MODE_ENFORCE].level, ADM_LEVEL_RESTRICTED);
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
  assert_int_equal(cfg->pod_security.defaults.lv[ADM_MODE_ENFORCE].level, ADM_LEVEL_RESTRICTED);
  adm_config_unpin(cfg);
  unlink(path);
  adm_file_stamp(path, &after);
  assert_false(after.exists);
  adm_config_publish(NULL);
}

/* Eight readers (more than this machine has cores) hammer pin/unpin, some
 * holding two pins at once, while one publisher replaces the snapshot
 * thousands of times: nothing is freed under a reader (ASan), and once the
 * readers stop every replaced snapshot has been freed. */
static atomic_bool hammer_stop;
static atomic_long hammer_reads;

static void *hammer_reader(void *arg) {
  long n = 0;
  (void)arg;
  while (!atomic_load(&hammer_stop)) {
    struct adm_config *a = adm_config_pin();
    struct adm_config *b = (n & 7) == 0 ? adm_config_pin() : NULL;
    if (a == NULL || strcmp(a->source, "<built-in>") != 0 || (b && b->source[0] != '<'))
      abort();
    adm_config_unpin(b);
    adm_config_unpin(a);
    n++;
  }
  atomic_fetch_add(&hammer_reads, n);
  return NULL;
}

static void hammered_pins_free_every_replaced_snapshot(void **state) {
  (void)state;
  enum { READERS = 8, PUBLISHES = 3000 };
  adm_config_publish(adm_config_default());
  unsigned long long freed_before = atomic_load(&released);
  pthread_t t[READERS];
  for (int i = 0; i < READERS; i++)
    assert_int_equal(pthread_create(&t[i], NULL, hammer_reader, NULL), 0);
  for (int i = 0; i < PUBLISHES; i++)
    adm_config_publish(adm_config_default());
  atomic_store(&hammer_stop, true);
  for (int i = 0; i < READERS; i++)
    assert_int_equal(pthread_join(t[i], NULL), 0);
  adm_config_reclaim();
  assert_int_equal(retired_count(), 0);
  assert_int_equal(atomic_load(&released) - freed_before, PUBLISHES);
  adm_config_publish(NULL);
  assert_int_equal(atomic_load(&released) - freed_before, PUBLISHES + 1);
}

/* A reader preempted between loading the pointer and taking its reference
 * (the window the old global counter made every publish wait for). Here it
 * is held there on purpose: publishes must still return, and must keep the
 * snapshot it loaded alive until it has its reference. */
static sem_t stalled_loaded, stalled_go;

static void *stalled_reader(void *arg) {
  (void)arg;
  int i = claim_slot();
  if (i >= MAX_READERS)
    abort();
  atomic_store(&slots[i].announced, atomic_load(&generation));
  struct adm_config *cfg = atomic_load(&current);
  sem_post(&stalled_loaded);
  sem_wait(&stalled_go);
  atomic_fetch_add(&cfg->refs, 1);
  atomic_store(&slots[i].announced, 0);
  if (strcmp(cfg->source, "<built-in>") != 0)
    abort();
  adm_config_unpin(cfg);
  return NULL;
}

static void publish_never_waits_for_a_reader(void **state) {
  (void)state;
  enum { PUBLISHES = 100 };
  adm_config_publish(adm_config_default());
  unsigned long long freed_before = atomic_load(&released);
  sem_init(&stalled_loaded, 0, 0);
  sem_init(&stalled_go, 0, 0);
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, stalled_reader, NULL), 0);
  sem_wait(&stalled_loaded);
  /* A publisher that waits for the reader never returns: a hang guard, not
   * a timing judgement. */
  alarm(120);
  for (int i = 0; i < PUBLISHES; i++)
    adm_config_publish(adm_config_default());
  alarm(0);
  /* Nothing the stalled reader might hold was freed. */
  assert_int_equal(retired_count(), PUBLISHES);
  assert_int_equal(atomic_load(&released), freed_before);
  sem_post(&stalled_go);
  assert_int_equal(pthread_join(t, NULL), 0);
  adm_config_reclaim();
  assert_int_equal(retired_count(), 0);
  assert_int_equal(atomic_load(&released) - freed_before, PUBLISHES);
  adm_config_publish(NULL);
  sem_destroy(&stalled_loaded);
  sem_destroy(&stalled_go);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pins_survive_publishes),           cmocka_unit_test(hammered_pins_free_every_replaced_snapshot),
      cmocka_unit_test(publish_never_waits_for_a_reader), cmocka_unit_test(pinned_snapshot_outlives_replacement),
      cmocka_unit_test(reload_keeps_old_policy_on_error),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
