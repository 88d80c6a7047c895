#!/usr/bin/env bash
# Benchmarks `tensord-bench http` against the same endpoint on Hummingbird 2 (bench/hummingbird-bench),
# one after the other, with the same bounded wrk run on 127.0.0.1. Prints req/s, p50, p99 and the ratio.
# Usage: scripts/bench-http.sh [duration, default 10s]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10s}"
PORT_TENSORD=18181
PORT_HB=18182
WRK=(wrk -t2 -c32 -d"$DURATION" --latency -s scripts/post.lua)

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

echo "building release servers…" >&2
swift build -c release --scratch-path .build-release --product tensord-bench >&2
swift build -c release --package-path bench/hummingbird-bench --scratch-path bench/hummingbird-bench/.build >&2

PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_for_port() {
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "server on port $1 did not start" >&2; exit 1
}

# run_one NAME PORT COMMAND… → prints "NAME req/s p50 p99"
run_one() {
    local name=$1 port=$2; shift 2
    "$@" >/dev/null 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    wait_for_port "$port"
    "${WRK[@]}" "http://127.0.0.1:$port/echo" > "/tmp/bench-http-$name.txt"
    kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
    local rps p50 p99
    rps=$(awk '/^Requests\/sec/ {print $2}' "/tmp/bench-http-$name.txt")
    p50=$(awk '$1 == "50%" {print $2}' "/tmp/bench-http-$name.txt")
    p99=$(awk '$1 == "99%" {print $2}' "/tmp/bench-http-$name.txt")
    grep -E "Socket errors|Non-2xx" "/tmp/bench-http-$name.txt" >&2 || true
    echo "$name $rps $p50 $p99"
}

T=$(run_one tensord "$PORT_TENSORD" .build-release/release/tensord-bench http --port "$PORT_TENSORD")
H=$(run_one hummingbird "$PORT_HB" bench/hummingbird-bench/.build/release/HummingbirdBench "$PORT_HB")

echo
echo "wrk -t2 -c32 -d$DURATION --latency -s scripts/post.lua (POST /echo, small JSON)"
printf '%-12s %12s %10s %10s\n' server "req/s" p50 p99
for row in "$T" "$H"; do
    read -r name rps p50 p99 <<<"$row"
    printf '%-12s %12s %10s %10s\n' "$name" "$rps" "$p50" "$p99"
done
read -r _ trps _ _ <<<"$T"
read -r _ hrps _ _ <<<"$H"
awk -v t="$trps" -v h="$hrps" 'BEGIN { printf "ratio tensord/hummingbird: %.2fx\n", t / h }'
