"""Shared by the test servers here: listen on a loopback address (127.0.0.1
unless told) and port 0, publish the port the kernel chose in a file (written
whole, then renamed, so a reader never sees half a number), and serve until
killed; Handler, a quiet HTTP/1.1 handler with one way to answer;
referrers_index, the OCI image index a referrers API answers with."""
import hashlib
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: each server logs what matters itself
        pass

    def reply(self, status, body=b"", ctype="application/json", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def listen(handler, host="127.0.0.1"):
    return ThreadingHTTPServer((host, 0), handler)


def publish(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def serve(srv, port_file):
    publish(port_file, str(srv.server_address[1]))
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
BUNDLE = "application/vnd.dev.sigstore.bundle.v0.3+json"


def referrers_index(*manifests):
    """An OCI image index listing each manifest (bytes) as a Sigstore bundle."""
    listed = [{"mediaType": OCI_MANIFEST, "digest": "sha256:" + hashlib.sha256(m).hexdigest(), "size": len(m),
               "artifactType": BUNDLE} for m in manifests]
    return json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": listed}).encode()
