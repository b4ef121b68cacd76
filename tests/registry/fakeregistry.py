#!/usr/bin/env python3
"""A registry that misbehaves on purpose, for what a real registry never does.

  fakeregistry.py --port-file F --log F --manifest FILE --blob FILE [--user U --password P]

Listens on 127.0.0.1:0 (port written to --port-file). Routes, by repository:
  /v2/nodigest/manifests/<tag>   200 with the manifest, no Docker-Content-Digest
  /v2/liar/manifests/<tag>       200 with the manifest and a Docker-Content-Digest of other bytes
  /v2/endless/manifests/<tag>    200, no Content-Length, megabytes until the cap trips
  /v2/wrongblob/blobs/<digest>   200 with bytes that do not hash to <digest>
  /v2/redirect/blobs/<digest>    basic auth required on 127.0.0.1; then 307 to
                                 http://localhost:<port>/cdn/<digest> (another host)
  /v2/redirect/referrers/<d>     the same, to /cdn/referrers/<d>
  /v2/samehost/blobs/<digest>    basic auth required; 307 to /cdn/<digest> on this host
  /cdn/<digest>                  the blob
  /cdn/referrers/<digest>        an OCI index listing the manifest
  /v2/badtoken/...               401 Bearer with a realm whose answer has no token
  /v2/status/<code>/...          that HTTP status
  /v2/referrers/<case>/...       referrers answers no real registry gives, the
                                 API's (/referrers/<d>) or, after its 404, the
                                 referrers tag's (/manifests/sha256-<hex>); CASES
Every request is logged as "METHOD HOST PATH auth=yes|no".
"""
import argparse
import base64
import hashlib
import sys
import time

import loopback

OCI_MANIFEST = loopback.OCI_MANIFEST
OCI_INDEX = loopback.OCI_INDEX
INDEX_BODY = '{"schemaVersion":2,"mediaType":"%s","manifests":[]}' % OCI_INDEX

# /v2/referrers/<case>/: what the API (/referrers/<d>) answers, and what the
# referrers tag (/manifests/sha256-<hex>) answers after the API's 404, as
# (status, Content-Type, body, extra headers, seconds to wait first). The
# bodies INDEX and MANIFEST are an index listing the manifest, and the
# manifest itself.
INDEX, MANIFEST = object(), object()
NO_API = (404, "application/json", "{}", {}, 0)
CASES = {
    "json": {"api": (200, "application/json", INDEX, {}, 0)},  # typed by its body alone
    "digest-header": {"api": (200, OCI_INDEX, INDEX, {"Docker-Content-Digest": "sha256:" + "0" * 64}, 0)},
    "filtered": {"api": (200, OCI_INDEX, INDEX, {"OCI-Filters-Applied": "artifactType"}, 0)},
    "html": {"api": (200, "text/html", "<html>referrers</html>", {}, 0)},
    "bare": {"api": (200, "application/json", '{"manifests":[]}', {}, 0)},
    "typed-manifest": {"api": (200, OCI_INDEX, '{"mediaType":"%s","layers":[]}' % OCI_MANIFEST, {}, 0)},
    "manifest-typed": {"api": (200, OCI_MANIFEST, INDEX_BODY, {}, 0)},
    "two-types": {"api": (200, OCI_INDEX, '{"mediaType":"%s","mediaType":"%s"}' % (OCI_INDEX, OCI_INDEX), {}, 0)},
    "escaped": {"api": (200, "application/json", '{"mediaType":"application\\/vnd.oci.image.index.v1+json"}', {}, 0)},
    "nested-type": {"api": (200, "application/json", '{"manifests":[{"mediaType":"%s"}]}' % OCI_INDEX, {}, 0)},
    "truncated": {"api": (200, OCI_INDEX, INDEX_BODY[:-2], {}, 0)},
    "open-escape": {"api": (200, OCI_INDEX, '{"mediaType":"\\', {}, 0)},
    "trailing": {"api": (200, OCI_INDEX, INDEX_BODY + " {}", {}, 0)},
    "array": {"api": (200, OCI_INDEX, "[]", {}, 0)},
    "empty": {"api": (200, OCI_INDEX, "", {}, 0)},
    "tag-manifest": {"api": NO_API, "tag": (200, OCI_MANIFEST, MANIFEST, {}, 0)},
    "tag-liar": {"api": NO_API, "tag": (200, OCI_INDEX, INDEX_BODY, {"Docker-Content-Digest": "sha256:" + "0" * 64}, 0)},
    "tag-503": {"api": NO_API, "tag": (503, "application/json", "{}", {}, 0)},
    "tag-slow": {"api": NO_API, "tag": (200, OCI_INDEX, INDEX_BODY, {}, 3)},
}


