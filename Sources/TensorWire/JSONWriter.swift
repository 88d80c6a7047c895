/// Builds JSON text in a growable byte buffer.
///
/// Commas are placed automatically: call `key` before each member value, and the
/// value and container methods in document order.
///
/// ```swift
/// var w = JSONWriter()
/// w.beginObject()
/// w.key("shape"); w.beginArray(); w.int(3); w.endArray()
/// w.key("data"); w.floats([1.5, .nan, 2])      // [1.5,"NaN",2]
/// w.endObject()
/// let body: [UInt8] = w.finish()
/// ```
public struct JSONWriter: Sendable {
    /// The buffer; bytes past `count` are scratch space.
    private var buffer: [UInt8]
    public private(set) var count = 0
    private var needsComma = false

    public init(capacity: Int = 1024) {
        // Allocated by reserveCapacity, which is specialized here, and zeroed by a copy: `[UInt8](repeating:count:)`
        // asked the runtime for the array's storage type each time (getContiguousArrayStorageType, half of the
        // init's 580 instructions in callgrind; issue 19).
        let count = max(capacity, 64)
        buffer = []
        buffer.reserveCapacity(count)
        if count <= Self.zeros.count {
            buffer.append(contentsOf: Self.zeros[..<count])
        } else {
            buffer.append(contentsOf: repeatElement(0, count: count))
        }
    }

    private static let zeros = [UInt8](repeating: 0, count: 4096)

    /// The JSON text written so far.
    public func finish() -> [UInt8] { Array(buffer[0..<count]) }

    /// The JSON text written so far, taking the writer's buffer without a copy; the writer is empty after.
    /// (Mutating, not consuming: a consuming call on a `var` writer left the caller's copy sharing the
    /// buffer, so trimming it copied every answer, issue 19.)
    public mutating func take() -> [UInt8] {
        var out: [UInt8] = []
        swap(&out, &buffer)
        out.removeLast(out.count - count)
        count = 0
        return out
    }

    /// Makes room for `extra` more bytes.
    @inline(__always)
    mutating func reserve(_ extra: Int) {
        if count + extra > buffer.count {
            buffer.append(contentsOf: repeatElement(0, count: max(buffer.count, count + extra - buffer.count)))
        }
    }

    /// Writes up to `maxBytes` through `body`, which returns how many it wrote.
    @inline(__always)
    mutating func write(maxBytes: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        reserve(maxBytes)
        let start = count
        count += buffer.withUnsafeMutableBufferPointer { body($0.baseAddress! + start) }
    }

    @inline(__always)
    private mutating func byte(_ c: UInt8) {
        reserve(1)
        buffer[count] = c
        count += 1
    }

    @inline(__always)
    private mutating func separate() {
        if needsComma { byte(UInt8(ascii: ",")) }
        needsComma = true
    }

    // MARK: Structure

    public mutating func beginObject() { separate(); byte(UInt8(ascii: "{")); needsComma = false }
    public mutating func endObject() { byte(UInt8(ascii: "}")); needsComma = true }
    public mutating func beginArray() { separate(); byte(UInt8(ascii: "[")); needsComma = false }
    public mutating func endArray() { byte(UInt8(ascii: "]")); needsComma = true }

    /// An object member's key; the next value written is its value.
    @_disfavoredOverload
    public mutating func key(_ k: String) {
        string(k)
        byte(UInt8(ascii: ":"))
        needsComma = false
    }

