#!/usr/bin/env bash
# Make a CA and an ECDSA P-256 serving certificate for admitd, for tests and
# for deploy/. SANs cover the in-cluster Service names, localhost and 127.0.0.1.
#   hack/gen-certs.sh [OUT_DIR] [NAMESPACE]     (default: ./certs, admitd)
# Writes ca.pem, ca-key.pem, tls.crt, tls.key. Uses certtool (gnutls-bin),
# or openssl when certtool is absent.
set -euo pipefail
out=${1:-certs}
ns=${2:-admitd}
mkdir -p "$out"
umask 077

if command -v certtool >/dev/null 2>&1; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  cat >"$tmp/ca.tmpl" <<TMPL
cn = "admitd test CA"
ca
cert_signing_key
crl_signing_key
expiration_days = 365
TMPL
  cat >"$tmp/leaf.tmpl" <<TMPL
cn = "admitd.${ns}.svc"
dns_name = "admitd.${ns}.svc"
dns_name = "admitd.${ns}.svc.cluster.local"
dns_name = "localhost"
ip_address = "127.0.0.1"
tls_www_server
signing_key
expiration_days = 90
TMPL
  certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --outfile "$out/ca-key.pem" 2>/dev/null
  certtool --generate-self-signed --load-privkey "$out/ca-key.pem" --template "$tmp/ca.tmpl" \
    --outfile "$out/ca.pem" 2>/dev/null
  certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --outfile "$out/tls.key" 2>/dev/null
  certtool --generate-certificate --load-privkey "$out/tls.key" --load-ca-certificate "$out/ca.pem" \
    --load-ca-privkey "$out/ca-key.pem" --template "$tmp/leaf.tmpl" --outfile "$out/tls.crt" 2>/dev/null
elif command -v openssl >/dev/null 2>&1; then
  openssl ecparam -name prime256v1 -genkey -noout -out "$out/ca-key.pem"
  openssl req -x509 -new -key "$out/ca-key.pem" -subj "/CN=admitd test CA" -days 365 -out "$out/ca.pem"
  openssl ecparam -name prime256v1 -genkey -noout -out "$out/tls.key"
  openssl req -new -key "$out/tls.key" -subj "/CN=admitd.${ns}.svc" -out "$out/tls.csr"
  printf 'subjectAltName=DNS:admitd.%s.svc,DNS:admitd.%s.svc.cluster.local,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' \
    "$ns" "$ns" >"$out/ext.cnf"
  openssl x509 -req -in "$out/tls.csr" -CA "$out/ca.pem" -CAkey "$out/ca-key.pem" -CAcreateserial \
    -days 90 -extfile "$out/ext.cnf" -out "$out/tls.crt" 2>/dev/null
  rm -f "$out/tls.csr" "$out/ext.cnf" "$out/ca.srl"
else
  echo "gen-certs.sh: needs certtool (apt-get install gnutls-bin) or openssl" >&2
  exit 1
fi
chmod 644 "$out/ca.pem" "$out/tls.crt"
echo "wrote $out/ca.pem $out/tls.crt $out/tls.key"
