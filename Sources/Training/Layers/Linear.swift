import TensorEngine

/// `y = x·Wᵀ + b` with `W: (out, in)` and `b: (out)` (semantics §11), for input `(…, in)`.
/// Default initialisation is PyTorch's, draw for draw: W from kaiming-uniform with a = √5,
/// i.e. U(−1/√in, 1/√in), then b from the same range, so after the same seed the values are
/// `nn.Linear`'s.
///
/// ```swift
/// let g = Generator(seed: 0)                    // torch.manual_seed(0)
/// let layer = try Linear(64, 10, generator: g)   // nn.Linear(64, 10)
/// let y = try layer(x)          // x: [batch, 64] → y: [batch, 10]
/// ```
public final class Linear: Layer {
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, weightInit: Initializer? = nil,
                biasInit: Initializer? = nil, dtype: DType = .float32, generator: Generator) throws {
        guard inFeatures >= 0, outFeatures >= 0 else {
            throw TensorError(.value, "Linear needs non-negative sizes, got \(inFeatures)→\(outFeatures)", argument: "in_features")
        }
        let bound = inFeatures > 0 ? 1 / Double(inFeatures).squareRoot() : 0
        let w = weightInit ?? .kaimingUniform(a: 5.0.squareRoot())
        weight = try (inFeatures > 0 ? w : .zeros).make([outFeatures, inFeatures], dtype: dtype, generator: generator).requiringGrad()
        self.bias = bias ? try (biasInit ?? .uniform(low: -bound, high: bound)).make([outFeatures], dtype: dtype, generator: generator).requiringGrad() : nil
    }

    /// A layer over given weight `(out, in)` and bias `(out)` values, as trainable leaves.
    public init(weight: Tensor, bias: Tensor?) throws {
        guard weight.ndim == 2, weight.dtype.isFloating else {
            throw TensorError(.shape, "Linear weight must be a 2-D floating tensor (out, in), got shape \(weight.shape) \(weight.dtype)", argument: "weight")
        }
        if let bias, bias.shape != [weight.shape[0]] || bias.dtype != weight.dtype {
            throw TensorError(.shape, "Linear bias must have shape [\(weight.shape[0])] and dtype \(weight.dtype), got \(bias.shape) \(bias.dtype)", argument: "bias")
        }
        self.weight = try ownedCopy(weight, as: weight.dtype, argument: "weight").requiringGrad()
        self.bias = try bias.map { try ownedCopy($0, as: weight.dtype, argument: "bias").requiringGrad() }
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }
    public var parameters: [Tensor] { bias.map { [weight, $0] } ?? [weight] }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        guard x.shape.last == inFeatures else {
            throw TensorError(.shape, "Linear expects input of shape (…, \(inFeatures)), got \(x.shape)", argument: "input")
        }
        let y = try x.matmul(weight.t())
        return try bias.map { try y + $0 } ?? y
    }
}
