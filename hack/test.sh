#!/usr/bin/env bash
# Build admitd and run every test: unit tests, the Pod Security conformance
# corpus (from ../shared when present), replay cases, CLI and end-to-end
# server tests.
#   hack/test.sh              a normal build in build/
#   hack/test.sh --sanitize   AddressSanitizer + UndefinedBehaviorSanitizer in build-asan/
set -euo pipefail
cd "$(dirname "$0")/.."
hack/deps.sh test
dir=build
# BUILD_TESTING is given every time: build/ may have been configured
# without tests (hack/run.sh does), and CMake would keep that choice.
opts=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DADMITD_WERROR=ON -DBUILD_TESTING=ON)
if [ "${1:-}" = --sanitize ]; then
  dir=build-asan
  opts=(-DCMAKE_BUILD_TYPE=Debug -DADMITD_SANITIZE=ON -DADMITD_WERROR=ON -DBUILD_TESTING=ON)
fi
cmake -S . -B "$dir" "${opts[@]}" >/dev/null
cmake --build "$dir" -j"$(nproc)"
cd "$dir"
# A run that found no test is a failure, not a pass.
ctest --output-on-failure --no-tests=error -j2
