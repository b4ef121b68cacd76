/* server/http*.c internals that end-to-end tests cannot reach without
 * timing games: decode slots, the deadline-bounded wait for one, the body
 * cap and its budget reservation, Status bodies for any echoed text, raw
 * path routing, Content-Type and --listen parsing, --client-ca failing
 * closed when it has no CA to judge by, and which connections are shed to
 * keep the reserve free. Includes the server's http*.c files to reach
 * their statics. */
#include "helpers.h"

#include "http.c"
#include "http_body.c"
#include "http_conns.c"
#include "http_slots.c"

static struct adm_server *fake_server(unsigned slots, unsigned timeout_ms) {
  struct adm_server *s = calloc(1, sizeof *s);
  adm_server_options_default(&s->opt);
  s->opt.request_timeout_ms = timeout_ms;
  s->opt.max_body_bytes = 100;
  adm_budget_init(&s->budget, 0);
  sem_init(&s->decodes, 0, slots);
  for (unsigned i = 0; i < MAX_DECODE_SLOTS; i++)
    adm_arena_init(&s->slots[i].arena, 1024, 0);
  atomic_init(&s->free_slots, slots == 64 ? ~0ull : (1ull << slots) - 1);
  return s;
}

static void free_fake(struct adm_server *s) {
  for (unsigned i = 0; i < MAX_DECODE_SLOTS; i++)
    adm_arena_free(&s->slots[i].arena);
  sem_destroy(&s->decodes);
  free(s);
}

static void slots_are_claimed_once_and_recycled(void **state) {
  (void)state;
  struct adm_server *s = fake_server(3, 1000);
  struct request r = {0};
  clock_gettime(CLOCK_MONOTONIC, &r.start);
  bool seen[3] = {false};
  unsigned got[3];
  for (int i = 0; i < 3; i++) {
    assert_true(adm__acquire_decode_slot(s, &r));
    got[i] = adm__claim_slot(s);
    assert_true(got[i] < 3);
    assert_false(seen[got[i]]);
    seen[got[i]] = true;
  }
  assert_int_equal(atomic_load(&s->free_slots), 0);
  /* A slot's arena keeps its blocks for the next review. */
  assert_non_null(adm_arena_alloc(&s->slots[got[1]].arena, 500));
  adm__release_slot(s, got[1]);
  assert_int_equal(atomic_load(&s->free_slots), 1ull << got[1]);
  assert_null(s->slots[got[1]].arena.head);
  assert_non_null(s->slots[got[1]].arena.spare);
  assert_true(adm__acquire_decode_slot(s, &r));
  assert_int_equal(adm__claim_slot(s), got[1]);
  free_fake(s);
}

static void no_slot_before_the_deadline_means_503(void **state) {
  (void)state;
  struct adm_server *s = fake_server(1, 200);
  struct request r = {0};
  clock_gettime(CLOCK_MONOTONIC, &r.start);
  assert_true(adm__acquire_decode_slot(s, &r));
  (void)adm__claim_slot(s);
  /* The only slot is taken: the wait ends at the request deadline, not later. */
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  assert_false(adm__acquire_decode_slot(s, &r));
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  assert_true(waited < 2.0);
  /* A request already past its deadline does not wait at all. */
  struct request late = {0};
  clock_gettime(CLOCK_MONOTONIC, &late.start);
  late.start.tv_sec -= 10;
  adm__release_slot(s, 0);
  assert_false(adm__acquire_decode_slot(s, &late));
  free_fake(s);
}

