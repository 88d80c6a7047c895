import Foundation

// floor, ceil, trunc, round, frac and clamp (semantics §4). Rounding is piecewise constant,
// so its gradient is 0 everywhere (§10); frac's is 1.

extension Tensor {
    /// Applies a rounding rule to floating data; int64 input is returned unchanged.
    private func rounding(_ op: String, _ rule: FloatingPointRoundingRule) throws -> Tensor {
        let out: Tensor
        switch dtype {
        case .float32: out = mapped(Float.self, to: Float.self) { $0.rounded(rule) }
        case .float64: out = mapped(Double.self, to: Double.self) { $0.rounded(rule) }
        case .int64: return self
        case .bool: throw TensorError.dtype("\(op) is not defined for bool tensors")
        }
        return out.recording(op, [self]) { g in [try zerosLike(g)] }
    }

    /// Rounds toward −∞; integer input is returned unchanged.
    public func floor() throws -> Tensor { try rounding("floor", .down) }
    /// Rounds toward +∞; integer input is returned unchanged.
    public func ceil() throws -> Tensor { try rounding("ceil", .up) }
    /// Rounds toward zero; integer input is returned unchanged.
    public func trunc() throws -> Tensor { try rounding("trunc", .towardZero) }

    /// Rounds to `decimals` decimal places, ties to even (2.5 → 2). A negative `decimals`
    /// rounds to tens, hundreds… Integer input is returned unchanged.
    ///
    /// ```swift
    /// try Tensor([0.5, 1.5, 1.2345] as [Float]).rounded(decimals: 0)   // [0, 2, 1]
    /// ```
    public func rounded(decimals: Int = 0) throws -> Tensor {
        if decimals == 0 { return try rounding("round", .toNearestOrEven) }
        // As PyTorch: scale by 10^|d| in the tensor's dtype; divide first when d < 0.
        let scale = Foundation.pow(10.0, Double(decimals.magnitude))
        let out: Tensor
        switch dtype {
        case .float32:
            let s = Float(scale)
            out = decimals > 0 ? mapped(Float.self, to: Float.self) { ($0 * s).rounded(.toNearestOrEven) / s }
                : mapped(Float.self, to: Float.self) { ($0 / s).rounded(.toNearestOrEven) * s }
        case .float64:
            out = decimals > 0 ? mapped(Double.self, to: Double.self) { ($0 * scale).rounded(.toNearestOrEven) / scale }
                : mapped(Double.self, to: Double.self) { ($0 / scale).rounded(.toNearestOrEven) * scale }
        case .int64: return self
        case .bool: throw TensorError.dtype("round is not defined for bool tensors")
        }
        return out.recording("round", [self]) { g in [try zerosLike(g)] }
    }

    /// The fractional part `x - trunc(x)`, with the sign of x; `frac(±inf)` is NaN.
    /// Floating input only.
    public func frac() throws -> Tensor {
        let out: Tensor
        switch dtype {
        case .float32: out = mapped(Float.self, to: Float.self) { $0 - $0.rounded(.towardZero) }
        case .float64: out = mapped(Double.self, to: Double.self) { $0 - $0.rounded(.towardZero) }
        case .int64, .bool: throw TensorError.dtype("frac is only defined for floating tensors, got \(dtype)")
        }
        return out.recording("frac", [self]) { g in [g] }
    }

    /// `min(max(x, min), max)`, with bounds given as scalars or broadcasting tensors, after type
    /// promotion. If `min > max` every element becomes `max`; NaN (in x or a bound) gives NaN.
    /// The gradient is 1 where `min ≤ x ≤ max` (inclusive), else 0; tensor bounds receive the
    /// gradient where they are the result.
    ///
    /// ```swift
    /// try x.clamped(min: .scalar(0), max: .scalar(1))
    /// ```
    public func clamped(min lo: Operand? = nil, max hi: Operand? = nil) throws -> Tensor {
        guard lo != nil || hi != nil else {
            throw TensorError.value("clamp: at least one of min and max must be given")
        }
        let dtype = Promotion.resultType([.tensor(self)] + [lo, hi].compactMap { $0 })
        var out = try cast(to: dtype).detached()
        if let lo { out = try Tensor.bound(out, try lo.tensor(as: dtype).detached(), upper: false) }
        if let hi { out = try Tensor.bound(out, try hi.tensor(as: dtype).detached(), upper: true) }
        let x = self
        let loTensor = lo?.tensorValue, hiTensor = hi?.tensorValue
        return out.recording("clamp", [self] + [loTensor, hiTensor].compactMap { $0 }) { g in
            var inside: Tensor? = nil
            if let lo { inside = try x.ge(lo) }
            if let hi { inside = try inside.map { try $0 * x.le(hi) } ?? x.le(hi) }
            var grads: [Tensor?] = [try g.keeping(inside!)]
            if let loTensor {
                var mask = try x.lt(.tensor(loTensor))
                if let hi { mask = try mask * loTensor.lt(hi) }
                grads.append(try g.keeping(mask))
            }
            if let hiTensor {
                var mask = try x.gt(.tensor(hiTensor))
                if let lo { mask = try mask + hiTensor.lt(lo) }
                grads.append(try g.keeping(mask))
            }
            return grads
        }
    }

