import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Fits the connection limit to the process's descriptor limit (RLIMIT_NOFILE).
///
/// A connection limit above what the process may open is worse than a low one: `accept` fails with EMFILE
/// before the limit is reached, so new clients wait in the backlog unanswered. Many systems start services with
/// a soft limit of 1,024 and a far higher hard one (systemd: 524,288), which an unprivileged process may raise
/// its soft limit to; so the server raises it as far as it needs, and when even the hard limit is too low it
/// serves fewer connections and says so.
struct DescriptorLimit {
    /// The soft limit to set, when it must be raised.
    var raisedSoftLimit: Int?
    /// The connections that fit.
    var maxConnections: Int

    /// The plan for `maxConnections` under the limits `soft` and `hard`: the connections, the evicted ones
    /// still closing (`ConnectionRegistry.evictionBatch`) and `reserved` descriptors for the rest of the process.
    init(soft: Int, hard: Int, maxConnections: Int, reserved: Int) {
        let others = Self.sum(ConnectionRegistry.evictionBatch, max(0, reserved))
        let target = min(hard, Self.sum(maxConnections, others))
        raisedSoftLimit = target > soft ? target : nil
        self.maxConnections = max(1, min(maxConnections, max(soft, target) - others))
    }

    /// `a + b`, or `Int.max` when that overflows (the limits come from flags; a huge one must not trap).
    private static func sum(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    /// Raises the soft limit as the plan says and returns the connections that fit, logging what it changed.
    static func fit(maxConnections: Int, reserved: Int, log: (String) -> Void) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return maxConnections }
        // RLIM_INFINITY is UInt64.max: it clamps to Int.max.
        var soft = Int(clamping: limit.rlim_cur)
        let hard = Int(clamping: limit.rlim_max)
        let plan = DescriptorLimit(soft: soft, hard: hard, maxConnections: maxConnections, reserved: reserved)
        if let raised = plan.raisedSoftLimit {
            var wanted = limit
            wanted.rlim_cur = rlim_t(raised)
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &wanted) == 0 {
                log("raised the soft RLIMIT_NOFILE from \(soft) to \(raised) for \(maxConnections) connections")
                soft = raised
            }
        }
        let fitted = DescriptorLimit(soft: soft, hard: soft, maxConnections: maxConnections, reserved: reserved)
        if fitted.maxConnections < maxConnections {
            log("RLIMIT_NOFILE (soft \(soft), hard \(hard)) leaves room for \(fitted.maxConnections) connections, "
                + "not the \(maxConnections) configured: serving at most \(fitted.maxConnections) (raise the hard "
                + "limit, e.g. LimitNOFILE= under systemd or ulimit -Hn, to serve more)")
        }
        return fitted.maxConnections
    }
}
