import Foundation
import TensorEngine
import Training

/// What one step of a job produced.
struct StepOutcome {
    var metrics: [(key: String, step: Int, epoch: Int?, value: Double)] = []
    /// Messages for `log` events (epoch summaries, early stopping).
    var logs: [String] = []
    /// Set when the job has nothing more to do, saying why.
    var finished: String?
    /// The step ended an epoch (checkpoints may be due).
    var endedEpoch = false
}

/// A job's computation, advanced one step at a time by the runner. Not thread-safe: the
/// runner holds the job's work lock while calling it.
protocol JobWork: AnyObject {
    /// Optimizer steps completed.
    var stepsDone: Int { get }
    /// Epochs completed (nil for objective jobs).
    var epochsDone: Int? { get }
    func step() throws -> StepOutcome
    /// Everything needed to continue exactly from here: a copy taken now, encoded later (off
    /// the lane, by the store's writer).
    func snapshot() throws -> JobSnapshot
}

/// A copy of a job's state whose (slow) encoding can happen on another thread.
struct JobSnapshot: Sendable {
    let encode: @Sendable () throws -> Data
}

/// A model job: the `Trainer`, one optimizer step per `step()`.
final class ModelWork: JobWork {
    private var trainer: Trainer
    private let maxSteps: Int?

    /// A fresh run, or the run continued from `checkpoint` (the same data must be given).
    init(_ spec: JobSpec, _ m: ModelSpec, checkpoint: Data?) throws {
        let data = try Dataset(features: m.x, targets: m.y)
        let model = try m.makeModel()
        if let checkpoint {
            trainer = try Trainer(model: model, data: data, checkpoint: TrainingCheckpoint(json: checkpoint))
        } else {
            trainer = try Trainer(model: model, data: data, config: spec.trainerConfig(m))
        }
        maxSteps = spec.maxSteps
    }

    var stepsDone: Int { trainer.progress.step }
    var epochsDone: Int? { trainer.progress.epoch }

    func step() throws -> StepOutcome {
        var out = StepOutcome()
        guard let report = try trainer.step() else {
            out.finished = "completed \(trainer.config.epochs) epochs"
            return out
        }
        let s = report.step
        out.metrics.append(("loss", s.step, s.epoch, s.loss))
        if let a = s.accuracy { out.metrics.append(("accuracy", s.step, s.epoch, a)) }
        out.metrics.append(("lr", s.step, s.epoch, s.lr))
        if let g = s.gradNorm { out.metrics.append(("grad_norm", s.step, s.epoch, g)) }
        if let e = report.epoch {
            out.endedEpoch = true
            // Validation uses the parameters after this step: it belongs to the next step index.
            if let v = e.validationLoss { out.metrics.append(("val_loss", stepsDone, e.epoch, v)) }
            if let v = e.validationAccuracy { out.metrics.append(("val_accuracy", stepsDone, e.epoch, v)) }
            var summary = "epoch \(e.epoch + 1)/\(trainer.config.epochs): loss \(Self.format(e.loss))"
            if let a = e.accuracy { summary += ", accuracy \(Self.format(a))" }
            if let v = e.validationLoss { summary += ", val_loss \(Self.format(v))" }
            if let v = e.validationAccuracy { summary += ", val_accuracy \(Self.format(v))" }
            out.logs.append(summary)
        }
        if trainer.progress.stoppedEarly, let es = trainer.config.earlyStopping {
            let metric = es.metric?.rawValue ?? (trainer.validation.count > 0 ? "val_loss" : "loss")
            out.finished = "early stopping: \(metric) did not improve for \(es.patience) epochs"
            out.logs.append(out.finished!)
        } else if trainer.isFinished {
            out.finished = "completed \(trainer.config.epochs) epochs"
        } else if let maxSteps, stepsDone >= maxSteps {
            out.finished = "stopped at max_steps (\(maxSteps))"
        }
        return out
    }

    func snapshot() throws -> JobSnapshot {
        let c = try trainer.checkpoint()
        return JobSnapshot { try c.json() }
    }

    static func format(_ v: Double) -> String { String(format: "%.4g", v) }
}

/// Everything an objective job needs to continue: the parameters, the optimizer states and
/// the number of updates done.
struct ObjectiveCheckpoint: Codable, Sendable {
    var step: Int
    var params: [TensorSnapshot]
    var states: [OptimizerState]
}

/// An objective job: evaluate the program, record the loss and the trajectory, update.
final class ObjectiveWork: JobWork {
    private let spec: ObjectiveSpec
    private var optimizer: any Optimizer
    private let baseLR: Double
    private let schedule: LRSchedule
    private let clip: Double?
    /// The last step index: the one recorded after the final update.
    private let lastStep: Int
    private(set) var params: [Tensor]
    private var states: [OptimizerState]
    private(set) var stepsDone = 0
    var epochsDone: Int? { nil }

    init(_ job: JobSpec, _ o: ObjectiveSpec, checkpoint: Data?) throws {
        spec = o
        optimizer = job.optimizer.optimizer
        baseLR = job.optimizer.lr
        schedule = job.schedule
        clip = job.clipGradNorm
        lastStep = min(o.steps, job.maxSteps ?? o.steps)
        if let checkpoint {
            let c = try JSONDecoder().decode(ObjectiveCheckpoint.self, from: checkpoint)
            params = try c.params.map { try $0.tensor() }
            states = c.states
            stepsDone = c.step
        } else {
            // Owned copies, which the optimizer updates in place.
            params = try o.params.map { try TensorSnapshot($0.tensor).tensor() }
            states = o.params.map { _ in OptimizerState() }
        }
    }

    /// The parameters by name (the arrays the optimizer updates; copy before handing out).
    var namedParams: [(String, Tensor)] { zip(spec.params.map(\.name), params).map { ($0, $1) } }

    func step() throws -> StepOutcome {
        var out = StepOutcome()
        let k = stepsDone
        let leaves = spec.leaves(params)
        let loss = try spec.loss(leaves)
        out.metrics.append(("loss", k, nil, try loss.item()))
        for (i, p) in spec.params.enumerated() where spec.recordsTrajectory {
            let values = try params[i].cast(to: .float64)
            let keys = ObjectiveSpec.trajectoryKeys(p.name, count: values.count, scalar: values.ndim == 0)
            values.withContiguousBuffer(as: Double.self) { v in
                for (j, key) in keys.enumerated() { out.metrics.append((key, k, nil, v[j])) }
            }
        }
        if k >= lastStep {
            out.finished = lastStep < spec.steps ? "stopped at max_steps (\(lastStep))" : "completed \(spec.steps) steps"
            return out
        }
        let grads = loss.node == nil ? try params.map { try zerosLike($0) } : try Autograd.gradients(of: loss, wrt: leaves)
        let lr = schedule.lr(base: baseLR, epoch: k)
        optimizer.lr = lr
        let norm = try optimizer.apply(grads, to: params, states: &states, clipGradNorm: clip)
        out.metrics.append(("lr", k, nil, lr))
        out.metrics.append(("grad_norm", k, nil, norm))
        stepsDone = k + 1
        return out
    }

    func snapshot() throws -> JobSnapshot {
        let c = ObjectiveCheckpoint(step: stepsDone, params: params.map(TensorSnapshot.init),
                                    states: try states.map { s in OptimizerState(step: s.step, buffers: try s.buffers.mapValues { try TensorSnapshot($0).tensor() }) })
        return JobSnapshot { try JSONEncoder().encode(c) }
    }
}
