// Joining and splitting (semantics §7): repeat, cat, stack, split, chunk. cat and repeat
// write fresh tensors; split and chunk return views cut with narrow, whose gradient
// routes each slice back (an unused piece contributes nothing, i.e. zero).

extension Tensor {
    /// Tiles the data: dim i of the result has size `shape[i]·repeats[i]`. Extra leading
    /// repeats add new leading dims. Always a fresh contiguous tensor.
    ///
    /// ```swift
    /// try Tensor([1, 2] as [Float]).repeated([2, 2])   // [[1, 2, 1, 2], [1, 2, 1, 2]]
    /// ```
    public func repeated(_ repeats: [Int]) throws -> Tensor {
        guard repeats.count >= ndim else {
            throw TensorError(.shape, "repeat: the number of repeats (\(repeats.count)) must be at least the number of dims (\(ndim))", argument: "repeats")
        }
        if let r = repeats.first(where: { $0 < 0 }) {
            throw TensorError(.value, "repeat: repeats must be non-negative, got \(r) in \(repeats)", argument: "repeats")
        }
        let padded = [Int](repeating: 1, count: repeats.count - ndim) + shape
        // View the input as [1, s0, 1, s1, …], broadcast it to [r0, s0, r1, s1, …] and copy.
        let interleavedOnes = padded.flatMap { [1, $0] }
        let tiles = zip(repeats, padded).flatMap { [$0, $1] }
        let products = zip(repeats, padded).map { $0.multipliedReportingOverflow(by: $1) }
        guard !products.contains(where: \.overflow) else {
            throw TensorError(.limit, "repeat: repeating shape \(shape) by \(repeats) overflows", argument: "repeats")
        }
        let outShape = products.map(\.partialValue)
        try ElementLimit.check(outShape, op: "repeat")
        let tiled = try detached().reshaped(interleavedOnes).broadcastView(to: tiles).copied()
        let out = tiled.restrided(shape: outShape, strides: Tensor.contiguousStrides(outShape), offset: 0)
        let input = self
        return out.recording("repeat", [self]) { g in
            let tileDims = Array(stride(from: 0, to: tiles.count, by: 2))
            return [try g.reshaped(tiles).sum(dims: tileDims).reshaped(input.shape)]
        }
    }

    /// Splits into pieces of `size` along `dim` (the last may be smaller). Views.
    public func split(size: Int, dim: Int = 0) throws -> [Tensor] {
        let d = try splitDim(dim, op: "split")
        let n = shape[d]
        guard size >= 0 else { throw TensorError(.value, "split: split_size must be non-negative, got \(size)", argument: "split_size_or_sections") }
        guard size > 0 || n == 0 else {
            throw TensorError(.value, "split: split_size 0 cannot split a dim of size \(n)", argument: "split_size_or_sections")
        }
        if n == 0 { return [self] }
        return try stride(from: 0, to: n, by: size).map { try narrow(d, start: $0, length: Swift.min(size, n - $0)) }
    }

    /// Splits into pieces of exactly `sizes` along `dim`; the sizes must sum to its size.
    public func split(sizes: [Int], dim: Int = 0) throws -> [Tensor] {
        let d = try splitDim(dim, op: "split")
        if let bad = sizes.first(where: { $0 < 0 }) {
            throw TensorError(.value, "split: section sizes must be non-negative, got \(bad) in \(sizes)", argument: "split_size_or_sections")
        }
        guard Shapes.sum(sizes) == shape[d] else {
            throw TensorError(.value, "split: section sizes \(sizes) do not sum to \(shape[d]), the size of dim \(dim)", argument: "split_size_or_sections")
        }
        var start = 0
        return try sizes.map { s in
            defer { start += s }
            return try narrow(d, start: start, length: s)
        }
    }

