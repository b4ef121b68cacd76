/* Error codes shared by every admitd module, and the place an input error
 * points at. One X-macro gives both the codes and adm_strerror(), so a new
 * code cannot be added without its text. */
#ifndef ADMITD_ERROR_H
#define ADMITD_ERROR_H

#include <stddef.h>

#define ADM_ERRNO_MAP(X)                                                                                               \
  X(NOMEM, "out of memory")                                                                                            \
  X(INVAL, "invalid value")                                                                                            \
  X(PARSE, "malformed input")                                                                                          \
  X(TYPE, "wrong type")                                                                                                \
  X(UNKNOWN_KEY, "unknown key")                                                                                        \
  X(MISSING, "required field missing")                                                                                 \
  X(DUPLICATE, "duplicate key")                                                                                        \
  X(TOOBIG, "input exceeds a configured limit")                                                                        \
  X(TOODEEP, "input nests too deeply")                                                                                 \
  X(IO, "input/output error")                                                                                          \
  X(UNSUPPORTED, "not supported")                                                                                      \
  X(TLS, "TLS error")                                                                                                  \
  X(TABLE, "inconsistent check table")

enum adm_errno {
  ADM_OK = 0,
#define ADM__ERR_ENUM(name, text) ADM_E##name,
  ADM__ERR_FIRST = -100,
  ADM_ERRNO_MAP(ADM__ERR_ENUM)
#undef ADM__ERR_ENUM
};

/* Text for a code; never NULL. */
const char *adm_strerror(int code);

/* Where an input error was found and what it is. `where` is
 * "file:line:col: key" for YAML and a JSON path for requests. */
struct adm_error {
  int code;
  char where[256];
  char message[512];
};

/* Fill err (if not NULL) and return code, so callers can `return adm_fail(...)`. */
int adm_fail(struct adm_error *err, int code, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "where: message", or the message alone when where is empty. */
void adm_error_format(const struct adm_error *err, char *out, size_t outlen);

#endif
