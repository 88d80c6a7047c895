import Foundation
import TensorEngine

/// How to fill a new parameter, following `torch.nn.init`: the bounds and standard
/// deviations are computed as its Python code computes them, and the values are drawn with
/// `uniform_`/`normal_` from the `Generator` passed in, so a seed gives PyTorch's values.
///
/// ```swift
/// let g = Generator(seed: 42)   // torch.manual_seed(42)
/// let w = try Initializer.kaimingUniform(nonlinearity: .relu).make([128, 64], generator: g)
/// ```
public enum Initializer: Codable, Equatable, Sendable {
    case zeros
    case constant(Double)
    case uniform(low: Double, high: Double)
    case normal(mean: Double, std: Double)
    /// U(−a, a) with a = √3·gain·sqrt(2 / (fan_in + fan_out)).
    case xavierUniform(gain: Double)
    /// N(0, std²) with std = gain·sqrt(2 / (fan_in + fan_out)).
    case xavierNormal(gain: Double)
    /// U(−b, b) with b = gain·sqrt(3 / fan), gain from `nonlinearity` (and `a` for leaky ReLU).
    case kaimingUniform(a: Double = 0, mode: FanMode = .fanIn, nonlinearity: Nonlinearity = .leakyRelu)
    /// N(0, std²) with std = gain / sqrt(fan).
    case kaimingNormal(a: Double = 0, mode: FanMode = .fanIn, nonlinearity: Nonlinearity = .leakyRelu)

    public enum FanMode: String, Codable, Sendable { case fanIn = "fan_in", fanOut = "fan_out" }

    /// `torch.nn.init.calculate_gain`'s nonlinearities.
    public enum Nonlinearity: String, Codable, Sendable {
        case linear, sigmoid, tanh, relu, leakyRelu = "leaky_relu", selu

        /// The recommended gain; `a` is leaky ReLU's negative slope.
        public func gain(a: Double = 0.01) -> Double {
            switch self {
            case .linear, .sigmoid: 1
            case .tanh: 5.0 / 3
            case .relu: 2.0.squareRoot()
            case .leakyRelu: (2 / (1 + a * a)).squareRoot()
            case .selu: 3.0 / 4
            }
        }
    }

    /// `(fan_in, fan_out)` of a weight: dims 1 and 0 times the receptive field (dims 2…).
    /// Fewer than 2 dims is a shape error, as in PyTorch.
    public static func fans(_ shape: [Int]) throws -> (fanIn: Int, fanOut: Int) {
        guard shape.count >= 2 else {
            throw TensorError(.shape, "fan in and fan out need a tensor with at least 2 dims, got shape \(shape)", argument: "shape")
        }
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// A new tensor of `shape` filled by this rule.
    public func make(_ shape: [Int], dtype: DType = .float32, generator: Generator) throws -> Tensor {
        guard dtype.isFloating else { throw TensorError(.dtype, "parameters are floating, got \(dtype)", argument: "dtype") }
        switch self {
        case .zeros: return try Tensor.full(shape, fillValue: .int(0), dtype: dtype)
        case .constant(let c): return try Tensor.full(shape, fillValue: .float(c), dtype: dtype)
        case .uniform(let low, let high):
            return try Tensor.uniform(shape, from: low, to: high, dtype: dtype, generator: generator)
        case .normal(let mean, let std):
            return try Tensor.normal(shape, mean: mean, std: std, dtype: dtype, generator: generator)
        case .xavierUniform(let gain):
            let (i, o) = try Self.fans(shape)
            let a = 3.0.squareRoot() * (gain * (2 / Double(i + o)).squareRoot())
            return try Tensor.uniform(shape, from: -a, to: a, dtype: dtype, generator: generator)
        case .xavierNormal(let gain):
            let (i, o) = try Self.fans(shape)
            return try Tensor.normal(shape, mean: 0, std: gain * (2 / Double(i + o)).squareRoot(), dtype: dtype, generator: generator)
        case .kaimingUniform(let a, let mode, let nl), .kaimingNormal(let a, let mode, let nl):
            let (i, o) = try Self.fans(shape)
            let fan = mode == .fanIn ? i : o
            guard fan > 0 else { throw TensorError(.shape, "kaiming initialisation of a tensor with zero fan, shape \(shape)", argument: "shape") }
            let std = nl.gain(a: a) / Double(fan).squareRoot()
            if case .kaimingNormal = self { return try Tensor.normal(shape, mean: 0, std: std, dtype: dtype, generator: generator) }
            let bound = 3.0.squareRoot() * std
            return try Tensor.uniform(shape, from: -bound, to: bound, dtype: dtype, generator: generator)
        }
    }
}
