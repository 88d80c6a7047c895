import Testing
@testable import TensorEngine

struct ComparisonTests {
    let a = f32([1, 2, 3])
    let b = f32([2, 2, 2])

    @Test func everyOperator() throws {
        expectValues(try a.eq(.tensor(b)), [0, 1, 0], dtype: .bool)
        expectValues(try a.ne(.tensor(b)), [1, 0, 1], dtype: .bool)
        expectValues(try a.gt(.tensor(b)), [0, 0, 1], dtype: .bool)
        expectValues(try a.ge(.tensor(b)), [0, 1, 1], dtype: .bool)
        expectValues(try a.lt(.tensor(b)), [1, 0, 0], dtype: .bool)
        expectValues(try a.le(.tensor(b)), [1, 1, 0], dtype: .bool)
        expectValues(try a .== b, [0, 1, 0])
        expectValues(try a .!= b, [1, 0, 1])
        expectValues(try a .> Scalar.int(1), [0, 1, 1])
        expectValues(try a .>= Scalar.int(2), [0, 1, 1])
        expectValues(try a .< Scalar.float(2.5), [1, 1, 0])
        expectValues(try a .<= b, [1, 1, 0])
    }

    @Test func nanComparesFalseExceptNe() throws {
        let x = f32([.nan, .nan, 1]), y = f32([.nan, 1, .nan])
        expectValues(try x.eq(.tensor(y)), [0, 0, 0])
        expectValues(try x.ne(.tensor(y)), [1, 1, 1])
        for op in ["gt", "ge", "lt", "le"] {
            expectValues(try Ops.call(op, positional: [.tensor(x), .tensor(y)])[0], [0, 0, 0])
        }
        let inf = f32([.infinity, -.infinity])
        expectValues(try inf.gt(.scalar(.float(1e38))), [1, 0])
        expectValues(try inf.eq(.tensor(f32([.infinity, -.infinity]))), [1, 1])
    }

    @Test func promotionBeforeComparing() throws {
        // int64 against float32 compares as float.
        expectValues(try i64([1, 2]).eq(.tensor(f32([1.0, .nan]))), [1, 0])
        expectValues(try i64([1, 2]).gt(.scalar(1.5)), [0, 1])
        expectValues(try i64([1, 2]).eq(.scalar(true)), [1, 0])
        expectValues(try bools([true, false]).gt(.tensor(bools([false, false]))), [1, 0])
        expectValues(try bools([true, false]).lt(.scalar(1)), [0, 1])
        // A 0-d float32 against float64 is widened first: float32(0.1) ≠ 0.1 (PyTorch agrees).
        expectValues(try f64([0.1]).eq(.tensor(Tensor(scalar: Float(0.1)))), [0])
        expectValues(try f64([0.5]).eq(.tensor(Tensor(scalar: Float(0.5)))), [1])
        // Large int64 values stay exact when compared as int64.
        expectValues(try i64([Int64.max]).gt(.tensor(i64([Int64.max - 1]))), [1])
    }

    @Test func broadcastingAndLayouts() throws {
        expectValues(try f32([1, 2], [2, 1]).lt(.tensor(f32([0, 1.5, 3]))), [0, 1, 1, 0, 0, 1], shape: [2, 3], dtype: .bool)
        let m = try f32([1, 2, 3, 4], [2, 2]).transposed(0, 1)   // [[1, 3], [2, 4]]
        expectValues(try m.ge(.scalar(3)), [0, 1, 0, 1], shape: [2, 2])
        expectValues(try f32([2]).expanded([3]).eq(.tensor(a)), [0, 1, 0])
        expectValues(try Tensor(scalar: Float(1)).eq(.scalar(1)), [1], shape: [])
        expectValues(try Tensor.zeros([0, 3]).eq(.tensor(a)), [], shape: [0, 3])
        expectError(.shape) { try f32([1, 2]).eq(.tensor(a)) }
        expectError(.shape) { try Ops.call("le", positional: [.tensor(f32([1, 2])), .tensor(a)]) }
    }

    @Test func resultsCarryNoGradient() throws {
        let x = f32([1, 2]).requiringGrad()
        #expect(try x.gt(.scalar(1)).node == nil)
        #expect(Ops.spec("eq")?.isDifferentiable == false)
    }
}
