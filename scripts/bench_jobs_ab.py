#!/usr/bin/env python3
"""bench_jobs.py's two measures for several builds, their rounds alternating (a before/after comparison
on a shared machine, where load moves every figure from minute to minute).

    python3 scripts/bench_jobs_ab.py BEFORE_BINARY AFTER_BINARY [--rounds 5] [--seconds 5]

Each BINARY (optionally BINARY@NAME=VALUE,... for environment variables) runs as its own server; every
round measures each in turn: wrk p50/p99 of POST /v1/ops/add idle and with two jobs running, then one
60-epoch job alone against `tensord-bench train` (normal and idle class). Prints each round, then medians
and ranges.
"""
import argparse, json, os, re, statistics, subprocess, sys, tempfile, time, urllib.request
from datetime import datetime
from pathlib import Path
ROOT = Path(__file__).resolve().parent.parent
WRK = '''wrk.method = "POST"
wrk.body = '{"inputs":[{"shape":[4],"data":[1,2,3,4]},{"shape":[4],"data":[10,20,30,40]}]}'
wrk.headers["Content-Type"] = "application/json"
'''
def call(url, m, p, b=None):
    r = urllib.request.Request(url + p, data=json.dumps(b).encode() if b is not None else None, method=m, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(r) as x: return json.loads(x.read() or b"null")
def submit(url, epochs):
    return call(url, "POST", "/v1/jobs", {"name": "bench", "model": {"layers": [{"linear": {"in": 64, "out": 128}}, "relu", {"linear": {"in": 128, "out": 10}}]},
        "data": {"x": {"ref": "digits_x"}, "y": {"ref": "digits_y"}, "shuffle": True, "scaling": "standardize"},
        "loss": "cross_entropy", "optimizer": {"type": "adam", "lr": 0.001}, "epochs": epochs, "batch_size": 32})["id"]
def wait(url, jid):
    while True:
        j = call(url, "GET", f"/v1/jobs/{jid}")
        if j["status"] in ("succeeded", "failed", "cancelled"): return j
        time.sleep(0.05)
def sps(j):
    t = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
    return j["progress"]["step"] / (t(j["finished_at"]) - t(j["started_at"]))
def micros(x):
    v, u = re.match(r"([\d.]+)(us|ms|s)", x).groups(); return float(v) * {"us": 1, "ms": 1e3, "s": 1e6}[u]
def wrk(url, secs, script):
    out = subprocess.run(["wrk", "-t1", "-c4", f"-d{secs}s", "--latency", "-s", script, f"{url}/v1/ops/add"], capture_output=True, text=True, check=True).stdout
    return micros(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)), micros(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)), float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
ap = argparse.ArgumentParser(); ap.add_argument("variants", nargs="+"); ap.add_argument("--rounds", type=int, default=5); ap.add_argument("--seconds", type=int, default=5)
ap.add_argument("--skip-latency", action="store_true"); ap.add_argument("--skip-throughput", action="store_true"); ap.add_argument("--bench", default=str(ROOT / ".build" / "release" / "tensord-bench"))
a = ap.parse_args()
d0 = tempfile.mkdtemp(); script = Path(d0) / "add.lua"; script.write_text(WRK)
rows = [list(map(int, l.split(","))) for l in open(ROOT / "Tests/TrainingTests/Fixtures/digits.csv") if l.strip()]
servers = []
for i, v in enumerate(a.variants):
    path, _, envs = v.partition("@"); env = dict(os.environ)
    for kv in filter(None, envs.split(",")): k, x = kv.split("="); env[k] = x
    port = 18700 + i; url = f"http://127.0.0.1:{port}"
    p = subprocess.Popen([path, "--port", str(port), "--data-dir", tempfile.mkdtemp(), "--quiet", "--lanes", "2", "--max-running-jobs", "2"], stderr=subprocess.DEVNULL, env=env)
    for _ in range(100):
        try: call(url, "GET", "/v1/health/live"); break
        except OSError: time.sleep(0.1)
    call(url, "PUT", "/v1/tensors/digits_x", {"shape": [len(rows), 64], "data": [x for r in rows for x in r[:64]]})
    call(url, "PUT", "/v1/tensors/digits_y", {"shape": [len(rows)], "dtype": "int64", "data": [r[64] for r in rows]})
    servers.append((v, p, url))
