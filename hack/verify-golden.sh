#!/usr/bin/env bash
# The replay golden files match what admitd prints now. To accept a change
# on purpose: ADMITD_UPDATE_GOLDEN=1 tests/replay/run.sh build/admitd
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/admitd ] || { echo "verify-golden: build first (hack/test.sh)" >&2; exit 1; }
tests/replay/run.sh build/admitd
