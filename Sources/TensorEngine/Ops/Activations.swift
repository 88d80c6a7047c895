import Foundation

// sigmoid, tanh, relu, leaky_relu, gelu, softmax, log_softmax (semantics §8), each with
// its gradient (§10: relu'(0) = 0, leaky_relu'(0) = negative_slope).

extension Tensor {
    /// `1 / (1 + e^-x)`, computed so that it saturates to exactly 0 or 1 and never gives NaN
    /// for large |x|. Integer input gives float32.
    public func sigmoid() throws -> Tensor {
        let y = try floatMap("sigmoid", fast: .sigmoid, f32: { stableSigmoid($0, Foundation.exp) }, f64: { stableSigmoid($0, Foundation.exp) })
        let x = self
        return y.recording("sigmoid", [self]) { g in
            let s = try x.resultForGrad(y) { try x.sigmoid() }
            return [try g * (s - s * s)]
        }
    }

    /// Hyperbolic tangent, saturating to ±1. Integer input gives float32.
    public func tanh() throws -> Tensor {
        let y = try floatMap("tanh", fast: .tanh, f32: { Foundation.tanh($0) }, f64: { Foundation.tanh($0) })
        let x = self
        return y.recording("tanh", [self]) { g in
            let t = try x.resultForGrad(y) { try x.tanh() }
            return [try g - g * t * t]
        }
    }

    /// `max(x, 0)`; NaN stays NaN and integer input stays integer. The gradient at 0 is 0.
    public func relu() throws -> Tensor {
        let y: Tensor
        switch dtype {
        // As PyTorch's clamp_min: `x < 0 ? 0 : x`, so NaN and -0.0 pass through.
        case .float32: y = mapped(Float.self, to: Float.self) { $0 < 0 ? 0 : $0 }
        case .float64: y = mapped(Double.self, to: Double.self) { $0 < 0 ? 0 : $0 }
        case .int64: y = mapped(Int64.self, to: Int64.self) { Swift.max($0, 0) }
        case .bool: throw TensorError.dtype("relu is not defined for bool tensors")
        }
        return y.recording("relu", [self]) { g in [try g.keeping(y .> Scalar.int(0))] }
    }

    /// `x` for `x > 0`, `negativeSlope·x` otherwise; floating input only. The gradient at 0
    /// is `negativeSlope`.
    public func leakyRelu(negativeSlope: Double = 0.01) throws -> Tensor {
        guard dtype.isFloating else { throw TensorError.dtype("leaky_relu needs a floating tensor, got \(dtype); cast to float32 first") }
        let s32 = Float(negativeSlope)
        let y = try floatMap("leaky_relu", f32: { $0 > 0 ? $0 : $0 * s32 }, f64: { $0 > 0 ? $0 : $0 * negativeSlope })
        let x = self
        return y.recording("leaky_relu", [self]) { g in
            [try g * x.floatMap("leaky_relu'", f32: { $0 > 0 ? 1 : s32 }, f64: { $0 > 0 ? 1 : negativeSlope })]
        }
    }

    /// The Gaussian error linear unit: `x·Φ(x)` with `approximate: "none"`, or the tanh
    /// approximation `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))` with `"tanh"`.
    /// Floating input only.
    public func gelu(approximate: String = "none") throws -> Tensor {
        guard dtype.isFloating else { throw TensorError.dtype("gelu needs a floating tensor, got \(dtype); cast to float32 first") }
        let f: (Double) -> Double, df: (Double) -> Double
        switch approximate {
        case "none": (f, df) = (geluExact, geluExactDerivative)
        case "tanh": (f, df) = (geluTanh, geluTanhDerivative)
        default:
            throw TensorError(.value, "gelu: approximate must be 'none' or 'tanh', got '\(approximate)'", argument: "approximate")
        }
        let y = try floatMap("gelu", f32: { Float(f(Double($0))) }, f64: f)
        let x = self
        return y.recording("gelu", [self]) { g in
            [try g * x.floatMap("gelu'", f32: { Float(df(Double($0))) }, f64: df)]
        }
    }

