#!/usr/bin/env python3
"""The signature section of hack/bench.sh's report: reads its JSON lines on
stdin (the "images" line of admitd-bench-images, or "images-skipped"),
prints the table and the targets in Markdown.
    report_images.py MODE   (MODE: full or quick)
Request counts are exact on any machine and are judged in both modes; the
CPU ratio is a timing, judged in the full run only, as report.py does with
every timing."""
import json
import sys

mode = sys.argv[1]
rows = [json.loads(line) for line in sys.stdin if line.startswith("{")]
skipped = [r for r in rows if r.get("kind") == "images-skipped"]
images = [r for r in rows if r.get("kind") == "images"]

print("\n### Signature verification (in process, loopback docker-registry)\n")
for r in skipped:
    print("Skipped: %s." % r["why"])
if not images:
    sys.exit(0)

print("| signatures | body | images | requests per cold admission | cold p50 ms | cold p99 ms | cold CPU µs | "
      "cached p50 µs | cached p99 µs | no images section CPU µs | cached CPU µs | cached / none |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in images:
    print("| %s | %s | %d | %d | %.2f | %.2f | %.0f | %.0f | %.0f | %.1f | %.1f | %.3f |" % (
        r.get("signatures", ".sig"), r["body"], r["images"], r["cold_requests_max"], r["cold_p50_us"] / 1000,
        r["cold_p99_us"] / 1000,
        r["cold_cpu_us"], r["cached_p50_us"], r["cached_p99_us"], r["plain_us"], r["cached_us"],
        r["cached_over_plain"]))

verdicts = []
for r in images:
    print("\n%s:\n" % r.get("signatures", ".sig"))
    print("- cold: %d admissions, each on a new policy snapshot (empty cache); cached: %d timed admissions" % (
        r["cold_samples"], r["cached_samples"]))
    print("- cached admissions: %d (%d cache hits), registry requests: **%d**" % (
        r["cached_admissions"], r["cached_cache_hits"], r["cached_requests"]))
    print("- %d threads admitting the same new images at once, %d times: **%d-%d** registry requests per flight "
          "(one cold admission: %d); at least %d of the %d found no cached fact at first look; slowest admission "
          "%.1f ms" % (
              r["flight_threads"], r["flights"], r["flight_requests_min"], r["flight_requests_max"],
              r["cold_requests_max"], r["flight_waited_min"], r["flight_threads"], r["flight_wall_max_us"] / 1000))
    print("- registry requests: %d counted by admitd, %d answered in the registry's log" % (
        r["requests_total"], r["registry_log_requests"]))
    ratio = r["cached_over_plain"]
    verdicts.append(("cached admission CPU <= 1.10 x no images section (%s, %s)" % (
        r["body"], r.get("signatures", ".sig")), "%.3f" % ratio, "1.10",
                     ratio <= 1.10, True))
    verdicts.append(("cached admissions make no registry request", str(r["cached_requests"]), "0",
                     r["cached_requests"] == 0 and r["cached_cache_hits"] == r["cached_admissions"] * r["images"],
                     False))
    one = r["cold_requests_max"]
    verdicts.append(("%d concurrent admissions of new images: one cold admission's requests" % r["flight_threads"],
                     "%d" % r["flight_requests_max"], "%d" % one,
                     # Fewer than 2 that missed the cache: the flight never overlapped, so it proves nothing.
                     r["cold_requests_min"] == one and r["flight_requests_max"] == one and r["flight_waited_min"] >= 2,
                     False))
    verdicts.append(("admitd's request count agrees with the registry's log", str(r["registry_log_requests"]),
                     str(r["requests_total"]), r["requests_total"] == r["registry_log_requests"], False))

print("\n| target | measured | limit | verdict |")
print("|---|---:|---:|---|")
missed = 0
for name, value, limit, ok, timing in verdicts:
    if mode == "quick" and timing:
        verdict = "(not judged in --quick)"
    else:
        verdict = "met" if ok else "MISSED"
        missed += not ok
    print("| %s | %s | %s | %s |" % (name, value, limit, verdict))
sys.exit(1 if missed else 0)
