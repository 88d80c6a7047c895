import Foundation
import Testing
import TensorEngine
@testable import Training

/// `TrainingCheckpoint.json()` writes by hand what the synthesized `Codable` conformances
/// write (TrainingCheckpoint+JSON.swift): the two must stay one format, so that checkpoints
/// written before and after read alike.
@Suite struct CheckpointJSONTests {
    /// Every member set: validation metrics, early stopping's best loss, a fitted scaler,
    /// Adam's amsgrad buffers, an epoch's order part-way through, and non-finite numbers.
    func richCheckpoint() throws -> TrainingCheckpoint {
        let config = TrainerConfig(epochs: 4, batchSize: 32, seed: 11, validationSplit: 0.2, loss: .crossEntropy,
                                   optimizer: .adamw(try AdamW(lr: 1e-2, amsgrad: true)), schedule: .step(size: 1, gamma: 0.5),
                                   clipGradNorm: 1.0, featureScaling: .standardize,
                                   earlyStopping: EarlyStopping(patience: 10, minDelta: 1e-3))
        var trainer = try Trainer(model: mlp([64, 8, 10], seed: 2), data: digits.rows(ArraySlice(0..<200)), config: config)
        for _ in 0..<13 { try trainer.step() }
        var c = try trainer.checkpoint()
        c.progress.history.append(EpochMetrics(epoch: 2, loss: .infinity, accuracy: nil, validationLoss: -.infinity,
                                               validationAccuracy: 0.25, lr: 2.5e-3))
        return c
    }

    static func synthesized(_ c: TrainingCheckpoint) throws -> Data {
        let e = JSONEncoder()
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return try e.encode(c)
    }

    @Test func theCheckpointUsedHasEveryMember() throws {
        let c = try richCheckpoint()
        #expect(c.scaler != nil && c.progress.bestLoss != nil && !c.progress.order.isEmpty && c.progress.batch > 0)
        #expect(c.progress.history.count == 3 && c.progress.history[0].validationLoss != nil)
        #expect(c.optimizerStates.allSatisfy { $0.buffers.count == 3 })
    }

    @Test func readsBackEqual() throws {
        let c = try richCheckpoint()
        #expect(try TrainingCheckpoint(json: c.json()) == c)
    }

    @Test func writesWhatTheSynthesizedEncodingWrites() throws {
        var c = try richCheckpoint()
        c.progress.lossSum = .nan
        let fast = try JSONSerialization.jsonObject(with: c.json()) as? NSDictionary
        let slow = try JSONSerialization.jsonObject(with: Self.synthesized(c)) as? NSDictionary
        #expect(fast != nil && fast == slow)
        let back = try TrainingCheckpoint(json: c.json())
        #expect(back.progress.lossSum.isNaN)
    }

    @Test func readsTheSynthesizedEncoding() throws {
        let c = try richCheckpoint()
        #expect(try TrainingCheckpoint(json: Self.synthesized(c)) == c)
    }

}
