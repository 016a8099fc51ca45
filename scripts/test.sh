#!/usr/bin/env bash
# Runs the whole test suite. Extra arguments go to the test binaries, e.g. `--include-ignored`
# also runs the tests that need local services (Redis on 6379 and friends).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --workspace --all-targets
cargo test --workspace -- "$@"
