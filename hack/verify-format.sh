#!/usr/bin/env bash
# C sources are formatted with clang-format (.clang-format at the root).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null 2>&1; then
  echo "verify-format: clang-format not installed; skipped (apt-get install clang-format)"
  exit 0
fi
files=$(git ls-files '*.c' '*.h')
if ! clang-format --dry-run --Werror $files 2>/dev/null; then
  echo "verify-format: run hack/update-format.sh" >&2
  exit 1
fi
echo "verify-format: ok"
