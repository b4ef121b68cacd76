#!/usr/bin/env bash
# End to end: images verify rules through admitd serve over HTTPS, against
# Debian's docker-registry on loopback holding the signed images of
# tests/registry/signed.sh. Pods in namespaces that one rule each selects
# are allowed when their image is signed by the rule's authorities (ECDSA,
# RSA, Ed25519; tag, digest and index references) with the images-verified
# annotation, and denied naming the outcome otherwise (unsigned, wrong key,
# replayed signature, threshold, required authority). Under a rule without
# allowTags a tag is denied as not pinned, asking no registry. It counts the
# registry's request lines to show that a request denied by local rules
# asks nothing, a cached admission asks nothing and 64 concurrent
# admissions of a new image ask once; and times a refusing registry, a
# silent one (the deadline, and the API server's ?timeout=), a slow one
# (a pod's images side by side) and onRegistryError warn and allow. Exit
# 77 (skip) when docker-registry, openssl or curl is missing. Loopback only.
# Then what one location's answer may say about another, on a fresh cache:
# a decoy naming a digest at an unreachable host (127.0.0.1:1) cannot make
# the same digest pass elsewhere under onRegistryError allow or warn, a
# dry run naming it in an empty repository cannot deny the real image, a
# registry error and an unsigned answer stay at their locations in either
# order, a verified digest is admitted anywhere naming where it was
# verified, denials carry no transport text (the log does), a busy
# admission is counted in /metrics, and check-config warns about the
# verify rules without images or allow.
ADMITD=${1:?usage: images_verify.sh PATH/TO/admitd}
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/registry/signed.sh"
trap 'cleanup; registry_cleanup' EXIT
registry_require

now_ns() { date +%s%N; }
START=$(now_ns)
# The interpreter itself: a version manager's shim can cost a tenth of a
# second a call, and every answer is read with it.
PY=$(python3 -c 'import sys; print(sys.executable)')

set -e
"$ROOT/hack/gen-certs.sh" "$WORK/certs" >/dev/null
CA="$WORK/certs/ca.pem"
registry_start plain
REG=$REGISTRY_ADDR
REG_LOG=$REGISTRY_LOG
registry_start gone
GONE=$REGISTRY_ADDR
registry_stop "$REGISTRY_PID" # its port now refuses
mkdir -p "$WORK/silent"
"$PY" "$(dirname "$0")/silent_listener.py" --port-file "$WORK/silent/port" --log "$WORK/silent/accepts.log" \
  2>"$WORK/silent/stderr.log" &
REG_PIDS+=("$!")
SILENT=$(registry_wait_port_file "$!" "$WORK/silent")
# SLOW forwards to REG, each request 300 ms late: one verification lasts
# about a second, so the 64 admissions below overlap it for certain.
mkdir -p "$WORK/slow"
"$PY" "$(dirname "$0")/slow_forwarder.py" --port-file "$WORK/slow/port" --upstream "$REG" --delay 0.3 \
  --log "$WORK/slow/requests.log" 2>"$WORK/slow/stderr.log" &
REG_PIDS+=("$!")
SLOW=$(registry_wait_port_file "$!" "$WORK/slow")
signed_images "$REG"
# Images never admitted before their test, each signed once by ecdsa like
# one, so a verification of any costs the same requests: manifests of one
# image's blobs in repository fresh, each with its tag in an annotation so
# that it has a digest of its own. FRESH_<TAG> is the digest.
registry_push_image "http://$REG" fresh base
for tag in cold burst late multi-a multi-b multi-c; do
  sed "s|}\$|,\"annotations\":{\"test.admitd.io/tag\":\"$tag\"}}|" "$IMAGE_DIR/oci.json" >"$REG_WORK/fresh-$tag.json"
  d=$(registry_push_manifest "http://$REG" fresh "$tag" "$REG_WORK/fresh-$tag.json" \
    application/vnd.oci.image.manifest.v1+json)
  signed_push_sig "$REG" fresh "$d" "ecdsa:$(signed_payload "$REG" fresh "$d")"
  declare "FRESH_${tag//-/_}=$d"
