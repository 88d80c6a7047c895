import Foundation
import TensorEngine

/// One job that is not finished (queued, running or cancelling): its lifecycle, its record
/// as it is now, the work, and what has not been written to the store yet.
///
/// Locks: the runner's lock guards everything here except `work` (guarded by `workLock`,
/// held while a step runs or the parameters are copied) and the order of flushes (`flushLock`).
/// Reads of the job never take the runner's lock: they see `record` as published to the
/// runner's board, and a read of its parameters copies them under `workLock`, between steps.
final class JobExecution: @unchecked Sendable {
    let id: String
    let spec: JobSpec
    var record: JobRecord
    var lifecycle: JobLifecycle
    var work: JobWork?
    /// Checkpoint bytes to continue from, when resuming a job whose node stopped.
    var resumeCheckpoint: Data?
    var resuming = false
    let workLock = NSLock()
    let flushLock = NSLock()

    /// The stored metric history (bounded: decimated for long runs) and what it has not written yet.
    var history: MetricHistory
    /// Events not yet written; metric events are encoded by the writer, off the lane.
    var pendingEvents: [PendingEvent] = []
    var nextEventId: Int64
    /// Capped events (checkpoints, logs) handed to the writer since it last pruned them.
    var cappedSincePrune = 0
    var lastFlush: UInt64 = 0
    /// Monotonic time `record` was last shown to reads (`JobRunner.publish`).
    var lastPublish: UInt64 = 0
    /// Monotonic time the current running stretch began, and the runtime before it.
    var runSince: UInt64 = 0
    var runtimeBefore = 0.0
    /// Average seconds per step (for the ETA), smoothed.
    var secondsPerStep: Double?
    var checkpoints: [CheckpointInfo] = []
    /// On resumption: the metric points the first flush drops (recorded again by the re-run).
    var truncation: MetricTruncation?
    /// Another node claimed the job (this node's lease ran out): nothing more runs or is written.
    var lost = false
    /// The parameters for reads (`/model`, `/predict`) that find a step under way: while reads
    /// ask (within `paramsAskWindow` seconds), the lane copies them after a step, at most every
    /// `publishInterval` and at most 2 % of its time; guarded by `paramsLock`.
    private let paramsLock = NSLock()
    private var params: (snapshot: JobSnapshot, at: UInt64)?
    private var paramsAsked: UInt64?
    private var paramsCopyNanos: UInt64 = 0
    static let paramsAskWindow = 10.0

    init(record: JobRecord, spec: JobSpec, nextEventId: Int64, maxMetricPoints: Int) {
        id = record.id
        self.spec = spec
        self.record = record
        history = MetricHistory(plannedSteps: record.totalSteps ?? spec.totalSteps, maxPoints: maxMetricPoints)
        lifecycle = JobLifecycle(status: record.status)
        self.nextEventId = nextEventId
    }

    static func monotonic() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// A read asks for the parameters: the copy the lane made after a recent step, if any
    /// (the lane keeps one while reads ask).
    func askParams() -> JobSnapshot? {
        paramsLock.withLock {
            paramsAsked = Self.monotonic()
            return params?.snapshot
        }
    }

    /// After a step (work lock held): copies the parameters if reads asked lately and the last
    /// copy is old enough, and drops the copy once they stopped asking.
    func publishParams(_ work: JobWork?) {
        let now = Self.monotonic()
        let (asked, last, cost) = paramsLock.withLock { (paramsAsked, params?.at, paramsCopyNanos) }
        guard let asked, Double(now &- asked) / 1e9 < Self.paramsAskWindow else {
            if last != nil { paramsLock.withLock { params = nil } }
            return
        }
        let interval = max(UInt64(JobRunner.publishInterval * 1e9), 50 * cost)
        if let last, now &- last < interval { return }
        guard let snapshot = try? work?.snapshot() else { return }
        let done = Self.monotonic()
        paramsLock.withLock {
            params = (snapshot, done)
            paramsCopyNanos = done &- now
        }
    }

    enum PendingEvent: Sendable {
        case encoded(JobEventRecord)
        case metric(Int64, MetricPoint)

        var isCapped: Bool {
            switch self {
            case .encoded(let e): e.kind.isCapped
            case .metric: false
            }
        }