/* The value of a metric without labels in a scrape, or -1. */
static double scraped(const char *name) {
  struct adm_metrics_gauges g = {0};
  struct adm_arena a;
  adm_arena_init(&a, 65536, 0);
  size_t len;
  const char *text = adm_metrics_render(&a, &g, &len);
  assert_non_null(text);
  double v = -1;
  size_t n = strlen(name);
  for (const char *p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
    if (strncmp(p, name, n) == 0 && p[n] == ' ')
      v = strtod(p + n + 1, NULL);
  adm_arena_free(&a);
  return v;
}

static void only_a_request_that_finds_no_free_slot_counts_a_wait(void **state) {
  (void)state;
  adm_metrics_reset();
  struct adm_server *s = fake_server(1, 100);
  struct request r = {0};
  clock_gettime(CLOCK_MONOTONIC, &r.start);
  assert_true(adm__acquire_decode_slot(s, &r));
  assert_true(scraped("admitd_decode_slot_waits_total") == 0);
  (void)adm__claim_slot(s);
  assert_false(adm__acquire_decode_slot(s, &r));
  assert_true(scraped("admitd_decode_slot_waits_total") == 1);
  assert_true(scraped("admitd_decode_slot_wait_seconds_total") > 0);
  free_fake(s);
}

/* --- the connection table and shedding --------------------------------------- */

#define MS (1000LL * 1000)

/* A server with a table of n entries whose soft limit is soft. */
static struct adm_server *fake_table(unsigned n, unsigned soft) {
  struct adm_server *s = calloc(1, sizeof *s);
  assert_non_null(s);
  adm_server_options_default(&s->opt);
  s->soft_limit = soft;
  assert_true(adm__conns_init(s, n));
  return s;
}

static void free_table(struct adm_server *s) {
  while (s->conns_head)
    conn_close(s, s->conns_head);
  adm__conns_free(s);
  free(s);
}

/* A connection from ip, accepted at `at` ms, then put in state st since `since` ms. */
static struct conn *open_at(struct adm_server *s, const char *ip, long long at, enum conn_state st, long long since) {
  struct sockaddr_storage ss = {0};
  struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, ip, &in4->sin_addr) == 1)
    in4->sin_family = AF_INET;
  else if (inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1)
    in6->sin6_family = AF_INET6;
  struct peer key;
  peer_key((struct sockaddr *)&ss, &key);
  struct conn *k = conn_open(s, MHD_INVALID_SOCKET, &key, at * MS);
  if (k) {
    conn_enter(k, st);
    k->waiting_ns = since * MS;
  }
  return k;
}

/* Accept a new connection from ip at `at` ms, as adm__notify_connection does. */
static struct conn *arrive(struct adm_server *s, const char *ip, long long at) {
  struct conn *k = open_at(s, ip, at, CONN_NEW, at);
  assert_non_null(k);
  shed_over_limit(s, at * MS);
  return k;
}

/* Connections shed so far: by reason head, and idle. */
static void expect_shed(struct adm_server *s, unsigned long long head, unsigned long long idle) {
  assert_int_equal(atomic_load(&s->shed_head), head);
  assert_int_equal(atomic_load(&s->shed_idle), idle);
}

static void idle_connections_of_the_heaviest_address_go_first(void **state) {
  (void)state;
  struct adm_server *s = fake_table(16, 6);
  /* The lightest address holds the oldest idle connection: age alone would shed it. */
  struct conn *c1 = open_at(s, "10.0.0.3", 0, CONN_IDLE, 100);
  struct conn *b1 = open_at(s, "10.0.0.2", 0, CONN_IDLE, 200);
  struct conn *b2 = open_at(s, "10.0.0.2", 0, CONN_IDLE, 300);
  struct conn *a0 = open_at(s, "10.0.0.1", 0, CONN_HANDLER, 0); /* a request in progress, the oldest of all */
  struct conn *a1 = open_at(s, "10.0.0.1", 0, CONN_IDLE, 500);
  struct conn *a2 = open_at(s, "10.0.0.1", 0, CONN_IDLE, 400);
  struct conn *a3 = open_at(s, "10.0.0.1", 0, CONN_IDLE, 600);
  assert_int_equal(atomic_load(&s->n_conns), 7);
  /* Over the soft limit by 2 with the newcomer. 10.0.0.1 holds 3 without
   * a request in progress: its longest idle, a2, goes. Then it and
   * 10.0.0.2 hold 2 each: the longest idle of the two, b1. */
  struct conn *n1 = arrive(s, "10.0.0.4", 1000);
  assert_true(a2->shut);
  assert_true(b1->shut);
  assert_false(a0->shut || a1->shut || a3->shut || b2->shut || c1->shut || n1->shut);
  expect_shed(s, 0, 2);
  /* 10.0.0.1 holds the most again (2): a1 goes, not the newcomer. */
  struct conn *n2 = arrive(s, "10.0.0.5", 1010);
  assert_true(a1->shut);
  assert_false(a3->shut || b2->shut || c1->shut || n2->shut);
  /* However far over, every address holding one: idle ones go, longest idle
   * first; never a request in progress, nor a newcomer alone at its address. */
  s->soft_limit = 1;
  shed_over_limit(s, 1100 * MS);
  assert_true(c1->shut && b2->shut && a3->shut);
  assert_false(a0->shut || n1->shut || n2->shut);
  assert_int_equal(atomic_load(&s->n_conns) - s->n_shut, 3);
  expect_shed(s, 0, 6);
  free_table(s);
}

