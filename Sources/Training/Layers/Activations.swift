import TensorEngine

/// `max(x, 0)`.
public final class ReLU: Layer {
    public init() {}
    public func callAsFunction(_ x: Tensor) throws -> Tensor { try x.relu() }
}

/// `1 / (1 + e^−x)`.
public final class Sigmoid: Layer {
    public init() {}
    public func callAsFunction(_ x: Tensor) throws -> Tensor { try x.sigmoid() }
}

/// `tanh(x)`.
public final class Tanh: Layer {
    public init() {}
    public func callAsFunction(_ x: Tensor) throws -> Tensor { try x.tanh() }
}
