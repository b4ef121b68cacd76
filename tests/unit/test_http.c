/* server/http.c internals that end-to-end tests cannot reach without
 * timing games: decode slots, the deadline-bounded wait for one, the body
 * cap, Content-Type and --listen parsing. Includes the .c to reach statics. */
#include "helpers.h"

#include "http.c"

static struct adm_server *fake_server(unsigned slots, unsigned timeout_ms) {
  struct adm_server *s = calloc(1, sizeof *s);
  adm_server_options_default(&s->opt);
  s->opt.request_timeout_ms = timeout_ms;
  s->opt.max_body_bytes = 100;
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
    assert_true(acquire_decode_slot(s, &r));
    got[i] = claim_slot(s);
    assert_true(got[i] < 3);
    assert_false(seen[got[i]]);
    seen[got[i]] = true;
  }
  assert_int_equal(atomic_load(&s->free_slots), 0);
  /* A slot's arena keeps its blocks for the next review. */
  assert_non_null(adm_arena_alloc(&s->slots[got[1]].arena, 500));
  release_slot(s, got[1]);
  assert_int_equal(atomic_load(&s->free_slots), 1ull << got[1]);
  assert_null(s->slots[got[1]].arena.head);
  assert_non_null(s->slots[got[1]].arena.spare);
  assert_true(acquire_decode_slot(s, &r));
  assert_int_equal(claim_slot(s), got[1]);
  free_fake(s);
}

static void no_slot_before_the_deadline_means_503(void **state) {
  (void)state;
  struct adm_server *s = fake_server(1, 200);
  struct request r = {0};
  clock_gettime(CLOCK_MONOTONIC, &r.start);
  assert_true(acquire_decode_slot(s, &r));
  (void)claim_slot(s);
  /* The only slot is taken: the wait ends at the request deadline, not later. */
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  assert_false(acquire_decode_slot(s, &r));
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  assert_true(waited < 2.0);
  /* A request already past its deadline does not wait at all. */
  struct request late = {0};
  clock_gettime(CLOCK_MONOTONIC, &late.start);
  late.start.tv_sec -= 10;
  release_slot(s, 0);
  assert_false(acquire_decode_slot(s, &late));
  free_fake(s);
}

static void body_is_capped_not_grown(void **state) {
  (void)state;
  struct adm_server *s = fake_server(1, 1000);
  struct request r = {0};
  char chunk[60];
  memset(chunk, 'x', sizeof chunk);
  assert_int_equal(append_body(s, &r, chunk, 60), 0);
  assert_false(r.too_big);
  assert_int_equal(r.len, 60);
  assert_int_equal(append_body(s, &r, chunk, 60), 0);
  assert_true(r.too_big);
  assert_int_equal(r.len, 60); /* nothing past the cap is kept */
  assert_true(r.cap <= 100);
  free(r.body);
  free_fake(s);
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
  assert_int_equal(parse_listen("127.0.0.1:8443", &ss, &len, &v6, &err), 0);
  assert_false(v6);
  assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 8443);
  assert_int_equal(parse_listen("[::1]:0", &ss, &len, &v6, &err), 0);
  assert_true(v6);
  assert_int_equal(parse_listen("0.0.0.0:8443", &ss, &len, &v6, &err), 0);
  assert_int_equal(parse_listen("localhost:8443", &ss, &len, &v6, &err), ADM_EINVAL);
  assert_str_contains(err.message, "is not an IP address");
  assert_int_equal(parse_listen("127.0.0.1", &ss, &len, &v6, &err), ADM_EINVAL);
  assert_int_equal(parse_listen("127.0.0.1:99999", &ss, &len, &v6, &err), ADM_EINVAL);
  assert_int_equal(parse_listen("[::1:80", &ss, &len, &v6, &err), ADM_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(slots_are_claimed_once_and_recycled),
      cmocka_unit_test(no_slot_before_the_deadline_means_503),
      cmocka_unit_test(body_is_capped_not_grown),
      cmocka_unit_test(content_types),
      cmocka_unit_test(listen_addresses),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
