#!/usr/bin/env python3
"""A slow registry: forwards every GET and HEAD to a registry on loopback
after a delay, so that one verification lasts long enough for concurrent
admissions to overlap it for certain.

  slow_forwarder.py --port-file F --upstream 127.0.0.1:PORT --delay SECONDS [--log F]

Listens on 127.0.0.1:0 (port written to --port-file, whole, then renamed).
Request headers go upstream as sent (so the upstream's log shows the
client's User-Agent); the answer comes back as the upstream gave it.
--log gets "METHOD PATH" for each request as it arrives, before the delay,
so a test can tell that a verification has begun."""
import argparse
import http.client
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"host", "connection", "keep-alive", "transfer-encoding"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = ""
    delay = 0.0
    log = None

    def log_message(self, fmt, *args):
        pass

    def forward(self, send_body):
        if self.log:
            with open(self.log, "a") as f:
                f.write("%s %s\n" % (self.command, self.path))
        time.sleep(self.delay)
        up = http.client.HTTPConnection(self.upstream, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        up.request(self.command, self.path, headers=headers)
        resp = up.getresponse()
        body = resp.read()
        up.close()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                self.send_header(k, v)
        length = resp.getheader("Content-Length") if self.command == "HEAD" else None
        self.send_header("Content-Length", length if length is not None else str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def do_GET(self):
        self.forward(True)

    def do_HEAD(self):
        self.forward(False)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--upstream", required=True)
    p.add_argument("--delay", type=float, required=True)
    p.add_argument("--log")
    a = p.parse_args()
    if not a.upstream.startswith("127.0.0.1:"):
        sys.exit("slow_forwarder.py: --upstream must be on 127.0.0.1")
    Handler.upstream = a.upstream
    Handler.delay = a.delay
    Handler.log = a.log
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
