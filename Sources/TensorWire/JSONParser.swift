/// An RFC 8259 JSON parser over bytes.
///
/// Iterative (an explicit container stack, never recursion), so nesting is bounded by
/// `maxDepth` and a body nested 100,000 deep is a clean `invalid_json` error, not a stack
/// overflow. Strict: UTF-8 is validated, control characters in strings, lone surrogates in
/// `\u` escapes, leading zeros, duplicate keys and trailing bytes are errors. Arrays of
/// numbers are parsed straight into a ``NumberArray``.
///
/// ```swift
/// let body = try JSONParser().parse(bytes)          // [UInt8] or UnsafeBufferPointer
/// let shape = body["inputs"]?.arrayElements?[0]["shape"]
/// ```
public struct JSONParser: Sendable {
    /// Containers (arrays and objects) open at once; deeper documents are rejected.
    public var maxDepth: Int

    public init(maxDepth: Int = 512) {
        self.maxDepth = maxDepth
    }

    public func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(WireError) -> JSONValue {
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw WireError.syntax("empty body: expected a JSON value", pointer: "", location: .init(offset: 0, line: 1, column: 1))
        }
        var reader = JSONReader(p: base, end: bytes.count, maxDepth: maxDepth)
        return try reader.document()
    }

    public func parse(_ bytes: [UInt8]) throws(WireError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { buf in Result { () throws(WireError) in try parse(buf) } }.get()
    }

    public func parse(_ text: String) throws(WireError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}

/// One container being filled. Arrays use `values`; objects use `keys` and `values` and
/// remember the key whose value is being parsed.
private struct Frame {
    var isObject: Bool
    var keys: [String] = []
    var values: [JSONValue] = []
    var pendingKey = ""
}

/// The parser's state over one buffer.
struct JSONReader {
    let p: UnsafePointer<UInt8>
    let end: Int
    let maxDepth: Int
    var i = 0
    private var stack: [Frame] = []

    init(p: UnsafePointer<UInt8>, end: Int, maxDepth: Int) {
        self.p = p
        self.end = end
        self.maxDepth = maxDepth
    }

