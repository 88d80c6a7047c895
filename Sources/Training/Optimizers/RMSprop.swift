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

    func apply<T: BinaryFloatingPoint & Element>(_ b: UpdateBuffers<T>, t: Int) {
        let wd = T(weightDecay), a = T(alpha), oneMinusA = T(1 - alpha), e = T(eps), mom = T(momentum), negLR = T(-lr)
        let p = b.p, g = b.g, v = b.state[0]
        let buf = momentum > 0 ? b.state[1] : nil
        let gbar = centered ? b.state[b.state.count - 1] : nil
        for i in 0..<b.count {
            var gi = maximize ? -g[i] : g[i]
            if weightDecay != 0 { gi = gi.addingProduct(wd, p[i]) }
            v[i] = v[i] * a
            v[i] = v[i].addingProduct(oneMinusA * gi, gi)  // addcmul_(g, g, value=1-alpha), fused
            var avg: T
            if let gbar {
                gbar[i] = lerp(gbar[i], gi, oneMinusA)
                avg = v[i].addingProduct(-gbar[i], gbar[i]).squareRoot()   // addcmul(gbar, gbar, value=-1).sqrt_()
            } else {
                avg = v[i].squareRoot()
            }
            avg = avg + e
            if let buf {
                buf[i] = buf[i] * mom
                buf[i] = buf[i] + gi / avg                  // addcdiv_(g, avg), value 1
                p[i] = p[i].addingProduct(negLR, buf[i])
            } else {
                p[i] = p[i] + negLR * gi / avg
            }
        }
    }
}

/// PyTorch's `lerp` on CPU: one fused multiply-add from whichever end is nearer, so that
/// both ends are reproduced exactly (ATen/native/cpu/LerpKernel.cpp).
@inline(__always)
func lerp<T: BinaryFloatingPoint>(_ start: T, _ end: T, _ weight: T) -> T {
    abs(weight) < 0.5 ? start.addingProduct(weight, end - start) : end.addingProduct(weight - 1, end - start)
}
