import Testing
@testable import TensorEngine

struct JoiningTests {
    let x = Tensor((0..<6).map { Float($0) }, shape: [2, 3])

    // MARK: repeat

    @Test func repeatTiles() throws {
        let r = try Tensor([1, 2] as [Float]).repeated([2, 2])
        #expect(r.shape == [2, 4] && vals(r) == [1, 2, 1, 2, 1, 2, 1, 2])
        let r2 = try x.repeated([1, 2, 1])
        #expect(r2.shape == [1, 4, 3] && vals(r2) == [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5])
        #expect(vals(try x.t().repeated([1, 2])) == [0, 3, 0, 3, 1, 4, 1, 4, 2, 5, 2, 5], "non-contiguous input")
        #expect(try x.repeated([0, 2]).shape == [0, 6])
        let s = try Tensor(scalar: Float(4)).repeated([])
        #expect(s.shape == [] && vals(s) == [4])
        #expect(try Tensor(scalar: Int64(4)).repeated([3]).scalars(as: Int64.self) == [4, 4, 4])
    }

    @Test func repeatIsFresh() throws {
        let r = try x.repeated([1, 1])
        #expect(r.storage !== x.storage && r.isContiguous && vals(r) == vals(x))
    }

    @Test func repeatErrors() {
        expectError(.shape) { try x.repeated([2]) }
        expectError(.value) { try x.repeated([1, -1]) }
        expectError(.shape) { try Ops.call("repeat", positional: [.tensor(x), .intList([3])]) }
    }

    @Test func repeatGradientSumsTiles() throws {
        let leaf = Tensor([1, 2] as [Float]).requiringGrad()
        let y = try leaf.repeated([3, 2])
        let g = try Autograd.gradients(of: y, wrt: [leaf], seed: Tensor((0..<12).map { Float($0) }, shape: [3, 4]))
        #expect(vals(g[0]) == [30, 36])
    }

    // MARK: cat

    @Test func catValuesAndPromotion() throws {
        let a = Tensor([1, 2] as [Int64], shape: [1, 2]), b = Tensor([0.5, 1.5, 2.5, 3.5] as [Float], shape: [2, 2])
        let c = try concatenated([a, b])
        #expect(c.shape == [3, 2] && c.dtype == .float32 && vals(c) == [1, 2, 0.5, 1.5, 2.5, 3.5])
        let d = try concatenated([x, x.t().contiguous().t().narrow(1, start: 0, length: 2)], dim: -1)
        #expect(d.shape == [2, 5] && vals(d) == [0, 1, 2, 0, 1, 3, 4, 5, 3, 4])
        let bools = try concatenated([Tensor([true]), Tensor([false, true])])
        #expect(bools.dtype == .bool && vals(bools) == [1, 0, 1])
        let withDouble = try concatenated([x, Tensor([1, 2, 3] as [Double], shape: [1, 3])])
        #expect(withDouble.dtype == .float64)
        #expect(try concatenated([x, Tensor.filled([0, 3], with: 0, dtype: .float32)]).shape == [2, 3])
    }

    @Test func catSkipsLegacyEmptyOneDimensional() throws {
        let empty = Tensor([] as [Float])
        let c = try concatenated([empty, x, empty], dim: 1)
        #expect(c.shape == [2, 3] && vals(c) == vals(x))
        let none = try concatenated([empty, Tensor([] as [Int64])])
        #expect(none.shape == [0] && none.dtype == .float32)
    }

    @Test func catErrors() {
        expectError(.value, "empty list") { try concatenated([]) }
        expectError(.shape, "0-d") { try concatenated([Tensor(scalar: Float(1)), Tensor(scalar: Float(2))]) }
        expectError(.dim, "dim") { try concatenated([x, x], dim: 2) }
        expectError(.shape, "other sizes") { try concatenated([x, Tensor.filled([2, 2], with: 0, dtype: .float32)], dim: 0) }
        expectError(.shape, "ndim") { try concatenated([x, Tensor([1, 2, 3] as [Float])]) }
        expectError(.value, "catalogue: empty list") { try Ops.call("cat", positional: [.tensorList([])]) }
    }

    @Test func catGradientRoutesSlices() throws {
        let a = x.requiringGrad(), b = Tensor([9, 9, 9] as [Float], shape: [1, 3]).requiringGrad()
        let y = try concatenated([a, b])
        let g = try Autograd.gradients(of: y, wrt: [a, b], seed: Tensor((0..<9).map { Float($0) }, shape: [3, 3]))
        #expect(vals(g[0]) == [0, 1, 2, 3, 4, 5] && vals(g[1]) == [6, 7, 8])
    }

    // MARK: stack

