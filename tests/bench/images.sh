# What hack/bench.sh's signature section runs against: Debian's
# docker-registry on 127.0.0.1 (tests/registry/lib.sh), holding the images
# of one bench review, each signed the way cosign signs (ECDSA P-256 with
# openssl over the simple-signing payload, base64 in the
# dev.cosignproject.cosign/signature annotation of the sha256-<hex>.sig
# manifest; tests/registry/signed.sh makes them). Source it, then:
#
#   images_setup DIR REVIEW      start the registry, push and sign the images
#                                REVIEW names (moved to the registry's host);
#                                writes DIR/<REVIEW file name>, DIR/plain.yaml (no
#                                images section), DIR/images.yaml (the same
#                                plus a verify rule for every image) and
#                                DIR/ecdsa.pub. Sets IMAGES_REGISTRY_LOG.
#   images_setup_keyless DIR     after images_setup: each image also signed
#                                keyless as cosign 3 does (a Sigstore bundle
#                                attached with the referrers tag, made by
#                                tests/sigstore/sign.mjs; needs node 20+ and
#                                npm); writes DIR/keyless.yaml, the same as
#                                images.yaml with a keyless authority alone
#   images_registry_requests     requests of admitd's the registry has answered so far
#   registry_cleanup             stop it (by PID) and remove its files
. "$(dirname "${BASH_SOURCE[0]}")/../registry/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/../registry/signed.sh"

# The access log's lines of admitd's requests: every request has one, also
# those the registry has no route for (the referrers API), which it logs
# no "response completed" line for.
images_registry_requests() {
  grep -c '^127\.0\.0\.1 - - .*"admitd/' "$IMAGES_REGISTRY_LOG" || true
}

# images_setup DIR REVIEW
images_setup() {
  local dir=$1 review=$2 image repo tag
  registry_start bench || return 1
  IMAGES_REGISTRY_LOG=$REGISTRY_LOG
  local base="http://$REGISTRY_ADDR"
  signed_keys >/dev/null 2>&1 || return 1
  cp "$SIG_KEYS/ecdsa.pub" "$dir/ecdsa.pub" || return 1
  # Every container's image, moved from its registry to this one.
  python3 - "$review" "$REGISTRY_ADDR" "$dir/$(basename "$review")" "$dir/images.txt" <<'PY' || return 1
import json, sys
src, addr, out, listing = sys.argv[1:]
review = json.load(open(src))
spec = review["request"]["object"]["spec"]
names = []
for key in ("initContainers", "containers", "ephemeralContainers"):
    for c in spec.get(key, []):
        c["image"] = addr + "/" + c["image"].split("/", 1)[1]
        if c["image"] not in names:
            names.append(c["image"])
json.dump(review, open(out, "w"), separators=(",", ":"))
open(listing, "w").write("".join(n.split("/", 1)[1] + "\n" for n in names))
PY
  while read -r image; do
    repo=${image%:*}
    tag=${image##*:}
    registry_push_image "$base" "$repo" "$tag" >/dev/null || return 1
    signed_push_sig "$REGISTRY_ADDR" "$repo" "$IMAGE_OCI_DIGEST" \
      "ecdsa:$(signed_payload "$REGISTRY_ADDR" "$repo" "$IMAGE_OCI_DIGEST")" || return 1
    echo "$repo $IMAGE_OCI_DIGEST" >>"$dir/digests.txt"
  done <"$dir/images.txt"
  local head="apiVersion: admitd.io/v1alpha1
kind: Policy
podSecurity:
  defaults: {enforce: baseline, warn: restricted, audit: restricted}
  exemptions: {namespaces: [kube-system]}"
  printf '%s\n' "$head" >"$dir/plain.yaml"
  # resolveTtl: with the default 30 s a tag's digest is asked again every
  # 30 s (one HEAD per image per 30 s, not per admission); a long run
  # would see those in rounds meant to measure the cache alone.
  cat >"$dir/images.yaml" <<EOF
$head
images:
  authorities:
    - name: release
      keyFile: ecdsa.pub
  registries:
    - host: $REGISTRY_ADDR
      insecure: true
  cache:
    resolveTtl: 10m
  rules:
    - verify:
        images: ["127.0.0.1:*/**"]
        authorities: [release]
        allowTags: true    # the review names tags: each is resolved, then verified
EOF
}

# images_setup_keyless DIR
images_setup_keyless() {
  local dir=$1 repo digest args=() n=0
  . "$(dirname "${BASH_SOURCE[0]}")/../sigstore/lib.sh"
  sigstore_install >/dev/null || return 1
  sigstore_init || return 1
  while read -r repo digest; do
    n=$((n + 1))
    _sigstore_sign_args "bench-$n" "$digest" keyless || return 1
    args+=("${_SIGSTORE_ARGS[@]}" :: attach --registry "$REGISTRY_ADDR" --repo "$repo" --digest "$digest"
      --bundle "$SIGSTORE_BUNDLES/bench-$n.sigstore.json" ::)
  done <"$dir/digests.txt"
  sigstore_js batch "${args[@]}" >/dev/null || return 1
  sed -e '/^  authorities:/,/^  registries:/c\
  trustedRoots:\
    - {name: test, file: '"$SIGSTORE_TRUSTED_ROOT"'}\
  authorities:\
    - name: ci\
      keyless: {trustedRoot: test, issuer: "'"$SIGSTORE_ISSUER"'", subject: "'"$SIGSTORE_IDENTITY"'"}\
  registries:' -e 's/authorities: \[release\]/authorities: [ci]/' "$dir/images.yaml" >"$dir/keyless.yaml"
}
