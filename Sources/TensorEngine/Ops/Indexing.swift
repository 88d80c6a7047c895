// Python indexing with PyTorch's semantics (https://pytorch.org/docs/stable/tensor_view.html and
// numpy's indexing rules, which PyTorch follows): `x[0, 1:3, None, ..., mask, [0, 2]]`.
// Basic indexing (ints, slices, None, ...) is a view that shares storage; a tensor index
// (int64 positions or a bool mask) makes it advanced indexing, which copies, and whose
// gradient scatter-adds back (repeated positions accumulate).

/// One item of an index.
public enum TensorIndex: Sendable {
    case int(Int)
    case slice(start: Int?, stop: Int?, step: Int?)
    /// `None`: a new dim of size 1.
    case newAxis
    /// `...`: as many full slices as the other items leave.
    case ellipsis
    /// int64 positions along one dim, or a bool mask over as many dims as it has.
    case tensor(Tensor)
}

/// An index resolved against a shape: which elements, in which order. Every user int is
/// checked against the sizes before it is used, so no arithmetic here can overflow.
struct IndexPlan {
    /// Per dim of the indexed tensor: the first index taken (ints and slice starts).
    var starts: [Int]
    /// Per dim of the basic view: the dim it walks (nil for a new axis) and its step.
    var viewDims: [(dim: Int?, step: Int)] = []
    var viewShape: [Int] = []
    /// View dims indexed by tensors, their broadcast positions (row-major over
    /// `broadcastShape`), and that shape.
    var advancedDims: [Int] = []
    var positions: [[Int]] = []
    var broadcastShape: [Int] = []

    var isBasic: Bool { advancedDims.isEmpty }

    init(_ items: [TensorIndex], shape: [Int]) throws {
        starts = [Int](repeating: 0, count: shape.count)
        var consumed = 0, ellipses = 0
        for item in items {
            switch item {
            case .int, .slice: consumed += 1
            case .tensor(let t): consumed += t.dtype == .bool ? t.ndim : 1
            case .newAxis: break
            case .ellipsis: ellipses += 1
            }
        }
        guard ellipses <= 1 else { throw TensorError.value("an index can only have a single ellipsis ('...')") }
        guard consumed <= shape.count else {
            throw TensorError.value("too many indices for tensor of dimension \(shape.count)")
        }
        var advanced: [(viewDim: Int, index: Tensor, size: Int)] = []
        var d = 0
        func keep(_ dim: Int, step: Int, size: Int) {
            viewDims.append((dim, step))
            viewShape.append(size)
        }
        for item in items {
            switch item {
            case .int(let i):
                let size = shape[d]
                guard i >= -size && i < size else {
                    throw TensorError.value("index \(i) is out of bounds for dimension \(d) with size \(size)")
                }
                starts[d] = i < 0 ? i + size : i
                d += 1
            case .slice(let start, let stop, let step):
                let size = shape[d]
                let step = step ?? 1
                guard step > 0 else { throw TensorError.value("slice step must be greater than zero, got \(step)") }
                // Python's slice.indices for a positive step: clamp into [0, size].
                func clamp(_ v: Int) -> Int { v < 0 ? max(v + size, 0) : min(v, size) }
                let a = clamp(start ?? 0), b = clamp(stop ?? size)
                starts[d] = a
                keep(d, step: step, size: b > a ? (b - a - 1) / step + 1 : 0)
                d += 1
            case .newAxis:
                viewDims.append((nil, 1))
                viewShape.append(1)
            case .ellipsis:
                for _ in 0..<(shape.count - consumed) {
                    keep(d, step: 1, size: shape[d])
                    d += 1
                }
            case .tensor(let t):
                switch t.dtype {
                case .int64:
                    advanced.append((viewDims.count, t, shape[d]))
                    keep(d, step: 1, size: shape[d])
                    d += 1
                case .bool where t.ndim == 0:
                    // x[True] adds a dim of size 1, x[False] one of size 0.
                    advanced.append((viewDims.count, Tensor(t.scalars(as: Bool.self)[0] ? [0] : [] as [Int64]), 1))
                    viewDims.append((nil, 1))
                    viewShape.append(1)
                case .bool:
                    let covered = Array(shape[d..<(d + t.ndim)])
                    guard covered == t.shape else {
                        throw TensorError.shape("the shape of the mask \(t.shape) does not match the shape \(covered) of the indexed tensor at dim \(d)")
                    }
                    // A mask is the positions of its true elements, one index tensor per dim.
                    let nonzero = IndexPlan.nonzero(t)
                    for (k, column) in nonzero.enumerated() {
                        advanced.append((viewDims.count, Tensor(column.map(Int64.init)), shape[d + k]))
                        keep(d + k, step: 1, size: shape[d + k])
                    }
                    d += t.ndim
                case .float32, .float64:
                    throw TensorError.dtype("tensors used as indices must be int64 (long) or bool, got \(t.dtype)")
                }
            }
        }
        while d < shape.count {
            keep(d, step: 1, size: shape[d])
            d += 1
        }
        guard !advanced.isEmpty else { return }
        broadcastShape = try Shapes.broadcast(advanced.map(\.index.shape))
        try ElementLimit.check(broadcastShape, op: "index")
        for (viewDim, index, size) in advanced {
            let values = index.broadcastView(to: broadcastShape).scalars(as: Int64.self)
            positions.append(try values.map { v in
                guard v >= -Int64(size) && v < Int64(size) else {
                    throw TensorError.value("index \(v) is out of bounds for dimension \(viewDim) with size \(size)")
                }
                return Int(v < 0 ? v + Int64(size) : v)
            })
            advancedDims.append(viewDim)
        }
    }

