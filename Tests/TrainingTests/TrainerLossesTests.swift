import Foundation
import Testing
import TensorEngine
@testable import Training

/// The losses, activations and early-stopping options training jobs use.
@Suite struct TrainerLossesTests {
    let small = digits.rows(ArraySlice(0..<200))

    func run(_ layers: [any Layer], data: Dataset, config: TrainerConfig) throws -> (Trainer, [Trainer.StepReport]) {
        var trainer = try Trainer(model: Sequential(layers), data: data, config: config)
        var reports: [Trainer.StepReport] = []
        try trainer.run { reports.append($0) }
        return (trainer, reports)
    }

    /// `nll` on a model ending in `log_softmax` is cross-entropy on its logits.
    @Test func nllOnLogSoftmaxMatchesCrossEntropy() throws {
        let r1 = Generator(seed: 3), r2 = Generator(seed: 3)
        let config = TrainerConfig(epochs: 2, seed: 1, loss: .crossEntropy, optimizer: .sgd(try SGD(lr: 0.01)), featureScaling: .standardize)
        var nllConfig = config
        nllConfig.loss = .nll
        let (_, ce) = try run([Linear(64, 10, generator: r1)], data: small, config: config)
        let (_, nll) = try run([Linear(64, 10, generator: r2), LogSoftmax()], data: small, config: nllConfig)
        for (a, b) in zip(ce, nll) {
            #expect(abs(a.step.loss - b.step.loss) < 1e-5)
            #expect(a.step.accuracy == b.step.accuracy)
        }
        #expect(nll.last!.step.loss < nll.first!.step.loss)
    }

    /// Binary cross-entropy with logits learns "is the digit a zero?", with elementwise accuracy.
    @Test func binaryCrossEntropyWithLogits() throws {
        let isZero = Tensor(small.targets.scalars(as: Int64.self).map { Float($0 == 0 ? 1 : 0) }, shape: [small.count, 1])
        let data = try Dataset(features: small.features, targets: isZero)
        let rng = Generator(seed: 5)
        let config = TrainerConfig(epochs: 15, seed: 2, loss: .binaryCrossEntropyWithLogits, optimizer: .adam(try Adam(lr: 0.01)),
                                   featureScaling: .standardize)
        let (trainer, reports) = try run([Linear(64, 1, generator: rng)], data: data, config: config)
        #expect(trainer.history.last!.accuracy! > 0.97)
        #expect(reports.allSatisfy { $0.step.gradNorm != nil }, "the gradient norm is reported without clipping too")
    }

    /// Early stopping on a metric that cannot improve (lr 0, and no shuffling, which would
    /// change the training loss's rounding from epoch to epoch) stops after `patience` more epochs.
    @Test(arguments: [EarlyStopping.Metric.loss, .accuracy, .validationLoss, .validationAccuracy])
    func earlyStoppingOnAMetric(_ metric: EarlyStopping.Metric) throws {
        let rng = Generator(seed: 1)
        let config = TrainerConfig(epochs: 10, shuffle: false, seed: 1, validationSplit: 0.2, loss: .crossEntropy, optimizer: .sgd(try SGD(lr: 0)),
                                   earlyStopping: EarlyStopping(patience: 2, metric: metric))
        let (trainer, _) = try run([Linear(64, 10, generator: rng)], data: small, config: config)
        #expect(trainer.history.count == 3 && trainer.progress.stoppedEarly)
    }

    /// `mode: max` on a loss treats a rising loss as progress: gradient ascent never stops.
    @Test func earlyStoppingModeMax() throws {
        let rng = Generator(seed: 1)
        let config = TrainerConfig(epochs: 5, seed: 1, loss: .crossEntropy, optimizer: .sgd(try SGD(lr: 0.01, maximize: true)),
                                   earlyStopping: EarlyStopping(patience: 1, metric: .loss, mode: .max))
        let (trainer, _) = try run([Linear(64, 10, generator: rng)], data: small, config: config)
        #expect(trainer.history.count == 5 && !trainer.progress.stoppedEarly)
    }

    @Test func earlyStoppingMetricsAreChecked() throws {
        let noValidation = TrainerConfig(epochs: 1, optimizer: .sgd(try SGD()), earlyStopping: EarlyStopping(patience: 1, metric: .validationLoss))
        #expect(throws: TensorError.self) { try noValidation.validate() }
        let regression = TrainerConfig(epochs: 1, loss: .meanSquaredError, optimizer: .sgd(try SGD()), earlyStopping: EarlyStopping(patience: 1, metric: .accuracy))
        #expect(throws: TensorError.self) { try regression.validate() }
    }

    @Test func activationLayers() throws {
        let x = Tensor([-1, 0, 2] as [Float], shape: [1, 3])
        #expect(try LeakyReLU()(x).scalars(as: Float.self) == [-0.01, 0, 2])
        #expect(try GELU()(x).scalars(as: Float.self)[2] > 1.95)
        let p = try Softmax()(x).scalars(as: Float.self)
        #expect(abs(p.reduce(0, +) - 1) < 1e-6)
        let lp = try LogSoftmax()(x).scalars(as: Float.self)
        for (a, b) in zip(p, lp) { #expect(abs(log(a) - b) < 1e-5) }
    }
}
