import Foundation

/// The open connections, so the server can bound their number and close them on shutdown.
/// A connection's socket is closed here, under the same lock that `shutdown` uses, so a descriptor number is
/// never shut down after it has been reused.
final class ConnectionRegistry: @unchecked Sendable {
    private struct Entry {
        let socket: Socket
        var idle: Bool
    }

    private let condition = NSCondition()
    private var entries: [Int: Entry] = [:]
    private var nextID = 0
    private var shuttingDown = false
    let maxConnections: Int

    init(maxConnections: Int) {
        self.maxConnections = maxConnections
    }

    /// Registers an accepted socket; nil when the server is full or shutting down.
    func register(_ socket: Socket) -> Int? {
        condition.withLock {
            guard !shuttingDown, entries.count < maxConnections else { return nil }
            nextID += 1
            entries[nextID] = Entry(socket: socket, idle: false)
            return nextID
        }
    }

    var count: Int { condition.withLock { entries.count } }

    var isShuttingDown: Bool { condition.withLock { shuttingDown } }

    /// The connection waits for its next request. False when the server is shutting down: close instead.
    func markIdle(_ id: Int) -> Bool {
        condition.withLock {
            entries[id]?.idle = true
            return !shuttingDown
        }
    }

    func markBusy(_ id: Int) {
        condition.withLock { entries[id]?.idle = false }
    }

    /// Closes the connection's socket and forgets it.
    func close(_ id: Int) {
        condition.withLock {
            entries.removeValue(forKey: id)?.socket.close()
            condition.broadcast()
        }
    }

    /// Refuses new connections and wakes idle ones so they close; busy ones finish their request.
    func beginShutdown() {
        condition.withLock {
            shuttingDown = true
            for entry in entries.values where entry.idle { entry.socket.shutdown(reading: true, writing: false) }
        }
    }

    /// Shuts every remaining socket down, failing any read or write in progress.
    func closeAll() {
        condition.withLock {
            for entry in entries.values { entry.socket.shutdown() }
        }
    }

    /// Waits until every connection has closed or `deadline` passes; true when all closed.
    func waitUntilEmpty(deadline: ContinuousClock.Instant) -> Bool {
        condition.withLock {
            while !entries.isEmpty {
                let remaining = deadline - .now
                guard remaining > .zero else { return false }
                let seconds = Double(remaining.components.seconds) + Double(remaining.components.attoseconds) * 1e-18
                _ = condition.wait(until: Date(timeIntervalSinceNow: seconds))
            }
            return true
        }
    }
}
