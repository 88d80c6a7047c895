import Testing
@testable import TensorEngine

struct ClipGradNormTests {
    @Test func catalogueReturnsClippedTensorsThenTotalNorm() throws {
        let a = Tensor([3] as [Float]), b = Tensor([4] as [Float])
        let out = try Ops.call("clip_grad_norm", positional: [.tensorList([a, b]), .float(1)])
        #expect(out.count == 3)
        let scale = Float(1) / (Float(5) + Float(1e-6))
        #expect(out[0].scalars(as: Float.self) == [3 * scale])
        #expect(out[1].scalars(as: Float.self) == [4 * scale])
        #expect(out[2].shape == [] && out[2].doubles() == [5])
        // No clipping needed: the factor is exactly 1 and the inputs are not modified.
        let same = try Ops.call("clip_grad_norm", positional: [.tensorList([a, b]), .float(10)])
        #expect(same[0].doubles() == [3] && same[1].doubles() == [4])
        let inf = try Ops.call("clip_grad_norm", positional: [.tensorList([a, b]), .float(1)], keywords: ["norm_type": .string("inf")])
        #expect(inf[2].doubles() == [4])
        #expect(a.doubles() == [3], "the op returns copies")
    }

    @Test func nonFiniteTotalIsAnErrorOnlyWhenAsked() throws {
        let a = Tensor([Float.infinity, 1])
        #expect { try Ops.call("clip_grad_norm", positional: [.tensorList([a]), .float(1)], keywords: ["error_if_nonfinite": .bool(true)]) }
            throws: { ($0 as? TensorError)?.kind == .value }
        let out = try Ops.call("clip_grad_norm", positional: [.tensorList([a]), .float(1)])
        #expect(out[1].doubles()[0].isInfinite)
        #expect { try Ops.call("clip_grad_norm", positional: [.tensorList([Tensor([1, 2] as [Int64])]), .float(1)]) }
            throws: { ($0 as? TensorError)?.kind == .dtype }
    }
}
