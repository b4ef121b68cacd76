/* The `admitd serve` flags as one table: each flag's name, the name of its
 * value, how the value is parsed and bounded, where it is stored, its
 * default as documented, and its one-line doc. getopt_long's option array
 * and `admitd serve --help` are built from the table, and
 * hack/verify-docs.sh checks the README's flag table against that help, so
 * a flag cannot be parsed without being documented, nor documented with
 * another default (the unit test proves each stated default is the real
 * one). This file only reads text: files and addresses are opened, and
 * refused if bad, when the server starts. */
#include "serve_flags.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "admitd/log.h"

enum flag_type {
  FLAG_ADDRESS,  /* ADDR:PORT, stored as given */
  FLAG_PATH,     /* a file name, stored as given */
  FLAG_COUNT,    /* a whole number from min to max */
  FLAG_BYTES,    /* SIZE[K|M|G|Ki|Mi|Gi], at least `least` */
  FLAG_DURATION, /* 10 (seconds), 1.5s or 1500ms, kept in milliseconds, up to max */
  FLAG_SETTER,   /* set() parses and stores: enums, lists, flags that set two fields */
};

struct serve_flag {
  const char *name; /* without its dashes */
  const char *arg;  /* what the value is called in --help */
  enum flag_type type;
  size_t offset, size;         /* the field of struct adm__serve_args the value goes to */
  unsigned long long min, max; /* FLAG_COUNT: bounds; FLAG_DURATION: the longest, in ms */
  const char *least;           /* FLAG_BYTES: the smallest value, as the error says it */
  int (*set)(const char *value, struct adm__serve_args *a, FILE *err);
  const char *def; /* the default, as --help and the README say it */
  const char *doc; /* NULL: documented with the flag before it */
};

#define FIELD(member) offsetof(struct adm__serve_args, member), sizeof(((struct adm__serve_args *)0)->member)

static int set_log_level(const char *value, struct adm__serve_args *a, FILE *err);
static int set_client_ca(const char *value, struct adm__serve_args *a, FILE *err);
static int add_client_cn(const char *value, struct adm__serve_args *a, FILE *err);

