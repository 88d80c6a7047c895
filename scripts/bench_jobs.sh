#!/usr/bin/env bash
# Measures what training jobs cost the rest of the server, on a release build:
#   1. wrk p50/p99 of a small POST /v1/ops/add on an idle server, then with 2 jobs running;
#   2. job throughput (optimizer steps/s) of the reference model (MLP 64→128→10, Adam, batch
#      32, standardised digits; the model of `tensord-bench train`) run as a job, against the
#      same model trained directly through `Training` (`tensord-bench train`).
#
#   swift build -c release && scripts/bench_jobs.sh [seconds per wrk run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
BIN=.build/release
PORT=${PORT:-18555}
DATA=$(mktemp -d)
URL=http://127.0.0.1:$PORT
"$BIN/tensord" --port "$PORT" --data-dir "$DATA" --quiet --lanes 2 --max-running-jobs 2 2>/dev/null &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$DATA" /tmp/tensord-bench-add.lua' EXIT
sleep 1

python3 - "$URL" <<'EOF'
import json, sys, urllib.request
url = sys.argv[1]
rows = [list(map(int, l.split(","))) for l in open("Tests/TrainingTests/Fixtures/digits.csv") if l.strip()]
def put(name, body):
    req = urllib.request.Request(f"{url}/v1/tensors/{name}", data=json.dumps(body).encode(), method="PUT",
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
put("digits_x", {"shape": [len(rows), 64], "data": [v for r in rows for v in r[:64]]})
put("digits_y", {"shape": [len(rows)], "dtype": "int64", "data": [r[64] for r in rows]})
EOF

cat > /tmp/tensord-bench-add.lua <<'EOF'
wrk.method = "POST"
wrk.body = '{"inputs":[{"shape":[4],"data":[1,2,3,4]},{"shape":[4],"data":[10,20,30,40]}]}'
wrk.headers["Content-Type"] = "application/json"
EOF

job() {  # job <epochs> → id
  curl -s -X POST "$URL/v1/jobs" -H 'Content-Type: application/json' -d "{\"name\": \"bench\",
    \"model\": {\"layers\": [{\"linear\": {\"in\": 64, \"out\": 128}}, \"relu\", {\"linear\": {\"in\": 128, \"out\": 10}}]},
    \"data\": {\"x\": {\"ref\": \"digits_x\"}, \"y\": {\"ref\": \"digits_y\"}, \"shuffle\": true, \"scaling\": \"standardize\"},
    \"loss\": \"cross_entropy\", \"optimizer\": {\"type\": \"adam\", \"lr\": 0.001}, \"epochs\": $1, \"batch_size\": 32}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
wait_job() {
  while :; do
    s=$(curl -s "$URL/v1/jobs/$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
    case $s in succeeded|failed|cancelled) break;; esac
    sleep 0.2
  done
}
rate() {  # steps/s of a finished job, from its running time
  curl -s "$URL/v1/jobs/$1" | python3 -c '
import json, sys
from datetime import datetime
j = json.load(sys.stdin)
t = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
secs = t(j["finished_at"]) - t(j["started_at"])
n = j["progress"]["step"]
print("%.0f steps/s (%d steps in %.2f s, %s)" % (n / secs, n, secs, j["status"]))'
}
latency() { wrk -t1 -c4 -d"${DURATION}s" --latency -s /tmp/tensord-bench-add.lua "$URL/v1/ops/add" | grep -E "^ +(50|99)%|Requests/sec"; }

echo "== wrk POST /v1/ops/add, idle server"
latency
echo "== wrk POST /v1/ops/add, 2 training jobs running"
A=$(job 100000); B=$(job 100000)
sleep 1
latency
curl -s "$URL/v1/jobs/$A" | python3 -c 'import json,sys; j=json.load(sys.stdin); print("job A:", j["status"], "step", j["progress"]["step"])'
curl -s -X POST "$URL/v1/jobs/$A/cancel" >/dev/null; curl -s -X POST "$URL/v1/jobs/$B/cancel" >/dev/null
wait_job "$A"; wait_job "$B"
echo "   while wrk ran: job A $(rate "$A"), job B $(rate "$B")"

echo "== job throughput, one job alone (20 epochs of 57 steps)"
C=$(job 20); wait_job "$C"
echo "   job: $(rate "$C")"
echo "== the same model through Training directly"
"$BIN/tensord-bench" train --epochs 20
