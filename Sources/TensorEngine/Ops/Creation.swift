import Foundation

// zeros, ones, full, arange, linspace, eye (semantics §1). They take no tensor inputs and
// carry no gradient.

extension Tensor {
    /// A tensor of `shape` filled with 0.
    public static func zeros(_ shape: [Int], dtype: DType = .float32) throws -> Tensor {
        try full(shape, fillValue: .int(0), dtype: dtype)
    }

    /// A tensor of `shape` filled with 1.
    public static func ones(_ shape: [Int], dtype: DType = .float32) throws -> Tensor {
        try full(shape, fillValue: .int(1), dtype: dtype)
    }

    /// A tensor of `shape` filled with `fillValue`. Without a dtype it is inferred from the
    /// value (bool → bool, int → int64, float → float32); a float converts to an int dtype by
    /// truncation. NaN and ±inf are allowed.
    ///
    /// ```swift
    /// try Tensor.full([2, 2], fillValue: 7)   // int64 [[7, 7], [7, 7]]
    /// ```
    public static func full(_ shape: [Int], fillValue: Scalar, dtype: DType? = nil) throws -> Tensor {
        try checkSize(shape, op: "full")
        let dtype = dtype ?? Promotion.resultType([.scalar(fillValue)])
        if case .int(let i) = fillValue, dtype == .int64 {
            return make(shape, Int64.self) { $0.initialize(repeating: i) }
        }
        if dtype == .int64, !(fillValue.double > -9.3e18 && fillValue.double < 9.3e18) {
            throw TensorError(.value, "full: fill_value \(fillValue.double) cannot be converted to int64", argument: "fill_value")
        }
        return filled(shape, with: fillValue.double, dtype: dtype)
    }

    /// `start, start+step, …` up to but excluding `end`: `ceil((end-start)/step)` values.
    /// int64 when start, end and step are all integers (and no dtype is given), else float32.
    ///
    /// ```swift
    /// try Tensor.arange(start: 0, end: 1, step: 0.25)   // [0, 0.25, 0.5, 0.75]
    /// ```
    public static func arange(start: Scalar = 0, end: Scalar, step: Scalar = 1, dtype: DType? = nil) throws -> Tensor {
        let dtype = dtype ?? ([start, end, step].allSatisfy { $0.category != .floating } ? .int64 : .float32)
        let (a, b, s) = (start.double, end.double, step.double)
        guard a.isFinite && b.isFinite else {
            throw TensorError.value("arange: unsupported range \(a) → \(b): start and end must be finite")
        }
        guard s != 0 else { throw TensorError(.value, "arange: step must be nonzero", argument: "step") }
        guard (s > 0 && b >= a) || (s < 0 && b <= a) else {
            throw TensorError(.value, "arange: the sign of step (\(s)) does not lead from start \(a) to end \(b)", argument: "step")
        }
        let size: Double
        if dtype == .int64, case .int(let ia) = start, case .int(let ib) = end, case .int(let istep) = step {
            // Exact integer count, as ATen does for int64: ceil((end-start)/step) without rounding.
            let span = Double(ib) - Double(ia)
            size = ((span + Double(istep) - Double(istep.signum())) / Double(istep)).rounded(.towardZero)
            guard size < Double(Int.max) else { throw TensorError.value("arange: the range is too large") }
            let n = Int(size)
            try ElementLimit.check([n], op: "arange")
            return make([n], Int64.self) { out in for i in 0..<n { out[i] = ia &+ Int64(i) &* istep } }
        }
        size = ((b - a) / s).rounded(.up)
        // `<`: Double(Int.max) is 2^63, which Int cannot hold.
        guard size >= 0 && size < Double(Int.max) else { throw TensorError.value("arange: the range is too large") }
        let n = Int(size)
        try ElementLimit.check([n], op: "arange")
        return generated(n, dtype: dtype) { a + Double($0) * s }
    }

    /// `steps` evenly spaced values from `start` to `end`, both included: `[start]` for one step,
    /// empty for none. float32 unless told, even for integer ends.
    public static func linspace(start: Double, end: Double, steps: Int, dtype: DType = .float32) throws -> Tensor {
        guard steps >= 0 else { throw TensorError(.value, "linspace: steps must be non-negative, got \(steps)", argument: "steps") }
        // As ATen: the first half counts up from start, the second half down from end, so
        // both ends are exact; computed in the output's float type with fused multiply-adds
        // (as its vectorised kernel), so float32 values match PyTorch's bit for bit.
        try ElementLimit.check([steps], op: "linspace")
        if steps == 1 { return try full([1], fillValue: .float(start), dtype: dtype) }
        let half = steps / 2
        let denominator = Double(Swift.max(steps - 1, 1))
        if dtype == .float32 {
            let (a, b) = (Float(start), Float(end))
            let step = (b - a) / Float(denominator)
            return make([steps], Float.self) { out in
                for i in 0..<steps { out[i] = i < half ? a.addingProduct(step, Float(i)) : b.addingProduct(-step, Float(steps - i - 1)) }
            }
        }
        // Integer output: the ends are converted first, the step is taken in double.
        let (a, b) = dtype == .float64 ? (start, end) : (start.rounded(.towardZero), end.rounded(.towardZero))
        let step = (b - a) / denominator
        return generated(steps, dtype: dtype) { i in i < half ? a.addingProduct(step, Double(i)) : b.addingProduct(-step, Double(steps - i - 1)) }
    }

