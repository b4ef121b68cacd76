/* What the registry client's files share and nothing else includes: the
 * client object's layout, the settings and credentials it holds, the origin
 * a URL points to, the grant that binds an Authorization header to one
 * origin, and one HTTP exchange. Private to server/registry/; the contract
 * for everyone else is include/admitd/registry.h. */
#ifndef ADMITD_REGISTRY_INTERNAL_H
#define ADMITD_REGISTRY_INTERNAL_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admitd/error.h"
#include "admitd/registry.h"

enum {
  ADM__REG_URL_MAX = 8192,       /* a redirect or token realm longer than this is refused */
  ADM__REG_CHALLENGE_MAX = 2048, /* one WWW-Authenticate value */
  ADM__REG_TOKEN_SLOTS = 32,     /* cached tokens per client */
  ADM__REG_POOL_MAX = 8,         /* idle easy handles kept per client */
};

struct adm__reg_host_settings {
  char *host; /* canonical, maybe with ":port" */
  char *ca_file;
  bool insecure;
};

struct adm__reg_credential {
  char *host;         /* canonical */
  char *basic_header; /* "Authorization: Basic ..." */
};

struct adm__reg_token_slot {
  char *key;    /* "<canonical registry> <scope>"; NULL: empty */
  char *header; /* "Authorization: Bearer ..." */
  int64_t expires_ms;
};

struct adm_registry_client {
  struct adm__reg_host_settings *hosts;
  size_t nhosts;
  struct adm__reg_credential *creds;
  size_t ncreds;
  long connect_timeout_ms, request_timeout_ms;
  size_t max_manifest, max_blob;
  int max_redirects;
  atomic_ulong requests;

  pthread_mutex_t lock; /* tokens and pool */
  struct adm__reg_token_slot tokens[ADM__REG_TOKEN_SLOTS];
  CURL *pool[ADM__REG_POOL_MAX];
  size_t npool;

  CURLSH *share;
  pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
};

/* Where a URL points, to choose settings and to compare origins. */
struct adm__reg_origin {
  char scheme[8];
  char host[256];
  char port[8];
};

/* An Authorization header line and the one origin it may be sent to. A
 * credential or a token is bound to where it was meant for when it is made,
 * so that no redirect, challenge or realm can carry it anywhere else. */
struct adm__reg_grant {
  struct adm__reg_origin to;
  const char *header; /* "Authorization: ..."; NULL: nothing to send */
};

struct adm__reg_exchange {
  bool head;
  size_t cap;
  long status;
  unsigned char *body;
  size_t len, alloc;
  bool too_large, header_too_long;
  char digest[ADM_DIGEST_MAX + 8];
  char content_type[128];
  char challenge[ADM__REG_CHALLENGE_MAX]; /* the Bearer challenge if any, else the first */
  struct adm__reg_origin from;            /* who sent this response: a redirect's target, maybe */
  char errbuf[CURL_ERROR_SIZE];
};

/* The origins one registry call may authenticate to: the registry's own,
 * which gets its credentials (and tokens asked with them), and at most one
 * other that a redirect led to and that challenged in turn. That one is
 * asked for a token anonymously, as if no credentials were configured: they
 * are for the registry, and a challenge it did not send cannot name where
 * they go. Its token is sent to it alone and not cached, since only the
 * registry decides where it redirects. */
enum adm__reg_party { ADM__REG_HOME, ADM__REG_AWAY, ADM__REG_PARTIES };

/* ---- small helpers (client.c) ----------------------------------------- */

/* Fill err (when not NULL) and return o. */
enum adm_fetch_outcome adm__reg_fail(struct adm_fetch_error *err, enum adm_fetch_outcome o, int status, const char *fmt,
                                     ...) __attribute__((format(printf, 4, 5)));
/* *new*: a copy of s, or NULL for NULL (and when out of memory). */
char *adm__reg_dup_str(const char *s);
void adm__reg_lower_in_place(char *s);

/* ---- the client's hosts (client.c) ------------------------------------ */

/* hostname (no port) and port ("" when none) of a canonical "name[:port]";
 * port is *borrowed* from hp. */
void adm__reg_split_host_port(const char *hp, char *host, size_t hostlen, const char **port);
/* The settings for hostname:port: an exact "name:port" entry wins over a
 * "name" entry; NULL when neither exists (HTTPS, system CAs). *borrowed*. */
const struct adm__reg_host_settings *adm__reg_settings_for(const struct adm_registry_client *c, const char *host,
                                                           const char *port);

/* ---- credentials and tokens (auth.c) ---------------------------------- */

/* The credentials file's entry for a canonical registry name, or NULL. */
const struct adm__reg_credential *adm__reg_credential_for(const struct adm_registry_client *c, const char *canonical);
/* Read a dockerconfigjson file into c's credentials. */
int adm__reg_load_credentials(struct adm_registry_client *c, const char *file, struct adm_error *err);
/* *new*: the cached, unexpired Authorization header for key, or NULL. */
char *adm__reg_token_get(struct adm_registry_client *c, const char *key);
void adm__reg_token_drop(struct adm_registry_client *c, const char *key);
void adm__reg_slot_clear(struct adm__reg_token_slot *s);
/* A 401 from who: a new Authorization header for it in *auth (*new*), or
 * an error. basic is the registry's credentials, for ADM__REG_HOME only. */
enum adm_fetch_outcome adm__reg_answer_challenge(struct adm_registry_client *c, CURL *h,
                                                 const struct adm__reg_exchange *x, enum adm__reg_party who,
                                                 const char *basic, const char *scope, const char *key,
                                                 int64_t deadline_ms, const char *what, char **auth,
                                                 struct adm_fetch_error *err);

/* ---- the transport (transport.c) -------------------------------------- */

/* false unless url is an http(s) URL whose parts fit o. */
bool adm__reg_parse_origin(const char *url, struct adm__reg_origin *o);
bool adm__reg_same_origin(const struct adm__reg_origin *a, const struct adm__reg_origin *b);
/* An easy handle from the pool or a new one (NULL: out of memory); give it
 * back when the call is done. */
CURL *adm__reg_handle_take(struct adm_registry_client *c);
void adm__reg_handle_give(struct adm_registry_client *c, CURL *h);
/* One request and its redirects, each hop carrying only the grant made for
 * its own origin. On return x holds the final response and who sent it (or
 * a transport error, mapped into err). */
enum adm_fetch_outcome adm__reg_exchange_run(struct adm_registry_client *c, CURL *h, const char *first_url,
                                             const char *accept, const struct adm__reg_grant *grants, size_t ngrants,
                                             int64_t deadline_ms, struct adm__reg_exchange *x,
                                             struct adm_fetch_error *err);

#endif
