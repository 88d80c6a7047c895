import CEventPoll
import Foundation
import Synchronization

/// One epoll instance and the thread that runs it: it reads what arrived on its connections and runs their
/// handlers inline, so a small request costs a `recv` and a `send`, with no thread switch.
///
/// A handler that outlives the loop's budget would hold up every other connection of the loop, so the
/// monitor then hands the loop to another thread (`rescueIfStuck`, a parked `ServerThread` when there is one);
/// the stuck thread keeps only the stuck connection and finishes it on its own. Events left in the stuck thread's batch are not lost: epoll is
/// level-triggered and reports them again to the thread that took the loop.
final class EventLoop: @unchecked Sendable {
    private let epoll: Int32
    private let wakeup: Int32
    private unowned let server: HTTPServer
    /// The loop's connections by token (their registry id); touched only by the thread running the loop, or
    /// by the monitor while it takes the loop from a stuck thread.
    private var connections: [UInt64: Connection] = [:]
    /// Connections handed to the loop (new, or back from their own thread), and whether it has stopped.
    private let inbox = Mutex<(arrivals: [Connection], stopped: Bool)>(([], false))
    /// When the running handler started (`ConnectionRegistry.ticks`), 0 between handlers.
    private let handlerStart = Atomic<Int>(0)
    /// The token whose handler is running.
    private let current = Atomic<UInt64>(0)
    /// Held by the monitor while it takes the loop from a stuck thread.
    private let handOver = Mutex<Void>(())
    private static let wakeToken: UInt64 = 0
    private static let batch = 64

    init(server: HTTPServer) throws(SocketError) {
        epoll = cep_create()
        guard epoll >= 0 else { throw SocketError("epoll_create1") }
        wakeup = cep_eventfd()
        guard wakeup >= 0, cep_add(epoll, wakeup, Self.wakeToken) == 0 else {
            let error = SocketError("eventfd")
            Glibc.close(epoll)
            if wakeup >= 0 { Glibc.close(wakeup) }
            throw error
        }
        self.server = server
    }

    func start() {
        ServerThread.start(name: "http-loop") { [self] in run() }
    }

    /// Takes `connection` (new, or idle again after its own thread); closes it if the loop has stopped.
    func adopt(_ connection: Connection) {
        let accepted = inbox.withLock { inbox in
            if !inbox.stopped { inbox.arrivals.append(connection) }
            return !inbox.stopped
        }
        guard accepted else { return server.registry.close(connection.handle) }
        signal()
    }

    /// Ends the loop once it has picked up what was handed to it (the server has closed its connections).
    func stop() {
        inbox.withLock { $0.stopped = true }
        signal()
    }

    private func signal() {
        var one: UInt64 = 1
        _ = write(wakeup, &one, 8)
    }

    private func run() {
        var tokens = [UInt64](repeating: 0, count: Self.batch)
        while true {
            let count = tokens.withUnsafeMutableBufferPointer { cep_wait(epoll, $0.baseAddress, Int32(Self.batch), -1) }
            if count < 0 {
                if errno == EINTR { continue }
                server.log("epoll_wait failed: \(String(cString: strerror(errno))); the loop stops")
                return
            }
            for token in tokens[..<Int(count)] {
                if token == Self.wakeToken {
                    guard takeArrivals() else { return close() }
                    continue
                }
                guard let connection = connections[token] else { continue }
                guard connection.handle.claim() else {
                    // Evicted to admit a new connection while it waited: close without reading.
                    connections[token] = nil
                    server.registry.close(connection.handle)
                    continue
                }
                let now = ContinuousClock.now
                let start = ConnectionRegistry.ticks(now)
                current.store(token, ordering: .relaxed)
                handlerStart.store(start, ordering: .releasing)
                let outcome = connection.handleReadable(now: now)
                guard handlerStart.compareExchange(expected: start, desired: 0, ordering: .acquiringAndReleasing).exchanged else {
                    // The monitor gave the loop to another thread: this one keeps only `connection`.
                    handOver.withLock { _ in }
                    return finishAlone(connection, outcome)
                }
                switch outcome {
                case .wait:
                    connection.handle.waitUntil(connection.waitDeadline, evictable: connection.evictable)
                case .close:
                    connections[token] = nil
                    server.registry.close(connection.handle)
                case .needsThread:
                    release(token)
                    ServerThread.start(name: "http-connection") { connection.runOnThread() }
                }
            }
        }
    }

    /// Watches the connections handed over; false once the loop should end.
    private func takeArrivals() -> Bool {
        var drained: UInt64 = 0
        _ = read(wakeup, &drained, 8)
        let (arrivals, stopped) = inbox.withLock { inbox in
            defer { inbox.arrivals.removeAll(keepingCapacity: true) }
            return (inbox.arrivals, inbox.stopped)
        }
        for connection in arrivals {
            let token = UInt64(connection.handle.id)
            guard connection.waitForBytes() == .wait, cep_add(epoll, connection.socket.fd, token) == 0 else {
                server.registry.close(connection.handle)
                continue
            }
            connections[token] = connection
            connection.handle.waitUntil(connection.waitDeadline, evictable: connection.evictable)
        }
        return !stopped
    }

    /// Stops watching the connection (it moves to a thread).
    private func release(_ token: UInt64) {
        guard let connection = connections.removeValue(forKey: token) else { return }
        _ = cep_remove(epoll, connection.socket.fd)
        connection.handle.stopWaiting()
    }

    private func finishAlone(_ connection: Connection, _ outcome: Connection.EventOutcome) {
        switch outcome {
        case .close: server.registry.close(connection.handle)
        case .wait, .needsThread: connection.runOnThread()
        }
    }

    private func close() {
        for connection in connections.values { server.registry.close(connection.handle) }
        connections.removeAll()
        Glibc.close(wakeup)
        Glibc.close(epoll)
    }

    /// Called by the monitor: when the running handler started before `cutoff`, moves its connection off the
    /// loop and runs the loop on another thread, so the other connections are served again.
    func rescueIfStuck(startedBefore cutoff: Int) {
        let start = handlerStart.load(ordering: .acquiring)
        guard start > 0, start < cutoff else { return }
        handOver.withLock { _ in
            guard handlerStart.compareExchange(expected: start, desired: 0, ordering: .acquiringAndReleasing).exchanged
            else { return }
            release(current.load(ordering: .relaxed))
            self.start()
        }
    }
}