done
mkdir -p "$WORK/policy/keys"
cp "$SIG_KEYS"/*.pub "$WORK/policy/keys/"
set +e


# policy DEADLINE: one rule per namespace; ed25519's key inline, the others by
# keyFile relative to the policy file. Most rules allow tags, which these
# tests resolve; the last two require digests, as rules do by default.
policy() {
  cat >"$WORK/policy/policy.yaml" <<YAML
apiVersion: admitd.io/v1alpha1
kind: Policy
podSecurity:
  defaults: {enforce: privileged, warn: privileged, audit: privileged}
  namespaces:
    - names: [psa]
      enforce: baseline
images:
  authorities:
    - name: ecdsa
      keyFile: keys/ecdsa.pub
    - name: rsa
      keyFile: keys/rsa.pub
    - name: ed25519
      key: |
$(sed 's/^/        /' "$SIG_KEYS/ed25519.pub")
    - name: wrong
      keyFile: keys/wrong.pub
  registries:
    - {host: "$REG", insecure: true}
    - {host: "$GONE", insecure: true}
    - {host: "$SILENT", insecure: true}
    - {host: "$SLOW", insecure: true}
  deadline: $1
  rules:
    - {namespaces: [ecdsa, psa], allow: ["127.0.0.1:*/**"], verify: {authorities: [ecdsa], allowTags: true}}
    - {namespaces: [rsa], verify: {authorities: [rsa], allowTags: true}}
    - {namespaces: [ed25519], verify: {authorities: [ed25519]}} # digests only
    - {namespaces: [wrong], verify: {authorities: [wrong], allowTags: true}}
    - {namespaces: [two], verify: {authorities: [ecdsa, rsa], threshold: 2, allowTags: true}}
    - {namespaces: [required], verify: {authorities: [ecdsa, rsa], threshold: 1, required: [rsa], allowTags: true}}
    - {namespaces: [elsewhere], verify: {authorities: [ed25519], signatureRepository: "$REG/signatures/elsewhere", allowTags: true}}
    - {namespaces: [scoped], verify: {images: ["127.0.0.1:*/app"], authorities: [ecdsa], allowTags: true}}
    - {namespaces: [allowlist], allow: ["127.0.0.1:*/app"], verify: {authorities: [ecdsa], allowTags: true}}
    - {namespaces: [deny-error], verify: {authorities: [ecdsa], onRegistryError: deny, allowTags: true}}
    - {namespaces: [warn-error], verify: {authorities: [ecdsa], onRegistryError: warn, allowTags: true}}
    - {namespaces: [allow-error], verify: {authorities: [ecdsa], onRegistryError: allow, allowTags: true}}
    - {namespaces: [warn-mode], mode: warn, verify: {authorities: [ecdsa], allowTags: true}}
    # Neither admits a tag: an image must be pinned by digest.
    - {namespaces: [pinned], verify: {authorities: [ecdsa]}}
    - {namespaces: [pinned-warn], mode: warn, verify: {authorities: [ecdsa]}}
YAML
}

serve() { # serve DEADLINE: a new server (and so an empty cache) under policy DEADLINE
  stop_server
  policy "$1"
  # No per-address limit: the burst below opens 64 connections at once.
  start_server --tls-cert "$WORK/certs/tls.crt" --tls-key "$WORK/certs/tls.key" \
    --config "$WORK/policy/policy.yaml" --max-connections-per-ip 0 || exit 1
}

