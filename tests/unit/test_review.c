/* server/core/review.c: AdmissionReview decoding errors name their field, and
 * the response mirrors the request's version and uid. */
#include "helpers.h"

#include "admitd/review.h"

#define ENVELOPE(req) "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":" req "}"

static int decode(const char *text, struct adm_review_request *r, struct adm_error *err) {
  return adm_review_decode(text, strlen(text), 100, NULL, r, err);
}

static void decodes_a_full_request(void **state) {
  (void)state;
  struct adm_review_request r;
  struct adm_error err = {0};
  assert_int_equal(
      decode(ENVELOPE("{\"uid\":\"u1\",\"kind\":{\"group\":\"apps\",\"version\":\"v1\",\"kind\":\"Deployment\"},"
                      "\"resource\":{\"group\":\"apps\",\"version\":\"v1\",\"resource\":\"deployments\"},"
                      "\"subResource\":\"scale\",\"name\":\"web\",\"namespace\":\"ns\",\"operation\":\"UPDATE\","
                      "\"userInfo\":{\"username\":\"bob\"},\"object\":{\"kind\":\"Scale\"},\"oldObject\":null,"
                      "\"dryRun\":true}"),
             &r, &err),
      0);
  assert_string_equal(r.uid, "u1");
  assert_string_equal(r.resource_group, "apps");
  assert_string_equal(r.resource_resource, "deployments");
  assert_string_equal(r.kind_kind, "Deployment");
  assert_string_equal(r.sub_resource, "scale");
  assert_string_equal(r.operation, "UPDATE");
  assert_string_equal(r.username, "bob");
  assert_non_null(r.object);
  assert_null(r.old_object);
  assert_true(r.dry_run);
  adm_review_request_release(&r);
}

static void expect_error(const char *text, int code, const char *where, const char *msg) {
  struct adm_review_request r;
  struct adm_error err = {0};
  assert_int_equal(decode(text, &r, &err), code);
  if (where)
    assert_string_equal(err.where, where);
  assert_str_contains(err.message, msg);
  assert_null(r.root);
}

static void malformed_inputs_name_what_is_wrong(void **state) {
  (void)state;
  expect_error("", ADM_EPARSE, NULL, "empty request body");
  expect_error("{\"apiVersion\": ", ADM_EPARSE, NULL, "malformed JSON");
  expect_error("[]", ADM_ETYPE, "$", "expected an AdmissionReview object");
  expect_error("{\"kind\":\"AdmissionReview\"}", ADM_EMISSING, "$.apiVersion", "missing");
  expect_error("{\"apiVersion\":\"admission.k8s.io/v2\",\"kind\":\"AdmissionReview\"}", ADM_EUNSUPPORTED,
               "$.apiVersion", "unsupported apiVersion \"admission.k8s.io/v2\"");
  expect_error("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"Pod\"}", ADM_EUNSUPPORTED, "$.kind",
               "unsupported kind");
  expect_error("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}", ADM_EMISSING, "$.request",
               "missing");
  expect_error(ENVELOPE("\"x\""), ADM_ETYPE, "$.request", "expected an object");
  expect_error(ENVELOPE("{\"operation\":\"CREATE\"}"), ADM_EMISSING, "request.uid", "missing");
  expect_error(ENVELOPE("{\"uid\":\"\",\"operation\":\"CREATE\"}"), ADM_EMISSING, "request.uid", "must not be empty");
  expect_error(ENVELOPE("{\"uid\":7,\"operation\":\"CREATE\"}"), ADM_ETYPE, "request.uid", "expected a string");
  expect_error(ENVELOPE("{\"uid\":\"u\"}"), ADM_EMISSING, "request.operation", "missing");
  expect_error(ENVELOPE("{\"uid\":\"u\",\"operation\":\"CREATE\",\"kind\":[]}"), ADM_ETYPE, "request.kind",
               "expected an object");
  expect_error(ENVELOPE("{\"uid\":\"u\",\"operation\":\"CREATE\",\"object\":\"pod\"}"), ADM_ETYPE, "request.object",
               "expected an object");
  expect_error(ENVELOPE("{\"uid\":\"u\",\"operation\":\"CREATE\",\"dryRun\":\"yes\"}"), ADM_ETYPE, "request.dryRun",
               "boolean");
  expect_error(ENVELOPE("{\"uid\":\"u\",\"operation\":\"CREATE\",\"userInfo\":{\"username\":1}}"), ADM_ETYPE,
               "request.userInfo.username", "expected a string");
  expect_error("{\"apiVersion\":\"admission.k8s.io/v1\",\"apiVersion\":\"x\"}", ADM_EPARSE, NULL, "duplicate");
}

