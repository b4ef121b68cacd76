#!/usr/bin/env bash
# Make sure the Debian packages a task needs are installed.
#   hack/deps.sh build|test|bench
# As root it installs what is missing with apt-get; otherwise it prints the
# exact apt-get line to run and fails.
set -euo pipefail
build=(gcc make cmake pkg-config libmicrohttpd-dev libgnutls28-dev libjansson-dev libyaml-dev libcurl4-gnutls-dev
  libtasn1-6-dev)
# ca-certificates: hack/build-rootfs.sh copies its bundle; kubernetes-client:
# `kubectl kustomize` for tests/e2e/deploy_render.sh (skipped when a kubectl
# is already on PATH, from whatever package); nodejs and npm: sigstore-js for
# tests/sigstore (skipped when node and npm are already on PATH; the tests
# there need node 20 or later and skip with older ones); python3-yaml: the
# rendered manifests read by tests/e2e/deploy_render.sh.
test=("${build[@]}" libcmocka-dev gnutls-bin curl python3 python3-yaml ca-certificates binutils kubernetes-client
  docker-registry apache2-utils openssl nodejs npm)
bench=("${test[@]}" nginx-light wrk)
case "${1:-build}" in
build) want=("${build[@]}") ;;
test) want=("${test[@]}") ;;
bench) want=("${bench[@]}") ;;
*)
  echo "usage: hack/deps.sh build|test|bench" >&2
  exit 2
  ;;
esac
missing=()
for p in "${want[@]}"; do
  [ "$p" = kubernetes-client ] && command -v kubectl >/dev/null 2>&1 && continue
  [ "$p" = nodejs ] && command -v node >/dev/null 2>&1 && continue
  [ "$p" = npm ] && command -v npm >/dev/null 2>&1 && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
line="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "admitd needs these Debian packages; run as root:" >&2
  echo "  apt-get update && $line" >&2
  exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
$line >&2
