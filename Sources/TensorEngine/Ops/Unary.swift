import Foundation

// Elementwise functions of one tensor (semantics §2): each forward beside its gradient.

extension Tensor {
    /// Applies a floating function, promoting integer and bool input to float32 (semantics §0).
    /// Contiguous float32 data goes to a vectorised kernel when `fast` names one.
    func floatMap(_ op: String, fast: FastUnary? = nil, f32: (Float) -> Float, f64: (Double) -> Double) throws -> Tensor {
        let x = dtype.isFloating ? detached() : try cast(to: .float32).detached()
        // Strided input is packed first, so a value's result does not depend on the layout.
        switch x.dtype {
        case .float64:
            if let fast, fast.hasFloat64Kernel {
                let xc = x.isContiguous ? x : x.copied()
                return Tensor.make(xc.shape, Double.self) { out in
                    Kernels.apply(fast, xc.storage.typed(Double.self) + xc.offset, out.baseAddress!, xc.count, scalar: f64)
                }
            }
            return x.mapped(Double.self, to: Double.self, f64)
        default:
            if let fast {
                let xc = x.isContiguous ? x : x.copied()
                return Tensor.make(xc.shape, Float.self) { out in
                    Kernels.apply(fast, xc.storage.typed(Float.self) + xc.offset, out.baseAddress!, xc.count, scalar: f32)
                }
            }
            return x.mapped(Float.self, to: Float.self, f32)
        }
    }

    /// −x, keeping the dtype; bool is rejected.
    public func neg() throws -> Tensor {
        let out: Tensor
        switch dtype {
        case .float32: out = mapped(Float.self, to: Float.self) { -$0 }
        case .float64: out = mapped(Double.self, to: Double.self) { -$0 }
        case .int64: out = mapped(Int64.self, to: Int64.self) { 0 &- $0 }
        case .bool: throw TensorError.dtype("neg is not defined for bool tensors; use logical_not")
        }
        return out.recording("neg", [self]) { g in [try -g] }
    }

    public func exp() throws -> Tensor {
        let y = try floatMap("exp", fast: .exp, f32: { Foundation.exp($0) }, f64: { Foundation.exp($0) })
        return y.recording("exp", [self]) { g in [try g * y] }
    }

    /// |x|, keeping the dtype (`abs(-0.0) = +0`); bool is rejected. The gradient is sign(x), 0 at 0.
    public func abs() throws -> Tensor {
        let out: Tensor
        switch dtype {
        case .float32: out = mapped(Float.self, to: Float.self) { $0.magnitude }
        case .float64: out = mapped(Double.self, to: Double.self) { $0.magnitude }
        case .int64: out = mapped(Int64.self, to: Int64.self) { $0 < 0 ? 0 &- $0 : $0 }
        case .bool: throw TensorError.dtype("abs is not defined for bool tensors")
        }
        let x = self
        return out.recording("abs", [self]) { g in [try g * x.signs()] }
    }

    /// sign(x) as a constant of the same floating dtype: -1, 0 or 1 (NaN stays NaN).
    func signs() throws -> Tensor {
        try floatMap("sign", f32: { $0 > 0 ? 1 : $0 < 0 ? -1 : $0.isNaN ? $0 : 0 },
                     f64: { $0 > 0 ? 1 : $0 < 0 ? -1 : $0.isNaN ? $0 : 0 })
    }

    /// √x; negative gives NaN, `sqrt(-0.0) = -0.0`. The gradient at 0 is +inf.
    public func sqrt() throws -> Tensor {
        let y = try floatMap("sqrt", fast: .sqrt, f32: { $0.squareRoot() }, f64: { $0.squareRoot() })
        let x = self
        return y.recording("sqrt", [self]) { g in [try g / (x.resultForGrad(y) { try x.sqrt() } * Scalar.float(2))] }
    }

    /// 1/√x; `rsqrt(+0) = +inf`, `rsqrt(-0) = -inf`, negative gives NaN.
    public func rsqrt() throws -> Tensor {
        let y = try floatMap("rsqrt", f32: { 1 / $0.squareRoot() }, f64: { 1 / $0.squareRoot() })
        let x = self
        return y.recording("rsqrt", [self]) { g in
            let r = try x.resultForGrad(y) { try x.rsqrt() }
            return [try g * (r * r * r) * Scalar.float(-0.5)]
        }
    }

    /// Natural logarithm; `log(0) = -inf`, negative gives NaN.
    public func log() throws -> Tensor {
        let y = try floatMap("log", fast: .log, f32: { Foundation.log($0) }, f64: { Foundation.log($0) })
        let x = self
        return y.recording("log", [self]) { g in [try g / x] }
    }

    /// Sine (radians); `sin(±inf)` is NaN.
    public func sin() throws -> Tensor {
        let y = try floatMap("sin", f32: { Foundation.sin($0) }, f64: { Foundation.sin($0) })
        let x = self
        return y.recording("sin", [self]) { g in [try g * x.cos()] }
    }

    /// Cosine (radians); `cos(±inf)` is NaN.
    public func cos() throws -> Tensor {
        let y = try floatMap("cos", f32: { Foundation.cos($0) }, f64: { Foundation.cos($0) })
        let x = self
        return y.recording("cos", [self]) { g in [try -(g * x.sin())] }
    }

    /// The forward result to use inside a VJP: the cached `y` normally, or `y` recomputed
    /// from the recorded inputs when the backward pass is itself being recorded (create-graph),
    /// so that second derivatives see the dependence of `y` on the input.
    func resultForGrad(_ y: Tensor, _ recompute: () throws -> Tensor) rethrows -> Tensor {
        GradMode.isEnabled ? try recompute() : y
    }
}

extension Ops {
    static let unary: [OpSpec] = [
        OpSpec("neg", "−input, keeping the dtype", params: [.tensor()],
               gradchecks: [.init(.randn([2, 3]))]) { c in [try c.tensor("input").neg()] },
        OpSpec("exp", "e^input; integer input gives float32", params: [.tensor()],
               gradchecks: [.init(.randn([2, 3])), .init(.randn([3, 2], .transposed))]) { c in [try c.tensor("input").exp()] },
        OpSpec("abs", "|input|, keeping the dtype; bool is rejected", params: [.tensor()],
               gradchecks: [.init(.distinct([2, 3])), .init(.distinct([3, 2], .transposed))]) { c in [try c.tensor("input").abs()] },
        OpSpec("sqrt", "√input; integer input gives float32", params: [.tensor()],
               gradchecks: [.init(.positive([2, 3])), .init(.positive([3, 2], .transposed))]) { c in [try c.tensor("input").sqrt()] },
        OpSpec("rsqrt", "1/√input; integer input gives float32", params: [.tensor()],
               gradchecks: [.init(.positive([2, 3])), .init(.positive([1, 3], .expanded([2, 3])))]) { c in [try c.tensor("input").rsqrt()] },
        OpSpec("log", "natural log of input; integer input gives float32", params: [.tensor()],
               gradchecks: [.init(.positive([2, 3])), .init(.positive([3, 2], .transposed))]) { c in [try c.tensor("input").log()] },
        OpSpec("sin", "sine of input (radians); integer input gives float32", params: [.tensor()],
               gradchecks: [.init(.randn([2, 3])), .init(.randn([3, 2], .transposed))]) { c in [try c.tensor("input").sin()] },
        OpSpec("cos", "cosine of input (radians); integer input gives float32", params: [.tensor()],
               gradchecks: [.init(.randn([2, 3])), .init(.randn([1, 3], .expanded([2, 3])))]) { c in [try c.tensor("input").cos()] },
    ]
}
