#!/usr/bin/env python3
"""Raw HTTP/1.1-over-TLS requests that curl will not send, for admitd's e2e
tests: duplicate headers, and a request held half-sent across a SIGTERM.
Talks to 127.0.0.1 only."""
import json
import os
import signal
import socket
import ssl
import sys
import time


def connect(port, ca):
    ctx = ssl.create_default_context(cafile=ca)
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return ctx.wrap_socket(raw, server_hostname="localhost")


def read_response(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise SystemExit("connection closed before a response: %r" % data)
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, v = line.split(":", 1)
        headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, headers, body[:length]


def duplicate_content_length(port, ca):
    s = connect(port, ca)
    body = b"{}"
    s.sendall(b"POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
              b"Content-Length: 2\r\nContent-Length: 2\r\n\r\n" + body)
    status, _, text = read_response(s)
    print(status, text.decode())


def drain(port, ca, pid, review_path):
    """Hold one validate request half-sent and one idle keep-alive connection,
    SIGTERM the server, then check both are answered with Connection: close."""
    body = open(review_path, "rb").read()
    idle = connect(port, ca)
    idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
    status, _, _ = read_response(idle)
    assert status == 200, "healthz before drain: %d" % status
    busy = connect(port, ca)
    half = len(body) // 2
    busy.sendall(b"POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\n\r\n" % len(body) + body[:half])
    time.sleep(0.3)
    os.kill(pid, signal.SIGTERM)
    time.sleep(0.5)
    idle.sendall(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n")
    rstatus, rheaders, _ = read_response(idle)
    busy.sendall(body[half:])
    status, headers, text = read_response(busy)
    review = json.loads(text)
    print(json.dumps({"readyz": rstatus, "readyz_connection": rheaders.get("connection", ""),
                      "status": status, "connection": headers.get("connection", ""),
                      "uid": review["response"]["uid"], "allowed": review["response"]["allowed"]}))


def drip(port, ca):
    """Send headers, then one body byte every 0.2 s, and report how long the
    server took to drop the connection (bounded: gives up after 15 s)."""
    s = connect(port, ca)
    s.sendall(b"POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
              b"Content-Length: 1000\r\n\r\n")
    start = time.monotonic()
    s.settimeout(0.2)
    while time.monotonic() - start < 15:
        try:
            s.sendall(b" ")
            if s.recv(1) == b"":
                break
        except socket.timeout:
            continue
        except (ssl.SSLError, OSError):
            break
    print("%.1f" % (time.monotonic() - start))


def hold(port, ca, n):
    """Open n connections and keep them, then report whether one more gets a
    working TLS session ("served") or is turned away ("refused")."""
    held = []
    for _ in range(n):
        c = connect(port, ca)
        c.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        read_response(c)
        held.append(c)
    try:
        extra = connect(port, ca)
        extra.settimeout(3)
        extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        status, _, _ = read_response(extra)
        print("served" if status == 200 else "status %d" % status)
    except (OSError, ssl.SSLError, SystemExit):
        print("refused")
    for c in held:
        c.close()


def idle(port, ca, seconds):
    """Keep a connection idle for `seconds`, then report whether it is still open."""
    c = connect(port, ca)
    c.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
    read_response(c)
    time.sleep(seconds)
    try:
        c.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        status, _, _ = read_response(c)
        print("open" if status == 200 else "status %d" % status)
    except (OSError, ssl.SSLError, SystemExit):
        print("closed")


if __name__ == "__main__":
    cmd, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if cmd == "duplicate-content-length":
        duplicate_content_length(port, ca)
    elif cmd == "hold":
        hold(port, ca, int(sys.argv[4]))
    elif cmd == "idle":
        idle(port, ca, float(sys.argv[4]))
    elif cmd == "drip":
        drip(port, ca)
    elif cmd == "drain":
        drain(port, ca, int(sys.argv[4]), sys.argv[5])
    else:
        raise SystemExit("unknown command " + cmd)
