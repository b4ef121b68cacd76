#!/usr/bin/env bash
# Replay every case folder under tests/replay/: each holds input.json or
# input.yaml (an AdmissionReview as recorded, or a manifest), optionally a
# policy.yaml, and either expected.txt, the exact `admitd check` output (for
# cases about that output), or case.test.yaml, what the decision must be,
# run by `admitd test` (ctest policy/suites). Adding a case needs no code.
# ADMITD_UPDATE_GOLDEN=1 rewrites expected.txt on purpose.
ADMITD=$(realpath "${1:?usage: run.sh PATH/TO/admitd}")
here=$(cd "$(dirname "$0")" && pwd)
passed=0
failed=0
for dir in "$here"/*/; do
  name=$(basename "$dir")
  # A policy expectation, not an output format: admitd test runs it.
  [ -f "$dir/case.test.yaml" ] && [ ! -f "$dir/expected.txt" ] && continue
  input=$(ls "$dir"input.* 2>/dev/null | head -n 1)
  if [ -z "$input" ]; then
    echo "FAIL $name: no input.json or input.yaml"
    failed=$((failed + 1))
    continue
  fi
  args=()
  [ -f "$dir/policy.yaml" ] && args+=(--policy "$dir/policy.yaml")
  [ -f "$dir/args" ] && read -r -a extra <"$dir/args" && args+=("${extra[@]}")
  # Paths are printed relative to the case folder so golden files are portable.
  actual=$(cd "$dir" && "$ADMITD" check "${args[@]}" "$(basename "$input")" 2>&1; echo "exit $?")
  if [ "${ADMITD_UPDATE_GOLDEN:-}" = 1 ]; then
    printf '%s\n' "$actual" >"$dir/expected.txt"
    echo "updated $name"
  fi
  if [ ! -f "$dir/expected.txt" ]; then
    echo "FAIL $name: no expected.txt (run with ADMITD_UPDATE_GOLDEN=1 to create it)"
    failed=$((failed + 1))
  elif [ "$actual" = "$(cat "$dir/expected.txt")" ]; then
    passed=$((passed + 1))
  else
    echo "FAIL $name:"
    diff <(cat "$dir/expected.txt") <(printf '%s\n' "$actual") | sed 's/^/    /'
    failed=$((failed + 1))
  fi
done
echo "replay: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
