import COptim
import TensorEngine

/// RMSprop with `torch.optim.RMSprop`'s exact update (semantics §11):
///
/// ```
/// g = g + weight_decay·p
/// v = alpha·v + (1 − alpha)·g²
/// centered: gbar = lerp(gbar, g, 1 − alpha);  avg = sqrt(v − gbar²) + eps
/// else:     avg = sqrt(v) + eps
/// momentum > 0: buf = momentum·buf + g/avg;  p = p − lr·buf
/// else:         p = p − lr·g/avg
/// ```
///
/// State: `square_avg`, plus `momentum_buffer` (momentum > 0) and `grad_avg` (centered).
public struct RMSprop: ElementwiseOptimizer, Codable, Equatable {
    public var lr: Double
    public var alpha: Double
    public var eps: Double
    public var weightDecay: Double
    public var momentum: Double
    public var centered: Bool
    public var maximize: Bool

    /// Throws a value error naming the option when lr, alpha, eps, weight_decay or momentum
    /// is negative.
    public init(lr: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8, weightDecay: Double = 0,
                momentum: Double = 0, centered: Bool = false, maximize: Bool = false) throws {
        try requireNonNegative(lr, "lr")
        try requireNonNegative(alpha, "alpha")
        try requireNonNegative(eps, "eps")
        try requireNonNegative(weightDecay, "weight_decay")
        try requireNonNegative(momentum, "momentum")
        (self.lr, self.alpha, self.eps, self.weightDecay, self.momentum, self.centered, self.maximize) =
            (lr, alpha, eps, weightDecay, momentum, centered, maximize)
    }

    var bufferNames: [String] {
        ["square_avg"] + (momentum > 0 ? ["momentum_buffer"] : []) + (centered ? ["grad_avg"] : [])
    }

    public func update(parameter: Tensor, gradient: Tensor, state: inout OptimizerState) throws {
        try run(parameter: parameter, gradient: gradient, state: &state)
    }

    func apply(_ b: UpdateBuffers, t: Int) {
        let bufIndex = momentum > 0 ? 1 : nil, gbarIndex = centered ? b.state.count - 1 : nil
        if b.dtype == .float64 {
            let o = td_rmsprop_f64(wd: weightDecay, alpha: alpha, one_minus_alpha: 1 - alpha, eps: eps, momentum: momentum, neg_lr: -lr,
                                   maximize: maximize ? 1 : 0)
            td_rmsprop_step_f64(b.p(Double.self), b.g(Double.self), b.state(0, Double.self), bufIndex.flatMap { b.state($0, Double.self) },
                                gbarIndex.flatMap { b.state($0, Double.self) }, b.count, o)
        } else {
            let o = td_rmsprop_f32(wd: Float(weightDecay), alpha: Float(alpha), one_minus_alpha: Float(1 - alpha), eps: Float(eps),
                                   momentum: Float(momentum), neg_lr: Float(-lr), maximize: maximize ? 1 : 0)
            td_rmsprop_step_f32(b.p(Float.self), b.g(Float.self), b.state(0, Float.self), bufIndex.flatMap { b.state($0, Float.self) },
                                gbarIndex.flatMap { b.state($0, Float.self) }, b.count, o)
        }
    }
}
