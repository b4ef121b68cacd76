#!/usr/bin/env bash
# End to end: admitd serve over HTTPS with certificates from hack/gen-certs.sh,
# driven by curl (verifying the CA) and tests/e2e/tls_client.py. Loopback only.
ADMITD=${1:?usage: server.sh PATH/TO/admitd}
. "$(dirname "$0")/lib.sh"

"$ROOT/hack/gen-certs.sh" "$WORK/certs" >/dev/null
CA="$WORK/certs/ca.pem"
REVIEWS="$ROOT/tests/fixtures/reviews"

post() { # post FILE [extra curl args...] -> prints "CODE BODY"
  local file=$1
  shift
  curl -sS --cacert "$CA" -o "$WORK/body" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary @"$file" "$@" "https://localhost:$PORT/validate"
  printf ' %s' "$(cat "$WORK/body")"
}

jget() { # jget JSON PATH... : a field of a JSON document, via python
  python3 -c 'import json,sys; d=json.loads(sys.argv[1])
for k in sys.argv[2:]: d=d[int(k)] if isinstance(d,list) else d.get(k)
print(json.dumps(d) if not isinstance(d,str) else d)' "$@"
}

# --- flags: --help on stdout; a refused flag exits 2 and says which and why ----
"$ADMITD" serve --help >"$WORK/help.out" 2>"$WORK/help.err"
expect_eq "serve --help: exit status" 0 $?
expect_contains "serve --help: a flag with its default" "--max-json-depth N            deepest JSON nesting accepted (default 100)" "$(cat "$WORK/help.out")"
expect_eq "serve --help: nothing on stderr" "" "$(cat "$WORK/help.err")"
"$ADMITD" serve --max-json-depth 1001 >"$WORK/flag.out" 2>"$WORK/flag.err"
expect_eq "a count past its bound: exit status" 2 $?
expect_eq "a count past its bound: says so" 'admitd serve: max-json-depth: want a whole number up to 1000, got "1001"' "$(cat "$WORK/flag.err")"
"$ADMITD" serve --bogus >"$WORK/flag.out" 2>"$WORK/flag.err"
expect_eq "an unknown flag: exit status" 2 $?
expect_contains "an unknown flag: named" "unrecognized option '--bogus'" "$(cat "$WORK/flag.err")"
expect_eq "an unknown flag: the help follows" "$(cat "$WORK/help.out")" "$(sed 1d "$WORK/flag.err")"

# --- the built-in policy over a CA-verified connection ------------------------
start_server --tls-cert "$WORK/certs/tls.crt" --tls-key "$WORK/certs/tls.key" --max-body-bytes 65536 || exit 1

