/* admitd's entry point: subcommand dispatch, the signal loop of `serve`
 * (SIGHUP and file changes reload, SIGTERM/SIGINT drain), and the startup
 * log. Owns process-wide state; the serve flags are in serve_flags.c, the
 * request path in http.c. */
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <jansson.h>
#include <malloc.h>
#include <pthread.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

#include "admitd/cli.h"
#include "admitd/facts_backend.h"
#include "admitd/family.h"
#include "http.h"
#include "admitd/file.h"
#include "admitd/log.h"
#include "admitd/record.h"
#include "metrics.h"
#include "namespaces.h"
#include "admitd/registry.h"
#include "admitd/reload.h"
#include "serve_flags.h"
#include "tls.h"

static void print_version(void) {
  int ymaj, ymin, ypatch;
  yaml_get_version(&ymaj, &ymin, &ypatch);
  printf("admitd %s\n", ADMITD_VERSION);
  printf("  libmicrohttpd %s\n", MHD_get_version());
  printf("  gnutls %s\n", gnutls_check_version(NULL));
  printf("  jansson %s\n", jansson_version_str());
  printf("  libyaml %d.%d.%d\n", ymaj, ymin, ypatch);
  printf("  libcurl %s\n", adm_registry_curl_version());
  const struct adm_registry *reg = adm_registry_default();
  printf("  pod security standards v1.0..v1.%d (latest = v1.%d)\n", reg->max_minor, reg->max_minor);
}

/* One line per check of every family, in the table's order: a check of
 * levels with its id, level, versions and summary; a rule check with its
 * id, family and summary. */
static int list_checks(void) {
  for (int f = 0; f < ADM__FAMILY_COUNT; f++) {
    const struct adm_family *fam = &adm_families[f];
    for (const struct adm_check *const *t = fam->level_checks; t && *t; t++) {
      const struct adm_check *c = *t;
      char versions[128] = "";
      size_t n = 0;
      for (int i = 0; i < ADM_CHECK_MAX_VERSIONS && c->versions[i].fn && n < sizeof versions; i++)
        n += (size_t)snprintf(versions + n, sizeof versions - n, "%sv1.%d", i ? "," : "", c->versions[i].min_minor);
      printf("%-28s %-10s %-30s %s\n", c->id, adm_level_name(c->level), versions, c->summary);
    }
    for (const struct adm_rule_check *const *t = fam->checks; t && *t; t++)
      printf("%-44s %-15s %s\n", (*t)->id, fam->name, (*t)->summary);
  }
  return 0;
}

static void usage(FILE *f) {
  fprintf(f, "usage: admitd COMMAND [OPTIONS]\n"
             "\n"
             "commands:\n"
             "  serve          serve AdmissionReview over HTTPS (see admitd serve --help)\n"
             "  check          judge manifests and recorded AdmissionReviews offline\n"
             "  test           run policy test suites (*.test.yaml)\n"
             "  replay         re-decide recorded requests under a candidate policy, or turn them into tests\n"
             "  check-config   validate a policy file\n"
             "  verify-bundle  verify a Sigstore bundle offline against a trusted root or a key\n"
             "  explain-image  what each verify rule found for an image: signatures, referrers, outcome\n"
             "  checks         list every check: Pod Security's with their versions, then each family's\n"
             "  keys           list every key of the policy file with its one-line doc\n"
             "  version        print versions of admitd and its libraries\n"
             "  help           this text\n");
}

/* Write the self-signed certificate where a client can find it to trust it. */
static int write_self_signed(const char *requested, const gnutls_datum_t *pem, char *path, size_t pathlen) {
  int fd;
  if (requested) {
    snprintf(path, pathlen, "%s", requested);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  } else {
    const char *tmp = getenv("TMPDIR");
    snprintf(path, pathlen, "%s/admitd-self-signed-XXXXXX.pem", tmp && tmp[0] ? tmp : "/tmp");
    fd = mkstemps(path, 4);
    if (fd >= 0)
      fchmod(fd, 0644);
  }
  if (fd < 0)
    return -1;
  ssize_t n = write(fd, pem->data, pem->size);
  close(fd);
  return n == (ssize_t)pem->size ? 0 : -1;
}

