/* Where the API server is and how admitd proves who it is: a kubeconfig
 * file (one context of it) or the in-cluster service account, and the
 * bearer token cache that follows a rotating token file. Reads files and
 * nothing else: no network. A kubeconfig is read as client-go reads it
 * for the parts admitd supports, and every part it does not support that
 * would change where it connects or who it is (plugins, impersonation,
 * proxies, skipped verification) is refused by name rather than ignored. */
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "admitd/file.h"
#include "admitd/verifier.h"
#include "kube_internal.h"

#define KUBECONFIG_MAX (1u << 20)
#define KUBECONFIG_NODES_MAX 20000
#define TOKEN_FILE_DEFAULT "/var/run/secrets/kubernetes.io/serviceaccount/token"
#define CA_FILE_DEFAULT "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"

/* NULL when path is a regular file, else why not. libcurl opens the CA
 * and client files at each request, so a FIFO would hold every request. */
static const char *not_regular(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0)
    return strerror(errno);
  return S_ISREG(st.st_mode) ? NULL : "not a regular file (a FIFO, a device or a folder)";
}

static struct adm_kube_config *config_new(void) {
  struct adm_kube_config *c = calloc(1, sizeof *c);
  if (c != NULL && pthread_mutex_init(&c->lock, NULL) != 0) {
    free(c);
    c = NULL;
  }
  return c;
}

static void remove_tmp(const char *dir) {
  static const char *const names[] = {"ca.crt", "client.crt", "client.key"};
  char p[4096];
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    snprintf(p, sizeof p, "%s/%s", dir, names[i]);
    unlink(p);
  }
  rmdir(dir);
}

void adm_kube_config_free(struct adm_kube_config *c) {
  if (c == NULL)
    return;
  if (c->tmpdir != NULL)
    remove_tmp(c->tmpdir);
  free(c->server);
  free(c->ca_file);
  free(c->cert_file);
  free(c->key_file);
  free(c->token);
  free(c->token_file);
  free(c->tmpdir);
  free(c->cached);
  pthread_mutex_destroy(&c->lock);
  free(c);
}

const char *adm_kube_config_server(const struct adm_kube_config *c) {
  return c->server;
}

/* ---- tokens ------------------------------------------------------------ */

/* A token goes into a header line: visible ASCII only, so no CR or LF can
 * add a header of its own. */
static int check_token(const char *t, size_t n, const char *where, struct adm_error *err) {
  if (n == 0)
    return adm_fail(err, ADM_EINVAL, where, "empty token");
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)t[i] < 0x21 || (unsigned char)t[i] > 0x7e)
      return adm_fail(err, ADM_EINVAL, where, "token holds a byte that is not visible ASCII at offset %zu", i);
  return 0;
}

static int read_token_file(const char *path, char **out, struct adm_error *err) {
  char *buf = NULL;
  size_t len = 0;
  /* A regular file only: a FIFO put in its place would hold this read, and
   * with it the lock every request's GET takes, until someone wrote. */
  int rc = adm_read_regular_file(path, ADM__KUBE_TOKEN_MAX, &buf, &len, err);
  if (rc < 0)
    return rc;
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' ' || buf[len - 1] == '\t'))
    buf[--len] = '\0';
  rc = check_token(buf, len, path, err);
  if (rc < 0) {
    free(buf);
    return rc;
  }
  *out = buf;
  return 0;
}

