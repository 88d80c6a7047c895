// kthvalue and topk (semantics §5): order statistics along one dim, NaN above +inf.
// The values are gathered at the returned indices, so the gradient goes to them (§10).

extension Tensor {
    /// The k-th smallest value (k is 1-based) along `dim` and its int64 index.
    /// NaN orders above +inf. k outside `1...size(dim)` is a value error.
    ///
    /// ```swift
    /// let (v, i) = try Tensor([3, 1, 2] as [Float]).kthvalue(2)   // 2, 2
    /// ```
    public func kthvalue(_ k: Int, dim: Int = -1, keepdim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        try checkOrderable("kthvalue")
        let layout = try reductionLayout([dim], keepdim: keepdim, op: "kthvalue")
        guard k >= 1 && k <= layout.inner else {
            throw TensorError(.value, "kthvalue: k=\(k) is out of range for dim \(dim) of size \(layout.inner) (expected 1...\(layout.inner))", argument: "k")
        }
        let indices = Tensor.positionRows(layout.rows, outer: layout.outer, inner: layout.inner, take: 1, outShape: layout.outShape) { $0[(k - 1)..<k] }
        let kept = ndim == 0 ? [1] : layout.keptShape
        let values = try atLeast1d().gather(dim: layout.dims[0], index: indices.reshaped(kept)).reshaped(layout.outShape)
        return (values, indices)
    }

    /// The k largest (or smallest) values along `dim` and their int64 indices; NaN counts as
    /// larger than every number. Results are always sorted (descending for largest); among
    /// equal values the lower index comes first. k = 0 gives empty results.
    ///
    /// ```swift
    /// let (v, i) = try Tensor([1, 4, 2, 3] as [Float]).topk(2)   // [4, 3], [1, 3]
    /// ```
    public func topk(_ k: Int, dim: Int = -1, largest: Bool = true, sorted: Bool = true) throws -> (values: Tensor, indices: Tensor) {
        try checkOrderable("topk")
        let x = try atLeast1d()
        let d = try Shapes.normalize(dim, ndim: ndim, op: "topk")
        let n = x.shape[d]
        guard k >= 0 && k <= n else {
            throw TensorError(.value, "topk: k=\(k) is out of range for dim \(dim) of size \(n) (expected 0...\(n))", argument: "k")
        }
        let layout = try x.reductionLayout([d], keepdim: true, op: "topk")
        var picked = x.shape
        picked[d] = k
        let rows = Tensor.positionRows(layout.rows, outer: layout.outer, inner: n, take: k, outShape: [layout.outer * k], descending: largest) { $0.prefix(k) }
        var indices = try layout.restored(rows, inputShape: picked).contiguous()
        var values = try x.gather(dim: d, index: indices)
        if ndim == 0 && k == 1 { (values, indices) = (try values.reshaped([]), try indices.reshaped([])) }
        return (values, indices)
    }

    private func checkOrderable(_ op: String) throws {
        if dtype == .bool { throw TensorError.dtype("\(op) is not defined for bool tensors; cast to int64 or float32 first") }
    }

    /// For each of `outer` rows of `inner` elements of `rows` (contiguous, not bool), the
    /// element positions in ascending order (NaN last; descending: NaN first), with ties in
    /// index order (by radix sort for long rows, by comparison for short ones); `pick` chooses
    /// `take` of them, which are written as int64.
    private static func positionRows(_ rows: Tensor, outer: Int, inner: Int, take: Int, outShape: [Int], descending: Bool = false,
                                     pick: (ArraySlice<Int>) -> ArraySlice<Int>) -> Tensor {
        func go<T: Element & Comparable>(_: T.Type) -> Tensor {
            let src = rows.storage.typed(T.self) + rows.offset
            return make(outShape, Int64.self) { out in
                let d = out.baseAddress!
                parallelChunks(outer, grain: Swift.max(1, (1 << 14) / Swift.max(inner, 1))) { range in
                    var order = [Int](repeating: 0, count: inner)
                    let radix = RadixArgsort(rowLength: inner, dtype: rows.dtype)
                    for r in range {
                        let p = src + r * inner
                        if let radix {
                            order.withUnsafeMutableBufferPointer { o in
                                o.withMemoryRebound(to: Int64.self) { radix.sort(p, descending: descending, into: $0.baseAddress!) }
                            }
                        } else {
                            for i in 0..<inner { order[i] = i }
                            order.sort { a, b in
                                let (x, y) = descending ? (p[b], p[a]) : (p[a], p[b])
                                if nanAwareLess(x, y) { return true }
                                if nanAwareLess(y, x) { return false }
                                return a < b
                            }
                        }
                        for (j, i) in pick(order[...]).enumerated() { d[r * take + j] = Int64(i) }
                    }
                }
            }
        }
        switch rows.dtype {
        case .float32: return go(Float.self)
        case .float64: return go(Double.self)
        case .int64: return go(Int64.self)
        case .bool: preconditionFailure("positionRows: bool rows are rejected by the callers")
        }
    }
}

extension Ops {
    static let selection: [OpSpec] = [
        OpSpec("kthvalue", "(values, indices) of the k-th smallest element (k 1-based) along dim; NaN above +inf",
               params: [.tensor(), Param("k", .int), Param("dim", .int, default: .int(-1)), Param("keepdim", .bool, default: .bool(false))],
               outputs: ["values", "indices"],
               gradchecks: [.init(.distinct([3, 4]), .int(2), [:]), .init(.distinct([2, 3, 4]), .int(1), ["dim": .int(1), "keepdim": .bool(true)]),
                            .init(.distinct([3, 4], .transposed), .int(3), ["dim": .int(0)])]) { c in
            let r = try c.tensor("input").kthvalue(c.int("k"), dim: c.int("dim"), keepdim: c.bool("keepdim"))
            return [r.values, r.indices]
        },
        OpSpec("topk", "(values, indices) of the k largest (largest=false: smallest) elements along dim, sorted; NaN is largest",
               params: [.tensor(), Param("k", .int), Param("dim", .int, default: .int(-1)), Param("largest", .bool, default: .bool(true)),
                        Param("sorted", .bool, default: .bool(true))],
               outputs: ["values", "indices"],
               gradchecks: [.init(.distinct([3, 5]), .int(2), [:]), .init(.distinct([2, 3, 4]), .int(2), ["dim": .int(1), "largest": .bool(false)]),
                            .init(.distinct([4, 3], .transposed), .int(3), ["dim": .int(0)])]) { c in
            let r = try c.tensor("input").topk(c.int("k"), dim: c.int("dim"), largest: c.bool("largest"), sorted: c.bool("sorted"))
            return [r.values, r.indices]
        },
    ]
}
