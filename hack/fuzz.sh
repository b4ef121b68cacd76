#!/usr/bin/env bash
# Build the libFuzzer harnesses with clang and run each for a while, seeded
# from the recorded reviews, replay cases and policies in the repository.
#   hack/fuzz.sh [SECONDS_PER_HARNESS]     (default 120)
# fuzz_review runs the server's pipeline and compares it with an unpruned
# decode; fuzz_review_oom fails the arena allocation chosen by the input's
# first two bytes; fuzz_sigcache runs lookups of one digest at many
# locations through the signature cache against a fake registry and checks
# each answer against asking directly; fuzz_sigstore feeds the Sigstore
# bundle verifier. A crash leaves its input in the printed folder; add it to
# a unit test or to tests/fuzz/regress/.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-120}
command -v clang >/dev/null || { echo "fuzz.sh: needs clang (apt-get install clang)" >&2; exit 1; }
hack/deps.sh build
CC=clang cmake -S . -B build-fuzz -DADMITD_FUZZ=ON -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz_review fuzz_review_oom fuzz_config fuzz_sigcache fuzz_sigstore >/dev/null
out=$(mktemp -d)
mkdir -p "$out/review" "$out/review_oom" "$out/config" "$out/sigcache" "$out/sigstore"
cp tests/fixtures/reviews/*.json tests/fixtures/bench/*.json "$out/review/"
[ -d tests/fuzz/regress ] && cp tests/fuzz/regress/* "$out/review/"
# The OOM harness reads a failing allocation's number first: seed a spread.
for f in "$out"/review/*; do
  for n in '\001\000' '\040\000' '\000\001' '\000\004'; do
    { printf "$n"; cat "$f"; } >"$out/review_oom/$(basename "$f")-$(printf "$n" | od -An -tx1 | tr -d ' ')"
  done
done
for d in tests/replay/*/; do
  for f in "$d"input.* "$d"policy.yaml; do
    [ -f "$f" ] && cp "$f" "$out/config/$(basename "$d")-$(basename "$f")"
  done
done
cp deploy/base/policy.yaml hack/bench/families-policy.yaml "$out/config/"
cp tests/fuzz/seeds/*.yaml "$out/config/"
# Sigstore: the conformance bundles and roots beside the repository, when present,
# prefixed with the harness's mode byte (1: bundle under a key, 2: root NUL bundle).
sig=../shared/conformance/sigstore
printf '\000{}' >"$out/sigstore/empty-root"
if [ -d "$sig/bundle-verify" ]; then
  for d in "$sig"/bundle-verify/*/; do
    n=$(basename "$d")
    r=$sig/public-good-trusted_root.json
    [ -f "$d/trusted_root.json" ] && r=$d/trusted_root.json
    { printf '\001'; cat "$d/bundle.sigstore.json"; } >"$out/sigstore/$n-key"
    { printf '\002'; cat "$r"; printf '\000'; cat "$d/bundle.sigstore.json"; } >"$out/sigstore/$n-keyless"
  done
fi
cd "$out"
status=0
"$OLDPWD/build-fuzz/fuzz_review" -max_total_time="$secs" -max_len=65536 review || status=1
"$OLDPWD/build-fuzz/fuzz_review_oom" -max_total_time="$secs" -max_len=65538 review_oom || status=1
"$OLDPWD/build-fuzz/fuzz_config" -max_total_time="$secs" -max_len=16384 config || status=1
ADMITD_SOURCE_DIR="$OLDPWD" "$OLDPWD/build-fuzz/fuzz_sigcache" -max_total_time="$secs" -max_len=256 sigcache || status=1
"$OLDPWD/build-fuzz/fuzz_sigstore" -max_total_time="$secs" -max_len=200000 sigstore || status=1
echo "fuzz.sh: corpus and any crash inputs are in $out"
exit $status
