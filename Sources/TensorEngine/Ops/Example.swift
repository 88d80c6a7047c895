/// A sample call of an op, used by the gradient check (in float64, on random data),
/// the op's documentation and the catalogue tests. Tensors are described, not given,
/// so one example serves every dtype and seed.
public struct Example: Sendable {
    public let positional: [ExampleArg]
    public let keywords: [String: Value]

    public init(_ positional: ExampleArg..., args keywords: [String: Value] = [:]) {
        self.positional = positional
        self.keywords = keywords
    }

    public init(_ positional: [ExampleArg], _ keywords: [String: Value]) {
        self.positional = positional
        self.keywords = keywords
    }
}

extension Example {
    public init(_ a: ExampleArg, _ keywords: [String: Value]) { self.init([a], keywords) }
    public init(_ a: ExampleArg, _ b: ExampleArg, _ keywords: [String: Value]) { self.init([a, b], keywords) }
    public init(_ a: ExampleArg, _ b: ExampleArg, _ c: ExampleArg, _ keywords: [String: Value]) { self.init([a, b, c], keywords) }
}

public enum ExampleArg: Sendable {
    /// A floating tensor drawn by `TensorRecipe`; the gradient check differentiates it.
    case tensor(TensorRecipe)
    /// A list of floating tensors (cat, stack).
    case tensors([TensorRecipe])
    /// A constant tensor the gradient check does not differentiate (class indices, masks).
    case constant(Tensor)
    case value(Value)

    public static func randn(_ shape: [Int], _ layout: TensorRecipe.Layout = .contiguous) -> ExampleArg {
        .tensor(TensorRecipe(shape: shape, distribution: .normal, layout: layout))
    }
    /// Values in (0.5, 2): away from zero, for division, log, sqrt.
    public static func positive(_ shape: [Int], _ layout: TensorRecipe.Layout = .contiguous) -> ExampleArg {
        .tensor(TensorRecipe(shape: shape, distribution: .positive, layout: layout))
    }
    /// Values in (0.05, 0.95): probabilities.
    public static func unit(_ shape: [Int], _ layout: TensorRecipe.Layout = .contiguous) -> ExampleArg {
        .tensor(TensorRecipe(shape: shape, distribution: .unit, layout: layout))
    }
    /// Distinct values at least 0.1 apart, so max/sort/kinks are differentiable.
    public static func distinct(_ shape: [Int], _ layout: TensorRecipe.Layout = .contiguous) -> ExampleArg {
        .tensor(TensorRecipe(shape: shape, distribution: .distinct, layout: layout))
    }
    public static func number(_ d: Double) -> ExampleArg { .value(.float(d)) }
    public static func int(_ i: Int) -> ExampleArg { .value(.int(i)) }
    public static func ints(_ l: [Int]) -> ExampleArg { .value(.intList(l)) }
}

public struct TensorRecipe: Sendable {
    public enum Distribution: Sendable { case normal, positive, unit, distinct }
    public enum Layout: Sendable {
        case contiguous
        /// Drawn with the last two dims swapped, then transposed back: same shape, non-contiguous.
        case transposed
        /// Drawn at `shape`, then expanded (a stride-0 view) to the given shape.
        case expanded([Int])
    }
    public let shape: [Int]
    public let distribution: Distribution
    public let layout: Layout

    public init(shape: [Int], distribution: Distribution, layout: Layout = .contiguous) {
        self.shape = shape
        self.distribution = distribution
        self.layout = layout
    }

    /// Draws the tensor (float64 unless told) from `rng`.
    public func make(_ rng: inout RandomGenerator, dtype: DType = .float64) throws -> Tensor {
        let drawShape: [Int]
        switch layout {
        case .transposed where shape.count >= 2:
            drawShape = shape.prefix(shape.count - 2) + [shape[shape.count - 1], shape[shape.count - 2]]
        default: drawShape = shape
        }
        let n = drawShape.reduce(1, *)
        var values: [Double]
        switch distribution {
        case .normal: values = (0..<n).map { _ in rng.normal() }
        case .positive: values = (0..<n).map { _ in 0.5 + 1.5 * rng.uniform() }
        case .unit: values = (0..<n).map { _ in 0.05 + 0.9 * rng.uniform() }
        case .distinct:
            values = (0..<n).map { Double($0) * 0.3 - Double(n) * 0.15 }
            rng.shuffle(&values)
        }
        var t = try Tensor(values, shape: drawShape).cast(to: dtype)
        switch layout {
        case .contiguous: break
        case .transposed where shape.count >= 2: t = try t.transposed(-1, -2)
        case .transposed: break
        case .expanded(let to): t = try t.expanded(to)
        }
        return t
    }
}
