// flip and roll: reordering along dims. Both are permutations of the elements, so the
// gradient is the inverse permutation of the upstream gradient.

extension Tensor {
    /// The elements in reverse order along each of `dims` (a copy, as PyTorch's flip).
    public func flip(_ dims: [Int]) throws -> Tensor {
        let ds = try Shapes.normalize(dims, ndim: ndim, op: "flip")
        if ndim == 0 || ds.isEmpty { return detached().copied().recording("flip", [self]) { g in [g] } }
        var st = strides, start = offset
        for d in ds where shape[d] > 0 {
            start += (shape[d] - 1) * strides[d]
            st[d] = -strides[d]
        }
        // The negative strides never leave this function: the view is copied at once.
        return restrided(shape: shape, strides: st, offset: start).copied().recording("flip", [self]) { g in [try g.flip(ds)] }
    }

    /// The elements shifted by `shifts[i]` along `dims[i]`, wrapping around; with no dims,
    /// along the flattened tensor (then `shifts` has one value).
    public func roll(_ shifts: [Int], dims: [Int]) throws -> Tensor {
        guard !dims.isEmpty else {
            guard shifts.count == 1 else {
                throw TensorError(.value, "roll: without dims, shifts must be one value, got \(shifts.count)", argument: "shifts")
            }
            return try reshaped([count]).roll(shifts, dims: [0]).reshaped(shape)
        }
        guard shifts.count == dims.count else {
            throw TensorError(.value, "roll: shifts and dims must align, got \(shifts.count) shifts and \(dims.count) dims", argument: "shifts")
        }
        guard ndim > 0 else { throw TensorError(.dim, "roll: a 0-d tensor has no dim to roll along", argument: "dims") }
        var out = self
        for (s, dim) in zip(shifts, dims) {
            let d = try Shapes.normalize(dim, ndim: ndim, op: "roll", argument: "dims")
            let n = shape[d]
            guard n > 0 else { continue }
            // A shift is taken modulo the size (Int.min % n cannot trap for n > 0).
            let k = ((s % n) + n) % n
            if k == 0 { continue }
            out = try concatenated([out.narrow(d, start: n - k, length: k), out.narrow(d, start: 0, length: n - k)], dim: d)
        }
        return out
    }
}

extension Ops {
    static let reordering: [OpSpec] = [
        OpSpec("flip", "input reversed along each of dims",
               params: [.tensor(), Param("dims", .intList)],
               gradchecks: [.init(.randn([2, 3]), .ints([1]), [:]), .init(.randn([3, 4], .transposed), .ints([0, -1]), [:])]) { c in
            [try c.tensor("input").flip(c.ints("dims"))]
        },
        OpSpec("roll", "input shifted by shifts along dims, wrapping; along the flattened input when dims is absent",
               params: [.tensor(), Param("shifts", .intList), Param("dims", .optional(.intList), default: .null)],
               gradchecks: [.init(.randn([2, 3]), .ints([1]), [:]), .init(.randn([3, 4], .transposed), .ints([-1, 5]), ["dims": .intList([0, 1])])]) { c in
            let dims: [Int] = if case .null? = c.values["dims"] { [] } else { c.ints("dims") }
            return [try c.tensor("input").roll(c.ints("shifts"), dims: dims)]
        },
    ]
}
