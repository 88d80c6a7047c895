import CBLAS
import CKernels
import Foundation
import Testing
@testable import TensorEngine

/// Error of a float32 result in units in the last place of the float32 grid at the
/// double-precision reference (denormal spacing below the normal range). Infinite and NaN
/// results must match exactly.
private func ulpError(_ got: Float, _ ref: Double) -> Double {
    if ref.isNaN { return got.isNaN ? 0 : .infinity }
    if got.isNaN || got.isInfinite { return Double(got) == ref || Float(ref) == got ? 0 : .infinity }
    let a = Swift.abs(ref)
    if a.isInfinite { return .infinity }
    let exponent = a < Double(Float.leastNormalMagnitude) ? -126 : min(Int(a.exponent), 127)
    let ulp = Double(sign: .plus, exponent: exponent - 23, significand: 1)
    return Swift.abs(Double(got) - ref) / ulp
}

private func ulpError(_ got: Double, _ ref: Double) -> Double {
    if ref.isNaN { return got.isNaN ? 0 : .infinity }
    if got == ref { return 0 }
    if got.isNaN || got.isInfinite || ref.isInfinite { return .infinity }
    let a = Swift.abs(ref)
    let exponent = a < Double.leastNormalMagnitude ? -1022 : Int(a.exponent)
    return Swift.abs(got - ref) / Double(sign: .plus, exponent: exponent - 52, significand: 1)
}

/// Inputs covering every binade (a stride through all bit patterns), dense ranges where
/// the functions are interesting, and the special values.
private func sweep(_ lo: Float, _ hi: Float) -> [Float] {
    var xs: [Float] = []
    var u: UInt32 = 12345
    for _ in 0..<60_000 { xs.append(Float(bitPattern: u)); u &+= 71_582 }
    for i in 0..<60_000 { xs.append(lo + (hi - lo) * Float(i) / 60_000) }
    xs += [0, -0.0, .infinity, -.infinity, .nan, -.nan, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
           .leastNormalMagnitude, 0x1p-127, -0x1p-140, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
           1, -1, 88.72283, 88.72284, 88.8, 89, -87.33654, -103.97, -103.98, -104, -150, 1e10, -1e10, 0.625, -0.625, 9, -9, 20, -20]
    return xs
}

private func run(_ kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void, _ xs: [Float]) -> [Float] {
    var out = [Float](repeating: 0, count: xs.count)
    xs.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { o in kernel(x.baseAddress!, o.baseAddress!, xs.count) } }
    return out
}

private func sigmoidReference(_ x: Double) -> Double { x < 0 ? Foundation.exp(x) / (1 + Foundation.exp(x)) : 1 / (1 + Foundation.exp(-x)) }

