#!/usr/bin/env bash
# Signature verification (server/sigverify*.c) through the real registry
# client against Debian's docker-registry on loopback:
#   tests/registry/sigverify.sh TEST_BINARY
# Pushes small images and cosign-format signatures made with openssl
# (../shared/reference/image-signatures.md, section 5.4: ECDSA P-256, RSA
# PKCS#1 v1.5 and Ed25519 over the exact payload bytes, base64 in the
# dev.cosignproject.cosign/signature annotation of a sha256-<hex>.sig
# manifest), stops one registry to get a port that refuses, then runs the
# cmocka program with addresses, digests and key files in its environment.
# Exit 77 (skip) when docker-registry and friends are missing.
set -u
TEST_BIN=$(realpath "$1")
. "$(dirname "$0")/lib.sh"
trap registry_cleanup EXIT
registry_require

set -e
registry_start plain
REG=$REGISTRY_ADDR
BASE="http://$REG"
registry_start gone
GONE=$REGISTRY_ADDR
registry_stop "$REGISTRY_PID"

keys="$REG_WORK/keys"
mkdir -p "$keys"
openssl ecparam -name prime256v1 -genkey -noout -out "$keys/ecdsa.key"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$keys/rsa.key" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$keys/ed25519.key"
openssl ecparam -name prime256v1 -genkey -noout -out "$keys/wrong.key"
for k in ecdsa rsa ed25519 wrong; do
  openssl pkey -in "$keys/$k.key" -pubout -out "$keys/$k.pub"
done

# payload REPO DIGEST: the simple-signing payload file for DIGEST, printed.
payload() {
  local f="$REG_WORK/payload-$(echo "$2" | cut -c8-19)-$RANDOM.json"
  printf '{"critical":{"identity":{"docker-reference":"%s/%s"},"image":{"docker-manifest-digest":"%s"},"type":"cosign container image signature"},"optional":null}' \
    "$REG" "$1" "$2" >"$f"
  echo "$f"
}

# sign KEY FILE: base64 signature of FILE's exact bytes, as cosign makes it.
sign() {
  if [ "$1" = ed25519 ]; then
    openssl pkeyutl -sign -inkey "$keys/$1.key" -rawin -in "$2" | base64 -w0
  else
    openssl dgst -sha256 -sign "$keys/$1.key" "$2" | base64 -w0
  fi
}

# push_sig SIGREPO DIGEST KEY:PAYLOAD...: the .sig manifest of DIGEST in
# SIGREPO, one simple-signing layer per KEY:PAYLOAD, blobs pushed first.
push_sig() {
  local repo=$1 digest=$2 layers="" spec key file pd
  shift 2
  for spec in "$@"; do
    key=${spec%%:*}
    file=${spec#*:}
    pd=$(registry_push_blob "$BASE" "$repo" "$file")
    layers="$layers${layers:+,}$(printf '{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":%s,"digest":"%s","annotations":{"dev.cosignproject.cosign/signature":"%s"}}' \
      "$(stat -c %s "$file")" "$pd" "$(sign "$key" "$file")")"
  done
  local cfg="$REG_WORK/sigconfig-$RANDOM.json" man="$REG_WORK/sig-$RANDOM.json"
  printf '{"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":[]}}' >"$cfg"
  local cd
  cd=$(registry_push_blob "$BASE" "$repo" "$cfg")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":%s,"digest":"%s"},"layers":[%s]}' \
    "$(stat -c %s "$cfg")" "$cd" "$layers" >"$man"
  registry_push_manifest "$BASE" "$repo" "sha256-${digest#sha256:}.sig" "$man" \
    application/vnd.oci.image.manifest.v1+json >/dev/null
}

# app: signed by all three algorithms; its index (tag v1-index) signed by ECDSA.
registry_push_image "$BASE" app v1
APP=$IMAGE_OCI_DIGEST
APP_INDEX=$IMAGE_INDEX_DIGEST
p=$(payload app "$APP")
push_sig app "$APP" "ecdsa:$p" "rsa:$p" "ed25519:$p"
push_sig app "$APP_INDEX" "ecdsa:$(payload app "$APP_INDEX")"
# one: signed by ECDSA only (threshold 2 falls short).
registry_push_image "$BASE" one v1
ONE=$IMAGE_OCI_DIGEST
push_sig one "$ONE" "ecdsa:$(payload one "$ONE")"
# bare: never signed.
registry_push_image "$BASE" bare v1
BARE=$IMAGE_OCI_DIGEST
# replay: its .sig holds app's valid ECDSA signature (payload names app's digest).
registry_push_image "$BASE" replay v1
REPLAY=$IMAGE_OCI_DIGEST
push_sig replay "$REPLAY" "ecdsa:$p"
# elsewhere: signed, but its signatures live in signatures/elsewhere.
registry_push_image "$BASE" elsewhere v1
ELSEWHERE=$IMAGE_OCI_DIGEST
push_sig signatures/elsewhere "$ELSEWHERE" "ed25519:$(payload elsewhere "$ELSEWHERE")"
set +e

export REG_PLAIN=$REG REG_GONE=$GONE SIG_KEYS=$keys
export IMG_APP=$APP IMG_APP_INDEX=$APP_INDEX IMG_ONE=$ONE IMG_BARE=$BARE IMG_REPLAY=$REPLAY IMG_ELSEWHERE=$ELSEWHERE
"$TEST_BIN"
