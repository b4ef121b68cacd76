/* AdmissionReview wire format. Owns request validation and response
 * shape; knows nothing of policy. Responses are written with jansson so
 * every string is escaped correctly. */
#include "admitd/review.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tags in front of every block jansson gets, so free() can tell them apart. */
#define JSON_BLOCK_HEAP 0x68656170u
#define JSON_BLOCK_ARENA 0x6172656eu
#define JSON_BLOCK_HEADER 16

static _Thread_local struct adm_arena *json_arena;

static void *json_block_alloc(size_t n) {
  unsigned char *p;
  uint32_t tag;
  if (n > SIZE_MAX - JSON_BLOCK_HEADER)
    return NULL;
  if (json_arena != NULL) {
    p = adm_arena_alloc(json_arena, n + JSON_BLOCK_HEADER);
    tag = JSON_BLOCK_ARENA;
  } else {
    p = malloc(n + JSON_BLOCK_HEADER);
    tag = JSON_BLOCK_HEAP;
  }
  if (p == NULL)
    return NULL;
  memcpy(p, &tag, sizeof tag);
  return p + JSON_BLOCK_HEADER;
}

static void json_block_free(void *ptr) {
  if (ptr == NULL)
    return;
  unsigned char *p = (unsigned char *)ptr - JSON_BLOCK_HEADER;
  uint32_t tag;
  memcpy(&tag, p, sizeof tag);
  if (tag == JSON_BLOCK_HEAP)
    free(p);
  /* Arena blocks go when their arena does. */
}

/* Before main, so no jansson block ever predates the tagging. */
__attribute__((constructor)) static void install_json_allocator(void) {
  json_set_alloc_funcs(json_block_alloc, json_block_free);
}

char *adm_json_dumps(const json_t *json, size_t flags) {
  size_t n = json_dumpb(json, NULL, 0, flags);
  if (n == 0)
    return NULL;
  char *out = malloc(n + 1);
  if (out == NULL)
    return NULL;
  if (json_dumpb(json, out, n, flags) != n) {
    free(out);
    return NULL;
  }
  out[n] = '\0';
  return out;
}

/* Past the string that starts at p (just after its opening quote), or NULL. */
static const char *skip_string(const char *p, const char *end) {
  for (;;) {
    const char *q = memchr(p, '"', (size_t)(end - p));
    if (q == NULL)
      return NULL;
    size_t slashes = 0;
    while (q - slashes > p && q[-1 - (ptrdiff_t)slashes] == '\\')
      slashes++;
    if (slashes % 2 == 0)
      return q + 1;
    p = q + 1;
  }
}

int adm_json_depth_exceeds(const char *body, size_t len, int limit) {
  /* Most of a review is string content: jump through strings with memchr. */
  const char *p = body, *end = body + len;
  int depth = 0;
  while (p < end) {
    char ch = *p++;
    if (ch == '"') {
      if ((p = skip_string(p, end)) == NULL)
        return 0; /* unterminated: the parser will say so */
    } else if (ch == '{' || ch == '[') {
      if (++depth > limit)
        return 1;
    } else if (ch == '}' || ch == ']') {
      depth--;
    }
  }
  return 0;
}

/* Past one JSON value starting at p, or NULL if the text ends first. Nesting
 * inside it counts toward the limit; *too_deep is set past it. */
