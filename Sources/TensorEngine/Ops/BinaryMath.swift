import Foundation

// maximum, minimum, remainder, fmod, floor_divide, atan2 and lerp (semantics §2): binary
// pointwise maths that broadcasts and promotes as arithmetic does, each with its gradient.

extension Tensor {
    /// The elementwise larger of `self` and `other` (NaN if either is NaN); logical or on
    /// bool. Where the two are equal each receives half the gradient, as PyTorch.
    public func maximum(_ other: Tensor) throws -> Tensor { try extremum(other, largest: true) }

    /// The elementwise smaller of `self` and `other` (see `maximum`); logical and on bool.
    public func minimum(_ other: Tensor) throws -> Tensor { try extremum(other, largest: false) }

    private func extremum(_ other: Tensor, largest: Bool) throws -> Tensor {
        let dtype = Promotion.resultType([self, other])
        let pick: (Double, Double) -> Bool = largest ? { $0 > $1 } : { $0 < $1 }
        let out = try Tensor.arithmetic(self, other, as: dtype,
                                        f32: { a, b in a.isNaN || b.isNaN ? .nan : pick(Double(a), Double(b)) ? a : b },
                                        f64: { a, b in a.isNaN || b.isNaN ? .nan : pick(a, b) ? a : b },
                                        i64: { a, b in largest ? Swift.max(a, b) : Swift.min(a, b) },
                                        bool: { a, b in largest ? a || b : a && b }, op: largest ? "maximum" : "minimum")
        let a = self
        return out.recording(largest ? "maximum" : "minimum", [self, other]) { g in
            // A side gets all of the gradient where it wins (or either is NaN), half where tied.
            let x = try a.detached().cast(to: .float64), y = try other.detached().cast(to: .float64)
            func share(_ p: Tensor, _ q: Tensor) throws -> Tensor {
                let w = try Tensor.zipped(p, q, Double.self, to: Double.self) { u, v in u == v ? 0.5 : pick(v, u) ? 0 : 1 }
                return try (g * w.cast(to: g.dtype)).keeping(w .!= Scalar.int(0))
            }
            return [try share(x, y), try share(y, x)]
        }
    }

    /// Python's modulus: the remainder of floor division, with the sign of the divisor
    /// (`remainder(-3, 2) = 1`). Integer division by zero is a value error; a float one
    /// gives NaN. The gradient is 1 for `self` and `-floor(self / other)` for a tensor `other`.
    public func remainder(_ other: Operand) throws -> Tensor {
        try modulus(other, floored: true)
    }

    /// C's fmod: the remainder of truncated division, with the sign of the dividend
    /// (`fmod(-3, 2) = -1`). The gradient is 1 for `self` and `-trunc(self / other)` for `other`.
    public func fmod(_ other: Operand) throws -> Tensor {
        try modulus(other, floored: false)
    }

    private func modulus(_ other: Operand, floored: Bool) throws -> Tensor {
        let name = floored ? "remainder" : "fmod"
        let dtype = Promotion.resultType(.tensor(self), other)
        if dtype == .bool { throw TensorError.dtype("\(name) is not defined for bool tensors; cast to int64 or float32") }
        let b = try other.tensor(as: dtype)
        if dtype == .int64, b.doubles().contains(0) {
            throw TensorError(.value, "\(name): integer division by zero (ZeroDivisionError in PyTorch)", argument: "other")
        }
        let out = try Tensor.arithmetic(self, b, as: dtype, f32: { floatModulus($0, $1, floored: floored) },
                                        f64: { floatModulus($0, $1, floored: floored) },
                                        i64: { x, y in
                                            // y = -1 would trap on Int64.min; every remainder by ±1 is 0.
                                            if y == -1 { return 0 }
                                            let r = x % y
                                            return floored && r != 0 && (r < 0) != (y < 0) ? r + y : r
                                        }, bool: nil, op: name)
        let a = self
        guard case .tensor(let bt) = other else { return out.recording(name, [self]) { g in [g] } }
        return out.recording(name, [self, bt]) { g in
            [g, try -(g * a.div(.tensor(bt), roundingMode: floored ? "floor" : "trunc"))]
        }
    }

    /// `floor(self / other)`, keeping the promoted dtype (`torch.floor_divide`, Python's `//`).
    /// Bool is rejected; integer division by zero is a value error. The gradient is 0 (PyTorch
    /// has none).
    public func floorDivided(by other: Operand) throws -> Tensor {
        if Promotion.resultType(.tensor(self), other) == .bool {
            throw TensorError.dtype("floor_divide is not defined for bool tensors; cast to int64 or float32")
        }
        return try div(other, roundingMode: "floor")
    }

    /// The angle of the point (other, self) in (-π, π], quadrant-aware; integer input gives float32.
    public func atan2(_ other: Tensor) throws -> Tensor {
        let promoted = Promotion.resultType([self, other])
        let dtype = promoted.isFloating ? promoted : .float32
        let out = try Tensor.arithmetic(self, other, as: dtype, f32: { Foundation.atan2($0, $1) }, f64: { Foundation.atan2($0, $1) },
                                        i64: { _, _ in 0 }, bool: nil, op: "atan2")
        let y = self
        return out.recording("atan2", [self, other]) { g in
            // At the origin the gradient is 0, as PyTorch's (not 0/0).
            let r = try y * y + other * other
            let defined = try r .!= Scalar.int(0)
            return [try (g * other / r).keeping(defined), try (-(g * y) / r).keeping(defined)]
        }
    }