# review NAME NAMESPACE IMAGE...: a CREATE review of pod NAME (also its uid),
# one container per image. privileged: true only matters in namespace psa.
review() {
  local name=$1 ns=$2 containers="" i=0
  shift 2
  for image in "$@"; do
    containers="$containers${containers:+,}{\"name\":\"c$i\",\"image\":\"$image\",\"securityContext\":{\"privileged\":true}}"
    i=$((i + 1))
  done
  cat >"$WORK/$name.json" <<JSON
{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"$name",
 "kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},
 "name":"$name","namespace":"$ns","operation":"CREATE","userInfo":{"username":"alice"},
 "object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"$name","namespace":"$ns"},"spec":{"containers":[$containers]}}}}
JSON
}

# decode FILE: ALLOWED, MESSAGE, WARNINGS (one a line), VERIFIED and
# UNVERIFIED (the images-verified and images-unverified annotations).
decode() {
  ALLOWED= MESSAGE= WARNINGS= VERIFIED= UNVERIFIED=
  eval "$("$PY" -c 'import json, shlex, sys
r = json.load(open(sys.argv[1])).get("response") or {}
a = r.get("auditAnnotations") or {}
out = {"ALLOWED": json.dumps(r.get("allowed")), "MESSAGE": (r.get("status") or {}).get("message", ""),
       "WARNINGS": "\n".join(r.get("warnings") or []), "VERIFIED": a.get("images-verified", ""),
       "UNVERIFIED": a.get("images-unverified", "")}
for k, v in out.items():
    print(k + "=" + shlex.quote(v))' "$1")"
}

# post NAME [QUERY]: POST the review; sets TOOK_MS and decode's variables.
post() {
  local t0 code
  t0=$(now_ns)
  code=$(curl -sS --cacert "$CA" -o "$WORK/body" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary @"$WORK/$1.json" "https://localhost:$PORT/validate${2:-}")
  TOOK_MS=$((($(now_ns) - t0) / 1000000))
  expect_eq "$1: HTTP status" 200 "$code"
  decode "$WORK/body"
}

# The decision log line of review NAME (the newest).
log_of() { grep "\"uid\":\"$1\"" "$SERVER_LOG" | tail -n 1; }

# expect_took NAME MIN_MS MAX_MS WHAT: admitd's own time for review NAME (from
# accept to answer, in its decision log) in [MIN, MAX); the client's, which a
# loaded machine stretches by curl's start-up, under MAX + 1.5 s. Sets
# SERVER_MS (and keeps TOOK_MS, the client's).
expect_took() {
  local us
  us=$(log_of "$1" | sed -n 's/.*"latency_us":\([0-9]*\).*/\1/p')
  SERVER_MS=$((${us:-999999999} / 1000))
  [ -n "$us" ] && [ "$SERVER_MS" -ge "$2" ] && [ "$SERVER_MS" -lt "$3" ] && pass ||
    fail "$4: admitd answered after ${SERVER_MS} ms, expected $2 to $3 ms"
  [ "$TOOK_MS" -lt $(($3 + 1500)) ] && pass || fail "$4: the client waited $TOOK_MS ms"
}

# admitd's requests in the registry's access log, once every request made
# so far is in it: a request of our own, logged after them, marks the spot.
reg_requests() {
  local mark
  mark="admitd-mark-$(now_ns)"
  curl -sS -o /dev/null "http://$REG/v2/$mark/tags/list"
  for _ in $(seq 1 200); do
    grep -q "$mark" "$REG_LOG" && break
    sleep 0.01
  done
  grep -c '^127\.0\.0\.1 - - .*"admitd/' "$REG_LOG"
}

# dry_review NAME NAMESPACE IMAGE...: review, as a dry run (kubectl --dry-run=server).
dry_review() {
  review "$@"
  sed -i 's/"operation":"CREATE"/"operation":"CREATE","dryRun":true/' "$WORK/$1.json"
}

# expect_allowed NAME [VERIFIED_SUBSTRING]
expect_allowed() {
  post "$1"
  expect_eq "$1: allowed" true "$ALLOWED"
  [ -n "${2:-}" ] && expect_contains "$1: images-verified names the digest and authorities" "$2" "$VERIFIED"
  expect_eq "$1: no warning" "" "$WARNINGS"
}

# expect_denied NAME OUTCOME_ID OUTCOME_TEXT: the message names the outcome,
# the decision log its check id.
expect_denied() {
  post "$1"
  expect_eq "$1: denied" false "$ALLOWED"
  expect_contains "$1: the message names the outcome" "is not verified: $3" "$MESSAGE"
  expect_contains "$1: the decision log names the check" "\"images.signature.$2\"" "$(log_of "$1")"
}

SETUP_MS=$((($(now_ns) - START) / 1000000))
serve 2s

# --- verified --------------------------------------------------------------
review ecdsa-tag ecdsa "$REG/app:v1"
expect_allowed ecdsa-tag "$REG/app:v1@$IMG_APP (ecdsa)"
review ecdsa-digest ecdsa "$REG/app@$IMG_APP"
expect_allowed ecdsa-digest "$REG/app@$IMG_APP (ecdsa)"
review rsa rsa "$REG/app:v1"
expect_allowed rsa "$REG/app:v1@$IMG_APP (rsa)"
review ed25519 ed25519 "$REG/app@$IMG_APP"
expect_allowed ed25519 "$REG/app@$IMG_APP (ed25519)"
# The index's own digest is what its tag resolves to, and what was signed.
review index ecdsa "$REG/app:v1-index"
expect_allowed index "$REG/app:v1-index@$IMG_APP_INDEX (ecdsa)"
review two-of-two two "$REG/app:v1"
expect_allowed two-of-two "$REG/app:v1@$IMG_APP (ecdsa, rsa)"
review required-met required "$REG/app:v1"
expect_allowed required-met "$REG/app:v1@$IMG_APP (ecdsa, rsa)"
review elsewhere elsewhere "$REG/elsewhere:v1"
expect_allowed elsewhere "$REG/elsewhere:v1@$IMG_ELSEWHERE (ed25519)"

# --- denied ----------------------------------------------------------------
review unsigned ecdsa "$REG/bare:v1"
expect_denied unsigned unsigned "image is not signed"
review wrong-key wrong "$REG/app:v1"
expect_denied wrong-key invalid-signature "no signature verifies with the rule's keys"
review replay ecdsa "$REG/replay:v1"
expect_denied replay digest-mismatch "signature is for another image"
review one-of-two two "$REG/one:v1"
expect_denied one-of-two below-threshold "too few authorities, or not the required ones, verified"
expect_contains "one-of-two: the message says how many verified" "1 of 2 required authorities verified (ecdsa)" "$MESSAGE"
review required-missing required "$REG/one:v1"
expect_denied required-missing below-threshold "too few authorities, or not the required ones, verified"
expect_contains "required-missing: the message names the missing authority" "required authority rsa did not verify" "$MESSAGE"
review mixed ecdsa "$REG/app:v1" "$REG/bare:v1"
expect_denied mixed unsigned "image is not signed"
case "$MESSAGE" in
*'container "c0"'*) fail "mixed: the signed image's container is named in the denial: $MESSAGE" ;;
*) pass ;;
esac

