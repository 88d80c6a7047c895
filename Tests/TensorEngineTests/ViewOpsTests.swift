import Testing
@testable import TensorEngine

/// The view ops through their catalogue entries (semantics §6–7).
struct ViewOpsTests {
    let x = Tensor((0..<6).map { Float($0) }, shape: [2, 3])

    func call(_ op: String, _ t: Tensor, _ args: [String: Value] = [:]) throws -> Tensor {
        try Ops.call(op, positional: [.tensor(t)], keywords: args)[0]
    }

    @Test func transpose() throws {
        let y = try call("transpose", x, ["dim0": .int(0), "dim1": .int(-1)])
        #expect(y.shape == [3, 2] && vals(y) == [0, 3, 1, 4, 2, 5] && !y.isContiguous)
        #expect(try call("transpose", x, ["dim0": .int(1), "dim1": .int(1)]).isContiguous, "swapping a dim with itself")
        let s = Tensor(scalar: Float(7))
        #expect(vals(try call("transpose", s, ["dim0": .int(0), "dim1": .int(-1)])) == [7])
        #expect(try call("transpose", Tensor([1, 2] as [Float]), ["dim0": .int(0), "dim1": .int(-1)]).shape == [2])
        expectError(.dim) { try call("transpose", x, ["dim0": .int(2), "dim1": .int(0)]) }
        expectError(.dim) { try call("transpose", s, ["dim0": .int(1), "dim1": .int(0)]) }
    }

    @Test func t() throws {
        #expect(vals(try call("t", x)) == [0, 3, 1, 4, 2, 5])
        #expect(try call("t", Tensor([1, 2, 3] as [Float])).shape == [3])
        #expect(try call("t", Tensor(scalar: Float(1))).shape == [])
        expectError(.shape) { try call("t", x.reshaped([1, 2, 3])) }
    }

    @Test func permute() throws {
        let t3 = try x.reshaped([1, 2, 3])
        let y = try call("permute", t3, ["dims": .intList([2, 0, -2])])
        #expect(y.shape == [3, 1, 2] && vals(y) == [0, 3, 1, 4, 2, 5])
        expectError(.dim, "wrong length") { try call("permute", t3, ["dims": .intList([0, 1])]) }
        expectError(.dim, "duplicate") { try call("permute", t3, ["dims": .intList([0, 1, 1])]) }
        expectError(.dim, "out of range") { try call("permute", t3, ["dims": .intList([0, 1, 3])]) }
        #expect(try call("permute", Tensor(scalar: Float(1)), ["dims": .intList([])]).shape == [])
    }

    @Test func viewAndReshape() throws {
        #expect(try call("view", x, ["size": .intList([3, -1])]).shape == [3, 2])
        #expect(try call("view", Tensor([5] as [Float]), ["size": .intList([])]).shape == [], "[] gives 0-d")
        expectError(.shape, "two -1") { try call("view", x, ["size": .intList([-1, -1])]) }
        expectError(.shape, "count") { try call("view", x, ["size": .intList([4, 2])]) }
        expectError(.shape, "ambiguous empty") { try call("reshape", Tensor.filled([0, 2], with: 0, dtype: .float32), ["shape": .intList([0, -1])]) }
        let tr = try x.t()
        expectError(.shape, "view of a transpose") { try call("view", tr, ["size": .intList([6])]) }
        let r = try call("reshape", tr, ["shape": .intList([6])])
        #expect(vals(r) == [0, 3, 1, 4, 2, 5] && r.isContiguous)
        #expect(try call("reshape", Tensor.filled([0, 3], with: 0, dtype: .int64), ["shape": .intList([3, 0])]).shape == [3, 0])
        let v = try call("view", x, ["size": .intList([6])])
        #expect(v.storage === x.storage, "view shares storage")
    }

    @Test func squeeze() throws {
        let t = Tensor.filled([2, 1, 3, 1], with: 1, dtype: .float32)
        #expect(try call("squeeze", t).shape == [2, 3])
        #expect(try call("squeeze", t, ["dim": .int(-1)]).shape == [2, 1, 3])
        #expect(try call("squeeze", t, ["dim": .intList([0, 1])]).shape == [2, 3, 1], "a named dim of size ≠ 1 is left alone")
        #expect(try call("squeeze", Tensor.filled([1, 0, 1], with: 0, dtype: .float32)).shape == [0], "size-0 dims are kept")
        #expect(try call("squeeze", Tensor.filled([1, 1], with: 0, dtype: .bool)).shape == [])
        #expect(try call("squeeze", Tensor(scalar: Float(3)), ["dim": .int(0)]).shape == [])
        expectError(.dim) { try call("squeeze", t, ["dim": .int(4)]) }
    }