/* In the order of --help and the README. */
static const struct serve_flag flags[] = {
    {.name = "listen",
     .arg = "ADDR:PORT",
     .type = FLAG_ADDRESS,
     FIELD(opt.listen),
     .def = "127.0.0.1:8443",
     .doc = "address to listen on"},
    {.name = "tls-cert",
     .arg = "FILE",
     .type = FLAG_PATH,
     FIELD(cert),
     .def = "self-signed, made in memory",
     .doc = "PEM certificate chain and key; reloaded when they change"},
    {.name = "tls-key", .arg = "FILE", .type = FLAG_PATH, FIELD(key), .def = "self-signed, made in memory"},
    {.name = "self-signed-cert-out",
     .arg = "FILE",
     .type = FLAG_PATH,
     FIELD(self_signed_out),
     .def = "a new file under $TMPDIR or /tmp, logged at start",
     .doc = "where to write the self-signed certificate"},
    {.name = "config",
     .arg = "FILE",
     .type = FLAG_PATH,
     FIELD(config),
     .def = "the built-in policy",
     .doc = "policy file; reloaded on SIGHUP and when the file changes"},
    {.name = "max-body-bytes",
     .arg = "N",
     .type = FLAG_COUNT,
     FIELD(opt.max_body_bytes),
     .min = 1,
     .max = 1ull << 30,
     .def = "7340032",
     .doc = "largest request body"},
    {.name = "max-connections",
     .arg = "N",
     .type = FLAG_COUNT,
     FIELD(opt.max_connections),
     .max = 65536,
     .def = "512",
     .doc = "open connections in all; the last eighth is a reserve for new ones"},
    {.name = "max-connections-per-ip",
     .arg = "N",
     .type = FLAG_COUNT,
     FIELD(opt.max_connections_per_ip),
     .max = 65536,
     .def = "128",
     .doc = "open connections from one address, 0 for no limit"},
    {.name = "idle-timeout",
     .arg = "SECONDS",
     .type = FLAG_COUNT,
     FIELD(opt.idle_timeout_s),
     .max = 86400,
     .def = "120",
     .doc = "close idle keep-alive connections after this"},
    {.name = "request-timeout",
     .arg = "MS",
     .type = FLAG_COUNT,
     FIELD(opt.request_timeout_ms),
     .min = 1,
     .max = 600000,
     .def = "10000",
     .doc = "a request must complete within this, counted from accept or from its request line"},
    {.name = "max-concurrent-decodes",
     .arg = "N",
     .type = FLAG_COUNT,
     FIELD(opt.max_concurrent_decodes),
     .min = 1,
     .max = 64,
     .def = "twice the CPUs the process may use",
     .doc = "bodies decoded at once, at most 64; the CPUs are the affinity mask lowered to the cgroup's cpu.max"},
    {.name = "memory-budget",
     .arg = "BYTES",
     .type = FLAG_BYTES,
     FIELD(opt.memory_budget_bytes),
     .least = "1Mi",
     .def = "half the cgroup memory limit; 256Mi without one",
     .doc = "bodies and decoded trees of all requests together; K, M, G (or Ki, Mi, Gi) suffixes"},
    {.name = "io-threads",
     .arg = "N",
     .type = FLAG_COUNT,
     FIELD(opt.io_threads),
     .max = 64,
     .def = "0",
     .doc = "0: a thread per connection; N: N epoll workers"},
    {.name = "max-json-depth",
     .arg = "N",
     .type = FLAG_COUNT,
     FIELD(opt.max_json_depth),
     .min = 8,
     .max = 1000,
     .def = "100",
     .doc = "deepest JSON nesting accepted"},
    {.name = "grace-period",
     .arg = "DURATION",
     .type = FLAG_DURATION,
     FIELD(grace_ms),
     .max = 3600ull * 1000,
     .def = "10s",
     .doc = "on SIGTERM, answer requests on open connections (with Connection: close) for up to this long: 10, "
            "1.5s, 1500ms"},
    {.name = "log-level",
     .arg = "LEVEL",
     .type = FLAG_SETTER,
     .set = set_log_level,
     .def = "info",
     .doc = "error, warn, info or debug"},
    {.name = "record",
     .arg = "FILE",
     .type = FLAG_PATH,
     FIELD(record.path),
     .def = "off",
     .doc = "append each decided request and its decision to FILE as JSON lines, secrets redacted, for admitd "
            "replay"},
    {.name = "record-max-bytes",
     .arg = "BYTES",
     .type = FLAG_BYTES,
     FIELD(record.max_bytes),
     .least = "4096",
     .def = "64Mi",
     .doc = "rotate FILE to FILE.1 past this size; K, M, G, Ki, Mi, Gi"},
    {.name = "metrics-listen",
     .arg = "ADDR:PORT",
     .type = FLAG_ADDRESS,
     FIELD(metrics_listen),
     .def = "only on the serving port, over TLS",
     .doc = "also serve GET /metrics over plain HTTP here"},
    {.name = "client-ca",
     .arg = "FILE",
     .type = FLAG_SETTER,
     .set = set_client_ca,
     .def = "off",
     .doc = "PEM CA certificates: every path but /healthz, /livez and /readyz answers only a client certificate "
            "issued by one (the API server's); reloaded when it changes"},
    {.name = "client-cn",
     .arg = "NAME",
     .type = FLAG_SETTER,
     .set = add_client_cn,
     .def = "any",
     .doc = "with --client-ca, the subject CN the client certificate must have; repeat it or give a comma list"},
    {.name = "kubeconfig",
     .arg = "FILE",
     .type = FLAG_PATH,
     FIELD(kubeconfig),
     .def = "in-cluster service account",
     .doc = "the API server to read namespaces from, when the policy reads namespace labels (token or client "
            "certificate; exec plugins are refused)"},
    {.name = "kube-context",
     .arg = "NAME",
     .type = FLAG_PATH,
     FIELD(kube_context),
     .def = "the kubeconfig's current-context",
     .doc = "with --kubeconfig, the context to use"},
};

enum { N_FLAGS = sizeof flags / sizeof flags[0], FLAG_VAL0 = 1000 };

static int set_log_level(const char *value, struct adm__serve_args *a, FILE *err) {
  (void)a;
  enum adm_log_level lvl;
  if (adm_log_level_parse(value, &lvl) < 0) {
    fprintf(err, "admitd serve: --log-level: want error, warn, info or debug, got \"%s\"\n", value);
    return -1;
  }
  adm_log_set_level(lvl);
  return 0;
}

