import Foundation
import TensorWire

extension TensorClient {
    /// Waits for a job to reach a terminal status and returns it as the server then describes
    /// it (`succeeded`, `failed` with its `error`, or `cancelled`: check `status`).
    ///
    /// `onProgress` gets the job after each event of its stream: status changes, the step and
    /// epoch, the latest metrics, and an ETA estimated from the metric timestamps. It runs on
    /// the calling thread.
    ///
    /// ```swift
    /// let done = try client.waitForJob(job.id) { job in
    ///     print("step \(job.progress.step)/\(job.progress.totalSteps ?? 0) loss \(job.latestMetrics.loss ?? .nan)")
    /// }
    /// ```
    public func waitForJob(_ id: String, onProgress: (Job) -> Void = { _ in }) throws(TensorClientError) -> Job {
        var job = try self.job(id)
        onProgress(job)
        guard !job.status.isTerminal else { return job }
        var tracker = ProgressTracker(job: job)
        try events(id) { event in
            tracker.apply(event)
            job.status = tracker.status
            job.statusMessage = tracker.statusMessage ?? job.statusMessage
            job.progress = tracker.progress
            job.latestMetrics = tracker.latestMetrics
            if !tracker.transitions.isEmpty { job.statusTransitions = tracker.transitions }
            onProgress(job)
            return .proceed
        }
        let done = try self.job(id)
        onProgress(done)
        return done
    }
}

/// A job's progress as its events tell it, between two reads of the job.
struct ProgressTracker {
    private(set) var status: JobStatus
    private(set) var statusMessage: String?
    private(set) var progress: JobProgress
    private(set) var latestMetrics: LatestMetrics
    /// The transitions the stream replayed and added (it starts from the first).
    private(set) var transitions: [StatusTransition] = []
    /// The first metric point seen while running, to measure the step rate by the server's clock.
    private var origin: (step: Int, time: Date)?

    init(job: Job) {
        status = job.status
        statusMessage = job.statusMessage
        progress = job.progress
        latestMetrics = job.latestMetrics
    }

    mutating func apply(_ event: JobEvent) {
        switch event.kind {
        case .status(let t):
            status = t.status
            statusMessage = t.message
            transitions.append(t)
            if t.status.isTerminal { progress.etaSeconds = nil }
        case .metric(let m):
            latestMetrics.record(m.key, m.value)
            progress.step = max(progress.step, m.step)
            if let e = m.epoch {
                // A point belongs to 0-based epoch e, during which e epochs are complete; a
                // validation point ends its epoch.
                let completed = m.key.hasPrefix("val_") ? e + 1 : e
                progress.epoch = max(progress.epoch ?? 0, completed)
            }
            if let total = progress.totalSteps, total > 0 {
                progress.percent = min(100, 100 * Double(progress.step) / Double(total))
                if let time = Self.date(m.timestamp) {
                    if let origin, m.step > origin.step {
                        let rate = Double(m.step - origin.step) / max(time.timeIntervalSince(origin.time), 1e-6)
                        progress.etaSeconds = Double(max(total - progress.step, 0)) / rate
                    } else if origin == nil {
                        origin = (m.step, time)
                    }
                }
            }
        case .end(let s, _):
            status = s
            progress.etaSeconds = nil
        case .checkpoint, .log, .other:
            break
        }
    }

    /// RFC 3339 with or without fractional seconds.
    static func date(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: text)
    }
}
