# Sigstore bundles and cosign-3-style signed images for tests, made offline
# by sign.mjs (sigstore-js, pinned by package-lock.json) and pushed to a
# registry started with ../registry/lib.sh. Source it after lib.sh (it
# sources lib.sh itself when that was not done); the caller's EXIT trap
# calls registry_cleanup, which also stops the referrers proxy.
#
#   sigstore_require [TOOL...]       exit 77 (skip) without node >= 20, npm, the registry tools or TOOLs;
#                                    then npm ci into tests/sigstore/node_modules (once per lockfile)
#   sigstore_init                    test keys and trusted root in SIGSTORE_DIR; exports
#                                    SIGSTORE_TRUSTED_ROOT, SIGSTORE_KEY (private), SIGSTORE_PUB,
#                                    SIGSTORE_OTHER_KEY, SIGSTORE_OTHER_PUB, SIGSTORE_IDENTITY,
#                                    SIGSTORE_ISSUER (the identity every good keyless bundle has)
#                                    (the trusted root names a CA, a CT log, a Rekor log and a TSA)
#   sigstore_js ARGS...              node sign.mjs ARGS (keyless, key, verify, attach; see sign.mjs --help)
#   sigstore_sign NAME DIGEST keyless|key [SIGN_ARGS...]
#                                    SIGSTORE_BUNDLES/NAME.sigstore.json for DIGEST: keyless as
#                                    SIGSTORE_IDENTITY/SIGSTORE_ISSUER unless SIGN_ARGS say otherwise,
#                                    key with SIGSTORE_KEY unless --key is given
#   sigstore_attach ADDR REPO DIGEST BUNDLE [ATTACH_ARGS...]
#                                    push BUNDLE as DIGEST's referring artifact; prints sign.mjs's JSON
#   sigstore_proxy_start UPSTREAM    referrers_proxy.py in front of UPSTREAM (127.0.0.1:PORT);
#                                    sets PROXY_ADDR, PROXY_PID, PROXY_LOG
#   sigstore_images ADDR             sigstore_init, then the set below on the registry at ADDR
#
# The set: each NAME is the image sigstore/NAME:v1 (registry_push_image, so
# also v1-docker and v1-index), its OCI manifest's digest exported as
# SIGSTORE_IMG_<NAME> (upper case, '-' as '_'), its bundle in
# SIGSTORE_BUNDLES/NAME.sigstore.json, attached with the referrers tag
# (docker-registry has no referrers API). Policies: keyless ones expect
# SIGSTORE_IDENTITY and SIGSTORE_ISSUER with SIGSTORE_TRUSTED_ROOT; key
# ones SIGSTORE_PUB.
#   keyless         verifies: keyless, Rekor dsse entry with SET and inclusion proof
#   keyless-intoto  verifies: the same with a Rekor intoto entry
#   keyless-tsa     verifies: keyless with an RFC 3161 timestamp too
#   keyed           verifies: signed with SIGSTORE_KEY, Rekor dsse entry
#   keyed-notlog    verifies: signed with SIGSTORE_KEY, no log entry (cosign 3 --key, tlog upload off)
#   unsigned        no bundle at all
#   wrong-identity  keyless as another workflow
#   wrong-issuer    keyless from another OIDC issuer
#   rogue-ca        keyless, certificate from a CA outside the trusted root
#   no-tlog         keyless without a transparency log entry
#   rogue-tsa       keyless with a timestamp from an authority outside the trusted root
#   broken-proof    keyless, one inclusion-proof hash changed
#   tampered        keyless, the statement changed after signing
#   other-subject   a good keyless bundle whose statement names another image
#   attestation     a good keyless bundle with SLSA provenance, no signature predicate
#   wrong-key       signed with SIGSTORE_OTHER_KEY
#   lying-index     a good keyless bundle; the tag index's descriptor says
#                   artifactType application/vnd.oci.empty.v1+json (cosign < 2.6.4)
#   not-a-bundle    the tag index says bundle; the manifest and its layer are another type
if ! declare -F registry_push_image >/dev/null; then
  . "$(dirname "${BASH_SOURCE[0]}")/../registry/lib.sh"
