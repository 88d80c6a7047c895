import Foundation

// Losses (semantics §9): mse_loss and the binary cross-entropies, the Reduction every loss
// takes, and the catalogue entries for all losses (cross_entropy and nll_loss are in
// CrossEntropy.swift).

/// How a loss combines its per-element (or per-sample) values.
public enum Reduction: String, Sendable, CaseIterable {
    /// Divide the sum by the number of elements (or the total target weight).
    case mean
    case sum
    /// Return the per-element losses.
    case none

    /// Parses PyTorch's reduction string; anything else is a value error.
    public init(name: String) throws {
        guard let r = Reduction(rawValue: name) else {
            throw TensorError(.value, "reduction must be 'mean', 'sum' or 'none', got '\(name)'", argument: "reduction")
        }
        self = r
    }
}

extension Tensor {
    /// Applies a loss reduction: the mean of an empty tensor is NaN.
    func reduced(_ reduction: Reduction) throws -> Tensor {
        switch reduction {
        case .none: self
        case .sum: try sum()
        case .mean: try mean()
        }
    }

    /// log(1 + e^(−x)), computed stably as max(−x, 0) + log1p(e^(−|x|)). Its derivative
    /// −σ(−x) = −exp(−softplusOfNegated(−x)) is written with itself, so it differentiates again.
    func softplusOfNegated() throws -> Tensor {
        let x = detached()
        let out: Tensor = switch dtype {
        case .float64: x.mapped(Double.self, to: Double.self) { Swift.max(-$0, 0) + Double.log1p(Double.exp(-Swift.abs($0))) }
        default: try x.cast(to: .float32).mapped(Float.self, to: Float.self) { Swift.max(-$0, 0) + Float.log1p(Float.exp(-Swift.abs($0))) }
        }
        let input = self
        return out.recording("softplus", [self]) { g in [try -(g * (-(try (-input).softplusOfNegated())).exp())] }
    }
}

/// Mean squared error `(input − target)²`, broadcasting the two (PyTorch's `F.mse_loss`).
///
/// ```swift
/// let loss = try mseLoss(prediction, y)            // a 0-d mean
/// let each = try mseLoss(prediction, y, reduction: .none)
/// ```
public func mseLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) throws -> Tensor {
    let dtype = Promotion.resultType([input, target])
    guard dtype.isFloating else {
        throw TensorError(.dtype, "mse_loss: input and target must be floating, got \(input.dtype) and \(target.dtype)", argument: "input")
    }
    let diff = try input - target
    return try (diff * diff).reduced(reduction)
}

/// Binary cross-entropy of probabilities in [0, 1] against targets in [0, 1]: each log is
/// clamped to ≥ −100, so the loss stays finite at 0 and 1 (PyTorch's `F.binary_cross_entropy`).
///
/// ```swift
/// let loss = try binaryCrossEntropy(probabilities: p, targets: y)
/// ```
public func binaryCrossEntropy(probabilities input: Tensor, targets target: Tensor, weight: Tensor? = nil,
                               reduction: Reduction = .mean) throws -> Tensor {
    guard input.dtype.isFloating else {
        throw TensorError(.dtype, "binary_cross_entropy: input must be floating probabilities, got \(input.dtype)", argument: "input")
    }
    guard target.shape == input.shape else {
        throw TensorError(.shape, "binary_cross_entropy: target shape \(target.shape) must equal input shape \(input.shape)", argument: "target")
    }
    let x = input.detached(), t = try target.detached().cast(to: input.dtype)
    if x.doubles().contains(where: { !($0 >= 0 && $0 <= 1) }) {
        throw TensorError(.value, "binary_cross_entropy: every input must be a probability in [0, 1]; apply sigmoid first or use binary_cross_entropy_with_logits", argument: "input")
    }
    if t.doubles().contains(where: { !($0 >= 0 && $0 <= 1) }) {
        throw TensorError(.value, "binary_cross_entropy: every target must lie in [0, 1]", argument: "target")
    }
    func elementwise<T: LossFloat>(_: T.Type) throws -> (loss: Tensor, dInput: Tensor, dTarget: Tensor) {
        func clampedLog(_ v: T) -> T { Swift.max(T.log(v), -100) }
        let loss = try Tensor.zipped(x, t, T.self, to: T.self) { p, y in -(y * clampedLog(p) + (1 - y) * clampedLog(1 - p)) }
        // PyTorch's backward: (x − t) / max(x·(1 − x), 1e-12).
        let dx = try Tensor.zipped(x, t, T.self, to: T.self) { p, y in (p - y) / Swift.max(p * (1 - p), T(1e-12)) }
        let dt = x.mapped(T.self, to: T.self) { p in clampedLog(1 - p) - clampedLog(p) }
        return (loss, dx, dt)
    }
    let (elements, dx, dt) = input.dtype == .float64 ? try elementwise(Double.self) : try elementwise(Float.self)
    var loss = elements.recording("binary_cross_entropy", [input, target]) { g in [try g * dx, try g * dt] }
    if let weight { loss = try loss * weight }
    return try loss.reduced(reduction)
}