static int load_tls(const struct adm__serve_args *a) {
  struct adm_tls_creds *creds;
  struct adm_error err = {0};
  char msg[1024];
  if (a->cert) {
    if (adm_tls_creds_load(a->cert, a->key, &creds, &err) < 0) {
      adm_error_format(&err, msg, sizeof msg);
      adm_log(ADM_LOG_ERROR, "TLS: %s", msg);
      return -1;
    }
    adm_tls_publish(creds);
    return 0;
  }
  gnutls_datum_t pem;
  if (adm_tls_creds_self_signed(&creds, &pem, &err) < 0) {
    adm_error_format(&err, msg, sizeof msg);
    adm_log(ADM_LOG_ERROR, "TLS: %s", msg);
    return -1;
  }
  char path[4096];
  int wrc = write_self_signed(a->self_signed_out, &pem, path, sizeof path);
  gnutls_free(pem.data);
  if (wrc < 0) {
    adm_log(ADM_LOG_ERROR, "TLS: cannot write the self-signed certificate to %s: %s", path, strerror(errno));
    return -1;
  }
  adm_tls_publish(creds);
  adm_log(ADM_LOG_WARN,
          "NO CERTIFICATE GIVEN: serving with a self-signed certificate for localhost/127.0.0.1 made in memory; "
          "trust it with: curl --cacert %s (for production pass --tls-cert and --tls-key)",
          path);
  return 0;
}

/* --client-ca and --client-cn, before the server starts: a file that does
 * not load stops admitd, since serving without it would answer anyone. */
static int load_client_auth(const struct adm__serve_args *a) {
  if (a->client_ca == NULL)
    return 0;
  struct adm_tls_client_ca *ca;
  struct adm_error err = {0};
  char msg[1024];
  const char *names[ADM_TLS_MAX_CLIENT_NAMES];
  for (size_t i = 0; i < a->n_client_cn; i++)
    names[i] = a->client_cn[i];
  if (adm_tls_client_names_set(names, a->n_client_cn, &err) < 0 ||
      adm_tls_client_ca_load(a->client_ca, &ca, &err) < 0) {
    adm_error_format(&err, msg, sizeof msg);
    adm_log(ADM_LOG_ERROR, "client CA: %s", msg);
    return -1;
  }
  unsigned n = adm_tls_client_ca_count(ca);
  adm_tls_client_ca_publish(ca);
  char list[ADM_TLS_MAX_CLIENT_NAMES * (ADM_TLS_MAX_CLIENT_NAME + 2) + 16] = "any common name";
  size_t used = 0;
  for (size_t i = 0; i < a->n_client_cn; i++)
    used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "common name ", a->client_cn[i]);
  adm_log(ADM_LOG_INFO,
          "client certificates: every path but /healthz, /livez and /readyz answers only a certificate from the %u "
          "CA(s) of %s, with %s",
          n, a->client_ca, list);
  return 0;
}

/* How long a reload that starts reading namespaces waits for their first list. */
#define NAMESPACES_RELOAD_WAIT_MS 5000

/* Where namespaces are read from, once a policy reads their labels. */
static struct adm__namespaces_options namespaces_from;

/* A policy that reads namespace labels needs them read: started with the
 * first such policy, and a policy is refused (at start, or on reload) when
 * they cannot be. */
static int namespaces_for(const struct adm_config *cfg, struct adm_error *err) {
  return cfg->reads_namespace_labels ? adm__namespaces_start(&namespaces_from, err) : 0;
}

/* /readyz waits for the namespaces only when the policy in force reads
 * their labels: a reload that starts reading them keeps serving meanwhile. */
static bool namespaces_ready_for_policy(void) {
  struct adm_config *cfg = adm_config_pin();
  bool needed = cfg != NULL && cfg->reads_namespace_labels;
  adm_config_unpin(cfg);
  return !needed || adm__namespaces_ready();
}

/* Read the policy file whose stamp was `before`; publish only if the file
 * still has that stamp afterwards, so a read that raced a writer is thrown
 * away (w reads it again once it is stable) instead of applying a prefix. */
