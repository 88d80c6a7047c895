import Foundation

// add, sub, mul, div (semantics §2): broadcast, promote, and carry their gradients.

extension Tensor {
    /// Runs a binary arithmetic kernel on the operands promoted to `dtype`.
    static func arithmetic(_ a: Tensor, _ b: Tensor, as dtype: DType,
                           f32: (Float, Float) -> Float, f64: (Double, Double) -> Double,
                           i64: (Int64, Int64) -> Int64, bool: ((Bool, Bool) -> Bool)?, op: String,
                           fast: FastBinary? = nil) throws -> Tensor {
        func run(_ x: Tensor, _ y: Tensor) throws -> Tensor {
            switch dtype {
            case .float32: return try zipped(x, y, Float.self, to: Float.self, fast: fast, f32)
            case .float64: return try zipped(x, y, Double.self, to: Double.self, f64)
            case .int64: return try zipped(x, y, Int64.self, to: Int64.self, i64)
            case .bool:
                guard let bool else { throw TensorError.dtype("\(op) is not defined for bool tensors") }
                return try zipped(x, y, Bool.self, to: Bool.self, bool)
            }
        }
        // Operands already of `dtype` (most calls) are read as they are: a cast that returns its tensor and a
        // detached copy of it were eight retains and releases each (issue 19).
        if a.dtype == dtype && b.dtype == dtype { return try run(a, b) }
        return try run(a.cast(to: dtype).detached(), b.cast(to: dtype).detached())
    }

    /// `self + alpha·other`; on bool tensors, logical or.
    public func add(_ other: Operand, alpha: Scalar = 1) throws -> Tensor {
        try addOrSub(other, alpha: alpha, negate: false)
    }

    /// `self - alpha·other`.
    public func sub(_ other: Operand, alpha: Scalar = 1) throws -> Tensor {
        try addOrSub(other, alpha: alpha, negate: true)
    }

    private func addOrSub(_ other: Operand, alpha: Scalar, negate: Bool) throws -> Tensor {
        let name = negate ? "sub" : "add"
        let dtype = Promotion.resultType(self, other)
        if case .float = alpha, !dtype.isFloating {
            throw TensorError(.dtype, "\(name): a float alpha needs a floating tensor, got \(dtype)", argument: "alpha")
        }
        if negate && dtype == .bool {
            throw TensorError.dtype("sub of bool tensors is not supported; use logical_xor or ~ instead")
        }
        let k = alpha.double * (negate ? -1 : 1)
        let ki = negate ? 0 &- (alpha.integerValue) : alpha.integerValue
        let out = try other.withTensor(as: dtype) { b in
            if k == 1 {
                return try Tensor.arithmetic(self, b, as: dtype, f32: +, f64: +, i64: (&+), bool: { $0 || $1 }, op: name, fast: .add)
            } else if k == -1 {
                return try Tensor.arithmetic(self, b, as: dtype, f32: -, f64: -, i64: (&-), bool: { $0 || $1 }, op: name, fast: .sub)
            }
            let kf = Float(k)
            return try Tensor.arithmetic(self, b, as: dtype, f32: { $0 + kf * $1 }, f64: { $0 + k * $1 },
                                         i64: { $0 &+ ki &* $1 }, bool: { $0 || $1 }, op: name)
        }
        guard mayRecordHistory(with: other) else { return out }
        guard case .tensor(let ot) = other else { return out.recording(name, [self]) { g in [g] } }
        return out.recording(name, [self, ot]) { g in [g, k == 1 ? g : try g * Scalar.float(k)] }
    }

    /// Elementwise product; on bool tensors, logical and. `inf·0` is NaN.
    public func mul(_ other: Operand) throws -> Tensor {
        let dtype = Promotion.resultType(self, other)
        let out = try other.withTensor(as: dtype) { b in
            try Tensor.arithmetic(self, b, as: dtype, f32: *, f64: *, i64: (&*), bool: { $0 && $1 }, op: "mul", fast: .mul)
        }
        guard mayRecordHistory(with: other) else { return out }
        let a = self
        guard case .tensor(let bt) = other else {
            let b = try other.tensor(as: dtype)
            return out.recording("mul", [a]) { g in [try g * b] }
        }
        return out.recording("mul", [a, bt]) { g in [try g * bt, try g * a] }
    }

