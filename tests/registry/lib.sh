# A real OCI registry on loopback for tests: Debian's docker-registry
# (distribution 2.8), started with a temporary config on 127.0.0.1:0 and
# stopped by PID, plus curl helpers that push blobs, manifests and a small
# image. Source it; it defines functions and REG_WORK (a temporary folder
# removed by registry_cleanup, which the caller's EXIT trap should call).
#
#   registry_require                   exit 77 (ctest's skip) when a tool is missing
#   registry_start NAME [YAML]         start one; YAML is appended to its config (auth:, a tls:
#                                      block under http: is made by registry_start_tls).
#                                      Sets REGISTRY_ADDR=127.0.0.1:PORT, REGISTRY_PID, REGISTRY_LOG.
#   registry_start_tls NAME            the same over HTTPS; sets REGISTRY_CA (the CA to trust)
#   registry_start_auth_set USER PASS  three over one storage: anonymous, basic auth (USER, PASS) and
#                                      token auth (token_server_start USER PASS); sets REG_PLAIN,
#                                      REG_BASIC, REG_TOKEN (127.0.0.1:PORT each)
#   registry_stop PID                  SIGTERM, wait, SIGKILL after 5 s
#   registry_push_blob BASE REPO FILE [CURL_ARGS...]         prints the blob's digest
#   registry_push_manifest BASE REPO REF FILE MEDIATYPE [CURL_ARGS...]   prints the digest
#   registry_push_image BASE REPO TAG  config + layer, OCI manifest at TAG, Docker v2 manifest
#                                      at TAG-docker, OCI index at TAG-index; sets IMAGE_*_DIGEST
#   registry_htpasswd_yaml USER PASS   auth: block for basic auth (bcrypt htpasswd file)
#   token_server_start [USER PASS]     tokenserver.py; TOKEN_AUTH_YAML makes a registry trust it
#   fake_registry_start MANIFEST BLOB [USER PASS]   fakeregistry.py (faults); FAKE_ADDR, FAKE_LOG
#   origins_start MANIFEST BLOB USER PASS   origins.py: a registry, a mirror it redirects to, two
#                                      token hosts; ORIGIN_REGISTRY ORIGIN_MIRROR ORIGIN_TOKENS
#                                      ORIGIN_ELSEWHERE (127.0.0.1-4:PORT), ORIGIN_LOG
#   referrers_proxy_start UPSTREAM     ../sigstore/referrers_proxy.py: the OCI 1.1 referrers API
#                                      in front of UPSTREAM (127.0.0.1:PORT), which has none;
#                                      PROXY_ADDR, PROXY_PID, PROXY_LOG ("METHOD PATH STATUS")
#   registry_push_referrer BASE REPO SUBJECT [PADDING]   a Sigstore-bundle-shaped artifact
#                                      whose subject is SUBJECT (a manifest of REPO), pushed by
#                                      digest, its blobs first; PADDING bytes of annotation
#                                      make it large. Prints its digest
#
# BASE is http://127.0.0.1:PORT (or https://... with CURL_ARGS --cacert CA). Every
# registry started here shares one storage folder, so an image pushed to one
# (say the anonymous one) can be read through another (basic or token auth).
set -u
REG_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REG_WORK=$(mktemp -d "${TMPDIR:-/tmp}/admitd-registry.XXXXXX")
REG_STORAGE="$REG_WORK/storage"
REG_PIDS=()
export PYTHONDONTWRITEBYTECODE=1 # the servers import loopback.py; keep the tree clean

registry_require() {
  local missing=()
  for tool in docker-registry curl python3 openssl sha256sum "$@"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" -eq 0 ] && [ -x "$REG_HERE/../../hack/deps.sh" ]; then
    "$REG_HERE/../../hack/deps.sh" test >/dev/null 2>&1 || true
    missing=()
    for tool in docker-registry curl python3 openssl sha256sum "$@"; do
      command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    echo "SKIP: needs ${missing[*]} (Debian: docker-registry curl python3 openssl apache2-utils; hack/deps.sh test)" >&2
    exit 77
  fi
}

