import Foundation

// Restart: jobs a previous process left unfinished.
extension JobRunner {
    /// Reloads unfinished jobs: `running` ones continue from their newest checkpoint (ahead
    /// of the queue), `queued` ones wait again, `cancelling` ones become `cancelled`.
    func recover() throws {
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
