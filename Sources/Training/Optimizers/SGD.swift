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

    func apply<T: BinaryFloatingPoint & Element>(_ b: UpdateBuffers<T>, t: Int) {
        // Python scalars reach PyTorch's kernels converted to the tensor's dtype. PyTorch's CPU
        // kernels fuse `x + alpha·y` into one multiply-add, so these do too.
        let wd = T(weightDecay), mom = T(momentum), keep = T(1 - dampening), negLR = T(-lr)
        let p = b.p, g = b.g
        // PyTorch creates the buffer as a copy of g on the step where it has none yet.
        let first = b.created
        let buf = b.state.first
        for i in 0..<b.count {
            var gi = maximize ? -g[i] : g[i]
            if weightDecay != 0 { gi = gi.addingProduct(wd, p[i]) }     // g.add(p, alpha=wd)
            if let buf {
                if first { buf[i] = gi } else { buf[i] = (buf[i] * mom).addingProduct(keep, gi) }
                gi = nesterov ? gi.addingProduct(mom, buf[i]) : buf[i]
            }
            p[i] = p[i].addingProduct(negLR, gi)                  // p.add_(g, alpha=-lr)
        }
    }
}
