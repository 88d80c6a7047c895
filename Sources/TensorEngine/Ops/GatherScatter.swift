// gather, scatter, scatter_add, index_select and take_along_dim: reading and writing along one
// dim at positions given by an int64 index tensor. gather's gradient is a scatter_add of the
// upstream gradient to the positions read, and scatter's gradient for its source is a gather.

extension Tensor {
    /// `out[p] = self[p with its coordinate along dim replaced by index[p]]`, for every position
    /// `p` of `index`. `index` is int64 with this tensor's number of dims, no larger than it
    /// except along `dim`, with values in `0..<size(dim)`.
    ///
    /// ```swift
    /// try Tensor([1, 2, 3, 4] as [Float], shape: [2, 2]).gather(dim: 1, index: Tensor([1, 0] as [Int64], shape: [2, 1]))  // [[2], [3]]
    /// ```
    public func gather(dim: Int, index: Tensor) throws -> Tensor {
        let x = try atLeast1d(), idx = try index.atLeast1d()
        let d = try Shapes.normalize(dim, ndim: ndim, op: "gather")
        try x.checkIndex(idx, dim: d, src: nil, op: "gather")
        func go<T: Element>(_: T.Type) -> Tensor {
            let src = x.storage.typed(T.self)
            return Tensor.make(idx.shape, T.self) { out in
                let o = out.baseAddress!
                x.visitAlong(d, idx) { p, i in o[p] = src[i] }
            }
        }
        let out: Tensor
        switch dtype {
        case .float32: out = go(Float.self)
        case .float64: out = go(Double.self)
        case .int64: out = go(Int64.self)
        case .bool: out = go(Bool.self)
        }
        let shape = self.shape
        return try out.reshaped(index.shape).detached().recording("gather", [self]) { g in
            [try Tensor.filled(shape, with: 0, dtype: g.dtype).scatterAdd(dim: dim, index: index, src: g)]
        }
    }

    /// A copy of this tensor with `src` (a tensor of this dtype, at least as large as `index`,
    /// or a number) written at the positions `index` names along `dim` (see `gather`). Where
    /// an index repeats, the last write wins.
    public func scatter(dim: Int, index: Tensor, src: Operand) throws -> Tensor {
        try scattered(dim: dim, index: index, src: src, add: false)
    }

    /// A copy of this tensor with `src` added at the positions `index` names along `dim`;
    /// repeated indices accumulate.
    public func scatterAdd(dim: Int, index: Tensor, src: Tensor) throws -> Tensor {
        try scattered(dim: dim, index: index, src: .tensor(src), add: true)
    }

    private func scattered(dim: Int, index: Tensor, src: Operand, add: Bool) throws -> Tensor {
        let op = add ? "scatter_add" : "scatter"
        let x = try atLeast1d(), idx = try index.atLeast1d()
        let d = try Shapes.normalize(dim, ndim: ndim, op: op)
        let values: Tensor
        switch src {
        case .tensor(let s):
            guard s.dtype == dtype else {
                throw TensorError(.dtype, "\(op): src has dtype \(s.dtype) but input has \(dtype); they must match", argument: "src")
            }
            let s1 = try s.atLeast1d()
            try x.checkIndex(idx, dim: d, src: s1, op: op)
            // The part of src that index covers, packed in index's shape.
            values = s1.restrided(shape: idx.shape, strides: s1.strides, offset: s1.offset).copied()
        case .scalar(let v):
            try x.checkIndex(idx, dim: d, src: nil, op: op)
            values = Tensor.filled(idx.shape, with: v.double, dtype: dtype)
        }
        func go<T: Element>(_: T.Type, _ combine: @escaping (T, T) -> T) -> Tensor {
            let out = x.copied()
            let o = out.storage.typed(T.self)
            values.withContiguousBuffer(as: T.self) { v in
                out.visitAlong(d, idx) { p, i in o[i] = add ? combine(o[i], v[p]) : v[p] }
            }
            return out
        }
        var out: Tensor
        switch dtype {
        case .float32: out = go(Float.self, +)
        case .float64: out = go(Double.self, +)
        case .int64: out = go(Int64.self, &+)
        case .bool: out = go(Bool.self) { $0 || $1 }
        }
        out = try out.reshaped(shape)
        let srcTensor = src.tensorValue
        return out.recording(op, [self] + (srcTensor.map { [$0] } ?? [])) { g in
            let gIn = add ? g : try g.scatter(dim: dim, index: index, src: .scalar(.int(0)))
            guard let srcTensor else { return [gIn] }
            return [gIn, try g.gather(dim: dim, index: index).padded(to: srcTensor.shape)]
        }
    }

