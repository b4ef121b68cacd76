#!/usr/bin/env bash
# admitd check and check-config from the command line: exit codes, output
# formats, stdin, input errors that name file and line, and many files at once.
ADMITD=${1:?usage: check_cli.sh PATH/TO/admitd}
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1

cat >priv.yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: priv}
spec:
  containers: [{name: app, image: x, securityContext: {privileged: true}}]
YAML
cat >ok.yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: ok}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
    - name: app
      image: x
      securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
YAML

out=$("$ADMITD" check ok.yaml)
expect_eq "allowed: exit 0" 0 $?
expect_eq "allowed: line and summary" "ok.yaml Pod/ok: allowed
1 object: 1 allowed, 0 denied, 0 with warnings, 0 errors" "$out"
out=$("$ADMITD" check priv.yaml ok.yaml)
expect_eq "any denied: exit 1" 1 $?
expect_contains "denied line" 'priv.yaml Pod/priv: denied: pods "priv" is forbidden: violates PodSecurity "baseline:latest": privileged' "$out"
out=$("$ADMITD" check --level privileged priv.yaml)
expect_eq "--level privileged allows" 0 $?
out=$("$ADMITD" check --level restricted --version v1.0 ok.yaml)
expect_eq "--version v1.0" 0 $?
out=$("$ADMITD" check --output json priv.yaml)
expect_eq "json: exit 1" 1 $?
expect_contains "json: fields" '"file":"priv.yaml","doc":1,"line":1,"apiVersion":"v1","kind":"Pod","name":"priv","namespace":"default","allowed":false,"judged":true,"skipped":null,"exempt":null' "$out"
expect_contains "json: per-mode results" '"modes":{"enforce":{"allowed":false,"message":"pods \"priv\" is forbidden' "$out"
expect_contains "json: audit mode" '"audit":"would violate PodSecurity \"restricted:latest\"' "$out"
expect_contains "json: check ids" '"checks":["privileged"' "$out"
out=$("$ADMITD" check - <priv.yaml)
expect_eq "stdin: exit 1" 1 $?
expect_contains "stdin is named -" "- Pod/priv: denied" "$out"
out=$(python3 -c 'import json,sys; print(json.dumps({"apiVersion":"v1","kind":"Pod","metadata":{"name":"j"},"spec":{"hostIPC":True,"containers":[{"name":"c"}]}}))' | "$ADMITD" check -)
expect_contains "JSON manifest on stdin" 'host namespaces (hostIPC=true)' "$out"

