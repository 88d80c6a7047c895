import Foundation
import TensorEngine

/// `tensord-bench engine [--json] [--quick]`: matmul GFLOPS (float32/float64, 256/1024/2048, and a
/// batched [64,128,128]·[64,128,128]) through `Tensor.matmul`, and GB/s for add, exp and sum on 10^7
/// float32 elements through the Tensor API. Every timed call creates a new output tensor, as a
/// user's call would (large buffers are recycled by `BufferPool`, so a steady loop pays no page
/// faults; NumPy pays them). Then cumsum, sort (values and indices), gather, where and logsumexp on
/// 10^7 float32, and randn of 10^7 float32 and float64. Reported: the best and the median of the timed runs.
/// scripts/bench_engine.py runs the same in NumPy and prints the ratios.
func runEngineBenchmark(_ args: [String]) throws {
    let json = args.contains("--json"), quick = args.contains("--quick")
    var results: [[String: Any]] = []

    func report(_ name: String, unit: String, amount: Double, times: [Double]) {
        let sorted = times.sorted()
        let best = amount / sorted[0] / 1e9, median = amount / sorted[sorted.count / 2] / 1e9
        results.append(["name": name, "unit": unit, "best": best, "median": median, "runs": times.count])
        if !json {
            let pad = name.padding(toLength: 28, withPad: " ", startingAt: 0)
            print("\(pad) \(String(format: "%8.2f", best)) \(unit) best  \(String(format: "%8.2f", median)) median  (\(times.count) runs)")
        }
    }

    /// Times `body` after one warm-up call: at least `minRuns` runs and about `seconds` in all.
    func time(minRuns: Int = 5, seconds: Double = quick ? 0.3 : 1.0, _ body: () throws -> Void) rethrows -> [Double] {
        try body()
        var times: [Double] = []
        let start = DispatchTime.now().uptimeNanoseconds
        while times.count < minRuns || (Double(DispatchTime.now().uptimeNanoseconds - start) < seconds * 1e9 && times.count < 200) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        return times
    }

    var rng = Lcg()
    func random(_ shape: [Int], _ dtype: DType) -> Tensor {
        switch dtype {
        case .float64: Tensor.make(shape, Double.self) { b in for i in b.indices { b[i] = rng.next() } }
        default: Tensor.make(shape, Float.self) { b in for i in b.indices { b[i] = Float(rng.next()) } }
        }
    }

    let available = Kernels.blasAvailable
    let chosen = Kernels.blasCoreTypeChosen, core = Kernels.blasCoreName
    if !json {
        print("OpenBLAS: \(available ? "loaded" : "missing"), kernel \(core.isEmpty ? "?" : core)"
              + (chosen.isEmpty ? " (OPENBLAS_CORETYPE from the environment or not needed)" : " (OPENBLAS_CORETYPE=\(chosen) set by tensord)")
              + "; \(Kernels.cores) cores")
    }

    for dtype in [DType.float32, .float64] {
        for n in [256, 1024, 2048] {
            let a = random([n, n], dtype), b = random([n, n], dtype)
            let times = try time(minRuns: n >= 2048 ? 3 : 5) { _ = try a.matmul(b) }
            report("matmul \(n) \(dtype)", unit: "GFLOPS", amount: 2 * pow(Double(n), 3), times: times)
        }
        let a = random([64, 128, 128], dtype), b = random([64, 128, 128], dtype)
        let times = try time { _ = try a.matmul(b) }
        report("bmm [64,128,128] \(dtype)", unit: "GFLOPS", amount: 64 * 2 * pow(128, 3), times: times)
    }

    let n = 10_000_000
    let x = random([n], .float32), y = random([n], .float32)
    report("add 1e7 float32", unit: "GB/s", amount: 12 * Double(n), times: try time(minRuns: 10) { _ = try x + y })
    report("exp 1e7 float32", unit: "GB/s", amount: 8 * Double(n), times: try time(minRuns: 10) { _ = try x.exp() })
    report("sum 1e7 float32", unit: "GB/s", amount: 4 * Double(n), times: try time(minRuns: 10) { _ = try x.sum() })

    // Selection and scans (issue 15). Bytes: what the op must read and write (int64 indices 8 each).
    let mask = Tensor.make([n], Bool.self) { b in for i in b.indices { b[i] = rng.next() > 0 } }
    let index = Tensor.make([n], Int64.self) { b in for i in b.indices { b[i] = Int64((rng.next() + 1) / 2 * Double(n - 1)) } }
    report("cumsum 1e7 float32", unit: "GB/s", amount: 8 * Double(n), times: try time { _ = try x.cumsum(dim: 0) })
    report("sort 1e7 float32", unit: "GB/s", amount: 16 * Double(n), times: try time(minRuns: 3) { _ = try x.sort(dim: 0) })
    report("gather 1e7 float32", unit: "GB/s", amount: 16 * Double(n), times: try time { _ = try x.gather(dim: 0, index: index) })
    report("where 1e7 float32", unit: "GB/s", amount: 13 * Double(n), times: try time { _ = try Tensor.where(mask, .tensor(x), .tensor(y)) })
    report("logsumexp 1e7 float32", unit: "GB/s", amount: 4 * Double(n), times: try time { _ = try x.logsumexp(dims: [0]) })
    // PyTorch's generator and sampling path (mt19937, Box–Muller in blocks of 16): 4 bytes written each.
    let generator = Generator(seed: 0)
    report("randn 1e7 float32", unit: "GB/s", amount: 4 * Double(n), times: try time { _ = try Tensor.randn([n], generator: generator) })
    report("randn 1e7 float64", unit: "GB/s", amount: 8 * Double(n), times: try time { _ = try Tensor.randn([n], dtype: .float64, generator: generator) })

    if json {
        let meta: [String: Any] = ["blas": available, "corename": core, "coretype_set": chosen, "cores": Kernels.cores]
        let data = try JSONSerialization.data(withJSONObject: ["meta": meta, "results": results], options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}

/// Deterministic uniform numbers in [-1, 1).
struct Lcg {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    mutating func next() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(state >> 11) / Double(1 << 53) * 2 - 1
    }
}
