#!/usr/bin/env python3
"""A registry that never answers, for deadline tests.

  silent_listener.py --port-file F [--log F]

Listens on 127.0.0.1:0 (port written to --port-file, whole, then renamed),
accepts every connection and holds it open without reading or writing
until killed: the connect succeeds at once, so only the client's deadline
can end its wait. --log gets one line per accepted connection."""
import argparse
import os
import signal
import socket
import sys


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--log")
    a = p.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(128)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.getsockname()[1]))
    os.rename(tmp, a.port_file)
    held = []  # never closed: a closed socket would answer with EOF
    while True:
        conn, peer = srv.accept()
        held.append(conn)
        if a.log:
            with open(a.log, "a") as f:
                f.write("accepted %s:%d\n" % peer)


if __name__ == "__main__":
    sys.exit(main())