int adm__kube_auth_header(struct adm_kube_config *c, bool force, char **out, struct adm_error *err) {
  *out = NULL;
  const char *token = c->token;
  int rc = 0;
  pthread_mutex_lock(&c->lock);
  if (c->token_file != NULL) {
    struct adm_file_stamp now;
    adm_file_stamp(c->token_file, &now);
    int64_t t = adm_verifier_now_ms();
    if (force || c->cached == NULL || adm_file_stamp_changed(&now, &c->cached_stamp) ||
        t - c->cached_at_ms >= ADM__KUBE_TOKEN_REREAD_MS) {
      char *fresh = NULL;
      rc = read_token_file(c->token_file, &fresh, err);
      if (rc == 0) {
        free(c->cached);
        c->cached = fresh;
        c->cached_stamp = now;
        c->cached_at_ms = t;
      }
    }
    token = c->cached;
  }
  if (rc == 0 && token != NULL) {
    size_t n = strlen(token) + sizeof "Authorization: Bearer ";
    *out = malloc(n);
    if (*out == NULL)
      rc = adm_fail(err, ADM_ENOMEM, "", "out of memory");
    else
      snprintf(*out, n, "Authorization: Bearer %s", token);
  }
  pthread_mutex_unlock(&c->lock);
  return rc;
}

/* ---- in-cluster -------------------------------------------------------- */

int adm_kube_config_in_cluster(const struct adm_kube_in_cluster *ic, struct adm_kube_config **out,
                               struct adm_error *err) {
  static const struct adm_kube_in_cluster none;
  *out = NULL;
  if (ic == NULL)
    ic = &none;
  const char *host = ic->host ? ic->host : getenv("KUBERNETES_SERVICE_HOST");
  const char *port = ic->port ? ic->port : getenv("KUBERNETES_SERVICE_PORT");
  if (host == NULL || host[0] == '\0')
    return adm_fail(err, ADM_EMISSING, "KUBERNETES_SERVICE_HOST", "not set: not running in a cluster");
  if (port == NULL || port[0] == '\0')
    return adm_fail(err, ADM_EMISSING, "KUBERNETES_SERVICE_PORT", "not set: not running in a cluster");
  if (strspn(port, "0123456789") != strlen(port) || strlen(port) > 5)
    return adm_fail(err, ADM_EINVAL, "KUBERNETES_SERVICE_PORT", "not a port: %.20s", port);
  if (strlen(host) > 253 || strspn(host, "0123456789abcdefABCDEF.:-") != strlen(host))
    return adm_fail(err, ADM_EINVAL, "KUBERNETES_SERVICE_HOST", "not an address: %.60s", host);
  struct adm_kube_config *c = config_new();
  if (c == NULL)
    return adm_fail(err, ADM_ENOMEM, "", "out of memory");
  size_t n = strlen(host) + strlen(port) + sizeof "https://[]:";
  c->server = malloc(n);
  c->token_file = strdup(ic->token_file ? ic->token_file : TOKEN_FILE_DEFAULT);
  c->ca_file = strdup(ic->ca_file ? ic->ca_file : CA_FILE_DEFAULT);
  if (c->server == NULL || c->token_file == NULL || c->ca_file == NULL) {
    adm_kube_config_free(c);
    return adm_fail(err, ADM_ENOMEM, "", "out of memory");
  }
  /* KUBERNETES_SERVICE_HOST is an IP address; an IPv6 one needs brackets. */
  snprintf(c->server, n, strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host, port);
  const char *why = not_regular(c->ca_file);
  if (why != NULL) {
    adm_fail(err, ADM_EIO, c->ca_file, "%s", why);
    adm_kube_config_free(c);
    return ADM_EIO;
  }
  char *hdr = NULL;
  int rc = adm__kube_auth_header(c, true, &hdr, err);
  free(hdr);
  if (rc < 0) {
    adm_kube_config_free(c);
    return rc;
  }
  *out = c;
  return 0;
}

/* ---- kubeconfig -------------------------------------------------------- */

struct kc {
  const char *path;
  yaml_document_t doc;
  struct adm_error *err;
};