    /// The `n`×`m` identity matrix (ones on the main diagonal); `m` defaults to `n`.
    public static func eye(_ n: Int, _ m: Int? = nil, dtype: DType = .float32) throws -> Tensor {
        let m = m ?? n
        guard n >= 0 else { throw TensorError(.value, "eye: n must be non-negative, got \(n)", argument: "n") }
        guard m >= 0 else { throw TensorError(.value, "eye: m must be non-negative, got \(m)", argument: "m") }
        let out = try zeros([n, m], dtype: dtype)
        let diagonal = out.restrided(shape: [Swift.min(n, m)], strides: [m + 1], offset: 0)
        diagonal.overwrite(with: filled(diagonal.shape, with: 1, dtype: dtype))
        return out
    }

    /// A 1-D tensor of `n` values `value(i)`, converted to `dtype`.
    private static func generated(_ n: Int, dtype: DType, _ value: (Int) -> Double) -> Tensor {
        switch dtype {
        case .float32: make([n], Float.self) { out in for i in 0..<n { out[i] = Float(value(i)) } }
        case .float64: make([n], Double.self) { out in for i in 0..<n { out[i] = value(i) } }
        case .int64: make([n], Int64.self) { out in for i in 0..<n { out[i] = Int64(fromDouble: value(i)) } }
        case .bool: make([n], Bool.self) { out in for i in 0..<n { out[i] = value(i) != 0 } }
        }
    }

    /// Rejects negative sizes and element counts that overflow.
    static func checkSize(_ shape: [Int], op: String) throws {
        if let bad = shape.first(where: { $0 < 0 }) {
            throw TensorError(.value, "\(op): sizes must be non-negative, got \(bad) in \(shape)", argument: "size")
        }
        var total = 1
        for s in shape {
            let (p, overflow) = total.multipliedReportingOverflow(by: s)
            guard !overflow else { throw TensorError(.value, "\(op): size \(shape) has too many elements", argument: "size") }
            total = p
        }
        try ElementLimit.check(shape, op: op)
    }
}

extension Ops {
    static let creation: [OpSpec] = [
        OpSpec("zeros", "a tensor of the given size filled with 0",
               params: [Param("size", .intList), Param("dtype", .dtype, default: .string("float32"))],
               examples: [.init(.ints([2, 3]), [:]), .init(.ints([]), ["dtype": .string("int64")])]) { c in
            [try Tensor.zeros(c.ints("size"), dtype: c.dtype("dtype") ?? .float32)]
        },
        OpSpec("ones", "a tensor of the given size filled with 1",
               params: [Param("size", .intList), Param("dtype", .dtype, default: .string("float32"))],
               examples: [.init(.ints([2, 3]), [:]), .init(.ints([3]), ["dtype": .string("bool")])]) { c in
            [try Tensor.ones(c.ints("size"), dtype: c.dtype("dtype") ?? .float32)]
        },
        OpSpec("full", "a tensor of the given size filled with fill_value; dtype inferred from it by default",
               params: [Param("size", .intList), Param("fill_value", .number), Param("dtype", .optional(.dtype), default: .null)],
               examples: [.init(.ints([2, 2]), .int(7), [:]), .init(.ints([3]), .number(0.5), [:])]) { c in
            [try Tensor.full(c.ints("size"), fillValue: c.scalar("fill_value"), dtype: c.dtype("dtype"))]
        },
        OpSpec("arange", "start, start+step, … up to end (excluded); arange(end) counts from 0",
               params: [Param("start", .optional(.number), default: .null), Param("end", .optional(.number), default: .null),
                        Param("step", .number, default: .int(1)), Param("dtype", .optional(.dtype), default: .null)],
               examples: [.init(.int(5), [:]), .init(.number(0), .number(1), .number(0.25), [:])]) { c in
            // arange(end) binds its one number to `start`, as Python's signature does.
            switch (c.optionalOperand("start"), c.optionalOperand("end")) {
            case (.scalar(let start)?, .scalar(let end)?):
                return [try Tensor.arange(start: start, end: end, step: c.scalar("step"), dtype: c.dtype("dtype"))]
            case (.scalar(let end)?, nil), (nil, .scalar(let end)?):
                return [try Tensor.arange(end: end, step: c.scalar("step"), dtype: c.dtype("dtype"))]
            default:
                throw TensorError(.value, "arange needs an end (arange(end) or arange(start, end, step))", argument: "end")
            }
        },
        OpSpec("linspace", "steps evenly spaced values from start to end, both included",
               params: [Param("start", .number), Param("end", .number), Param("steps", .int),
                        Param("dtype", .dtype, default: .string("float32"))],
               examples: [.init(.int(0), .int(1), .int(5), [:])]) { c in
            [try Tensor.linspace(start: c.double("start"), end: c.double("end"), steps: c.int("steps"), dtype: c.dtype("dtype") ?? .float32)]
        },
        OpSpec("eye", "the n×m identity matrix (m defaults to n)",
               params: [Param("n", .int), Param("m", .optional(.int), default: .null), Param("dtype", .dtype, default: .string("float32"))],
               examples: [.init(.int(3), [:]), .init(.int(2), .int(3), [:])]) { c in
            [try Tensor.eye(c.int("n"), c.optionalInt("m"), dtype: c.dtype("dtype") ?? .float32)]
        },
    ]
}
