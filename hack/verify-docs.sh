#!/usr/bin/env bash
# The README documents every check (Pod Security's and each family's) and
# every key of the family sections, and nothing that does not exist.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/admitd ] || { echo "verify-docs: build first (hack/test.sh)" >&2; exit 1; }
status=0
code=$(build/admitd checks | awk '{print $1}' | sort)
docs=$(sed -n 's/^| `\([A-Za-z_.]*\)` | \(baseline\|restricted\|resources\|securityContext\|images\) |.*/\1/p' README.md | sort)
if [ "$code" != "$docs" ]; then
  echo "verify-docs: the README's check tables and \`admitd checks\` disagree (< code, > README):" >&2
  diff <(echo "$code") <(echo "$docs") >&2 || true
  status=1
fi
keys=$(build/admitd keys | cut -f1 | sort)
dkeys=$(sed -n '/<!-- BEGIN family-keys -->/,/<!-- END family-keys -->/s/^| `\([A-Za-z.]*\(\[\]\.[A-Za-z.]*\)*\)` |.*/\1/p' README.md | sort)
if [ "$keys" != "$dkeys" ]; then
  echo "verify-docs: the README's policy key tables and \`admitd keys\` disagree (< code, > README):" >&2
  diff <(echo "$keys") <(echo "$dkeys") >&2 || true
  status=1
fi
[ $status -eq 0 ] && echo "verify-docs: ok ($(echo "$code" | wc -l) checks, $(echo "$keys" | wc -l) keys)"
exit $status
