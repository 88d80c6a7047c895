// median and mode (semantics §5): order statistics that pick an element, so the gradient goes
// to the element picked (with a dim) or is shared among the elements equal to the result.

extension Tensor {
    /// The lower median of all elements as a 0-d tensor (`(n−1)/2`-th smallest, 0-based); NaN
    /// if any element is NaN or the input is empty. The gradient is split among the elements
    /// equal to the result, as PyTorch's evenly_distribute_backward.
    public func median() throws -> Tensor {
        guard dtype != .bool else { throw TensorError.dtype("median is not defined for bool tensors; cast to int64 or float32 first") }
        let x = detached()
        let value: Tensor
        if isEmpty {
            guard dtype.isFloating else { throw TensorError.shape("median: the input is empty (shape \(shape)) and int64 has no NaN to return") }
            value = Tensor.filled([], with: .nan, dtype: dtype)
        } else if dtype.isFloating, try x.isnan().any().item() != 0 {
            value = Tensor.filled([], with: .nan, dtype: dtype)
        } else {
            value = try x.reshaped([count]).kthvalue((count - 1) / 2 + 1).values.reshaped([]).detached()
        }
        return value.recording("median", [self]) { g in
            let hit = try x.eq(.tensor(value)).add(.tensor(x.isnan() * value.isnan()))
            return [try g * hit.cast(to: g.dtype) / hit.sum().cast(to: g.dtype)]
        }
    }

    /// The lower median along `dim` and its int64 index (among equal values, the one a stable
    /// sort puts at the median's place); a slice holding NaN gives NaN at its first NaN.
    public func median(dim: Int, keepdim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        let x = try atLeast1d()
        let d = try Shapes.normalize(dim, ndim: ndim, op: "median")
        let n = x.shape[d]
        guard n > 0 else {
            throw TensorError(.shape, "median: cannot take the median of dim \(dim) of size 0 (shape \(shape))", argument: "dim")
        }
        var index = try x.kthvalue((n - 1) / 2 + 1, dim: d, keepdim: true).indices
        if dtype.isFloating {
            let nan = x.detached().isnan()
            index = try Tensor.where(nan.any(dims: [d], keepdim: true), .tensor(nan.argmax(dim: d, keepdim: true)), .tensor(index))
        }
        return try x.pickedAlong(d, index, keepdim: keepdim, ndim: ndim)
    }

    /// The most frequent value along `dim` (the smallest among equally frequent ones) and the
    /// int64 index of its last occurrence, as PyTorch's CPU mode.
    public func mode(dim: Int = -1, keepdim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        let x = try atLeast1d()
        let d = try Shapes.normalize(dim, ndim: ndim, op: "mode")
        guard x.shape[d] > 0 else {
            throw TensorError(.shape, "mode: cannot take the mode of dim \(dim) of size 0 (shape \(shape))", argument: "dim")
        }
        let keyed = dtype == .bool ? try x.detached().cast(to: .int64) : x.detached()
        let sorted = try keyed.sort(dim: d)
        let lv = try sorted.values.reductionLayout([d], keepdim: true, op: "mode")
        let li = try sorted.indices.reductionLayout([d], keepdim: true, op: "mode")
        let n = lv.inner
        func go<T: Element & Comparable>(_: T.Type) -> Tensor {
            let vs = lv.rows.storage.typed(T.self) + lv.rows.offset
            let ix = li.rows.storage.typed(Int64.self) + li.rows.offset
            return Tensor.make([lv.outer], Int64.self) { out in
                for r in 0..<lv.outer {
                    let v = vs + r * n, i = ix + r * n
                    var best = 0, bestCount = 0, start = 0
                    // Runs of equal values in ascending order: the first longest run wins; NaNs form one run.
                    for k in 1...n where k == n || !(v[k] == v[start] || (v[k] != v[k] && v[start] != v[start])) {
                        if k - start > bestCount { (best, bestCount) = (k - 1, k - start) }
                        start = k
                    }
                    // A stable sort keeps equal values in index order: the run's last is the last occurrence.
                    out[r] = i[best]
                }
            }
        }
        let rows: Tensor
        switch keyed.dtype {
        case .float32: rows = go(Float.self)
        case .float64: rows = go(Double.self)
        case .int64, .bool: rows = go(Int64.self)
        }
        return try x.pickedAlong(d, rows.reshaped(lv.outShape), keepdim: keepdim, ndim: ndim)
    }

    /// The values at `index` (keepdim-shaped, int64) along `d` and the index, shaped for
    /// `keepdim` (and for a 0-d input of `ndim` 0).
    private func pickedAlong(_ d: Int, _ index: Tensor, keepdim: Bool, ndim: Int) throws -> (values: Tensor, indices: Tensor) {
        var values = try gather(dim: d, index: index), indices = index
        if ndim == 0 {
            (values, indices) = (try values.reshaped([]), try indices.reshaped([]))
        } else if !keepdim {
            (values, indices) = (try values.squeezed([d]), try indices.squeezed([d]))
        }
        return (values, indices)
    }
}

extension Ops {
    static let medians: [OpSpec] = [
        OpSpec("median", "the lower median: of all elements as a 0-d tensor when dim is absent (one output, 'values'); with dim, (values, indices) along it; NaN if present",
               params: [.tensor(), Param("dim", .optional(.int), default: .null), Param("keepdim", .bool, default: .bool(false))],
               outputs: ["values", "indices"],
               gradchecks: [.init(.distinct([3, 4]), [:]), .init(.distinct([3, 4]), ["dim": .int(1)]),
                            .init(.distinct([2, 3, 4], .transposed), ["dim": .int(0), "keepdim": .bool(true)])]) { c in
            let x = c.tensor("input")
            guard let dim = c.optionalInt("dim") else {
                if c.bool("keepdim") { throw TensorError(.value, "median: keepdim needs a dim", argument: "keepdim") }
                return [try x.median()]
            }
            let r = try x.median(dim: dim, keepdim: c.bool("keepdim"))
            return [r.values, r.indices]
        },
        OpSpec("mode", "(values, indices): the most frequent value along dim (the smallest among ties) and its last index",
               params: [.tensor(), Param("dim", .int, default: .int(-1)), Param("keepdim", .bool, default: .bool(false))],
               outputs: ["values", "indices"],
               gradchecks: [.init(.distinct([3, 4]), [:]), .init(.distinct([3, 4], .transposed), ["dim": .int(0), "keepdim": .bool(true)])]) { c in
            let r = try c.tensor("input").mode(dim: c.int("dim"), keepdim: c.bool("keepdim"))
            return [r.values, r.indices]
        },
    ]
}
