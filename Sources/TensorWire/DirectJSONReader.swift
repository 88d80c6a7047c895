import TensorEngine

/// Reads a request body of the plain, common shape straight from its bytes into what a handler needs
/// (tensors, strings, op arguments), without building a ``JSONValue`` tree first: for a small `/v1/ops`
/// request the tree and its decoding were a quarter of the server's CPU (issue 19).
///
/// It is a fast path with no errors of its own. Every method returns nil (or false) as soon as the bytes
/// are not the plain shape it reads — a syntax error, a duplicate key, nested or empty `data`, non-finite
/// strings, `data_b64`, a `ref`, a limit reached, anything unexpected — and the caller then parses the body
/// with ``JSONParser`` and decodes it with ``TensorCodec``, which gives the one answer or error for every
/// body. What it does accept it reads with the parser's own pieces (`NumberScanner`, the string reader,
/// the depth rule) and the codec's own checks, so it yields exactly what the general path yields.
///
/// ```swift
/// var inputs: [Tensor] = []
/// let plain = DirectJSONReader.readObject(bytes, maxDepth: 512) { key, r in
///     switch key {
///     case "inputs": return r.array { r in r.tensor(codec).map { inputs.append($0) } != nil }
///     default: return false
///     }
/// }
/// if !plain { /* JSONParser().parse(bytes) and TensorCodec.decode, for the exact error */ }
/// ```
public struct DirectJSONReader {
    var r: JSONReader
    /// Containers open around the reader, as the parser counts them against `maxDepth`.
    var depth = 0

