#!/usr/bin/env bash
# .npy against JSON on a release `tensord` on 127.0.0.1, in one run:
#  1. a 10^7-element float32 tensor uploaded (PUT /v1/tensors/{name}) and downloaded (GET),
#     best of 5 curl transfers each (curl's time_total), as MB/s of the .npy file's size;
#  2. POST /v1/ops/matmul on two stored 256×256 float32 tensors, answered as JSON and as
#     .npy (Accept: application/x-npy): wrk req/s, p50 and p99.
# Usage: scripts/bench-binary.sh [wrk duration, default 10s] [connections, default 32]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10s}"
CONNECTIONS="${2:-32}"
PORT=18191
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
python3 -c 'import numpy' 2>/dev/null || { echo "numpy is missing: pip install numpy" >&2; exit 1; }

swift build -c release --product tensord >&2
DATA=$(mktemp -d)
WORK=$(mktemp -d)
.build/release/tensord --port "$PORT" --data-dir "$DATA" --quiet --max-body-bytes $((512 << 20)) \
    --max-store-bytes $((2 << 30)) 2>/dev/null &
PID=$!
trap 'kill -TERM $PID 2>/dev/null || true; rm -rf "$DATA" "$WORK"' EXIT
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
URL="http://127.0.0.1:$PORT"

python3 - "$WORK" <<'PY'
import json, sys
import numpy as np
work = sys.argv[1]
x = np.random.default_rng(7).standard_normal(10**7, dtype=np.float32)
np.save(f"{work}/big.npy", x)
with open(f"{work}/big.json", "w") as f:
    f.write('{"shape": [10000000], "dtype": "float32", "data": [')
    f.write(",".join(repr(float(v)) for v in x))
    f.write("]}")
rng = np.random.default_rng(8)
for name in ("a", "b"):
    np.save(f"{work}/{name}.npy", rng.standard_normal((256, 256), dtype=np.float32))
PY
NPY_BYTES=$(stat -c %s "$WORK/big.npy")

best() { # METHOD URL curl-args… → the fastest of 5 transfers, in seconds
    local best=""
    for _ in 1 2 3 4 5; do
        t=$(curl -s -o /dev/null -w '%{time_total}' "$@")
        best=$(python3 -c "print(min(float('$t'), float('${best:-inf}')))")
    done
    echo "$best"
}
row() { # LABEL BODY-BYTES SECONDS
    python3 -c "print(f'{\"$1\":<36} {$2/1e6:>10.1f} {$3*1000:>10.1f} {$NPY_BYTES/$3/1e9:>10.2f}')"
}
echo "10^7 float32 ($NPY_BYTES bytes as .npy) on 127.0.0.1 (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-36s %10s %10s %10s\n' transfer "body MB" "ms" "GB/s*"
row "PUT .npy" "$NPY_BYTES" "$(best -X PUT --data-binary @"$WORK/big.npy" -H 'Content-Type: application/x-npy' "$URL/v1/tensors/big")"
row "PUT JSON" "$(stat -c %s "$WORK/big.json")" "$(best -X PUT --data-binary @"$WORK/big.json" -H 'Content-Type: application/json' "$URL/v1/tensors/big")"
row "GET .npy" "$NPY_BYTES" "$(best -H 'Accept: application/x-npy' "$URL/v1/tensors/big")"
JSON_OUT=$(curl -s "$URL/v1/tensors/big" | wc -c)
row "GET JSON" "$JSON_OUT" "$(best "$URL/v1/tensors/big")"
echo "(* the tensor's .npy size over the time: the same 40 MB of float32 either way)"
echo

for name in a b; do curl -s -o /dev/null -X PUT --data-binary @"$WORK/$name.npy" -H 'Content-Type: application/x-npy' "$URL/v1/tensors/$name"; done
LUA=$(mktemp --suffix .lua)
run() { # LABEL ACCEPT
    local out="/tmp/bench-binary-$(echo "$1" | tr -c 'a-z0-9' '_').txt"
    cat > "$LUA" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "$2"
wrk.body = '{"inputs": [{"ref": "a"}, {"ref": "b"}]}'
LUA
    wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$LUA" "$URL/v1/ops/matmul" > "$out"
    grep -E "Socket errors|Non-2xx" "$out" >&2 || true
    printf '%-36s %10s %10s %10s\n' "$1" "$(awk '/^Requests\/sec/ {print $2}' "$out")" \
        "$(awk '$1 == "50%" {print $2}' "$out")" "$(awk '$1 == "99%" {print $2}' "$out")"
}
echo "POST /v1/ops/matmul on stored 256×256 float32: wrk -t2 -c$CONNECTIONS -d$DURATION"
printf '%-36s %10s %10s %10s\n' answer "req/s" p50 p99
run "JSON (application/json)" "application/json"
run ".npy (application/x-npy)" "application/x-npy"
rm -f "$LUA"
