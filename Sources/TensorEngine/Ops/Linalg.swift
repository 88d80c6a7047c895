import CBLAS

// mm and matmul (semantics §6). Everything reduces to one primitive, a batched product of
// operands with at least two dims whose batch dims broadcast; 1-D operands are unsqueezed
// into it and squeezed back out, so their gradients come from the view ops.

extension Tensor {
    /// The matrix product of two 2-D tensors: `(n,k) mm (k,m) → (n,m)`. No dtype promotion.
    ///
    /// ```swift
    /// let c = try a.mm(b)   // a: [2,3], b: [3,4] → [2,4]
    /// ```
    public func mm(_ other: Tensor) throws -> Tensor {
        guard ndim == 2, other.ndim == 2 else {
            throw TensorError.shape("mm: both operands must be 2-D, got shapes \(shape) and \(other.shape); use matmul for other ranks")
        }
        return try Tensor.batchedMatmul(self, other, op: "mm")
    }

    /// PyTorch's `matmul` (`@`): dot product for 1-D · 1-D, matrix product for 2-D, and a
    /// batched product whose batch dims (all but the last two) broadcast.
    ///
    /// ```swift
    /// let y = try x.matmul(w.t())   // x: [32, 64], w: [10, 64] → [32, 10]
    /// ```
    public func matmul(_ other: Tensor) throws -> Tensor {
        guard ndim >= 1, other.ndim >= 1 else {
            throw TensorError.shape("matmul: both operands must be at least 1-D, got shapes \(shape) and \(other.shape)")
        }
        let a = ndim == 1 ? try unsqueezed(0) : self
        let b = other.ndim == 1 ? try other.unsqueezed(-1) : other
        var out = try Tensor.batchedMatmul(a, b, op: "matmul")
        if other.ndim == 1 { out = try out.squeezed([-1]) }
        if ndim == 1 { out = try out.squeezed([other.ndim == 1 ? -1 : -2]) }
        return out
    }

    /// `a @ b` for operands with at least two dims, broadcasting the batch dims.
    static func batchedMatmul(_ a: Tensor, _ b: Tensor, op: String) throws -> Tensor {
        guard a.dtype == b.dtype else {
            throw TensorError.dtype("\(op): operands must have the same dtype, got \(a.dtype) and \(b.dtype); cast one of them first")
        }
        let (n, k) = (a.shape[a.ndim - 2], a.shape[a.ndim - 1])
        let (k2, m) = (b.shape[b.ndim - 2], b.shape[b.ndim - 1])
        guard k == k2 else {
            throw TensorError.shape("\(op): inner sizes differ: shape \(a.shape) @ shape \(b.shape) (\(k) vs \(k2))")
        }
        let batch: [Int]
        do {
            batch = try Shapes.broadcast(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2)))
        } catch {
            throw TensorError.shape("\(op): batch dims of shapes \(a.shape) and \(b.shape) cannot be broadcast")
        }
        try ElementLimit.check(batch + [n, m], op: op)
        let x = a.detached(), y = b.detached()
        let out: Tensor
        switch a.dtype {
        case .float32: out = gemmBatched(x, y, batch: batch, n: n, k: k, m: m, Float.self, blas: sgemm)
        case .float64: out = gemmBatched(x, y, batch: batch, n: n, k: k, m: m, Double.self, blas: dgemm)
        case .int64: out = gemmBatched(x, y, batch: batch, n: n, k: k, m: m, Int64.self, blas: nil)
        case .bool: throw TensorError.dtype("\(op) is not defined for bool tensors; cast to int64 or float32 first")
        }
        return out.recording(op, [a, b]) { g in
            // The walk sums each gradient over the batch dims its operand was broadcast along.
            [try g.matmul(b.transposed(-1, -2)), try a.transposed(-1, -2).matmul(g)]
        }
    }
}

/// How one operand's matrices sit in memory, in the terms BLAS takes.
private struct MatrixOperand {
    let tensor: Tensor
    /// The matrices are stored transposed (column-major): pass the transpose flag.
    let transposed: Bool
    /// The distance between stored rows.
    let ld: Int
    /// Storage offsets of each batch entry's matrix, in broadcast-batch row-major order.
    let offsets: [Int]

    /// Lays `t` (shape batchOwn + [rows, cols]) out for `batch`, copying only when its
    /// matrices are neither row-major nor column-major with unit inner stride.
    init(_ t: Tensor, batch: [Int], rows: Int, cols: Int) {
        var src = t
        var layout = MatrixOperand.layout(src, rows: rows, cols: cols)
        if layout == nil {
            src = t.copied()
            layout = MatrixOperand.layout(src, rows: rows, cols: cols)
        }
        let view = src.broadcastView(to: batch + [rows, cols])
        tensor = view
        (transposed, ld) = layout!
        // Where each matrix of the (broadcast) batch starts, in row-major batch order.
        var offs: [Int] = []
        view.restrided(shape: batch, strides: Array(view.strides.prefix(batch.count)), offset: view.offset)
            .forEachIndex { offs.append($0) }
        offsets = offs
    }

    /// Row-major with unit column stride, or column-major with unit row stride; size-1 dims
    /// take any stride. Nil when neither (e.g. an expanded or sliced-with-step matrix).
    static func layout(_ t: Tensor, rows: Int, cols: Int) -> (transposed: Bool, ld: Int)? {
        let rs = t.strides[t.ndim - 2], cs = t.strides[t.ndim - 1]
        if cols <= 1 || cs == 1 {
            let ld = rows <= 1 ? max(cols, 1) : rs
            if ld >= max(cols, 1) { return (false, ld) }
        }
        if rows <= 1 || rs == 1 {
            let ld = cols <= 1 ? max(rows, 1) : cs
            if ld >= max(rows, 1) { return (true, ld) }
        }
        return nil
    }
}