    /// Splits into at most `chunks` pieces of size `ceil(size/chunks)` along `dim`, so there
    /// may be fewer pieces than asked for.
    public func chunked(_ chunks: Int, dim: Int = 0) throws -> [Tensor] {
        guard chunks > 0 else { throw TensorError(.value, "chunk: chunks must be positive, got \(chunks)", argument: "chunks") }
        let d = try splitDim(dim, op: "chunk")
        let n = shape[d]
        // An empty dim gives `chunks` empty pieces, as PyTorch does.
        if n == 0 {
            try ElementLimit.check(pieces: chunks, op: "chunk", argument: "chunks")
            return try split(sizes: [Int](repeating: 0, count: chunks), dim: d)
        }
        return try split(size: n / chunks + (n % chunks == 0 ? 0 : 1), dim: d)
    }

    private func splitDim(_ dim: Int, op: String) throws -> Int {
        guard ndim > 0 else { throw TensorError.shape("\(op): expects at least a 1-D tensor, got a 0-d tensor") }
        return try Shapes.normalize(dim, ndim: ndim, op: op)
    }
}

/// Concatenates tensors along an existing dim, promoting their dtypes (PyTorch's `cat`).
/// A 1-D tensor of size 0 is skipped whatever the others' rank (PyTorch's legacy rule).
///
/// ```swift
/// let c = try concatenated([a, b], dim: 1)   // [2,3] and [2,1] → [2,4]
/// ```
public func concatenated(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
    guard !tensors.isEmpty else { throw TensorError(.value, "cat: expected a non-empty list of tensors", argument: "tensors") }
    if let i = tensors.firstIndex(where: { $0.ndim == 0 }) {
        throw TensorError(.shape, "cat: tensor \(i) is 0-d and cannot be concatenated; unsqueeze it or use stack", argument: "tensors")
    }
    let dtype = Promotion.resultType(tensors)
    let used = tensors.indices.filter { !(tensors[$0].ndim == 1 && tensors[$0].shape[0] == 0) }
    guard let first = used.first.map({ tensors[$0] }) else {
        _ = try Shapes.normalize(dim, ndim: 1, op: "cat")
        return Tensor.filled([0], with: 0, dtype: dtype)
    }
    let d = try Shapes.normalize(dim, ndim: first.ndim, op: "cat")
    for i in used {
        let t = tensors[i]
        guard t.ndim == first.ndim else {
            throw TensorError(.shape, "cat: tensors must have the same number of dims: tensor \(i) has shape \(t.shape), tensor \(used[0]) has \(first.shape)", argument: "tensors")
        }
        for k in 0..<t.ndim where k != d && t.shape[k] != first.shape[k] {
            throw TensorError(.shape, "cat: sizes must match except in dim \(d): tensor \(i) has shape \(t.shape), tensor \(used[0]) has \(first.shape)", argument: "tensors")
        }
    }
    var outShape = first.shape
    outShape[d] = used.map { tensors[$0].shape[d] }.reduce(0, +)
    try ElementLimit.check(outShape, op: "cat")
    let parts = try used.map { try tensors[$0].detached().cast(to: dtype) }
    let out: Tensor
    switch dtype {
    case .float32: out = catCopy(parts, outShape, d, Float.self)
    case .float64: out = catCopy(parts, outShape, d, Double.self)
    case .int64: out = catCopy(parts, outShape, d, Int64.self)
    case .bool: out = catCopy(parts, outShape, d, Bool.self)
    }
    var starts: [Int: Int] = [:]
    var offset = 0
    for i in used { starts[i] = offset; offset += tensors[i].shape[d] }
    return out.recording("cat", tensors) { g in
        try tensors.indices.map { i in try starts[i].map { try g.narrow(d, start: $0, length: tensors[i].shape[d]) } }
    }
}

/// Writes each part's blocks (`part.shape[d]·inner` elements per outer index) side by side.
private func catCopy<T: Element>(_ parts: [Tensor], _ shape: [Int], _ d: Int, _: T.Type) -> Tensor {
    let outer = shape[..<d].reduce(1, *), inner = shape[(d + 1)...].reduce(1, *)
    let rowLength = shape[d] * inner
    return Tensor.make(shape, T.self) { out in
        guard let dst = out.baseAddress else { return }
        var column = 0
        for p in parts {
            let block = p.shape[d] * inner
            p.withContiguousBuffer(as: T.self) { src in
                guard let s = src.baseAddress, block > 0 else { return }
                for o in 0..<outer { (dst + o * rowLength + column).update(from: s + o * block, count: block) }
            }
            column += block
        }
    }
}