static void depth_is_bounded_outside_strings(void **state) {
  (void)state;
  assert_int_equal(adm_json_depth_exceeds("[[[]]]", 6, 3), 0);
  assert_int_equal(adm_json_depth_exceeds("[[[[]]]]", 8, 3), 1);
  /* Brackets inside strings, and escaped quotes, do not count. */
  const char *s = "[\"[[[[\\\"[[[[\"]";
  assert_int_equal(adm_json_depth_exceeds(s, strlen(s), 2), 0);
  char deep[300];
  memset(deep, '[', 150);
  memset(deep + 150, ']', 150);
  struct adm_review_request r;
  struct adm_error err = {0};
  assert_int_equal(adm_review_decode(deep, 300, 100, NULL, &r, &err), ADM_ETOODEEP);
}

static void response_mirrors_version_and_uid(void **state) {
  (void)state;
  struct adm_review_request r;
  struct adm_error err = {0};
  const char *beta =
      "{\"apiVersion\":\"admission.k8s.io/"
      "v1beta1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"q\\\"1\",\"operation\":\"CREATE\"}}";
  assert_int_equal(decode(beta, &r, &err), 0);
  struct adm_decision d = {
      .judged = true, .allowed = false, .code = 403, .status_reason = "Forbidden", .message = "no"};
  d.warnings[d.n_warnings++] = "careful";
  d.annotations[d.n_annotations++] = (struct adm_annotation){"enforce-policy", "baseline:latest"};
  size_t len;
  char *out = adm_review_encode(&r, &d, &len);
  json_t *j = test_json(out);
  assert_string_equal(json_string_value(json_object_get(j, "apiVersion")), "admission.k8s.io/v1beta1");
  assert_string_equal(json_string_value(json_object_get(j, "kind")), "AdmissionReview");
  json_t *resp = json_object_get(j, "response");
  assert_string_equal(json_string_value(json_object_get(resp, "uid")), "q\"1");
  assert_true(json_is_false(json_object_get(resp, "allowed")));
  json_t *st = json_object_get(resp, "status");
  assert_int_equal(json_integer_value(json_object_get(st, "code")), 403);
  assert_string_equal(json_string_value(json_object_get(st, "reason")), "Forbidden");
  assert_string_equal(json_string_value(json_object_get(st, "message")), "no");
  assert_string_equal(json_string_value(json_array_get(json_object_get(resp, "warnings"), 0)), "careful");
  assert_string_equal(json_string_value(json_object_get(json_object_get(resp, "auditAnnotations"), "enforce-policy")),
                      "baseline:latest");
  /* A validating webhook must never send a patch. */
  assert_null(json_object_get(resp, "patch"));
  json_decref(j);
  free(out);
  adm_review_request_release(&r);
}

static void allowed_response_has_no_status(void **state) {
  (void)state;
  struct adm_review_request r;
  struct adm_error err = {0};
  assert_int_equal(decode(ENVELOPE("{\"uid\":\"u\",\"operation\":\"CREATE\"}"), &r, &err), 0);
  struct adm_decision d = {.judged = true, .allowed = true};
  char *out = adm_review_encode(&r, &d, NULL);
  assert_string_equal(out, "{\"apiVersion\":\"admission.k8s.io/"
                           "v1\",\"kind\":\"AdmissionReview\",\"response\":{\"uid\":\"u\",\"allowed\":true}}");
  free(out);
  adm_review_request_release(&r);
}