    /// `exp(x - m) / Σ exp(x - m)` along `dim`, with `m` the max along `dim`, so large logits
    /// never overflow. A `-inf` entry gets 0; a slice of all `-inf`, or holding `+inf` or NaN,
    /// gives NaN. Floating input only; a 0-d input is a one-element slice.
    ///
    /// ```swift
    /// try Tensor([1, 2, 3] as [Float]).softmax(dim: -1)   // [0.090, 0.245, 0.665]
    /// ```
    public func softmax(dim: Int) throws -> Tensor {
        let d = try softmaxDim(dim, op: "softmax")
        let y = try normalizedSlices(dim: d, log: false)
        let x = self
        return y.recording("softmax", [self]) { g in
            let p = try x.resultForGrad(y) { try x.softmax(dim: d) }
            return [try p * (g - (g * p).sum(dims: [d], keepdim: true))]
        }
    }

    /// `(x - m) - log Σ exp(x - m)` along `dim`: finite for finite input. `-inf` entries give
    /// `-inf`; otherwise as `softmax`.
    public func logSoftmax(dim: Int) throws -> Tensor {
        let d = try softmaxDim(dim, op: "log_softmax")
        let y = try normalizedSlices(dim: d, log: true)
        let x = self
        return y.recording("log_softmax", [self]) { g in
            let lp = try x.resultForGrad(y) { try x.logSoftmax(dim: d) }
            return [try g - lp.exp() * g.sum(dims: [d], keepdim: true)]
        }
    }

    private func softmaxDim(_ dim: Int, op: String) throws -> Int {
        guard dtype.isFloating else { throw TensorError.dtype("\(op) needs a floating tensor, got \(dtype); cast to float32 first") }
        return try Shapes.normalize(dim, ndim: ndim, op: op)
    }

    /// softmax or log_softmax of every slice along `dim` (normalised).
    private func normalizedSlices(dim: Int, log: Bool) throws -> Tensor {
        switch dtype {
        case .float32: return normalizedSlices(dim: dim, log: log, Float.self, exp: Foundation.exp, ln: Foundation.log)
        default: return normalizedSlices(dim: dim, log: log, Double.self, exp: Foundation.exp, ln: Foundation.log)
        }
    }

    /// The slices along `dim` are the lines `base + k·inner`, `k < n`, of the row-major data.
    private func normalizedSlices<T: BinaryFloatingPoint & Element>(dim: Int, log: Bool, _: T.Type,
                                                                      exp: (T) -> T, ln: (T) -> T) -> Tensor {
        let n = ndim == 0 ? 1 : shape[dim]
        let inner = ndim == 0 ? 1 : shape[(dim + 1)...].reduce(1, *)
        let lines = n == 0 ? 0 : count / n
        return Tensor.make(shape, T.self) { out in
            withContiguousBuffer(as: T.self) { src in
                let s = src.baseAddress!, d = out.baseAddress!
                parallelChunks(lines, grain: Swift.max(1, (1 << 14) / Swift.max(n, 1))) { r in
                    for line in r {
                        let base = (line / inner) * n * inner + line % inner
                        var m = -T.infinity
                        for k in 0..<n where s[base + k * inner] > m { m = s[base + k * inner] }
                        var total: T = 0
                        for k in 0..<n { total += exp(s[base + k * inner] - m) }
                        if log {
                            let lse = ln(total)
                            for k in 0..<n { d[base + k * inner] = (s[base + k * inner] - m) - lse }
                        } else {
                            for k in 0..<n { d[base + k * inner] = exp(s[base + k * inner] - m) / total }
                        }
                    }
                }
            }
        }
    }
}

