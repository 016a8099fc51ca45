#!/usr/bin/env bash
# The Python SDK's checks: mypy --strict on the package, then pytest against a real
# `conquiet serve` (the workspace's target/debug/conquiet, or $CONQUIET_BIN; build it first
# with: flock /tmp/conquiet-cargo.lock cargo build -p conquiet-server --bin conquiet).
# Creates sdk/python/.venv when missing and installs the package and its test deps from PyPI.
# Exits nonzero on any failure; the last line is pytest's own summary.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check ".[test]"
echo "== mypy --strict"
.venv/bin/python -m mypy --strict src/conquiet examples
echo "== pytest"
exec .venv/bin/python -m pytest -q tests
