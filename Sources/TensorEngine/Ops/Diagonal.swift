// tril, triu and diag: the parts of a matrix on, below or above a diagonal. `diagonal` k
// counts up from the main diagonal (k > 0 above it, k < 0 below), as in PyTorch.

extension Tensor {
    /// The elements on and below diagonal k of the last two dims (the rest zeroed).
    public func tril(diagonal k: Int = 0) throws -> Tensor { try triangle(k, lower: true) }

    /// The elements on and above diagonal k of the last two dims (the rest zeroed).
    public func triu(diagonal k: Int = 0) throws -> Tensor { try triangle(k, lower: false) }

    private func triangle(_ k: Int, lower: Bool) throws -> Tensor {
        guard ndim >= 2 else {
            throw TensorError.shape("\(lower ? "tril" : "triu"): input must have at least 2 dims, got shape \(shape)")
        }
        let rows = shape[ndim - 2], cols = shape[ndim - 1]
        // j - i is within ±(rows + cols), so comparing it with any k cannot overflow.
        let mask = Tensor.make([rows, cols], Bool.self) { m in
            for i in 0..<rows { for j in 0..<cols { m[i * cols + j] = lower ? j - i <= k : j - i >= k } }
        }
        return try keeping(mask)
    }

    /// A 1-D input becomes a square matrix with it on diagonal k; a 2-D input gives its
    /// diagonal k as a 1-D tensor (empty when k is past the edge).
    public func diag(diagonal k: Int = 0) throws -> Tensor {
        switch ndim {
        case 1:
            let (n, overflow) = count.addingReportingOverflow(k.magnitude > Int.max ? Int.max : Swift.abs(k))
            guard !overflow else { throw TensorError(.limit, "diag: a matrix with diagonal \(k) is too large", argument: "diagonal") }
            try ElementLimit.check([n, n], op: "diag")
            return try embeddedDiagonal(k, in: [n, n])
        case 2:
            return diagonalView(k).copied().recording("diag", [self]) { [shape] g in [try g.embeddedDiagonal(k, in: shape)] }
        default:
            throw TensorError.shape("diag: input must be 1-D or 2-D, got shape \(shape)")
        }
    }

    /// The view of diagonal k of a 2-D tensor (empty when k is past the edge).
    private func diagonalView(_ k: Int) -> Tensor {
        let rows = shape[0], cols = shape[1]
        let length: Int, start: Int
        if k >= 0 {
            length = k >= cols ? 0 : Swift.min(rows, cols - k)
            start = length == 0 ? offset : offset + k * strides[1]
        } else {
            length = k <= -rows ? 0 : Swift.min(rows + k, cols)
            start = length == 0 ? offset : offset - k * strides[0]
        }
        return restrided(shape: [length], strides: [strides[0] + strides[1]], offset: start)
    }

    /// Zeros of the 2-D `shape` with this 1-D tensor on diagonal k (which it fills).
    private func embeddedDiagonal(_ k: Int, in shape: [Int]) throws -> Tensor {
        let out = Tensor.filled(shape, with: 0, dtype: dtype)
        out.diagonalView(k).overwrite(with: detached())
        return out.recording("diag", [self]) { g in [try g.diag(diagonal: k)] }
    }
}

extension Ops {
    static let diagonal: [OpSpec] = [
        OpSpec("tril", "the lower triangle (on and below diagonal k) of the last two dims, the rest zeroed",
               params: [.tensor(), Param("diagonal", .int, default: .int(0))],
               gradchecks: [.init(.randn([3, 4]), [:]), .init(.randn([2, 3, 3], .transposed), ["diagonal": .int(-1)])]) { c in
            [try c.tensor("input").tril(diagonal: c.int("diagonal"))]
        },
        OpSpec("triu", "the upper triangle (on and above diagonal k) of the last two dims, the rest zeroed",
               params: [.tensor(), Param("diagonal", .int, default: .int(0))],
               gradchecks: [.init(.randn([3, 4]), ["diagonal": .int(1)])]) { c in
            [try c.tensor("input").triu(diagonal: c.int("diagonal"))]
        },
        OpSpec("diag", "1-D input: a square matrix with it on diagonal k; 2-D input: its diagonal k",
               params: [.tensor(), Param("diagonal", .int, default: .int(0))],
               gradchecks: [.init(.randn([3]), [:]), .init(.randn([3]), ["diagonal": .int(-2)]), .init(.randn([3, 4], .transposed), ["diagonal": .int(1)]),
                            .init(.randn([4, 3]), ["diagonal": .int(-1)])]) { c in
            [try c.tensor("input").diag(diagonal: c.int("diagonal"))]
        },
    ]
}
