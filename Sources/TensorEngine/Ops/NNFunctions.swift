import Foundation

// torch.nn.functional's linear, softplus, silu, elu, hardtanh, softmin, normalize,
// cosine_similarity, pairwise_distance and one_hot. Those that are compositions in PyTorch
// are compositions here (their gradients follow); the elementwise ones with kinks carry
// PyTorch's own backward formula beside the forward.

extension Tensor {
    /// `F.linear`: `input @ weight.T + bias`, weight (out, in), bias (out).
    public func linear(weight: Tensor, bias: Tensor? = nil) throws -> Tensor {
        guard weight.ndim == 1 || weight.ndim == 2 else {
            throw TensorError(.shape, "linear: weight must be 1-D or 2-D (out_features, in_features), got shape \(weight.shape)", argument: "weight")
        }
        let y = try matmul(weight.t())
        return try bias.map { try y + $0 } ?? y
    }

    /// `F.softplus`: `log(1 + e^(β·x))/β`, and `x` itself where `β·x > threshold`. The gradient
    /// is σ(β·x) (1 in the linear region), as softplus_backward computes it.
    public func softplus(beta: Double = 1, threshold: Double = 20) throws -> Tensor {
        guard dtype.isFloating else { throw TensorError(.dtype, "softplus needs a floating tensor, got \(dtype)", argument: "input") }
        let (b32, t32) = (Float(beta), Float(threshold))
        let y = try floatMap("softplus", f32: { $0 * b32 > t32 ? $0 : Float.log1p(Float.exp($0 * b32)) / b32 },
                             f64: { $0 * beta > threshold ? $0 : Double.log1p(Double.exp($0 * beta)) / beta })
        let x = self
        return y.recording("softplus", [self]) { g in
            [try g * x.floatMap("softplus'", f32: { v in let z = Float.exp(v * b32); return v * b32 > t32 ? 1 : z / (z + 1) },
                                f64: { v in let z = Double.exp(v * beta); return v * beta > threshold ? 1 : z / (z + 1) })]
        }
    }

    /// `F.silu` (swish): `x·σ(x)`.
    public func silu() throws -> Tensor {
        guard dtype.isFloating else { throw TensorError(.dtype, "silu needs a floating tensor, got \(dtype)", argument: "input") }
        return try self * sigmoid()
    }

    /// `F.elu`: `x` for x > 0, `α·(eˣ − 1)` otherwise; gradient 1 and `α·eˣ`.
    public func elu(alpha: Double = 1) throws -> Tensor {
        guard dtype.isFloating else { throw TensorError(.dtype, "elu needs a floating tensor, got \(dtype)", argument: "input") }
        let a32 = Float(alpha)
        let y = try floatMap("elu", f32: { $0 <= 0 ? Foundation.expm1($0) * a32 : $0 }, f64: { $0 <= 0 ? Foundation.expm1($0) * alpha : $0 })
        let x = self
        return y.recording("elu", [self]) { g in
            [try g * x.floatMap("elu'", f32: { $0 <= 0 ? a32 * Float.exp($0) : 1 }, f64: { $0 <= 0 ? alpha * Double.exp($0) : 1 })]
        }
    }

    /// `F.hardtanh`: clamped to [min_val, max_val]; the gradient is 1 strictly inside, 0 at
    /// and beyond the bounds (hardtanh_backward), unlike clamp's.
    public func hardtanh(minVal: Double = -1, maxVal: Double = 1) throws -> Tensor {
        guard dtype.isFloating || dtype == .int64 else { throw TensorError(.dtype, "hardtanh is not defined for \(dtype)", argument: "input") }
        guard minVal <= maxVal else {
            throw TensorError(.value, "hardtanh: min_val (\(minVal)) cannot be greater than max_val (\(maxVal))", argument: "min_val")
        }
        let y = try detached().clamped(min: .scalar(.float(minVal)), max: .scalar(.float(maxVal)))
        let x = self
        return y.recording("hardtanh", [self]) { g in
            try [g.keeping(try x.gt(.scalar(.float(minVal))).mul(.tensor(try x.lt(.scalar(.float(maxVal))))))]
        }
    }

    /// `F.softmin`: softmax of −input along `dim`.
    public func softmin(dim: Int) throws -> Tensor { try neg().softmax(dim: dim) }

