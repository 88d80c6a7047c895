import Testing
@testable import TensorEngine

/// Integers from a request at the edges of `Int`: each of these trapped (and took the
/// server down) before sizes, offsets and counts went through checked arithmetic.
private let huge = Int.max, half = 1 << 62

struct OverflowTests {
    @Test("extreme integers are typed errors, never traps", arguments: [
        ("arange", [Value.int(huge)], [String: Value]()),
        ("arange", [.int(5), .int(huge)], [:]),
        ("arange", [.int(-huge), .int(huge), .int(1)], [:]),
        ("view", [.tensor(Tensor.filled([2, 2], with: 0, dtype: .float32)), .intList([half, 4])], [:]),
        ("view", [.tensor(Tensor.filled([2, 2], with: 0, dtype: .float32)), .intList([huge, 2])], [:]),
        ("view", [.tensor(Tensor.filled([2, 2], with: 0, dtype: .float32)), .intList([-1, half, 4])], [:]),
        ("reshape", [.tensor(Tensor.filled([2, 2], with: 0, dtype: .float32)), .intList([half, 4])], [:]),
        ("repeat", [.tensor(Tensor.filled([2, 2], with: 0, dtype: .float32)), .intList([half, 4])], [:]),
        ("repeat", [.tensor(Tensor.filled([2, 2], with: 0, dtype: .float32)), .intList([huge, 2])], [:]),
        ("narrow", [.tensor(Tensor.filled([4], with: 0, dtype: .float32)), .int(0), .int(huge), .int(1)], [:]),
        ("narrow", [.tensor(Tensor.filled([4], with: 0, dtype: .float32)), .int(0), .int(1), .int(huge)], [:]),
        ("narrow", [.tensor(Tensor.filled([4], with: 0, dtype: .float32)), .int(0), .int(-huge), .int(1)], [:]),
        ("split", [.tensor(Tensor.filled([5], with: 0, dtype: .float32)), .intList([huge, 2])], [:]),
        ("chunk", [.tensor(Tensor.filled([5], with: 0, dtype: .float32)), .int(huge)], [:]),
        ("round", [.tensor(Tensor.filled([2], with: 0, dtype: .float32))], ["decimals": .int(Int.min)]),
        ("linspace", [.bool(true), .int(1), .int(3)], [:]),
        ("clip_grad_norm", [.tensorList([Tensor.filled([2], with: 0, dtype: .float32)]), .bool(true)], [:]),
    ])
    func extremeIntegersThrow(op: String, positional: [Value], keywords: [String: Value]) {
        ElementLimit.with(1_000_000) {
            do {
                _ = try Ops.call(op, positional: positional, keywords: keywords)
                // Defined for any count: round to Int.min decimals, and chunk into more pieces than elements.
                #expect(op == "round" || op == "chunk", "\(op) accepted \(positional)")
            } catch {
                #expect(error is TensorError)
            }
        }
    }

    @Test func checkedProductsAndSums() {
        #expect(Shapes.product([half, 4]) == nil)
        #expect(Shapes.product([half, 4, 0]) == 0, "a zero size means no elements, whatever the others")
        #expect(Shapes.product([3, 4, 5]) == 60)
        #expect(Shapes.product([]) == 1)
        #expect(Shapes.sum([huge, 2]) == nil)
        #expect(Shapes.sum([2, 3]) == 5)
    }

    @Test func chunkOfAHugeCountStillSplitsEvenly() throws {
        // Ceil division without `n + chunks - 1`: more chunks than elements gives one per element.
        let pieces = try Tensor([1, 2, 3] as [Float]).chunked(Int.max)
        #expect(pieces.map(\.shape) == [[1], [1], [1]])
        #expect(try Tensor([1, 2, 3, 4, 5] as [Float]).chunked(2).map(\.shape) == [[3], [2]])
    }
}
