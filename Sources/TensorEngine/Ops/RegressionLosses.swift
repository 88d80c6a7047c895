import Foundation

// l1_loss, smooth_l1_loss, huber_loss and kl_div (torch.nn.functional), with PyTorch's
// elementwise formulas and their backward beside them.

/// The reductions `kl_div` takes: the loss reductions and 'batchmean' (the sum over the batch size).
private let klReductions = ["mean", "batchmean", "sum", "none"]

/// `F.l1_loss`: |input − target|, reduced.
public func l1Loss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) throws -> Tensor {
    try checkedDifference(input, target, op: "l1_loss").abs().reduced(reduction)
}

/// `F.smooth_l1_loss`: ½d²/β where |d| < β, else |d| − ½β (β = 0 is the L1 loss).
public func smoothL1Loss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, beta: Double = 1) throws -> Tensor {
    guard beta >= 0 else { throw TensorError(.value, "smooth_l1_loss does not support negative values for beta, got \(beta)", argument: "beta") }
    if beta == 0 { return try l1Loss(input, target, reduction: reduction) }
    let d = try checkedDifference(input, target, op: "smooth_l1_loss")
    let b32 = Float(beta)
    let loss = try d.floatMap("smooth_l1_loss", f32: { let z = Swift.abs($0); return z < b32 ? 0.5 * z * z / b32 : z - 0.5 * b32 },
                              f64: { let z = Swift.abs($0); return z < beta ? 0.5 * z * z / beta : z - 0.5 * beta })
    return try loss.recording("smooth_l1_loss", [d]) { g in
        [try g * d.floatMap("smooth_l1_loss'", f32: { $0 < -b32 ? -1 : $0 > b32 ? 1 : $0 / b32 },
                            f64: { $0 < -beta ? -1 : $0 > beta ? 1 : $0 / beta })]
    }.reduced(reduction)
}

/// `F.huber_loss`: ½d² where |d| < δ, else δ(|d| − ½δ).
public func huberLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, delta: Double = 1) throws -> Tensor {
    guard delta > 0 else { throw TensorError(.value, "huber_loss does not support non-positive values for delta, got \(delta)", argument: "delta") }
    let d = try checkedDifference(input, target, op: "huber_loss")
    let d32 = Float(delta)
    let loss = try d.floatMap("huber_loss", f32: { let z = Swift.abs($0); return z < d32 ? 0.5 * z * z : d32 * (z - 0.5 * d32) },
                              f64: { let z = Swift.abs($0); return z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta) })
    return try loss.recording("huber_loss", [d]) { g in
        [try g * d.floatMap("huber_loss'", f32: { $0 < -d32 ? -d32 : $0 > d32 ? d32 : $0 },
                            f64: { $0 < -delta ? -delta : $0 > delta ? delta : $0 })]
    }.reduced(reduction)
}

/// `F.kl_div`: `target·(log target − input)` with `input` log-probabilities (0 where target
/// is 0, as xlogy), or `exp(target)·(target − input)` with `logTarget`; 'batchmean' divides
/// the sum by the batch size (dim 0), 'mean' by the element count.
public func klDiv(_ input: Tensor, _ target: Tensor, reduction: String = "mean", logTarget: Bool = false) throws -> Tensor {
    guard klReductions.contains(reduction) else {
        throw TensorError(.value, "kl_div: reduction must be one of \(klReductions.joined(separator: ", ")), got '\(reduction)'", argument: "reduction")
    }
    _ = try checkedDifference(input, target, op: "kl_div")
    let pointwise: Tensor
    if logTarget {
        pointwise = try target.exp() * (target - input)
    } else {
        // xlogy(t, t): log of t + [t == 0], so that 0·log 0 is 0 and its gradient finite.
        let zero = try target.eq(.scalar(.int(0))).cast(to: target.dtype)
        pointwise = try target * (target + zero).log() - target * input
    }
    switch reduction {
    case "none": return pointwise
    case "sum": return try pointwise.sum()
    case "batchmean": return input.ndim == 0 ? try pointwise.sum() : try pointwise.sum() / .int(Int64(input.shape[0]))
    default: return try pointwise.mean()
    }
}

/// `input − target` for the regression losses: floating operands that broadcast.
private func checkedDifference(_ input: Tensor, _ target: Tensor, op: String) throws -> Tensor {
    guard Promotion.resultType([input, target]).isFloating else {
        throw TensorError(.dtype, "\(op): input and target must be floating, got \(input.dtype) and \(target.dtype)", argument: "input")
    }
    return try input - target
}

extension Ops {
    static let regressionLosses: [OpSpec] = [
        OpSpec("l1_loss", "|input − target|, reduced", params: [.tensor(), .tensor("target"), Param("reduction", .choice(["mean", "sum", "none"]), default: .string("mean"))],
               gradchecks: [.init(.randn([3, 4]), .randn([3, 4]), [:]), .init(.randn([2, 3]), .randn([3]), ["reduction": .string("none")])]) { c in
            [try l1Loss(c.tensor("input"), c.tensor("target"), reduction: Reduction(name: c.string("reduction")))]
        },
        OpSpec("smooth_l1_loss", "½d²/beta where |d| < beta, else |d| − ½beta; reduced",
               params: [.tensor(), .tensor("target"), Param("reduction", .choice(["mean", "sum", "none"]), default: .string("mean")), Param("beta", .float, default: .float(1))],
               gradchecks: [.init(.randn([3, 4]), .randn([3, 4]), [:]), .init(.randn([6]), .randn([6]), ["beta": .float(0.5), "reduction": .string("sum")])]) { c in
            [try smoothL1Loss(c.tensor("input"), c.tensor("target"), reduction: Reduction(name: c.string("reduction")), beta: c.double("beta"))]
        },
        OpSpec("huber_loss", "½d² where |d| < delta, else delta·(|d| − ½delta); reduced",
               params: [.tensor(), .tensor("target"), Param("reduction", .choice(["mean", "sum", "none"]), default: .string("mean")), Param("delta", .float, default: .float(1))],
               gradchecks: [.init(.randn([3, 4]), .randn([3, 4]), [:]), .init(.randn([6]), .randn([6]), ["delta": .float(0.5), "reduction": .string("none")])]) { c in
            [try huberLoss(c.tensor("input"), c.tensor("target"), reduction: Reduction(name: c.string("reduction")), delta: c.double("delta"))]
        },
        OpSpec("kl_div", "target·(log target − input) for log-probability input (or log_target); reduced",
               params: [.tensor(), .tensor("target"), Param("reduction", .choice(klReductions), default: .string("mean")), Param("log_target", .bool, default: .bool(false))],
               gradchecks: [.init(.randn([3, 4]), .unit([3, 4]), ["reduction": .string("batchmean")]),
                            .init(.randn([5]), .randn([5]), ["log_target": .bool(true), "reduction": .string("sum")])]) { c in
            [try klDiv(c.tensor("input"), c.tensor("target"), reduction: c.string("reduction"), logTarget: c.bool("log_target"))]
        },
    ]
}
