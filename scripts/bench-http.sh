#!/usr/bin/env bash
# Benchmarks `tensord-bench http` against the same endpoints on Hummingbird 2 (bench/hummingbird-bench) with the
# same bounded wrk run on 127.0.0.1 and the same small JSON body: POST /echo answers without decoding the body (the
# server alone), POST /sum decodes it and encodes a JSON answer (each side with its idiomatic JSON: TensorWire's
# parser and writer, Codable). Beside them a floor: bench/c-epoll, a C server that answers each read of /echo with a
# fixed response and no parsing, showing what the kernel alone costs per request. The machine is shared, so the two servers
# run in alternating rounds, and each row records how busy the machine was with other work during the run:
# "others" is the CPU (in cores) used by everything except the server and wrk, "steal" the CPU the hypervisor
# took. The summary gives the median of each column and the median of the per-round ratios.
# Usage: scripts/bench-http.sh [--rounds N] [--duration 10s] [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/wrk-rounds.sh
ROUNDS=3
DURATION=10s
BUILD=1
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) ROUNDS=$2; shift 2 ;;
        --duration) DURATION=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        *) echo "usage: $0 [--rounds N] [--duration 10s] [--no-build]" >&2; exit 2 ;;
    esac
done
PORT_TENSORD=18181
PORT_HB=18182
PORT_C=18183
WRK=(wrk -t2 -c32 -d"$DURATION" --latency -s scripts/post.lua)  # the path comes from WRK_PATH
TENSORD=.build/release/tensord-bench
HB=bench/hummingbird-bench/.build/release/HummingbirdBench
CEPOLL=.build/c-epoll-server

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

if [ "$BUILD" = 1 ]; then
    echo "building release servers (nice)…" >&2
    nice swift build -c release --product tensord-bench >&2
    nice swift build -c release --package-path bench/hummingbird-bench --scratch-path bench/hummingbird-bench/.build >&2
fi
mkdir -p .build
cc -O2 -pthread bench/c-epoll/server.c -o "$CEPOLL"

PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

# Busy and steal jiffies of the whole machine (/proc/stat: user nice system idle iowait irq softirq steal).
cpu_jiffies() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $9 }' /proc/stat; }
process_jiffies() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# measure NAME PORT PATH COMMAND… → "req/s p50 p99 others steal" of a server started for this run
measure() {
    local name=$1 port=$2 path=$3; shift 3
    "$@" >/dev/null 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    wait_for_port "$port"
    local busy0 steal0 busy1 steal1 server0 server1 wrk_seconds
    read -r busy0 steal0 < <(cpu_jiffies)
    server0=$(process_jiffies "$pid")
    wrk_seconds=$( { WRK_PATH=$path /usr/bin/time -f "%U %S" "${WRK[@]}" "http://127.0.0.1:$port$path" > "/tmp/bench-http-$name.txt"; } 2>&1 | tail -1)
    read -r busy1 steal1 < <(cpu_jiffies)
    server1=$(process_jiffies "$pid")
    kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
    local hz elapsed others steal
    hz=$(getconf CLK_TCK)
    elapsed=$(awk '/requests in/ { sub(/s,$/, "", $4); print $4 }' "/tmp/bench-http-$name.txt")
    others=$(awk -v b=$((busy1 - busy0)) -v s=$((server1 - server0)) -v w="$wrk_seconds" -v hz="$hz" -v t="$elapsed" \
        'BEGIN { split(w, x, " "); v = ((b - s) / hz - x[1] - x[2]) / t; printf "%.2f", v < 0 ? 0 : v }')
    steal=$(awk -v d=$((steal1 - steal0)) -v hz="$hz" -v t="$elapsed" 'BEGIN { printf "%.2f", d / hz / t }')
    echo "$(wrk_figures "/tmp/bench-http-$name.txt") $others $steal"
}

# run SERVER-ENDPOINT (tensord-echo, c-epoll-echo, …) → its figures
run() {
    local server=${1%-*} path=/${1##*-}
    case $server in
        tensord) measure "$1" "$PORT_TENSORD" "$path" "$TENSORD" http --port "$PORT_TENSORD" ;;
        hummingbird) measure "$1" "$PORT_HB" "$path" "$HB" "$PORT_HB" ;;
        c-epoll) measure "$1" "$PORT_C" "$path" "$CEPOLL" "$PORT_C" ;;
    esac
}

echo "$(nproc) cores; wrk -t2 -c32 -d$DURATION --latency -s scripts/post.lua (small JSON POST), $ROUNDS rounds"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
FORMAT='%-6s %-18s %12s %10s %10s %7s %7s\n'
# shellcheck disable=SC2059 # the format is ours
printf "$FORMAT" round "server endpoint" "req/s" p50 p99 others steal
RUNS=(tensord-echo hummingbird-echo c-epoll-echo tensord-sum hummingbird-sum)
rounds "$ROUNDS" "$FORMAT" run "${RUNS[@]}"

echo
printf '%-18s %12s %10s %10s\n' "median" "req/s" "p50 (us)" "p99 (us)"
for name in "${RUNS[@]}"; do
    # shellcheck disable=SC2046 # the medians are words
    printf '%-18s %12s %10s %10s\n' "$name" $(medians "$name")
done
# ratio ONE OTHER: the per-round ratios of ONE's req/s to OTHER's, and their median.
ratio() {
    local r
    r=$(ratios "$1" "$2")
    echo "ratio $1 / $2 per round: $(tr '\n' ' ' <<<"$r")(median $(median <<<"$r" | xargs printf '%.2f')x)"
}
ratio tensord-echo hummingbird-echo
ratio tensord-echo c-epoll-echo
ratio tensord-sum hummingbird-sum
