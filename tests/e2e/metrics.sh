#!/usr/bin/env bash
# End to end: GET /metrics on the TLS port and on --metrics-listen, every
# line of both parsed by tests/e2e/prom_parse.py (strict), and the counters
# checked against the requests this test sent: decisions by kind and
# operation, failed checks by mode, 413/415/400 answers, config and
# certificate reloads with their failures. Loopback only.
ADMITD=${1:?usage: metrics.sh PATH/TO/admitd}
. "$(dirname "$0")/lib.sh"

PARSE="$ROOT/tests/e2e/prom_parse.py"
"$ROOT/hack/gen-certs.sh" "$WORK/certs" >/dev/null
CA="$WORK/certs/ca.pem"
REVIEWS="$ROOT/tests/fixtures/reviews"

# --- the parser refuses what it must ------------------------------------------
bad() { # bad NAME TEXT: the parser must reject TEXT
  printf '%b' "$2" >"$WORK/bad.txt"
  if python3 "$PARSE" "$WORK/bad.txt" 2>/dev/null; then fail "parser accepted $1"; else pass; fi
}
ok_head='# HELP admitd_x_total x\n# TYPE admitd_x_total counter\n'
bad "a sample without TYPE" 'admitd_x_total 1\n'
bad "an unterminated label value" "${ok_head}"'admitd_x_total{a="b} 1\n'
bad "a bad escape" "${ok_head}"'admitd_x_total{a="\\q"} 1\n'
bad "a duplicate series" "${ok_head}"'admitd_x_total 1\nadmitd_x_total 2\n'
bad "a counter without _total" '# HELP admitd_x x\n# TYPE admitd_x counter\nadmitd_x 1\n'
bad "no final newline" "${ok_head}"'admitd_x_total 1'
bad "a value that is not a number" "${ok_head}"'admitd_x_total one\n'
bad "+Inf unlike _count" '# HELP admitd_h_seconds h\n# TYPE admitd_h_seconds histogram\nadmitd_h_seconds_bucket{le="1"} 1\nadmitd_h_seconds_bucket{le="+Inf"} 2\nadmitd_h_seconds_sum 1\nadmitd_h_seconds_count 3\n'
bad "buckets that fall" '# HELP admitd_h_seconds h\n# TYPE admitd_h_seconds histogram\nadmitd_h_seconds_bucket{le="1"} 3\nadmitd_h_seconds_bucket{le="+Inf"} 2\nadmitd_h_seconds_sum 1\nadmitd_h_seconds_count 2\n'
bad "a split family" "${ok_head}"'admitd_x_total 1\n# HELP admitd_y y\n# TYPE admitd_y gauge\nadmitd_y 1\nadmitd_x_total{a="b"} 1\n'

# --- a server with both listeners -----------------------------------------------
cp "$WORK/certs/tls.crt" "$WORK/certs/tls.key" "$WORK/" && cp -r "$WORK/certs" "$WORK/live"
cat >"$WORK/policy.yaml" <<'YAML'
apiVersion: admitd.io/v1alpha1
kind: Policy
podSecurity:
  defaults: {enforce: baseline, warn: restricted, audit: restricted}
YAML
start_server --tls-cert "$WORK/live/tls.crt" --tls-key "$WORK/live/tls.key" --config "$WORK/policy.yaml" \
  --max-body-bytes 65536 --metrics-listen 127.0.0.1:0 || exit 1
MPORT=$(sed -n 's/.*metrics on .* (port \([0-9]*\)).*/\1/p' "$SERVER_LOG" | head -n 1)
expect_contains "the metrics listener logs its port" "metrics on http://127.0.0.1:0/metrics" "$(cat "$SERVER_LOG")"

