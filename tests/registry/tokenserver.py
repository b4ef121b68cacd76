#!/usr/bin/env python3
"""A small token server for the registry's own bearer-token auth (distribution's
auth.token), for tests on loopback.

It issues real RS256 JWTs that docker-registry verifies: the header carries the
signing certificate (x5c), which is also the registry's rootcertbundle. Signing
is done with `openssl dgst -sha256 -sign` (PKCS#1 v1.5), so only the standard
library and openssl are needed.

Policy: anonymous callers get pull on every repository except those under
"private/"; callers with the configured basic credentials get what they ask
for (pull, push); wrong credentials get 401.

  tokenserver.py --key K --cert C --issuer I --service S --port-file F
                 [--user U --password P] [--log F]

It listens on 127.0.0.1:0 and writes the chosen port to --port-file. Each
request is logged as one line: "token scope=... auth=none|good|bad granted=...".
"""
import argparse
import base64
import json
import subprocess
import sys
import time
import uuid
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlparse

import loopback


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the log file says what matters
        pass

    def send_json(self, status, obj, extra=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        cfg = self.server.cfg
        url = urlparse(self.path)
        if url.path != "/token":
            self.send_json(404, {"error": "not found"})
            return
        q = parse_qs(url.query)
        auth = "none"
        header = self.headers.get("Authorization", "")
        if header.lower().startswith("basic "):
            want = base64.b64encode(f"{cfg.user}:{cfg.password}".encode()).decode()
            auth = "good" if cfg.user and header[6:].strip() == want else "bad"
        if auth == "bad":
            self.log(q, auth, [])
            self.send_json(401, {"errors": [{"code": "UNAUTHORIZED"}]},
                           {"WWW-Authenticate": 'Basic realm="token"'})
            return
        access = []
        for scope in q.get("scope", []):
            parts = scope.split(":")
            if len(parts) != 3 or parts[0] != "repository":
                continue
            name, actions = parts[1], parts[2].split(",")
            if auth != "good":
                if name.startswith("private/"):
                    continue
                actions = [a for a in actions if a == "pull"]
            if actions:
                access.append({"type": "repository", "name": name, "actions": actions})
        now = int(time.time())
        claims = {"iss": cfg.issuer, "sub": cfg.user if auth == "good" else "", "aud": q.get("service", [""])[0],
                  "exp": now + 300, "nbf": now - 10, "iat": now, "jti": uuid.uuid4().hex, "access": access}
        head = {"typ": "JWT", "alg": "RS256", "x5c": [self.server.cert_b64]}
        signing_input = b64url(json.dumps(head).encode()) + "." + b64url(json.dumps(claims).encode())
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", cfg.key], input=signing_input.encode(),
                             capture_output=True, check=True).stdout
        token = signing_input + "." + b64url(sig)
        self.log(q, auth, access)
        self.send_json(200, {"token": token, "access_token": token, "expires_in": 300,
                             "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))})

    def log(self, q, auth, access):
        if self.server.cfg.log:
            granted = ";".join(f"{a['name']}:{','.join(a['actions'])}" for a in access) or "-"
            with open(self.server.cfg.log, "a") as f:
                f.write(f"token scope={','.join(q.get('scope', []))} auth={auth} granted={granted}\n")


def main():
    p = argparse.ArgumentParser()
    for a in ("--key", "--cert", "--issuer", "--service", "--port-file"):
        p.add_argument(a, required=True)
    p.add_argument("--user", default="")
    p.add_argument("--password", default="")
    p.add_argument("--log", default="")
    cfg = p.parse_args()
    der = subprocess.run(["openssl", "x509", "-in", cfg.cert, "-outform", "DER"], capture_output=True,
                         check=True).stdout
    srv = loopback.listen(Handler)
    srv.cfg = cfg
    srv.cert_b64 = base64.b64encode(der).decode()
    return loopback.serve(srv, cfg.port_file)


if __name__ == "__main__":
    sys.exit(main())
