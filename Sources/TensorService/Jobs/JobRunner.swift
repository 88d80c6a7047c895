import Foundation
import HTTPServer
import TensorEngine

/// Runs jobs on the shared engine: at most `maxRunning` at once on this node (the rest wait
/// `queued` in the store, at most `maxQueued` of them), each as a chain of steps where every
/// step is one background unit of the engine, so interactive requests overtake between steps
/// and a cancel takes effect after the current step. After each step the metrics and events
/// are buffered and written to the store in one transaction at least every `flushInterval`,
/// at every checkpoint and at every status change.
///
/// Jobs are claimed from the store, oldest first, whenever a slot is free (a submission, a
/// job's end, or the poll of `JobRunner+Claims.swift`), with a lease renewed by heartbeat;
/// every write is fenced by the lease, so several nodes can share one store. A job whose
/// node stopped (a restart here, or a node that died) is claimed again once its lease ends
/// and resumes from its newest checkpoint; metrics after that checkpoint are dropped and
/// recorded again by the deterministic re-run, so no step is lost or duplicated.
final class JobRunner: @unchecked Sendable {
    struct Limits: Sendable {
        var maxRunning: Int
        var maxQueued: Int
        var flushInterval: Double
        var maxElements: Int
        var jobs: JobLimits
        /// Bytes of finished jobs' views kept for reads (`LiveJobBoard`); 0 with a shared store.
        var keptJobBytes: Int
    }

    let store: JobStore
    let engine: ComputeEngine
    /// This node's name in the store's leases.
    let node: String
    let limits: Limits
    let log: HTTPServer.Logger
    let parse: @Sendable (JobRecord) throws -> JobSpec
    let lock = NSLock()
    /// The jobs this node has claimed; each holds one of the `maxRunning` slots.
    var live: [String: JobExecution] = [:]
    /// Slots taken: live jobs and claims under way.
    var running = 0
    /// What reads see of `live`, so that a read never waits for this lock, and the finished
    /// jobs kept for reads (see `LiveJobBoard`).
    let board: LiveJobBoard
    /// Seconds between publications of a running job's progress to `board` (a status change
    /// is published at once).
    static let publishInterval = 0.005
    /// Commits flushes in order, off the lanes.
    let writer: SerialWriter
    /// Steps queued or running on the engine.
    let steps = InFlightCounter()
    private let changed = NSCondition()
    private var generation: UInt64 = 0
    /// Wakes the claim thread (`JobRunner+Claims.swift`).
    let ticker = NSCondition()
    var tickerWoken = false

    init(store: JobStore, engine: ComputeEngine, node: String, limits: Limits, log: @escaping HTTPServer.Logger,
         parse: @escaping @Sendable (JobRecord) throws -> JobSpec) throws {
        self.store = store
        self.engine = engine
        self.node = node
        self.limits = limits
        self.log = log
        self.parse = parse
        board = LiveJobBoard(keptBytes: limits.keptJobBytes)
        writer = SerialWriter(name: "tensord-job-writer", capacity: limits.jobs.writerQueue)
        try store.startNode(node)
        startClaiming()
    }

    var leaseMillis: Millis { Millis(limits.jobs.leaseSeconds * 1000) }

    // MARK: requests

    /// Records a new job and queues it; `refs` are the stored tensors its spec names, kept
    /// with the job (as blobs) so that a resumed run, on any node, sees the same data.
    func submit(_ record: JobRecord, refs: [String: Tensor]) throws -> (JobRecord, created: Bool) {
        // A replay is answered from the store without the lock, as reads are; two first uses
        // of one key at once are told apart by the store's `create`.
        if let key = record.idempotencyKey, let existing = try store.job(idempotencyKey: key) {
            return try (resolveIdempotent(existing, record), false)
        }
        let result = try create([(record, refs)])[0]
        if result.created { fill() }
        return result
    }

    /// Records and queues the jobs of a sweep, all or none: the queue must have room for
    /// every one of them.
    func submit(sweep jobs: [(record: JobRecord, refs: [String: Tensor])]) throws -> [JobRecord] {
        let records = try create(jobs).map { $0.0 }
        fill()
        return records
    }

