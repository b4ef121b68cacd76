#!/usr/bin/env bash
# End to end: namespace labels read from an API server, through admitd
# serve over HTTPS. The API server is tests/kube/fake_apiserver.py (no real
# one can be had here): TLS, a bearer token from a file, namespace lists,
# watches, GETs and pod lists in the Kubernetes API's JSON shapes. Covers:
# /readyz waits for the first list; the pod-security.kubernetes.io labels
# set a namespace's levels and a relabel is seen within a second; a
# namespace the watch has not delivered is read by a live GET; an unknown
# namespace is refused as upstream refuses it; a dropped watch and a
# rotated token are recovered from; a namespaceSelector rule; a Namespace
# update that raises its enforce level warns about its pods; the metrics; a
# policy that reads labels with nowhere to read them is refused. Loopback only.
ADMITD=${1:?usage: namespace_labels.sh PATH/TO/admitd}
. "$(dirname "$0")/lib.sh"
for tool in python3 openssl curl; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "namespace_labels: SKIPPED: needs $tool" >&2
    exit 77
  fi
done
export PYTHONDONTWRITEBYTECODE=1

"$ROOT/hack/gen-certs.sh" "$WORK/certs" >/dev/null
CA="$WORK/certs/ca.pem"
echo token-one >"$WORK/server-token"
echo token-one >"$WORK/client-token"

API_PID=
python3 "$ROOT/tests/kube/fake_apiserver.py" --cert "$WORK/certs/tls.crt" --key "$WORK/certs/tls.key" \
  --token-file "$WORK/server-token" --port-file "$WORK/api-port" --ctl-port-file "$WORK/ctl-port" \
  2>"$WORK/api.log" &
API_PID=$!
trap 'stop_server; kill "$API_PID" 2>/dev/null; wait "$API_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 200); do
  [ -s "$WORK/api-port" ] && [ -s "$WORK/ctl-port" ] && break
  sleep 0.05
done
API="127.0.0.1:$(cat "$WORK/api-port")"
CTL="http://127.0.0.1:$(cat "$WORK/ctl-port")"
ctl() { curl -sS -X POST "$CTL/$1" >/dev/null; }

kubeconfig() { # kubeconfig FILE SERVER
  cat >"$1" <<YAML
apiVersion: v1
kind: Config
current-context: test
clusters:
  - name: test
    cluster: {server: "https://$2", certificate-authority: "$CA"}
users:
  - name: admitd
    user: {tokenFile: "$WORK/client-token"}
contexts:
  - name: test
    context: {cluster: test, user: admitd}
YAML
}
kubeconfig "$WORK/kubeconfig" "$API"

cat >"$WORK/policy.yaml" <<'YAML'
apiVersion: admitd.io/v1alpha1
kind: Policy
podSecurity:
  namespaceLabels: true
  defaults: {enforce: privileged, audit: privileged, warn: privileged}
resources:
  rules:
    - namespaceSelector: {matchLabels: {env: prod}}
      requireLimits: [memory]
YAML

PLAIN='{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"},"spec":{"containers":[{"name":"app","image":"nginx:1.25"}]}}'
PRIV='{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"},"spec":{"containers":[{"name":"app","image":"nginx:1.25","securityContext":{"privileged":true}}]}}'

pod_review() { # pod_review NAMESPACE POD_JSON -> the review file's path
  local f="$WORK/review-$RANDOM.json"
  printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"name":"web","namespace":"%s","operation":"CREATE","userInfo":{"username":"alice"},"object":%s}}' \
    "$1" "$2" >"$f"
  echo "$f"
}

ns_review() { # ns_review NAME OLD_LABELS_JSON NEW_LABELS_JSON -> a Namespace UPDATE review file
  local f="$WORK/review-$RANDOM.json"
  printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u2","kind":{"group":"","version":"v1","kind":"Namespace"},"resource":{"group":"","version":"v1","resource":"namespaces"},"name":"%s","namespace":"%s","operation":"UPDATE","userInfo":{"username":"alice"},"object":{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"%s","labels":%s}},"oldObject":{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"%s","labels":%s}}}}' \
    "$1" "$1" "$1" "$3" "$1" "$2" >"$f"
  echo "$f"
}

post() { # post FILE -> the response body
  curl -sS --cacert "$CA" -H 'Content-Type: application/json' --data-binary @"$1" "https://localhost:$PORT/validate"
}

