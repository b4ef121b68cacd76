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
# Only the registry client talks libcurl (DESIGN.md, "Facts before judgement"):
# the files of server/registry/ itself, not a folder below it.
if grep -rlE '#include <curl/' server policies include tests | grep -vxE 'server/registry/[^/]+\.[ch]'; then
  echo "verify-banned: only server/registry/ may include curl; use the verifier interface (include/admitd/verifier.h)" >&2
  exit 1
fi
echo "verify-banned: ok"
