// dot, mv, bmm, outer and addmm: PyTorch's fixed-rank products, each a checked call of
// matmul or a broadcast multiply, so their gradients are matmul's and mul's.

extension Tensor {
    /// `torch.dot`: the inner product of two 1-D tensors of the same size and dtype (0-d).
    public func dot(_ other: Tensor) throws -> Tensor {
        guard ndim == 1, other.ndim == 1 else {
            throw TensorError(.shape, "dot: 1D tensors expected, got \(ndim)D and \(other.ndim)D tensors", argument: ndim == 1 ? "tensor" : "input")
        }
        guard shape == other.shape else {
            throw TensorError(.shape, "dot: inconsistent tensor size, expected \(shape[0]) and \(other.shape[0]) elements to match", argument: "tensor")
        }
        return try matmul(other)
    }

    /// `torch.mv`: matrix (n, m) times vector (m) → (n).
    public func mv(_ vec: Tensor) throws -> Tensor {
        guard ndim == 2, vec.ndim == 1 else {
            throw TensorError(.shape, "mv: expected a 2-D matrix and a 1-D vector, got shapes \(shape) and \(vec.shape)", argument: ndim == 2 ? "vec" : "input")
        }
        return try matmul(vec)
    }

    /// `torch.bmm`: (b, n, k) @ (b, k, m) → (b, n, m), with equal batch sizes (no broadcasting).
    public func bmm(_ other: Tensor) throws -> Tensor {
        guard ndim == 3, other.ndim == 3 else {
            throw TensorError(.shape, "bmm: batch1 and batch2 must be 3-D, got shapes \(shape) and \(other.shape)", argument: ndim == 3 ? "mat2" : "input")
        }
        guard shape[0] == other.shape[0] else {
            throw TensorError(.shape, "bmm: batch sizes differ: \(shape[0]) and \(other.shape[0])", argument: "mat2")
        }
        return try matmul(other)
    }

    /// `torch.outer`: the (n, m) products of a 1-D (n) and a 1-D (m), with type promotion.
    public func outer(_ other: Tensor) throws -> Tensor {
        guard ndim == 1, other.ndim == 1 else {
            throw TensorError(.shape, "outer: both operands must be 1-D, got shapes \(shape) and \(other.shape)", argument: ndim == 1 ? "vec2" : "input")
        }
        try ElementLimit.check([shape[0], other.shape[0]], op: "outer")
        return try reshaped([-1, 1]) * other
    }

    /// `torch.addmm`: `beta·input + alpha·(mat1 @ mat2)`, input broadcast to (n, m); with
    /// beta = 0 the input is ignored (its NaN and inf do not propagate), as in PyTorch.
    public func addmm(_ mat1: Tensor, _ mat2: Tensor, beta: Scalar = 1, alpha: Scalar = 1) throws -> Tensor {
        guard mat1.ndim == 2, mat2.ndim == 2 else {
            throw TensorError(.shape, "addmm: mat1 and mat2 must be 2-D, got shapes \(mat1.shape) and \(mat2.shape)", argument: mat1.ndim == 2 ? "mat2" : "mat1")
        }
        let product = try mat1.mm(mat2)
        guard (try? Shapes.broadcast(shape, product.shape)) == product.shape else {
            throw TensorError(.shape, "addmm: input of shape \(shape) does not broadcast to the product's shape \(product.shape)", argument: "input")
        }
        guard dtype == product.dtype else {
            throw TensorError(.dtype, "addmm: input is \(dtype) but the product is \(product.dtype)", argument: "input")
        }
        let scaled = alpha.double == 1 ? product : try product * alpha
        if beta.double == 0 { return scaled }
        return try scaled + (beta.double == 1 ? self : try self * beta)
    }
}

extension Ops {
    static let contraction: [OpSpec] = [
        OpSpec("dot", "inner product of two 1-D tensors of the same size", params: [.tensor(), .tensor("tensor")],
               gradchecks: [.init(.randn([5]), .randn([5]), [:])]) { c in
            [try c.tensor("input").dot(c.tensor("tensor"))]
        },
        OpSpec("mv", "matrix (n, m) times vector (m)", params: [.tensor(), .tensor("vec")],
               gradchecks: [.init(.randn([3, 4]), .randn([4]), [:]), .init(.randn([4, 3], .transposed), .randn([3]), [:])]) { c in
            [try c.tensor("input").mv(c.tensor("vec"))]
        },
        OpSpec("bmm", "batched matrix product (b, n, k) @ (b, k, m), equal batch sizes", params: [.tensor(), .tensor("mat2")],
               gradchecks: [.init(.randn([2, 3, 4]), .randn([2, 4, 2]), [:])]) { c in
            [try c.tensor("input").bmm(c.tensor("mat2"))]
        },
        OpSpec("outer", "outer product of two 1-D tensors", params: [.tensor(), .tensor("vec2")],
               gradchecks: [.init(.randn([3]), .randn([4]), [:])]) { c in
            [try c.tensor("input").outer(c.tensor("vec2"))]
        },
        OpSpec("addmm", "beta·input + alpha·(mat1 @ mat2), input broadcast to the product's shape",
               params: [.tensor(), .tensor("mat1"), .tensor("mat2"), Param("beta", .number, default: .int(1)), Param("alpha", .number, default: .int(1))],
               gradchecks: [.init(.randn([2, 3]), .randn([2, 4]), .randn([4, 3]), [:]),
                            .init(.randn([3]), .randn([2, 4]), .randn([4, 3]), ["beta": .float(0.5), "alpha": .float(-2)])]) { c in
            [try c.tensor("input").addmm(c.tensor("mat1"), c.tensor("mat2"), beta: c.scalar("beta"), alpha: c.scalar("alpha"))]
        },
        OpSpec("einsum", "Einstein summation over labelled dims: contractions, batch dims, transposes, traces",
               params: [Param("equation", .string), Param("operands", .tensorList)],
               gradchecks: [.init([.value(.string("ij,jk->ik")), .tensors([.init(shape: [2, 3], distribution: .normal), .init(shape: [3, 4], distribution: .normal)])], [:]),
                            .init([.value(.string("bij,bjk")), .tensors([.init(shape: [2, 2, 3], distribution: .normal), .init(shape: [2, 3, 2], distribution: .normal)])], [:]),
                            .init([.value(.string("ii->i")), .tensors([.init(shape: [3, 3], distribution: .normal)])], [:]),
                            .init([.value(.string("ij,j,kj->ki")), .tensors([.init(shape: [2, 3], distribution: .normal), .init(shape: [3], distribution: .normal),
                                                                           .init(shape: [4, 3], distribution: .normal)])], [:])]) { c in
            [try Tensor.einsum(c.string("equation"), c.tensors("operands"))]
        },
    ]
}
