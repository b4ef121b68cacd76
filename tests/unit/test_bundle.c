/* server/verify/bundle.c: every bundle media type, the three kinds of
 * verification material, log entries with promise and proof, timestamps,
 * both contents, and each refusal with its JSON path (unknown version,
 * chain in v0.3, empty chain, negative index, bad base64, envelopes with
 * other than one signature, neither or both contents). */
#include "sigstore_fixtures.h"

static json_t *base;

/* A small valid v0.3 bundle; tests edit copies of it. */
static int setup(void **state) {
  arena_setup(state);
  base = test_json(
      "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\","
      "\"verificationMaterial\":{\"certificate\":{\"rawBytes\":\"AQID\"},"
      "\"tlogEntries\":[{\"logIndex\":\"25579\",\"logId\":{\"keyId\":\"wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0=\"},"
      "\"kindVersion\":{\"kind\":\"hashedrekord\",\"version\":\"0.0.1\"},\"integratedTime\":\"1689177396\","
      "\"inclusionPromise\":{\"signedEntryTimestamp\":\"AQID\"},"
      "\"inclusionProof\":{\"logIndex\":\"7\",\"rootHash\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\","
      "\"treeSize\":\"8\",\"hashes\":[\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"],"
      "\"checkpoint\":{\"envelope\":\"note\\n\"}},\"canonicalizedBody\":\"e30=\"}],"
      "\"timestampVerificationData\":{\"rfc3161Timestamps\":[{\"signedTimestamp\":\"MAA=\"}]}},"
      "\"messageSignature\":{\"messageDigest\":{\"algorithm\":\"SHA2_256\",\"digest\":\"AQID\"},"
      "\"signature\":\"BAUG\"}}");
  return 0;
}

static int teardown(void **state) {
  json_decref(base);
  return arena_teardown(state);
}

static int parse_doc(struct adm_arena *a, json_t *doc, struct adm__bundle *b, struct adm_error *err) {
  char *text = json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY);
  char *copy = adm_arena_strdup(a, text);
  free(text);
  json_decref(doc);
  return adm__bundle_parse(a, copy, strlen(copy), b, err);
}

/* A copy of the base with the JSON value at dotted path replaced (NULL: deleted). */
static json_t *edit(const char *path, json_t *value) {
  json_t *doc = json_deep_copy(base), *obj = doc;
  char buf[256];
  snprintf(buf, sizeof buf, "%s", path);
  char *save = NULL, *key = strtok_r(buf, ".", &save), *next;
  while ((next = strtok_r(NULL, ".", &save)) != NULL) {
    obj = json_is_array(obj) ? json_array_get(obj, (size_t)strtoul(key, NULL, 10)) : json_object_get(obj, key);
    key = next;
  }
  if (value)
    json_object_set_new(obj, key, value);
  else
    json_object_del(obj, key);
  return doc;
}

static void parses(void **state) {
  struct adm_arena *a = *state;
  struct adm__bundle b;
  struct adm_error err = {0};
  assert_int_equal(parse_doc(a, json_deep_copy(base), &b, &err), 0);
  assert_int_equal(b.minor, 3);
  assert_int_equal(b.material, ADM__MAT_CERT);
  assert_int_equal(b.leaf.len, 3);
  assert_int_equal(b.n_entries, 1);
  const struct adm__entry *e = &b.entries[0];
  assert_true(e->log_index == 25579 && e->integrated_time == 1689177396 && e->has_integrated_time);
  assert_string_equal(e->kind, "hashedrekord");
  assert_string_equal(e->version, "0.0.1");
  assert_true(e->has_proof && e->proof_index == 7 && e->tree_size == 8 && e->n_hashes == 1);
  assert_int_equal(e->set.len, 3);
  assert_string_equal(e->checkpoint, "note\n");
  assert_string_equal(e->body_b64, "e30=");
  assert_memory_equal(e->body.data, "{}", 2);
  assert_int_equal(b.n_timestamps, 1);
  assert_int_equal(b.content, ADM__MESSAGE);
  assert_string_equal(b.digest_alg, "SHA2_256");
  assert_int_equal(b.signature.len, 3);
}

/* proto3 JSON omits zeros, so a proof for the first leaf of a tree (and the
 * first entry of a log) carries no logIndex: it reads as 0. */