/* Of one address: a head stalled past SHED_MIN_AGE_NS, then idle, then young.
 * Across addresses the one holding more goes first, even if another stalls a head. */
static void of_one_address_stalled_heads_then_idle_then_new(void **state) {
  (void)state;
  struct adm_server *s = fake_table(16, 3);
  struct conn *i1 = open_at(s, "10.0.0.1", 0, CONN_IDLE, 0);
  struct conn *y1 = open_at(s, "10.0.0.1", 390, CONN_NEW, 390);
  struct conn *y0 = open_at(s, "10.0.0.1", 395, CONN_NEW, 395);
  struct conn *h1 = open_at(s, "10.0.0.1", 100, CONN_HEAD, 100);
  struct conn *h2 = open_at(s, "10.0.0.2", 100, CONN_HEAD, 100);
  struct conn *n3 = arrive(s, "10.0.0.3", 400);
  /* Stalled heads go first wherever they are; then the busiest address's idle one. */
  assert_true(h1->shut);
  assert_true(h2->shut);
  assert_true(i1->shut);
  assert_false(y1->shut || y0->shut || n3->shut);
  expect_shed(s, 2, 1);
  /* Its young ones go next, the oldest first; a young one alone at its address stays. */
  s->soft_limit = 1;
  shed_over_limit(s, 400 * MS);
  assert_true(y1->shut);
  assert_false(y0->shut || n3->shut);
  free_table(s);
}

/* Many addresses each holding a few silent connections (stalled heads)
 * do not make the API server's pooled idle connections the busiest
 * address's: every stalled head goes before any idle connection. */
static void stalled_heads_of_many_addresses_go_before_pooled_idle_ones(void **state) {
  (void)state;
  struct adm_server *s = fake_table(32, 12);
  struct conn *pool[6];
  for (int i = 0; i < 6; i++)
    pool[i] = open_at(s, "10.0.0.1", 0, CONN_IDLE, 0);
  struct conn *silent[12];
  char ip[32];
  for (int i = 0; i < 12; i++) {
    snprintf(ip, sizeof ip, "10.1.0.%d", i / 3);
    silent[i] = open_at(s, ip, 100, CONN_HEAD, 100);
  }
  shed_over_limit(s, 1000 * MS);
  for (int i = 0; i < 6; i++)
    if (pool[i]->shut)
      fail_msg("expected the pooled idle connection %d kept while stalled heads remain", i);
  int shed = 0;
  for (int i = 0; i < 12; i++)
    shed += silent[i]->shut;
  assert_int_equal(shed, 6);
  free_table(s);
}

