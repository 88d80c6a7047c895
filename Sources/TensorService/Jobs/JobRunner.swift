import Foundation
import HTTPServer
import TensorEngine

/// Runs jobs on the shared engine: at most `maxRunning` at once (the rest wait `queued`, at
/// most `maxQueued` of them), each as a chain of steps where every step is one background
/// unit of the engine, so interactive requests overtake between steps and a cancel takes
/// effect after the current step. After each step the metrics and events are buffered and
/// written to the store in one transaction at least every `flushInterval`, at every
/// checkpoint and at every status change. On start it resumes the jobs a previous process
/// left `running` from their newest checkpoint; metrics after that checkpoint are dropped and
/// recorded again by the deterministic re-run, so no step is lost or duplicated.
final class JobRunner: @unchecked Sendable {
    struct Limits: Sendable {
        var maxRunning: Int
        var maxQueued: Int
        var flushInterval: Double
        var maxElements: Int
    }

    let store: JobStore
    let engine: ComputeEngine
    let directory: URL
    let limits: Limits
    private let log: HTTPServer.Logger
    private let parse: @Sendable (JobRecord) throws -> JobSpec
    private let lock = NSLock()
    private var live: [String: JobExecution] = [:]
    /// Jobs waiting for a slot, in order (jobs resumed after a restart first).
    private var waiting: [String] = []
    private var running = 0
    private var stopped = false
    private let changed = NSCondition()
    private var generation: UInt64 = 0

    init(store: JobStore, engine: ComputeEngine, directory: URL, limits: Limits, log: @escaping HTTPServer.Logger,
         parse: @escaping @Sendable (JobRecord) throws -> JobSpec) throws {
        self.store = store
        self.engine = engine
        self.directory = directory
        self.limits = limits
        self.log = log
        self.parse = parse
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try recover()
    }

    func jobDirectory(_ id: String) -> URL { directory.appendingPathComponent(id) }

    // MARK: requests

    /// Records a new job and queues it; `refs` are the stored tensors its spec names, kept
    /// with the job so that a resumed run sees the same data.
    func submit(_ record: JobRecord, spec: JobSpec, refs: [String: Tensor]) throws -> (JobRecord, created: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if let key = record.idempotencyKey, let existing = try store.job(idempotencyKey: key) {
            return try (resolveIdempotent(existing, record), false)
        }
        guard live.values.filter({ $0.record.status == .queued }).count < limits.maxQueued else {
            throw Problem(status: 429, code: "queue_full", title: "Job queue is full",
                          detail: "\(limits.maxQueued) jobs are already queued; retry later", retryAfter: 5)
        }
        if !refs.isEmpty {
            let dir = jobDirectory(record.id).appendingPathComponent("refs")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for (name, t) in refs { try TensorFile.write(t, to: dir.appendingPathComponent("\(name).tensor")) }
        }
        switch try store.create(record) {
        case .existing(let job): return (try resolveIdempotent(job, record), false)
        case .conflict(let other): throw Self.conflict(record.idempotencyKey ?? "", other)
        case .created(let job):
            let exec = JobExecution(record: job, spec: spec, nextEventId: 1)
            exec.emit(.status, JobJSON.encode { JobJSON.transition(job.transitions[0], into: &$0) })
            live[job.id] = exec
            waiting.append(job.id)
            try store.commit(take(exec))
            notify()
            startWaiting()
            return (exec.record, true)
        }
    }

    private func resolveIdempotent(_ existing: JobRecord, _ record: JobRecord) throws -> JobRecord {
        guard existing.spec == record.spec else { throw Self.conflict(record.idempotencyKey ?? "", existing.id) }
        return live[existing.id]?.record ?? existing
    }

    static func conflict(_ key: String, _ id: String) -> Problem {
        Problem(status: 422, code: "idempotency_conflict", title: "Idempotency key reused with a different request",
                detail: "Idempotency-Key '\(key)' was first used with a different body (job \(id))")
    }

    /// The job as it is now, with its ETA when running.
    func job(_ id: String) throws -> (JobRecord, eta: Double?)? {
        lock.lock()
        if let exec = live[id] { defer { lock.unlock() }; return (exec.record, exec.eta) }
        lock.unlock()
        return try store.job(id).map { ($0, nil) }
    }

