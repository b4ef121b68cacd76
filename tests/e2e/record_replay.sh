#!/usr/bin/env bash
# Record live traffic through admitd serve --record (under a dry-run policy,
# as a team would run a new policy for a week), check that no secret reached
# the file (from each place one is written) while what decides stays, then
# replay it under a tightened policy and see the flips; a request too large
# to record is counted and logged; turn
# the recording into a test suite; and skip a corrupt line by number.
ADMITD=${1:?usage: record_replay.sh PATH/TO/admitd}
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1

"$ROOT/hack/gen-certs.sh" "$WORK/certs" >/dev/null
CA="$WORK/certs/ca.pem"

cat >current.yaml <<'YAML'
apiVersion: admitd.io/v1alpha1
kind: Policy
dryRun: true
podSecurity:
  defaults: {enforce: baseline, warn: baseline, audit: restricted}
  exemptions: {namespaces: [kube-system]}
YAML
cat >tightened.yaml <<'YAML'
apiVersion: admitd.io/v1alpha1
kind: Policy
podSecurity:
  defaults: {enforce: baseline, warn: restricted, audit: restricted}
  namespaces:
    - names: ["prod-*"]
      enforce: restricted
  exemptions: {namespaces: [kube-system]}
YAML

# review NAME NAMESPACE USER SPEC-JSON [ANNOTATIONS-JSON]: an AdmissionReview for a pod.
review() {
  python3 - "$@" <<'PY'
import json, sys
name, ns, user, spec = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
annotations = {"kubectl.kubernetes.io/last-applied-configuration": "SECRET-LAST"}
annotations.update(json.loads(sys.argv[5]) if len(sys.argv) > 5 else {})
print(json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
    "uid": "uid-" + name, "kind": {"group": "", "version": "v1", "kind": "Pod"},
    "resource": {"group": "", "version": "v1", "resource": "pods"}, "name": name, "namespace": ns,
    "operation": "CREATE", "userInfo": {"username": user},
    "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "managedFields": [{"manager": "SECRET-MF"}],
               "annotations": annotations}, "spec": spec}}}))
PY
}
plain='{"containers":[{"name":"app","image":"x","env":[{"name":"DB_PASSWORD","value":"SECRET-ENV"}]}]}'
hardened='{"securityContext":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},"containers":[{"name":"app","image":"x","securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}}]}'
priv='{"containers":[{"name":"app","image":"x","securityContext":{"privileged":true}}]}'
review web prod-shop alice "$plain" >r1.json
review api prod-shop bob "$hardened" >r2.json
review job team-a carol "$plain" >r3.json
review debug team-a dave "$priv" >r4.json
review agent kube-system system:node "$priv" >r5.json
# A secret in each place one is written, beside an AppArmor annotation that
# Pod Security refuses (kept, so that replay decides the same).
carrier='{"containers":[{"name":"app","image":"x","command":["/app","--password=SECRET-CMD"],"args":["SECRET-ARG"],
 "lifecycle":{"postStart":{"exec":{"command":["login","SECRET-HOOK"]}}},
 "livenessProbe":{"exec":{"command":["check","SECRET-PROBE"]}},
 "readinessProbe":{"httpGet":{"path":"/ready","port":80,"httpHeaders":[{"name":"Authorization","value":"Bearer SECRET-HEADER"}]}}}]}'
review carrier team-a erin "$carrier" \
  '{"example.com/token":"SECRET-ANNOTATION","container.apparmor.security.beta.kubernetes.io/app":"unconfined"}' >r6.json

start_server --tls-cert "$WORK/certs/tls.crt" --tls-key "$WORK/certs/tls.key" --config current.yaml \
  --record rec.jsonl --record-max-bytes 1Mi || exit 1
for f in r1 r2 r3 r4 r5 r1 r6; do
  code=$(curl -sS --cacert "$CA" -o "$f.out" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary @"$f.json" "https://localhost:$PORT/validate")
  expect_eq "$f answered" 200 "$code"
done
expect_contains "dry-run: the privileged pod is allowed" '"allowed":true' "$(cat r4.out)"
# The writer thread may still be draining its queue: wait for all seven.
for _ in $(seq 1 100); do
  m=$(curl -sS --cacert "$CA" "https://localhost:$PORT/metrics")
  case "$m" in *"admitd_records_written_total 7"*) break ;; esac
  sleep 0.05
