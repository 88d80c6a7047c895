import Foundation
import COptim
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

    func apply(_ b: UpdateBuffers, t: Int) {
        // The scalar factors are computed in double, as Python does, then meet the tensors
        // in their dtype.
        let bc1 = 1 - pow(beta1, Double(t)), bc2 = 1 - pow(beta2, Double(t))
        let decoupled: Int32 = decoupledWeightDecay && weightDecay != 0 ? 1 : 0
        let l2: Int32 = !decoupledWeightDecay && weightDecay != 0 ? 1 : 0
        if b.dtype == .float64 {
            let o = td_adam_f64(wd: weightDecay, decay: 1 - lr * weightDecay, w1: 1 - beta1, beta2: beta2, one_minus_beta2: 1 - beta2,
                                neg_step: -(lr / bc1), bc2_sqrt: bc2.squareRoot(), eps: eps, maximize: maximize ? 1 : 0, l2: l2, decoupled: decoupled)
            td_adam_step_f64(b.p(Double.self), b.g(Double.self), b.state(0, Double.self), b.state(1, Double.self), b.state(2, Double.self), b.count, o)
        } else {
            let o = td_adam_f32(wd: Float(weightDecay), decay: Float(1 - lr * weightDecay), w1: Float(1 - beta1), beta2: Float(beta2),
                                one_minus_beta2: Float(1 - beta2), neg_step: Float(-(lr / bc1)), bc2_sqrt: Float(bc2.squareRoot()), eps: Float(eps),
                                maximize: maximize ? 1 : 0, l2: l2, decoupled: decoupled)
            td_adam_step_f32(b.p(Float.self), b.g(Float.self), b.state(0, Float.self), b.state(1, Float.self), b.state(2, Float.self), b.count, o)
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

    func apply(_ b: UpdateBuffers, t: Int) { adam.apply(b, t: t) }
}