    /// The live version of stored records (progress newer than the last flush).
    func overlay(_ records: [JobRecord]) -> [(JobRecord, Double?)] {
        lock.lock(); defer { lock.unlock() }
        return records.map { r in live[r.id].map { ($0.record, $0.eta) } ?? (r, nil) }
    }

    func cancel(_ id: String) throws -> JobRecord {
        lock.lock()
        guard let exec = live[id] else {
            lock.unlock()
            guard let job = try store.job(id) else { throw Problem.notFound("no job '\(id)'") }
            if job.status == .cancelled { return job }
            throw Problem(status: 409, code: "job_not_cancellable", title: "Job cannot be cancelled", detail: "job \(id) already \(job.status.rawValue)")
        }
        let actions: [JobAction]
        do { actions = try exec.lifecycle.handle(.cancel) } catch {
            lock.unlock()
            throw Problem(status: 409, code: "job_not_cancellable", title: "Job cannot be cancelled", detail: "job \(id) already \(exec.record.status.rawValue)")
        }
        let (_, ended) = exec.apply(actions)
        if ended { waiting.removeAll { $0 == id } }
        lock.unlock()
        flush(exec, force: true)
        if ended { finish(exec, counted: false) }
        return exec.record
    }

    /// Deletes a terminal job and its files.
    func delete(_ id: String) throws {
        for _ in 0..<200 {
            lock.lock()
            let exec = live[id]
            lock.unlock()
            guard let exec else { break }
            // A job that has just ended leaves `live` once its last flush is written.
            guard exec.lifecycle.status.isTerminal else {
                throw Problem(status: 409, code: "job_not_terminal", title: "Job has not finished",
                              detail: "job \(id) is \(exec.record.status.rawValue); cancel it and wait for it to end before deleting it")
            }
            Thread.sleep(forTimeInterval: 0.005)
        }
        guard let job = try store.job(id) else { throw Problem.notFound("no job '\(id)'") }
        guard job.status.isTerminal else {
            throw Problem(status: 409, code: "job_not_terminal", title: "Job has not finished", detail: "job \(id) is \(job.status.rawValue)")
        }
        try store.delete(id)
        try? FileManager.default.removeItem(at: jobDirectory(id))
        notify()
    }

    /// The job's parameters now: from the running work, or from its final file.
    func trainedModel(_ id: String) throws -> TrainedModel {
        lock.lock()
        let exec = live[id]
        lock.unlock()
        let notReady = Problem(status: 409, code: "job_not_ready", title: "Job has no parameters yet",
                               detail: "job \(id) has no parameters yet; they exist once it has started")
        if let exec {
            exec.workLock.lock()
            let bytes = try exec.work.map { try $0.checkpoint() }
            exec.workLock.unlock()
            guard let bytes else { throw notReady }
            return try TrainedModel(spec: exec.spec, checkpoint: bytes)
        }
        guard let job = try store.job(id) else { throw Problem.notFound("no job '\(id)'") }
        guard let bytes = try? Data(contentsOf: jobDirectory(id).appendingPathComponent("final.ckpt")) else { throw notReady }
        return try TrainedModel(spec: parse(job), checkpoint: bytes)
    }

    /// Blocks until something is written for any job, or `timeout` passes; returns the
    /// generation to pass next time.
    func waitForChange(after seen: UInt64, timeout: Double) -> UInt64 {
        changed.lock()
        defer { changed.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while generation == seen && changed.wait(until: deadline) {}
        return generation
    }

    var currentGeneration: UInt64 {
        changed.lock(); defer { changed.unlock() }
        return generation
    }

    /// Stops starting steps; running jobs stay `running` in the store and resume on restart.
    func shutdown() {
        lock.lock()
        stopped = true
        let execs = Array(live.values)
        lock.unlock()
        for exec in execs { flush(exec, force: true) }
        notify()
    }

    /// Jobs holding a running slot now.
    var runningCount: Int {
        lock.lock(); defer { lock.unlock() }
        return running
    }

    /// Jobs by status, for `/metrics`.
    func counts() -> [(JobStatus, Int)] {
        JobStatus.allCases.map { ($0, (try? store.count(status: $0)) ?? 0) }
    }

    private func notify() {
        changed.lock()
        generation &+= 1
        changed.broadcast()
        changed.unlock()
    }
}

// MARK: running steps

extension JobRunner {
    /// Starts waiting jobs while slots are free. Called with the lock held.
    private func startWaiting() {
        while running < limits.maxRunning, !stopped, !waiting.isEmpty {
            let exec = live[waiting.removeFirst()]!
            guard let actions = try? exec.lifecycle.handle(exec.resuming ? .restart : .start) else { continue }
            running += 1
            _ = exec.apply(actions)
            if exec.resuming {
                exec.runSince = JobExecution.monotonic()
                exec.runtimeBefore = exec.record.runtimeSeconds
            }
            schedule(exec)
        }
    }

