import Foundation
import TensorEngine

/// Examples for supervised training: a float32 feature matrix `(n, features)` and one target
/// row per example — int64 class indices `(n)` for classification, or float32 values
/// `(n, outputs)` for regression.
///
/// ```swift
/// let data = try Dataset(features: x, targets: labels)
/// let (train, val) = try data.split(validationFraction: 0.2, seed: 7)
/// ```
public struct Dataset: Sendable {
    public let features: Tensor
    public let targets: Tensor

    public init(features: Tensor, targets: Tensor) throws {
        guard features.ndim == 2 else {
            throw TensorError(.shape, "features must be a matrix (examples, features), got shape \(features.shape)", argument: "features")
        }
        guard targets.ndim >= 1, targets.shape[0] == features.shape[0] else {
            throw TensorError(.shape, "targets must have one row per example (\(features.shape[0])), got shape \(targets.shape)", argument: "targets")
        }
        guard targets.dtype != .bool else {
            throw TensorError(.dtype, "targets must be int64 class indices or floating values, got bool", argument: "targets")
        }
        self.features = try Self.owned(features.cast(to: .float32).detached())
        self.targets = try Self.owned(targets.dtype == .int64 ? targets.detached() : targets.cast(to: .float32).detached())
    }

    /// Parses numeric CSV (no header) whose last column is the target: an integer class
    /// label when `classLabels`, else a float value. Blank lines are skipped.
    ///
    /// ```swift
    /// let digits = try Dataset(csv: String(contentsOf: url, encoding: .utf8))   // 64 pixels, label
    /// ```
    public init(csv: String, classLabels: Bool = true) throws {
        var values: [Float] = [], labels: [Int64] = [], targets: [Float] = []
        var width: Int?
        for (number, line) in csv.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            if fields.count == 1 && fields[0].allSatisfy(\.isWhitespace) { continue }
            guard fields.count >= 2, width == nil || fields.count == width else {
                throw TensorError(.value, "CSV line \(number + 1) has \(fields.count) fields, expected \(width ?? 2) or more", argument: "csv")
            }
            width = fields.count
            for f in fields.dropLast() {
                guard let v = Float(f.trimmingCharacters(in: .whitespaces)) else {
                    throw TensorError(.value, "CSV line \(number + 1): '\(f)' is not a number", argument: "csv")
                }
                values.append(v)
            }
            let last = fields[fields.count - 1].trimmingCharacters(in: .whitespaces)
            if classLabels {
                guard let label = Int64(last), label >= 0 else {
                    throw TensorError(.value, "CSV line \(number + 1): class label '\(last)' is not a non-negative integer", argument: "csv")
                }
                labels.append(label)
            } else {
                guard let v = Float(last) else { throw TensorError(.value, "CSV line \(number + 1): '\(last)' is not a number", argument: "csv") }
                targets.append(v)
            }
        }
        let n = classLabels ? labels.count : targets.count
        try self.init(features: Tensor(values, shape: [n, (width ?? 1) - 1]),
                      targets: classLabels ? Tensor(labels) : Tensor(targets))
    }

    public var count: Int { features.shape[0] }
    public var featureCount: Int { features.shape[1] }

    /// The examples at `indices`, in that order (rows copied into fresh tensors).
    public func rows(_ indices: ArraySlice<Int>) -> Dataset {
        Dataset(checked: Self.gather(features, indices), Self.gather(targets, indices))
    }

    /// Splits off the last `validationFraction` of a seeded permutation as validation data
    /// (rounded down; 0 gives an empty validation set).
    public func split(validationFraction: Double, seed: UInt64) throws -> (train: Dataset, validation: Dataset) {
        guard validationFraction >= 0 && validationFraction < 1 else {
            throw TensorError(.value, "validation fraction must be in [0, 1), got \(validationFraction)", argument: "validation_split")
        }
        var order = Array(0..<count)
        var rng = RandomGenerator(seed: seed)
        rng.shuffle(&order)
        let nVal = Int(Double(count) * validationFraction)
        return (rows(order[..<(count - nVal)]), rows(order[(count - nVal)...]))
    }

    private init(checked features: Tensor, _ targets: Tensor) {
        self.features = features
        self.targets = targets
    }

    /// A contiguous tensor at offset 0, so rows can be read with one pointer.
    private static func owned(_ t: Tensor) -> Tensor {
        t.isContiguous && t.offset == 0 ? t : gather(t, ArraySlice(0..<(t.shape.first ?? 0)))
    }

    /// Rows of a contiguous tensor, copied row by row.
    static func gather(_ t: Tensor, _ indices: ArraySlice<Int>) -> Tensor {
        let rowSize = t.shape.dropFirst().reduce(1, *)
        let shape = [indices.count] + t.shape.dropFirst()
        func go<T: Element>(_: T.Type) -> Tensor {
            t.withContiguousBuffer(as: T.self) { src in
                Tensor.make(shape, T.self) { dst in
                    guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                    for (k, i) in indices.enumerated() { (d + k * rowSize).update(from: s + i * rowSize, count: rowSize) }
                }
            }
        }
        switch t.dtype {
        case .int64: return go(Int64.self)
        case .float64: return go(Double.self)
        case .bool: return go(Bool.self)
        case .float32: return go(Float.self)
        }
    }
}

/// The batches of one epoch: consecutive slices of an order (shuffled by the caller's
/// seeded generator), the last one possibly short, as PyTorch's `DataLoader` with
/// `drop_last=False`.
public struct Batches: Sequence, Sendable {
    public let order: [Int]
    public let size: Int

    /// A seeded shuffle of `0..<count` (advancing `rng`), or the identity if not shuffling.
    public init(count: Int, size: Int, shuffle: Bool, rng: inout RandomGenerator) throws {
        guard size >= 1 else { throw TensorError(.value, "batch size must be ≥ 1, got \(size)", argument: "batch_size") }
        var order = Array(0..<count)
        if shuffle { rng.shuffle(&order) }
        self.order = order
        self.size = size
    }

    public init(order: [Int], size: Int) {
        self.order = order
        self.size = Swift.max(size, 1)
    }

    /// ⌈examples / size⌉, written so that no batch size can overflow it.
    public var count: Int { order.count / size + (order.count % size == 0 ? 0 : 1) }

    /// The example indices of batch `k` (`k < count`, so `k × size` is within the examples).
    public subscript(k: Int) -> ArraySlice<Int> {
        let start = k * size
        return order[start..<(start + Swift.min(size, order.count - start))]
    }

    public func makeIterator() -> AnyIterator<ArraySlice<Int>> {
        var k = 0
        return AnyIterator {
            guard k < count else { return nil }
            defer { k += 1 }
            return self[k]
        }
    }
}
