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

    func apply<T: BinaryFloatingPoint & Element>(_ b: UpdateBuffers<T>, t: Int) {
        let clr = lr / (1 + Double(t - 1) * lrDecay)
        let wd = T(weightDecay), e = T(eps), negCLR = T(-clr)
        let p = b.p, g = b.g, sum = b.state[0]
        for i in 0..<b.count {
            var gi = maximize ? -g[i] : g[i]
            if weightDecay != 0 { gi = gi.addingProduct(wd, p[i]) }
            sum[i] = sum[i].addingProduct(gi, gi)           // addcmul_(g, g, value=1), fused
            let std = sum[i].squareRoot() + e
            p[i] = p[i] + negCLR * gi / std                 // addcdiv_(g, std, value=-clr)
        }
    }
}