    /// The positions of the true elements of a mask, as one column per dim (row-major order).
    static func nonzero(_ mask: Tensor) -> [[Int]] {
        var columns = [[Int]](repeating: [], count: mask.ndim)
        let strides = Tensor.contiguousStrides(mask.shape)
        for (flat, on) in mask.scalars(as: Bool.self).enumerated() where on {
            var rest = flat
            for k in 0..<mask.ndim {
                columns[k].append(rest / strides[k])
                rest %= strides[k]
            }
        }
        return columns
    }

    /// Advanced dims next to each other keep their place; otherwise they go first (numpy's rule).
    var advancedAreAdjacent: Bool {
        zip(advancedDims, advancedDims.dropFirst()).allSatisfy { $1 == $0 + 1 }
    }

    var resultShape: [Int] {
        if isBasic { return viewShape }
        let rest = viewShape.indices.filter { !advancedDims.contains($0) }.map { viewShape[$0] }
        guard advancedAreAdjacent else { return broadcastShape + rest }
        let first = advancedDims[0]
        return Array(viewShape[..<first]) + broadcastShape + Array(viewShape[(advancedDims.last! + 1)...])
    }

    /// The basic view's offset and strides over a layout with `strides` and `offset`.
    func viewLayout(strides: [Int], offset: Int) -> (strides: [Int], offset: Int) {
        var base = offset
        for (s, st) in zip(starts, strides) { base += s * st }
        let viewStrides = zip(viewDims, viewShape).map { dim, size -> Int in
            guard let d = dim.dim, size > 1 else { return 0 }
            // (size - 1) * step < the dim's size, so this product is bounded by the storage.
            return strides[d] * dim.step
        }
        return (viewStrides, base)
    }