    /// A key spelled in the source (`w.key("shape")`), written from its bytes with no `String` in between: a
    /// small answer's keys were a twentieth of its handler (perf, issue 19).
    public mutating func key(_ k: StaticString) {
        separate()
        k.withUTF8Buffer { quoted($0) }
        byte(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Bytes that are already JSON text, written as one value.
    public mutating func rawValue(_ json: some Collection<UInt8>) {
        separate()
        reserve(json.count)
        buffer.withUnsafeMutableBufferPointer { b in
            _ = UnsafeMutableBufferPointer(rebasing: b[count...]).initialize(fromContentsOf: json)
        }
        count += json.count
    }

    // MARK: Scalars

    public mutating func null() { separate(); ascii("null") }
    public mutating func bool(_ b: Bool) { separate(); ascii(b ? "true" : "false") }

    public mutating func int(_ v: Int64) {
        separate()
        write(maxBytes: 20) { NumberFormatter.write(v, to: $0) }
    }

    public mutating func int(_ v: Int) { int(Int64(v)) }

    public mutating func int(_ v: UInt64) {
        separate()
        write(maxBytes: 20) { NumberFormatter.write(v, to: $0) }
    }

    /// A float, spelled as a float (`2.0`, not `2`); NaN and ±∞ as the strings api.md names.
    public mutating func float(_ v: Double) {
        separate()
        write(maxBytes: NumberFormatter.maxLength) { Self.writeElement(v, to: $0, floatSpelling: true) }
    }

    /// A string, escaped as RFC 8259 §7 requires (`"`, `\` and control characters).
    public mutating func string(_ s: String) {
        separate()
        if s.utf8.withContiguousStorageIfAvailable({ quoted($0) }) == nil {
            var s = s
            s.withUTF8 { quoted($0) }
        }
    }

    /// `utf8` in quotes, escaped.
    private mutating func quoted(_ utf8: UnsafeBufferPointer<UInt8>) {
        // Most strings (keys, names, dtypes) have nothing to escape: copied whole.
        if let start = utf8.baseAddress, !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            write(maxBytes: utf8.count + 2) { p in
                p[0] = UInt8(ascii: "\"")
                (p + 1).update(from: start, count: utf8.count)
                p[utf8.count + 1] = UInt8(ascii: "\"")
                return utf8.count + 2
            }
            return
        }
        // Worst case every byte becomes \u00XX.
        write(maxBytes: utf8.count * 6 + 2) { p in
            var n = 0
            p[n] = UInt8(ascii: "\""); n += 1
            for c in utf8 {
                switch c {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    p[n] = UInt8(ascii: "\\"); p[n + 1] = c; n += 2
                case 0x0A: p[n] = UInt8(ascii: "\\"); p[n + 1] = UInt8(ascii: "n"); n += 2
                case 0x0D: p[n] = UInt8(ascii: "\\"); p[n + 1] = UInt8(ascii: "r"); n += 2
                case 0x09: p[n] = UInt8(ascii: "\\"); p[n + 1] = UInt8(ascii: "t"); n += 2
                case 0..<0x20:
                    let hex: StaticString = "0123456789abcdef"
                    p[n] = UInt8(ascii: "\\"); p[n + 1] = UInt8(ascii: "u"); p[n + 2] = 0x30; p[n + 3] = 0x30
                    p[n + 4] = hex.utf8Start[Int(c >> 4)]; p[n + 5] = hex.utf8Start[Int(c & 15)]
                    n += 6
                default:
                    p[n] = c; n += 1
                }
            }
            p[n] = UInt8(ascii: "\""); n += 1
            return n
        }
    }

    /// Any parsed value, keeping number spellings (integers as integers, floats as floats).
    public mutating func value(_ v: JSONValue) {
        switch v {
        case .null: null()
        case .bool(let b): bool(b)
        case .number(let n):
            if let i = n.integer { int(i) } else { float(n.double) }
        case .string(let s): string(s)
        case .array(let a):
            beginArray()
            for e in a { value(e) }
            endArray()
        case .numbers(let a):
            beginArray()
            for k in 0..<a.count { value(a.element(k)) }
            endArray()
        case .object(let o):
            beginObject()
            for (k, e) in zip(o.keys, o.values) {
                key(k)
                value(e)
            }
            endObject()
        }
    }

    private mutating func ascii(_ s: StaticString) {
        write(maxBytes: s.utf8CodeUnitCount) { p in
            p.update(from: s.utf8Start, count: s.utf8CodeUnitCount)
            return s.utf8CodeUnitCount
        }
    }

    /// A JSON string holding `bytes` in base64 (RFC 4648 §4).
    public mutating func base64(_ bytes: UnsafeRawBufferPointer) {
        separate()
        let n = Base64.encodedLength(bytes.count)
        write(maxBytes: n + 2) { p in
            p[0] = UInt8(ascii: "\"")
            Base64.encode(bytes, to: p + 1)
            p[n + 1] = UInt8(ascii: "\"")
            return n + 2
        }
    }

    // MARK: Number arrays

    /// Writes `[e0,e1,…]` with `writeOne` formatting each element into at most `maxBytes`,
    /// reserving room a block at a time so the loop runs on a raw pointer.
    @inline(__always)
    mutating func array<T>(_ values: UnsafeBufferPointer<T>, maxBytes: Int, _ writeOne: (T, UnsafeMutablePointer<UInt8>) -> Int) {
        separate()
        byte(UInt8(ascii: "["))
        let block = 4096
        var start = 0
        while start < values.count {
            let stop = min(start + block, values.count)
            write(maxBytes: (stop - start) * (maxBytes + 1)) { p in
                var n = 0
                for k in start..<stop {
                    if k > 0 { p[n] = UInt8(ascii: ","); n += 1 }
                    n += writeOne(values[k], p + n)
                }
                return n
            }
            start = stop
        }
        byte(UInt8(ascii: "]"))
    }

    /// A JSON array of floats: shortest round-trip decimals, integral values without `.0`
    /// (the tensor's dtype says they are floats), NaN and ±∞ as strings.
    public mutating func floats(_ values: UnsafeBufferPointer<Float>) {
        array(values, maxBytes: NumberFormatter.maxLength) { v, p in
            v.isFinite ? NumberFormatter.write(v, to: p, floatSpelling: false) : Self.writeNonFinite(Double(v), to: p)
        }
    }

    public mutating func floats(_ values: UnsafeBufferPointer<Double>) {
        array(values, maxBytes: NumberFormatter.maxLength) { v, p in Self.writeElement(v, to: p, floatSpelling: false) }
    }

    public mutating func ints(_ values: UnsafeBufferPointer<Int64>) {
        array(values, maxBytes: 20) { v, p in NumberFormatter.write(v, to: p) }
    }

    public mutating func bools(_ values: UnsafeBufferPointer<Bool>) {
        array(values, maxBytes: 5) { v, p in
            let s: StaticString = v ? "true" : "false"
            p.update(from: s.utf8Start, count: s.utf8CodeUnitCount)
            return s.utf8CodeUnitCount
        }
    }

    public mutating func floats(_ values: [Float]) { values.withUnsafeBufferPointer { floats($0) } }

    @inline(__always)
    static func writeElement(_ v: Double, to p: UnsafeMutablePointer<UInt8>, floatSpelling: Bool) -> Int {
        v.isFinite ? NumberFormatter.write(v, to: p, floatSpelling: floatSpelling) : writeNonFinite(v, to: p)
    }

    static func writeNonFinite(_ v: Double, to p: UnsafeMutablePointer<UInt8>) -> Int {
        let s: StaticString = v.isNaN ? "\"NaN\"" : v > 0 ? "\"Infinity\"" : "\"-Infinity\""
        p.update(from: s.utf8Start, count: s.utf8CodeUnitCount)
        return s.utf8CodeUnitCount
    }

    /// The wire name of a non-finite float (api.md).
    package static func nonFiniteName(_ v: Double) -> String { v.isNaN ? "NaN" : v > 0 ? "Infinity" : "-Infinity" }
}
