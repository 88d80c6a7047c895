/// The shortest decimal that reads back as the same float, by Giulietti's Schubfach
/// algorithm ("The Schubfach way to render doubles", 2020; the algorithm behind Java's
/// `Double.toString` since JDK 19).
///
/// For a finite positive `v = c·2^q`, the rounding interval `Rv` holds every real that
/// rounds to `v`. Schubfach picks `k` so that `Rv` scaled by `10^-k` spans at least one and
/// at most ten integers, computes the scaled bounds with one 64- or 128-bit multiply by a
/// table entry `g ≈ 10^-k`, and takes the integer in range with the fewest digits
/// (closest to `v` on ties). Result: `v` ≈ `significand · 10^exponent`, with
/// `significand` at most 9 digits (Float) or 17 (Double), possibly with trailing zeros.
enum ShortestDecimal {
    // floor(log10(2^e)), floor(log10(3/4·2^e)), floor(log2(10^e)) for |e| within float range,
    // as fixed-point multiplications (paper, section 9.6).
    @inline(__always) static func flog10pow2(_ e: Int) -> Int { (e &* 661_971_961_083) >> 41 }
    @inline(__always) static func flog10threeQuartersPow2(_ e: Int) -> Int { (e &* 661_971_961_083 &- 274_743_187_321) >> 41 }
    @inline(__always) static func flog2pow10(_ e: Int) -> Int { (e &* 913_124_641_741) >> 38 }

    @inline(__always) static func mulHigh(_ a: UInt64, _ b: UInt64) -> UInt64 { a.multipliedFullWidth(by: b).high }

    /// `v` must be finite and > 0.
    @inline(__always)
    static func decompose(_ v: Float) -> (significand: UInt64, exponent: Int) {
        let bits = v.bitPattern
        let t = UInt64(bits & 0x7F_FFFF)
        let bq = Int(bits >> 23) & 0xFF
        let qMin = -149
        if bq != 0 {
            let mq = -qMin + 1 - bq
            let c = (1 << 23) | t
            if 0 < mq && mq < 24 {
                // An integer below 2^24 is its own shortest decimal.
                let f = c >> UInt64(mq)
                if f << UInt64(mq) == c { return (f, 0) }
            }
            return floatToDecimal(q: -mq, c: c, dk: 0)
        }
        // Subnormals; tiny ones are scaled by 10 so the interval still spans an integer (§8.2.1).
        if t < 8 { return shortenTiny(floatToDecimal(q: qMin, c: 10 * t, dk: -1)) { Float($0)?.bitPattern == bits } }
        return floatToDecimal(q: qMin, c: t, dk: 0)
    }

    /// Schubfach yields at least two digits for the few smallest subnormals (Java's
    /// `toString` wants them); one digit may already round-trip (`1e-45`, `5e-324`).
    /// Nine values in all, so checking a candidate by parsing it costs nothing that matters.
    private static func shortenTiny(_ d: (UInt64, Int), roundTrips: (String) -> Bool) -> (UInt64, Int) {
        var (f, e) = d
        while f >= 10 {
            let shorter = (f + 5) / 10
            guard roundTrips("\(shorter)e\(e + 1)") else { break }
            f = shorter
            e += 1
        }
        return (f, e)
    }

    private static func floatToDecimal(q: Int, c: UInt64, dk: Int) -> (UInt64, Int) {
        let out: UInt64 = c & 1
        let cb = c << 2
        let cbr = cb + 2
        let cbl: UInt64
        let k: Int
        if c != 1 << 23 || q == -149 {
            cbl = cb - 2
            k = flog10pow2(q)
        } else {
            // At a power of two the interval below is half as wide.
            cbl = cb - 1
            k = flog10threeQuartersPow2(q)
        }
        let h = q + flog2pow10(-k) + 33
        let g = Pow10Table.g[(k - Pow10Table.kMin) << 1] + 1
        let vb = ropFloat(g, cb << UInt64(h))
        let vbl = ropFloat(g, cbl << UInt64(h))
        let vbr = ropFloat(g, cbr << UInt64(h))
        let s = vb >> 2
        // One digit fewer: s' = floor(s/10) = floor(s·1717986919 / 2^34) for 9-digit s. (Java
        // tries this only for s ≥ 100, as its format wants two digits; small subnormals need it.)
        let sp10 = 10 * ((s &* 1_717_986_919) >> 34)
        let tp10 = sp10 + 10
        let upin = vbl + out <= sp10 << 2
        let wpin = (tp10 << 2) + out <= vbr
        if upin != wpin { return (upin ? sp10 : tp10, k + dk) }
        let t = s + 1
        let uin = vbl + out <= s << 2
        let win = (t << 2) + out <= vbr
        if uin != win { return (uin ? s : t, k + dk) }
        let mid = (s + t) << 1
        return (vb < mid || (vb == mid && s & 1 == 0) ? s : t, k + dk)
    }