done
expect_contains "metrics count the records written" "admitd_records_written_total 7" "$m"
expect_contains "metrics count the records dropped" "admitd_records_dropped_total 0" "$m"
expect_contains "metrics count records too large" "admitd_records_too_large_total 0" "$m"
stop_server
expect_contains "recorder stopped with its counts" "7 recorded, 0 dropped" "$(cat "$SERVER_LOG")"

expect_eq "one line per decided request" 7 "$(wc -l <rec.jsonl | tr -d ' ')"
if grep -q SECRET rec.jsonl; then fail "a secret reached the recording: $(grep -o 'SECRET-[A-Z]*' rec.jsonl | sort -u)"; else pass; fi
expect_contains "dry-run denial recorded" '"dryRunDenied":true' "$(sed -n 4p rec.jsonl)"
expect_contains "redacted, structure kept" '"args":["<redacted>"]' "$(sed -n 7p rec.jsonl)"
expect_contains "header names kept" '{"name":"Authorization","value":"<redacted>"}' "$(sed -n 7p rec.jsonl)"
expect_contains "the annotation decisions read is kept" \
  '"container.apparmor.security.beta.kubernetes.io/app":"unconfined"' "$(sed -n 7p rec.jsonl)"

# Replay under the tightened policy: the plain pod in prod flips, the
# privileged one (allowed only by dry-run) flips, the rest stay.
out=$("$ADMITD" replay --policy tightened.yaml rec.jsonl)
expect_eq "newly denied: exit 1" 1 $?
expect_contains "prod flip" "rec.jsonl:1: allowed -> denied: CREATE Pod/web in prod-shop by alice" "$out"
expect_contains "new reason" 'violates PodSecurity "restricted:latest"' "$out"
expect_contains "dry-run flip" "rec.jsonl:4: allowed -> denied: CREATE Pod/debug in team-a by dave" "$out"
expect_contains "redacted record flips too" "rec.jsonl:7: allowed -> denied: CREATE Pod/carrier in team-a by erin" "$out"
expect_contains "warnings change" "rec.jsonl:3: warnings changed: CREATE Pod/job in team-a by carol" "$out"
expect_contains "by namespace" "prod-shop" "$out"
expect_contains "by check id" "runAsNonRoot" "$out"
expect_eq "last line" "2 unchanged, 5 changed" "$(printf '%s\n' "$out" | tail -n 1)"

# The policy the traffic was recorded under changes nothing.
out=$("$ADMITD" replay --policy current.yaml rec.jsonl)
expect_eq "same policy: exit 0" 0 $?
expect_eq "same policy: nothing changed" "7 unchanged, 0 changed" "$(printf '%s\n' "$out" | tail -n 1)"

# A corrupt and a truncated line are reported by number and skipped.
{ head -n 2 rec.jsonl; echo '{"not a record'; sed -n 3,6p rec.jsonl; head -c 100 rec.jsonl; } >damaged.jsonl
err=$("$ADMITD" replay --policy current.yaml damaged.jsonl 2>&1 >out.txt)
expect_eq "damaged: exit 0" 0 $?
expect_contains "corrupt line named" "damaged.jsonl:3: skipped: corrupt record" "$err"
expect_contains "truncated line named" "damaged.jsonl:8: skipped: truncated record" "$err"
expect_eq "the rest replayed" "6 unchanged, 0 changed" "$(tail -n 1 out.txt)"

# From traffic to tests: one case per distinct request (r1 was sent twice).
out=$("$ADMITD" replay --emit-tests emitted --policy current.yaml rec.jsonl)
expect_eq "emit: exit 0" 0 $?
expect_contains "emit: distinct requests" "7 records, 6 distinct requests" "$out"
out=$("$ADMITD" test emitted)
expect_eq "emitted suite passes under the recorded policy" "6 passed, 0 failed" "$out"
sed -i "s#^policy: .*#policy: $WORK/tightened.yaml#" emitted/recorded.test.yaml
out=$("$ADMITD" test emitted)
expect_eq "emitted suite fails under the tightened policy: exit 1" 1 $?
expect_contains "emitted suite: failures" "3 passed, 3 failed" "$out"

# A request whose redaction would need more than the whole memory budget
# (128 x its body and 256 KiB) is decided, not recorded, and said so.
python3 - r1.json wide.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["request"]["object"]["metadata"]["annotations"].update({"k%d" % i: "v" * 50 for i in range(200)})
json.dump(r, open(sys.argv[2], "w"))
PY
start_server --tls-cert "$WORK/certs/tls.crt" --tls-key "$WORK/certs/tls.key" --config current.yaml \
  --record small.jsonl --memory-budget 1Mi || exit 1
