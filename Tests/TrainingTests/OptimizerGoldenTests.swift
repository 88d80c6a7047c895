import Foundation
import Testing
import TensorEngine
@testable import Training

/// PyTorch's optimizer updates for 3 steps on fixed values (Fixtures/optim_goldens.json,
/// written once by scripts/optim_goldens.py with torch 2.15 on CPU).
struct Goldens: Decodable {
    struct Case: Decodable {
        let type: String
        let options: [String: OptimizerOption]
        let dtype: String
        let shape: [Int]
        let param: [Double]
        let grads: [[Double]]
        let after: [[Double]]
        let state: [String: [Double]]
    }
    struct Clip: Decodable {
        let max_norm: Double
        let norm_type: NormType
        let grads: [[Double]]
        let shapes: [[Int]]
        let clipped: [[Double]]
        let total: Double
    }
    enum NormType: Decodable {
        case value(Double)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self), s == "inf" { self = .value(.infinity) } else { self = .value(try c.decode(Double.self)) }
        }
        var double: Double { if case .value(let d) = self { d } else { 2 } }
    }
    let cases: [Case]
    let clip_grad_norm: [Clip]

    static let loaded: Goldens = {
        let url = Bundle.module.url(forResource: "optim_goldens", withExtension: "json", subdirectory: "Fixtures")!
        return try! JSONDecoder().decode(Goldens.self, from: Data(contentsOf: url))
    }()
}

func tensor(_ values: [Double], _ shape: [Int], _ dtype: DType) -> Tensor {
    dtype == .float64 ? Tensor(values, shape: shape) : Tensor(values.map { Float($0) }, shape: shape)
}

/// The largest error relative to the value's magnitude (floored at 1e-3, so values near zero
/// are compared absolutely).
func maxRelativeError(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).map { abs($0 - $1) / max(abs($1), 1e-3) }.max() ?? 0
}

@Suite struct OptimizerGoldenTests {
    @Test(arguments: Goldens.loaded.cases.indices)
    func threeStepsMatchPyTorch(_ index: Int) throws {
        let c = Goldens.loaded.cases[index]
        let dtype = DType(name: c.dtype)!
        let opt = try OptimizerConfig(type: c.type, options: c.options).optimizer
        var p = tensor(c.param, c.shape, dtype)
        var state = OptimizerState()
        // The updates round in PyTorch's order (with its fused multiply-adds), so Adam, AdamW
        // and SGD mostly agree bit for bit. PyTorch's float32 sqrt on CPU (MKL) is only
        // within an ulp of the correctly rounded root, so sqrt-based updates may differ by an
        // ulp, which cancellation near zero can grow; hence a few-ulp relative tolerance.
        let tol = dtype == .float64 ? 1e-13 : 2e-6
        for (g, expected) in zip(c.grads, c.after) {
            (p, state) = try opt.step(parameter: p, gradient: tensor(g, c.shape, dtype), state: state)
            let err = maxRelativeError(p.doubles(), expected)
            #expect(err <= tol, "\(c.type) \(c.options) \(c.dtype)\(c.shape): relative error \(err)")
        }
        #expect(state.step == 3)
        #expect(Set(state.buffers.keys) == Set(c.state.keys))
        for (name, expected) in c.state {
            let err = maxRelativeError(state.buffers[name]?.doubles() ?? [], expected)
            #expect(err <= tol, "\(c.type) \(c.options) state \(name): relative error \(err)")
        }
    }

    @Test(arguments: Goldens.loaded.clip_grad_norm.indices)
    func clipGradNormMatchesPyTorch(_ index: Int) throws {
        let c = Goldens.loaded.clip_grad_norm[index]
        let grads = zip(c.grads, c.shapes).map { tensor($0, $1, .float32) }
        let (clipped, total) = try clipGradNorm(grads, maxNorm: c.max_norm, normType: c.norm_type.double)
        #expect(total.shape == [] && total.dtype == .float32)
        #expect(abs(try total.item() - c.total) <= 2e-6 * c.total)
        for (got, want) in zip(clipped, c.clipped) {
            #expect(maxRelativeError(got.doubles(), want) <= 2e-6)
        }
        // The inputs are left as they were.
        #expect(grads[0].doubles() == c.grads[0].map { Double(Float($0)) })
    }
}
