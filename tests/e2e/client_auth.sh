#!/usr/bin/env bash
# End to end: admitd serve --client-ca/--client-cn with certificates made by
# openssl. A client certificate from the CA (with an allowed CN) is
# answered; no certificate, one from another CA, one with another CN or one
# made for serving is refused with a fixed 401/403 before its body is read;
# the probes answer without a certificate; the refusals are counted by
# reason and not as reviews. Then the CA file is rotated as a Secret volume
# is: the new CA is accepted and the old refused, on new connections and on
# one kept alive across the rotation; a broken file keeps the CA in use.
# Bad files and flags at start stop admitd. Loopback only.
#   client_auth.sh PATH/TO/admitd
ADMITD=${1:?usage: client_auth.sh PATH/TO/admitd}
. "$(dirname "$0")/lib.sh"

"$ROOT/hack/gen-certs.sh" "$WORK/certs" >/dev/null
CA="$WORK/certs/ca.pem"
REVIEW="$ROOT/tests/fixtures/reviews/privileged-pod.json"
P=$WORK/pki
mkdir -p "$P"

mkca() { # mkca NAME: $P/NAME.pem and $P/NAME.key, a P-256 CA
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$P/$1.key" \
    -subj "/CN=admitd test $1" -days 2 -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign -out "$P/$1.pem" 2>/dev/null
}
mkcert() { # mkcert NAME CN CA [EKU]: $P/NAME.crt and $P/NAME.key signed by CA
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$P/$1.key" \
    -subj "/CN=$2" -out "$P/$1.csr" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\n' "${4:-clientAuth}" >"$P/$1.ext"
  openssl x509 -req -in "$P/$1.csr" -CA "$P/$3.pem" -CAkey "$P/$3.key" -CAcreateserial -days 1 \
    -extfile "$P/$1.ext" -out "$P/$1.crt" 2>/dev/null
}
mkca ca-a
mkca ca-b
mkca stranger
mkcert apiserver kube-apiserver ca-a
mkcert webhook-client apiserver-webhook-client ca-a
mkcert intruder intruder ca-a
mkcert serving kube-apiserver ca-a serverAuth
mkcert forged kube-apiserver stranger
mkcert apiserver-b kube-apiserver ca-b

# The CA file as a Secret volume shows it: ..data points at a version folder.
LIVE=$WORK/live
mkdir -p "$LIVE/..v0"
cp "$P/ca-a.pem" "$LIVE/..v0/ca.crt"
ln -s ..v0 "$LIVE/..data"
ln -s ..data/ca.crt "$LIVE/ca.crt"
swap() { # swap VERSION FILE: a new version folder holding FILE as ca.crt, then one rename
  mkdir -p "$LIVE/..$1"
  cp "$2" "$LIVE/..$1/ca.crt"
  ln -s "..$1" "$LIVE/..data.tmp"
  mv -T "$LIVE/..data.tmp" "$LIVE/..data"
}

call() { # call PATH CERT [curl args...] -> "CODE BODY" (CERT "-": none)
  local path=$1 cert=$2
  shift 2
  local auth=()
  [ "$cert" != - ] && auth=(--cert "$P/$cert.crt" --key "$P/$cert.key")
  curl -sS --cacert "$CA" "${auth[@]}" -o "$WORK/body" -D "$WORK/head" -w '%{http_code}' "$@" \
    "https://localhost:$PORT$path"
  printf ' %s' "$(cat "$WORK/body")"
}
review() { # review CERT [curl args...] -> "CODE BODY"
  local cert=$1
  shift
  call /validate "$cert" -H 'Content-Type: application/json' --data-binary @"$REVIEW" "$@"
}
code() { local out; out=$(call "$@"); echo "${out%% *}"; }
review_code() { local out; out=$(review "$@"); echo "${out%% *}"; }
metric() { # metric SERIES: its value from the plain-HTTP metrics listener
  curl -sS -o "$WORK/scrape" "http://127.0.0.1:$MPORT/metrics"
  python3 "$ROOT/tests/e2e/prom_parse.py" "$WORK/scrape" "$1"
}
wait_log() { # wait_log TEXT COUNT: until TEXT is in the log COUNT times (10 s at most)
  for _ in $(seq 1 100); do
    [ "$(grep -c "$1" "$SERVER_LOG")" -ge "$2" ] && return 0
    sleep 0.1
  done
  return 1
}