    /// `self + weight·(end − self)`, computed as PyTorch does (from `end` when weight ≥ 0.5,
    /// so that weight 1 gives `end` exactly). `self` and `end` are floating tensors of one
    /// dtype; `weight` is a number or a tensor of that dtype (a 0-d one is converted).
    public func lerp(_ end: Tensor, weight: Operand) throws -> Tensor {
        guard dtype.isFloating else { throw TensorError.dtype("lerp needs floating tensors, got \(dtype)") }
        guard end.dtype == dtype else {
            throw TensorError(.dtype, "lerp: expected dtype \(dtype) for end but got \(end.dtype)", argument: "end")
        }
        let w: Tensor
        switch weight {
        case .scalar(let s): w = Tensor.full(scalar: s, dtype: dtype)
        case .tensor(let t):
            guard t.dtype == dtype || (t.ndim == 0 && t.dtype.isFloating) else {
                throw TensorError(.dtype, "lerp: expected dtype \(dtype) for weight but got \(t.dtype)", argument: "weight")
            }
            w = try t.cast(to: dtype)
        }
        let shape = try Shapes.broadcast([self.shape, end.shape, w.shape])
        let s = broadcastView(to: shape), e = end.broadcastView(to: shape), wv = w.broadcastView(to: shape)
        let out: Tensor
        func go<T: Element & BinaryFloatingPoint>(_: T.Type) -> Tensor {
            Tensor.make(shape, T.self) { o in
                s.withContiguousBuffer(as: T.self) { sb in
                    e.withContiguousBuffer(as: T.self) { eb in
                        wv.withContiguousBuffer(as: T.self) { wb in
                            for i in 0..<o.count {
                                let (a, b, t) = (sb[i], eb[i], wb[i])
                                o[i] = Swift.abs(t) < 0.5 ? a + t * (b - a) : b - (b - a) * (1 - t)
                            }
                        }
                    }
                }
            }
        }
        out = dtype == .float32 ? go(Float.self) : go(Double.self)
        let start = self
        let inputs = [self, end] + (weight.tensorValue.map { [$0] } ?? [])
        return out.recording("lerp", inputs) { g in
            let gw = try g * w
            return [try g - gw, gw] + (weight.tensorValue == nil ? [] : [try g * (end - start)])
        }
    }
}

/// fmod, or (floored) Python's remainder computed from it as PyTorch does: NaN for a zero divisor.
@inline(__always)
func floatModulus<T: BinaryFloatingPoint>(_ a: T, _ b: T, floored: Bool) -> T {
    let r = a.truncatingRemainder(dividingBy: b)
    return floored && r != 0 && (r < 0) != (b < 0) ? r + b : r
}

extension Ops {
    static let binaryMath: [OpSpec] = [
        OpSpec("maximum", "the elementwise larger of input and other, broadcasting; NaN if either is NaN",
               params: [.tensor(), Param("other", .tensor)],
               gradchecks: [.init(.distinct([2, 3]), .distinct([3]), [:]), .init(.randn([3, 2], .transposed), .randn([3, 1]), [:])]) { c in
            [try c.tensor("input").maximum(c.tensor("other"))]
        },
        OpSpec("minimum", "the elementwise smaller of input and other, broadcasting; NaN if either is NaN",
               params: [.tensor(), Param("other", .tensor)],
               gradchecks: [.init(.distinct([2, 3]), .distinct([3]), [:])]) { c in
            [try c.tensor("input").minimum(c.tensor("other"))]
        },
        OpSpec("remainder", "Python's modulus (sign of the divisor), broadcasting; integer division by zero is an error",
               gradchecks: [.init(.randn([2, 3]), .positive([3]), [:]), .init(.randn([4]), .number(0.7), [:])]) { try $0.remainder($1) },
        OpSpec("fmod", "C's fmod (sign of the dividend), broadcasting; integer division by zero is an error",
               gradchecks: [.init(.randn([2, 3]), .positive([3]), [:]), .init(.randn([4]), .number(-0.7), [:])]) { try $0.fmod($1) },
        // PyTorch defines no derivative for floor_divide, so it is not differentiable here either.
        OpSpec("floor_divide", "floor(input / other), keeping the promoted dtype (Python's //)",
               examples: [.init(.randn([2, 3]), .positive([3]), [:])]) { try $0.floorDivided(by: $1) },
        OpSpec("atan2", "the angle of (other, input) in (-π, π]; integer input gives float32",
               params: [.tensor(), Param("other", .tensor)],
               gradchecks: [.init(.randn([2, 3]), .randn([3]), [:])]) { c in
            [try c.tensor("input").atan2(c.tensor("other"))]
        },
        OpSpec("lerp", "input + weight·(end − input), broadcasting; floating tensors of one dtype",
               params: [.tensor(), Param("end", .tensor), Param("weight", .tensorOrNumber)],
               gradchecks: [.init(.randn([2, 3]), .randn([3]), .number(0.3), [:]), .init(.randn([2, 3]), .randn([2, 3]), .unit([3]), [:]),
                            .init(.randn([3]), .randn([3]), .number(0.8), [:])]) { c in
            [try c.tensor("input").lerp(c.tensor("end"), weight: c.operand("weight"))]
        },
    ]
}
