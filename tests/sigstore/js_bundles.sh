#!/usr/bin/env bash
# Proves the bundle tooling (lib.sh, sign.mjs, referrers_proxy.py): makes
# the signed image set on docker-registry on loopback, then checks every
# bundle with both the reference verifier (@sigstore/verify, through
# `sign.mjs verify`) and `admitd verify-bundle` against the image's manifest
# digest, and the registry layout cosign 3 writes (referring manifest,
# referrers tag index, bundle blob) and the proxy's referrers API.
#   js_bundles.sh PATH/TO/admitd
# Skips (77) without node 20+, npm, docker-registry, curl, python3.
#
# Where the reference cannot be set up as admitd is, only admitd is checked:
# - a key-signed bundle with a log entry, verified without a trusted root:
#   @sigstore/verify always verifies log entries and so needs the log's key;
#   admitd with --key and no trusted root verifies the signature only
#   (cosign 3 does the same, README "admitd verify-bundle").
# - the subject digest and predicate type: @sigstore/verify checks the
#   envelope's signature, not the statement; `sign.mjs verify` checks the
#   statement's subject (and predicate type when asked) after it, as the
#   client spec leaves that to the caller.
# And where they disagree, admitd follows the specification:
# - an RFC 3161 genTime of 500 ms is written "...00.5Z": DER drops trailing
#   zeros of the fraction (X.690 11.7.3, RFC 3161 2.4.2), but @sigstore/core
#   (3.2.1, and 4.0.1) parses only three-digit fractions ("invalid time").
set -u
ADMITD=${1:?usage: js_bundles.sh PATH/TO/admitd}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
trap registry_cleanup EXIT
sigstore_require htpasswd
registry_start anon || exit 1
REG=$REGISTRY_ADDR
sigstore_images "$REG" || { echo "FAIL: making the signed images"; exit 1; }

passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() {
  failed=$((failed + 1))
  echo "FAIL $*"
}

# both NAME DIGEST WANT_REF WANT_ADMITD material...: material is keyless,
# key PUB, or keyroot PUB (a key and the trusted root).
both() {
  local name=$1 digest=$2 want_ref=$3 want_adm=$4 how=$5 bundle="$SIGSTORE_BUNDLES/$1.sigstore.json"
  local ref_args adm_args out rc
  case $how in
  keyless)
    ref_args=(--identity "$SIGSTORE_IDENTITY" --issuer "$SIGSTORE_ISSUER" --trusted-root "$SIGSTORE_TRUSTED_ROOT")
    adm_args=(--certificate-identity "$SIGSTORE_IDENTITY" --certificate-oidc-issuer "$SIGSTORE_ISSUER"
      --trusted-root "$SIGSTORE_TRUSTED_ROOT")
    ;;
  key)
    ref_args=(--key "$6")
    adm_args=(--key "$6")
    ;;
  keyroot)
    ref_args=(--key "$6" --trusted-root "$SIGSTORE_TRUSTED_ROOT")
    adm_args=(--key "$6" --trusted-root "$SIGSTORE_TRUSTED_ROOT")
    ;;
  esac
  if [ "$want_ref" != - ]; then
    out=$(sigstore_js verify --bundle "$bundle" --digest "$digest" "${ref_args[@]}" 2>&1)
    rc=$?
    [ "$rc" = "$want_ref" ] && ok || bad "$name ($how): @sigstore/verify exit $rc, want $want_ref: $out"
  fi
  out=$("$ADMITD" verify-bundle --bundle "$bundle" "${adm_args[@]}" "$digest" 2>&1)
  rc=$?
  [ "$rc" = "$want_adm" ] && ok || bad "$name ($how): admitd exit $rc, want $want_adm: $out"
  ADMITD_OUT=$out
}