    /// The slices of `self` at `index` (1-D or 0-d int64, values in `0..<size(dim)`) along `dim`.
    public func indexSelect(dim: Int, index: Tensor) throws -> Tensor {
        guard index.dtype == .int64 else {
            throw TensorError(.dtype, "index_select: index must be int64, got \(index.dtype)", argument: "index")
        }
        guard index.ndim <= 1 else {
            throw TensorError(.shape, "index_select: index must be 1-D or 0-d, got shape \(index.shape)", argument: "index")
        }
        let x = try atLeast1d()
        let d = try Shapes.normalize(dim, ndim: ndim, op: "index_select")
        var kept = [Int](repeating: 1, count: x.ndim), outShape = x.shape
        kept[d] = index.count
        outShape[d] = index.count
        // The index broadcast (a stride-0 view) over the result's shape: gather's index.
        let wide = try index.reshaped(kept).expanded(outShape)
        let out = try x.gather(dim: d, index: wide)
        return ndim == 0 ? try out.reshaped(index.shape) : out
    }

    /// `gather` along `dim` after broadcasting `self` and `indices` against each other in every
    /// other dim; with no dim, along the flattened tensors. Negative indices count from the end.
    public func takeAlongDim(_ indices: Tensor, dim: Int?) throws -> Tensor {
        guard indices.dtype == .int64 else {
            throw TensorError(.dtype, "take_along_dim: indices must be int64, got \(indices.dtype)", argument: "indices")
        }
        guard let dim else {
            let flat = try reshaped([count])
            return try flat.gather(dim: 0, index: flat.wrapped(try indices.reshaped([indices.count]), dim: 0))
        }
        guard indices.ndim == ndim else {
            throw TensorError(.shape, "take_along_dim: input and indices should have the same number of dims, got \(ndim) and \(indices.ndim)", argument: "indices")
        }
        let x = try atLeast1d(), idx = try indices.atLeast1d()
        let d = try Shapes.normalize(dim, ndim: ndim, op: "take_along_dim")
        var selfSizes = x.shape
        selfSizes[d] = idx.shape[d]
        let common = try Shapes.broadcast(selfSizes, idx.shape)
        var xSizes = common
        xSizes[d] = x.shape[d]
        let xb = try x.expanded(xSizes)
        let out = try xb.gather(dim: d, index: xb.wrapped(try idx.expanded(common), dim: d))
        return ndim == 0 ? try out.reshaped([]) : out
    }

    /// `index` with negative values counted from the end of `dim` (values outside
    /// `-size..<size` are left for `checkIndex` to reject).
    private func wrapped(_ index: Tensor, dim: Int) throws -> Tensor {
        let n = Int64(shape[dim])
        return index.mapped(Int64.self, to: Int64.self) { $0 < 0 && $0 >= -n ? $0 + n : $0 }
    }

    /// Rejects an index that is not int64, has another number of dims, is larger than `self`
    /// outside `dim` (or than `src` anywhere), or holds a value outside `0..<size(dim)`.
    private func checkIndex(_ index: Tensor, dim: Int, src: Tensor?, op: String) throws {
        guard index.dtype == .int64 else { throw TensorError(.dtype, "\(op): index must be int64, got \(index.dtype)", argument: "index") }
        guard index.ndim == ndim else {
            throw TensorError(.shape, "\(op): index must have as many dims as input (\(ndim)), got \(index.ndim)", argument: "index")
        }
        for k in 0..<ndim where (k != dim && index.shape[k] > shape[k]) {
            throw TensorError(.shape, "\(op): index shape \(index.shape) is larger than input shape \(shape) at dim \(k)", argument: "index")
        }
        if let src {
            guard src.ndim == ndim else {
                throw TensorError(.shape, "\(op): src must have as many dims as index (\(ndim)), got \(src.ndim)", argument: "src")
            }
            for k in 0..<ndim where index.shape[k] > src.shape[k] {
                throw TensorError(.shape, "\(op): index shape \(index.shape) is larger than src shape \(src.shape) at dim \(k)", argument: "src")
            }
        }
        let size = Int64(shape[dim])
        let bad = index.withContiguousBuffer(as: Int64.self) { b in b.first { $0 < 0 || $0 >= size } }
        if let bad { throw TensorError(.value, "\(op): index \(bad) is out of bounds for dim \(dim) of size \(size)", argument: "index") }
    }