# Usage and input errors: exit 2, the error on stderr naming what and where.
err=$("$ADMITD" check 2>&1 >/dev/null)
expect_eq "no files: exit 2" 2 $?
err=$("$ADMITD" check --level superstrict ok.yaml 2>&1 >/dev/null)
expect_eq "bad level: exit 2" 2 $?
expect_contains "bad level message" 'unknown level "superstrict"' "$err"
err=$("$ADMITD" check --level baseline --version 1.30 ok.yaml 2>&1 >/dev/null)
expect_eq "bad version: exit 2" 2 $?
err=$("$ADMITD" check --output xml ok.yaml 2>&1 >/dev/null)
expect_eq "bad output: exit 2" 2 $?
err=$("$ADMITD" check --namespace-labels env=prod,env=dev ok.yaml 2>&1 >/dev/null)
expect_eq "bad namespace labels: exit 2" 2 $?
expect_contains "bad namespace labels message" 'admitd check: --namespace-labels: label "env" is given twice' "$err"
err=$("$ADMITD" check --namespace-labels 'x=a b' ok.yaml 2>&1 >/dev/null)
expect_eq "bad namespace label value: exit 2" 2 $?
expect_contains "bad namespace label value message" '"a b" is not a label value' "$err"
err=$("$ADMITD" check missing.yaml 2>&1 >/dev/null)
expect_eq "missing file: exit 2" 2 $?
expect_contains "missing file named" "missing.yaml: cannot open" "$err"
printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n' >broken.yaml
err=$("$ADMITD" check broken.yaml ok.yaml 2>&1 >/dev/null)
expect_eq "broken YAML: exit 2" 2 $?
expect_contains "broken YAML names file and line" "broken.yaml:5:1" "$err"
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: t}\nspec:\n  containers: [{name: a, securityContext: {privileged: "yes"}}]\n' >typed.yaml
out=$("$ADMITD" check typed.yaml 2>&1)
expect_eq "wrong type in a pod manifest: an input error, exit 2" 2 $?
expect_contains "wrong type names the path" "spec.containers[0].securityContext.privileged: expected boolean" "$out"
out=$("$ADMITD" check --level baseline typed.yaml 2>/dev/null)
expect_eq "wrong type with --level: exit 2" 2 $?
expect_contains "wrong type with --level names file, line and path" "typed.yaml Pod/t: not judged: typed.yaml:1: failed to decode pod: request.object.spec.containers[0].securityContext.privileged: expected boolean" "$out"
# expect_input_error WHAT FILE NEEDLE: check FILE exits 2 and says NEEDLE on stderr.
expect_input_error() {
  local err
  err=$("$ADMITD" check "$2" 2>&1 >/dev/null)
  expect_eq "$1: exit 2" 2 $?
  expect_contains "$1: named with its place" "$3" "$err"
}
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: inf}\nspec:\n  securityContext: {runAsUser: -.inf}\n' >inf.yaml
expect_input_error ".inf in a manifest" inf.yaml 'inf.yaml:5:32: number out of range: "-.inf"'
printf 'apiVersion: v1\nkind: Pod\nmetadata: &m\n  name: loop\n  labels: *m\n' >cycle.yaml
expect_input_error "alias cycle" cycle.yaml "cycle.yaml:5:11: alias *m is inside the node &m it names (a cycle)"
printf '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}}\n{"apiVersion":"v1",\n "kind":}\n' >stream.json
expect_input_error "malformed second JSON object" stream.json "stream.json:3:"
expect_input_error "malformed JSON names the document" stream.json "malformed JSON in document 2"
out=$(printf '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}} {"apiVersion":"v1","kind":"Pod","metadata":{"name":"b"},"spec":{"hostPID":true}}' | "$ADMITD" check -)
expect_eq "JSON stream on stdin: exit 1" 1 $?
expect_contains "JSON stream: second object judged" "-#2 Pod/b: denied" "$out"
printf -- '- just\n- a list\n' >list.yaml
err=$("$ADMITD" check list.yaml 2>&1 >/dev/null)
expect_eq "non-object document: exit 2" 2 $?
expect_contains "non-object document named" "list.yaml:1: document 1 is not a mapping" "$err"
printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"operation":"CREATE"}}' >badreview.json
err=$("$ADMITD" check badreview.json 2>&1 >/dev/null)
expect_eq "review without uid: exit 2" 2 $?
expect_contains "review without uid named" "request.uid" "$err"
err=$("$ADMITD" check --policy nope.yaml ok.yaml 2>&1 >/dev/null)
expect_eq "missing policy: exit 2" 2 $?

