import Testing
@testable import TensorEngine

struct RoundingTests {
    let x = f32([-1.5, -0.5, 0.5, 1.5, .infinity, .nan, -0.0, 2])

    @Test func floorCeilTrunc() throws {
        expectValues(try x.floor(), [-2, -1, 0, 1, .infinity, .nan, -0.0, 2], shape: [8], dtype: .float32, signed: true)
        expectValues(try x.ceil(), [-1, -0.0, 1, 2, .infinity, .nan, -0.0, 2], shape: [8], signed: true)
        expectValues(try x.trunc(), [-1, -0.0, 0, 1, .infinity, .nan, -0.0, 2], shape: [8], signed: true)
        expectValues(try f64([2.7]).floor(), [2], dtype: .float64)
        expectValues(try f32([1.2, 3.7, -1.2, -3.7], [2, 2]).transposed(0, 1).floor(), [1, -2, 3, -4], shape: [2, 2])
        expectValues(try Tensor(scalar: Float(-0.2)).ceil(), [-0.0], shape: [], signed: true)
        expectValues(try f32([]).trunc(), [])
    }

    @Test func integerInputIsUnchanged() throws {
        for t in [try i64([-3, 4]).floor(), try i64([-3, 4]).ceil(), try i64([-3, 4]).trunc(),
                  try i64([-3, 4]).rounded(), try i64([-3, 4]).rounded(decimals: -1)] {
            expectValues(t, [-3, 4], dtype: .int64)
        }
        expectError(.dtype) { try bools([true]).floor() }
        expectError(.dtype) { try bools([true]).rounded() }
    }

    @Test func roundTiesToEven() throws {
        expectValues(try f32([0.5, 1.5, 2.5, -0.5, -2.5, 2.6, .infinity, .nan]).rounded(),
                     [0, 2, 2, -0.0, -2, 3, .infinity, .nan], signed: true)
        // PyTorch: round(1.2345, decimals=2) in float32 is 1.2300000190734863.
        expectValues(try f32([1.2345, 2.5, 0.125]).rounded(decimals: 2), [1.2300000190734863, 2.5, 0.12], tol: 1e-7)
        expectValues(try f32([1234.5678, 250, 350]).rounded(decimals: -2), [1200, 200, 400])
        // Scaled in binary as PyTorch does: 0.35·10 rounds to 3.5, then ties to even gives 0.4.
        expectValues(try f64([0.25, 0.35]).rounded(decimals: 1), [0.2, 0.4], dtype: .float64, tol: 1e-12)
        expectValues(try Ops.call("round", positional: [.tensor(f32([1.25]))], keywords: ["decimals": .int(1)])[0], [1.2])
    }

    @Test func frac() throws {
        expectValues(try f32([-2.5, 3.0, .infinity, -.infinity, -0.0, 1.75]).frac(), [-0.5, 0, .nan, .nan, 0, 0.75], dtype: .float32)
        expectValues(try f64([-2.25]).frac(), [-0.25], dtype: .float64)
        expectError(.dtype) { try i64([1]).frac() }
        expectError(.dtype) { try bools([true]).frac() }
    }

    @Test func roundingGradientsAreZeroAndFracsAreOne() throws {
        let x = f64([-1.5, 0, 0.3, 2])
        expectValues(try gradient(at: x) { try $0.floor() }, [0, 0, 0, 0])
        expectValues(try gradient(at: x) { try $0.ceil() }, [0, 0, 0, 0])
        expectValues(try gradient(at: x) { try $0.trunc() }, [0, 0, 0, 0])
        expectValues(try gradient(at: x) { try $0.rounded(decimals: 1) }, [0, 0, 0, 0])
        expectValues(try gradient(at: x) { try $0.frac() }, [1, 1, 1, 1])
    }
}

struct ClampTests {
    @Test func scalarBounds() throws {
        let x = f32([-2, 0.5, 3, .nan])
        expectValues(try x.clamped(min: .scalar(0), max: .scalar(1)), [0, 0.5, 1, .nan], dtype: .float32)
        expectValues(try x.clamped(min: .scalar(0)), [0, 0.5, 3, .nan])
        expectValues(try x.clamped(max: .scalar(1)), [-2, 0.5, 1, .nan])
        // min > max: everything becomes max.
        expectValues(try f32([1, 5, 9]).clamped(min: .scalar(7), max: .scalar(2)), [2, 2, 2])
        // A NaN bound gives NaN, as in PyTorch.
        expectValues(try f32([1, 2]).clamped(min: .scalar(.float(.nan))), [.nan, .nan])
        expectValues(try Tensor(scalar: Float(5)).clamped(max: .scalar(1)), [1], shape: [])
        expectValues(try f32([]).clamped(min: .scalar(0)), [])
    }