# --- no registry request where none is needed -------------------------------
before=$(reg_requests)
review outside allowlist "$REG/bare:v1"
post outside
expect_eq "outside: an image outside the allow list is denied" false "$ALLOWED"
expect_contains "outside: by the allow list" "is not in the allow list" "$MESSAGE"
review outside-mixed allowlist "$REG/app@$IMG_APP" "$REG/one:v1"
post outside-mixed
expect_eq "outside-mixed: denied" false "$ALLOWED"
review psa-denied psa "$REG/app@$IMG_APP"
post psa-denied
expect_eq "psa-denied: a privileged pod is denied by Pod Security" false "$ALLOWED"
expect_contains "psa-denied: by baseline" "baseline" "$MESSAGE"
review not-covered scoped "$REG/bare:v1"
expect_allowed not-covered
expect_eq "denied by local rules or not covered: registry requests" 0 $(($(reg_requests) - before))

# --- pinned by digest, the default: a tag is refused as written ---------------
before=$(reg_requests)
review pinned-tag pinned "$REG/app:v1"
post pinned-tag
expect_eq "pinned-tag: a tag under a rule without allowTags is denied" false "$ALLOWED"
expect_contains "pinned-tag: the message says how to pin it" \
  "image \"$REG/app:v1\" ($REG/app:v1) is not pinned by digest, which signature verification requires (a tag can be moved after it is verified); pin it: $REG/app@sha256:<digest>" \
  "$MESSAGE"
