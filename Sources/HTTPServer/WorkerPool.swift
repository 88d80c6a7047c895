import CEpoll
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Threads that serve ready connections. Every connection waits in one epoll set with `EPOLLONESHOT`, so a
/// waiting connection holds no thread and a ready one is served by exactly one worker at a time. A worker that
/// finishes a request asks epoll for the next ready connection and, under load, finds one without sleeping:
/// this is what keeps context switches (the cost of thread-per-connection) off the hot path.
///
/// Handlers run synchronously on workers and may block (a long computation, a Server-Sent Events stream).
/// `replaceStuckWorkers` keeps `minimumWorkers` workers that are not stuck in one request, adding threads as
/// requests block, up to `maximumWorkers`; workers idle for `idleLifetime` beyond the minimum exit.
final class WorkerPool: @unchecked Sendable {
    /// One worker thread; `busySince` is 0 while it waits in epoll.
    private final class Worker: Sendable {
        let busySince = Atomic<Int64>(0)
    }

    private let epollFD: Int32
    /// An eventfd that is never drained: once written, every `epoll_wait` returns it, so all workers stop.
    private let stopFD: Int32
    private let minimumWorkers: Int
    private let maximumWorkers: Int
    private let workers = Mutex<[Worker]>([])
    private let allStopped = DispatchGroup()
    private static let stopToken: UInt64 = 0
    /// A request running longer than this counts its worker as stuck.
    private static let stuckAfter: Duration = .milliseconds(50)
    private static let idleLifetime: Int32 = 5_000

    init(minimumWorkers: Int, maximumWorkers: Int) throws(SocketError) {
        self.minimumWorkers = minimumWorkers
        self.maximumWorkers = max(minimumWorkers, maximumWorkers)
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw SocketError("epoll_create1") }
        stopFD = eventfd(0, Int32(EFD_CLOEXEC))
        guard stopFD >= 0 else {
            Glibc.close(epollFD)
            throw SocketError("eventfd")
        }
        var event = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(u64: Self.stopToken))
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, stopFD, &event) == 0 else { throw SocketError("epoll_ctl(stop)") }
        for _ in 0..<minimumWorkers { spawn() }
    }

    /// Starts watching `connection`; the pool keeps it alive until `resume()` returns false.
    func add(_ connection: Connection) throws(SocketError) {
        let pointer = Unmanaged.passRetained(connection).toOpaque()
        guard arm(connection.socket, pointer, operation: EPOLL_CTL_ADD) else {
            Unmanaged<Connection>.fromOpaque(pointer).release()
            throw SocketError("epoll_ctl(add)")
        }
    }

    /// Adds workers while fewer than `minimumWorkers` are free of long-running requests.
    func replaceStuckWorkers(now: Int64) {
        let stuckAfter = MonotonicTime.nanoseconds(Self.stuckAfter)
        let (total, stuck) = workers.withLock { workers in
            (workers.count, workers.count { worker in
                let since = worker.busySince.load(ordering: .relaxed)
                return since != 0 && now - since > stuckAfter
            })
        }
        let missing = min(minimumWorkers - (total - stuck), maximumWorkers - total)
        for _ in 0..<max(0, missing) { spawn() }
    }

    /// Stops every worker (after the connections are closed) and waits for them.
    func stop() {
        var one: UInt64 = 1
        _ = write(stopFD, &one, MemoryLayout<UInt64>.size)
        allStopped.wait()
        Glibc.close(stopFD)
        Glibc.close(epollFD)
    }

    private func spawn() {
        let worker = Worker()
        workers.withLock { $0.append(worker) }
        allStopped.enter()
        let thread = Thread { [self] in
            run(worker)
            workers.withLock { $0.removeAll { $0 === worker } }
            allStopped.leave()
        }
        thread.name = "http-worker"
        thread.start()
    }

    private func run(_ worker: Worker) {
        var event = epoll_event()
        while true {
            let count = epoll_wait(epollFD, &event, 1, Self.idleLifetime)
            if count < 0 {
                if errno == EINTR { continue }
                return
            }
            if count == 0 {
                if retire(worker) { return }
                continue
            }
            if event.data.u64 == Self.stopToken { return }
            guard let pointer = event.data.ptr else { continue }
            worker.busySince.store(MonotonicTime.now(), ordering: .relaxed)
            let connection = Unmanaged<Connection>.fromOpaque(pointer).takeUnretainedValue()
            if !connection.resume() || !arm(connection.socket, pointer, operation: EPOLL_CTL_MOD) {
                connection.close()
                Unmanaged<Connection>.fromOpaque(pointer).release()
            }
            worker.busySince.store(0, ordering: .relaxed)
        }
    }

    /// An idle worker beyond the minimum leaves.
    private func retire(_ worker: Worker) -> Bool {
        workers.withLock { workers in
            guard workers.count > minimumWorkers else { return false }
            workers.removeAll { $0 === worker }
            return true
        }
    }

    /// Level-triggered, one-shot: a connection with unread bytes is reported again as soon as it is re-armed.
    private func arm(_ socket: Socket, _ pointer: UnsafeMutableRawPointer, operation: Int32) -> Bool {
        var event = epoll_event(events: EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLONESHOT.rawValue,
                                data: epoll_data_t(ptr: pointer))
        return epoll_ctl(epollFD, operation, socket.fd, &event) == 0
    }
}
