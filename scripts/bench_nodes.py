#!/usr/bin/env python3
"""What PostgreSQL costs against SQLite, and 1, 2 and 3 nodes on one database (issue 17, item 6).

Starts its own PostgreSQL (Debian's `postgresql`: `initdb` into a temporary directory, run as
the `postgres` user when this runs as root, default durability settings, a free loopback
port) and `tensord` nodes of the given build, then for each setup (one node on SQLite, then
1, 2 and 3 nodes sharing one PostgreSQL database):

  * jobs/min: `--jobs` tiny objective jobs (1 step each) submitted round-robin over the nodes,
    from the first submission until the last is `succeeded`: the per-job cost of the store
    (create, claim, flushes, final parameters) with next to no compute;
  * steps/s: `--long-jobs` objective jobs of `--steps` steps each; every step records one
    metric point (`loss`), so the per-step figure is also the per-metric-write figure;
  * POST /v1/ops/add req/s: `wrk` (Debian's `wrk`) against every node at once for `--seconds`,
    `--connections` in all (this does not touch the store: it shows what sharing the cores costs).

On this project's machine every node and PostgreSQL share two cores, so more nodes do not
mean more throughput; the point is the overhead PostgreSQL adds. Prints a Markdown table.

    swift build -c release --product tensord
    python3 scripts/bench_nodes.py --binary .build/release/tensord

Only the standard library; every request has a timeout, every process started is stopped by
its PID, the run is bounded in time.
"""
import argparse
import glob
import http.client
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

