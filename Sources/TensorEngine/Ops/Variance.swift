// var and std (semantics §5): Σ(x − mean)² / (N − correction), two passes in float64.
// When N − correction ≤ 0 the divisor is 0 (as PyTorch clamps it), giving NaN or inf.

extension Tensor {
    /// The variance over `dims` (every element when nil) with Bessel's `correction`
    /// (1: unbiased, the default; 0: population). Floating input only.
    ///
    /// ```swift
    /// try Tensor([1, 2, 3, 4] as [Float]).variance()                 // 1.6667
    /// try Tensor([1, 2, 3, 4] as [Float]).variance(correction: 0)    // 1.25
    /// ```
    public func variance(dims: [Int]? = nil, correction: Double = 1, keepdim: Bool = false) throws -> Tensor {
        let (out, layout, divisor) = try spread(dims: dims, correction: correction, keepdim: keepdim, op: "var", root: false)
        let input = self
        return out.recording("var", [self]) { g in
            // 2(x − mean)/(N − correction), with the mean recomputed with history.
            let centred = try input - input.mean(dims: layout.dims, keepdim: true)
            return [try input.expandReduced(g, layout) * centred * Scalar.float(2 / divisor)]
        }
    }

    /// The standard deviation, `sqrt(variance)` (see `variance`). Its gradient is 0 where
    /// the deviation is 0, as PyTorch's std_backward.
    public func std(dims: [Int]? = nil, correction: Double = 1, keepdim: Bool = false) throws -> Tensor {
        let (out, layout, divisor) = try spread(dims: dims, correction: correction, keepdim: keepdim, op: "std", root: true)
        let input = self
        return out.recording("std", [self]) { g in
            // (x − mean) / ((N − correction)·std); under create-graph std is recomputed with history.
            let s = GradMode.isEnabled ? try input.std(dims: dims, correction: correction, keepdim: keepdim) : out
            let zero = s.mapped(as: { $0 == 0 ? 1 : 0 })
            let scale = try (g / (s + zero)) * zero.mapped(as: { 1 - $0 })
            let centred = try input - input.mean(dims: layout.dims, keepdim: true)
            return [try input.expandReduced(scale, layout) * centred * Scalar.float(1 / divisor)]
        }
    }

    /// The forward of var/std: values, layout, and the divisor max(0, N − correction).
    private func spread(dims: [Int]?, correction: Double, keepdim: Bool, op: String, root: Bool) throws -> (Tensor, ReductionLayout, Double) {
        guard dtype.isFloating else {
            throw TensorError.dtype("\(op): input dtype \(dtype) is not floating; cast to float32 first")
        }
        guard correction.isFinite else { throw TensorError(.value, "\(op): correction must be finite, got \(correction)", argument: "correction") }
        let layout = try reductionLayout(dims, keepdim: keepdim, op: op)
        let divisor = Swift.max(0, Double(layout.inner) - correction)
        func row<T: BinaryFloatingPoint>(_ x: UnsafePointer<T>, _ n: Int) -> T {
            var s = 0.0
            for i in 0..<n { s += Double(x[i]) }
            let mean = s / Double(n)
            var ss = 0.0
            for i in 0..<n { let d = Double(x[i]) - mean; ss += d * d }
            let v = ss / divisor
            return T(root ? v.squareRoot() : v)
        }
        let out = dtype == .float64
            ? Tensor.reduceRows(layout, Double.self, to: Double.self, row)
            : Tensor.reduceRows(layout, Float.self, to: Float.self, row)
        return (out, layout, divisor)
    }
}

extension Ops {
    static let variance: [OpSpec] = [spreadSpec("var", "variance"), spreadSpec("std", "standard deviation"),
                                     spreadSpec("var_mean", "variance", withMean: true), spreadSpec("std_mean", "standard deviation", withMean: true)]

    /// var and std, or (with the mean over the same dims, PyTorch's var_mean and std_mean) both.
    private static func spreadSpec(_ name: String, _ what: String, withMean: Bool = false) -> OpSpec {
        OpSpec(name, "\(what)\(withMean ? " and mean" : "") over dim (an int or a list; all when absent), dividing by N − correction (default 1; legacy unbiased=False means 0); floating input only",
               params: [.tensor(), Param("dim", .optional(.dims), default: .null), Param("unbiased", .optional(.bool), default: .null),
                        Param("keepdim", .bool, default: .bool(false)), Param("correction", .optional(.number), default: .null)],
               outputs: withMean ? [name.hasPrefix("var") ? "var" : "std", "mean"] : ["output"],
               gradchecks: [.init(.randn([2, 3, 4]), ["dim": .intList([0, 2])]), .init(.randn([3, 4]), ["correction": .int(0)]),
                            .init(.randn([3, 4], .transposed), ["dim": .int(0), "keepdim": .bool(true), "unbiased": .bool(false)]),
                            .init(.randn([1, 4], .expanded([3, 4])), ["dim": .int(1), "correction": .float(1.5)])]) { c in
            var correction = 1.0
            if case .bool(let unbiased) = c.values["unbiased"] {
                if case .null? = c.values["correction"] {} else {
                    throw TensorError(.value, "\(name): give either unbiased or correction, not both", argument: "unbiased")
                }
                correction = unbiased ? 1 : 0
            }
            switch c.values["correction"] {
            case .int(let i)?: correction = Double(i)
            case .float(let d)?: correction = d
            case .bool?: throw TensorError(.value, "\(name): correction must be a number, got a bool", argument: "correction")
            default: break
            }
            let x = c.tensor("input"), dims = c.optionalDims("dim"), keepdim = c.bool("keepdim")
            let spread = try name.hasPrefix("var") ? x.variance(dims: dims, correction: correction, keepdim: keepdim)
                                                   : x.std(dims: dims, correction: correction, keepdim: keepdim)
            return withMean ? [spread, try x.mean(dims: dims, keepdim: keepdim)] : [spread]
        }
    }
}
