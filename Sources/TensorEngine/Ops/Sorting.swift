// sort, argsort and unique. Sorting is stable: equal values keep their index order, and NaN
// sorts above every number (last ascending, first descending), as PyTorch's CPU sort.

extension Tensor {
    /// The values sorted along `dim` and the int64 indices they came from. The gradient goes
    /// back to those indices.
    ///
    /// ```swift
    /// let (v, i) = try Tensor([3, 1, 2] as [Float]).sort(dim: 0)   // [1, 2, 3], [1, 2, 0]
    /// ```
    public func sort(dim: Int = -1, descending: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        let d = try Shapes.normalize(dim, ndim: ndim, op: "sort")
        if dtype == .bool {
            let (_, indices) = try cast(to: .int64).sort(dim: d, descending: descending)
            return (try gather(dim: d, index: indices), indices)
        }
        return try topk(ndim == 0 ? 1 : shape[d], dim: d, largest: descending)
    }

    /// The unique elements in ascending order (every NaN is its own element), with, for each
    /// input element, the position of its value in that list (`inverse`, shaped as the
    /// input) and each value's number of occurrences (`counts`).
    public func unique() throws -> (values: Tensor, inverse: Tensor, counts: Tensor) {
        let flat = try detached().reshaped([count])
        let (sorted, order) = try flat.sort(dim: 0)
        let n = count
        var runStarts: [Int] = []
        var inverse = [Int64](repeating: 0, count: n)
        let same: (Int, Int) -> Bool
        switch dtype {
        case .float32: let v = sorted.scalars(as: Float.self); same = { v[$0] == v[$1] }
        case .float64: let v = sorted.scalars(as: Double.self); same = { v[$0] == v[$1] }
        case .int64: let v = sorted.scalars(as: Int64.self); same = { v[$0] == v[$1] }
        case .bool: let v = sorted.scalars(as: Bool.self); same = { v[$0] == v[$1] }
        }
        let from = order.scalars(as: Int64.self)
        for j in 0..<n {
            if j == 0 || !same(j - 1, j) { runStarts.append(j) }
            inverse[Int(from[j])] = Int64(runStarts.count - 1)
        }
        let counts = runStarts.indices.map { Int64(($0 + 1 < runStarts.count ? runStarts[$0 + 1] : n) - runStarts[$0]) }
        let values = try sorted.indexSelect(dim: 0, index: Tensor(runStarts.map { Int64($0) }))
        return (values, Tensor(inverse, shape: shape), Tensor(counts))
    }
}

extension Ops {
    static let sorting: [OpSpec] = [
        OpSpec("sort", "(values, indices) sorted along dim, stable; NaN sorts above every number",
               params: [.tensor(), Param("dim", .int, default: .int(-1)), Param("descending", .bool, default: .bool(false)),
                        Param("stable", .bool, default: .bool(false))],
               outputs: ["values", "indices"],
               gradchecks: [.init(.distinct([3, 4]), [:]), .init(.distinct([3, 4], .transposed), ["dim": .int(0), "descending": .bool(true)])]) { c in
            let r = try c.tensor("input").sort(dim: c.int("dim"), descending: c.bool("descending"))
            return [r.values, r.indices]
        },
        OpSpec("argsort", "int64 indices that sort input along dim, stable; NaN sorts above every number",
               params: [.tensor(), Param("dim", .int, default: .int(-1)), Param("descending", .bool, default: .bool(false)),
                        Param("stable", .bool, default: .bool(false))],
               examples: [.init(.randn([3, 4]), [:]), .init(.randn([3, 4]), ["dim": .int(0), "descending": .bool(true)])]) { c in
            [try c.tensor("input").sort(dim: c.int("dim"), descending: c.bool("descending")).indices]
        },
        // torch.unique returns a plain tuple whose length depends on the flags, so its results
        // are unnamed: output, then inverse_indices if asked, then counts if asked.
        OpSpec("unique", "the sorted unique elements of the flattened input; then inverse_indices (return_inverse) and counts (return_counts) in that order",
               params: [.tensor(), Param("sorted", .bool, default: .bool(true)), Param("return_inverse", .bool, default: .bool(false)),
                        Param("return_counts", .bool, default: .bool(false))],
               outputs: ["output", "results*"],
               examples: [.init(.randn([2, 3]), ["return_inverse": .bool(true), "return_counts": .bool(true)])]) { c in
            let r = try c.tensor("input").unique()
            return [r.values] + (c.bool("return_inverse") ? [r.inverse] : []) + (c.bool("return_counts") ? [r.counts] : [])
        },
    ]
}
