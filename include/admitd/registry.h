/* The OCI distribution client: tag -> digest, manifests, blobs and an
 * image's referrers (OCI 1.1), over libcurl. server/registry/ is the only
 * folder whose files include curl; everything else reaches a registry
 * through the verifier vtable (verifier.h) that adm_registry_verifier
 * fills.
 *
 * Per registry: HTTPS with the system CAs unless a caFile is given; plain
 * HTTP only for a host marked insecure. Auth: the anonymous (or basic-backed)
 * bearer-token flow on "401 + WWW-Authenticate: Bearer", and HTTP basic with
 * credentials from a dockerconfigjson file on "401 + Basic". Redirects are
 * followed by hand, and credentials never go to another origin. Every HTTP
 * request is bounded by the connect and request timeouts and by the call's
 * absolute deadline, whichever ends first. Bodies are capped. */
#ifndef ADMITD_REGISTRY_H
#define ADMITD_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "admitd/error.h"
#include "admitd/verifier.h"

/* One registry's transport settings. host is "name" (every port) or
 * "name:port" (that port only, preferred when both match); Docker Hub's
 * aliases are one host (adm_registry_host_canonical). */
struct adm_registry_host {
  const char *host;
  const char *ca_file; /* PEM bundle that replaces the system CAs; NULL: system CAs */
  bool insecure;       /* plain HTTP; never implied */
};

/* Manifests, image indexes and signature manifests alike are a few KiB;
 * every concurrent fetch may hold this much. */
#define ADM_REGISTRY_MANIFEST_MAX (256u << 10)

struct adm_registry_options {
  const struct adm_registry_host *hosts; /* copied */
  size_t nhosts;
  const char *credentials_file; /* dockerconfigjson read once by _new; NULL or "": anonymous */
  long connect_timeout_ms;      /* per HTTP request; 0: 1000 */
  long request_timeout_ms;      /* per HTTP request, whole exchange; 0: 3000 */
  size_t max_manifest_bytes;    /* 0: ADM_REGISTRY_MANIFEST_MAX */
  size_t max_blob_bytes;        /* 0: 1 MiB */
  int max_redirects;            /* 0: 5 */
};

struct adm_registry_client;

/* *new*: free with adm_registry_client_free. Fails (ADM_EIO, ADM_EPARSE,
 * ADM_EINVAL, ADM_ENOMEM) on an unreadable or malformed credentials file or
 * a bad host entry, with err saying where. Thread-safe once made. */
int adm_registry_client_new(const struct adm_registry_options *o, struct adm_registry_client **out,
                            struct adm_error *err);
void adm_registry_client_free(struct adm_registry_client *c);

/* HEAD /v2/<repo>/manifests/<tag> with the full Accept list and
 * Docker-Content-Digest (any case); when the header is missing, GET the
 * manifest and hash it. A digest reference comes back unchanged, no I/O. */
enum adm_fetch_outcome adm_registry_resolve(struct adm_registry_client *c, const struct adm_fetch_target *t,
                                            int64_t deadline_ms, char digest[ADM_DIGEST_MAX],
                                            struct adm_fetch_error *err);
/* GET the manifest (capped). A digest reference must match the bytes; for a
 * tag, a Docker-Content-Digest that disagrees with the bytes is a mismatch. */
enum adm_fetch_outcome adm_registry_get_manifest(struct adm_registry_client *c, const struct adm_fetch_target *t,
                                                 int64_t deadline_ms, struct adm_fetched *out,
                                                 struct adm_fetch_error *err);
/* GET the blob t->reference (a sha256 digest), capped, bytes checked. */
enum adm_fetch_outcome adm_registry_get_blob(struct adm_registry_client *c, const struct adm_fetch_target *t,
                                             int64_t deadline_ms, struct adm_fetched *out, struct adm_fetch_error *err);

/* The referrers of the manifest t->reference (a sha256 digest; anything
 * else is INTERNAL, with no request) as an OCI image index, the contract of
 * adm_verifier_ops.referrers: GET /v2/<repo>/referrers/<digest> (*via
 * ADM_REFERRERS_API), and only when that answers 404, which a registry
 * with the API never does, GET /v2/<repo>/manifests/sha256-<hex>, the
 * referrers tag (*via ADM_REFERRERS_TAG, also when that GET fails); 404
 * there is NOT_FOUND. Any other status keeps the outcome it has for a
 * manifest (a 400, 405 or 406 is MALFORMED, a 501 UNAVAILABLE): the spec
 * makes 404 the one sign of a registry without the API. Sends no
 * artifactType filter, so OCI-Filters-Applied is never relied on. An index
 * with no manifests is OK: no referrers, said by the registry. Same auth,
 * redirects, deadline and cap (max_manifest_bytes) as a manifest GET. The
 * answer must be an OCI image index by its Content-Type, or by its
 * top-level mediaType when the Content-Type is absent or application/json
 * (the two may not disagree), else MALFORMED; nothing else in it is read.
 * out->data is the bytes as served (*new*), out->digest their sha256,
 * out->media_type the index type. The tag's Docker-Content-Digest, if any,
 * must match the bytes; the API's answer has none to match. */
enum adm_fetch_outcome adm_registry_referrers(struct adm_registry_client *c, const struct adm_fetch_target *t,
                                              int64_t deadline_ms, struct adm_fetched *out, enum adm_referrers_via *via,
                                              struct adm_fetch_error *err);

/* Fill v with the vtable over c; v borrows c. */
void adm_registry_verifier(struct adm_registry_client *c, struct adm_verifier *v);

/* HTTP requests this client has started (token requests and redirects
 * included): tests count round trips with it. */
unsigned long adm_registry_requests(const struct adm_registry_client *c);

/* Canonical registry name for settings and credentials: scheme and path
 * dropped, lower case, and Docker Hub's names (adm_image_host_is_docker_hub,
 * the same list image references are normalized by) all "docker.io".
 * ADM_ETOOBIG when out is short. */
int adm_registry_host_canonical(const char *name, char *out, size_t outlen);
/* The host serving the API for a canonical name: "docker.io" ->
 * "registry-1.docker.io", every other name itself. *borrowed* from name or
 * static. */
const char *adm_registry_api_host(const char *canonical);

/* libcurl's version and its TLS backend as linked at run time, for
 * `admitd version`: "8.14.1 (GnuTLS/3.8.9)". *borrowed*: static. */
const char *adm_registry_curl_version(void);

#endif
