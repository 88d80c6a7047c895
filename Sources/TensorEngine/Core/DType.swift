/// Element types a tensor can hold, named as PyTorch names them.
public enum DType: String, CaseIterable, Sendable, Codable {
    case bool, int64, float32, float64

    /// Category order used by type promotion: bool < integer < floating (semantics §0).
    public enum Category: Int, Comparable, Sendable {
        case bool, integer, floating
        public static func < (a: Category, b: Category) -> Bool { a.rawValue < b.rawValue }
    }

    public var category: Category {
        switch self {
        case .bool: .bool
        case .int64: .integer
        case .float32, .float64: .floating
        }
    }

    public var isFloating: Bool { category == .floating }
    public var byteSize: Int {
        switch self {
        case .bool: 1
        case .int64, .float64: 8
        case .float32: 4
        }
    }

    /// The wider of two dtypes in the same category; across categories, the higher category.
    public static func larger(_ a: DType, _ b: DType) -> DType {
        if a.category != b.category { return a.category > b.category ? a : b }
        return a.byteSize >= b.byteSize ? a : b
    }

    /// Accepts PyTorch names and the Open Inference Protocol aliases (`FP32`, `INT64`, …).
    public init?(name: String) {
        switch name {
        case "float32", "float", "FP32": self = .float32
        case "float64", "double", "FP64": self = .float64
        case "int64", "long", "INT64": self = .int64
        case "bool", "BOOL": self = .bool
        default: return nil
        }
    }
}

/// A Swift type stored in tensor buffers.
public protocol Element: Sendable {
    static var dtype: DType { get }
    init(fromDouble value: Double)
    var asDouble: Double { get }
}

extension Float: Element {
    public static var dtype: DType { .float32 }
    @inline(__always) public init(fromDouble value: Double) { self = Float(value) }
    @inline(__always) public var asDouble: Double { Double(self) }
}

extension Double: Element {
    public static var dtype: DType { .float64 }
    @inline(__always) public init(fromDouble value: Double) { self = value }
    @inline(__always) public var asDouble: Double { self }
}

extension Int64: Element {
    public static var dtype: DType { .int64 }
    /// Float to int conversion truncates toward zero, as PyTorch's casts do; NaN and
    /// out-of-range values saturate instead of trapping.
    @inline(__always) public init(fromDouble value: Double) {
        if value.isNaN { self = 0 } else if value >= 9.223372036854775807e18 { self = .max } else if value <= -9.223372036854775808e18 { self = .min } else { self = Int64(value) }
    }
    @inline(__always) public var asDouble: Double { Double(self) }
}

extension Bool: Element {
    public static var dtype: DType { .bool }
    @inline(__always) public init(fromDouble value: Double) { self = value != 0 }
    @inline(__always) public var asDouble: Double { self ? 1 : 0 }
}