/// Binary cross-entropy on logits, computed stably without clamping
/// (PyTorch's `F.binary_cross_entropy_with_logits`): `(1 − t)·x + (1 + (pw − 1)·t)·log(1 + e^(−x))`.
/// `posWeight` multiplies the positive term and broadcasts along the last (class) dim.
///
/// ```swift
/// let loss = try binaryCrossEntropyWithLogits(logits: scores, targets: y, posWeight: Tensor([3.0] as [Float]))
/// ```
public func binaryCrossEntropyWithLogits(logits x: Tensor, targets target: Tensor, weight: Tensor? = nil,
                                         posWeight: Tensor? = nil, reduction: Reduction = .mean) throws -> Tensor {
    guard x.dtype.isFloating else {
        throw TensorError(.dtype, "binary_cross_entropy_with_logits: input must be floating, got \(x.dtype)", argument: "input")
    }
    guard target.shape == x.shape else {
        throw TensorError(.shape, "binary_cross_entropy_with_logits: target shape \(target.shape) must equal input shape \(x.shape)", argument: "target")
    }
    let t = try target.cast(to: x.dtype)
    let softplus = try x.softplusOfNegated()
    let negative = try (-t + Scalar.float(1)) * x
    var loss: Tensor
    if let posWeight {
        let logWeight = try (posWeight.cast(to: x.dtype) - Scalar.float(1)) * t + Scalar.float(1)
        loss = try negative + logWeight * softplus
    } else {
        loss = try negative + softplus
    }
    if let weight { loss = try loss * weight }
    return try loss.reduced(reduction)
}

extension Ops {
    private static let reductionParam = Param("reduction", .choice(["mean", "sum", "none"]), default: .string("mean"))

