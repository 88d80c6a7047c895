import TensorEngine

/// What a `Trainer` minimises.
public enum Loss: String, Codable, Sendable {
    /// Cross-entropy of logits against int64 class indices (mean over the batch); the
    /// accuracy metric is the share of rows whose largest logit is the target class.
    case crossEntropy = "cross_entropy"
    /// Mean squared error against float targets of the model output's shape.
    case meanSquaredError = "mse"
    /// Negative log-likelihood of log-probabilities (a model ending in `log_softmax`)
    /// against int64 class indices; accuracy as for cross-entropy.
    case nll
    /// Binary cross-entropy of logits against float targets in [0, 1] of the output's
    /// shape; the accuracy metric is the share of elements with `(logit > 0) == (target > 0.5)`.
    case binaryCrossEntropyWithLogits = "binary_cross_entropy_with_logits"

    /// Whether the loss is a classification loss, which gives an accuracy metric.
    public var hasAccuracy: Bool { self != .meanSquaredError }
}

/// Stop when the monitored epoch metric has not improved by more than `minDelta` for
/// `patience` epochs in a row. By default the monitored metric is the validation loss when
/// there is a validation split, else the training loss; lower is better for losses and
/// higher for accuracies unless `mode` says otherwise (as Keras' `EarlyStopping`).
public struct EarlyStopping: Codable, Equatable, Sendable {
    public enum Metric: String, Codable, Sendable {
        case loss, validationLoss = "val_loss", accuracy, validationAccuracy = "val_accuracy"
    }
    public enum Mode: String, Codable, Sendable { case min, max }

    public var patience: Int
    public var minDelta: Double
    /// nil: `val_loss` with a validation split, else `loss`.
    public var metric: Metric?
    /// nil: `min` for losses, `max` for accuracies.
    public var mode: Mode?

    public init(patience: Int, minDelta: Double = 0, metric: Metric? = nil, mode: Mode? = nil) {
        self.patience = patience
        self.minDelta = minDelta
        self.metric = metric
        self.mode = mode
    }
}

/// Everything that decides a training run besides the model and the data. With the same
/// config, model initialisation and data, a run is reproducible bit for bit.
public struct TrainerConfig: Codable, Equatable, Sendable {
    public var epochs: Int
    public var batchSize: Int
    public var shuffle: Bool
    /// Seeds the validation split and the per-epoch shuffles.
    public var seed: UInt64
    /// The share of examples held out for validation, in [0, 1).
    public var validationSplit: Double
    public var loss: Loss
    /// The optimizer; its `lr` is the base rate that `schedule` scales per epoch.
    public var optimizer: OptimizerConfig
    public var schedule: LRSchedule
    /// When set, gradients are clipped to this total 2-norm before each step.
    public var clipGradNorm: Double?
    /// When set, features are scaled with statistics of the training split only; the same
    /// scaling is applied to validation data and at predict time.
    public var featureScaling: FeatureScaler.Method?
    public var earlyStopping: EarlyStopping?

    public init(epochs: Int, batchSize: Int = 32, shuffle: Bool = true, seed: UInt64 = 0, validationSplit: Double = 0,
                loss: Loss = .crossEntropy, optimizer: OptimizerConfig, schedule: LRSchedule = .constant,
                clipGradNorm: Double? = nil, featureScaling: FeatureScaler.Method? = nil, earlyStopping: EarlyStopping? = nil) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.seed = seed
        self.validationSplit = validationSplit
        self.loss = loss
        self.optimizer = optimizer
        self.schedule = schedule
        self.clipGradNorm = clipGradNorm
        self.featureScaling = featureScaling
        self.earlyStopping = earlyStopping
    }

    /// Value errors naming the option at fault.
    public func validate() throws {
        guard epochs >= 0 else { throw TensorError(.value, "epochs must be ≥ 0, got \(epochs)", argument: "epochs") }
        guard batchSize >= 1 else { throw TensorError(.value, "batch size must be ≥ 1, got \(batchSize)", argument: "batch_size") }
        guard validationSplit >= 0 && validationSplit < 1 else {
            throw TensorError(.value, "validation split must be in [0, 1), got \(validationSplit)", argument: "validation_split")
        }
        if let c = clipGradNorm, !(c >= 0) {
            throw TensorError(.value, "clip_grad_norm must be ≥ 0, got \(c)", argument: "clip_grad_norm")
        }
        if let e = earlyStopping, e.patience < 1 || !(e.minDelta >= 0) {
            throw TensorError(.value, "early stopping needs patience ≥ 1 and min_delta ≥ 0, got \(e.patience), \(e.minDelta)", argument: "early_stopping")
        }
        if let m = earlyStopping?.metric {
            if (m == .accuracy || m == .validationAccuracy) && !loss.hasAccuracy {
                throw TensorError(.value, "early stopping on \(m.rawValue) needs a classification loss, got \(loss.rawValue)", argument: "metric")
            }
            if (m == .validationLoss || m == .validationAccuracy) && validationSplit == 0 {
                throw TensorError(.value, "early stopping on \(m.rawValue) needs a validation split", argument: "metric")
            }
        }
        _ = try schedule.validated()
    }
}

/// Metrics of one optimizer step.
public struct StepMetrics: Codable, Equatable, Sendable {
    /// 0-based epoch and global step index.
    public let epoch: Int
    public let step: Int
    public let loss: Double
    /// For cross-entropy; nil for regression.
    public let accuracy: Double?
    public let lr: Double
    /// The total 2-norm of the step's gradients, before clipping.
    public let gradNorm: Double?
}

/// Metrics of one epoch: the mean of the step losses (weighted by batch size) and the
/// training accuracy, plus validation loss and accuracy when there is a validation split.
public struct EpochMetrics: Codable, Equatable, Sendable {
    public let epoch: Int
    public let loss: Double
    public let accuracy: Double?
    public let validationLoss: Double?
    public let validationAccuracy: Double?
    public let lr: Double
}
