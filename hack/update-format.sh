#!/usr/bin/env bash
# Format every C source with clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
clang-format -i $(git ls-files '*.c' '*.h')
