/// Writes numbers as JSON text into raw bytes, without building a `String` per number.
///
/// Floats are written as their shortest round-trip decimal (``ShortestDecimal``): plain
/// notation for decimal exponents −4…15 (`0.0001`, `123.25`, `1e16` beyond), as Python's
/// `repr` chooses, with a minimal exponent (`1e-5`, `3.4028235e38`).
enum NumberFormatter {
    /// Bytes a caller must have room for before writing one number.
    static let maxLength = 32

    /// Writes a finite float; `floatSpelling` appends `.0` to integral values so the text
    /// reads back as a float, not an integer (`7.0` vs `7`, api.md).
    @inline(__always)
    static func write(_ v: Float, to p: UnsafeMutablePointer<UInt8>, floatSpelling: Bool) -> Int {
        var n = 0
        if v.sign == .minus { p[0] = UInt8(ascii: "-"); n = 1 }
        if v == 0 { return n + writeZero(p + n, floatSpelling) }
        let (f, e) = ShortestDecimal.decompose(v.magnitude)
        return n + writeDecimal(f, e, to: p + n, floatSpelling: floatSpelling)
    }

    @inline(__always)
    static func write(_ v: Double, to p: UnsafeMutablePointer<UInt8>, floatSpelling: Bool) -> Int {
        var n = 0
        if v.sign == .minus { p[0] = UInt8(ascii: "-"); n = 1 }
        if v == 0 { return n + writeZero(p + n, floatSpelling) }
        let (f, e) = ShortestDecimal.decompose(v.magnitude)
        return n + writeDecimal(f, e, to: p + n, floatSpelling: floatSpelling)
    }

    private static func writeZero(_ p: UnsafeMutablePointer<UInt8>, _ floatSpelling: Bool) -> Int {
        p[0] = UInt8(ascii: "0")
        guard floatSpelling else { return 1 }
        p[1] = UInt8(ascii: ".")
        p[2] = UInt8(ascii: "0")
        return 3
    }

    /// Writes `f·10^e` (f > 0).
    @inline(__always)
    static func writeDecimal(_ f: UInt64, _ e: Int, to p: UnsafeMutablePointer<UInt8>, floatSpelling: Bool) -> Int {
        var f = f, e = e
        while f % 10 == 0 { f /= 10; e += 1 }
        let len = digitCount(f)
        let point = len + e  // digits before the decimal point in plain notation
        if point > 16 || point < -3 {
            // Scientific: d.ddde±x
            writeDigits(f, count: len, to: p + 1)
            p[0] = p[1]
            var n = 1
            if len > 1 { p[1] = UInt8(ascii: "."); n = len + 1 }
            p[n] = UInt8(ascii: "e")
            n += 1
            var x = point - 1
            if x < 0 { p[n] = UInt8(ascii: "-"); n += 1; x = -x }
            let xl = digitCount(UInt64(x))
            writeDigits(UInt64(x), count: xl, to: p + n)
            return n + xl
        }
        if point <= 0 {
            // 0.000ddd
            p[0] = UInt8(ascii: "0")
            p[1] = UInt8(ascii: ".")
            var n = 2
            for _ in 0 ..< -point { p[n] = UInt8(ascii: "0"); n += 1 }
            writeDigits(f, count: len, to: p + n)
            return n + len
        }
        if point >= len {
            // An integer: digits then zeros.
            writeDigits(f, count: len, to: p)
            var n = len
            for _ in 0 ..< point - len { p[n] = UInt8(ascii: "0"); n += 1 }
            if floatSpelling {
                p[n] = UInt8(ascii: ".")
                p[n + 1] = UInt8(ascii: "0")
                n += 2
            }
            return n
        }
        // ddd.ddd: write the digits one place right, then move the integer part left over the gap.
        writeDigits(f, count: len, to: p + 1)
        for k in 0..<point { p[k] = p[k + 1] }
        p[point] = UInt8(ascii: ".")
        return len + 1
    }

    /// Writes a signed integer; returns the byte count (at most 20).
    @inline(__always)
    static func write(_ v: Int64, to p: UnsafeMutablePointer<UInt8>) -> Int {
        guard v < 0 else { return write(UInt64(v), to: p) }
        p[0] = UInt8(ascii: "-")
        return write(v.magnitude, to: p + 1) + 1
    }

    /// Writes an unsigned integer; returns the byte count (at most 20).
    @inline(__always)
    static func write(_ v: UInt64, to p: UnsafeMutablePointer<UInt8>) -> Int {
        let len = digitCount(v)
        writeDigits(v, count: len, to: p)
        return len
    }

    @inline(__always)
    static func digitCount(_ v: UInt64) -> Int {
        // floor(log10(2^bits)) + 1 is the count or one too many.
        let bits = 64 - v.leadingZeroBitCount
        let guess = ShortestDecimal.flog10pow2(bits)
        return guess + (guess < 20 && v >= powersOfTen[guess] ? 1 : 0) + (v == 0 ? 1 : 0)
    }

    static let powersOfTen: [UInt64] = [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000,
        10_000_000_000, 100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000,
        1_000_000_000_000_000, 10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000,
        10_000_000_000_000_000_000,
    ]

    /// Writes exactly `count` digits of `v`, right to left, two at a time.
    @inline(__always)
    static func writeDigits(_ v: UInt64, count: Int, to p: UnsafeMutablePointer<UInt8>) {
        var v = v
        var k = count
        while k >= 2 {
            let q = v / 100
            let r = Int(v &- q &* 100)
            let tens = (r &* 103) >> 10  // r / 10 for r < 100
            p[k - 2] = UInt8(truncatingIfNeeded: tens) &+ 0x30
            p[k - 1] = UInt8(truncatingIfNeeded: r &- tens &* 10) &+ 0x30
            v = q
            k -= 2
        }
        if k == 1 { p[0] = UInt8(truncatingIfNeeded: v) &+ 0x30 }
    }
}