    /// Calls `body(p, i)` for every position `p` of `index` (row-major) with the storage
    /// index `i` of the element of `self` it addresses: `p`'s coordinates, except along `dim`,
    /// where the coordinate is `index[p]`. Indices have been checked.
    private func visitAlong(_ dim: Int, _ index: Tensor, _ body: (Int, Int) -> Void) {
        var s = strides
        s[dim] = 0
        let step = strides[dim]
        let base = restrided(shape: index.shape, strides: s, offset: offset)
        index.withContiguousBuffer(as: Int64.self) { idx in
            var p = 0
            base.forEachIndex { i in
                body(p, i + Int(idx[p]) * step)
                p += 1
            }
        }
    }

    /// Zeros of `shape` (at least this tensor's size in every dim) with this tensor in its
    /// leading corner: the gradient of a source larger than the index that read it.
    func padded(to shape: [Int]) throws -> Tensor {
        if shape == self.shape { return self }
        let out = Tensor.filled(shape, with: 0, dtype: dtype)
        out.restrided(shape: self.shape, strides: out.strides, offset: 0).overwrite(with: detached())
        return out
    }
}

extension Ops {
    static let indexing: [OpSpec] = [
        OpSpec("gather", "input's elements at index along dim: out[p] = input[p with dim replaced by index[p]]",
               params: [.tensor(), Param("dim", .int), Param("index", .tensor)],
               gradchecks: [.init(.randn([3, 4]), .int(1), .constant(Tensor([0, 3, 3, 1, 2, 0] as [Int64], shape: [3, 2])), [:]),
                            .init(.randn([4, 3], .transposed), .int(0), .constant(Tensor([2, 0, 2, 1] as [Int64], shape: [2, 2])), [:])]) { c in
            [try c.tensor("input").gather(dim: c.int("dim"), index: c.tensor("index"))]
        },
        OpSpec("scatter", "a copy of input with src (a tensor of input's dtype, or value, a number) written at index along dim",
               params: [.tensor(), Param("dim", .int), Param("index", .tensor), Param("src", .optional(.tensor), default: .null),
                        Param("value", .optional(.number), default: .null)],
               gradchecks: [.init([.randn([3, 4]), .int(1), .constant(Tensor([0, 3, 2, 1] as [Int64], shape: [2, 2])), .randn([2, 3])], [:]),
                            .init(.randn([3, 4]), .int(0), .constant(Tensor([2, 0] as [Int64], shape: [1, 2])), ["value": .float(1.5)])]) { c in
            let x = c.tensor("input")
            switch (c.optionalTensor("src"), c.values["value"]) {
            case (let src?, .null?): return [try x.scatter(dim: c.int("dim"), index: c.tensor("index"), src: .tensor(src))]
            case (nil, .null?): throw TensorError(.value, "scatter needs src (a tensor) or value (a number)", argument: "src")
            case (nil, _): return [try x.scatter(dim: c.int("dim"), index: c.tensor("index"), src: c.operand("value"))]
            default: throw TensorError(.value, "scatter takes src or value, not both", argument: "value")
            }
        },
        OpSpec("scatter_add", "a copy of input with src added at index along dim; repeated indices accumulate",
               params: [.tensor(), Param("dim", .int), Param("index", .tensor), Param("src", .tensor)],
               gradchecks: [.init([.randn([3, 4]), .int(1), .constant(Tensor([0, 3, 0, 1, 1, 1] as [Int64], shape: [2, 3])), .randn([2, 4])], [:])]) { c in
            [try c.tensor("input").scatterAdd(dim: c.int("dim"), index: c.tensor("index"), src: c.tensor("src"))]
        },
        OpSpec("index_select", "the slices of input at index (1-D int64) along dim",
               params: [.tensor(), Param("dim", .int), Param("index", .tensor)],
               gradchecks: [.init(.randn([3, 4]), .int(1), .constant(Tensor([3, 0, 3] as [Int64])), [:]),
                            .init(.randn([4, 3], .transposed), .int(-2), .constant(Tensor([1] as [Int64])), [:])]) { c in
            [try c.tensor("input").indexSelect(dim: c.int("dim"), index: c.tensor("index"))]
        },
        OpSpec("take_along_dim", "gather along dim after broadcasting input and indices in the other dims; flattened when dim is absent",
               params: [.tensor(), Param("indices", .tensor), Param("dim", .optional(.int), default: .null)],
               gradchecks: [.init(.randn([3, 4]), .constant(Tensor([0, -1] as [Int64], shape: [1, 2])), ["dim": .int(1)]),
                            .init(.randn([3, 4]), .constant(Tensor([11, 0, 5] as [Int64])), [:])]) { c in
            [try c.tensor("input").takeAlongDim(c.tensor("indices"), dim: c.optionalInt("dim"))]
        },
    ]
}
