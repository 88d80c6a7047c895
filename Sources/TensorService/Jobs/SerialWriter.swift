import Foundation

/// One thread that runs blocks in order: the job store's writer. It runs at the job lanes'
/// lower priority (`BackgroundPriority`), so encoding checkpoints and committing metrics never
/// keeps an interactive request from a core. Its queue holds at most `capacity` blocks:
/// `async` waits for room (backpressure on the job lane that calls it), so a writer that
/// falls behind slows the jobs down instead of growing memory.
final class SerialWriter: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [@Sendable () -> Void] = []
    private let capacity: Int

    init(name: String, capacity: Int) {
        self.capacity = max(1, capacity)
        let t = Thread { [self] in
            BackgroundPriority.lowerCurrentThread()
            loop(yields: BackgroundPriority.YieldTimer())
        }
        t.name = name
        t.start()
    }

    /// Queues `work`, first waiting for room unless `waiting` is false (for callers that
    /// hold a lock a queued block may need; they queue one small block per job start).
    func async(waiting: Bool = true, _ work: @escaping @Sendable () -> Void) {
        condition.lock()
        while waiting && queue.count >= capacity { condition.wait() }
        queue.append(work)
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until everything queued so far has run (never call it from a queued block).
    func sync() {
        let done = DispatchSemaphore(value: 0)
        async { done.signal() }
        done.wait()
    }

    /// Blocks queued now (for tests of the backpressure).
    var queued: Int {
        condition.lock(); defer { condition.unlock() }
        return queue.count
    }

    /// `yields`: the writer's blocks (a checkpoint's encoding, a commit) take milliseconds of CPU,
    /// so while requests arrive it gives up its core every 200 µs, as the job lanes do.
    private func loop(yields: BackgroundPriority.YieldTimer) {
        while true {
            condition.lock()
            if queue.isEmpty {
                yields.stop()
                repeat { condition.wait() } while queue.isEmpty
            }
            let batch = queue
            queue.removeAll(keepingCapacity: true)
            condition.broadcast()
            condition.unlock()
            for work in batch {
                yields.update()
                work()
            }
        }
    }
}
