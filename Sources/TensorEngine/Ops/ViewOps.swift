// Catalogue entries for the view ops of semantics §6–7. Their maths (forward and
// gradient) lives in Ops/Views.swift; these declarations expose them by PyTorch name.

extension Ops {
    static let views: [OpSpec] = [
        OpSpec("transpose", "swaps dims dim0 and dim1 (a view)",
               params: [.tensor(), Param("dim0", .int), Param("dim1", .int)],
               gradchecks: [.init(.randn([2, 3, 4]), .int(0), .int(-1), [:]), .init(.randn([3, 2], .transposed), .int(0), .int(1), [:])]) { c in
            [try c.tensor("input").transposed(c.int("dim0"), c.int("dim1"))]
        },
        OpSpec("t", "transpose of a matrix; 0-d and 1-D input unchanged; more than 2 dims is an error",
               params: [.tensor()],
               gradchecks: [.init(.randn([2, 3])), .init(.randn([3]))]) { c in
            [try c.tensor("input").t()]
        },
        OpSpec("permute", "reorders the dims (a view); dims must be a permutation of all dims",
               params: [.tensor(), Param("dims", .intList)],
               gradchecks: [.init(.randn([2, 3, 4]), .ints([2, 0, -2]), [:]), .init(.randn([3, 2], .transposed), .ints([1, 0]), [:])]) { c in
            [try c.tensor("input").permuted(c.ints("dims"))]
        },
        OpSpec("view", "the same data with a new shape (one -1 inferred); the strides must allow it",
               params: [.tensor(), Param("size", .intList)],
               gradchecks: [.init(.randn([2, 3, 2]), .ints([3, -1]), [:])]) { c in
            [try c.tensor("input").view(c.ints("size"))]
        },
        OpSpec("reshape", "the same data with a new shape (one -1 inferred); copies when a view is impossible",
               params: [.tensor(), Param("shape", .intList)],
               gradchecks: [.init(.randn([2, 3, 2]), .ints([-1, 4]), [:]), .init(.randn([3, 2], .transposed), .ints([6]), [:])]) { c in
            [try c.tensor("input").reshaped(c.ints("shape"))]
        },
        OpSpec("squeeze", "removes size-1 dims: all of them, or only the named ones that have size 1",
               params: [.tensor(), Param("dim", .optional(.dims), default: .null)],
               gradchecks: [.init(.randn([2, 1, 3, 1]), [:]), .init(.randn([2, 1, 3, 1]), ["dim": .intList([1, 2])])]) { c in
            [try c.tensor("input").squeezed(c.optionalDims("dim"))]
        },
        OpSpec("unsqueeze", "inserts a size-1 dim at dim, in [-n-1, n]",
               params: [.tensor(), Param("dim", .int)],
               gradchecks: [.init(.randn([2, 3]), .int(-1), [:]), .init(.randn([3, 2], .transposed), .int(1), [:])]) { c in
            [try c.tensor("input").unsqueezed(c.int("dim"))]
        },
        OpSpec("expand", "broadcasts size-1 dims to size without copying; -1 keeps a size; new dims go in front",
               params: [.tensor(), Param("size", .intList)],
               gradchecks: [.init(.randn([3, 1]), .ints([2, 3, 4]), [:]), .init(.randn([1, 3]), .ints([-1, 3]), [:])]) { c in
            [try c.tensor("input").expanded(c.ints("size"))]
        },
        OpSpec("flatten", "merges dims start_dim…end_dim into one; 0-d becomes [1]",
               params: [.tensor(), Param("start_dim", .int, default: .int(0)), Param("end_dim", .int, default: .int(-1))],
               gradchecks: [.init(.randn([2, 3, 4]), ["start_dim": .int(1)]), .init(.randn([3, 2], .transposed), [:])]) { c in
            [try c.tensor("input").flattened(startDim: c.int("start_dim"), endDim: c.int("end_dim"))]
        },
        OpSpec("narrow", "the slice start ..< start+length along dim (a view)",
               params: [.tensor(), Param("dim", .int), Param("start", .int), Param("length", .int)],
               gradchecks: [.init([.randn([4, 3]), .int(0), .int(1), .int(2)], [:]), .init([.randn([3, 4], .transposed), .int(-1), .int(-3), .int(2)], [:])]) { c in
            [try c.tensor("input").narrow(c.int("dim"), start: c.int("start"), length: c.int("length"))]
        },
        OpSpec("contiguous", "the same values laid out densely in row-major order",
               params: [.tensor()],
               gradchecks: [.init(.randn([3, 2], .transposed)), .init(.randn([1, 3], .expanded([2, 3])))]) { c in
            [c.tensor("input").contiguous()]
        },
        OpSpec("is_contiguous", "whether the layout is dense row-major, as a 0-d bool",
               params: [.tensor()],
               examples: [.init(.randn([2, 3])), .init(.randn([3, 2], .transposed))]) { c in
            [Tensor(scalar: c.tensor("input").isContiguous)]
        },
    ]
}
