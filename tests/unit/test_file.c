/* server/base/file.c: whole-file reads bounded by size, refused for what is
 * not a regular file, and failing cleanly when growing the buffer fails;
 * file stamps and when a polled file is read.
 * Includes file.c itself with realloc routed through a switch, so a failed
 * allocation can be provoked where it matters. */
#include "helpers.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fallible_realloc.h"

#define realloc(p, n) fallible_realloc(p, n)
#include "file.c"
#undef realloc

/* A temporary file of n bytes; path is a "/tmp/admitd-test-XXXXXX" buffer. */
static void write_temp(char *path, size_t n) {
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  char *buf = malloc(n);
  assert_non_null(buf);
  memset(buf, 'x', n);
  assert_int_equal(write(fd, buf, n), (ssize_t)n);
  free(buf);
  close(fd);
}

static void read_file_bounds_size(void **state) {
  (void)state;
  char path[] = "/tmp/admitd-test-XXXXXX";
  const size_t size = 5000;
  write_temp(path, size);
  char *out;
  size_t len;
  struct adm_error err = {0};
  assert_int_equal(adm_read_file(path, 4096, &out, &len, &err), ADM_ETOOBIG);
  assert_int_equal(adm_read_file(path, 8192, &out, &len, &err), 0);
  assert_int_equal(len, size);
  free(out);
  unlink(path);
  assert_int_equal(adm_read_file("/nonexistent/admitd", 10, &out, &len, &err), ADM_EIO);
  assert_str_contains(err.message, "cannot open");
}

/* A policy must be a regular file: a FIFO is refused at once, not opened
 * for a read that waits for a writer. */
static void regular_file_refuses_fifo_and_folder(void **state) {
  (void)state;
  char dir[] = "/tmp/admitd-test-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char fifo[64];
  snprintf(fifo, sizeof fifo, "%s/p.yaml", dir);
  assert_int_equal(mkfifo(fifo, 0600), 0);
  char *out = NULL;
  size_t len;
  struct adm_error err = {0};
  assert_int_equal(adm_read_regular_file(fifo, 4096, &out, &len, &err), ADM_EINVAL);
  assert_str_contains(err.message, "not a regular file (a FIFO)");
  assert_int_equal(adm_read_regular_file(dir, 4096, &out, &len, &err), ADM_EINVAL);
  assert_str_contains(err.message, "(a folder)");
  unlink(fifo);
  rmdir(dir);
  char path[] = "/tmp/admitd-test-XXXXXX";
  write_temp(path, 100);
  assert_int_equal(adm_read_regular_file(path, 4096, &out, &len, &err), 0);
  assert_int_equal(len, 100);
  free(out);
  unlink(path);
}

static void read_file_fails_when_growing_fails(void **state) {
  (void)state;
  char path[] = "/tmp/admitd-test-XXXXXX";
  const size_t size = 20000; /* more than the first 8 KiB buffer */
  write_temp(path, size);
  char *out = NULL;
  size_t len = 0;
  struct adm_error err = {0};
  realloc_fail_in = 1;
  int rc = adm_read_file(path, 1 << 20, &out, &len, &err);
  realloc_fail_in = 0;
  unlink(path);
  if (rc == 0) {
    free(out);
    fail_msg("a failed realloc returned %zu of %zu bytes as the whole file", len, size);
  }
  assert_int_equal(rc, ADM_ENOMEM);
  assert_string_equal(err.where, path);
}

static struct adm_file_stamp stamp(long long ino, long long size, long long mtime) {
  return (struct adm_file_stamp){.ino = ino, .size = size, .mtime_ns = mtime, .exists = 1};
}

/* A policy written in two steps: the first poll after each step sees a new
 * stamp and waits; the file is read only when a poll sees it unchanged. */
static void watch_reads_a_file_only_once_it_is_stable(void **state) {
  (void)state;
  struct adm_file_stamp loaded = stamp(1, 100, 1000), half = stamp(1, 40, 2000), whole = stamp(1, 120, 3000);
  struct adm_file_watch w;
  adm_file_watch_init(&w, &loaded);
  assert_false(adm_file_watch_poll(&w, &loaded, false)); /* nothing changed */
  assert_false(adm_file_watch_poll(&w, &half, false));   /* first step: just changed, wait */
  assert_false(adm_file_watch_poll(&w, &whole, false));  /* second step: changed again, wait */
  assert_true(adm_file_watch_poll(&w, &whole, false));   /* stable for a poll: read */
  assert_true(adm_file_watch_settle(&w, &whole, &whole));
  assert_false(adm_file_watch_poll(&w, &whole, false)); /* read once, not every tick */
  /* A rejected file is not re-read every tick either (settle took it). */
  struct adm_file_stamp bad = stamp(2, 7, 4000);
  assert_false(adm_file_watch_poll(&w, &bad, false));
  assert_true(adm_file_watch_poll(&w, &bad, false));
  assert_true(adm_file_watch_settle(&w, &bad, &bad));
  assert_false(adm_file_watch_poll(&w, &bad, false));
}

static void watch_discards_a_read_that_raced_a_writer(void **state) {
  (void)state;
  struct adm_file_stamp loaded = stamp(1, 100, 1000), first = stamp(1, 40, 2000), later = stamp(1, 120, 3000);
  struct adm_file_watch w;
  adm_file_watch_init(&w, &loaded);
  assert_false(adm_file_watch_poll(&w, &first, false));
  assert_true(adm_file_watch_poll(&w, &first, false));
  /* The writer came back during the read: discard, and read again at the
   * next poll if the file has stayed as it was after the read. */
  assert_false(adm_file_watch_settle(&w, &first, &later));
  assert_true(adm_file_watch_poll(&w, &later, false));
  assert_true(adm_file_watch_settle(&w, &later, &later));
  assert_false(adm_file_watch_poll(&w, &later, false));
}

static void watch_sighup_forces_and_missing_file_waits(void **state) {
  (void)state;
  struct adm_file_stamp loaded = stamp(1, 100, 1000), gone = {0};
  struct adm_file_watch w;
  adm_file_watch_init(&w, &loaded);
  assert_true(adm_file_watch_poll(&w, &loaded, true)); /* SIGHUP: read even if unchanged */
  assert_true(adm_file_watch_settle(&w, &loaded, &loaded));
  assert_false(adm_file_watch_poll(&w, &gone, false)); /* mid symlink swap */
  assert_false(adm_file_watch_poll(&w, &gone, false)); /* a missing file is never read by polling */
  struct adm_file_stamp back = stamp(9, 100, 5000);
  assert_false(adm_file_watch_poll(&w, &back, false));
  assert_true(adm_file_watch_poll(&w, &back, false));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(regular_file_refuses_fifo_and_folder),
      cmocka_unit_test(read_file_bounds_size),
      cmocka_unit_test(read_file_fails_when_growing_fails),
      cmocka_unit_test(watch_reads_a_file_only_once_it_is_stable),
      cmocka_unit_test(watch_discards_a_read_that_raced_a_writer),
      cmocka_unit_test(watch_sighup_forces_and_missing_file_waits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