static void decodes_into_an_arena(void **state) {
  (void)state;
  struct adm_arena a;
  adm_arena_init(&a, 1024, 0);
  struct adm_review_request r;
  struct adm_error err = {0};
  const char *text = ENVELOPE("{\"uid\":\"u\",\"operation\":\"CREATE\",\"object\":{\"metadata\":{\"name\":\"p\"}}}");
  assert_int_equal(adm_review_decode(text, strlen(text), 100, &a, &r, &err), 0);
  assert_true(r.in_arena);
  assert_true(a.used_total > 0);
  assert_string_equal(r.uid, "u");
  /* A heap value made while the arena exists is unaffected by it. */
  json_t *heap = json_string("on the heap");
  assert_non_null(heap);
  json_decref(heap);
  adm_review_request_release(&r);
  adm_arena_free(&a);
  json_t *again = json_loads("{\"k\":[1,2,3]}", 0, NULL);
  assert_non_null(again);
  json_decref(again);
  /* A failed decode leaves nothing to release. */
  adm_arena_init(&a, 1024, 0);
  assert_int_equal(adm_review_decode("{\"x\":", 5, 100, &a, &r, &err), ADM_EPARSE);
  adm_arena_free(&a);
  /* An arena too small for the tree is said to be out of memory, never
   * "malformed JSON" (that would blame the client for admitd's limit). */
  adm_arena_init(&a, 256, 512);
  assert_int_equal(adm_review_decode(text, strlen(text), 100, &a, &r, &err), ADM_ENOMEM);
  assert_int_equal(adm_arena_failure(&a), ADM_ARENA_LIMIT);
  adm_arena_free(&a);
}

/* jansson 2.14 asserts (and so aborts the server) when the buffer of a
 * token it is reading cannot grow (lex_unget_unsave); found by
 * fuzz_review_oom with a body opening on a long identifier. Failing each
 * allocation of a decode in turn must always end in ADM_ENOMEM. */
static void decode_survives_failure_inside_a_token(void **state) {
  (void)state;
  const char *bodies[] = {
      "GGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGG",
      "[123456789012345678901234567890123456789012345678901234567890]",
      "{\"a-key-longer-than-sixteen-bytes-and-then-some-more\":\"and a value longer than that too, to be sure\"}",
      ENVELOPE("{\"uid\":\"0123456789abcdef0123456789abcdef\",\"operation\":\"CREATE\",\"object\":{\"metadata\":{"
               "\"name\":\"a-pod-with-a-rather-long-name-indeed\"},\"spec\":{\"containers\":[]}}}"),
  };
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    bool completed = false;
    for (unsigned long fail_at = 1; !completed && fail_at < 200; fail_at++) {
      struct adm_arena a;
      adm_arena_init(&a, 1024, 0);
      a.fail_at = fail_at;
      struct adm_review_request r;
      struct adm_error err = {0};
      int rc = adm_review_decode(bodies[i], strlen(bodies[i]), 100, &a, &r, &err);
      if (adm_arena_failure(&a) != ADM_ARENA_OK)
        assert_int_equal(rc, ADM_ENOMEM);
      else
        completed = true; /* fewer allocations than fail_at: every one was failed in turn */
      if (rc == 0)
        adm_review_request_release(&r);
      adm_arena_free(&a);
    }
    assert_true(completed);
  }
}

static char *prune_copy(const char *text, size_t *len, int *rc) {
  *len = strlen(text);
  char *buf = malloc(*len + 1);
  memcpy(buf, text, *len + 1);
  *rc = adm_review_prune(buf, len, 100);
  buf[*len] = '\0';
  return buf;
}

static void expect_pruned(const char *in, const char *out) {
  size_t len;
  int rc;
  char *buf = prune_copy(in, &len, &rc);
  assert_int_equal(rc, 0);
  assert_string_equal(buf, out);
  assert_int_equal(len, strlen(out));
  free(buf);
}

