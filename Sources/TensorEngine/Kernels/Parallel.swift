import Foundation
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Splits `0..<n` across cores when the work is large enough to repay the hand-off
/// (about 64k elements of cheap work), otherwise runs inline.
///
/// Work asked for by a thread in the idle scheduling class (a job lane) is never split: Dispatch's
/// threads run at normal priority, so a job step's chunks would compete with requests as if they
/// were interactive, and would use more cores than the job's one lane.
@inline(__always)
func parallelChunks(_ n: Int, grain: Int = 1 << 16, _ body: (Range<Int>) -> Void) {
    let workers = min(Kernels.cores, n / grain)
    if workers <= 1 || Kernels.callerIsBackground { body(0..<n); return }
    let chunk = (n + workers - 1) / workers
    withoutActuallyEscaping(body) { body in
        // Each worker writes a disjoint range; the caller waits for all of them.
        let work = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let lo = w * chunk
            work.value(lo..<min(n, lo + chunk))
        }
    }
}

/// Wraps a value whose thread-safety the caller guarantees (disjoint writes, joined before use).
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

public enum Kernels {
    /// Cores used to split large elementwise work and reductions.
    public static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Whether the calling thread runs in Linux's idle scheduling class (`SCHED_IDLE`, 5 in <sched.h>,
    /// which Swift's Glibc module does not export), as job lanes do.
    static var callerIsBackground: Bool { sched_getscheduler(0) == 5 }
}
