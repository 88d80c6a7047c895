import Foundation

// Restart: jobs a previous process left unfinished.
extension JobRunner {
    /// Reloads unfinished jobs: `running` ones continue from their newest checkpoint (ahead
    /// of the queue), `queued` ones wait again, `cancelling` ones become `cancelled`. A
    /// running job whose last `maxAttempts` starts all ended without a clean stop is
    /// probably what takes the process down: it is failed instead of resumed once more.
    func recover() throws {
        var resumed: [String] = [], queued: [String] = []
        for record in try store.unfinished() {
            let spec: JobSpec
            let exec: JobExecution
            do {
                spec = try parse(record)
            } catch {
                let p = JobExecution.problem(for: error)
                try fail(record, JobProblem(p), message: "cannot resume after a restart: \(p.detail)")
                continue
            }
            if record.status == .running && record.attempts >= limits.jobs.maxAttempts {
                let why = "not resumed: the server stopped without shutting down cleanly during each of the job's last "
                    + "\(record.attempts) attempts (a crash or a kill); it may be what takes the server down"
                try fail(record, JobProblem(Problem(status: 500, code: "job_attempts_exhausted", title: "Job stopped the server too often",
                                                    detail: why)), message: why)
                continue
            }
            exec = JobExecution(record: record, spec: spec, nextEventId: try store.lastEventId(job: record.id) + 1,
                                maxMetricPoints: limits.jobs.maxMetricPoints)
            switch record.status {
            case .running:
                let checkpoints = try store.checkpoints(job: record.id)
                exec.checkpoints = checkpoints
                let planned = record.totalSteps ?? spec.totalSteps
                if let latest = checkpoints.last {
                    exec.resumeCheckpoint = try Data(contentsOf: jobDirectory(record.id).appendingPathComponent("checkpoints/\(latest.file)"))
                    exec.record.step = latest.step
                    exec.record.epoch = latest.epoch
                    exec.log("resumed after a restart from the checkpoint at step \(latest.step)")
                    // The points recorded after the checkpoint are recorded again by the
                    // deterministic re-run; a checkpoint without a history state (written
                    // by an older version) keeps every point up to its step.
                    let state = latest.metricState ?? [:]
                    exec.history = MetricHistory(plannedSteps: planned, maxPoints: limits.jobs.maxMetricPoints, resuming: state)
                    try store.truncateMetrics(job: record.id, keys: state.mapValues(\.last.step),
                                              others: latest.metricState == nil ? latest.step : -1)
                } else {
                    exec.record.step = 0
                    exec.record.epoch = exec.record.totalEpochs == nil ? nil : 0
                    exec.log("restarted from the beginning after a restart (no checkpoint had been written)")
                    try store.truncateMetrics(job: record.id, keys: [:], others: -1)
                }
                exec.resuming = true
                live[record.id] = exec
                resumed.append(record.id)
            case .queued:
                live[record.id] = exec
                queued.append(record.id)
            case .cancelling:
                _ = exec.apply((try? exec.lifecycle.handle(.restart)) ?? [])
                try store.commit(take(exec))
            case .succeeded, .failed, .cancelled:
                continue
            }
        }
        lock.lock()
        waiting = resumed + queued
        startWaiting()
        lock.unlock()
    }

    /// Marks a job that cannot be resumed `failed`, with an `end` event for its streams.
    private func fail(_ record: JobRecord, _ problem: JobProblem, message: String) throws {
        var failed = record
        let now = JobJSON.now()
        failed.status = .failed
        failed.error = problem
        failed.statusMessage = message
        failed.finishedAt = now
        let t = StatusTransition(status: .failed, at: now, message: message)
        failed.transitions.append(t)
        let first = try store.lastEventId(job: record.id) + 1
        try store.commit(JobWrite(job: failed, events: [
            JobEventRecord(id: first, kind: .status, data: JobJSON.encode { JobJSON.transition(t, into: &$0) }),
            JobEventRecord(id: first + 1, kind: .end, data: JobJSON.end(status: .failed, error: problem)),
        ]))
    }
}
