#!/usr/bin/env python3
"""Where a small API request's CPU goes, by stage (issue 19).

Starts a release `tensord` (request log on, to a file; or `--quiet`), drives one endpoint with
`wrk -t2 -c32` while `perf record -g` samples the server, and classifies every sample by the
innermost frame of its call stack that belongs to a stage (HTTP parse, route, body JSON, tensor
decode, bind, compute, encode, write, log, ...). The server's CPU per request (from
/proc/PID/stat over the run, divided by wrk's request count) turns the shares into microseconds.

    scripts/profile_api.py add [--quiet] [--seconds 10] [--tensord .build/release/tensord]
    scripts/profile_api.py eval
    scripts/profile_api.py sum     # tensord-bench http's POST /sum, the floor
"""
import argparse
import collections
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

BODIES = {
    "add": ("/v1/ops/add", '{"inputs": [{"shape": [4], "data": [1, 2, 3, 4]}, {"shape": [4], "data": [10, 20, 30, 40]}]}'),
    "eval": ("/v1/eval", '{"tensors": {"x": {"data": [1, 2, 3, 4]}, "y": {"data": [10, 20, 30, 40]}}, '
                         '"expr": "z = x * y + 1", "outputs": ["z"]}'),
    "sum": ("/sum", '{"name":"tensord","shape":[2,3],"data":[1,2,3,4,5,6]}'),
}

# Stages by the (demangled) frames that mark them; a sample belongs to the stage of the innermost frame
# that matches one of these, so an allocation inside the tensor decoder counts as decoding.
STAGES = [
    ("log", r"LogWriter|TensorService\.finish|HTTPServer\.Logger|standardErrorLogger"),
    ("metrics", r"Metrics\.record"),
    ("route", r"Router\.(route|walk|match)|Router\.respond"),
    ("body JSON", r"JSONParser|JSONReader|NumberScanner"),
    ("tensor decode", r"TensorCodec\.(decode|tensor|build|fill|shape|elementCount|inferShape|argument)|WireElement|TensorService\.tensor\("),
    ("request fields", r"RequestBody|TensorFormat|opInputs|Ops\.spec"),
    ("bind", r"OpCall\.init|OpCall\.check"),
    ("program", r"ExpressionParser|Lexer\.|Evaluation\.run|Evaluator\.(run|execute|evaluate|binary|callOp|function)"),
    ("compute", r"OpSpec\.forward|TensorEngine\.Tensor\.|\bTensor\.|Kernels|BufferPool|TensorEngine\.Storage|Promotion|Shapes\.|ElementLimit|GradMode|closure.*in Ops\.|\bk_\w+|binary_\w+"),
    ("hand-off", r"ComputeEngine\.run|TensorService\.compute"),
    ("encode", r"JSONWriter|TensorCodec\.encode|NumberFormatter|ShortestDecimal|Response\.json"),
    ("handler, rest", r"in TensorService\.add(Op|Eval)Routes|TensorService\.(respond|add\(|evalRequest|opRequest|plain)|Router\.respond"),
    ("write", r"\bsend\b|sendmsg|writev|Connection\.(write|flush|send)|ResponseWriter|Response\.serialize|tcp_sendmsg"),
    ("HTTP parse", r"RequestParser|ReadBuffer|\brecv\b|recvfrom|tcp_recvmsg"),
    ("event loop", r"EventLoop|epoll|Connection"),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"server on port {port} did not start")


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def demangle(lines):
    if not shutil.which("swift-demangle") and not shutil.which("swift"):
        return lines
    cmd = ["swift-demangle", "--simplified"] if shutil.which("swift-demangle") else ["swift", "demangle", "--simplified"]
    out = subprocess.run(cmd, input="\n".join(lines), capture_output=True, text=True)
    return out.stdout.split("\n") if out.returncode == 0 else lines