static void reload_config(const char *path, struct adm_file_watch *w, const struct adm_file_stamp *before) {
  struct adm_config *cfg = NULL;
  struct adm_error err = {0};
  int rc = adm_config_load(path, &cfg, &err);
  struct adm_file_stamp after;
  adm_file_stamp(path, &after);
  if (!adm_file_watch_settle(w, before, &after)) {
    if (rc == 0)
      adm_config_free(cfg);
    adm_log(ADM_LOG_DEBUG, "policy file %s changed while being read; reading it again once it is stable", path);
    return;
  }
  if (rc == 0 && namespaces_for(cfg, &err) < 0) {
    adm_config_free(cfg);
    rc = -1;
  }
  /* A reload that starts reading namespaces keeps the previous policy in
   * force while the first list is made, so that every replica reloading
   * at once does not go unready together; past the wait it is published
   * anyway, and /readyz says what is missing. */
  if (rc == 0 && cfg->reads_namespace_labels && !adm__namespaces_wait_ready(NAMESPACES_RELOAD_WAIT_MS))
    adm_log(ADM_LOG_WARN, "namespaces not listed within %d ms; the new policy is in force and /readyz waits for them",
            NAMESPACES_RELOAD_WAIT_MS);
  if (rc < 0) {
    char msg[1024];
    adm_error_format(&err, msg, sizeof msg);
    adm_log(ADM_LOG_ERROR, "policy reload rejected, the previous policy stays in force: %s", msg);
    adm_metrics_reload(ADM_METRICS_RELOAD_CONFIG, false);
    return;
  }
  adm_config_publish(cfg);
  adm_metrics_reload(ADM_METRICS_RELOAD_CONFIG, true);
  adm_log(ADM_LOG_INFO, "policy reloaded from %s", path);
}

static void reload_tls(const struct adm__serve_args *a) {
  struct adm_tls_creds *creds;
  struct adm_error err = {0};
  if (adm_tls_creds_load_changed(a->cert, a->key, &creds, &err) < 0) {
    char msg[1024];
    adm_error_format(&err, msg, sizeof msg);
    adm_log(ADM_LOG_ERROR, "certificate reload rejected, the previous certificate stays in use: %s", msg);
    adm_metrics_reload(ADM_METRICS_RELOAD_CERTIFICATE, false);
    return;
  }
  /* Every SIGHUP comes here; files with the same bytes (or rewritten with
   * them) are not worth a new credential set. */
  if (creds == NULL) {
    adm_log(ADM_LOG_DEBUG, "certificate files unchanged; the certificate in use stays");
    return;
  }
  adm_tls_publish(creds);
  adm_metrics_reload(ADM_METRICS_RELOAD_CERTIFICATE, true);
  adm_log(ADM_LOG_INFO, "certificate reloaded from %s", a->cert);
}

static void reload_client_ca(const char *path) {
  struct adm_tls_client_ca *ca;
  struct adm_error err = {0};
  if (adm_tls_client_ca_load_changed(path, &ca, &err) < 0) {
    char msg[1024];
    adm_error_format(&err, msg, sizeof msg);
    adm_log(ADM_LOG_ERROR, "client CA reload rejected, the previous client CA stays in use: %s", msg);
    adm_metrics_reload(ADM_METRICS_RELOAD_CLIENT_CA, false);
    return;
  }
  if (ca == NULL) {
    adm_log(ADM_LOG_DEBUG, "client CA file unchanged; the client CA in use stays");
    return;
  }
  unsigned n = adm_tls_client_ca_count(ca);
  adm_tls_client_ca_publish(ca);
  adm_metrics_reload(ADM_METRICS_RELOAD_CLIENT_CA, true);
  adm_log(ADM_LOG_INFO, "client CA reloaded from %s (%u CA certificate(s))", path, n);
}

static long long monotonic_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Refuse new connections at once, then keep answering (with Connection:
 * close) whatever arrives on the open ones until they are all closed or
 * the grace period, to the millisecond, is over. A request already sent on
 * a pooled keep-alive connection is answered, never dropped: the API
 * server does not retry a POST that ends in EOF. */
static void drain(struct adm_server *srv, unsigned long long grace_ms) {
  adm_server_drain(srv);
  long long end = monotonic_ms() + (long long)grace_ms;
  for (;;) {
    unsigned busy = adm_server_in_flight(srv), open = adm_server_connections(srv);
    if (busy == 0 && open == 0)
      break;
    long long left = end - monotonic_ms();
    if (left <= 0) {
      adm_log(ADM_LOG_WARN, "grace period over with %u request(s) in flight and %u connection(s) open; closing", busy,
              open);
      break;
    }
    struct timespec pause = {0, (long)(left < 10 ? left : 10) * 1000000L};
    nanosleep(&pause, NULL);
  }
}

static void server_gauges(void *ctx, struct adm_metrics_gauges *g) {
  adm_server_metrics_gauges(ctx, g);
}

