#!/usr/bin/env bash
# Every verify-* check; none of them changes a file.
set -euo pipefail
cd "$(dirname "$0")/.."
for v in hack/verify-banned.sh hack/verify-docs.sh hack/verify-format.sh hack/verify-golden.sh hack/verify-layers.sh; do
  "$v"
done
