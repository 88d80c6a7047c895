import Foundation
import Testing
@testable import TensorEngine

/// Outputs and gradients recorded from PyTorch for the linear-algebra and nn-function ops
/// (Fixtures/nn_linalg.json, written by Fixtures/generate_nn_linalg.py), replayed through
/// the catalogue; einsum's operands are the recorded inputs.
struct NNLinalgGoldenTests {
    static let cases: [PyTorchGolden] = (try? PyTorchGolden.load("nn_linalg")) ?? []

    @Test("fixture loads") func loads() { #expect(NNLinalgGoldenTests.cases.count >= 60) }

    @Test("matches PyTorch", arguments: cases.map(\.name))
    func matches(name: String) throws {
        let c = try #require(NNLinalgGoldenTests.cases.first { $0.name == name })
        let inputs = c.inputs.enumerated().map { i, t in c.grads[i] != nil ? t.requiringGrad() : t }
        let out = try #require(try (c.op == "einsum"
            ? Ops.call("einsum", keywords: ["equation": c.args["equation"] ?? .null, "operands": .tensorList(inputs)])
            : Ops.call(c.op, positional: inputs.map { .tensor($0) }, keywords: c.args)).first)
        expectAllClose(out, c.output, "\(name) output")
        let wrt = inputs.indices.filter { c.grads[$0] != nil }
        guard !wrt.isEmpty, let seed = c.gradOutput else { return }
        let grads = try Autograd.gradients(of: out, wrt: wrt.map { inputs[$0] }, seed: seed)
        for (g, i) in zip(grads, wrt) { expectAllClose(g, c.grads[i]!, "\(name) grad of input \(i)") }
    }
}
