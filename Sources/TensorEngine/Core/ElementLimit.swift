import Foundation

/// A per-thread cap on the elements of any tensor an op creates, so a server can refuse
/// `zeros([100000, 100000])` or a broadcast that explodes *before* allocating. The ops
/// whose result size comes from user input (creation, broadcasting, expand, repeat,
/// cat/stack, matmul) check it; the default is no limit.
public enum ElementLimit {
    /// The limit, or 0 for none.
    @usableFromInline static let word = ThreadWord()

    /// The limit on the current thread (Int.max when none is set).
    public static var current: Int {
        let limit = word.value
        return limit == 0 ? .max : limit
    }

    /// Runs `body` with results limited to `limit` elements on this thread.
    @inlinable
    public static func with<R>(_ limit: Int, _ body: () throws -> R) rethrows -> R {
        try word.with(max(limit, 1), body)
    }

    /// Throws a `.limit` error if a result of `shape` would exceed the limit (or overflow).
    public static func check(_ shape: [Int], op: String) throws {
        let limit = current
        guard let total = Shapes.product(shape), total <= limit else {
            throw TensorError(.limit, "\(op): a result of shape \(shape) would exceed the limit of \(limit) elements")
        }
    }

    /// Throws a `.limit` error, naming `argument`, if an op would return `count` tensors: a list
    /// of pieces counts one element per piece (each costs at least that to build and send), so
    /// `tensor_split(x, 2**62)` is refused before the list is made.
    public static func check(pieces count: Int, op: String, argument: String) throws {
        let limit = current
        guard count <= limit else {
            throw TensorError(.limit, "\(op): \(count) pieces would exceed the limit of \(limit) elements", argument: argument)
        }
    }
}
