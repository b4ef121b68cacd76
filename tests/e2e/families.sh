#!/usr/bin/env bash
# End to end: the resources and securityContext families through admitd
# serve over HTTPS. The same non-compliant pod is denied in enforce,
# allowed with a warning in warn, allowed with an audit annotation and no
# warning in audit, and allowed with the violation recorded under global
# dryRun; a compliant pod gets nothing from the families. Then one images
# rule, enforced: a Docker Hub image outside the allow list is denied, a
# pinned image from the registry it names is allowed. Loopback only.
ADMITD=${1:?usage: families.sh PATH/TO/admitd}
. "$(dirname "$0")/lib.sh"

"$ROOT/hack/gen-certs.sh" "$WORK/certs" >/dev/null
CA="$WORK/certs/ca.pem"

post() { # post FILE -> prints the response body; fails the test on a non-200
  local code
  code=$(curl -sS --cacert "$CA" -o "$WORK/body" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary @"$1" "https://localhost:$PORT/validate")
  expect_eq "HTTP status of $(basename "$1")" 200 "$code"
  cat "$WORK/body"
}

field() { # field JSON KEY... : a field of a JSON document ("" when absent)
  python3 -c 'import json,sys; d=json.loads(sys.argv[1])
for k in sys.argv[2:]:
    d = d.get(k) if isinstance(d, dict) else None
print("" if d is None else (json.dumps(d) if not isinstance(d, str) else d))' "$@"
}

review() { # review NAME POD_JSON -> a CREATE review file for a pod in namespace team
  cat >"$WORK/$1.json" <<JSON
{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"$1",
 "kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},
 "name":"$1","namespace":"team","operation":"CREATE","userInfo":{"username":"alice"},"object":$2}}
JSON
}

# Baseline-clean pods; "bad" has no memory limit and a writable root filesystem.
review bad '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"bad","labels":{"tier":"web"}},"spec":{"containers":[{"name":"app","image":"nginx","resources":{"requests":{"memory":"64Mi"}}}]}}'
review good '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"good","labels":{"tier":"web"}},"spec":{"containers":[{"name":"app","image":"nginx","resources":{"requests":{"memory":"64Mi"},"limits":{"memory":"128Mi"}},"securityContext":{"readOnlyRootFilesystem":true}}]}}'

policy() { # policy MODE [DRYRUN]
  cat >"$WORK/policy.yaml" <<YAML
apiVersion: admitd.io/v1alpha1
kind: Policy
dryRun: ${2:-false}
podSecurity:
  defaults: {enforce: baseline, warn: baseline, audit: baseline}
resources:
  mode: $1
  rules:
    - namespaces: [team]
      selector: {matchLabels: {tier: web}}
      requireLimits: [memory]
securityContext:
  mode: $1
  rules:
    - readOnlyRootFilesystem: true
YAML
}

run_mode() { # run_mode MODE [DRYRUN]
  policy "$1" "${2:-false}"
  start_server --tls-cert "$WORK/certs/tls.crt" --tls-key "$WORK/certs/tls.key" --config "$WORK/policy.yaml" || exit 1
  BAD=$(post "$WORK/bad.json")
  GOOD=$(post "$WORK/good.json")
  stop_server
}

run_mode enforce
expect_eq "enforce: the pod is denied" false "$(field "$BAD" response allowed)"
msg=$(field "$BAD" response status message)
expect_contains "enforce: the message names the resources family" 'pods "bad" is forbidden: violates admitd resources policy:' "$msg"
expect_contains "enforce: the message names the container" 'container "app"' "$msg"
expect_contains "enforce: securityContext's reasons follow on the same line" '; violates admitd securityContext policy:' "$msg"
expect_eq "enforce: a compliant pod is allowed" true "$(field "$GOOD" response allowed)"
expect_eq "enforce: a compliant pod gets no warning" "" "$(field "$GOOD" response warnings)"
expect_eq "enforce: a compliant pod gets no family annotation" "" "$(field "$GOOD" response auditAnnotations resources-violations)"