static void prune_drops_only_what_no_decision_reads(void **state) {
  (void)state;
  expect_pruned("{\"request\":{\"object\":{\"metadata\":{\"name\":\"p\",\"managedFields\":[{\"a\":{\"b\":1}}]},"
                "\"spec\":{},\"status\":{\"phase\":\"Pending\"}},\"oldObject\":{\"status\":{\"x\":[1,2]}}}}",
                "{\"request\":{\"object\":{\"metadata\":{\"name\":\"p\",\"managedFields\":null},"
                "\"spec\":{},\"status\":null},\"oldObject\":{\"status\":null}}}");
  /* Whitespace, and the same words where they are not those fields. */
  expect_pruned("{ \"request\" : { \"object\" : { \"metadata\" : { \"managedFields\" :\n [ {} , {} ] } } } }",
                "{ \"request\" : { \"object\" : { \"metadata\" : { \"managedFields\" :\n null } } } }");
  const char *keep[] = {
      "{\"request\":{\"object\":{\"spec\":{\"status\":{\"a\":1},\"managedFields\":[1,2,3]}}}}",
      "{\"request\":{\"status\":{\"a\":1},\"object\":{\"metadata\":{\"annotations\":{\"k\":\"\\\"managedFields\\\":[1]"
      "\"}}}}}",
      "{\"status\":{\"a\":1},\"request\":{\"object\":{\"kind\":\"status\"}}}",
      "[{\"metadata\":{\"x\":1}},{\"managedFields\":[1,2,3]}]",
      "{\"request\":{\"object\":{\"metadata\":{\"managedFields\":[]}}}}", /* too short to be worth it */
  };
  for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
    expect_pruned(keep[i], keep[i]);
  /* An array element does not inherit a key from an earlier sibling. */
  expect_pruned("{\"a\":[{\"metadata\":{\"k\":1}},{\"managedFields\":[1,2,3]}]}",
                "{\"a\":[{\"metadata\":{\"k\":1}},{\"managedFields\":[1,2,3]}]}");
  /* Nested templates: metadata.managedFields deep in a workload. */
  expect_pruned("{\"request\":{\"object\":{\"spec\":{\"template\":{\"metadata\":{\"managedFields\":[1,2,3]}}}}}}",
                "{\"request\":{\"object\":{\"spec\":{\"template\":{\"metadata\":{\"managedFields\":null}}}}}}");
}

/* Keys are remembered as copies, not as pointers into text that earlier
 * drops have since moved: here object's managedFields and oldObject's
 * managedFields shift everything after them, yet oldObject.status, after
 * a long last-applied-configuration annotation, is still recognised. */
static void prune_keys_survive_earlier_drops(void **state) {
  (void)state;
  struct adm_arena a;
  adm_arena_init(&a, 4096, 0);
  struct adm_sb in, out;
  adm_sb_init(&in, &a);
  adm_sb_init(&out, &a);
  const char *head = "{\"request\":{\"object\":{\"metadata\":{\"managedFields\":";
  adm_sb_add(&in, head);
  adm_sb_add(&out, head);
  adm_sb_add(&in, "[{\"manager\":\"kubectl\",\"fieldsV1\":{\"f:spec\":{\"f:x\":{}}}}]");
  adm_sb_add(&out, "null");
  const char *mid = "},\"status\":";
  adm_sb_add(&in, mid);
  adm_sb_add(&out, mid);
  adm_sb_add(&in, "{\"phase\":\"Running\"}");
  adm_sb_add(&out, "null");
  const char *old = "},\"oldObject\":{\"metadata\":{\"annotations\":"
                    "{\"kubectl.kubernetes.io/last-applied-configuration\":\"";
  adm_sb_add(&in, old);
  adm_sb_add(&out, old);
  for (int i = 0; i < 200; i++) {
    adm_sb_add(&in, "{\\\"apiVersion\\\":\\\"v1\\\"}");
    adm_sb_add(&out, "{\\\"apiVersion\\\":\\\"v1\\\"}");
  }
  adm_sb_add(&in, "\"},\"managedFields\":");
  adm_sb_add(&out, "\"},\"managedFields\":");
  adm_sb_add(&in, "[{\"manager\":\"kube-controller-manager\",\"operation\":\"Update\"}]");
  adm_sb_add(&out, "null");
  adm_sb_add(&in, "},\"status\":{\"phase\":\"Pending\",\"conditions\":[]}}}}");
  adm_sb_add(&out, "},\"status\":null}}}");
  expect_pruned(adm_sb_str(&in), adm_sb_str(&out));
  adm_arena_free(&a);
}

