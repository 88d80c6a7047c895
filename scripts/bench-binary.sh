#!/usr/bin/env bash
# .npy against JSON on a release `tensord` on 127.0.0.1, in one run, with the floor beneath:
#  1. a 10^7-element float32 tensor uploaded (PUT /v1/tensors/{name}) and downloaded (GET) as .npy and
#     as JSON with curl: the best of N transfers (curl's time_total) as GB/s of the tensor's 40 MB, and the
#     server's own CPU time per transfer (utime + stime from /proc, median), which a busy machine moves
#     far less than the wall time; then the .npy upload and download again with a client faster than curl
#     (bench/loopback put/get: one keep-alive connection, the body sent from memory in one send() call,
#     an answer read into a buffer touched beforehand; best of N, server CPU per transfer as the mean);
#  2. the floor on this machine in the same run: one thread sending 40 MB to another over loopback TCP
#     (bench/loopback raw), and curl's and the C client's same .npy PUT to a C sink that only reads the
#     body (bench/loopback sink): no server can take the upload from that client faster than that;
#  3. POST /v1/ops/matmul on two stored 256×256 float32 tensors answered as JSON and as .npy
#     (Accept: application/x-npy): wrk req/s, p50 and p99.
# Usage: scripts/bench-binary.sh [--transfers N] [--duration 10s] [--connections 32] [--no-build] [--binary PATH]
# (--binary: measure that tensord instead of building .build/release/tensord, e.g. an older build)
set -euo pipefail
cd "$(dirname "$0")/.."
TRANSFERS=5
DURATION=10s
CONNECTIONS=32
BUILD=1
TENSORD=.build/release/tensord
while [ $# -gt 0 ]; do
    case "$1" in
        --transfers) TRANSFERS=$2; shift 2 ;;
        --duration) DURATION=$2; shift 2 ;;
        --connections) CONNECTIONS=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --binary) TENSORD=$2; BUILD=0; shift 2 ;;
        *) echo "usage: $0 [--transfers N] [--duration 10s] [--connections 32] [--no-build] [--binary PATH]" >&2; exit 2 ;;
    esac
done
PORT=18191
SINK_PORT=18192
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
python3 -c 'import numpy' 2>/dev/null || { echo "numpy is missing: pip install numpy" >&2; exit 1; }

[ "$BUILD" = 1 ] && swift build -c release --product tensord >&2
mkdir -p .build
cc -O2 -pthread bench/loopback/loopback.c -o .build/loopback
DATA=$(mktemp -d)
WORK=$(mktemp -d)
"$TENSORD" --port "$PORT" --data-dir "$DATA" --quiet --max-body-bytes $((512 << 20)) \
    --max-store-bytes $((2 << 30)) 2>/dev/null &
PID=$!
.build/loopback sink "$SINK_PORT" &
SINK=$!
trap 'kill -TERM $PID $SINK 2>/dev/null || true; rm -rf "$DATA" "$WORK"' EXIT
for port in "$PORT" "$SINK_PORT"; do
    for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
done
URL="http://127.0.0.1:$PORT"

python3 - "$WORK" "$URL" "$PID" "$TRANSFERS" "http://127.0.0.1:$SINK_PORT" <<'PY'
import json, os, statistics, subprocess, sys
import numpy as np
work, url, pid, transfers, sink = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
x = np.random.default_rng(7).standard_normal(10**7, dtype=np.float32)
np.save(f"{work}/big.npy", x)
tensor_bytes = x.nbytes
ticks = os.sysconf("SC_CLK_TCK")

def server_cpu():
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / ticks

def measure(args):
    """Best wall time of the transfers and the median server CPU time per transfer."""
    walls, cpus, size = [], [], 0
    for _ in range(transfers):
        before = server_cpu()
        out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{time_total} %{size_upload} %{size_download} %{http_code}"] + args,
                             check=True, capture_output=True, text=True).stdout.split()
        cpus.append(server_cpu() - before)
        walls.append(float(out[0]))
        size = max(int(out[1]), int(out[2]))
        assert out[3] in ("200", "201"), out
    return min(walls), statistics.median(cpus), size

def c_client(args):
    """The C client's best wall time and the server's mean CPU time per transfer (its warm-up included)."""
    before = server_cpu()
    best = float(subprocess.run([".build/loopback"] + args, check=True, capture_output=True, text=True).stdout)
    return best, (server_cpu() - before) / (transfers + 1)

def loadavg():
    return " ".join(open("/proc/loadavg").read().split()[:3])

print(f"10^7 float32 ({tensor_bytes / 1e6:.0f} MB of elements) on 127.0.0.1, curl, best of {transfers}; load average {loadavg()}")
print(f"{'transfer':<44} {'body MB':>8} {'ms':>8} {'GB/s':>6} {'server CPU ms':>14} {'GB/s per CPU s':>15}")
rows = {}
npy, js = f"{work}/big.npy", f"{work}/big.json"
def row(label, args, measured=None):
    wall, cpu, size = rows[label] = measured or measure(args)
    print(f"{label:<44} {size / 1e6:>8.1f} {wall * 1e3:>8.1f} {tensor_bytes / wall / 1e9:>6.2f} {cpu * 1e3:>14.0f} {tensor_bytes / max(cpu, 1e-3) / 1e9:>15.2f}")