    private static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), colon = UInt8(ascii: ":")
    private static let openBracket = UInt8(ascii: "["), closeBracket = UInt8(ascii: "]")
    private static let openBrace = UInt8(ascii: "{"), closeBrace = UInt8(ascii: "}")

    mutating func document() throws(WireError) -> JSONValue {
        let v = try value()
        skipWhitespace()
        if i < end { throw error("unexpected \(describe(p[i])) after the JSON value") }
        return v
    }

    /// The value starting at `i`: a scalar, or a container parsed with the explicit stack.
    private mutating func value() throws(WireError) -> JSONValue {
        parse: while true {
            skipWhitespace()
            guard i < end else { throw error("unexpected end of input: expected a value") }
            var v: JSONValue
            switch p[i] {
            case Self.openBrace:
                i += 1
                skipWhitespace()
                if i < end, p[i] == Self.closeBrace {
                    i += 1
                    v = .object(JSONObject())
                } else {
                    try push(object: true)
                    stack[stack.count - 1].pendingKey = try key()
                    continue parse
                }
            case Self.openBracket:
                i += 1
                if stack.count >= maxDepth { throw depthError() }
                if let numbers = packedNumbers() {
                    v = .numbers(numbers)
                } else {
                    skipWhitespace()
                    if i < end, p[i] == Self.closeBracket {
                        i += 1
                        v = .array([])
                    } else {
                        try push(object: false)
                        continue parse
                    }
                }
            case Self.quote:
                v = .string(try string())
            case UInt8(ascii: "t"): try literal("true"); v = .bool(true)
            case UInt8(ascii: "f"): try literal("false"); v = .bool(false)
            case UInt8(ascii: "n"): try literal("null"); v = .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                v = try number()
            default:
                throw error("unexpected \(describe(p[i])): expected a value")
            }
            // Attach the value to the open container, closing every container it completes.
            while !stack.isEmpty {
                let top = stack.count - 1
                if stack[top].isObject {
                    stack[top].keys.append(stack[top].pendingKey)
                    stack[top].values.append(v)
                    skipWhitespace()
                    guard i < end else { throw error("unexpected end of input: expected ',' or '}'") }
                    if p[i] == Self.comma {
                        i += 1
                        stack[top].pendingKey = try key()
                        continue parse
                    }
                    guard p[i] == Self.closeBrace else { throw error("unexpected \(describe(p[i])): expected ',' or '}'") }
                    i += 1
                    let frame = stack.removeLast()
                    v = .object(JSONObject(keys: frame.keys, values: frame.values))
                } else {
                    stack[top].values.append(v)
                    skipWhitespace()
                    guard i < end else { throw error("unexpected end of input: expected ',' or ']'") }
                    if p[i] == Self.comma {
                        i += 1
                        continue parse
                    }
                    guard p[i] == Self.closeBracket else { throw error("unexpected \(describe(p[i])): expected ',' or ']'") }
                    i += 1
                    v = .array(stack.removeLast().values)
                }
            }
            return v
        }
    }

    private mutating func push(object: Bool) throws(WireError) {
        if stack.count >= maxDepth { throw depthError() }
        stack.append(Frame(isObject: object))
    }

    /// An object key, the `:` after it, checked against the keys already present.
    private mutating func key() throws(WireError) -> String {
        skipWhitespace()
        guard i < end else { throw error("unexpected end of input: expected a string key") }
        guard p[i] == Self.quote else { throw error("unexpected \(describe(p[i])): expected a string key") }
        let start = i
        let k = try string()
        let top = stack.count - 1
        if stack[top].keys.contains(k) {
            i = start
            throw error("duplicate key \"\(k)\"")
        }
        skipWhitespace()
        guard i < end, p[i] == Self.colon else {
            throw error(i < end ? "unexpected \(describe(p[i])): expected ':'" : "unexpected end of input: expected ':'")
        }
        i += 1
        return k
    }

    private mutating func literal(_ word: StaticString) throws(WireError) {
        let n = word.utf8CodeUnitCount
        let w = word.utf8Start
        for k in 0..<n where i + k >= end || p[i + k] != w[k] {
            i += k
            throw error(i < end ? "unexpected \(describe(p[i])) in literal '\(word)'" : "unexpected end of input in literal '\(word)'")
        }
        i += n
    }

    private mutating func number() throws(WireError) -> JSONValue {
        do {
            let n = try NumberScanner.scan(p, i, end)
            i = n.end
            return .number(JSONNumber(double: n.double, integer: n.integer, isInteger: n.isInteger))
        } catch {
            advancePastNumberPrefix()
            throw self.error("invalid number: \(error.message)")
        }
    }

    /// Moves `i` to the byte that made a number invalid, for the error's location.
    private mutating func advancePastNumberPrefix() {
        if i < end, p[i] == UInt8(ascii: "-") { i += 1 }
        if i < end, p[i] == UInt8(ascii: "0") { i += 1; return }
        while i < end, NumberScanner.isDigit(p[i]) { i += 1 }
        if i < end, p[i] == UInt8(ascii: ".") {
            i += 1
            while i < end, NumberScanner.isDigit(p[i]) { i += 1 }
        }
        if i < end, p[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < end, p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") { i += 1 }
        }
    }

    /// Tries to read the array whose `[` was just consumed as numbers only. On anything
    /// else (a nested value, another string, a syntax error) it restores `i` and returns
    /// nil, and the general path parses (or reports) the array.
    private mutating func packedNumbers() -> NumberArray? {
        let start = i
        skipWhitespace()
        // The hot loop of a large tensor: locals, so nothing is reloaded through `self`.
        let p = self.p, end = self.end
        var j = i
        @inline(__always) func startsNumber(_ j: Int) -> Bool { p[j] == UInt8(ascii: "-") || NumberScanner.isDigit(p[j]) }
        guard j < end, startsNumber(j) || p[j] == Self.quote else {
            i = start
            return nil
        }
        var doubles: [Double] = []
        var integers: [Int64] = []
        var allIntegers = true
        var firstNonInteger: Int?
        var nonFinite: [Int] = []
        while true {
            if p[j] == Self.quote {
                guard let (v, next) = nonFiniteString(at: j) else { i = start; return nil }
                nonFinite.append(doubles.count)
                if allIntegers { allIntegers = false; firstNonInteger = doubles.count }
                doubles.append(v)
                j = next
            } else {
                guard let n = try? NumberScanner.scan(p, j, end) else { i = start; return nil }
                if allIntegers {
                    if let int = n.integer {
                        integers.append(int)
                    } else {
                        allIntegers = false
                        firstNonInteger = doubles.count
                    }
                }
                doubles.append(n.double)
                j = n.end
            }
            if j < end, p[j] == Self.comma {
                j += 1
            } else {
                i = j
                skipWhitespace()
                j = i
                guard j < end else { i = start; return nil }
                if p[j] == Self.closeBracket { j += 1; break }
                guard p[j] == Self.comma else { i = start; return nil }
                j += 1
            }
            if j < end, p[j] == UInt8(ascii: " ") { j += 1 }
            if j < end, startsNumber(j) { continue }
            i = j
            skipWhitespace()
            j = i
            guard j < end, startsNumber(j) || p[j] == Self.quote else { i = start; return nil }
        }
        i = j
        return NumberArray(doubles: doubles, integers: allIntegers ? integers : nil,
                           firstNonInteger: firstNonInteger, nonFiniteStrings: nonFinite)
    }

    /// `"NaN"`, `"Infinity"` or `"-Infinity"` at `at`: the value and the index past it.
    private func nonFiniteString(at: Int) -> (Double, Int)? {
        func matches(_ word: StaticString) -> Bool {
            let n = word.utf8CodeUnitCount
            guard at + n + 1 < end, p[at + n + 1] == Self.quote else { return false }
            for k in 0..<n where p[at + 1 + k] != word.utf8Start[k] { return false }
            return true
        }
        if matches("NaN") { return (.nan, at + 5) }
        if matches("Infinity") { return (.infinity, at + 10) }
        if matches("-Infinity") { return (-.infinity, at + 11) }
        return nil
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while i < end {
            switch p[i] {
            case 0x20, 0x0A, 0x0D, 0x09: i += 1
            default: return
            }
        }
    }

    // MARK: Errors

    private func depthError() -> WireError {
        error("nesting deeper than \(maxDepth) arrays and objects")
    }

    /// An `invalid_json` error at `i`, with the pointer to the value being parsed.
    func error(_ message: String) -> WireError {
        var pointer = ""
        for frame in stack {
            pointer = frame.isObject ? JSONPointer.appending(pointer, frame.pendingKey) : JSONPointer.appending(pointer, frame.values.count)
        }
        var line = 1, lineStart = 0
        for k in 0..<min(i, end) where p[k] == 0x0A {
            line += 1
            lineStart = k + 1
        }
        return WireError.syntax(message, pointer: pointer, location: .init(offset: i, line: line, column: i - lineStart + 1))
    }

    func describe(_ c: UInt8) -> String {
        switch c {
        case 0x20...0x7E: "'\(Character(Unicode.Scalar(c)))'"
        default: "byte 0x\(String(c, radix: 16, uppercase: true))"
        }
    }
}
