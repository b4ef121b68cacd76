/* Builds AdmissionReview text for an object (synth.h). Owns only the
 * envelope; the object is serialized by jansson as it stands. */
#include "admitd/synth.h"

#include "admitd/jsonw.h"
#include "admitd/review.h"

static void field(struct adm_sb *sb, const char *key, const char *value) {
  adm_sb_add(sb, ",\"");
  adm_sb_add(sb, key);
  adm_sb_add(sb, "\":");
  adm_sb_add_json_string(sb, value ? value : "");
}

static void gvx(struct adm_sb *sb, const char *key, const char *group, const char *version, const char *last,
                const char *value) {
  adm_sb_add(sb, ",\"");
  adm_sb_add(sb, key);
  adm_sb_add(sb, "\":{\"group\":");
  adm_sb_add_json_string(sb, group ? group : "");
  adm_sb_add(sb, ",\"version\":");
  adm_sb_add_json_string(sb, version ? version : "v1");
  adm_sb_add(sb, ",\"");
  adm_sb_add(sb, last);
  adm_sb_add(sb, "\":");
  adm_sb_add_json_string(sb, value ? value : "");
  adm_sb_add(sb, "}");
}

static void object(struct adm_sb *sb, struct adm_arena *a, const char *key, const json_t *obj) {
  if (obj == NULL)
    return;
  size_t n = 0;
  char *text = adm_json_dump_arena(a, obj, &n);
  if (text == NULL) {
    adm_sb_add(sb, NULL); /* fails the builder: never a review without its object */
    return;
  }
  adm_sb_add(sb, ",\"");
  adm_sb_add(sb, key);
  adm_sb_add(sb, "\":");
  adm_sb_addn(sb, text, n);
}

char *adm_synth_review(struct adm_arena *a, const struct adm_synth *s, size_t *len) {
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm_sb_add(&sb, "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":");
  adm_sb_add_json_string(&sb, s->uid ? s->uid : "admitd-synthetic");
  gvx(&sb, "kind", s->group, s->version, "kind", s->kind);
  gvx(&sb, "resource", s->resource_group, s->version, "resource", s->resource);
  field(&sb, "name", s->name);
  field(&sb, "namespace", s->namespace);
  field(&sb, "operation", s->operation ? s->operation : "CREATE");
  adm_sb_add(&sb, ",\"userInfo\":{\"username\":");
  adm_sb_add_json_string(&sb, s->username ? s->username : "");
  adm_sb_add(&sb, ",\"groups\":");
  adm_sb_add_json_string_array(&sb, s->groups, s->n_groups);
  adm_sb_add(&sb, "}");
  object(&sb, a, "object", s->object);
  object(&sb, a, "oldObject", s->old_object);
  adm_sb_add(&sb, s->dry_run ? ",\"dryRun\":true}}" : ",\"dryRun\":false}}");
  const char *text = adm_sb_str(&sb);
  if (text && len)
    *len = sb.len;
  return (char *)text;
}
