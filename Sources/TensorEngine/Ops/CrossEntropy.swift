import CKernels
import Foundation

// cross_entropy and nll_loss (semantics §9). Class-index targets take a fused path: one
// pass per row computes a stable log-softmax and the loss, and the VJP writes
// w_t·(softmax − onehot)/norm directly. Probability targets are composed from
// log_softmax and arithmetic, so their target gradient comes for free.

/// Float element types the loss kernels run on.
protocol LossFloat: BinaryFloatingPoint, Element {
    /// `dst[i] = e^src[i]` for `n` elements (vectorised for float32).
    static func exp(_ src: UnsafePointer<Self>, _ dst: UnsafeMutablePointer<Self>, _ n: Int)
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func log1p(_ x: Self) -> Self
}
extension Float: LossFloat {
    @inline(__always) static func exp(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) { td_exp_f32(src, dst, n) }
    @inline(__always) static func exp(_ x: Float) -> Float { Foundation.exp(x) }
    @inline(__always) static func log(_ x: Float) -> Float { Foundation.log(x) }
    @inline(__always) static func log1p(_ x: Float) -> Float { Foundation.log1p(x) }
}
extension Double: LossFloat {
    @inline(__always) static func exp(_ src: UnsafePointer<Double>, _ dst: UnsafeMutablePointer<Double>, _ n: Int) {
        for i in 0..<n { dst[i] = Foundation.exp(src[i]) }
    }
    @inline(__always) static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    @inline(__always) static func log(_ x: Double) -> Double { Foundation.log(x) }
    @inline(__always) static func log1p(_ x: Double) -> Double { Foundation.log1p(x) }
}

/// Class-index targets against an input of N samples × C classes × S positions (the
/// spatial dims d1… flattened). Element (n, c, s) of the contiguous input sits at
/// `(n·C + c)·S + s`; target i = n·S + s.
struct ClassIndexProblem {
    let n: Int, classes: Int, s: Int
    /// The per-position loss shape: the target's shape.
    let lossShape: [Int]
    let targets: [Int64]
    let ignoreIndex: Int64
    /// The input, contiguous and detached.
    let input: Tensor
    let weight: [Double]?

