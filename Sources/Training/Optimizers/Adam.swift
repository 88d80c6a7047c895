import Foundation
import TensorEngine

/// Adam with `torch.optim.Adam`'s exact update (semantics §11):
///
/// ```
/// g = g + weight_decay·p                    (L2 penalty)
/// m = lerp(m, g, 1 − β1);   v = β2·v + (1 − β2)·g²
/// vhat = amsgrad ? max(vhat, v) : v
/// p = p − (lr / (1 − β1^t)) · m / (sqrt(vhat) / sqrt(1 − β2^t) + eps)
/// ```
///
/// State: `exp_avg`, `exp_avg_sq`, plus `max_exp_avg_sq` with amsgrad.
public struct Adam: ElementwiseOptimizer, Codable, Equatable {
    public var lr: Double
    public var betas: (Double, Double) { get { (beta1, beta2) } set { (beta1, beta2) = newValue } }
    public var beta1: Double
    public var beta2: Double
    public var eps: Double
    public var weightDecay: Double
    public var amsgrad: Bool
    public var maximize: Bool
    /// AdamW's decoupled weight decay: `p = p·(1 − lr·weight_decay)` before the step,
    /// instead of the L2 term.
    public var decoupledWeightDecay: Bool

    /// Throws a value error naming the option for a negative lr, eps or weight_decay, or a
    /// beta outside [0, 1).
    public init(lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8, weightDecay: Double = 0,
                amsgrad: Bool = false, maximize: Bool = false, decoupledWeightDecay: Bool = false) throws {
        try requireNonNegative(lr, "lr")
        try requireNonNegative(eps, "eps")
        for (i, beta) in [betas.0, betas.1].enumerated() where !(beta >= 0 && beta < 1) {
            throw TensorError(.value, "invalid beta parameter at index \(i): \(beta); it must be in [0, 1)", argument: "betas")
        }
        try requireNonNegative(weightDecay, "weight_decay")
        (self.lr, beta1, beta2, self.eps, self.weightDecay, self.amsgrad, self.maximize, self.decoupledWeightDecay) =
            (lr, betas.0, betas.1, eps, weightDecay, amsgrad, maximize, decoupledWeightDecay)
    }

    var bufferNames: [String] { ["exp_avg", "exp_avg_sq"] + (amsgrad ? ["max_exp_avg_sq"] : []) }

    public func update(parameter: Tensor, gradient: Tensor, state: inout OptimizerState) throws {
        try run(parameter: parameter, gradient: gradient, state: &state)
    }

    func apply<T: BinaryFloatingPoint & Element>(_ b: UpdateBuffers<T>, t: Int) {
        // The scalar factors are computed in double, as Python does, then meet the tensors
        // in their dtype.
        let bc1 = 1 - pow(beta1, Double(t)), bc2 = 1 - pow(beta2, Double(t))
        let negStep = T(-(lr / bc1)), bc2Sqrt = T(bc2.squareRoot())
        let decay = T(1 - lr * weightDecay), wd = T(weightDecay)
        let w1 = T(1 - beta1), b2 = T(beta2), oneMinusB2 = T(1 - beta2), e = T(eps)
        let decoupled = decoupledWeightDecay && weightDecay != 0, l2 = !decoupledWeightDecay && weightDecay != 0
        let p = b.p, g = b.g, m = b.state[0], v = b.state[1]
        let vmax = amsgrad ? b.state[2] : nil
        for i in 0..<b.count {
            var gi = maximize ? -g[i] : g[i]
            if decoupled { p[i] = p[i] * decay }
            if l2 { gi = gi.addingProduct(wd, p[i]) }
            m[i] = lerp(m[i], gi, w1)
            v[i] = v[i] * b2
            v[i] = v[i].addingProduct(oneMinusB2 * gi, gi) // addcmul_(g, g, value=1-β2), fused
            var vhat = v[i]
            if let vmax { vmax[i] = max(vmax[i], v[i]); vhat = vmax[i] }
            let denom = vhat.squareRoot() / bc2Sqrt + e
            p[i] = p[i] + negStep * m[i] / denom            // addcdiv_(m, denom, value=-step_size)
        }
    }
}

/// AdamW: Adam with decoupled weight decay, as `torch.optim.AdamW` (semantics §11):
/// first `p = p·(1 − lr·weight_decay)`, then Adam's update without the L2 term.
/// Note the default weight decay of 0.01.
public struct AdamW: ElementwiseOptimizer, Codable, Equatable {
    /// The equivalent Adam configuration (with `decoupledWeightDecay` set).
    public private(set) var adam: Adam
    public var lr: Double { get { adam.lr } set { adam.lr = newValue } }

    public init(lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8, weightDecay: Double = 1e-2,
                amsgrad: Bool = false, maximize: Bool = false) throws {
        adam = try Adam(lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize,
                        decoupledWeightDecay: true)
    }

    var bufferNames: [String] { adam.bufferNames }

    public func update(parameter: Tensor, gradient: Tensor, state: inout OptimizerState) throws {
        try run(parameter: parameter, gradient: gradient, state: &state)
    }

    func apply<T: BinaryFloatingPoint & Element>(_ b: UpdateBuffers<T>, t: Int) { adam.apply(b, t: t) }
}
