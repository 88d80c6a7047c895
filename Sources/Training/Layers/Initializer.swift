import Foundation
import TensorEngine

/// How to fill a new parameter, following `torch.nn.init`. Every draw comes from the
/// `RandomGenerator` passed in, so a seed reproduces a model exactly (the values differ
/// from PyTorch's, whose generator is another).
///
/// ```swift
/// var rng = RandomGenerator(seed: 42)
/// let w = try Initializer.kaimingUniform(nonlinearity: .relu).make([128, 64], rng: &rng)
/// ```
public enum Initializer: Codable, Equatable, Sendable {
    case zeros
    case constant(Double)
    case uniform(low: Double, high: Double)
    case normal(mean: Double, std: Double)
    /// U(−a, a) with a = gain·sqrt(6 / (fan_in + fan_out)).
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

    /// A new float32 tensor of `shape` filled by this rule.
    public func make(_ shape: [Int], dtype: DType = .float32, rng: inout RandomGenerator) throws -> Tensor {
        guard dtype.isFloating else { throw TensorError(.dtype, "parameters are floating, got \(dtype)", argument: "dtype") }
        let draw: Draw
        switch self {
        case .zeros: draw = .constant(0)
        case .constant(let c): draw = .constant(c)
        case .uniform(let low, let high):
            guard low <= high else { throw TensorError(.value, "uniform needs low ≤ high, got \(low) > \(high)", argument: "low") }
            draw = .uniform(low, high)
        case .normal(let mean, let std):
            guard std >= 0 else { throw TensorError(.value, "normal needs std ≥ 0, got \(std)", argument: "std") }
            draw = .normal(mean, std)
        case .xavierUniform(let gain):
            let (i, o) = try Self.fans(shape)
            let a = gain * (6 / Double(i + o)).squareRoot()
            draw = .uniform(-a, a)
        case .xavierNormal(let gain):
            let (i, o) = try Self.fans(shape)
            draw = .normal(0, gain * (2 / Double(i + o)).squareRoot())
        case .kaimingUniform(let a, let mode, let nl), .kaimingNormal(let a, let mode, let nl):
            let (i, o) = try Self.fans(shape)
            let fan = mode == .fanIn ? i : o
            guard fan > 0 else { throw TensorError(.shape, "kaiming initialisation of a tensor with zero fan, shape \(shape)", argument: "shape") }
            let std = nl.gain(a: a) / Double(fan).squareRoot()
            if case .kaimingUniform = self { draw = .uniform(-std * 3.0.squareRoot(), std * 3.0.squareRoot()) } else { draw = .normal(0, std) }
        }
        let n = shape.reduce(1, *)
        var values = [Double](repeating: 0, count: n)
        for k in 0..<n {
            switch draw {
            case .constant(let c): values[k] = c
            case .uniform(let lo, let hi): values[k] = lo + (hi - lo) * rng.uniform()
            case .normal(let m, let s): values[k] = m + s * rng.normal()
            }
        }
        return dtype == .float64 ? Tensor(values, shape: shape) : Tensor(values.map { Float($0) }, shape: shape)
    }

    private enum Draw { case constant(Double), uniform(Double, Double), normal(Double, Double) }
}
