import CKernels
import Foundation

// Random ops, drawing from a `Generator` exactly as PyTorch's CPU kernels draw from theirs
// (ATen/native/cpu/DistributionTemplates.h, ATen/core/DistributionsHelper.h,
// ATen/native/cpu/MultinomialKernel.cpp): the same seed gives the same values, element
// for element, in float32 and float64. Where ATen's path depends on the size (randn's
// vectorised Box–Muller from 16 elements on), so does this one.

extension Tensor {
    /// `torch.rand`: uniform on [0, 1).
    public static func rand(_ shape: [Int], dtype: DType = .float32, generator: Generator) throws -> Tensor {
        try uniform(shape, from: 0, to: 1, dtype: dtype, generator: generator, op: "rand")
    }

    /// `torch.empty(shape).uniform_(from, to)`: uniform on [from, to) (uniform_kernel). float32
    /// draws 24 random bits per element, float64 53 bits from two 32-bit draws.
    public static func uniform(_ shape: [Int], from: Double = 0, to: Double = 1, dtype: DType = .float32,
                               generator: Generator, op: String = "uniform") throws -> Tensor {
        try checkSize(shape, op: op)
        try checkFloating(dtype, op: op)
        let largest = dtype == .float32 ? Double(Float.greatestFiniteMagnitude) : .greatestFiniteMagnitude
        guard from.magnitude <= largest, to.magnitude <= largest else {
            throw TensorError(.value, "\(op): from and to must be finite \(dtype) values, got \(from) and \(to)", argument: "from")
        }
        guard from <= to, to - from <= largest else {
            throw TensorError(.value, "\(op) expects a range from ≤ to no wider than the \(dtype) range, got from=\(from), to=\(to)", argument: "to")
        }
        return generator.withLock {
            if dtype == .float32 {
                return make(shape, Float.self) { td_mt_uniform_f32(generator.state, $0.baseAddress, $0.count, Float(from), Float(to)) }
            }
            return make(shape, Double.self) { td_mt_uniform_f64(generator.state, $0.baseAddress, $0.count, from, to) }
        }
    }

    /// `torch.randn`: standard normal.
    public static func randn(_ shape: [Int], dtype: DType = .float32, generator: Generator) throws -> Tensor {
        try normal(shape, mean: 0, std: 1, dtype: dtype, generator: generator, op: "randn")
    }

    /// `torch.normal(mean, std, size)` (normal_kernel): from 16 elements on, all uniforms are
    /// drawn first and turned into normals 16 at a time (normal_fill); below 16, one
    /// `normal_distribution<double>` sample per element, which shares the generator's cached
    /// second sample with the calls before and after it.
    public static func normal(_ shape: [Int], mean: Double = 0, std: Double = 1, dtype: DType = .float32,
                              generator: Generator, op: String = "normal") throws -> Tensor {
        try checkSize(shape, op: op)
        try checkFloating(dtype, op: op)
        guard std >= 0, std.isFinite, mean.isFinite else {
            throw TensorError(.value, "\(op) expects a finite mean and a finite std ≥ 0, got mean=\(mean), std=\(std)", argument: std >= 0 ? "mean" : "std")
        }
        let n = shape.reduce(1, *)
        func draw<T: Element & BinaryFloatingPoint>(_: T.Type, uniforms: (UnsafeMutablePointer<T>, Int) -> Void,
                                                   boxMuller: (UnsafeMutablePointer<T>, Int, T, T) -> Void) -> Tensor {
            make(shape, T.self) { out in
                guard n >= 16 else {
                    for i in 0..<n { out[i] = T(generator.normal(mean: mean, std: std)) }
                    return
                }
                let p = out.baseAddress!, m = T(mean), s = T(std)
                uniforms(p, n)
                // The blocks of 16 need no generator once their uniforms are drawn.
                parallelChunks(n / 16, grain: 1 << 11) { r in boxMuller(p + 16 * r.lowerBound, r.count, m, s) }
                if n % 16 != 0 {
                    uniforms(p + n - 16, 16)
                    boxMuller(p + n - 16, 1, m, s)
                }
            }
        }
        return generator.withLock {
            dtype == .float32
                ? draw(Float.self, uniforms: { td_mt_unit_f32(generator.state, $0, $1) }, boxMuller: { td_normal_blocks_f32($0, $1, $2, $3) })
                : draw(Double.self, uniforms: { td_mt_unit_f64(generator.state, $0, $1) }, boxMuller: { td_normal_blocks_f64($0, $1, $2, $3) })
        }
    }