    @Test func unsqueeze() throws {
        #expect(try call("unsqueeze", x, ["dim": .int(-1)]).shape == [2, 3, 1])
        #expect(try call("unsqueeze", x, ["dim": .int(-3)]).shape == [1, 2, 3])
        #expect(try call("unsqueeze", x, ["dim": .int(1)]).shape == [2, 1, 3])
        #expect(try call("unsqueeze", Tensor(scalar: Float(3)), ["dim": .int(0)]).shape == [1])
        expectError(.dim) { try call("unsqueeze", x, ["dim": .int(3)]) }
        expectError(.dim) { try call("unsqueeze", x, ["dim": .int(-4)]) }
    }

    @Test func expand() throws {
        let col = Tensor([1, 2] as [Float], shape: [2, 1])
        let e = try call("expand", col, ["size": .intList([3, -1, 4])])
        #expect(e.shape == [3, 2, 4] && !e.isContiguous && vals(e).prefix(8) == [1, 1, 1, 1, 2, 2, 2, 2])
        #expect(try call("expand", col, ["size": .intList([2, 0])]).shape == [2, 0], "1 → 0")
        #expect(try call("expand", Tensor(scalar: Float(1)), ["size": .intList([2])]).shape == [2])
        expectError(.shape, "-1 in a new dim") { try call("expand", col, ["size": .intList([-1, 2, 1])]) }
        expectError(.shape, "fewer sizes") { try call("expand", col, ["size": .intList([2])]) }
        expectError(.shape, "non-1 dim") { try call("expand", col, ["size": .intList([3, 1])]) }
    }

    @Test func expandGradientSumsOverTheExpandedDims() throws {
        let col = Tensor([1, 2] as [Float], shape: [2, 1]).requiringGrad()
        let y = try col.expanded([3, 2, 4])
        let g = try Autograd.gradients(of: try y.sum(), wrt: [col])
        #expect(vals(g[0]) == [12, 12])
    }

    @Test func flatten() throws {
        let t = Tensor.filled([2, 3, 4], with: 1, dtype: .float32)
        #expect(try call("flatten", t).shape == [24])
        #expect(try call("flatten", t, ["start_dim": .int(1)]).shape == [2, 12])
        #expect(try call("flatten", t, ["start_dim": .int(-2), "end_dim": .int(-2)]).shape == [2, 3, 4])
        #expect(try call("flatten", Tensor(scalar: Float(1))).shape == [1])
        expectError(.dim, "start after end") { try call("flatten", t, ["start_dim": .int(2), "end_dim": .int(1)]) }
        expectError(.dim, "out of range") { try call("flatten", t, ["end_dim": .int(3)]) }
        #expect(vals(try call("flatten", x.t())) == [0, 3, 1, 4, 2, 5])
    }

    @Test func narrow() throws {
        let n = try Ops.call("narrow", positional: [.tensor(x), .int(1), .int(1), .int(2)])[0]
        #expect(n.shape == [2, 2] && vals(n) == [1, 2, 4, 5] && n.storage === x.storage)
        expectError(.value) { try Ops.call("narrow", positional: [.tensor(x), .int(1), .int(2), .int(2)]) }
        expectError(.dim) { try Ops.call("narrow", positional: [.tensor(x), .int(2), .int(0), .int(1)]) }
    }

    @Test func contiguity() throws {
        let tr = try x.t()
        let c = try call("contiguous", tr)
        #expect(c.isContiguous && vals(c) == vals(tr))
        let flag = try call("is_contiguous", tr)
        #expect(flag.shape == [] && flag.dtype == .bool && vals(flag) == [0])
        #expect(vals(try call("is_contiguous", x)) == [1])
        #expect(vals(try call("is_contiguous", c)) == [1])
        #expect(vals(try call("is_contiguous", try x.expanded([4, 2, 3]))) == [0])
        #expect(vals(try call("is_contiguous", try x.unsqueezed(0).expanded([1, 2, 3]))) == [1], "expand that broadcasts nothing")
        #expect(vals(try call("is_contiguous", Tensor.filled([3, 1], with: 0, dtype: .float32).t())) == [1], "moving only size-1 dims")
    }

    @Test func reshapeGradientInvertsTheMapping() throws {
        let leaf = x.requiringGrad()
        let y = try leaf.t().reshaped([6])
        let g = try Autograd.gradients(of: y, wrt: [leaf], seed: Tensor((0..<6).map { Float($0) }))
        #expect(vals(g[0]) == [0, 2, 4, 1, 3, 5])
    }
}
