#!/usr/bin/env bash
# admitd test from the command line: a passing and a deliberately wrong
# expectation, the report formats (text with file:line, -v, JSON, JUnit),
# folders searched recursively, recorded requests as cases, broken suites
# that name file:line:col, and the time of a 1,000-case suite.
ADMITD=${1:?usage: test_cli.sh PATH/TO/admitd}
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
mkdir -p suites/nested manifests requests

cat >policy.yaml <<'YAML'
apiVersion: admitd.io/v1alpha1
kind: Policy
podSecurity:
  defaults: {enforce: baseline, warn: restricted, audit: restricted}
  exemptions: {namespaces: [kube-system]}
YAML
cat >manifests/priv.yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: priv}
spec:
  containers: [{name: app, image: x, securityContext: {privileged: true}}]
YAML
python3 - <<'PY'
import json
review = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
    "uid": "u1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
    "resource": {"group": "", "version": "v1", "resource": "pods"},
    "name": "dbg", "namespace": "team-a", "operation": "CREATE", "userInfo": {"username": "alice"},
    "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "dbg"},
               "spec": {"hostPID": True, "containers": [{"name": "c", "image": "x"}]}}}}
json.dump(review, open("requests/hostpid.json", "w"))
PY
cat >suites/good.test.yaml <<'YAML'
apiVersion: admitd.io/v1alpha1
kind: Test
policy: ../policy.yaml
cases:
  - name: privileged pod is refused
    object: ../manifests/priv.yaml
    namespace: team-a
    expect: {allowed: false, reasons: [privileged], checks: [privileged]}
  - name: recorded request from the API server
    request: ../requests/hostpid.json
    expect: {allowed: false, reasons: ["hostPID=true"]}
  - name: exempt namespace
    object: ../manifests/priv.yaml
    namespace: kube-system
    expect: {allowed: true, auditAnnotations: {exempt: namespace}}
YAML
cat >suites/nested/wrong.test.yaml <<'YAML'
apiVersion: admitd.io/v1alpha1
kind: Test
policy: ../../policy.yaml
cases:
  - name: passes
    object: {apiVersion: v1, kind: Pod, metadata: {name: ok}, spec: {containers: [{name: a, image: x}]}}
    expect: {allowed: true, warnings: ["restricted:latest"]}
  - name: deliberately wrong expectation
    object: ../../manifests/priv.yaml
    expect: {allowed: true}
YAML

out=$("$ADMITD" test suites/good.test.yaml)
expect_eq "passing suite: exit 0" 0 $?
expect_eq "passing suite: summary only" "3 passed, 0 failed" "$out"
out=$("$ADMITD" test -v suites/good.test.yaml)
expect_contains "-v prints passing cases with file:line" "ok   suites/good.test.yaml:5: privileged pod is refused" "$out"

out=$("$ADMITD" test suites)
expect_eq "a wrong expectation fails: exit 1" 1 $?
expect_contains "folder searched recursively" "4 passed, 1 failed" "$out"
expect_contains "failing case named with suite file:line" "FAIL suites/nested/wrong.test.yaml:8: deliberately wrong expectation" "$out"
expect_contains "expected and got" "expected allowed: true, got false" "$out"
expect_contains "got shows the decision" '"checks":["privileged"' "$out"
expect_eq "summary is the last line" "4 passed, 1 failed" "$(printf '%s\n' "$out" | tail -n 1)"

"$ADMITD" test --output json suites >report.json
expect_eq "json: exit 1" 1 $?
got=$(python3 -c 'import json; d=json.load(open("report.json")); print(d["passed"], d["failed"], [c["line"] for c in d["cases"] if not c["passed"]])')
expect_eq "json: counts and the failing line" "4 1 [8]" "$got"

