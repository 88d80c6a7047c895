#!/usr/bin/env python3
"""Memory of one idle connection to a release `tensord`: its RSS with N connections held open against none.

Usage: python3 scripts/measure_idle_connections.py [--connections 2000] [--rounds 3] [--binary PATH]

For each kind of connection, each round starts a fresh server on 127.0.0.1, serves one request (so the loops
and the allocator are warm), reads VmRSS, then holds N connections of that kind and reads VmRSS again:
  idle  every connection has been answered once and waits as a keep-alive connection;
  head  every connection has sent half a request head and stops (a slowloris);
  big   the same with a head just under the default limits (8 KiB request-line, 15 KiB of fields);
  fresh every connection is accepted and has sent nothing.
Timeouts are raised for the measurement so nothing closes while it runs. Finally it checks that a new client
is still served. Prints the median over the rounds of (RSS with N − RSS without) / N, in KiB.
"""
import argparse
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

REQUEST = b"GET /v1/health/live HTTP/1.1\r\nHost: a\r\n\r\n"
HALF_HEAD = b"GET /v1/health/live HTTP/1.1\r\nHost: a\r\nX-Slow: aaaa"
# Just under the default limits: an 8 KiB request-line and 16 KiB of header fields, the last one unfinished.
BIG_HEAD = (b"GET /v1/health/live?" + b"q" * 8100 + b" HTTP/1.1\r\nHost: a\r\n"
            + b"".join(b"X-Pad-%02d: %s\r\n" % (i, b"p" * 1000) for i in range(15)) + b"X-Slow: aaaa")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        return int(re.search(r"VmRSS:\s+(\d+) kB", status.read()).group(1))


def read_response(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise RuntimeError("closed before a response")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))
    while len(body) < length:
        body += sock.recv(4096)
    return int(head.split(b" ")[1])


def connect(port):
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def settle(pid, seconds=1.5):
    time.sleep(seconds)
    return rss_kib(pid)


def one_round(binary, connections, kind):
    data_dir = tempfile.mkdtemp(prefix="tensord-idle-")
    server = subprocess.Popen(
        [binary, "--port", "0", "--data-dir", data_dir, "--quiet",
         "--max-connections", str(connections + 64), "--idle-timeout", "600", "--header-timeout", "600"],
        stderr=subprocess.PIPE, text=True)
    try:
        port = None
        for line in server.stderr:
            match = re.search(r"listening on http://[\d.]+:(\d+)", line)
            if match:
                port = int(match.group(1))
                break
        if port is None:
            raise RuntimeError("tensord did not start")
        warm = connect(port)
        warm.sendall(REQUEST)
        assert read_response(warm) == 200
        warm.close()
        base = settle(server.pid)
        held = []
        for _ in range(connections):
            sock = connect(port)
            if kind == "idle":
                sock.sendall(REQUEST)
                assert read_response(sock) == 200
            elif kind == "head":
                sock.sendall(HALF_HEAD)
            elif kind == "big":
                sock.sendall(BIG_HEAD)
            held.append(sock)
        loaded = settle(server.pid)
        fresh = connect(port)
        fresh.sendall(REQUEST)
        assert read_response(fresh) == 200, "a new client was not served"
        fresh.close()
        for sock in held:
            sock.close()
        return base, loaded, (loaded - base) / connections
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--binary", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "tensord"))
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < args.connections + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.connections + 64), hard))
    kinds = ["idle", "head", "big", "fresh"]
    rounds = [{kind: one_round(args.binary, args.connections, kind) for kind in kinds} for _ in range(args.rounds)]
    print(f"| {args.connections} connections held (median of {args.rounds}) | RSS without | RSS with | per connection |")
    print("| --- | --- | --- | --- |")
    for kind in kinds:
        base = statistics.median(r[kind][0] for r in rounds)
        loaded = statistics.median(r[kind][1] for r in rounds)
        per = statistics.median(r[kind][2] for r in rounds)
        print(f"| {kind} | {base / 1024:.1f} MiB | {loaded / 1024:.1f} MiB | {per:.1f} KiB |")


if __name__ == "__main__":
    sys.exit(main())
