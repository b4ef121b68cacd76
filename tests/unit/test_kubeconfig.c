/* server/kube/kubeconfig.c without a server: a kubeconfig read whole, each
 * refusal with the file, line and key it names, inline data written to a
 * private folder and removed, the token cache following its file, and the
 * in-cluster settings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "admitd/kube.h"
#include "kube_internal.h"

static char dir[256];

static int make_dir(void **state) {
  (void)state;
  const char *t = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/admitd-kubeconfig.XXXXXX", t && t[0] ? t : "/tmp");
  return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state) {
  (void)state;
  static const char *const names[] = {"kubeconfig", "token", "ca.crt", "empty", "client.crt", "client.key"};
  char p[512];
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    snprintf(p, sizeof p, "%s/%s", dir, names[i]);
    unlink(p);
  }
  return rmdir(dir);
}

static void put(const char *name, const char *text) {
  char p[512];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "w");
  assert_non_null(f);
  fputs(text, f);
  assert_int_equal(fclose(f), 0);
}

static char *path_of(const char *name) {
  static char p[512];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  return p;
}

/* A kubeconfig with cluster and user bodies given (each line indented by
 * four spaces already). */
static int load(const char *cluster, const char *user, const char *context, struct adm_kube_config **c,
                struct adm_error *e) {
  char text[8192];
  snprintf(text, sizeof text,
           "apiVersion: v1\nkind: Config\ncurrent-context: main\n"
           "clusters:\n- name: prod\n  cluster:\n%s"
           "- name: other\n  cluster:\n    server: https://other.example:6443\n    certificate-authority: ca.crt\n"
           "contexts:\n- name: main\n  context: {cluster: prod, user: admitd}\n"
           "- name: second\n  context: {cluster: other, user: admitd}\n"
           "users:\n- name: admitd\n  user:\n%s",
           cluster, user);
  put("kubeconfig", text);
  memset(e, 0, sizeof *e);
  return adm_kube_config_from_kubeconfig(path_of("kubeconfig"), context, c, e);
}

#define GOOD_CLUSTER "    server: https://api.example:6443/\n    certificate-authority: ca.crt\n"
#define GOOD_USER "    tokenFile: token\n"

static void test_a_good_kubeconfig(void **state) {
  (void)state;
  put("ca.crt", "-----BEGIN CERTIFICATE-----\n");
  put("token", "abc.def-ghi\n");
  struct adm_kube_config *c;
  struct adm_error e;
  assert_int_equal(load(GOOD_CLUSTER, GOOD_USER, NULL, &c, &e), 0);
  assert_string_equal(adm_kube_config_server(c), "https://api.example:6443");
  assert_string_equal(c->ca_file, path_of("ca.crt"));
  assert_string_equal(c->token_file, path_of("token"));
  assert_null(c->token);
  assert_null(c->cert_file);
  char *hdr = NULL;
  assert_int_equal(adm__kube_auth_header(c, false, &hdr, &e), 0);
  assert_string_equal(hdr, "Authorization: Bearer abc.def-ghi");
  free(hdr);
  adm_kube_config_free(c);
  /* Another context, by name. */
  assert_int_equal(load(GOOD_CLUSTER, GOOD_USER, "second", &c, &e), 0);
  assert_string_equal(adm_kube_config_server(c), "https://other.example:6443");
  adm_kube_config_free(c);
  /* A fixed token, insecure-skip-tls-verify: false. */
  assert_int_equal(
      load("    server: https://10.0.0.1\n    insecure-skip-tls-verify: false\n", "    token: t0k3n\n", NULL, &c, &e),
      0);
  assert_null(c->ca_file);
  assert_int_equal(adm__kube_auth_header(c, true, &hdr, &e), 0);
  assert_string_equal(hdr, "Authorization: Bearer t0k3n");
  free(hdr);
  adm_kube_config_free(c);
}

