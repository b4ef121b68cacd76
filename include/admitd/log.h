/* Structured logging: one JSON object per line on stderr. */
#ifndef ADMITD_LOG_H
#define ADMITD_LOG_H

#include <stdarg.h>

#include "admitd/review.h"

enum adm_log_level { ADM_LOG_ERROR = 0, ADM_LOG_WARN, ADM_LOG_INFO, ADM_LOG_DEBUG };

void adm_log_set_level(enum adm_log_level level);
int adm_log_level_parse(const char *s, enum adm_log_level *out);
int adm_log_enabled(enum adm_log_level level);

/* {"time":..,"level":..,"msg":..} */
void adm_log(enum adm_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A libmicrohttpd external logger (MHD_OPTION_EXTERNAL_LOGGER): its
 * message as a warning, trailing newlines dropped, after cls, a prefix
 * string naming the listener ("http"). */
void adm_log_mhd(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* The decision line: time, uid, kind, namespace, name, operation, user,
 * allowed, dry_run, judged, reasons, checks, latency_us. */
void adm_log_decision(const struct adm_review_request *req, const struct adm_decision *d, long long latency_us);

#endif
