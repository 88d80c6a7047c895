/// Result dtype of arithmetic, comparison, clamp and cat/stack (semantics §0):
/// dimensioned tensors outrank 0-d tensors, which outrank scalars; a lower-ranked
/// operand changes the dtype only when it brings a higher category.
public enum Promotion {
    public static func resultType(_ operands: [Operand]) -> DType {
        var ranks = Ranks()
        for op in operands { ranks.add(op) }
        return ranks.result
    }

    /// Two operands, without the array every binary op would otherwise allocate (issue 19).
    public static func resultType(_ a: Operand, _ b: Operand) -> DType {
        var ranks = Ranks()
        ranks.add(a)
        ranks.add(b)
        return ranks.result
    }

    /// A tensor and an operand: a binary op's own tensor, without copying it into an operand (issue 19).
    public static func resultType(_ a: Tensor, _ b: Operand) -> DType {
        var ranks = Ranks()
        ranks.add(a)
        ranks.add(b)
        return ranks.result
    }

    /// The highest dtype of each rank seen so far.
    private struct Ranks {
        var dimensioned: DType?
        var zeroDim: DType?
        var scalarCategory: DType.Category?

        mutating func add(_ op: borrowing Operand) {
            switch op {
            case .tensor(let t): add(t)
            case .scalar(let s): scalarCategory = max(scalarCategory ?? s.category, s.category)
            }
        }

        mutating func add(_ t: Tensor) {
            if t.ndim > 0 {
                dimensioned = dimensioned.map { DType.larger($0, t.dtype) } ?? t.dtype
            } else {
                zeroDim = zeroDim.map { DType.larger($0, t.dtype) } ?? t.dtype
            }
        }

        var result: DType {
            var result = dimensioned ?? zeroDim
            if dimensioned != nil, let z = zeroDim, z.category > result!.category { result = z }
            if let s = scalarCategory, result == nil || s > result!.category {
                switch s {
                case .floating: result = .float32
                case .integer: result = .int64
                case .bool: result = .bool
                }
            }
            return result ?? .float32
        }
    }

    public static func resultType(_ tensors: [Tensor]) -> DType {
        resultType(tensors.map { .tensor($0) })
    }
}

extension Operand {
    /// The operand as a tensor of `dtype` (a scalar becomes 0-d).
    func tensor(as dtype: DType) throws -> Tensor {
        switch self {
        case .tensor(let t): try t.cast(to: dtype)
        case .scalar(let s): Tensor.full(scalar: s, dtype: dtype)
        }
    }

    /// `body` on `tensor(as: dtype)`: a tensor already of `dtype` (most calls) as it is, where `tensor(as:)`
    /// returned a copy of it, four retains and releases (issue 19). A borrowing switch: `if case` copied the
    /// tensor out of the operand.
    @inline(__always)
    borrowing func withTensor<R>(as dtype: DType, _ body: (Tensor) throws -> R) throws -> R {
        switch self {
        case .tensor(let t) where t.dtype == dtype: return try body(t)
        default: return try body(tensor(as: dtype))
        }
    }
}