R = {v: dict(idle=[], loaded=[], rates=[], alone=[], direct=[], load=[]) for v in a.variants}
try:
    for r in range(a.rounds):
        for v, p, url in servers:
            x = R[v]
            if not a.skip_latency:
                x["idle"].append(wrk(url, a.seconds, str(script)))
                jobs = [submit(url, 100000), submit(url, 100000)]; time.sleep(1)
                x["loaded"].append(wrk(url, a.seconds, str(script)))
                for j in jobs: call(url, "POST", f"/v1/jobs/{j}/cancel")
                x["rates"].append([sps(wait(url, j)) for j in jobs])
            if not a.skip_throughput:
                x["alone"].append(sps(wait(url, submit(url, 60))))
                b = json.loads(subprocess.run([a.bench, "train", "--epochs", "60", "--json"], capture_output=True, text=True, check=True, cwd=ROOT).stdout)
                x["direct"].append(b["steps_per_epoch"] / (b["epoch_ms_mean"] / 1000))
                b = json.loads(subprocess.run(["chrt", "--idle", "0", a.bench, "train", "--epochs", "60", "--json"], capture_output=True, text=True, check=True, cwd=ROOT).stdout)
                x.setdefault("didle", []).append(b["steps_per_epoch"] / (b["epoch_ms_mean"] / 1000))
            x["load"].append(os.getloadavg()[0])
            s = f"r{r} {v[-55:]:55s}"
            if x["idle"]: s += f" idle p99 {x['idle'][-1][1]:5.0f} | 2 jobs p50 {x['loaded'][-1][0]:4.0f} p99 {x['loaded'][-1][1]:5.0f} us ({x['loaded'][-1][1]/x['idle'][-1][1]:.2f}x) {x['loaded'][-1][2]:.0f} req/s, jobs {x['rates'][-1][0]:.0f}+{x['rates'][-1][1]:.0f}"
            if x["alone"]: s += f" | alone {x['alone'][-1]:.0f} direct {x['direct'][-1]:.0f} ({x['alone'][-1]/x['direct'][-1]:.2f}) idle-class {x['didle'][-1]:.0f} ({x['alone'][-1]/x['didle'][-1]:.2f})"
            print(s + f" load {x['load'][-1]:.1f}", flush=True)
    med = statistics.median
    print("\nmedians (ranges):")
    for v in a.variants:
        x = R[v]; s = f"  {v[-55:]:55s}"
        if x["idle"]:
            ratios = [l[1] / i[1] for i, l in zip(x["idle"], x["loaded"])]
            s += f" idle p99 {med(i[1] for i in x['idle']):.0f}, loaded p99 {med(l[1] for l in x['loaded']):.0f} ({min(l[1] for l in x['loaded']):.0f}-{max(l[1] for l in x['loaded']):.0f}), ratio of medians {med(l[1] for l in x['loaded'])/med(i[1] for i in x['idle']):.2f}x (per round {min(ratios):.2f}-{max(ratios):.2f}), loaded req/s {med(l[2] for l in x['loaded']):.0f}, job steps/s under wrk {med(sum(q) for q in x['rates']):.0f}"
        if x["alone"]:
            rr = [al / d for al, d in zip(x["alone"], x["direct"])]
            s += f" | alone {med(x['alone']):.0f} direct {med(x['direct']):.0f} ratio {med(rr):.2f} ({min(rr):.2f}-{max(rr):.2f})"
            ri = [al / d for al, d in zip(x["alone"], x["didle"])]
            s += f"; idle-class direct {med(x['didle']):.0f} ratio {med(ri):.2f} ({min(ri):.2f}-{max(ri):.2f})"
        print(s + f" | load {min(x['load']):.1f}-{max(x['load']):.1f}")
finally:
    for _, p, _ in servers: p.terminate(); p.wait()
