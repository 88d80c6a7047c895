import Foundation
import Synchronization

/// The open connections, so the server can bound their number, make room at the limit, and close them on
/// shutdown.
///
/// The per-request path takes no lock: a connection flips its own atomic `idle` flag and reads the atomic
/// `shuttingDown` flag; `beginShutdown` sets `shuttingDown` and then reads every `idle` flag. With sequentially
/// consistent atomics at least one side sees the other, so an idle connection is always closed (by itself or by
/// the server). Sockets are closed under the lock that `shutdown` uses, so a descriptor number is never shut
/// down after it has been reused.
///
/// At the limit, a new connection is not refused while older ones wait with no request in flight: like nginx
/// (`ngx_drain_connections`), the registry closes the oldest idle keep-alive connections, then the oldest that
/// hold a half-sent head, and admits the new one (see `evictOldest`).
final class ConnectionRegistry: @unchecked Sendable {
    /// One registered connection.
    final class Handle: Sendable {
        let id: Int
        let socket: Socket
        fileprivate let idle = Atomic<Bool>(false)
        /// While the connection waits on an event loop: when it times out (`ticks`); `Int.max` otherwise.
        fileprivate let waitDeadline = Atomic<Int>(.max)
        /// While the connection waits on an event loop with nothing of a request in flight: its place in the
        /// eviction order (`Evictable.rank`, lowest first). `Rank.busy` otherwise; `Rank.evicted` once the
        /// registry has chosen to close it, which is final.
        fileprivate let evictionRank = Atomic<Int>(Rank.busy)

        /// The connection waits on an event loop until `deadline`, which the monitor enforces; `evictable` says
        /// whether the registry may close it to make room meanwhile.
        func waitUntil(_ deadline: ContinuousClock.Instant, evictable: Evictable?) {
            waitDeadline.store(ConnectionRegistry.ticks(deadline), ordering: .relaxed)
            evictionRank.store(evictable?.rank ?? Rank.busy, ordering: .releasing)
        }

        /// The connection is served by a thread, which enforces its own deadlines.
        func stopWaiting() {
            waitDeadline.store(.max, ordering: .relaxed)
        }

        /// The loop is about to handle the connection's readiness: from here until it waits again, the registry
        /// may not close it. False when the registry already has: close it without reading.
        func claim() -> Bool {
            var rank = evictionRank.load(ordering: .acquiring)
            while rank != Rank.evicted {
                let (exchanged, original) = evictionRank.compareExchange(
                    expected: rank, desired: Rank.busy, ordering: .acquiringAndReleasing)
                if exchanged { return true }
                rank = original
            }
            return false
        }

        fileprivate init(id: Int, socket: Socket) {
            self.id = id
            self.socket = socket
        }
    }

    /// Why a waiting connection may be closed to admit a new one.
    enum Evictable {
        /// A keep-alive connection waiting for its next request (or a new one that has sent nothing) since then.
        case idle(since: ContinuousClock.Instant)
        /// A connection holding a half-sent request head, begun then.
        case readingHead(since: ContinuousClock.Instant)

        /// Idle connections go before half-sent heads (closing them costs a client at most a reconnect,
        /// RFC 9112 §9.5), and the oldest of each kind first. Ticks stay far below 2^62 (146 years).
        var rank: Int {
            switch self {
            case .idle(let since): ConnectionRegistry.ticks(since)
            case .readingHead(let since): ConnectionRegistry.ticks(since) + 1 << 62
            }
        }
    }

    private enum Rank {
        static let busy = Int.max
        static let evicted = Int.min
    }

    /// Most connections closed to admit one: an eighth of those that may be closed, at least one and at most
    /// this many, as nginx drains, so a flood at the limit does not scan the table for every accept. It is also
    /// how far the open sockets may exceed `maxConnections` while the evicted ones close.
    static let evictionBatch = 32

    private let condition = NSCondition()
    private var handles: [Int: Handle] = [:]
    private var nextID = 0
    /// Evicted connections whose loops have not closed them yet.
    private var evicting = 0
    private let shuttingDown = Atomic<Bool>(false)
    /// Open connections at most, set before the server accepts (`HTTPServer.start` fits it to RLIMIT_NOFILE).
    private var maxConnections: Int

    init(maxConnections: Int) {
        self.maxConnections = maxConnections
    }

    /// The connection limit in force.
    var limit: Int { condition.withLock { maxConnections } }

    /// Sets the limit; call before any connection is registered.
    func setLimit(_ limit: Int) {
        condition.withLock { maxConnections = limit }
    }

    /// Registers an accepted socket, evicting the oldest waiting connections at the limit; nil when the server
    /// is full of connections with requests in flight, or shutting down.
    func register(_ socket: Socket) -> Handle? {
        condition.withLock {
            guard !isShuttingDown, handles.count < maxConnections + Self.evictionBatch else { return nil }
            if handles.count - evicting >= maxConnections { evictOldest() }
            guard handles.count - evicting < maxConnections else { return nil }
            nextID += 1
            let handle = Handle(id: nextID, socket: socket)
            handles[nextID] = handle
            return handle
        }
    }

    /// Evicts the oldest waiting connections to free descriptors (accept failed with EMFILE or ENFILE).
    func makeRoom() {
        condition.withLock { evictOldest() }
    }

    /// Under the lock: picks the oldest evictable connections (`Evictable.rank`, lowest first) in one pass over
    /// the table, and shuts their read side; each one's loop wakes, finds it evicted (`Handle.claim`) and closes
    /// it. A connection that starts handling a request first is not evicted (its rank is no longer the one seen).
    private func evictOldest() {
        var evictable = 0
        var oldest: [(rank: Int, handle: Handle)] = []  // sorted by rank, at most `evictionBatch`
        for handle in handles.values {
            let rank = handle.evictionRank.load(ordering: .acquiring)
            guard rank != Rank.busy, rank != Rank.evicted else { continue }
            evictable += 1
            guard oldest.count < Self.evictionBatch || rank < oldest[oldest.count - 1].rank else { continue }
            if oldest.count == Self.evictionBatch { oldest.removeLast() }
            let index = oldest.firstIndex { $0.rank > rank } ?? oldest.count
            oldest.insert((rank, handle), at: index)
        }
        for (rank, handle) in oldest.prefix(min(Self.evictionBatch, max(1, evictable / 8))) {
            guard handle.evictionRank.compareExchange(
                expected: rank, desired: Rank.evicted, ordering: .acquiringAndReleasing).exchanged else { continue }
            evicting += 1
            handle.socket.shutdown(reading: true, writing: false)
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
            if let closed = handles.removeValue(forKey: handle.id) {
                if closed.evictionRank.load(ordering: .acquiring) == Rank.evicted { evicting -= 1 }
                closed.socket.close()
            }
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
