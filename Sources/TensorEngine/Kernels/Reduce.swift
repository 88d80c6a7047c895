#if arch(x86_64) || arch(arm64)
import CKernels
#endif

/// Summation kernels: many independent accumulators so the loop vectorises and the
/// rounding error grows like n/8 (generic) or n/64 (C kernel) rather than n.
extension Kernels {
    @inline(__always)
    static func sum<T: BinaryFloatingPoint>(_ p: UnsafePointer<T>, _ n: Int) -> T { unrolledSum(p, n) }

    @inline(__always)
    static func unrolledSum<T: BinaryFloatingPoint>(_ p: UnsafePointer<T>, _ n: Int) -> T {
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

    /// Elements per block of a long sum. Blocks are summed independently (across cores when
    /// there are enough) and their partial sums added in order, so the result does not depend
    /// on the number of cores.
    static let sumBlock = 1 << 15

    /// Float32 sum through the vectorised kernel.
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        #if arch(x86_64) || arch(arm64)
        blockedSum(p, n, td_sum_f32)
        #else
        unrolledSum(p, n)
        #endif
    }

    /// Float64 sum through the vectorised kernel.
    @inline(__always)
    static func sum(_ p: UnsafePointer<Double>, _ n: Int) -> Double {
        #if arch(x86_64) || arch(arm64)
        blockedSum(p, n, td_sum_f64)
        #else
        unrolledSum(p, n)
        #endif
    }

    static func blockedSum<T: BinaryFloatingPoint>(_ p: UnsafePointer<T>, _ n: Int, _ kernel: (UnsafePointer<T>, Int) -> T) -> T {
        if n <= sumBlock { return kernel(p, n) }
        let blocks = (n + sumBlock - 1) / sumBlock
        let partials = UnsafeMutablePointer<T>.allocate(capacity: blocks)
        defer { partials.deallocate() }
        // A block is 128 KiB of float32: 8 of them (1 MiB) per task repays the hand-off.
        parallelChunks(blocks, grain: 8) { r in
            for b in r {
                let lo = b * sumBlock
                partials[b] = kernel(p + lo, min(sumBlock, n - lo))
            }
        }
        return kernel(partials, blocks)
    }
}
