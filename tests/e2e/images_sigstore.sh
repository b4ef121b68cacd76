#!/usr/bin/env bash
# End to end: Sigstore bundles as cosign 3 writes them, through admitd serve
# over HTTPS, against Debian's docker-registry on loopback holding the signed
# image set of tests/sigstore/lib.sh (sigstore_images: bundles made offline
# by sigstore-js, attached as OCI referrers with the referrers tag, since
# docker-registry has no referrers API), and again through
# referrers_proxy.py, which adds that API in front of it. Keyless and key
# bundles are admitted, with [bundle] in images-verified; a wrong identity or
# issuer, a CA outside the trusted root, a bundle replayed from another
# image, an attestation offered as a signature, no log entry, a broken
# inclusion proof, a timestamp authority outside the trusted root, a payload
# changed after signing, a wrong key, a certificate under a key authority, a
# manifest that is not a bundle under an index that says it is, and an
# unsigned image are each denied naming their outcome; an index whose
# descriptor lies about artifactType does not hide a good bundle;
# attestation conditions met admit, not met deny. admitd explain-image tells
# each referrer and authority. Exit 77 (skip) only when a tool is missing
# (node 20+, npm, docker-registry, curl, python3, openssl). Loopback only.
ADMITD=${1:?usage: images_sigstore.sh PATH/TO/admitd}
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/sigstore/lib.sh"
trap 'cleanup; registry_cleanup' EXIT
sigstore_require
PY=$(python3 -c 'import sys; print(sys.executable)')

set -e
"$ROOT/hack/gen-certs.sh" "$WORK/certs" >/dev/null
CA="$WORK/certs/ca.pem"
registry_start plain
REG=$REGISTRY_ADDR
sigstore_images "$REG"
# An image signed keyless and attested with SLSA provenance (the fixtures' predicate).
registry_push_image "http://$REG" sigstore/attested v1
ATTESTED=$IMAGE_OCI_DIGEST
sigstore_sign attested-sig "$ATTESTED" keyless >/dev/null
sigstore_sign attested-att "$ATTESTED" keyless --predicate-type https://slsa.dev/provenance/v1 \
  --predicate "$ROOT/tests/fixtures/sigstore/predicate.json" >/dev/null
for b in attested-sig attested-att; do
  sigstore_attach "$REG" sigstore/attested "$ATTESTED" "$SIGSTORE_BUNDLES/$b.sigstore.json" >/dev/null
done
sigstore_proxy_start "$REG"
PROXY=$PROXY_ADDR
set +e

cat >"$WORK/policy.yaml" <<YAML
apiVersion: admitd.io/v1alpha1
kind: Policy
images:
  trustedRoots:
    - {name: test, file: $SIGSTORE_TRUSTED_ROOT}
  authorities:
    - name: ci
      keyless: {trustedRoot: test, issuer: "$SIGSTORE_ISSUER", subject: "$SIGSTORE_IDENTITY"}
    - name: release
      keyFile: $SIGSTORE_PUB
      trustedRoot: test
  registries:
    - {host: "$REG", insecure: true}
    - {host: "$PROXY", insecure: true}
  rules:
    - {namespaces: [keyless], verify: {authorities: [ci]}}
    - {namespaces: [keyed], verify: {authorities: [release]}}
    # Its own rule, so that nothing verified through the tag above is reused.
    - {namespaces: [proxied], verify: {authorities: [ci, release], threshold: 1}}
    - namespaces: [attest]
      verify:
        authorities: [ci]
        attestations:
          - predicateType: https://slsa.dev/provenance/v1
            conditions:
              - {path: buildDefinition.buildType, equals: "https://actions.github.io/buildtypes/workflow/v1"}
              - {path: runDetails.builder.id, matches: "https://github.com/*"}
    - namespaces: [attest-strict]
      verify:
        authorities: [ci]
        attestations:
          - predicateType: https://slsa.dev/provenance/v1
            conditions: [{path: runDetails.builder.id, equals: "https://ci.example.com/runner"}]
