/// Summation kernels: eight independent accumulators so the loop vectorises and the
/// rounding error grows like n/8 rather than n.
extension Kernels {
    @inline(__always)
    static func sum<T: BinaryFloatingPoint>(_ p: UnsafePointer<T>, _ n: Int) -> T {
        var acc = (T.zero, T.zero, T.zero, T.zero, T.zero, T.zero, T.zero, T.zero)
        var i = 0
        while i + 8 <= n {
            acc.0 += p[i]; acc.1 += p[i + 1]; acc.2 += p[i + 2]; acc.3 += p[i + 3]
            acc.4 += p[i + 4]; acc.5 += p[i + 5]; acc.6 += p[i + 6]; acc.7 += p[i + 7]
            i += 8
        }
        var tail = T.zero
        while i < n { tail += p[i]; i += 1 }
        return ((acc.0 + acc.1) + (acc.2 + acc.3)) + ((acc.4 + acc.5) + (acc.6 + acc.7)) + tail
    }
}