post() { # post FILE [curl args...] -> HTTP status
  local file=$1
  shift
  curl -sS --cacert "$CA" -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary @"$file" "$@" "https://localhost:$PORT/validate"
}
scrape() { # scrape NAME: both endpoints into $WORK/NAME.{tls,plain}, each parsed strictly
  curl -sS --cacert "$CA" -D "$WORK/$1.tls.head" -o "$WORK/$1.tls" "https://localhost:$PORT/metrics"
  curl -sS -o "$WORK/$1.plain" "http://127.0.0.1:$MPORT/metrics"
  for f in "$WORK/$1.tls" "$WORK/$1.plain"; do
    if python3 "$PARSE" "$f"; then pass; else fail "$f is not a strict exposition"; fi
  done
}
value() { python3 "$PARSE" "$WORK/$1.plain" "$2"; } # value NAME SERIES

scrape start
expect_contains "content type" "text/plain; version=0.0.4" "$(tr -d '\r' <"$WORK/start.tls.head")"
expect_eq "nothing counted yet" 0 "$(value start 'admitd_requests_total{decision="denied",kind="Pod",operation="CREATE"}')"
expect_eq "ready" 1 "$(value start admitd_ready)"
expect_eq "a check has its series at start" 0 "$(value start 'admitd_failed_checks_total{family="podSecurity",check="hostPorts",mode="enforce"}')"

expect_eq "privileged pod" 200 "$(post "$REVIEWS/privileged-pod.json")"
expect_eq "plain pod" 200 "$(post "$REVIEWS/plain-pod.json")"
expect_eq "restricted pod" 200 "$(post "$REVIEWS/restricted-pod.json")"
printf '{"apiVersion": "admission.k8s.io/v1", "kind": ' >"$WORK/trunc.json"
expect_eq "malformed" 400 "$(post "$WORK/trunc.json")"
expect_eq "text/plain" 415 "$(curl -sS --cacert "$CA" -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' \
  --data-binary @"$REVIEWS/plain-pod.json" "https://localhost:$PORT/validate")"
head -c 70000 /dev/zero | tr '\0' ' ' >"$WORK/big.json"
# Expect: 100-continue, so curl reads the early 413 instead of racing the
# close with the rest of its upload (tests/e2e/limits.sh covers the case
# without it, with a client that reads the answer).
expect_eq "too large" 413 "$(post "$WORK/big.json" -H 'Expect: 100-continue')"
sed 's/"kind":"Pod"/"kind":"CloneSet"/; s/"kind": "Pod"/"kind": "CloneSet"/' "$REVIEWS/plain-pod.json" >"$WORK/clone.json"
expect_eq "unknown kind" 200 "$(post "$WORK/clone.json")"

scrape after
expect_eq "denied Pod CREATE" 1 "$(value after 'admitd_requests_total{decision="denied",kind="Pod",operation="CREATE"}')"
expect_eq "allowed Pod CREATE" 2 "$(value after 'admitd_requests_total{decision="allowed",kind="Pod",operation="CREATE"}')"
expect_eq "an unknown kind is other" 1 "$(value after 'admitd_requests_total{decision="allowed",kind="other",operation="CREATE"}')"
expect_eq "400, 415 and 413 are errors" 3 "$(value after 'admitd_requests_total{decision="error",kind="unknown",operation="unknown"}')"
expect_eq "latency histogram count" 3 "$(value after 'admitd_request_duration_seconds_count{decision="allowed"}')"
expect_eq "privileged failed in enforce" 1 "$(value after 'admitd_failed_checks_total{family="podSecurity",check="privileged",mode="enforce"}')"
expect_eq "privileged failed in audit" 1 "$(value after 'admitd_failed_checks_total{family="podSecurity",check="privileged",mode="audit"}')"
expect_eq "runAsNonRoot is not enforced at baseline" 0 "$(value after 'admitd_failed_checks_total{family="podSecurity",check="runAsNonRoot",mode="enforce"}')"
# The plain pod, the privileged pod and the CloneSet (judged by its resource, pods) all run as root.
expect_eq "runAsNonRoot warned" 3 "$(value after 'admitd_failed_checks_total{family="podSecurity",check="runAsNonRoot",mode="warn"}')"
expect_eq "413 counted" 1 "$(value after 'admitd_http_responses_total{code="413"}')"
expect_eq "415 counted" 1 "$(value after 'admitd_http_responses_total{code="415"}')"
expect_eq "400 counted" 1 "$(value after 'admitd_http_responses_total{code="400"}')"
expect_eq "the TLS port serves the same counters" 1 "$(python3 "$PARSE" "$WORK/after.tls" 'admitd_http_responses_total{code="413"}')"
expect_eq "a connection is open (the scrape's own)" 1 "$(python3 "$PARSE" "$WORK/after.tls" admitd_open_connections)"