/* The plain-HTTP metrics listener, beside the TLS port (logged like it). */
static int start_metrics(const char *listen, struct adm_server *srv, struct adm_metrics_listener **out) {
  struct sockaddr_storage ss;
  socklen_t len;
  bool v6;
  struct adm_error err = {0};
  char msg[1024];
  if (adm_parse_listen(listen, &ss, &len, &v6, &err) == 0 &&
      adm_metrics_listener_start((struct sockaddr *)&ss, server_gauges, srv, out, &err) == 0) {
    adm_log(ADM_LOG_INFO, "metrics on http://%s/metrics (port %u)", listen, adm_metrics_listener_port(*out));
    return 0;
  }
  snprintf(err.where, sizeof err.where, "--metrics-listen");
  adm_error_format(&err, msg, sizeof msg);
  adm_log(ADM_LOG_ERROR, "%s", msg);
  return -1;
}

static int serve(int argc, char **argv) {
  struct adm__serve_args a = {0};
  int parsed = adm__serve_flags_parse(argc, argv, &a, stdout, stderr);
  if (parsed < 0)
    return 2;
  if (parsed == ADM__SERVE_FLAGS_HELP)
    return 0;
  /* Threads inherit this mask, so only the loop below sees these signals. */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);
  /* Bodies are malloc'd whole (up to --max-body-bytes). A fixed mmap
   * threshold keeps every large one in its own mapping, returned to the
   * kernel on free; glibc's sliding threshold would otherwise move them
   * into per-thread heaps that stay resident, and RSS would stop tracking
   * the memory budget. */
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  adm_registry_default();
  adm_metrics_init();

  struct adm_config *cfg;
  struct adm_error err = {0};
  char msg[1024];
  if (a.config) {
    if (adm_config_load(a.config, &cfg, &err) < 0) {
      adm_error_format(&err, msg, sizeof msg);
      adm_log(ADM_LOG_ERROR, "policy: %s", msg);
      return 1;
    }
  } else {
    cfg = adm_config_default();
  }
  namespaces_from = (struct adm__namespaces_options){a.kubeconfig, a.kube_context};
  if (cfg != NULL && namespaces_for(cfg, &err) < 0) {
    adm_error_format(&err, msg, sizeof msg);
    adm_log(ADM_LOG_ERROR, "policy: %s", msg);
    adm_config_free(cfg);
    return 1;
  }
  a.opt.namespaces = adm__namespaces_source();
  a.opt.also_ready = namespaces_ready_for_policy;
  a.opt.namespace_stats = adm__namespaces_stats;
  adm_config_publish(cfg);
  if (load_tls(&a) < 0 || load_client_auth(&a) < 0)
    return 1;
  struct adm_recorder *rec = NULL;
  if (a.record.path) {
    if (adm_recorder_start(&a.record, &rec, &err) < 0) {
      adm_error_format(&err, msg, sizeof msg);
      adm_log(ADM_LOG_ERROR, "%s", msg);
      return 1;
    }
    adm_recorder_install(rec);
    adm_log(ADM_LOG_INFO, "recording decided requests to %s (rotated at %llu bytes)", a.record.path,
            a.record.max_bytes);
  }
  struct adm_server *srv;
  if (adm_server_start(&a.opt, &srv, &err) < 0) {
    adm_error_format(&err, msg, sizeof msg);
    adm_log(ADM_LOG_ERROR, "%s", msg);
    adm_recorder_install(NULL);
    adm_recorder_stop(rec);
    return 1;
  }
  if (rec)
    adm_recorder_set_budget(rec, adm_server_budget(srv));
  adm_log(ADM_LOG_INFO, "admitd %s serving on %s (port %u), policy %s", ADMITD_VERSION, a.opt.listen,
          adm_server_port(srv), a.config ? a.config : "<built-in: enforce baseline, warn+audit restricted>");
  struct adm_metrics_listener *metrics = NULL;
  if (a.metrics_listen && start_metrics(a.metrics_listen, srv, &metrics) < 0) {
    adm_server_stop(srv);
    return 1;
  }
  adm_log(ADM_LOG_INFO,
          "limits: memory budget %zu bytes, %u decode slots, %u connections (%u per address), %s, request timeout "
          "%u ms",
          adm_server_budget(srv)->limit, a.opt.max_concurrent_decodes, a.opt.max_connections,
          a.opt.max_connections_per_ip, a.opt.io_threads ? "epoll workers" : "a thread per connection",
          a.opt.request_timeout_ms);

  struct adm_file_stamp cfg_stamp, cert_stamp, key_stamp, client_ca_stamp;
  adm_file_stamp(a.config, &cfg_stamp);
  adm_file_stamp(a.cert, &cert_stamp);
  adm_file_stamp(a.key, &key_stamp);
  adm_file_stamp(a.client_ca, &client_ca_stamp);
  unsigned long long served_at_trim = 0;
  for (;;) {
    struct timespec tick = {1, 0};
    int sig = sigtimedwait(&set, NULL, &tick);
    /* Connection threads leave freed memory in glibc's per-thread arenas;
     * once traffic stops, hand it back so an idle replica stays small. */
    unsigned long long served = adm_server_requests(srv);
    if (sig < 0 && served != served_at_trim && adm_server_in_flight(srv) == 0) {
      malloc_trim(0);
      served_at_trim = served;
    }
    if (sig == SIGTERM || sig == SIGINT) {
      adm_log(ADM_LOG_INFO, "received %s: draining (grace period %llu ms)", sig == SIGTERM ? "SIGTERM" : "SIGINT",
              a.grace_ms);
      break;
    }
    bool forced = sig == SIGHUP;
    /* Snapshots a publish could not free yet (a reader was mid-pin). */
    adm_config_reclaim();
    if (a.config) {
      /* A ConfigMap or Secret volume is updated atomically (a new ..data
       * directory, then one symlink rename), so kubelet never shows a half
       * file; a file edited in place (hostPath, an editor, kubectl cp) can
       * be. So read only once the stamp has held for a tick: a change costs
       * one extra second, never a half-written policy. */
      static struct adm_file_watch cfg_watch;
      static bool cfg_watching;
      if (!cfg_watching) {
        adm_file_watch_init(&cfg_watch, &cfg_stamp);
        cfg_watching = true;
      }
      struct adm_file_stamp now;
      adm_file_stamp(a.config, &now);
      if (adm_file_watch_poll(&cfg_watch, &now, forced))
        reload_config(a.config, &cfg_watch, &now);
    }
    if (a.cert) {
      struct adm_file_stamp c, k;
      adm_file_stamp(a.cert, &c);
      adm_file_stamp(a.key, &k);
      if (forced ||
          (c.exists && k.exists && (adm_file_stamp_changed(&c, &cert_stamp) || adm_file_stamp_changed(&k, &key_stamp))))
        reload_tls(&a);
      cert_stamp = c;
      key_stamp = k;
    }
    if (a.client_ca) {
      /* As the certificate: a Secret volume swaps the file whole. */
      struct adm_file_stamp c;
      adm_file_stamp(a.client_ca, &c);
      if (forced || (c.exists && adm_file_stamp_changed(&c, &client_ca_stamp)))
        reload_client_ca(a.client_ca);
      client_ca_stamp = c;
    }
  }
  drain(srv, a.grace_ms);
  adm_metrics_listener_stop(metrics);
  adm_server_stop(srv);
  adm_recorder_install(NULL);
  adm_recorder_stop(rec);
  adm__namespaces_stop();
  adm_tls_shutdown();
  adm_config_publish(NULL);
  adm_log(ADM_LOG_INFO, "stopped");
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char *cmd = argv[1];
  /* Policies with verify rules get keys, a registry client and a cache
   * as they load (`admitd check --offline` swaps in its stand-in). */
  adm_fact_backend_set(&adm_registry_fact_backend);
  if (strcmp(cmd, "serve") == 0)
    return serve(argc - 1, argv + 1);
  if (strcmp(cmd, "check") == 0)
    return adm_cli_check(argc - 1, argv + 1);
  if (strcmp(cmd, "keys") == 0) {
    adm_config_keys_print(stdout);
    return 0;
  }
  if (strcmp(cmd, "test") == 0)
    return adm_cli_test(argc - 1, argv + 1);
  if (strcmp(cmd, "replay") == 0)
    return adm_cli_replay(argc - 1, argv + 1);
  if (strcmp(cmd, "checks") == 0)
    return list_checks();
  if (strcmp(cmd, "check-config") == 0)
    return adm_cli_check_config(argc - 1, argv + 1);
  if (strcmp(cmd, "verify-bundle") == 0)
    return adm_cli_verify_bundle(argc - 1, argv + 1);
  if (strcmp(cmd, "explain-image") == 0)
    return adm_cli_explain_image(argc - 1, argv + 1);
  if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
    print_version();
    return 0;
  }
  if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
    usage(stdout);
    return 0;
  }
  fprintf(stderr, "admitd: unknown command \"%s\"\n", cmd);
  usage(stderr);
  return 2;
}