    @Test func stackValues() throws {
        let a = Tensor([1, 2] as [Float]), b = Tensor([3, 4] as [Int64])
        let s0 = try stacked([a, b])
        #expect(s0.shape == [2, 2] && s0.dtype == .float32 && vals(s0) == [1, 2, 3, 4])
        let s1 = try stacked([a, a.cast(to: .float32)], dim: -1)
        #expect(s1.shape == [2, 2] && vals(s1) == [1, 1, 2, 2])
        let scalars = try stacked([Tensor(scalar: Float(1)), Tensor(scalar: Float(2))])
        #expect(scalars.shape == [2] && vals(scalars) == [1, 2])
        #expect(try stacked([x, x], dim: 2).shape == [2, 3, 2])
        #expect(try stacked([x, x], dim: -3).shape == [2, 2, 3])
        let out = try Ops.call("stack", positional: [.tensorList([x, x])], keywords: ["dim": .int(1)])[0]
        #expect(out.shape == [2, 2, 3])
    }

    @Test func stackErrors() {
        expectError(.value) { try stacked([]) }
        expectError(.shape) { try stacked([x, x.t()]) }
        expectError(.dim) { try stacked([x, x], dim: 3) }
        expectError(.dim) { try stacked([x, x], dim: -4) }
    }

    // MARK: split and chunk

    @Test func splitBySize() throws {
        let t = Tensor((0..<5).map { Float($0) })
        let pieces = try t.split(size: 2)
        #expect(pieces.map(\.shape) == [[2], [2], [1]] && vals(pieces[2]) == [4])
        #expect(pieces.allSatisfy { $0.storage === t.storage }, "views")
        #expect(try t.split(size: 7).map(\.shape) == [[5]])
        let cols = try x.split(size: 2, dim: -1)
        #expect(cols.map(\.shape) == [[2, 2], [2, 1]] && vals(cols[1]) == [2, 5])
        #expect(try Tensor([] as [Float]).split(size: 0).map(\.shape) == [[0]], "0 on an empty dim")
    }

    @Test func splitBySections() throws {
        let t = Tensor((0..<5).map { Float($0) })
        let pieces = try t.split(sizes: [1, 0, 4])
        #expect(pieces.map(\.shape) == [[1], [0], [4]] && vals(pieces[2]) == [1, 2, 3, 4])
        let out = try Ops.call("split", positional: [.tensor(t), .intList([2, 3])])
        #expect(out.count == 2 && out[1].shape == [3])
        #expect(try Ops.call("split", positional: [.tensor(t), .int(2)]).count == 3)
        #expect(Ops.spec("split")?.outputs == ["pieces*"])
    }

    @Test func splitErrors() {
        let t = Tensor((0..<5).map { Float($0) })
        expectError(.value, "sum") { try t.split(sizes: [2, 2]) }
        expectError(.value, "negative section") { try t.split(sizes: [6, -1]) }
        expectError(.value, "zero size") { try t.split(size: 0) }
        expectError(.value, "negative size") { try t.split(size: -1) }
        expectError(.shape, "0-d") { try Tensor(scalar: Float(1)).split(size: 1) }
        expectError(.dim, "dim") { try t.split(size: 1, dim: 1) }
    }

    @Test func splitGradientGivesUnusedPiecesZero() throws {
        let leaf = Tensor((0..<5).map { Float($0) }).requiringGrad()
        let pieces = try leaf.split(size: 2)
        let g = try Autograd.gradients(of: try (pieces[0] * Scalar.float(3)).sum() + pieces[2].sum(), wrt: [leaf])
        #expect(vals(g[0]) == [3, 3, 0, 0, 1])
    }

    @Test func chunk() throws {
        let t = Tensor((0..<6).map { Float($0) })
        #expect(try t.chunked(4).map(\.shape) == [[2], [2], [2]], "fewer chunks than asked")
        #expect(try t.chunked(4).count == 3)
        #expect(try Tensor((0..<5).map { Float($0) }).chunked(2).map(\.shape) == [[3], [2]])
        #expect(try t.chunked(10).count == 6)
        #expect(try Tensor([] as [Float]).chunked(3).map(\.shape) == [[0], [0], [0]])
        #expect(try x.chunked(2, dim: 1).map(\.shape) == [[2, 2], [2, 1]])
        expectError(.value) { try t.chunked(0) }
        expectError(.value) { try t.chunked(-2) }
        expectError(.shape) { try Tensor(scalar: Float(1)).chunked(1) }
        expectError(.dim) { try t.chunked(2, dim: -2) }
        #expect(try Ops.call("chunk", positional: [.tensor(t), .int(4)]).count == 3)
    }
}