BOWL = {"objective": {"params": {"p": {"shape": [2], "data": [3.0, -2.0]}}, "tensors": {"c": {"data": [1.0, 0.5]}},
                      "expr": "loss = sum((p - c) ** 2)"}, "optimizer": {"type": "sgd", "lr": 0.01}}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    """A throwaway PostgreSQL server in a temporary directory."""

    def __init__(self):
        versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
        if not versions:
            sys.exit("no PostgreSQL server: run ./scripts/install-deps.sh --test")
        bin_dir = os.path.dirname(versions[-1])
        self.dir = tempfile.mkdtemp(prefix="tensord-bench-pg-")
        prefix = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            prefix = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"]
        data = os.path.join(self.dir, "data")
        subprocess.run(prefix + [f"{bin_dir}/initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.port = free_port()
        log = open(os.path.join(self.dir, "postgres.log"), "w")
        self.proc = subprocess.Popen(prefix + [f"{bin_dir}/postgres", "-D", data, "-p", str(self.port), "-k", self.dir,
                                               "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"],
                                     stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.time() + 60
        while time.time() < deadline:
            if subprocess.run([f"{bin_dir}/pg_isready", "-h", "127.0.0.1", "-p", str(self.port)], stdout=subprocess.DEVNULL).returncode == 0:
                break
            time.sleep(0.1)
        self.bin_dir = bin_dir
        self.databases = 0

    def database(self):
        self.databases += 1
        name = f"bench{self.databases}"
        subprocess.run([f"{self.bin_dir}/psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-qc", f"CREATE DATABASE {name}"],
                       check=True, stdout=subprocess.DEVNULL)
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)


class Node:
    def __init__(self, binary, database, node_id, running=2):
        self.dir = tempfile.mkdtemp(prefix="tensord-bench-node-")
        args = [binary, "--port", "0", "--data-dir", self.dir, "--quiet", "--node-id", node_id, "--max-running-jobs", str(running),
                "--max-queued-jobs", "10000"]
        if database:
            args += ["--database", database]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline, text = time.time() + 60, ""
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            text += line
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
            if m:
                self.port = int(m.group(1))
                threading.Thread(target=self.proc.stderr.read, daemon=True).start()
                return
        self.proc.kill()
        sys.exit(f"tensord did not start: {text}")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def call(conn, method, path, body=None):
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers={"Content-Type": "application/json"} if body is not None else {})
    r = conn.getresponse()
    data = r.read()
    return r.status, (json.loads(data) if data else None)


def run_jobs(nodes, count, steps, timeout):
    """Seconds from the first submission until every job succeeded."""
    conns = [http.client.HTTPConnection("127.0.0.1", n.port, timeout=60) for n in nodes]
    start = time.perf_counter()
    ids = []
    for i in range(count):
        status, job = call(conns[i % len(conns)], "POST", "/v1/jobs", dict(BOWL, steps=steps))
        if status != 202:
            sys.exit(f"submission failed: {status} {job}")
        ids.append(job["id"])
    pending = set(ids)
    deadline = time.time() + timeout
    while pending and time.time() < deadline:
        for job_id in list(pending):
            status, job = call(conns[0], "GET", f"/v1/jobs/{job_id}")
            if job["status"] in ("failed", "cancelled"):
                sys.exit(f"job {job_id} ended {job['status']}: {job}")
            if job["status"] == "succeeded":
                pending.discard(job_id)
        time.sleep(0.02)
    if pending:
        sys.exit(f"{len(pending)} jobs did not finish in {timeout} s")
    return time.perf_counter() - start


def ops_rate(nodes, connections, seconds):
    """Requests/s of POST /v1/ops/add: one wrk per node at once, `connections` in all, summed."""
    lua = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    lua.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
              'wrk.body = \'{"inputs": [{"shape": [4], "data": [1, 2, 3, 4]}, {"shape": [4], "data": [10, 20, 30, 40]}]}\'\n')
    lua.close()
    per = max(1, connections // len(nodes))
    runs = [subprocess.Popen(["wrk", "-t1", f"-c{per}", f"-d{seconds}s", "-s", lua.name, f"http://127.0.0.1:{n.port}/v1/ops/add"],
                             stdout=subprocess.PIPE, text=True) for n in nodes]
    total = 0.0
    for r in runs:
        out, _ = r.communicate(timeout=seconds + 60)
        if "Non-2xx" in out or "Socket errors" in out:
            sys.exit(f"wrk saw errors: {out}")
        total += float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    os.unlink(lua.name)
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--jobs", type=int, default=60, help="tiny jobs per setup")
    ap.add_argument("--long-jobs", type=int, default=4)
    ap.add_argument("--steps", type=int, default=5000, help="steps of each long job")
    ap.add_argument("--connections", type=int, default=12, help="wrk connections in all, spread over the nodes")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=600)
    args = ap.parse_args()

    pg = Postgres()
    rows = []
    try:
        for label, count, shared in [("SQLite, 1 node", 1, False), ("PostgreSQL, 1 node", 1, True),
                                     ("PostgreSQL, 2 nodes", 2, True), ("PostgreSQL, 3 nodes", 3, True)]:
            url = pg.database() if shared else None
            nodes = [Node(args.binary, url, f"bench-{i}") for i in range(count)]
            try:
                tiny = run_jobs(nodes, args.jobs, 1, args.timeout)
                long = run_jobs(nodes, args.long_jobs, args.steps, args.timeout)
                ops = ops_rate(nodes, args.connections, args.seconds)
            finally:
                for n in nodes:
                    n.stop()
            row = {"setup": label, "jobs_per_min": args.jobs / tiny * 60, "ms_per_job": tiny / args.jobs * 1000,
                   "steps_per_s": args.long_jobs * args.steps / long, "us_per_step": long / (args.long_jobs * args.steps) * 1e6,
                   "ops_add_per_s": ops}
            print(json.dumps(row), flush=True)
            rows.append(row)
    finally:
        pg.stop()
    print()
    print("| setup | tiny jobs/min | ms per job | steps/s (1 metric point each) | µs per step | POST /v1/ops/add req/s |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['setup']} | {r['jobs_per_min']:.0f} | {r['ms_per_job']:.1f} | {r['steps_per_s']:.0f} | {r['us_per_step']:.0f} | {r['ops_add_per_s']:.0f} |")


if __name__ == "__main__":
    main()