        var record: JobEventRecord {
            switch self {
            case .encoded(let e): e
            case .metric(let id, let p): JobEventRecord(id: id, kind: .metric, data: JobJSON.encode(capacity: 128) { JobJSON.metric(p, into: &$0) })
            }
        }
    }

    var eta: Double? {
        guard record.status == .running, let s = secondsPerStep, let total = record.totalSteps else { return nil }
        return max(0, Double(total - record.step) * s)
    }

    func emit(_ kind: JobEventRecord.Kind, _ data: [UInt8]) {
        pendingEvents.append(.encoded(JobEventRecord(id: nextEventId, kind: kind, data: data)))
        nextEventId += 1
    }

    /// Metric events for the points the history keeps.
    private func emitMetrics(_ points: [MetricPoint]) {
        for p in points {
            pendingEvents.append(.metric(nextEventId, p))
            nextEventId += 1
        }
    }

    func log(_ message: String, level: String = "info") {
        emit(.log, JobJSON.log(level: level, message: message, at: JobJSON.now()))
    }

    /// Applies the lifecycle's transitions to the record (with their `status` events, and
    /// the `end` event); returns whether the job should run another step and whether it ended.
    func apply(_ actions: [JobAction]) -> (runStep: Bool, ended: Bool) {
        var runStep = false, ended = false
        for action in actions {
            switch action {
            case .transition(let status, let message):
                let now = JobJSON.now()
                let t = StatusTransition(status: status, at: now, message: message)
                record.status = status
                record.statusMessage = status == .running ? progressMessage : message
                record.transitions.append(t)
                if status == .running {
                    if record.startedAt == nil { record.startedAt = now }
                    runSince = Self.monotonic()
                    runtimeBefore = record.runtimeSeconds
                }
                if status.isTerminal { record.finishedAt = now }
                emit(.status, JobJSON.encode { JobJSON.transition(t, into: &$0) })
                if status == .failed, let e = record.error { log(e.detail, level: "error") }
            case .runStep:
                runStep = true
            case .end:
                ended = true
                emitMetrics(history.finish())
                emit(.end, JobJSON.end(status: record.status, error: record.error))
            }
        }
        return (runStep, ended)
    }

    var progressMessage: String {
        if let total = record.totalEpochs { return "epoch \(min((record.epoch ?? 0) + 1, total)) of \(total)" }
        return "step \(record.step) of \(record.totalSteps ?? 0)"
    }

    /// Records a step's metrics and logs, and the progress after it.
    func record(_ outcome: StepOutcome, stepsDone: Int, epochsDone: Int?, seconds: Double) {
        let now = JobJSON.now()
        for m in outcome.metrics {
            emitMetrics(history.add(MetricPoint(key: m.key, step: m.step, epoch: m.epoch, value: m.value, timestamp: now)))
            if LatestMetrics.keys.contains(m.key) { record.latest.values[m.key] = m.value }
        }
        for message in outcome.logs { log(message) }
        let advanced = stepsDone - record.step
        record.step = stepsDone
        record.epoch = epochsDone
        record.runtimeSeconds = runtimeBefore + Double(Self.monotonic() - runSince) / 1e9
        if advanced > 0 {
            // Exponential smoothing over roughly the last 20 steps.
            secondsPerStep = secondsPerStep.map { $0 * 0.95 + seconds * 0.05 } ?? seconds
        }
        if record.status == .running { record.statusMessage = progressMessage }
    }

    /// Whether the step just taken calls for a checkpoint under the spec's policy.
    func checkpointDue(_ outcome: StepOutcome, stepsDone: Int, epochsDone: Int?) -> Bool {
        if let every = spec.checkpointEverySteps, stepsDone > 0, stepsDone % every == 0 { return true }
        if let every = spec.checkpointEveryEpochs, outcome.endedEpoch, let e = epochsDone, e % every == 0 { return true }
        return false
    }

    /// The problem a failed step becomes (`error` of the job resource).
    static func problem(for error: Error) -> Problem {
        Problem.converting(error, program: "/objective/expr", locate: { _ in "" })
            ?? Problem(status: 500, code: "internal_error", title: "Internal Server Error", detail: "\(error)")
    }
}
