import Foundation
import Testing
import TensorEngine
@testable import Training

/// The UCI optical digits (Fixtures/digits.csv, CC BY 4.0): 1,797 8×8 images, 10 classes.
let digits: Dataset = {
    let url = Bundle.module.url(forResource: "digits", withExtension: "csv", subdirectory: "Fixtures")!
    return try! Dataset(csv: String(contentsOf: url, encoding: .utf8))
}()

func mlp(_ sizes: [Int], seed: UInt64) throws -> Sequential {
    let rng = Generator(seed: seed)
    var layers: [any Layer] = []
    for (k, (a, b)) in zip(sizes, sizes.dropFirst()).enumerated() {
        if k > 0 { layers.append(ReLU()) }
        layers.append(try Linear(a, b, generator: rng))
    }
    return Sequential(layers)
}

@Suite struct TrainerTests {
    @Test func digitsFixtureLoads() throws {
        #expect(digits.count == 1797 && digits.featureCount == 64)
        #expect(digits.targets.scalars(as: Int64.self).prefix(5) == [0, 1, 2, 3, 4])
        #expect(digits.features.doubles().max() == 16)
    }

    /// An MLP 64→32→10 trained by `Trainer` on 80 % of the digits classifies the held-out
    /// 20 % (never seen in training or validation) with ≥ 95 % accuracy.
    @Test func mlpReaches95PercentOnHeldOutDigits() throws {
        let (trainVal, test) = try digits.split(validationFraction: 0.2, seed: 2024)
        let config = TrainerConfig(epochs: 12, batchSize: 32, seed: 7, validationSplit: 0.1, loss: .crossEntropy,
                                   optimizer: .adam(try Adam(lr: 3e-3)), schedule: .cosine(tMax: 12, etaMin: 3e-4),
                                   featureScaling: .standardize)
        var trainer = try Trainer(model: mlp([64, 32, 10], seed: 1), data: trainVal, config: config)
        let history = try trainer.run()
        #expect(history.count == 12)
        #expect(history.last!.loss < history.first!.loss / 4)
        #expect(history.last!.validationAccuracy! >= 0.95)
        let (_, accuracy) = try trainer.evaluateRaw(test)
        #expect(accuracy! >= 0.95, "held-out accuracy \(accuracy!)")
        // predictClasses applies the fitted scaling itself.
        let predicted = try trainer.predictClasses(test.features)
        let hits = zip(predicted, test.targets.scalars(as: Int64.self)).filter { Int64($0) == $1 }.count
        #expect(Double(hits) / Double(test.count) == accuracy!)
    }

    /// Stopping after any step, serialising the checkpoint, and resuming into a freshly
    /// (differently) initialised model gives bit-identical parameters, optimizer state and
    /// metric history to an uninterrupted run.
    @Test(arguments: [1, 5, 8, 13, 23])
    func checkpointResumeIsBitIdentical(stopAfter: Int) throws {
        let data = digits.rows(ArraySlice(0..<300))
        let config = TrainerConfig(epochs: 3, batchSize: 32, seed: 3, validationSplit: 0.2, loss: .crossEntropy,
                                   optimizer: .adamw(try AdamW(lr: 1e-2, amsgrad: true)), schedule: .step(size: 1, gamma: 0.5),
                                   clipGradNorm: 1.0, featureScaling: .minMax)
        var whole = try Trainer(model: mlp([64, 16, 10], seed: 5), data: data, config: config)
        try whole.run()

        var first = try Trainer(model: mlp([64, 16, 10], seed: 5), data: data, config: config)
        for _ in 0..<stopAfter { try first.step() }
        let checkpoint = try TrainingCheckpoint(json: first.checkpoint().json())
        #expect(checkpoint.progress.step == stopAfter)
        var resumed = try Trainer(model: mlp([64, 16, 10], seed: 99), data: data, checkpoint: checkpoint)
        try resumed.run()

        #expect(resumed.model.snapshotParameters() == whole.model.snapshotParameters())
        #expect(try resumed.optimizerStates() == whole.optimizerStates())
        #expect(resumed.history == whole.history)
        #expect(resumed.progress == whole.progress)
        #expect(whole.progress.step == 3 * 8)
    }

