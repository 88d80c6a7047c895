import Testing
@testable import TensorEngine

/// Creation from another tensor and the split/move/grid shape ops, against values worked
/// out by hand from PyTorch's documented behaviour (each noted with the torch call).
struct LikeAndSplitTests {
    let x = Tensor((0..<12).map { Float($0) }, shape: [3, 4])

    func call(_ op: String, _ positional: [Value], _ keywords: [String: Value] = [:]) throws -> [Tensor] {
        try Ops.call(op, positional: positional, keywords: keywords)
    }

    @Test func likes() throws {
        let z = try call("zeros_like", [.tensor(x)])[0]
        #expect(z.shape == [3, 4] && z.dtype == .float32 && z.doubles().allSatisfy { $0 == 0 })
        #expect(try call("ones_like", [.tensor(x)], ["dtype": .string("int64")])[0].scalars(as: Int64.self) == [Int64](repeating: 1, count: 12))
        // torch.full_like(int_tensor, 2.7) keeps int64 and truncates: 2.
        #expect(try call("full_like", [.tensor(Tensor([1, 2] as [Int64])), .float(2.7)])[0].scalars(as: Int64.self) == [2, 2])
        let e = try call("empty", [.intList([2, 0, 3])])[0]
        #expect(e.shape == [2, 0, 3] && e.dtype == .float32)
        #expect(try call("empty", [.intList([2])], ["dtype": .string("float64")])[0].doubles() == [0, 0])
        expectError(.value) { try self.call("empty", [.intList([-1])]) }
        let t = try call("type_as", [.tensor(x), .tensor(Tensor([0] as [Int64]))])[0]
        #expect(t.dtype == .int64 && t.scalars(as: Int64.self)[11] == 11)
    }

    @Test func tensorSplit() throws {
        // torch.tensor_split(torch.arange(7), 3) → [0,1,2], [3,4], [5,6]
        let seven = Tensor((0..<7).map { Float($0) })
        #expect(try call("tensor_split", [.tensor(seven), .int(3)]).map { $0.doubles() } == [[0, 1, 2], [3, 4], [5, 6]])
        // tensor_split(arange(7), [1, 5, 9]) → [0], [1..4], [5, 6], [] ; reversed cuts give empty pieces
        #expect(try call("tensor_split", [.tensor(seven), .intList([1, 5, 9])]).map { $0.doubles() } == [[0], [1, 2, 3, 4], [5, 6], []])
        #expect(try call("tensor_split", [.tensor(seven), .intList([4, 2])]).map(\.count) == [4, 0, 5])
        #expect(try call("tensor_split", [.tensor(seven), .intList([-2])]).map(\.count) == [5, 2])
        let cols = try call("tensor_split", [.tensor(x), .int(3)], ["dim": .int(1)])
        #expect(cols.map(\.shape) == [[3, 2], [3, 1], [3, 1]] && cols[1].doubles() == [2, 6, 10])
        expectError(.value) { try self.call("tensor_split", [.tensor(seven), .int(0)]) }
        expectError(.dim) { try self.call("tensor_split", [.tensor(seven), .int(2)], ["dim": .int(1)]) }
        // More sections than elements gives empty pieces (as PyTorch), up to the element limit.
        #expect(try call("tensor_split", [.tensor(seven), .int(9)]).map(\.count) == [1, 1, 1, 1, 1, 1, 1, 0, 0])
        ElementLimit.with(100) {
            expectError(.limit) { try self.call("tensor_split", [.tensor(seven), .int(101)]) }
            expectError(.limit) { try self.call("tensor_split", [.tensor(seven), .int(Int.max)]) }
            expectError(.limit) { try self.call("chunk", [.tensor(Tensor([] as [Float])), .int(1 << 62)]) }
        }
    }

