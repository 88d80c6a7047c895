import Testing
@testable import TensorEngine

/// The pointwise, selection, scan, creation and shape ops of issue 15 against PyTorch (Fixtures/more_ops.json,
/// written by Fixtures/generate_more_ops.py): every result, and the gradients of the first.
struct MoreOpsGoldenTests {
    static let cases: [PyTorchGolden] = (try? PyTorchGolden.load("more_ops")) ?? []

    @Test("fixture loads") func loads() { #expect(MoreOpsGoldenTests.cases.count >= 140) }

    @Test("matches PyTorch", arguments: cases.map(\.name))
    func matches(name: String) throws {
        let c = try #require(MoreOpsGoldenTests.cases.first { $0.name == name })
        let inputs = c.inputs.enumerated().map { i, t in c.grads.indices.contains(i) && c.grads[i] != nil ? t.requiringGrad() : t }
        var keywords = c.args
        for (k, t) in c.kwtensors { keywords[k] = .tensor(t) }
        // An op whose first parameter is a list (meshgrid) takes the inputs as that list.
        let spec = try #require(Ops.all.first { $0.name == c.op })
        let positional: [Value] = spec.params.first?.type == .tensorList ? [.tensorList(inputs)] : inputs.map { .tensor($0) }
        let outs = try Ops.call(c.op, positional: positional, keywords: keywords)
        #expect(outs.count == c.outputs.count, "\(name): \(outs.count) results, PyTorch gives \(c.outputs.count)")
        for (k, (o, e)) in zip(outs, c.outputs).enumerated() { expectAllClose(o, e, "\(name) result \(k)") }
        let wrt = inputs.indices.filter { c.grads.indices.contains($0) && c.grads[$0] != nil }
        guard !wrt.isEmpty, let out = outs.first else { return }
        let grads = try Autograd.gradients(of: out, wrt: wrt.map { inputs[$0] }, seed: c.gradOutput)
        for (g, i) in zip(grads, wrt) { expectAllClose(g, c.grads[i]!, "\(name) grad of input \(i)") }
    }
}