# --- what stops admitd at start -------------------------------------------------
starts() { # starts WHAT EXPECTED_STATUS NEEDLE ARGS...: admitd serve exits with it, saying NEEDLE
  local what=$1 want=$2 needle=$3
  shift 3
  "$ADMITD" serve --listen 127.0.0.1:0 --tls-cert "$WORK/certs/tls.crt" --tls-key "$WORK/certs/tls.key" "$@" \
    >/dev/null 2>"$WORK/start.err" &
  local pid=$! rc=
  for _ in $(seq 1 50); do
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 $pid 2>/dev/null; then
    kill $pid
    wait $pid
    fail "$what: admitd kept running"
    return
  fi
  wait $pid
  rc=$?
  expect_eq "$what: exit status" "$want" "$rc"
  expect_contains "$what: says why" "$needle" "$(cat "$WORK/start.err")"
}
starts "a missing CA file" 1 "$WORK/nothing.pem" --client-ca "$WORK/nothing.pem"
printf 'not a certificate\n' >"$WORK/garbage.pem"
starts "a CA file that is not PEM" 1 "$WORK/garbage.pem" --client-ca "$WORK/garbage.pem"
starts "a CA file holding a leaf" 1 "$P/apiserver.crt: certificate 1 of 1 is not a CA certificate" \
  --client-ca "$P/apiserver.crt"
starts "--client-cn without --client-ca" 2 "--client-cn needs --client-ca" --client-cn kube-apiserver
starts "an empty name in --client-cn" 2 "--client-cn: want up to 32 names" --client-ca "$P/ca-a.pem" \
  --client-cn "kube-apiserver,,x"

# --- a server that asks for client certificates --------------------------------------
start_server --tls-cert "$WORK/certs/tls.crt" --tls-key "$WORK/certs/tls.key" --client-ca "$LIVE/ca.crt" \
  --client-cn kube-apiserver,other-name --client-cn apiserver-webhook-client --max-body-bytes 65536 \
  --metrics-listen 127.0.0.1:0 || exit 1
MPORT=$(sed -n 's/.*metrics on .* (port \([0-9]*\)).*/\1/p' "$SERVER_LOG" | head -n 1)
expect_contains "the start-up log says what is required" \
  "with common name kube-apiserver, other-name, apiserver-webhook-client" "$(cat "$SERVER_LOG")"

# Accepted: the API server's certificate, by either allowed name, TLS 1.3 and 1.2.
out=$(review apiserver)
expect_eq "a certificate from the CA: HTTP status" 200 "${out%% *}"
expect_contains "a certificate from the CA: the review is judged" '"allowed":false' "$out"
expect_eq "the second --client-cn name" 200 "$(review_code webhook-client)"
expect_eq "over TLS 1.2" 200 "$(review_code apiserver --tls-max 1.2)"
expect_eq "metrics over TLS with a certificate" 200 "$(code /metrics apiserver)"

# Refused, each with its fixed answer, the connection closed.
out=$(review -)
expect_eq "no certificate: HTTP status" 401 "${out%% *}"
expect_contains "no certificate: a Status" '"reason":"Unauthorized"' "$out"
expect_contains "no certificate: the fixed message" "needs a client certificate from a --client-ca authority" "$out"
expect_contains "no certificate: the connection is closed" "connection: close" "$(tr 'A-Z' 'a-z' <"$WORK/head")"
out=$(review forged)
expect_eq "a certificate from another CA" 401 "${out%% *}"
expect_contains "another CA: the fixed message" "not issued by a --client-ca authority" "$out"
out=$(review intruder)
expect_eq "a certificate with another CN" 403 "${out%% *}"
expect_contains "another CN: the fixed message" "common name is not one of --client-cn" "$out"
expect_eq "a serving certificate from the CA" 401 "$(review_code serving)"
expect_eq "metrics over TLS without a certificate" 401 "$(code /metrics -)"
expect_eq "an unknown path without a certificate is refused, not 404" 401 "$(code /nope -)"
expect_eq "an unknown path with a certificate is 404" 404 "$(code /nope apiserver)"
# Refused from the headers: a body larger than --max-body-bytes is never read.
head -c 100000 /dev/zero | tr '\0' x >"$WORK/large.json"
expect_eq "no certificate and a large body: 401, not 413" 401 \
  "$(code /validate - -H 'Content-Type: application/json' --data-binary @"$WORK/large.json")"

# The kubelet's probes carry no certificate.
for p in /healthz /livez /readyz; do
  expect_eq "$p without a certificate" 200 "$(code $p -)"
done

