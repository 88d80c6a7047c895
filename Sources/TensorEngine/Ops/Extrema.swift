// max, min, argmax, argmin (semantics §5). NaN wins over every number; among ties
// the first index wins. With a dim, values are gathered at the returned indices,
// so the gradient goes to those indices only (semantics §10).

extension Tensor {
    /// The index of the first extreme element of each row of `layout`, as int64.
    /// Bool rows compare as 0/1.
    static func extremeIndices(_ layout: ReductionLayout, largest: Bool) -> Tensor {
        switch layout.rows.dtype {
        case .float32: reduceRows(layout, Float.self, to: Int64.self) { Int64(firstExtremeIndex($0, $1, largest: largest)) }
        case .float64: reduceRows(layout, Double.self, to: Int64.self) { Int64(firstExtremeIndex($0, $1, largest: largest)) }
        case .int64: reduceRows(layout, Int64.self, to: Int64.self) { Int64(firstExtremeIndex($0, $1, largest: largest)) }
        case .bool:
            reduceRows(layout, Bool.self, to: Int64.self) { p, n in
                Int64(p.withMemoryRebound(to: UInt8.self, capacity: n) { firstExtremeIndex($0, n, largest: largest) })
            }
        }
    }

    /// Indices of the extreme along `dim`; throws when that dim is empty.
    private func extremeIndices(dim: Int, keepdim: Bool, largest: Bool, op: String) throws -> (indices: Tensor, layout: ReductionLayout) {
        let layout = try reductionLayout([dim], keepdim: keepdim, op: op)
        if layout.inner == 0 {
            throw TensorError(.shape, "\(op): cannot reduce dim \(dim) of size 0 (shape \(shape)); there is no identity for \(op)", argument: "dim")
        }
        return (Tensor.extremeIndices(layout, largest: largest), layout)
    }

    private func extreme(largest: Bool, op: String) throws -> Tensor {
        guard !isEmpty else {
            throw TensorError.shape("\(op): the input is empty (shape \(shape)); \(op) over no elements has no value; pass a dim or check the size")
        }
        let layout = try reductionLayout(nil, keepdim: false, op: op)
        let at = Int(Tensor.extremeIndices(layout, largest: largest).scalars(as: Int64.self)[0])
        let flat = try detached().reshaped([count])
        let out = try flat.gather(dim: 0, index: Tensor([Int64(at)], shape: [1])).reshaped([])
        let input = self
        // The gradient is split evenly among every element equal to the result (all NaNs
        // when the result is NaN), as PyTorch's evenly_distribute_backward does.
        return out.recording(op, [self]) { g in
            let share = input.detached().tiedShare(with: out)
            return [try g * share]
        }
    }

    /// 1/count where an element equals `value` (or is NaN when `value` is NaN), else 0.
    private func tiedShare(with value: Tensor) -> Tensor {
        func go<T: Element & BinaryFloatingPoint>(_: T.Type) -> Tensor {
            let v = value.scalars(as: T.self)[0]
            let hit: (T) -> Bool = v.isNaN ? { $0.isNaN } : { $0 == v }
            let n = scalars(as: T.self).reduce(0) { hit($1) ? $0 + 1 : $0 }
            return mapped(T.self, to: T.self) { hit($0) ? 1 / T(n) : 0 }
        }
        return dtype == .float32 ? go(Float.self) : go(Double.self)
    }

    /// The largest element as a 0-d tensor (PyTorch's `max(input)`); NaN if any element
    /// is NaN. An empty input is a shape error. The gradient is split evenly among tied
    /// maxima. (Not named `max`: a method of that name would hide `Swift.max` in every
    /// extension of Tensor.)
    ///
    /// ```swift
    /// try Tensor([1, 3, 2] as [Float]).maxElement()   // 3
    /// ```
    public func maxElement() throws -> Tensor { try extreme(largest: true, op: "max") }

    /// The smallest element as a 0-d tensor (see `maxElement()`).
    public func minElement() throws -> Tensor { try extreme(largest: false, op: "min") }

    /// The largest values along `dim` and their int64 indices (PyTorch's `max(input, dim)`):
    /// the first among ties, the first NaN if any. The gradient goes to the returned index.
    ///
    /// ```swift
    /// let (v, i) = try Tensor([1, 5, 5, 2] as [Float], shape: [2, 2]).maxAlong(dim: 1)  // [5, 5], [1, 0]
    /// ```
    public func maxAlong(dim: Int, keepdim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        try extreme(dim: dim, keepdim: keepdim, largest: true, op: "max")
    }

