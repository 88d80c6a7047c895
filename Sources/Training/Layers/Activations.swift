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

/// `max(x, 0) + negativeSlope·min(x, 0)`, as `nn.LeakyReLU` (slope 0.01 by default).
public final class LeakyReLU: Layer {
    public let negativeSlope: Double
    public init(negativeSlope: Double = 0.01) { self.negativeSlope = negativeSlope }
    public func callAsFunction(_ x: Tensor) throws -> Tensor { try x.leakyRelu(negativeSlope: negativeSlope) }
}

/// The exact GELU, `x·Φ(x)`, as `nn.GELU()`.
public final class GELU: Layer {
    public init() {}
    public func callAsFunction(_ x: Tensor) throws -> Tensor { try x.gelu() }
}

/// Softmax over the last dim (the features), as `nn.Softmax(dim=-1)`.
public final class Softmax: Layer {
    public init() {}
    public func callAsFunction(_ x: Tensor) throws -> Tensor { try x.softmax(dim: -1) }
}

/// Log-softmax over the last dim, as `nn.LogSoftmax(dim=-1)`; pairs with the `nll` loss.
public final class LogSoftmax: Layer {
    public init() {}
    public func callAsFunction(_ x: Tensor) throws -> Tensor { try x.logSoftmax(dim: -1) }
}
