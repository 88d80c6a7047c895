import CKernels

/// A stable argsort of contiguous rows in linear time: an LSD radix sort of order-preserving
/// integer keys (`td_argsort_*` in CKernels/sort.c). It gives exactly the order of the
/// comparison sort it replaces — ascending with NaN last, descending with NaN first, −0 and
/// +0 equal, equal values in index order (PyTorch's stable sort) — and keeps its scratch
/// buffers for every row one worker sorts.
final class RadixArgsort {
    /// Rows shorter than this are sorted by comparison: clearing a histogram per digit and
    /// pass costs about as much as sorting a few hundred elements.
    static let minimumRow = 256

    private let n: Int
    private let dtype: DType
    private let bits: UnsafeMutableRawPointer
    private let indices: UnsafeMutablePointer<UInt32>

    /// Scratch for rows of `n` elements of `dtype`, or nil when the radix path does not apply
    /// (bool, short rows, or rows too long for its 32-bit positions).
    init?(rowLength n: Int, dtype: DType) {
        guard dtype != .bool, n >= RadixArgsort.minimumRow, n <= Int(UInt32.max) else { return nil }
        self.n = n
        self.dtype = dtype
        bits = .allocate(byteCount: 2 * n * dtype.byteSize, alignment: 8)
        indices = .allocate(capacity: 2 * n)
    }

    deinit {
        bits.deallocate()
        indices.deallocate()
    }

    /// Writes the positions of `row`'s `n` elements in sorted order to `out`.
    func sort(_ row: UnsafeRawPointer, descending: Bool, into out: UnsafeMutablePointer<Int64>) {
        let flag: Int32 = descending ? 1 : 0
        switch dtype {
        case .float32:
            let b = bits.assumingMemoryBound(to: UInt32.self)
            td_argsort_f32(row, n, flag, out, b, b + n, indices, indices + n)
        case .float64, .int64:
            let b = bits.assumingMemoryBound(to: UInt64.self)
            let kernel = dtype == .float64 ? td_argsort_f64 : td_argsort_i64
            kernel(row, n, flag, out, b, b + n, indices, indices + n)
        case .bool: preconditionFailure("RadixArgsort: bool rows are refused in init")
        }
    }
}
