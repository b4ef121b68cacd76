#!/usr/bin/env python3
"""Fill admitd's connection table the way a tenant could, and hold it while
the caller probes from another process. Loopback only (127.0.0.0/8 source
addresses); every wait is bounded.

    conn_flood.py PORT CA [--idle ADDR=N]... [--reopen] [--slowloris N --slowloris-from ADDR,...]
                  --ready FILE --until FILE [--max-seconds S]

In order:
  1. --idle ADDR=N (repeatable, opened in the order given, one connection
     after another): N keep-alive connections from source address ADDR,
     each sends one GET /healthz, reads the answer and then stays idle.
     With --reopen, one the server closes is opened again (the same way)
     as a persistent attacker would.
  2. --slowloris N: N connections opened at once, round robin over the
     --slowloris-from addresses; each completes TLS, sends part of a request
     head and a header line a second, never finishing it; one the server
     closes is opened again.
  3. Then (two seconds later with slowloris: the burst has landed) "ready"
     is written to --ready; all of it is held until the file --until exists (or for
     --max-seconds).
  4. The slowloris connections are closed; then each idle connection is
     asked GET /healthz again: "1" it answered, "0" it had been closed.

Prints one JSON object: the idle connections' states per address, in the
order they were opened (oldest first), and the slowloris counts."""
import argparse
import asyncio
import json
import os
import resource
import ssl
import time

HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"


async def connect(port, ctx, source, timeout):
    return await asyncio.wait_for(
        asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="localhost", local_addr=(source, 0)),
        timeout)


async def read_answer(reader):
    """The status of one HTTP/1.1 answer with a Content-Length, read whole."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    await reader.readexactly(length)
    return int(lines[0].split()[1])


async def open_idle(port, ctx, source):
    """A connection that did one request and is now idle, or None."""
    try:
        reader, writer = await connect(port, ctx, source, 5)
        writer.write(HEALTHZ)
        if await asyncio.wait_for(read_answer(reader), 5) == 200:
            return reader, writer
        writer.close()
    except (OSError, ssl.SSLError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError):
        pass
    return None


async def keep_idle(port, ctx, held, stop, stats):
    """held = [source, connection or None]: reopened whenever it is closed."""
    while not stop.is_set():
        if held[1] is None:
            held[1] = await open_idle(port, ctx, held[0])
            if held[1] is None:
                await asyncio.sleep(0.5)
                continue
            stats["reopened"] += 1
        try:
            if await asyncio.wait_for(held[1][0].read(1), 0.5):
                continue  # nothing is expected between requests; ignore it
        except asyncio.TimeoutError:
            continue
        except (OSError, ssl.SSLError, ConnectionError):
            pass
        held[1][1].close()
        held[1] = None
        await asyncio.sleep(0.05)


async def still_open(conn):
    if conn is None:
        return "0"
    reader, writer = conn
    try:
        writer.write(HEALTHZ)
        status = await asyncio.wait_for(read_answer(reader), 3)
        return "1" if status == 200 else "0"
    except (OSError, ssl.SSLError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError):
        return "0"
    finally:
        writer.close()


async def slowloris(port, ctx, source, stats, stop):
    while not stop.is_set():
        try:
            reader, writer = await connect(port, ctx, source, 10)
        except (OSError, ssl.SSLError, asyncio.TimeoutError):
            stats["connect_failed"] += 1
            await asyncio.sleep(0.5)
            continue
        stats["opened"] += 1
        try:
            writer.write(b"POST /validate HTTP/1.1\r\nHost: localhost\r\n")
            i = 0
            while not stop.is_set():
                writer.write(b"X-%d: a\r\n" % i)
                await writer.drain()
                i += 1
                try:
                    if not await asyncio.wait_for(reader.read(4096), 1):
                        stats["closed_by_server"] += 1
                        break
                except asyncio.TimeoutError:
                    pass
        except (OSError, ssl.SSLError, ConnectionError):
            stats["closed_by_server"] += 1
        finally:
            writer.close()
        await asyncio.sleep(0.1)


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("ca")
    p.add_argument("--idle", action="append", default=[])
    p.add_argument("--reopen", action="store_true")
    p.add_argument("--slowloris", type=int, default=0)
    p.add_argument("--slowloris-from", default="127.0.0.1")
    p.add_argument("--ready", required=True)
    p.add_argument("--until", required=True)
    p.add_argument("--max-seconds", type=float, default=120)
    a = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    ctx = ssl.create_default_context(cafile=a.ca)

    idle = []  # [address, connection or None], oldest first
    for spec in a.idle:
        source, _, n = spec.partition("=")
        for _ in range(int(n)):
            idle.append([source, await open_idle(a.port, ctx, source)])
    opened_idle = sum(conn is not None for _, conn in idle)

    stop = asyncio.Event()
    idle_stats = {"reopened": 0}
    tasks = [asyncio.create_task(keep_idle(a.port, ctx, held, stop, idle_stats)) for held in idle if a.reopen]
    sl_stats = {"opened": 0, "closed_by_server": 0, "connect_failed": 0}
    sources = a.slowloris_from.split(",")
    tasks += [asyncio.create_task(slowloris(a.port, ctx, sources[i % len(sources)], sl_stats, stop))
              for i in range(a.slowloris)]
    if a.slowloris:
        await asyncio.sleep(2)  # let the burst land
    with open(a.ready + ".tmp", "w") as f:
        f.write("ready\n")
    os.rename(a.ready + ".tmp", a.ready)
    end = time.monotonic() + a.max_seconds
    while not os.path.exists(a.until) and time.monotonic() < end:
        await asyncio.sleep(0.1)

    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    states = {}
    for source, conn in idle:
        states[source] = states.get(source, "") + await still_open(conn)
    print(json.dumps({"idle": states, "idle_opened": opened_idle, "idle_reopened": idle_stats["reopened"],
                      "slowloris": sl_stats}))


asyncio.run(main())
