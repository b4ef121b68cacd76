#!/usr/bin/env python3
"""Hostile clients for hack/bench.sh, loopback only, bounded in count and
time: SLOW slowloris connections (a request head sent a few bytes at a time,
never finished) and BODIES stalled uploads (headers announcing 7 MiB, most of
the body sent, then silence). Every connection the server closes is opened
again, so the counts stay held for the whole run.

    hostile.py PORT CA SLOW BODIES SECONDS STATUSFILE

Writes "held SLOW_OPEN BODIES_OPEN" to STATUSFILE once the first wave is up,
then a JSON summary (opened, closed by the server, answers seen) at the end."""
import asyncio
import json
import ssl
import sys
import time

port, ca = int(sys.argv[1]), sys.argv[2]
n_slow, n_bodies, seconds, status_file = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
BODY_LEN = 7 << 20
SENT = 6 << 20
ctx = ssl.create_default_context(cafile=ca)
stats = {"slow_opened": 0, "bodies_opened": 0, "closed_by_server": 0, "answers": {}, "connect_failed": 0}
open_now = {"slow": 0, "body": 0}
end = time.monotonic() + seconds


async def one(kind):
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="localhost"), 10)
    except (OSError, ssl.SSLError, asyncio.TimeoutError):
        stats["connect_failed"] += 1
        await asyncio.sleep(0.2)
        return
    stats[kind + "_opened" if kind == "slow" else "bodies_opened"] += 1
    open_now[kind] += 1
    try:
        if kind == "slow":
            writer.write(b"POST /validate HTTP/1.1\r\nHost: localhost\r\n")
            i = 0
            while time.monotonic() < end:
                writer.write(b"X-%d: a\r\n" % i if i % 2 == 0 else b"")
                await writer.drain()
                i += 1
                try:
                    data = await asyncio.wait_for(reader.read(4096), 2)
                    if not data:
                        break
                except asyncio.TimeoutError:
                    pass
        else:
            writer.write(b"POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\n\r\n" % BODY_LEN)
            chunk = b" " * 65536
            for _ in range(SENT // len(chunk)):
                writer.write(chunk)
                await writer.drain()
            while time.monotonic() < end:
                try:
                    data = await asyncio.wait_for(reader.read(4096), 1)
                except asyncio.TimeoutError:
                    continue
                if not data:
                    break
                line = data.split(b"\r\n", 1)[0].decode("latin-1")
                stats["answers"][line] = stats["answers"].get(line, 0) + 1
                break
        if time.monotonic() < end:
            stats["closed_by_server"] += 1
    except (OSError, ssl.SSLError, ConnectionError):
        stats["closed_by_server"] += 1
    finally:
        open_now[kind] -= 1
        writer.close()


async def keep(kind):
    while time.monotonic() < end:
        await one(kind)
        await asyncio.sleep(1)  # a closed or refused client comes back, but not in a tight loop


async def main():
    tasks = [asyncio.create_task(keep("slow")) for _ in range(n_slow)]
    tasks += [asyncio.create_task(keep("body")) for _ in range(n_bodies)]
    t0 = time.monotonic()
    while time.monotonic() - t0 < 30 and open_now["slow"] + open_now["body"] < 0.9 * (n_slow + n_bodies):
        await asyncio.sleep(0.1)
    with open(status_file, "w") as f:
        f.write("held %d %d\n" % (open_now["slow"], open_now["body"]))
    await asyncio.gather(*tasks, return_exceptions=True)
    with open(status_file, "a") as f:
        f.write(json.dumps(stats) + "\n")


asyncio.run(main())
