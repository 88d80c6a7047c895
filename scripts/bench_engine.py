#!/usr/bin/env python3
"""NumPy side of `tensord-bench engine`, and the ratio table (randn also against torch.randn
when PyTorch is installed).

Runs the same workloads as Sources/tensord-bench/EngineBenchmark.swift in NumPy (same sizes,
same FLOP and byte accounting: matmul 2n^3, add 12n, exp 8n, sum 4n bytes; every timed call
allocates a fresh output) and prints Tensord / NumPy for the best and the median run.

    python3 scripts/bench_engine.py                  # builds and runs the Swift benchmark itself
    python3 scripts/bench_engine.py --swift out.json # or reads `tensord-bench engine --json` output
    python3 scripts/bench_engine.py --quick          # shorter runs on both sides
    python3 scripts/bench_engine.py --rounds 5       # alternate Tensord and NumPy 5 times (default 3)

The machine may be shared: each round runs the whole Tensord benchmark and then the whole NumPy
one, and each side keeps its best round, so bursts of outside load hit both sides alike.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np


def timed(body, min_runs=5, seconds=1.0):
    body()  # warm-up
    times = []
    start = time.perf_counter()
    while len(times) < min_runs or (time.perf_counter() - start < seconds and len(times) < 200):
        t0 = time.perf_counter()
        body()
        times.append(time.perf_counter() - t0)
    return times


def numpy_results(quick):
    seconds = 0.3 if quick else 1.0
    rng = np.random.default_rng(0)
    out = []

    def report(name, unit, amount, times):
        times = sorted(times)
        out.append({"name": name, "unit": unit, "best": amount / times[0] / 1e9,
                    "median": amount / times[len(times) // 2] / 1e9, "runs": len(times)})

    for dtype, label in [(np.float32, "float32"), (np.float64, "float64")]:
        for n in [256, 1024, 2048]:
            a = rng.uniform(-1, 1, (n, n)).astype(dtype)
            b = rng.uniform(-1, 1, (n, n)).astype(dtype)
            report(f"matmul {n} {label}", "GFLOPS", 2 * n ** 3,
                   timed(lambda: a @ b, 3 if n >= 2048 else 5, seconds))
        a = rng.uniform(-1, 1, (64, 128, 128)).astype(dtype)
        b = rng.uniform(-1, 1, (64, 128, 128)).astype(dtype)
        report(f"bmm [64,128,128] {label}", "GFLOPS", 64 * 2 * 128 ** 3, timed(lambda: a @ b, 5, seconds))

    n = 10_000_000
    x = rng.uniform(-1, 1, n).astype(np.float32)
    y = rng.uniform(-1, 1, n).astype(np.float32)
    report("add 1e7 float32", "GB/s", 12 * n, timed(lambda: x + y, 10, seconds))
    report("exp 1e7 float32", "GB/s", 8 * n, timed(lambda: np.exp(x), 10, seconds))
    report("sum 1e7 float32", "GB/s", 4 * n, timed(lambda: x.sum(), 10, seconds))

    # Selection and scans (issue 15), as NumPy writes them. Tensord's sort returns values and
    # indices (torch.sort), so NumPy's side is a stable argsort and the take of the values.
    mask = rng.uniform(-1, 1, n) > 0
    index = (rng.uniform(0, 1, n) * (n - 1)).astype(np.int64)

    def sort():
        i = np.argsort(x, kind="stable")
        return x[i], i

    def logsumexp():
        m = x.max()
        return m + np.log(np.sum(np.exp(x - m)))

    report("cumsum 1e7 float32", "GB/s", 8 * n, timed(lambda: np.cumsum(x), 5, seconds))
    report("sort 1e7 float32", "GB/s", 16 * n, timed(sort, 3, seconds))
    report("gather 1e7 float32", "GB/s", 16 * n, timed(lambda: np.take_along_axis(x, index, 0), 5, seconds))
    report("where 1e7 float32", "GB/s", 13 * n, timed(lambda: np.where(mask, x, y), 5, seconds))
    report("logsumexp 1e7 float32", "GB/s", 4 * n, timed(logsumexp, 5, seconds))
    # NumPy's normals are its own (ziggurat); Tensord's are PyTorch's, so torch_results is the
    # like-for-like peer for randn.
    gen = np.random.default_rng(0)
    report("randn 1e7 float32", "GB/s", 4 * n, timed(lambda: gen.standard_normal(n, dtype=np.float32), 5, seconds))
    report("randn 1e7 float64", "GB/s", 8 * n, timed(lambda: gen.standard_normal(n, dtype=np.float64), 5, seconds))
    return out


def torch_results(quick):
    """torch.randn on the same 10^7 float32 and float64 (PyTorch's CPU generator), or [] without torch."""
    try:
        import torch
    except ImportError:
        return []
    n = 10_000_000
    torch.manual_seed(0)
    out = []
    for dtype, label, size in [(torch.float32, "float32", 4), (torch.float64, "float64", 8)]:
        times = sorted(timed(lambda: torch.randn(n, dtype=dtype), 5, 0.3 if quick else 1.0))
        out.append({"name": f"randn 1e7 {label}", "unit": "GB/s", "best": size * n / times[0] / 1e9,
                    "median": size * n / times[len(times) // 2] / 1e9, "runs": len(times), "torch": torch.__version__})
    return out


def swift_results(args):
    if args.swift:
        with open(args.swift) as f:
            text = f.read()
    else:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        cmd = ["swift", "run", "-c", "release", "tensord-bench", "engine", "--json"] + (["--quick"] if args.quick else [])
        text = subprocess.run(cmd, cwd=root, check=True, capture_output=True, text=True).stdout
    # The JSON object is the last line (swift run may print build progress before it).
    return json.loads(text.strip().splitlines()[-1])


def merge_one(table, r):
    """Keeps, per benchmark, the best run and the best round's median over the rounds."""
    old = table.get(r["name"])
    if old is None:
        table[r["name"]] = dict(r)
    else:
        old["best"] = max(old["best"], r["best"])
        old["median"] = max(old["median"], r["median"])
        old["runs"] += r["runs"]


def merge(results, more):
    table = {r["name"]: r for r in results}
    for r in more:
        merge_one(table, r)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--swift", help="file holding `tensord-bench engine --json` output")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    rounds = 1 if args.swift else args.rounds
    swift, numpy, torch_peer = None, {}, {}
    for _ in range(rounds):
        this = swift_results(args)
        if swift is None:
            swift = this
        else:
            merge(swift["results"], this["results"])
        for r in numpy_results(args.quick):
            merge_one(numpy, r)
        for r in torch_results(args.quick):
            merge_one(torch_peer, r)
    meta = swift.get("meta", {})
    print(f"Tensord: OpenBLAS {'loaded' if meta.get('blas') else 'MISSING'}, kernel {meta.get('corename', '?')}"
          f"{' (OPENBLAS_CORETYPE=' + meta['coretype_set'] + ' set by tensord)' if meta.get('coretype_set') else ''}"
          f"; NumPy {np.__version__}")
    print(f"{rounds} round(s); best = best run, med = best round's median run")
    print(f"{'benchmark':<26} {'unit':<7} {'tensord best':>12} {'numpy best':>11} {'ratio':>6}   "
          f"{'tensord med':>11} {'numpy med':>10} {'ratio':>6}")
    for r in swift["results"]:
        np_r = numpy.get(r["name"])
        if not np_r:
            continue
        rb, rm = r["best"] / np_r["best"], r["median"] / np_r["median"]
        print(f"{r['name']:<26} {r['unit']:<7} {r['best']:>12.2f} {np_r['best']:>11.2f} {rb:>5.2f}x   "
              f"{r['median']:>11.2f} {np_r['median']:>10.2f} {rm:>5.2f}x")
        t_r = torch_peer.get(r["name"])
        if t_r:
            tb, tm = r["best"] / t_r["best"], r["median"] / t_r["median"]
            print(f"{'  vs torch ' + t_r['torch']:<26} {r['unit']:<7} {r['best']:>12.2f} {t_r['best']:>11.2f} {tb:>5.2f}x   "
                  f"{r['median']:>11.2f} {t_r['median']:>10.2f} {tm:>5.2f}x")
    print("targets: matmul >= 0.9x NumPy; add/exp/sum and cumsum/sort/gather/where/logsumexp/randn >= 1.0x NumPy (ratio of best runs);"
          " randn's like-for-like peer is torch.randn (same generator and values)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
