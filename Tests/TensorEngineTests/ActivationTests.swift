import Foundation
import Testing
@testable import TensorEngine

struct ActivationTests {
    @Test func sigmoid() throws {
        expectValues(try f32([0, 1, -1]).sigmoid(), [0.5, 0.7310585786, 0.2689414214], dtype: .float32)
        // Saturates exactly at ±inf and never gives NaN for large |x|.
        expectValues(try f32([.infinity, -.infinity, 1000, -1000]).sigmoid(), [1, 0, 1, 0], tol: 0)
        expectValues(try f64([800, -800]).sigmoid(), [1, 0], dtype: .float64, tol: 0)
        expectValues(try i64([1, 2]).sigmoid(), [0.7310585786, 0.8807970780], dtype: .float32)
        expectValues(try f32([.nan]).sigmoid(), [.nan])
        expectValues(try Tensor(scalar: Float(0)).sigmoid(), [0.5], shape: [])
        expectValues(try gradient(at: f64([0, 2])) { try $0.sigmoid() },
                     [0.25, 0.8807970779778823 * (1 - 0.8807970779778823)], tol: 1e-12)
    }

    @Test func tanh() throws {
        expectValues(try f32([0, 1, -2]).tanh(), [0, 0.7615941559557649, -0.9640275800758169], dtype: .float32)
        expectValues(try f32([.infinity, -.infinity, 50]).tanh(), [1, -1, 1], tol: 0)
        expectValues(try i64([1]).tanh(), [0.7615941559557649], dtype: .float32)
        let t = Foundation.tanh(0.7)
        expectValues(try gradient(at: f64([0.7])) { try $0.tanh() }, [1 - t * t], tol: 1e-12)
    }

    @Test func relu() throws {
        expectValues(try f32([-1, 0, 2, .nan, -0.0, -.infinity]).relu(), [0, 0, 2, .nan, -0.0, 0], dtype: .float32, signed: true)
        expectValues(try i64([-3, 0, 4]).relu(), [0, 0, 4], dtype: .int64)
        expectValues(try f32([-1, 2, 3, -4], [2, 2]).transposed(0, 1).relu(), [0, 3, 2, 0], shape: [2, 2])
        expectError(.dtype) { try bools([true]).relu() }
    }

    @Test func reluGradientIsZeroAtZero() throws {
        expectValues(try gradient(at: f64([-1, 0, 2])) { try $0.relu() }, [0, 0, 1])
    }

    @Test func leakyRelu() throws {
        expectValues(try f32([-2, 0, 3, .nan]).leakyRelu(), [-0.02, 0, 3, .nan], dtype: .float32)
        expectValues(try f64([-2, 3]).leakyRelu(negativeSlope: 0.5), [-1, 3], dtype: .float64)
        expectError(.dtype) { try i64([1, 2]).leakyRelu() }
        expectError(.dtype) { try bools([true]).leakyRelu() }
        expectValues(try Ops.call("leaky_relu", positional: [.tensor(f32([-1]))], keywords: ["negative_slope": .float(0.2)])[0], [-0.2])
    }

    @Test func leakyReluGradientAtZeroIsTheSlope() throws {
        expectValues(try gradient(at: f64([-1, 0, 2])) { try $0.leakyRelu(negativeSlope: 0.1) }, [0.1, 0.1, 1])
    }

    @Test func gelu() throws {
        // PyTorch float32 values.
        expectValues(try f32([-1, 0.5, 2]).gelu(), [-0.15865525603294373, 0.3457312285900116, 1.9544997215270996], dtype: .float32)
        expectValues(try f32([-1, 0.5, 2]).gelu(approximate: "tanh"), [-0.15880799293518066, 0.3457140028476715, 1.9545977115631104])
        expectValues(try f32([-10, 10, 0]).gelu(), [0, 10, 0], tol: 1e-6)
        expectError(.value) { try f32([1]).gelu(approximate: "sigmoid") }
        expectError(.value) { try Ops.call("gelu", positional: [.tensor(f32([1]))], keywords: ["approximate": .string("fast")]) }
        expectError(.dtype) { try i64([1]).gelu() }
        // d/dx x·Φ(x) at 0 is Φ(0) = 0.5, and at 1 it is Φ(1) + φ(1).
        let phi1 = Foundation.exp(-0.5) / (2 * Double.pi).squareRoot()
        expectValues(try gradient(at: f64([0, 1])) { try $0.gelu() }, [0.5, 0.8413447460685429 + phi1], tol: 1e-12)
    }

    @Test func softmax() throws {
        expectValues(try f32([1, 2, 3]).softmax(dim: 0), [0.09003057330846786, 0.2447284758090973, 0.6652409434318542], dtype: .float32)
        expectValues(try f32([1, 2, 3, 1, 1, 1], [2, 3]).softmax(dim: -1),
                     [0.09003057330846786, 0.2447284758090973, 0.6652409434318542, 1.0 / 3, 1.0 / 3, 1.0 / 3], shape: [2, 3])
        // Along dim 0 of [[1, 2], [3, 2]]: the columns.
        let e = 1 / (1 + Foundation.exp(2.0))
        expectValues(try f32([1, 2, 3, 2], [2, 2]).softmax(dim: 0), [e, 0.5, 1 - e, 0.5], shape: [2, 2])
        // A transposed input gives the transposed result.
        expectValues(try f32([1, 3, 2, 2], [2, 2]).transposed(0, 1).softmax(dim: 0), [e, 0.5, 1 - e, 0.5], shape: [2, 2])
        expectValues(try f64([0.5, 0.25], [1, 2]).expanded([3, 2]).softmax(dim: 0), [1.0 / 3, 1.0 / 3, 1.0 / 3, 1.0 / 3, 1.0 / 3, 1.0 / 3], shape: [3, 2], dtype: .float64)
    }