# The good ones, from both verifiers.
both keyless "$SIGSTORE_IMG_KEYLESS" 0 0 keyless
both keyless-intoto "$SIGSTORE_IMG_KEYLESS_INTOTO" 0 0 keyless
both keyless-tsa "$SIGSTORE_IMG_KEYLESS_TSA" 0 0 keyless
case $ADMITD_OUT in *"1 transparency log entry and 1 timestamp verified"*) ok ;; *) bad "keyless-tsa: $ADMITD_OUT" ;; esac
both keyed "$SIGSTORE_IMG_KEYED" 0 0 keyroot "$SIGSTORE_PUB"
both keyed "$SIGSTORE_IMG_KEYED" - 0 key "$SIGSTORE_PUB"
both keyed-notlog "$SIGSTORE_IMG_KEYED_NOTLOG" 0 0 key "$SIGSTORE_PUB"
both keyed-notlog "$SIGSTORE_IMG_KEYED_NOTLOG" 0 0 keyroot "$SIGSTORE_PUB"
case $ADMITD_OUT in *"predicateType: https://sigstore.dev/cosign/sign/v1"*) ok ;; *) bad "keyed-notlog: $ADMITD_OUT" ;; esac

# Each broken variant, refused by both.
for name in wrong-identity wrong-issuer rogue-ca no-tlog rogue-tsa broken-proof tampered other-subject; do
  var=SIGSTORE_IMG_$(echo "$name" | tr 'a-z-' 'A-Z_')
  both "$name" "${!var}" 1 1 keyless
done
both wrong-key "$SIGSTORE_IMG_WRONG_KEY" 1 1 key "$SIGSTORE_PUB"
both wrong-key "$SIGSTORE_IMG_WRONG_KEY" 1 1 keyroot "$SIGSTORE_PUB"
# A good bundle checked against another image.
both keyless "$SIGSTORE_IMG_KEYED" 1 1 keyless

