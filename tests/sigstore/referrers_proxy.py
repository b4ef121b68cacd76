#!/usr/bin/env python3
"""The OCI 1.1 referrers API in front of a registry that has none, for tests.

  referrers_proxy.py --upstream 127.0.0.1:PORT --port-file F [--log F]

Listens on 127.0.0.1:0 (port written to --port-file) and forwards every
request to the upstream registry (Debian's docker-registry 2.8 has no
referrers API), keeping the client's Host so upload Locations point back
here. It answers GET /v2/<repo>/referrers/<digest> itself, as the
distribution spec says a registry does: 200 with an OCI image index of the
manifests whose subject is <digest>, each described from the manifest
itself (mediaType, digest, size, artifactType, else the config's media
type, and annotations), never from what a referrers-tag index claims.
?artifactType=T keeps only that type and sets OCI-Filters-Applied.

The manifests it knows are the ones pushed through it with a subject (it
answers their PUT with OCI-Subject, as a registry with the API does), and
those listed in the referrers tag sha256-<hex> of the upstream. Every
request is logged as "METHOD PATH STATUS".
"""
import argparse
import hashlib
import http.client
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "registry"))
import loopback  # noqa: E402

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MAX_BODY = 4 << 20
HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade", "te", "trailer"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def log_line(self, status):
        if self.server.log:
            with self.server.lock, open(self.server.log, "a") as f:
                f.write(f"{self.command} {self.path} {status}\n")

    def upstream(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection(self.server.upstream, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read(MAX_BODY + 1)
            return resp.status, resp.getheaders(), data
        finally:
            conn.close()

    def reply(self, status, body, headers):
        self.log_line(status)  # first: a client that has the answer finds it logged
        self.send_response(status)
        for k, v in headers:
            if k.lower() not in HOP and k.lower() != "content-length":
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def forward(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            return self.reply(413, b"", [])
        body = self.rfile.read(n) if n else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        status, rh, data = self.upstream(self.command, self.path, body, headers)
        parts = urlsplit(self.path).path.strip("/").split("/")
        if self.command == "PUT" and status == 201 and len(parts) >= 4 and parts[-2] == "manifests" and body:
            subject = self.remember("/".join(parts[1:-2]), body)
            if subject:
                rh = list(rh) + [("OCI-Subject", subject)]
        self.reply(status, data, rh)

    def remember(self, repo, body):
        try:
            doc = json.loads(body)
        except ValueError:
            return None
        subject = doc.get("subject") if isinstance(doc, dict) else None
        if not isinstance(subject, dict) or not isinstance(subject.get("digest"), str):
            return None
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        with self.server.lock:
            self.server.pushed.setdefault((repo, subject["digest"]), {})[digest] = body
        return subject["digest"]

    def manifest(self, repo, digest):
        accept = ", ".join([OCI_MANIFEST, OCI_INDEX])
        status, headers, data = self.upstream("GET", f"/v2/{repo}/manifests/{digest}", headers={"Accept": accept})
        if status != 200 or len(data) > MAX_BODY:
            return None
        return data

    def referrers(self, repo, digest, query):
        if not digest.startswith("sha256:") or len(digest) != 71:
            return self.reply(400, b'{"errors":[{"code":"DIGEST_INVALID"}]}', [("Content-Type", "application/json")])
        with self.server.lock:
            found = dict(self.server.pushed.get((repo, digest), {}))
        tag = self.manifest(repo, digest.replace(":", "-"))
        if tag:
            try:
                listed = json.loads(tag).get("manifests") or []
            except (ValueError, AttributeError):
                listed = []
            for d in listed:
                if isinstance(d, dict) and isinstance(d.get("digest"), str) and d["digest"] not in found:
                    body = self.manifest(repo, d["digest"])
                    if body is not None:
                        found[d["digest"]] = body
        wanted = parse_qs(query).get("artifactType")
        out = []
        for mdigest, body in sorted(found.items()):
            try:
                doc = json.loads(body)
            except ValueError:
                continue
            if not isinstance(doc, dict) or (doc.get("subject") or {}).get("digest") != digest:
                continue
            desc = {"mediaType": doc.get("mediaType", OCI_MANIFEST), "digest": mdigest, "size": len(body)}
            at = doc.get("artifactType") or (doc.get("config") or {}).get("mediaType")
            if at:
                desc["artifactType"] = at
            if doc.get("annotations"):
                desc["annotations"] = doc["annotations"]
            if wanted and desc.get("artifactType") not in wanted:
                continue
            out.append(desc)
        body = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": out}).encode()
        headers = [("Content-Type", OCI_INDEX)]
        if wanted:
            headers.append(("OCI-Filters-Applied", "artifactType"))
        self.reply(200, body, headers)

    def route(self):
        url = urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        if self.command in ("GET", "HEAD") and len(parts) >= 4 and parts[0] == "v2" and parts[-2] == "referrers":
            return self.referrers("/".join(parts[1:-2]), parts[-1], url.query)
        return self.forward()

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = route


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    args = ap.parse_args()
    srv = loopback.listen(Handler)
    srv.upstream = args.upstream
    srv.log = args.log
    srv.lock = threading.Lock()
    srv.pushed = {}
    return loopback.serve(srv, args.port_file)


if __name__ == "__main__":
    sys.exit(main())