    /// Reads `bytes` as one JSON object followed only by whitespace, calling `member` with each key and the
    /// reader positioned at its value, which `member` must read whole (or return false).
    public static func readObject(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int,
                                  _ member: (Key, inout DirectJSONReader) -> Bool) -> Bool {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return false }
        var reader = DirectJSONReader(r: JSONReader(p: base, end: bytes.count, maxDepth: maxDepth))
        guard reader.object(member) else { return false }
        reader.r.skipWhitespace()
        return reader.r.i == reader.r.end
    }

    private static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), colon = UInt8(ascii: ":")

    /// Whether the next byte after whitespace is `c`; consumes it if so.
    private mutating func take(_ c: UInt8) -> Bool {
        r.skipWhitespace()
        guard r.i < r.end, r.p[r.i] == c else { return false }
        r.i += 1
        return true
    }

    /// Opens a container as the parser does: an array, or an object with members, needs a level below `maxDepth`.
    private mutating func enter() -> Bool {
        guard depth < r.maxDepth else { return false }
        depth += 1
        return true
    }

    /// An object; `member` reads each value. Duplicate keys, which the parser refuses, end the fast path, and so
    /// does a key with an escape.
    public mutating func object(_ member: (Key, inout DirectJSONReader) -> Bool) -> Bool {
        guard take(UInt8(ascii: "{")) else { return false }
        if take(UInt8(ascii: "}")) { return true }
        guard enter() else { return false }
        var keys = SeenKeys()
        repeat {
            guard let key = key(), keys.insert(key), take(Self.colon), member(key, &self) else { return false }
        } while take(Self.comma)
        guard take(UInt8(ascii: "}")) else { return false }
        depth -= 1
        return true
    }

    /// An array; `element` reads each element.
    public mutating func array(_ element: (inout DirectJSONReader) -> Bool) -> Bool {
        guard take(UInt8(ascii: "[")), enter() else { return false }
        if take(UInt8(ascii: "]")) {
            depth -= 1
            return true
        }
        repeat {
            guard element(&self) else { return false }
        } while take(Self.comma)
        guard take(UInt8(ascii: "]")) else { return false }
        depth -= 1
        return true
    }

    /// An object's key, read in place: the keys a handler matches need no `String` (making one for each key,
    /// and comparing them, was a tenth of a small add's reading, issue 19).
    private mutating func key() -> Key? {
        r.skipWhitespace()
        guard r.i < r.end, r.p[r.i] == Self.quote, let (bytes, isASCII) = r.unescapedBytes() else { return nil }
        return Key(bytes: bytes, isASCII: isASCII)
    }

    /// A string, escapes decoded and UTF-8 checked by the parser's own reader.
    public mutating func string() -> String? {
        r.skipWhitespace()
        guard r.i < r.end, r.p[r.i] == Self.quote else { return nil }
        return try? r.string()
    }

    /// A response `encoding`: `"json"` or `"b64"`.
    public mutating func encoding() -> TensorEncoding? {
        string().flatMap(TensorEncoding.init(rawValue:))
    }

    /// An array of strings.
    public mutating func strings() -> [String]? {
        var out: [String] = []
        let ok = array { r in
            guard let s = r.string() else { return false }
            out.append(s)
            return true
        }
        return ok ? out : nil
    }

    /// The number at the reader (after whitespace), if one starts there.
    private mutating func number() -> ScannedNumber? {
        r.skipWhitespace()
        guard r.i < r.end, r.p[r.i] == UInt8(ascii: "-") || NumberScanner.isDigit(r.p[r.i]),
              let n = try? NumberScanner.scan(r.p, r.i, r.end) else { return nil }
        r.i = n.end
        return n
    }

    /// A non-empty array of numbers: calls `each` with every one; returns the count.
    private mutating func numbers(_ each: (ScannedNumber) -> Bool) -> Int? {
        guard take(UInt8(ascii: "[")), enter() else { return nil }
        var count = 0
        repeat {
            guard let n = number(), each(n) else { return nil }
            count += 1
        } while take(Self.comma)
        guard take(UInt8(ascii: "]")) else { return nil }
        depth -= 1
        return count
    }

    /// An op argument as ``TensorCodec/argument(_:at:resolve:)`` reads it: a number keeping its spelling,
    /// a boolean, null, a string (the non-finite names as floats), a non-empty list of integers or a tensor.
    public mutating func argument(_ codec: TensorCodec) -> Value? {
        r.skipWhitespace()
        guard r.i < r.end else { return nil }
        switch r.p[r.i] {
        case Self.quote:
            switch string() {
            case nil: return nil
            case "NaN": return .float(.nan)
            case "Infinity": return .float(.infinity)
            case "-Infinity": return .float(-.infinity)
            case let s?: return .string(s)
            }
        case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return literal("null") ? .null : nil
        case UInt8(ascii: "["):
            var ints: [Int] = []
            let count = numbers { n in
                guard let i = n.integer else { return false }
                ints.append(Int(i))
                return true
            }
            return count == nil ? nil : .intList(ints)
        case UInt8(ascii: "{"):
            return tensor(codec).map { .tensor($0) }
        default:
            guard let n = number() else { return nil }
            guard n.isInteger else { return .float(n.double) }
            return n.integer.map { .int(Int($0)) }
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard r.i + n <= r.end else { return false }
        for k in 0..<n where r.p[r.i + k] != word.utf8Start[k] { return false }
        r.i += n
        return true
    }

    /// A tensor object `{"shape": [...], "dtype": "...", "data": [numbers]}` with flat, non-empty `data`
    /// (`shape` and `dtype` optional), built as ``TensorCodec`` builds it: the same shape rules and limits,
    /// float32 through the nearest double, int64 only from integers that fit.
    public mutating func tensor(_ codec: TensorCodec) -> Tensor? {
        // The first numbers of `data` are kept as they are read, and a small tensor is filled from them: the
        // numbers were scanned twice, to count them and to fill the tensor once its dtype is known (issue 19).
        withUnsafeTemporaryAllocation(of: Number.self, capacity: 16) { tensor(codec, kept: $0) }
    }

    /// A number of `data` as the fill takes it: the double, and the integer when it is one.
    private typealias Number = (double: Double, integer: Int64)

    private mutating func tensor(_ codec: TensorCodec, kept: UnsafeMutableBufferPointer<Number>) -> Tensor? {
        var shape: [Int]?
        var dtype: DType?
        var data: (start: Int, count: Int, allIntegers: Bool)?
        let ok = object { key, r in
            switch key {
            case "shape":
                shape = r.shape()
                return shape != nil
            case "dtype":
                dtype = r.string().flatMap(DType.init(name:))
                return dtype != nil
            case "data":
                r.r.skipWhitespace()
                let start = r.r.i
                var allIntegers = true
                var k = 0
                guard let count = r.numbers({ n in
                    if n.integer == nil { allIntegers = false }
                    if k < kept.count { kept[k] = (n.double, n.integer ?? 0) }
                    k += 1
                    return true
                }) else { return false }
                data = (start, count, allIntegers)
                return true
            default:
                return false
            }
        }
        guard ok, let data else { return nil }
        let dims = shape ?? [data.count]
        // The codec's checks on flat data: within the element limit, and filling the declared shape.
        guard data.count <= codec.maxElements, (try? codec.elementCount(dims, at: "")) == data.count else { return nil }
        let end = r.i
        defer { r.i = end }
        switch dtype ?? .float32 {
        case .float32: return fill(dims, from: data.start, kept: kept) { Float($0.double) }
        case .float64: return fill(dims, from: data.start, kept: kept) { $0.double }
        case .int64:
            guard data.allIntegers else { return nil }
            return fill(dims, from: data.start, kept: kept) { $0.integer }
        case .bool: return nil
        }
    }

    /// The tensor of `shape` whose elements are the numbers of the array at `start`, already checked: those
    /// `kept` when they all are, else read again.
    private mutating func fill<T: Element>(_ shape: [Int], from start: Int, kept: UnsafeMutableBufferPointer<Number>,
                                           _ element: (Number) -> T) -> Tensor {
        Tensor.make(shape, T.self) { out in
            if out.count <= kept.count {
                for k in 0..<out.count { out[k] = element(kept[k]) }
                return
            }
            r.i = start
            var k = 0
            _ = numbers { n in
                out[k] = element((n.double, n.integer ?? 0))
                k += 1
                return true
            }
        }
    }

    /// A shape: non-negative integers, at most ``TensorCodec/maxDims``; `[]` is a 0-d tensor's.
    private mutating func shape() -> [Int]? {
        r.skipWhitespace()
        if r.i + 1 < r.end, r.p[r.i] == UInt8(ascii: "["), r.p[r.i + 1] == UInt8(ascii: "]") {
            guard depth < r.maxDepth else { return nil }
            r.i += 2
            return []
        }
        var dims: [Int] = []
        let count = numbers { n in
            guard let d = n.integer, d >= 0, dims.count < TensorCodec.maxDims else { return false }
            dims.append(Int(d))
            return true
        }
        return count == nil ? nil : dims
    }
}

