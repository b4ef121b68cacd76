#!/usr/bin/env python3
"""Turns hack/bench.sh's JSON lines into the results table, the ratios and
the target verdicts. Reads the lines on stdin; prints Markdown.
    report.py MODE   (MODE: full or quick; quick never judges)"""
import json
import sys

mode = sys.argv[1]
rows = [json.loads(line) for line in sys.stdin if line.startswith("{")]
inproc = {r["body"]: r for r in rows if r.get("kind") == "inproc"}
runs = [r for r in rows if r.get("kind") == "wrk"]


def find(server, body, conns, conn_mode="keep-alive"):
    for r in runs:
        if r["server"] == server and r["body"] == body and r["conns"] == conns and r["mode"] == conn_mode:
            return r
    return None


def rps(r):
    return r["requests"] / (r["duration_us"] / 1e6)


def errors(r):
    return sum(r[k] for k in r if k.startswith("errors_"))


print("### In process (one core, after warm-up)\n")
print("| body | bytes | bare jansson parse µs | admitd full path µs | full / bare | full path reviews/s/core |")
print("|---|---:|---:|---:|---:|---:|")
for name in sorted(inproc, key=lambda n: inproc[n]["bytes"]):
    r = inproc[name]
    print("| %s | %d | %.1f | %.1f | %.2f | %.0f |" % (name, r["bytes"], r["bare_parse_us"], r["full_path_us"],
                                                      r["full_over_bare"], r["full_reviews_per_core_s"]))