# An attestation verifies as a bundle but is no signature: the reference,
# asked for the signature predicate, refuses it; admitd names its type.
both attestation "$SIGSTORE_IMG_ATTESTATION" 0 0 keyless
case $ADMITD_OUT in
*"predicateType: https://slsa.dev/provenance/v1"*) ok ;;
*) bad "attestation: admitd does not name the SLSA predicate type: $ADMITD_OUT" ;;
esac
out=$(sigstore_js verify --bundle "$SIGSTORE_BUNDLES/attestation.sigstore.json" --digest "$SIGSTORE_IMG_ATTESTATION" \
  --identity "$SIGSTORE_IDENTITY" --issuer "$SIGSTORE_ISSUER" --trusted-root "$SIGSTORE_TRUSTED_ROOT" \
  --predicate-type https://sigstore.dev/cosign/sign/v1 2>&1) && bad "attestation passed as a signature: $out" || ok

# A log entry at leaf 0 of its tree: proto3 JSON leaves its logIndex out.
for leaf in 0 1 2; do
  sigstore_sign "leaf-$leaf" "$SIGSTORE_IMG_KEYLESS" keyless --leaf-index "$leaf" || bad "signing leaf $leaf"
  both "leaf-$leaf" "$SIGSTORE_IMG_KEYLESS" 0 0 keyless
done
# Timestamps with a fraction of a second: three digits, and one (see above).
sigstore_sign tsa-123 "$SIGSTORE_IMG_KEYLESS" keyless --tsa --tsa-millis 123 || bad "signing tsa-123"
both tsa-123 "$SIGSTORE_IMG_KEYLESS" 0 0 keyless
sigstore_sign tsa-500 "$SIGSTORE_IMG_KEYLESS" keyless --tsa --tsa-millis 500 || bad "signing tsa-500"
both tsa-500 "$SIGSTORE_IMG_KEYLESS" 1 0 keyless
grep -q '"inclusionProof":{"rootHash"' "$SIGSTORE_BUNDLES/leaf-0.sigstore.json" && ok ||
  bad "leaf-0: the proof still names its logIndex"

# --- the registry layout ------------------------------------------------------
json() { # json FILE PYTHON-EXPRESSION-OF-d
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
get() { # get PATH ACCEPT OUT [BASE]: status code
  curl -sS -o "$3" -w '%{http_code}' -H "Accept: $2" "${4:-http://$REG}$1"
}
expect() { # expect WHAT GOT WANT
  [ "$2" = "$3" ] && ok || bad "$1: got '$2', want '$3'"
}
W=$REG_WORK/checks
mkdir -p "$W"
BUNDLE_TYPE=application/vnd.dev.sigstore.bundle.v0.3+json
INDEX=application/vnd.oci.image.index.v1+json
MANIFEST=application/vnd.oci.image.manifest.v1+json
hex=${SIGSTORE_IMG_KEYLESS#sha256:}

expect "docker-registry has no referrers API" "$(get "/v2/sigstore/keyless/referrers/$SIGSTORE_IMG_KEYLESS" "$INDEX" "$W/r")" 404
expect "referrers tag" "$(get "/v2/sigstore/keyless/manifests/sha256-$hex" "$INDEX" "$W/tag.json")" 200
expect "tag index mediaType" "$(json "$W/tag.json" 'd["mediaType"]')" "$INDEX"
expect "tag index entries" "$(json "$W/tag.json" 'len(d["manifests"])')" 1
expect "tag index artifactType" "$(json "$W/tag.json" 'd["manifests"][0]["artifactType"]')" "$BUNDLE_TYPE"
mdigest=$(json "$W/tag.json" 'd["manifests"][0]["digest"]')
expect "referring manifest" "$(get "/v2/sigstore/keyless/manifests/$mdigest" "$MANIFEST" "$W/m.json")" 200
expect "manifest digest" "sha256:$(sha256sum "$W/m.json" | cut -d' ' -f1)" "$mdigest"
expect "manifest size in the index" "$(json "$W/tag.json" 'd["manifests"][0]["size"]')" "$(stat -c %s "$W/m.json")"
expect "artifactType" "$(json "$W/m.json" 'd["artifactType"]')" "$BUNDLE_TYPE"
expect "config" "$(json "$W/m.json" '(d["config"]["mediaType"], d["config"]["size"], d["config"]["digest"])')" \
  "('application/vnd.oci.empty.v1+json', 2, 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a')"
expect "one layer" "$(json "$W/m.json" '(len(d["layers"]), d["layers"][0]["mediaType"])')" "(1, '$BUNDLE_TYPE')"
expect "subject" "$(json "$W/m.json" '(d["subject"]["digest"], d["subject"]["mediaType"])')" \
  "('$SIGSTORE_IMG_KEYLESS', '$MANIFEST')"
expect "content annotation" "$(json "$W/m.json" 'd["annotations"]["dev.sigstore.bundle.content"]')" dsse-envelope
expect "predicateType annotation" "$(json "$W/m.json" 'd["annotations"]["dev.sigstore.bundle.predicateType"]')" \
  https://sigstore.dev/cosign/sign/v1
layer=$(json "$W/m.json" 'd["layers"][0]["digest"]')
expect "layer title" "$(json "$W/m.json" 'd["layers"][0]["annotations"]["org.opencontainers.image.title"]')" \
  "${layer/:/-}.sigstore.json"
expect "bundle blob" "$(get "/v2/sigstore/keyless/blobs/$layer" '*/*' "$W/b.json")" 200
cmp -s "$W/b.json" "$SIGSTORE_BUNDLES/keyless.sigstore.json" && ok || bad "the blob is not the bundle"
"$ADMITD" verify-bundle --bundle "$W/b.json" --certificate-identity "$SIGSTORE_IDENTITY" \
  --certificate-oidc-issuer "$SIGSTORE_ISSUER" --trusted-root "$SIGSTORE_TRUSTED_ROOT" "$SIGSTORE_IMG_KEYLESS" \
  >/dev/null 2>&1 && ok || bad "the bundle read back from the registry does not verify"
expect "unsigned has no tag" "$(get "/v2/sigstore/unsigned/manifests/sha256-${SIGSTORE_IMG_UNSIGNED#sha256:}" "$INDEX" "$W/u")" 404
# Attaching twice updates the index rather than replacing it.
sigstore_attach "$REG" sigstore/keyless "$SIGSTORE_IMG_KEYLESS" "$SIGSTORE_BUNDLES/leaf-1.sigstore.json" >/dev/null ||
  bad "second attach"
get "/v2/sigstore/keyless/manifests/sha256-$hex" "$INDEX" "$W/tag2.json" >/dev/null
expect "tag index after a second bundle" "$(json "$W/tag2.json" 'len(d["manifests"])')" 2

# The lying indexes: the descriptor says one thing, the manifest another.
get "/v2/sigstore/lying-index/manifests/sha256-${SIGSTORE_IMG_LYING_INDEX#sha256:}" "$INDEX" "$W/li.json" >/dev/null
expect "lying-index descriptor" "$(json "$W/li.json" 'd["manifests"][0]["artifactType"]')" application/vnd.oci.empty.v1+json
get "/v2/sigstore/lying-index/manifests/$(json "$W/li.json" 'd["manifests"][0]["digest"]')" "$MANIFEST" "$W/lm.json" >/dev/null
expect "lying-index manifest" "$(json "$W/lm.json" 'd["artifactType"]')" "$BUNDLE_TYPE"
get "/v2/sigstore/not-a-bundle/manifests/sha256-${SIGSTORE_IMG_NOT_A_BUNDLE#sha256:}" "$INDEX" "$W/nb.json" >/dev/null
expect "not-a-bundle descriptor" "$(json "$W/nb.json" 'd["manifests"][0]["artifactType"]')" "$BUNDLE_TYPE"
get "/v2/sigstore/not-a-bundle/manifests/$(json "$W/nb.json" 'd["manifests"][0]["digest"]')" "$MANIFEST" "$W/nm.json" >/dev/null
expect "not-a-bundle manifest" "$(json "$W/nm.json" '(d["artifactType"], d["layers"][0]["mediaType"])')" \
  "('application/vnd.example.not-a-bundle+json', 'application/vnd.example.not-a-bundle+json')"

# Over HTTPS with basic authentication (the same storage: sigstore/keyed is there).
registry_start_tls tlsauth "$(registry_htpasswd_yaml tester secret)" || exit 1
out=$(NODE_EXTRA_CA_CERTS=$REGISTRY_CA sigstore_attach "$REGISTRY_ADDR" sigstore/keyed "$SIGSTORE_IMG_KEYED" \
  "$SIGSTORE_BUNDLES/keyed-notlog.sigstore.json" --scheme https --user tester --password secret 2>&1)
case $out in *"\"tag\":\"sha256-${SIGSTORE_IMG_KEYED#sha256:}\""*) ok ;; *) bad "attach over HTTPS with a password: $out" ;; esac
out=$(NODE_EXTRA_CA_CERTS=$REGISTRY_CA sigstore_attach "$REGISTRY_ADDR" sigstore/keyed "$SIGSTORE_IMG_KEYED" \
  "$SIGSTORE_BUNDLES/keyed-notlog.sigstore.json" --scheme https 2>&1)
case $? in 0) bad "attach without a password: $out" ;; *) case $out in *"GET 401"*) ok ;; *) bad "no 401: $out" ;; esac ;; esac
get "/v2/sigstore/keyed/manifests/sha256-${SIGSTORE_IMG_KEYED#sha256:}" "$INDEX" "$W/k.json" >/dev/null
expect "keyed has both bundles" "$(json "$W/k.json" 'len(d["manifests"])')" 2