# What CI needs from the report.
mkdir -p tree/a/b
cp priv.yaml tree/a/b/priv.yml
cp ok.yaml tree/ok.json.txt
printf '{"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"web-"},"spec":{"hostPID":true,"containers":[{"name":"c","image":"x"}]}}' >tree/a/gen.json
out=$("$ADMITD" check tree)
expect_eq "folders recursively (.yml, .json; not .txt): exit 1" 1 $?
expect_contains "generateName is the name" "tree/a/gen.json Pod/web-: denied" "$out"
expect_contains "nested .yml" "tree/a/b/priv.yml Pod/priv: denied" "$out"
expect_contains "summary of the folder" "2 objects: 0 allowed, 2 denied, 0 with warnings, 0 errors" "$out"
# Each folder once, by device and inode: links back up the tree are named
# and not followed (two links to "." made the walk endless); a link to a
# folder outside the tree is followed.
mkdir -p outside loops/real
cp priv.yaml outside/o.yaml
cp priv.yaml loops/real/p.yaml
ln -s . loops/a
ln -s . loops/b
ln -s .. loops/real/up
ln -s real loops/0-alias
ln -s ../outside loops/out
out=$( (cap_memory && exec timeout 20 "$ADMITD" check loops) 2>err.txt)
expect_eq "links to folders read once: exit 1" 1 $?
expect_eq "links to folders read once: each file once, by its real path" "loops/out/o.yaml Pod/priv: denied
loops/real/p.yaml Pod/priv: denied
2 objects: 0 allowed, 2 denied, 0 with warnings, 0 errors" "$(printf '%s\n' "$out" | sed 's/: denied.*/: denied/')"
expect_eq "links to folders read once: each skipped link named" "admitd check: note: loops/0-alias: not followed: a link to a folder already read
admitd check: note: loops/a: not followed: a link to a folder already read
admitd check: note: loops/b: not followed: a link to a folder already read
admitd check: note: loops/real/up: not followed: a link to a folder already read" "$(cat err.txt)"
# What a folder holds that would have been read and could not be is named,
# and the run is an input error: a CI gate never passes on what it skipped
# (a pod 66 folders deep, a manifest name that is a FIFO or a dangling link).
deep=unread/d
for _ in $(seq 1 66); do deep=$deep/d; done
mkdir -p "$deep" unread/top
cp priv.yaml "$deep/pod.yaml"
cp priv.yaml unread/top/priv.yaml
mkfifo unread/top/fifo.yaml
ln -s nowhere unread/top/gone.yaml
ln -s loop.yml unread/top/loop.yml
ln -s nowhere unread/top/not-a-manifest
out=$(timeout 20 "$ADMITD" check unread 2>err.txt)
expect_eq "unread entries with a denial: exit 3" 3 $?
expect_contains "the denial still reported" "unread/top/priv.yaml Pod/priv: denied" "$out"
expect_contains "too deep: named" "/d: not read: folders are read 64 deep at most" "$(cat err.txt)"
expect_contains "FIFO: named" "admitd check: unread/top/fifo.yaml: not read: not a regular file" "$(cat err.txt)"
expect_contains "dangling link: named" "admitd check: unread/top/gone.yaml: cannot read: No such file or directory" "$(cat err.txt)"
expect_contains "looping link: named" "admitd check: unread/top/loop.yml: cannot read: Too many levels of symbolic links" "$(cat err.txt)"
expect_not_contains "a name no manifest has: not reported" "not-a-manifest" "$(cat err.txt)"
rm -f unread/top/priv.yaml unread/top/fifo.yaml unread/top/gone.yaml unread/top/loop.yml
timeout 20 "$ADMITD" check unread >/dev/null 2>err.txt
expect_eq "only a folder too deep: exit 2" 2 $?

cat >mixed.yaml <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: calico-node, namespace: kube-system}
spec:
  template:
    spec:
      hostNetwork: true
      containers: [{name: c, image: x}]
---
apiVersion: v1
kind: Pod
metadata: {name: plain}
spec:
  containers: [{name: c, image: x}]