__attribute__((format(printf, 5, 6))) static int kc_fail(struct kc *k, int code, const yaml_node_t *at, const char *key,
                                                         const char *fmt, ...) {
  char where[256], message[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  if (at != NULL)
    snprintf(where, sizeof where, "%.150s:%zu:%zu: %.80s", k->path, at->start_mark.line + 1, at->start_mark.column + 1,
             key);
  else
    snprintf(where, sizeof where, "%.150s: %.80s", k->path, key);
  return adm_fail(k->err, code, where, "%s", message);
}

static const char *scalar(const yaml_node_t *n) {
  return n != NULL && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* The value of key in mapping m, or NULL; a key given twice is refused. */
static int map_get(struct kc *k, const yaml_node_t *m, const char *key, yaml_node_t **val) {
  *val = NULL;
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
    const char *s = scalar(yaml_document_get_node(&k->doc, p->key));
    if (s == NULL || strcmp(s, key) != 0)
      continue;
    if (*val != NULL)
      return kc_fail(k, ADM_EDUPLICATE, yaml_document_get_node(&k->doc, p->key), key, "given twice");
    *val = yaml_document_get_node(&k->doc, p->value);
  }
  return 0;
}

/* A string value of key, NULL when absent; "" and null count as absent. */
static int get_string(struct kc *k, const yaml_node_t *m, const char *key, const char **out) {
  yaml_node_t *v;
  int rc = map_get(k, m, key, &v);
  *out = NULL;
  if (rc < 0 || v == NULL)
    return rc;
  const char *s = scalar(v);
  if (s == NULL)
    return kc_fail(k, ADM_ETYPE, v, key, "want a string");
  if (v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && (strcmp(s, "null") == 0 || strcmp(s, "~") == 0))
    s = "";
  *out = s[0] ? s : NULL;
  return 0;
}

static int want_mapping(struct kc *k, const yaml_node_t *n, const char *key) {
  if (n == NULL)
    return kc_fail(k, ADM_EMISSING, NULL, key, "missing");
  if (n->type != YAML_MAPPING_NODE)
    return kc_fail(k, ADM_ETYPE, n, key, "want a mapping");
  return 0;
}

/* The entry named name of a named list (clusters, contexts, users), and
 * its inner mapping under field. */
static int find_named(struct kc *k, const yaml_node_t *root, const char *list, const char *field, const char *name,
                      yaml_node_t **out) {
  yaml_node_t *seq;
  int rc = map_get(k, root, list, &seq);
  if (rc < 0)
    return rc;
  if (seq == NULL)
    return kc_fail(k, ADM_EMISSING, NULL, list, "missing");
  if (seq->type != YAML_SEQUENCE_NODE)
    return kc_fail(k, ADM_ETYPE, seq, list, "want a list");
  *out = NULL;
  for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
    yaml_node_t *e = yaml_document_get_node(&k->doc, *it);
    const char *n = NULL;
    rc = want_mapping(k, e, list);
    if (rc == 0)
      rc = get_string(k, e, "name", &n);
    if (rc < 0)
      return rc;
    if (n == NULL || strcmp(n, name) != 0)
      continue;
    if (*out != NULL)
      return kc_fail(k, ADM_EDUPLICATE, e, list, "%s: named twice", name);
    yaml_node_t *inner;
    rc = map_get(k, e, field, &inner);
    if (rc == 0)
      rc = want_mapping(k, inner, field);
    if (rc < 0)
      return rc;
    *out = inner;
  }
  if (*out == NULL)
    return kc_fail(k, ADM_EMISSING, seq, list, "no entry named \"%.100s\"", name);
  return 0;
}

/* Keys that change where admitd connects or whom it speaks as, which it
 * does not implement: refused by name, never skipped. */
static int refuse_keys(struct kc *k, const yaml_node_t *m, const char *section, const char *const *keys, size_t n) {
  for (size_t i = 0; i < n; i++) {
    yaml_node_t *v;
    int rc = map_get(k, m, keys[i], &v);
    if (rc < 0)
      return rc;
    if (v != NULL) {
      char key[128];
      snprintf(key, sizeof key, "%s.%s", section, keys[i]);
      return kc_fail(k, ADM_EUNSUPPORTED, v, key, "%s is not supported; use a token, tokenFile or client certificate",
                     keys[i]);
    }
  }
  return 0;
}

