import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs the server's own work (the accept loop, event loops, the monitor, a connection that must block, the log
/// writer) on threads with asynchronous signals blocked, reusing threads that have finished their work.
///
/// A process-directed signal (SIGTERM from a supervisor, SIGINT) is delivered to any thread that does not
/// block it. libdispatch receives signals for its sources through a signalfd and, when one lands on a thread
/// that has not blocked it, blocks it there and raises it again on that thread, where the signalfd never sees
/// it: a SIGTERM that hit a connection thread was lost and the server did not shut down. Blocked here, signals
/// go to threads that leave them to Dispatch, and server threads are never interrupted (no EINTR).
///
/// A thread whose work ends waits `keepIdle` for more before it exits. Work that leaves a loop — a handler past
/// its budget, a client slow to read — comes and goes all the time under load; starting a thread for each
/// (measured: one per request under wrk on 256×256 matmul, ~2,000 a minute) was the server's only per-request
/// thread creation. Idle threads are bounded by the peak of concurrent work, which the connection limit bounds.
enum ServerThread {
    static let keepIdle: Duration = .seconds(30)

    private final class Worker: @unchecked Sendable {
        let wake = DispatchSemaphore(value: 0)
        /// Set by `start` before `wake` is signalled (or before the thread starts); read by the worker after.
        var work: (name: String, body: @Sendable () -> Void)?
    }

    private static let idle = Mutex<[Worker]>([])

    static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        if let worker = idle.withLock({ $0.popLast() }) {
            worker.work = (name, body)
            worker.wake.signal()
            return
        }
        let worker = Worker()
        worker.work = (name, body)
        let thread = Thread {
            var signals = sigset_t()
            sigfillset(&signals)
            // Faults are raised by the faulting thread itself and cannot be deferred.
            for fault in [SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT] { sigdelset(&signals, fault) }
            pthread_sigmask(SIG_BLOCK, &signals, nil)
            serve(worker)
        }
        thread.name = name
        thread.start()
    }

    private static func serve(_ worker: Worker) {
        while let (name, body) = worker.work {
            worker.work = nil
            Thread.current.name = name
            body()
            idle.withLock { $0.append(worker) }
            let (seconds, attoseconds) = keepIdle.components
            if worker.wake.wait(timeout: .now() + .seconds(Int(seconds)) + .nanoseconds(Int(attoseconds / 1_000_000_000))) == .timedOut {
                let left = idle.withLock { workers in
                    guard let i = workers.firstIndex(where: { $0 === worker }) else { return false }
                    workers.remove(at: i)
                    return true
                }
                // Not in the list: `start` took this worker just now and is about to signal.
                if !left { worker.wake.wait() }
            }
        }
    }
}
