import Foundation

/// What reads see of the jobs in memory, taking only this board's lock, never the runner's:
/// each live job's view as last published (with its execution, for its parameters), whether
/// the runner has stopped, and views of finished jobs kept for reads.
///
/// Why: the job lanes run in the idle scheduling class (`BackgroundPriority`) and take the
/// runner's lock for every step's bookkeeping. A request's thread waiting for that lock
/// waits until the kernel gives an idle-class thread the CPU again, which on a busy machine
/// is tens of milliseconds (a priority inversion; it was the p99 of `GET /v1/jobs` with two
/// long jobs running). Publishers build the view first and hold this lock only to swap it
/// in; the view they replace is released after the lock.
///
/// Finished jobs: a terminal job's row never changes again except by its deletion, so its view
/// (with its rendered answer) can answer reads from memory while nobody else may delete it:
/// with the embedded store, which only this process writes. The runner forgets a job's kept
/// view at every write of a terminal job and at its deletion, and a view read from the store
/// is kept only if no such write came since the read began (`keep(_:readSince:)`). They are
/// kept oldest first out within `keptBytes` (0 keeps none: a shared database, whose rows
/// other nodes delete).
final class LiveJobBoard: @unchecked Sendable {
    struct Live {
        let view: JobView
        let execution: JobExecution
    }

    private let lock = NSLock()
    private var liveJobs: [String: Live] = [:]
    private var stopped = false
    private let keptBytes: Int
    /// Kept views by id, each with the number it was kept under.
    private var kept: [String: (view: JobView, number: UInt64)] = [:]
    /// Kept ids oldest first, for eviction: an entry whose id was forgotten, or kept again
    /// under another number since, is skipped.
    private var keptOrder: [(id: String, number: UInt64)] = []
    private var keptHead = 0
    private var keptCount: UInt64 = 0
    private var keptTotal = 0
    /// Counts the writes that forgot a kept view; a read from the store that began before one
    /// may have read what it changed.
    private var forgets: UInt64 = 0

    init(keptBytes: Int) {
        self.keptBytes = max(0, keptBytes)
    }

    func publish(_ view: JobView, of execution: JobExecution) {
        lock.lock()
        let replaced = liveJobs.updateValue(Live(view: view, execution: execution), forKey: view.record.id)
        lock.unlock()
        withExtendedLifetime(replaced) {}
    }

    func remove(_ id: String) {
        lock.lock()
        let removed = liveJobs.removeValue(forKey: id)
        lock.unlock()
        withExtendedLifetime(removed) {}
    }

    /// The job as reads show it, if memory has it: live and not ended (a job that has ended
    /// shows its end once that is committed, as the store has it), or finished and kept.
    func view(_ id: String) -> JobView? {
        lock.lock(); defer { lock.unlock() }
        if let l = liveJobs[id], !l.view.record.status.isTerminal { return l.view }
        return kept[id]?.view
    }

    /// The live entry of a job this node runs.
    func live(_ id: String) -> Live? {
        lock.lock(); defer { lock.unlock() }
        return liveJobs[id]
    }

    /// The live views of `ids`, in order, under one lock.
    func liveViews(_ ids: [String]) -> [JobView?] {
        lock.lock(); defer { lock.unlock() }
        return ids.map { liveJobs[$0]?.view }
    }

    /// Where a read from the store begins: pass it to `keep`.
    var readMark: UInt64 {
        lock.lock(); defer { lock.unlock() }
        return forgets
    }

    /// Keeps the view of a terminal job read from the store after `mark`, unless a write of a
    /// terminal job or a deletion came since (it may have changed what was read).
    func keep(_ view: JobView, readSince mark: UInt64) {
        let id = view.record.id
        guard view.record.status.isTerminal, view.footprint <= keptBytes else { return }
        var evicted: [JobView] = []
        lock.lock()
        if forgets == mark && kept[id] == nil {
            keptCount += 1
            kept[id] = (view, keptCount)
            keptOrder.append((id, keptCount))
            keptTotal += view.footprint
            while keptTotal > keptBytes, keptHead < keptOrder.count {
                let oldest = keptOrder[keptHead]
                keptHead += 1
                if let old = kept[oldest.id], old.number == oldest.number {
                    kept[oldest.id] = nil
                    keptTotal -= old.view.footprint
                    evicted.append(old.view)
                }
            }
            // Forgotten entries are dropped from the order once they are half of it.
            if keptOrder.count - keptHead > 2 * kept.count + 64 || keptHead > keptOrder.count / 2 {
                keptOrder = keptOrder[keptHead...].filter { kept[$0.id]?.number == $0.number }
                keptHead = 0
            }
        }
        lock.unlock()
        withExtendedLifetime(evicted) {}
    }

    /// Drops the kept view of a job whose row was written or deleted.
    func forget(_ id: String) {
        lock.lock()
        forgets &+= 1
        let removed = kept.removeValue(forKey: id)
        if let removed { keptTotal -= removed.view.footprint }
        lock.unlock()
        withExtendedLifetime(removed) {}
    }

    /// Bytes the kept views may come to now (for tests of the bound).
    var keptFootprint: Int {
        lock.lock(); defer { lock.unlock() }
        return keptTotal
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