    /// Badly scaled features (one around 500 ± 100, one around 0 ± 1) make the loss surface
    /// a narrow valley: the largest stable lr is tiny and the small feature barely learns.
    /// Standardising (fitted on the training split) makes the same model converge in a few
    /// epochs, with the best lr of each setting from the same grid.
    @Test func featureScalingCutsTheEpochsNeeded() throws {
        var rng = RandomGenerator(seed: 4)
        var x: [Float] = [], y: [Float] = []
        for _ in 0..<256 {
            let a = rng.normal(), b = 500 + 100 * rng.normal()
            x += [Float(a), Float(b)]
            y.append(Float(2 * a + 0.03 * b + 1))
        }
        let data = try Dataset(features: Tensor(x, shape: [256, 2]), targets: Tensor(y))
        let target = 0.01   // the variance of y is about 13

        func epochsToTarget(scaling: FeatureScaler.Method?, lr: Double, maxEpochs: Int) throws -> Int? {
            let r = Generator(seed: 0)
            let model = Sequential([try Linear(2, 1, generator: r)])
            let config = TrainerConfig(epochs: maxEpochs, batchSize: 32, seed: 1, loss: .meanSquaredError,
                                       optimizer: .sgd(try SGD(lr: lr)), featureScaling: scaling)
            var trainer = try Trainer(model: model, data: data, config: config)
            while let report = try trainer.step() {
                guard report.step.loss.isFinite else { return nil }
                if let e = report.epoch, e.loss < target { return e.epoch + 1 }
            }
            return nil
        }
        let grid = [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6]
        let scaled = try grid.compactMap { try epochsToTarget(scaling: .standardize, lr: $0, maxEpochs: 10) }.min()
        let unscaled = try grid.compactMap { try epochsToTarget(scaling: nil, lr: $0, maxEpochs: 40) }.min()
        #expect(scaled != nil && scaled! <= 5)
        #expect(unscaled == nil, "unscaled reached the target in \(unscaled ?? -1) epochs")
    }

    @Test func predictReappliesTheFittedScaling() throws {
        let x = Tensor([0, 100, 1, 300, 2, 500, 3, 700] as [Float], shape: [4, 2])
        let y = Tensor([1, 2, 3, 4] as [Float])
        let rng = Generator(seed: 0)
        let config = TrainerConfig(epochs: 300, batchSize: 4, loss: .meanSquaredError, optimizer: .sgd(try SGD(lr: 0.1)), featureScaling: .minMax)
        var trainer = try Trainer(model: Sequential([try Linear(2, 1, generator: rng)]), data: try Dataset(features: x, targets: y), config: config)
        try trainer.run()
        #expect(trainer.scaler?.shift == [0, 100] && trainer.scaler?.scale == [3, 600])
        let p = try trainer.predict(Tensor([1.5, 400] as [Float], shape: [1, 2])).doubles()
        #expect(abs(p[0] - 2.5) < 1e-3)
    }

    @Test func earlyStoppingStopsWhenValidationLossStalls() throws {
        let data = digits.rows(ArraySlice(0..<200))
        let config = TrainerConfig(epochs: 50, seed: 1, validationSplit: 0.5, optimizer: .sgd(try SGD(lr: 0)),
                                   earlyStopping: EarlyStopping(patience: 2))
        var trainer = try Trainer(model: mlp([64, 10], seed: 0), data: data, config: config)
        let history = try trainer.run()
        // lr 0 never improves on the first epoch's loss: stop after 1 + patience epochs.
        #expect(history.count == 3 && trainer.progress.stoppedEarly && trainer.isFinished)
        #expect(try trainer.step() == nil)
    }

