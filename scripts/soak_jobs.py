#!/usr/bin/env python3
"""Soak test of the job system (issue 13, item 7): not a unit test.

Starts a `tensord` (a release build) on a fresh data directory, runs two 5,000,000-step
objective jobs, and for `--seconds` reads `GET /v1/jobs`, `GET /v1/jobs/{id}` and `GET /v1/jobs/{id}/model`
(the parameters, copied between two steps of the running job) in a loop
while sampling the server's RSS and the job database's size. Then it sends SIGTERM and times
the shutdown, restarts the server on the same directory and checks that the jobs resume from
a checkpoint. Prints one JSON object and a Markdown table row.

    swift build -c release --product tensord
    python3 scripts/soak_jobs.py --binary .build/release/tensord --seconds 60

Only the standard library; every request has a timeout, the run is bounded in time.
"""
import argparse
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SPEC = {"objective": {"params": {"p": {"shape": [2], "data": [-1.5, 2.0]}}, "expr": "loss = sum(p * p)"},
        "optimizer": {"type": "adam", "lr": 0.001}, "steps": 5_000_000}


def start(binary, data_dir, grace):
    proc = subprocess.Popen([binary, "--port", "0", "--data-dir", data_dir, "--quiet", "--shutdown-grace", str(grace)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    text = ""
    while time.time() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        text += line
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
        if m:
            return proc, int(m.group(1))
    proc.kill()
    sys.exit(f"tensord did not start: {text}")


def request(port, method, path, body=None, timeout=120.0):
    """(status, parsed JSON or None, seconds)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    start = time.perf_counter()
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        r = conn.getresponse()
        data = r.read()
        elapsed = time.perf_counter() - start
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = None
        return r.status, parsed, elapsed
    except (OSError, http.client.HTTPException):
        return None, None, time.perf_counter() - start
    finally:
        conn.close()


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def db_mb(data_dir):
    total = 0
    for suffix in ("", "-wal", "-shm"):
        path = os.path.join(data_dir, "jobs.sqlite" + suffix)
        if os.path.exists(path):
            total += os.path.getsize(path)
    return total / 1e6


def handler_p99_ms(port, route):
    """The bucket of tensord's own latency histogram (GET /metrics: time in the handler, without
    the wait for a core that the client's figure includes) under which 99% of `route` fell."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()
    buckets = [(float("inf") if le == "+Inf" else float(le), int(n))
               for le, n in re.findall(r'tensord_http_request_duration_seconds_bucket\{route="%s",le="([^"]+)"\} (\d+)' % re.escape(route), text)]
    if not buckets:
        return None
    total = buckets[-1][1]
    return next(le * 1e3 for le, n in buckets if n >= 0.99 * total)


def percentile(values, q):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=".build/release/tensord")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--grace", type=int, default=10, help="--shutdown-grace of the server")
    ap.add_argument("--label", default="")
    args = ap.parse_args()

    # The machine's load moves the read latency (the client and the server's threads wait for a core).
    load_start = os.getloadavg()[0]
    data_dir = tempfile.mkdtemp(prefix="tensord-soak-")
    proc, port = start(args.binary, data_dir, args.grace)
    try:
        rss_start = rss_mb(proc.pid)
        ids = []
        for i in range(args.jobs):
            status, job, _ = request(port, "POST", "/v1/jobs", dict(SPEC, name=f"soak-{i}"))
            if status != 202:
                sys.exit(f"submit failed: {status} {job}")
            ids.append(job["id"])
        list_times, get_times, model_times, rss_samples, failures = [], [], [], [], 0
        t0 = time.time()
        while time.time() - t0 < args.seconds:
            status, _, dt = request(port, "GET", "/v1/jobs")
            list_times.append(dt)
            failures += status != 200
            for i in ids:
                status, _, dt = request(port, "GET", f"/v1/jobs/{i}")
                get_times.append(dt)
                failures += status != 200
                status, _, dt = request(port, "GET", f"/v1/jobs/{i}/model")
                model_times.append(dt)
                failures += status != 200
            rss_samples.append(rss_mb(proc.pid))
            time.sleep(0.02)
        steps = []
        for i in ids:
            _, job, _ = request(port, "GET", f"/v1/jobs/{i}")
            steps.append((job or {}).get("progress", {}).get("step"))
        elapsed = time.time() - t0
        handler_list, handler_get = handler_p99_ms(port, "/v1/jobs"), handler_p99_ms(port, "/v1/jobs/{id}")
        handler_model = handler_p99_ms(port, "/v1/jobs/{id}/model")
        db_running = db_mb(data_dir)
        rss_end = rss_mb(proc.pid)
        load_end = os.getloadavg()[0]

        t_term = time.perf_counter()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=max(120, 3 * args.grace))
            sigterm = time.perf_counter() - t_term
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            sigterm = float("inf")

        # Restart: the jobs resume from their checkpoints.
        proc, port = start(args.binary, data_dir, args.grace)
        time.sleep(1)
        resumed = []
        for i in ids:
            _, job, _ = request(port, "GET", f"/v1/jobs/{i}")
            resumed.append(((job or {}).get("status"), (job or {}).get("progress", {}).get("step")))
        result = {
            "label": args.label, "seconds": round(elapsed, 1), "steps": steps,
            "steps_per_second_per_job": [round(s / elapsed) if s else None for s in steps],
            "db_mb": round(db_running, 1), "rss_start_mb": round(rss_start, 1), "rss_end_mb": round(rss_end, 1),
            "rss_peak_mb": round(max(rss_samples or [rss_end]), 1),
            "list_requests": len(list_times), "list_p50_ms": round(percentile(list_times, 0.5) * 1e3, 1),
            "list_p99_ms": round(percentile(list_times, 0.99) * 1e3, 1), "list_max_ms": round(max(list_times or [0]) * 1e3, 1),
            "get_p99_ms": round(percentile(get_times, 0.99) * 1e3, 1),
            "model_p99_ms": round(percentile(model_times, 0.99) * 1e3, 1), "model_max_ms": round(max(model_times or [0]) * 1e3, 1),
            "failed_reads": failures,
            "handler_p99_ms_at_most": {"list": handler_list, "get": handler_get, "model": handler_model},
            "sigterm_s": round(sigterm, 2), "after_restart": resumed,
            "load_average": [round(load_start, 1), round(load_end, 1)],
        }
        print(json.dumps(result))
        print(f"| {args.label} | {result['db_mb']} MB | {result['rss_start_mb']} → {result['rss_end_mb']} MB "
              f"| {result['list_p99_ms']} ms ({result['list_requests']} reads) | {result['get_p99_ms']} ms "
              f"| {result['sigterm_s']} s | {', '.join(str(s) for s in steps)} | {load_start:.1f} → {load_end:.1f} |")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
