#!/usr/bin/env python3
"""Wire codec benchmark: Tensord's Swift codec against orjson on the same documents.

Runs `swift run -c release tensord-bench wire --json --docs DIR` (which writes the two
documents it times: a 10^6-element float32 tensor of random normal values as `data` and as
`data_b64`), times orjson on exactly those bytes, and prints MB/s (bytes of JSON text per
second, best of N) with the Swift/orjson ratios against the targets (decode >= 1.5x,
encode >= 1.0x).

orjson side: decode = orjson.loads (plus base64 + numpy.frombuffer for b64);
encode = orjson.dumps of the decoded document (b64: base64 of the array's bytes first).

The machine is shared, so the two sides are measured in interleaved rounds (Swift, then
orjson, repeated) and each figure is the best over all rounds: a burst of load from other
work then penalises neither side more than the other.

`--clock cpu` times both sides with their thread's CPU clock instead of wall time.

    python3 scripts/bench_wire.py [--rounds 3] [--iterations 10] [--clock wall|cpu] [--swift-json FILE --docs DIR]
"""
import argparse, base64, json, os, subprocess, sys, tempfile, time

import numpy as np
import orjson


CLOCK = time.perf_counter


def best(iterations, fn):
    fastest = float("inf")
    for _ in range(iterations):
        t = CLOCK()
        fn()
        fastest = min(fastest, CLOCK() - t)
    return fastest


def orjson_rates(doc_json, doc_b64, iterations):
    rates = {}
    parsed = orjson.loads(doc_json)
    rates["json"] = (
        len(doc_json) / best(iterations, lambda: orjson.loads(doc_json)) / 1e6,
        len(doc_json) / best(iterations, lambda: orjson.dumps(parsed)) / 1e6,
    )

    def decode_b64():
        d = orjson.loads(doc_b64)
        return np.frombuffer(base64.b64decode(d["data_b64"]), dtype=np.float32).reshape(d["shape"])

    array = decode_b64()

    def encode_b64():
        return orjson.dumps({"shape": list(array.shape), "dtype": "float32",
                             "data_b64": base64.b64encode(array.tobytes()).decode("ascii")})

    assert encode_b64() == doc_b64, "orjson b64 document differs from Swift's"
    rates["b64"] = (
        len(doc_b64) / best(iterations, decode_b64) / 1e6,
        len(doc_b64) / best(iterations, encode_b64) / 1e6,
    )
    return rates


def run_swift(iterations, docs, clock):
    out = subprocess.run(["swift", "run", "-c", "release", "tensord-bench", "wire", "--json",
                          "--iterations", str(iterations), "--docs", docs, "--clock", clock],
                         check=True, capture_output=True, text=True).stdout
    return {r["encoding"]: r for r in json.loads(out.strip().splitlines()[-1])["results"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--iterations", type=int, default=10)
    ap.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    ap.add_argument("--swift-json", help="read the Swift results from this file instead of running the bench")
    ap.add_argument("--docs", help="directory holding wire_json.json and wire_b64.json (with --swift-json)")
    args = ap.parse_args()
    global CLOCK
    CLOCK = time.thread_time if args.clock == "cpu" else time.perf_counter

    swift, py = {}, {}
    docs = args.docs or tempfile.mkdtemp(prefix="tensord-wire-")
    for _ in range(args.rounds if not args.swift_json else 1):
        if args.swift_json:
            rows = {r["encoding"]: r for r in json.load(open(args.swift_json))["results"]}
        else:
            rows = run_swift(args.iterations, docs, args.clock)
        for enc, r in rows.items():
            old = swift.get(enc, r)
            swift[enc] = dict(r, decode_mb_s=max(r["decode_mb_s"], old["decode_mb_s"]),
                              encode_mb_s=max(r["encode_mb_s"], old["encode_mb_s"]))
        doc_json = open(os.path.join(docs, "wire_json.json"), "rb").read()
        doc_b64 = open(os.path.join(docs, "wire_b64.json"), "rb").read()
        for enc, (d, e) in orjson_rates(doc_json, doc_b64, args.iterations).items():
            od, oe = py.get(enc, (d, e))
            py[enc] = (max(d, od), max(e, oe))

    rounds = 1 if args.swift_json else args.rounds
    print(f"10^6 float32 (random normal), MB/s of JSON text ({args.clock} clock), best of {rounds} rounds x {args.iterations}; orjson {orjson.__version__}")
    print(f"{'':8}{'bytes':>10}  {'decode':>8} {'orjson':>8} {'ratio':>6}   {'encode':>8} {'orjson':>8} {'ratio':>6}")
    ok = True
    for enc in ("json", "b64"):
        r = swift[enc]
        pd, pe = py[enc]
        rd, re = r["decode_mb_s"] / pd, r["encode_mb_s"] / pe
        ok = ok and rd >= 1.5 and re >= 1.0
        print(f"{enc:8}{r['bytes']:>10}  {r['decode_mb_s']:>8.1f} {pd:>8.1f} {rd:>5.2f}x   {r['encode_mb_s']:>8.1f} {pe:>8.1f} {re:>5.2f}x")
    print("targets: decode >= 1.5x orjson, encode >= 1.0x orjson:", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