    /// The storage offset of every result element, row-major, over a layout with `strides`
    /// and `offset`.
    func offsets(strides: [Int], offset: Int) -> [Int] {
        let (vs, base) = viewLayout(strides: strides, offset: offset)
        // Walk "virtual dims": each a size and either a stride or (for the broadcast
        // advanced block) a table of offsets.
        var dims: [(size: Int, stride: Int, table: [Int]?)] = []
        let rest = viewShape.indices.filter { !advancedDims.contains($0) }
        if isBasic {
            dims = rest.map { (viewShape[$0], vs[$0], nil) }
        } else {
            let count = broadcastShape.reduce(1, *)
            var table = [Int](repeating: 0, count: count)
            for (k, dim) in advancedDims.enumerated() {
                // Tensor-indexed dims start at 0 with step 1; a new axis (x[True]) has no stride.
                let stride = viewDims[dim].dim.map { strides[$0] } ?? 0
                for j in 0..<count { table[j] += positions[k][j] * stride }
            }
            let block = (count, 0, Optional(table))
            let restDims = rest.map { (viewShape[$0], vs[$0], [Int]?.none) }
            if advancedAreAdjacent {
                let split = rest.firstIndex { $0 > advancedDims[0] } ?? rest.count
                dims = Array(restDims[..<split]) + [block] + Array(restDims[split...])
            } else {
                dims = [block] + restDims
            }
        }
        let n = dims.reduce(1) { $0 * $1.size }
        var out = [Int]()
        out.reserveCapacity(n)
        if n == 0 { return out }
        var counter = [Int](repeating: 0, count: dims.count)
        func at(_ k: Int) -> Int { dims[k].table.map { $0[counter[k]] } ?? counter[k] * dims[k].stride }
        for _ in 0..<n {
            var o = base
            for k in 0..<dims.count { o += at(k) }
            out.append(o)
            var k = dims.count - 1
            while k >= 0 {
                counter[k] += 1
                if counter[k] < dims[k].size { break }
                counter[k] = 0
                k -= 1
            }
        }
        return out
    }
}

extension Tensor {
    /// `self[items]` as PyTorch computes it: a view for basic indexing, a copy for advanced
    /// indexing; gradients flow back to the indexed elements (and accumulate over repeats).
    ///
    /// ```swift
    /// let x = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
    /// try x.indexed([.slice(start: nil, stop: nil, step: nil), .int(-1)])   // [3, 6], a view
    /// try x.indexed([.tensor(Tensor([1, 1] as [Int64]))])                  // rows 1 and 1, a copy
    /// ```
    public func indexed(_ items: [TensorIndex]) throws -> Tensor {
        let plan = try IndexPlan(items, shape: shape)
        let input = self
        if plan.isBasic {
            let (s, o) = plan.viewLayout(strides: strides, offset: offset)
            return restrided(shape: plan.viewShape, strides: s, offset: o).recording("index", [self], readsInputs: false) { g in
                let out = Tensor.filled(input.shape, with: 0, dtype: g.dtype)
                let (ws, wo) = plan.viewLayout(strides: out.strides, offset: 0)
                out.restrided(shape: plan.viewShape, strides: ws, offset: wo).overwrite(with: g)
                // Linear in g, so its own gradient indexes again (create_graph works through it).
                return [out.recording("index_backward", [g]) { gg in [try gg.indexed(items)] }]
            }
        }
        let resultShape = plan.resultShape
        try ElementLimit.check(resultShape, op: "index")
        let out = gathered(plan.offsets(strides: strides, offset: offset), shape: resultShape)
        return out.recording("index", [self], readsInputs: false) { g in
            let positions = plan.offsets(strides: Tensor.contiguousStrides(input.shape), offset: 0)
            return [try Tensor.scattered(g, into: input.shape, at: positions).recording("index_backward", [g]) { gg in [try gg.indexed(items)] }]
        }
    }

    /// `self[items] = values` written into this tensor's storage (and so into every view of
    /// it), as PyTorch's in-place `__setitem__`. `values` broadcasts to the indexed shape and
    /// converts to this dtype. No autograd: for a tensor that is part of a graph use `indexPut`.
    public func assignIndexed(_ items: [TensorIndex], _ values: Tensor) throws {
        let plan = try IndexPlan(items, shape: shape)
        let source = try Tensor.broadcastValues(values, to: plan.resultShape, dtype: dtype)
        scatter(source, at: plan.offsets(strides: strides, offset: offset))
        storage.version += 1
    }

