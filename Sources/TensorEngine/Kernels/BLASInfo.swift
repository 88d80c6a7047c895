import CBLAS

extension Kernels {
    /// Whether OpenBLAS was found (matmul falls back to a plain loop otherwise).
    public static var blasAvailable: Bool { td_blas_available() != 0 }
    /// The kernel family OpenBLAS runs ("SkylakeX", "Haswell", ...), "" if unknown.
    public static var blasCoreName: String { String(cString: td_blas_corename()) }
    /// The OPENBLAS_CORETYPE tensord set before loading OpenBLAS; "" when the user's own
    /// setting was kept or the CPU has neither AVX-512 nor AVX2.
    public static var blasCoreTypeChosen: String { String(cString: td_blas_coretype()) }
}
