#!/usr/bin/env python3
"""Four origins on four loopback addresses, to see where credentials and
tokens go when a registry redirects, a redirect target challenges, or a token
realm lives on another host or redirects.

  origins.py --dir D --manifest FILE --blob FILE --user U --password P

One process serves every origin on a free port of its own address and writes
D/addrs ("name=127.0.0.N:PORT" lines), then D/port (registry's port). Each
request is appended to D/requests.log as "name METHOD PATH auth=WHAT", WHAT
being none, basic-good (U:P), basic-other, bearer:TOKEN or other.

  registry  127.0.0.1  a registry whose bearer tokens come from tokens (another
                       host, as Docker Hub's do). Repositories hop, hopbasic
                       and hoprefuse: 307 to the same path on mirror, for
                       anyone.
                       Others want "Bearer token-for-registry", else 401 with
                       realm http://TOKENS/token (repository realmmoved:
                       /moved, realmhere: /here); then
                         direct, realmhere  the manifest (any tag), the blob,
                                     referrers: an index listing the manifest
                         tokenhop    307 to the same path on mirror
                         storage     blobs: 307 to http://MIRROR/cdn/DIGEST
  mirror    127.0.0.2  /v2/hop/... and /v2/tokenhop/... want
                       "Bearer token-for-mirror", else 401 with its own realm
                       /token, which gives that token to anyone;
                       /v2/hoprefuse/... is that 401 whatever it is sent;
                       /v2/hopbasic/... is 401 Basic; /cdn/... the blob
  tokens    127.0.0.3  /token: token-for-registry for basic-good, else 401;
                       /moved: 307 to elsewhere's /token; /here: 307 to /token
  elsewhere 127.0.0.4  /token: as tokens' /token
"""
import argparse
import base64
import hashlib
import json
import os
import sys
import threading

import loopback

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
NAMES = ("registry", "mirror", "tokens", "elsewhere")
LOG_LOCK = threading.Lock()


class Handler(loopback.Handler):
    def auth(self):
        h = self.headers.get("Authorization")
        if h is None:
            return "none"
        cfg = self.server.cfg
        if h == "Basic " + base64.b64encode(f"{cfg.user}:{cfg.password}".encode()).decode():
            return "basic-good"
        if h.startswith("Basic "):
            return "basic-other"
        if h.startswith("Bearer "):
            return "bearer:" + h[7:]
        return "other"

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        name, path = self.server.name, self.path.split("?")[0]
        query = self.path[len(path):]
        auth = self.auth()
        with LOG_LOCK, open(self.server.log, "a") as f:
            f.write(f"{name} {self.command} {path} auth={auth}\n")
        getattr(self, "serve_" + name)(path, query, auth, path.strip("/").split("/"))

    def content(self, parts):
        """The manifest, referrers or blob a /v2/REPO/KIND/REF path asks for."""
        srv = self.server
        if parts[-2] == "referrers":
            return self.reply(200, loopback.referrers_index(srv.manifest), loopback.OCI_INDEX)
        if parts[-2] == "manifests":
            digest = "sha256:" + hashlib.sha256(srv.manifest).hexdigest()
            return self.reply(200, srv.manifest, OCI_MANIFEST, {"Docker-Content-Digest": digest})
        return self.reply(200, srv.blob, "application/octet-stream")

    def serve_registry(self, path, query, auth, parts):
        if len(parts) < 4 or parts[0] != "v2":
            return self.reply(404, b"{}")
        repo, mirror = parts[1], self.server.addrs["mirror"]
        if repo in ("hop", "hopbasic", "hoprefuse"):
            return self.reply(307, headers={"Location": f"http://{mirror}{path}"})
        if auth != "bearer:token-for-registry":
            realm = {"realmmoved": "/moved", "realmhere": "/here"}.get(repo, "/token")
            challenge = (f'Bearer realm="http://{self.server.addrs["tokens"]}{realm}",service="registry",'
                         f'scope="repository:{repo}:pull"')
            return self.reply(401, b"{}", headers={"WWW-Authenticate": challenge})
        if repo == "tokenhop":
            return self.reply(307, headers={"Location": f"http://{mirror}{path}"})
        if repo == "storage" and parts[2] == "blobs":
            return self.reply(307, headers={"Location": f"http://{mirror}/cdn/{parts[-1]}"})
        if repo in ("direct", "realmhere"):
            return self.content(parts)
        return self.reply(404, b"{}")

    def serve_mirror(self, path, query, auth, parts):
        if path == "/token":
            return self.reply(200, json.dumps({"token": "token-for-mirror", "expires_in": 300}).encode())
        if parts[0] == "cdn":
            return self.reply(200, self.server.blob, "application/octet-stream")
        if parts[:2] == ["v2", "hopbasic"]:
            return self.reply(401, b"{}", headers={"WWW-Authenticate": 'Basic realm="mirror"'})
        if parts[0] == "v2" and parts[1] in ("hop", "tokenhop", "hoprefuse") and len(parts) >= 4:
            if auth == "bearer:token-for-mirror" and parts[1] != "hoprefuse":
                return self.content(parts)
            challenge = (f'Bearer realm="http://{self.server.addrs["mirror"]}/token",service="mirror",'
                         f'scope="repository:{parts[1]}:pull"')
            return self.reply(401, b"{}", headers={"WWW-Authenticate": challenge})
        return self.reply(404, b"{}")

    def token(self, auth):
        if auth != "basic-good":
            return self.reply(401, b"{}", headers={"WWW-Authenticate": 'Basic realm="tokens"'})
        return self.reply(200, json.dumps({"token": "token-for-registry", "expires_in": 300}).encode())

    def serve_tokens(self, path, query, auth, parts):
        if path == "/moved":
            return self.reply(307, headers={"Location": f"http://{self.server.addrs['elsewhere']}/token{query}"})
        if path == "/here":
            return self.reply(307, headers={"Location": f"/token{query}"})
        if path == "/token":
            return self.token(auth)
        return self.reply(404, b"{}")

    def serve_elsewhere(self, path, query, auth, parts):
        if path == "/token":
            return self.token(auth)
        return self.reply(404, b"{}")


def main():
    p = argparse.ArgumentParser()
    for a in ("--dir", "--manifest", "--blob", "--user", "--password"):
        p.add_argument(a, required=True)
    cfg = p.parse_args()
    with open(cfg.manifest, "rb") as f:
        manifest = f.read()
    with open(cfg.blob, "rb") as f:
        blob = f.read()
    log = os.path.join(cfg.dir, "requests.log")
    open(log, "w").close()
    servers, addrs = [], {}
    for i, name in enumerate(NAMES):
        srv = loopback.listen(Handler, f"127.0.0.{i + 1}")
        srv.name, srv.cfg, srv.log, srv.addrs = name, cfg, log, addrs
        srv.manifest, srv.blob = manifest, blob
        addrs[name] = f"127.0.0.{i + 1}:{srv.server_address[1]}"
        servers.append(srv)
    for srv in servers[1:]:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    # addrs first: the port file is what the runner waits for.
    loopback.publish(os.path.join(cfg.dir, "addrs"), "".join(f"{n}={a}\n" for n, a in addrs.items()))
    return loopback.serve(servers[0], os.path.join(cfg.dir, "port"))


if __name__ == "__main__":
    sys.exit(main())
