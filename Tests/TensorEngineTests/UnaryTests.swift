import Foundation
import Testing
@testable import TensorEngine

struct UnaryTests {
    @Test func absKeepsTheDtype() throws {
        expectValues(try f32([-1.5, -0.0, 2, .nan, -.infinity]).abs(), [1.5, 0, 2, .nan, .infinity], dtype: .float32, signed: true)
        expectValues(try i64([-3, 0, 4]).abs(), [3, 0, 4], dtype: .int64)
        expectValues(try f64([-2]).abs(), [2], dtype: .float64)
        expectValues(try f32([1, -2, 3, -4], [2, 2]).transposed(0, 1).abs(), [1, 3, 2, 4], shape: [2, 2])
        expectValues(try Tensor(scalar: Float(-3)).abs(), [3], shape: [])
        expectValues(try f32([]).abs(), [])
        expectError(.dtype) { try bools([true]).abs() }
    }

    @Test func absGradientIsZeroAtZero() throws {
        expectValues(try gradient(at: f64([-2, 0, 3, -0.0])) { try $0.abs() }, [-1, 0, 1, 0])
    }

    @Test func sqrtEdgeCases() throws {
        expectValues(try f32([4, -1, -0.0, .infinity, 0]).sqrt(), [2, .nan, -0.0, .infinity, 0], dtype: .float32, signed: true)
        expectValues(try i64([4, 9]).sqrt(), [2, 3], dtype: .float32)
        expectValues(try bools([true, false]).sqrt(), [1, 0], dtype: .float32)
        expectValues(try f64([2]).sqrt(), [Double(2).squareRoot()], dtype: .float64, tol: 1e-15)
    }

    @Test func sqrtGradientIsInfiniteAtZero() throws {
        expectValues(try gradient(at: f64([0, 4])) { try $0.sqrt() }, [.infinity, 0.25])
    }

    @Test func rsqrtEdgeCases() throws {
        expectValues(try f32([0, -0.0, 4, -1, .infinity]).rsqrt(), [.infinity, -.infinity, 0.5, .nan, 0], dtype: .float32)
        expectValues(try i64([4]).rsqrt(), [0.5], dtype: .float32)
        expectValues(try gradient(at: f64([4])) { try $0.rsqrt() }, [-0.5 / 8])
    }

    @Test func logEdgeCases() throws {
        expectValues(try f32([0, -1, .infinity, 1, Float(M_E)]).log(), [-.infinity, .nan, .infinity, 0, 1], dtype: .float32)
        expectValues(try i64([1]).log(), [0], dtype: .float32)
        expectValues(try bools([true]).log(), [0], dtype: .float32)
        expectValues(try gradient(at: f64([2, 0.5])) { try $0.log() }, [0.5, 2])
    }

    @Test func sinAndCos() throws {
        // PyTorch float32 values.
        expectValues(try f32([1, 2]).sin(), [0.8414709568023682, 0.9092974066734314], dtype: .float32)
        expectValues(try f32([0, Float.pi]).cos(), [1, -1], dtype: .float32)
        expectValues(try f32([.infinity, -.infinity, .nan]).sin(), [.nan, .nan, .nan])
        expectValues(try f32([.infinity, -.infinity]).cos(), [.nan, .nan])
        expectValues(try i64([0]).cos(), [1], dtype: .float32)
        expectValues(try Tensor(scalar: 0.5).sin(), [Foundation.sin(0.5)], shape: [], dtype: .float64)
        expectValues(try f32([0, 1, 2, 3], [2, 2]).transposed(0, 1).sin(), [0, Foundation.sin(2), Foundation.sin(1), Foundation.sin(3)], shape: [2, 2])
        expectValues(try gradient(at: f64([0.3])) { try $0.sin() }, [Foundation.cos(0.3)])
        expectValues(try gradient(at: f64([0.3])) { try $0.cos() }, [-Foundation.sin(0.3)])
    }

    @Test func emptyAndExpandedInputs() throws {
        expectValues(try Tensor.zeros([0, 2]).sqrt(), [], shape: [0, 2])
        expectValues(try f32([4]).expanded([2, 3]).sqrt(), [2, 2, 2, 2, 2, 2], shape: [2, 3])
        // The gradient of an expanded input is summed back to its shape.
        let x = f64([0.25]).requiringGrad()
        let g = try Autograd.gradients(of: x.expanded([3]).log().sum(), wrt: [x])[0]
        expectValues(g, [12])
    }

