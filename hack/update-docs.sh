#!/usr/bin/env bash
# Rewrite the README's generated tables from the binary's own tables: the
# policy families' checks (`admitd checks`) and every key of the policy
# file (`admitd keys`: the families' sections in one table, the rest in
# another), between their BEGIN/END markers. hack/verify-docs.sh
# fails when they are stale.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/admitd ] || { echo "update-docs: build first (hack/test.sh)" >&2; exit 1; }
python3 - <<'PY'
import re, subprocess
readme = open("README.md").read()
keys = subprocess.run(["build/admitd", "keys"], capture_output=True, text=True, check=True).stdout.splitlines()
# The families of rules are the sections whose keys include rules[]: no
# family is named here.
families = sorted({k.split(".", 1)[0] for k in keys if ".rules[]." in k.split("\t", 1)[0]})
checks = subprocess.run(["build/admitd", "checks"], capture_output=True, text=True, check=True).stdout.splitlines()
rows = []
for line in checks:
    parts = line.split(None, 2)
    if len(parts) == 3 and parts[1] in families:
        rows.append("| `%s` | %s | %s |" % tuple(parts))
checks_md = "| check | family | fails when it is not so |\n| --- | --- | --- |\n" + "\n".join(rows)
def keys_table(rows):
    return "| key | meaning |\n| --- | --- |\n" + "\n".join("| `%s` | %s |" % tuple(k.split("\t", 1)) for k in rows)
family_md = keys_table([k for k in keys if k.split(".", 1)[0] in families])
policy_md = keys_table([k for k in keys if k.split(".", 1)[0] not in families])
for name, body in (("family-checks", checks_md), ("family-keys", family_md), ("policy-keys", policy_md)):
    pat = re.compile(r"(<!-- BEGIN %s -->\n).*?(<!-- END %s -->)" % (name, name), re.S)
    if not pat.search(readme):
        raise SystemExit("update-docs: README.md has no %s markers" % name)
    readme = pat.sub(lambda m: m.group(1) + body + "\n" + m.group(2), readme)
open("README.md", "w").write(readme)
PY
echo "update-docs: README.md tables rewritten" >&2
