import Foundation

// The rest of PyTorch's pointwise maths of one tensor (semantics §2): powers and logs in
// other bases, trigonometric and hyperbolic functions, erf and sign. Integer and bool
// input gives float32 except where noted (square and sign keep integers).

extension Tensor {
    /// `x²`: integers stay int64 (bool gives int64), as `torch.square` is `pow(x, 2)`.
    public func square() throws -> Tensor {
        if dtype == .bool { return try cast(to: .int64).pow(.scalar(.int(2))) }
        return try pow(.scalar(.int(2)))
    }

    /// `1/x`; `reciprocal(0) = inf`.
    public func reciprocal() throws -> Tensor {
        let y = try floatMap("reciprocal", f32: { 1 / $0 }, f64: { 1 / $0 })
        let x = self
        return y.recording("reciprocal", [self]) { g in
            let r = try x.resultForGrad(y) { try x.reciprocal() }
            return [try -(g * r * r)]
        }
    }

    /// `2^x`.
    public func exp2() throws -> Tensor {
        let y = try floatMap("exp2", f32: { Foundation.exp2($0) }, f64: { Foundation.exp2($0) })
        let x = self
        return y.recording("exp2", [self]) { g in [try g * x.resultForGrad(y) { try x.exp2() } * Scalar.float(M_LN2)] }
    }

    /// Base-2 logarithm; `log2(0) = -inf`, negative gives NaN.
    public func log2() throws -> Tensor {
        let y = try floatMap("log2", f32: { Foundation.log2($0) }, f64: { Foundation.log2($0) })
        let x = self
        return y.recording("log2", [self]) { g in [try g / (x * Scalar.float(M_LN2))] }
    }

    /// Base-10 logarithm.
    public func log10() throws -> Tensor {
        let y = try floatMap("log10", f32: { Foundation.log10($0) }, f64: { Foundation.log10($0) })
        let x = self
        return y.recording("log10", [self]) { g in [try g / (x * Scalar.float(M_LN10))] }
    }

    /// `log(1 + x)`, accurate for small x.
    public func log1p() throws -> Tensor {
        let y = try floatMap("log1p", f32: { Foundation.log1p($0) }, f64: { Foundation.log1p($0) })
        let x = self
        return y.recording("log1p", [self]) { g in [try g / (x + Scalar.int(1))] }
    }

    /// `e^x − 1`, accurate for small x.
    public func expm1() throws -> Tensor {
        let y = try floatMap("expm1", f32: { Foundation.expm1($0) }, f64: { Foundation.expm1($0) })
        let x = self
        return y.recording("expm1", [self]) { g in [try g * (x.resultForGrad(y) { try x.expm1() } + Scalar.int(1))] }
    }

    /// Tangent (radians).
    public func tan() throws -> Tensor {
        let y = try floatMap("tan", f32: { Foundation.tan($0) }, f64: { Foundation.tan($0) })
        let x = self
        return y.recording("tan", [self]) { g in
            let t = try x.resultForGrad(y) { try x.tan() }
            return [try g * (t * t + Scalar.int(1))]
        }
    }

    /// Arcsine; NaN outside [-1, 1].
    public func asin() throws -> Tensor {
        let y = try floatMap("asin", f32: { Foundation.asin($0) }, f64: { Foundation.asin($0) })
        let x = self
        return y.recording("asin", [self]) { g in [try g * (-(x * x) + Scalar.int(1)).rsqrt()] }
    }

    /// Arccosine; NaN outside [-1, 1].
    public func acos() throws -> Tensor {
        let y = try floatMap("acos", f32: { Foundation.acos($0) }, f64: { Foundation.acos($0) })
        let x = self
        return y.recording("acos", [self]) { g in [try -(g * (-(x * x) + Scalar.int(1)).rsqrt())] }
    }

    /// Arctangent.
    public func atan() throws -> Tensor {
        let y = try floatMap("atan", f32: { Foundation.atan($0) }, f64: { Foundation.atan($0) })
        let x = self
        return y.recording("atan", [self]) { g in [try g / (x * x + Scalar.int(1))] }
    }

    /// Hyperbolic sine.
    public func sinh() throws -> Tensor {
        let y = try floatMap("sinh", f32: { Foundation.sinh($0) }, f64: { Foundation.sinh($0) })
        let x = self
        return y.recording("sinh", [self]) { g in [try g * x.cosh()] }
    }

    /// Hyperbolic cosine.
    public func cosh() throws -> Tensor {
        let y = try floatMap("cosh", f32: { Foundation.cosh($0) }, f64: { Foundation.cosh($0) })
        let x = self
        return y.recording("cosh", [self]) { g in [try g * x.sinh()] }
    }

