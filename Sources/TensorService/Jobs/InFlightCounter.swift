import Foundation

/// Counts work under way, so that shutdown can wait for it to end.
final class InFlightCounter: @unchecked Sendable {
    private let condition = NSCondition()
    private var count = 0

    func began() {
        condition.lock(); count += 1; condition.unlock()
    }

    func ended() {
        condition.lock()
        count -= 1
        if count == 0 { condition.broadcast() }
        condition.unlock()
    }

    var current: Int {
        condition.lock(); defer { condition.unlock() }
        return count
    }

    /// Waits until nothing is under way; false if `timeout` passed first.
    func waitUntilNone(timeout: Duration) -> Bool {
        let deadline = Date(timeIntervalSinceNow: Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        condition.lock()
        defer { condition.unlock() }
        while count > 0 {
            if !condition.wait(until: deadline) { return count == 0 }
        }
        return true
    }
}
