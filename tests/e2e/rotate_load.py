#!/usr/bin/env python3
"""Rotate admitd's certificate files while reviews flow without pause.

  rotate_load.py PORT CA_BUNDLE REVIEW LIVE_DIR SETS_DIR ROTATIONS

LIVE_DIR is laid out as kubelet lays out a Secret volume: tls.crt and
tls.key are symlinks into ..data, itself a symlink to a versioned
directory; a rotation writes a new directory and renames a new ..data
symlink over the old one, so a reader never sees half a pair. SETS_DIR/N
(N = 1..ROTATIONS) holds the pair for rotation N, every one signed by a CA
in CA_BUNDLE.

While it rotates, two clients POST the review back to back on one
keep-alive connection each (reused), and two open a new TLS connection for
every review (fresh). After each rotation it waits (at most 15 s) until a
new handshake is answered with that rotation's certificate. Prints one JSON
object; every wait is bounded; 127.0.0.1 only."""
import json
import os
import socket
import ssl
import sys
import threading
import time

from tls_client import read_response

port, bundle, review_path, live, sets, rotations = sys.argv[1:7]
port, rotations = int(port), int(rotations)
body = open(review_path, "rb").read()
uid = json.loads(body)["request"]["uid"]
ctx = ssl.create_default_context(cafile=bundle)
request = (b"POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
           b"Content-Length: %d\r\n\r\n" % len(body)) + body

stop = threading.Event()
lock = threading.Lock()
counts = {"reused": 0, "fresh": 0, "failed": 0}
failures = []


def connect():
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return ctx.wrap_socket(raw, server_hostname="localhost")


def read_answer(sock):
    """The answer's headers; raises unless it is a 200 for this review."""
    try:
        status, headers, text = read_response(sock)
    except SystemExit as e:  # tls_client's way of saying the connection closed
        raise OSError(str(e))
    if status != 200:
        raise OSError("status %d" % status)
    if json.loads(text)["response"]["uid"] != uid:
        raise OSError("wrong uid")
    return headers


def record(kind, error=None):
    with lock:
        if error is None:
            counts[kind] += 1
        else:
            counts["failed"] += 1
            if len(failures) < 10:
                failures.append("%s: %s" % (kind, error))


def reused():
    sock = None
    while not stop.is_set():
        try:
            if sock is None:
                sock = connect()
            sock.sendall(request)
            headers = read_answer(sock)
            record("reused")
            if headers.get("connection", "").lower() == "close":
                sock.close()
                sock = None
        except (OSError, ssl.SSLError, ValueError) as e:
            record("reused", e)
            if sock is not None:
                sock.close()
            sock = None
    if sock is not None:
        sock.close()


def fresh():
    while not stop.is_set():
        try:
            sock = connect()
            try:
                sock.sendall(request)
                read_answer(sock)
            finally:
                sock.close()
            record("fresh")
        except (OSError, ssl.SSLError, ValueError) as e:
            record("fresh", e)


def served_der():
    sock = connect()
    try:
        return sock.getpeercert(binary_form=True)
    finally:
        sock.close()


def pem_der(path):
    return ssl.PEM_cert_to_DER_cert(open(path).read().split("-----END CERTIFICATE-----")[0] +
                                    "-----END CERTIFICATE-----\n")


def rotate(n):
    version = os.path.join(live, "..v%d" % n)
    os.mkdir(version)
    for name in ("tls.crt", "tls.key"):
        with open(os.path.join(sets, str(n), name), "rb") as src, open(os.path.join(version, name), "wb") as dst:
            dst.write(src.read())
    tmp = os.path.join(live, "..data_tmp")
    os.symlink("..v%d" % n, tmp)
    os.rename(tmp, os.path.join(live, "..data"))


threads = [threading.Thread(target=f) for f in (reused, reused, fresh, fresh)]
for t in threads:
    t.start()
served_new, waits = 0, []
try:
    time.sleep(0.5)
    for n in range(1, rotations + 1):
        want = pem_der(os.path.join(sets, str(n), "tls.crt"))
        t0 = time.monotonic()
        rotate(n)
        while time.monotonic() - t0 < 15:
            try:
                if served_der() == want:
                    served_new += 1
                    break
            except (OSError, ssl.SSLError):
                pass
            time.sleep(0.05)
        waits.append(round(time.monotonic() - t0, 2))
        time.sleep(0.2)  # traffic on the new certificate before the next rotation
finally:
    stop.set()
    for t in threads:
        t.join(30)
print(json.dumps({"rotations": rotations, "served_new": served_new, "reused": counts["reused"],
                  "fresh": counts["fresh"], "failed": counts["failed"], "failures": failures,
                  "max_wait_s": max(waits) if waits else None}))
