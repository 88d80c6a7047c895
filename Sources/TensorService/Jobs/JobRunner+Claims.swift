import Foundation

// Claims: which jobs this node runs. One thread claims the oldest claimable job while a slot
// is free (woken by a submission or a job's end here, by a submission or a released lease on
// another node through PostgreSQL's NOTIFY, and polling for leases that expired and for
// notifications that were lost), and renews the leases of the jobs it runs by heartbeat,
// every third of the lease, as River and Oban do. A job claimed `running` had a node that
// stopped (this one, restarted, or another that died): it resumes from its newest checkpoint.
extension JobRunner {
    /// Seconds between polls of the store for claimable jobs.
    var pollSeconds: Double { min(1, limits.jobs.leaseSeconds / 3) }

    func startClaiming() {
        let t = Thread { [self] in claimLoop() }
        t.name = "tensord-job-claims"
        t.start()
    }

    /// Wakes the claim thread (a job was submitted or a slot was freed).
    func wakeClaims() {
        ticker.lock()
        tickerWoken = true
        ticker.signal()
        ticker.unlock()
    }

    private func claimLoop() {
        var nextHeartbeat = Date(timeIntervalSinceNow: limits.jobs.leaseSeconds / 3)
        while !isStopped {
            if Date() >= nextHeartbeat {
                heartbeat()
                endStalledWriters()
                nextHeartbeat = Date(timeIntervalSinceNow: limits.jobs.leaseSeconds / 3)
            }
            fill()
            ticker.lock()
            let until = min(nextHeartbeat, Date(timeIntervalSinceNow: pollSeconds))
            while !tickerWoken && ticker.wait(until: until) {}
            tickerWoken = false
            ticker.unlock()
        }
    }

    /// Frees the jobs that a node stopped inside its write still holds past their leases (see
    /// `JobStore.endStalledWriters`), for this node's next claim or another's.
    private func endStalledWriters() {
        do {
            for w in try store.endStalledWriters(leaseMillis: leaseMillis) {
                log("job \(w.job): ended store session \(w.session) of node \(w.node), stalled inside a write of the job past its lease")
            }
        } catch {
            log("cannot end the store sessions of stalled nodes: \(error)")
        }
    }

    /// Claims jobs while this node has a free slot.
    func fill() {
        while true {
            lock.lock()
            guard !board.isStopped, running < limits.maxRunning else { lock.unlock(); return }
            running += 1
            lock.unlock()
            let claimed: JobRecord?
            do { claimed = try store.claim(node: node, leaseMillis: leaseMillis, job: nil) } catch {
                log("cannot claim a job: \(error)")
                claimed = nil
            }
            guard let claimed else { freeSlot(); return }
            do { try adopt(claimed) } catch {
                // Its lease runs out and a later claim tries again.
                log("job \(claimed.id): cannot start it: \(error)")
                freeSlot()
                return
            }
        }
    }

    private func freeSlot() {
        lock.lock()
        running -= 1
        lock.unlock()
    }

    /// Starts a job just claimed (its slot taken): a queued one from the beginning, a running
    /// one from its newest checkpoint. A job with a cancel pending ends cancelled; a running
    /// job whose last `maxAttempts` starts all ended without a clean stop and without a new
    /// checkpoint is probably what takes its nodes down: it is failed instead of resumed once more.
    private func adopt(_ record: JobRecord) throws {
        lock.lock()
        // This node lost the lease while paused, then claimed the job again: the old run goes.
        if let old = live[record.id] { abandonLocked(old) }
        lock.unlock()
        if record.status == .cancelling || record.cancelRequested {
            _ = try endCancelled(record)
            return freeSlot()
        }
        let spec: JobSpec
        do { spec = try parse(record) } catch {
            let p = JobExecution.problem(for: error)
            try fail(record, JobProblem(p), message: "cannot resume: \(p.detail)")
            return freeSlot()
        }
        // The claim counted this start: the attempts before it are one fewer.
        if record.status == .running && record.attempts - 1 >= limits.jobs.maxAttempts {
            let why = "not resumed: its node stopped without shutting down cleanly, before the job's next checkpoint, during each of "
                + "its last \(record.attempts - 1) attempts (a crash or a kill); it may be what takes the server down"
            try fail(record, JobProblem(Problem(status: 500, code: "job_attempts_exhausted", title: "Job stopped the server too often",
                                                detail: why)), message: why)
            return freeSlot()
        }
        let exec = JobExecution(record: record, spec: spec, nextEventId: try store.lastEventId(job: record.id) + 1,
                                maxMetricPoints: limits.jobs.maxMetricPoints)
        if record.status == .running { try prepareResume(exec, spec: spec) }
        lock.lock()
        defer { lock.unlock() }
        guard !board.isStopped else { running -= 1; return }
        live[record.id] = exec
        start(exec)
    }

