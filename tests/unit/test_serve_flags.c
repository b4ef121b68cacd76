/* server/serve_flags.c: the table is well formed, every default it states
 * is the one admitd really starts with, every flag reaches its own field
 * (whatever the table's order), every error says what it always said with
 * exit status 2 for the caller, and --help shows each flag once with its
 * default last, where hack/verify-docs.sh reads it. */
#include "helpers.h"

#include <limits.h>
#include <stdio.h>

#include "serve_flags.c"

/* Defaults worked out from the machine (CPUs, cgroup memory limit), stated
 * in words; every other default is written as a value the flag takes. */
static bool machine_default(const char *name) {
  return strcmp(name, "max-concurrent-decodes") == 0 || strcmp(name, "memory-budget") == 0;
}

static const struct serve_flag *flag_named(const char *name) {
  for (size_t i = 0; i < N_FLAGS; i++)
    if (strcmp(flags[i].name, name) == 0)
      return &flags[i];
  fail_msg("no flag --%s in the table", name);
  return NULL;
}

struct run {
  int rc;
  char out[8192], err[8192];
  struct adm__serve_args a;
};

/* adm__serve_flags_parse over "serve" and the given arguments (NULL-ended). */
static void run_args(struct run *r, const char *const *args) {
  char *argv[16];
  int argc = 0;
  argv[argc++] = (char *)"serve";
  for (; *args; args++) {
    assert_true(argc < 15);
    argv[argc++] = (char *)*args;
  }
  argv[argc] = NULL;
  char *out_text = NULL, *err_text = NULL;
  size_t out_len = 0, err_len = 0;
  FILE *out = open_memstream(&out_text, &out_len), *err = open_memstream(&err_text, &err_len);
  assert_non_null(out);
  assert_non_null(err);
  memset(&r->a, 0, sizeof r->a);
  r->rc = adm__serve_flags_parse(argc, argv, &r->a, out, err);
  assert_int_equal(fclose(out), 0);
  assert_int_equal(fclose(err), 0);
  snprintf(r->out, sizeof r->out, "%s", out_text);
  snprintf(r->err, sizeof r->err, "%s", err_text);
  free(out_text);
  free(err_text);
}

#define RUN(r, ...) run_args((r), (const char *const[]){__VA_ARGS__, NULL})

static unsigned long long field_value(const struct serve_flag *f, const struct adm__serve_args *a) {
  const char *src = (const char *)a + f->offset;
  if (f->size == sizeof(uint32_t)) {
    uint32_t n;
    memcpy(&n, src, sizeof n);
    return n;
  }
  uint64_t n;
  memcpy(&n, src, sizeof n);
  return n;
}

/* Runs first: --log-level in later tests moves the process-wide level. */
static void stated_defaults_are_the_real_ones(void **state) {
  (void)state;
  assert_true(adm_log_enabled(ADM_LOG_INFO) && !adm_log_enabled(ADM_LOG_DEBUG));
  assert_string_equal(flag_named("log-level")->def, "info");
  struct run r;
  RUN(&r, "--help");
  assert_int_equal(r.rc, ADM__SERVE_FLAGS_HELP);
  struct adm__serve_args def;
  memcpy(&def, &r.a, sizeof def);
  assert_string_equal(def.opt.listen, flag_named("listen")->def);
  for (size_t i = 0; i < N_FLAGS; i++) {
    const struct serve_flag *f = &flags[i];
    if (f->type == FLAG_PATH || (f->type == FLAG_ADDRESS && strcmp(f->name, "listen") != 0)) {
      const char *p;
      memcpy(&p, (const char *)&def + f->offset, sizeof p);
      if (p != NULL)
        fail_msg("--%s: unset by default, but the field holds \"%s\"", f->name, p);
      continue;
    }
    if (f->type != FLAG_COUNT && f->type != FLAG_BYTES && f->type != FLAG_DURATION)
      continue;
    struct adm__serve_args scratch;
    memset(&scratch, 0, sizeof scratch);
    FILE *null_err = fopen("/dev/null", "w");
    assert_non_null(null_err);
    int rc = apply(f, f->def, &scratch, null_err);
    fclose(null_err);
    if (machine_default(f->name)) {
      if (rc == 0)
        fail_msg("--%s: the default \"%s\" is machine-dependent, yet reads as a value", f->name, f->def);
      continue;
    }
    if (rc < 0)
      fail_msg("--%s: the stated default \"%s\" is not a value of the flag", f->name, f->def);
    if (field_value(f, &scratch) != field_value(f, &def))
      fail_msg("--%s: states the default %s (%llu), but starts with %llu", f->name, f->def, field_value(f, &scratch),
               field_value(f, &def));
  }
  assert_false(def.opt.client_auth);
  assert_int_equal(def.n_client_cn, 0);
}

