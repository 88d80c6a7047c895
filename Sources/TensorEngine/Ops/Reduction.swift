// The shape of every reduction (semantics §5): the reduced dims are moved last and made
// contiguous, so a kernel reduces `outer` rows of `inner` consecutive elements.

/// A tensor laid out for reducing: `rows` is contiguous with shape [outer, inner].
struct ReductionLayout {
    let rows: Tensor
    let outer: Int
    let inner: Int
    /// The result's shape, honouring keepdim.
    let outShape: [Int]
    /// The reduced dims, normalised.
    let dims: [Int]
    /// The result's shape with every reduced dim kept as 1 (for broadcasting back).
    let keptShape: [Int]
    /// The permutation that laid the input out as rows: kept dims, then reduced dims.
    let order: [Int]

    /// A contiguous tensor in row order (`[outer, inner]` elements) returned to the input's
    /// dim order, for per-element results such as gradients.
    func restored(_ rowOrdered: Tensor, inputShape: [Int]) throws -> Tensor {
        if inputShape.isEmpty { return try rowOrdered.reshaped([]) }
        var inverse = [Int](repeating: 0, count: order.count)
        for (i, p) in order.enumerated() { inverse[p] = i }
        return try rowOrdered.reshaped(order.map { inputShape[$0] }).permuted(inverse)
    }
}

extension Tensor {
    /// Lays the tensor out for a reduction over `dims` (nil: every dim).
    func reductionLayout(_ dims: [Int]?, keepdim: Bool, op: String) throws -> ReductionLayout {
        let reduced: [Int] = try dims.map { try Shapes.normalize($0, ndim: ndim, op: op) } ?? Array(0..<ndim)
        let reducedSet = Set(reduced)
        let kept = (0..<ndim).filter { !reducedSet.contains($0) }
        let order = kept + reduced.sorted()
        let moved = ndim == 0 ? detached() : try detached().permuted(order)
        let outer = kept.map { shape[$0] }.reduce(1, *)
        let inner = reduced.filter { $0 < ndim }.map { shape[$0] }.reduce(1, *)
        let keptShape = (0..<ndim).map { reducedSet.contains($0) ? 1 : shape[$0] }
        let outShape = keepdim ? keptShape : kept.map { shape[$0] }
        let rows = moved.isContiguous ? moved : moved.copied()
        return ReductionLayout(rows: rows, outer: outer, inner: inner, outShape: outShape, dims: reduced, keptShape: keptShape, order: ndim == 0 ? [] : order)
    }

    /// Reduces each row of `layout` with `f`, which receives a pointer and a length.
    static func reduceRows<T: Element, U: Element>(_ layout: ReductionLayout, _: T.Type, to _: U.Type,
                                                   _ f: (UnsafePointer<T>, Int) -> U) -> Tensor {
        let src = layout.rows.storage.typed(T.self) + layout.rows.offset
        let inner = layout.inner
        return make(layout.outShape, U.self) { out in
            let d = out.baseAddress!
            if layout.outer >= 2 && layout.outer * inner >= 1 << 16 {
                parallelChunks(layout.outer, grain: max(1, (1 << 15) / max(inner, 1))) { r in
                    for i in r { d[i] = f(src + i * inner, inner) }
                }
            } else {
                for i in 0..<layout.outer { d[i] = f(src + i * inner, inner) }
            }
        }
    }

    /// Broadcasts a reduction's gradient back over the reduced dims.
    func expandReduced(_ g: Tensor, _ layout: ReductionLayout) throws -> Tensor {
        try g.reshaped(layout.keptShape).expanded(shape)
    }

    /// Sum over `dims` (nil: all). Floats keep their dtype; integers and bools give int64.
    public func sum(dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        let layout = try reductionLayout(dims, keepdim: keepdim, op: "sum")
        let out: Tensor
        switch dtype {
        case .float32: out = Tensor.reduceRows(layout, Float.self, to: Float.self) { Kernels.sum($0, $1) }
        case .float64: out = Tensor.reduceRows(layout, Double.self, to: Double.self) { Kernels.sum($0, $1) }
        case .int64: out = Tensor.reduceRows(layout, Int64.self, to: Int64.self) { p, n in (0..<n).reduce(0) { $0 &+ p[$1] } }
        case .bool: out = Tensor.reduceRows(layout, Bool.self, to: Int64.self) { p, n in
            var c: Int64 = 0
            for i in 0..<n where p[i] { c &+= 1 }
            return c
        }
        }
        let input = self
        return out.recording("sum", [self]) { g in [try input.expandReduced(g, layout)] }
    }

    /// Mean over `dims` (nil: all); floating input only. The mean of nothing is NaN.
    public func mean(dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        guard dtype.isFloating else { throw TensorError.dtype("mean: input dtype \(dtype) is not floating; cast to float32 first") }
        let layout = try reductionLayout(dims, keepdim: keepdim, op: "mean")
        return try sum(dims: dims, keepdim: keepdim) / .float(Double(layout.inner))
    }
}

extension Ops {
    static let reduction: [OpSpec] = [
        OpSpec("sum", "sum over dim (an int or a list; all dims when absent); integers give int64",
               params: [.tensor(), Param("dim", .optional(.dims), default: .null), Param("keepdim", .bool, default: .bool(false))],
               gradchecks: [.init(.randn([2, 3, 4]), ["dim": .intList([0, -1])]), .init(.randn([3, 2], .transposed), ["dim": .int(1), "keepdim": .bool(true)]), .init(.randn([2, 3]), [:])]) { c in
            [try c.tensor("input").sum(dims: c.optionalDims("dim"), keepdim: c.bool("keepdim"))]
        },
        OpSpec("mean", "mean over dim (an int or a list; all dims when absent); floating input only",
               params: [.tensor(), Param("dim", .optional(.dims), default: .null), Param("keepdim", .bool, default: .bool(false))],
               gradchecks: [.init(.randn([2, 3, 4]), ["dim": .int(1)]), .init(.randn([2, 3]), [:])]) { c in
            [try c.tensor("input").mean(dims: c.optionalDims("dim"), keepdim: c.bool("keepdim"))]
        },
    ]
}