    /// Records jobs, all or none, if the queue has room for them: the store counts the queue
    /// (shared by every node on it) and inserts them as one, so `maxQueued` holds across
    /// nodes. A node with a free slot claims them next (this one first: the caller fills).
    private func create(_ jobs: [(record: JobRecord, refs: [String: Tensor])]) throws -> [(JobRecord, created: Bool)] {
        let new = try jobs.map { record, refs in
            NewJob(job: record,
                   events: [JobEventRecord(id: 1, kind: .status, data: JobJSON.encode { JobJSON.transition(record.transitions[0], into: &$0) })],
                   blobs: try refs.reduce(into: [String: [UInt8]]()) { $0["refs/\($1.key).tensor"] = [UInt8](try TensorFile.encode($1.value)) })
        }
        let outcomes: [JobCreation]
        do {
            outcomes = try store.create(new, maxQueued: limits.maxQueued)
        } catch JobStoreError.queueFull(let queued) {
            let detail = jobs.count == 1 ? "\(limits.maxQueued) jobs are already queued; retry later"
                : "\(jobs.count) jobs do not fit in the queue (\(queued) of \(limits.maxQueued) places taken); retry later"
            throw Problem(status: 429, code: "queue_full", title: "Job queue is full", detail: detail, retryAfter: 5)
        }
        let made = try zip(outcomes, jobs).map { outcome, job -> (JobRecord, created: Bool) in
            switch outcome {
            case .created(let created): return (created, true)
            case .existing(let existing): return (try resolveIdempotent(existing, job.record), false)
            case .conflict(let other): throw Self.conflict(job.record.idempotencyKey ?? "", other)
            }
        }
        if made.contains(where: { $0.created }) { notify() }
        return made
    }

    private func resolveIdempotent(_ existing: JobRecord, _ record: JobRecord) throws -> JobRecord {
        guard existing.spec == record.spec else { throw Self.conflict(record.idempotencyKey ?? "", existing.id) }
        return existing
    }

    static func conflict(_ key: String, _ id: String) -> Problem {
        Problem(status: 422, code: "idempotency_conflict", title: "Idempotency key reused with a different request",
                detail: "Idempotency-Key '\(key)' was first used with a different body (job \(id))")
    }

    /// The job as it is now, with its ETA when running. Never waits for the writer nor for a
    /// job lane (it reads `board`, not `live`): a running job shows its live progress (at most
    /// `publishInterval` old); a job that has ended shows its end once that is committed, so a
    /// client that sees it finished finds all its metrics and events stored. A finished job
    /// read from the store is kept on the board for the next reads (embedded store only).
    func job(_ id: String) throws -> JobView? {
        if let view = board.view(id) { return view }
        let mark = board.readMark
        guard let record = try store.job(id) else { return nil }
        let view = JobView(record)
        board.keep(view, readSince: mark)
        return view
    }

    /// The live version of stored records (progress newer than the last flush; see `job`).
    func overlay(_ records: [JobRecord]) -> [(JobRecord, eta: Double?)] {
        zip(records, board.liveViews(records.map(\.id))).map { r, v in
            guard let v, !v.record.status.isTerminal || r.status.isTerminal else { return (r, nil) }
            return (v.record, v.eta)
        }
    }

    /// The view of one stored record, live if newer (see `overlay`).
    func view(_ record: JobRecord) -> JobView {
        let (r, eta) = overlay([record])[0]
        return JobView(r, eta: eta)
    }

    /// Shows `exec` as it is now to reads (lock held, so publications keep their order); a
    /// job no longer run here (lost, ended) is not shown again.
    func publish(_ exec: JobExecution) {
        guard live[exec.id] === exec else { return }
        exec.lastPublish = JobExecution.monotonic()
        board.publish(JobView(exec.record, eta: exec.eta), of: exec)
    }

    /// Commits a write of a job; a terminal job's kept view goes (its row may have changed).
    func commit(_ write: JobWrite) throws {
        defer { if write.job.status.isTerminal { board.forget(write.job.id) } }
        try store.commit(write)
    }

    /// Cancels a job: at once if this node runs it (after its current step) or if it is
    /// queued or orphaned (claimed here to end it); otherwise the request is recorded in the
    /// store and the node that runs the job honours it at its next heartbeat.
    func cancel(_ id: String) throws -> JobRecord {
        lock.lock()
        guard let exec = live[id] else {
            lock.unlock()
            guard let job = try store.job(id) else { throw Problem.notFound("no job '\(id)'") }
            if job.status == .cancelled { return job }
            guard !job.status.isTerminal else { throw Self.notCancellable(id, job.status) }
            if let claimed = try store.claim(node: node, leaseMillis: leaseMillis, job: id) { return try endCancelled(claimed) }
            guard let requested = try store.requestCancel(id) else { throw Problem.notFound("no job '\(id)'") }
            guard requested.status != .succeeded && requested.status != .failed else { throw Self.notCancellable(id, requested.status) }
            return requested
        }
        let record: JobRecord
        do { record = try cancelLocked(exec) } catch { lock.unlock(); throw error }
        lock.unlock()
        flush(exec)
        return record
    }