static void table_is_well_formed(void **state) {
  (void)state;
  assert_non_null(flags[0].doc);
  for (size_t i = 0; i < N_FLAGS; i++) {
    const struct serve_flag *f = &flags[i];
    assert_true(f->name && f->name[0] && f->arg && f->arg[0] && f->def && f->def[0]);
    for (size_t j = 0; j < i; j++)
      if (strcmp(flags[j].name, f->name) == 0)
        fail_msg("--%s twice in the table", f->name);
    if (strcmp(f->name, "help") == 0)
      fail_msg("--help is not a table entry: it is added to getopt's array");
    /* Single spaces and no glue: --help's wrapping and verify-docs rely on it. */
    const char *texts[] = {f->doc ? f->doc : "", f->def};
    for (size_t t = 0; t < 2; t++)
      if (strstr(texts[t], "  ") || strchr(texts[t], HELP_GLUE) || strstr(texts[t], "(default"))
        fail_msg("--%s: \"%s\" has a double space, a glue byte or \"(default\"", f->name, texts[t]);
    if (f->doc)
      assert_true(strlen(f->doc) + strlen(f->def) + sizeof " (default )" < 1024);
    else if (strcmp(flags[i - 1].def, f->def) != 0)
      fail_msg("--%s is documented with --%s but has another default", f->name, flags[i - 1].name);
    unsigned long long least = 0;
    switch (f->type) {
    case FLAG_ADDRESS:
    case FLAG_PATH:
      assert_int_equal(f->size, sizeof(const char *));
      break;
    case FLAG_COUNT:
    case FLAG_DURATION:
      assert_true(f->size == 4 || f->size == 8);
      assert_true(f->min <= f->max && f->max > 0);
      if (f->size == 4)
        assert_true(f->max <= INT_MAX);
      break;
    case FLAG_BYTES:
      assert_int_equal(f->size, 8);
      assert_int_equal(bytes_value(f->least, &least), 0);
      break;
    case FLAG_SETTER:
      assert_non_null(f->set);
      break;
    }
  }
}

/* Each flag reaches its own field: the getopt array is built from the
 * table, so an entry's position cannot send its value elsewhere. */
static void every_number_reaches_its_own_field(void **state) {
  (void)state;
  for (size_t i = 0; i < N_FLAGS; i++) {
    const struct serve_flag *f = &flags[i];
    if (f->type != FLAG_COUNT)
      continue;
    char flag[64], value[32];
    snprintf(flag, sizeof flag, "--%s", f->name);
    snprintf(value, sizeof value, "%llu", f->max);
    struct run base, r;
    RUN(&base, "--help");
    RUN(&r, flag, value, "--help");
    assert_int_equal(r.rc, ADM__SERVE_FLAGS_HELP);
    assert_int_equal(field_value(f, &r.a), f->max);
    /* Nothing else moved. */
    for (size_t j = 0; j < N_FLAGS; j++)
      if (j != i && (flags[j].type == FLAG_COUNT || flags[j].type == FLAG_BYTES || flags[j].type == FLAG_DURATION))
        assert_int_equal(field_value(&flags[j], &r.a), field_value(&flags[j], &base.a));
  }
  struct run r;
  RUN(&r, "--listen", "[::1]:0", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--config", "p.yaml",
      "--self-signed-cert-out", "s.pem", "--record", "r.jsonl", "--metrics-listen", "127.0.0.1:0");
  assert_int_equal(r.rc, ADM__SERVE_FLAGS_SERVE);
  assert_string_equal(r.a.opt.listen, "[::1]:0");
  assert_string_equal(r.a.cert, "c.pem");
  assert_string_equal(r.a.key, "k.pem");
  assert_string_equal(r.a.config, "p.yaml");
  assert_string_equal(r.a.self_signed_out, "s.pem");
  assert_string_equal(r.a.record.path, "r.jsonl");
  assert_string_equal(r.a.metrics_listen, "127.0.0.1:0");
  assert_string_equal(r.err, "");
}