    /// Loads the newest checkpoint of a job found running, and the metric history's state
    /// there; the first flush drops the points recorded after it (fenced like every write).
    private func prepareResume(_ exec: JobExecution, spec: JobSpec) throws {
        let checkpoints = try store.checkpoints(job: exec.id)
        exec.checkpoints = checkpoints
        let planned = exec.record.totalSteps ?? spec.totalSteps
        if let latest = checkpoints.last, let bytes = try store.blob(job: exec.id, name: "checkpoints/\(latest.file)") {
            exec.resumeCheckpoint = Data(bytes)
            exec.record.step = latest.step
            exec.record.epoch = latest.epoch
            exec.log("resumed after a restart from the checkpoint at step \(latest.step) on node \(node)")
            // The points recorded after the checkpoint are recorded again by the
            // deterministic re-run; a checkpoint without a history state (written
            // by an older version) keeps every point up to its step.
            let state = latest.metricState ?? [:]
            exec.history = MetricHistory(plannedSteps: planned, maxPoints: limits.jobs.maxMetricPoints, resuming: state)
            exec.truncation = MetricTruncation(keys: state.mapValues(\.last.step), others: latest.metricState == nil ? latest.step : -1)
        } else {
            exec.record.step = 0
            exec.record.epoch = exec.record.totalEpochs == nil ? nil : 0
            exec.log("restarted from the beginning after a restart (no checkpoint had been written) on node \(node)")
            exec.truncation = MetricTruncation(keys: [:], others: -1)
        }
        exec.resuming = true
    }

    /// Ends a job claimed without running it (lock not held): cancelled (a cancel was asked
    /// while it was queued or its node was gone), with its `end` event.
    func endCancelled(_ record: JobRecord) throws -> JobRecord {
        var lifecycle = JobLifecycle(status: record.status)
        var actions = (try? lifecycle.handle(.cancel)) ?? []
        if !lifecycle.status.isTerminal { actions += (try? lifecycle.handle(.restart)) ?? [] }
        var ended = record
        var events: [JobEventRecord] = []
        var next = try store.lastEventId(job: record.id) + 1
        for case .transition(let status, let message) in actions {
            let t = StatusTransition(status: status, at: JobJSON.now(), message: message)
            ended.status = status
            ended.statusMessage = message
            ended.transitions.append(t)
            events.append(JobEventRecord(id: next, kind: .status, data: JobJSON.encode { JobJSON.transition(t, into: &$0) }))
            next += 1
        }
        ended.finishedAt = JobJSON.now()
        ended.attempts = 0
        events.append(JobEventRecord(id: next, kind: .end, data: JobJSON.end(status: ended.status, error: nil)))
        try commit(JobWrite(job: ended, events: events))
        notify()
        return ended
    }

    /// Marks a claimed job that cannot be resumed `failed`, with an `end` event for its streams.
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
        try commit(JobWrite(job: failed, events: [
            JobEventRecord(id: first, kind: .status, data: JobJSON.encode { JobJSON.transition(t, into: &$0) }),
            JobEventRecord(id: first + 1, kind: .end, data: JobJSON.end(status: .failed, error: problem)),
        ]))
        notify()
    }

    /// Renews the leases of the jobs running here; a job whose lease was lost stops here
    /// (another node has it), and a cancel requested on another node is honoured.
    private func heartbeat() {
        lock.lock()
        let leases = live.values.reduce(into: [String: Int64]()) { $0[$1.id] = $1.record.leaseToken }
        lock.unlock()
        guard !leases.isEmpty else { return }
        let held: [String: LeaseRenewal]
        do { held = try store.renew(node: node, leases: leases, leaseMillis: leaseMillis) } catch {
            // The leases may run out: the fence keeps this node from writing if they do.
            return log("cannot renew the leases of running jobs: \(error)")
        }
        var cancelled: [JobExecution] = []
        lock.lock()
        for (id, token) in leases {
            guard let exec = live[id], exec.record.leaseToken == token else { continue }
            if let renewal = held[id] {
                if renewal.cancelRequested && exec.lifecycle.status == .running, (try? cancelLocked(exec)) != nil { cancelled.append(exec) }
            } else {
                abandonLocked(exec)
            }
        }
        lock.unlock()
        for exec in cancelled { flush(exec) }
    }

    /// Drops a job whose lease another node holds now (lock held): its steps stop and what it
    /// has not written is discarded; the store keeps the other node's work.
    func abandonLocked(_ exec: JobExecution, because reason: String = "its lease was lost to another node") {
        guard live[exec.id] === exec else { return }
        exec.lost = true
        live[exec.id] = nil
        board.remove(exec.id)
        running -= 1
        log("job \(exec.id): \(reason); this node stops running it")
        wakeClaims()
    }

    func abandon(_ exec: JobExecution, because reason: String = "its lease was lost to another node") {
        lock.lock()
        abandonLocked(exec, because: reason)
        lock.unlock()
    }
}
