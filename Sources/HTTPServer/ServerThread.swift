import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts the server's own threads (the accept thread, one per connection) with asynchronous signals blocked.
///
/// A process-directed signal (SIGTERM from a supervisor, SIGINT) is delivered to any thread that does not
/// block it. libdispatch receives signals for its sources through a signalfd and, when one lands on a thread
/// that has not blocked it, blocks it there and raises it again on that thread, where the signalfd never sees
/// it: a SIGTERM that hit a connection thread was lost and the server did not shut down. Blocked here, signals
/// go to threads that leave them to Dispatch, and server threads are never interrupted (no EINTR).
enum ServerThread {
    static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread {
            var signals = sigset_t()
            sigfillset(&signals)
            // Faults are raised by the faulting thread itself and cannot be deferred.
            for fault in [SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT] { sigdelset(&signals, fault) }
            pthread_sigmask(SIG_BLOCK, &signals, nil)
            body()
        }
        thread.name = name
        thread.start()
    }
}
