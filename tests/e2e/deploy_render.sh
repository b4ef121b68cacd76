#!/usr/bin/env bash
# deploy/ rendered with `kubectl kustomize` as an operator would apply it:
# the default install (certificates from hack/deploy-render.sh), the
# cert-manager overlay, and each with the ServiceMonitor component, the
# default with the registry-access component, and the cert-manager overlay
# with the client-auth component. Every
# workload in every rendering passes `admitd check --level restricted`, and
# each rendering carries what its path needs (the generated Secret and CA,
# or cert-manager's objects and CA injection; the NetworkPolicy; the
# metrics port). Works on a copy; the repository's deploy/ is not touched.
#   deploy_render.sh PATH/TO/admitd
ADMITD=${1:?usage: deploy_render.sh PATH/TO/admitd}
. "$(dirname "$0")/lib.sh"

if ! command -v kubectl >/dev/null 2>&1; then
  echo "deploy_render: SKIPPED: no kubectl (hack/deps.sh test installs Debian's kubernetes-client)" >&2
  exit 77
fi
# Components need kustomize v3.7 or later (kubectl 1.21+).
kver=$(kubectl version --client 2>/dev/null | sed -n 's/^Kustomize Version: v\([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
if [ -z "$kver" ] || [ "${kver% *}" -lt 3 ] || { [ "${kver% *}" -eq 3 ] && [ "${kver#* }" -lt 7 ]; }; then
  echo "deploy_render: SKIPPED: kubectl's kustomize (${kver:-unknown}) predates components (v3.7, kubectl 1.21)" >&2
  exit 77
fi

mkdir -p "$WORK/repo/hack"
cp -r "$ROOT/deploy" "$WORK/repo/deploy"
rm -rf "$WORK/repo/deploy/certs"
cp "$ROOT/hack/deploy-render.sh" "$ROOT/hack/gen-certs.sh" "$WORK/repo/hack/"
"$WORK/repo/hack/deploy-render.sh" >/dev/null
D="$WORK/repo/deploy"

# A kustomization of its own for each combination with the ServiceMonitor.
for base in default cert-manager; do
  mkdir -p "$WORK/repo/$base-monitored"
  src=../deploy
  [ $base = cert-manager ] && src=../deploy/overlays/cert-manager
  printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [%s]\ncomponents: [../deploy/components/servicemonitor]\n' \
    "$src" >"$WORK/repo/$base-monitored/kustomization.yaml"
done

render() { # render NAME DIR: into $WORK/NAME.yaml, then judged at restricted
  if ! kubectl kustomize "$2" >"$WORK/$1.yaml" 2>"$WORK/$1.err"; then
    fail "$1: kubectl kustomize failed: $(cat "$WORK/$1.err")"
    return
  fi
  pass
  local out rc
  out=$("$ADMITD" check --level restricted "$WORK/$1.yaml")
  rc=$?
  expect_eq "$1: every workload passes restricted (exit status)" 0 "$rc"
  expect_contains "$1: the Deployment is judged and allowed" "Deployment/admitd: allowed" "$out"
  [ $rc -eq 0 ] || echo "$out"
}
has() { grep -c -e "$2" "$WORK/$1.yaml"; } # has NAME PATTERN: matching lines

# Registry access for verify rules, on the default install.
mkdir -p "$WORK/repo/registry-access"
printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../deploy]\ncomponents: [../deploy/components/registry-access]\n' \
  >"$WORK/repo/registry-access/kustomization.yaml"

# Client certificates required, on the cert-manager install (components stack on overlays).
mkdir -p "$WORK/repo/client-auth"
printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../deploy/overlays/cert-manager]\ncomponents: [../deploy/components/client-auth]\n' \
  >"$WORK/repo/client-auth/kustomization.yaml"

# Namespace labels read from the API server, on the default install.
mkdir -p "$WORK/repo/namespace-labels"
printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../deploy]\ncomponents: [../deploy/components/namespace-labels]\n' \
  >"$WORK/repo/namespace-labels/kustomization.yaml"

render default "$D"
render namespace-labels "$WORK/repo/namespace-labels"
render registry-access "$WORK/repo/registry-access"
render client-auth "$WORK/repo/client-auth"
render cert-manager "$D/overlays/cert-manager"
render default-monitored "$WORK/repo/default-monitored"
render cert-manager-monitored "$WORK/repo/cert-manager-monitored"

ca=$(base64 -w0 <"$D/certs/ca.pem")
expect_eq "default: the generated TLS Secret" 1 "$(has default '^kind: Secret')"
expect_eq "default: the CA in the webhook" 1 "$(has default "caBundle: $ca")"
expect_eq "default: no cert-manager objects" 0 "$(has default 'cert-manager.io')"
expect_eq "cert-manager: no Secret from files" 0 "$(has cert-manager '^kind: Secret')"
expect_eq "cert-manager: CA injection" 1 "$(has cert-manager 'cert-manager.io/inject-ca-from: admitd/admitd')"
expect_eq "cert-manager: no caBundle of its own" 0 "$(has cert-manager 'caBundle')"
# The Certificate writes the Secret the Deployment mounts: both name it.
expect_eq "cert-manager: serving certificate into admitd-tls" 2 "$(has cert-manager 'secretName: admitd-tls')"
expect_eq "cert-manager: CA and serving Certificates" 2 "$(has cert-manager '^kind: Certificate')"
for v in default cert-manager default-monitored cert-manager-monitored; do
  expect_eq "$v: a NetworkPolicy" 1 "$(has $v '^kind: NetworkPolicy')"
  expect_eq "$v: admitd serves metrics on 9090" 1 "$(has $v '--metrics-listen=0.0.0.0:9090')"