    @Test func stepAndEpochMetrics() throws {
        let data = digits.rows(ArraySlice(0..<100))
        let config = TrainerConfig(epochs: 2, batchSize: 30, seed: 1, validationSplit: 0.2,
                                   optimizer: .sgd(try SGD(lr: 0.1)), schedule: .exponential(gamma: 0.5), clipGradNorm: 0.5)
        var trainer = try Trainer(model: mlp([64, 10], seed: 0), data: data, config: config)
        var reports: [Trainer.StepReport] = []
        try trainer.run { reports.append($0) }
        #expect(reports.map(\.step.step) == Array(0..<6))
        #expect(reports.map { $0.epoch != nil } == [false, false, true, false, false, true])
        #expect(reports.map(\.step.lr) == [0.1, 0.1, 0.1, 0.05, 0.05, 0.05])
        #expect(reports.allSatisfy { $0.step.gradNorm != nil && $0.step.accuracy != nil })
        let e0 = reports[2].epoch!
        // The epoch loss is the batch-size-weighted mean of its step losses (30, 30, 20).
        let weighted = (reports[0].step.loss * 30 + reports[1].step.loss * 30 + reports[2].step.loss * 20) / 80
        #expect(abs(e0.loss - weighted) < 1e-12)
        #expect(e0.validationLoss != nil && e0.validationAccuracy != nil)
    }

    @Test func configErrorsNameTheOption() throws {
        let data = digits.rows(ArraySlice(0..<10))
        for (config, argument) in [
            (TrainerConfig(epochs: -1, optimizer: .sgd(try SGD())), "epochs"),
            (TrainerConfig(epochs: 1, batchSize: 0, optimizer: .sgd(try SGD())), "batch_size"),
            (TrainerConfig(epochs: 1, validationSplit: 1, optimizer: .sgd(try SGD())), "validation_split"),
            (TrainerConfig(epochs: 1, optimizer: .sgd(try SGD()), clipGradNorm: -1), "clip_grad_norm"),
            (TrainerConfig(epochs: 1, optimizer: .sgd(try SGD()), schedule: .step(size: 0, gamma: 1)), "step_size"),
        ] {
            let e = try #require(throws: TensorError.self) { try Trainer(model: mlp([64, 10], seed: 0), data: data, config: config) }
            #expect(e.kind == .value && e.argument == argument)
        }
        let mse = TrainerConfig(epochs: 1, loss: .crossEntropy, optimizer: .sgd(try SGD()))
        let floats = try Dataset(features: Tensor([1, 2] as [Float], shape: [2, 1]), targets: Tensor([0.5, 1] as [Float]))
        var t = try Trainer(model: mlp([1, 2], seed: 0), data: floats, config: mse)
        let e = try #require(throws: TensorError.self) { try t.step() }
        #expect(e.kind == .dtype)
    }

    @Test func linearLayerShapesAndErrors() throws {
        let rng = Generator(seed: 0)
        let layer = try Linear(3, 2, generator: rng)
        #expect(layer.weight.shape == [2, 3] && layer.bias?.shape == [2] && layer.parameterCount == 8)
        #expect(layer.weight.doubles().allSatisfy { abs($0) <= 1 / 3.0.squareRoot() })
        let fixed = try Linear(weight: Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3]), bias: Tensor([10, 20] as [Float]))
        #expect(try fixed(Tensor([1, 0, -1] as [Float], shape: [1, 3])).scalars(as: Float.self) == [8, 18])
        let e = try #require(throws: TensorError.self) { try fixed(Tensor([1, 2] as [Float], shape: [1, 2])) }
        #expect(e.kind == .shape)
        #expect(throws: TensorError.self) { try fixed.loadParameters([TensorSnapshot(Tensor([1] as [Float]))]) }
    }
}
