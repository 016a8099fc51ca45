#!/usr/bin/env bash
# Issue 5's side-by-side benchmark: every system in turn, in rounds (each system once per
# round, twice by default), then one table with each system's median, spread (min–max) and
# ratio to conquiet-cq.
#
#   scripts/bench-peers.sh [--runs N] [--systems a,b,...] [--out FILE] [conquiet-bench run args]
#
# Builds the release binaries first (under the shared cargo lock). Each conquiet system gets
# a fresh `conquiet serve` (fsync always, temporary data directory, free ports), each Redis
# system a fresh redis-server (AOF on; off for redis-memory, the not-durable reference row that
# shows how fast this client goes on this machine); NATS, RabbitMQ and PostgreSQL are the ones on
# this machine (see `conquiet-bench run --help` for their addresses). A system whose service
# does not answer is skipped with a note. Every run's JSON goes to FILE (one line per run;
# default target/bench-results/peers-<time>.jsonl). Exits 1 if any run failed.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=2
systems=conquiet-cq,conquiet-resp,conquiet-http,redis-always,redis-everysec,redis-memory,nats,rabbitmq-classic,rabbitmq-quorum,postgres,disk
out="target/bench-results/peers-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        --systems) systems="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        *) args+=("$1"); shift ;;
    esac
done

flock /tmp/conquiet-cargo.lock cargo build --release -p conquiet-server -p conquiet-bench
bench=target/release/conquiet-bench
conquiet=target/release/conquiet
mkdir -p "$(dirname "$out")"
: >"$out"

notes=()
failures=0
reachable=()
for system in ${systems//,/ }; do
    status=0
    "$bench" probe --system "$system" --spawn-conquiet "$conquiet" "${args[@]}" || status=$?
    if [[ $status -eq 3 ]]; then
        notes+=("$system: skipped, its service is not reachable")
    elif [[ $status -ne 0 ]]; then
        notes+=("$system: skipped, probe failed (exit $status)")
        failures=$((failures + 1))
    else
        reachable+=("$system")
    fi
done
# Rounds, not one system's runs back to back: this machine's speed drifts over minutes, and a
# system measured only in a slow stretch would look slower than it is.
for run in $(seq 1 "$runs"); do
    for system in "${reachable[@]}"; do
        echo "== $system: run $run of $runs" >&2
        if ! "$bench" run --system "$system" --spawn-conquiet "$conquiet" --json "${args[@]}" >>"$out"; then
            notes+=("$system: run $run FAILED (its row in $out says why)")
            failures=$((failures + 1))
        fi
    done
done

echo
"$bench" summarize "$out"
echo
for note in "${notes[@]}"; do
    echo "note: $note"
done
echo "results: $out"
if [[ $failures -gt 0 ]]; then
    echo "FAILED: $failures run(s)" >&2
    exit 1
fi
