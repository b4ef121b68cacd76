/* Result helpers and the one aggregator that formats evaluation output the
 * way upstream does: "reason (detail)" joined by ", ". */
#include <stdlib.h>

#include "internal.h"

void adm__names_init(struct adm__names *l, struct adm_arena *a) {
  l->arena = a;
  l->items = NULL;
  l->n = l->cap = 0;
}

void adm__names_add(struct adm__names *l, const char *s) {
  if (s == NULL)
    return; /* an allocation failed upstream of here; the detail is shorter, not wrong */
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 8;
    const char **items = adm_arena_alloc(l->arena, cap * sizeof *items);
    if (items == NULL)
      return; /* the list is cut short; the check still fails, with a shorter detail */
    if (l->n)
      memcpy(items, l->items, l->n * sizeof *items);
    l->items = items;
    l->cap = cap;
  }
  l->items[l->n++] = s;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void adm__names_sort_unique(struct adm__names *l) {
  if (l->n < 2)
    return;
  qsort(l->items, l->n, sizeof *l->items, cmp_str);
  size_t out = 1;
  for (size_t i = 1; i < l->n; i++)
    if (strcmp(l->items[i], l->items[out - 1]) != 0)
      l->items[out++] = l->items[i];
  l->n = out;
}

bool adm__names_contains(const struct adm__names *l, const char *s) {
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->items[i], s) == 0)
      return true;
  return false;
}

void adm__add_containers(struct adm_sb *sb, const struct adm__names *names) {
  adm_sb_add(sb, adm__plural("container ", "containers ", names->n));
  adm_sb_add_quoted_list(sb, names->items, names->n);
}

void adm__setters_add_containers(struct adm__names *setters, const struct adm__names *containers) {
  if (containers->n == 0)
    return;
  struct adm_sb sb;
  adm_sb_init(&sb, setters->arena);
  adm__add_containers(&sb, containers);
  adm__names_add(setters, adm_sb_str(&sb));
}

struct adm_check_result adm__deny(const char *reason, struct adm_sb *detail) {
  struct adm_check_result r = {.allowed = false, .reason = reason, .detail = NULL};
  if (detail)
    r.detail = adm_sb_str(detail);
  return r;
}

bool adm__str_in(const char *s, const char *const *set) {
  if (s == NULL)
    return false;
  for (; *set; set++)
    if (strcmp(s, *set) == 0)
      return true;
  return false;
}

const char *adm__key_quoted_value(struct adm_arena *a, const char *key, const char *value) {
  struct adm_sb sb;
  adm_sb_init(&sb, a);
  adm_sb_add(&sb, key);
  adm_sb_add(&sb, "=\"");
  for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
    switch (*p) {
    case '"':
      adm_sb_add(&sb, "\\\"");
      break;
    case '\\':
      adm_sb_add(&sb, "\\\\");
      break;
    case '\n':
      adm_sb_add(&sb, "\\n");
      break;
    case '\t':
      adm_sb_add(&sb, "\\t");
      break;
    case '\r':
      adm_sb_add(&sb, "\\r");
      break;
    default:
      if (*p < 0x20 || *p == 0x7f)
        adm_sb_addf(&sb, "\\x%02x", *p);
      else
        adm_sb_addn(&sb, (const char *)p, 1);
    }
  }
  adm_sb_add(&sb, "\"");
  return adm_sb_str(&sb);
}

const char *adm_pod_annotation(const struct adm_pod *pod, const char *key) {
  for (size_t i = 0; i < pod->n_annotations; i++)
    if (strcmp(pod->annotation_keys[i], key) == 0)
      return pod->annotation_values[i];
  return NULL;
}

/* An absent string reads as empty, as upstream's nil string is "". */
static bool same_str(const char *a, const char *b) {
  return strcmp(a ? a : "", b ? b : "") == 0;
}

bool adm_pod_keeps_image(const struct adm_pod *old, const struct adm_container *c) {
  for (size_t i = 0; old && i < old->n_containers; i++)
    if (same_str(old->containers[i].name, c->name))
      return same_str(old->containers[i].image, c->image);
  return false;
}

static const struct {
  const char *key;
  bool restricted_ok;
} volume_sources[] = {
#define ADM__VOL_ROW(id, key, ok) {key, ok},
    ADM_VOLUME_SOURCE_MAP(ADM__VOL_ROW)
#undef ADM__VOL_ROW
};

const char *adm_volume_source_key(enum adm_volume_source s) {
  return (unsigned)s < ADM_VOL__COUNT ? volume_sources[s].key : "unknown";
}

bool adm_volume_source_restricted_ok(enum adm_volume_source s) {
  return (unsigned)s < ADM_VOL__COUNT && volume_sources[s].restricted_ok;
}

const char *adm_evaluation_format(const struct adm_evaluation *ev, struct adm_arena *arena) {
  struct adm_sb sb;
  adm_sb_init(&sb, arena);
  for (size_t i = 0; i < ev->n_failed; i++) {
    if (i)
      adm_sb_add(&sb, ", ");
    adm_sb_add(&sb, ev->failed[i].reason);
    if (ev->failed[i].detail && ev->failed[i].detail[0]) {
      adm_sb_add(&sb, " (");
      adm_sb_add(&sb, ev->failed[i].detail);
      adm_sb_add(&sb, ")");
    }
  }
  return adm_sb_str(&sb);
}