    @Test func secondDerivativeOfSqrt() throws {
        // d²/dx² √x = -1/4 x^(-3/2): the VJP recomputes √x when its graph is recorded.
        let x = f64([4]).requiringGrad()
        let dx = try Autograd.gradients(of: x.sqrt().sum(), wrt: [x], createGraph: true)[0]
        let ddx = try Autograd.gradients(of: dx.sum(), wrt: [x])[0]
        expectValues(ddx, [-0.25 / 8], tol: 1e-12)
    }
}

struct PowerTests {
    @Test func floatPowers() throws {
        expectValues(try f32([1, 2, 3]).pow(.scalar(2)), [1, 4, 9], dtype: .float32)
        expectValues(try f32([4, 9]).pow(.scalar(0.5)), [2, 3], dtype: .float32)
        expectValues(try f64([2]).pow(.scalar(-1)), [0.5], dtype: .float64)
        expectValues(try f32([2, 3], [2, 1]).pow(.tensor(f32([1, 2, 3]))), [2, 4, 8, 3, 9, 27], shape: [2, 3])
        expectValues(try f32([1, 2, 3, 4], [2, 2]).transposed(0, 1).pow(.scalar(2)), [1, 9, 4, 16], shape: [2, 2])
        expectValues(try Tensor(scalar: Float(3)).pow(.scalar(2)), [9], shape: [])
        expectValues(try f32([]).pow(.scalar(2)), [])
        expectError(.shape) { try f32([1, 2]).pow(.tensor(f32([1, 2, 3]))) }
    }

    @Test func specialValues() throws {
        // x**0 = 1 even for NaN; 1**y = 1 even for NaN; negative base with a fractional power is NaN.
        expectValues(try f32([.nan, .infinity, 0, -2]).pow(.scalar(0)), [1, 1, 1, 1])
        expectValues(try f32([1, 1]).pow(.tensor(f32([.nan, .infinity]))), [1, 1])
        expectValues(try f32([-8]).pow(.scalar(.float(1.0 / 3))), [.nan])
        expectValues(try f32([0, -0.0]).pow(.scalar(-1)), [.infinity, -.infinity])
        expectValues(try f32([-2]).pow(.scalar(3)), [-8])
    }

    @Test func integerRules() throws {
        expectValues(try i64([1, 2, 3]).pow(.scalar(2)), [1, 4, 9], dtype: .int64)
        expectValues(try i64([2, 3]).pow(.scalar(0.5)), [Double(2).squareRoot(), Double(3).squareRoot()], dtype: .float32)
        expectValues(try i64([2, 3]).pow(.tensor(Tensor(scalar: 2.0))), [4, 9], dtype: .float64)
        expectValues(try i64([2, 3]).pow(.tensor(Tensor(scalar: Float(2)))), [4, 9], dtype: .float32)
        expectValues(try bools([true, false]).pow(.scalar(2)), [1, 0], dtype: .int64)
        // Tensor exponents follow PyTorch's powi: a negative power gives 0 unless the base is ±1.
        expectValues(try i64([2, 1, -1, 0]).pow(.tensor(i64([-1, -2, -3, -1]))), [0, 1, -1, 0], dtype: .int64)
        expectValues(try i64([2]).pow(.scalar(62)), [Double(Int64(1) << 62)], dtype: .int64)
        // Overflow wraps instead of trapping.
        _ = try i64([10]).pow(.scalar(40))
        expectError(.value) { try i64([2, 3]).pow(.scalar(-1)) }
        expectError(.dtype) { try bools([true]).pow(.tensor(bools([true]))) }
    }

    @Test func gradientWithRespectToTheBase() throws {
        expectValues(try gradient(at: f64([1, 2, -3])) { try $0.pow(.scalar(3)) }, [3, 12, 27])
        // Exponent 0: the gradient is 0 even at x = 0 (not 0·0^-1 = NaN).
        expectValues(try gradient(at: f64([0, 2])) { try $0.pow(.scalar(0)) }, [0, 0])
        expectValues(try gradient(at: f64([0, 2])) { try $0.pow(.tensor(f64([0, 0]))) }, [0, 0])
    }

    @Test func gradientWithRespectToTheExponent() throws {
        let x = f64([2, 0, 0, -2, 0])
        let y = f64([3, 2, 0, 2, -1]).requiringGrad()
        let g = try Autograd.gradients(of: x.pow(.tensor(y)).sum(), wrt: [y])[0]
        // x^y ln x; 0 where x = 0 and y ≥ 0; NaN for a negative base; 0^-1·ln 0 = -inf.
        expectValues(g, [8 * Foundation.log(2), 0, 0, .nan, -.infinity])
    }
}
