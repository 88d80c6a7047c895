// eq, ne, gt, ge, lt, le (semantics §3): broadcast, promote, then compare; the result is bool.
// IEEE comparisons already give what the spec asks of NaN (false, except ne).

extension Tensor {
    /// Compares `self` with `other` elementwise after type promotion (int64 against float32
    /// compares as float). Bools order false < true.
    func compared(_ other: Operand,
                  _ f64: (Double, Double) -> Bool, _ f32: (Float, Float) -> Bool, _ i64: (Int64, Int64) -> Bool) throws -> Tensor {
        var dtype = Promotion.resultType(.tensor(self), other)
        if dtype == .bool { dtype = .int64 }
        let a = try cast(to: dtype).detached(), b = try other.tensor(as: dtype).detached()
        switch dtype {
        case .float32: return try Tensor.zipped(a, b, Float.self, to: Bool.self, f32)
        case .float64: return try Tensor.zipped(a, b, Double.self, to: Bool.self, f64)
        case .int64, .bool: return try Tensor.zipped(a, b, Int64.self, to: Bool.self, i64)
        }
    }

    /// `self == other` elementwise, as a bool tensor.
    public func eq(_ other: Operand) throws -> Tensor { try compared(other, ==, ==, ==) }
    /// `self != other` elementwise (true wherever either side is NaN).
    public func ne(_ other: Operand) throws -> Tensor { try compared(other, !=, !=, !=) }
    /// `self > other` elementwise.
    public func gt(_ other: Operand) throws -> Tensor { try compared(other, >, >, >) }
    /// `self >= other` elementwise.
    public func ge(_ other: Operand) throws -> Tensor { try compared(other, >=, >=, >=) }
    /// `self < other` elementwise.
    public func lt(_ other: Operand) throws -> Tensor { try compared(other, <, <, <) }
    /// `self <= other` elementwise.
    public func le(_ other: Operand) throws -> Tensor { try compared(other, <=, <=, <=) }
}

// Dotted operators, as mlx-swift spells elementwise comparisons (`==` stays free for equality).
infix operator .== : ComparisonPrecedence
infix operator .!= : ComparisonPrecedence
infix operator .> : ComparisonPrecedence
infix operator .>= : ComparisonPrecedence
infix operator .< : ComparisonPrecedence
infix operator .<= : ComparisonPrecedence

public func .== (a: Tensor, b: Tensor) throws -> Tensor { try a.eq(.tensor(b)) }
public func .!= (a: Tensor, b: Tensor) throws -> Tensor { try a.ne(.tensor(b)) }
public func .> (a: Tensor, b: Tensor) throws -> Tensor { try a.gt(.tensor(b)) }
public func .>= (a: Tensor, b: Tensor) throws -> Tensor { try a.ge(.tensor(b)) }
public func .< (a: Tensor, b: Tensor) throws -> Tensor { try a.lt(.tensor(b)) }
public func .<= (a: Tensor, b: Tensor) throws -> Tensor { try a.le(.tensor(b)) }
public func .== (a: Tensor, b: Scalar) throws -> Tensor { try a.eq(.scalar(b)) }
public func .!= (a: Tensor, b: Scalar) throws -> Tensor { try a.ne(.scalar(b)) }
public func .> (a: Tensor, b: Scalar) throws -> Tensor { try a.gt(.scalar(b)) }
public func .>= (a: Tensor, b: Scalar) throws -> Tensor { try a.ge(.scalar(b)) }
public func .< (a: Tensor, b: Scalar) throws -> Tensor { try a.lt(.scalar(b)) }
public func .<= (a: Tensor, b: Scalar) throws -> Tensor { try a.le(.scalar(b)) }

extension Ops {
    static let comparison: [OpSpec] = [
        comparisonSpec("eq", "input == other") { try $0.eq($1) },
        comparisonSpec("ne", "input != other (true where either is NaN)") { try $0.ne($1) },
        comparisonSpec("gt", "input > other") { try $0.gt($1) },
        comparisonSpec("ge", "input >= other") { try $0.ge($1) },
        comparisonSpec("lt", "input < other") { try $0.lt($1) },
        comparisonSpec("le", "input <= other") { try $0.le($1) },
    ]

    private static func comparisonSpec(_ name: String, _ summary: String,
                                       _ f: @escaping @Sendable (Tensor, Operand) throws -> Tensor) -> OpSpec {
        OpSpec(name, "\(summary), elementwise after broadcasting and promotion; a bool result",
               examples: [.init(.randn([2, 3]), .randn([3]), [:]), .init(.randn([2, 3]), .number(0), [:])], binary: f)
    }
}
