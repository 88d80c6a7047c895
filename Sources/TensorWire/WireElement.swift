import TensorEngine

/// An element type as it travels in `data`: float dtypes take numbers and the non-finite
/// strings, `int64` takes JSON integers, `bool` takes `true`/`false` (api.md).
protocol WireElement: Element {
    /// One scalar of `data`; `pointer` names it for errors.
    static func element(_ v: JSONValue, at pointer: () -> String) throws(WireError) -> Self
    /// A packed run of numbers written to `p`; `pointer(k)` names element `k` for errors.
    static func elements(_ a: NumberArray, into p: UnsafeMutablePointer<Self>, at pointer: (Int) -> String) throws(WireError)
}

extension WireElement {
    static func floating(_ v: JSONValue, at pointer: () -> String) throws(WireError) -> Double {
        switch v {
        case .number(let n): return n.double
        case .string("NaN"): return .nan
        case .string("Infinity"): return .infinity
        case .string("-Infinity"): return -.infinity
        default:
            throw .tensor("\(dtype.rawValue) data holds numbers or the strings \"NaN\", \"Infinity\", \"-Infinity\", got \(describe(v))", at: pointer())
        }
    }

    static func describe(_ v: JSONValue) -> String {
        if case .string(let s) = v { return "the string \"\(s.prefix(40))\"" }
        return v.typeName
    }
}

extension Float: WireElement {
    static func element(_ v: JSONValue, at pointer: () -> String) throws(WireError) -> Float {
        Float(try floating(v, at: pointer))
    }

    static func elements(_ a: NumberArray, into p: UnsafeMutablePointer<Float>, at pointer: (Int) -> String) throws(WireError) {
        // Via the nearest double, as PyTorch and NumPy convert Python floats.
        a.doubles.withUnsafeBufferPointer { d in
            for k in 0..<d.count { p[k] = Float(d[k]) }
        }
    }
}

extension Double: WireElement {
    static func element(_ v: JSONValue, at pointer: () -> String) throws(WireError) -> Double {
        try floating(v, at: pointer)
    }

    static func elements(_ a: NumberArray, into p: UnsafeMutablePointer<Double>, at pointer: (Int) -> String) throws(WireError) {
        a.doubles.withUnsafeBufferPointer { d in p.update(from: d.baseAddress!, count: d.count) }
    }
}

extension Int64: WireElement {
    static func element(_ v: JSONValue, at pointer: () -> String) throws(WireError) -> Int64 {
        guard case .number(let n) = v, let i = n.integer else { throw notInteger(v, at: pointer()) }
        return i
    }

    static func elements(_ a: NumberArray, into p: UnsafeMutablePointer<Int64>, at pointer: (Int) -> String) throws(WireError) {
        guard let ints = a.integers else {
            let k = a.firstNonInteger ?? 0
            throw notInteger(a.element(k), at: pointer(k))
        }
        ints.withUnsafeBufferPointer { i in p.update(from: i.baseAddress!, count: i.count) }
    }

    private static func notInteger(_ v: JSONValue, at pointer: String) -> WireError {
        if case .number(let n) = v, n.isInteger {
            return .tensor("int64 data must fit in 64 bits, got \(n.double)", at: pointer)
        }
        return .tensor("int64 data holds JSON integers, got \(describe(v))", at: pointer)
    }
}

extension Bool: WireElement {
    static func element(_ v: JSONValue, at pointer: () -> String) throws(WireError) -> Bool {
        guard case .bool(let b) = v else { throw .tensor("bool data holds true or false, got \(describe(v))", at: pointer()) }
        return b
    }

    static func elements(_ a: NumberArray, into p: UnsafeMutablePointer<Bool>, at pointer: (Int) -> String) throws(WireError) {
        throw .tensor("bool data holds true or false, got \(describe(a.element(0)))", at: pointer(0))
    }
}