    static let losses: [OpSpec] = [
        OpSpec("mse_loss", "mean squared error (input − target)², broadcasting",
               params: [.tensor(), .tensor("target"), reductionParam],
               gradchecks: [.init(.randn([2, 3]), .randn([2, 3]), [:]), .init(.randn([3, 2], .transposed), .randn([2]), ["reduction": .string("sum")]),
                            .init(.randn([2, 3]), .randn([1, 3], .expanded([2, 3])), ["reduction": .string("none")])]) { c in
            [try mseLoss(c.tensor("input"), c.tensor("target"), reduction: Reduction(name: c.string("reduction")))]
        },
        OpSpec("cross_entropy", "cross-entropy of logits (class dim 1, or 0 unbatched) against class indices or probabilities",
               params: [.tensor(), .tensor("target"), Param("weight", .optional(.tensor), default: .null),
                        Param("ignore_index", .int, default: .int(-100)), reductionParam, Param("label_smoothing", .float, default: .float(0))],
               gradchecks: [
                   .init(.randn([4, 5]), .constant(Tensor([1, 0, 4, 2] as [Int64])), [:]),
                   .init([.randn([4, 3], .transposed), .constant(Tensor([2, -100, 0, 2] as [Int64])), .constant(Tensor([0.5, 2, 1.5] as [Double]))],
                         ["label_smoothing": .float(0.2)]),
                   .init(.randn([2, 3, 2, 2]), .constant(Tensor([0, 1, 2, 1, 2, 0, 0, -100] as [Int64], shape: [2, 2, 2])), ["reduction": .string("none"), "label_smoothing": .float(0.1)]),
                   .init(.randn([3]), .constant(Tensor(scalar: Int64(1))), ["reduction": .string("sum")]),
                   .init(.randn([3, 4]), .unit([3, 4]), ["label_smoothing": .float(0.3)]),
                   .init([.randn([2, 3, 2]), .unit([2, 3, 2]), .constant(Tensor([1, 2, 0.5] as [Double]))], ["reduction": .string("sum")]),
               ]) { c in
            [try crossEntropy(logits: c.tensor("input"), targets: c.tensor("target"), weight: c.optionalTensor("weight"),
                              ignoreIndex: c.int("ignore_index"), reduction: Reduction(name: c.string("reduction")),
                              labelSmoothing: c.double("label_smoothing"))]
        },
        OpSpec("nll_loss", "negative log-likelihood of class indices, input taken as log-probabilities",
               params: [.tensor(), .tensor("target"), Param("weight", .optional(.tensor), default: .null),
                        Param("ignore_index", .int, default: .int(-100)), reductionParam],
               gradchecks: [
                   .init([.randn([4, 3]), .constant(Tensor([2, 1, -100, 0] as [Int64])), .constant(Tensor([0.5, 2, 1.5] as [Double]))], [:]),
                   .init(.randn([2, 3, 2]), .constant(Tensor([0, 2, 1, 1] as [Int64], shape: [2, 2])), ["reduction": .string("none")]),
               ]) { c in
            [try nllLoss(logProbabilities: c.tensor("input"), targets: c.tensor("target"), weight: c.optionalTensor("weight"),
                         ignoreIndex: c.int("ignore_index"), reduction: Reduction(name: c.string("reduction")))]
        },
        OpSpec("binary_cross_entropy", "binary cross-entropy of probabilities in [0, 1]; logs clamped to ≥ −100",
               params: [.tensor(), .tensor("target"), Param("weight", .optional(.tensor), default: .null), reductionParam],
               gradchecks: [.init(.unit([2, 3]), .unit([2, 3]), [:]),
                            .init([.unit([3, 2], .transposed), .unit([3, 2]), .positive([2])], ["reduction": .string("none")])]) { c in
            [try binaryCrossEntropy(probabilities: c.tensor("input"), targets: c.tensor("target"), weight: c.optionalTensor("weight"),
                                    reduction: Reduction(name: c.string("reduction")))]
        },
        OpSpec("binary_cross_entropy_with_logits", "binary cross-entropy on logits, computed stably; pos_weight scales positives per class",
               params: [.tensor(), .tensor("target"), Param("weight", .optional(.tensor), default: .null), reductionParam,
                        Param("pos_weight", .optional(.tensor), default: .null)],
               gradchecks: [.init(.randn([2, 3]), .unit([2, 3]), [:]),
                            .init([.randn([3, 2], .transposed), .unit([3, 2]), .positive([2]), .value(.string("sum")), .positive([2])], [:])]) { c in
            [try binaryCrossEntropyWithLogits(logits: c.tensor("input"), targets: c.tensor("target"), weight: c.optionalTensor("weight"),
                                              posWeight: c.optionalTensor("pos_weight"), reduction: Reduction(name: c.string("reduction")))]
        },
    ]
}