    /// `torch.randint(low, high, size)`: integers uniform on [low, high), as `val % range + low`
    /// (uniform_int_from_to_distribution: a 64-bit draw when the range reaches 2^28, else 32).
    public static func randint(low: Int = 0, high: Int, _ shape: [Int], dtype: DType = .int64, generator: Generator) throws -> Tensor {
        try checkSize(shape, op: "randint")
        guard low < high else {
            throw TensorError(.value, "randint expects low < high, got low=\(low), high=\(high)", argument: "high")
        }
        // Both ends must be exact in the result dtype (ATen's check_from_to_in_range).
        let exact: ClosedRange<Int> = switch dtype {
        case .int64: Int.min...Int.max
        case .float64: -(1 << 53)...(1 << 53)
        case .float32: -(1 << 24)...(1 << 24)
        case .bool: 0...1
        }
        guard exact.contains(low), exact.contains(high - 1) else {
            throw TensorError(.value, "randint: [\(low), \(high)) is not exactly representable in \(dtype)", argument: "high")
        }
        let range = UInt64(bitPattern: Int64(high)) &- UInt64(bitPattern: Int64(low))
        let base = UInt64(bitPattern: Int64(low))
        let values = drawn(shape, Int64.self, generator) { _ in
            let bits = range >= 1 << 28 ? generator.random64() : UInt64(generator.random())
            return Int64(bitPattern: bits % range &+ base)
        }
        return dtype == .int64 ? values : try values.cast(to: dtype)
    }

    /// `torch.randperm(n)` (randperm_cpu): a Fisher–Yates shuffle from the front, swapping
    /// element i with i + random() % (n − i).
    public static func randperm(_ n: Int, dtype: DType = .int64, generator: Generator) throws -> Tensor {
        guard n >= 0 else { throw TensorError(.value, "randperm: n must be non-negative, got \(n)", argument: "n") }
        try ElementLimit.check([n], op: "randperm")
        let exact = dtype == .float32 ? 1 << 24 : dtype == .float64 ? 1 << 53 : dtype == .bool ? 2 : Int.max
        guard n <= exact else {
            throw TensorError(.value, "randperm: n = \(n) is too large for \(dtype)", argument: "n")
        }
        let perm = generator.withLock {
            make([n], Int64.self) { out in
                for i in 0..<n { out[i] = Int64(i) }
                for i in 0..<Swift.max(n - 1, 0) {
                    let z = Int(UInt64(generator.random()) % UInt64(n - i))
                    out.swapAt(i, i + z)
                }
            }
        }
        return dtype == .int64 ? perm : try perm.cast(to: dtype)
    }

    /// `torch.bernoulli(input)`: 1 with probability `input[i]` (a float64 input draws 53-bit
    /// uniforms, float32 24-bit ones); `torch.bernoulli(input, p)`: 1 with probability `p`
    /// for every element (53-bit uniforms), in `input`'s shape and dtype.
    ///
    /// With a scalar `p` on an Intel CPU, PyTorch builds with MKL draw from MKL's own stream
    /// instead; these values are ATen's default path, which PyTorch takes on other CPUs.
    public func bernoulli(p: Double? = nil, generator: Generator) throws -> Tensor {
        if let p {
            guard p >= 0 && p <= 1 else { throw TensorError(.value, "bernoulli expects p in [0, 1], got \(p)", argument: "p") }
            return try Tensor.drawn(shape, Bool.self, generator) { _ in generator.uniformDouble() < p }.cast(to: dtype)
        }
        guard dtype.isFloating else {
            throw TensorError(.dtype, "bernoulli needs floating probabilities, got \(dtype)", argument: "input")
        }
        func draw<T: Element & BinaryFloatingPoint>(_: T.Type, _ uniform: () -> T) throws -> Tensor {
            try withContiguousBuffer(as: T.self) { ps in
                // Each probability is checked as it is reached, as ATen's bernoulli_distribution does.
                try Tensor.drawn(shape, Bool.self, generator) { i in
                    guard ps[i] >= 0 && ps[i] <= 1 else {
                        throw TensorError(.value, "bernoulli expects probabilities in [0, 1], found \(Double(ps[i]))", argument: "input")
                    }
                    return uniform() < ps[i]
                }
            }
        }
        let mask = dtype == .float32 ? try draw(Float.self, generator.uniformFloat) : try draw(Double.self, generator.uniformDouble)
        return try mask.cast(to: dtype)
    }

