/* The flags of `admitd serve`: what they set, how they are parsed, and
 * the help text, all from one table in serve_flags.c. */
#ifndef ADMITD_SERVE_FLAGS_H
#define ADMITD_SERVE_FLAGS_H

#include <stddef.h>
#include <stdio.h>

#include "admitd/record.h"
#include "http.h"
#include "tls.h"

/* Everything the flags set. Strings are borrowed from argv. */
struct adm__serve_args {
  struct adm_server_options opt;
  const char *cert, *key, *config, *self_signed_out, *metrics_listen, *client_ca;
  const char *kubeconfig, *kube_context;
  char client_cn[ADM_TLS_MAX_CLIENT_NAMES][ADM_TLS_MAX_CLIENT_NAME + 1];
  size_t n_client_cn;
  unsigned long long grace_ms;
  struct adm_recorder_options record;
};

/* What adm__serve_flags_parse found: serve, or only the help was asked for. */
enum { ADM__SERVE_FLAGS_SERVE = 0, ADM__SERVE_FLAGS_HELP = 1 };

/* Fill *a with the defaults, then the flags of argv (argv[0] is the
 * subcommand's name). Returns ADM__SERVE_FLAGS_SERVE, ADM__SERVE_FLAGS_HELP
 * with the help written to out, or -1 with the reason written to err
 * (getopt_long's own complaints go to stderr). --log-level takes effect
 * as it is parsed. */
int adm__serve_flags_parse(int argc, char **argv, struct adm__serve_args *a, FILE *out, FILE *err);

/* `admitd serve --help`: one entry per flag, its default last. */
void adm__serve_flags_usage(FILE *f);

#endif