static int set_client_ca(const char *value, struct adm__serve_args *a, FILE *err) {
  (void)err;
  a->client_ca = value;
  a->opt.client_auth = true;
  return 0;
}

/* NAME[,NAME...], added to the names already given. */
static int add_client_cn(const char *value, struct adm__serve_args *a, FILE *err) {
  const char *s = value;
  for (;;) {
    size_t len = strcspn(s, ",");
    if (len == 0 || len > ADM_TLS_MAX_CLIENT_NAME || a->n_client_cn == ADM_TLS_MAX_CLIENT_NAMES) {
      fprintf(err, "admitd serve: --client-cn: want up to %d names of 1 to %d bytes, got \"%s\"\n",
              ADM_TLS_MAX_CLIENT_NAMES, ADM_TLS_MAX_CLIENT_NAME, s);
      return -1;
    }
    snprintf(a->client_cn[a->n_client_cn++], sizeof a->client_cn[0], "%.*s", (int)len, s);
    if (s[len] == '\0')
      return 0;
    s += len + 1;
  }
}

/* A whole number up to max. */
static int count_value(const char *s, unsigned long long max, unsigned long long *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end != '\0' || end == s || s[0] == '-' || v > max)
    return -1;
  *out = v;
  return 0;
}

/* SIZE[K|M|G|Ki|Mi|Gi]: bytes, with decimal or binary multipliers, up to 16Ti. */
static int bytes_value(const char *s, unsigned long long *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  unsigned long long mult = 1;
  if (end[0] != '\0') {
    static const struct {
      const char *suffix;
      unsigned long long mult;
    } units[] = {{"K", 1000ull},     {"M", 1000000ull},  {"G", 1000000000ull},
                 {"Ki", 1ull << 10}, {"Mi", 1ull << 20}, {"Gi", 1ull << 30}};
    mult = 0;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
      if (strcmp(end, units[i].suffix) == 0)
        mult = units[i].mult;
  }
  if (errno || end == s || s[0] == '-' || mult == 0 || v > (1ull << 44) / mult)
    return -1;
  *out = v * mult;
  return 0;
}

/* A duration in milliseconds up to max_ms: "10" (seconds), "1.5s", "1500ms". */
static int duration_ms_value(const char *s, unsigned long long max_ms, unsigned long long *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  double ms;
  if (strcmp(end, "ms") == 0)
    ms = v;
  else if (strcmp(end, "s") == 0 || end[0] == '\0')
    ms = v * 1000.0;
  else
    ms = -1;
  if (errno || end == s || s[0] == '-' || !(ms >= 0) || ms > (double)max_ms)
    return -1;
  *out = (unsigned long long)(ms + 0.5);
  return 0;
}

/* A number into its field, which is 4 or 8 bytes wide (unsigned, int,
 * size_t, unsigned long long); the bounds keep an int's value positive. */
static int store_number(const struct serve_flag *f, struct adm__serve_args *a, unsigned long long v) {
  char *dst = (char *)a + f->offset;
  if (f->size == sizeof(uint32_t) && v <= UINT32_MAX) {
    uint32_t n = (uint32_t)v;
    memcpy(dst, &n, sizeof n);
    return 0;
  }
  if (f->size == sizeof(uint64_t)) {
    uint64_t n = v;
    memcpy(dst, &n, sizeof n);
    return 0;
  }
  return -1;
}

/* One flag's value into *a; -1 with the reason written to err. */
static int apply(const struct serve_flag *f, const char *value, struct adm__serve_args *a, FILE *err) {
  unsigned long long v = 0;
  switch (f->type) {
  case FLAG_ADDRESS:
  case FLAG_PATH:
    if (f->size != sizeof value)
      return -1;
    memcpy((char *)a + f->offset, &value, sizeof value);
    return 0;
  case FLAG_COUNT:
    if (count_value(value, f->max, &v) < 0) {
      fprintf(err, "admitd serve: %s: want a whole number up to %llu, got \"%s\"\n", f->name, f->max, value);
      return -1;
    }
    if (v < f->min) {
      fprintf(err, "admitd serve: %s: want a whole number from %llu to %llu, got \"%s\"\n", f->name, f->min, f->max,
              value);
      return -1;
    }
    return store_number(f, a, v);
  case FLAG_BYTES: {
    unsigned long long least = 0;
    if (bytes_value(value, &v) < 0) {
      fprintf(err, "admitd serve: %s: want bytes such as 268435456, 256Mi or 1G, got \"%s\"\n", f->name, value);
      return -1;
    }
    if (bytes_value(f->least, &least) < 0 || v < least) {
      fprintf(err, "admitd serve: --%s: at least %s\n", f->name, f->least);
      return -1;
    }
    return store_number(f, a, v);
  }
  case FLAG_DURATION:
    if (duration_ms_value(value, f->max, &v) < 0) {
      fprintf(err, "admitd serve: %s: want a duration such as 10, 1.5s or 1500ms (at most %llus), got \"%s\"\n",
              f->name, f->max / 1000, value);
      return -1;
    }
    return store_number(f, a, v);
  case FLAG_SETTER:
    return f->set(value, a, err);
  }
  return -1;
}