    /// Division: true division (floating result) or with `rounding_mode` 'trunc' / 'floor',
    /// which keeps the promoted dtype.
    public func div(_ other: Operand, roundingMode: String? = nil) throws -> Tensor {
        let promoted = Promotion.resultType(self, other)
        guard let mode = roundingMode else {
            let dtype = promoted.isFloating ? promoted : .float32
            let out = try other.withTensor(as: dtype) { b in
                try Tensor.arithmetic(self, b, as: dtype, f32: /, f64: /, i64: { _, _ in 0 }, bool: nil, op: "div", fast: .div)
            }
            guard mayRecordHistory(with: other) else { return out }
            let a = self
            guard case .tensor(let bt) = other else {
                let b = try other.tensor(as: dtype)
                return out.recording("div", [a]) { g in [try g / b] }
            }
            return out.recording("div", [a, bt]) { g in [try g / bt, try -(g * a) / (bt * bt)] }
        }
        let b = try other.tensor(as: promoted)
        if !promoted.isFloating, b.doubles().contains(0) {
            throw TensorError.value("div: integer division by zero with rounding_mode '\(mode)'")
        }
        let out: Tensor
        switch mode {
        case "trunc":
            out = try Tensor.arithmetic(self, b, as: promoted == .bool ? .int64 : promoted,
                                        f32: { ($0 / $1).rounded(.towardZero) }, f64: { ($0 / $1).rounded(.towardZero) },
                                        i64: { $1 == -1 ? 0 &- $0 : $0 / $1 }, bool: nil, op: "div")
        case "floor":
            out = try Tensor.arithmetic(self, b, as: promoted == .bool ? .int64 : promoted,
                                        f32: floorDivide, f64: floorDivide,
                                        i64: { x, y in
                                            if y == -1 { return 0 &- x }
                                            let q = x / y
                                            return (x % y != 0 && ((x < 0) != (y < 0))) ? q - 1 : q
                                        }, bool: nil, op: "div")
        default:
            throw TensorError(.value, "div: rounding_mode must be None, 'trunc' or 'floor', got '\(mode)'", argument: "rounding_mode")
        }
        // Rounded quotients are piecewise constant: zero gradient, as in PyTorch.
        return out.recording("div", [self] + (other.tensorValue.map { [$0] } ?? [])) { g in
            [try zerosLike(g), try zerosLike(g)]
        }
    }
}

/// Python's `//` on floats: the quotient rounded toward −∞, computed as PyTorch does
/// (via fmod) so that e.g. 1 // 0.1 gives 9, not 10.
func floorDivide<T: BinaryFloatingPoint>(_ a: T, _ b: T) -> T {
    if b == 0 { return a / b }
    let mod = a.truncatingRemainder(dividingBy: b)
    var div = (a - mod) / b
    if mod != 0 && (b < 0) != (mod < 0) { div -= 1 }
    if div == 0 { return T(signOf: a / b, magnitudeOf: 0) }
    let floored = div.rounded(.down)
    return div - floored > 0.5 ? floored + 1 : floored
}

extension Scalar {
    var integerValue: Int64 {
        switch self {
        case .bool(let b): b ? 1 : 0
        case .int(let i): i
        case .float(let d): Int64(fromDouble: d)
        }
    }
}

extension Operand {
    var tensorValue: Tensor? {
        if case .tensor(let t) = self { return t }
        return nil
    }
}

// Operators, so that model and gradient code reads like maths.
public func + (a: Tensor, b: Tensor) throws -> Tensor { try a.add(.tensor(b)) }
public func - (a: Tensor, b: Tensor) throws -> Tensor { try a.sub(.tensor(b)) }
public func * (a: Tensor, b: Tensor) throws -> Tensor { try a.mul(.tensor(b)) }
public func / (a: Tensor, b: Tensor) throws -> Tensor { try a.div(.tensor(b)) }
public func + (a: Tensor, b: Scalar) throws -> Tensor { try a.add(.scalar(b)) }
public func - (a: Tensor, b: Scalar) throws -> Tensor { try a.sub(.scalar(b)) }
public func * (a: Tensor, b: Scalar) throws -> Tensor { try a.mul(.scalar(b)) }
public func / (a: Tensor, b: Scalar) throws -> Tensor { try a.div(.scalar(b)) }
public prefix func - (a: Tensor) throws -> Tensor { try a.neg() }

extension Ops {
    static let arithmetic: [OpSpec] = [
        OpSpec("add", "input + alpha·other, broadcasting; logical or on bool",
               params: [.tensor(), Param("other", .tensorOrNumber), Param("alpha", .number, default: .int(1))],
               gradchecks: [.init(.randn([2, 3]), .randn([3])), .init(.randn([3, 2], .transposed), .randn([3, 1]), ["alpha": .float(0.5)])],
               binary: { try $0.add($1) }) { c in
            [try c.tensor("input").add(c.operand("other"), alpha: c.scalar("alpha"))]
        },
        OpSpec("sub", "input − alpha·other, broadcasting",
               params: [.tensor(), Param("other", .tensorOrNumber), Param("alpha", .number, default: .int(1))],
               gradchecks: [.init(.randn([2, 3]), .randn([2, 1])), .init(.randn([4]), .number(2.5))],
               binary: { try $0.sub($1) }) { c in
            [try c.tensor("input").sub(c.operand("other"), alpha: c.scalar("alpha"))]
        },
        OpSpec("mul", "input · other, broadcasting; logical and on bool",
               gradchecks: [.init(.randn([2, 3]), .randn([3])), .init(.randn([1, 3], .expanded([4, 3])), .randn([4, 1]))]) { try $0.mul($1) },
        OpSpec("div", "input / other; rounding_mode 'trunc' or 'floor' keeps the dtype",
               params: [.tensor(), Param("other", .tensorOrNumber), Param("rounding_mode", .optional(.choice(["trunc", "floor"])), default: .null)],
               gradchecks: [.init(.randn([2, 3]), .positive([3]))], binary: { try $0.div($1) }) { c in
            let mode: String? = if case .string(let s) = c.values["rounding_mode"] { s } else { nil }
            return [try c.tensor("input").div(c.operand("other"), roundingMode: mode)]
        },
    ]
}