/* A path from the file, relative to the kubeconfig's folder. *new*. */
static char *resolve(const char *kubeconfig, const char *p) {
  if (p[0] == '/')
    return strdup(p);
  const char *slash = strrchr(kubeconfig, '/');
  size_t dirlen = slash ? (size_t)(slash - kubeconfig) : 1;
  const char *dir = slash ? kubeconfig : ".";
  size_t n = dirlen + strlen(p) + 2;
  char *out = malloc(n);
  if (out != NULL)
    snprintf(out, n, "%.*s/%s", (int)dirlen, dir, p);
  return out;
}

/* base64 value of key written to tmpdir/file (0600). */
static int write_data(struct kc *k, struct adm_kube_config *c, const yaml_node_t *m, const char *key, const char *b64,
                      const char *file, char **path) {
  yaml_node_t *at;
  map_get(k, m, key, &at);
  gnutls_datum_t in = {(unsigned char *)(uintptr_t)b64, (unsigned)strlen(b64)}, raw = {NULL, 0};
  if (gnutls_base64_decode2(&in, &raw) < 0 || raw.size == 0) {
    gnutls_free(raw.data);
    return kc_fail(k, ADM_EINVAL, at, key, "not base64");
  }
  if (c->tmpdir == NULL) {
    const char *t = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/admitd-kube.XXXXXX", t && t[0] ? t : "/tmp");
    if (mkdtemp(tmpl) == NULL) {
      gnutls_free(raw.data);
      return kc_fail(k, ADM_EIO, at, key, "cannot make a private folder: %s", strerror(errno));
    }
    c->tmpdir = strdup(tmpl);
    if (c->tmpdir == NULL) {
      rmdir(tmpl);
      gnutls_free(raw.data);
      return adm_fail(k->err, ADM_ENOMEM, "", "out of memory");
    }
  }
  size_t n = strlen(c->tmpdir) + strlen(file) + 2;
  *path = malloc(n);
  if (*path == NULL) {
    gnutls_free(raw.data);
    return adm_fail(k->err, ADM_ENOMEM, "", "out of memory");
  }
  snprintf(*path, n, "%s/%s", c->tmpdir, file);
  FILE *f = NULL;
  int fd = open(*path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0)
    f = fdopen(fd, "wb");
  bool ok = f != NULL && fwrite(raw.data, 1, raw.size, f) == raw.size;
  if (f != NULL)
    ok = fclose(f) == 0 && ok;
  else if (fd >= 0)
    close(fd);
  gnutls_free(raw.data);
  if (!ok)
    return kc_fail(k, ADM_EIO, at, key, "cannot write %s", file);
  return 0;
}

/* A file path or inline data for one credential; data wins as in client-go. */
static int file_or_data(struct kc *k, struct adm_kube_config *c, const yaml_node_t *m, const char *key,
                        const char *file, char **path) {
  const char *p = NULL, *data = NULL;
  char dkey[64];
  snprintf(dkey, sizeof dkey, "%s-data", key);
  int rc = get_string(k, m, key, &p);
  if (rc == 0)
    rc = get_string(k, m, dkey, &data);
  if (rc < 0)
    return rc;
  if (data != NULL)
    return write_data(k, c, m, dkey, data, file, path);
  if (p != NULL) {
    *path = resolve(k->path, p);
    if (*path == NULL)
      return adm_fail(k->err, ADM_ENOMEM, "", "out of memory");
    /* libcurl opens it at each request: a FIFO would hold every one. */
    const char *why = not_regular(*path);
    if (why != NULL) {
      yaml_node_t *at;
      map_get(k, m, key, &at);
      return kc_fail(k, ADM_EIO, at, key, "%s", why);
    }
  }
  return 0;
}

