import Foundation

/// One thread that runs blocks in order: the job store's writer. It runs at the job lanes'
/// lower priority (`BackgroundPriority`), so encoding checkpoints and committing metrics never
/// keeps an interactive request from a core.
final class SerialWriter: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [@Sendable () -> Void] = []

    init(name: String) {
        let t = Thread { [self] in
            BackgroundPriority.lowerCurrentThread()
            loop()
        }
        t.name = name
        t.start()
    }

    func async(_ work: @escaping @Sendable () -> Void) {
        condition.lock()
        queue.append(work)
        condition.signal()
        condition.unlock()
    }

    /// Waits until everything queued so far has run (never call it from a queued block).
    func sync() {
        let done = DispatchSemaphore(value: 0)
        async { done.signal() }
        done.wait()
    }

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty { condition.wait() }
            let batch = queue
            queue.removeAll(keepingCapacity: true)
            condition.unlock()
            for work in batch { work() }
        }
    }
}
