#!/usr/bin/env python3
"""Two tensord builds side by side: server CPU per small request under the same load (issue 19).

On a shared machine one build's CPU per request moves by ±20 % from run to run (it grows when wrk and other
processes keep the server waiting), more than a change to the op path. Here both servers run at once and are
driven at once, each by its own `wrk -t1 -c16`, so whatever else the machine does falls on both; each round
prints each server's CPU time (/proc/PID/stat) over its request count, then the medians.

    scripts/paired_cpu.py add|eval OLD_TENSORD NEW_TENSORD [ROUNDS] [tensord flags, e.g. --quiet]
"""
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

if len(sys.argv) < 4:
    sys.exit(__doc__)
ep = sys.argv[1]; bins = sys.argv[2:4]; rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
extra = sys.argv[5:]
bodies = {"add": ("/v1/ops/add", '{"inputs": [{"shape": [4], "data": [1, 2, 3, 4]}, {"shape": [4], "data": [10, 20, 30, 40]}]}'),
          "eval": ("/v1/eval", '{"tensors": {"x": {"data": [1, 2, 3, 4]}, "y": {"data": [10, 20, 30, 40]}}, "expr": "z = x * y + 1", "outputs": ["z"]}')}
path, body = bodies[ep]
def port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
work = tempfile.mkdtemp(prefix="paired-")
lua = os.path.join(work, "r.lua"); open(lua, "w").write(f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = \'{body}\'\n')
servers = []
for i, b in enumerate(bins):
    p = port()
    log = open(os.path.join(work, f"log{i}"), "w")
    servers.append((subprocess.Popen([b, "--port", str(p), "--data-dir", os.path.join(work, f"d{i}")] + extra, stdout=subprocess.DEVNULL, stderr=log), p))
time.sleep(1.5)
res = {0: [], 1: []}
try:
    for r in range(rounds):
        c0 = [cpu(s.pid) for s, _ in servers]
        ws = [subprocess.Popen(["wrk", "-t1", "-c16", "-d8s", "-s", lua, f"http://127.0.0.1:{p}{path}"], stdout=subprocess.PIPE, text=True) for _, p in servers]
        outs = [w.communicate()[0] for w in ws]
        c1 = [cpu(s.pid) for s, _ in servers]
        for i in range(2):
            n = int(re.search(r"(\d+) requests in", outs[i]).group(1))
            res[i].append(((c1[i] - c0[i]) / n * 1e6, n / 8))
        print(f"round {r}: " + "  ".join(f"{os.path.basename(bins[i])} {res[i][-1][0]:.1f} us/req {res[i][-1][1]:.0f} req/s" for i in range(2)), "load", open("/proc/loadavg").read().split()[:3], flush=True)
finally:
    for s, _ in servers: s.terminate(); s.wait()
    shutil.rmtree(work, ignore_errors=True)
for i in range(2):
    print(os.path.basename(bins[i]), "median", round(statistics.median(x for x, _ in res[i]), 1), "us/req,", round(statistics.median(y for _, y in res[i])), "req/s")
