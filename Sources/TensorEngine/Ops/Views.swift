// Views (semantics §6–7): they share storage and change only shape, strides and offset.
// Each gradient inverts the index mapping.

extension Tensor {
    /// Resolves one `-1` entry of a requested shape against this tensor's element count.
    func inferShape(_ size: [Int], op: String) throws -> [Int] {
        let holes = size.indices.filter { size[$0] == -1 }
        guard holes.count <= 1 else { throw TensorError.shape("\(op): only one dimension can be inferred (-1), got \(size)") }
        if let bad = size.first(where: { $0 < -1 }) { throw TensorError.shape("\(op): invalid size \(bad) in \(size)") }
        var out = size
        // Built only when thrown: formatting the two shapes on every call was 1.4 % of a training step (perf, issue 19).
        func invalid() -> TensorError { TensorError.shape("\(op): shape \(size) is invalid for a tensor of \(count) elements (shape \(shape))") }
        if let h = holes.first {
            guard let known = Shapes.product(size.enumerated().filter { $0.offset != h }.map(\.element)) else { throw invalid() }
            guard known != 0 else { throw TensorError.shape("\(op): cannot infer -1 in \(size) for a tensor of \(count) elements: the other sizes contain 0") }
            guard count % known == 0 else { throw TensorError.shape("\(op): shape \(size) is invalid for a tensor of \(count) elements") }
            out[h] = count / known
        }
        guard Shapes.product(out) == count else { throw invalid() }
        return out
    }