field() { # field JSON KEY...
  python3 -c 'import json,sys; d=json.loads(sys.argv[1])
for k in sys.argv[2:]:
    d = d.get(k) if isinstance(d, dict) else None
print("" if d is None else (json.dumps(d) if not isinstance(d, str) else d))' "$@"
}

allowed() { field "$(post "$(pod_review "$1" "$2")")" response allowed; }

# Until the condition holds or 3 s pass: watch events reach admitd within a second.
eventually() { # eventually DESCRIPTION EXPECTED COMMAND...
  local got
  for _ in $(seq 1 60); do
    got=$("${@:3}")
    [ "$got" = "$2" ] && break
    sleep 0.05
  done
  expect_eq "$1" "$2" "$got"
}

# A policy that reads labels, with no API server to read them from: refused.
env -u KUBERNETES_SERVICE_HOST "$ADMITD" serve --listen 127.0.0.1:0 --config "$WORK/policy.yaml" 2>"$WORK/refused.log"
expect_eq "no API server: serve refuses the policy" 1 $?
expect_contains "no API server: says what to give" "give --kubeconfig" "$(cat "$WORK/refused.log")"

# An API server that never answers: never ready, and a pod is refused, not let through.
python3 -c 'import socket,time; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(64); print(s.getsockname()[1], flush=True); time.sleep(120)' \
  >"$WORK/silent-port" &
SILENT_PID=$!
for _ in $(seq 1 100); do [ -s "$WORK/silent-port" ] && break; sleep 0.05; done
kubeconfig "$WORK/silent.kubeconfig" "127.0.0.1:$(cat "$WORK/silent-port")"
start_server --config "$WORK/policy.yaml" --kubeconfig "$WORK/silent.kubeconfig" --tls-cert "$WORK/certs/tls.crt" \
  --tls-key "$WORK/certs/tls.key"
expect_eq "silent API server: not ready" 503 "$(curl -sS --cacert "$CA" -o /dev/null -w '%{http_code}' "https://localhost:$PORT/readyz")"
out=$(post "$(pod_review team "$PLAIN")")
expect_eq "silent API server: a pod is refused" false "$(field "$out" response allowed)"
expect_eq "silent API server: as upstream, 500" 500 "$(field "$out" response status code)"
expect_contains "silent API server: upstream's words" 'failed to lookup namespace \"team\"' "$out"
stop_server
kill "$SILENT_PID" 2>/dev/null
wait "$SILENT_PID" 2>/dev/null

ctl "ns?name=payments&labels=pod-security.kubernetes.io/enforce=restricted"
ctl "ns?name=shop&labels=env=prod"
start_server --config "$WORK/policy.yaml" --kubeconfig "$WORK/kubeconfig" --tls-cert "$WORK/certs/tls.crt" \
  --tls-key "$WORK/certs/tls.key" --record "$WORK/rec.jsonl"
eventually "ready once namespaces are listed" 200 \
  curl -sS --cacert "$CA" -o /dev/null -w '%{http_code}' "https://localhost:$PORT/readyz"

out=$(post "$(pod_review payments "$PLAIN")")
expect_eq "restricted label: a plain pod is denied" false "$(field "$out" response allowed)"
expect_contains "restricted label: at restricted" 'violates PodSecurity \"restricted:latest\"' "$out"
expect_eq "no labels: privileged by default" true "$(allowed default "$PRIV")"

# Relabelled: the next review sees it within a second.
ctl "ns?name=payments&labels=pod-security.kubernetes.io/enforce=baseline"
eventually "relabelled to baseline: the plain pod is allowed" true allowed payments "$PLAIN"
expect_eq "relabelled to baseline: a privileged pod is denied" false "$(allowed payments "$PRIV")"

# namespaceSelector: the rule applies in env=prod only.
expect_eq "namespaceSelector: env=prod needs memory limits" false "$(allowed shop "$PLAIN")"
expect_eq "namespaceSelector: elsewhere not" true "$(allowed default "$PLAIN")"

# A namespace the watch has not delivered: one live GET.
ctl "ns?name=fresh&hidden=1&labels=pod-security.kubernetes.io/enforce=baseline"
expect_eq "live GET: the hidden namespace's level applies" false "$(allowed fresh "$PRIV")"
expect_contains "live GET: asked once" '"gets": 1' "$(curl -sS "$CTL/stats")"
# A namespace that does not exist: refused as upstream refuses it.
out=$(post "$(pod_review nowhere "$PLAIN")")
expect_eq "no such namespace: refused" 500 "$(field "$out" response status code)"