/// `1/(1+e^-x)` for x ≥ 0 and `e^x/(1+e^x)` below, so neither branch overflows.
@inline(__always)
func stableSigmoid<T: BinaryFloatingPoint>(_ x: T, _ exp: (T) -> T) -> T {
    if x >= 0 { return 1 / (1 + exp(-x)) }
    let e = exp(x)
    return e / (1 + e)
}

// GELU and its derivative, as PyTorch computes them (ATen GeluKernel).
private let sqrtHalf = 0.5.squareRoot()
private let invSqrt2Pi = 1 / (2 * Double.pi).squareRoot()
private let tanhBeta = (2 / Double.pi).squareRoot()
private let tanhKappa = 0.044715

private func geluExact(_ x: Double) -> Double { x * 0.5 * (1 + erf(x * sqrtHalf)) }

private func geluExactDerivative(_ x: Double) -> Double {
    0.5 * (1 + erf(x * sqrtHalf)) + x * invSqrt2Pi * exp(-0.5 * x * x)
}

private func geluTanh(_ x: Double) -> Double {
    0.5 * x * (1 + tanh(tanhBeta * (x + tanhKappa * x * x * x)))
}

private func geluTanhDerivative(_ x: Double) -> Double {
    let t = tanh(tanhBeta * (x + tanhKappa * x * x * x))
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * tanhBeta * (1 + 3 * tanhKappa * x * x)
}

extension Ops {
    static let activations: [OpSpec] = [
        OpSpec("sigmoid", "1/(1+e^-input), saturating without NaN; integer input gives float32", params: [.tensor()],
               gradchecks: [.init(.randn([2, 3])), .init(.randn([3, 2], .transposed))]) { c in [try c.tensor("input").sigmoid()] },
        OpSpec("tanh", "hyperbolic tangent; integer input gives float32", params: [.tensor()],
               gradchecks: [.init(.randn([2, 3])), .init(.randn([1, 3], .expanded([2, 3])))]) { c in [try c.tensor("input").tanh()] },
        OpSpec("relu", "max(input, 0); integer input stays integer", params: [.tensor()],
               gradchecks: [.init(.distinct([3, 3])), .init(.randn([3, 2], .transposed))]) { c in [try c.tensor("input").relu()] },
        OpSpec("leaky_relu", "input where > 0, else negative_slope·input; floating input only",
               params: [.tensor(), Param("negative_slope", .float, default: .float(0.01))],
               gradchecks: [.init(.distinct([3, 3])), .init(.randn([3, 2], .transposed), ["negative_slope": .float(0.2)])]) { c in
            [try c.tensor("input").leakyRelu(negativeSlope: c.double("negative_slope"))]
        },
        OpSpec("gelu", "input·Φ(input), exact ('none') or with the tanh approximation; floating input only",
               params: [.tensor(), Param("approximate", .choice(["none", "tanh"]), default: .string("none"))],
               gradchecks: [.init(.randn([2, 3])), .init(.randn([3, 2], .transposed), ["approximate": .string("tanh")])]) { c in
            [try c.tensor("input").gelu(approximate: c.string("approximate"))]
        },
        OpSpec("softmax", "exp(input) normalised along dim (max-subtracted); floating input only",
               params: [.tensor(), Param("dim", .int)],
               gradchecks: [.init(.randn([2, 3]), ["dim": .int(-1)]), .init(.randn([2, 3, 4]), ["dim": .int(1)]),
                            .init(.randn([3, 4], .transposed), ["dim": .int(0)])]) { c in
            [try c.tensor("input").softmax(dim: c.int("dim"))]
        },
        OpSpec("log_softmax", "log of softmax along dim, computed stably; floating input only",
               params: [.tensor(), Param("dim", .int)],
               gradchecks: [.init(.randn([2, 3]), ["dim": .int(1)]), .init(.randn([2, 3, 4]), ["dim": .int(0)]),
                            .init(.randn([1, 4], .expanded([3, 4])), ["dim": .int(-1)])]) { c in
            [try c.tensor("input").logSoftmax(dim: c.int("dim"))]
        },
    ]
}