fi
SIGSTORE_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SIGSTORE_DIR="$REG_WORK/sigstore"
SIGSTORE_BUNDLES="$SIGSTORE_DIR/bundles"

sigstore_require() {
  local major
  if { ! command -v node || ! command -v npm; } >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] &&
    [ -x "$SIGSTORE_HERE/../../hack/deps.sh" ]; then
    "$SIGSTORE_HERE/../../hack/deps.sh" test >/dev/null 2>&1 || true
  fi
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "SKIP: needs node (20 or later) and npm (Debian: nodejs npm; hack/deps.sh test)" >&2
    exit 77
  fi
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$major" -lt 20 ]; then
    echo "SKIP: sigstore-js needs node 20 or later, found $(node --version)" >&2
    exit 77
  fi
  registry_require "$@"
  sigstore_install
}

# npm ci from the committed lockfile, once per lockfile: the stamp holds the
# lockfile's hash. flock on a file beside it (ignored by git) keeps tests
# that ctest runs side by side from installing at the same time.
sigstore_install() {
  local want stamp="$SIGSTORE_HERE/node_modules/.admitd-lock-sha256" log="$REG_WORK/npm-ci.log"
  want=$(sha256sum "$SIGSTORE_HERE/package-lock.json" | cut -d' ' -f1)
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && return 0
  (
    command -v flock >/dev/null 2>&1 && flock 9
    [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && exit 0
    cd "$SIGSTORE_HERE" && npm ci --no-audit --no-fund --ignore-scripts >"$log" 2>&1 || exit 1
    echo "$want" >"$stamp"
  ) 9>"$SIGSTORE_HERE/.npm-ci.lock" && return 0
  if grep -qE 'ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH' "$log"; then
    echo "SKIP: npm ci could not reach the npm registry:" >&2
    tail -n 5 "$log" >&2
    exit 77
  fi
  echo "npm ci failed in $SIGSTORE_HERE:" >&2
  cat "$log" >&2
  return 1
}

sigstore_js() {
  node "$SIGSTORE_HERE/sign.mjs" "$@"
}

sigstore_init() {
  mkdir -p "$SIGSTORE_BUNDLES"
  sigstore_js init "$SIGSTORE_DIR" || return 1
  SIGSTORE_TRUSTED_ROOT="$SIGSTORE_DIR/trusted_root.json"
  SIGSTORE_KEY="$SIGSTORE_DIR/key.pem"
  SIGSTORE_PUB="$SIGSTORE_DIR/key.pub"
  SIGSTORE_OTHER_KEY="$SIGSTORE_DIR/other.pem"
  SIGSTORE_OTHER_PUB="$SIGSTORE_DIR/other.pub"
  SIGSTORE_IDENTITY=https://github.com/admitd-test/app/.github/workflows/release.yml@refs/heads/main
  SIGSTORE_ISSUER=https://token.actions.githubusercontent.com
  export SIGSTORE_DIR SIGSTORE_BUNDLES SIGSTORE_TRUSTED_ROOT SIGSTORE_KEY SIGSTORE_PUB SIGSTORE_OTHER_KEY \
    SIGSTORE_OTHER_PUB SIGSTORE_IDENTITY SIGSTORE_ISSUER
}

# sigstore_sign NAME DIGEST keyless|key [SIGN_ARGS...]: later options win,
# so SIGN_ARGS can replace the identity, issuer or key.
sigstore_sign() {
  _sigstore_sign_args "$@" || return
  sigstore_js "${_SIGSTORE_ARGS[@]}"
}

# _sigstore_sign_args NAME DIGEST keyless|key [SIGN_ARGS...]: sign.mjs's
# arguments, in _SIGSTORE_ARGS.
_sigstore_sign_args() {
  local name=$1 digest=$2 how=$3 defaults
  shift 3
  case $how in
  keyless) defaults=(--identity "$SIGSTORE_IDENTITY" --issuer "$SIGSTORE_ISSUER") ;;
  key) defaults=(--key "$SIGSTORE_KEY") ;;
  *) echo "sigstore_sign: keyless or key, not $how" >&2; return 2 ;;
  esac
  _SIGSTORE_ARGS=("$how" "$SIGSTORE_DIR" "${defaults[@]}" --digest "$digest" --name "sigstore/$name"
    --out "$SIGSTORE_BUNDLES/$name.sigstore.json" "$@")
}

