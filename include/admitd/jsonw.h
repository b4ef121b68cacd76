/* The JSON writer: strings escaped for JSON (and repaired to valid UTF-8,
 * so text cut from input can never make a document invalid), into an
 * arena string builder or into a fixed buffer that needs no allocation;
 * and the count of values in JSON text that every parser checks first. */
#ifndef ADMITD_JSONW_H
#define ADMITD_JSONW_H

#include <stdbool.h>
#include <stddef.h>

#include "admitd/arena.h"

/* Escape s into sb as a JSON string, quotes included. A NULL s (a string
 * whose allocation failed) fails the builder. Invalid UTF-8 becomes U+FFFD. */
void adm_sb_add_json_string(struct adm_sb *sb, const char *s);
/* ["a","b"]: n strings as a JSON array. */
void adm_sb_add_json_string_array(struct adm_sb *sb, const char *const *items, size_t n);

/* s as a JSON string (quotes included) into buf, cut at a character
 * boundary with "..." when it does not fit. Returns the length written;
 * buf is NUL-terminated. cap must be at least 8. */
size_t adm_json_string_into(char *buf, size_t cap, const char *s);

/* A metav1.Status document for a refusal, written into buf without
 * allocating (the answer of last resort when memory is short). Returns its
 * length. cap must be at least 256. */
size_t adm_status_into(char *buf, size_t cap, int code, const char *reason, const char *message);

/* Whether JSON text holds more than max values (opening brackets and
 * commas outside strings, plus one), counted before parsing: a parsed tree
 * costs up to ~100 bytes a value, so a dense "[{},{},...]" is refused
 * before it is paid for. */
bool adm_json_values_exceed(const char *text, size_t len, size_t max);

#endif