# --- the referrers proxy --------------------------------------------------------
sigstore_proxy_start "$REG" || exit 1
P=http://$PROXY_ADDR
referrers() { # referrers REPO DIGEST [QUERY]: status; body in $W/ref.json, headers in $W/ref.h
  curl -sS -o "$W/ref.json" -D "$W/ref.h" -w '%{http_code}' "$P/v2/$1/referrers/$2${3:-}"
}
expect "proxy referrers" "$(referrers sigstore/keyless "$SIGSTORE_IMG_KEYLESS")" 200
grep -qi "^content-type: $INDEX" "$W/ref.h" && ok || bad "proxy referrers Content-Type: $(cat "$W/ref.h")"
expect "proxy lists both bundles" "$(json "$W/ref.json" 'len(d["manifests"])')" 2
expect "proxy lists the manifest" "$(json "$W/ref.json" '"'"$mdigest"'" in [m["digest"] for m in d["manifests"]]')" True
expect "proxy artifactTypes" "$(json "$W/ref.json" 'sorted(set(m["artifactType"] for m in d["manifests"]))')" "['$BUNDLE_TYPE']"
expect "filtered" "$(referrers sigstore/keyless "$SIGSTORE_IMG_KEYLESS" "?artifactType=${BUNDLE_TYPE/+/%2B}")" 200
grep -qi '^oci-filters-applied: artifactType' "$W/ref.h" && ok || bad "no OCI-Filters-Applied"
expect "filtered count" "$(json "$W/ref.json" 'len(d["manifests"])')" 2
referrers sigstore/keyless "$SIGSTORE_IMG_KEYLESS" "?artifactType=application/example" >/dev/null
expect "filtered out" "$(json "$W/ref.json" 'len(d["manifests"])')" 0
expect "unsigned" "$(referrers sigstore/unsigned "$SIGSTORE_IMG_UNSIGNED")" 200
expect "unsigned lists none" "$(json "$W/ref.json" 'len(d["manifests"])')" 0
referrers sigstore/lying-index "$SIGSTORE_IMG_LYING_INDEX" >/dev/null
expect "proxy describes from the manifest" "$(json "$W/ref.json" 'd["manifests"][0]["artifactType"]')" "$BUNDLE_TYPE"
referrers sigstore/not-a-bundle "$SIGSTORE_IMG_NOT_A_BUNDLE" "?artifactType=${BUNDLE_TYPE/+/%2B}" >/dev/null
expect "not-a-bundle is no bundle to the proxy" "$(json "$W/ref.json" 'len(d["manifests"])')" 0
expect "a bad digest" "$(referrers sigstore/keyless sha256:abc)" 400
# Through the proxy a push is answered with OCI-Subject, so attach (auto)
# writes no tag, and the proxy lists what was pushed through it.
registry_push_image "$P" sigstore/via-proxy v1 || bad "push through the proxy"
viap=$IMAGE_OCI_DIGEST
sigstore_sign via-proxy "$viap" keyless || bad "signing via-proxy"
out=$(sigstore_attach "$PROXY_ADDR" sigstore/via-proxy "$viap" "$SIGSTORE_BUNDLES/via-proxy.sigstore.json")
case $out in *'"tag":null'*) ok ;; *) bad "attach through the referrers API wrote a tag: $out" ;; esac
expect "no tag via the API" "$(get "/v2/sigstore/via-proxy/manifests/sha256-${viap#sha256:}" "$INDEX" "$W/v")" 404
referrers sigstore/via-proxy "$viap" >/dev/null
expect "proxy lists the pushed bundle" "$(json "$W/ref.json" '[m["artifactType"] for m in d["manifests"]]')" \
  "['$BUNDLE_TYPE']"
out=$(sigstore_attach "$PROXY_ADDR" sigstore/via-proxy "$viap" "$SIGSTORE_BUNDLES/via-proxy.sigstore.json" --mode tag)
case $out in *"\"tag\":\"sha256-${viap#sha256:}\""*) ok ;; *) bad "--mode tag wrote no tag: $out" ;; esac

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