out=$(post "$REVIEWS/privileged-pod.json")
body=${out#* }
expect_eq "privileged pod: HTTP status" 200 "${out%% *}"
expect_eq "privileged pod: uid echoed" 705ab4f5-6393-11e8-b7cc-42010a800002 "$(jget "$body" response uid)"
expect_eq "privileged pod: denied" false "$(jget "$body" response allowed)"
expect_eq "privileged pod: status code" 403 "$(jget "$body" response status code)"
expect_contains "privileged pod: reason" 'violates PodSecurity "baseline:latest": privileged (container "app" must not set securityContext.privileged=true)' "$(jget "$body" response status message)"
expect_eq "privileged pod: envelope apiVersion" admission.k8s.io/v1 "$(jget "$body" apiVersion)"
expect_eq "privileged pod: envelope kind" AdmissionReview "$(jget "$body" kind)"

out=$(post "$REVIEWS/plain-pod.json")
body=${out#* }
expect_eq "plain pod: allowed" true "$(jget "$body" response allowed)"
expect_contains "plain pod: restricted warning" 'would violate PodSecurity "restricted:latest"' "$(jget "$body" response warnings 0)"
expect_eq "plain pod: enforce-policy annotation" baseline:latest "$(jget "$body" response auditAnnotations enforce-policy)"

out=$(post "$REVIEWS/restricted-pod.json")
body=${out#* }
expect_eq "restricted pod: allowed" true "$(jget "$body" response allowed)"
expect_eq "restricted pod: no warnings" null "$(jget "$body" response warnings)"

out=$(post "$REVIEWS/privileged-pod-v1beta1.json")
body=${out#* }
expect_eq "v1beta1: envelope echoed" admission.k8s.io/v1beta1 "$(jget "$body" apiVersion)"
expect_eq "v1beta1: uid echoed" beta-uid-0001 "$(jget "$body" response uid)"
expect_eq "v1beta1: denied" false "$(jget "$body" response allowed)"

# --- bad input: each gets its status and a JSON body; the server keeps serving -
code=$(curl -sS --cacert "$CA" -o "$WORK/body" -w '%{http_code}' "https://localhost:$PORT/validate")
expect_eq "GET /validate" 405 "$code"
expect_contains "405 body" MethodNotAllowed "$(cat "$WORK/body")"
expect_contains "405 names the method to use" "Allow: POST" "$(curl -sS -i --cacert "$CA" "https://localhost:$PORT/validate" | tr -d '\r')"
code=$(curl -sS --cacert "$CA" -o /dev/null -w '%{http_code}' -X DELETE "https://localhost:$PORT/healthz")
expect_eq "DELETE /healthz" 405 "$code"
code=$(curl -sS --cacert "$CA" -o "$WORK/body" -w '%{http_code}' -H 'Content-Type: text/plain' --data-binary @"$REVIEWS/plain-pod.json" "https://localhost:$PORT/validate")
expect_eq "text/plain body" 415 "$code"
head -c 70000 /dev/zero | tr '\0' ' ' >"$WORK/big.json"
# Expect: 100-continue, so curl reads the early 413 rather than racing the
# close with its upload (tests/e2e/limits.sh covers the case without it).
code=$(curl -sS --cacert "$CA" -o "$WORK/body" -w '%{http_code}' -H 'Content-Type: application/json' -H 'Expect: 100-continue' --data-binary @"$WORK/big.json" "https://localhost:$PORT/validate")
expect_eq "body over --max-body-bytes" 413 "$code"
expect_contains "413 body names the limit" "limit is 65536 bytes" "$(cat "$WORK/body")"
code=$(curl -sS --cacert "$CA" -o "$WORK/body" -w '%{http_code}' -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary @"$WORK/big.json" "https://localhost:$PORT/validate")
expect_eq "chunked body over the limit" 413 "$code"
printf '{"apiVersion": "admission.k8s.io/v1", "kind": ' >"$WORK/trunc.json"
out=$(post "$WORK/trunc.json")
expect_eq "malformed JSON" 400 "${out%% *}"
expect_contains "malformed JSON says so" "malformed JSON" "$out"
printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}' >"$WORK/norequest.json"
out=$(post "$WORK/norequest.json")
expect_eq "no request" 400 "${out%% *}"
expect_contains "no request names the field" '$.request' "$out"
printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"operation":"CREATE"}}' >"$WORK/nouid.json"
out=$(post "$WORK/nouid.json")
expect_eq "no uid" 400 "${out%% *}"
expect_contains "no uid names the field" "request.uid" "$out"
printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","kind":"x","request":{}}' >"$WORK/dup.json"
out=$(post "$WORK/dup.json")
expect_eq "duplicate key" 400 "${out%% *}"
expect_contains "duplicate key said" "duplicate" "$out"
python3 -c 'print("["*500 + "]"*500)' >"$WORK/deep.json"
out=$(post "$WORK/deep.json")
expect_eq "nesting too deep" 400 "${out%% *}"
printf '{"apiVersion":"admission.k8s.io/v2","kind":"AdmissionReview","request":{"uid":"x"}}' >"$WORK/v2.json"
out=$(post "$WORK/v2.json")
expect_eq "unsupported apiVersion" 400 "${out%% *}"
: >"$WORK/empty.json"
out=$(post "$WORK/empty.json")
expect_eq "empty body" 400 "${out%% *}"
out=$(python3 "$ROOT/tests/e2e/tls_client.py" duplicate-content-length "$PORT" "$CA")
expect_eq "duplicate Content-Length" 400 "${out%% *}"
code=$(curl -sS --cacert "$CA" -o /dev/null -w '%{http_code}' "https://localhost:$PORT/nope")
expect_eq "unknown path" 404 "$code"
code=$(curl -sS --cacert "$CA" -o /dev/null -w '%{http_code}' "https://localhost:$PORT/healthz")
expect_eq "healthz after bad input" 200 "$code"
code=$(curl -sS --cacert "$CA" -o /dev/null -w '%{http_code}' "https://localhost:$PORT/readyz")
expect_eq "readyz" 200 "$code"
out=$(post "$REVIEWS/privileged-pod.json")
expect_eq "still deciding after bad input" false "$(jget "${out#* }" response allowed)"
if curl -sS --tlsv1.1 --tls-max 1.1 --cacert "$CA" -o /dev/null "https://localhost:$PORT/healthz" 2>/dev/null; then
  fail "TLS 1.1 was accepted"
else
  pass
fi
expect_contains "one decision log line per review" '"msg":"decision","uid":"705ab4f5-6393-11e8-b7cc-42010a800002"' "$(cat "$SERVER_LOG")"
kill -0 "$SERVER_PID" && pass || fail "admitd died during bad input"
stop_server
# The reproduction that crashed (23,010 items) or bypassed (23,008) the old
# arena limit: a privileged pod behind "x":[{},{},...] at the start of
# request, with production limits (the defaults). Denied every time, and the
# server lives.
start_server --tls-cert "$WORK/certs/tls.crt" --tls-key "$WORK/certs/tls.key" || exit 1
for n in 23008 23010 100000; do
  python3 - "$REVIEWS/privileged-pod.json" "$n" >"$WORK/filler.json" <<'PY'
import sys
text = open(sys.argv[1]).read()
n = int(sys.argv[2])
print(text.replace('"request":{', '"request":{"x":[' + ",".join(["{}"] * n) + '],', 1), end="")
PY
  out=$(curl -sS --cacert "$CA" -o "$WORK/body" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary @"$WORK/filler.json" "https://localhost:$PORT/validate")
  body=$(cat "$WORK/body")
  expect_eq "privileged pod behind $n empty objects: decided" 200 "$out"
  expect_eq "privileged pod behind $n empty objects: denied" false "$(jget "$body" response allowed)"
  expect_eq "server alive after $n empty objects" "ok" "$(curl -sS --cacert "$CA" "https://localhost:$PORT/healthz")"
done
stop_server

# --- a client that drips its body is dropped at the request deadline ---------
start_server --tls-cert "$WORK/certs/tls.crt" --tls-key "$WORK/certs/tls.key" --request-timeout 1000 || exit 1
secs=$(python3 "$ROOT/tests/e2e/tls_client.py" drip "$PORT" "$CA")
if awk -v s="$secs" 'BEGIN { exit !(s >= 0.9 && s < 5) }'; then pass; else fail "drip: dropped after ${secs}s, want about 1s"; fi
# The watchdog closes the connection, then logs: give the line a moment.
for _ in $(seq 1 40); do grep -q "did not complete within 1000 ms" "$SERVER_LOG" && break; sleep 0.05; done
expect_contains "drip: logged" "did not complete within 1000 ms" "$(cat "$SERVER_LOG")"
code=$(curl -sS --cacert "$CA" -o /dev/null -w '%{http_code}' "https://localhost:$PORT/healthz")
expect_eq "drip: still serving" 200 "$code"
stop_server

# --- connection limit and idle timeout ---------------------------------------
start_server --tls-cert "$WORK/certs/tls.crt" --tls-key "$WORK/certs/tls.key" --max-connections 3 --idle-timeout 1 || exit 1
expect_eq "under the connection limit" served "$(python3 "$ROOT/tests/e2e/tls_client.py" hold "$PORT" "$CA" 2)"
expect_eq "past the connection limit, every one with a request in progress" refused \
  "$(python3 "$ROOT/tests/e2e/tls_client.py" hold "$PORT" "$CA" 3 busy)"
expect_eq "past the connection limit, idle connections make room" served \
  "$(python3 "$ROOT/tests/e2e/tls_client.py" hold "$PORT" "$CA" 3)"
expect_eq "an idle connection is closed after --idle-timeout" closed "$(python3 "$ROOT/tests/e2e/tls_client.py" idle "$PORT" "$CA" 2.5)"
expect_eq "a connection idle less than that stays" open "$(python3 "$ROOT/tests/e2e/tls_client.py" idle "$PORT" "$CA" 0.2)"
stop_server

# --- certificate rotation: new files are served without a restart ------------
cp "$WORK/certs/tls.crt" "$WORK/certs/tls.key" "$WORK/" && cp -r "$WORK/certs" "$WORK/live"
start_server --tls-cert "$WORK/live/tls.crt" --tls-key "$WORK/live/tls.key" || exit 1
"$ROOT/hack/gen-certs.sh" "$WORK/rotated" >/dev/null
code=$(curl -sS --cacert "$WORK/rotated/ca.pem" -o /dev/null -w '%{http_code}' "https://localhost:$PORT/healthz" 2>/dev/null)
expect_eq "before rotation the new CA is not trusted" 000 "$code"
cp "$WORK/rotated/tls.key" "$WORK/live/tls.key.new" && cp "$WORK/rotated/tls.crt" "$WORK/live/tls.crt.new"
mv "$WORK/live/tls.key.new" "$WORK/live/tls.key" && mv "$WORK/live/tls.crt.new" "$WORK/live/tls.crt"
code=000
for _ in $(seq 1 60); do
  code=$(curl -sS --cacert "$WORK/rotated/ca.pem" -o /dev/null -w '%{http_code}' "https://localhost:$PORT/healthz" 2>/dev/null)
  [ "$code" = 200 ] && break
  sleep 0.1
done
expect_eq "after rotation the new certificate is served" 200 "$code"
# A key that does not match its certificate is refused; the last good pair stays.
before=$(grep -c "the private key does not match the certificate" "$SERVER_LOG")
cp "$WORK/certs/tls.key" "$WORK/live/tls.key"
kill -HUP "$SERVER_PID"
after=$before
for _ in $(seq 1 60); do
  after=$(grep -c "the private key does not match the certificate" "$SERVER_LOG")
  [ "$after" -gt "$before" ] && break
  sleep 0.1
done
if [ "$after" -gt "$before" ]; then pass; else fail "a mismatched key was not refused with a log line"; fi
code=$(curl -sS --cacert "$WORK/rotated/ca.pem" -o /dev/null -w '%{http_code}' "https://localhost:$PORT/healthz" 2>/dev/null)
expect_eq "still serving the last good certificate" 200 "$code"
stop_server

# --- reload: a good file swaps the policy, a bad one is refused ---------------
cat >"$WORK/policy.yaml" <<'YAML'
apiVersion: admitd.io/v1alpha1
kind: Policy
podSecurity:
  defaults: {enforce: baseline, warn: restricted, audit: restricted}
YAML
start_server --tls-cert "$WORK/certs/tls.crt" --tls-key "$WORK/certs/tls.key" --config "$WORK/policy.yaml" || exit 1
out=$(post "$REVIEWS/privileged-pod.json")
expect_eq "before reload: privileged denied" false "$(jget "${out#* }" response allowed)"
cat >"$WORK/policy.new" <<'YAML'
apiVersion: admitd.io/v1alpha1
kind: Policy
podSecurity:
  defaults: {enforce: privileged, warn: privileged, audit: privileged}
YAML
mv "$WORK/policy.new" "$WORK/policy.yaml"
allowed=false
for _ in $(seq 1 60); do
  out=$(post "$REVIEWS/privileged-pod.json")
  allowed=$(jget "${out#* }" response allowed)
  [ "$allowed" = true ] && break
  sleep 0.1
done
expect_eq "after the file changed: privileged allowed" true "$allowed"
printf 'apiVersion: admitd.io/v1alpha1\nkind: Policy\npodSecurity:\n  defaults: {enforce: superstrict}\n' >"$WORK/policy.yaml"
kill -HUP "$SERVER_PID"
for _ in $(seq 1 60); do
  grep -q "policy reload rejected" "$SERVER_LOG" && break
  sleep 0.1
done
expect_contains "bad file: rejected with file, line and key" 'policy.yaml:4:14: podSecurity.defaults.enforce: unknown level' "$(cat "$SERVER_LOG")"
out=$(post "$REVIEWS/privileged-pod.json")
expect_eq "bad file: previous policy stays" true "$(jget "${out#* }" response allowed)"
stop_server

# --- SIGTERM drain with a request in flight -----------------------------------
start_server --tls-cert "$WORK/certs/tls.crt" --tls-key "$WORK/certs/tls.key" --grace-period 5 || exit 1
pid=$SERVER_PID
out=$(python3 "$ROOT/tests/e2e/tls_client.py" drain "$PORT" "$CA" "$pid" "$REVIEWS/privileged-pod.json")
expect_eq "drain: in-flight request answered" 200 "$(jget "$out" status)"
expect_eq "drain: in-flight request decided" false "$(jget "$out" allowed)"
expect_eq "drain: uid of in-flight request" 705ab4f5-6393-11e8-b7cc-42010a800002 "$(jget "$out" uid)"
expect_eq "drain: Connection: close on the answer" close "$(jget "$out" connection)"
expect_eq "drain: readyz turns 503" 503 "$(jget "$out" readyz)"
wait "$pid"
expect_eq "drain: exit status" 0 "$?"
SERVER_PID=
if curl -sS --cacert "$CA" -o /dev/null "https://localhost:$PORT/healthz" 2>/dev/null; then
  fail "still accepting after drain"
else
  pass
fi

# --- no certificate: in-memory self-signed, said loudly -----------------------
start_server --self-signed-cert-out "$WORK/self.pem" || exit 1
expect_contains "self-signed: first log line says so" "NO CERTIFICATE GIVEN" "$(head -n 1 "$SERVER_LOG")"
out=$(CA="$WORK/self.pem" post "$REVIEWS/privileged-pod.json")
expect_eq "self-signed: decision" false "$(jget "${out#* }" response allowed)"
stop_server

finish
