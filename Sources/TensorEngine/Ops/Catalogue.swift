/// Every op, by name. The HTTP API, the expression language, the documentation and the
/// catalogue-driven tests (gradient check included) all read this one list.
public enum Ops {
    public static let all: [OpSpec] = creation + arithmetic + unary + unaryMath + nonFinite + binaryMath + power + comparison + rounding + activations
        + reduction + product + extrema + norms + variance + selection
        + choosing + indexing + diagonal + reordering + scans + extremeReductions + medians + logical + sorting
        + linalg + views + joining + losses + clipping + random
        + contraction + nnFunctions + regressionLosses + likeAndSplit

    private static let byName: [String: OpSpec] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    public static func spec(_ name: String) -> OpSpec? { byName[name] }

    /// Binds the arguments to the op's declaration and runs its forward.
    public static func call(_ name: String, positional: [Value] = [], keywords: [String: Value] = [:],
                            generator: Generator? = nil) throws -> [Tensor] {
        guard let spec = byName[name] else { throw TensorError.value("unknown op '\(name)'") }
        return try spec.forward(OpCall(spec: spec, positional: positional, keywords: keywords, generator: generator))
    }
}