    @Test func dtypes() throws {
        expectValues(try i64([1, 5, 9]).clamped(min: .scalar(2), max: .scalar(7)), [2, 5, 7], dtype: .int64)
        expectValues(try i64([1, 5, 9]).clamped(min: .scalar(2.5)), [2.5, 5, 9], dtype: .float32)
        expectValues(try f64([1, 5]).clamped(max: .scalar(2)), [1, 2], dtype: .float64)
        expectValues(try i64([1, 5]).clamped(max: .tensor(Tensor(scalar: 2.0))), [1, 2], dtype: .float64)
        expectError(.dtype) { try bools([true, false]).clamped(min: .scalar(false)) }
    }

    @Test func tensorBoundsBroadcast() throws {
        let x = f32([0, 5], [2, 1])
        let lo = f32([1, 2, 3]), hi = f32([4, 6], [2, 1])
        expectValues(try x.clamped(min: .tensor(lo), max: .tensor(hi)), [1, 2, 3, 5, 5, 5], shape: [2, 3])
        let t = try f32([1, 2, 3, 4], [2, 2]).transposed(0, 1)   // [[1, 3], [2, 4]]
        expectValues(try t.clamped(min: .tensor(f32([2, 2])), max: .scalar(3)), [2, 3, 2, 3], shape: [2, 2])
        expectValues(try f32([1, 2, 3]).clamped(min: .tensor(f32([.nan, 0, 0]))), [.nan, 2, 3])
        expectError(.shape) { try f32([1, 2, 3]).clamped(min: .tensor(f32([1, 2]))) }
    }

    @Test func needsABound() {
        expectError(.value) { try f32([1]).clamped() }
        expectError(.value) { try Ops.call("clamp", positional: [.tensor(f32([1]))]) }
    }

    @Test func gradientIsInclusiveAtTheBounds() throws {
        expectValues(try gradient(at: f64([-1, 0, 0.5, 1, 2])) { try $0.clamped(min: .scalar(0), max: .scalar(1)) }, [0, 1, 1, 1, 0])
        expectValues(try gradient(at: f64([-1, 0, 2])) { try $0.clamped(min: .scalar(0)) }, [0, 1, 1])
        expectValues(try gradient(at: f64([-1, 1, 2])) { try $0.clamped(max: .scalar(1)) }, [1, 1, 0])
        // min > max: the result is max, so x gets nothing.
        expectValues(try gradient(at: f64([0, 5])) { try $0.clamped(min: .scalar(3), max: .scalar(1)) }, [0, 0])
    }

    @Test func tensorBoundsReceiveTheGradientWhereTheyWin() throws {
        let x = f64([-1, 0.5, 2, 0])
        let lo = f64([0, 0, 0, 0]).requiringGrad(), hi = f64([1, 1, 1, 1]).requiringGrad()
        let g = try Autograd.gradients(of: x.clamped(min: .tensor(lo), max: .tensor(hi)).sum(), wrt: [lo, hi])
        // At x == min the input wins (inclusive), so min gets 0 there.
        expectValues(g[0], [1, 0, 0, 0])
        expectValues(g[1], [0, 0, 1, 0])
        // Broadcast bounds sum their gradient back to their shape.
        let lo1 = f64([1]).requiringGrad()
        expectValues(try Autograd.gradients(of: f64([0, 0, 2]).clamped(min: .tensor(lo1)).sum(), wrt: [lo1])[0], [2])
        // min > max: max wins everywhere.
        let lo2 = f64([3]).requiringGrad(), hi2 = f64([1]).requiringGrad()
        let g2 = try Autograd.gradients(of: f64([0, 5]).clamped(min: .tensor(lo2), max: .tensor(hi2)).sum(), wrt: [lo2, hi2])
        expectValues(g2[0], [0])
        expectValues(g2[1], [2])
    }
}