static int read_cluster(struct kc *k, struct adm_kube_config *c, const yaml_node_t *cl) {
  static const char *const refused[] = {"proxy-url", "tls-server-name"};
  const char *server = NULL;
  yaml_node_t *insecure;
  int rc = refuse_keys(k, cl, "cluster", refused, sizeof refused / sizeof refused[0]);
  if (rc == 0)
    rc = map_get(k, cl, "insecure-skip-tls-verify", &insecure);
  if (rc < 0)
    return rc;
  if (insecure != NULL) {
    const char *s = scalar(insecure);
    if (s == NULL || (strcmp(s, "true") != 0 && strcmp(s, "false") != 0))
      return kc_fail(k, ADM_ETYPE, insecure, "cluster.insecure-skip-tls-verify", "want true or false");
    if (strcmp(s, "true") == 0)
      return kc_fail(k, ADM_EUNSUPPORTED, insecure, "cluster.insecure-skip-tls-verify", "%s",
                     "refused: namespace labels decide security levels, so the API server must be verified "
                     "(give certificate-authority or certificate-authority-data)");
  }
  rc = get_string(k, cl, "server", &server);
  if (rc < 0)
    return rc;
  if (server == NULL)
    return kc_fail(k, ADM_EMISSING, cl, "cluster.server", "missing");
  if (strncmp(server, "https://", 8) != 0 || server[8] == '\0' || strlen(server) > 1024) {
    yaml_node_t *at;
    map_get(k, cl, "server", &at);
    return kc_fail(k, ADM_EINVAL, at, "cluster.server", "want an https:// URL, not %.100s", server);
  }
  c->server = strdup(server);
  if (c->server == NULL)
    return adm_fail(k->err, ADM_ENOMEM, "", "out of memory");
  size_t n = strlen(c->server);
  while (n > 8 && c->server[n - 1] == '/')
    c->server[--n] = '\0';
  return file_or_data(k, c, cl, "certificate-authority", "ca.crt", &c->ca_file);
}

static int read_user(struct kc *k, struct adm_kube_config *c, const yaml_node_t *u) {
  static const char *const refused[] = {"exec", "auth-provider", "username", "password",
                                        "as",   "as-groups",     "as-uid",   "as-user-extra"};
  const char *token = NULL, *token_file = NULL;
  int rc = refuse_keys(k, u, "user", refused, sizeof refused / sizeof refused[0]);
  if (rc == 0)
    rc = get_string(k, u, "token", &token);
  if (rc == 0)
    rc = get_string(k, u, "tokenFile", &token_file);
  if (rc < 0)
    return rc;
  if (token != NULL && token_file != NULL)
    return kc_fail(k, ADM_EINVAL, u, "user", "token and tokenFile both given: say which one");
  if (token != NULL) {
    yaml_node_t *at;
    map_get(k, u, "token", &at);
    char where[256];
    snprintf(where, sizeof where, "%.150s:%zu:%zu: user.token", k->path, at->start_mark.line + 1,
             at->start_mark.column + 1);
    rc = check_token(token, strlen(token), where, k->err);
    if (rc < 0)
      return rc;
    c->token = strdup(token);
    if (c->token == NULL)
      return adm_fail(k->err, ADM_ENOMEM, "", "out of memory");
  }
  if (token_file != NULL) {
    c->token_file = resolve(k->path, token_file);
    if (c->token_file == NULL)
      return adm_fail(k->err, ADM_ENOMEM, "", "out of memory");
  }
  rc = file_or_data(k, c, u, "client-certificate", "client.crt", &c->cert_file);
  if (rc == 0)
    rc = file_or_data(k, c, u, "client-key", "client.key", &c->key_file);
  if (rc < 0)
    return rc;
  if ((c->cert_file == NULL) != (c->key_file == NULL))
    return kc_fail(k, ADM_EMISSING, u, c->cert_file ? "user.client-key" : "user.client-certificate", "%s",
                   "a client certificate needs both the certificate and its key");
  if (c->token == NULL && c->token_file == NULL && c->cert_file == NULL)
    return kc_fail(k, ADM_EMISSING, u, "user", "no token, tokenFile or client certificate");
  if (c->token_file != NULL) {
    /* Read now, so a missing or empty file is an error at start. */
    char *hdr = NULL;
    rc = adm__kube_auth_header(c, true, &hdr, k->err);
    free(hdr);
  }
  return rc;
}

