#!/usr/bin/env bash
# The API's small requests against the server's own floor, in one sitting on 127.0.0.1 (issue 19).
#
# The floor is `tensord-bench http`'s POST /sum: HTTPServer decoding a small JSON body and encoding a small JSON
# answer, with nothing else. Against it: POST /v1/ops/add (two 4-element tensors), POST /v1/eval (a one-line
# program on two 4-element tensors) and GET /v1/jobs/{id} (a finished job), each on a release `tensord` with
# the request log on (the default; the log goes to a file) and on one started with --quiet. Every run is
# `wrk -t2 -c32`; the runs alternate their order round by round (the machine is shared), and the summary gives
# each endpoint's median req/s, p50, p99 and the median of its per-round ratio to the floor.
# `--matmul` adds one run of POST /v1/ops/matmul with 256×256 float32 operands (bound by JSON).
# Usage: scripts/bench-api.sh [--rounds 3] [--duration 10s] [--no-build] [--matmul]
# (TENSORD=path/to/tensord measures another build, e.g. an older one, against the same floor.)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/wrk-rounds.sh
ROUNDS=3
DURATION=10s
BUILD=1
MATMUL=0
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) ROUNDS=$2; shift 2 ;;
        --duration) DURATION=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --matmul) MATMUL=1; shift ;;
        *) echo "usage: $0 [--rounds N] [--duration 10s] [--no-build] [--matmul]" >&2; exit 2 ;;
    esac
done
TENSORD=${TENSORD:-.build/release/tensord}
# Free ports chosen now: fixed ones collided with another run of this script on the same machine, whose
# servers then answered (or refused) in place of ours.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT_FLOOR=$(free_port)
PORT_LOG=$(free_port)
PORT_QUIET=$(free_port)
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

if [ "$BUILD" = 1 ]; then
    swift build -c release --product tensord >&2
    swift build -c release --product tensord-bench >&2
fi
WORK=$(mktemp -d)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

.build/release/tensord-bench http --port "$PORT_FLOOR" >/dev/null 2>&1 &
PIDS+=($!)
"$TENSORD" --port "$PORT_LOG" --data-dir "$WORK/log" 2>"$WORK/request.log" &
PIDS+=($!)
"$TENSORD" --port "$PORT_QUIET" --data-dir "$WORK/quiet" --quiet 2>/dev/null &
PIDS+=($!)
for port in $PORT_FLOOR $PORT_LOG $PORT_QUIET; do wait_for_port "$port"; done
for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "a server exited at start (port taken?)" >&2; exit 1; }; done

# A finished job on each tensord for GET /v1/jobs/{id}.
job_on() { # PORT → the id of a finished 100-step objective job
    local id
    id=$(curl -sf "http://127.0.0.1:$1/v1/jobs" -H 'Content-Type: application/json' -d '{"name": "bench",
      "objective": {"params": {"p": {"data": [3.0, -2.0]}}, "expr": "loss = sum((p - 1.0) ** 2)"},
      "optimizer": {"type": "sgd", "lr": 0.1}, "steps": 100}' | grep -o '"id":"[^"]*"' | head -1 | cut -d'"' -f4)
    for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$1/v1/jobs/$id" | grep -q '"status":"succeeded"' && break
        sleep 0.1
    done
    echo "$id"
}
JOB_LOG=$(job_on $PORT_LOG)
JOB_QUIET=$(job_on $PORT_QUIET)

# wrk scripts: METHOD BODY → a file
lua() {
    local file="$WORK/$1.lua"
    { echo "wrk.method = \"$2\""; echo 'wrk.headers["Content-Type"] = "application/json"'
      [ -n "$3" ] && echo "wrk.body = '$3'"; } > "$file"
    echo "$file"
}
SUM=$(lua sum POST '{"name":"tensord","shape":[2,3],"data":[1,2,3,4,5,6]}')
ADD=$(lua add POST '{"inputs": [{"shape": [4], "data": [1, 2, 3, 4]}, {"shape": [4], "data": [10, 20, 30, 40]}]}')
EVAL=$(lua eval POST '{"tensors": {"x": {"data": [1, 2, 3, 4]}, "y": {"data": [10, 20, 30, 40]}}, "expr": "z = x * y + 1", "outputs": ["z"]}')
GET=$(lua get GET '')

# measure NAME PORT PATH LUA → "req/s p50 p99"
measure() {
    wrk -t2 -c32 -d"$DURATION" --latency -s "$4" "http://127.0.0.1:$2$3" > "$WORK/$1.txt"
    wrk_figures "$WORK/$1.txt"
}

run() {
    case $1 in
        floor-sum) measure "$1" $PORT_FLOOR /sum "$SUM" ;;
        add-log) measure "$1" $PORT_LOG /v1/ops/add "$ADD" ;;
        add-quiet) measure "$1" $PORT_QUIET /v1/ops/add "$ADD" ;;
        eval-log) measure "$1" $PORT_LOG /v1/eval "$EVAL" ;;
        eval-quiet) measure "$1" $PORT_QUIET /v1/eval "$EVAL" ;;
        job-log) measure "$1" $PORT_LOG "/v1/jobs/$JOB_LOG" "$GET" ;;
        job-quiet) measure "$1" $PORT_QUIET "/v1/jobs/$JOB_QUIET" "$GET" ;;
    esac
}

echo "$(nproc) cores; wrk -t2 -c32 -d$DURATION --latency on 127.0.0.1, $ROUNDS rounds; log = request log on (to a file), quiet = --quiet"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
FORMAT='%-6s %-12s %10s %10s %10s\n'
# shellcheck disable=SC2059 # the format is ours
printf "$FORMAT" round run "req/s" p50 p99
RUNS=(floor-sum add-log add-quiet eval-log eval-quiet job-log job-quiet)
rounds "$ROUNDS" "$FORMAT" run "${RUNS[@]}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

echo
printf '%-12s %10s %10s %10s  %s\n' median "req/s" "p50 (us)" "p99 (us)" "ratio to floor-sum per round (median; target)"
for name in "${RUNS[@]}"; do
    r=$(ratios "$name" floor-sum)
    case $name in add-*|job-*) target=0.75 ;; eval-*) target=0.5 ;; *) target=- ;; esac
    # shellcheck disable=SC2046 # the medians are words
    printf '%-12s %10s %10s %10s  %s(median %.2fx; %s)\n' "$name" $(medians "$name") \
        "$(xargs printf '%.2f ' <<<"$r")" "$(median <<<"$r")" "$target"
done

if [ "$MATMUL" = 1 ]; then
    python3 - "$WORK/matmul.json" <<'PY'
import json, random, sys
random.seed(7)
m = lambda: {"shape": [256, 256], "data": [round(random.gauss(0, 1), 6) for _ in range(256 * 256)]}
json.dump({"inputs": [m(), m()]}, open(sys.argv[1], "w"))
PY
    cat > "$WORK/matmul.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$WORK/matmul.json", "rb"); wrk.body = f:read("*a"); f:close()
LUA
    echo
    printf '%-12s %10s %10s %10s\n' run "req/s" p50 p99
    printf '%-12s %10s %10s %10s\n' matmul-quiet $(measure matmul-quiet $PORT_QUIET /v1/ops/matmul "$WORK/matmul.lua")
fi