# A dropped watch, then a rotated token: still following the labels.
ctl drop
ctl "ns?name=payments&labels=pod-security.kubernetes.io/enforce=restricted"
eventually "after a dropped watch: restricted again" false allowed payments "$PLAIN"
echo token-two >"$WORK/server-token"
echo token-two >"$WORK/client-token"
ctl drop
ctl "ns?name=payments&labels=pod-security.kubernetes.io/enforce=privileged"
eventually "after the token rotated: privileged now" true allowed payments "$PRIV"
expect_contains "after the token rotated: the new token was sent" '"last_token": "token-two"' \
  "$(curl -sS "$CTL/stats")"

# Raising a namespace's enforce level: allowed, with upstream's warnings about its pods.
ctl "pods?ns=payments&n=5"
out=$(post "$(ns_review payments '{}' '{"pod-security.kubernetes.io/enforce":"baseline"}')")
expect_eq "namespace update: allowed" true "$(field "$out" response allowed)"
expect_contains "namespace update: the summary" \
  'existing pods in namespace \"payments\" violate the new PodSecurity enforce level \"baseline:latest\"' "$out"
expect_contains "namespace update: the pods" 'p0 (and 2 other pods): privileged' "$out"
out=$(post "$(ns_review payments '{}' '{"pod-security.kubernetes.io/enforce":"strict"}')")
expect_eq "namespace update: an invalid label is refused" 422 "$(field "$out" response status code)"

# The recording keeps the labels each decision read; replay judges with them.
stop_server
expect_eq "record: the labels the decision read" \
  '{"kubernetes.io/metadata.name": "payments", "pod-security.kubernetes.io/enforce": "restricted"}' \
  "$(head -n 1 "$WORK/rec.jsonl" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["decision"]["namespaceLabels"], sort_keys=True))')"
out=$("$ADMITD" replay --policy "$WORK/policy.yaml" "$WORK/rec.jsonl")
# Every decision replays the same (labels read, and a lookup that failed
# fails again); only the namespace update's warnings differ, since replay
# lists no pods.
expect_contains "replay under the same policy and labels: no decision flips" "0 newly denied, 0 newly allowed" "$out"
expect_contains "replay: the namespace update could not list pods offline" "warnings changed: UPDATE Namespace/payments" \
  "$out"
start_server --config "$WORK/policy.yaml" --kubeconfig "$WORK/kubeconfig" --tls-cert "$WORK/certs/tls.crt" \
  --tls-key "$WORK/certs/tls.key"
eventually "ready again" 200 curl -sS --cacert "$CA" -o /dev/null -w '%{http_code}' "https://localhost:$PORT/readyz"
allowed payments "$PLAIN" >/dev/null
metrics=$(curl -sS --cacert "$CA" "https://localhost:$PORT/metrics")
expect_contains "metrics: synced" "admitd_namespaces_synced 1" "$metrics"
expect_eq "metrics: namespaces are held" 1 "$(grep -cE '^admitd_namespaces [1-9][0-9]*$' <<<"$metrics")"
stop_server

# A reload that starts reading namespaces: the new policy applies once they
# are listed, and /readyz stays 200 throughout.
cat >"$WORK/plain.yaml" <<'YAML'
apiVersion: admitd.io/v1alpha1
kind: Policy
podSecurity:
  defaults: {enforce: privileged, audit: privileged, warn: privileged}
YAML
cp "$WORK/plain.yaml" "$WORK/live.yaml"
start_server --config "$WORK/live.yaml" --kubeconfig "$WORK/kubeconfig" --tls-cert "$WORK/certs/tls.crt" \
  --tls-key "$WORK/certs/tls.key"
ctl "ns?name=payments&labels=pod-security.kubernetes.io/enforce=restricted"
expect_eq "before the reload: labels are not read" true "$(allowed payments "$PLAIN")"
cp "$WORK/policy.yaml" "$WORK/live.yaml"
kill -HUP "$SERVER_PID"
unready=0
for _ in $(seq 1 40); do
  code=$(curl -sS --cacert "$CA" -o /dev/null -w '%{http_code}' "https://localhost:$PORT/readyz")
  [ "$code" = 200 ] || unready=$((unready + 1))
  sleep 0.025
done
expect_eq "reload: /readyz stayed 200" 0 "$unready"
eventually "reload: the labels apply" false allowed payments "$PLAIN"
stop_server
finish