    /// Round-to-odd of `cp·g·2^-95` (paper, figure 11).
    @inline(__always)
    private static func ropFloat(_ g: UInt64, _ cp: UInt64) -> UInt64 {
        let x1 = mulHigh(g, cp)
        let vbp = x1 >> 31
        let mask32: UInt64 = (1 << 32) - 1
        return vbp | (((x1 & mask32) + mask32) >> 32)
    }

    /// `v` must be finite and > 0.
    @inline(__always)
    static func decompose(_ v: Double) -> (significand: UInt64, exponent: Int) {
        let bits = v.bitPattern
        let t = bits & ((1 << 52) - 1)
        let bq = Int(bits >> 52) & 0x7FF
        let qMin = -1074
        if bq != 0 {
            let mq = -qMin + 1 - bq
            let c = (1 << 52) | t
            if 0 < mq && mq < 53 {
                let f = c >> UInt64(mq)
                if f << UInt64(mq) == c { return (f, 0) }
            }
            return doubleToDecimal(q: -mq, c: c, dk: 0)
        }
        if t < 3 { return shortenTiny(doubleToDecimal(q: qMin, c: 10 * t, dk: -1)) { Double($0)?.bitPattern == bits } }
        return doubleToDecimal(q: qMin, c: t, dk: 0)
    }

    private static func doubleToDecimal(q: Int, c: UInt64, dk: Int) -> (UInt64, Int) {
        let out: UInt64 = c & 1
        let cb = c << 2
        let cbr = cb + 2
        let cbl: UInt64
        let k: Int
        if c != 1 << 52 || q == -1074 {
            cbl = cb - 2
            k = flog10pow2(q)
        } else {
            cbl = cb - 1
            k = flog10threeQuartersPow2(q)
        }
        let h = q + flog2pow10(-k) + 2
        let index = (k - Pow10Table.kMin) << 1
        let g1 = Pow10Table.g[index], g0 = Pow10Table.g[index + 1]
        let vb = ropDouble(g1, g0, cb << UInt64(h))
        let vbl = ropDouble(g1, g0, cbl << UInt64(h))
        let vbr = ropDouble(g1, g0, cbr << UInt64(h))
        let s = vb >> 2
        // s' = floor(s/10) for 17-digit s, via a 128-bit reciprocal multiply (§10).
        let sp10 = 10 * mulHigh(s, 115_292_150_460_684_698 << 4)
        let tp10 = sp10 + 10
        let upin = vbl + out <= sp10 << 2
        let wpin = (tp10 << 2) + out <= vbr
        if upin != wpin { return (upin ? sp10 : tp10, k + dk) }
        let t = s + 1
        let uin = vbl + out <= s << 2
        let win = (t << 2) + out <= vbr
        if uin != win { return (uin ? s : t, k + dk) }
        let mid = (s + t) << 1
        return (vb < mid || (vb == mid && s & 1 == 0) ? s : t, k + dk)
    }

    /// Round-to-odd of `cp·g·2^-127` with `g = g1·2^63 + g0` (paper, figure 8).
    @inline(__always)
    private static func ropDouble(_ g1: UInt64, _ g0: UInt64, _ cp: UInt64) -> UInt64 {
        let x1 = mulHigh(g0, cp)
        let y0 = g1 &* cp
        let y1 = mulHigh(g1, cp)
        let z = (y0 >> 1) &+ x1
        let vbp = y1 &+ (z >> 63)
        let mask63: UInt64 = (1 << 63) - 1
        return vbp | (((z & mask63) &+ mask63) >> 63)
    }
}
