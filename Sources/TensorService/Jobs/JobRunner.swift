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
        var jobs: JobLimits
    }

    let store: JobStore
    let engine: ComputeEngine
    let directory: URL
    let limits: Limits
    let log: HTTPServer.Logger
    let parse: @Sendable (JobRecord) throws -> JobSpec
    let lock = NSLock()
    var live: [String: JobExecution] = [:]
    /// Jobs waiting for a slot, in order (jobs resumed after a restart first).
    var waiting: [String] = []
    var running = 0
    var stopped = false
    /// Commits flushes in order, off the lanes.
    let writer: SerialWriter
    /// Steps queued or running on the engine.
    let steps = InFlightCounter()
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
        writer = SerialWriter(name: "tensord-job-writer", capacity: limits.jobs.writerQueue)
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
        try reserveQueue(1)
        return try create(record, spec: spec, refs: refs)
    }

    /// Records and queues the jobs of a sweep, all or none: the queue must have room for
    /// every one of them.
    func submit(sweep jobs: [(record: JobRecord, spec: JobSpec, refs: [String: Tensor])]) throws -> [JobRecord] {
        lock.lock()
        defer { lock.unlock() }
        try reserveQueue(jobs.count)
        return try jobs.map { try create($0.record, spec: $0.spec, refs: $0.refs).0 }
    }

    /// Throws `queue_full` unless `n` more jobs may wait `queued`.
    private func reserveQueue(_ n: Int) throws {
        let queued = live.values.filter({ $0.record.status == .queued }).count
        guard queued + n <= limits.maxQueued else {
            let detail = n == 1 ? "\(limits.maxQueued) jobs are already queued; retry later"
                : "\(n) jobs do not fit in the queue (\(queued) of \(limits.maxQueued) places taken); retry later"
            throw Problem(status: 429, code: "queue_full", title: "Job queue is full", detail: detail, retryAfter: 5)
        }
    }

    /// Creates one job under `lock`.
    private func create(_ record: JobRecord, spec: JobSpec, refs: [String: Tensor]) throws -> (JobRecord, created: Bool) {
        if !refs.isEmpty {
            let dir = jobDirectory(record.id).appendingPathComponent("refs")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for (name, t) in refs { try TensorFile.write(t, to: dir.appendingPathComponent("\(name).tensor")) }
        }
        switch try store.create(record) {
        case .existing(let job): return (try resolveIdempotent(job, record), false)
        case .conflict(let other): throw Self.conflict(record.idempotencyKey ?? "", other)
        case .created(let job):
            let exec = JobExecution(record: job, spec: spec, nextEventId: 1, maxMetricPoints: limits.jobs.maxMetricPoints)
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

    /// The job as it is now, with its ETA when running. Never waits for the writer: a
    /// running job shows its live progress; a job that has ended shows its end once that is
    /// committed, so a client that sees it finished finds all its metrics and events stored.
    func job(_ id: String) throws -> (JobRecord, eta: Double?)? {
        lock.lock()
        if let exec = live[id], !exec.record.status.isTerminal { defer { lock.unlock() }; return (exec.record, exec.eta) }
        lock.unlock()
        return try store.job(id).map { ($0, nil) }
    }

    /// The live version of stored records (progress newer than the last flush; see `job`).
    func overlay(_ records: [JobRecord]) -> [(JobRecord, Double?)] {
        lock.lock(); defer { lock.unlock() }
        return records.map { r in
            guard let exec = live[r.id], !exec.record.status.isTerminal || r.status.isTerminal else { return (r, nil) }
            return (exec.record, exec.eta)
        }
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
        let record = exec.record
        lock.unlock()
        if ended {
            flush(exec) { [self] in finish(exec, counted: false) }
        } else {
            flush(exec)
        }
        return record
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

    /// Stops starting steps, waits up to `timeout` for the steps under way, and writes what
    /// they recorded; running jobs stay `running` in the store and resume on restart. Waiting
    /// matters: a process that exits in the middle of a step tears BLAS down under it. A
    /// clean stop is not a failed attempt: the jobs' attempt counts start again at zero.
    func shutdown(timeout: Duration = .seconds(10)) {
        lock.lock()
        stopped = true
        let execs = Array(live.values)
        lock.unlock()
        if !steps.waitUntilNone(timeout: timeout) { log("shutdown: a job step was still running after \(timeout)") }
        lock.lock()
        for exec in execs { exec.record.attempts = 0 }
        lock.unlock()
        for exec in execs { flush(exec) }
        writer.sync()
        notify()
    }

    var isStopped: Bool {
        lock.lock(); defer { lock.unlock() }
        return stopped
    }

    /// Jobs holding a running slot now.
    var runningCount: Int {
        lock.lock(); defer { lock.unlock() }
        return running
    }

    /// Jobs by status as committed, for `/metrics`.
    func counts() -> [(JobStatus, Int)] {
        JobStatus.allCases.map { ($0, (try? store.count(status: $0)) ?? 0) }
    }

    func notify() {
        changed.lock()
        generation &+= 1
        changed.broadcast()
        changed.unlock()
    }
}
