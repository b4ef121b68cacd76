#!/usr/bin/env bash
# End to end: rotate the certificate files ROTATIONS times (default 20), as
# kubelet updates a Secret volume, while reviews flow without pause over
# reused keep-alive connections and fresh ones (tests/e2e/rotate_load.py).
# Zero failed requests, and after each rotation a new handshake gets the
# new certificate. Counts, not latencies; loopback only.
#   cert_rotation.sh PATH/TO/admitd [ROTATIONS]
ADMITD=${1:?usage: cert_rotation.sh PATH/TO/admitd [ROTATIONS]}
ROTATIONS=${2:-20}
. "$(dirname "$0")/lib.sh"

# A pair per rotation, each from its own CA; the client trusts all of them.
for n in $(seq 0 "$ROTATIONS"); do
  "$ROOT/hack/gen-certs.sh" "$WORK/sets/$n" >/dev/null
  cat "$WORK/sets/$n/ca.pem" >>"$WORK/bundle.pem"
done
LIVE="$WORK/live"
mkdir -p "$LIVE/..v0"
cp "$WORK/sets/0/tls.crt" "$WORK/sets/0/tls.key" "$LIVE/..v0/"
ln -s ..v0 "$LIVE/..data"
ln -s ..data/tls.crt "$LIVE/tls.crt"
ln -s ..data/tls.key "$LIVE/tls.key"

start_server --tls-cert "$LIVE/tls.crt" --tls-key "$LIVE/tls.key" || exit 1
out=$(python3 "$ROOT/tests/e2e/rotate_load.py" "$PORT" "$WORK/bundle.pem" \
  "$ROOT/tests/fixtures/reviews/privileged-pod.json" "$LIVE" "$WORK/sets" "$ROTATIONS")
echo "cert_rotation: $out"
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$out" "$1"; }
expect_eq "failed requests" 0 "$(field failed)"
expect_eq "rotations whose certificate was then served" "$ROTATIONS" "$(field served_new)"
[ "$(field reused)" -gt "$ROTATIONS" ] && pass || fail "too few reviews on reused connections: $(field reused)"
[ "$(field fresh)" -gt "$ROTATIONS" ] && pass || fail "too few reviews on fresh connections: $(field fresh)"
expect_eq "certificate reloads logged" "$ROTATIONS" "$(grep -c 'certificate reloaded' "$SERVER_LOG")"
# Replaced credential sets are freed once their sessions close; nothing leaks.
stop_server
finish