/* A review whose request.object.status is value (raw JSON text). */
static char *status_review(const char *value) {
  const char *pre = "{\"request\":{\"object\":{\"status\":", *post = "}}}";
  size_t n = strlen(pre) + strlen(value) + strlen(post) + 1;
  char *text = malloc(n);
  snprintf(text, n, "%s%s%s", pre, value, post);
  return text;
}

/* The contract: a body the pruner changes decodes to exactly what the
 * unpruned body would, so a value is dropped only when jansson (with
 * JSON_REJECT_DUPLICATES) would have read it; anything it would refuse is
 * left in place for it to refuse. */
static void prune_drops_only_values_jansson_accepts(void **state) {
  (void)state;
  const char *refused[] = {
      "tru",
      "truex",
      "nul",
      "{\"a\":1,}",
      "[1 2]",
      "[1,]",
      "{\"a\" 1}",
      "{\"a\":1 \"b\":2}",
      "{1:2}",
      "[1}",
      "{]",
      "\"\\q\"",
      "\"\\u12G4\"",
      "\"a\tb\"",
      "\"a\nb\"",
      "\"a\x01\"",
      "\"\xff\"",
      "\"\xc0\xaf\"",
      "\"\xed\xa0\x80\"",
      "\"\xe2\x82\"",
      "\"\xf4\x90\x80\x80\"",
      "\"\\u0000\"",
      "{\"\\u0000\":1}",
      "\"\\ud800\"",
      "\"\\udc00\"",
      "\"\\ud800\\u0041\"",
      "\"\\ud800x\"",
      "01",
      "-01",
      "1.",
      ".5",
      "-",
      "1e",
      "1e+",
      "+1",
      "0x10",
      "1.5x",
      "9223372036854775808",
      "-9223372036854775809",
      "99999999999999999999",
      "1e309",
      "-1e400",
      "1.8e308",
      "{\"a\":1,\"a\":2}",
      "{\"a\":1,\"\\u0061\":2}",
      "{\"x\":{\"b\":1,\"c\":[{\"d\":1,\"d\":2}]}}",
      "{\"k:{\\\"n\\\":1}\":{},\"k:{\\u0022n\\u0022:1}\":{}}",
      "{\"\\/\":1,\"/\":2}",
      "{\"\xc3\xa9\":1,\"\\u00e9\":2}",
      "{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}",
      "[\"abc]",
      "{\"a\":[1,2}",
      "[[[[",
  };
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
    char *text = status_review(refused[i]);
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    if (j != NULL)
      fail_msg("jansson accepts %s: the case is wrong", refused[i]);
    expect_pruned(text, text);
    free(text);
  }
  const char *accepted[] = {
      "true",
      "false",
      "12345",
      "-0.0",
      "0.5e-3",
      "1E+2",
      "-1e-400",
      "1e308",
      "9223372036854775807",
      "-9223372036854775808",
      "0.000000000000000000000000000000000000001e320",
      "\"\\u00e9\\ud83d\\ude00\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
      "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
      "{\"a\":[1,-0,true,false,null,\"x\"],\"b\":{},\"c\":[],\"\xc3\xa9\":\"\"}",
      "{ \"a\" : [ 1 , { } ] ,\n\t\"b\"\r:0}",
      "{\"x\":{\"a\":1},\"y\":{\"a\":1},\"a\":{\"a\":{\"a\":1}}}",
      "{\"k:{\\\"name\\\":\\\"a\\\"}\":{},\"k:{\\\"name\\\":\\\"b\\\"}\":{},\"k:{\\u0022name\\u0022:\\u0022c\\u0022}\":"
      "{}}",
  };
  for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
    char *text = status_review(accepted[i]);
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    if (j == NULL)
      fail_msg("jansson refuses %s: the case is wrong", accepted[i]);
    json_decref(j);
    char *want = status_review("null");
    size_t len;
    int rc;
    char *buf = prune_copy(text, &len, &rc);
    assert_int_equal(rc, 0);
    if (strcmp(buf, want) != 0)
      fail_msg("%s was not dropped: %s", accepted[i], buf);
    free(buf);
    free(want);
    free(text);
  }
  /* More keys in one object than are compared pairwise: valid, but left
   * for jansson rather than doing unbounded work. */
  char many[2048] = "{";
  for (int i = 0; i < 100; i++) {
    size_t at = strlen(many);
    snprintf(many + at, sizeof many - at, "%s\"k%d\":%d", i ? "," : "", i, i);
  }
  size_t at = strlen(many);
  snprintf(many + at, sizeof many - at, "}");
  char *text = status_review(many);
  expect_pruned(text, text);
  free(text);
}

