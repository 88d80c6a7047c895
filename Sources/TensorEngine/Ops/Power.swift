import Foundation

// pow (semantics §2): the exponent is a tensor (broadcast) or a scalar. Both gradients,
// including the one with respect to the exponent (semantics §10).

extension Tensor {
    /// `self ** exponent`, elementwise. `x**0 = 1` and `1**y = 1` even for NaN; a negative base
    /// with a non-integral exponent gives NaN. An integer tensor with an integer scalar exponent
    /// stays int64 (a negative one is rejected); a float exponent gives float32.
    ///
    /// ```swift
    /// let y = try Tensor([1, 2, 3] as [Float]).pow(.scalar(2))   // [1, 4, 9]
    /// ```
    public func pow(_ exponent: Operand) throws -> Tensor {
        let dtype = Promotion.resultType([.tensor(self), exponent])
        if case .scalar(let s) = exponent, !dtype.isFloating, s.category != .floating, s.double < 0 {
            throw TensorError(.value, "pow: integers to negative integer powers are not allowed (exponent \(s.integerValue)); use a float exponent", argument: "exponent")
        }
        let x = try cast(to: dtype).detached(), e = try exponent.tensor(as: dtype).detached()
        let out: Tensor
        switch dtype {
        case .float32: out = try Tensor.zipped(x, e, Float.self, to: Float.self) { Foundation.pow($0, $1) }
        case .float64: out = try Tensor.zipped(x, e, Double.self, to: Double.self) { Foundation.pow($0, $1) }
        case .int64: out = try Tensor.zipped(x, e, Int64.self, to: Int64.self, integerPower)
        case .bool: throw TensorError.dtype("pow is not defined for bool base and exponent; cast to int64 or float32")
        }
        let base = self
        switch exponent {
        case .scalar(let s):
            return out.recording("pow", [self]) { g in
                if s.double == 0 { return [try zerosLike(g)] }
                return [try g * base.pow(.scalar(.float(s.double - 1))) * s]
            }
        case .tensor(let et):
            return out.recording("pow", [self, et]) { g in
                let dBase = try (g * et * base.pow(.tensor(try et - Scalar.int(1)))).keeping(et .!= Scalar.int(0))
                // d/dy x^y = x^y·ln x, taken as 0 where x = 0 and y ≥ 0 (it would be 0·(-inf)).
                let y = try base.resultForGrad(out) { try base.pow(exponent) }
                let defined = try (base .!= Scalar.int(0)).add(.tensor(et .< Scalar.int(0)))
                let dExponent = try (g * y * base.log()).keeping(defined)
                return [dBase, dExponent]
            }
        }
    }
}

/// `a ** b` for int64 with wrapping overflow, as PyTorch's `powi`: a negative exponent
/// gives 0 unless the base is ±1.
func integerPower(_ a: Int64, _ b: Int64) -> Int64 {
    if b < 0 {
        if a == 1 { return 1 }
        if a == -1 { return b % 2 == 0 ? 1 : -1 }
        return 0
    }
    var result: Int64 = 1, base = a, e = b
    while e > 0 {
        if e & 1 == 1 { result = result &* base }
        base = base &* base
        e >>= 1
    }
    return result
}

extension Ops {
    static let power: [OpSpec] = [
        OpSpec("pow", "input ** exponent, broadcasting; integer tensors with integer scalar exponents stay int64",
               params: [.tensor(), Param("exponent", .tensorOrNumber)],
               gradchecks: [.init(.positive([2, 3]), .randn([3]), [:]),
                            .init(.positive([3, 2], .transposed), .positive([3, 1]), [:]),
                            .init(.randn([2, 3]), .int(3), [:]),
                            .init(.positive([2, 3]), .number(-1.5), [:])],
               binary: { try $0.pow($1) }) { c in
            [try c.tensor("input").pow(c.operand("exponent"))]
        },
    ]
}
