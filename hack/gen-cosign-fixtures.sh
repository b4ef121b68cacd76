#!/usr/bin/env bash
# Make the cosign signature fixtures in tests/fixtures/cosign/ with openssl:
# no cosign binary exists for this platform (../shared/reference/
# image-signatures.md, section 5.4), and cosign's tag-based format is plain
# "sign the exact payload bytes, base64 the signature". Private keys live
# only in a temporary directory, so every run makes new keys and signatures;
# the tests read whatever is committed.
#
#   <alg>.pub       PEM public key: ecdsa-p256, ecdsa-p384, rsa-2048 (PKCS#1
#                   v1.5), rsa-pss (rsaEncryption key, PSS signatures),
#                   rsassa-pss (an id-RSASSA-PSS key), ed25519; wrong.pub is
#                   another P-256 key that signed nothing here
#   <alg>.sig       base64 signature of payload.json
#   rsa-pss-maxsalt.sig  PSS with the largest salt (Go's PSSSaltLengthAuto
#                   when signing), which GnuTLS does not verify: refused
#   unsupported-*.pub  keys the verifier must refuse: P-521, Ed448, RSA-1024
#   image.digest    the digest payload.json is signed for
#   other.digest    another image's digest, with payload-other.json and
#                   ecdsa-p256-other.sig (a signature to replay)
#   payload-wrongtype.json, ecdsa-p256-wrongtype.sig: critical.type is not
#                   cosign's
#   payload-caseless.json, ecdsa-p256-caseless.sig: keys spelled as the spec's
#                   example and very old cosign do ("Critical", ...)
#   payload-ambiguous.json, ecdsa-p256-ambiguous.sig: "critical" and
#                   "CRITICAL" name different images (Go would read the last)
#   payload-notjson.json, ecdsa-p256-notjson.sig: signed bytes that are not JSON
#   payload-nodigest.json, ecdsa-p256-nodigest.sig: no docker-manifest-digest
#   config.json     the .sig manifest's config blob (never fetched by verifiers)
#   manifest.json   an OCI signature manifest: P-256 and Ed25519 layers
#   manifest-docker.json  the same in Docker v2 media types, with RSA layers
set -euo pipefail
cd "$(dirname "$0")/.."
out=tests/fixtures/cosign
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
rm -f "$out"/*.pub "$out"/*.sig "$out"/*.json "$out"/*.digest

digest_of() { printf 'sha256:%s' "$(sha256sum "$1" | cut -d' ' -f1)"; }
size_of() { wc -c <"$1" | tr -d ' '; }

# Two image digests: hashes of small stand-in manifests.
printf '{"schemaVersion":2,"admitd":"test image"}' >"$tmp/image.json"
printf '{"schemaVersion":2,"admitd":"other image"}' >"$tmp/other.json"
image=$(digest_of "$tmp/image.json")
other=$(digest_of "$tmp/other.json")
printf '%s' "$image" >"$out/image.digest"
printf '%s' "$other" >"$out/other.digest"

# Payloads: exact bytes, compact, no trailing newline, as cosign writes them.
payload() { # digest type
  printf '{"critical":{"identity":{"docker-reference":"registry.example.com/app"},"image":{"docker-manifest-digest":"%s"},"type":"%s"},"optional":null}' "$1" "$2"
}
payload "$image" "cosign container image signature" >"$out/payload.json"
payload "$other" "cosign container image signature" >"$out/payload-other.json"
payload "$image" "atomic container signature" >"$out/payload-wrongtype.json"
printf '{"Critical":{"Identity":{"docker-reference":"registry.example.com/app"},"Image":{"Docker-manifest-digest":"%s"},"Type":"cosign container image signature"},"Optional":null}' \
  "$image" >"$out/payload-caseless.json"
printf '{"critical":{"image":{"docker-manifest-digest":"%s"},"type":"cosign container image signature"},"CRITICAL":{"image":{"docker-manifest-digest":"%s"},"type":"cosign container image signature"}}' \
  "$image" "$other" >"$out/payload-ambiguous.json"
printf 'not json' >"$out/payload-notjson.json"
printf '{"critical":{"identity":{"docker-reference":"registry.example.com/app"},"image":{},"type":"cosign container image signature"},"optional":null}' \
  >"$out/payload-nodigest.json"

# Keys.
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/ecdsa-p256.key"
openssl ecparam -name secp384r1 -genkey -noout -out "$tmp/ecdsa-p384.key"
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/wrong.key"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/rsa-2048.key" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$tmp/rsa-pss.key" 2>/dev/null
openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out "$tmp/rsassa-pss.key" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$tmp/ed25519.key"
openssl ecparam -name secp521r1 -genkey -noout -out "$tmp/unsupported-p521.key"
openssl genpkey -algorithm ed448 -out "$tmp/unsupported-ed448.key"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$tmp/unsupported-rsa-1024.key" 2>/dev/null
for k in "$tmp"/*.key; do
  openssl pkey -in "$k" -pubout -out "$out/$(basename "$k" .key).pub"
done

sign() { # key-name payload-file output-name [openssl dgst options]
  local key=$1 in=$2 name=$3
  shift 3
  if [ "$key" = ed25519 ]; then
    openssl pkeyutl -sign -inkey "$tmp/$key.key" -rawin -in "$in" -out "$tmp/$name.bin"
    openssl pkeyutl -verify -pubin -inkey "$out/$key.pub" -rawin -in "$in" -sigfile "$tmp/$name.bin" >/dev/null
  else
    openssl dgst -sha256 -sign "$tmp/$key.key" "$@" -out "$tmp/$name.bin" "$in"
    openssl dgst -sha256 -verify "$out/$key.pub" "$@" -signature "$tmp/$name.bin" "$in" >/dev/null
  fi
  base64 -w0 "$tmp/$name.bin" >"$out/$name.sig"
}
sign ecdsa-p256 "$out/payload.json" ecdsa-p256
sign ecdsa-p384 "$out/payload.json" ecdsa-p384
sign rsa-2048 "$out/payload.json" rsa-2048
sign rsa-pss "$out/payload.json" rsa-pss -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32
sign rsa-pss "$out/payload.json" rsa-pss-maxsalt -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:max
sign rsassa-pss "$out/payload.json" rsassa-pss -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32
sign ed25519 "$out/payload.json" ed25519
sign ecdsa-p256 "$out/payload-other.json" ecdsa-p256-other
sign ecdsa-p256 "$out/payload-wrongtype.json" ecdsa-p256-wrongtype
sign ecdsa-p256 "$out/payload-caseless.json" ecdsa-p256-caseless
sign ecdsa-p256 "$out/payload-ambiguous.json" ecdsa-p256-ambiguous
sign ecdsa-p256 "$out/payload-notjson.json" ecdsa-p256-notjson
sign ecdsa-p256 "$out/payload-nodigest.json" ecdsa-p256-nodigest

# The .sig manifest, as cosign writes it (OCI by default, Docker media types
# with COSIGN_DOCKER_MEDIA_TYPES=1).
pd=$(digest_of "$out/payload.json")
ps=$(size_of "$out/payload.json")
printf '{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["%s"]},"config":{}}' \
  "$pd" >"$out/config.json"
cd_=$(digest_of "$out/config.json")
cs=$(size_of "$out/config.json")
layer() { # signature-name
  printf '{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":%s,"digest":"%s","annotations":{"dev.cosignproject.cosign/signature":"%s"}}' \
    "$ps" "$pd" "$(cat "$out/$1.sig")"
}
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":%s,"digest":"%s"},"layers":[%s,%s]}' \
  "$cs" "$cd_" "$(layer ecdsa-p256)" "$(layer ed25519)" >"$out/manifest.json"
printf '{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":%s,"digest":"%s"},"layers":[%s,%s]}' \
  "$cs" "$cd_" "$(layer rsa-2048)" "$(layer rsa-pss)" >"$out/manifest-docker.json"
echo "gen-cosign-fixtures: wrote $(ls "$out" | wc -l) files to $out"
