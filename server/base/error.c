/* adm_strerror() and the adm_error helpers. Owns no state. */
#include "admitd/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *adm_strerror(int code) {
  switch (code) {
  case ADM_OK:
    return "success";
#define ADM__ERR_TEXT(name, text)                                                                                      \
  case ADM_E##name:                                                                                                    \
    return text;
    ADM_ERRNO_MAP(ADM__ERR_TEXT)
#undef ADM__ERR_TEXT
  default:
    return "unknown error";
  }
}

int adm_fail(struct adm_error *err, int code, const char *where, const char *fmt, ...) {
  if (err == NULL)
    return code;
  err->code = code;
  snprintf(err->where, sizeof err->where, "%s", where ? where : "");
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  return code;
}

void adm_error_format(const struct adm_error *err, char *out, size_t outlen) {
  if (err->where[0] != '\0')
    snprintf(out, outlen, "%s: %s", err->where, err->message);
  else
    snprintf(out, outlen, "%s", err->message);
}