expect_eq "refused: no certificate" 4 "$(metric 'admitd_client_auth_refused_total{reason="no_certificate"}')"
expect_eq "refused: untrusted" 2 "$(metric 'admitd_client_auth_refused_total{reason="untrusted"}')"
expect_eq "refused: name" 1 "$(metric 'admitd_client_auth_refused_total{reason="name"}')"
expect_eq "refused: expired" 0 "$(metric 'admitd_client_auth_refused_total{reason="expired"}')"
expect_eq "refused: error" 0 "$(metric 'admitd_client_auth_refused_total{reason="error"}')"
expect_eq "401 answers" 6 "$(metric 'admitd_http_responses_total{code="401"}')"
expect_eq "403 answers" 1 "$(metric 'admitd_http_responses_total{code="403"}')"
# An undecided review counts as error/unknown/unknown, a series written once it is non-zero.
expect_eq "refused callers are not reviews" missing \
  "$(metric 'admitd_requests_total{decision="error",kind="unknown",operation="unknown"}')"
expect_eq "the accepted reviews" 3 "$(metric 'admitd_requests_total{decision="denied",kind="Pod",operation="CREATE"}')"

# --- rotation ------------------------------------------------------------------------------
# A keep-alive connection made with the old CA's certificate, used before and after.
cat >"$WORK/keepalive.py" <<'PY'
import os, socket, ssl, sys, time
port, ca, cert, key, body, marker = sys.argv[1:7]
ctx = ssl.create_default_context(cafile=ca)
ctx.load_cert_chain(cert, key)
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(port)), timeout=10), server_hostname="localhost")
data = open(body, "rb").read()
req = (b"POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
       b"Content-Length: %d\r\n\r\n" % len(data)) + data
def status():
    s.sendall(req)
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            return "closed"
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    length = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0]
    while len(rest) < length:
        rest += s.recv(65536)
    return head.split(b" ")[1].decode()
print(status(), flush=True)
for _ in range(100):
    if os.path.exists(marker):
        break
    time.sleep(0.1)
print(status(), flush=True)
PY
python3 "$WORK/keepalive.py" "$PORT" "$CA" "$P/apiserver.crt" "$P/apiserver.key" "$REVIEW" "$WORK/rotated" \
  >"$WORK/keepalive.out" &
KPID=$!
for _ in $(seq 1 100); do [ -s "$WORK/keepalive.out" ] && break; sleep 0.1; done
expect_eq "kept-alive connection: accepted before the rotation" 200 "$(head -n 1 "$WORK/keepalive.out")"

swap v1 "$P/ca-b.pem"
wait_log "client CA reloaded from $LIVE/ca.crt (1 CA certificate(s))" 1 && pass || fail "no reload after the rotation"
touch "$WORK/rotated"
wait $KPID
expect_eq "kept-alive connection: refused after the rotation" 401 "$(sed -n 2p "$WORK/keepalive.out")"
expect_eq "after the rotation: the new CA's certificate" 200 "$(review_code apiserver-b)"
expect_eq "after the rotation: the old CA's certificate" 401 "$(review_code apiserver)"
expect_eq "a rotation is a successful reload" 1 "$(metric 'admitd_client_ca_reloads_total{result="success"}')"

# A bundle of both (as during a CA rollover) accepts both.
cat "$P/ca-a.pem" "$P/ca-b.pem" >"$WORK/both.pem"
swap v2 "$WORK/both.pem"
wait_log "client CA reloaded from $LIVE/ca.crt (2 CA certificate(s))" 1 && pass || fail "no reload of the bundle"
expect_eq "a bundle: the old CA's certificate" 200 "$(review_code apiserver)"
expect_eq "a bundle: the new CA's certificate" 200 "$(review_code apiserver-b)"

# A broken file is refused; the CA in use stays.
swap v3 "$P/ca-b.pem"
wait_log "client CA reloaded from" 3 || fail "no reload back to the new CA"
swap v4 "$WORK/garbage.pem"
wait_log "client CA reload rejected, the previous client CA stays in use: $LIVE/ca.crt" 1 && pass ||
  fail "a broken CA file was not refused"
expect_eq "a broken file: the CA in use still accepts" 200 "$(review_code apiserver-b)"
expect_eq "a broken file: and still refuses" 401 "$(review_code apiserver)"
expect_eq "a broken file is a failed reload" 1 "$(metric 'admitd_client_ca_reloads_total{result="failure"}')"
expect_eq "the probes throughout" 200 "$(code /readyz -)"

stop_server
finish
