import Testing
@testable import TensorWire

private func number(_ text: String) throws -> JSONNumber {
    guard case .number(let n) = try JSONParser().parse(text) else { throw WireError(.invalidJSON, status: 400, "not a number", pointer: "") }
    return n
}

private func text(_ v: Float, floatSpelling: Bool = false) -> String {
    var buf = [UInt8](repeating: 0, count: NumberFormatter.maxLength)
    let n = buf.withUnsafeMutableBufferPointer { NumberFormatter.write(v, to: $0.baseAddress!, floatSpelling: floatSpelling) }
    return String(decoding: buf[0..<n], as: UTF8.self)
}

private func text(_ v: Double, floatSpelling: Bool = false) -> String {
    var buf = [UInt8](repeating: 0, count: NumberFormatter.maxLength)
    let n = buf.withUnsafeMutableBufferPointer { NumberFormatter.write(v, to: $0.baseAddress!, floatSpelling: floatSpelling) }
    return String(decoding: buf[0..<n], as: UTF8.self)
}

/// The significant digits of a decimal literal ("-1.250e-3" → "125").
private func significantDigits(_ s: String) -> String {
    let mantissa = s.split(whereSeparator: { $0 == "e" || $0 == "E" }).first.map(String.init) ?? s
    var digits = mantissa.filter(\.isNumber).drop(while: { $0 == "0" })
    while digits.last == "0" { digits.removeLast() }
    return String(digits)
}

/// A small deterministic generator for test inputs (splitmix64).
private struct Bits {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct WireNumberTests {
    @Test func spellingIsKept() throws {
        #expect(try number("7") == JSONNumber(Int64(7)))
        #expect(try number("7.0") == JSONNumber(Double(7)))
        #expect(try number("7e0").isInteger == false)
        let negZero = try number("-0")
        #expect(negZero.integer == 0 && negZero.double.sign == .minus && negZero.isInteger)
        #expect(try number("9223372036854775807").integer == .max)
        #expect(try number("-9223372036854775808").integer == .min)
        let big = try number("9223372036854775808")
        #expect(big.integer == nil && big.isInteger && big.double == 9.223372036854775808e18)
        #expect(try number("123456789012345678901234567890").double == 1.2345678901234568e29)
    }

    @Test(arguments: [
        "0.1", "0.3", "1e23", "8.98846567431158e307", "1.7976931348623157e308", "1.7976931348623158e308", "1e309",
        "2.2250738585072011e-308", "2.2250738585072014e-308", "4.9e-324", "2.4703282292062327e-324", "2.4703282292062328e-324",
        "1e-400", "9007199254740993", "9007199254740993.0", "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124", "123456789012345678901234567890e-20", "0.000000000000000000000000001234",
        "3.4028235677973366e38", "1.1754943508222875e-38", "5e-324", "1e22", "1e-22", "9007199254740992e22", "0e99999", "1e99999999999",
        "0.00000000123456789", "0.000000000000", "0.0000000012345678912345", "1.00000000", "0.10000000000000000555",
        "0.00001234", "0.0000123456789012345678", "12345678.12345678", "9.99999999999999999999", "-0.30326307", "0.12345678901234567",
    ])
    func decimalConversionIsCorrectlyRounded(_ literal: String) throws {
        #expect(try number(literal).double.bitPattern == Double(literal)!.bitPattern, "\(literal)")
    }

    @Test func randomDecimalsConvertExactly() throws {
        var bits = Bits(state: 1)
        for _ in 0..<20_000 {
            let digits = Int(bits.next() % 24) + 1
            var s = String(bits.next() % 9 + 1)
            for _ in 1..<digits { s += String(bits.next() % 10) }
            let point = Int(bits.next() % UInt64(digits + 1))
            if max(point, 1) < digits { s.insert(".", at: s.index(s.startIndex, offsetBy: max(point, 1))) }
            let exp = Int(bits.next() % 80) - 40
            let literal = (bits.next() & 1 == 0 ? "-" : "") + s + "e\(exp)"
            #expect(try number(literal).double.bitPattern == Double(literal)!.bitPattern, "\(literal)")
        }
    }

    @Test(arguments: [
        (Float(1), "1"), (0.1, "0.1"), (-2.5, "-2.5"), (1e-4, "0.0001"), (1e-5, "1e-5"), (123456.78, "123456.78"),
        (1e16, "1e16"), (1e15, "1000000000000000"), (16777216, "16777216"), (.greatestFiniteMagnitude, "3.4028235e38"),
        (.leastNonzeroMagnitude, "1e-45"), (.leastNormalMagnitude, "1.1754944e-38"), (0, "0"), (-0.0, "-0"),
        (0.3, "0.3"), (1.0 / 3.0, "0.33333334"), (.leastNonzeroMagnitude * 3, "4e-45"),
    ] as [(Float, String)])
    func floatsPrintShortest(_ v: Float, _ expected: String) {
        #expect(text(v) == expected)
    }