static void values_are_read_and_stored(void **state) {
  (void)state;
  struct run r;
  RUN(&r, "--max-json-depth", "8", "--memory-budget", "1Mi", "--record-max-bytes", "4096", "--grace-period", "1.5s",
      "--max-body-bytes", "1");
  assert_int_equal(r.rc, ADM__SERVE_FLAGS_SERVE);
  assert_int_equal(r.a.opt.max_json_depth, 8);
  assert_int_equal(r.a.opt.memory_budget_bytes, 1u << 20);
  assert_int_equal(r.a.record.max_bytes, 4096);
  assert_int_equal(r.a.grace_ms, 1500);
  assert_int_equal(r.a.opt.max_body_bytes, 1);
  RUN(&r, "--memory-budget", "16384Gi", "--record-max-bytes", "2G", "--grace-period", "1500ms");
  assert_int_equal(r.rc, ADM__SERVE_FLAGS_SERVE);
  assert_true(r.a.opt.memory_budget_bytes == 1ull << 44);
  assert_true(r.a.record.max_bytes == 2000000000ull);
  assert_int_equal(r.a.grace_ms, 1500);
  RUN(&r, "--grace-period", "10", "--log-level", "debug");
  assert_int_equal(r.a.grace_ms, 10000);
  assert_true(adm_log_enabled(ADM_LOG_DEBUG));
  RUN(&r, "--log-level", "info");
  assert_false(adm_log_enabled(ADM_LOG_DEBUG));
  RUN(&r, "--client-ca", "ca.pem", "--client-cn", "kube-apiserver,other", "--client-cn", "third");
  assert_int_equal(r.rc, ADM__SERVE_FLAGS_SERVE);
  assert_true(r.a.opt.client_auth);
  assert_string_equal(r.a.client_ca, "ca.pem");
  assert_int_equal(r.a.n_client_cn, 3);
  assert_string_equal(r.a.client_cn[0], "kube-apiserver");
  assert_string_equal(r.a.client_cn[1], "other");
  assert_string_equal(r.a.client_cn[2], "third");
}