row("PUT .npy", ["-X", "PUT", "--data-binary", f"@{npy}", "-H", "Content-Type: application/x-npy", f"{url}/v1/tensors/big"])
row("GET .npy", ["-H", "Accept: application/x-npy", f"{url}/v1/tensors/big"])
row("GET JSON", [f"{url}/v1/tensors/big"])
# The JSON upload sends what the JSON download answered: the same values, each in its shortest
# float32 digits, as a client that keeps Tensord's JSON would.
subprocess.run(["curl", "-sf", "-o", js, f"{url}/v1/tensors/big"], check=True)
row("PUT JSON", ["-X", "PUT", "--data-binary", f"@{js}", "-H", "Content-Type: application/json", f"{url}/v1/tensors/big"])
for way in ("PUT", "GET"):
    n, j = rows[f"{way} .npy"], rows[f"{way} JSON"]
    print(f"{way} .npy against JSON: {j[0] / n[0]:.1f}x faster, {j[1] / max(n[1], 1e-3):.1f}x less server CPU")
port = url.rsplit(":", 1)[1]
npy_size = os.path.getsize(npy)
row("PUT .npy, C client (bench/loopback put)", None, (*c_client(["put", port, "/v1/tensors/big", npy, str(transfers)]), npy_size))
row("GET .npy, C client (bench/loopback get)", None, (*c_client(["get", port, "/v1/tensors/big", str(transfers)]), npy_size))

raw = float(subprocess.run([".build/loopback", "raw", str(tensor_bytes), str(transfers)], check=True, capture_output=True, text=True).stdout)
walls = [float(subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{time_total}", "-X", "PUT", "--data-binary", f"@{npy}",
                               "-H", "Content-Type: application/x-npy", f"{sink}/v1/tensors/big"],
                              check=True, capture_output=True, text=True).stdout) for _ in range(transfers)]
print("floor, same run:")
print(f"{'  loopback TCP, memory to memory (bench/loopback raw)':<44} {tensor_bytes / 1e6:>8.1f} {tensor_bytes / raw / 1e6:>8.1f} {raw:>6.2f}")
print(f"{'  curl PUT .npy to a C sink (bench/loopback sink)':<44} {tensor_bytes / 1e6:>8.1f} {min(walls) * 1e3:>8.1f} {tensor_bytes / min(walls) / 1e9:>6.2f}")
sink_port = sink.rsplit(":", 1)[1]
c_sink = float(subprocess.run([".build/loopback", "put", sink_port, "/v1/tensors/big", npy, str(transfers)],
                              check=True, capture_output=True, text=True).stdout)
print(f"{'  C client PUT .npy to the C sink':<44} {tensor_bytes / 1e6:>8.1f} {c_sink * 1e3:>8.1f} {tensor_bytes / c_sink / 1e9:>6.2f}")
print(f"load average at the end: {loadavg()}")
rng = np.random.default_rng(8)
for name in ("a", "b"):
    np.save(f"{work}/{name}.npy", rng.standard_normal((256, 256), dtype=np.float32))
PY
echo

for name in a b; do curl -sf -o /dev/null -X PUT --data-binary @"$WORK/$name.npy" -H 'Content-Type: application/x-npy' "$URL/v1/tensors/$name"; done
LUA=$(mktemp --suffix .lua)
declare -A RPS
run() { # LABEL ACCEPT
    local out="$WORK/wrk-${2#application/}.txt"
    cat > "$LUA" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "$2"
wrk.body = '{"inputs": [{"ref": "a"}, {"ref": "b"}]}'
LUA
    wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$LUA" "$URL/v1/ops/matmul" > "$out"
    grep -E "Socket errors|Non-2xx" "$out" >&2 || true
    RPS[$2]=$(awk '/^Requests\/sec/ {print $2}' "$out")
    printf '%-36s %10s %10s %10s\n' "$1" "${RPS[$2]}" \
        "$(awk '$1 == "50%" {print $2}' "$out")" "$(awk '$1 == "99%" {print $2}' "$out")"
}
echo "POST /v1/ops/matmul on stored 256×256 float32: wrk -t2 -c$CONNECTIONS -d$DURATION"
printf '%-36s %10s %10s %10s\n' answer "req/s" p50 p99
run "JSON (application/json)" "application/json"
run ".npy (application/x-npy)" "application/x-npy"
python3 -c "print(f'.npy against JSON: {${RPS[application/x-npy]} / ${RPS[application/json]}:.2f}x the requests/s')"
rm -f "$LUA"