    @Test(arguments: [
        (1.0, "1"), (0.1, "0.1"), (1.0 / 3.0, "0.3333333333333333"), (1e23, "1e23"), (.greatestFiniteMagnitude, "1.7976931348623157e308"),
        (.leastNonzeroMagnitude, "5e-324"), (.leastNormalMagnitude, "2.2250738585072014e-308"), (9007199254740994, "9007199254740994"),
        (-1.5e-7, "-1.5e-7"), (123.456, "123.456"), (.leastNonzeroMagnitude * 4, "2e-323"),
    ] as [(Double, String)])
    func doublesPrintShortest(_ v: Double, _ expected: String) {
        #expect(text(v) == expected)
    }

    @Test func floatSpellingKeepsAFraction() {
        #expect(text(Double(7), floatSpelling: true) == "7.0")
        #expect(text(Double(0), floatSpelling: true) == "0.0")
        #expect(text(-Double(0), floatSpelling: true) == "-0.0")
        #expect(text(Double(1e16), floatSpelling: true) == "1e16")
        #expect(text(Float(2.5), floatSpelling: true) == "2.5")
    }

    /// Printing then parsing gives back the identical bits, the text has as few digits as
    /// Swift's own shortest printer, and the C library reads it as the same value.
    @Test func randomFloat32BitPatternsRoundTripShortest() throws {
        var bits = Bits(state: 2)
        var specials: [Float] = [.leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude, 1, 0.1, 16777216, 16777218,
                                 Float(bitPattern: 0x007F_FFFF), Float(bitPattern: 0x0000_0007), Float(bitPattern: 0x0000_0008)]
        for k in -149...127 { specials.append(Float(sign: .plus, exponent: k, significand: 1)) }
        let randoms = (0..<100_000).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: bits.next())) }
        for v in specials + randoms where v.isFinite {
            let s = text(v)
            let back = Float(try number(s).double)
            #expect(back.bitPattern == v.bitPattern, "\(v.bitPattern): \(s)")
            #expect(Float(s)?.bitPattern == v.bitPattern, "\(s)")
            #expect(significantDigits(s) == significantDigits(v.description), "\(s) vs \(v.description)")
        }
    }

    @Test func randomFloat64BitPatternsRoundTripShortest() throws {
        var bits = Bits(state: 3)
        var specials: [Double] = [.leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude, 1, 0.1, 9007199254740994,
                                  Double(bitPattern: 0x000F_FFFF_FFFF_FFFF), Double(bitPattern: 2), Double(bitPattern: 3)]
        for k in -1074...1023 { specials.append(Double(sign: .plus, exponent: k, significand: 1)) }
        let randoms = (0..<100_000).map { _ in Double(bitPattern: bits.next()) }
        for v in specials + randoms where v.isFinite {
            let s = text(v)
            #expect(try number(s).double.bitPattern == v.bitPattern, "\(v.bitPattern): \(s)")
            #expect(significantDigits(s) == significantDigits(v.description), "\(s) vs \(v.description)")
        }
    }

    /// Subnormals with few significant bits are where a shortest printer most often slips.
    @Test func smallSubnormalsPrintShortest() throws {
        for t in 1..<3000 {
            for s in [text(Float(bitPattern: UInt32(t))), text(Double(bitPattern: UInt64(t)))] {
                let v = try number(s).double
                #expect(significantDigits(s) == significantDigits(s.contains("e-3") ? v.description : Float(v).description), "\(s)")
            }
            #expect(Float(try number(text(Float(bitPattern: UInt32(t)))).double).bitPattern == UInt32(t))
            #expect(try number(text(Double(bitPattern: UInt64(t)))).double.bitPattern == UInt64(t))
        }
    }

    @Test func integersPrintExactly() {
        for v: Int64 in [0, 1, -1, 9, 10, 99, 100, 12345, -98765, .max, .min, 1_000_000_000_000] {
            var buf = [UInt8](repeating: 0, count: 20)
            let n = buf.withUnsafeMutableBufferPointer { NumberFormatter.write(v, to: $0.baseAddress!) }
            #expect(String(decoding: buf[0..<n], as: UTF8.self) == String(v))
        }
    }
}