YAML
out=$("$ADMITD" check mixed.yaml)
expect_eq "not judged objects hidden by default" "mixed.yaml#2 DaemonSet/calico-node: allowed (exempt: namespace)
mixed.yaml#3 Pod/plain: allowed; warning: would violate PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false (container \"c\" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container \"c\" must set securityContext.capabilities.drop=[\"ALL\"]), runAsNonRoot != true (pod or container \"c\" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container \"c\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")
3 objects: 3 allowed, 0 denied, 1 with warnings, 0 errors" "$out"
out=$("$ADMITD" check --all mixed.yaml)
expect_contains "--all lists them" "mixed.yaml#1 ConfigMap/settings: allowed (not judged: not a built-in workload)" "$out"
out=$("$ADMITD" check --all --output json mixed.yaml 2>/dev/null)
expect_contains "json: skipped says why" '"kind":"ConfigMap","name":"settings","namespace":"default","allowed":true,"judged":false,"skipped":"not a built-in workload"' "$out"
expect_contains "json: exempt is not compliant" '"name":"calico-node","namespace":"kube-system","allowed":true,"judged":true,"skipped":null,"exempt":"namespace"' "$out"
expect_contains "json: line of the document" '"file":"mixed.yaml","doc":3,"line":13' "$out"
"$ADMITD" check mixed.yaml >/dev/null
expect_eq "warnings pass by default" 0 $?
"$ADMITD" check --fail-on-warning mixed.yaml >/dev/null
expect_eq "--fail-on-warning: exit 1" 1 $?

# One bad document: the others are still judged, the error named; exit 3
# when a denial and an input error happen together, so neither hides the other.
cat >partial.yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: priv}
spec:
  containers: [{name: app, image: x, securityContext: {privileged: true}}]
---
apiVersion: v1
kind: Pod
metadata:
  name: [unclosed
---
apiVersion: v1
kind: Pod
metadata: {name: after}
spec:
  containers: [{name: c, image: x, securityContext: {privileged: true}}]
YAML
out=$("$ADMITD" check partial.yaml 2>err.txt)
expect_eq "denial and input error: exit 3" 3 $?
expect_contains "document before the bad one judged" "partial.yaml#1 Pod/priv: denied" "$out"
expect_contains "document after the bad one judged" "partial.yaml#3 Pod/after: denied" "$out"
expect_contains "bad document named with its line" "admitd check: partial.yaml#2 (from line 6): partial.yaml:" "$(cat err.txt)"
expect_contains "summary counts the error" "3 objects: 0 allowed, 2 denied, 0 with warnings, 1 errors" "$out"
head -n 11 partial.yaml | sed 's/privileged: true/privileged: false/' >partial-ok.yaml
out=$("$ADMITD" check partial-ok.yaml 2>/dev/null)
expect_eq "input error alone: exit 2" 2 $?
expect_contains "the readable document still judged" "partial-ok.yaml#1 Pod/priv: allowed" "$out"
# A denied, then a warned object, and an unreadable document in one file:
# the warning must not hide the denial (exit 3, as documented).
{ head -n 11 partial.yaml; sed -n 14,18p mixed.yaml; } >deny-warn-bad.yaml
out=$("$ADMITD" check deny-warn-bad.yaml 2>/dev/null)
expect_eq "denied, warned and unreadable in one file: exit 3" 3 $?
expect_contains "denied, warned and unreadable: counted" "3 objects: 1 allowed, 1 denied, 1 with warnings, 1 errors" "$out"

# Memory follows the largest document, not the file: 8 MiB of "{}" (4 Mi
# documents) is judged within 1 GiB of address space (it took 1.7 GB of
# memory when every document was held at once).
python3 -c 'import sys; sys.stdout.write("{}" * (4 << 20))' >empties.json
out=$( (cap_memory && exec "$ADMITD" check empties.json) 2>&1)
expect_eq "4 Mi documents: exit 0" 0 $?
expect_eq "4 Mi documents: all judged" "4194304 objects: 4194304 allowed, 0 denied, 0 with warnings, 0 errors" "$out"
# One document larger than serve takes (7 MiB by default) is refused before
# it is parsed, naming file and line; the documents around it are judged.
python3 - <<'PY'
big = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"a":"%s"}}' % ("x" * (7 << 20))
priv = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"hostPID":true,"containers":[{"name":"c"}]}}'
open("big.json", "w").write(priv + "\n" + big + "\n" + priv + "\n")
open("big.yaml", "w").write("kind: ConfigMap\napiVersion: v1\nmetadata: {name: small}\n---\nkind: ConfigMap\napiVersion: v1\ndata:\n  a: " + "x" * (7 << 20) + "\n---\n" + priv + "\n")
PY
out=$("$ADMITD" check big.json 2>err.txt)
expect_eq "a document over 7 MiB in JSON: exit 3" 3 $?
expect_eq "a document over 7 MiB in JSON: named" "admitd check: big.json#2 (from line 2): big.json:2: document 2 is larger than 7340032 bytes, the largest request admitd serve takes by default; not read" "$(cat err.txt)"
expect_contains "a document over 7 MiB in JSON: the next one judged" "big.json#3 Pod/p: denied" "$out"
out=$("$ADMITD" check big.yaml 2>err.txt)
expect_eq "a document over 7 MiB in YAML: exit 3" 3 $?
expect_eq "a document over 7 MiB in YAML: named" "admitd check: big.yaml#2 (from line 4): big.yaml:4: document 2 is larger than 7340032 bytes, the largest request admitd serve takes by default; not read" "$(cat err.txt)"
expect_contains "a document over 7 MiB in YAML: the next one judged" "big.yaml#3 Pod/p: denied" "$out"

