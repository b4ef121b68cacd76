#!/usr/bin/env bash
# End to end: what admitd does with hostile or broken clients, loopback only.
# Slow clients (stalled heads and bodies, slowloris against the connection
# reserve, a too-large Content-Length without Expect), the memory budget
# (413 for what can never fit, 429 while others hold it), a start-up free
# of libmicrohttpd warnings, and framing
# errors answered with a Kubernetes Status. Asserts outcomes and counts;
# each wait has a generous bound and the server's idle timeout is longer
# still, so only the behaviour under test can end a wait early.
ADMITD=${1:?usage: limits.sh PATH/TO/admitd}
. "$(dirname "$0")/lib.sh"

"$ROOT/hack/gen-certs.sh" "$WORK/certs" >/dev/null
CA="$WORK/certs/ca.pem"
TLS=(--tls-cert "$WORK/certs/tls.crt" --tls-key "$WORK/certs/tls.key")
client() { python3 "$ROOT/tests/e2e/tls_client.py" "$1" "$PORT" "$CA" "${@:2}"; }
is_status() { # is_status JSON -> "yes" when it is a metav1.Status document
  python3 -c 'import json,sys
try: d=json.loads(sys.argv[1]); print("yes" if d.get("kind")=="Status" else "no")
except Exception: print("no")' "$1"
}

# --- start-up: no warning from libmicrohttpd in any threading mode ---------
for io in 0 1 2; do
  start_server "${TLS[@]}" --io-threads "$io" || exit 1
  expect_eq "--io-threads $io: start-up logs no warning" "" "$(grep '"level":"warn"' "$SERVER_LOG")"
  stop_server
done

# --- slow clients: the request deadline is a timer -------------------------
start_server "${TLS[@]}" --max-body-bytes 65536 --request-timeout 1000 --idle-timeout 60 || exit 1
out=$(client early 10000000)
expect_eq "Content-Length over the cap without Expect: 413 at once" 413 "${out%% *}"
expect_contains "413 then the connection is closed" "413 closed" "$out"
expect_contains "413 is a Status naming the limit" '"reason":"RequestEntityTooLarge"' "$out"
expect_eq "stalled body closed by the deadline" closed "$(client stall body 8)"
expect_eq "stalled head closed by the deadline" closed "$(client stall head 8)"
expect_eq "silent new connection closed by the deadline" closed "$(client stall nothing 8)"
expect_contains "timeouts logged" "did not complete within 1000 ms" "$(cat "$SERVER_LOG")"
code=$(curl -sS --cacert "$CA" -o /dev/null -w '%{http_code}' "https://localhost:$PORT/healthz")
expect_eq "still serving after stalled clients" 200 "$code"

# --- framing: answers from admitd are Status documents ----------------------
out=$(client raw 'POST /validate%00x HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}')
expect_eq "NUL escaped in the path is not /validate" 404 "${out%% *}"
out=$(client raw 'POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip\r\n\r\n')
expect_eq "unsupported Transfer-Encoding" 400 "${out%% *}"
expect_eq "unsupported Transfer-Encoding: a Status" yes "$(is_status "${out#* * }")"
out=$(client raw 'POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n')
expect_eq "Content-Length with Transfer-Encoding" 400 "${out%% *}"
expect_eq "Content-Length with Transfer-Encoding: a Status" yes "$(is_status "${out#* * }")"
# A Content-Type echoed into the message with a cut UTF-8 sequence and a raw
# control byte: still a valid JSON Status, not a dropped connection.
out=$(client raw 'POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/\xe2\x82\x01x\r\nContent-Length: 2\r\n\r\n{}')
expect_eq "415 for a raw Content-Type" 415 "${out%% *}"
expect_eq "415 with raw bytes echoed: valid Status JSON" yes "$(is_status "${out#* * }")"
long=$(python3 -c 'print("€"*60)')
out=$(client raw "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: $long\r\nContent-Length: 2\r\n\r\n{}")
expect_eq "415 with a long UTF-8 Content-Type cut in the message: valid Status JSON" yes "$(is_status "${out#* * }")"
stop_server

# --- the memory budget -------------------------------------------------------
start_server "${TLS[@]}" --max-body-bytes 4194304 --memory-budget 1Mi || exit 1
out=$(client early 2000000)
expect_eq "a body larger than the whole budget: 413" 413 "${out%% *}"
expect_contains "413 names the budget" "memory budget" "$out"
out=$(client budget 600000)
set -- $out
expect_eq "budget held by another request: 429" 429 "$2"
expect_contains "429 says to retry, not malformed" "try again" "$out"
expect_eq "the request holding the budget is answered" 400 "$1"
REVIEWS="$ROOT/tests/fixtures/reviews"
code=$(curl -sS --cacert "$CA" -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
  --data-binary @"$REVIEWS/privileged-pod.json" "https://localhost:$PORT/validate")
expect_eq "budget given back: reviews decided again" 200 "$code"
# What can never fit is 413 however idle the server is, never 429 (which
# says to try again): a chunked body past the whole budget, and a body that
# fits whose decoded tree does not fit beside it.
post() { # post FILE [CURL ARGS...] -> "STATUS BODY"
  curl -sS --cacert "$CA" -w ' %{http_code}' -H 'Content-Type: application/json' "${@:2}" --data-binary @"$1" \
    "https://localhost:$PORT/validate"
}
annotated() { # annotated N OUT: the plain pod review with N annotations of 50 bytes
  python3 -c 'import json,sys
r=json.load(open(sys.argv[1])); a=r["request"]["object"]["metadata"].setdefault("annotations",{})
a.update({"k%d" % i: "v"*50 for i in range(int(sys.argv[2]))}); json.dump(r,open(sys.argv[3],"w"))' \
    "$REVIEWS/plain-pod.json" "$1" "$2"
}
annotated 40000 "$WORK/huge.json"
out=$(post "$WORK/huge.json" -H 'Transfer-Encoding: chunked')
expect_eq "a chunked body past the whole budget: 413" 413 "${out##* }"
expect_contains "its 413 names the budget" "memory budget is 1048576 bytes" "$out"
annotated 4000 "$WORK/wide.json"
out=$(post "$WORK/wide.json")
expect_eq "a decoded tree past the whole budget with its body: 413" 413 "${out##* }"
expect_contains "its 413 says no decision was made" '"reason":"RequestEntityTooLarge"' "$out"
out=$(post "$REVIEWS/privileged-pod.json" -o /dev/null)
expect_eq "still deciding small reviews" 200 "${out##* }"
stop_server

# --- slowloris against the connection reserve --------------------------------
start_server "${TLS[@]}" --max-connections 40 --max-connections-per-ip 0 --request-timeout 20000 --idle-timeout 60 ||
  exit 1
expect_eq "60 slowloris connections held: new connections still served (failures)" 0 "$(client slowloris 60 20)"
expect_contains "shedding logged" "shed" "$(cat "$SERVER_LOG")"
stop_server

finish
