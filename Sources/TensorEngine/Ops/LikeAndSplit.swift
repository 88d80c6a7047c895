// zeros_like, ones_like, full_like, empty, tensor_split, movedim, expand_as, view_as,
// reshape_as, type_as and meshgrid: creation from another tensor's shape and shape ops
// that are compositions of the views (so their gradients are the views').

extension Tensor {
    /// `torch.tensor_split`: `sections` pieces as even as possible (the first `n % sections`
    /// one longer), or pieces cut at `indices` (clamped to the dim, empty when reversed); views.
    public func tensorSplit(sections: Int, dim: Int = 0) throws -> [Tensor] {
        guard sections > 0 else { throw TensorError(.value, "tensor_split: number of sections must be larger than 0, got \(sections)", argument: "indices_or_sections") }
        let d = try Shapes.normalize(dim, ndim: ndim, op: "tensor_split")
        guard ndim > 0 else { throw TensorError(.shape, "tensor_split: expected at least a 1-dimensional tensor", argument: "input") }
        try ElementLimit.check(pieces: sections, op: "tensor_split", argument: "indices_or_sections")
        let n = shape[d], (base, extra) = n.quotientAndRemainder(dividingBy: sections)
        var start = 0
        return try (0..<sections).map { k in
            let length = base + (k < extra ? 1 : 0)
            defer { start += length }
            return try narrow(d, start: start, length: length)
        }
    }

    public func tensorSplit(indices: [Int], dim: Int = 0) throws -> [Tensor] {
        guard ndim > 0 else { throw TensorError(.shape, "tensor_split: expected at least a 1-dimensional tensor", argument: "input") }
        let d = try Shapes.normalize(dim, ndim: ndim, op: "tensor_split")
        let n = shape[d]
        // Python slicing: negative indices count from the end, everything clamps to [0, n].
        let cuts = [0] + indices.map { i in Swift.min(Swift.max(i < 0 ? i &+ n : i, 0), n) } + [n]
        return try zip(cuts, cuts.dropFirst()).map { a, b in try narrow(d, start: a, length: Swift.max(b - a, 0)) }
    }

    /// `torch.movedim`: moves dims `source` to positions `destination`, the others keeping
    /// their order (a permutation view).
    public func movedim(_ source: [Int], _ destination: [Int]) throws -> Tensor {
        guard source.count == destination.count else {
            throw TensorError(.value, "movedim: invalid source or destination dims: source (\(source)) and destination (\(destination)) must have the same number of elements", argument: "destination")
        }
        let src = try Shapes.normalize(source, ndim: ndim, op: "movedim", argument: "source")
        let dst = try Shapes.normalize(destination, ndim: ndim, op: "movedim", argument: "destination")
        // A 0-d tensor accepts dim 0 and −1 (as PyTorch wraps dims of a scalar) and stays itself.
        if ndim == 0 { return self }
        var order = [Int?](repeating: nil, count: ndim)
        for (s, t) in zip(src, dst) { order[t] = s }
        var rest = (0..<ndim).filter { !src.contains($0) }.makeIterator()
        return try permuted(order.map { $0 ?? rest.next()! })
    }

    /// `torch.meshgrid`: for 1-D tensors of sizes n₁…n_k, k tensors of shape (n₁, …, n_k), the
    /// i-th varying along dim i ('ij'); 'xy' swaps the first two dims. Expanded views.
    public static func meshgrid(_ tensors: [Tensor], indexing: String = "ij") throws -> [Tensor] {
        guard !tensors.isEmpty else { throw TensorError(.value, "meshgrid expects a non-empty list of tensors", argument: "tensors") }
        guard tensors.allSatisfy({ $0.ndim <= 1 }) else {
            throw TensorError(.shape, "meshgrid expects 0-D or 1-D tensors, got shapes \(tensors.map(\.shape))", argument: "tensors")
        }
        guard tensors.allSatisfy({ $0.dtype == tensors[0].dtype }) else {
            throw TensorError(.dtype, "meshgrid expects all tensors to have the same dtype, got \(tensors.map(\.dtype))", argument: "tensors")
        }
        let sizes = tensors.map { $0.ndim == 0 ? 1 : $0.shape[0] }
        let swap = indexing == "xy" && tensors.count >= 2
        var axes = Array(0..<tensors.count)
        if swap { axes.swapAt(0, 1) }
        var outShape = sizes
        if swap { outShape.swapAt(0, 1) }
        try Tensor.checkSize(outShape, op: "meshgrid")
        return try tensors.enumerated().map { i, t in
            var view = [Int](repeating: 1, count: tensors.count)
            view[axes[i]] = sizes[i]
            return try t.reshaped(view).expanded(outShape)
        }
    }
}

