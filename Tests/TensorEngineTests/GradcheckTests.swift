import Testing
@testable import TensorEngine

/// Central finite differences in float64 against the analytic gradient, for every
/// differentiable op in the catalogue: a new op cannot skip it.
struct GradcheckTests {
    static let differentiable = Ops.all.filter(\.isDifferentiable).map(\.name)

    @Test("gradient matches finite differences", arguments: differentiable)
    func gradcheck(op: String) throws {
        let spec = try #require(Ops.spec(op))
        for (n, example) in spec.gradchecks.enumerated() {
            var rng = RandomGenerator(seed: UInt64(n + 1))
            let bound = try BoundExample(example, rng: &rng)
            let weights = try bound.outputWeights(spec: spec, rng: &rng)
            // Analytic: gradients of L = Σ_k sum(out_k · w_k).
            let inputs = bound.differentiable.map { $0.requiringGrad() }
            let loss = try bound.loss(spec: spec, replacing: inputs, weights: weights)
            let analytic = try Autograd.gradients(of: loss, wrt: inputs)
            // Numeric: perturb each element of each input (as a contiguous copy).
            for (i, x) in bound.differentiable.enumerated() {
                var values = x.doubles()
                let eps = 1e-6
                for j in values.indices {
                    let saved = values[j]
                    values[j] = saved + eps
                    let up = try bound.lossValue(spec: spec, input: i, values: values, shape: x.shape, weights: weights)
                    values[j] = saved - eps
                    let down = try bound.lossValue(spec: spec, input: i, values: values, shape: x.shape, weights: weights)
                    values[j] = saved
                    let numeric = (up - down) / (2 * eps)
                    let a = analytic[i].doubles()[j]
                    #expect(abs(a - numeric) <= 1e-5 + 1e-4 * abs(numeric),
                            "\(op) example \(n), input \(i), element \(j): analytic \(a) vs numeric \(numeric)")
                }
            }
        }
    }
}

/// An example with its random tensors drawn.
struct BoundExample {
    var positional: [Value]
    var keywords: [String: Value]
    /// The floating tensors the check differentiates, in order of appearance.
    var differentiable: [Tensor]

    init(_ example: Example, rng: inout RandomGenerator) throws {
        positional = []
        differentiable = []
        keywords = example.keywords
        for arg in example.positional {
            switch arg {
            case .tensor(let r):
                let t = try r.make(&rng)
                differentiable.append(t)
                positional.append(.tensor(t))
            case .tensors(let rs):
                let ts = try rs.map { try $0.make(&rng) }
                differentiable += ts
                positional.append(.tensorList(ts))
            case .constant(let t): positional.append(.tensor(t))
            case .value(let v): positional.append(v)
            }
        }
    }

    /// The call with the differentiable tensors replaced by `xs`, in order.
    func substituted(_ xs: [Tensor]) -> [Value] {
        var k = 0
        return positional.map { v in
            switch v {
            case .tensor(let t) where t.dtype.isFloating && k < xs.count && differentiable.contains(where: { $0.storage === t.storage }):
                defer { k += 1 }
                return .tensor(xs[k])
            case .tensorList(let ts):
                let out = ts.map { _ in xs[k] }.enumerated().map { xs[k + $0.offset] }
                k += ts.count
                return .tensorList(out)
            default: return v
            }
        }
    }

    func outputWeights(spec: OpSpec, rng: inout RandomGenerator) throws -> [Tensor?] {
        let outs = try Ops.call(spec.name, positional: positional, keywords: keywords)
        return try outs.map { o in
            guard o.dtype.isFloating else { return nil }
            return try Tensor((0..<o.count).map { _ in rng.normal() }, shape: o.shape).cast(to: o.dtype)
        }
    }

    func loss(spec: OpSpec, replacing xs: [Tensor], weights: [Tensor?]) throws -> Tensor {
        let outs = try Ops.call(spec.name, positional: substituted(xs), keywords: keywords)
        var total = Tensor(scalar: 0.0)
        for (o, w) in zip(outs, weights) {
            guard let w else { continue }
            total = try total + (o * w).sum()
        }
        return total
    }

    func lossValue(spec: OpSpec, input i: Int, values: [Double], shape: [Int], weights: [Tensor?]) throws -> Double {
        var xs = differentiable
        xs[i] = Tensor(values, shape: shape)
        return try GradMode.withoutGrad { try loss(spec: spec, replacing: xs, weights: weights).item() }
    }
}
