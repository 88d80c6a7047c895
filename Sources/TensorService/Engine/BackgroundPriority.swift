import CYieldTimer
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The operating-system priority of the threads that do background work: the job lanes and
/// the job store's writer.
///
/// They run in Linux's idle class (`SCHED_IDLE`) rather than at a higher niceness because a
/// waking thread of the normal class preempts an idle-class thread at once, whereas the
/// scheduler (EEVDF) lets a running thread of any niceness finish its slice first: measured
/// with `perf sched` on a 2-core machine, a request's thread woken behind a nice +10 job step
/// waited about 1.5 ms, which was the whole p99 tail. Where the idle class is refused, nice
/// +10 (raising niceness needs no privilege).
///
/// The idle class alone is not enough: see `YieldTimer`.
enum BackgroundPriority {
    static let fallbackNice: Int32 = 10
    /// `SCHED_IDLE` from <sched.h>, which Swift's Glibc module does not export.
    private static let schedIdle: Int32 = 5

    /// Lowers the calling thread (on Linux both calls act on one thread when given 0).
    static func lowerCurrentThread() {
        var param = sched_param()
        param.sched_priority = 0
        if sched_setscheduler(0, schedIdle, &param) != 0 {
            setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, fallbackNice)
        }
    }

    /// Whether the calling thread runs in the idle class.
    static var currentThreadIsIdle: Bool { sched_getscheduler(0) == schedIdle }

    /// When a request last arrived (uptime nanoseconds), and how long background threads keep
    /// yielding after it.
    ///
    /// The window is short (2 ms, twice the granularity of `noteRequest`) so that the timer runs
    /// while requests arrive back to back, as under load, and not for a client that polls a job
    /// a few times a second. The waits the timer ends need two request threads runnable on one
    /// core, that is requests arriving together, and its signals are not free: on this project's
    /// virtual machine a job polled 20 times a second (`scripts/bench_jobs.py`) spent 301 µs of
    /// its lane's CPU per step with a 50 ms window and 250–257 µs with 5 ms or no timer (medians
    /// of 8 alternating runs), and its writer a fifth more CPU.
    private static let lastRequest = Atomic<UInt64>(0)
    static let requestWindow: UInt64 = 2_000_000

    /// A request arrived. (Stored at most once a millisecond: every event loop calls this, and a
    /// store per request would bounce the cache line between cores.)
    static func noteRequest() {
        let now = DispatchTime.now().uptimeNanoseconds
        if now &- lastRequest.load(ordering: .relaxed) > 1_000_000 { lastRequest.store(now, ordering: .relaxed) }
    }

    static var requestsArriving: Bool {
        DispatchTime.now().uptimeNanoseconds &- lastRequest.load(ordering: .relaxed) < requestWindow
    }

    /// Makes its background thread give up its core every `interval` while requests arrive.
    ///
    /// Why: the idle class is not strict. A waking request's thread preempts an idle-class thread
    /// at once, but one that is already runnable (preempted by another request's thread, say) can
    /// be passed over for it (EEVDF picks among eligible entities, whatever their class), and
    /// nothing picks again until that CPU's next tick (4 ms at HZ=250) or until the idle-class
    /// thread enters the scheduler itself. Traced with bpftrace during `scripts/bench_jobs.py`
    /// rounds on the 2-core machine (5725eb3): in 4 s, 31–44 waits of the event loops and of wrk in
    /// which the CPU they were runnable on ran the job lane or the job writer for 0.5–4 ms, the
    /// writer inside a checkpoint's JSON encoding, the lane inside a step, each ended by the tick
    /// (or by the lane's yield at the end of the step). Yielding every `interval` bounds such a
    /// wait to about that (4–13 such waits remained in the same trace, at a load average of 7–13).
    /// The yield comes from a timer signal, so it needs no cooperation from the code the thread
    /// runs (BLAS, SQLite, Foundation's encoder). The handler only calls `sched_yield` and is
    /// installed with SA_RESTART, and the timer is stopped while the thread waits for work, so
    /// blocking calls are interrupted only inside work (SQLite's file I/O is not interruptible;
    /// libpq retries its `poll` on EINTR). One per thread, made and used on that thread.
    final class YieldTimer {
        static let interval = 200_000
        private var timer: Int32?
        private var running = false

        init() {
            var made: Int32 = 0
            if cyt_create(&made) == 0 { timer = made }
        }

        deinit {
            if let timer { cyt_delete(timer) }
        }

        /// Before a piece of work: runs the timer while requests arrive, stops it otherwise.
        func update() {
            set(BackgroundPriority.requestsArriving)
        }

        /// Before the thread waits for work.
        func stop() {
            set(false)
        }

        /// How many times the calling thread has yielded to its timer.
        static var yieldsOnCurrentThread: UInt { cyt_yields() }

        private func set(_ on: Bool) {
            guard let timer, on != running else { return }
            if cyt_set(timer, on ? Self.interval : 0) == 0 { running = on }
        }
    }
}
