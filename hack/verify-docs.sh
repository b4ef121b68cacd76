#!/usr/bin/env bash
# The README documents every check (Pod Security's and each family's),
# every key of the policy file and every `admitd serve` flag, and nothing
# that does not exist.
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
# Keys: each row of the README's key tables is a line of `admitd keys`,
# key and doc, and each line a row (hack/update-docs.sh writes them).
keys=$(build/admitd keys | awk -F'\t' '{printf "| `%s` | %s |\n", $1, $2}' | sort)
dkeys=$(sed -n '/<!-- BEGIN \(family\|policy\)-keys -->/,/<!-- END \(family\|policy\)-keys -->/{/^| `/p}' README.md | sort)
if [ "$keys" != "$dkeys" ]; then
  echo "verify-docs: the README's policy key tables and \`admitd keys\` disagree (< code, > README; hack/update-docs.sh rewrites them):" >&2
  diff <(echo "$keys") <(echo "$dkeys") >&2 || true
  status=1
fi
# Flags: what `admitd serve --help` lists first on its lines, against the
# first column of the README's serve flag table.
flags=$(build/admitd serve --help | python3 -c '
import re, sys
for line in sys.stdin:
    if line.startswith("  --"):
        for tok in line.split():
            if tok.startswith("--"):
                print(tok)
            elif not re.fullmatch(r"[A-Z][A-Z:]*", tok):
                break' | sort -u)
dflags=$(sed -n '/^### admitd serve flags/,/^## /s/^| \([^|]*\) |.*/\1/p' README.md | grep -o -- '`--[a-z-]*' | tr -d '`' | sort -u)
if [ "$flags" != "$dflags" ]; then
  echo "verify-docs: the README's serve flag table and \`admitd serve --help\` disagree (< code, > README):" >&2
  diff <(echo "$flags") <(echo "$dflags") >&2 || true
  status=1
fi
[ $status -eq 0 ] && echo "verify-docs: ok ($(echo "$code" | wc -l) checks, $(echo "$keys" | wc -l) keys, $(echo "$flags" | wc -l) serve flags)"
exit $status
