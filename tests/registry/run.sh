#!/usr/bin/env bash
# Run the registry client's tests against real registries on loopback:
#   tests/registry/run.sh TEST_BINARY
# Starts Debian's docker-registry four times over one storage folder
# (anonymous, basic auth, token auth with tokenserver.py, HTTPS), the fault
# injecting fakeregistry.py and origins.py's four origins, pushes a small
# image and an oversized manifest, stops one more registry to get a port
# that refuses, then runs the cmocka program with everything in its
# environment. Exit 77 (skip) when
# docker-registry and friends are missing and cannot be installed.
set -u
TEST_BIN=$(realpath "$1")
. "$(dirname "$0")/lib.sh"
trap registry_cleanup EXIT
registry_require htpasswd

USER_NAME=alice
USER_PASS='s3cret:with-colon'

set -e
registry_start_auth_set "$USER_NAME" "$USER_PASS"
PLAIN=$REG_PLAIN BASIC=$REG_BASIC TOKEN=$REG_TOKEN
registry_start_tls tls
TLS=$REGISTRY_ADDR
TLS_CA=$REGISTRY_CA
# A registry that was there and is gone: its port now refuses connections.
registry_start gone
GONE=$REGISTRY_ADDR
registry_stop "$REGISTRY_PID"

registry_push_image "http://$PLAIN" private/app v1
PRIVATE_OCI=$IMAGE_OCI_DIGEST
registry_push_image "http://$PLAIN" app v1
# A valid manifest padded past the test client's 8 KiB manifest cap.
big="$REG_WORK/big.json"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[],"annotations":{"padding":"%s"}}' \
  "$IMAGE_CONFIG_DIGEST" "$(stat -c %s "$IMAGE_DIR/config.json")" "$(head -c 20000 /dev/zero | tr '\0' x)" >"$big"
BIG_DIGEST=$(registry_push_manifest "http://$PLAIN" app big "$big" application/vnd.oci.image.manifest.v1+json)

fake_registry_start "$IMAGE_DIR/oci.json" "$IMAGE_DIR/config.json" "$USER_NAME" "$USER_PASS"
FAKE=$FAKE_ADDR
origins_start "$IMAGE_DIR/oci.json" "$IMAGE_DIR/config.json" "$USER_NAME" "$USER_PASS"

# Credentials for the basic-auth registry (auth, base64) and the token
# registry (username/password): both dockerconfigjson forms. The mirror's
# own are there to show that a challenge it sends after a redirect gets none.
auth=$(printf '%s:%s' "$USER_NAME" "$USER_PASS" | base64 -w0)
cat >"$REG_WORK/config.json" <<EOF
{"auths": {
  "http://$BASIC/v1/": {"auth": "$auth"},
  "$TOKEN": {"username": "$USER_NAME", "password": "$USER_PASS"},
  "$FAKE": {"auth": "$auth"},
  "$ORIGIN_REGISTRY": {"auth": "$auth"},
  "$ORIGIN_MIRROR": {"username": "mirror-user", "password": "mirror-password"}
}}
EOF
set +e

export REG_PLAIN=$PLAIN REG_BASIC=$BASIC REG_TOKEN=$TOKEN REG_TLS=$TLS REG_TLS_CA=$TLS_CA REG_GONE=$GONE
export REG_FAKE=$FAKE REG_FAKE_LOG=$FAKE_LOG REG_TOKEN_LOG=$TOKEN_LOG
export ORIGIN_REGISTRY ORIGIN_MIRROR ORIGIN_TOKENS ORIGIN_ELSEWHERE ORIGIN_LOG
export REG_CREDENTIALS="$REG_WORK/config.json"
export IMG_OCI=$IMAGE_OCI_DIGEST IMG_DOCKER=$IMAGE_DOCKER_DIGEST IMG_INDEX=$IMAGE_INDEX_DIGEST
export IMG_CONFIG=$IMAGE_CONFIG_DIGEST IMG_LAYER=$IMAGE_LAYER_DIGEST IMG_BIG=$BIG_DIGEST IMG_PRIVATE=$PRIVATE_OCI
export IMG_OCI_FILE="$IMAGE_DIR/oci.json" IMG_CONFIG_FILE="$IMAGE_DIR/config.json"
"$TEST_BIN"
rc=$?
if [ $rc -ne 0 ]; then
  echo "--- token server log"
  cat "$TOKEN_LOG"
  echo "--- fake registry log"
  cat "$FAKE_LOG"
  echo "--- origins log"
  cat "$ORIGIN_LOG"
fi
exit $rc