# registry_start NAME [EXTRA_YAML]
registry_start() {
  local name=$1 extra=${2:-} dir="$REG_WORK/$1"
  mkdir -p "$dir" "$REG_STORAGE"
  cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $REG_STORAGE
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:0
  secret: admitd-test-only-secret
EOF
  [ -n "$extra" ] && printf '%s\n' "$extra" >>"$dir/config.yml"
  REGISTRY_LOG="$dir/registry.log"
  docker-registry serve "$dir/config.yml" >"$REGISTRY_LOG" 2>&1 &
  REGISTRY_PID=$!
  REG_PIDS+=("$REGISTRY_PID")
  REGISTRY_ADDR=
  for _ in $(seq 1 200); do
    REGISTRY_ADDR=$(sed -n 's/.*msg="listening on \(127\.0\.0\.1:[0-9]*\).*/\1/p' "$REGISTRY_LOG" | head -n 1)
    [ -n "$REGISTRY_ADDR" ] && return 0
    kill -0 "$REGISTRY_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "docker-registry $name did not start; its log:" >&2
  cat "$REGISTRY_LOG" >&2
  return 1
}

# registry_start_tls NAME [EXTRA_YAML]: a self-signed P-256 certificate for
# 127.0.0.1 and localhost; REGISTRY_CA is the file a client must trust.
registry_start_tls() {
  local dir="$REG_WORK/$1"
  mkdir -p "$dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -keyout "$dir/tls.key" -out "$dir/tls.crt" -subj /CN=127.0.0.1 \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null || return 1
  REGISTRY_CA="$dir/tls.crt"
  registry_start "$1" "$(printf '  tls:\n    certificate: %s\n    key: %s\n%s' "$dir/tls.crt" "$dir/tls.key" "${2:-}")"
}

registry_start_auth_set() {
  registry_start plain || return 1
  REG_PLAIN=$REGISTRY_ADDR
  registry_start basic "$(registry_htpasswd_yaml "$1" "$2")" || return 1
  REG_BASIC=$REGISTRY_ADDR
  token_server_start "$1" "$2" || return 1
  registry_start token "$TOKEN_AUTH_YAML" || return 1
  REG_TOKEN=$REGISTRY_ADDR
}

registry_stop() {
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
}

registry_cleanup() {
  local pid
  for pid in "${REG_PIDS[@]}"; do
    registry_stop "$pid"
  done
  REG_PIDS=()
  rm -rf "$REG_WORK"
}

registry_digest_of() {
  echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"
}

