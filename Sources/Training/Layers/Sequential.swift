import TensorEngine

/// Layers applied in order.
///
/// ```swift
/// var rng = RandomGenerator(seed: 0)
/// let mlp = try Sequential([Linear(64, 128, rng: &rng), ReLU(), Linear(128, 10, rng: &rng)])
/// ```
public final class Sequential: Layer {
    public let layers: [any Layer]

    public init(_ layers: [any Layer]) { self.layers = layers }

    public var parameters: [Tensor] { layers.flatMap(\.parameters) }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try layers.reduce(x) { try $1($0) }
    }
}