extension DirectJSONReader {
    /// An object's key as it stands in the body (UTF-8 checked, no escape), valid while the body is read.
    /// A handler matches it against the names it takes (`case "inputs":`) or asks for its `string`.
    public struct Key {
        let bytes: UnsafeBufferPointer<UInt8>
        let isASCII: Bool

        public var string: String { String(decoding: bytes, as: UTF8.self) }

        /// Whether `key` is `name`, as the parser's `String` comparison decides it (canonical equivalence:
        /// a key or name other than ASCII compares as a `String`).
        public static func ~= (name: StaticString, key: Key) -> Bool {
            guard key.isASCII, name.hasPointerRepresentation, name.isASCII else { return key.string == name.description }
            return name.utf8CodeUnitCount == key.bytes.count
                && key.bytes.elementsEqual(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        }

        public static func == (key: Key, name: StaticString) -> Bool { name ~= key }

        /// Whether two keys are the same `String`: ASCII ones byte for byte.
        static func same(_ a: Key, _ b: Key) -> Bool {
            guard a.isASCII && b.isASCII else { return a.string == b.string }
            return a.bytes.count == b.bytes.count && a.bytes.elementsEqual(b.bytes)
        }
    }
}

/// The keys of one object read so far, for the duplicate check. A request's objects have a few keys each
/// (a tensor's `shape`, `dtype`, `data`): the first four are kept inline, so such an object allocates
/// nothing here (an array of keys was five of a small add's 33 allocations, issue 19).
private struct SeenKeys {
    typealias Key = DirectJSONReader.Key
    private var first: (Key?, Key?, Key?, Key?) = (nil, nil, nil, nil)
    private var count = 0
    private var more: [Key] = []

    /// Adds `key`; false if it was already there.
    mutating func insert(_ key: Key) -> Bool {
        func seen(_ k: Key?) -> Bool { k.map { Key.same($0, key) } ?? false }
        if seen(first.0) || seen(first.1) || seen(first.2) || seen(first.3)
            || more.contains(where: { Key.same($0, key) }) { return false }
        switch count {
        case 0: first.0 = key
        case 1: first.1 = key
        case 2: first.2 = key
        case 3: first.3 = key
        default: more.append(key)
        }
        count += 1
        return true
    }
}