static void prune_checks_nesting_and_leaves_garbage_to_the_parser(void **state) {
  (void)state;
  char deep[260];
  memset(deep, '[', 130);
  memset(deep + 130, ']', 130);
  size_t len = sizeof deep;
  assert_int_equal(adm_review_prune(deep, &len, 100), ADM_ETOODEEP);
  /* Too deep inside a dropped value counts too. */
  struct adm_arena a;
  adm_arena_init(&a, 4096, 0);
  struct adm_sb sb;
  adm_sb_init(&sb, &a);
  adm_sb_add(&sb, "{\"request\":{\"object\":{\"metadata\":{\"managedFields\":");
  for (int i = 0; i < 120; i++)
    adm_sb_add(&sb, "[");
  for (int i = 0; i < 120; i++)
    adm_sb_add(&sb, "]");
  adm_sb_add(&sb, "}}}}");
  int rc;
  char *buf = prune_copy(adm_sb_str(&sb), &len, &rc);
  assert_int_equal(rc, ADM_ETOODEEP);
  free(buf);
  adm_arena_free(&a);
  /* Unbalanced brackets (found by fuzzing) stop the pass; text is untouched. */
  const char *unbalanced = "{\"a\":1}}}{\"request\":{\"object\":{\"metadata\":{\"managedFields\":[1,2,3]}}}}";
  buf = prune_copy(unbalanced, &len, &rc);
  assert_int_equal(rc, 0);
  assert_string_equal(buf, unbalanced);
  free(buf);
  /* Unterminated text is left as it is, for jansson to report. */
  const char *broken = "{\"request\":{\"object\":{\"metadata\":{\"managedFields\":[\"abc";
  buf = prune_copy(broken, &len, &rc);
  assert_int_equal(rc, 0);
  assert_string_equal(buf, broken);
  free(buf);
}

static void status_body_and_json_escaping(void **state) {
  (void)state;
  char *body = adm_status_body(413, "RequestEntityTooLarge", "too \"big\"", NULL);
  json_t *j = test_json(body);
  assert_int_equal(json_integer_value(json_object_get(j, "code")), 413);
  assert_string_equal(json_string_value(json_object_get(j, "kind")), "Status");
  assert_string_equal(json_string_value(json_object_get(j, "message")), "too \"big\"");
  json_decref(j);
  free(body);
  struct adm_arena a;
  adm_arena_init(&a, 1024, 0);
  struct adm_sb sb;
  adm_sb_init(&sb, &a);
  adm_sb_add_json_string(&sb, "a\"b\\c\nd\x01");
  assert_string_equal(adm_sb_str(&sb), "\"a\\\"b\\\\c\\nd\\u0001\"");
  adm_arena_free(&a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(decodes_a_full_request),
      cmocka_unit_test(malformed_inputs_name_what_is_wrong),
      cmocka_unit_test(depth_is_bounded_outside_strings),
      cmocka_unit_test(response_mirrors_version_and_uid),
      cmocka_unit_test(allowed_response_has_no_status),
      cmocka_unit_test(decodes_into_an_arena),
      cmocka_unit_test(decode_survives_failure_inside_a_token),
      cmocka_unit_test(prune_drops_only_what_no_decision_reads),
      cmocka_unit_test(prune_keys_survive_earlier_drops),
      cmocka_unit_test(prune_drops_only_values_jansson_accepts),
      cmocka_unit_test(prune_checks_nesting_and_leaves_garbage_to_the_parser),
      cmocka_unit_test(status_body_and_json_escaping),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