    private func schedule(_ exec: JobExecution) {
        do {
            try engine.enqueue(.background) { [self] in runStep(exec) }
        } catch {
            log("job \(exec.id): cannot enqueue its next step: \(error)")
        }
    }

    /// One step of `exec` on a lane, then its bookkeeping, then the next step.
    private func runStep(_ exec: JobExecution) {
        let start = JobExecution.monotonic()
        exec.workLock.lock()
        let result = Result { () throws -> StepOutcome in
            try ElementLimit.with(limits.maxElements) {
                if exec.work == nil { exec.work = try makeWork(exec) }
                return try exec.work!.step()
            }
        }
        let stepsDone = exec.work?.stepsDone ?? exec.record.step, epochsDone = exec.work?.epochsDone
        exec.workLock.unlock()
        let seconds = Double(JobExecution.monotonic() - start) / 1e9

        lock.lock()
        let event: JobEvent
        var checkpointDue = false
        switch result {
        case .failure(let error):
            let p = JobExecution.problem(for: error)
            exec.record.error = JobProblem(p)
            event = .failed("step \(stepsDone): \(p.detail)")
        case .success(let outcome):
            exec.record(outcome, stepsDone: stepsDone, epochsDone: epochsDone, seconds: seconds)
            if let why = outcome.finished {
                event = .finished(why)
            } else if let limit = exec.spec.maxRuntimeSeconds, exec.record.runtimeSeconds >= limit {
                event = .finished("stopped at max_runtime_seconds (\(limit) s)")
            } else {
                event = .stepCompleted
                checkpointDue = exec.checkpointDue(outcome, stepsDone: stepsDone, epochsDone: epochsDone)
            }
        }
        let actions = (try? exec.lifecycle.handle(event)) ?? []
        let (runNext, ended) = exec.apply(actions)
        let halt = stopped
        lock.unlock()

        var removed: [CheckpointInfo] = []
        var added: CheckpointInfo?
        if checkpointDue && !ended { (added, removed) = writeCheckpoint(exec) }
        if ended { writeFinal(exec) }
        let due = Double(JobExecution.monotonic() - exec.lastFlush) / 1e9 >= limits.flushInterval
        flush(exec, force: ended || added != nil || due || halt, checkpoint: added, removed: removed)
        if ended {
            finish(exec, counted: true)
        } else if runNext && !halt {
            schedule(exec)
        }
    }

    private func makeWork(_ exec: JobExecution) throws -> JobWork {
        switch exec.spec.kind {
        case .model(let m): try ModelWork(exec.spec, m, checkpoint: exec.resumeCheckpoint)
        case .objective(let o): try ObjectiveWork(exec.spec, o, checkpoint: exec.resumeCheckpoint)
        }
    }

    /// Writes a checkpoint file atomically; returns its record and the ones it pushes out.
    private func writeCheckpoint(_ exec: JobExecution) -> (CheckpointInfo?, [CheckpointInfo]) {
        exec.workLock.lock()
        let bytes = Result { try exec.work?.checkpoint() }
        let step = exec.work?.stepsDone ?? 0, epoch = exec.work?.epochsDone
        exec.workLock.unlock()
        do {
            guard let data = try bytes.get() else { return (nil, []) }
            let dir = jobDirectory(exec.id).appendingPathComponent("checkpoints")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let info = CheckpointInfo(step: step, epoch: epoch, createdAt: JobJSON.now(), bytes: data.count, file: "step-\(step).ckpt")
            try data.write(to: dir.appendingPathComponent(info.file), options: .atomic)
            lock.lock()
            exec.checkpoints.append(info)
            let excess = max(0, exec.checkpoints.count - exec.spec.keepCheckpoints)
            let removed = Array(exec.checkpoints.prefix(excess))
            exec.checkpoints.removeFirst(excess)
            exec.emit(.checkpoint, JobJSON.encode { JobJSON.checkpoint(info, into: &$0) })
            lock.unlock()
            return (info, removed)
        } catch {
            lock.lock()
            exec.log("checkpoint at step \(step) failed: \(error)", level: "warning")
            lock.unlock()
            return (nil, [])
        }
    }

