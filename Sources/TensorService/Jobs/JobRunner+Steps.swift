import Foundation
import TensorEngine

// Running a job: one engine unit per step, then its bookkeeping, then the next step.
extension JobRunner {
    /// Starts a job just claimed, holding its slot (lock held). Its claim recorded the
    /// attempt, so a first step that takes the process down is counted.
    func start(_ exec: JobExecution) {
        guard let actions = try? exec.lifecycle.handle(exec.resuming ? .restart : .start) else {
            live[exec.id] = nil
            running -= 1
            return
        }
        _ = exec.apply(actions)
        publish(exec)
        if exec.resuming {
            exec.runSince = JobExecution.monotonic()
            exec.runtimeBefore = exec.record.runtimeSeconds
        }
        schedule(exec)
    }

    private func schedule(_ exec: JobExecution) {
        steps.began()
        do {
            try engine.enqueue(.background) { [self] in
                defer { steps.ended() }
                if !isStopped && !isLost(exec) { runStep(exec) }
            }
        } catch {
            steps.ended()
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
        if case .success = result { exec.publishParams(exec.work) }
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
        let before = exec.record.status
        let actions = (try? exec.lifecycle.handle(event)) ?? []
        let (runNext, ended) = exec.apply(actions)
        if exec.record.status != before || Double(JobExecution.monotonic() - exec.lastPublish) / 1e9 >= Self.publishInterval {
            publish(exec)
        }
        let halt = board.isStopped, lost = exec.lost
        lock.unlock()
        guard !lost else { return }

        let checkpoint = checkpointDue && !ended ? makeCheckpoint(exec) : nil
        let due = Double(JobExecution.monotonic() - exec.lastFlush) / 1e9 >= limits.flushInterval
        if ended {
            exec.workLock.lock()
            let final = try? exec.work?.snapshot()
            exec.workLock.unlock()
            flush(exec, final: final) { [self] in finish(exec) }
        } else if checkpoint != nil || due || halt {
            flush(exec, checkpoint: checkpoint)
        }
        if runNext && !ended && !halt { schedule(exec) }
    }

    private func makeWork(_ exec: JobExecution) throws -> JobWork {
        switch exec.spec.kind {
        case .model(let m): try ModelWork(exec.spec, m, checkpoint: exec.resumeCheckpoint)
        case .objective(let o): try ObjectiveWork(exec.spec, o, checkpoint: exec.resumeCheckpoint)
        }
    }

    /// A checkpoint: the state copied on the lane, between steps, with its record, the id of
    /// its event and the checkpoints it pushes out of `keep_last`. The writer encodes it and
    /// commits its bytes (a blob of the job) with the record and the event.
    struct PendingCheckpoint: Sendable {
        var snapshot: JobSnapshot
        var info: CheckpointInfo
        var eventId: Int64
        var removed: [CheckpointInfo]
    }

    private func makeCheckpoint(_ exec: JobExecution) -> PendingCheckpoint? {
        exec.workLock.lock()
        let snapshot = Result { try exec.work?.snapshot() }
        let step = exec.work?.stepsDone ?? 0, epoch = exec.work?.epochsDone
        exec.workLock.unlock()
        lock.lock()
        defer { lock.unlock() }
        do {
            guard let snapshot = try snapshot.get() else { return nil }
            // The history has every point up to this step; its state goes with the checkpoint.
            let info = CheckpointInfo(step: step, epoch: epoch, createdAt: JobJSON.now(), bytes: 0, file: "step-\(step).ckpt",
                                      metricState: exec.history.keys)
            exec.checkpoints.append(info)
            let excess = max(0, exec.checkpoints.count - exec.spec.keepCheckpoints)
            let removed = Array(exec.checkpoints.prefix(excess))
            exec.checkpoints.removeFirst(excess)
            // The event's id is taken now, in order; its data (with the size) is written by the writer.
            let id = exec.nextEventId
            exec.nextEventId += 1
            return PendingCheckpoint(snapshot: snapshot, info: info, eventId: id, removed: removed)
        } catch {
            exec.log("checkpoint at step \(step) failed: \(error)", level: "warning")
            return nil
        }
    }

    /// Hands what the job has buffered to the writer, which commits it in one transaction
    /// (with the checkpoint's bytes, if any) and then runs `then`. The writer is one
    /// serial queue, off the lanes: a slow disk (a WAL checkpoint's fsync) delays the store,
    /// not the steps. Flushes of a job are taken and queued under its flush lock, so they
    /// commit in order. The writer's queue is bounded: when it is full the caller (a job's
    /// lane) waits, so a job that outruns the disk slows down instead of growing memory.
    /// `final` holds the parameters a job ended with, for `/model` and `/predict` once it has
    /// left memory; it is committed with the job's last write. `release` ends the lease (a
    /// clean stop). Every commit is fenced by the job's lease: if another node holds it now,
    /// nothing is written and this node stops running the job.
    func flush(_ exec: JobExecution, checkpoint: PendingCheckpoint? = nil, final: JobSnapshot? = nil, release: Bool = false,
               then: (@Sendable () -> Void)? = nil) {
        exec.flushLock.lock()
        defer { exec.flushLock.unlock() }
        lock.lock()
        let (taken, events) = takeDeferred(exec, release: release, checkpoint: checkpoint != nil)
        let lost = exec.lost
        lock.unlock()
        guard !lost else { return }
        writer.async { [self] in
            // A job's writes apply in order or not at all: once one has failed (the job was then
            // abandoned here), those queued behind it are dropped too. Committed past the gap, a
            // later checkpoint would be stored without the failed write's metric points, and the
            // run resumed from it would never record them again. (A write abandoned for a lost
            // lease is fenced anyway; this check is what stops a failed write's successors,
            // which still hold the lease.)
            guard !isLost(exec) else { return }
            var write = taken
            write.events = events.map(\.record)
            if var c = checkpoint {
                do {
                    let data = try c.snapshot.encode()
                    c.info.bytes = data.count
                    write.blobs["checkpoints/\(c.info.file)"] = [UInt8](data)
                    write.addCheckpoint = c.info
                    write.removeCheckpoints = c.removed.map(\.step)
                    write.events.append(JobEventRecord(id: c.eventId, kind: .checkpoint, data: JobJSON.encode { JobJSON.checkpoint(c.info, into: &$0) }))
                } catch {
                    log("job \(exec.id): cannot write the checkpoint at step \(c.info.step): \(error)")
                    write.events.append(JobEventRecord(id: c.eventId, kind: .log, data: JobJSON.log(
                        level: "warning", message: "checkpoint at step \(c.info.step) failed: \(error)", at: JobJSON.now())))
                }
            }
            if let final {
                do { write.blobs["final.ckpt"] = [UInt8](try final.encode()) } catch {
                    log("job \(exec.id): cannot encode its final parameters: \(error)")
                }
            }
            do {
                try commit(write)
            } catch JobStoreError.leaseLost {
                return abandon(exec)
            } catch {
                // A write that failed is not run past: its metric points and events would be
                // missing for good (a PostgreSQL session ended while the idle-class writer was
                // starved mid-transaction did that). The job stops here, with the writes queued
                // behind this one (see above), and is claimed again when its lease ends,
                // resuming from its last committed checkpoint, whose deterministic re-run
                // records the points again.
                return abandon(exec, because: "cannot write to the job store (\(error))")
            }
            if write.addCheckpoint != nil {
                // The store counts this start as progress (see `JobStore.commit`); so do reads.
                lock.lock()
                exec.record.attempts = 0
                lock.unlock()
            }
            notify()
            then?()
        }
    }

    /// The buffered writes of `exec` (lock held), leaving the events' encoding to the caller
    /// (the writer). Every tenth of `maxEvents` capped events (`checkpoint` tells whether one
    /// goes with this write), the write also prunes the oldest of them.
    private func takeDeferred(_ exec: JobExecution, release: Bool, checkpoint: Bool) -> (JobWrite, [JobExecution.PendingEvent]) {
        let (points, replaceFrom) = exec.history.take()
        var write = JobWrite(job: exec.record, truncateMetrics: exec.truncation, metrics: points, replaceMetricsFrom: replaceFrom,
                             releaseLease: release)
        exec.truncation = nil
        let events = exec.pendingEvents
        exec.cappedSincePrune += events.count(where: \.isCapped) + (checkpoint ? 1 : 0)
        if exec.cappedSincePrune >= max(1, limits.jobs.maxEvents / 10) {
            write.keepCappedEvents = limits.jobs.maxEvents
            exec.cappedSincePrune = 0
        }
        exec.pendingEvents.removeAll(keepingCapacity: true)
        exec.lastFlush = JobExecution.monotonic()
        return (write, events)
    }

    /// A job reached a terminal state: it leaves memory and frees its slot for the next claim.
    func finish(_ exec: JobExecution) {
        lock.lock()
        if live[exec.id] === exec {
            live[exec.id] = nil
            board.remove(exec.id)
            running -= 1
        }
        lock.unlock()
        wakeClaims()
        notify()
    }

    func isLost(_ exec: JobExecution) -> Bool {
        lock.lock(); defer { lock.unlock() }
        return exec.lost
    }
}