def classify(script_text):
    """perf script output → Counter of stage → samples (and unclassified leaf symbols)."""
    compiled = [(name, re.compile(rx)) for name, rx in STAGES]
    stages = collections.Counter()
    other = collections.Counter()
    matched = collections.defaultdict(collections.Counter)
    for block in script_text.split("\n\n"):
        lines = [l for l in block.split("\n") if l.strip()]
        if len(lines) < 2:
            continue
        frames = [l.strip() for l in lines[1:]]
        if lines[0].strip().startswith("log-writer"):
            stages["log"] += 1
            continue
        # "addr symbol+off (dso)": keep the symbol and the dso.
        syms = [re.sub(r"^[0-9a-f]+\s+", "", f) for f in frames]
        stage = None
        for sym in syms:  # innermost first
            for name, rx in compiled:
                if rx.search(sym):
                    stage = name
                    matched[name][sym[:110]] += 1
                    break
            if stage:
                break
        if stage is None:
            stage = "other"
            other[syms[0][:100]] += 1
        stages[stage] += 1
    return stages, other, matched


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("endpoint", choices=sorted(BODIES))
    ap.add_argument("--quiet", action="store_true", help="tensord --quiet (no request log)")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--tensord", default=".build/release/tensord")
    ap.add_argument("--bench", default=".build/release/tensord-bench")
    ap.add_argument("--top", type=int, default=15, help="unclassified leaf symbols to list")
    ap.add_argument("--explain", type=int, default=0, help="frames that decided each stage, the most frequent N")
    args = ap.parse_args()

    path, body = BODIES[args.endpoint]
    work = tempfile.mkdtemp(prefix="tensord-profile-")
    port = free_port()
    if args.endpoint == "sum":
        cmd = [args.bench, "http", "--port", str(port)]
    else:
        cmd = [args.tensord, "--port", str(port), "--data-dir", os.path.join(work, "data")] + (["--quiet"] if args.quiet else [])
    log = open(os.path.join(work, "request.log"), "w")
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log)
    try:
        wait_for(port)
        lua = os.path.join(work, "req.lua")
        with open(lua, "w") as f:
            f.write(f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = \'{body}\'\n')
        url = f"http://127.0.0.1:{port}{path}"
        subprocess.run(["wrk", "-t2", "-c32", "-d2s", "-s", lua, url], capture_output=True)  # warm up
        load = open("/proc/loadavg").read().split()[:3]
        data = os.path.join(work, "perf.data")
        perf = subprocess.Popen(["perf", "record", "-g", "-F", "2999", "-p", str(server.pid), "-o", data],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        cpu0 = cpu_seconds(server.pid)
        out = subprocess.run(["wrk", "-t2", "-c32", f"-d{args.seconds}s", "--latency", "-s", lua, url],
                             capture_output=True, text=True).stdout
        cpu1 = cpu_seconds(server.pid)
        perf.send_signal(signal.SIGINT)
        perf.wait()
        requests = int(re.search(r"(\d+) requests in", out).group(1))
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        script = subprocess.run(["perf", "script", "-i", data, "-F", "comm,tid,ip,sym,dso"], capture_output=True, text=True).stdout
        script = "\n".join(demangle(script.split("\n")))
        stages, other, matched = classify(script)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait()
        shutil.rmtree(work, ignore_errors=True)

    per_request = (cpu1 - cpu0) / requests * 1e6
    total = sum(stages.values())
    mode = "quiet" if args.quiet else "log on"
    print(f"{args.endpoint} ({mode}): {rps:.0f} req/s, server CPU {per_request:.1f} us/request, "
          f"{total} samples, load average {' '.join(load)}")
    for name, n in stages.most_common():
        print(f"  {name:15s} {100 * n / total:5.1f} %  {per_request * n / total:5.1f} us")
        for sym, k in matched[name].most_common(args.explain):
            print(f"      {100 * k / total:5.1f} %  {sym}")
    if args.top:
        print("  unclassified, by leaf symbol:")
        for sym, n in other.most_common(args.top):
            print(f"    {100 * n / total:5.1f} %  {sym}")


if __name__ == "__main__":
    main()