expect_contains "pinned-tag: the decision log names the check" '"images.signature.pinned"' "$(log_of pinned-tag)"
review pinned-mixed pinned "$REG/app@$IMG_APP" "$REG/one:v1"
post pinned-mixed
expect_eq "pinned-mixed: one tag denies the pod" false "$ALLOWED"
expect_contains "pinned-mixed: naming its container" 'container "c1" image' "$MESSAGE"
expect_eq "pinned-mixed: no images-verified" "" "$VERIFIED"
expect_eq "a tag refused for want of a digest: registry requests" 0 $(($(reg_requests) - before))
review pinned-digest pinned "$REG/app@$IMG_APP"
expect_allowed pinned-digest "$REG/app@$IMG_APP (ecdsa)"
review pinned-tag-digest pinned "$REG/app:v1@$IMG_APP"
expect_allowed pinned-tag-digest "$REG/app:v1@$IMG_APP (ecdsa)"
review pinned-unsigned pinned "$REG/bare@$IMG_BARE"
expect_denied pinned-unsigned unsigned "image is not signed"
# warn: nothing is refused, so the tag is resolved and verified too.
before=$(reg_requests)
review pinned-warn pinned-warn "$REG/bare:v1"
post pinned-warn
expect_eq "pinned-warn: allowed" true "$ALLOWED"
expect_contains "pinned-warn: warns that it is not pinned" "is not pinned by digest" "$WARNINGS"
expect_contains "pinned-warn: and that it is not signed" "is not verified: image is not signed" "$WARNINGS"
[ $(($(reg_requests) - before)) -gt 0 ] && pass || fail "pinned-warn: the registry was not asked"

before=$(reg_requests)
post ecdsa-tag
expect_eq "cached: allowed" true "$ALLOWED"
expect_contains "cached: still annotated" "$REG/app:v1@$IMG_APP (ecdsa)" "$VERIFIED"
post ecdsa-digest
expect_eq "cached digest reference: allowed" true "$ALLOWED"
expect_eq "a cached admission: registry requests" 0 $(($(reg_requests) - before))

# --- one set of requests for 64 concurrent admissions ---------------------
before=$(reg_requests)
review cold ecdsa "$SLOW/fresh:cold"
expect_allowed cold "$SLOW/fresh:cold@"
COLD_MS=$TOOK_MS
COLD=$(($(reg_requests) - before))
expect_eq "a cold verification asks HEAD manifest, GET .sig, GET payload" 3 "$COLD"
review burst ecdsa "$SLOW/fresh:burst"
mkdir -p "$WORK/burst"
args=()
for i in $(seq 1 64); do
  args+=(-o "$WORK/burst/$i.json" "https://localhost:$PORT/validate")
done
before=$(reg_requests)
t0=$(now_ns)
codes=$(curl -sS --no-progress-meter --parallel --parallel-immediate --parallel-max 64 --cacert "$CA" -w '%{http_code}\n' \
  -H 'Content-Type: application/json' --data-binary @"$WORK/burst.json" "${args[@]}")
