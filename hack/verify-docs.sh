#!/usr/bin/env bash
# The README documents every check (Pod Security's and each family's),
# every key of the policy file and every `admitd serve` flag, and nothing
# that does not exist.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/admitd ] || { echo "verify-docs: build first (hack/test.sh)" >&2; exit 1; }
status=0
code=$(build/admitd checks | awk '{print $1}' | sort)
# A check's row names its level (Pod Security) or its family, whichever
# `admitd checks` prints second: no family is named here.
kinds=$(build/admitd checks | awk '{print $2}' | sort -u | paste -sd'|')
docs=$(sed -n -E "s/^\| \`([A-Za-z_.]*)\` \| ($kinds) \|.*/\1/p" README.md | sort)
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
# Flags: `admitd serve --help` is written from the flag table, one entry
# per line that starts with "  --" (continued on indented lines): the flags
# it names first, and its default last, as "(default ...)". The README's
# serve flag table must name the same flags with the same defaults
# (backquotes aside).
flags=$(build/admitd serve --help | python3 -c '
import re, sys
entries = []
for line in sys.stdin:
    if line.startswith("  --"):
        entries.append(line.strip())
    elif line.startswith("    ") and entries:
        entries[-1] += " " + line.strip()
for e in entries:
    names = []
    for tok in e.split():
        if tok.startswith("--"):
            names.append(tok)
        elif not re.fullmatch(r"[A-Z][A-Z:]*", tok):
            break
    at = e.rfind("(default ")
    default = e[at + len("(default "):-1] if at >= 0 and e.endswith(")") else "?"
    for n in names:
        print(n + "\t" + default)' | sort -u)
dflags=$(sed -n '/^### admitd serve flags/,/^## /p' README.md | python3 -c '
import re, sys
for line in sys.stdin:
    cells = [c.strip() for c in line.strip().split("|")]
    if len(cells) < 4 or not cells[1].startswith("`--"):
        continue
    for n in re.findall(r"`(--[a-z0-9-]+)", cells[1]):
        print(n + "\t" + cells[2].replace("`", ""))' | sort -u)
if [ "$flags" != "$dflags" ]; then
  echo "verify-docs: the README's serve flag table and \`admitd serve --help\` disagree on flags or defaults (< code, > README):" >&2
  diff <(echo "$flags") <(echo "$dflags") >&2 || true
  status=1
fi
[ $status -eq 0 ] && echo "verify-docs: ok ($(echo "$code" | wc -l) checks, $(echo "$keys" | wc -l) keys, $(echo "$flags" | wc -l) serve flags)"
exit $status