static void zero_indexes_are_omitted(void **state) {
  struct adm_arena *a = *state;
  struct adm__bundle b;
  struct adm_error err = {0};
  json_t *doc = edit("verificationMaterial.tlogEntries.0.inclusionProof.logIndex", NULL);
  json_object_del(json_array_get(json_object_get(json_object_get(doc, "verificationMaterial"), "tlogEntries"), 0),
                  "logIndex");
  assert_int_equal(parse_doc(a, doc, &b, &err), 0);
  assert_true(b.entries[0].has_proof && b.entries[0].proof_index == 0 && b.entries[0].log_index == 0);
  assert_true(b.entries[0].tree_size == 8);
}

static void media_types(void **state) {
  struct adm_arena *a = *state;
  struct adm__bundle b;
  struct adm_error err = {0};
  static const struct {
    const char *mt;
    int minor;
  } ok[] = {{"application/vnd.dev.sigstore.bundle+json;version=0.1", 1},
            {"application/vnd.dev.sigstore.bundle+json;version=0.2", 2},
            {"application/vnd.dev.sigstore.bundle+json;version=0.3", 3},
            {"application/vnd.dev.sigstore.bundle.v0.3+json", 3}};
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
    json_t *doc = edit("mediaType", json_string(ok[i].mt));
    if (ok[i].minor < 3) { /* the chain form, as v0.1 and v0.2 write it */
      json_t *vm = json_object_get(doc, "verificationMaterial");
      json_object_del(vm, "certificate");
      json_object_set_new(vm, "x509CertificateChain",
                          json_pack("{s:[{s:s},{s:s}]}", "certificates", "rawBytes", "AQID", "rawBytes", "BAUG"));
    }
    assert_int_equal(parse_doc(a, doc, &b, &err), 0);
    assert_int_equal(b.minor, ok[i].minor);
    if (ok[i].minor < 3)
      assert_true(b.material == ADM__MAT_CHAIN && b.leaf.len == 3 && b.n_extra == 1);
  }
  assert_int_equal(
      parse_doc(a, edit("mediaType", json_string("application/vnd.dev.sigstore.bundle+json;version=99.9")), &b, &err),
      ADM_EUNSUPPORTED);
  assert_string_equal(err.where, "$.mediaType");
  assert_int_equal(parse_doc(a, edit("mediaType", NULL), &b, &err), ADM_EMISSING);
}

struct refusal {
  const char *path;
  const char *value; /* JSON, or NULL to delete */
  const char *where;
};

