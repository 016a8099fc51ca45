#!/usr/bin/env bash
# Runs the whole test suite. Extra arguments go to the test binaries, e.g. `--include-ignored`
# also runs the tests that need local services (Redis on 6379 and friends). Ends with one line
# that totals every test binary's result.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --workspace --all-targets
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace -- "$@" 2>&1 | tee "$log" || status=$?
passed=$(grep -Eo '^test result: [a-zA-Z]+\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed;' "$log" | awk '{s+=$1} END {print s+0}')
# The Python SDK's tests install their packages from PyPI into sdk/python/.venv, so they run
# with the tests that need more than the machine itself (--include-ignored), as CI does.
if [[ " $* " == *" --include-ignored "* ]]; then
    pylog=$(mktemp)
    trap 'rm -f "$log" "$pylog"' EXIT
    CONQUIET_BIN="$PWD/target/debug/conquiet" ./sdk/python/run-tests.sh 2>&1 | tee "$pylog" || status=$?
    # grep finds nothing on a clean run; that is not a failure of this script.
    pypassed=$(tail -n 5 "$pylog" | { grep -Eo '[0-9]+ passed' || true; } | awk '{s+=$1} END {print s+0}')
    pyfailed=$(tail -n 5 "$pylog" | { grep -Eo '[0-9]+ (failed|error)' || true; } | awk '{s+=$1} END {print s+0}')
    passed=$((passed + pypassed))
    failed=$((failed + pyfailed))
fi
echo
echo "tests: ${passed} passed, ${failed} failed"
exit "$status"