static const char *skip_value(const char *p, const char *end, int depth, int limit, bool *too_deep) {
  int inner = 0;
  while (p < end) {
    char ch = *p++;
    if (ch == '"') {
      if ((p = skip_string(p, end)) == NULL)
        return NULL;
      if (inner == 0)
        return p;
    } else if (ch == '{' || ch == '[') {
      if (depth + ++inner > limit) {
        *too_deep = true;
        return NULL;
      }
    } else if (ch == '}' || ch == ']') {
      if (--inner == 0)
        return p;
      if (inner < 0)
        return p - 1; /* a scalar value ended by its container */
    } else if (inner == 0 && (ch == ',' || ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t')) {
      return p - 1;
    }
  }
  return inner == 0 ? p : NULL;
}

/* The keys the pruner acts on. A key is classified when it is read, while
 * its text is still in place: a later drop moves the text behind it, so a
 * pointer kept into the body could read other bytes by the time it is
 * compared. Raw bytes are compared, so an escaped spelling is KEY_OTHER:
 * it is only not pruned. */
enum prune_key { KEY_NONE, KEY_OTHER, KEY_REQUEST, KEY_OBJECT, KEY_OLD_OBJECT, KEY_METADATA, KEY_STATUS, KEY_MANAGED };

static enum prune_key classify_key(const char *s, size_t n) {
  static const struct {
    const char *name;
    enum prune_key key;
  } known[] = {{"request", KEY_REQUEST},   {"object", KEY_OBJECT}, {"oldObject", KEY_OLD_OBJECT},
               {"metadata", KEY_METADATA}, {"status", KEY_STATUS}, {"managedFields", KEY_MANAGED}};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (n == strlen(known[i].name) && memcmp(s, known[i].name, n) == 0)
      return known[i].key;
  return KEY_OTHER;
}

#define PRUNE_MAX_TRACKED 8 /* deep enough for metadata inside any workload template */

/* One pass over the body that checks nesting and drops, in place, values
 * no decision reads: metadata.managedFields (at any tracked depth) and
 * request.object.status / request.oldObject.status, each replaced by null.
 * A dropped value is still scanned for strings and nesting; it is only not
 * built into a tree. Malformed text is left for the parser to report. */
int adm_review_prune(char *body, size_t *len, int limit) {
  const char *p = body, *end = body + *len, *copy_from = body;
  char *w = body;
  int depth = 0;
  /* key_of[d]: the key whose value is the open container at depth d. */
  enum prune_key key_of[PRUNE_MAX_TRACKED + 1] = {KEY_NONE};
  bool is_object[PRUNE_MAX_TRACKED + 1] = {false};
  bool expect_key = false, after_colon = false;
  enum prune_key pending = KEY_NONE, value_key = KEY_NONE;
  while (p < end) {
    char ch = *p++;
    if (ch == '"') {
      const char *s0 = p;
      if ((p = skip_string(p, end)) == NULL)
        break;
      if (expect_key) {
        pending = classify_key(s0, (size_t)(p - 1 - s0));
        expect_key = false;
      } else {
        after_colon = false;
      }
    } else if (ch == ':') {
      bool tracked = depth >= 1 && depth <= PRUNE_MAX_TRACKED;
      bool drop = tracked && depth >= 2 && pending == KEY_MANAGED && key_of[depth] == KEY_METADATA;
      drop |= depth == 3 && pending == KEY_STATUS && key_of[2] == KEY_REQUEST &&
              (key_of[3] == KEY_OBJECT || key_of[3] == KEY_OLD_OBJECT);
      if (drop) {
        const char *v = p;
        while (v < end && (*v == ' ' || *v == '\n' || *v == '\r' || *v == '\t'))
          v++;
        bool too_deep = false;
        const char *v_end = skip_value(v, end, depth, limit, &too_deep);
        if (too_deep)
          return ADM_ETOODEEP;
        if (v_end != NULL && v_end - v >= 4) {
          size_t keep = (size_t)(v - copy_from);
          if (w != copy_from)
            memmove(w, copy_from, keep);
          w += keep;
          memcpy(w, "null", 4);
          w += 4;
          copy_from = p = v_end;
          pending = KEY_NONE;
          continue;
        }
      }
      after_colon = true;
      value_key = pending;
      pending = KEY_NONE;
    } else if (ch == '{' || ch == '[') {
      if (++depth > limit)
        return ADM_ETOODEEP;
      if (depth <= PRUNE_MAX_TRACKED) {
        key_of[depth] = after_colon ? value_key : KEY_NONE;
        is_object[depth] = ch == '{';
      }
      after_colon = false;
      expect_key = ch == '{';
    } else if (ch == '}' || ch == ']') {
      if (depth == 0)
        break; /* unbalanced: malformed, and the parser will say where */
      depth--;
      after_colon = expect_key = false;
    } else if (ch == ',') {
      after_colon = false;
      expect_key = depth >= 1 && depth <= PRUNE_MAX_TRACKED && is_object[depth];
    }
  }
  if (w != copy_from) {
    size_t rest = (size_t)(end - copy_from);
    memmove(w, copy_from, rest);
    *len = (size_t)(w + rest - body);
  }
  return 0;
}

static int want_string(const json_t *parent, const char *key, const char *path, bool required, const char **out,
                       struct adm_error *err) {
  const json_t *v = json_object_get(parent, key);
  char where[128];
  snprintf(where, sizeof where, "%s.%s", path, key);
  if (v == NULL || json_is_null(v)) {
    if (required)
      return adm_fail(err, ADM_EMISSING, where, "required field is missing");
    *out = "";
    return 0;
  }
  if (!json_is_string(v))
    return adm_fail(err, ADM_ETYPE, where, "expected a string");
  *out = json_string_value(v);
  return 0;
}

static int want_gvx(const json_t *req, const char *key, const char *last, const char **g, const char **v,
                    const char **x, struct adm_error *err) {
  const json_t *o = json_object_get(req, key);
  char path[64];
  snprintf(path, sizeof path, "request.%s", key);
  *g = *v = *x = "";
  if (o == NULL || json_is_null(o))
    return 0;
  if (!json_is_object(o))
    return adm_fail(err, ADM_ETYPE, path, "expected an object");
  int rc;
  if ((rc = want_string(o, "group", path, false, g, err)) < 0 ||
      (rc = want_string(o, "version", path, false, v, err)) < 0 || (rc = want_string(o, last, path, false, x, err)) < 0)
    return rc;
  return 0;
}

int adm_review_decode(const char *body, size_t len, int max_depth, struct adm_arena *arena,
                      struct adm_review_request *out, struct adm_error *err) {
  memset(out, 0, sizeof *out);
  if (len == 0)
    return adm_fail(err, ADM_EPARSE, "", "empty request body");
  if (max_depth > 0 && adm_json_depth_exceeds(body, len, max_depth))
    return adm_fail(err, ADM_ETOODEEP, "", "JSON nests deeper than %d levels", max_depth);
  json_error_t jerr;
  json_arena = arena;
  json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
  json_arena = NULL;
  /* jansson reports its own allocation failure as a parse error at line
   * -1; the arena knows better, and that is not the client's mistake. */
  if (arena != NULL && adm_arena_failure(arena) != ADM_ARENA_OK)
    return adm_fail(err, ADM_ENOMEM, "", "not enough memory to decode the request");
  if (root == NULL) {
    if (jerr.line < 0 && json_error_code(&jerr) == json_error_out_of_memory)
      return adm_fail(err, ADM_ENOMEM, "", "not enough memory to decode the request");
    char where[64];
    snprintf(where, sizeof where, "line %d column %d", jerr.line, jerr.column);
    return adm_fail(err, ADM_EPARSE, where, "malformed JSON: %s", jerr.text);
  }
  int rc = adm_review_from_json(root, out, err);
  out->in_arena = arena != NULL;
  return rc;
}

int adm_review_from_json(json_t *root, struct adm_review_request *out, struct adm_error *err) {
  memset(out, 0, sizeof *out);
  out->root = root;
  int rc = 0;
  const char *api_version, *kind;
  if (!json_is_object(root)) {
    rc = adm_fail(err, ADM_ETYPE, "$", "expected an AdmissionReview object");
    goto fail;
  }
  if ((rc = want_string(root, "apiVersion", "$", true, &api_version, err)) < 0 ||
      (rc = want_string(root, "kind", "$", true, &kind, err)) < 0)
    goto fail;
  if (strcmp(api_version, "admission.k8s.io/v1") != 0 && strcmp(api_version, "admission.k8s.io/v1beta1") != 0) {
    rc = adm_fail(err, ADM_EUNSUPPORTED, "$.apiVersion",
                  "unsupported apiVersion \"%.100s\" (want admission.k8s.io/v1 or v1beta1)", api_version);
    goto fail;
  }
  if (strcmp(kind, "AdmissionReview") != 0) {
    rc = adm_fail(err, ADM_EUNSUPPORTED, "$.kind", "unsupported kind \"%.100s\" (want AdmissionReview)", kind);
    goto fail;
  }
  out->api_version = api_version;
  const json_t *req = json_object_get(root, "request");
  if (req == NULL || json_is_null(req)) {
    rc = adm_fail(err, ADM_EMISSING, "$.request", "required field is missing");
    goto fail;
  }
  if (!json_is_object(req)) {
    rc = adm_fail(err, ADM_ETYPE, "$.request", "expected an object");
    goto fail;
  }
  if ((rc = want_string(req, "uid", "request", true, &out->uid, err)) < 0)
    goto fail;
  if (out->uid[0] == '\0') {
    rc = adm_fail(err, ADM_EMISSING, "request.uid", "must not be empty");
    goto fail;
  }
  if ((rc = want_gvx(req, "kind", "kind", &out->kind_group, &out->kind_version, &out->kind_kind, err)) < 0 ||
      (rc = want_gvx(req, "resource", "resource", &out->resource_group, &out->resource_version, &out->resource_resource,
                     err)) < 0 ||
      (rc = want_string(req, "subResource", "request", false, &out->sub_resource, err)) < 0 ||
      (rc = want_string(req, "name", "request", false, &out->name, err)) < 0 ||
      (rc = want_string(req, "namespace", "request", false, &out->namespace, err)) < 0 ||
      (rc = want_string(req, "operation", "request", true, &out->operation, err)) < 0)
    goto fail;
  out->username = "";
  const json_t *ui = json_object_get(req, "userInfo");
  if (ui != NULL && !json_is_null(ui)) {
    if (!json_is_object(ui)) {
      rc = adm_fail(err, ADM_ETYPE, "request.userInfo", "expected an object");
      goto fail;
    }
    if ((rc = want_string(ui, "username", "request.userInfo", false, &out->username, err)) < 0)
      goto fail;
  }
  const json_t *dry = json_object_get(req, "dryRun");
  if (dry != NULL && !json_is_null(dry) && !json_is_boolean(dry)) {
    rc = adm_fail(err, ADM_ETYPE, "request.dryRun", "expected a boolean");
    goto fail;
  }
  out->dry_run = json_is_true(dry);
  static const char *const objects[] = {"object", "oldObject"};
  for (int i = 0; i < 2; i++) {
    const json_t *o = json_object_get(req, objects[i]);
    if (o != NULL && !json_is_null(o) && !json_is_object(o)) {
      char where[64];
      snprintf(where, sizeof where, "request.%s", objects[i]);
      rc = adm_fail(err, ADM_ETYPE, where, "expected an object");
      goto fail;
    }
    if (json_is_null(o))
      o = NULL;
    if (i == 0)
      out->object = o;
    else
      out->old_object = o;
  }
  return 0;
fail:
  json_decref(root);
  memset(out, 0, sizeof *out);
  return rc;
}

void adm_review_request_release(struct adm_review_request *req) {
  /* An arena-backed tree is released with its arena; walking it to free
   * nothing would only cost time. */
  if (!req->in_arena)
    json_decref(req->root);
  req->root = NULL;
}

/* Written directly rather than through a jansson tree: every string here
 * came from the decoded request (already valid UTF-8) or from admitd. */
const char *adm_review_encode_into(const struct adm_review_request *req, const struct adm_decision *d,
                                   struct adm_arena *a, size_t *len) {
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm_sb_add(&sb, "{\"apiVersion\":");
  adm_sb_add_json_string(&sb, req->api_version);
  adm_sb_add(&sb, ",\"kind\":\"AdmissionReview\",\"response\":{\"uid\":");
  adm_sb_add_json_string(&sb, req->uid);
  adm_sb_add(&sb, d->allowed ? ",\"allowed\":true" : ",\"allowed\":false");
  if (!d->allowed) {
    adm_sb_addf(&sb, ",\"status\":{\"code\":%d,\"status\":\"Failure\",\"reason\":", d->code);
    adm_sb_add_json_string(&sb, d->status_reason ? d->status_reason : "Forbidden");
    adm_sb_add(&sb, ",\"message\":");
    adm_sb_add_json_string(&sb, d->message ? d->message : "denied");
    adm_sb_add(&sb, "}");
  }
  if (d->n_warnings > 0) {
    adm_sb_add(&sb, ",\"warnings\":");
    adm_sb_add_json_string_array(&sb, d->warnings, d->n_warnings);
  }
  if (d->n_annotations > 0) {
    adm_sb_add(&sb, ",\"auditAnnotations\":{");
    for (size_t i = 0; i < d->n_annotations; i++) {
      if (i)
        adm_sb_add(&sb, ",");
      adm_sb_add_json_string(&sb, d->annotations[i].key);
      adm_sb_add(&sb, ":");
      adm_sb_add_json_string(&sb, d->annotations[i].value);
    }
    adm_sb_add(&sb, "}");
  }
  adm_sb_add(&sb, "}}");
  const char *text = adm_sb_str(&sb);
  if (text != NULL && len)
    *len = sb.len;
  return text;
}

char *adm_review_encode(const struct adm_review_request *req, const struct adm_decision *d, size_t *len) {
  struct adm_arena a;
  adm_arena_init(&a, 4096, 0);
  size_t n = 0;
  const char *text = adm_review_encode_into(req, d, &a, &n);
  char *out = NULL;
  if (text != NULL && (out = malloc(n + 1)) != NULL) {
    memcpy(out, text, n + 1);
    if (len)
      *len = n;
  }
  adm_arena_free(&a);
  return out;
}

char *adm_status_body(int code, const char *reason, const char *message, size_t *len) {
  json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "apiVersion", "v1", "kind", "Status", "status", "Failure",
                          "reason", reason, "message", message, "code", code);
  if (doc == NULL)
    return NULL;
  char *out = adm_json_dumps(doc, JSON_COMPACT);
  json_decref(doc);
  if (out && len)
    *len = strlen(out);
  return out;
}