static int read_kubeconfig(struct kc *k, const char *context, struct adm_kube_config *c) {
  yaml_node_t *root = yaml_document_get_root_node(&k->doc);
  if (root == NULL)
    return kc_fail(k, ADM_EMISSING, NULL, "$", "empty file");
  if (k->doc.nodes.top - k->doc.nodes.start > KUBECONFIG_NODES_MAX)
    return kc_fail(k, ADM_ETOOBIG, NULL, "$", "more than %d YAML nodes", KUBECONFIG_NODES_MAX);
  int rc = want_mapping(k, root, "$");
  const char *ctx = context && context[0] ? context : NULL;
  if (rc == 0 && ctx == NULL) {
    rc = get_string(k, root, "current-context", &ctx);
    if (rc == 0 && ctx == NULL)
      rc = kc_fail(k, ADM_EMISSING, NULL, "current-context", "missing, and no context was named");
  }
  yaml_node_t *cx = NULL, *cl = NULL, *u = NULL;
  const char *cluster = NULL, *user = NULL;
  if (rc == 0)
    rc = find_named(k, root, "contexts", "context", ctx, &cx);
  if (rc == 0)
    rc = get_string(k, cx, "cluster", &cluster);
  if (rc == 0)
    rc = get_string(k, cx, "user", &user);
  if (rc == 0 && cluster == NULL)
    rc = kc_fail(k, ADM_EMISSING, cx, "context.cluster", "missing");
  if (rc == 0 && user == NULL)
    rc = kc_fail(k, ADM_EMISSING, cx, "context.user", "missing");
  if (rc == 0)
    rc = find_named(k, root, "clusters", "cluster", cluster, &cl);
  if (rc == 0)
    rc = find_named(k, root, "users", "user", user, &u);
  if (rc == 0)
    rc = read_cluster(k, c, cl);
  if (rc == 0)
    rc = read_user(k, c, u);
  return rc;
}

int adm_kube_config_from_kubeconfig(const char *path, const char *context, struct adm_kube_config **out,
                                    struct adm_error *err) {
  *out = NULL;
  char *text = NULL;
  size_t len = 0;
  int rc = adm_read_regular_file(path, KUBECONFIG_MAX, &text, &len, err);
  if (rc < 0)
    return rc;
  struct kc k = {.path = path, .err = err};
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    free(text);
    return adm_fail(err, ADM_ENOMEM, path, "out of memory");
  }
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  if (!yaml_parser_load(&parser, &k.doc)) {
    char where[256];
    snprintf(where, sizeof where, "%.200s:%zu:%zu", path, parser.problem_mark.line + 1, parser.problem_mark.column + 1);
    rc = adm_fail(err, parser.error == YAML_MEMORY_ERROR ? ADM_ENOMEM : ADM_EPARSE, where, "%.200s",
                  parser.problem ? parser.problem : "malformed YAML");
    yaml_parser_delete(&parser);
    free(text);
    return rc;
  }
  struct adm_kube_config *c = config_new();
  if (c == NULL)
    rc = adm_fail(err, ADM_ENOMEM, "", "out of memory");
  else
    rc = read_kubeconfig(&k, context, c);
  yaml_document_delete(&k.doc);
  yaml_parser_delete(&parser);
  free(text);
  if (rc < 0) {
    adm_kube_config_free(c);
    return rc;
  }
  *out = c;
  return 0;
}
