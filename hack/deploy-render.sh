#!/usr/bin/env bash
# Make what the default install (deploy/kustomization.yaml) reads from
# deploy/certs/: a CA and a serving certificate for the in-cluster Service
# (hack/gen-certs.sh), and webhook-ca.yaml, the patch that puts that CA into
# the webhook's caBundle. Then
#   kubectl apply -k deploy/
# installs a working admitd. deploy/base/ is not changed, so the
# cert-manager overlay is unaffected. Nothing is sent anywhere.
#   hack/deploy-render.sh [NAMESPACE]     (default admitd)
set -euo pipefail
cd "$(dirname "$0")/.."
ns=${1:-admitd}
[ -f deploy/certs/tls.crt ] || hack/gen-certs.sh deploy/certs "$ns" >/dev/null
ca=$(base64 -w0 <deploy/certs/ca.pem)
cat >deploy/certs/webhook-ca.yaml <<PATCH
# Written by hack/deploy-render.sh: the CA of deploy/certs/tls.crt.
- op: replace
  path: /webhooks/0/clientConfig/caBundle
  value: "$ca"
PATCH
echo "deploy/certs/ ready (certificate, key, and the CA patch for the webhook); now: kubectl apply -k deploy/"
