import Foundation
import TensorEngine

/// Everything needed to continue a run exactly where it stopped: parameters, optimizer
/// state, position (epoch, batch, step), the shuffling generator and the current epoch's
/// order, the partial epoch's metric sums, the history, early-stopping progress and the
/// fitted scaler. Codable and bit-exact (tensors as raw bytes), so stopping after any step
/// and resuming gives the same parameters as an uninterrupted run.
public struct TrainingCheckpoint: Codable, Equatable, Sendable {
    public var config: TrainerConfig
    public var parameters: [TensorSnapshot]
    public var optimizerStates: [OptimizerState]
    public var progress: TrainingProgress
    public var scaler: FeatureScaler?

    public init(config: TrainerConfig, parameters: [TensorSnapshot], optimizerStates: [OptimizerState],
                progress: TrainingProgress, scaler: FeatureScaler?) {
        self.config = config
        self.parameters = parameters
        self.optimizerStates = optimizerStates
        self.progress = progress
        self.scaler = scaler
    }

    /// Reads what `json()` (TrainingCheckpoint+JSON.swift) wrote, or the synthesized encoding.
    public init(json: Data) throws { self = try Self.decoder.decode(Self.self, from: json) }

    /// The synthesized encoding's settings, which `json()` follows (and uses for the config).
    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return e
    }

    private static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return d
    }
}

/// Where a run is and what it has seen so far.
public struct TrainingProgress: Codable, Equatable, Sendable {
    /// The epoch in progress (or `epochs` when done) and the next batch within it.
    public var epoch = 0
    public var batch = 0
    /// Optimizer steps taken over the whole run.
    public var step = 0
    /// Draws the next epoch's order.
    public var rng: RandomGenerator
    /// The current epoch's example order (empty between epochs).
    public var order: [Int] = []
    /// Sums over the current epoch so far: loss·batch size, correct predictions, examples.
    public var lossSum = 0.0
    public var correct = 0
    public var seen = 0
    /// Predictions judged for accuracy this epoch (rows, or elements for binary losses).
    public var judged = 0
    public var history: [EpochMetrics] = []
    /// Early stopping: the best monitored loss (nil before the first epoch ends) and the
    /// epochs since it improved.
    public var bestLoss: Double?
    public var epochsWithoutImprovement = 0
    public var stoppedEarly = false

    init(seed: UInt64) { rng = RandomGenerator(seed: seed) }
}
