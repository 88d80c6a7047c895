import COptim
import TensorEngine

/// Adagrad with `torch.optim.Adagrad`'s exact update (semantics §11):
///
/// ```
/// g = g + weight_decay·p
/// clr = lr / (1 + (t − 1)·lr_decay)
/// sum = sum + g²                       (sum starts at initial_accumulator_value)
/// p = p − clr·g / (sqrt(sum) + eps)
/// ```
///
/// State: `sum`.
public struct Adagrad: ElementwiseOptimizer, Codable, Equatable {
    public var lr: Double
    public var lrDecay: Double
    public var weightDecay: Double
    public var initialAccumulatorValue: Double
    public var eps: Double
    public var maximize: Bool

    /// Throws a value error naming the option when lr, lr_decay, weight_decay,
    /// initial_accumulator_value or eps is negative.
    public init(lr: Double = 1e-2, lrDecay: Double = 0, weightDecay: Double = 0, initialAccumulatorValue: Double = 0,
                eps: Double = 1e-10, maximize: Bool = false) throws {
        try requireNonNegative(lr, "lr")
        try requireNonNegative(lrDecay, "lr_decay")
        try requireNonNegative(weightDecay, "weight_decay")
        try requireNonNegative(initialAccumulatorValue, "initial_accumulator_value")
        try requireNonNegative(eps, "eps")
        (self.lr, self.lrDecay, self.weightDecay, self.initialAccumulatorValue, self.eps, self.maximize) =
            (lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize)
    }

    var bufferNames: [String] { ["sum"] }
    func initialValue(of buffer: String) -> Double { initialAccumulatorValue }

    public func update(parameter: Tensor, gradient: Tensor, state: inout OptimizerState) throws {
        try run(parameter: parameter, gradient: gradient, state: &state)
    }

    func apply(_ b: UpdateBuffers, t: Int) {
        let clr = lr / (1 + Double(t - 1) * lrDecay)
        if b.dtype == .float64 {
            let o = td_adagrad_f64(wd: weightDecay, eps: eps, neg_clr: -clr, maximize: maximize ? 1 : 0)
            td_adagrad_step_f64(b.p(Double.self), b.g(Double.self), b.state(0, Double.self), b.count, o)
        } else {
            let o = td_adagrad_f32(wd: Float(weightDecay), eps: Float(eps), neg_clr: Float(-clr), maximize: maximize ? 1 : 0)
            td_adagrad_step_f32(b.p(Float.self), b.g(Float.self), b.state(0, Float.self), b.count, o)
        }
    }
}
