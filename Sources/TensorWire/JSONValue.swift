/// A parsed JSON document (RFC 8259).
///
/// Numbers keep their spelling: `7` is an integer (exact as `Int64` when it fits), `7.0`
/// and `7e0` are floats. An array whose elements are all numbers is held packed in a
/// ``NumberArray`` (contiguous doubles, no per-element enum), so a 10⁶-element tensor
/// `data` array costs one allocation, not a million.
///
/// ```swift
/// let v = try JSONParser.parse(#"{"shape": [2], "data": [1.5, "NaN"]}"#)
/// v["data"]?.numberArray?.doubles   // [1.5, nan]
/// ```
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    /// An array with at least one element that is not a number (or is empty).
    case array([JSONValue])
    /// A non-empty array of numbers, possibly with the non-finite strings `"NaN"`,
    /// `"Infinity"`, `"-Infinity"` among them (api.md: non-finite floats travel as strings).
    case numbers(NumberArray)
    case object(JSONObject)

    /// The value of `key` when this is an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var numberArray: NumberArray? {
        if case .numbers(let a) = self { return a }
        return nil
    }

    /// The JSON type, as used in error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number(let n): n.isInteger ? "an integer" : "a number"
        case .string: "a string"
        case .array, .numbers: "an array"
        case .object: "an object"
        }
    }

    /// The elements of an array, unpacking a ``NumberArray``; nil for non-arrays.
    public var arrayElements: [JSONValue]? {
        switch self {
        case .array(let a): return a
        case .numbers(let a): return (0..<a.count).map { a.element($0) }
        default: return nil
        }
    }
}

/// A JSON number with its spelling: `integer` is set when the literal had no fraction
/// or exponent and fits in `Int64` (`-0` is the integer 0 with `double` −0.0).
public struct JSONNumber: Sendable, Equatable {
    public var double: Double
    public var integer: Int64?
    /// Spelled without fraction or exponent (even if too large for `Int64`).
    public var isInteger: Bool

    public init(double: Double, integer: Int64?, isInteger: Bool) {
        self.double = double
        self.integer = integer
        self.isInteger = isInteger
    }

    public init(_ i: Int64) { self.init(double: Double(i), integer: i, isInteger: true) }
    public init(_ d: Double) { self.init(double: d, integer: nil, isInteger: false) }
}

/// A packed array of JSON numbers.
///
/// `doubles` holds every element as the nearest double (non-finite strings as NaN/±∞).
/// `integers` is the exact `Int64` of every element when every element was spelled as an
/// integer that fits; otherwise `firstNonInteger` names the first element that was not.
public struct NumberArray: Sendable {
    public var doubles: [Double]
    public var integers: [Int64]?
    public var firstNonInteger: Int?
    /// Indices of elements that were the strings `"NaN"`, `"Infinity"`, `"-Infinity"`, ascending.
    public var nonFiniteStrings: [Int]

    public var count: Int { doubles.count }

    /// Element `i` as a stand-alone value. In an array of mixed spellings the elements
    /// before `firstNonInteger` are integers and the rest are floats.
    public func element(_ i: Int) -> JSONValue {
        if !doubles[i].isFinite, nonFiniteStrings.binarySearchContains(i) { return .string(JSONWriter.nonFiniteName(doubles[i])) }
        if let ints = integers { return .number(JSONNumber(ints[i])) }
        if let first = firstNonInteger, i < first, let exact = Int64(exactly: doubles[i]) { return .number(JSONNumber(exact)) }
        return .number(JSONNumber(doubles[i]))
    }
}

/// A JSON object with its keys in document order. Keys are unique (the parser rejects
/// duplicates, which RFC 8259 §4 leaves unpredictable).
public struct JSONObject: Sendable {
    public var keys: [String]
    public var values: [JSONValue]

    public init(keys: [String] = [], values: [JSONValue] = []) {
        self.keys = keys
        self.values = values
    }

    public subscript(key: String) -> JSONValue? {
        guard let i = keys.firstIndex(of: key) else { return nil }
        return values[i]
    }

    public var count: Int { keys.count }
}

extension [Int] {
    /// Membership in an ascending array.
    func binarySearchContains(_ x: Int) -> Bool {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if self[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo < count && self[lo] == x
    }
}
