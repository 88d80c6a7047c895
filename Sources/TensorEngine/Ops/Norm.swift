import Foundation

// norm (semantics §5): always the elementwise vector norm of the reduced elements,
// with the gradient conventions of semantics §10 at zero and at ties.

extension Tensor {
    /// The vector p-norm over `dims` (every element when nil): `(Σ|x|^p)^(1/p)`; p = 2 is
    /// also the Frobenius norm, p = ±∞ is max/min |x|, p = 0 counts non-zero elements.
    /// Floating input only. Float32 accumulates in float64.
    ///
    /// ```swift
    /// try Tensor([3, 4] as [Float]).norm()                 // 5
    /// try Tensor([3, -4] as [Float]).norm(p: .infinity)    // 4
    /// ```
    public func norm(p: Double = 2, dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        guard dtype.isFloating else {
            throw TensorError.dtype("norm: input dtype \(dtype) is not floating; cast to float32 first")
        }
        guard !p.isNaN else { throw TensorError(.value, "norm: p must be a number, got NaN", argument: "p") }
        let layout = try reductionLayout(dims, keepdim: keepdim, op: "norm")
        // max/min|x| and negative powers have no identity for an empty reduction (as torch.linalg.vector_norm).
        if layout.inner == 0 && (p < 0 || p == .infinity) {
            throw TensorError.shape("norm: cannot take the \(p) norm over an empty set of elements (shape \(shape), reduced dims \(layout.dims)); it has no identity")
        }
        let out = dtype == .float64
            ? Tensor.reduceRows(layout, Double.self, to: Double.self) { Tensor.vectorNorm($0, $1, p: p) }
            : Tensor.reduceRows(layout, Float.self, to: Float.self) { Float(Tensor.vectorNorm($0, $1, p: p)) }
        let input = self
        return out.recording("norm", [self]) { g in
            switch p {
            case 0: return [nil]
            case 2:
                // x / ‖x‖, and 0 at the zero vector (x itself is 0 there, so dividing by 1 gives 0).
                // Under create-graph, ‖x‖ is recomputed with history so the second derivative sees it.
                let n = GradMode.isEnabled ? try input.norm(p: 2, dims: dims, keepdim: keepdim) : out
                let safe = try n + n.mapped(as: { $0 == 0 ? 1 : 0 })
                return [try input * input.expandReduced(g / safe, layout)]
            default:
                return [try input.expandReduced(g, layout) * input.normSlope(p: p, norm: input.expandReduced(out, layout), dims: layout.dims)]
            }
        }
    }

    /// The p-norm of `x[0..<n]`, accumulated in float64.
    private static func vectorNorm<T: BinaryFloatingPoint>(_ x: UnsafePointer<T>, _ n: Int, p: Double) -> Double {
        var s = 0.0
        switch p {
        case 2:
            for i in 0..<n { let v = Double(x[i]); s += v * v }
            return s.squareRoot()
        case 1:
            for i in 0..<n { s += Swift.abs(Double(x[i])) }
            return s
        case 0:
            for i in 0..<n where x[i] != 0 { s += 1 }
            return s
        case .infinity, -.infinity:
            s = p > 0 ? 0 : .infinity
            for i in 0..<n {
                let a = Swift.abs(Double(x[i]))
                if a.isNaN { return a }
                if p > 0 ? a > s : a < s { s = a }
            }
            return s
        default:
            for i in 0..<n { s += Foundation.pow(Swift.abs(Double(x[i])), p) }
            return Foundation.pow(s, 1 / p)
        }
    }

    /// d‖x‖_p/dx for p ≠ 2 as a constant tensor of the input's shape (PyTorch's norm_backward):
    /// sign(x) for p = 1; sign(x) split evenly among the entries attaining the norm for ±∞;
    /// otherwise sign(x)|x|^(p-1) / ‖x‖^(p-1), which is 0 where x = 0 (p < 1) or ‖x‖ = 0 (p ≥ 1).
    private func normSlope(p: Double, norm: Tensor, dims: [Int]) throws -> Tensor {
        let x = try detached().cast(to: .float64), nrm = try norm.detached().cast(to: .float64)
        let slope: Tensor
        if p.isInfinite {
            let hit = try Tensor.zipped(x, nrm, Double.self, to: Double.self) { Swift.abs($0) == $1 || ($1.isNaN && $0.isNaN) ? 1 : 0 }
            let ties = try hit.sum(dims: dims, keepdim: true)
            slope = try Tensor.zipped(try x * hit, ties, Double.self, to: Double.self) { s, c in s == 0 ? 0 : (s > 0 ? 1 : -1) / c }
        } else {
            slope = try Tensor.zipped(x, nrm, Double.self, to: Double.self) { v, n in
                let sign: Double = v > 0 ? 1 : (v < 0 ? -1 : 0)
                if p == 1 { return sign }
                if v == 0 && p < 1 { return 0 }
                if n == 0 && p >= 1 { return 0 }
                return sign * Foundation.pow(Swift.abs(v), p - 1) / Foundation.pow(n, p - 1)
            }
        }
        return try slope.cast(to: dtype)
    }

    /// `f` applied to every element of a floating tensor, without history.
    func mapped(as f: @escaping (Double) -> Double) -> Tensor {
        dtype == .float32 ? detached().mapped(Float.self, to: Float.self) { Float(f(Double($0))) } : detached().mapped(Double.self, to: Double.self, f)
    }
}

extension Ops {
    static let norms: [OpSpec] = [
        OpSpec("norm", "vector p-norm of the elements over dim (an int or a list; all when absent): 'fro'/2, 1, inf, -inf, 0 (count of non-zeros) or any p; floating input only",
               params: [.tensor(), Param("p", .numberOrChoice(["fro", "inf", "-inf"]), default: .string("fro")),
                        Param("dim", .optional(.dims), default: .null), Param("keepdim", .bool, default: .bool(false))],
               gradchecks: [.init(.randn([2, 3]), [:]), .init(.randn([2, 3, 4]), ["dim": .intList([0, 2]), "p": .int(1)]),
                            .init(.distinct([3, 4], .transposed), ["p": .string("inf"), "dim": .int(1)]),
                            .init(.distinct([3, 4]), ["p": .string("-inf"), "dim": .int(0), "keepdim": .bool(true)]),
                            .init(.positive([3, 4]), ["p": .float(3), "dim": .int(-1)]),
                            .init(.positive([1, 4], .expanded([3, 4])), ["p": .float(0.5)])]) { c in
            let p: Double
            switch c.values["p"] {
            case .string("inf")?: p = .infinity
            case .string("-inf")?: p = -.infinity
            case .string?: p = 2
            default: p = c.double("p")
            }
            return [try c.tensor("input").norm(p: p, dims: c.optionalDims("dim"), keepdim: c.bool("keepdim"))]
        }
    ]
}