    /// The smallest values along `dim` and their indices (see `maxAlong(dim:keepdim:)`).
    public func minAlong(dim: Int, keepdim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        try extreme(dim: dim, keepdim: keepdim, largest: false, op: "min")
    }

    private func extreme(dim: Int, keepdim: Bool, largest: Bool, op: String) throws -> (values: Tensor, indices: Tensor) {
        let (indices, layout) = try extremeIndices(dim: dim, keepdim: keepdim, largest: largest, op: op)
        let kept = ndim == 0 ? [1] : layout.keptShape
        let values = try atLeast1d().gather(dim: layout.dims[0], index: indices.reshaped(kept)).reshaped(layout.outShape)
        return (values, indices)
    }

    /// The int64 index of the largest element: into the flattened tensor when `dim` is nil
    /// (with `keepdim`, every dim kept as 1), otherwise along `dim`. Ties give the first
    /// index, and the first NaN wins. An empty input is a shape error.
    public func argmax(dim: Int? = nil, keepdim: Bool = false) throws -> Tensor {
        try argExtreme(dim: dim, keepdim: keepdim, largest: true, op: "argmax")
    }

    /// The int64 index of the smallest element (see `argmax`).
    public func argmin(dim: Int? = nil, keepdim: Bool = false) throws -> Tensor {
        try argExtreme(dim: dim, keepdim: keepdim, largest: false, op: "argmin")
    }

    private func argExtreme(dim: Int?, keepdim: Bool, largest: Bool, op: String) throws -> Tensor {
        if let dim { return try extremeIndices(dim: dim, keepdim: keepdim, largest: largest, op: op).indices }
        guard !isEmpty else {
            throw TensorError.shape("\(op): the input is empty (shape \(shape)); there is no index to return")
        }
        return Tensor.extremeIndices(try reductionLayout(nil, keepdim: keepdim, op: op), largest: largest)
    }
}

extension Ops {
    static let extrema: [OpSpec] = [
        extremumSpec("max", "largest"), extremumSpec("min", "smallest"),
        argSpec("argmax", "largest"), argSpec("argmin", "smallest"),
    ]

    private static func extremumSpec(_ name: String, _ what: String) -> OpSpec {
        OpSpec(name, "the \(what) element as a plain 0-d tensor when dim is absent (as torch.\(name)(input)); with dim, (values, indices) along it, first index among ties, NaN wins",
               params: [.tensor(), Param("dim", .optional(.int), default: .null), Param("keepdim", .bool, default: .bool(false))],
               outputs: ["values", "indices"],
               gradchecks: [.init(.distinct([3, 4]), [:]), .init(.distinct([2, 3, 4]), ["dim": .int(1)]),
                            .init(.distinct([3, 4], .transposed), ["dim": .int(-1), "keepdim": .bool(true)]),
                            .init(.distinct([1, 4], .expanded([3, 4])), ["dim": .int(1)])]) { c in
            let x = c.tensor("input")
            guard let dim = c.optionalInt("dim") else {
                if c.bool("keepdim") { throw TensorError(.value, "\(name): keepdim needs a dim", argument: "keepdim") }
                return [try name == "max" ? x.maxElement() : x.minElement()]
            }
            let r = try name == "max" ? x.maxAlong(dim: dim, keepdim: c.bool("keepdim")) : x.minAlong(dim: dim, keepdim: c.bool("keepdim"))
            return [r.values, r.indices]
        }
    }

    private static func argSpec(_ name: String, _ what: String) -> OpSpec {
        OpSpec(name, "int64 index of the \(what) element (of the flattened input when dim is absent); first among ties, NaN wins",
               params: [.tensor(), Param("dim", .optional(.int), default: .null), Param("keepdim", .bool, default: .bool(false))],
               examples: [.init(.randn([3, 4]), [:]), .init(.randn([3, 4]), ["dim": .int(1), "keepdim": .bool(true)])]) { c in
            let x = c.tensor("input")
            let dim = c.optionalInt("dim"), keepdim = c.bool("keepdim")
            return [try name == "argmax" ? x.argmax(dim: dim, keepdim: keepdim) : x.argmin(dim: dim, keepdim: keepdim)]
        }
    }
}
