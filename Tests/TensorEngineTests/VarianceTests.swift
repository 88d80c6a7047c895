import Testing
@testable import TensorEngine

private typealias C = ReductionCheck

/// var and std (semantics §5, gradients §10).
struct VarianceTests {
    let x = f32([1, 2, 3, 4])

    @Test func values() throws {
        C.close(try x.variance(), [1.6666666666666667], shape: [])
        C.close(try x.std(), [1.2909944487358056])
        C.close(try x.variance(correction: 0), [1.25])
        C.close(try x.variance(correction: 1.5), [2])
        let m = f32([1, 2, 3, 4, 5, 6], [2, 3])
        C.close(try m.variance(dims: [1]), [1, 1], shape: [2])
        C.close(try m.variance(dims: [0], keepdim: true), [4.5, 4.5, 4.5], shape: [1, 3])
        C.close(try m.std(dims: [0, 1]), [1.8708286933869707])
        C.close(try m.transposed(0, 1).variance(dims: [0]), [1, 1])
        C.close(try f32([1, 3], [2, 1]).expanded([2, 4]).variance(dims: [0]), [2, 2, 2, 2])
        #expect(try Tensor([1, 2] as [Double]).std().dtype == .float64)
    }

    @Test func float32AccumulatesInFloat64() throws {
        C.close(try f32([10001, 10002, 10003, 10004]).variance(), [1.6666666666666667], tol: 1e-6)
    }

    @Test func divisorAtOrBelowZero() throws {
        C.close(try f32([5]).variance(), [.nan])
        C.close(try f32([5]).variance(correction: 0), [0])
        C.close(try f32([5, 7]).variance(correction: 2), [.infinity])
        C.close(try Tensor(scalar: Float(2)).std(), [.nan], shape: [])
        C.close(try Tensor(scalar: Float(2)).std(dims: [0]), [.nan], shape: [])
        C.close(try f32([]).variance(), [.nan])
        C.close(try f32([]).std(correction: 0), [.nan])
        C.close(try f32([1, 2, 3], [3, 1]).variance(dims: [1]), [.nan, .nan, .nan])
        C.close(try f32([1, .nan]).std(), [.nan])
        #expect(try Tensor([Float](), shape: [0, 2]).variance(dims: [1]).shape == [0])
    }

    @Test func errors() {
        C.fails(.dtype) { try i64([1, 2]).variance() }
        C.fails(.dtype) { try Tensor([true, false]).std() }
        C.fails(.dim) { try x.std(dims: [1]) }
        C.fails(.dim) { try f32([1, 2], [1, 2]).variance(dims: [1, -1]) }
        C.fails(.value) { try Ops.call("var", positional: [.tensor(x)], keywords: ["unbiased": .bool(true), "correction": .int(0)]) }
    }

    @Test func catalogueLegacyUnbiased() throws {
        #expect(try Ops.call("var", positional: [.tensor(x)], keywords: ["unbiased": .bool(false)])[0].item() == 1.25)
        #expect(try Ops.call("var", positional: [.tensor(x), .null, .bool(true)])[0].item() == 1.6666666269302368)
        #expect(try Ops.call("var", positional: [.tensor(x)], keywords: ["correction": .int(0)])[0].item() == 1.25)
        C.close(try Ops.call("std", positional: [.tensor(x.reshaped([2, 2])), .int(1), .bool(false), .bool(true)])[0], [0.5, 0.5], shape: [2, 1])
    }

    @Test func gradients() throws {
        C.close(try C.grad(x) { try $0.variance() }, [-1, -1.0 / 3, 1.0 / 3, 1])
        C.close(try C.grad(x) { try $0.variance(correction: 0) }, [-0.75, -0.25, 0.25, 0.75])
        C.close(try C.grad(x) { try $0.std() }, [-0.3872983346207417, -0.12909944487358056, 0.12909944487358056, 0.3872983346207417])
        C.close(try C.grad(f32([2, 2, 2])) { try $0.std() }, [0, 0, 0])
        C.close(try C.grad(f32([1, 2, 3, 4], [2, 2])) { try $0.transposed(0, 1).variance(dims: [1]) }, [-2, -2, 2, 2], shape: [2, 2])
    }
}
