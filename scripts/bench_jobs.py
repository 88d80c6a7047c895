#!/usr/bin/env python3
"""What training jobs cost the rest of the server, on a release build.

    swift build -c release && python3 scripts/bench_jobs.py [--rounds 5] [--seconds 5]

1. Latency: wrk p50/p99 of a small POST /v1/ops/add (4 connections) on an idle server, then
   with 2 training jobs running (target: p99 loaded <= 3x idle).
2. Throughput: optimizer steps/s of the reference model (MLP 64-128-10, ReLU, cross-entropy,
   Adam 1e-3, batch 32, standardised digits: the model of `tensord-bench train`) run as a
   job on an otherwise idle server, against the same model trained directly through
   `Training` by `tensord-bench train` (target: job >= 0.9x direct).

The conditions alternate round by round and the medians are reported, so that load from
other processes on a shared machine disturbs both sides alike.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".build" / "release"
PORT = 18555
URL = f"http://127.0.0.1:{PORT}"
WRK_SCRIPT = """wrk.method = "POST"
wrk.body = '{"inputs":[{"shape":[4],"data":[1,2,3,4]},{"shape":[4],"data":[10,20,30,40]}]}'
wrk.headers["Content-Type"] = "application/json"
"""


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(URL + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")


def submit(epochs):
    return call("POST", "/v1/jobs", {
        "name": "bench",
        "model": {"layers": [{"linear": {"in": 64, "out": 128}}, "relu", {"linear": {"in": 128, "out": 10}}]},
        "data": {"x": {"ref": "digits_x"}, "y": {"ref": "digits_y"}, "shuffle": True, "scaling": "standardize"},
        "loss": "cross_entropy", "optimizer": {"type": "adam", "lr": 0.001}, "epochs": epochs, "batch_size": 32})["id"]


def wait(job_id):
    while True:
        j = call("GET", f"/v1/jobs/{job_id}")
        if j["status"] in ("succeeded", "failed", "cancelled"):
            return j
        time.sleep(0.05)


def steps_per_second(job):
    t = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
    return job["progress"]["step"] / (t(job["finished_at"]) - t(job["started_at"]))


def micros(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 1, "ms": 1e3, "s": 1e6}[unit]


def wrk(seconds, script):
    out = subprocess.run(["wrk", "-t1", "-c4", f"-d{seconds}s", "--latency", "-s", script, f"{URL}/v1/ops/add"],
                         capture_output=True, text=True, check=True).stdout
    p50 = micros(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = micros(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    return p50, p99


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=60)
    args = ap.parse_args()

    data_dir = tempfile.mkdtemp()
    script = Path(data_dir) / "add.lua"
    script.write_text(WRK_SCRIPT)
    server = subprocess.Popen([str(BIN / "tensord"), "--port", str(PORT), "--data-dir", data_dir, "--quiet",
                               "--lanes", "2", "--max-running-jobs", "2"], stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                call("GET", "/v1/health/live")
                break
            except OSError:
                time.sleep(0.1)
        rows = [list(map(int, l.split(","))) for l in open(ROOT / "Tests/TrainingTests/Fixtures/digits.csv") if l.strip()]
        call("PUT", "/v1/tensors/digits_x", {"shape": [len(rows), 64], "data": [v for r in rows for v in r[:64]]})
        call("PUT", "/v1/tensors/digits_y", {"shape": [len(rows)], "dtype": "int64", "data": [r[64] for r in rows]})

        idle, loaded, job_rates = [], [], []
        for r in range(args.rounds):
            idle.append(wrk(args.seconds, str(script)))
            jobs = [submit(100000), submit(100000)]
            time.sleep(1)
            loaded.append(wrk(args.seconds, str(script)))
            for j in jobs:
                call("POST", f"/v1/jobs/{j}/cancel")
            rates = [steps_per_second(wait(j)) for j in jobs]
            job_rates.append(rates)
            print(f"round {r + 1}: idle p50 {idle[-1][0]:.0f} us p99 {idle[-1][1]:.0f} us | 2 jobs p50 {loaded[-1][0]:.0f} us "
                  f"p99 {loaded[-1][1]:.0f} us | the jobs ran at {rates[0]:.0f} and {rates[1]:.0f} steps/s", flush=True)

        # Job lanes run in the idle scheduling class; on a machine other processes load, the
        # direct run is also measured in that class so that both get the same share of the CPU.
        alone, direct, direct_idle = [], [], []
        for r in range(args.rounds):
            alone.append(steps_per_second(wait(submit(args.epochs))))
            for policy, into in (([], direct), (["chrt", "--idle", "0"], direct_idle)):
                out = subprocess.run(policy + [str(BIN / "tensord-bench"), "train", "--epochs", str(args.epochs), "--json"],
                                     capture_output=True, text=True, check=True).stdout
                b = json.loads(out)
                into.append(b["steps_per_epoch"] / (b["epoch_ms_mean"] / 1000))
            print(f"round {r + 1}: job alone {alone[-1]:.0f} steps/s | Training directly {direct[-1]:.0f} steps/s "
                  f"(ratio {alone[-1] / direct[-1]:.2f}), in the idle class {direct_idle[-1]:.0f} steps/s "
                  f"(ratio {alone[-1] / direct_idle[-1]:.2f})", flush=True)

        med = statistics.median
        i50, i99 = med(p for p, _ in idle), med(p for _, p in idle)
        l50, l99 = med(p for p, _ in loaded), med(p for _, p in loaded)
        print(f"\nPOST /v1/ops/add, median of {args.rounds} rounds of {args.seconds} s (wrk -t1 -c4):")
        print(f"  idle:           p50 {i50:.0f} us, p99 {i99:.0f} us")
        print(f"  2 jobs running: p50 {l50:.0f} us, p99 {l99:.0f} us   (p99 {l99 / i99:.2f}x idle; target <= 3x)")
        print(f"Job throughput, {args.epochs} epochs x 57 steps, median of {args.rounds}:")
        print(f"  as a job: {med(alone):.0f} steps/s; Training directly: {med(direct):.0f} steps/s "
              f"({med(a / d for a, d in zip(alone, direct)):.2f}x; target >= 0.9x); in the job lanes' idle class: "
              f"{med(direct_idle):.0f} steps/s ({med(a / d for a, d in zip(alone, direct_idle)):.2f}x)")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    sys.exit(main())