/// A BLAS gemm for one element type, row-major, with the C shim's argument order.
private typealias Gemm<T> = (Bool, Bool, Int, Int, Int, UnsafePointer<T>, Int, UnsafePointer<T>, Int, UnsafeMutablePointer<T>, Int) -> Void

private func sgemm(_ ta: Bool, _ tb: Bool, _ n: Int, _ m: Int, _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int,
                   _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
    Kernels.gemm(ta, tb, n, m, k, a, lda, b, ldb, c, ldc)
}
private func dgemm(_ ta: Bool, _ tb: Bool, _ n: Int, _ m: Int, _ k: Int, _ a: UnsafePointer<Double>, _ lda: Int,
                   _ b: UnsafePointer<Double>, _ ldb: Int, _ c: UnsafeMutablePointer<Double>, _ ldc: Int) {
    Kernels.gemm(ta, tb, n, m, k, a, lda, b, ldb, c, ldc)
}


/// Multiply-add for the plain loop: wrapping for integers, IEEE for floats.
private protocol MatmulElement: Element {
    static var zero: Self { get }
    static func mulAdd(_ acc: Self, _ x: Self, _ y: Self) -> Self
}
extension Float: MatmulElement {
    @inline(__always) static func mulAdd(_ acc: Float, _ x: Float, _ y: Float) -> Float { acc + x * y }
}
extension Double: MatmulElement {
    @inline(__always) static func mulAdd(_ acc: Double, _ x: Double, _ y: Double) -> Double { acc + x * y }
}
extension Int64: MatmulElement {
    @inline(__always) static func mulAdd(_ acc: Int64, _ x: Int64, _ y: Int64) -> Int64 { acc &+ x &* y }
}

/// Computes every product of the broadcast batch into a fresh contiguous tensor, with
/// BLAS when given and available, else a plain loop.
private func gemmBatched<T: MatmulElement>(_ a: Tensor, _ b: Tensor, batch: [Int], n: Int, k: Int, m: Int,
                                          _: T.Type, blas: Gemm<T>?) -> Tensor {
    let count = batch.reduce(1, *)
    return Tensor.make(batch + [n, m], T.self) { out in
        if out.isEmpty { return }
        guard k > 0 else { out.initialize(repeating: .zero); return }
        let A = MatrixOperand(a, batch: batch, rows: n, cols: k)
        let B = MatrixOperand(b, batch: batch, rows: k, cols: m)
        let pa = UnsafePointer(A.tensor.storage.typed(T.self)), pb = UnsafePointer(B.tensor.storage.typed(T.self))
        let pc = out.baseAddress!
        let fits = [n, m, k, A.ld, B.ld].allSatisfy { $0 <= Int(Int32.max) }
        let gemm: Gemm<T> = (blas != nil && fits && td_blas_available() != 0) ? blas! : plainGemm
        let one = { (i: Int) in
            gemm(A.transposed, B.transposed, n, m, k, pa + A.offsets[i], A.ld, pb + B.offsets[i], B.ld, pc + i * n * m, m)
        }
        // BLAS runs one thread per call: a batch is split across cores here, and one large
        // product by rows inside Kernels.gemm.
        let work = n * m * k
        if count >= 2 {
            parallelChunks(count, grain: max(1, (1 << 16) / max(work, 1))) { r in for i in r { one(i) } }
        } else {
            for i in 0..<count { one(i) }
        }
    }
}

/// `c = op(a) · op(b)` by a plain loop (int64, or when BLAS is missing). Row-major C.
private func plainGemm<T: MatmulElement>(_ ta: Bool, _ tb: Bool, _ n: Int, _ m: Int, _ k: Int,
                                         _ a: UnsafePointer<T>, _ lda: Int, _ b: UnsafePointer<T>, _ ldb: Int,
                                         _ c: UnsafeMutablePointer<T>, _ ldc: Int) {
    let (ars, acs) = ta ? (1, lda) : (lda, 1)
    let (brs, bcs) = tb ? (1, ldb) : (ldb, 1)
    for i in 0..<n {
        let row = c + i * ldc
        for j in 0..<m { row[j] = .zero }
        for p in 0..<k {
            let x = a[i * ars + p * acs]
            let bp = b + p * brs
            for j in 0..<m { row[j] = T.mulAdd(row[j], x, bp[j * bcs]) }
        }
    }
}

extension Ops {
    static let linalg: [OpSpec] = [
        OpSpec("mm", "matrix product of two 2-D tensors of the same dtype",
               params: [.tensor(), .tensor("mat2")],
               gradchecks: [.init(.randn([2, 3]), .randn([3, 4])), .init(.randn([2, 3], .transposed), .randn([3, 4], .transposed)),
                            .init(.randn([1, 3]), .randn([3, 1]))]) { c in
            [try c.tensor("input").mm(c.tensor("mat2"))]
        },
        OpSpec("matmul", "matrix product with 1-D rules and broadcast batch dims (the @ operator)",
               params: [.tensor(), .tensor("other")],
               gradchecks: [.init(.randn([3]), .randn([3])), .init(.randn([3]), .randn([2, 3, 4])), .init(.randn([2, 3, 4]), .randn([4])),
                            .init(.randn([2, 1, 2, 3]), .randn([3, 3, 2], .transposed)), .init(.randn([2, 3]), .randn([1, 3], .expanded([4, 3, 3]))),
                            .init(.randn([3, 2, 3]), .randn([3, 2]))]) { c in
            [try c.tensor("input").matmul(c.tensor("other"))]
        },
    ]
}
