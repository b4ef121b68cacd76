/* What the C programs under tests/registry/ share: the environment their
 * runner scripts (run.sh, sigverify.sh, referrers.sh) fill, reading a file
 * the runner wrote, request logs (origins.py's among them), an assertion on
 * a fetch outcome, and a listener that accepts connections and never
 * answers, for deadline tests. cmocka must be included first. */
#ifndef ADMITD_TEST_REGISTRY_HARNESS_H
#define ADMITD_TEST_REGISTRY_HARNESS_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "admitd/verifier.h"

/* A variable the runner script sets; fails the test when it is missing. */
static inline const char *env(const char *name) {
  const char *v = getenv(name);
  if (v == NULL || v[0] == '\0')
    fail_msg("%s is not set: run this test through its runner in tests/registry/ (run.sh, sigverify.sh)", name);
  return v;
}

/* The whole of a file (up to 1 MiB), NUL-terminated; *new*. */
static inline char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    fail_msg("cannot open %s", path);
  char *buf = malloc((1 << 20) + 1);
  *len = fread(buf, 1, 1 << 20, f);
  buf[*len] = '\0';
  fclose(f);
  return buf;
}

/* Whether some line of the file at path starts with prefix and contains
 * needle: request logs, one request a line. */
static inline bool log_has_line(const char *path, const char *prefix, const char *needle) {
  size_t n, plen = strlen(prefix);
  char *log = slurp(path, &n);
  bool found = false;
  for (char *line = log; *line && !found;) {
    char *end = strchr(line, '\n');
    if (end != NULL)
      *end = '\0';
    found = strncmp(line, prefix, plen) == 0 && strstr(line + plen, needle) != NULL;
    line = end ? end + 1 : line + strlen(line);
  }
  free(log);
  return found;
}

#define ASSERT_OUTCOME(want, got, err)                                                                                 \
  do {                                                                                                                 \
    enum adm_fetch_outcome got_ = (got);                                                                               \
    if (got_ != (want))                                                                                                \
      fail_msg("expected outcome %s, got %s (%s)", adm_fetch_outcome_id(want), adm_fetch_outcome_id(got_),             \
               (err).detail);                                                                                          \
  } while (0)

/* Forget what the origins were sent so far: each test reads only its own. */
static inline void origins_forget(void) {
  FILE *f = fopen(env("ORIGIN_LOG"), "w");
  if (f == NULL)
    fail_msg("cannot truncate %s", env("ORIGIN_LOG"));
  fclose(f);
}

/* Fails unless some line of origin's ("origin METHOD PATH auth=WHAT")
 * contains needle (want) or none does (!want). */
static inline void expect_sent(const char *origin, const char *needle, bool want, const char *why) {
  char prefix[32];
  snprintf(prefix, sizeof prefix, "%s ", origin);
  if (log_has_line(env("ORIGIN_LOG"), prefix, needle) != want) {
    size_t n;
    char *log = slurp(env("ORIGIN_LOG"), &n);
    fail_msg("%s: %s a request with \"%s\" to %s; requests:\n%s", why, want ? "expected" : "found", needle, origin,
             log);
  }
}

/* A listening socket nobody accepts: the kernel completes the handshake, so
 * the client is connected and then hears nothing, forever. */
static inline int silent_listener(char *addr, size_t addrlen) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof sa;
  assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  assert_int_equal(listen(fd, 64), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
  snprintf(addr, addrlen, "127.0.0.1:%d", ntohs(sa.sin_port));
  return fd;
}

#endif
