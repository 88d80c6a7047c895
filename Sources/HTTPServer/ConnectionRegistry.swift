import Foundation
import Synchronization

/// The open connections, so the server can bound their number and close them on shutdown.
///
/// The per-request path takes no lock: a connection flips its own atomic `idle` flag and reads the atomic
/// `shuttingDown` flag; `beginShutdown` sets `shuttingDown` and then reads every `idle` flag. With sequentially
/// consistent atomics at least one side sees the other, so an idle connection is always closed (by itself or by
/// the server). Sockets are closed under the lock that `shutdown` uses, so a descriptor number is never shut
/// down after it has been reused.
final class ConnectionRegistry: @unchecked Sendable {
    /// One registered connection.
    final class Handle: Sendable {
        let id: Int
        let socket: Socket
        fileprivate let idle = Atomic<Bool>(false)
        /// While the connection waits on an event loop: when it times out (`ticks`); `Int.max` otherwise.
        fileprivate let waitDeadline = Atomic<Int>(.max)

        /// The connection waits on an event loop until `deadline`, which the monitor enforces.
        func waitUntil(_ deadline: ContinuousClock.Instant) {
            waitDeadline.store(ConnectionRegistry.ticks(deadline), ordering: .relaxed)
        }

        /// The connection is served by a thread, which enforces its own deadlines.
        func stopWaiting() {
            waitDeadline.store(.max, ordering: .relaxed)
        }

        fileprivate init(id: Int, socket: Socket) {
            self.id = id
            self.socket = socket
        }
    }

    private let condition = NSCondition()
    private var handles: [Int: Handle] = [:]
    private var nextID = 0
    private let shuttingDown = Atomic<Bool>(false)
    let maxConnections: Int

    init(maxConnections: Int) {
        self.maxConnections = maxConnections
    }

    /// Registers an accepted socket; nil when the server is full or shutting down.
    func register(_ socket: Socket) -> Handle? {
        condition.withLock {
            guard !isShuttingDown, handles.count < maxConnections else { return nil }
            nextID += 1
            let handle = Handle(id: nextID, socket: socket)
            handles[nextID] = handle
            return handle
        }
    }

    var count: Int { condition.withLock { handles.count } }

    var isShuttingDown: Bool { shuttingDown.load(ordering: .sequentiallyConsistent) }

    /// The connection waits for its next request. False when the server is shutting down: close instead.
    func markIdle(_ handle: Handle) -> Bool {
        handle.idle.store(true, ordering: .sequentiallyConsistent)
        return !isShuttingDown
    }

    func markBusy(_ handle: Handle) {
        handle.idle.store(false, ordering: .sequentiallyConsistent)
    }

    /// Closes the connection's socket and forgets it.
    func close(_ handle: Handle) {
        condition.withLock {
            handles.removeValue(forKey: handle.id)?.socket.close()
            condition.broadcast()
        }
    }

    /// An instant as nanoseconds since the process's first use of the registry, for atomics.
    static func ticks(_ instant: ContinuousClock.Instant) -> Int {
        let (seconds, attoseconds) = (instant - origin).components
        return Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
    }

    private static let origin = ContinuousClock.now

    /// Wakes every connection waiting on an event loop past its deadline by shutting its read side: the loop
    /// sees the end of stream, finds the deadline passed, and answers 408 or closes.
    func expireWaiting(now: Int) {
        condition.withLock {
            for handle in handles.values where handle.waitDeadline.load(ordering: .relaxed) <= now {
                handle.stopWaiting()
                handle.socket.shutdown(reading: true, writing: false)
            }
        }
    }

    /// Refuses new connections and wakes idle ones so they close; busy ones finish their request.
    func beginShutdown() {
        shuttingDown.store(true, ordering: .sequentiallyConsistent)
        condition.withLock {
            for handle in handles.values where handle.idle.load(ordering: .sequentiallyConsistent) {
                handle.socket.shutdown(reading: true, writing: false)
            }
        }
    }

    /// Shuts every remaining socket down, failing any read or write in progress.
    func closeAll() {
        condition.withLock {
            for handle in handles.values { handle.socket.shutdown() }
        }
    }

    /// Waits until every connection has closed or `deadline` passes; true when all closed.
    func waitUntilEmpty(deadline: ContinuousClock.Instant) -> Bool {
        condition.withLock {
            while !handles.isEmpty {
                let remaining = deadline - .now
                guard remaining > .zero else { return false }
                let seconds = Double(remaining.components.seconds) + Double(remaining.components.attoseconds) * 1e-18
                _ = condition.wait(until: Date(timeIntervalSinceNow: seconds))
            }
            return true
        }
    }
}
