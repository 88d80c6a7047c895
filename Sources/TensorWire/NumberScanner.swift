#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One JSON number literal read from bytes (RFC 8259 §6), converted to the nearest double.
struct ScannedNumber {
    var double: Double
    var integer: Int64?
    var isInteger: Bool
    /// Index just past the literal.
    var end: Int
}

/// Why a literal is not a JSON number.
enum NumberSyntax: Error {
    case leadingZero, missingDigits, missingFractionDigits, missingExponentDigits
    var message: String {
        switch self {
        case .leadingZero: "numbers may not have leading zeros"
        case .missingDigits: "expected a digit"
        case .missingFractionDigits: "expected a digit after the decimal point"
        case .missingExponentDigits: "expected a digit in the exponent"
        }
    }
}

/// Reads JSON number literals straight from bytes.
///
/// The literal is read as an integer mantissa of up to 19 significant digits and a
/// power of ten. When the mantissa is at most 2^53 and the power at most 22 in magnitude,
/// both are exact doubles and one IEEE multiply or divide gives the correctly rounded
/// result (Clinger, "How to read floating point numbers accurately", 1990). Everything
/// else goes to the C library's correctly rounded `strtod`, so every literal converts
/// exactly as a correct parser would: float printing followed by parsing round-trips.
enum NumberScanner {
    /// Exact powers of ten representable in a double (10^22 < 2^53 · 2^22).
    static let exactPowers: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }

    /// Scans the literal starting at `start` (a `-` or a digit). Stops at the first byte that
    /// cannot continue a number; the caller checks what follows.
    @inline(__always)
    static func scan(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) throws(NumberSyntax) -> ScannedNumber {
        var i = start
        let negative = p[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        guard i < end, isDigit(p[i]) else { throw .missingDigits }
        var mantissa: UInt64 = 0
        var digits = 0  // significant digits held in `mantissa`
        var exp10 = 0
        var truncated = false
        var isInteger = true
        if p[i] == UInt8(ascii: "0") {
            i += 1
            if i < end, isDigit(p[i]) { throw .leadingZero }
        } else {
            while i < end, isDigit(p[i]) {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(p[i] &- 0x30)
                    digits += 1
                } else {
                    exp10 += 1
                    truncated = true
                }
                i += 1
            }
        }
        if i < end, p[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            guard i < end, isDigit(p[i]) else { throw .missingFractionDigits }
            // Most fractions of float data are 4–9 digits: take them eight or four at a time.
            if i + 8 <= end, digits <= 11 {
                let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                if allDigits8(w) {
                    let v = parse8(w)
                    digits = mantissa == 0 ? (v == 0 ? 0 : digitCount8(v)) : digits + 8
                    mantissa = mantissa &* 100_000_000 &+ v
                    exp10 -= 8
                    i += 8
                }
            }
            if i + 4 <= end, digits <= 15 {
                let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt32.self)
                if allDigits4(w) {
                    let v = parse4(w)
                    digits = mantissa == 0 ? (v == 0 ? 0 : digitCount8(v)) : digits + 4
                    mantissa = mantissa &* 10_000 &+ v
                    exp10 -= 4
                    i += 4
                }
            }
            while i < end, isDigit(p[i]) {
                let d = p[i] &- 0x30
                if digits < 19 {
                    if mantissa != 0 || d != 0 {
                        mantissa = mantissa &* 10 &+ UInt64(d)
                        digits += 1
                    }
                    exp10 -= 1
                } else if d != 0 {
                    truncated = true
                }
                i += 1
            }
        }
        if i < end, p[i] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            i += 1
            var expNegative = false
            if i < end, p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
                expNegative = p[i] == UInt8(ascii: "-")
                i += 1
            }
            guard i < end, isDigit(p[i]) else { throw .missingExponentDigits }
            var e = 0
            while i < end, isDigit(p[i]) {
                if e < 100_000_000 { e = e * 10 + Int(p[i] &- 0x30) }
                i += 1
            }
            exp10 += expNegative ? -e : e
        }

        var integer: Int64?
        if isInteger && !truncated {
            if mantissa <= UInt64(Int64.max) {
                integer = negative ? -Int64(mantissa) : Int64(mantissa)
            } else if negative && mantissa == UInt64(Int64.max) + 1 {
                integer = .min
            }
        }
        var value: Double
        if mantissa == 0 && !truncated {
            value = 0
        } else if !truncated && exp10 == 0 {
            value = Double(mantissa)  // integer conversion rounds to nearest even
        } else if !truncated && mantissa <= 1 << 53 && exp10 >= -22 && exp10 <= 22 {
            value = Double(mantissa)
            value = exp10 < 0 ? value / exactPowers[-exp10] : value * exactPowers[exp10]
        } else {
            return ScannedNumber(double: slowParse(p + start, i - start), integer: integer, isInteger: isInteger, end: i)
        }
        return ScannedNumber(double: negative ? -value : value, integer: integer, isInteger: isInteger, end: i)
    }

    // SWAR digit runs (little-endian: the first character is the lowest byte), after
    // Lemire, "Fast numerical parsing", and simdjson's parse_eight_digits_unrolled.

    @inline(__always) static func allDigits8(_ w: UInt64) -> Bool {
        (w & 0xF0F0_F0F0_F0F0_F0F0) | (((w &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) >> 4) == 0x3333_3333_3333_3333
    }

    @inline(__always) static func allDigits4(_ w: UInt32) -> Bool {
        (w & 0xF0F0_F0F0) | (((w &+ 0x0606_0606) & 0xF0F0_F0F0) >> 4) == 0x3333_3333
    }

    /// The value of eight ASCII digits.
    @inline(__always) static func parse8(_ w: UInt64) -> UInt64 {
        var v = w &- 0x3030_3030_3030_3030
        v = v &* 10 &+ (v >> 8)  // each even byte: a two-digit value
        let lo = (v & 0x0000_00FF_0000_00FF) &* (100 &+ (1_000_000 << 32))
        let hi = ((v >> 16) & 0x0000_00FF_0000_00FF) &* (1 &+ (10_000 << 32))
        return (lo &+ hi) >> 32
    }

    /// The value of four ASCII digits.
    @inline(__always) static func parse4(_ w: UInt32) -> UInt64 {
        var v = w &- 0x3030_3030
        v = (v &* 10 &+ (v >> 8)) & 0x00FF_00FF
        return UInt64((v &* 100 &+ (v >> 16)) & 0xFFFF)
    }

    /// Decimal digits of 0 < v < 10^8.
    @inline(__always) static func digitCount8(_ v: UInt64) -> Int {
        v < 10_000 ? (v < 100 ? (v < 10 ? 1 : 2) : (v < 1000 ? 3 : 4))
            : (v < 1_000_000 ? (v < 100_000 ? 5 : 6) : (v < 10_000_000 ? 7 : 8))
    }

    /// `strtod` on a NUL-terminated copy of the literal. (The process stays in the "C"
    /// locale, whose decimal point is '.': nothing in the server calls `setlocale`.)
    static func slowParse(_ p: UnsafePointer<UInt8>, _ count: Int) -> Double {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { buf in
            UnsafeMutableRawPointer(buf.baseAddress!).copyMemory(from: p, byteCount: count)
            buf[count] = 0
            return strtod(buf.baseAddress!, nil)
        }
    }
}
