#!/usr/bin/env bash
# Fuzzes the RESP decoders with libFuzzer (cargo-fuzz). The stable toolchain is enough with
# RUSTC_BOOTSTRAP=1 (cargo-fuzz passes sanitizer flags that are otherwise nightly-only).
# Usage: scripts/fuzz.sh [seconds, default 300]. New inputs land in the kept corpus,
# crates/conquiet-resp/fuzz/corpus/resp_decode; minimize it afterwards with
# `RUSTC_BOOTSTRAP=1 cargo fuzz cmin resp_decode` from crates/conquiet-resp.
set -euo pipefail
cd "$(dirname "$0")/../crates/conquiet-resp"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
RUSTC_BOOTSTRAP=1 cargo fuzz run resp_decode -- -max_total_time="${1:-300}" -max_len=4096