    /// `self[items] = values` out of place (PyTorch's `index_put`): a copy of `self` with the
    /// values written; gradients flow to `self` (except where overwritten) and to `values`.
    public func indexPut(_ items: [TensorIndex], _ values: Tensor) throws -> Tensor {
        let plan = try IndexPlan(items, shape: shape)
        let resultShape = plan.resultShape
        let source = try Tensor.broadcastValues(values, to: resultShape, dtype: dtype)
        let out = copied()
        let positions = plan.offsets(strides: out.strides, offset: 0)
        out.scatter(source, at: positions)
        return out.recording("index_put", [self, values], readsInputs: false) { g in
            [Tensor.zeroing(g, at: positions, shape: resultShape), try g.indexed(items)]
        }
    }

    /// `g` with zeros at `positions` of its contiguous layout: the gradient that reaches the
    /// elements `index_put` did not overwrite. Linear, so it is its own gradient.
    static func zeroing(_ g: Tensor, at positions: [Int], shape: [Int]) -> Tensor {
        let kept = g.copied()
        kept.scatter(Tensor.filled(shape, with: 0, dtype: g.dtype), at: positions)
        return kept.recording("index_put_backward", [g]) { gg in [zeroing(gg, at: positions, shape: shape)] }
    }

    static func broadcastValues(_ values: Tensor, to shape: [Int], dtype: DType) throws -> Tensor {
        guard (try? Shapes.broadcast(values.shape, shape)) == shape else {
            throw TensorError.shape("shape mismatch: value tensor of shape \(values.shape) cannot be broadcast to indexing result of shape \(shape)")
        }
        // A copy, so that values overlapping the destination (x[1:] = x[:-1]) read the old data.
        return try values.detached().cast(to: dtype).broadcastView(to: shape).copied()
    }

    /// A new contiguous tensor of `shape` holding the storage elements at `positions`.
    func gathered(_ positions: [Int], shape: [Int]) -> Tensor {
        func go<T: Element>(_: T.Type) -> Tensor {
            let src = storage.typed(T.self)
            return Tensor.make(shape, T.self) { out in for (i, p) in positions.enumerated() { out[i] = src[p] } }
        }
        switch dtype {
        case .float32: return go(Float.self)
        case .float64: return go(Double.self)
        case .int64: return go(Int64.self)
        case .bool: return go(Bool.self)
        }
    }

    /// Writes `source` (row-major, same dtype, one element per position) to the storage
    /// elements at `positions`.
    func scatter(_ source: Tensor, at positions: [Int]) {
        func go<T: Element>(_: T.Type) {
            let dst = storage.typed(T.self)
            source.withContiguousBuffer(as: T.self) { s in for (i, p) in positions.enumerated() { dst[p] = s[i] } }
        }
        switch dtype {
        case .float32: go(Float.self)
        case .float64: go(Double.self)
        case .int64: go(Int64.self)
        case .bool: go(Bool.self)
        }
    }

    /// Zeros of `shape` with `g` added at `positions` (row-major): the gradient of a gather,
    /// where a repeated position accumulates.
    static func scattered(_ g: Tensor, into shape: [Int], at positions: [Int]) throws -> Tensor {
        func go<T: Element & FloatingPoint>(_: T.Type) -> Tensor {
            Tensor.make(shape, T.self) { out in
                out.initialize(repeating: 0)
                g.withContiguousBuffer(as: T.self) { s in for (i, p) in positions.enumerated() { out[p] += s[i] } }
            }
        }
        switch g.dtype {
        case .float32: return go(Float.self)
        case .float64: return go(Double.self)
        case .int64, .bool: throw TensorError.dtype("index: gradients are floating, got \(g.dtype)")
        }
    }
}
