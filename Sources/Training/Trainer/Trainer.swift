import TensorEngine

/// The training loop: epochs of seeded mini-batches, a loss, gradients by autograd, optional
/// clipping, an optimizer step per batch, per-step and per-epoch metrics, validation, lr
/// schedule and early stopping. It advances one optimizer step per `step()` call, so a job
/// runner can interleave it with other work, checkpoint after any step and resume exactly.
///
/// ```swift
/// let rng = Generator(seed: 1)
/// let model = try Sequential([Linear(64, 32, generator: rng), ReLU(), Linear(32, 10, generator: rng)])
/// let config = TrainerConfig(epochs: 10, validationSplit: 0.2, optimizer: .adam(try Adam(lr: 1e-2)),
///                            featureScaling: .standardize)
/// var trainer = try Trainer(model: model, data: digits, config: config)
/// let history = try trainer.run()
/// let classes = try trainer.predict(testFeatures)
/// ```
public struct Trainer {
    public let model: any Layer
    public let config: TrainerConfig
    /// The training and validation splits, already scaled.
    public let train: Dataset
    public let validation: Dataset
    /// The scaler fitted on the training split, applied again by `predict`.
    public let scaler: FeatureScaler?
    public private(set) var progress: TrainingProgress
    private var optimizer: any Optimizer
    private var states: [OptimizerState]
    private let parameters: [Tensor]

    /// Splits `data` (seeded), fits the feature scaler on the training split, and prepares
    /// fresh optimizer state. The model's current parameters are the starting point.
    public init(model: any Layer, data: Dataset, config: TrainerConfig) throws {
        try config.validate()
        self.model = model
        self.config = config
        let (train, validation) = try data.split(validationFraction: config.validationSplit, seed: config.seed)
        let scaler = try config.featureScaling.map { try FeatureScaler.fit($0, to: train.features) }
        self.scaler = scaler
        self.train = try scaler.map { try Dataset(features: $0.transform(train.features), targets: train.targets) } ?? train
        self.validation = try scaler.map { try Dataset(features: $0.transform(validation.features), targets: validation.targets) } ?? validation
        parameters = model.parameters
        optimizer = config.optimizer.optimizer
        states = parameters.map { _ in OptimizerState() }
        // The split used the seed itself; shuffles draw from a generator seeded one further,
        // so the split does not change the epoch orders.
        progress = TrainingProgress(seed: config.seed &+ 1)
        if self.train.count == 0 { throw TensorError(.value, "no training examples left after the validation split", argument: "validation_split") }
    }

    /// Resumes from `checkpoint`: the same data must be passed; the model's parameters are
    /// overwritten with the checkpoint's.
    public init(model: any Layer, data: Dataset, checkpoint: TrainingCheckpoint) throws {
        try self.init(model: model, data: data, config: checkpoint.config)
        guard checkpoint.scaler == scaler else {
            throw TensorError(.value, "the checkpoint was taken on different training data (its feature scaling differs)", argument: "data")
        }
        try model.loadParameters(checkpoint.parameters)
        guard checkpoint.optimizerStates.count == parameters.count else {
            throw TensorError(.value, "the checkpoint has \(checkpoint.optimizerStates.count) optimizer states for \(parameters.count) parameters", argument: "optimizer_state")
        }
        states = try checkpoint.optimizerStates.map(Self.deepCopy)
        progress = checkpoint.progress
    }

    /// A bit-exact copy of the run's state (independent of later steps).
    public func checkpoint() throws -> TrainingCheckpoint {
        TrainingCheckpoint(config: config, parameters: model.snapshotParameters(),
                           optimizerStates: try states.map(Self.deepCopy), progress: progress, scaler: scaler)
    }

    /// The optimizer state of each parameter (copies).
    public func optimizerStates() throws -> [OptimizerState] { try states.map(Self.deepCopy) }

    public var isFinished: Bool { progress.epoch >= config.epochs || progress.stoppedEarly }
    public var history: [EpochMetrics] { progress.history }
    public var batchesPerEpoch: Int { train.count / config.batchSize + (train.count % config.batchSize == 0 ? 0 : 1) }

    /// The result of one `step()`: the step's metrics, and the epoch's when it ended one.
    public struct StepReport: Sendable {
        public let step: StepMetrics
        public let epoch: EpochMetrics?
    }