static void refusals(void **state) {
  struct adm_arena *a = *state;
  static const struct refusal cases[] = {
      {"verificationMaterial", NULL, "$.verificationMaterial"},
      {"verificationMaterial.certificate", NULL, "$.verificationMaterial"},
      {"verificationMaterial.publicKey", "{\"hint\":\"x\"}", "$.verificationMaterial"},
      {"verificationMaterial.x509CertificateChain", "{\"certificates\":[]}", "$.verificationMaterial"},
      {"verificationMaterial.certificate.rawBytes", "\"%%%\"", "$.verificationMaterial.certificate.rawBytes"},
      {"verificationMaterial.tlogEntries.0.logIndex", "\"-1\"", "$.verificationMaterial.tlogEntries[0].logIndex"},
      {"verificationMaterial.tlogEntries.0.logId", NULL, "$.verificationMaterial.tlogEntries[0].logId"},
      {"verificationMaterial.tlogEntries.0.kindVersion", "{\"kind\":\"x\"}",
       "$.verificationMaterial.tlogEntries[0].kindVersion.version"},
      {"verificationMaterial.tlogEntries.0.canonicalizedBody", NULL,
       "$.verificationMaterial.tlogEntries[0].canonicalizedBody"},
      {"verificationMaterial.tlogEntries.0.inclusionProof.hashes", "[\"AQID\"]",
       "$.verificationMaterial.tlogEntries[0].inclusionProof.hashes[0]"},
      {"verificationMaterial.tlogEntries.0.inclusionProof.treeSize", NULL,
       "$.verificationMaterial.tlogEntries[0].inclusionProof.treeSize"},
      {"verificationMaterial.tlogEntries.0.inclusionProof.checkpoint", "{}",
       "$.verificationMaterial.tlogEntries[0].inclusionProof.checkpoint.envelope"},
      {"verificationMaterial.tlogEntries.0.inclusionPromise", "{\"signedEntryTimestamp\":\"\"}",
       "$.verificationMaterial.tlogEntries[0].inclusionPromise.signedEntryTimestamp"},
      {"verificationMaterial.tlogEntries", "[1]", "$.verificationMaterial.tlogEntries[0]"},
      {"verificationMaterial.timestampVerificationData", "{\"rfc3161Timestamps\":[{}]}",
       "$.verificationMaterial.timestampVerificationData.rfc3161Timestamps[0].signedTimestamp"},
      {"messageSignature", NULL, "$"},
      {"messageSignature.signature", "\"INVALID!!!BASE64!!!ENCODING====\"", "$.messageSignature.signature"},
      {"messageSignature.messageDigest", "{\"algorithm\":\"SHA2_256\"}", "$.messageSignature.messageDigest.digest"},
      {"dsseEnvelope", "{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"AQID\"}]}", "$"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    struct adm__bundle b;
    struct adm_error err = {0};
    json_t *v = cases[i].value ? json_loads(cases[i].value, JSON_DECODE_ANY, NULL) : NULL;
    if (cases[i].value && v == NULL)
      fail_msg("bad test value %s", cases[i].value);
    if (parse_doc(a, edit(cases[i].path, v), &b, &err) == 0)
      fail_msg("%s = %s: accepted", cases[i].path, cases[i].value ? cases[i].value : "(deleted)");
    if (strcmp(err.where, cases[i].where) != 0)
      fail_msg("%s: error at %s (%s), want %s", cases[i].path, err.where, err.message, cases[i].where);
  }
  /* v0.3 carries the leaf alone. */
  struct adm__bundle b;
  struct adm_error err = {0};
  json_t *doc = edit("verificationMaterial.certificate", NULL);
  json_object_set_new(json_object_get(doc, "verificationMaterial"), "x509CertificateChain",
                      json_pack("{s:[{s:s}]}", "certificates", "rawBytes", "AQID"));
  assert_int_equal(parse_doc(a, doc, &b, &err), ADM_EINVAL);
  assert_int_equal(parse_doc(a, json_string("x"), &b, &err), ADM_EPARSE);
  assert_int_equal(adm__bundle_parse(a, "{\"mediaType\":", 13, &b, &err), ADM_EPARSE);
}

static void dsse_and_key(void **state) {
  struct adm_arena *a = *state;
  struct adm__bundle b;
  struct adm_error err = {0};
  json_t *doc = edit("messageSignature", NULL);
  json_object_set_new(doc, "dsseEnvelope",
                      test_json("{\"payload\":\"e30=\",\"payloadType\":\"application/vnd.in-toto+json\","
                                "\"signatures\":[{\"sig\":\"AQID\",\"keyid\":\"\"}]}"));
  json_t *vm = json_object_get(doc, "verificationMaterial");
  json_object_del(vm, "certificate");
  json_object_set_new(vm, "publicKey", test_json("{\"hint\":\"abc\"}"));
  assert_int_equal(parse_doc(a, doc, &b, &err), 0);
  assert_int_equal(b.content, ADM__DSSE);
  assert_int_equal(b.material, ADM__MAT_KEY);
  assert_string_equal(b.key_hint, "abc");
  assert_string_equal(b.payload_type, "application/vnd.in-toto+json");
  assert_int_equal(b.payload.len, 2);
  assert_int_equal(b.signature.len, 3);
  assert_int_equal(b.leaf.len, 0);
  /* Exactly one envelope signature. */
  doc = edit("messageSignature", NULL);
  json_object_set_new(doc, "dsseEnvelope",
                      test_json("{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"AQID\"},"
                                "{\"sig\":\"AQID\"}]}"));
  assert_int_equal(parse_doc(a, doc, &b, &err), ADM_EINVAL);
  assert_string_equal(err.where, "$.dsseEnvelope.signatures");
}

static void conformance_bundles(void **state) {
  struct adm_arena *a = *state;
  struct adm__bundle b = conf_bundle(a, "happy-path-v0.1");
  assert_true(b.minor == 1 && b.material == ADM__MAT_CHAIN && b.n_entries == 1);
  b = conf_bundle(a, "rekor2-happy-path");
  assert_true(b.minor == 3 && b.n_timestamps == 1 && !b.entries[0].has_integrated_time);
  b = conf_bundle(a, "happy-path-intoto-in-dsse-v3");
  assert_true(b.content == ADM__DSSE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(parses, setup, teardown),
      cmocka_unit_test_setup_teardown(zero_indexes_are_omitted, setup, teardown),
      cmocka_unit_test_setup_teardown(media_types, setup, teardown),
      cmocka_unit_test_setup_teardown(refusals, setup, teardown),
      cmocka_unit_test_setup_teardown(dsse_and_key, setup, teardown),
      cmocka_unit_test_setup_teardown(conformance_bundles, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
