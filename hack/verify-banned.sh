#!/usr/bin/env bash
# Refuse unbounded or unsafe C library calls (curl's checksrc list).
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol)\s*\('
if grep -nE "$pattern" --include='*.c' --include='*.h' -r server policies include tests; then
  echo "verify-banned: use bounded forms (snprintf, memcpy with a length, strtol, strtok_r)" >&2
  exit 1
fi
# policies/ is pure: CMake links it to nothing but the arena; this catches the include first.
if grep -nE '#include <(microhttpd|gnutls/|jansson|yaml|curl/)' -r policies; then
  echo "verify-banned: policies/ must not use HTTP, TLS, JSON, YAML or network libraries" >&2
  exit 1
fi
# Only the network clients talk libcurl (DESIGN.md, "Facts before judgement"):
# the files of server/registry/ (OCI registries) and of server/kube/ (the
# Kubernetes API server: namespaces and pods, which it lists and watches
# over HTTPS with the same libcurl), not a folder below either.
if grep -rlE '#include <curl/' server policies include tests | grep -vxE 'server/(registry|kube)/[^/]+\.[ch]'; then
  echo "verify-banned: only server/registry/ and server/kube/ may include curl; use the verifier interface (include/admitd/verifier.h) or kube.h" >&2
  exit 1
fi
echo "verify-banned: ok"
