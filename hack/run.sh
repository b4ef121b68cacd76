#!/usr/bin/env bash
# Build admitd and run it with its built-in default policy on 127.0.0.1:8443.
# Without --tls-cert/--tls-key it makes a self-signed certificate and logs
# where it wrote it. Extra arguments go to `admitd serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
hack/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
exec build/admitd serve "$@"