static void a_burst_of_new_connections_sheds_its_own_not_the_idle_of_others(void **state) {
  (void)state;
  struct adm_server *s = fake_table(16, 4);
  struct conn *i1 = open_at(s, "10.0.0.1", 0, CONN_IDLE, 0);
  struct conn *i2 = open_at(s, "10.0.0.1", 0, CONN_IDLE, 0);
  struct conn *burst[5];
  for (int i = 0; i < 5; i++)
    burst[i] = arrive(s, "2001:db8::5", 1000 + i);
  /* The burst's address holds the most: each newcomer past the soft limit costs it its oldest. */
  assert_true(burst[0]->shut && burst[1]->shut && burst[2]->shut);
  assert_false(burst[3]->shut || burst[4]->shut || i1->shut || i2->shut);
  expect_shed(s, 3, 0);
  free_table(s);
}

/* The reserve is for newcomers: with the rest taken by requests in
 * progress, new connections are let be, by the watchdog too. */
static void newcomers_are_not_shed_to_keep_the_reserve(void **state) {
  (void)state;
  struct adm_server *s = fake_table(8, 2);
  open_at(s, "10.0.0.1", 0, CONN_HANDLER, 0);
  open_at(s, "10.0.0.1", 0, CONN_HANDLER, 0);
  struct conn *n1 = arrive(s, "10.0.0.1", 1000);
  struct conn *n2 = arrive(s, "10.0.0.2", 1010);
  shed_over_limit(s, 1100 * MS);
  assert_false(n1->shut || n2->shut);
  expect_shed(s, 0, 0);
  free_table(s);
}

static void a_full_table_refuses_and_gives_entries_back(void **state) {
  (void)state;
  struct adm_server *s = fake_table(3, 3);
  char ip[32];
  for (int round = 0; round < 3; round++) {
    struct conn *k[3];
    for (int i = 0; i < 3; i++) {
      snprintf(ip, sizeof ip, "10.0.%d.%d", round, i);
      k[i] = open_at(s, ip, 0, CONN_IDLE, 0);
      assert_non_null(k[i]);
    }
    /* No entry left: refused (adm__notify_connection then shuts the socket). */
    assert_null(open_at(s, "10.9.9.9", 0, CONN_NEW, 0));
    assert_null(open_at(s, ip, 0, CONN_NEW, 0));
    assert_int_equal(atomic_load(&s->n_conns), 3);
    shut(s, k[1]);
    assert_int_equal(k[1]->peer->holding, 0);
    for (int i = 0; i < 3; i++)
      conn_close(s, k[i]);
    assert_int_equal(s->n_shut, 0);
    assert_int_equal(atomic_load(&s->n_conns), 0);
    for (unsigned b = 0; b < PEER_BUCKETS; b++)
      assert_null(s->peers[b]);
  }
  /* Connections of one address share its record and count in it. */
  struct conn *x = open_at(s, "::1", 0, CONN_IDLE, 0), *y = open_at(s, "::1", 0, CONN_IDLE, 0);
  struct conn *z = open_at(s, "0.0.0.1", 0, CONN_IDLE, 0); /* same bytes as ::1 in part, another family */
  assert_ptr_equal(x->peer, y->peer);
  assert_ptr_not_equal(x->peer, z->peer);
  assert_int_equal(x->peer->listed, 2);
  free_table(s);
}

static void body_is_capped_not_grown(void **state) {
  (void)state;
  struct adm_server *s = fake_server(1, 1000);
  struct request r = {0};
  char chunk[60];
  memset(chunk, 'x', sizeof chunk);
  assert_int_equal(adm__append_body(s, &r, chunk, 60), 0);
  assert_false(r.too_big);
  assert_int_equal(r.len, 60);
  assert_int_equal(adm__append_body(s, &r, chunk, 60), 0);
  assert_true(r.too_big);
  assert_int_equal(r.len, 60); /* nothing past the cap is kept */
  assert_true(r.cap <= 100);
  free(r.body);
  free_fake(s);
}

