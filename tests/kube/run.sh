#!/usr/bin/env bash
# Run the namespace reader's tests against fake_apiserver.py on loopback:
#   tests/kube/run.sh TEST_BINARY
# Makes a CA and a serving certificate for 127.0.0.1 (hack/gen-certs.sh), a
# client certificate from the same CA, and the token files of both sides;
# starts the fake API server (HTTPS and its plain-HTTP control port), runs
# the cmocka program with everything in its environment, and stops the
# server by PID. Exit 77 (skip) when python3 or openssl is missing.
set -u
TEST_BIN=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
for tool in python3 openssl; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: needs $tool" >&2
    exit 77
  fi
done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/admitd-kube.XXXXXX")
PID=
cleanup() {
  if [ -n "$PID" ]; then
    kill "$PID" 2>/dev/null
    wait "$PID" 2>/dev/null
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
export PYTHONDONTWRITEBYTECODE=1

set -e
"$HERE/../../hack/gen-certs.sh" "$WORK/certs" >/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$WORK/client.key" 2>/dev/null
openssl req -new -key "$WORK/client.key" -subj /CN=admitd-kube-test -out "$WORK/client.csr" 2>/dev/null
printf 'extendedKeyUsage=clientAuth\n' >"$WORK/client.ext"
openssl x509 -req -in "$WORK/client.csr" -CA "$WORK/certs/ca.pem" -CAkey "$WORK/certs/ca-key.pem" \
  -CAcreateserial -days 2 -extfile "$WORK/client.ext" -out "$WORK/client.crt" 2>/dev/null
echo token-one >"$WORK/server-token"
echo token-one >"$WORK/client-token"
set +e

python3 "$HERE/fake_apiserver.py" --cert "$WORK/certs/tls.crt" --key "$WORK/certs/tls.key" \
  --client-ca "$WORK/certs/ca.pem" --token-file "$WORK/server-token" --port-file "$WORK/port" \
  --ctl-port-file "$WORK/ctl-port" 2>"$WORK/server.log" &
PID=$!
for _ in $(seq 1 200); do
  [ -s "$WORK/port" ] && break
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.05
done
if [ ! -s "$WORK/port" ]; then
  echo "fake API server did not start:" >&2
  cat "$WORK/server.log" >&2
  exit 1
fi

export KUBE_ADDR="127.0.0.1:$(cat "$WORK/port")" KUBE_CTL="127.0.0.1:$(cat "$WORK/ctl-port")"
export KUBE_CA="$WORK/certs/ca.pem" KUBE_WORK="$WORK"
export KUBE_SERVER_TOKEN="$WORK/server-token" KUBE_CLIENT_TOKEN="$WORK/client-token"
export KUBE_CLIENT_CERT="$WORK/client.crt" KUBE_CLIENT_KEY="$WORK/client.key"
"$TEST_BIN"
rc=$?
if [ $rc -ne 0 ]; then
  echo "--- fake API server log"
  cat "$WORK/server.log"
fi
exit $rc