    /// `F.dropout(input, p, training)`: zeroes each element with probability p and scales the
    /// rest by 1/(1−p) (ATen's `_dropout_impl`: `input * bernoulli(1−p) / (1−p)`), so the
    /// gradient flows through the kept elements; the input itself when not training or p = 0.
    public func dropout(p: Double = 0.5, training: Bool = true, generator: Generator) throws -> Tensor {
        guard p >= 0 && p <= 1 else {
            throw TensorError(.value, "dropout probability has to be between 0 and 1, got \(p)", argument: "p")
        }
        guard dtype.isFloating else { throw TensorError(.dtype, "dropout needs a floating input, got \(dtype)", argument: "input") }
        if !training || p == 0 || isEmpty { return self }
        if p == 1 { return try mul(.tensor(Tensor.filled([], with: 0, dtype: dtype))) }
        let keep = try Tensor.filled(shape, with: 0, dtype: dtype).bernoulli(p: 1 - p, generator: generator)
        // noise.div_(1 − p): the divisor is rounded to the tensor's dtype first.
        let noise = try keep.div(.tensor(Tensor.filled([], with: 1 - p, dtype: dtype)))
        return try mul(.tensor(noise))
    }

    /// `torch.multinomial(input, num_samples, replacement)`: category indices drawn from each
    /// row's weights (1-D or 2-D, non-negative, finite, positive sum). With replacement,
    /// inverse-CDF sampling with a float64 uniform per sample (MultinomialKernel.cpp); without
    /// (or for one sample), PyTorch's exponential race: the top `num_samples` of
    /// `input / Exp(1)`.
    public func multinomial(_ numSamples: Int, replacement: Bool = false, generator: Generator) throws -> Tensor {
        guard ndim == 1 || ndim == 2 else {
            throw TensorError(.shape, "multinomial: prob_dist must be 1 or 2 dim, got shape \(shape)", argument: "input")
        }
        guard dtype.isFloating else { throw TensorError(.dtype, "multinomial only supports floating-point dtypes for input, got \(dtype)", argument: "input") }
        let categories = shape[ndim - 1], rows = ndim == 2 ? shape[0] : 1
        guard numSamples > 0 else { throw TensorError(.value, "multinomial: cannot sample \(numSamples) ≤ 0 samples", argument: "num_samples") }
        guard categories > 0, categories <= 1 << 24 else {
            throw TensorError(.shape, "multinomial: the number of categories must be in 1…2^24, got \(categories)", argument: "input")
        }
        guard replacement || numSamples <= categories else {
            throw TensorError(.value, "multinomial: cannot sample \(numSamples) > \(categories) samples without replacement", argument: "num_samples")
        }
        let outShape = ndim == 2 ? [rows, numSamples] : [numSamples]
        try ElementLimit.check(outShape, op: "multinomial")
        let weights = contiguous().doubles()
        for r in 0..<rows {
            let row = weights[r * categories..<(r + 1) * categories]
            guard row.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
                throw TensorError(.value, "multinomial: probability tensor contains either inf, nan or element < 0", argument: "input")
            }
            guard row.contains(where: { $0 > 0 }) else {
                throw TensorError(.value, "multinomial: invalid distribution (sum of probabilities ≤ 0) in row \(r)", argument: "input")
            }
        }
        if !replacement || numSamples == 1 {
            // exponential_(1): −log1p(−u) per element, in the input's dtype, then input / q.
            let q = Tensor.drawn(shape, Double.self, generator) { _ in -Foundation.log1p(-generator.uniformDouble()) }
            let race = try div(.tensor(try q.cast(to: dtype)))
            if numSamples == 1 { return try race.argmax(dim: -1, keepdim: true) }
            return try race.topk(numSamples, dim: -1).indices
        }
        return generator.withLock {
            Tensor.make(outShape, Int64.self) { out in
                if dtype == .float32 {
                    Tensor.sampleWithReplacement(weights.map { Float($0) }, rows: rows, categories: categories, samples: numSamples, into: out, generator)
                } else {
                    Tensor.sampleWithReplacement(weights, rows: rows, categories: categories, samples: numSamples, into: out, generator)
                }
            }
        }
    }

    /// multinomial_with_replacement_apply: the running sum in the input's type, normalised
    /// by the total, the last bucket forced to 1, and a binary search for the first bucket
    /// not below the uniform.
    private static func sampleWithReplacement<T: BinaryFloatingPoint>(_ weights: [T], rows: Int, categories: Int, samples: Int,
                                                                       into out: UnsafeMutableBufferPointer<Int64>, _ generator: Generator) {
        var cumulative = [T](repeating: 0, count: categories)
        for r in 0..<rows {
            var sum: T = 0
            for j in 0..<categories {
                sum += weights[r * categories + j]
                cumulative[j] = sum
            }
            for j in 0..<categories { cumulative[j] /= sum }
            cumulative[categories - 1] = 1
            for s in 0..<samples {
                let u = generator.uniformDouble()
                var left = 0, right = categories
                while right - left > 0 {
                    let mid = left + (right - left) / 2
                    if Double(cumulative[mid]) < u { left = mid + 1 } else { right = mid }
                }
                out[r * samples + s] = Int64(left)
            }
        }
    }

    /// A tensor of `shape` holding `draw(i)` at each row-major position `i`, drawn in order under
    /// the generator's lock so that one op's draws stay contiguous.
    private static func drawn<T: Element>(_ shape: [Int], _: T.Type, _ generator: Generator, _ draw: (Int) throws -> T) rethrows -> Tensor {
        try generator.withLock { try make(shape, T.self) { out in for i in out.indices { out[i] = try draw(i) } } }
    }

    private static func checkFloating(_ dtype: DType, op: String) throws {
        guard dtype.isFloating else {
            throw TensorError(.dtype, "\(op) needs a floating dtype (float32, float64), got \(dtype)", argument: "dtype")
        }
    }
}

