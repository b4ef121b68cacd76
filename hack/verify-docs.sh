#!/usr/bin/env bash
# Every Pod Security check in the table is documented in the README, and the
# README documents no check that does not exist.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/admitd ] || { echo "verify-docs: build first (hack/test.sh)" >&2; exit 1; }
code=$(build/admitd checks | awk '{print $1}' | sort)
docs=$(sed -n 's/^| `\([A-Za-z_]*\)` | \(baseline\|restricted\) |.*/\1/p' README.md | sort)
if [ "$code" != "$docs" ]; then
  echo "verify-docs: the README's check table and policies/ disagree:" >&2
  diff <(echo "$code") <(echo "$docs") >&2 || true
  exit 1
fi
echo "verify-docs: ok ($(echo "$code" | wc -l) checks)"