"$ADMITD" test --junit junit.xml suites >/dev/null
got=$(python3 -c '
import xml.etree.ElementTree as E
r = E.parse("junit.xml").getroot()
print(r.get("tests"), r.get("failures"), len(r.findall(".//testcase")), len(r.findall(".//failure")))')
expect_eq "junit: tests, failures, cases" "5 1 5 1" "$got"

# Broken suites: exit 2, file:line:col, and the other suites still run.
mkdir broken
bad() { printf '%s\n' "$2" >"broken/$1.test.yaml"; }
head='apiVersion: admitd.io/v1alpha1
kind: Test'
bad yaml "$head
cases: [unclosed"
bad policy "$head
policy: missing-policy.yaml
cases: [{name: x, object: {kind: Pod}, expect: {allowed: true}}]"
bad object "$head
cases:
  - name: x
    object: missing.yaml
    expect: {allowed: true}"
bad noexpect "$head
cases:
  - name: x
    object: {apiVersion: v1, kind: Pod}"
bad unknown "$head
cases:
  - name: x
    object: {apiVersion: v1, kind: Pod}
    expect: {allowed: true, alowed: false}"
bad both "$head
cases:
  - name: x
    object: {apiVersion: v1, kind: Pod}
    request: r.json
    expect: {allowed: true}"
bad kind "apiVersion: admitd.io/v1alpha1
kind: Policy
cases: []"
bad nslabels "$head
cases:
  - name: x
    object: {apiVersion: v1, kind: Pod}
    namespaceLabels: {-bad: x}
    expect: {allowed: true}"
err=$("$ADMITD" test broken suites/good.test.yaml 2>&1 >out.txt)
expect_eq "broken suites: exit 2" 2 $?
expect_contains "bad YAML: file:line:col" "broken/yaml.test.yaml:4:1: did not find expected" "$err"
expect_contains "missing policy" "broken/policy.test.yaml:3:1: policy: broken/missing-policy.yaml: cannot open" "$err"
expect_contains "missing object file" "broken/object.test.yaml:5:5: cases[0]: object: broken/missing.yaml: cannot open" "$err"
expect_contains "no expectation" "broken/noexpect.test.yaml:4:5: cases[0]: no expect" "$err"
expect_contains "unknown key" 'broken/unknown.test.yaml:6:29: cases[0].expect: unknown key "alowed"' "$err"
expect_contains "namespace label key" 'cases[0]: namespaceLabels: "-bad" is not a label key' "$err"
expect_contains "object and request" "broken/both.test.yaml:4:5: cases[0]: object and request: give one" "$err"
expect_contains "wrong kind" "broken/kind.test.yaml:2:1: kind: want Test" "$err"
expect_contains "good suites still run" "3 passed, 0 failed" "$(cat out.txt)"
err=$("$ADMITD" test nothing-here 2>&1)
expect_eq "missing path: exit 2" 2 $?

# 1,000 cases: well under a second, in-process.
python3 - <<'PY'
import json
with open("big.test.yaml", "w") as f:
    f.write("apiVersion: admitd.io/v1alpha1\nkind: Test\ncases:\n")
    for i in range(1000):
        priv = i % 2 == 0
        obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p%d" % i},
               "spec": {"containers": [{"name": "a", "image": "x", "securityContext": {"privileged": priv}}]}}
        f.write("  - " + json.dumps({"name": "case %d" % i, "namespace": "ns-%d" % (i % 7), "object": obj,
                                     "expect": {"allowed": not priv}}) + "\n")
PY
start=$(date +%s%N)
out=$("$ADMITD" test big.test.yaml)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_eq "1,000 cases" "1000 passed, 0 failed" "$out"
echo "1,000-case suite: ${ms} ms wall"

# Links to folders are followed, but each folder is read once: two links to
# "." would otherwise make the walk endless.
mkdir -p loops/deeper
cp suites/good.test.yaml loops/
ln -s . loops/a
ln -s . loops/b
ln -s .. loops/deeper/up
out=$( (cap_memory && exec timeout 20 "$ADMITD" test loops) 2>err.txt)
expect_eq "links to folders read once: exit 0" 0 $?
expect_eq "links to folders read once: the suite once" "3 passed, 0 failed" "$(printf '%s\n' "$out" | tail -n 1)"
expect_eq "links to folders read once: each skipped link named" "admitd test: note: loops/a: not followed: a link to a folder already read
admitd test: note: loops/b: not followed: a link to a folder already read
admitd test: note: loops/deeper/up: not followed: a link to a folder already read" "$(cat err.txt)"
finish
