import Testing
@testable import TensorEngine

struct ElementLimitTests {
    @Test("results over the limit are refused before allocating", arguments: [
        ("zeros", [Value.intList([100_000, 100_000])], [String: Value]()),
        ("full", [.intList([1 << 40, 1 << 40]), .int(1)], [:]),
        ("arange", [.int(0), .int(1 << 40)], [:]),
        ("linspace", [.int(0), .int(1), .int(1 << 40)], [:]),
        ("eye", [.int(1 << 20)], [:]),
    ])
    func creationIsLimited(op: String, positional: [Value], keywords: [String: Value]) {
        _ = ElementLimit.with(1000) {
            #expect { try Ops.call(op, positional: positional, keywords: keywords) } throws: { ($0 as? TensorError)?.kind == .limit || ($0 as? TensorError)?.kind == .value }
        }
    }

    @Test func opsThatGrowTensorsAreLimited() throws {
        let row = Tensor.filled([1, 2000], with: 1, dtype: .float32)
        let col = Tensor.filled([2000, 1], with: 1, dtype: .float32)
        let calls: [() throws -> Void] = [{ _ = try row + col }, { _ = try row.expanded([5000, 2000]) }, { _ = try row.repeated([1000, 1]) },
                                          { _ = try col.matmul(row) }, { _ = try concatenated(Array(repeating: row, count: 600), dim: 0) }]
        for call in calls {
            _ = ElementLimit.with(1_000_000) {
                #expect { try call() } throws: { ($0 as? TensorError)?.kind == .limit }
            }
        }
        // Within the limit everything still works.
        let within = try ElementLimit.with(1_000_000) { try [(row + row).count, Tensor.zeros([1000, 1000]).count] }
        #expect(within == [2000, 1_000_000])
        #expect(try (row + col).count == 4_000_000, "no limit outside the scope")
    }
}
