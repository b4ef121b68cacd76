#!/usr/bin/env bash
# Refuse unbounded or unsafe C library calls (curl's checksrc list).
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol)\s*\('
if grep -nE "$pattern" --include='*.c' --include='*.h' -r server policies include tests; then
  echo "verify-banned: use bounded forms (snprintf, memcpy with a length, strtol, strtok_r)" >&2
  exit 1
fi
echo "verify-banned: ok"
