// any, all, count_nonzero, allclose and equal: questions about truth and equality. Their
// results are bool or int64, so none carries a gradient.

extension Tensor {
    /// Whether any element over `dims` (all when nil) is nonzero (NaN counts as nonzero).
    public func any(dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor { try truth(dims, keepdim, all: false) }

    /// Whether every element over `dims` (all when nil) is nonzero; true over no elements.
    public func all(dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor { try truth(dims, keepdim, all: true) }

    private func truth(_ dims: [Int]?, _ keepdim: Bool, all: Bool) throws -> Tensor {
        let layout = try cast(to: .bool).reductionLayout(dims, keepdim: keepdim, op: all ? "all" : "any")
        return Tensor.reduceRows(layout, Bool.self, to: Bool.self) { p, n in
            for i in 0..<n where p[i] != all { return !all }
            return all
        }
    }

    /// The number of nonzero elements over `dims` (all when nil), as int64.
    public func countNonzero(dims: [Int]? = nil) throws -> Tensor {
        try cast(to: .bool).sum(dims: dims)
    }

    /// Whether `|self − other| ≤ atol + rtol·|other|` everywhere after broadcasting (equal
    /// infinities are close; NaNs only with `equalNaN`). The dtypes must match, as in PyTorch.
    public func allclose(_ other: Tensor, rtol: Double = 1e-5, atol: Double = 1e-8, equalNaN: Bool = false) throws -> Tensor {
        guard dtype == other.dtype else {
            throw TensorError(.dtype, "allclose: input is \(dtype) but other is \(other.dtype); they must match", argument: "other")
        }
        let close = try Tensor.zipped(cast(to: .float64).detached(), other.cast(to: .float64).detached(), Double.self, to: Bool.self) { a, b in
            a == b || (equalNaN && a.isNaN && b.isNaN) || ((a - b).isFinite && Swift.abs(a - b) <= atol + rtol * Swift.abs(b))
        }
        return try close.all()
    }

    /// Whether the two tensors have the same shape and equal values (NaN is never equal).
    public func equal(_ other: Tensor) throws -> Tensor {
        guard shape == other.shape else { return Tensor(scalar: false) }
        return try eq(.tensor(other)).all()
    }
}

extension Ops {
    static let logical: [OpSpec] = [
        truthSpec("any", "whether any element is nonzero"), truthSpec("all", "whether every element is nonzero"),
        OpSpec("count_nonzero", "the number of nonzero elements over dim (an int or a list; all when absent), int64",
               params: [.tensor(), Param("dim", .optional(.dims), default: .null)],
               examples: [.init(.randn([2, 3]), [:]), .init(.randn([2, 3]), ["dim": .int(1)])]) { c in
            [try c.tensor("input").countNonzero(dims: c.optionalDims("dim"))]
        },
        OpSpec("allclose", "whether |input − other| ≤ atol + rtol·|other| everywhere (0-d bool); dtypes must match",
               params: [.tensor(), Param("other", .tensor), Param("rtol", .float, default: .float(1e-5)), Param("atol", .float, default: .float(1e-8)),
                        Param("equal_nan", .bool, default: .bool(false))],
               examples: [.init(.randn([2, 3]), .randn([3]), [:])]) { c in
            [try c.tensor("input").allclose(c.tensor("other"), rtol: c.double("rtol"), atol: c.double("atol"), equalNaN: c.bool("equal_nan"))]
        },
        OpSpec("equal", "whether input and other have the same shape and values (0-d bool)",
               params: [.tensor(), Param("other", .tensor)],
               examples: [.init(.randn([2, 3]), .randn([2, 3]), [:])]) { c in
            [try c.tensor("input").equal(c.tensor("other"))]
        },
    ]

    private static func truthSpec(_ name: String, _ summary: String) -> OpSpec {
        OpSpec(name, "\(summary) over dim (an int or a list; all when absent); a bool result",
               params: [.tensor(), Param("dim", .optional(.dims), default: .null), Param("keepdim", .bool, default: .bool(false))],
               examples: [.init(.randn([2, 3]), [:]), .init(.randn([2, 3]), ["dim": .int(0), "keepdim": .bool(true)])]) { c in
            let x = c.tensor("input"), dims = c.optionalDims("dim"), keepdim = c.bool("keepdim")
            return [try name == "any" ? x.any(dims: dims, keepdim: keepdim) : x.all(dims: dims, keepdim: keepdim)]
        }
    }
}