    init(input x: Tensor, target: Tensor, weight: Tensor?, ignoreIndex: Int, op: String) throws {
        guard x.dtype.isFloating else {
            throw TensorError(.dtype, "\(op): input must be floating, got \(x.dtype)", argument: "input")
        }
        guard x.ndim >= 1 else { throw TensorError(.shape, "\(op): input must have at least 1 dim (classes), got a 0-d tensor", argument: "input") }
        guard target.dtype == .int64 else {
            throw TensorError(.dtype, "\(op): class-index targets must be int64, got \(target.dtype)\(target.dtype.isFloating ? " with shape \(target.shape) (probability targets need the input's shape \(x.shape))" : "")", argument: "target")
        }
        let expected = x.ndim == 1 ? [] : [x.shape[0]] + x.shape.dropFirst(2)
        guard target.shape == expected else {
            throw TensorError(.shape, "\(op): target shape \(target.shape) does not match input shape \(x.shape) (expected \(expected): batch size and spatial dims, without the class dim)", argument: "target")
        }
        classes = x.ndim == 1 ? x.shape[0] : x.shape[1]
        n = x.ndim == 1 ? 1 : x.shape[0]
        s = x.shape.dropFirst(2).reduce(1, *)
        lossShape = expected
        targets = target.scalars(as: Int64.self)
        self.ignoreIndex = Int64(ignoreIndex)
        for t in targets where t != self.ignoreIndex && (t < 0 || t >= Int64(classes)) {
            throw TensorError(.value, "\(op): target \(t) is out of bounds for \(classes) classes (expected in [0, \(classes)) or ignore_index \(ignoreIndex))", argument: "target")
        }
        if let weight {
            guard weight.ndim == 1, weight.shape[0] == classes else {
                throw TensorError(.shape, "\(op): weight must have shape [\(classes)] (one per class), got \(weight.shape)", argument: "weight")
            }
            self.weight = weight.doubles()
        } else {
            self.weight = nil
        }
        input = x.detached().contiguous()
    }

    /// Σ w[t_i] over non-ignored targets: the denominator of 'mean'.
    var totalWeight: Double {
        var total = 0.0
        for t in targets where t != ignoreIndex { total += weight?[Int(t)] ?? 1 }
        return total
    }

    /// Runs `body` for each position i in parallel chunks, with the base of its (strided) row.
    func forEachRow(_ body: (_ i: Int, _ base: Int) -> Void) {
        let s = s, c = classes
        parallelChunks(n * s, grain: max(1, (1 << 15) / max(c, 1))) { r in
            for i in r {
                let sample = i / s
                body(i, sample * c * s + (i - sample * s))
            }
        }
    }

    /// Like `forEachRow`, with the row's C logits contiguous (the input itself when S = 1,
    /// else gathered) and 2·C elements of per-chunk workspace.
    func forEachContiguousRow<T: LossFloat>(_ x: UnsafePointer<T>, _ body: (_ i: Int, _ base: Int, _ row: UnsafePointer<T>, _ work: UnsafeMutablePointer<T>) -> Void) {
        let s = s, c = classes
        parallelChunks(n * s, grain: max(1, (1 << 15) / max(c, 1))) { r in
            let work = UnsafeMutablePointer<T>.allocate(capacity: 3 * max(c, 1))
            defer { work.deallocate() }
            let gathered = work + 2 * max(c, 1)
            for i in r {
                let sample = i / s, base = sample * c * s + (i - sample * s)
                if s == 1 { body(i, base, x + base, work); continue }
                for k in 0..<c { gathered[k] = x[base + k * s] }
                body(i, base, gathered, work)
            }
        }
    }

    /// Per-position scale of the upstream gradient: g_i for 'none', g/denominator otherwise.
    func gradientScales<T: LossFloat>(_ g: Tensor, reduction: Reduction, _: T.Type) throws -> [T] {
        let gv = try g.cast(to: T.dtype).scalars(as: T.self)
        switch reduction {
        case .none: return gv
        case .sum: return [T](repeating: gv[0], count: n * s)
        case .mean: return [T](repeating: gv[0] / T(totalWeight), count: n * s)
        }
    }

    /// Reduces per-position losses (already shaped as `lossShape`).
    func reduce<T: LossFloat>(_ losses: Tensor, _ reduction: Reduction, _: T.Type) -> Tensor {
        switch reduction {
        case .none: return losses
        case .sum, .mean:
            let total = losses.withContiguousBuffer(as: T.self) { Kernels.sum($0.baseAddress!, $0.count) }
            return Tensor(scalar: reduction == .sum ? total : total / T(totalWeight))
        }
    }
}

extension ClassIndexProblem {
    /// Fused log-softmax + smoothed NLL. Returns the loss and the VJP for the logits.
    func crossEntropy<T: LossFloat>(_: T.Type, reduction: Reduction, smoothing: Double) -> (Tensor, (Tensor) throws -> Tensor) {
        let x = UnsafePointer(input.storage.typed(T.self) + input.offset)
        let c = classes, s = s, ignore = ignoreIndex
        let eps = T(smoothing), keep = 1 - T(smoothing), epsPerClass = T(smoothing) / T(max(c, 1))
        let w: [T]? = weight?.map { T($0) }
        let wTotal = w.map { $0.reduce(0, +) } ?? T(c)
        var lse = [T](repeating: 0, count: n * s)
        let losses = lse.withUnsafeMutableBufferPointer { lseBuf in
            let lsePtr = lseBuf.baseAddress!
            return Tensor.make(lossShape, T.self) { out in
                let o = out.baseAddress!
                forEachContiguousRow(x) { i, _, row, work in
                    // A NaN anywhere reaches the sum through exp, so the max may skip it.
                    var mx = -T.infinity
                    for k in 0..<c { mx = row[k] > mx ? row[k] : mx }
                    for k in 0..<c { work[k] = row[k] - mx }
                    T.exp(work, work + c, c)
                    let l = mx + T.log(Kernels.sum(work + c, c))
                    lsePtr[i] = l
                    let t = targets[i]
                    if t == ignore { o[i] = 0; return }
                    let wt = w?[Int(t)] ?? 1
                    var loss = -(row[Int(t)] - l) * wt
                    if eps > 0 {
                        // Σ_c w_c·logp_c, the smoothing term.
                        var acc: T = 0
                        if let w { for k in 0..<c { acc += w[k] * (row[k] - l) } } else { for k in 0..<c { acc += row[k] - l } }
                        loss = keep * loss - epsPerClass * acc
                    }
                    o[i] = loss
                }
            }
        }
        let out = reduce(losses, reduction, T.self)
        let shape = input.shape, logSumExp = lse
        let vjp: (Tensor) throws -> Tensor = { g in
            let scales = try gradientScales(g, reduction: reduction, T.self)
            return Tensor.make(shape, T.self) { dx in
                let d = dx.baseAddress!
                forEachContiguousRow(x) { i, base, row, work in
                    let t = targets[i]
                    // The gradient row: written in place when rows are contiguous, else scattered.
                    let drow = s == 1 ? d + base : work + c
                    defer { if s != 1 { for k in 0..<c { d[base + k * s] = drow[k] } } }
                    if t == ignore { drow.update(repeating: 0, count: c); return }
                    let scale = scales[i], wt = w?[Int(t)] ?? 1, l = logSumExp[i]
                    for k in 0..<c { work[k] = row[k] - l }
                    T.exp(work, drow, c)
                    // d/dx_k = (1−ε)·w_t·(p_k − δ_kt) + (ε/C)·(W·p_k − w_k)
                    let pCoef = scale * (keep * wt + epsPerClass * wTotal)
                    for k in 0..<c { drow[k] *= pCoef }
                    if eps > 0 {
                        let e = scale * epsPerClass
                        if let w { for k in 0..<c { drow[k] -= e * w[k] } } else { for k in 0..<c { drow[k] -= e } }
                    }
                    drow[Int(t)] -= scale * keep * wt
                }
            }
        }
        return (out, vjp)
    }

    /// −w[t]·input[t] per position (input taken as log-probabilities). Returns the loss and its VJP.
    func nll<T: LossFloat>(_: T.Type, reduction: Reduction) -> (Tensor, (Tensor) throws -> Tensor) {
        let x = UnsafePointer(input.storage.typed(T.self) + input.offset)
        let s = s, ignore = ignoreIndex
        let w: [T]? = weight?.map { T($0) }
        let losses = Tensor.make(lossShape, T.self) { out in
            let o = out.baseAddress!
            forEachRow { i, base in
                let t = targets[i]
                o[i] = t == ignore ? 0 : -(w?[Int(t)] ?? 1) * x[base + Int(t) * s]
            }
        }
        let shape = input.shape
        let vjp: (Tensor) throws -> Tensor = { g in
            let scales = try gradientScales(g, reduction: reduction, T.self)
            return Tensor.make(shape, T.self) { dx in
                dx.initialize(repeating: 0)
                let d = dx.baseAddress!
                forEachRow { i, base in
                    let t = targets[i]
                    if t != ignore { d[base + Int(t) * s] = -scales[i] * (w?[Int(t)] ?? 1) }
                }
            }
        }
        return (reduce(losses, reduction, T.self), vjp)
    }
}

/// Cross-entropy between logits and targets (PyTorch's `F.cross_entropy`).
///
/// `logits` is `(N, C)`, `(C,)` or `(N, C, d1, …)`; `targets` holds int64 class indices
/// (shape `(N)`, `()` or `(N, d1, …)`) or class probabilities of the logits' shape.
/// Targets equal to `ignoreIndex` contribute nothing and are left out of the mean.
///
/// ```swift
/// let loss = try crossEntropy(logits: scores, targets: Tensor([2, 0, 1] as [Int64]))
/// ```
public func crossEntropy(logits: Tensor, targets: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                         reduction: Reduction = .mean, labelSmoothing: Double = 0) throws -> Tensor {
    guard labelSmoothing >= 0 && labelSmoothing <= 1 else {
        throw TensorError(.value, "cross_entropy: label_smoothing must be in [0, 1], got \(labelSmoothing)", argument: "label_smoothing")
    }
    if targets.dtype.isFloating && targets.shape == logits.shape {
        return try probabilityCrossEntropy(logits, targets, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction, smoothing: labelSmoothing)
    }
    let problem = try ClassIndexProblem(input: logits, target: targets, weight: weight, ignoreIndex: ignoreIndex, op: "cross_entropy")
    let (out, vjp) = logits.dtype == .float64
        ? problem.crossEntropy(Double.self, reduction: reduction, smoothing: labelSmoothing)
        : problem.crossEntropy(Float.self, reduction: reduction, smoothing: labelSmoothing)
    return out.recording("cross_entropy", [logits]) { g in [try vjp(g)] }
}

/// `−Σ_c w_c·t'_c·logp_c` with `t' = (1−ε)·t + ε/C`; 'mean' divides by the number of samples.
private func probabilityCrossEntropy(_ x: Tensor, _ target: Tensor, weight: Tensor?, ignoreIndex: Int,
                                     reduction: Reduction, smoothing: Double) throws -> Tensor {
    guard x.dtype.isFloating else { throw TensorError(.dtype, "cross_entropy: input must be floating, got \(x.dtype)", argument: "input") }
    guard ignoreIndex < 0 else {
        throw TensorError(.value, "cross_entropy: ignore_index is not supported for probability (floating) targets", argument: "ignore_index")
    }
    let classDim = x.ndim == 1 ? 0 : 1
    let classes = x.shape[classDim]
    var t = try target.cast(to: x.dtype)
    if smoothing > 0 { t = try t * Scalar.float(1 - smoothing) + Scalar.float(smoothing / Double(classes)) }
    var terms = try x.logSoftmax(dim: classDim) * t
    if let weight {
        guard weight.ndim == 1, weight.shape[0] == classes else {
            throw TensorError(.shape, "cross_entropy: weight must have shape [\(classes)] (one per class), got \(weight.shape)", argument: "weight")
        }
        let spatial = [Int](repeating: 1, count: x.ndim - classDim - 1)
        terms = try terms * weight.cast(to: x.dtype).reshaped([classes] + spatial)
    }
    return try (-terms.sum(dims: [classDim])).reduced(reduction)
}

/// Negative log-likelihood of class-index targets, with `input` taken as log-probabilities
/// (PyTorch's `F.nll_loss`). Layouts, weight and ignoreIndex as `crossEntropy`.
///
/// ```swift
/// let loss = try nllLoss(logProbabilities: logp, targets: labels)
/// ```
public func nllLoss(logProbabilities input: Tensor, targets: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                    reduction: Reduction = .mean) throws -> Tensor {
    let problem = try ClassIndexProblem(input: input, target: targets, weight: weight, ignoreIndex: ignoreIndex, op: "nll_loss")
    let (out, vjp) = input.dtype == .float64
        ? problem.nll(Double.self, reduction: reduction)
        : problem.nll(Float.self, reduction: reduction)
    return out.recording("nll_loss", [input]) { g in [try vjp(g)] }
}