done
expect_eq "default-monitored: a ServiceMonitor" 1 "$(has default-monitored '^kind: ServiceMonitor')"
expect_eq "cert-manager-monitored: a ServiceMonitor" 1 "$(has cert-manager-monitored '^kind: ServiceMonitor')"
expect_eq "default: no ServiceMonitor unless asked" 0 "$(has default '^kind: ServiceMonitor')"
# The credentials Secret is mounted, optional, where the README's credentialsFile points;
# HTTPS egress is added to DNS, not put in its place.
expect_eq "registry-access: the Secret mounted" 1 "$(has registry-access 'mountPath: /etc/admitd/registry')"
expect_eq "registry-access: the Secret is optional" 1 "$(has registry-access 'optional: true')"
expect_eq "registry-access: DNS egress kept" 2 "$(has registry-access 'port: 53')"
expect_eq "registry-access: HTTPS egress added" 1 "$(has registry-access 'cidr: 0.0.0.0/0')"
expect_eq "default: no registry egress unless asked" 0 "$(has default 'cidr: 0.0.0.0/0')"

# The client CA Secret is mounted (not optional: without it the pods do not start open)
# where the added flags point, the other arguments kept; probes unchanged.
expect_eq "client-auth: the Secret mounted" 1 "$(has client-auth 'mountPath: /etc/admitd/client-ca')"
expect_eq "client-auth: the Secret named" 1 "$(has client-auth 'secretName: admitd-client-ca')"
expect_eq "client-auth: the Secret is not optional" 0 "$(has client-auth 'optional: true')"
expect_eq "client-auth: --client-ca" 1 "$(has client-auth '- --client-ca=/etc/admitd/client-ca/ca.crt')"
expect_eq "client-auth: --client-cn" 1 "$(has client-auth '- --client-cn=apiserver-webhook-client')"
expect_eq "client-auth: the other arguments kept" 1 "$(has client-auth '--metrics-listen=0.0.0.0:9090')"
expect_eq "client-auth: the serving certificate kept" 1 "$(has client-auth '--tls-cert=/etc/admitd/tls/tls.crt')"
expect_eq "default: no client certificates unless asked" 0 "$(has default 'client-ca')"

# Reading namespaces: exactly get/list/watch on namespaces and list on pods,
# bound to admitd's account; its token mounted; Namespace requests sent to
# the webhook; API server egress added to DNS.
python3 - "$WORK/namespace-labels.yaml" >"$WORK/nl-rbac.txt" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
role = [d for d in docs if d["kind"] == "ClusterRole"]
print(len(role), sorted((r["resources"][0], tuple(sorted(r["verbs"]))) for r in role[0]["rules"]) if role else None)
bind = [d for d in docs if d["kind"] == "ClusterRoleBinding"][0]
print(bind["subjects"][0]["name"], bind["subjects"][0]["namespace"], bind["roleRef"]["name"])
hook = [d for d in docs if d["kind"] == "ValidatingWebhookConfiguration"][0]
print([r["resources"] for r in hook["webhooks"][0]["rules"] if r.get("scope") == "Cluster"])
dep = [d for d in docs if d["kind"] == "Deployment"][0]
print(dep["spec"]["template"]["spec"].get("automountServiceAccountToken"))
PY
expect_eq "namespace-labels: the role" "1 [('namespaces', ('get', 'list', 'watch')), ('pods', ('list',))]" \
  "$(sed -n 1p "$WORK/nl-rbac.txt")"
expect_eq "namespace-labels: bound to admitd's account" "admitd admitd admitd-namespace-reader" "$(sed -n 2p "$WORK/nl-rbac.txt")"
expect_eq "namespace-labels: Namespace requests judged" "[['namespaces']]" "$(sed -n 3p "$WORK/nl-rbac.txt")"
expect_eq "namespace-labels: the token mounted" "True" "$(sed -n 4p "$WORK/nl-rbac.txt")"
expect_eq "namespace-labels: DNS egress kept" 2 "$(has namespace-labels 'port: 53')"
expect_eq "namespace-labels: API server egress" 1 "$(has namespace-labels 'port: 6443')"
expect_eq "default: no API access unless asked" 0 "$(has default 'ClusterRole')"

# The judgement above can fail: a privileged container in the same rendering is refused.
sed 's/allowPrivilegeEscalation: false/privileged: true/' "$WORK/default.yaml" >"$WORK/broken.yaml"
if "$ADMITD" check --level restricted "$WORK/broken.yaml" >/dev/null; then
  fail "a privileged admitd Deployment passed restricted"
else
  pass
fi

finish
