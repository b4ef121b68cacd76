# Signed images for tests: openssl keys and cosign-format signatures
# (../shared/reference/image-signatures.md, section 5.4: ECDSA P-256, RSA
# PKCS#1 v1.5 and Ed25519 over the exact payload bytes, base64 in the
# dev.cosignproject.cosign/signature annotation of a sha256-<hex>.sig
# manifest), pushed to a registry started with lib.sh. Source it after
# lib.sh (it sources lib.sh itself when that was not done).
#
#   signed_keys                        SIG_KEYS: {ecdsa,rsa,ed25519,wrong}.{key,pub}
#   signed_payload ADDR REPO DIGEST    a simple-signing payload file for ADDR/REPO@DIGEST; printed
#   signed_sign KEY FILE               base64 signature of FILE's exact bytes by SIG_KEYS/KEY.key
#   signed_push_sig ADDR SIGREPO DIGEST KEY:PAYLOAD...
#                                      the .sig manifest of DIGEST in SIGREPO, one layer per KEY:PAYLOAD
#   signed_images ADDR                 signed_keys, then the set below; exports the IMG_* digests
#
# The set (every image from registry_push_image, so each has tags v1,
# v1-docker and v1-index):
#   app        IMG_APP, signed by ecdsa, rsa and ed25519; its index IMG_APP_INDEX signed by ecdsa
#   one        IMG_ONE, signed by ecdsa only (a threshold of 2 falls short)
#   bare       IMG_BARE, never signed
#   replay     IMG_REPLAY, whose .sig holds app's valid ecdsa signature (its payload names app)
#   elsewhere  IMG_ELSEWHERE, signed by ed25519, the .sig in signatures/elsewhere
if ! declare -F registry_push_blob >/dev/null; then
  . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fi

signed_keys() {
  SIG_KEYS="$REG_WORK/keys"
  mkdir -p "$SIG_KEYS"
  openssl ecparam -name prime256v1 -genkey -noout -out "$SIG_KEYS/ecdsa.key" || return 1
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$SIG_KEYS/rsa.key" 2>/dev/null || return 1
  openssl genpkey -algorithm ed25519 -out "$SIG_KEYS/ed25519.key" || return 1
  openssl ecparam -name prime256v1 -genkey -noout -out "$SIG_KEYS/wrong.key" || return 1
  local k
  for k in ecdsa rsa ed25519 wrong; do
    openssl pkey -in "$SIG_KEYS/$k.key" -pubout -out "$SIG_KEYS/$k.pub" || return 1
  done
  export SIG_KEYS
}

signed_payload() {
  local f="$REG_WORK/payload-$(echo "$3" | cut -c8-19)-$RANDOM.json"
  printf '{"critical":{"identity":{"docker-reference":"%s/%s"},"image":{"docker-manifest-digest":"%s"},"type":"cosign container image signature"},"optional":null}' \
    "$1" "$2" "$3" >"$f"
  echo "$f"
}

# Ed25519 signs the message itself (no prehash), as cosign does.
signed_sign() {
  if [ "$1" = ed25519 ]; then
    openssl pkeyutl -sign -inkey "$SIG_KEYS/$1.key" -rawin -in "$2" | base64 -w0
  else
    openssl dgst -sha256 -sign "$SIG_KEYS/$1.key" "$2" | base64 -w0
  fi
}

# Payload blobs go first: a registry refuses a manifest whose blobs it lacks.
signed_push_sig() {
  local base="http://$1" repo=$2 digest=$3 layers="" spec key file pd
  shift 3
  for spec in "$@"; do
    key=${spec%%:*}
    file=${spec#*:}
    pd=$(registry_push_blob "$base" "$repo" "$file") || return 1
    layers="$layers${layers:+,}$(printf '{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":%s,"digest":"%s","annotations":{"dev.cosignproject.cosign/signature":"%s"}}' \
      "$(stat -c %s "$file")" "$pd" "$(signed_sign "$key" "$file")")"
  done
  local cfg="$REG_WORK/sigconfig-$RANDOM.json" man="$REG_WORK/sig-$RANDOM.json"
  printf '{"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":[]}}' >"$cfg"
  local cd
  cd=$(registry_push_blob "$base" "$repo" "$cfg") || return 1
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":%s,"digest":"%s"},"layers":[%s]}' \
    "$(stat -c %s "$cfg")" "$cd" "$layers" >"$man"
  registry_push_manifest "$base" "$repo" "sha256-${digest#sha256:}.sig" "$man" \
    application/vnd.oci.image.manifest.v1+json >/dev/null
}

signed_images() {
  local addr=$1 base="http://$1" p
  signed_keys || return 1
  registry_push_image "$base" app v1 || return 1
  IMG_APP=$IMAGE_OCI_DIGEST
  IMG_APP_INDEX=$IMAGE_INDEX_DIGEST
  p=$(signed_payload "$addr" app "$IMG_APP")
  signed_push_sig "$addr" app "$IMG_APP" "ecdsa:$p" "rsa:$p" "ed25519:$p" || return 1
  signed_push_sig "$addr" app "$IMG_APP_INDEX" "ecdsa:$(signed_payload "$addr" app "$IMG_APP_INDEX")" || return 1
  registry_push_image "$base" one v1 || return 1
  IMG_ONE=$IMAGE_OCI_DIGEST
  signed_push_sig "$addr" one "$IMG_ONE" "ecdsa:$(signed_payload "$addr" one "$IMG_ONE")" || return 1
  registry_push_image "$base" bare v1 || return 1
  IMG_BARE=$IMAGE_OCI_DIGEST
  registry_push_image "$base" replay v1 || return 1
  IMG_REPLAY=$IMAGE_OCI_DIGEST
  signed_push_sig "$addr" replay "$IMG_REPLAY" "ecdsa:$p" || return 1
  registry_push_image "$base" elsewhere v1 || return 1
  IMG_ELSEWHERE=$IMAGE_OCI_DIGEST
  signed_push_sig "$addr" signatures/elsewhere "$IMG_ELSEWHERE" \
    "ed25519:$(signed_payload "$addr" elsewhere "$IMG_ELSEWHERE")" || return 1
  export IMG_APP IMG_APP_INDEX IMG_ONE IMG_BARE IMG_REPLAY IMG_ELSEWHERE
}