enum { HELP_COLUMN = 32, HELP_WIDTH = 92 };

/* Bound between two words that --help keeps on one line ("(default 128)"). */
#define HELP_GLUE '\x1f'

/* Words of text from column col on, wrapped at HELP_WIDTH under HELP_COLUMN. */
static void help_words(FILE *f, size_t col, const char *text) {
  bool first = true;
  for (const char *p = text; *p;) {
    size_t len = strcspn(p, " ");
    if (!first && col + 1 + len > HELP_WIDTH) {
      fprintf(f, "\n%*s", HELP_COLUMN, "");
      col = HELP_COLUMN;
    } else if (!first) {
      fputc(' ', f);
      col++;
    }
    for (size_t i = 0; i < len; i++)
      fputc(p[i] == HELP_GLUE ? ' ' : p[i], f);
    col += len;
    first = false;
    p += len;
    p += strspn(p, " ");
  }
  fputc('\n', f);
}

void adm__serve_flags_usage(FILE *f) {
  fputs("usage: admitd serve [OPTIONS]\n", f);
  for (size_t i = 0; i < N_FLAGS; i++) {
    const struct serve_flag *fl = &flags[i];
    if (fl->doc == NULL)
      continue;
    int col = fprintf(f, "  --%s %s", fl->name, fl->arg);
    for (size_t j = i + 1; j < N_FLAGS && flags[j].doc == NULL; j++)
      col += fprintf(f, " --%s %s", flags[j].name, flags[j].arg);
    col += fprintf(f, "%*s", col < HELP_COLUMN ? HELP_COLUMN - col : 1, "");
    char text[1024];
    /* "(default" and the default's first word stay on one line. */
    snprintf(text, sizeof text, "%s (default%c%s)", fl->doc, HELP_GLUE, fl->def);
    help_words(f, col > 0 ? (size_t)col : 0, text);
  }
}

int adm__serve_flags_parse(int argc, char **argv, struct adm__serve_args *a, FILE *out, FILE *err) {
  struct option longopts[N_FLAGS + 2];
  for (size_t i = 0; i < N_FLAGS; i++)
    longopts[i] = (struct option){flags[i].name, required_argument, NULL, FLAG_VAL0 + (int)i};
  longopts[N_FLAGS] = (struct option){"help", no_argument, NULL, 'h'};
  longopts[N_FLAGS + 1] = (struct option){NULL, 0, NULL, 0};
  adm_server_options_default(&a->opt);
  adm_recorder_options_default(&a->record);
  a->grace_ms = 10000;
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    if (c >= FLAG_VAL0 && c < FLAG_VAL0 + (int)N_FLAGS) {
      if (apply(&flags[c - FLAG_VAL0], optarg, a, err) < 0)
        return -1;
    } else if (c == 'h') {
      adm__serve_flags_usage(out);
      return ADM__SERVE_FLAGS_HELP;
    } else {
      adm__serve_flags_usage(err);
      return -1;
    }
  }
  if (optind < argc) {
    fprintf(err, "admitd serve: unexpected argument \"%s\"\n", argv[optind]);
    return -1;
  }
  if ((a->cert == NULL) != (a->key == NULL)) {
    fprintf(err, "admitd serve: --tls-cert and --tls-key go together\n");
    return -1;
  }
  if (a->n_client_cn > 0 && a->client_ca == NULL) {
    fprintf(err, "admitd serve: --client-cn needs --client-ca\n");
    return -1;
  }
  return ADM__SERVE_FLAGS_SERVE;
}