@Suite struct KernelTests {
    @Test("float32 exp, log, tanh, sigmoid, sqrt stay within 2 ulp of a float64 reference", arguments: [
        ("exp", -110, 95), ("log", 0, 10), ("tanh", -10, 10), ("sigmoid", -110, 30), ("sqrt", 0, 100),
    ] as [(String, Float, Float)])
    func accuracy(name: String, lo: Float, hi: Float) {
        let (kernel, reference, bound): ((UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void, (Double) -> Double, Double) =
            switch name {
            case "exp": (td_exp_f32, Foundation.exp, 2)
            case "log": (td_log_f32, Foundation.log, 2)
            case "tanh": (td_tanh_f32, Foundation.tanh, 2)
            case "sigmoid": (td_sigmoid_f32, sigmoidReference, 2)
            default: (td_sqrt_f32, Foundation.sqrt, 0.5)
            }
        let xs = sweep(lo, hi)
        let ys = run(kernel, xs)
        var worst = 0.0, at: Float = 0
        for (x, y) in zip(xs, ys) {
            let e = ulpError(y, reference(Double(x)))
            if e > worst { worst = e; at = x }
        }
        #expect(worst <= bound, "\(name): \(worst) ulp at \(at)")
    }

    @Test func exactEdgeCases() {
        let xs: [Float] = [.infinity, -.infinity, .nan, 0, -0.0, 100, -200, 1e30, -1e30]
        let e = run(td_exp_f32, xs), l = run(td_log_f32, xs), t = run(td_tanh_f32, xs), s = run(td_sigmoid_f32, xs)
        #expect(e[0] == .infinity && e[1] == 0 && e[2].isNaN && e[3] == 1 && e[4] == 1 && e[5] == .infinity && e[6] == 0)
        #expect(l[0] == .infinity && l[1].isNaN && l[2].isNaN && l[3] == -.infinity && l[4] == -.infinity && l[6].isNaN && l[8].isNaN)
        #expect(t[0] == 1 && t[1] == -1 && t[2].isNaN && t[3] == 0 && t[4] == 0 && t[4].sign == .minus && t[7] == 1 && t[8] == -1)
        #expect(s[0] == 1 && s[1] == 0 && s[2].isNaN && s[3] == 0.5 && s[7] == 1 && s[8] == 0)
        #expect(run(td_log_f32, [1])[0] == 0)
        #expect(run(td_sqrt_f32, [-1, -0.0, 4])[0].isNaN && run(td_sqrt_f32, [-0.0])[0].sign == .minus)
        // Denormal results and inputs.
        #expect(run(td_exp_f32, [-100])[0] == Float(Foundation.exp(-100.0)))
        #expect(Swift.abs(run(td_log_f32, [.leastNonzeroMagnitude])[0] - Float(Foundation.log(Double(Float.leastNonzeroMagnitude)))) <= 1e-5)
    }

    @Test func float64ExpAndLog() {
        var xs: [Double] = []
        var u: UInt64 = 977
        for _ in 0..<50_000 { xs.append(Double(bitPattern: u)); u &+= 368_934_881_474_191 }
        for i in 0..<50_000 { xs.append(-750 + 1500 * Double(i) / 50_000) }
        xs += [0, -0.0, .infinity, -.infinity, .nan, 709.78, 709.79, -745.1, -745.2, .leastNonzeroMagnitude, 1]
        for (name, kernel, reference) in [("exp", td_exp_f64, Foundation.exp), ("log", td_log_f64, Foundation.log)]
            as [(String, (UnsafePointer<Double>, UnsafeMutablePointer<Double>, Int) -> Void, (Double) -> Double)] {
            var ys = [Double](repeating: 0, count: xs.count)
            xs.withUnsafeBufferPointer { x in ys.withUnsafeMutableBufferPointer { y in kernel(x.baseAddress!, y.baseAddress!, xs.count) } }
            // Foundation is within ~0.5 ulp of the true value, so 1.5 here keeps us within 2.
            let worst = zip(xs, ys).map { ulpError($1, reference($0)) }.max()!
            #expect(worst <= 1.5, "\(name) float64: \(worst) ulp")
        }
    }

    @Test func unaryOpsUseKernelsWhateverTheLayout() throws {
        let base = Tensor.make([300, 500], Float.self) { b in for i in b.indices { b[i] = Float(i % 977) / 97 - 5 } }
        let strided = try base.t()  // non-contiguous
        #expect(!strided.isContiguous)
        for (name, op, reference) in [("exp", { try $0.exp() }, Foundation.exp), ("tanh", { try $0.tanh() }, Foundation.tanh),
                                      ("sigmoid", { try $0.sigmoid() }, sigmoidReference)]
            as [(String, (Tensor) throws -> Tensor, (Double) -> Double)] {
            let fast = try op(strided.copied()).scalars(as: Float.self)
            let viaStrides = try op(strided).scalars(as: Float.self)
            #expect(fast == viaStrides, "\(name)")
            let xs = strided.scalars(as: Float.self)
            #expect(zip(xs, fast).allSatisfy { ulpError($1, reference(Double($0))) <= 2 }, "\(name)")
        }
        let positive = try base.abs().t()
        #expect(try positive.log().scalars(as: Float.self) == positive.copied().log().scalars(as: Float.self))
        #expect(try positive.sqrt().scalars(as: Float.self) == positive.scalars(as: Float.self).map { $0.squareRoot() })
        // float64 exp/log go through their kernels too.
        let d = try base.cast(to: .float64).t()
        #expect(zip(d.doubles(), try d.exp().doubles()).allSatisfy { ulpError($1, Foundation.exp($0)) <= 1.5 })
    }

    @Test func arithmeticFastPathsMatchScalarLoops() throws {
        // Large enough to be split across cores; strided, broadcast and scalar operands.
        let a = Tensor.make([400, 700], Float.self) { b in for i in b.indices { b[i] = Float(i % 1013) / 7 - 60 } }
        let b = Tensor.make([700, 400], Float.self) { b in for i in b.indices { b[i] = Float(i % 331) / 3 + 0.5 } }
        let bt = try b.t()
        let row = Tensor.make([700], Float.self) { b in for i in b.indices { b[i] = Float(i) - 350.5 } }
        let xs = a.scalars(as: Float.self), ys = bt.scalars(as: Float.self), rs = row.scalars(as: Float.self)
        let ops: [(String, (Tensor, Tensor) throws -> Tensor, (Float, Float) -> Float)] = [
            ("add", { try $0 + $1 }, (+)), ("sub", { try $0 - $1 }, (-)), ("mul", { try $0 * $1 }, (*)), ("div", { try $0 / $1 }, (/)),
        ]
        for (name, op, f) in ops {
            #expect(try op(a, bt).scalars(as: Float.self) == zip(xs, ys).map(f), "\(name) strided")
            #expect(try op(a, row).scalars(as: Float.self) == xs.indices.map { f(xs[$0], rs[$0 % 700]) }, "\(name) broadcast")
            let s = Tensor(scalar: Float(2.5))
            #expect(try op(a, s).scalars(as: Float.self) == xs.map { f($0, 2.5) }, "\(name) tensor-scalar")
            #expect(try op(s, a).scalars(as: Float.self) == xs.map { f(2.5, $0) }, "\(name) scalar-tensor")
        }
        #expect(try a.sub(.tensor(bt), alpha: 1).scalars(as: Float.self) == zip(xs, ys).map(-))
        #expect(try a.add(.tensor(bt), alpha: 2).scalars(as: Float.self) == zip(xs, ys).map { $0 + 2 * $1 })
        // IEEE cases go through untouched.
        let special = Tensor([Float.infinity, -.infinity, .nan, 0, 1, -0.0, 3, 4], shape: [8])
        let zero = Tensor([Float](repeating: 0, count: 8), shape: [8])
        let q = try (special / zero).scalars(as: Float.self)
        #expect(q[0] == .infinity && q[1] == -.infinity && q[2].isNaN && q[3].isNaN && q[4] == .infinity && q[5].isNaN)
    }

    @Test func sumsAreAccurateAndIndependentOfTheSplit() throws {
        for n in [0, 1, 7, 64, 1000, Kernels.sumBlock, Kernels.sumBlock + 1, 1_000_003] {
            let xs = (0..<n).map { Float(($0 * 7919) % 10007) / 1000 - 5 }
            let reference = xs.reduce(0.0) { $0 + Double($1) }
            let got = xs.withUnsafeBufferPointer { Kernels.sum($0.baseAddress ?? UnsafePointer(bitPattern: 64)!, n) }
            #expect(Swift.abs(Double(got) - reference) <= 1e-6 * xs.reduce(0.0) { $0 + Double(Swift.abs($1)) } + 1e-6, "n=\(n)")
            let ds = xs.map(Double.init)
            let gotD = ds.withUnsafeBufferPointer { Kernels.sum($0.baseAddress ?? UnsafePointer(bitPattern: 64)!, n) }
            #expect(Swift.abs(gotD - reference) <= 1e-12 * Swift.max(1, Swift.abs(reference)), "float64 n=\(n)")
            // The blocked sum is the in-order sum of per-block kernel sums, whatever the cores.
            if n > Kernels.sumBlock {
                let partials = stride(from: 0, to: n, by: Kernels.sumBlock).map { lo in
                    xs.withUnsafeBufferPointer { td_sum_f32($0.baseAddress! + lo, Swift.min(Kernels.sumBlock, n - lo)) }
                }
                #expect(got == partials.withUnsafeBufferPointer { td_sum_f32($0.baseAddress!, partials.count) })
            }
        }
        let nan = [Float](repeating: 1, count: 100_000) + [.nan]
        #expect(nan.withUnsafeBufferPointer { Kernels.sum($0.baseAddress!, $0.count) }.isNaN)
        // Through the op, full and per-row, on a strided tensor.
        let t = Tensor.make([200, 3000], Float.self) { b in for i in b.indices { b[i] = Float(i % 101) / 10 } }
        let rows = try t.t().sum(dims: [0]).scalars(as: Float.self)
        let ts = t.scalars(as: Float.self)
        let ref = (0..<200).map { j in (0..<3000).reduce(0.0) { $0 + Double(ts[j * 3000 + $1]) } }
        #expect(rows.count == 200)
        #expect(zip(rows, ref).allSatisfy { Swift.abs(Double($0) - $1) <= 1e-4 * Swift.max(1, $1) })
        #expect(Swift.abs(Double(try t.sum().item()) - ref.reduce(0, +)) <= 1e-5 * ref.reduce(0, +))
    }

    @Test func blasIsLoadedAndMultipliesCorrectly() {
        #expect(td_blas_available() != 0)
        #expect(Kernels.blasAvailable && !Kernels.blasCoreName.isEmpty)
        let (m, n, k) = (5, 7, 3)
        let a = (0..<(m * k)).map { Float($0 % 5) - 2 }, b = (0..<(k * n)).map { Float($0 % 7) * 0.5 - 1 }
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            // Stored transposed when the flag says so: a is k×m, b is n×k.
            let aStore = ta ? (0..<(k * m)).map { a[($0 % m) * k + $0 / m] } : a
            let bStore = tb ? (0..<(n * k)).map { b[($0 % k) * n + $0 / k] } : b
            var c = [Float](repeating: .nan, count: m * n)
            td_sgemm(Int32(ta ? TDBlasTrans.rawValue : TDBlasNoTrans.rawValue), Int32(tb ? TDBlasTrans.rawValue : TDBlasNoTrans.rawValue),
                     Int32(m), Int32(n), Int32(k), 1, aStore, Int32(ta ? m : k), bStore, Int32(tb ? k : n), 0, &c, Int32(n))
            var cd = [Double](repeating: .nan, count: m * n)
            td_dgemm(Int32(ta ? TDBlasTrans.rawValue : TDBlasNoTrans.rawValue), Int32(tb ? TDBlasTrans.rawValue : TDBlasNoTrans.rawValue),
                     Int32(m), Int32(n), Int32(k), 1, aStore.map(Double.init), Int32(ta ? m : k), bStore.map(Double.init), Int32(tb ? k : n),
                     0, &cd, Int32(n))
            for i in 0..<m {
                for j in 0..<n {
                    let expected = (0..<k).reduce(Float(0)) { $0 + a[i * k + $1] * b[$1 * n + j] }
                    #expect(c[i * n + j] == expected, "sgemm ta=\(ta) tb=\(tb) [\(i),\(j)]")
                    #expect(cd[i * n + j] == Double(expected), "dgemm ta=\(ta) tb=\(tb) [\(i),\(j)]")
                }
            }
        }
    }