    @Test func softmaxExtremes() throws {
        // Large finite logits never overflow; -inf gets probability 0.
        expectValues(try f32([1000, 0, -.infinity]).softmax(dim: 0), [1, 0, 0], tol: 0)
        expectValues(try f32([1000, 1000]).softmax(dim: 0), [0.5, 0.5])
        expectValues(try f32([-.infinity, -.infinity]).softmax(dim: 0), [.nan, .nan])
        expectValues(try f32([.infinity, 1]).softmax(dim: 0), [.nan, .nan])
        expectValues(try f32([.nan, 1]).softmax(dim: 0), [.nan, .nan])
    }

    @Test func logSoftmax() throws {
        expectValues(try f32([1, 2, 3]).logSoftmax(dim: 0), [-2.4076058864593506, -1.4076058864593506, -0.40760594606399536], dtype: .float32)
        expectValues(try f32([1000, 0, -.infinity]).logSoftmax(dim: 0), [0, -1000, -.infinity])
        expectValues(try f64([-1e300, 1e300]).logSoftmax(dim: 0), [-2e300, 0], dtype: .float64)
        expectValues(try f32([-.infinity, -.infinity]).logSoftmax(dim: -1), [.nan, .nan])
        expectValues(try f32([.infinity, 0]).logSoftmax(dim: 0), [.nan, .nan])
        expectValues(try f32([1, 2, 3, 4], [2, 2]).logSoftmax(dim: 1), [-1.3132616875182228, -0.3132616875182228, -1.3132616875182228, -0.3132616875182228], shape: [2, 2])
    }

    @Test func softmaxShapesAndErrors() throws {
        expectValues(try Tensor(scalar: Float(3)).softmax(dim: 0), [1], shape: [])
        expectValues(try Tensor(scalar: Float(3)).logSoftmax(dim: -1), [0], shape: [])
        expectValues(try Tensor.zeros([0, 3]).softmax(dim: 1), [], shape: [0, 3])
        expectValues(try Tensor.zeros([2, 0]).logSoftmax(dim: 1), [], shape: [2, 0])
        expectValues(try f32([7], [1, 1]).softmax(dim: 1), [1], shape: [1, 1])
        expectError(.dim) { try f32([1, 2]).softmax(dim: 1) }
        expectError(.dim) { try f32([1, 2], [1, 2]).logSoftmax(dim: -3) }
        expectError(.dim) { try Tensor(scalar: Float(1)).softmax(dim: 1) }
        expectError(.dtype) { try i64([1, 2]).softmax(dim: 0) }
        expectError(.dtype) { try bools([true]).logSoftmax(dim: 0) }
    }

    @Test func softmaxGradients() throws {
        // Σ softmax = 1, so the gradient of its sum is 0; a weighted sum follows y ⊙ (g - Σ g ⊙ y).
        expectValues(try gradient(at: f64([1, 2, 3])) { try $0.softmax(dim: 0) }, [0, 0, 0], tol: 1e-12)
        let x = f64([0.5, -1]).requiringGrad()
        let w = f64([2, -1])
        let g = try Autograd.gradients(of: (x.softmax(dim: 0) * w).sum(), wrt: [x])[0]
        let y0 = 1 / (1 + Foundation.exp(-1.5)), y1 = 1 - y0
        let dot = 2 * y0 - y1
        expectValues(g, [y0 * (2 - dot), y1 * (-1 - dot)], tol: 1e-12)
        // log_softmax: g - softmax ⊙ Σ g.
        expectValues(try gradient(at: f64([0.5, -1])) { try $0.logSoftmax(dim: 0) }, [1 - 2 * y0, 1 - 2 * y1], tol: 1e-12)
    }

    @Test func layoutsAndEmptyInputs() throws {
        let t = try f32([-1, 2, 3, -4], [2, 2]).transposed(0, 1)   // [[-1, 3], [2, -4]]
        expectValues(try t.sigmoid(), [-1, 3, 2, -4].map { 1 / (1 + Foundation.exp(-$0)) }, shape: [2, 2])
        expectValues(try t.tanh(), [-1, 3, 2, -4].map { Foundation.tanh($0) }, shape: [2, 2])
        expectValues(try t.leakyRelu(), [-0.01, 3, 2, -0.04], shape: [2, 2])
        #expect(try t.gelu(approximate: "tanh").shape == [2, 2])
        expectValues(try f32([2]).expanded([3]).relu(), [2, 2, 2])
        for y in [try Tensor.zeros([0, 2]).sigmoid(), try Tensor.zeros([0, 2]).tanh(), try Tensor.zeros([0, 2]).relu(),
                  try Tensor.zeros([0, 2]).leakyRelu(), try Tensor.zeros([0, 2]).gelu()] {
            expectValues(y, [], shape: [0, 2])
        }
        expectValues(try Tensor(scalar: Float(-2)).leakyRelu(), [-0.02], shape: [])
        expectValues(try Tensor(scalar: Float(-2)).relu(), [0], shape: [])
    }

    @Test func secondDerivativeOfTanh() throws {
        // d²/dx² tanh x = -2 tanh x (1 - tanh² x).
        let x = f64([0.4]).requiringGrad()
        let dx = try Autograd.gradients(of: x.tanh().sum(), wrt: [x], createGraph: true)[0]
        let ddx = try Autograd.gradients(of: dx.sum(), wrt: [x])[0]
        let t = Foundation.tanh(0.4)
        expectValues(ddx, [-2 * t * (1 - t * t)], tol: 1e-12)
    }
}
