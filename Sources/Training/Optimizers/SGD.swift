import COptim
import TensorEngine

/// Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay,
/// with `torch.optim.SGD`'s exact update (semantics §11):
///
/// ```
/// g = g + weight_decay·p
/// buf = g (t = 1);  buf = momentum·buf + (1 − dampening)·g (t > 1)
/// g = nesterov ? g + momentum·buf : buf
/// p = p − lr·g
/// ```
///
/// State: `momentum_buffer` (only when momentum ≠ 0; a step without one starts it at g).
public struct SGD: ElementwiseOptimizer, Codable, Equatable {
    public var lr: Double
    public var momentum: Double
    public var dampening: Double
    public var weightDecay: Double
    public var nesterov: Bool
    public var maximize: Bool

    /// Throws a value error naming the option for a negative lr, momentum or weight_decay,
    /// or Nesterov without positive momentum and zero dampening.
    public init(lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0, weightDecay: Double = 0,
                nesterov: Bool = false, maximize: Bool = false) throws {
        try requireNonNegative(lr, "lr")
        try requireNonNegative(momentum, "momentum")
        try requireNonNegative(weightDecay, "weight_decay")
        if nesterov && (momentum <= 0 || dampening != 0) {
            throw TensorError(.value, "Nesterov momentum requires a momentum > 0 and zero dampening", argument: "nesterov")
        }
        (self.lr, self.momentum, self.dampening, self.weightDecay, self.nesterov, self.maximize) =
            (lr, momentum, dampening, weightDecay, nesterov, maximize)
    }

    var bufferNames: [String] { momentum != 0 ? ["momentum_buffer"] : [] }

    public func update(parameter: Tensor, gradient: Tensor, state: inout OptimizerState) throws {
        try run(parameter: parameter, gradient: gradient, state: &state)
    }

    func apply(_ b: UpdateBuffers, t: Int) {
        // Python scalars reach PyTorch's kernels converted to the tensor's dtype.
        let (maximize, first, nesterov): (Int32, Int32, Int32) = (maximize ? 1 : 0, b.created ? 1 : 0, nesterov ? 1 : 0)
        if b.dtype == .float64 {
            let o = td_sgd_f64(wd: weightDecay, momentum: momentum, keep: 1 - dampening, neg_lr: -lr, maximize: maximize, first: first, nesterov: nesterov)
            td_sgd_step_f64(b.p(Double.self), b.g(Double.self), b.state(0, Double.self), b.count, o)
        } else {
            let o = td_sgd_f32(wd: Float(weightDecay), momentum: Float(momentum), keep: Float(1 - dampening), neg_lr: Float(-lr),
                               maximize: maximize, first: first, nesterov: nesterov)
            td_sgd_step_f32(b.p(Float.self), b.g(Float.self), b.state(0, Float.self), b.count, o)
        }
    }
}