    /// The Gauss error function; its derivative is `2/√π · e^(−x²)`.
    public func erf() throws -> Tensor {
        let y = try floatMap("erf", f32: { Foundation.erf($0) }, f64: { Foundation.erf($0) })
        let x = self
        return y.recording("erf", [self]) { g in [try g * (-(x * x)).exp() * Scalar.float(2 / Double.pi.squareRoot())] }
    }

    /// -1, 0 or 1 by sign, keeping the dtype (bool is returned unchanged). As PyTorch,
    /// `sign(NaN) = 0`. Piecewise constant: the gradient is 0.
    public func sign() throws -> Tensor {
        let out: Tensor
        switch dtype {
        case .float32: out = mapped(Float.self, to: Float.self) { $0 > 0 ? 1 : $0 < 0 ? -1 : 0 }
        case .float64: out = mapped(Double.self, to: Double.self) { $0 > 0 ? 1 : $0 < 0 ? -1 : 0 }
        case .int64: out = mapped(Int64.self, to: Int64.self) { $0 > 0 ? 1 : $0 < 0 ? -1 : 0 }
        case .bool: return detached()
        }
        return out.recording("sign", [self]) { g in [try zerosLike(g)] }
    }
}

extension Ops {
    static let unaryMath: [OpSpec] = [
        OpSpec("square", "input²; integer input stays int64 (bool gives int64)", params: [.tensor()],
               gradchecks: [.init(.randn([2, 3])), .init(.randn([3, 2], .transposed))]) { c in [try c.tensor("input").square()] },
        OpSpec("reciprocal", "1/input; integer input gives float32", params: [.tensor()],
               gradchecks: [.init(.positive([2, 3])), .init(.positive([3, 2], .transposed))]) { c in [try c.tensor("input").reciprocal()] },
        OpSpec("exp2", "2^input; integer input gives float32", params: [.tensor()],
               gradchecks: [.init(.randn([2, 3]))]) { c in [try c.tensor("input").exp2()] },
        OpSpec("log2", "base-2 logarithm; integer input gives float32", params: [.tensor()],
               gradchecks: [.init(.positive([2, 3]))]) { c in [try c.tensor("input").log2()] },
        OpSpec("log10", "base-10 logarithm; integer input gives float32", params: [.tensor()],
               gradchecks: [.init(.positive([2, 3]))]) { c in [try c.tensor("input").log10()] },
        OpSpec("log1p", "log(1 + input), accurate near 0; integer input gives float32", params: [.tensor()],
               gradchecks: [.init(.positive([2, 3])), .init(.unit([3, 2], .transposed))]) { c in [try c.tensor("input").log1p()] },
        OpSpec("expm1", "e^input − 1, accurate near 0; integer input gives float32", params: [.tensor()],
               gradchecks: [.init(.randn([2, 3]))]) { c in [try c.tensor("input").expm1()] },
        OpSpec("tan", "tangent (radians); integer input gives float32", params: [.tensor()],
               gradchecks: [.init(.unit([2, 3]))]) { c in [try c.tensor("input").tan()] },
        OpSpec("asin", "arcsine, NaN outside [-1, 1]; integer input gives float32", params: [.tensor()],
               gradchecks: [.init(.unit([2, 3]))]) { c in [try c.tensor("input").asin()] },
        OpSpec("acos", "arccosine, NaN outside [-1, 1]; integer input gives float32", params: [.tensor()],
               gradchecks: [.init(.unit([2, 3]))]) { c in [try c.tensor("input").acos()] },
        OpSpec("atan", "arctangent; integer input gives float32", params: [.tensor()],
               gradchecks: [.init(.randn([2, 3]))]) { c in [try c.tensor("input").atan()] },
        OpSpec("sinh", "hyperbolic sine; integer input gives float32", params: [.tensor()],
               gradchecks: [.init(.randn([2, 3]))]) { c in [try c.tensor("input").sinh()] },
        OpSpec("cosh", "hyperbolic cosine; integer input gives float32", params: [.tensor()],
               gradchecks: [.init(.randn([2, 3]))]) { c in [try c.tensor("input").cosh()] },
        OpSpec("erf", "the Gauss error function; integer input gives float32", params: [.tensor()],
               gradchecks: [.init(.randn([2, 3])), .init(.randn([3, 2], .transposed))]) { c in [try c.tensor("input").erf()] },
        OpSpec("sign", "-1, 0 or 1 by sign, keeping the dtype; sign(NaN) = 0", params: [.tensor()],
               gradchecks: [.init(.randn([2, 3]))]) { c in [try c.tensor("input").sign()] },
    ]
}
