import Foundation

/// The event streams open at once, bounded: a stream holds its connection's thread for as
/// long as it follows a job, so without a bound any client could take a thread per
/// connection. At `limit` a new stream is refused (503 `service_unavailable`, `Retry-After`).
final class StreamSlots: @unchecked Sendable {
    let limit: Int
    private let lock = NSLock()
    private var open = 0

    init(limit: Int) { self.limit = limit }

    /// One open stream's place, given back when the slot is freed: when its stream has ended,
    /// or when its response is dropped unsent (so no path can leak a place).
    final class Slot: @unchecked Sendable {
        private let slots: StreamSlots
        fileprivate init(_ slots: StreamSlots) { self.slots = slots }
        deinit { slots.release() }
    }

    func acquire() throws -> Slot {
        lock.lock()
        defer { lock.unlock() }
        guard open < limit else {
            throw Problem(status: 503, code: "service_unavailable", title: "Service unavailable",
                          detail: "\(limit) event streams are open, the most this server follows at once (--max-event-streams); retry later",
                          retryAfter: 5)
        }
        open += 1
        return Slot(self)
    }

    /// Streams open now.
    var count: Int {
        lock.lock(); defer { lock.unlock() }
        return open
    }

    private func release() {
        lock.lock(); defer { lock.unlock() }
        open -= 1
    }
}