    /// Cancels a job this node runs (lock held; the caller flushes it once the lock is
    /// released). A job here is running or cancelling, so it ends after its current step.
    func cancelLocked(_ exec: JobExecution) throws -> JobRecord {
        let actions: [JobAction]
        do { actions = try exec.lifecycle.handle(.cancel) } catch { throw Self.notCancellable(exec.id, exec.record.status) }
        _ = exec.apply(actions)
        publish(exec)
        return exec.record
    }

    static func notCancellable(_ id: String, _ status: JobStatus) -> Problem {
        Problem(status: 409, code: "job_not_cancellable", title: "Job cannot be cancelled", detail: "job \(id) already \(status.rawValue)")
    }

    /// Deletes a terminal job with its blobs. Like reads, it never takes the runner's lock:
    /// a job this node runs is on the board, with its status as last published.
    func delete(_ id: String) throws {
        for _ in 0..<200 {
            guard let live = board.live(id) else { break }
            // A job that has just ended leaves the board once its last flush is written.
            guard live.view.record.status.isTerminal else {
                throw Problem(status: 409, code: "job_not_terminal", title: "Job has not finished",
                              detail: "job \(id) is \(live.view.record.status.rawValue); cancel it and wait for it to end before deleting it")
            }
            Thread.sleep(forTimeInterval: 0.005)
        }
        guard let job = try store.job(id) else { throw Problem.notFound("no job '\(id)'") }
        guard job.status.isTerminal else {
            throw Problem(status: 409, code: "job_not_terminal", title: "Job has not finished", detail: "job \(id) is \(job.status.rawValue)")
        }
        defer { board.forget(id) }
        try store.delete(id)
        notify()
    }

    /// The job's parameters now: from the work running here, or from its final blob. Never
    /// takes the runner's lock (the board has the jobs this node runs). A running job's
    /// parameters are copied between two steps; a read that finds a step under way takes the
    /// copy its lane made after a recent step while reads asked (so a polling client never
    /// waits for the lane, which the kernel may keep off the CPU for long: it runs in the idle
    /// class), and waits for the step only when there is none. The copy is encoded after the
    /// lane is let go.
    func trainedModel(_ id: String) throws -> TrainedModel {
        let exec = board.live(id)?.execution
        let notReady = Problem(status: 409, code: "job_not_ready", title: "Job has no parameters yet",
                               detail: "job \(id) has no parameters yet; they exist once it has started")
        if let exec {
            let published = exec.askParams()
            let snapshot: JobSnapshot?
            if exec.workLock.try() {
                defer { exec.workLock.unlock() }
                snapshot = try exec.work?.snapshot()
            } else if let published {
                snapshot = published
            } else {
                snapshot = try exec.workLock.withLock { try exec.work?.snapshot() }
            }
            guard let snapshot else { throw notReady }
            return try TrainedModel(spec: exec.spec, checkpoint: try snapshot.encode())
        }
        guard let job = try store.job(id) else { throw Problem.notFound("no job '\(id)'") }
        guard let bytes = try store.blob(job: id, name: "final.ckpt") else { throw notReady }
        return try TrainedModel(spec: parse(job), checkpoint: Data(bytes))
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

    /// Stops claiming and starting steps, waits up to `timeout` for the steps under way, and
    /// writes what they recorded; running jobs stay `running` in the store, their leases
    /// released, so that another node (or this one, restarted) resumes them at once, as
    /// Solid Queue releases its claims on a clean stop. Waiting matters: a process that exits
    /// in the middle of a step tears BLAS down under it. A clean stop is not a failed
    /// attempt: the jobs' attempt counts start again at zero.
    func shutdown(timeout: Duration = .seconds(10)) {
        lock.lock()
        board.stop()
        let execs = Array(live.values)
        lock.unlock()
        wakeClaims()
        if !steps.waitUntilNone(timeout: timeout) { log("shutdown: a job step was still running after \(timeout)") }
        lock.lock()
        for exec in execs { exec.record.attempts = 0 }
        lock.unlock()
        for exec in execs { flush(exec, release: true) }
        writer.sync()
        notify()
    }

    var isStopped: Bool { board.isStopped }

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
