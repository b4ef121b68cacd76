#!/usr/bin/env bash
# A policy path that is not a regular file: at start it is refused; when the
# file is replaced by a FIFO and reloaded, the reload is refused without
# blocking (opening a FIFO for reading waits for a writer), the previous
# policy stays, /readyz stays ok, and SIGTERM still stops the server at once.
ADMITD=${1:?usage: policy_fifo.sh PATH/TO/admitd}
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1

mkfifo start.fifo
out=$(timeout -k 2 10 "$ADMITD" serve --listen 127.0.0.1:0 --config start.fifo 2>&1)
expect_eq "a FIFO at start: refused (exit 1), not waited on (killed)" 1 $?
expect_contains "a FIFO at start: said so" "start.fifo: not a regular file (a FIFO); refused" "$out"

printf 'apiVersion: admitd.io/v1alpha1\nkind: Policy\npodSecurity:\n  defaults: {enforce: privileged}\n' >policy.yaml
start_server --self-signed-cert-out "$WORK/self.pem" --config "$WORK/policy.yaml" || exit 1
answer() {
  curl -sS --max-time 5 --cacert "$WORK/self.pem" -H 'Content-Type: application/json' \
    --data-binary @"$ROOT/tests/fixtures/reviews/privileged-pod.json" "https://localhost:$PORT/validate"
}
expect_contains "before: the privileged pod is allowed" '"allowed":true' "$(answer)"

rm policy.yaml
mkfifo policy.yaml
kill -HUP "$SERVER_PID"
for _ in $(seq 1 50); do
  grep -q "policy reload rejected" "$SERVER_LOG" && break
  sleep 0.1
done
expect_contains "a FIFO at reload: rejected and named" \
  "policy reload rejected, the previous policy stays in force: $WORK/policy.yaml: not a regular file (a FIFO); refused" \
  "$(cat "$SERVER_LOG")"
expect_contains "a FIFO at reload: the previous policy stays" '"allowed":true' "$(answer)"
expect_eq "a FIFO at reload: /readyz still ok" 200 \
  "$(curl -sS --max-time 5 --cacert "$WORK/self.pem" -o /dev/null -w '%{http_code}' "https://localhost:$PORT/readyz")"

# SIGTERM must be acted on: the signal loop is not stuck in open().
kill -TERM "$SERVER_PID"
stopped=0
for _ in $(seq 1 100); do
  kill -0 "$SERVER_PID" 2>/dev/null || {
    stopped=1
    break
  }
  sleep 0.1
done
expect_eq "SIGTERM after a FIFO reload: stopped within 10 s" 1 "$stopped"
if [ "$stopped" -eq 1 ]; then
  wait "$SERVER_PID"
  expect_eq "SIGTERM after a FIFO reload: exit 0" 0 $?
else
  kill -KILL "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null
fi
SERVER_PID=
finish