extension Ops {
    static let likeAndSplit: [OpSpec] = [
        OpSpec("zeros_like", "zeros with the input's shape (and dtype unless given)", params: [.tensor(), Param("dtype", .optional(.dtype), default: .null)],
               examples: [.init(.randn([2, 3]), [:])]) { c in
            let x = c.tensor("input")
            return [try Tensor.zeros(x.shape, dtype: c.dtype("dtype") ?? x.dtype)]
        },
        OpSpec("ones_like", "ones with the input's shape (and dtype unless given)", params: [.tensor(), Param("dtype", .optional(.dtype), default: .null)],
               examples: [.init(.randn([2, 3]), [:])]) { c in
            let x = c.tensor("input")
            return [try Tensor.ones(x.shape, dtype: c.dtype("dtype") ?? x.dtype)]
        },
        OpSpec("full_like", "fill_value in the input's shape and dtype (unless given)",
               params: [.tensor(), Param("fill_value", .number), Param("dtype", .optional(.dtype), default: .null)],
               examples: [.init(.randn([2, 2]), .number(7.5), [:])]) { c in
            let x = c.tensor("input")
            return [try Tensor.full(x.shape, fillValue: c.scalar("fill_value"), dtype: c.dtype("dtype") ?? x.dtype)]
        },
        OpSpec("empty", "a tensor of the given size, zero-filled (Tensord never returns uninitialised memory)",
               params: [Param("size", .intList), Param("dtype", .dtype, default: .string("float32"))],
               examples: [.init(.ints([2, 3]), [:])]) { c in
            [try Tensor.zeros(c.ints("size"), dtype: c.dtype("dtype") ?? .float32)]
        },
        OpSpec("tensor_split", "views cut into n near-equal sections, or at the given indices, along dim",
               params: [.tensor(), Param("indices_or_sections", .dims), Param("dim", .int, default: .int(0))], outputs: ["pieces*"],
               gradchecks: [.init(.randn([7, 2]), .int(3), [:]), .init(.randn([2, 6]), .ints([1, 4]), ["dim": .int(1)])]) { c in
            let x = c.tensor("input")
            if case .int(let sections)? = c.values["indices_or_sections"] { return try x.tensorSplit(sections: sections, dim: c.int("dim")) }
            return try x.tensorSplit(indices: c.ints("indices_or_sections"), dim: c.int("dim"))
        },
        OpSpec("movedim", "moves dims from source to destination positions (a view)",
               params: [.tensor(), Param("source", .dims), Param("destination", .dims)],
               gradchecks: [.init(.randn([2, 3, 4]), .int(0), .int(-1), [:]), .init(.randn([2, 3, 4]), .ints([0, 1]), .ints([2, 0]), [:])]) { c in
            [try c.tensor("input").movedim(c.ints("source"), c.ints("destination"))]
        },
        OpSpec("expand_as", "input expanded to other's shape", params: [.tensor(), .tensor("other")],
               gradchecks: [.init(.randn([3, 1]), .constant(Tensor([Float](repeating: 0, count: 24), shape: [2, 3, 4])), [:])]) { c in
            [try c.tensor("input").expanded(c.tensor("other").shape)]
        },
        OpSpec("view_as", "input viewed with other's shape", params: [.tensor(), .tensor("other")],
               gradchecks: [.init(.randn([2, 6]), .constant(Tensor([Float](repeating: 0, count: 12), shape: [3, 4])), [:])]) { c in
            [try c.tensor("input").view(c.tensor("other").shape)]
        },
        OpSpec("reshape_as", "input reshaped to other's shape", params: [.tensor(), .tensor("other")],
               gradchecks: [.init(.randn([4, 3], .transposed), .constant(Tensor([Float](repeating: 0, count: 12), shape: [2, 6])), [:])]) { c in
            [try c.tensor("input").reshaped(c.tensor("other").shape)]
        },
        OpSpec("type_as", "input cast to other's dtype", params: [.tensor(), .tensor("other")],
               gradchecks: [.init(.randn([2, 3]), .constant(Tensor([0] as [Double])), [:])],
               examples: [.init(.randn([3]), .constant(Tensor([0] as [Int64])), [:])]) { c in
            [try c.tensor("input").cast(to: c.tensor("other").dtype)]
        },
        OpSpec("meshgrid", "coordinate grids from 1-D tensors ('ij' or 'xy' indexing)",
               params: [Param("tensors", .tensorList), Param("indexing", .choice(["ij", "xy"]), default: .string("ij"))], outputs: ["grids*"],
               gradchecks: [.init([.tensors([.init(shape: [2], distribution: .normal), .init(shape: [3], distribution: .normal)])], [:]),
                            .init([.tensors([.init(shape: [2], distribution: .normal), .init(shape: [3], distribution: .normal)])], ["indexing": .string("xy")])]) { c in
            try Tensor.meshgrid(c.tensors("tensors"), indexing: c.string("indexing"))
        },
    ]
}