    /// The parameters a job ended with, for `/model` and `/predict` after it is gone from memory.
    private func writeFinal(_ exec: JobExecution) {
        exec.workLock.lock()
        defer { exec.workLock.unlock() }
        guard let work = exec.work else { return }
        do {
            try FileManager.default.createDirectory(at: jobDirectory(exec.id), withIntermediateDirectories: true)
            try work.checkpoint().write(to: jobDirectory(exec.id).appendingPathComponent("final.ckpt"), options: .atomic)
        } catch {
            log("job \(exec.id): cannot write its final parameters: \(error)")
        }
    }

    /// Writes what the job has buffered (when forced or due), in one transaction.
    func flush(_ exec: JobExecution, force: Bool, checkpoint: CheckpointInfo? = nil, removed: [CheckpointInfo] = []) {
        guard force else { return }
        exec.flushLock.lock()
        defer { exec.flushLock.unlock() }
        lock.lock()
        var write = take(exec)
        lock.unlock()
        write.addCheckpoint = checkpoint
        write.removeCheckpoints = removed.map(\.step)
        do {
            try store.commit(write)
            let dir = jobDirectory(exec.id).appendingPathComponent("checkpoints")
            for c in removed { try? FileManager.default.removeItem(at: dir.appendingPathComponent(c.file)) }
        } catch {
            log("job \(exec.id): cannot write to the job store: \(error)")
        }
        notify()
    }

    /// The buffered writes of `exec` (lock held).
    private func take(_ exec: JobExecution) -> JobWrite {
        let write = JobWrite(job: exec.record, metrics: exec.pendingMetrics, events: exec.pendingEvents)
        exec.pendingMetrics.removeAll(keepingCapacity: true)
        exec.pendingEvents.removeAll(keepingCapacity: true)
        exec.lastFlush = JobExecution.monotonic()
        return write
    }

    /// A job reached a terminal state: it leaves memory and frees its slot.
    private func finish(_ exec: JobExecution, counted: Bool) {
        lock.lock()
        live[exec.id] = nil
        if counted { running -= 1 }
        startWaiting()
        lock.unlock()
        notify()
    }

    // MARK: restart

    /// Reloads unfinished jobs: `running` ones continue from their newest checkpoint (ahead
    /// of the queue), `queued` ones wait again, `cancelling` ones become `cancelled`.
    private func recover() throws {
        var resumed: [String] = [], queued: [String] = []
        for record in try store.unfinished() {
            let spec: JobSpec
            let exec: JobExecution
            do {
                spec = try parse(record)
            } catch {
                var failed = record
                let now = JobJSON.now()
                failed.status = .failed
                failed.error = JobProblem(JobExecution.problem(for: error))
                failed.statusMessage = "cannot resume after a restart: \(failed.error!.detail)"
                failed.finishedAt = now
                failed.transitions.append(StatusTransition(status: .failed, at: now, message: failed.statusMessage!))
                try store.commit(JobWrite(job: failed))
                continue
            }
            exec = JobExecution(record: record, spec: spec, nextEventId: try store.lastEventId(job: record.id) + 1)
            switch record.status {
            case .running:
                let latest = try store.checkpoints(job: record.id).last
                exec.checkpoints = try store.checkpoints(job: record.id)
                if let latest {
                    exec.resumeCheckpoint = try Data(contentsOf: jobDirectory(record.id).appendingPathComponent("checkpoints/\(latest.file)"))
                    exec.record.step = latest.step
                    exec.record.epoch = latest.epoch
                    exec.log("resumed after a restart from the checkpoint at step \(latest.step)")
                } else {
                    exec.record.step = 0
                    exec.record.epoch = exec.record.totalEpochs == nil ? nil : 0
                    exec.log("restarted from the beginning after a restart (no checkpoint had been written)")
                }
                try store.truncateMetrics(job: record.id, after: latest?.step ?? -1)
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
}