    /// Strides that let `newShape` view this tensor's memory, or nil (ATen's computeStride).
    func viewStrides(_ newShape: [Int]) -> [Int]? {
        if isContiguous { return Tensor.contiguousStrides(newShape) }
        if count == 0 { return Tensor.contiguousStrides(newShape) }
        var newStrides = [Int](repeating: 0, count: newShape.count)
        var viewD = newShape.count - 1
        var chunkBase = strides.last ?? 1
        var tensorNumel = 1, viewNumel = 1
        for d in stride(from: ndim - 1, through: 0, by: -1) {
            tensorNumel *= shape[d]
            if d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensorNumel * chunkBase) {
                while viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1) {
                    newStrides[viewD] = viewNumel * chunkBase
                    viewNumel *= newShape[viewD]
                    viewD -= 1
                }
                if viewNumel != tensorNumel { return nil }
                if d > 0 { chunkBase = strides[d - 1]; tensorNumel = 1; viewNumel = 1 }
            }
        }
        return viewD == -1 ? newStrides : nil
    }

    /// A view with a new shape over the same memory; fails if the layout cannot be viewed.
    public func view(_ size: [Int]) throws -> Tensor {
        let target = try inferShape(size, op: "view")
        guard let s = viewStrides(target) else {
            throw TensorError.shape("view: shape \(size) is not compatible with the input's strides \(strides); use reshape, which copies when needed")
        }
        let input = self
        return restrided(shape: target, strides: s, offset: offset).recording("view", [self]) { g in [try g.reshaped(input.shape)] }
    }

    /// This tensor with at least one dim (a 0-d tensor becomes shape [1]), for ops along a dim.
    func atLeast1d() throws -> Tensor { ndim == 0 ? try reshaped([1]) : self }

    /// A tensor of the new shape: a view when the layout allows, a copy otherwise.
    public func reshaped(_ size: [Int]) throws -> Tensor {
        let target = try inferShape(size, op: "reshape")
        if let s = viewStrides(target) {
            let input = self
            return restrided(shape: target, strides: s, offset: offset).recording("reshape", [self]) { g in [try g.reshaped(input.shape)] }
        }
        return try contiguous().view(target)
    }

    /// Swaps two dims (a view).
    public func transposed(_ dim0: Int, _ dim1: Int) throws -> Tensor {
        let a = try Shapes.normalize(dim0, ndim: ndim, op: "transpose", argument: "dim0")
        let b = try Shapes.normalize(dim1, ndim: ndim, op: "transpose", argument: "dim1")
        if ndim < 2 || a == b { return self }
        var sh = shape, st = strides
        sh.swapAt(a, b); st.swapAt(a, b)
        return restrided(shape: sh, strides: st, offset: offset).recording("transpose", [self]) { g in [try g.transposed(a, b)] }
    }

    /// The transpose of a matrix; 0-d and 1-D tensors are returned unchanged.
    public func t() throws -> Tensor {
        guard ndim <= 2 else { throw TensorError.shape("t() expects a tensor with at most 2 dims, got \(ndim)-d; use transpose(dim0, dim1)") }
        return try transposed(0, ndim == 2 ? 1 : 0)
    }

    /// Reorders the dims (a view).
    public func permuted(_ dims: [Int]) throws -> Tensor {
        guard dims.count == ndim else {
            throw TensorError(.dim, "permute: expected \(ndim) dims for a \(ndim)-d tensor, got \(dims)", argument: "dims")
        }
        let perm = try Shapes.normalize(dims, ndim: ndim, op: "permute", argument: "dims")
        var inverse = [Int](repeating: 0, count: ndim)
        for (i, p) in perm.enumerated() { inverse[p] = i }
        return restrided(shape: perm.map { shape[$0] }, strides: perm.map { strides[$0] }, offset: offset)
            .recording("permute", [self]) { g in [try g.permuted(inverse)] }
    }

    /// Broadcasts to `size` without copying; `-1` keeps a size, new dims go in front.
    public func expanded(_ size: [Int]) throws -> Tensor {
        guard size.count >= ndim else {
            throw TensorError.shape("expand: the number of sizes (\(size.count)) must be at least the tensor's dims (\(ndim))")
        }
        let lead = size.count - ndim
        var target = size
        for i in 0..<size.count {
            if i < lead {
                guard size[i] >= 0 else { throw TensorError.shape("expand: size \(size[i]) is not allowed in a new leading dim (in \(size))") }
                continue
            }
            let cur = shape[i - lead]
            if size[i] == -1 { target[i] = cur; continue }
            guard size[i] == cur || (cur == 1 && size[i] >= 0) else {
                throw TensorError.shape("expand: cannot expand size \(cur) to \(size[i]) at dim \(i) (only size-1 dims expand); shape \(shape) → \(size)")
            }
        }
        try ElementLimit.check(target, op: "expand")
        // The walk sums the gradient back over the expanded dims.
        return broadcastView(to: target).recording("expand", [self]) { g in [g] }
    }

    /// Removes size-1 dims: all of them, or only the named ones that have size 1.
    public func squeezed(_ dims: [Int]? = nil) throws -> Tensor {
        let drop: Set<Int>
        if let dims {
            drop = Set(try Shapes.normalize(dims, ndim: ndim, op: "squeeze").filter { ndim > 0 && shape[$0] == 1 })
        } else {
            drop = Set(shape.indices.filter { shape[$0] == 1 })
        }
        if drop.isEmpty { return self }
        let keep = shape.indices.filter { !drop.contains($0) }
        let input = self
        return restrided(shape: keep.map { shape[$0] }, strides: keep.map { strides[$0] }, offset: offset)
            .recording("squeeze", [self]) { g in [try g.reshaped(input.shape)] }
    }

    /// Inserts a size-1 dim at `dim` in `[-n-1, n]`.
    public func unsqueezed(_ dim: Int) throws -> Tensor {
        guard dim >= -ndim - 1 && dim <= ndim else {
            throw TensorError.dim("unsqueeze: dimension \(dim) is out of range for a \(ndim)-d tensor (expected in [\(-ndim - 1), \(ndim)])")
        }
        let d = dim < 0 ? dim + ndim + 1 : dim
        var sh = shape, st = strides
        sh.insert(1, at: d)
        st.insert(d < ndim ? strides[d] * shape[d] : 1, at: d)
        let input = self
        return restrided(shape: sh, strides: st, offset: offset).recording("unsqueeze", [self]) { g in [try g.reshaped(input.shape)] }
    }

    /// The slice `start ..< start+length` along `dim` (a view).
    public func narrow(_ dim: Int, start: Int, length: Int) throws -> Tensor {
        guard ndim > 0 else { throw TensorError.shape("narrow: cannot narrow a 0-d tensor") }
        let d = try Shapes.normalize(dim, ndim: ndim, op: "narrow")
        let s = start < 0 ? start + shape[d] : start
        guard s >= 0, length >= 0, length <= shape[d] - s else {
            throw TensorError.value("narrow: start \(start) and length \(length) exceed size \(shape[d]) of dim \(dim)")
        }
        var sh = shape
        sh[d] = length
        let input = self
        return restrided(shape: sh, strides: strides, offset: offset + s * strides[d])
            .recording("narrow", [self]) { g in [Tensor.embedding(g, in: input.shape, dim: d, start: s)] }
    }

    /// Merges dims `startDim...endDim` into one; a 0-d tensor becomes shape [1].
    public func flattened(startDim: Int = 0, endDim: Int = -1) throws -> Tensor {
        let s = try Shapes.normalize(startDim, ndim: ndim, op: "flatten", argument: "start_dim")
        let e = try Shapes.normalize(endDim, ndim: ndim, op: "flatten", argument: "end_dim")
        guard s <= e else { throw TensorError(.dim, "flatten: start_dim \(startDim) comes after end_dim \(endDim)", argument: "start_dim") }
        if ndim == 0 { return try reshaped([1]) }
        if s == e { return self }
        let merged = shape[s...e].reduce(1, *)
        return try reshaped(Array(shape[..<s]) + [merged] + Array(shape[(e + 1)...]))
    }
}