# SARIF for code-scanning UIs.
"$ADMITD" check --output sarif partial.yaml mixed.yaml >sarif.json 2>/dev/null
expect_eq "sarif: exit 3" 3 $?
got=$(python3 -c '
import json
d = json.load(open("sarif.json"))
r = d["runs"][0]["results"]
print(d["version"], ",".join(sorted(set(x["ruleId"] for x in r))), [x["locations"][0]["physicalLocation"]["region"]["startLine"] for x in r if x["ruleId"] == "admitd.denied"])')
expect_eq "sarif: version, rules, lines" "2.1.0 admitd.denied,admitd.error,admitd.warning [1, 11]" "$got"

# check-config
printf 'apiVersion: admitd.io/v1alpha1\nkind: Policy\npodSecurity:\n  defaults: {enforce: restricted}\n' >good-policy.yaml
out=$("$ADMITD" check-config good-policy.yaml)
expect_eq "check-config valid: exit 0" 0 $?
printf 'apiVersion: admitd.io/v1alpha1\nkind: Policy\npodSecurity:\n  defaults: {enforce: restricted, warm: baseline}\n' >bad-policy.yaml
err=$("$ADMITD" check-config bad-policy.yaml 2>&1)
expect_eq "check-config invalid: exit 1" 1 $?
expect_eq "check-config message" "admitd check-config: bad-policy.yaml:4:35: podSecurity.defaults.warm: unknown key" "$err"
"$ADMITD" check-config >/dev/null 2>&1
expect_eq "check-config usage: exit 2" 2 $?
cat >many-bad-policy.yaml <<'YAML'
apiVersion: admitd.io/v1alpha1
kind: Policy
podSecurity:
  defaults: {enforce: strict, enforceVersion: 1.30, warm: baseline}
  exemptions: {usernames: [""], runtimeClass: [x]}
  namespaces:
    - {names: [a], audit: loose}
    - 7
    - {enforce: baseline}
  enforceOnWorkloads: sometimes
  extra: 1
YAML
err=$("$ADMITD" check-config many-bad-policy.yaml 2>&1)
expect_eq "check-config, many podSecurity errors: exit 1" 1 $?
expect_eq "check-config lists every podSecurity error" "admitd check-config: many-bad-policy.yaml:11:3: podSecurity.extra: unknown key
admitd check-config: many-bad-policy.yaml:4:53: podSecurity.defaults.warm: unknown key
admitd check-config: many-bad-policy.yaml:4:14: podSecurity.defaults.enforce: unknown level \"strict\" (want privileged, baseline or restricted)
admitd check-config: many-bad-policy.yaml:4:31: podSecurity.defaults.enforceVersion: expected a version (latest or v1.N), got a number
admitd check-config: many-bad-policy.yaml:5:33: podSecurity.exemptions.runtimeClass: unknown key
admitd check-config: many-bad-policy.yaml:5:28: podSecurity.exemptions.usernames[0]: expected a non-empty string, got an empty string
admitd check-config: many-bad-policy.yaml:7:20: podSecurity.namespaces[0].audit: unknown level \"loose\" (want privileged, baseline or restricted)
admitd check-config: many-bad-policy.yaml:8:7: podSecurity.namespaces[1]: expected a mapping, got a number
admitd check-config: many-bad-policy.yaml:9:7: podSecurity.namespaces[2]: a rule needs names: [...]
admitd check-config: many-bad-policy.yaml:10:3: podSecurity.enforceOnWorkloads: expected true or false, got a string" "$err"
out=$("$ADMITD" check --policy good-policy.yaml ok.yaml)
expect_eq "--policy restricted allows the restricted pod" 0 $?

# Thousands of files in one call.
mkdir many
for i in $(seq 1 2000); do cp ok.yaml "many/p$i.yaml"; done
cp priv.yaml many/zz.yaml
out=$("$ADMITD" check many/*.yaml)
expect_eq "2001 files: exit 1" 1 $?
expect_eq "2001 files: one line each and the summary" 2002 "$(printf '%s\n' "$out" | wc -l)"
out=$("$ADMITD" check many)
expect_eq "a folder: exit 1" 1 $?
expect_contains "a folder: every file" "2001 objects: 2000 allowed, 1 denied" "$out"

# The shipped manifests: admitd's own pods pass restricted, its policy is valid.
out=$("$ADMITD" check --level restricted "$ROOT/deploy/base/deployment.yaml")
expect_eq "deploy/base/deployment.yaml passes restricted" 0 $?
"$ADMITD" check-config "$ROOT/deploy/base/policy.yaml" >/dev/null
expect_eq "deploy/base/policy.yaml is valid" 0 $?

# The check list comes from the registry.
out=$("$ADMITD" checks)
expect_eq "checks: one line per Pod Security check" 19 "$(printf '%s\n' "$out" | grep -cE ' (baseline|restricted) ')"
expect_eq "checks: one line per resources check" 7 "$(printf '%s\n' "$out" | grep -c '^resources\.')"
expect_eq "checks: one line per securityContext check" 16 "$(printf '%s\n' "$out" | grep -c '^securityContext\.')"
expect_contains "checks: versions" "sysctls                      baseline   v1.0,v1.27,v1.29,v1.32,v1.37   only safe" "$out"

# failures: every failed check with its family and mode, for CI.
cat >"$WORK/fam.yaml" <<'YAML'
apiVersion: admitd.io/v1alpha1
kind: Policy
podSecurity:
  defaults: {enforce: baseline, warn: restricted, audit: privileged}
resources:
  mode: warn
  rules:
    - requireLimits: [memory]
securityContext:
  rules:
    - readOnlyRootFilesystem: true
YAML
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: f}\nspec:\n  containers: [{name: c, image: x, securityContext: {privileged: true}}]\n' >"$WORK/fam-pod.yaml"
out=$("$ADMITD" check --output json --policy "$WORK/fam.yaml" "$WORK/fam-pod.yaml" 2>/dev/null)
got=$(python3 -c 'import json,sys
d = json.loads(sys.argv[1].splitlines()[0])
print(" ".join(sorted("%s/%s/%s" % (f["family"], f["check"], f["mode"]) for f in d["failures"])))' "$out")
expect_contains "failures: Pod Security enforce" "podSecurity/privileged/enforce" "$got"
expect_contains "failures: Pod Security warn" "podSecurity/runAsNonRoot/warn" "$got"
expect_contains "failures: resources in warn" "resources/resources.limits.required/warn" "$got"
expect_contains "failures: securityContext enforced" "securityContext/securityContext.readOnlyRootFilesystem/enforce" "$got"

# Image signatures: check verifies as serve does; --offline asks no registry.
KEYS=$(cd "$(dirname "$0")/../fixtures/cosign" && pwd)
DEAD=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$WORK/sig.yaml" <<YAML
apiVersion: admitd.io/v1alpha1
kind: Policy
images:
  authorities: [{name: release, keyFile: $KEYS/ecdsa-p256.pub}]
  registries: [{host: "127.0.0.1:$DEAD", insecure: true}]
  deadline: 2s
  rules:
    - verify: {images: ["127.0.0.1:*/**"], authorities: [release], allowTags: true}
YAML
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: s}\nspec:\n  containers: [{name: c, image: "127.0.0.1:%s/app:v1"}]\n' "$DEAD" >"$WORK/sig-pod.yaml"
# Without allowTags a tag is refused as written: offline too, no registry needed.
sed 's/, allowTags: true//' "$WORK/sig.yaml" >"$WORK/sig-pinned.yaml"
out=$("$ADMITD" check --policy "$WORK/sig-pinned.yaml" --offline "$WORK/sig-pod.yaml" 2>&1)
expect_eq "--offline, a tag under verify without allowTags: denied, exit 1" 1 $?
expect_contains "--offline: says how to pin it" "is not pinned by digest, which signature verification requires (a tag can be moved after it is verified); pin it: 127.0.0.1:$DEAD/app@sha256:<digest>" "$out"
out=$("$ADMITD" check --policy "$WORK/sig.yaml" --offline "$WORK/sig-pod.yaml" 2>&1)
expect_eq "--offline: allowed, exit 0" 0 $?
expect_contains "--offline: names the image it did not verify" "image 127.0.0.1:$DEAD/app:v1 not verified: offline" "$out"
out=$("$ADMITD" check --output json --policy "$WORK/sig.yaml" --offline "$WORK/sig-pod.yaml" 2>&1)
expect_contains "--offline json: the image's outcome" '"outcome":"not-checked"' "$out"
start=$(date +%s%N)
out=$("$ADMITD" check --policy "$WORK/sig.yaml" "$WORK/sig-pod.yaml" 2>&1)
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
expect_eq "registry refused: denied, exit 1" 1 $rc
expect_contains "registry refused: the outcome" "is not verified: registry unavailable" "$out"
[ "$ms" -lt 1500 ] || fail "a refusing registry took ${ms} ms to deny (want well under the 2 s deadline)"
cat >"$WORK/sig.test.yaml" <<YAML
apiVersion: admitd.io/v1alpha1
kind: Test
policy: sig.yaml
cases:
  - name: a pod of the registry
    object:
      apiVersion: v1
      kind: Pod
      metadata: {name: s}
      spec: {containers: [{name: c, image: "127.0.0.1:$DEAD/app:v1"}]}
    expect: {allowed: true}
YAML
out=$("$ADMITD" test --offline "$WORK/sig.test.yaml" 2>&1)
expect_eq "test --offline: verify rules pass unverified" 0 $?
out=$("$ADMITD" test "$WORK/sig.test.yaml" 2>&1)
expect_eq "test: the registry is asked, and refuses" 1 $?
expect_contains "test: names the outcome" "registry unavailable" "$out"
sed 's/ecdsa-p256.pub/payload.json/' "$WORK/sig.yaml" >"$WORK/sig-bad.yaml"
out=$("$ADMITD" check-config "$WORK/sig-bad.yaml" 2>&1)
expect_eq "a keyFile that holds no key: exit 1" 1 $?
expect_contains "a keyFile that holds no key: placed" "sig-bad.yaml:4:17: images.authorities[0].keyFile: no PEM public key" "$out"

# Version and help.
out=$("$ADMITD" --version)
expect_contains "--version names the libraries" "libmicrohttpd" "$out"
expect_contains "--version names gnutls" "gnutls" "$out"
expect_contains "--version names libcurl and its TLS backend" "  libcurl $(pkg-config --modversion libcurl) (GnuTLS/" "$out"
"$ADMITD" bogus >/dev/null 2>&1
expect_eq "unknown command: exit 2" 2 $?
"$ADMITD" help >/dev/null
expect_eq "help: exit 0" 0 $?

finish