static void test_inline_data_is_private_and_removed(void **state) {
  (void)state;
  struct adm_kube_config *c;
  struct adm_error e;
  /* "hello" and "key!" in base64. */
  assert_int_equal(load("    server: https://api.example\n    certificate-authority-data: aGVsbG8=\n",
                        "    token: t\n    client-certificate-data: aGVsbG8=\n    client-key-data: a2V5IQ==\n", NULL,
                        &c, &e),
                   0);
  char tmp[512], key[512];
  snprintf(tmp, sizeof tmp, "%s", c->tmpdir);
  snprintf(key, sizeof key, "%s", c->key_file);
  struct stat st;
  assert_int_equal(stat(tmp, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0700);
  assert_int_equal(stat(key, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  FILE *f = fopen(key, "r");
  char buf[16] = "";
  assert_non_null(fgets(buf, sizeof buf, f));
  fclose(f);
  assert_string_equal(buf, "key!");
  f = fopen(c->ca_file, "r");
  assert_non_null(fgets(buf, sizeof buf, f));
  fclose(f);
  assert_string_equal(buf, "hello");
  adm_kube_config_free(c);
  assert_int_not_equal(stat(key, &st), 0);
  assert_int_not_equal(stat(tmp, &st), 0);
}

struct refusal {
  const char *cluster, *user;
  int code;
  const char *where, *message; /* substrings */
};

static void test_each_refusal(void **state) {
  (void)state;
  put("ca.crt", "x");
  put("token", "tok\n");
  put("empty", "\n");
  unlink(path_of("ca.fifo"));
  assert_int_equal(mkfifo(path_of("ca.fifo"), 0600), 0);
  static const struct refusal cases[] = {
      {"    certificate-authority: ca.crt\n", GOOD_USER, ADM_EMISSING, "cluster.server", "missing"},
      {"    server: http://api.example\n", GOOD_USER, ADM_EINVAL, ":7:13: cluster.server", "https://"},
      {"    server: https://api\n    insecure-skip-tls-verify: true\n", GOOD_USER, ADM_EUNSUPPORTED,
       "cluster.insecure-skip-tls-verify", "must be verified"},
      {"    server: https://api\n    insecure-skip-tls-verify: yes\n", GOOD_USER, ADM_ETYPE,
       "cluster.insecure-skip-tls-verify", "true or false"},
      {"    server: https://api\n    proxy-url: http://proxy\n", GOOD_USER, ADM_EUNSUPPORTED, "cluster.proxy-url",
       "not supported"},
      {"    server: https://api\n    tls-server-name: x\n", GOOD_USER, ADM_EUNSUPPORTED, "cluster.tls-server-name",
       "not supported"},
      {"    server: https://api\n    certificate-authority: missing.crt\n", GOOD_USER, ADM_EIO, "certificate-authority",
       "No such file"},
      {"    server: https://api\n    certificate-authority: ca.fifo\n", GOOD_USER, ADM_EIO, "certificate-authority",
       "not a regular file"},
      {GOOD_CLUSTER, "    token: t\n    client-certificate: ca.fifo\n    client-key: ca.crt\n", ADM_EIO,
       "client-certificate", "not a regular file"},
      {"    server: https://api\n    certificate-authority-data: '!!!'\n", GOOD_USER, ADM_EINVAL,
       "certificate-authority-data", "base64"},
      {"    server: https://api\n    server: https://api2\n", GOOD_USER, ADM_EDUPLICATE, "server", "twice"},
      {"    server: [a]\n", GOOD_USER, ADM_ETYPE, "server", "want a string"},
      {GOOD_CLUSTER, "    exec:\n      command: aws\n", ADM_EUNSUPPORTED, "user.exec", "exec is not supported"},
      {GOOD_CLUSTER, "    auth-provider: {name: gcp}\n", ADM_EUNSUPPORTED, "user.auth-provider", "not supported"},
      {GOOD_CLUSTER, "    username: a\n    password: b\n", ADM_EUNSUPPORTED, "user.username", "not supported"},
      {GOOD_CLUSTER, "    token: t\n    as: admin\n", ADM_EUNSUPPORTED, "user.as", "not supported"},
      {GOOD_CLUSTER, "    token: t\n    tokenFile: token\n", ADM_EINVAL, "user", "both"},
      {GOOD_CLUSTER, "    tokenFile: nothing-here\n", ADM_EIO, "nothing-here", ""},
      {GOOD_CLUSTER, "    tokenFile: empty\n", ADM_EINVAL, "empty", "empty token"},
      {GOOD_CLUSTER, "    token: \"a b\"\n", ADM_EINVAL, "user.token", "visible ASCII"},
      {GOOD_CLUSTER, "    token: t\n    client-certificate: ca.crt\n", ADM_EMISSING, "user.client-key", "both"},
      {GOOD_CLUSTER, "    client-key-data: aGVsbG8=\n", ADM_EMISSING, "user.client-certificate", "both"},
      {GOOD_CLUSTER, "    {}\n", ADM_EMISSING, "user", "no token"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct adm_kube_config *c = (struct adm_kube_config *)1;
    struct adm_error e;
    int rc = load(cases[i].cluster, cases[i].user, NULL, &c, &e);
    if (rc != cases[i].code || strstr(e.where, cases[i].where) == NULL || strstr(e.message, cases[i].message) == NULL ||
        strstr(e.where, "kubeconfig") == NULL)
      fail_msg("case %zu: got %d (%s: %s), want %d (%s: %s)", i, rc, e.where, e.message, cases[i].code, cases[i].where,
               cases[i].message);
    assert_null(c);
  }
  unlink(path_of("ca.fifo"));
}

/* Whole files that go wrong before a cluster or user is read. */
static void test_broken_files(void **state) {
  (void)state;
  static const struct {
    const char *text;
    int code;
    const char *where, *message;
  } cases[] = {
      {"a: [\n", ADM_EPARSE, "kubeconfig:2:1", ""},
      {"- a\n", ADM_ETYPE, "$", "mapping"},
      {"", ADM_EMISSING, "$", "empty"},
      {"clusters: []\n", ADM_EMISSING, "current-context", "no context"},
      {"current-context: x\ncontexts: {}\n", ADM_ETYPE, "contexts", "list"},
      {"current-context: x\ncontexts: []\n", ADM_EMISSING, "contexts", "no entry named \"x\""},
      {"current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\n- name: x\n  context: {}\n",
       ADM_EDUPLICATE, "contexts", "named twice"},
      {"current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\n", ADM_EMISSING, "context.user", ""},
      {"current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\nclusters: []\n", ADM_EMISSING,
       "clusters", "no entry named \"c\""},
      {"current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\n"
       "clusters:\n- name: c\n  cluster: {server: 'https://a'}\n",
       ADM_EMISSING, "users", "missing"},
      {"current-context: x\ncontexts:\n- name: x\n  context: 5\n", ADM_ETYPE, "context", "mapping"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    put("kubeconfig", cases[i].text);
    struct adm_kube_config *c = (struct adm_kube_config *)1;
    struct adm_error e = {0};
    int rc = adm_kube_config_from_kubeconfig(path_of("kubeconfig"), NULL, &c, &e);
    if (rc != cases[i].code || strstr(e.where, cases[i].where) == NULL || strstr(e.message, cases[i].message) == NULL)
      fail_msg("case %zu: got %d (%s: %s), want %d (%s: %s)", i, rc, e.where, e.message, cases[i].code, cases[i].where,
               cases[i].message);
    assert_null(c);
  }
  struct adm_kube_config *c;
  struct adm_error e = {0};
  assert_int_equal(adm_kube_config_from_kubeconfig(path_of("no-such-file"), NULL, &c, &e), ADM_EIO);
  /* More nodes than a kubeconfig has: refused before it is walked. */
  size_t n = 25000 * 4 + 64;
  char *big = malloc(n);
  assert_non_null(big);
  size_t off = (size_t)snprintf(big, n, "x:\n");
  for (int i = 0; i < 25000; i++)
    off += (size_t)snprintf(big + off, n - off, "- 1\n");
  put("kubeconfig", big);
  free(big);
  assert_int_equal(adm_kube_config_from_kubeconfig(path_of("kubeconfig"), NULL, &c, &e), ADM_ETOOBIG);
}

static void test_token_file_is_followed(void **state) {
  (void)state;
  put("ca.crt", "x");
  put("token", "first\n");
  struct adm_kube_config *c;
  struct adm_error e;
  assert_int_equal(load(GOOD_CLUSTER, GOOD_USER, NULL, &c, &e), 0);
  char *hdr = NULL;
  assert_int_equal(adm__kube_auth_header(c, false, &hdr, &e), 0);
  assert_string_equal(hdr, "Authorization: Bearer first");
  free(hdr);
  /* A new file (a Secret update swaps it): read again before the next request. */
  put("token", "second-one\n");
  assert_int_equal(adm__kube_auth_header(c, false, &hdr, &e), 0);
  assert_string_equal(hdr, "Authorization: Bearer second-one");
  free(hdr);
  /* Gone: an error, never the old token quietly. */
  unlink(path_of("token"));
  assert_int_equal(adm__kube_auth_header(c, false, &hdr, &e), ADM_EIO);
  assert_null(hdr);
  put("token", "third\n");
  assert_int_equal(adm__kube_auth_header(c, true, &hdr, &e), 0);
  assert_string_equal(hdr, "Authorization: Bearer third");
  free(hdr);
  /* Swapped for a FIFO with no writer: refused at once, not waited on
   * (with the lock held, every request would wait). SIGALRM ends a wait. */
  unlink(path_of("token"));
  assert_int_equal(mkfifo(path_of("token"), 0600), 0);
  alarm(10);
  assert_int_equal(adm__kube_auth_header(c, false, &hdr, &e), ADM_EINVAL);
  alarm(0);
  assert_null(hdr);
  assert_non_null(strstr(e.message, "a FIFO"));
  adm_kube_config_free(c);
  unlink(path_of("token"));
}

static void test_in_cluster_settings(void **state) {
  (void)state;
  put("ca.crt", "x");
  put("token", "sa-token\n");
  struct adm_kube_config *c = NULL;
  struct adm_error e = {0};
  unsetenv("KUBERNETES_SERVICE_HOST");
  unsetenv("KUBERNETES_SERVICE_PORT");
  assert_int_equal(adm_kube_config_in_cluster(NULL, &c, &e), ADM_EMISSING);
  assert_string_equal(e.where, "KUBERNETES_SERVICE_HOST");
  setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
  assert_int_equal(adm_kube_config_in_cluster(NULL, &c, &e), ADM_EMISSING);
  assert_string_equal(e.where, "KUBERNETES_SERVICE_PORT");
  setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  /* The default files do not exist here: named in the error. */
  int rc = adm_kube_config_in_cluster(NULL, &c, &e);
  if (access("/var/run/secrets/kubernetes.io/serviceaccount/ca.crt", F_OK) != 0) {
    assert_int_equal(rc, ADM_EIO);
    assert_string_equal(e.where, "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt");
  } else {
    adm_kube_config_free(c);
  }
  char token[512], ca[512];
  snprintf(token, sizeof token, "%s", path_of("token"));
  snprintf(ca, sizeof ca, "%s", path_of("ca.crt"));
  struct adm_kube_in_cluster ic = {.token_file = token, .ca_file = ca};
  assert_int_equal(adm_kube_config_in_cluster(&ic, &c, &e), 0);
  assert_string_equal(adm_kube_config_server(c), "https://[fd00::1]:443");
  char *hdr = NULL;
  assert_int_equal(adm__kube_auth_header(c, false, &hdr, &e), 0);
  assert_string_equal(hdr, "Authorization: Bearer sa-token");
  free(hdr);
  adm_kube_config_free(c);
  ic.host = "10.96.0.1";
  ic.port = "https";
  assert_int_equal(adm_kube_config_in_cluster(&ic, &c, &e), ADM_EINVAL);
  ic.port = "443";
  ic.host = "evil/path";
  assert_int_equal(adm_kube_config_in_cluster(&ic, &c, &e), ADM_EINVAL);
  ic.host = "10.96.0.1";
  ic.token_file = path_of("empty");
  put("empty", "\n");
  assert_int_equal(adm_kube_config_in_cluster(&ic, &c, &e), ADM_EINVAL);
  assert_null(c);
  unsetenv("KUBERNETES_SERVICE_HOST");
  unsetenv("KUBERNETES_SERVICE_PORT");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_good_kubeconfig),      cmocka_unit_test(test_inline_data_is_private_and_removed),
      cmocka_unit_test(test_each_refusal),           cmocka_unit_test(test_broken_files),
      cmocka_unit_test(test_token_file_is_followed), cmocka_unit_test(test_in_cluster_settings),
  };
  return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