YAML
start_server --tls-cert "$WORK/certs/tls.crt" --tls-key "$WORK/certs/tls.key" --config "$WORK/policy.yaml" || exit 1

# review NAME NAMESPACE IMAGE: a CREATE review of pod NAME (also its uid).
review() {
  cat >"$WORK/$1.json" <<JSON
{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"$1",
 "kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},
 "name":"$1","namespace":"$2","operation":"CREATE","userInfo":{"username":"alice"},
 "object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"$1","namespace":"$2"},
 "spec":{"containers":[{"name":"c","image":"$3"}]}}}}
JSON
}

# post NAME: ALLOWED, MESSAGE and VERIFIED (the images-verified annotation).
post() {
  local code
  code=$(curl -sS --cacert "$CA" -o "$WORK/body" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary @"$WORK/$1.json" "https://localhost:$PORT/validate")
  expect_eq "$1: HTTP status" 200 "$code"
  eval "$("$PY" -c 'import json, shlex, sys
r = json.load(open(sys.argv[1])).get("response") or {}
out = {"ALLOWED": json.dumps(r.get("allowed")), "MESSAGE": (r.get("status") or {}).get("message", ""),
       "VERIFIED": (r.get("auditAnnotations") or {}).get("images-verified", "")}
for k, v in out.items():
    print(k + "=" + shlex.quote(v))' "$WORK/body")"
}

log_of() { grep "\"uid\":\"$1\"" "$SERVER_LOG" | tail -n 1; }

# image NAME [HOST]: the signed image NAME by digest.
image() {
  local var=SIGSTORE_IMG_$(echo "$1" | tr 'a-z-' 'A-Z_')
  echo "${2:-$REG}/sigstore/$1@${!var}"
}

# allowed NAMESPACE NAME VERIFIED_PART [HOST]
allowed() {
  review "$2-$1" "$1" "$(image "$2" "${4:-}")"
  post "$2-$1"
  expect_eq "$2 under $1: allowed ($MESSAGE)" true "$ALLOWED"
  expect_contains "$2 under $1: images-verified" "$3" "$VERIFIED"
}

# denied NAMESPACE NAME OUTCOME_ID OUTCOME_TEXT: the message names the
# outcome, the decision log its check id; no registry words in the message.
denied() {
  review "$2-$1" "$1" "$(image "$2")"
  post "$2-$1"
  expect_eq "$2 under $1: denied" false "$ALLOWED"
  expect_contains "$2 under $1: the message names the outcome" "is not verified: $4" "$MESSAGE"
  expect_contains "$2 under $1: the decision log names the check" "\"images.signature.$3\"" "$(log_of "$2-$1")"
  expect_not_contains "$2 under $1: no registry words in the message" "HTTP" "$MESSAGE"
}

# --- the referrers tag (docker-registry has no referrers API) -------------------
allowed keyless keyless "(ci [bundle]) signatures in $REG/sigstore/keyless"
allowed keyless keyless-intoto "(ci [bundle])"
allowed keyless keyless-tsa "(ci [bundle])"
allowed keyless lying-index "(ci [bundle])"
allowed keyed keyed "(release [bundle])"
allowed keyed keyed-notlog "(release [bundle])"
denied keyless wrong-identity identity-mismatch "signed by another identity or issuer than the rule's"
denied keyless wrong-issuer identity-mismatch "signed by another identity or issuer than the rule's"
denied keyless rogue-ca untrusted-chain "signing certificate does not chain to the trusted root"
denied keyless other-subject digest-mismatch "signature is for another image"
denied keyless attestation unsigned "image is not signed"
expect_contains "attestation: said to be no signature" "only attestations, which are not signatures" "$MESSAGE"
denied keyless no-tlog tlog-invalid "transparency log entry missing or invalid"
denied keyless broken-proof tlog-invalid "transparency log entry missing or invalid"
denied keyless rogue-tsa timestamp-invalid "signed time missing or invalid"
denied keyless tampered invalid-signature "no signature verifies"
denied keyless not-a-bundle malformed-signature "malformed signature"
denied keyless unsigned unsigned "image is not signed"
denied keyless keyed wrong-material "signed with a certificate where a key was expected, or the reverse"
denied keyed keyless wrong-material "signed with a certificate where a key was expected, or the reverse"
expect_contains "certificate under a key authority: the authority is named" "(authority release)" "$MESSAGE"
denied keyed wrong-key invalid-signature "no signature verifies"

