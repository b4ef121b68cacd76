#!/usr/bin/env bash
# The minimal runtime image, proven without a container engine: build the
# tree with hack/build-rootfs.sh, check it holds exactly the libraries the
# binary loads, then run admitd inside it with chroot as the tree's
# non-root user: it serves, answers a review over TLS, and exits 0 on
# SIGTERM. chroot needs root (CI runs as root); otherwise this skips (77).
#   rootfs_chroot.sh PATH/TO/admitd
ADMITD=${1:?usage: rootfs_chroot.sh PATH/TO/admitd}
if [ "$(id -u)" -ne 0 ]; then
  echo "rootfs_chroot: SKIPPED: chroot needs root (CI runs as root); run as root to prove the runtime tree" >&2
  exit 77
fi
. "$(dirname "$0")/lib.sh"
MOUNTED=
unmount() { if [ -n "$MOUNTED" ]; then umount "$TREE/proc"; MOUNTED=; fi; }
trap 'stop_server; unmount; cleanup' EXIT # never remove a tree with /proc mounted in it

TREE="$WORK/rootfs"
out=$("$ROOT/hack/build-rootfs.sh" "$ADMITD" "$TREE") || { fail "build-rootfs failed"; finish; exit 1; }
echo "$out"

# Exactly the libraries ldd resolves, and the loader: nothing more, nothing less.
want=$(ldd "$ADMITD" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)
have=$(cd "$TREE" && find . -name '*.so*' -type f | sed 's|^\.||' | sort)
expect_eq "the tree's libraries are the ones the binary loads" "$want" "$have"
expect_eq "no symlinks in the tree" 0 "$(find "$TREE" -type l | wc -l)"
expect_contains "a non-root user" "nonroot:x:65532:65532:" "$(cat "$TREE/etc/passwd")"
[ -s "$TREE/etc/ssl/certs/ca-certificates.crt" ] && pass || fail "no CA bundle in the tree"
files=$(find "$TREE" -type f | sed "s|^$TREE||" | grep -v '\.so' | sort | tr '\n' ' ')
expect_eq "nothing else in the tree" "/etc/group /etc/passwd /etc/ssl/certs/ca-certificates.crt /usr/local/bin/admitd " "$files"

# A sanitizer build reads /proc/self/maps; a container runtime mounts /proc.
if ldd "$ADMITD" | grep -q libasan; then
  mkdir -p "$TREE/proc"
  mount -t proc proc "$TREE/proc" && MOUNTED=1
fi

# Certificates as a Secret volume would mount them, readable by the user.
"$ROOT/hack/gen-certs.sh" "$WORK/certs" >/dev/null
mkdir -p "$TREE/etc/admitd/tls"
cp "$WORK/certs/tls.crt" "$WORK/certs/tls.key" "$TREE/etc/admitd/tls/"
chmod 644 "$TREE/etc/admitd/tls/"*

SERVER_LOG="$WORK/chroot.log"
chroot --userspec=65532:65532 "$TREE" /usr/local/bin/admitd serve --listen 127.0.0.1:0 \
  --tls-cert /etc/admitd/tls/tls.crt --tls-key /etc/admitd/tls/tls.key --metrics-listen 127.0.0.1:0 \
  2>"$SERVER_LOG" &
SERVER_PID=$!
PORT=
for _ in $(seq 1 100); do
  PORT=$(sed -n 's/.*serving on .* (port \([0-9]*\)).*/\1/p' "$SERVER_LOG" | head -n 1)
  [ -n "$PORT" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.05
done
if [ -z "$PORT" ]; then
  fail "admitd did not start in the tree; its log:"
  cat "$SERVER_LOG"
  unmount
  finish
  exit 1
fi
expect_eq "runs as the tree's non-root user" 65532 "$(awk '/^Uid:/ {print $2}' "/proc/$SERVER_PID/status")"
body=$(curl -sS --cacert "$WORK/certs/ca.pem" -H 'Content-Type: application/json' \
  --data-binary @"$ROOT/tests/fixtures/reviews/privileged-pod.json" "https://localhost:$PORT/validate")
expect_contains "answers a review over TLS" '"uid":"705ab4f5-6393-11e8-b7cc-42010a800002","allowed":false' "$body"
MPORT=$(sed -n 's/.*metrics on .* (port \([0-9]*\)).*/\1/p' "$SERVER_LOG" | head -n 1)
expect_contains "serves metrics" 'admitd_requests_total{decision="denied",kind="Pod",operation="CREATE"} 1' \
  "$(curl -sS "http://127.0.0.1:$MPORT/metrics")"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
expect_eq "exit status on SIGTERM" 0 "$?"
SERVER_PID=
expect_contains "drained and stopped" '"msg":"stopped"' "$(cat "$SERVER_LOG")"
unmount
finish
