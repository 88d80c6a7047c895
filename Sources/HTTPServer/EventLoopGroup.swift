import Dispatch
import Foundation
import Synchronization

/// The server's event loops, connections spread over them in turn, and the monitor thread that enforces
/// what a loop cannot while it runs a handler: the waiting connections' deadlines, and the handler budget.
final class EventLoopGroup: @unchecked Sendable {
    private let loops: [EventLoop]
    private let registry: ConnectionRegistry
    private let handlerBudget: Duration
    private let next = Atomic<Int>(0)
    private let monitorStop = DispatchSemaphore(value: 0)
    /// How often the monitor looks: half the handler budget (timeouts are far longer), so a stuck loop is
    /// rescued within 1.5 budgets. Finer ticks cost throughput on a busy 2-core machine (measured: ~10 %).
    private let tick: Duration

    init(server: HTTPServer) throws(SocketError) {
        let configuration = server.configuration
        var loops: [EventLoop] = []
        for _ in 0..<max(1, configuration.eventLoops) { loops.append(try EventLoop(server: server)) }
        self.loops = loops
        registry = server.registry
        handlerBudget = configuration.handlerBudget
        let shortest = [configuration.handlerBudget / 2, configuration.headerReadTimeout / 4,
                        configuration.bodyReadTimeout / 4, configuration.idleTimeout / 4].min()!
        tick = min(max(shortest, .milliseconds(1)), .milliseconds(50))
    }

    func start() {
        for loop in loops { loop.start() }
        ServerThread.start(name: "http-monitor") { [self] in monitor() }
    }

    /// Hands `connection` to the next loop.
    func adopt(_ connection: Connection) {
        let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
        loops[(index % loops.count + loops.count) % loops.count].adopt(connection)
    }

    func stop() {
        monitorStop.signal()
        for loop in loops { loop.stop() }
    }

    private func monitor() {
        let (seconds, attoseconds) = tick.components
        let tickNanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        while monitorStop.wait(timeout: .now() + .nanoseconds(tickNanoseconds)) == .timedOut {
            let now = ContinuousClock.now
            let cutoff = ConnectionRegistry.ticks(now - handlerBudget)
            for loop in loops { loop.rescueIfStuck(startedBefore: cutoff) }
            registry.expireWaiting(now: ConnectionRegistry.ticks(now))
        }
    }
}
