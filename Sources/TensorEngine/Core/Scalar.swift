/// A Python-style scalar operand: its spelling (int, float, bool) decides result dtypes.
public enum Scalar: Sendable, Equatable {
    case bool(Bool)
    case int(Int64)
    case float(Double)

    public var category: DType.Category {
        switch self {
        case .bool: .bool
        case .int: .integer
        case .float: .floating
        }
    }

    public var double: Double {
        switch self {
        case .bool(let b): b ? 1 : 0
        case .int(let i): Double(i)
        case .float(let d): d
        }
    }
}

/// The right-hand side of a binary op: a tensor or a scalar.
public enum Operand: Sendable {
    case tensor(Tensor)
    case scalar(Scalar)
}

extension Scalar: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral {
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .float(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension Tensor {
    /// A 0-d tensor holding `scalar` as `dtype`.
    public static func full(scalar: Scalar, dtype: DType) -> Tensor {
        filled([], with: scalar.double, dtype: dtype)
    }

    /// A contiguous tensor of `shape` with every element `value`, converted to `dtype`.
    public static func filled(_ shape: [Int], with value: Double, dtype: DType) -> Tensor {
        switch dtype {
        case .float32: make(shape, Float.self) { $0.initialize(repeating: Float(value)) }
        case .float64: make(shape, Double.self) { $0.initialize(repeating: value) }
        case .int64: make(shape, Int64.self) { $0.initialize(repeating: Int64(fromDouble: value)) }
        case .bool: make(shape, Bool.self) { $0.initialize(repeating: value != 0) }
        }
    }
}

public func zerosLike(_ t: Tensor) throws -> Tensor { Tensor.filled(t.shape, with: 0, dtype: t.dtype) }
public func onesLike(_ t: Tensor) throws -> Tensor { Tensor.filled(t.shape, with: 1, dtype: t.dtype) }
