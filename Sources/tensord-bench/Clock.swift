import Foundation

/// Seconds on `clock`: `CLOCK_MONOTONIC` for wall time, `CLOCK_THREAD_CPUTIME_ID` or `CLOCK_PROCESS_CPUTIME_ID`
/// for CPU time, which other processes on a shared machine disturb far less.
func seconds(_ clock: clockid_t) -> Double {
    var ts = timespec()
    clock_gettime(clock, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// The fastest of `iterations` runs of `body`, in seconds of `clock`.
func best(_ iterations: Int, _ clock: clockid_t, _ body: () throws -> Void) throws -> Double {
    var fastest = Double.infinity
    for _ in 0..<iterations {
        let start = seconds(clock)
        try body()
        fastest = min(fastest, seconds(clock) - start)
    }
    return fastest
}
