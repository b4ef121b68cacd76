/* server/core/log.c: lines from many threads stay whole when stderr is a
 * pipe, also lines longer than PIPE_BUF (a decision with many reasons).
 * stderr is pointed at a pipe shrunk to one page, so a long write is split
 * by the kernel and any interleaving shows up as a line that does not
 * parse. And the decision line keeps each image fact's full detail, which
 * denials leave out. */
#include "helpers.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "admitd/facts.h"
#include "admitd/log.h"

enum { WRITERS = 4, LINES = 60, LONG_REASON = 3 * PIPE_BUF };

static char long_reason[LONG_REASON + 1];

static void *writer(void *arg) {
  int id = (int)(intptr_t)arg;
  struct adm_review_request req = {.uid = "u",
                                   .kind_kind = "Pod",
                                   .resource_resource = "pods",
                                   .sub_resource = "",
                                   .namespace = "ns",
                                   .name = "p",
                                   .operation = "CREATE",
                                   .username = "alice"};
  struct adm_decision d = {.judged = true, .allowed = false, .message = long_reason};
  for (int i = 0; i < LINES; i++) {
    if (i % 2 == 0)
      adm_log_decision(&req, &d, id);
    else
      adm_log(ADM_LOG_INFO, "short line %d from writer %d", i, id);
  }
  return NULL;
}

struct drain {
  int fd;
  char *buf;
  size_t len, cap;
};

/* Read slowly, in small pieces, so the pipe stays full and writers block
 * part-way through long writes. */
static void *drainer(void *arg) {
  struct drain *dr = arg;
  for (;;) {
    if (dr->cap - dr->len < 512) {
      dr->cap *= 2;
      dr->buf = realloc(dr->buf, dr->cap);
      if (dr->buf == NULL)
        abort();
    }
    ssize_t n = read(dr->fd, dr->buf + dr->len, 512);
    if (n <= 0)
      break;
    dr->len += (size_t)n;
    sched_yield();
  }
  return NULL;
}

static void long_lines_never_interleave_in_a_pipe(void **state) {
  (void)state;
  for (size_t i = 0; i < LONG_REASON; i++)
    long_reason[i] = (char)('a' + i % 26);
  int p[2];
  assert_int_equal(pipe(p), 0);
  fcntl(p[1], F_SETPIPE_SZ, 4096); /* the smallest a pipe gets: one page */
  int saved = dup(STDERR_FILENO);
  assert_true(saved >= 0);
  assert_int_equal(dup2(p[1], STDERR_FILENO), STDERR_FILENO);
  close(p[1]);
  struct drain dr = {.fd = p[0], .cap = 1 << 16};
  dr.buf = malloc(dr.cap);
  pthread_t rd, w[WRITERS];
  assert_int_equal(pthread_create(&rd, NULL, drainer, &dr), 0);
  for (int i = 0; i < WRITERS; i++)
    assert_int_equal(pthread_create(&w[i], NULL, writer, (void *)(intptr_t)i), 0);
  for (int i = 0; i < WRITERS; i++)
    assert_int_equal(pthread_join(w[i], NULL), 0);
  /* Closing the last write end ends the drainer's reads. */
  assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
  close(saved);
  assert_int_equal(pthread_join(rd, NULL), 0);
  close(p[0]);

  int lines = 0, decisions = 0;
  char *s = dr.buf, *end = dr.buf + dr.len;
  while (s < end) {
    char *nl = memchr(s, '\n', (size_t)(end - s));
    if (nl == NULL)
      fail_msg("the output does not end with a newline");
    json_error_t e;
    json_t *j = json_loadb(s, (size_t)(nl - s), 0, &e);
    if (j == NULL)
      fail_msg("line %d is not one JSON object (lines interleaved?): %s", lines + 1, e.text);
    const char *reasons = json_string_value(json_object_get(j, "reasons"));
    if (reasons) {
      assert_string_equal(reasons, long_reason);
      decisions++;
    }
    json_decref(j);
    lines++;
    s = nl + 1;
  }
  assert_int_equal(lines, WRITERS * LINES);
  assert_int_equal(decisions, WRITERS * LINES / 2);
  free(dr.buf);
}

static void decision_keeps_image_fact_details(void **state) {
  (void)state;
  const struct adm_image_fact items[] = {
      {.image = "127.0.0.1:1/anything@sha256:0",
       .outcome = ADM_SIG_REGISTRY_UNAVAILABLE,
       .detail = "GET http://127.0.0.1:1/v2/: Failed to connect: Connection refused",
       .summary = "registry 127.0.0.1:1"},
      {.image = "registry.example.com/app:v1", .outcome = ADM_SIG_VERIFIED, .detail = "verified by release"},
  };
  struct adm_image_facts facts = {items, 2, false};
  struct adm_review_request req = {.uid = "u", .namespace = "ns", .name = "p", .operation = "CREATE"};
  struct adm_decision d = {.judged = true, .allowed = false, .message = "denied", .image_facts = &facts};
  FILE *f = tmpfile();
  assert_non_null(f);
  int saved = dup(STDERR_FILENO);
  assert_int_equal(dup2(fileno(f), STDERR_FILENO), STDERR_FILENO);
  adm_log_decision(&req, &d, 1);
  assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
  close(saved);
  rewind(f);
  json_error_t e;
  json_t *j = json_loadf(f, 0, &e);
  fclose(f);
  if (j == NULL)
    fail_msg("expected one JSON line, got an error: %s", e.text);
  json_t *images = json_object_get(j, "images");
  assert_int_equal(json_array_size(images), 2);
  assert_string_equal(json_string_value(json_object_get(json_array_get(images, 0), "image")), items[0].image);
  assert_string_equal(json_string_value(json_object_get(json_array_get(images, 0), "outcome")), "registry-unavailable");
  assert_string_equal(json_string_value(json_object_get(json_array_get(images, 0), "detail")), items[0].detail);
  assert_string_equal(json_string_value(json_object_get(json_array_get(images, 1), "outcome")), "verified");
  json_decref(j);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(long_lines_never_interleave_in_a_pipe),
      cmocka_unit_test(decision_keeps_image_fact_details),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
