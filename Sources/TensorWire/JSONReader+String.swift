/// JSON strings (RFC 8259 §7): escapes, UTF-8 validation (RFC 3629 §4), no raw control characters.
extension JSONReader {
    /// The string whose opening quote is at `i`; leaves `i` past the closing quote.
    mutating func string() throws(WireError) -> String {
        i += 1
        let start = i
        // Fast scan: runs of plain ASCII need no copying or decoding, eight bytes at a time.
        while true {
            skipPlainRun()
            guard i < end else { throw error("unexpected end of input in a string") }
            let c = p[i]
            if c == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(start: p + start, count: i - start), as: UTF8.self)
                i += 1
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw error("control character \(describe(c)) in a string: escape it") }
            if c >= 0x80 { try skipUTF8Sequence() } else { i += 1 }
        }
        // Slow path: the string has escapes; decode into a scratch buffer.
        var out = [UInt8](UnsafeBufferPointer(start: p + start, count: i - start))
        while true {
            guard i < end else { throw error("unexpected end of input in a string") }
            let c = p[i]
            switch c {
            case UInt8(ascii: "\""):
                i += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try escape(into: &out)
            case 0..<0x20:
                throw error("control character \(describe(c)) in a string: escape it")
            case 0x80...:
                let s = i
                try skipUTF8Sequence()
                out.append(contentsOf: UnsafeBufferPointer(start: p + s, count: i - s))
            default:
                out.append(c)
                i += 1
            }
        }
    }

    /// Moves `i` over plain ASCII in a string, eight bytes at a time, to the first byte that needs a look (a
    /// quote, a backslash, a control or non-ASCII byte) or to within eight bytes of the end.
    @inline(__always)
    private mutating func skipPlainRun() {
        while i + 8 <= end {
            let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            let attention = Self.attention(w)
            if attention != 0 {
                // Straight to the first byte that needs it: a short string ends inside its first eight
                // bytes, which were loaded and tested again for each byte before the quote (issue 19).
                i += attention.trailingZeroBitCount >> 3
                return
            }
            i += 8
        }
    }

    /// The bytes of the string whose opening quote is at `i`, as `string()` reads them, when it has no escape
    /// (nothing to decode: no `String` is made), and whether they are all ASCII; leaves `i` past the closing
    /// quote. Nil for a string with an escape, and for one `string()` refuses.
    mutating func unescapedBytes() -> (bytes: UnsafeBufferPointer<UInt8>, isASCII: Bool)? {
        i += 1
        let start = i
        var isASCII = true
        while true {
            skipPlainRun()
            guard i < end else { return nil }
            let c = p[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                return (UnsafeBufferPointer(start: p + start, count: i - 1 - start), isASCII)
            }
            if c == UInt8(ascii: "\\") || c < 0x20 { return nil }
            if c >= 0x80 {
                isASCII = false
                guard (try? skipUTF8Sequence()) != nil else { return nil }
            } else {
                i += 1
            }
        }
    }

    /// Nonzero when any byte of `w` is `"`, `\`, a control character or non-ASCII; its lowest set bit is the
    /// high bit of the first such byte (little-endian: the first in memory). A borrow may mark bytes after it,
    /// never one before.
    @inline(__always)
    static func attention(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        func hasZeroByte(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }
        let quote = hasZeroByte(w ^ (ones &* 0x22))
        let backslash = hasZeroByte(w ^ (ones &* 0x5C))
        let control = (w &- ones &* 0x20) & ~w & highs
        return quote | backslash | control | (w & highs)
    }

    /// One escape sequence at `i` (RFC 8259 §7), appended as UTF-8.
    private mutating func escape(into out: inout [UInt8]) throws(WireError) {
        i += 1
        guard i < end else { throw error("unexpected end of input in an escape") }
        let c = p[i]
        i += 1
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(c)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if scalar >= 0xD800 && scalar < 0xDC00 {
                // A high surrogate must be followed by an escaped low surrogate (§7).
                guard i + 1 < end, p[i] == UInt8(ascii: "\\"), p[i + 1] == UInt8(ascii: "u") else {
                    throw error("unpaired surrogate \\u\(String(scalar, radix: 16, uppercase: true)) in a string")
                }
                i += 2
                let low = try hex4()
                guard low >= 0xDC00 && low < 0xE000 else {
                    throw error("unpaired surrogate \\u\(String(scalar, radix: 16, uppercase: true)) in a string")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if scalar >= 0xDC00 && scalar < 0xE000 {
                throw error("unpaired surrogate \\u\(String(scalar, radix: 16, uppercase: true)) in a string")
            }
            guard let u = Unicode.Scalar(scalar) else { throw error("invalid escape") }
            out.append(contentsOf: UTF8.encode(u)!)
        default:
            i -= 1
            throw error("invalid escape '\\\(Character(Unicode.Scalar(c)))' in a string")
        }
    }

    private mutating func hex4() throws(WireError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard i < end else { throw error("unexpected end of input in a \\u escape") }
            let c = p[i]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: throw error("expected a hex digit in a \\u escape, got \(describe(c))")
            }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }

    /// Checks the multi-byte UTF-8 sequence at `i` (well-formed per RFC 3629 §4: no
    /// overlong forms, no surrogates, nothing above U+10FFFF) and moves past it.
    private mutating func skipUTF8Sequence() throws(WireError) {
        let c0 = p[i]
        let n: Int
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
        switch c0 {
        case 0xC2...0xDF: n = 2
        case 0xE0: n = 3; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: n = 3
        case 0xED: n = 3; hi = 0x9F
        case 0xF0: n = 4; lo = 0x90
        case 0xF1...0xF3: n = 4
        case 0xF4: n = 4; hi = 0x8F
        default: throw error("invalid UTF-8 \(describe(c0))")
        }
        guard i + n <= end else { throw error("truncated UTF-8 sequence") }
        guard p[i + 1] >= lo && p[i + 1] <= hi else { i += 1; throw error("invalid UTF-8 \(describe(p[i]))") }
        for k in 2..<max(n, 2) where p[i + k] & 0xC0 != 0x80 {
            i += k
            throw error("invalid UTF-8 \(describe(p[i]))")
        }
        i += n
    }
}