    /// `F.normalize`: input divided by its p-norm along `dim`, the norm clamped below at eps
    /// (a norm is not a normalisation: this returns unit vectors, not their lengths).
    public func normalize(p: Double = 2, dim: Int = 1, eps: Double = 1e-12) throws -> Tensor {
        let denominator = try norm(p: p, dims: [dim], keepdim: true).clamped(min: .scalar(.float(eps)))
        return try self / denominator
    }

    /// `F.cosine_similarity`: `Σ (x1/‖x1‖)·(x2/‖x2‖)` along `dim` after broadcasting, each
    /// norm clamped below at eps.
    public static func cosineSimilarity(_ x1: Tensor, _ x2: Tensor, dim: Int = 1, eps: Double = 1e-8) throws -> Tensor {
        let shape: [Int]
        do { shape = try Shapes.broadcast(x1.shape, x2.shape) } catch {
            throw TensorError(.shape, "cosine_similarity: shapes \(x1.shape) and \(x2.shape) do not broadcast", argument: "x2")
        }
        let dtype = Promotion.resultType([x1, x2])
        let (a, b) = (try x1.cast(to: dtype.isFloating ? dtype : .float32).expanded(shape),
                      try x2.cast(to: dtype.isFloating ? dtype : .float32).expanded(shape))
        let na = try a.norm(dims: [dim], keepdim: true).clamped(min: .scalar(.float(eps)))
        let nb = try b.norm(dims: [dim], keepdim: true).clamped(min: .scalar(.float(eps)))
        return try ((a / na) * (b / nb)).sum(dims: [dim])
    }

    /// `F.pairwise_distance`: `‖x1 − x2 + eps‖_p` along the last dim.
    public static func pairwiseDistance(_ x1: Tensor, _ x2: Tensor, p: Double = 2, eps: Double = 1e-6, keepdim: Bool = false) throws -> Tensor {
        let d = try (x1 - x2) + .float(eps)
        guard d.ndim >= 1 else { throw TensorError(.shape, "pairwise_distance needs inputs with at least one dim", argument: "x1") }
        return try d.norm(p: p, dims: [-1], keepdim: keepdim)
    }

    /// `F.one_hot`: int64 class indices to (…, num_classes) rows of 0/1; num_classes −1 is
    /// the largest index + 1.
    public func oneHot(numClasses: Int = -1) throws -> Tensor {
        guard dtype == .int64 else {
            throw TensorError(.dtype, "one_hot is only applicable to index tensors (int64), got \(dtype)", argument: "input")
        }
        let indices = contiguous().scalars(as: Int64.self)
        if let bad = indices.first(where: { $0 < 0 }) {
            throw TensorError(.value, "one_hot: class values must be non-negative, got \(bad)", argument: "input")
        }
        let classes: Int
        if numClasses == -1 {
            guard let top = indices.max() else {
                throw TensorError(.value, "one_hot: cannot infer the number of classes from an empty tensor", argument: "num_classes")
            }
            guard top < Int64.max else {
                throw TensorError(.limit, "one_hot: \(top) + 1 classes would exceed the limit of \(ElementLimit.current) elements", argument: "input")
            }
            classes = Int(top) + 1
        } else {
            guard numClasses >= 0 else { throw TensorError(.value, "one_hot: num_classes must be -1 or non-negative, got \(numClasses)", argument: "num_classes") }
            if let bad = indices.first(where: { $0 >= numClasses }) {
                throw TensorError(.value, "one_hot: class values must be smaller than num_classes (\(numClasses)), got \(bad)", argument: "input")
            }
            classes = numClasses
        }
        try Tensor.checkSize(shape + [classes], op: "one_hot")
        return Tensor.make(shape + [classes], Int64.self) { out in
            out.initialize(repeating: 0)
            for (i, k) in indices.enumerated() { out[i * classes + Int(k)] = 1 }
        }
    }
}

