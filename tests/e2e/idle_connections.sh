#!/usr/bin/env bash
# End to end: idle keep-alive connections and slowloris cannot take the
# connection table from new clients. Tenants' pods holding connections from
# a few addresses, each having made one request, fill every slot; new
# connections (a liveness probe, an admission) must still be served, by
# shedding the idle connections of the address holding the most, oldest
# first, in both threading modes. Then, at the default limits, 512 such
# connections (reopened when shed) and 1,000 slowloris connections opened at
# once, with probes beside them. Loopback only: 127.0.0.2, 127.0.0.3, ...
# are other client addresses.
ADMITD=${1:?usage: idle_connections.sh PATH/TO/admitd}
. "$(dirname "$0")/lib.sh"

"$ROOT/hack/gen-certs.sh" "$WORK/certs" >/dev/null
CA="$WORK/certs/ca.pem"
TLS=(--tls-cert "$WORK/certs/tls.crt" --tls-key "$WORK/certs/tls.key")
REVIEW="$ROOT/tests/fixtures/reviews/privileged-pod.json"

# probe healthz|validate: one request on a new connection from 127.0.0.1,
# as the kubelet or the API server would make it; prints the HTTP status
# (000: no answer within 2 s).
probe() {
  local args=(-s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$CA")
  if [ "$1" = validate ]; then
    curl "${args[@]}" -H 'Content-Type: application/json' --data-binary @"$REVIEW" "https://localhost:$PORT/validate"
  else
    curl "${args[@]}" "https://localhost:$PORT/healthz"
  fi
}

# probes N: N probes 0.25 s apart, alternating /healthz and /validate;
# prints "ANSWERED/N" (answered: 200).
probes() {
  local ok=0 i
  for i in $(seq 1 "$1"); do
    [ "$(probe $([ $((i % 2)) = 1 ] && echo healthz || echo validate))" = 200 ] && ok=$((ok + 1))
    sleep 0.25
  done
  echo "$ok/$1"
}

# flood ARGS...: start conn_flood.py in the background and wait (60 s at
# most) until it holds what it was asked to.
flood() {
  rm -f "$WORK/ready" "$WORK/stop"
  python3 "$ROOT/tests/e2e/conn_flood.py" "$PORT" "$CA" --ready "$WORK/ready" --until "$WORK/stop" \
    --max-seconds 120 "$@" >"$WORK/flood.json" &
  FLOOD_PID=$!
  for _ in $(seq 1 600); do
    [ -e "$WORK/ready" ] && return 0
    kill -0 "$FLOOD_PID" 2>/dev/null || break
    sleep 0.1
  done
  fail "conn_flood.py did not get ready"
}

# end_flood: stop holding; its JSON report is in $WORK/flood.json.
end_flood() {
  touch "$WORK/stop"
  wait "$FLOOD_PID"
}

# field PY-EXPRESSION: evaluated over the flood report, as d.
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$WORK/flood.json" "$1"; }

metric() { # metric NAME{LABELS}: its value in a scrape of the serving port
  curl -s --max-time 5 --cacert "$CA" "https://localhost:$PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'
}

# --- the table full of idle connections from three addresses ----------------
# 64 slots, 56 before the reserve. 127.0.0.4 and 127.0.0.3 open theirs first
# (the oldest idle, but few), then 127.0.0.2 opens 40: every connection past
# 56, the probes' included, costs 127.0.0.2 its oldest idle one. With a
# thread per connection, then with the epoll workers.
for mode in "a thread per connection" "--io-threads 2"; do
  threads=()
  [ "$mode" = "--io-threads 2" ] && threads=(--io-threads 2)
  start_server "${TLS[@]}" --max-connections 64 --max-connections-per-ip 0 --idle-timeout 60 "${threads[@]}" || exit 1
  flood --idle 127.0.0.4=8 --idle 127.0.0.3=16 --idle 127.0.0.2=40
  expect_eq "$mode: /healthz on a new connection while the table is full of idle ones" 200 "$(probe healthz)"
  expect_eq "$mode: /validate on a new connection while the table is full of idle ones" 200 "$(probe validate)"
  expect_eq "$mode: probes while the table is full of idle ones (answered/total)" 6/6 "$(probes 6)"
  shed=$(metric 'admitd_connections_shed_total{reason="idle"}')
  end_flood
  expect_eq "$mode: every idle connection was opened" 64 "$(field 'd["idle_opened"]')"
  expect_eq "$mode: the address holding few kept every idle connection (127.0.0.4)" 11111111 \
    "$(field 'd["idle"]["127.0.0.4"]')"
  expect_eq "$mode: the address holding few kept every idle connection (127.0.0.3)" 1111111111111111 \
    "$(field 'd["idle"]["127.0.0.3"]')"
  # 0: shed, 1: still open, oldest first. At least 8 (64 - 56) and at most
  # one per new connection since (9) more.
  kept=$(field 'd["idle"]["127.0.0.2"]')
  expect_eq "$mode: the address holding the most lost its oldest idle connections first ($kept)" yes \
    "$(echo "$kept" | grep -Eq '^0{8,17}1+$' && echo yes || echo no)"
  expect_eq "$mode: idle connections shed, counted by reason" yes "$([ "${shed:-0}" -ge 8 ] && echo yes || echo no)"
  expect_contains "$mode: idle shedding logged" "idle keep-alive connection(s)" "$(cat "$SERVER_LOG")"
  stop_server
done

# --- the default limits: 512 idle (reopened when shed) and 1,000 slowloris ----
# Four addresses hold 128 idle connections each (the per-address limit),
# opening again any that is shed; then 1,000 slowloris connections from eight
# more addresses arrive at once and are reopened when closed.
start_server "${TLS[@]}" || exit 1
flood --idle 127.0.0.2=128 --idle 127.0.0.3=128 --idle 127.0.0.4=128 --idle 127.0.0.5=128 --reopen \
  --slowloris 1000 --slowloris-from 127.0.0.6,127.0.0.7,127.0.0.8,127.0.0.9,127.0.0.10,127.0.0.11,127.0.0.12,127.0.0.13
expect_eq "probes during 512 idle and 1,000 slowloris connections (answered/total)" 20/20 "$(probes 20)"
head=$(metric 'admitd_connections_shed_total{reason="head"}')
idle=$(metric 'admitd_connections_shed_total{reason="idle"}')
end_flood
echo "flood: $(cat "$WORK/flood.json" | cut -c1-600); shed: head $head, idle $idle"
expect_eq "every idle connection was opened before the slowloris" 512 "$(field 'd["idle_opened"]')"
expect_eq "1,000 slowloris connections were opened" yes "$(field '"yes" if d["slowloris"]["opened"] >= 1000 else "no"')"
expect_eq "stalled heads were shed" yes "$([ "${head:-0}" -gt 0 ] && echo yes || echo no)"
expect_eq "idle connections were shed" yes "$([ "${idle:-0}" -gt 0 ] && echo yes || echo no)"
stop_server

finish