static void chunked_body_is_reserved_as_it_grows(void **state) {
  (void)state;
  struct adm_server *s = fake_server(1, 1000);
  s->opt.max_body_bytes = 1u << 20;
  adm_budget_init(&s->budget, 40000);
  struct request r = {0};
  char chunk[10000];
  memset(chunk, 'x', sizeof chunk);
  assert_int_equal(adm__append_body(s, &r, chunk, sizeof chunk), 0);
  /* The buffer's whole capacity is paid for, not only the bytes in it. */
  assert_int_equal(r.reserved, r.cap);
  assert_int_equal(adm_budget_used(&s->budget), r.cap);
  assert_int_equal(adm__append_body(s, &r, chunk, sizeof chunk), 0);
  assert_int_equal(adm__append_body(s, &r, chunk, sizeof chunk), 0);
  assert_false(r.budget_short);
  /* Doubling to 64 KiB would pass the 40000-byte budget: the buffer grows
   * to the budget instead, and a body of exactly the budget is kept. */
  assert_int_equal(adm__append_body(s, &r, chunk, sizeof chunk), 0);
  assert_false(r.budget_short);
  assert_int_equal(r.len, 40000);
  assert_int_equal(adm_budget_used(&s->budget), 40000);
  /* One byte more can never fit: refused, not kept, and counted so that
   * the answer is 413 rather than 429. */
  assert_int_equal(adm__append_body(s, &r, chunk, sizeof chunk), 0);
  assert_true(r.budget_short);
  assert_int_equal(r.len, 40000);
  assert_int_equal(adm__append_body(s, &r, chunk, sizeof chunk), 0);
  assert_int_equal(r.seen, 60000);
  assert_false(adm_budget_could_hold(&s->budget, r.seen));
  adm__release_body(s, &r);
  assert_int_equal(adm_budget_used(&s->budget), 0);
  assert_int_equal(r.reserved, 0);
  /* While another request holds most of it, the same body is short now:
   * it could fit later (429). */
  assert_true(adm_budget_take(&s->budget, 25000));
  struct request other = {0};
  assert_int_equal(adm__append_body(s, &other, chunk, sizeof chunk), 0);
  assert_int_equal(adm__append_body(s, &other, chunk, sizeof chunk), 0);
  assert_true(other.budget_short);
  assert_true(adm_budget_could_hold(&s->budget, other.seen));
  adm__release_body(s, &other);
  adm_budget_give(&s->budget, 25000);
  assert_int_equal(adm_budget_used(&s->budget), 0);
  free_fake(s);
}

static void status_bodies_are_valid_json_whatever_is_echoed(void **state) {
  (void)state;
  /* A Content-Type cut inside a UTF-8 sequence by the message's %.100s, a
   * raw control byte, and invalid bytes: each still gives a Status. */
  const char *echoed[] = {"text/\xe2\x82", "text/\x01x", "\xff\xfe", "\xe2\x82\xac\xe2\x82"};
  for (size_t i = 0; i < sizeof echoed / sizeof echoed[0]; i++) {
    char msg[200], body[1536];
    snprintf(msg, sizeof msg, "Content-Type must be application/json, got \"%.100s\"", echoed[i]);
    size_t len = status_text(body, sizeof body, 415, "UnsupportedMediaType", msg);
    json_error_t e;
    json_t *doc = json_loadb(body, len, 0, &e);
    if (doc == NULL)
      fail_msg("Status for echoed %zu is not valid JSON: %s: %s", i, e.text, body);
    assert_string_equal(json_string_value(json_object_get(doc, "kind")), "Status");
    assert_int_equal(json_integer_value(json_object_get(doc, "code")), 415);
    json_decref(doc);
  }
}

