import TensorEngine

/// Layers applied in order.
///
/// ```swift
/// let g = Generator(seed: 0)
/// let mlp = try Sequential([Linear(64, 128, generator: g), ReLU(), Linear(128, 10, generator: g)])
/// ```
public final class Sequential: Layer {
    public let layers: [any Layer]

    public init(_ layers: [any Layer]) { self.layers = layers }

    public var parameters: [Tensor] { layers.flatMap(\.parameters) }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try layers.reduce(x) { try $1($0) }
    }
}
