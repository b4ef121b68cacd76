#!/usr/bin/env bash
# The registry client's referrers call against real registries on loopback:
#   tests/registry/referrers.sh TEST_BINARY
# Debian's docker-registry has no referrers API: it is asked directly (the
# referrers tag), with basic auth and with token auth (tokenserver.py), and
# through referrers_proxy.py, which adds the API. Subjects pushed here:
# REF_SUBJ_API (two referrers known only to the proxy), REF_SUBJ_TAG (one
# referrer listed in the referrers tag), REF_SUBJ_NONE (none), REF_SUBJ_BIG (a
# referrer and a referrers tag past 8 KiB). fakeregistry.py gives what no
# real registry does, origins.py where credentials go. Exit 77 (skip) when
# docker-registry and friends are missing.
set -u
TEST_BIN=$(realpath "$1")
. "$(dirname "$0")/lib.sh"
trap registry_cleanup EXIT
registry_require htpasswd

USER_NAME=alice
USER_PASS='s3cret:with-colon'

set -e
registry_start_auth_set "$USER_NAME" "$USER_PASS"
PLAIN=$REG_PLAIN BASIC=$REG_BASIC
referrers_proxy_start "$PLAIN"

registry_push_image "http://$PLAIN" referred v1
REF_SUBJ_API=$IMAGE_OCI_DIGEST
REF_API_A=$(registry_push_referrer "http://$PROXY_ADDR" referred "$REF_SUBJ_API")
REF_API_B=$(registry_push_referrer "http://$PROXY_ADDR" referred "$REF_SUBJ_API")

# The referrers tag, as OCI 1.1 clients write it where there is no API.
registry_push_image "http://$PLAIN" referred v2
REF_SUBJ_TAG=$IMAGE_OCI_DIGEST
REF_TAG_REFERRER=$(registry_push_referrer "http://$PLAIN" referred "$REF_SUBJ_TAG")
tag_index="$REG_WORK/tag-index.json"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json"}]}' \
  "$REF_TAG_REFERRER" "$(curl -sS -f -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
  "http://$PLAIN/v2/referred/manifests/$REF_TAG_REFERRER" | wc -c)" >"$tag_index"
REF_TAG_INDEX=$(registry_push_manifest "http://$PLAIN" referred "sha256-${REF_SUBJ_TAG#sha256:}" "$tag_index" \
  application/vnd.oci.image.index.v1+json)

registry_push_image "http://$PLAIN" referred v3
REF_SUBJ_NONE=$IMAGE_OCI_DIGEST

# Past the test client's 8 KiB cap, on both paths.
registry_push_image "http://$PLAIN" referred v4
REF_SUBJ_BIG=$IMAGE_OCI_DIGEST
registry_push_referrer "http://$PROXY_ADDR" referred "$REF_SUBJ_BIG" 20000 >/dev/null
big_index="$REG_WORK/big-index.json"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[],"annotations":{"padding":"%s"}}' \
  "$(head -c 20000 /dev/zero | tr '\0' x)" >"$big_index"
registry_push_manifest "http://$PLAIN" referred "sha256-${REF_SUBJ_BIG#sha256:}" "$big_index" \
  application/vnd.oci.image.index.v1+json >/dev/null

fake_registry_start "$IMAGE_DIR/oci.json" "$IMAGE_DIR/config.json" "$USER_NAME" "$USER_PASS"
origins_start "$IMAGE_DIR/oci.json" "$IMAGE_DIR/config.json" "$USER_NAME" "$USER_PASS"
auth=$(printf '%s:%s' "$USER_NAME" "$USER_PASS" | base64 -w0)
cat >"$REG_WORK/config.json" <<JSON
{"auths": {
  "$BASIC": {"auth": "$auth"},
  "$FAKE_ADDR": {"auth": "$auth"},
  "$ORIGIN_REGISTRY": {"auth": "$auth"},
  "$ORIGIN_MIRROR": {"username": "mirror-user", "password": "mirror-password"}
}}
JSON
set +e

export REG_PLAIN REG_BASIC REG_TOKEN REG_PROXY=$PROXY_ADDR REG_PROXY_LOG=$PROXY_LOG
export REG_FAKE=$FAKE_ADDR REG_FAKE_LOG=$FAKE_LOG ORIGIN_REGISTRY ORIGIN_LOG REG_CREDENTIALS="$REG_WORK/config.json"
export REF_SUBJ_API REF_API_A REF_API_B REF_SUBJ_TAG REF_TAG_REFERRER REF_TAG_INDEX REF_TAG_INDEX_FILE=$tag_index
export REF_SUBJ_NONE REF_SUBJ_BIG IMG_OCI_FILE="$IMAGE_DIR/oci.json"
"$TEST_BIN"
rc=$?
if [ $rc -ne 0 ]; then
  for log in "$PROXY_LOG" "$FAKE_LOG" "$ORIGIN_LOG"; do
    echo "--- $log"
    cat "$log"
  done
fi
exit $rc