static void routes_use_the_raw_path(void **state) {
  (void)state;
  assert_int_equal(adm__path_of("/validate"), PATH_VALIDATE);
  assert_int_equal(adm__path_of("/validate?timeout=10s"), PATH_VALIDATE);
  assert_int_equal(adm__path_of("/validate%00x"), PATH_OTHER);
  assert_int_equal(adm__path_of("/valid%61te"), PATH_OTHER);
  assert_int_equal(adm__path_of("/validatex"), PATH_OTHER);
  assert_int_equal(adm__path_of("/metrics"), PATH_METRICS);
  assert_int_equal(adm__path_of("/metrics?x=1"), PATH_METRICS);
  assert_int_equal(adm__path_of("/metricsx"), PATH_OTHER);
  assert_int_equal(adm__path_of("/livez"), PATH_HEALTHZ);
  assert_int_equal(adm__path_of("/readyz"), PATH_READYZ);
}

static void default_budget_follows_the_cgroup_limit(void **state) {
  (void)state;
  assert_int_equal(adm_server_default_budget(128u << 20), 64u << 20);
  assert_int_equal(adm_server_default_budget(0), DEFAULT_BUDGET_NO_LIMIT);
  struct adm_server_options o;
  adm_server_options_default(&o);
  assert_true(o.max_connections_per_ip * 4 <= o.max_connections);
  assert_true(o.max_concurrent_decodes >= 2);
}

static void content_types(void **state) {
  (void)state;
  assert_true(is_json_content_type("application/json"));
  assert_true(is_json_content_type("application/json; charset=utf-8"));
  assert_true(is_json_content_type("Application/JSON"));
  assert_false(is_json_content_type("application/jsonx"));
  assert_false(is_json_content_type("text/plain"));
  assert_false(is_json_content_type(NULL));
}

static void listen_addresses(void **state) {
  (void)state;
  struct sockaddr_storage ss;
  socklen_t len;
  bool v6;
  struct adm_error err = {0};
  assert_int_equal(adm_parse_listen("127.0.0.1:8443", &ss, &len, &v6, &err), 0);
  assert_false(v6);
  assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 8443);
  assert_int_equal(adm_parse_listen("[::1]:0", &ss, &len, &v6, &err), 0);
  assert_true(v6);
  assert_int_equal(adm_parse_listen("0.0.0.0:8443", &ss, &len, &v6, &err), 0);
  assert_int_equal(adm_parse_listen("localhost:8443", &ss, &len, &v6, &err), ADM_EINVAL);
  assert_str_contains(err.message, "is not an IP address");
  assert_int_equal(adm_parse_listen("127.0.0.1", &ss, &len, &v6, &err), ADM_EINVAL);
  assert_int_equal(adm_parse_listen("127.0.0.1:99999", &ss, &len, &v6, &err), ADM_EINVAL);
  assert_int_equal(adm_parse_listen("[::1:80", &ss, &len, &v6, &err), ADM_EINVAL);
}

/* The API server's ?timeout= as Go writes durations; anything else is 0 (no bound from it). */
static void api_timeout_durations(void **state) {
  (void)state;
  assert_int_equal(go_duration_ms("10s"), 10000);
  assert_int_equal(go_duration_ms("1m30s"), 90000);
  assert_int_equal(go_duration_ms("500ms"), 500);
  assert_int_equal(go_duration_ms("1.5s"), 1500);
  assert_int_equal(go_duration_ms("1h"), 3600000);
  assert_int_equal(go_duration_ms(NULL), 0);
  assert_int_equal(go_duration_ms(""), 0);
  assert_int_equal(go_duration_ms("10"), 0);
  assert_int_equal(go_duration_ms("-5s"), 0);
  assert_int_equal(go_duration_ms("5x"), 0);
  assert_int_equal(go_duration_ms("1e300h"), 0);
  assert_int_equal(go_duration_ms("nans"), 0);
  assert_int_equal(go_duration_ms("infs"), 0);
}

/* One request over TLS to 127.0.0.1:port, no client certificate; the
 * answer's status code, or -1. */
