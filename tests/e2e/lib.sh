# Shared helpers for admitd's shell tests: assertions with a running count,
# and starting/stopping admitd on a free loopback port (it binds port 0 and
# logs the port it got). Source it; set ADMITD to the binary first.
set -u
PASSED=0
FAILED=0
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ADMITD=$(realpath "$ADMITD")
WORK=$(mktemp -d)
SERVER_PID=
SERVER_LOG=

# cap_memory: in a subshell, limit admitd to 1 GiB of address space (not
# under AddressSanitizer, which reserves far more), so a run that grows
# without bound fails its test instead of taking the machine's memory.
cap_memory() { ldd "$ADMITD" | grep -q libasan || ulimit -v 1048576; }

pass() { PASSED=$((PASSED + 1)); }
fail() {
  FAILED=$((FAILED + 1))
  printf 'FAIL: %s\n' "$*"
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
  if [ "$2" = "$3" ]; then pass; else fail "$1: expected [$2], got [$3]"; fi
}

# expect_contains WHAT NEEDLE HAYSTACK
expect_contains() {
  case "$3" in
  *"$2"*) pass ;;
  *) fail "$1: expected to find [$2] in [$3]" ;;
  esac
}

# expect_not_contains WHAT NEEDLE HAYSTACK
expect_not_contains() {
  case "$3" in
  *"$2"*) fail "$1: expected no [$2] in [$3]" ;;
  *) pass ;;
  esac
}

# start_server ARGS...: start admitd serve on 127.0.0.1:0, set PORT.
start_server() {
  SERVER_LOG="$WORK/server.$RANDOM.log"
  "$ADMITD" serve --listen 127.0.0.1:0 "$@" 2>"$SERVER_LOG" &
  SERVER_PID=$!
  PORT=
  for _ in $(seq 1 100); do
    PORT=$(sed -n 's/.*serving on .* (port \([0-9]*\)).*/\1/p' "$SERVER_LOG" 2>/dev/null | head -n 1)
    [ -n "$PORT" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "admitd did not start; its log:" >&2
  cat "$SERVER_LOG" >&2
  return 1
}

# Stop by PID; a non-zero exit (a sanitizer report, a crash) is a failure.
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null
    local rc=$?
    if [ "$rc" -ne 0 ]; then
      fail "admitd exited with status $rc; its log:"
      cat "$SERVER_LOG"
    fi
  fi
  SERVER_PID=
}

cleanup() {
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT

finish() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}