    @Test func movedimAndAs() throws {
        let t = Tensor((0..<24).map { Float($0) }, shape: [2, 3, 4])
        #expect(try call("movedim", [.tensor(t), .int(0), .int(-1)])[0].shape == [3, 4, 2])
        let m = try call("movedim", [.tensor(t), .intList([0, 1]), .intList([2, 0])])[0]
        #expect(m.shape == [3, 4, 2])   // torch.movedim(t, (0, 1), (2, 0)).shape
        #expect(m.contiguous().doubles()[0..<4] == [0, 12, 1, 13])
        expectError(.value) { try self.call("movedim", [.tensor(t), .intList([0, 1]), .intList([1])]) }
        expectError(.dim) { try self.call("movedim", [.tensor(t), .intList([0, 0]), .intList([1, 2])]) }
        // torch.movedim(torch.tensor(1.), 0, -1) → tensor(1.): a scalar's dims wrap to 0.
        #expect(try call("movedim", [.tensor(Tensor(scalar: Float(1))), .int(0), .int(-1)])[0].doubles() == [1])
        expectError(.dim) { try self.call("movedim", [.tensor(Tensor(scalar: Float(1))), .int(0), .int(1)]) }
        #expect(try call("expand_as", [.tensor(Tensor([1, 2, 3] as [Float], shape: [3, 1])), .tensor(x)])[0].contiguous().doubles()[4...7] == [2, 2, 2, 2])
        #expect(try call("view_as", [.tensor(x), .tensor(Tensor([Float](repeating: 0, count: 12), shape: [6, 2]))])[0].shape == [6, 2])
        #expect(try call("reshape_as", [.tensor(try x.t()), .tensor(Tensor([Float](repeating: 0, count: 12)))])[0].doubles()[0..<4] == [0, 4, 8, 1])
        expectError(.shape) { try self.call("view_as", [.tensor(try self.x.t()), .tensor(Tensor([Float](repeating: 0, count: 12)))]) }
    }

    @Test func meshgrid() throws {
        let a = Tensor([1, 2] as [Float]), b = Tensor([10, 20, 30] as [Float])
        let ij = try call("meshgrid", [.tensorList([a, b])])
        #expect(ij.map(\.shape) == [[2, 3], [2, 3]])
        #expect(ij[0].contiguous().doubles() == [1, 1, 1, 2, 2, 2] && ij[1].contiguous().doubles() == [10, 20, 30, 10, 20, 30])
        let xy = try call("meshgrid", [.tensorList([a, b])], ["indexing": .string("xy")])
        #expect(xy.map(\.shape) == [[3, 2], [3, 2]])
        #expect(xy[0].contiguous().doubles() == [1, 2, 1, 2, 1, 2] && xy[1].contiguous().doubles() == [10, 10, 20, 20, 30, 30])
        expectError(.dtype) { try self.call("meshgrid", [.tensorList([a, Tensor([1] as [Int64])])]) }
        expectError(.shape) { try self.call("meshgrid", [.tensorList([self.x])]) }
    }

    @Test func oneHot() throws {
        // F.one_hot(torch.tensor([0, 2, 1])) → 3 classes
        #expect(try call("one_hot", [.tensor(Tensor([0, 2, 1] as [Int64]))])[0].scalars(as: Int64.self) == [1, 0, 0, 0, 0, 1, 0, 1, 0])
        let two = try call("one_hot", [.tensor(Tensor([1, 0, 3, 2] as [Int64], shape: [2, 2])), .int(5)])[0]
        #expect(two.shape == [2, 2, 5] && two.scalars(as: Int64.self)[5..<10] == [1, 0, 0, 0, 0])
        expectError(.value) { try self.call("one_hot", [.tensor(Tensor([-1] as [Int64]))]) }
        expectError(.value) { try self.call("one_hot", [.tensor(Tensor([3] as [Int64])), .int(3)]) }
        expectError(.value) { try self.call("one_hot", [.tensor(Tensor([Int64]()))]) }
        // The inferred class count max + 1 cannot overflow.
        expectError(.limit) { try self.call("one_hot", [.tensor(Tensor([Int64.max] as [Int64]))]) }
        expectError(.dtype) { try self.call("one_hot", [.tensor(self.x)]) }
    }
}
