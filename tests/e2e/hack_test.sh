#!/usr/bin/env bash
# hack/test.sh on a copy of the source: after hack/run.sh has configured
# build/ without tests, it still builds and runs them, and a run that finds
# no test fails. cmake --build is skipped and ctest only lists the tests
# (wrappers on PATH), so this takes seconds, not a whole build.
ADMITD=${1:?usage: hack_test.sh PATH/TO/admitd}
. "$(dirname "$0")/lib.sh"

REPO="$WORK/repo"
mkdir -p "$REPO" "$WORK/bin"
tar -C "$ROOT" --exclude=./.git --exclude='./build*' -cf - . | tar -C "$REPO" -xf -
printf '#!/bin/sh\nexit 0\n' >"$REPO/hack/deps.sh"
cat >"$WORK/bin/cmake" <<SH
#!/bin/sh
[ "\$1" = --build ] && exit 0
exec $(command -v cmake) "\$@"
SH
# Registered tests are listed, not run (nothing was built); with none, the
# real ctest runs with the arguments hack/test.sh gave it.
cat >"$WORK/bin/ctest" <<SH
#!/bin/sh
n=\$($(command -v ctest) -N | sed -n 's/^Total Tests: //p')
if [ "\${n:-0}" -gt 0 ]; then echo "would run \$n tests"; exit 0; fi
exec $(command -v ctest) "\$@"
SH
chmod +x "$WORK/bin/cmake" "$WORK/bin/ctest"
export PATH="$WORK/bin:$PATH"

# hack/run.sh configures build/ without tests, then starts admitd (not built here).
"$REPO/hack/run.sh" >/dev/null 2>&1
expect_eq "run.sh configured build/ without tests" "BUILD_TESTING:BOOL=OFF" \
  "$(grep '^BUILD_TESTING:' "$REPO/build/CMakeCache.txt")"
out=$("$REPO/hack/test.sh" 2>&1)
expect_eq "test.sh after run.sh: exit 0" 0 $?
expect_contains "test.sh after run.sh: the tests are there" "would run " "$out"
expect_eq "test.sh turned the tests on" "BUILD_TESTING:BOOL=ON" "$(grep '^BUILD_TESTING:' "$REPO/build/CMakeCache.txt")"

# A tree whose tests are gone: ctest finds none, and that is a failure.
: >"$REPO/tests/CMakeLists.txt"
out=$("$REPO/hack/test.sh" 2>&1)
rc=$?
expect_eq "test.sh with no test: fails" 1 "$([ "$rc" -ne 0 ] && echo 1 || echo 0)"
expect_contains "test.sh with no test: says so" "No tests were found" "$out"

finish