static int tls_status(uint16_t port, const char *request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  gnutls_certificate_credentials_t cred;
  gnutls_session_t ss;
  assert_int_equal(gnutls_certificate_allocate_credentials(&cred), 0);
  assert_int_equal(gnutls_init(&ss, GNUTLS_CLIENT), 0);
  assert_int_equal(gnutls_set_default_priority(ss), 0);
  assert_int_equal(gnutls_credentials_set(ss, GNUTLS_CRD_CERTIFICATE, cred), 0);
  gnutls_transport_set_int(ss, fd);
  int rc;
  do
    rc = gnutls_handshake(ss);
  while (rc < 0 && !gnutls_error_is_fatal(rc));
  assert_int_equal(rc, 0);
  assert_int_equal(gnutls_record_send(ss, request, strlen(request)), (ssize_t)strlen(request));
  char buf[4096];
  size_t got = 0;
  ssize_t n;
  while (got < sizeof buf - 1 && (n = gnutls_record_recv(ss, buf + got, sizeof buf - 1 - got)) > 0)
    got += (size_t)n;
  buf[got] = '\0';
  gnutls_deinit(ss);
  gnutls_certificate_free_credentials(cred);
  close(fd);
  int code = -1;
  return sscanf(buf, "HTTP/1.1 %d", &code) == 1 ? code : -1;
}

/* --client-ca with no CA to judge by (never so in admitd serve, which
 * publishes one before it listens): refused as an error, never let
 * through; the probes still answer. */
static void client_auth_without_a_ca_fails_closed(void **state) {
  (void)state;
  adm_metrics_reset();
  struct adm_tls_creds *creds;
  gnutls_datum_t pem;
  struct adm_error err = {0};
  assert_int_equal(adm_tls_creds_self_signed(&creds, &pem, &err), 0);
  gnutls_free(pem.data);
  adm_tls_publish(creds);
  struct adm_server_options o;
  adm_server_options_default(&o);
  o.listen = "127.0.0.1:0";
  o.client_auth = true;
  struct adm_server *s;
  assert_int_equal(adm_server_start(&o, &s, &err), 0);
  uint16_t port = adm_server_port(s);
  assert_int_equal(tls_status(port, "POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                    "Content-Length: 2\r\n\r\n{}"),
                   500);
  assert_int_equal(tls_status(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 500);
  assert_int_equal(tls_status(port, "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 200);
  assert_int_equal(tls_status(port, "GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 200);
  adm_server_stop(s);
  assert_true(scraped("admitd_client_auth_refused_total{reason=\"error\"}") == 2);
  assert_true(scraped("admitd_http_responses_total{code=\"500\"}") == 2);
  /* Refused callers are not reviews. */
  assert_true(scraped("admitd_requests_total{decision=\"error\",kind=\"unknown\",operation=\"unknown\"}") == -1);
  adm_tls_shutdown();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(client_auth_without_a_ca_fails_closed),
      cmocka_unit_test(slots_are_claimed_once_and_recycled),
      cmocka_unit_test(no_slot_before_the_deadline_means_503),
      cmocka_unit_test(only_a_request_that_finds_no_free_slot_counts_a_wait),
      cmocka_unit_test(idle_connections_of_the_heaviest_address_go_first),
      cmocka_unit_test(of_one_address_stalled_heads_then_idle_then_new),
      cmocka_unit_test(stalled_heads_of_many_addresses_go_before_pooled_idle_ones),
      cmocka_unit_test(a_burst_of_new_connections_sheds_its_own_not_the_idle_of_others),
      cmocka_unit_test(newcomers_are_not_shed_to_keep_the_reserve),
      cmocka_unit_test(a_full_table_refuses_and_gives_entries_back),
      cmocka_unit_test(body_is_capped_not_grown),
      cmocka_unit_test(chunked_body_is_reserved_as_it_grows),
      cmocka_unit_test(status_bodies_are_valid_json_whatever_is_echoed),
      cmocka_unit_test(routes_use_the_raw_path),
      cmocka_unit_test(default_budget_follows_the_cgroup_limit),
      cmocka_unit_test(content_types),
      cmocka_unit_test(listen_addresses),
      cmocka_unit_test(api_timeout_durations),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