/* Every refusal, with the words it has always used (the caller exits 2). */
static void errors_say_what_they_always_said(void **state) {
  (void)state;
  static const struct {
    const char *args[6];
    const char *err;
  } cases[] = {
      {{"--max-body-bytes", "x"}, "admitd serve: max-body-bytes: want a whole number up to 1073741824, got \"x\"\n"},
      {{"--max-body-bytes", "1073741825"},
       "admitd serve: max-body-bytes: want a whole number up to 1073741824, got \"1073741825\"\n"},
      {{"--max-connections", "-1"}, "admitd serve: max-connections: want a whole number up to 65536, got \"-1\"\n"},
      {{"--max-connections-per-ip", "65537"},
       "admitd serve: max-connections-per-ip: want a whole number up to 65536, got \"65537\"\n"},
      {{"--idle-timeout", "86401"}, "admitd serve: idle-timeout: want a whole number up to 86400, got \"86401\"\n"},
      {{"--request-timeout", "5x"}, "admitd serve: request-timeout: want a whole number up to 600000, got \"5x\"\n"},
      {{"--max-concurrent-decodes", "65"},
       "admitd serve: max-concurrent-decodes: want a whole number up to 64, got \"65\"\n"},
      {{"--io-threads", ""}, "admitd serve: io-threads: want a whole number up to 64, got \"\"\n"},
      {{"--max-json-depth", "1001"}, "admitd serve: max-json-depth: want a whole number up to 1000, got \"1001\"\n"},
      /* Below a count's minimum: refused, saying the range. */
      {{"--max-body-bytes", "0"},
       "admitd serve: max-body-bytes: want a whole number from 1 to 1073741824, got \"0\"\n"},
      {{"--request-timeout", "0"}, "admitd serve: request-timeout: want a whole number from 1 to 600000, got \"0\"\n"},
      {{"--max-concurrent-decodes", "0"},
       "admitd serve: max-concurrent-decodes: want a whole number from 1 to 64, got \"0\"\n"},
      {{"--max-json-depth", "7"}, "admitd serve: max-json-depth: want a whole number from 8 to 1000, got \"7\"\n"},
      {{"--memory-budget", "1Ti"},
       "admitd serve: memory-budget: want bytes such as 268435456, 256Mi or 1G, got \"1Ti\"\n"},
      {{"--memory-budget", "1048575"}, "admitd serve: --memory-budget: at least 1Mi\n"},
      {{"--memory-budget", "16385Gi"},
       "admitd serve: memory-budget: want bytes such as 268435456, 256Mi or 1G, got \"16385Gi\"\n"},
      {{"--record-max-bytes", "-1"},
       "admitd serve: record-max-bytes: want bytes such as 268435456, 256Mi or 1G, got \"-1\"\n"},
      {{"--record-max-bytes", "4095"}, "admitd serve: --record-max-bytes: at least 4096\n"},
      {{"--grace-period", "1.5x"},
       "admitd serve: grace-period: want a duration such as 10, 1.5s or 1500ms (at most 3600s), got \"1.5x\"\n"},
      {{"--grace-period", "3600001ms"},
       "admitd serve: grace-period: want a duration such as 10, 1.5s or 1500ms (at most 3600s), got \"3600001ms\"\n"},
      {{"--log-level", "INFO"}, "admitd serve: --log-level: want error, warn, info or debug, got \"INFO\"\n"},
      {{"--client-ca", "ca.pem", "--client-cn", "a,,b"},
       "admitd serve: --client-cn: want up to 32 names of 1 to 64 bytes, got \",b\"\n"},
      {{"--client-cn", "a"}, "admitd serve: --client-cn needs --client-ca\n"},
      {{"--tls-cert", "c.pem"}, "admitd serve: --tls-cert and --tls-key go together\n"},
      {{"--tls-key", "k.pem"}, "admitd serve: --tls-cert and --tls-key go together\n"},
      {{"--listen", "127.0.0.1:0", "stray"}, "admitd serve: unexpected argument \"stray\"\n"},
      /* The first bad flag is the one reported, and --help after it is not reached. */
      {{"--idle-timeout", "x", "--max-json-depth", "x", "--help"},
       "admitd serve: idle-timeout: want a whole number up to 86400, got \"x\"\n"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct run r;
    run_args(&r, cases[i].args);
    if (r.rc != -1 || strcmp(r.err, cases[i].err) != 0)
      fail_msg("case %zu (%s %s): want -1 and \"%s\", got %d and \"%s\"", i, cases[i].args[0], cases[i].args[1],
               cases[i].err, r.rc, r.err);
    assert_string_equal(r.out, "");
  }
  /* 33 names, over two flags. */
  char names[128] = "";
  size_t n = 0;
  for (int i = 1; i <= 20; i++)
    n += (size_t)snprintf(names + n, sizeof names - n, "%s%d", i > 1 ? "," : "", i);
  struct run r;
  RUN(&r, "--client-ca", "ca.pem", "--client-cn", names, "--client-cn", "1,2,3,4,5,6,7,8,9,10,11,12,13");
  assert_int_equal(r.rc, -1);
  assert_string_equal(r.err, "admitd serve: --client-cn: want up to 32 names of 1 to 64 bytes, got \"13\"\n");
}

/* An unknown flag: getopt's complaint (on stderr), then the help on err. */
static void unknown_flags_get_the_help(void **state) {
  (void)state;
  struct run r, help;
  RUN(&help, "--help");
  RUN(&r, "--bogus");
  assert_int_equal(r.rc, -1);
  assert_string_equal(r.err, help.out);
  RUN(&r, "--listen");
  assert_int_equal(r.rc, -1);
  assert_string_equal(r.err, help.out);
  RUN(&r, "-h");
  assert_int_equal(r.rc, ADM__SERVE_FLAGS_HELP);
  assert_string_equal(r.out, help.out);
  assert_string_equal(r.err, "");
  /* Unambiguous prefixes still work, as getopt_long allows. */
  RUN(&r, "--max-json", "9");
  assert_int_equal(r.rc, ADM__SERVE_FLAGS_SERVE);
  assert_int_equal(r.a.opt.max_json_depth, 9);
}

/* --help: each flag once, at the start of its entry, the default last. */
static void help_lists_every_flag_with_its_default(void **state) {
  (void)state;
  struct run r;
  RUN(&r, "--help");
  assert_int_equal(r.rc, ADM__SERVE_FLAGS_HELP);
  assert_true(strncmp(r.out, "usage: admitd serve [OPTIONS]\n", 30) == 0);
  /* Entries joined back from their wrapped lines. */
  char entries[N_FLAGS][1200];
  size_t n = 0;
  for (const char *line = strchr(r.out, '\n') + 1; *line;) {
    size_t len = strcspn(line, "\n");
    if (len > HELP_WIDTH)
      fail_msg("a help line is longer than %d: %.*s", HELP_WIDTH, (int)len, line);
    if (strncmp(line, "  --", 4) == 0) {
      assert_true(n < N_FLAGS);
      snprintf(entries[n++], sizeof entries[0], "%.*s", (int)len, line);
    } else {
      assert_true(n > 0 && len > HELP_COLUMN && strspn(line, " ") == HELP_COLUMN);
      size_t used = strlen(entries[n - 1]);
      snprintf(entries[n - 1] + used, sizeof entries[0] - used, " %.*s", (int)(len - HELP_COLUMN), line + HELP_COLUMN);
    }
    line += len + (line[len] == '\n');
  }
  size_t e = 0;
  for (size_t i = 0; i < N_FLAGS; i++) {
    const struct serve_flag *f = &flags[i];
    if (f->doc == NULL)
      continue;
    assert_true(e < n);
    char head[128], tail[512];
    snprintf(head, sizeof head, "  --%s %s ", f->name, f->arg);
    snprintf(tail, sizeof tail, "(default %s)", f->def);
    if (strncmp(entries[e], head, strlen(head)) != 0)
      fail_msg("help entry %zu does not start with \"%s\": %s", e, head, entries[e]);
    size_t el = strlen(entries[e]), tl = strlen(tail);
    if (el < tl || strcmp(entries[e] + el - tl, tail) != 0)
      fail_msg("help entry for --%s does not end with \"%s\": %s", f->name, tail, entries[e]);
    for (size_t j = i + 1; j < N_FLAGS && flags[j].doc == NULL; j++) {
      char with[64];
      snprintf(with, sizeof with, " --%s %s ", flags[j].name, flags[j].arg);
      assert_non_null(strstr(entries[e], with));
    }
    e++;
  }
  assert_int_equal(e, n);
  /* The layout, on two entries: the value's column, and a wrapped default. */
  assert_non_null(strstr(r.out, "\n  --listen ADDR:PORT            address to listen on (default 127.0.0.1:8443)\n"));
  assert_non_null(strstr(r.out, "\n  --max-connections-per-ip N    open connections from one address, 0 for no limit\n"
                                "                                (default 128)\n"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(stated_defaults_are_the_real_ones),      cmocka_unit_test(table_is_well_formed),
      cmocka_unit_test(every_number_reaches_its_own_field),     cmocka_unit_test(values_are_read_and_stored),
      cmocka_unit_test(errors_say_what_they_always_said),       cmocka_unit_test(unknown_flags_get_the_help),
      cmocka_unit_test(help_lists_every_flag_with_its_default),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