class Handler(loopback.Handler):
    def authorized(self):
        cfg = self.server.cfg
        want = "Basic " + base64.b64encode(f"{cfg.user}:{cfg.password}".encode()).decode()
        return self.headers.get("Authorization", "") == want

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        srv, path = self.server, self.path.split("?")[0]
        host = self.headers.get("Host", "")
        with open(srv.cfg.log, "a") as f:
            f.write(f"{self.command} {host} {path} auth={'yes' if 'Authorization' in self.headers else 'no'}\n")
        parts = path.strip("/").split("/")
        manifest, blob = srv.manifest, srv.blob
        if parts[:2] == ["cdn", "referrers"]:
            return self.reply(200, loopback.referrers_index(manifest), OCI_INDEX)
        if parts[:1] == ["cdn"]:
            return self.reply(200, blob, "application/octet-stream")
        if len(parts) < 4 or parts[0] != "v2":
            return self.reply(404, b'{"errors":[{"code":"NAME_UNKNOWN"}]}')
        repo = parts[1]
        if repo == "nodigest":
            return self.reply(200, manifest, OCI_MANIFEST)
        if repo == "liar":
            other = "sha256:" + hashlib.sha256(manifest + b" ").hexdigest()
            return self.reply(200, manifest, OCI_MANIFEST, {"Docker-Content-Digest": other})
        if repo == "endless":
            self.send_response(200)
            self.send_header("Content-Type", OCI_MANIFEST)
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            if self.command == "HEAD":
                return None
            try:
                for _ in range(64):
                    self.wfile.write(b" " * 65536)
            except OSError:
                pass
            return None
        if repo == "wrongblob":
            return self.reply(200, blob + b"tampered", "application/octet-stream")
        if repo in ("redirect", "samehost"):
            if not self.authorized():
                return self.reply(401, b"{}", headers={"WWW-Authenticate": 'Basic realm="fake"'})
            port = srv.server_address[1]
            where = f"http://localhost:{port}" if repo == "redirect" else ""
            what = "referrers/" if parts[-2] == "referrers" else ""
            return self.reply(307, b"", headers={"Location": f"{where}/cdn/{what}{parts[-1]}"})
        if repo == "badtoken":
            if parts[1:2] == ["badtoken"] and parts[2:3] == ["token"]:
                return self.reply(200, b'{"nothing":"here"}')
            port = srv.server_address[1]
            realm = f'Bearer realm="http://127.0.0.1:{port}/v2/badtoken/token/x",service="fake"'
            return self.reply(401, b"{}", headers={"WWW-Authenticate": realm})
        if repo == "status":
            return self.reply(int(parts[2]), b"{}")
        if repo == "referrers" and len(parts) == 5 and parts[2] in CASES:
            return self.referrers(CASES[parts[2]], parts[3] == "referrers", manifest)
        return self.reply(404, b'{"errors":[{"code":"NAME_UNKNOWN"}]}')

    def referrers(self, case, api, manifest):
        status, ctype, body, headers, wait = case["api"] if api else case.get("tag", NO_API)
        time.sleep(wait)
        if body is INDEX:
            body = loopback.referrers_index(manifest)
        elif body is MANIFEST:
            body = manifest
        return self.reply(status, body if isinstance(body, bytes) else body.encode(), ctype, headers)


def main():
    p = argparse.ArgumentParser()
    for a in ("--port-file", "--log", "--manifest", "--blob"):
        p.add_argument(a, required=True)
    p.add_argument("--user", default="user")
    p.add_argument("--password", default="password")
    cfg = p.parse_args()
    srv = loopback.listen(Handler)
    srv.cfg = cfg
    with open(cfg.manifest, "rb") as f:
        srv.manifest = f.read()
    with open(cfg.blob, "rb") as f:
        srv.blob = f.read()
    open(cfg.log, "w").close()
    return loopback.serve(srv, cfg.port_file)


if __name__ == "__main__":
    sys.exit(main())