    @Test func largeProductsSplitByRowsMatchTheDefinition() throws {
        // 100·160·170 > 2^21 multiply-adds: split across cores, with a ragged last block.
        let (n, k, m) = (100, 170, 160)
        let a = Tensor.make([n, k], Float.self) { b in for i in b.indices { b[i] = Float(i % 13) - 6 } }
        let b = Tensor.make([k, m], Float.self) { b in for i in b.indices { b[i] = Float(i % 7) - 3 } }
        let av = a.scalars(as: Float.self), bv = b.scalars(as: Float.self)
        let expected = (0..<(n * m)).map { idx in (0..<k).reduce(Float(0)) { $0 + av[idx / m * k + $1] * bv[$1 * m + idx % m] } }
        #expect(try a.matmul(b).scalars(as: Float.self) == expected)
        #expect(try a.t().copied().t().matmul(b).scalars(as: Float.self) == expected)  // op(A) transposed in memory
        #expect(try a.cast(to: .float64).matmul(b.cast(to: .float64)).doubles() == expected.map(Double.init))
    }

    /// Large work is split across cores, except when a job lane (the idle scheduling class) asks.
    @Test func parallelChunksStayOnAnIdleClassThread() {
        let n = 1 << 20
        @Sendable func ranges() -> [Range<Int>] {
            let lock = NSLock()
            var seen: [Range<Int>] = []
            parallelChunks(n, grain: 1 << 10) { r in lock.lock(); seen.append(r); lock.unlock() }
            return seen.sorted { $0.lowerBound < $1.lowerBound }
        }
        if Kernels.cores > 1 { #expect(ranges().count == Kernels.cores) }
        nonisolated(unsafe) var onIdle: [Range<Int>] = []
        let done = DispatchSemaphore(value: 0)
        Thread {
            var param = sched_param()
            #expect(sched_setscheduler(0, 5, &param) == 0)  // SCHED_IDLE, as a job lane
            onIdle = ranges()
            done.signal()
        }.start()
        done.wait()
        #expect(onIdle == [0..<n])
    }
}