extension Ops {
    static let random: [OpSpec] = [
        OpSpec("rand", "uniform samples on [0, 1), as PyTorch's CPU generator draws them",
               params: [Param("size", .intList), Param("dtype", .dtype, default: .string("float32"))],
               examples: [.init(.ints([2, 3]), [:])]) { c in
            [try Tensor.rand(c.ints("size"), dtype: c.dtype("dtype") ?? .float32, generator: c.generator)]
        },
        OpSpec("randn", "standard normal samples, as PyTorch's CPU generator draws them",
               params: [Param("size", .intList), Param("dtype", .dtype, default: .string("float32"))],
               examples: [.init(.ints([2, 3]), [:]), .init(.ints([20]), ["dtype": .string("float64")])]) { c in
            [try Tensor.randn(c.ints("size"), dtype: c.dtype("dtype") ?? .float32, generator: c.generator)]
        },
        OpSpec("rand_like", "rand with the input's shape (and dtype unless given)",
               params: [.tensor(), Param("dtype", .optional(.dtype), default: .null)],
               examples: [.init(.randn([2, 3]), [:])]) { c in
            let x = c.tensor("input")
            return [try Tensor.rand(x.shape, dtype: c.dtype("dtype") ?? x.dtype, generator: c.generator)]
        },
        OpSpec("randn_like", "randn with the input's shape (and dtype unless given)",
               params: [.tensor(), Param("dtype", .optional(.dtype), default: .null)],
               examples: [.init(.randn([2, 3]), [:])]) { c in
            let x = c.tensor("input")
            return [try Tensor.randn(x.shape, dtype: c.dtype("dtype") ?? x.dtype, generator: c.generator)]
        },
        OpSpec("normal", "normal samples with the given mean and std (torch.normal(mean, std, size))",
               params: [Param("mean", .float, default: .float(0)), Param("std", .float, default: .float(1)),
                        Param("size", .intList), Param("dtype", .dtype, default: .string("float32"))],
               examples: [.init(.number(2), .number(0.5), .ints([4]), [:])]) { c in
            [try Tensor.normal(c.ints("size"), mean: c.double("mean"), std: c.double("std"),
                               dtype: c.dtype("dtype") ?? .float32, generator: c.generator)]
        },
        OpSpec("uniform", "uniform samples on [from, to) (torch.empty(size).uniform_(from, to))",
               params: [Param("size", .intList), Param("from", .float, default: .float(0)), Param("to", .float, default: .float(1)),
                        Param("dtype", .dtype, default: .string("float32"))],
               examples: [.init(.ints([4]), .number(-1), .number(1), [:])]) { c in
            [try Tensor.uniform(c.ints("size"), from: c.double("from"), to: c.double("to"),
                                dtype: c.dtype("dtype") ?? .float32, generator: c.generator)]
        },
        OpSpec("randint", "integers uniform on [low, high); randint(high, size) counts from 0",
               params: [Param("low", .int, default: .int(0)), Param("high", .dims), Param("size", .optional(.intList), default: .null),
                        Param("dtype", .dtype, default: .string("int64"))],
               examples: [.init(.int(0), .int(10), .ints([5]), [:]), .init(.int(6), .ints([3]), [:])]) { c in
            // randint(high, size) binds its two values to low and high, as arange(end) does.
            let (low, high, size): (Int, Int, [Int])
            switch (c.values["high"], c.values["size"]) {
            case (.intList(let s)?, .null?): (low, high, size) = (0, c.int("low"), s)
            case (.int(let h)?, .intList(let s)?): (low, high, size) = (c.int("low"), h, s)
            default:
                throw TensorError(.value, "randint takes (high, size) or (low, high, size) with an int high and a list size", argument: "size")
            }
            return [try Tensor.randint(low: low, high: high, size, dtype: c.dtype("dtype") ?? .int64, generator: c.generator)]
        },
        OpSpec("randperm", "a random permutation of 0…n−1",
               params: [Param("n", .int), Param("dtype", .dtype, default: .string("int64"))],
               examples: [.init(.int(6), [:])]) { c in
            [try Tensor.randperm(c.int("n"), dtype: c.dtype("dtype") ?? .int64, generator: c.generator)]
        },
        OpSpec("bernoulli", "1 with probability input[i] (or p for every element), else 0, in input's shape and dtype",
               params: [.tensor(), Param("p", .optional(.float), default: .null)],
               examples: [.init(.unit([2, 3]), [:])]) { c in
            [try c.tensor("input").bernoulli(p: c.optionalDouble("p"), generator: c.generator)]
        },
        OpSpec("multinomial", "num_samples category indices per row of non-negative weights",
               params: [.tensor(), Param("num_samples", .int), Param("replacement", .bool, default: .bool(false))],
               examples: [.init(.unit([2, 5]), .int(3), [:]), .init(.unit([4]), .int(6), ["replacement": .bool(true)])]) { c in
            [try c.tensor("input").multinomial(c.int("num_samples"), replacement: c.bool("replacement"), generator: c.generator)]
        },
        OpSpec("dropout", "zeroes elements with probability p and scales the rest by 1/(1−p); identity when training is false",
               params: [.tensor(), Param("p", .float, default: .float(0.5)), Param("training", .bool, default: .bool(true))],
               gradchecks: [.init(.randn([3, 4]), ["training": .bool(false)]), .init(.randn([5]), ["p": .float(0)])]) { c in
            [try c.tensor("input").dropout(p: c.double("p"), training: c.bool("training"), generator: c.generator)]
        },
    ]
}
