# What hack/bench.sh's signature section runs against: Debian's
# docker-registry on 127.0.0.1 (tests/registry/lib.sh), holding the images
# of one bench review, each signed the way cosign signs (ECDSA P-256 with
# openssl over the simple-signing payload, base64 in the
# dev.cosignproject.cosign/signature annotation of the sha256-<hex>.sig
# manifest; as tests/registry/sigverify.sh does). Source it, then:
#
#   images_setup DIR REVIEW      start the registry, push and sign the images
#                                REVIEW names (moved to the registry's host);
#                                writes DIR/<REVIEW file name>, DIR/plain.yaml (no
#                                images section), DIR/images.yaml (the same
#                                plus a verify rule for every image) and
#                                DIR/ecdsa.pub. Sets IMAGES_REGISTRY_LOG.
#   images_registry_requests     requests the registry has answered so far
#   registry_cleanup             stop it (by PID) and remove its files
. "$(dirname "${BASH_SOURCE[0]}")/../registry/lib.sh"

# payload REPO DIGEST: the simple-signing payload for DIGEST, printed as a file name.
images_payload() {
  local f="$REG_WORK/payload-$RANDOM$RANDOM.json"
  printf '{"critical":{"identity":{"docker-reference":"%s/%s"},"image":{"docker-manifest-digest":"%s"},"type":"cosign container image signature"},"optional":null}' \
    "$REGISTRY_ADDR" "$1" "$2" >"$f"
  echo "$f"
}

# images_push_sig BASE REPO DIGEST KEY PAYLOAD: the .sig manifest of DIGEST,
# one simple-signing layer signed by KEY.
images_push_sig() {
  local base=$1 repo=$2 digest=$3 key=$4 file=$5 pd cd sig
  pd=$(registry_push_blob "$base" "$repo" "$file") || return 1
  sig=$(openssl dgst -sha256 -sign "$key" "$file" | base64 -w0) || return 1
  local cfg="$REG_WORK/sigconfig-$RANDOM$RANDOM.json" man="$REG_WORK/sig-$RANDOM$RANDOM.json"
  printf '{"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":[]}}' >"$cfg"
  cd=$(registry_push_blob "$base" "$repo" "$cfg") || return 1
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":%s,"digest":"%s"},"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":%s,"digest":"%s","annotations":{"dev.cosignproject.cosign/signature":"%s"}}]}' \
    "$(stat -c %s "$cfg")" "$cd" "$(stat -c %s "$file")" "$pd" "$sig" >"$man"
  registry_push_manifest "$base" "$repo" "sha256-${digest#sha256:}.sig" "$man" \
    application/vnd.oci.image.manifest.v1+json >/dev/null
}

images_registry_requests() {
  grep -c 'msg="response completed"' "$IMAGES_REGISTRY_LOG" || true
}

# images_setup DIR REVIEW
images_setup() {
  local dir=$1 review=$2 image repo tag
  registry_start bench || return 1
  IMAGES_REGISTRY_LOG=$REGISTRY_LOG
  local base="http://$REGISTRY_ADDR"
  openssl ecparam -name prime256v1 -genkey -noout -out "$REG_WORK/ecdsa.key" 2>/dev/null || return 1
  openssl pkey -in "$REG_WORK/ecdsa.key" -pubout -out "$dir/ecdsa.pub" 2>/dev/null || return 1
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
    images_push_sig "$base" "$repo" "$IMAGE_OCI_DIGEST" "$REG_WORK/ecdsa.key" \
      "$(images_payload "$repo" "$IMAGE_OCI_DIGEST")" || return 1
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
EOF
}