/// Stacks tensors of exactly the same shape along a new dim at `dim` (in `[-n-1, n]`),
/// promoting their dtypes (PyTorch's `stack`).
///
/// ```swift
/// let s = try stacked([a, b], dim: 0)   // two [3] → [2, 3]
/// ```
public func stacked(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
    guard let first = tensors.first else { throw TensorError(.value, "stack: expected a non-empty list of tensors", argument: "tensors") }
    if let i = tensors.firstIndex(where: { $0.shape != first.shape }) {
        throw TensorError(.shape, "stack: every tensor must have the same shape: tensor \(i) has \(tensors[i].shape), tensor 0 has \(first.shape)", argument: "tensors")
    }
    let n = first.ndim
    guard dim >= -n - 1 && dim <= n else {
        throw TensorError(.dim, "stack: dimension \(dim) is out of range for inserting into a \(n)-d tensor (expected in [\(-n - 1), \(n)])", argument: "dim")
    }
    return try concatenated(tensors.map { try $0.unsqueezed(dim) }, dim: dim < 0 ? dim + n + 1 : dim)
}

extension Ops {
    static let joining: [OpSpec] = [
        OpSpec("repeat", "tiles the data repeats[i] times along each dim (a fresh tensor)",
               params: [.tensor(), Param("repeats", .intList)],
               gradchecks: [.init(.randn([2, 3]), .ints([2, 1, 3]), [:]), .init(.randn([3, 2], .transposed), .ints([1, 2]), [:])]) { c in
            [try c.tensor("input").repeated(c.ints("repeats"))]
        },
        OpSpec("cat", "concatenates tensors along an existing dim, promoting dtypes",
               params: [Param("tensors", .tensorList), Param("dim", .int, default: .int(0))],
               gradchecks: [.init(.tensors([.init(shape: [2, 3], distribution: .normal), .init(shape: [1, 3], distribution: .normal)]), [:]),
                            .init(.tensors([.init(shape: [2, 2], distribution: .normal, layout: .transposed), .init(shape: [2, 3], distribution: .normal)]), ["dim": .int(-1)])]) { c in
            [try concatenated(c.tensors("tensors"), dim: c.int("dim"))]
        },
        OpSpec("stack", "stacks same-shape tensors along a new dim, promoting dtypes",
               params: [Param("tensors", .tensorList), Param("dim", .int, default: .int(0))],
               gradchecks: [.init(.tensors([.init(shape: [2, 3], distribution: .normal), .init(shape: [2, 3], distribution: .normal)]), ["dim": .int(-1)]),
                            .init(.tensors([.init(shape: [], distribution: .normal), .init(shape: [], distribution: .normal)]), [:])]) { c in
            [try stacked(c.tensors("tensors"), dim: c.int("dim"))]
        },
        OpSpec("split", "splits into pieces of an int size (last may be smaller) or of a list of sizes, along dim",
               params: [.tensor("tensor"), Param("split_size_or_sections", .dims), Param("dim", .int, default: .int(0))],
               outputs: ["pieces*"],
               gradchecks: [.init(.randn([5, 2]), .int(2), [:]), .init(.randn([2, 5], .transposed), .ints([1, 0, 4]), ["dim": .int(-1)])]) { c in
            let t = c.tensor("tensor"), dim = c.int("dim")
            if case .int(let s) = c.values["split_size_or_sections"] { return try t.split(size: s, dim: dim) }
            return try t.split(sizes: c.ints("split_size_or_sections"), dim: dim)
        },
        OpSpec("chunk", "splits into at most chunks pieces of size ceil(size/chunks) along dim",
               params: [.tensor(), Param("chunks", .int), Param("dim", .int, default: .int(0))],
               outputs: ["pieces*"],
               gradchecks: [.init(.randn([5, 2]), .int(3), [:]), .init(.randn([2, 6]), .int(4), ["dim": .int(1)])]) { c in
            try c.tensor("input").chunked(c.int("chunks"), dim: c.int("dim"))
        },
    ]
}