# registry_push_blob BASE REPO FILE [CURL_ARGS...]: POST an upload, PUT the
# bytes (distribution 2.8 ignores a monolithic POST ?digest=).
registry_push_blob() {
  local base=$1 repo=$2 file=$3
  shift 3
  local digest location sep
  digest=$(registry_digest_of "$file")
  location=$(curl -sS -f -o /dev/null -D - -X POST "$@" "$base/v2/$repo/blobs/uploads/" |
    sed -n 's/^[Ll]ocation: *\([^\r]*\).*/\1/p') || return 1
  [ -n "$location" ] || { echo "push $repo: no upload Location" >&2; return 1; }
  case "$location" in /*) location="$base$location" ;; esac
  case "$location" in *\?*) sep='&' ;; *) sep='?' ;; esac
  curl -sS -f -o /dev/null -X PUT "$@" -H 'Content-Type: application/octet-stream' \
    --data-binary "@$file" "$location${sep}digest=$digest" || return 1
  echo "$digest"
}

# registry_push_manifest BASE REPO REF FILE MEDIATYPE [CURL_ARGS...]: the
# digest printed is sha256 of the exact bytes, which is what the registry keeps.
registry_push_manifest() {
  local base=$1 repo=$2 ref=$3 file=$4 mt=$5
  shift 5
  curl -sS -f -o /dev/null -X PUT "$@" -H "Content-Type: $mt" --data-binary "@$file" \
    "$base/v2/$repo/manifests/$ref" || return 1
  registry_digest_of "$file"
}

# registry_push_image BASE REPO TAG [CURL_ARGS...]
registry_push_image() {
  local base=$1 repo=$2 tag=$3
  shift 3
  local d="$REG_WORK/image-$RANDOM"
  mkdir -p "$d"
  printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[]}}' >"$d/config.json"
  head -c 2048 /dev/urandom | gzip -c >"$d/layer.tar.gz"
  IMAGE_CONFIG_DIGEST=$(registry_push_blob "$base" "$repo" "$d/config.json" "$@") || return 1
  IMAGE_LAYER_DIGEST=$(registry_push_blob "$base" "$repo" "$d/layer.tar.gz" "$@") || return 1
  local csize lsize
  csize=$(stat -c %s "$d/config.json")
  lsize=$(stat -c %s "$d/layer.tar.gz")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%s}]}' \
    "$IMAGE_CONFIG_DIGEST" "$csize" "$IMAGE_LAYER_DIGEST" "$lsize" >"$d/oci.json"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","digest":"%s","size":%s}]}' \
    "$IMAGE_CONFIG_DIGEST" "$csize" "$IMAGE_LAYER_DIGEST" "$lsize" >"$d/docker.json"
  IMAGE_OCI_DIGEST=$(registry_push_manifest "$base" "$repo" "$tag" "$d/oci.json" \
    application/vnd.oci.image.manifest.v1+json "$@") || return 1
  IMAGE_DOCKER_DIGEST=$(registry_push_manifest "$base" "$repo" "$tag-docker" "$d/docker.json" \
    application/vnd.docker.distribution.manifest.v2+json "$@") || return 1
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"platform":{"architecture":"amd64","os":"linux"}}]}' \
    "$IMAGE_OCI_DIGEST" "$(stat -c %s "$d/oci.json")" >"$d/index.json"
  IMAGE_INDEX_DIGEST=$(registry_push_manifest "$base" "$repo" "$tag-index" "$d/index.json" \
    application/vnd.oci.image.index.v1+json "$@") || return 1
  IMAGE_DIR=$d
}

# registry_wait_port_file PID DIR: wait for a python server (loopback.py) to
# write DIR/port; print 127.0.0.1:PORT, or its stderr.log and fail.
registry_wait_port_file() {
  for _ in $(seq 1 200); do
    [ -s "$2/port" ] && break
    kill -0 "$1" 2>/dev/null || break
    sleep 0.05
  done
  [ -s "$2/port" ] || { echo "$2: server did not start:" >&2; cat "$2/stderr.log" >&2; return 1; }
  echo "127.0.0.1:$(cat "$2/port")"
}

# token_server_start [USER PASSWORD]: tokenserver.py on 127.0.0.1:0 with a new
# RSA key and self-signed certificate. Sets TOKEN_ADDR, TOKEN_PID, TOKEN_LOG
# and TOKEN_AUTH_YAML, the auth: block that makes a registry trust it
# (service "admitd-test", issuer "admitd-test-issuer").
token_server_start() {
  local dir="$REG_WORK/token"
  mkdir -p "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout "$dir/key.pem" -out "$dir/cert.pem" \
    -subj /CN=admitd-test-token 2>/dev/null || return 1
  TOKEN_LOG="$dir/token.log"
  : >"$TOKEN_LOG"
  python3 "$REG_HERE/tokenserver.py" --key "$dir/key.pem" --cert "$dir/cert.pem" --issuer admitd-test-issuer \
    --service admitd-test --port-file "$dir/port" --user "${1:-}" --password "${2:-}" --log "$TOKEN_LOG" \
    2>"$dir/stderr.log" &
  TOKEN_PID=$!
  REG_PIDS+=("$TOKEN_PID")
  TOKEN_ADDR=$(registry_wait_port_file "$TOKEN_PID" "$dir") || return 1
  TOKEN_AUTH_YAML="auth:
  token:
    realm: http://$TOKEN_ADDR/token
    service: admitd-test
    issuer: admitd-test-issuer
    rootcertbundle: $dir/cert.pem"
}

# registry_htpasswd_yaml USER PASSWORD: a bcrypt htpasswd file (apache2-utils)
# and the auth: block that uses it; printed.
registry_htpasswd_yaml() {
  local f="$REG_WORK/htpasswd"
  htpasswd -Bbn "$1" "$2" >"$f" 2>/dev/null || return 1
  printf 'auth:\n  htpasswd:\n    realm: admitd-test\n    path: %s\n' "$f"
}

# fake_registry_start MANIFEST BLOB [USER PASSWORD]: fakeregistry.py, for what
# a real registry never does (wrong bytes under a digest, no digest header,
# redirects to another host, endless bodies, chosen statuses). Sets FAKE_ADDR,
# FAKE_PID and FAKE_LOG (one line per request: METHOD HOST PATH auth=yes|no).
fake_registry_start() {
  local dir="$REG_WORK/fake"
  mkdir -p "$dir"
  FAKE_LOG="$dir/requests.log"
  python3 "$REG_HERE/fakeregistry.py" --port-file "$dir/port" --log "$FAKE_LOG" --manifest "$1" --blob "$2" \
    --user "${3:-user}" --password "${4:-password}" 2>"$dir/stderr.log" &
  FAKE_PID=$!
  REG_PIDS+=("$FAKE_PID")
  FAKE_ADDR=$(registry_wait_port_file "$FAKE_PID" "$dir") || return 1
}

# origins_start MANIFEST BLOB USER PASSWORD: origins.py, four origins on
# 127.0.0.1 to 127.0.0.4 that log the Authorization each request carried.
origins_start() {
  local dir="$REG_WORK/origins"
  mkdir -p "$dir"
  python3 "$REG_HERE/origins.py" --dir "$dir" --manifest "$1" --blob "$2" --user "$3" --password "$4" \
    2>"$dir/stderr.log" &
  REG_PIDS+=("$!")
  registry_wait_port_file "$!" "$dir" >/dev/null || return 1
  ORIGIN_LOG="$dir/requests.log"
  ORIGIN_REGISTRY=$(sed -n 's/^registry=//p' "$dir/addrs")
  ORIGIN_MIRROR=$(sed -n 's/^mirror=//p' "$dir/addrs")
  ORIGIN_TOKENS=$(sed -n 's/^tokens=//p' "$dir/addrs")
  ORIGIN_ELSEWHERE=$(sed -n 's/^elsewhere=//p' "$dir/addrs")
}

# referrers_proxy_start UPSTREAM: manifests pushed through it with a subject,
# and those the upstream's referrers tags list, are its referrers.
referrers_proxy_start() {
  local dir="$REG_WORK/referrers-proxy"
  mkdir -p "$dir"
  PROXY_LOG="$dir/requests.log"
  : >"$PROXY_LOG"
  python3 "$REG_HERE/../sigstore/referrers_proxy.py" --upstream "$1" --port-file "$dir/port" --log "$PROXY_LOG" \
    2>"$dir/stderr.log" &
  PROXY_PID=$!
  REG_PIDS+=("$PROXY_PID")
  PROXY_ADDR=$(registry_wait_port_file "$PROXY_PID" "$dir") || return 1
}

# registry_push_referrer BASE REPO SUBJECT [PADDING]: cosign 3's layout (an
# empty config, one bundle layer, artifactType), with a made-up bundle.
registry_push_referrer() {
  local base=$1 repo=$2 subject=$3 pad=${4:-0} d="$REG_WORK/referrer-$RANDOM" size
  mkdir -p "$d"
  printf '{}' >"$d/empty.json"
  printf '{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","made-up":"%s"}' "${d##*/}" >"$d/bundle.json"
  registry_push_blob "$base" "$repo" "$d/empty.json" >/dev/null || return 1
  registry_push_blob "$base" "$repo" "$d/bundle.json" >/dev/null || return 1
  size=$(curl -sS -f -o /dev/null -w '%{size_download}' "$base/v2/$repo/manifests/$subject" \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json') || return 1
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"%s","size":2},"layers":[{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","digest":"%s","size":%s}],"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s},"annotations":{"padding":"%s"}}' \
    "$(registry_digest_of "$d/empty.json")" "$(registry_digest_of "$d/bundle.json")" "$(stat -c %s "$d/bundle.json")" \
    "$subject" "$size" "$(head -c "$pad" /dev/zero | tr '\0' x)" >"$d/manifest.json"
  registry_push_manifest "$base" "$repo" "$(registry_digest_of "$d/manifest.json")" "$d/manifest.json" \
    application/vnd.oci.image.manifest.v1+json
}
