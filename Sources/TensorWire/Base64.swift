/// Standard base64 (RFC 4648 §4, `+/` alphabet, `=` padding), table-driven over raw bytes.
enum Base64 {
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Each character's 6 bits pre-shifted to its place in a 24-bit group; invalid characters
    /// set bit 24, so one OR over a group's four lookups detects any of them.
    private static let decodeTables: [UInt32] = {
        var t = [UInt32](repeating: 1 << 24, count: 4 * 256)
        for (v, c) in alphabet.enumerated() {
            for place in 0..<4 { t[place * 256 + Int(c)] = UInt32(v) << (18 - 6 * UInt32(place)) }
        }
        return t
    }()

    static func encodedLength(_ n: Int) -> Int { (n + 2) / 3 * 4 }

    /// Encodes `src` to `dst`, which has room for `encodedLength(src.count)` bytes.
    static func encode(_ s: UnsafeRawBufferPointer, to dst: UnsafeMutablePointer<UInt8>) {
        let n = s.count
        alphabet.withUnsafeBufferPointer { a in
            var i = 0, o = 0
            while i + 3 <= n {
                let x = UInt32(s[i]) << 16 | UInt32(s[i + 1]) << 8 | UInt32(s[i + 2])
                dst[o] = a[Int(x >> 18)]
                dst[o + 1] = a[Int(x >> 12 & 63)]
                dst[o + 2] = a[Int(x >> 6 & 63)]
                dst[o + 3] = a[Int(x & 63)]
                i += 3
                o += 4
            }
            if n - i == 1 {
                let x = UInt32(s[i]) << 16
                dst[o] = a[Int(x >> 18)]
                dst[o + 1] = a[Int(x >> 12 & 63)]
                dst[o + 2] = UInt8(ascii: "=")
                dst[o + 3] = UInt8(ascii: "=")
            } else if n - i == 2 {
                let x = UInt32(s[i]) << 16 | UInt32(s[i + 1]) << 8
                dst[o] = a[Int(x >> 18)]
                dst[o + 1] = a[Int(x >> 12 & 63)]
                dst[o + 2] = a[Int(x >> 6 & 63)]
                dst[o + 3] = UInt8(ascii: "=")
            }
        }
    }

    /// The decoded size of `text` (padded or not), or nil if no base64 text has that length.
    static func decodedLength(_ text: UnsafeBufferPointer<UInt8>) -> Int? {
        var n = text.count
        if n % 4 == 0 && n > 0 && text[n - 1] == UInt8(ascii: "=") {
            n -= text[n - 2] == UInt8(ascii: "=") ? 2 : 1
        }
        switch n % 4 {
        case 0: return n / 4 * 3
        case 2: return n / 4 * 3 + 1
        case 3: return n / 4 * 3 + 2
        default: return nil
        }
    }

    /// Decodes `text` into `dst` (room for `decodedLength(text)` bytes; raw stores, as the
    /// memory is a tensor's). Returns the index of the first invalid character, or nil on
    /// success. Unused bits of the last group must be 0 (RFC 4648 §3.5).
    static func decode(_ text: UnsafeBufferPointer<UInt8>, to dst: UnsafeMutableRawPointer) -> Int? {
        guard let length = decodedLength(text) else { return text.count }
        guard let s = text.baseAddress else { return nil }
        let full = length / 3
        return decodeTables.withUnsafeBufferPointer { t -> Int? in
            var o = 0, i = 0
            for _ in 0..<full {
                let x = t[Int(s[i])] | t[256 + Int(s[i + 1])] | t[512 + Int(s[i + 2])] | t[768 + Int(s[i + 3])]
                if x >= 1 << 24 { return firstInvalid(s, from: i) }
                dst.storeBytes(of: UInt8(truncatingIfNeeded: x >> 16), toByteOffset: o, as: UInt8.self)
                dst.storeBytes(of: UInt8(truncatingIfNeeded: x >> 8), toByteOffset: o + 1, as: UInt8.self)
                dst.storeBytes(of: UInt8(truncatingIfNeeded: x), toByteOffset: o + 2, as: UInt8.self)
                i += 4
                o += 3
            }
            let rest = length - full * 3
            if rest > 0 {
                var x = t[Int(s[i])] | t[256 + Int(s[i + 1])]
                if rest == 2 { x |= t[512 + Int(s[i + 2])] }
                if x >= 1 << 24 { return firstInvalid(s, from: i) }
                let unused: UInt32 = rest == 1 ? 0xFFFF : 0xFF
                if x & unused != 0 { return i + rest }
                dst.storeBytes(of: UInt8(truncatingIfNeeded: x >> 16), toByteOffset: o, as: UInt8.self)
                if rest == 2 { dst.storeBytes(of: UInt8(truncatingIfNeeded: x >> 8), toByteOffset: o + 1, as: UInt8.self) }
            }
            return nil
        }
    }

    private static func firstInvalid(_ s: UnsafePointer<UInt8>, from i: Int) -> Int {
        var k = i
        while alphabet.contains(s[k]) { k += 1 }
        return k
    }
}