# --- attestations ---------------------------------------------------------------
review attested attest "$REG/sigstore/attested@$ATTESTED"
post attested
expect_eq "attestation conditions met: allowed ($MESSAGE)" true "$ALLOWED"
expect_contains "attestation conditions met: images-verified" "(ci [bundle])" "$VERIFIED"
review attested-strict attest-strict "$REG/sigstore/attested@$ATTESTED"
post attested-strict
expect_eq "attestation conditions not met: denied" false "$ALLOWED"
expect_contains "attestation conditions not met: the outcome" "no verified attestation meets the rule's conditions" \
  "$MESSAGE"
expect_contains "attestation conditions not met: the check" '"images.signature.predicate-not-satisfied"' \
  "$(log_of attested-strict)"
# A signature alone does not satisfy the attestation a rule asks for.
review keyless-attest attest "$(image keyless)"
post keyless-attest
expect_eq "no attestation: denied" false "$ALLOWED"
expect_contains "no attestation: the check" '"images.signature.predicate-not-satisfied"' "$(log_of keyless-attest)"

# --- the referrers API, through the proxy ---------------------------------------
allowed proxied keyless "(ci [bundle]) signatures in $PROXY/sigstore/keyless" "$PROXY"
expect_contains "the proxy was asked for referrers" "GET /v2/sigstore/keyless/referrers/$SIGSTORE_IMG_KEYLESS 200" \
  "$(cat "$PROXY_LOG")"
allowed proxied keyed "(release [bundle])" "$PROXY"

# --- explain-image ----------------------------------------------------------------
sed -n '1,/^  rules:/p' "$WORK/policy.yaml" >"$WORK/explain.yaml"
echo "    - {verify: {authorities: [ci]}}" >>"$WORK/explain.yaml"
out=$("$ADMITD" explain-image --policy "$WORK/explain.yaml" "$(image keyless)" 2>&1)
expect_eq "explain-image: a verified image exits 0" 0 $?
expect_contains "explain-image: the digest" "digest      $SIGSTORE_IMG_KEYLESS" "$out"
expect_contains "explain-image: the referrers" "listed through the referrers tag" "$out"
expect_contains "explain-image: the referrer's type" "application/vnd.dev.sigstore.bundle.v0.3+json: bundle" "$out"
expect_contains "explain-image: the authority's verdict" "ci         signature" "$out"
expect_contains "explain-image: the outcome" "outcome     verified" "$out"
out=$("$ADMITD" explain-image --policy "$WORK/explain.yaml" "$(image wrong-identity)" 2>&1)
expect_eq "explain-image: a denied image exits 1" 1 $?
expect_contains "explain-image: why" "ci         identity-mismatch: subject" "$out"
expect_contains "explain-image: the outcome" "outcome     identity-mismatch" "$out"
"$ADMITD" explain-image --policy "$WORK/explain.yaml" >/dev/null 2>&1
expect_eq "explain-image: no image is a usage error" 2 $?
"$ADMITD" explain-image --policy "$WORK/nothing.yaml" "$(image keyless)" >/dev/null 2>&1
expect_eq "explain-image: an unreadable policy exits 2" 2 $?

stop_server
finish
