#!/usr/bin/env bash
# The Sigstore bundle-verification conformance cases, read in place from
# DIR/bundle-verify (never copied into this repository), run through
# `admitd verify-bundle` exactly as the upstream suite drives a client: each
# case twice, once with the artifact and once with only sha256:<digest>. A
# case named *_fail must exit 1, every other case 0. Skips (77) when DIR is
# absent. Also checks the protocol's usage exits (2).
#
# Three cases on which a reference verifier run disagreed are decided from
# the specifications:
# - managed-key-happy-path passes. It carries a timestamp from an authority
#   the public-good root does not list; with a key, cosign requires neither
#   a trusted root nor timestamps (cosign v3 changelog, #4613 and #4337),
#   so an unlisted authority's timestamp adds no time and is not a failure
#   (its log entry, from a listed log, is still fully verified).
# - rekor2-dsse-happy-path passes. Rekor v2 logs a DSSE envelope as a
#   hashedrekord 0.0.2 entry over SHA-256(PAE(payloadType, payload))
#   (rekor-v2-spec 6.1.4, client-spec 4.4); the entry is compared on that
#   digest, the envelope signature and the leaf.
# - trust-root-tlog-missing-validity-start_fail fails. TimeRange.start is
#   required (protobuf-specs sigstore_common.proto); a log key without one
#   is a malformed trusted root, never a key trusted since the epoch.
ADMITD=${1:?usage: sigstore.sh PATH/TO/admitd DIR}
DIR=${2:?usage: sigstore.sh PATH/TO/admitd DIR}
CASES=$DIR/bundle-verify
if [ ! -d "$CASES" ]; then
  echo "skip: no Sigstore conformance cases at $DIR (expected ../shared/conformance/sigstore beside the repository)"
  exit 77
fi
IDENTITY=https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main
ISSUER=https://token.actions.githubusercontent.com

passed=0
failed=0
check() { # check NAME WANT ARGS...
  local name=$1 want=$2 out rc
  shift 2
  out=$("$ADMITD" verify-bundle "$@" 2>&1)
  rc=$?
  if [ "$rc" = "$want" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL $name: exit $rc, want $want: $out"
  fi
}

cases=0
for dir in "$CASES"/*/; do
  name=$(basename "$dir")
  [ -f "$dir/bundle.sigstore.json" ] || continue
  cases=$((cases + 1))
  artifact=$CASES/a.txt
  [ -f "$dir/artifact" ] && artifact=$dir/artifact
  root=$DIR/public-good-trusted_root.json
  [ -f "$dir/trusted_root.json" ] && root=$dir/trusted_root.json
  identity=$IDENTITY issuer=$ISSUER
  [ -f "$dir/identity" ] && identity=$(cat "$dir/identity")
  [ -f "$dir/issuer" ] && issuer=$(cat "$dir/issuer")
  if [ -f "$dir/key.pub" ]; then
    material=(--key "$dir/key.pub")
  else
    material=(--certificate-identity "$identity" --certificate-oidc-issuer "$issuer")
  fi
  want=0
  case $name in *_fail) want=1 ;; esac
  digest=sha256:$(sha256sum "$artifact" | cut -d' ' -f1)
  for subject in "$artifact" "$digest"; do
    check "$name ($(basename "$subject"))" $want --bundle "$dir/bundle.sigstore.json" "${material[@]}" \
      --trusted-root "$root" "$subject"
  done
done
if [ "$cases" -lt 60 ]; then
  echo "FAIL only $cases cases found in $CASES"
  failed=$((failed + 1))
fi

# The protocol's usage exits.
happy=$CASES/happy-path-v0.3
id=(--certificate-identity "$IDENTITY" --certificate-oidc-issuer "$ISSUER")
check "no bundle" 2 "${id[@]}" --trusted-root "$DIR/public-good-trusted_root.json" "$CASES/a.txt"
check "no artifact" 2 --bundle "$happy/bundle.sigstore.json" "${id[@]}" --trusted-root "$DIR/public-good-trusted_root.json"
check "identity without issuer" 2 --bundle "$happy/bundle.sigstore.json" --certificate-identity "$IDENTITY" \
  --trusted-root "$DIR/public-good-trusted_root.json" "$CASES/a.txt"
check "key and identity" 2 --bundle "$happy/bundle.sigstore.json" "${id[@]}" --key "$CASES/managed-key-happy-path/key.pub" \
  --trusted-root "$DIR/public-good-trusted_root.json" "$CASES/a.txt"
check "keyless without a trusted root" 2 --bundle "$happy/bundle.sigstore.json" "${id[@]}" "$CASES/a.txt"
check "unreadable bundle" 2 --bundle "$happy/missing.json" "${id[@]}" --trusted-root "$DIR/public-good-trusted_root.json" \
  "$CASES/a.txt"
check "unreadable artifact" 2 --bundle "$happy/bundle.sigstore.json" "${id[@]}" \
  --trusted-root "$DIR/public-good-trusted_root.json" "$happy/missing.txt"
check "unreadable trusted root" 2 --bundle "$happy/bundle.sigstore.json" "${id[@]}" --trusted-root "$happy/missing.json" \
  "$CASES/a.txt"
check "a trusted root that is no trusted root" 1 --bundle "$happy/bundle.sigstore.json" "${id[@]}" \
  --trusted-root "$happy/bundle.sigstore.json" "$CASES/a.txt"
check "short digest" 2 --bundle "$happy/bundle.sigstore.json" "${id[@]}" --trusted-root "$DIR/public-good-trusted_root.json" \
  sha256:abcd
# A key needs no trusted root: the signature and the artifact are still checked.
mk=$CASES/managed-key-happy-path
check "key without a trusted root" 0 --bundle "$mk/bundle.sigstore.json" --key "$mk/key.pub" "$CASES/a.txt"
check "key without a trusted root, other artifact" 1 --bundle "$mk/bundle.sigstore.json" --key "$mk/key.pub" \
  "$CASES/wrong-material_fail/artifact"
# The same bundle under another identity, or an anchored regex that does not cover it.
check "wrong identity" 1 --bundle "$happy/bundle.sigstore.json" --certificate-identity https://example.com/other \
  --certificate-oidc-issuer "$ISSUER" --trusted-root "$DIR/public-good-trusted_root.json" "$CASES/a.txt"
check "identity regexp" 0 --bundle "$happy/bundle.sigstore.json" \
  --certificate-identity-regexp '^https://github\.com/sigstore-conformance/.*' \
  --certificate-oidc-issuer-regexp 'https://token\.actions\.githubusercontent\.com' \
  --trusted-root "$DIR/public-good-trusted_root.json" "$CASES/a.txt"
check "identity regexp is anchored" 1 --bundle "$happy/bundle.sigstore.json" \
  --certificate-identity-regexp 'sigstore-conformance' --certificate-oidc-issuer "$ISSUER" \
  --trusted-root "$DIR/public-good-trusted_root.json" "$CASES/a.txt"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