BURST_MS=$((($(now_ns) - t0) / 1000000))
BURST_REQUESTS=$(($(reg_requests) - before))
expect_eq "64 concurrent admissions: all answered 200" 64 "$(grep -c '^200$' <<<"$codes")"
ok=$("$PY" -c 'import json, sys
want, n = sys.argv[1], 0
for f in sys.argv[2:]:
    r = json.load(open(f)).get("response") or {}
    n += r.get("allowed") is True and want in (r.get("auditAnnotations") or {}).get("images-verified", "")
print(n)' "$SLOW/fresh:burst@$FRESH_burst (ecdsa)" "$WORK"/burst/*.json)
expect_eq "64 concurrent admissions: all allowed and annotated" 64 "$ok"
expect_eq "64 concurrent admissions of a new image: registry requests (one cold verification)" "$COLD" "$BURST_REQUESTS"

# --- a pod's images are verified side by side --------------------------------
# Three new images through SLOW, about a second each: one after another they
# would pass the 2 s deadline.
review multi ecdsa "$SLOW/fresh:multi-a" "$SLOW/fresh:multi-b" "$SLOW/fresh:multi-c"
post multi
expect_eq "three new images in one pod: allowed" true "$ALLOWED"
for tag in multi-a multi-b multi-c; do
  d=FRESH_${tag//-/_}
  expect_contains "three new images in one pod: $tag verified" "$SLOW/fresh:$tag@${!d} (ecdsa)" "$VERIFIED"
done
expect_took multi 0 1900 "three new images through the slow registry"
MULTI_MS="$SERVER_MS ms (client $TOOK_MS ms)"

# --- a registry that refuses, one that never answers ------------------------
review gone-deny deny-error "$GONE/deny:v1"
expect_denied gone-deny registry-unavailable "registry unavailable"
expect_took gone-deny 0 500 "a refusing registry, well under the 2 s deadline"
GONE_MS="$SERVER_MS ms (client $TOOK_MS ms)"
review gone-warn warn-error "$GONE/warn:v1"
post gone-warn
expect_eq "onRegistryError warn: allowed" true "$ALLOWED"
expect_contains "onRegistryError warn: the warning names the outcome" "is not verified: registry unavailable" "$WARNINGS"
review gone-allow allow-error "$GONE/allow:v1"
post gone-allow
expect_eq "onRegistryError allow: allowed" true "$ALLOWED"
expect_contains "onRegistryError allow: listed in images-unverified" "$GONE/allow:v1" "$UNVERIFIED"
expect_contains "onRegistryError allow: with the outcome" "registry unavailable" "$UNVERIFIED"
expect_eq "onRegistryError allow: not in images-verified" "" "$VERIFIED"

review silent deny-error "$SILENT/app:v1"
expect_denied silent deadline "registry did not answer in time"
expect_took silent 1900 2400 "a silent registry, at the 2 s deadline"
SILENT_MS="$SERVER_MS ms (client $TOOK_MS ms)"

# --- warn mode ---------------------------------------------------------------
review warn-unsigned warn-mode "$REG/bare:v1"
post warn-unsigned
expect_eq "warn mode: an unsigned image is allowed" true "$ALLOWED"
expect_contains "warn mode: the warning names the outcome" "would violate admitd images policy" "$WARNINGS"
expect_contains "warn mode: the warning names the outcome" "is not verified: image is not signed" "$WARNINGS"
expect_contains "warn mode: the decision log names the check" '"images.signature.unsigned"' "$(log_of warn-unsigned)"

# --- the API server's ?timeout= cuts a longer images.deadline ---------------
serve 3s
post silent "?timeout=1s"
expect_eq "?timeout=1s: denied" false "$ALLOWED"
expect_contains "?timeout=1s: at the deadline" "is not verified: registry did not answer in time" "$MESSAGE"
# The API server gives up at 1 s: the answer comes before.
expect_took silent 600 1000 "?timeout=1s under a 3 s images.deadline"
TIMEOUT_MS="$SERVER_MS ms (client $TOOK_MS ms)"

# A verification started by a request with little time left (?timeout=1s;
# through SLOW it needs about 1 s) must not end a concurrent admission of the
# same image that has time enough: that one gets the verified result.
review late ecdsa "$SLOW/fresh:late"
curl -sS --cacert "$CA" -o "$WORK/late-short.json" -H 'Content-Type: application/json' \
  --data-binary @"$WORK/late.json" "https://localhost:$PORT/validate?timeout=1s" &
short=$!
# Join once the short one is fetching the signature: the tag's digest is
# known, and the verification the late one waits for is the short one's.
for _ in $(seq 1 200); do
  grep -q "^GET /v2/fresh/manifests/sha256-${FRESH_late#sha256:}.sig" "$WORK/slow/requests.log" && break
  sleep 0.01
done
post late
LATE_MS=$TOOK_MS
expect_eq "late: a concurrent admission with time enough is allowed" true "$ALLOWED"
expect_contains "late: and verified" "$SLOW/fresh:late@" "$VERIFIED"
wait "$short"
decode "$WORK/late-short.json"
expect_eq "late: the one with ?timeout=1s is denied" false "$ALLOWED"
expect_contains "late: at its deadline" "registry did not answer in time" "$MESSAGE"

# --- one location's answer says nothing about another ------------------------
serve 2s
# The decoy: the never-signed digest named at a host that refuses. Under
# allow it is admitted unverified; the same digest in the real registry,
# judged next, is still unsigned there.
dry_review decoy-allow allow-error "127.0.0.1:1/anything@$IMG_BARE"
post decoy-allow
expect_eq "decoy (allow): the unreachable host is admitted unverified" true "$ALLOWED"
expect_contains "decoy (allow): as registry unavailable, naming the host" "registry unavailable (registry 127.0.0.1:1)" \
  "$UNVERIFIED"
review bare-after-decoy allow-error "$REG/bare@$IMG_BARE"
expect_denied bare-after-decoy unsigned "image is not signed"
expect_contains "bare after the decoy (allow): where no signature was found" "no signature for $IMG_BARE in $REG/bare" \
  "$MESSAGE"
dry_review decoy-warn warn-error "127.0.0.1:1/anything@$IMG_BARE"
post decoy-warn
expect_eq "decoy (warn): allowed" true "$ALLOWED"
expect_contains "decoy (warn): warned, naming the host" "registry unavailable (registry 127.0.0.1:1)" "$WARNINGS"
review bare-after-warn-decoy warn-error "$REG/bare@$IMG_BARE"
expect_denied bare-after-warn-decoy unsigned "image is not signed"
# Denials and warnings carry the outcome and the host; the log keeps what
# the connection saw.
case "$WARNINGS$UNVERIFIED$MESSAGE" in
*https://* | *onnect* | *refused*) fail "transport text reached the caller: $WARNINGS / $UNVERIFIED / $MESSAGE" ;;
*) pass ;;
esac
expect_contains "decoy: the decision log keeps the transport detail" "https://127.0.0.1:1/v2/anything/" \
  "$(log_of decoy-warn)"
# A registry error first, then the unsigned image of that digest in the
# real registry under deny: unsigned, not the other host's error.
review gone-first deny-error "127.0.0.1:1/anything@$IMG_BARE"
expect_denied gone-first registry-unavailable "registry unavailable"
review bare-after-gone deny-error "$REG/bare@$IMG_BARE"
expect_denied bare-after-gone unsigned "image is not signed"
# The other order (another rule, so another key): unsigned first, then the
# unreachable host is asked, not answered with the first one's unsigned.
review bare-first warn-error "$REG/bare:v1"
expect_denied bare-first unsigned "image is not signed"
review gone-after-bare warn-error "127.0.0.1:1/elsewhere@$IMG_BARE"
post gone-after-bare
expect_eq "registry error after unsigned: allowed under warn" true "$ALLOWED"
expect_contains "registry error after unsigned: its own outcome" "is not verified: registry unavailable" "$WARNINGS"

# The denial of service: a dry run names the release's digest in an empty
# repository; the real image is verified all the same, and no message
# names the other repository.
dry_review dos-plant deny-error "$REG/nothing-here@$IMG_APP"
expect_denied dos-plant unsigned "image is not signed"
review dos-digest deny-error "$REG/app@$IMG_APP"
expect_allowed dos-digest "$REG/app@$IMG_APP (ecdsa) signatures in $REG/app"
review dos-tag deny-error "$REG/app:v1"
expect_allowed dos-tag "$REG/app:v1@$IMG_APP (ecdsa) signatures in $REG/app"
# Verified is a fact about the content: the digest is admitted wherever it
# is named, saying where its signatures are, with no registry request.
before=$(reg_requests)
review verified-anywhere deny-error "$REG/nothing-here@$IMG_APP" "127.0.0.1:1/mirror@$IMG_APP"
expect_allowed verified-anywhere "$REG/nothing-here@$IMG_APP (ecdsa) signatures in $REG/app"
expect_contains "verified anywhere: the unreachable name too" "127.0.0.1:1/mirror@$IMG_APP (ecdsa) signatures in $REG/app" \
  "$VERIFIED"
expect_eq "verified anywhere: registry requests" 0 $(($(reg_requests) - before))
# A registry error at a decoy first, then the signed image: verified, not
# admitted unverified on the decoy's error.
review decoy-one allow-error "127.0.0.1:1/anything@$IMG_ONE"
post decoy-one
expect_contains "decoy before a signed image: unverified" "127.0.0.1:1/anything@$IMG_ONE" "$UNVERIFIED"
review one-after-decoy allow-error "$REG/one@$IMG_ONE"
expect_allowed one-after-decoy "$REG/one@$IMG_ONE (ecdsa) signatures in $REG/one"
expect_eq "signed after a decoy: nothing unverified" "" "$UNVERIFIED"
stop_server

# Busy: with --request-timeout 349 ms no admission has the 100 ms registries
# need once its own margin is taken, so each image is busy (never asked),
# and counted as such in /metrics, whose series is there from the start.
start_server --tls-cert "$WORK/certs/tls.crt" --tls-key "$WORK/certs/tls.key" --config "$WORK/policy/policy.yaml" \
  --request-timeout 349 || exit 1
metric_busy() {
  curl -sS --cacert "$CA" "https://localhost:$PORT/metrics" |
    sed -n 's/^admitd_image_verifications_total{outcome="busy"} \([0-9]*\)$/\1/p'
}
expect_eq "busy: the series is there from the start" 0 "$(metric_busy)"
review busy ecdsa "$REG/fresh:cold"
expect_denied busy busy "admitd was too busy to ask the registry in time"
expect_eq "busy: counted in admitd_image_verifications_total" 1 "$(metric_busy)"
stop_server

# check-config names each verify rule that covers any image with no allow
# list in its rule (deny-error's, line and column of its verify key).
out=$("$ADMITD" check-config "$WORK/policy/policy.yaml" 2>"$WORK/check-config.err")
expect_eq "check-config: warnings are not errors" "$WORK/policy/policy.yaml: valid" "$out"
line=$(grep -n 'namespaces: \[deny-error\]' "$WORK/policy/policy.yaml" | cut -d: -f1)
expect_contains "check-config: a placed warning" \
  "admitd check-config: warning: $WORK/policy/policy.yaml:$line:34: images.rules[" "$(grep ":$line:" "$WORK/check-config.err")"
expect_contains "check-config: why" "without images or an allow list in its rule" "$(cat "$WORK/check-config.err")"
case "$(cat "$WORK/check-config.err")" in
*"rules[0]"* | *"rules[7]"* | *"rules[8]"*) fail "check-config warned about a bounded rule: $(cat "$WORK/check-config.err")" ;;
*) pass ;;
esac
expect_contains "serve logs the warnings too" "without images or an allow list" "$(grep '"level":"warn"' "$SERVER_LOG")"

echo "timings: refusing registry ${GONE_MS}, silent registry ${SILENT_MS} (deadline 2 s)," \
  "?timeout=1s ${TIMEOUT_MS} (deadline 3 s), one cold admission through the slow registry ${COLD_MS} ms," \
  "64 concurrent admissions of a new image through it ${BURST_MS} ms" \
  "with ${BURST_REQUESTS} registry requests (cold: ${COLD}), a pod of three new images through it ${MULTI_MS}," \
  "one joining a ?timeout=1s verification" \
  "${LATE_MS} ms, setup ${SETUP_MS} ms, whole test $((($(now_ns) - START) / 1000000)) ms"
finish