extension Ops {
    static let nnFunctions: [OpSpec] = [
        OpSpec("linear", "input @ weight.T + bias (F.linear)", params: [.tensor(), .tensor("weight"), Param("bias", .optional(.tensor), default: .null)],
               gradchecks: [.init(.randn([2, 3]), .randn([4, 3]), .randn([4]), [:]), .init(.randn([2, 2, 3]), .randn([4, 3]), [:])]) { c in
            [try c.tensor("input").linear(weight: c.tensor("weight"), bias: c.optionalTensor("bias"))]
        },
        OpSpec("softplus", "log(1 + exp(beta·x))/beta, linear above threshold", params: [.tensor(), Param("beta", .float, default: .float(1)), Param("threshold", .float, default: .float(20))],
               gradchecks: [.init(.randn([2, 3]), [:]), .init(.randn([6]), ["beta": .float(2), "threshold": .float(1)])]) { c in
            [try c.tensor("input").softplus(beta: c.double("beta"), threshold: c.double("threshold"))]
        },
        OpSpec("silu", "x·sigmoid(x)", params: [.tensor()], gradchecks: [.init(.randn([2, 3]), [:])]) { c in
            [try c.tensor("input").silu()]
        },
        OpSpec("elu", "x for x > 0, alpha·(exp(x) − 1) otherwise", params: [.tensor(), Param("alpha", .float, default: .float(1))],
               gradchecks: [.init(.randn([2, 3]), [:]), .init(.randn([5]), ["alpha": .float(0.5)])]) { c in
            [try c.tensor("input").elu(alpha: c.double("alpha"))]
        },
        OpSpec("hardtanh", "input clamped to [min_val, max_val]; gradient 1 strictly inside",
               params: [.tensor(), Param("min_val", .float, default: .float(-1)), Param("max_val", .float, default: .float(1))],
               gradchecks: [.init(.randn([2, 4]), [:]), .init(.randn([6]), ["min_val": .float(-0.5), "max_val": .float(0.7)])]) { c in
            [try c.tensor("input").hardtanh(minVal: c.double("min_val"), maxVal: c.double("max_val"))]
        },
        OpSpec("softmin", "softmax of −input along dim", params: [.tensor(), Param("dim", .int)],
               gradchecks: [.init(.randn([2, 3]), .int(1), [:])]) { c in
            [try c.tensor("input").softmin(dim: c.int("dim"))]
        },
        OpSpec("normalize", "input / max(‖input‖_p along dim, eps): unit vectors (F.normalize)",
               params: [.tensor(), Param("p", .float, default: .float(2)), Param("dim", .int, default: .int(1)), Param("eps", .float, default: .float(1e-12))],
               gradchecks: [.init(.randn([3, 4]), [:]), .init(.randn([2, 3]), ["p": .float(1), "dim": .int(0)])]) { c in
            [try c.tensor("input").normalize(p: c.double("p"), dim: c.int("dim"), eps: c.double("eps"))]
        },
        OpSpec("cosine_similarity", "Σ (x1/‖x1‖)·(x2/‖x2‖) along dim, norms clamped at eps",
               params: [.tensor("x1"), .tensor("x2"), Param("dim", .int, default: .int(1)), Param("eps", .float, default: .float(1e-8))],
               gradchecks: [.init(.randn([3, 4]), .randn([3, 4]), [:]), .init(.randn([2, 3]), .randn([3]), ["dim": .int(-1)])]) { c in
            [try Tensor.cosineSimilarity(c.tensor("x1"), c.tensor("x2"), dim: c.int("dim"), eps: c.double("eps"))]
        },
        OpSpec("pairwise_distance", "‖x1 − x2 + eps‖_p along the last dim",
               params: [.tensor("x1"), .tensor("x2"), Param("p", .float, default: .float(2)), Param("eps", .float, default: .float(1e-6)),
                        Param("keepdim", .bool, default: .bool(false))],
               gradchecks: [.init(.randn([3, 4]), .randn([3, 4]), [:]), .init(.randn([2, 3]), .randn([3]), ["p": .float(1), "keepdim": .bool(true)])]) { c in
            [try Tensor.pairwiseDistance(c.tensor("x1"), c.tensor("x2"), p: c.double("p"), eps: c.double("eps"), keepdim: c.bool("keepdim"))]
        },
        OpSpec("one_hot", "int64 class indices to rows of 0/1 with num_classes columns (−1: max + 1)",
               params: [.tensor(), Param("num_classes", .int, default: .int(-1))],
               examples: [.init(.constant(Tensor([0, 2, 1] as [Int64])), [:]), .init(.constant(Tensor([1, 0] as [Int64])), .int(4), [:])]) { c in
            [try c.tensor("input").oneHot(numClasses: c.int("num_classes"))]
        },
    ]
}
