#!/usr/bin/env bash
# Bounded wrk runs against a release `tensord` on 127.0.0.1: POST /v1/ops/add with two
# 4-element tensors and POST /v1/ops/matmul with 256×256 float32 operands.
# Prints req/s, p50 and p99 for each. Usage: scripts/bench-api.sh [duration, default 10s] [connections, default 32]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10s}"
CONNECTIONS="${2:-32}"
PORT=18190
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

swift build -c release --product tensord >&2
DATA=$(mktemp -d)
.build/release/tensord --port "$PORT" --data-dir "$DATA" --quiet 2>/dev/null &
PID=$!
trap 'kill -TERM $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done

LUA=$(mktemp --suffix .lua)
run() { # NAME PATH BODY-FILE
    local out="/tmp/bench-api-$(echo "$1" | tr -c 'a-z0-9' '_').txt"
    cat > "$LUA" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$3", "rb"); wrk.body = f:read("*a"); f:close()
LUA
    wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$LUA" "http://127.0.0.1:$PORT$2" > "$out"
    grep -E "Socket errors|Non-2xx" "$out" >&2 || true
    printf '%-28s %10s %10s %10s\n' "$1" "$(awk '/^Requests\/sec/ {print $2}' "$out")" \
        "$(awk '$1 == "50%" {print $2}' "$out")" "$(awk '$1 == "99%" {print $2}' "$out")"
}

ADD=$(mktemp); MATMUL=$(mktemp)
echo '{"inputs": [{"shape": [4], "data": [1, 2, 3, 4]}, {"shape": [4], "data": [10, 20, 30, 40]}]}' > "$ADD"
python3 - "$MATMUL" <<'PY'
import json, random, sys
random.seed(7)
m = lambda: {"shape": [256, 256], "data": [round(random.gauss(0, 1), 6) for _ in range(256 * 256)]}
json.dump({"inputs": [m(), m()]}, open(sys.argv[1], "w"))
PY
echo "wrk -t2 -c$CONNECTIONS -d$DURATION --latency on 127.0.0.1 (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-28s %10s %10s %10s\n' endpoint "req/s" p50 p99
run "POST /v1/ops/add (4 elem)" /v1/ops/add "$ADD"
run "POST /v1/ops/matmul 256²" /v1/ops/matmul "$MATMUL"
rm -f "$ADD" "$MATMUL" "$LUA"
