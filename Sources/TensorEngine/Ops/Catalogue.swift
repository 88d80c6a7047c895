/// Every op, by name. The HTTP API, the expression language, the documentation and the
/// catalogue-driven tests (gradient check included) all read this one list.
public enum Ops {
    public static let all: [OpSpec] = creation + arithmetic + unary + unaryMath + nonFinite + binaryMath + power + comparison + rounding + activations
        + reduction + product + extrema + norms + variance + selection
        + choosing + indexing + diagonal + reordering + scans + extremeReductions + medians + logical + sorting
        + linalg + views + joining + losses + clipping + random
        + contraction + nnFunctions + regressionLosses + likeAndSplit

    private static let byName: [String: OpSpec] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// Every request to an op looks it up by name: hashed with FNV-1a over its UTF-8 into an open table a
    /// quarter full, where the dictionary's seeded SipHash was 1.8% of `POST /v1/ops/add`'s time (issue 19).
    private static let table = NameTable(all)

    public static func spec(_ name: String) -> OpSpec? {
        if let spec = table[name] { return spec }
        // A name outside ASCII may still equal one canonically (as String's `==` and hashing see it): the
        // dictionary decides those.
        return name.utf8.allSatisfy({ $0 < 0x80 }) ? nil : byName[name]
    }

    /// Ops by the bytes of their names: linear probing in a power-of-two table of at least four slots per op.
    private struct NameTable: Sendable {
        let slots: [OpSpec?]
        let mask: Int

        init(_ specs: [OpSpec]) {
            var size = 1
            while size < 4 * specs.count { size <<= 1 }
            var slots = [OpSpec?](repeating: nil, count: size)
            // Names are unique (`byName` is built from them, and CatalogueLookupTests asserts it); a repeated
            // one would find its slot taken and be left out, not trap.
            for spec in specs {
                var i = NameTable.hash(spec.name) & (size - 1)
                while let other = slots[i], other.name != spec.name { i = (i + 1) & (size - 1) }
                if slots[i] == nil { slots[i] = spec }
            }
            self.slots = slots
            mask = size - 1
        }

        static func hash(_ name: String) -> Int {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in name.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            return Int(truncatingIfNeeded: h ^ (h >> 32))
        }

        subscript(name: String) -> OpSpec? {
            var i = NameTable.hash(name) & mask
            while let spec = slots[i] {
                if spec.name == name { return spec }
                i = (i + 1) & mask
            }
            return nil
        }
    }

    /// Binds the arguments to the op's declaration and runs its forward.
    public static func call(_ name: String, positional: [Value] = [], keywords: [String: Value] = [:],
                            generator: Generator? = nil) throws -> [Tensor] {
        guard let spec = byName[name] else { throw TensorError.value("unknown op '\(name)'") }
        return try spec.forward(OpCall(spec: spec, positional: positional, keywords: keywords, generator: generator))
    }
}