    /// Runs one optimizer step on the next batch (returns nil once finished).
    @discardableResult
    public mutating func step() throws -> StepReport? {
        guard !isFinished else { return nil }
        if progress.batch == 0 && progress.order.isEmpty {
            progress.order = try Batches(count: train.count, size: config.batchSize, shuffle: config.shuffle, rng: &progress.rng).order
        }
        let lr = config.schedule.lr(base: config.optimizer.lr, epoch: progress.epoch)
        optimizer.lr = lr
        let batches = Batches(order: progress.order, size: config.batchSize)
        let batch = train.rows(batches[progress.batch])

        let output = try model(batch.features)
        let loss = try lossValue(output, batch.targets)
        let grads = try Autograd.gradients(of: loss, wrt: parameters)
        let gradNorm = try optimizer.apply(grads, to: parameters, states: &states, clipGradNorm: config.clipGradNorm)

        let lossValue = try loss.item()
        let correct = config.loss.hasAccuracy ? try correctCount(output, batch.targets) : nil
        let metrics = StepMetrics(epoch: progress.epoch, step: progress.step, loss: lossValue,
                                  accuracy: correct.map { Double($0.correct) / Double(max($0.total, 1)) }, lr: lr, gradNorm: gradNorm)
        progress.step += 1
        progress.batch += 1
        progress.lossSum += lossValue * Double(batch.count)
        progress.correct += correct?.correct ?? 0
        progress.seen += batch.count
        progress.judged += correct?.total ?? 0
        return StepReport(step: metrics, epoch: progress.batch == batches.count ? try endEpoch(lr: lr) : nil)
    }

    /// Runs to the end (all epochs, or early stopping) and returns the epoch history.
    @discardableResult
    public mutating func run(onStep: (StepReport) throws -> Void = { _ in }) throws -> [EpochMetrics] {
        while let report = try step() { try onStep(report) }
        return progress.history
    }

    /// Loss and accuracy (nil for regression) of the model on already-scaled `data`.
    public func evaluate(_ data: Dataset) throws -> (loss: Double, accuracy: Double?) {
        try GradMode.withoutGrad {
            let output = try model(data.features)
            let loss = try lossValue(output, data.targets).item()
            let acc = try config.loss.hasAccuracy ? correctCount(output, data.targets).map { Double($0.correct) / Double(max($0.total, 1)) } : nil
            return (loss, acc)
        }
    }

    /// The model's output for raw (unscaled) `features` `(n, f)`: the fitted scaling is
    /// applied first. For classification these are logits.
    public func predict(_ features: Tensor) throws -> Tensor {
        let x = try scaler.map { try $0.transform(features) } ?? features.cast(to: .float32)
        return try GradMode.withoutGrad { try model(x).detached() }
    }

    /// The predicted class of each row of raw `features` (argmax of the logits).
    public func predictClasses(_ features: Tensor) throws -> [Int] {
        let logits = try predict(features)
        return try Self.argmaxRows(logits)
    }

    /// Like `evaluate`, for raw (unscaled) `data`.
    public func evaluateRaw(_ data: Dataset) throws -> (loss: Double, accuracy: Double?) {
        try evaluate(scaler.map { try Dataset(features: $0.transform(data.features), targets: data.targets) } ?? data)
    }

    private mutating func endEpoch(lr: Double) throws -> EpochMetrics {
        let val = validation.count > 0 ? try evaluate(validation) : nil
        let n = Double(max(progress.seen, 1))
        let metrics = EpochMetrics(epoch: progress.epoch, loss: progress.lossSum / n,
                                   accuracy: config.loss.hasAccuracy ? Double(progress.correct) / Double(max(progress.judged, 1)) : nil,
                                   validationLoss: val?.loss, validationAccuracy: val?.accuracy ?? nil, lr: lr)
        progress.history.append(metrics)
        if let es = config.earlyStopping {
            let metric = es.metric ?? (val != nil ? .validationLoss : .loss)
            let value: Double = switch metric {
            case .loss: metrics.loss
            case .validationLoss: metrics.validationLoss ?? metrics.loss
            case .accuracy: metrics.accuracy ?? 0
            case .validationAccuracy: metrics.validationAccuracy ?? 0
            }
            let higherIsBetter = (es.mode ?? (metric == .accuracy || metric == .validationAccuracy ? .max : .min)) == .max
            // Compared as a loss: a higher-is-better metric is negated.
            let monitored = higherIsBetter ? -value : value
            if monitored < (progress.bestLoss ?? .infinity) - es.minDelta {
                progress.bestLoss = monitored
                progress.epochsWithoutImprovement = 0
            } else {
                progress.epochsWithoutImprovement += 1
                if progress.epochsWithoutImprovement >= es.patience { progress.stoppedEarly = true }
            }
        }
        progress.epoch += 1
        progress.batch = 0
        progress.order = []
        progress.lossSum = 0
        progress.correct = 0
        progress.seen = 0
        progress.judged = 0
        return metrics
    }

