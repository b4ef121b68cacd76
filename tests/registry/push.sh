#!/usr/bin/env bash
# Push an arbitrary manifest and its blobs to a registry with curl, e.g. a
# cosign signature made with openssl:
#   tests/registry/push.sh BASE REPO REF MANIFEST MEDIATYPE [BLOB...] [-- CURL_ARGS...]
# BASE is http://127.0.0.1:PORT; REF a tag (sha256-<hex>.sig) or a digest.
# Blobs go first, then the manifest; prints the manifest's digest.
set -euo pipefail
[ $# -ge 5 ] || { sed -n '2,6p' "$0" >&2; exit 2; }
. "$(dirname "$0")/lib.sh"
trap 'rm -rf "$REG_WORK"' EXIT
base=$1 repo=$2 ref=$3 manifest=$4 mt=$5
shift 5
blobs=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  blobs+=("$1")
  shift
done
[ "${1:-}" = -- ] && shift
for b in "${blobs[@]}"; do
  registry_push_blob "$base" "$repo" "$b" "$@" >/dev/null
done
registry_push_manifest "$base" "$repo" "$ref" "$manifest" "$mt" "$@"