print("\n### Over HTTPS (wrk, 1 client thread, loopback)\n")
print("| server | body | conns | connection | req/s | p50 ms | p99 ms | p99.9 ms | errors | server CPU s / 1000 | server CPU / review µs | busiest thread | peak RSS MiB |")
print("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in runs:
    cpu_per = r["server_cpu_s"] / max(r["requests"], 1)
    print("| %s | %s | %d | %s | %.0f | %.2f | %.2f | %.2f | %d | %.3f | %.1f | %s | %s |" % (
        r["server"], r["body"], r["conns"], r["mode"], rps(r), r["p50_us"] / 1000, r["p99_us"] / 1000,
        r["p999_us"] / 1000, errors(r), cpu_per * 1000, cpu_per * 1e6,
        ("%.0f%%" % (100 * r["top_thread_share"])) if r.get("top_thread_share") is not None else "-",
        ("%.1f" % (r["peak_rss_kib"] / 1024)) if r.get("peak_rss_kib") else "-"))

idle = [r for r in rows if r.get("kind") == "idle"]
verdicts = []


def target(name, value, limit, fmt, ok):
    verdicts.append((name, fmt % value, limit, ok))


a16 = find("admitd", "pod-11k.json", 16)
n16 = find("nginx", "pod-11k.json", 16)
a64 = find("admitd", "pod-22k.json", 64)
bare_full = inproc.get("pod-11k.json")
print("\n### Ratios (same run)\n")
if a16 and n16:
    print("- admitd / nginx throughput, 11 KB, 16 keep-alive connections: **%.2f** (%.0f vs %.0f req/s)" % (
        rps(a16) / rps(n16), rps(a16), rps(n16)))
if bare_full:
    print("- admitd full path / bare jansson parse, 11 KB, in process: **%.2f** (%.1f vs %.1f µs)" % (
        bare_full["full_over_bare"], bare_full["full_path_us"], bare_full["bare_parse_us"]))
    target("full path <= 1.25 x bare parse (11 KB)", bare_full["full_over_bare"], "1.25", "%.2f",
           bare_full["full_over_bare"] <= 1.25)
    for name, r in sorted(inproc.items()):
        if name != "pod-11k.json":
            target("full path <= 1.25 x bare parse (%s)" % name, r["full_over_bare"], "1.25", "%.2f", r["full_over_bare"] <= 1.25)
if a16 and bare_full:
    per = a16["server_cpu_s"] / a16["requests"] * 1e6
    ratio = per / bare_full["full_path_us"]
    print("- server CPU per review over HTTPS / in-process full path, 11 KB, 16 connections: **%.2f** (%.1f vs %.1f µs)" % (
        ratio, per, bare_full["full_path_us"]))
    target("server CPU per review <= 1.3 x in-process full path", ratio, "1.30", "%.2f", ratio <= 1.3)
if a16:
    print("- admitd p99 at 16 connections, 11 KB: **%.2f ms** (p50 %.2f ms)" % (a16["p99_us"] / 1000, a16["p50_us"] / 1000))
    target("p99 < 5 ms at 16 connections, 11 KB", a16["p99_us"] / 1000, "5 ms", "%.2f ms", a16["p99_us"] < 5000)
    cores = a16["server_cpu_s"] / (a16["duration_us"] / 1e6)
    print("- admitd CPU at 16 connections: %.2f cores busy; busiest thread did %.0f%% of the work" % (
        cores, 100 * a16["top_thread_share"]))
    target("16 connections: no thread does most of the work", 100 * a16["top_thread_share"], "< 50%", "%.0f%%",
           a16["top_thread_share"] < 0.5)
    target("16 connections: work spread over more than one core", cores, "> 1.0 cores", "%.2f cores", cores > 1.0)
if a64:
    target("RSS < 32 MiB at 64 connections, 22 KB", a64["peak_rss_kib"] / 1024, "32 MiB", "%.1f MiB",
           a64["peak_rss_kib"] < 32 * 1024)
for r in idle:
    print("- admitd RSS idle (%s): %.1f MiB" % (r["when"], r["rss_kib"] / 1024))
    target("RSS < 16 MiB idle (%s)" % r["when"], r["rss_kib"] / 1024, "16 MiB", "%.1f MiB", r["rss_kib"] < 16 * 1024)
close_a = find("admitd", "pod-11k.json", 16, "new connection")
close_n = find("nginx", "pod-11k.json", 16, "new connection")
if close_a and close_n:
    print("- new TLS connection per request: admitd %.0f req/s, %.0f µs server CPU each; nginx %.0f req/s, %.0f µs" % (
        rps(close_a), close_a["server_cpu_s"] / close_a["requests"] * 1e6, rps(close_n),
        close_n["server_cpu_s"] / close_n["requests"] * 1e6))
families = [r for r in rows if r.get("kind") == "families"]
for r in families:
    print("- policy families (one resources and one securityContext rule set, every check) / built-in policy, %s, in "
          "process: **%.3f** (%.1f vs %.1f µs)" % (r["body"], r["policy_over_builtin"], r["policy_us"], r["builtin_us"]))
    target("families cost <= 1.10 x the built-in policy (%s)" % r["body"], r["policy_over_builtin"], "1.10", "%.3f",
           r["policy_over_builtin"] <= 1.10)
hostile = [r for r in rows if r.get("kind") == "hostile"]
if hostile:
    print("\n### Hostile clients beside valid reviews (4 keep-alive connections, 11 KB)\n")
    print("| threading | slowloris | stalled 7 MiB bodies | held at start (slow / bodies) | valid req/s | p50 ms | p99 ms | "
          "p99.9 ms | errors | peak RSS MiB |")
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for r in hostile:
        threading = "epoll, %d workers" % r["io_threads"] if r["io_threads"] else "thread per connection"
        print("| %s | %d | %d | %d / %d | %.0f | %.2f | %.2f | %.2f | %d | %.1f |" % (
            threading, r["slow"], r["bodies"], r["held_slow"], r["held_bodies"], rps(r), r["p50_us"] / 1000,
            r["p99_us"] / 1000, r["p999_us"] / 1000, errors(r), r["peak_rss_kib"] / 1024))
        if r["io_threads"] == 0:
            label = "%d slowloris + %d stalled bodies" % (r["slow"], r["bodies"])
            target("%s: valid reviews fail" % label, errors(r), "0", "%d", errors(r) == 0)
            target("%s: p99 of valid reviews" % label, r["p99_us"] / 1000, "50 ms", "%.2f ms", r["p99_us"] < 50000)
            target("%s: peak RSS within the 256 MiB limit" % label, r["peak_rss_kib"] / 1024, "256 MiB", "%.1f MiB",
                   r["peak_rss_kib"] < 256 * 1024)

bad = [r for r in runs if errors(r) > 0]
for r in bad:
    verdicts.append(("no errors: %s %s %d %s" % (r["server"], r["body"], r["conns"], r["mode"]), str(errors(r)), "0", False))

print("\n### Targets\n")
print("| target | measured | limit | verdict |")
print("|---|---:|---:|---|")
missed = 0
for name, value, limit, ok in verdicts:
    verdict = "met" if ok else "MISSED"
    if mode == "quick":
        verdict = "(not judged in --quick)"
    elif not ok:
        missed += 1
    print("| %s | %s | %s | %s |" % (name, value, limit, verdict))
sys.exit(1 if missed else 0)