    private func lossValue(_ output: Tensor, _ targets: Tensor) throws -> Tensor {
        switch config.loss {
        case .crossEntropy:
            guard targets.dtype == .int64 || (targets.dtype.isFloating && targets.shape == output.shape) else {
                throw TensorError(.dtype, "cross-entropy training needs int64 class targets or class probabilities of the output's shape, got \(targets.dtype) \(targets.shape)", argument: "targets")
            }
            return try crossEntropy(logits: output, targets: targets)
        case .nll:
            guard targets.dtype == .int64 else {
                throw TensorError(.dtype, "nll training needs int64 class targets, got \(targets.dtype)", argument: "targets")
            }
            return try nllLoss(logProbabilities: output, targets: targets)
        case .binaryCrossEntropyWithLogits:
            let t = targets.ndim == 1 && output.ndim == 2 ? try targets.reshaped([targets.count, 1]) : targets
            return try binaryCrossEntropyWithLogits(logits: output, targets: t.cast(to: output.dtype))
        case .meanSquaredError:
            let t = targets.ndim == 1 && output.ndim == 2 ? try targets.reshaped([targets.count, 1]) : targets
            let d = try output - t.cast(to: output.dtype)
            return try (d * d).mean()
        }
    }

    static func argmaxRows(_ logits: Tensor) throws -> [Int] {
        guard logits.ndim == 2 else { throw TensorError(.shape, "class scores must be (rows, classes), got \(logits.shape)", argument: "logits") }
        let k = logits.shape[1]
        return try logits.cast(to: .float64).withContiguousBuffer(as: Double.self) { v in
            (0..<logits.shape[0]).map { i in
                var best = 0
                for j in 1..<max(k, 1) where v[i * k + j] > v[i * k + best] { best = j }
                return best
            }
        }
    }

    static func correctCount(_ logits: Tensor, _ targets: Tensor) throws -> Int {
        let predicted = try argmaxRows(logits.detached())
        return targets.withContiguousBuffer(as: Int64.self) { t in zip(predicted, t).filter { Int64($0) == $1 }.count }
    }

    /// Correct predictions and how many were judged: rows by argmax for class-index losses,
    /// elements by the sign of the logit for binary cross-entropy.
    private func correctCount(_ output: Tensor, _ targets: Tensor) throws -> (correct: Int, total: Int)? {
        switch config.loss {
        case .crossEntropy where targets.dtype.isFloating:
            // Probability targets: the predicted class is right when it is the likeliest one.
            let correct = zip(try Self.argmaxRows(output.detached()), try Self.argmaxRows(targets)).filter { $0 == $1 }.count
            return (correct, targets.shape[0])
        case .crossEntropy, .nll: return (try Self.correctCount(output, targets), targets.shape[0])
        case .binaryCrossEntropyWithLogits:
            let logits = try output.detached().cast(to: .float64), t = try targets.cast(to: .float64)
            guard logits.count == t.count else { return nil }
            let correct = logits.withContiguousBuffer(as: Double.self) { o in
                t.withContiguousBuffer(as: Double.self) { y in zip(o, y).filter { ($0 > 0) == ($1 > 0.5) }.count }
            }
            return (correct, t.count)
        case .meanSquaredError: return nil
        }
    }

    /// The total 2-norm of `gradients` (what clipping would report), accumulated in double.
    public static func totalNorm(_ gradients: [Tensor]) -> Double {
        var sum = 0.0
        for g in gradients {
            switch g.dtype {
            case .float32: g.withContiguousBuffer(as: Float.self) { for v in $0 { sum += Double(v) * Double(v) } }
            case .float64: g.withContiguousBuffer(as: Double.self) { for v in $0 { sum += v * v } }
            case .int64, .bool: break
            }
        }
        return sum.squareRoot()
    }

    private static func deepCopy(_ s: OptimizerState) throws -> OptimizerState {
        OptimizerState(step: s.step, buffers: try s.buffers.mapValues { try ownedCopy($0, as: $0.dtype, argument: "state") })
    }
}