sigstore_attach() {
  local addr=$1 repo=$2 digest=$3 bundle=$4
  shift 4
  sigstore_js attach --registry "$addr" --repo "$repo" --digest "$digest" --bundle "$bundle" "$@"
}

sigstore_proxy_start() {
  referrers_proxy_start "$@"
}

# _sigstore_case ADDR NAME keyless|key|none [SIGN_ARGS...] [-- ATTACH_ARGS...]:
# pushes the image now; its signing and attaching join _SIGSTORE_BATCH, run
# by sigstore_images in one node process.
_sigstore_case() {
  local addr=$1 name=$2 how=$3 var sign_args=() attach_args=()
  shift 3
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    sign_args+=("$1")
    shift
  done
  [ "${1:-}" = -- ] && shift
  attach_args=("$@")
  registry_push_image "http://$addr" "sigstore/$name" v1 || return 1
  var=SIGSTORE_IMG_$(echo "$name" | tr 'a-z-' 'A-Z_')
  printf -v "$var" '%s' "$IMAGE_OCI_DIGEST"
  export "${var?}"
  [ "$how" = none ] && return 0
  _sigstore_sign_args "$name" "$IMAGE_OCI_DIGEST" "$how" "${sign_args[@]}" || return 1
  _SIGSTORE_BATCH+=("${_SIGSTORE_ARGS[@]}" :: attach --registry "$addr" --repo "sigstore/$name"
    --digest "$IMAGE_OCI_DIGEST" --bundle "$SIGSTORE_BUNDLES/$name.sigstore.json" "${attach_args[@]}" ::)
}

sigstore_images() {
  local addr=$1 elsewhere
  sigstore_init || return 1
  _SIGSTORE_BATCH=()
  elsewhere=sha256:$(printf 'another image' | sha256sum | cut -d' ' -f1)
  _sigstore_case "$addr" keyless keyless || return 1
  _sigstore_case "$addr" keyless-intoto keyless --entry-type intoto || return 1
  _sigstore_case "$addr" keyless-tsa keyless --tsa || return 1
  _sigstore_case "$addr" keyed key || return 1
  _sigstore_case "$addr" keyed-notlog key --no-tlog || return 1
  _sigstore_case "$addr" unsigned none || return 1
  _sigstore_case "$addr" wrong-identity keyless \
    --identity https://github.com/admitd-test/other/.github/workflows/release.yml@refs/heads/main || return 1
  _sigstore_case "$addr" wrong-issuer keyless --issuer https://accounts.google.com || return 1
  _sigstore_case "$addr" rogue-ca keyless --rogue-ca || return 1
  _sigstore_case "$addr" no-tlog keyless --no-tlog || return 1
  _sigstore_case "$addr" rogue-tsa keyless --rogue-tsa || return 1
  _sigstore_case "$addr" broken-proof keyless --break-proof || return 1
  _sigstore_case "$addr" tampered keyless --tamper-payload || return 1
  _sigstore_case "$addr" other-subject keyless --digest "$elsewhere" || return 1
  _sigstore_case "$addr" attestation keyless --predicate-type https://slsa.dev/provenance/v1 || return 1
  _sigstore_case "$addr" wrong-key key --key "$SIGSTORE_OTHER_KEY" || return 1
  _sigstore_case "$addr" lying-index keyless -- --lie-artifact-type || return 1
  _sigstore_case "$addr" not-a-bundle keyless -- --not-a-bundle || return 1
  sigstore_js batch "${_SIGSTORE_BATCH[@]}" >/dev/null
}