# --- reloads ---------------------------------------------------------------------
printf 'apiVersion: admitd.io/v1alpha1\nkind: Policy\npodSecurity:\n  defaults: {enforce: superstrict}\n' >"$WORK/policy.yaml"
kill -HUP "$SERVER_PID"
for _ in $(seq 1 60); do grep -q "policy reload rejected" "$SERVER_LOG" && break; sleep 0.1; done
scrape badconfig
expect_eq "a refused policy is a failure" 1 "$(value badconfig 'admitd_config_reloads_total{result="failure"}')"
expect_eq "and not a success" 0 "$(value badconfig 'admitd_config_reloads_total{result="success"}')"
t0=$(value badconfig admitd_config_last_reload_success_timestamp_seconds)
sleep 1.1
printf 'apiVersion: admitd.io/v1alpha1\nkind: Policy\npodSecurity:\n  defaults: {enforce: restricted}\n' >"$WORK/policy.new"
mv "$WORK/policy.new" "$WORK/policy.yaml"
for _ in $(seq 1 60); do grep -q "policy reloaded" "$SERVER_LOG" && break; sleep 0.1; done
scrape goodconfig
expect_eq "an applied policy is a success" 1 "$(value goodconfig 'admitd_config_reloads_total{result="success"}')"
t1=$(value goodconfig admitd_config_last_reload_success_timestamp_seconds)
if python3 -c "import sys; sys.exit(not float(sys.argv[2]) > float(sys.argv[1]))" "$t0" "$t1"; then pass; else fail "last success time did not move: $t0 -> $t1"; fi

"$ROOT/hack/gen-certs.sh" "$WORK/rotated" >/dev/null
cp "$WORK/rotated/tls.key" "$WORK/live/tls.key.new" && cp "$WORK/rotated/tls.crt" "$WORK/live/tls.crt.new"
mv "$WORK/live/tls.key.new" "$WORK/live/tls.key" && mv "$WORK/live/tls.crt.new" "$WORK/live/tls.crt"
for _ in $(seq 1 60); do grep -q "certificate reloaded" "$SERVER_LOG" && break; sleep 0.1; done
cp "$WORK/certs/tls.key" "$WORK/live/tls.key" # no longer matches the certificate
kill -HUP "$SERVER_PID"
for _ in $(seq 1 60); do grep -q "certificate reload rejected" "$SERVER_LOG" && break; sleep 0.1; done
CA="$WORK/rotated/ca.pem"
scrape certs
expect_eq "a rotated certificate is a success" 1 "$(value certs 'admitd_certificate_reloads_total{result="success"}')"
expect_eq "a mismatched key is a failure" 1 "$(value certs 'admitd_certificate_reloads_total{result="failure"}')"
expiry=$(value certs admitd_certificate_expiry_timestamp_seconds)
if [ "$expiry" != missing ] && [ "$expiry" -gt "$(date +%s)" ]; then pass; else fail "certificate expiry: $expiry"; fi

# --- the plain listener serves nothing else ---------------------------------------
expect_eq "plain listener: /validate" 404 "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/validate")"
expect_eq "plain listener: POST /metrics" 405 "$(curl -sS -o /dev/null -w '%{http_code}' -d x "http://127.0.0.1:$MPORT/metrics")"
stop_server

if "$ADMITD" serve --listen 127.0.0.1:0 --metrics-listen nowhere:9090 2>"$WORK/err"; then
  fail "--metrics-listen nowhere:9090 accepted"
else
  expect_contains "a bad --metrics-listen is named" "--metrics-listen" "$(cat "$WORK/err")"
fi

finish
