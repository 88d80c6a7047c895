import Foundation

/// What reads see of the jobs in memory: each one's record and ETA as last published, and
/// whether the runner has stopped. Reads take only this board's lock, never the runner's.
///
/// Why: the job lanes run in the idle scheduling class (`BackgroundPriority`) and take the
/// runner's lock for every step's bookkeeping. A request's thread waiting for that lock
/// waits until the kernel gives an idle-class thread the CPU again, which on a busy machine
/// is tens of milliseconds (a priority inversion; it was the p99 of `GET /v1/jobs` with two
/// long jobs running). Publishers build the snapshot first and hold this lock only to swap
/// it in; the snapshot they replace is released after the lock.
final class LiveJobBoard: @unchecked Sendable {
    struct Snapshot: Sendable {
        let record: JobRecord
        let eta: Double?
    }

    private let lock = NSLock()
    private var jobs: [String: Snapshot] = [:]
    private var stopped = false

    func publish(_ snapshot: Snapshot) {
        lock.lock()
        let replaced = jobs.updateValue(snapshot, forKey: snapshot.record.id)
        lock.unlock()
        withExtendedLifetime(replaced) {}
    }

    func remove(_ id: String) {
        lock.lock()
        let removed = jobs.removeValue(forKey: id)
        lock.unlock()
        withExtendedLifetime(removed) {}
    }

    func snapshot(_ id: String) -> Snapshot? {
        lock.lock(); defer { lock.unlock() }
        return jobs[id]
    }

    /// The snapshots of `ids`, in order, under one lock.
    func snapshots(_ ids: [String]) -> [Snapshot?] {
        lock.lock(); defer { lock.unlock() }
        return ids.map { jobs[$0] }
    }

    func stop() {
        lock.lock(); defer { lock.unlock() }
        stopped = true
    }

    var isStopped: Bool {
        lock.lock(); defer { lock.unlock() }
        return stopped
    }
}
