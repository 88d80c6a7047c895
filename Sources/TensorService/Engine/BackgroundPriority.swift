import Foundation
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
}