run_mode warn
expect_eq "warn: the pod is allowed" true "$(field "$BAD" response allowed)"
expect_contains "warn: a warning names the rule's failure" "would violate admitd resources policy" "$(field "$BAD" response warnings)"
expect_contains "warn: and the securityContext one" "would violate admitd securityContext policy" "$(field "$BAD" response warnings)"
expect_eq "warn: no audit annotation" "" "$(field "$BAD" response auditAnnotations resources-violations)"

run_mode audit
expect_eq "audit: the pod is allowed" true "$(field "$BAD" response allowed)"
expect_eq "audit: no warning" "" "$(field "$BAD" response warnings)"
expect_contains "audit: the violation is annotated" "would violate admitd resources policy" "$(field "$BAD" response auditAnnotations resources-violations)"
expect_contains "audit: per family" "securityContext" "$(field "$BAD" response auditAnnotations securityContext-violations)"
expect_eq "audit: a compliant pod gets no annotation" "" "$(field "$GOOD" response auditAnnotations resources-violations)"

run_mode enforce true
expect_eq "dryRun: the pod is allowed" true "$(field "$BAD" response allowed)"
expect_contains "dryRun: the denial is recorded" "violates admitd resources policy" "$(field "$BAD" response auditAnnotations dry-run-denied)"
expect_contains "dryRun: and said in a warning" "admitd dry-run: this request would be denied" "$(field "$BAD" response warnings)"

# The decision log names the failed check ids.
policy enforce
start_server --tls-cert "$WORK/certs/tls.crt" --tls-key "$WORK/certs/tls.key" --config "$WORK/policy.yaml" || exit 1
post "$WORK/bad.json" >/dev/null
stop_server
expect_contains "the decision log lists the check ids" "resources.limits.required" "$(cat "$SERVER_LOG")"
expect_contains "of every family" "securityContext.readOnlyRootFilesystem" "$(cat "$SERVER_LOG")"

# The images family: one enforced rule, judged on the references alone.
review hub '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"hub"},"spec":{"initContainers":[{"name":"init","image":"registry.example.com/tools/init:v1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}],"containers":[{"name":"app","image":"nginx"}]}}'
review ours '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"ours"},"spec":{"containers":[{"name":"app","image":"registry.example.com/team/web:v2.1"}]}}'
cat >"$WORK/policy.yaml" <<YAML
apiVersion: admitd.io/v1alpha1
kind: Policy
podSecurity:
  defaults: {enforce: baseline, warn: baseline, audit: baseline}
images:
  rules:
    - namespaces: [team]
      allow: ["registry.example.com/**"]
      forbidLatest: true
YAML
start_server --tls-cert "$WORK/certs/tls.crt" --tls-key "$WORK/certs/tls.key" --config "$WORK/policy.yaml" || exit 1
HUB=$(post "$WORK/hub.json")
OURS=$(post "$WORK/ours.json")
stop_server
expect_eq "images: a Docker Hub image outside the allow list is denied" false "$(field "$HUB" response allowed)"
expect_contains "images: the message names the container, the image and its normalized form, and the allow list" \
  'pods "hub" is forbidden: violates admitd images policy: container "app" image "nginx" (docker.io/library/nginx:latest) is not in the allow list: "registry.example.com/**"' \
  "$(field "$HUB" response status message)"
expect_contains "images: an untagged image is latest" 'container "app" image "nginx" (docker.io/library/nginx:latest) has no tag, so latest is pulled' \
  "$(field "$HUB" response status message)"
case "$(field "$HUB" response status message)" in
*'container "init"'*) fail "images: the pinned init container from the registry passes, but the message names it" ;;
*) pass ;;
esac
expect_eq "images: an image from the allowed registry is allowed" true "$(field "$OURS" response allowed)"
expect_eq "images: and gets no warning" "" "$(field "$OURS" response warnings)"
expect_contains "images: the decision log lists the image check ids" "images.allowed" "$(cat "$SERVER_LOG")"
expect_contains "images: every failed one" "images.tag.latest" "$(cat "$SERVER_LOG")"

finish
