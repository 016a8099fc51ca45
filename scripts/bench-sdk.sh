#!/usr/bin/env bash
# The SDK's worker beside the raw CQ commands on one `conquiet serve` (fsync always), in
# rounds (each system once per round), with the server's CPU time per run read from
# /proc/<pid>/stat (user + system). Holds /tmp/conquiet-cargo.lock while it runs, so no build
# shares the cores with it. Usage:
#   scripts/bench-sdk.sh [--rounds N] [--systems "conquiet-cq conquiet-sdk"] [conquiet-bench run args]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3
systems="conquiet-cq conquiet-sdk"
args=()
while (($#)); do
    case "$1" in
        --rounds) rounds=$2; shift 2 ;;
        --systems) systems=$2; shift 2 ;;
        *) args+=("$1"); shift ;;
    esac
done
# Hold the shared cargo lock for the whole run: a build on the other core would skew it.
exec 9>/tmp/conquiet-cargo.lock
flock 9
cargo build --release -p conquiet-server -p conquiet-bench
bin=target/release
dir=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
"$bin/conquiet" serve --data-dir "$dir/data" --resp-addr "127.0.0.1:$port" --http-addr "127.0.0.1:$((port + 1))" \
    >"$dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$dir"' EXIT
sleep 1
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$server/stat"; }
printf '%-14s %8s %8s %8s %14s %14s\n' system e2e produce consume server_cpu_s client_cpu_s
for _ in $(seq "$rounds"); do
    for system in $systems; do
        before=$(cpu)
        /usr/bin/time -f '%U %S' -o "$dir/client.time" \
            "$bin/conquiet-bench" run --system "$system" --conquiet-resp "127.0.0.1:$port" --json \
            --no-progress ${args[@]+"${args[@]}"} >"$dir/run.json" 2>"$dir/run.err"
        after=$(cpu)
        python3 - "$system" "$((after - before))" "$ticks" "$dir/run.json" "$dir/client.time" <<'PY'
import json, sys
system, used, ticks, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
client = sum(float(x) for x in open(sys.argv[5]).read().split()[-2:])
row = json.load(open(path))["results"][0]
if row["error"]:
    print(f"{system:14} error: {row['error']}")
else:
    print(f"{system:14} {row['e2e_msgs_per_s']:8.0f} {row['produce_msgs_per_s']:8.0f} "
          f"{row['consume_msgs_per_s']:8.0f} {used / ticks:14.2f} {client:14.2f}")
PY
    done
done
