/* What the C programs under tests/registry/ share: the environment their
 * runner scripts (run.sh, sigverify.sh) fill, and a listener that accepts
 * connections and never answers, for deadline tests. cmocka must be
 * included first. */
#ifndef ADMITD_TEST_REGISTRY_HARNESS_H
#define ADMITD_TEST_REGISTRY_HARNESS_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

/* A variable the runner script sets; fails the test when it is missing. */
static inline const char *env(const char *name) {
  const char *v = getenv(name);
  if (v == NULL || v[0] == '\0')
    fail_msg("%s is not set: run this test through its runner in tests/registry/ (run.sh, sigverify.sh)", name);
  return v;
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