    /// One side of clamp: `max(x, b)` (lower bound) or `min(x, b)` (upper), NaN-propagating.
    private static func bound(_ x: Tensor, _ b: Tensor, upper: Bool) throws -> Tensor {
        switch x.dtype {
        case .float32:
            return try zipped(x, b, Float.self, to: Float.self) { v, b in
                v.isNaN || b.isNaN ? .nan : upper ? Swift.min(v, b) : Swift.max(v, b)
            }
        case .float64:
            return try zipped(x, b, Double.self, to: Double.self) { v, b in
                v.isNaN || b.isNaN ? .nan : upper ? Swift.min(v, b) : Swift.max(v, b)
            }
        case .int64:
            return try zipped(x, b, Int64.self, to: Int64.self) { v, b in upper ? Swift.min(v, b) : Swift.max(v, b) }
        case .bool:
            throw TensorError.dtype("clamp is not defined for bool tensors and bounds; cast to int64 or float32")
        }
    }
}

extension Ops {
    static let rounding: [OpSpec] = [
        OpSpec("floor", "rounds toward −∞; integer input is unchanged", params: [.tensor()],
               gradchecks: [.init(.unit([2, 3]))]) { c in [try c.tensor("input").floor()] },
        OpSpec("ceil", "rounds toward +∞; integer input is unchanged", params: [.tensor()],
               gradchecks: [.init(.unit([2, 3]))]) { c in [try c.tensor("input").ceil()] },
        OpSpec("trunc", "rounds toward zero; integer input is unchanged", params: [.tensor()],
               gradchecks: [.init(.unit([3, 2], .transposed))]) { c in [try c.tensor("input").trunc()] },
        OpSpec("round", "rounds to `decimals` places, ties to even; integer input is unchanged",
               params: [.tensor(), Param("decimals", .int, default: .int(0))],
               gradchecks: [.init(.unit([2, 3])), .init(.unit([2, 3]), ["decimals": .int(1)])]) { c in [try c.tensor("input").rounded(decimals: c.int("decimals"))] },
        OpSpec("frac", "input − trunc(input), keeping the sign; floating input only", params: [.tensor()],
               gradchecks: [.init(.randn([2, 3])), .init(.randn([3, 2], .transposed))]) { c in [try c.tensor("input").frac()] },
        OpSpec("clamp", "min(max(input, min), max); bounds are numbers or broadcasting tensors",
               params: [.tensor(), Param("min", .optional(.tensorOrNumber), default: .null),
                        Param("max", .optional(.tensorOrNumber), default: .null)],
               gradchecks: [.init(.distinct([2, 3]), .number(-0.25), .number(0.35), [:]),
                            .init(.distinct([3, 4], .transposed), ["min": .float(0.05)]),
                            .init(.randn([2, 3]), .randn([3]), .randn([2, 1]), [:])]) { c in
            [try c.tensor("input").clamped(min: c.optionalOperand("min"), max: c.optionalOperand("max"))]
        },
        OpSpec("clamp_min", "max(input, min), promoting; min is a number or a broadcasting tensor",
               params: [.tensor(), Param("min", .tensorOrNumber)],
               gradchecks: [.init(.distinct([2, 3]), .number(0.05), [:]), .init(.distinct([2, 3]), .randn([3]), [:])]) { c in
            [try c.tensor("input").clamped(min: c.operand("min"))]
        },
        OpSpec("clamp_max", "min(input, max), promoting; max is a number or a broadcasting tensor",
               params: [.tensor(), Param("max", .tensorOrNumber)],
               gradchecks: [.init(.distinct([2, 3]), .number(0.05), [:]), .init(.distinct([2, 3]), .randn([2, 1]), [:])]) { c in
            [try c.tensor("input").clamped(max: c.operand("max"))]
        },
    ]
}
