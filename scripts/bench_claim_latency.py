#!/usr/bin/env python3
"""Submit-to-running latency on an idle node: two `tensord` nodes on one PostgreSQL database (issue 17).

Node A may run one job and runs a long one, so it cannot take more; node B is idle. Each of
`--jobs` tiny jobs (one step) is submitted to A, so B must learn of it: by its poll of the store
(every second, at most a third of the lease) or woken by `NOTIFY tensord_queue`. The latency of a
job is its `started_at` (set by B when it starts the job) minus its `created_at` (set by A at
submission); both nodes run on this machine, so they read one clock. Submissions come a random
0–1.5 s apart (seeded), so that they do not fall in step with B's poll. Prints the median, p90 and
maximum in ms, and checks that B ran every job.

    swift build -c release --product tensord
    python3 scripts/bench_claim_latency.py --binary .build/release/tensord

Uses `Postgres`, `Node` and `call` of bench_nodes.py (its own PostgreSQL in a temporary
directory, nodes stopped by PID); every request has a timeout and the run is bounded in time.
"""
import argparse
import datetime
import http.client
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_nodes import BOWL, Node, Postgres, call  # noqa: E402


def millis(stamp):
    """Milliseconds since 1970 of an RFC 3339 UTC stamp with milliseconds (`…T10:00:00.000Z`)."""
    t = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return round(t.timestamp() * 1000)


def wait(conn, job_id, statuses, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        _, job = call(conn, "GET", f"/v1/jobs/{job_id}")
        if job["status"] in statuses:
            return job
        time.sleep(0.005)
    sys.exit(f"job {job_id} did not reach {statuses} in {timeout} s")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--jobs", type=int, default=30)
    args = ap.parse_args()

    pg = Postgres()
    nodes = []
    try:
        url = pg.database()
        # B starts once A runs the long job, so that B cannot take it.
        nodes = [Node(args.binary, url, "latency-a", running=1)]
        a = http.client.HTTPConnection("127.0.0.1", nodes[0].port, timeout=60)
        status, busy = call(a, "POST", "/v1/jobs", dict(BOWL, steps=50_000_000))
        if status != 202:
            sys.exit(f"submission failed: {status} {busy}")
        wait(a, busy["id"], ("running",), 60)
        nodes.append(Node(args.binary, url, "latency-b"))
        latencies = []
        rng = random.Random(17)
        for _ in range(args.jobs):
            time.sleep(rng.uniform(0, 1.5))
            status, job = call(a, "POST", "/v1/jobs", dict(BOWL, steps=1))
            if status != 202:
                sys.exit(f"submission failed: {status} {job}")
            done = wait(a, job["id"], ("succeeded", "failed", "cancelled"), 60)
            if done["status"] != "succeeded" or done["node"] != "latency-b":
                sys.exit(f"job {job['id']} ended {done['status']} on {done['node']}")
            latencies.append(millis(done["started_at"]) - millis(done["created_at"]))
        call(a, "POST", f"/v1/jobs/{busy['id']}/cancel")
    finally:
        for n in nodes:
            n.stop()
        pg.stop()
    latencies.sort()
    p90 = latencies[min(len(latencies) - 1, int(0.9 * len(latencies)))]
    print(f"submit-to-running on the idle node, {len(latencies)} jobs: median {statistics.median(latencies):.0f} ms, "
          f"p90 {p90} ms, max {latencies[-1]} ms")


if __name__ == "__main__":
    main()