code=$(curl -sS --cacert "$CA" -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
  --data-binary @wide.json "https://localhost:$PORT/validate")
expect_eq "a request too large to record is decided" 200 "$code"
m=$(curl -sS --cacert "$CA" "https://localhost:$PORT/metrics")
expect_contains "too large: counted" "admitd_records_too_large_total 1" "$m"
expect_contains "too large: not among the dropped" "admitd_records_dropped_total 0" "$m"
expect_contains "too large: logged" "was not recorded: redacting it needs up to" "$(cat "$SERVER_LOG")"
stop_server
expect_eq "too large: nothing written" 0 "$(wc -c <small.jsonl | tr -d ' ')"

err=$("$ADMITD" replay --policy current.yaml missing.jsonl 2>&1)
expect_eq "missing recording: exit 2" 2 $?

# By check id, a check that ran in dry-run when recorded and now denies is
# named: the dry-run-to-enforce step (the privileged pod in team-a).
out=$("$ADMITD" replay --policy tightened.yaml rec.jsonl)
expect_contains "by check id: a check that ran in dry-run and now denies" \
  "privileged                     failing before without denying, now denies 1 request" "$out"

# The suite names its policy relative to itself: committed with the policy
# and checked out elsewhere, it still runs.
mkdir -p proj/policies proj/suites
cp current.yaml proj/policies/
out=$("$ADMITD" replay --emit-tests proj/suites/recorded --policy proj/policies/current.yaml rec.jsonl)
expect_eq "emit into a new folder: exit 0" 0 $?
expect_eq "emit: the policy relative to the suite" 'policy: "../../policies/current.yaml"' \
  "$(grep '^policy:' proj/suites/recorded/recorded.test.yaml)"
before=$("$ADMITD" test proj/suites/recorded)
mv proj proj-elsewhere
out=$("$ADMITD" test proj-elsewhere/suites/recorded)
expect_eq "emitted suite moved with its policy: exit 0" 0 $?
expect_contains "emitted suite moved with its policy: every case passes" ", 0 failed" "$out"
expect_eq "emitted suite moved with its policy: the same result" "$before" "$out"

# Input that cannot be read is an input error, never "0 changed" and exit 0.
err=$( (cap_memory && exec timeout 60 "$ADMITD" replay --policy current.yaml /dev/zero) 2>&1 >/dev/null)
expect_eq "/dev/zero: exit 2" 2 $?
expect_contains "/dev/zero: said why" "/dev/zero:1: a line longer than 67108864 bytes: not a recording" "$err"
mkdir recordings
err=$("$ADMITD" replay --policy current.yaml recordings 2>&1 >/dev/null)
expect_eq "a folder: exit 2" 2 $?
expect_contains "a folder: said so" "recordings: is a folder, not a recording" "$err"
err=$("$ADMITD" replay --emit-tests emitted2 recordings 2>&1 >/dev/null)
expect_eq "emit from a folder: exit 2" 2 $?
err=$("$ADMITD" replay rec.jsonl 2>&1)
expect_eq "no policy: exit 2" 2 $?

# A record keeps the namespace labels its decision read; replay judges in a
# namespace labelled the same, and emitted cases carry them.
printf '%s\n' 'apiVersion: admitd.io/v1alpha1' 'kind: Policy' 'podSecurity:' '  namespaceLabels: true' \
  '  defaults: {enforce: privileged, audit: privileged, warn: privileged}' >labels.yaml
labels='{"pod-security.kubernetes.io/enforce":"baseline","kubernetes.io/metadata.name":"team-a"}'
printf '{"time":"2026-01-01T00:00:00.000000Z","request":%s,"decision":{"allowed":true,"judged":true,"code":200,"warnings":[],"checks":[],"auditAnnotations":{},"dryRunDenied":false,"namespaceLabels":%s}}\n' \
  "$(review p1 team-a dave "$priv" | tr -d '\n')" "$labels" >labelled.jsonl
out=$("$ADMITD" replay --policy labels.yaml labelled.jsonl)
expect_contains "replay: the recorded labels set the level" "allowed -> denied: CREATE Pod/p1 in team-a" "$out"
out=$("$ADMITD" replay --emit-tests emitted-labels --policy labels.yaml labelled.jsonl)
expect_contains "emitted case: the recorded labels" '"pod-security.kubernetes.io/enforce": "baseline"' \
  "$(cat emitted-labels/*.test.yaml)"
out=$("$ADMITD" test emitted-labels)
expect_contains "emitted case: fails, as the policy now denies it" "0 passed, 1 failed" "$out"
finish
