import Foundation
import TensorEngine
import Training

/// Times epochs of the reference model: an MLP 64→128→10 (ReLU), cross-entropy, Adam
/// (lr 1e-3), batch 32, shuffled, on the 1,797 UCI digits standardised — the same run as
/// scripts/bench_train_torch.py does in PyTorch. Each epoch is 57 optimizer steps through
/// `Trainer` (per-step loss and accuracy included). One warm-up epoch is not timed.
func runTrainBenchmark(_ args: [String]) throws {
    var epochs = 20
    var path = "Tests/TrainingTests/Fixtures/digits.csv"
    var json = false
    var i = 0
    while i < args.count {
        switch args[i] {
        case "--epochs" where i + 1 < args.count: epochs = max(1, Int(args[i + 1]) ?? epochs); i += 1
        case "--data" where i + 1 < args.count: path = args[i + 1]; i += 1
        case "--json": json = true
        default: throw TensorError(.value, "unknown argument '\(args[i])'")
        }
        i += 1
    }
    let (data, source) = try benchmarkData(path)

    let rng = Generator(seed: 0)
    let model = Sequential([try Linear(64, 128, generator: rng), ReLU(), try Linear(128, 10, generator: rng)])
    let config = TrainerConfig(epochs: epochs + 1, batchSize: 32, seed: 0, loss: .crossEntropy,
                               optimizer: .adam(try Adam(lr: 1e-3)), featureScaling: .standardize)
    var trainer = try Trainer(model: model, data: data, config: config)
    // Wall time, and the process's CPU time, which other load on a shared machine disturbs less.
    var times: [Double] = [], cpuTimes: [Double] = []
    var last: EpochMetrics?
    var start = DispatchTime.now().uptimeNanoseconds, cpuStart = seconds(CLOCK_PROCESS_CPUTIME_ID)
    while let report = try trainer.step() {
        if let e = report.epoch {
            let now = DispatchTime.now().uptimeNanoseconds, cpuNow = seconds(CLOCK_PROCESS_CPUTIME_ID)
            if e.epoch > 0 {
                times.append(Double(now - start) / 1e6)
                cpuTimes.append((cpuNow - cpuStart) * 1e3)
            }
            last = e
            start = DispatchTime.now().uptimeNanoseconds
            cpuStart = seconds(CLOCK_PROCESS_CPUTIME_ID)
        }
    }
    let sorted = times.sorted()
    let median = sorted[sorted.count / 2], mean = times.reduce(0, +) / Double(times.count)
    let cpuMedian = cpuTimes.sorted()[cpuTimes.count / 2]
    let steps = trainer.batchesPerEpoch
    let (written, synthesized) = try timeCheckpointEncoding(trainer.checkpoint())
    if json {
        print(#"{"model":"mlp-64-128-10","data":"\#(source)","epochs":\#(times.count),"steps_per_epoch":\#(steps),"epoch_ms_median":\#(median),"epoch_ms_mean":\#(mean),"epoch_ms_min":\#(sorted[0]),"epoch_cpu_ms_median":\#(cpuMedian),"final_loss":\#(last?.loss ?? .nan),"checkpoint_json_ms":\#(written),"checkpoint_jsonencoder_ms":\#(synthesized)}"#)
    } else {
        print("train: MLP 64→128→10, ReLU, cross-entropy, Adam, batch 32, \(data.count) examples (\(source)), \(steps) steps/epoch")
        print(String(format: "  epoch time over %d epochs: median %.2f ms, mean %.2f ms, min %.2f ms (%.0f µs/step)",
                     times.count, median, mean, sorted[0], median * 1000 / Double(steps)))
        print(String(format: "  CPU time per epoch: median %.2f ms", cpuMedian))
        print(String(format: "  final epoch loss %.4f, accuracy %.3f", last?.loss ?? .nan, last?.accuracy ?? .nan))
        print(String(format: "  checkpoint encoding (least of 20): json() %.3f ms, the synthesized Codable through JSONEncoder %.3f ms (%.1fx)",
                     written, synthesized, synthesized / written))
    }
}

/// Milliseconds to encode `checkpoint` (a job writes one every epoch by default) with `json()`, and with
/// Foundation's JSONEncoder through the synthesized `Codable` conformances, which write the same JSON:
/// the least of 20 calls each.
private func timeCheckpointEncoding(_ checkpoint: TrainingCheckpoint) throws -> (json: Double, encoder: Double) {
    let encoder = JSONEncoder()
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    let clock = clockid_t(CLOCK_MONOTONIC)
    return (try best(20, clock) { _ = try checkpoint.json() } * 1e3, try best(20, clock) { _ = try encoder.encode(checkpoint) } * 1e3)
}

/// The digits fixture when it is there (run from the package root), else synthetic data of
/// the same size (1,797 × 64 pixel counts 0–16, 10 classes), which times the same.
private func benchmarkData(_ path: String) throws -> (Dataset, String) {
    if let text = try? String(contentsOfFile: path, encoding: .utf8) {
        return (try Dataset(csv: text), "UCI digits")
    }
    var rng = RandomGenerator(seed: 1)
    let n = 1797
    let x = (0..<(n * 64)).map { _ in Float(rng.next() % 17) }
    let y = (0..<n).map { _ in Int64(rng.next() % 10) }
    return (try Dataset(features: Tensor(x, shape: [n, 64]), targets: Tensor(y)), "synthetic, digits-sized")
}
