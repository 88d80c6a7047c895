import Foundation
import Testing
@testable import TensorEngine

/// Outputs and gradients recorded from PyTorch (Fixtures/losses_linalg.json, written by
/// Fixtures/generate_losses_linalg.py), replayed through the catalogue.
struct LossLinalgGoldenTests {
    static let cases: [PyTorchGolden] = (try? PyTorchGolden.load("losses_linalg")) ?? []

    @Test("fixture loads") func loads() { #expect(LossLinalgGoldenTests.cases.count >= 30) }

    @Test("matches PyTorch", arguments: cases.map(\.name))
    func matches(name: String) throws {
        let c = try #require(LossLinalgGoldenTests.cases.first { $0.name == name })
        let inputs = c.inputs.enumerated().map { i, t in c.grads[i] != nil ? t.requiringGrad() : t }
        var keywords = c.args
        for (k, t) in c.kwtensors { keywords[k] = .tensor(t) }
        let out = try #require(try Ops.call(c.op, positional: inputs.map { .tensor($0) }, keywords: keywords).first)
        expectAllClose(out, c.output, "\(name) output")
        let wrt = inputs.indices.filter { c.grads[$0] != nil }
        guard !wrt.isEmpty else { return }
        let grads = try Autograd.gradients(of: out, wrt: wrt.map { inputs[$0] }, seed: c.gradOutput)
        for (g, i) in zip(grads, wrt) { expectAllClose(g, c.grads[i]!, "\(name) grad of input \(i)") }
    }
}

/// Same shape and dtype, values equal within float32 tolerance (NaN matches NaN).
func expectAllClose(_ a: Tensor, _ b: Tensor, _ what: String, atol: Double = 1e-5, rtol: Double = 1e-4,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.shape == b.shape, "\(what): shape \(a.shape) vs \(b.shape)", sourceLocation: sourceLocation)
    #expect(a.dtype == b.dtype, "\(what): dtype \(a.dtype) vs \(b.dtype)", sourceLocation: sourceLocation)
    guard a.shape == b.shape else { return }
    for (i, (x, y)) in zip(a.doubles(), b.doubles()).enumerated() {
        let ok = (x.isNaN && y.isNaN) || x == y || abs(x - y) <= atol + rtol * abs(y)
        #expect(ok, "\(what)[\(i)]: \(x) vs expected \(y)", sourceLocation: sourceLocation)
        if !ok { return }
    }
}

/// The row-major values as Doubles (tests compare against literals).
func vals(_ t: Tensor) -> [Double] { t.doubles() }
