import CBLAS

/// Row-major `c = op(a)·op(b)` with `op(a)` n×k and `op(b)` k×m, through OpenBLAS running one
/// thread per call: products of at least 2^21 multiply-adds are split by rows of `c` across
/// cores (each part a single-threaded BLAS call). Callers check `blasAvailable` first.
extension Kernels {
    static func gemm(_ ta: Bool, _ tb: Bool, _ n: Int, _ m: Int, _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int,
                     _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        splitRows(n, m, k) { lo, rows in
            td_sgemm(flag(ta), flag(tb), Int32(rows), Int32(m), Int32(k), 1, a + (ta ? lo : lo * lda), Int32(lda),
                     b, Int32(ldb), 0, c + lo * ldc, Int32(ldc))
        }
    }

    static func gemm(_ ta: Bool, _ tb: Bool, _ n: Int, _ m: Int, _ k: Int, _ a: UnsafePointer<Double>, _ lda: Int,
                     _ b: UnsafePointer<Double>, _ ldb: Int, _ c: UnsafeMutablePointer<Double>, _ ldc: Int) {
        splitRows(n, m, k) { lo, rows in
            td_dgemm(flag(ta), flag(tb), Int32(rows), Int32(m), Int32(k), 1, a + (ta ? lo : lo * lda), Int32(lda),
                     b, Int32(ldb), 0, c + lo * ldc, Int32(ldc))
        }
    }

    /// Calls `body(firstRow, rowCount)` once, or once per core on row blocks (multiples of 16
    /// rows, the kernels' unroll) when the product is large enough to repay the split.
    private static func splitRows(_ n: Int, _ m: Int, _ k: Int, _ body: (Int, Int) -> Void) {
        let parts = min(cores, n / 16)
        if parts <= 1 || n * m * k < 1 << 21 { body(0, n); return }
        let chunk = ((n + parts - 1) / parts + 15) / 16 * 16
        parallelChunks((n + chunk - 1) / chunk, grain: 1) { r in
            for p in r {
                let lo = p * chunk
                body(lo, min(chunk, n - lo))
            }
        }
    }

    private static func flag(_ t: Bool) -> Int32 { Int32(t ? TDBlasTrans.rawValue : TDBlasNoTrans.rawValue) }
}
