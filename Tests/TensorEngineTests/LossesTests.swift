import Foundation
import Testing
@testable import TensorEngine

/// Edge cases and errors of the losses; PyTorch's values are in LossLinalgGoldenTests.
struct LossesTests {
    let logits = Tensor([1, 2, 0.5, -1, 0, 3, 2, 2, 2, 0.1, 0.2, 0.3] as [Float], shape: [4, 3])
    let labels = Tensor([1, 2, 0, 2] as [Int64])

    func call(_ op: String, _ inputs: [Tensor], _ args: [String: Value] = [:]) throws -> Tensor {
        try Ops.call(op, positional: inputs.map { .tensor($0) }, keywords: args)[0]
    }

    /// −log softmax(row)[t], by definition in Double.
    func nll(_ row: [Double], _ t: Int) -> Double {
        let m = row.max()!
        return -(row[t] - m - log(row.map { exp($0 - m) }.reduce(0, +)))
    }

    // MARK: reduction

    @Test func reductionNames() throws {
        #expect(try Reduction(name: "sum") == .sum)
        expectError(.value) { try Reduction(name: "avg") }
        expectError(.value, "catalogue") { try call("mse_loss", [logits, logits], ["reduction": .string("average")]) }
        expectError(.value, "catalogue") { try call("cross_entropy", [logits, labels], ["reduction": .string("elementwise_mean")]) }
    }

    // MARK: mse_loss

    @Test func mse() throws {
        let a = Tensor([1, 2, 3] as [Float]), b = Tensor([1, 0, 0] as [Float])
        #expect(abs(try mseLoss(a, b).item() - 13.0 / 3) < 1e-6)
        #expect(try mseLoss(a, b, reduction: .sum).item() == 13)
        #expect(vals(try mseLoss(a, b, reduction: .none)) == [0, 4, 9])
        #expect(try mseLoss(Tensor.filled([2, 3], with: 1, dtype: .float32), Tensor([0, 1, 2] as [Float]), reduction: .none).shape == [2, 3], "broadcasts")
        #expect(try mseLoss(Tensor([] as [Float]), Tensor([] as [Float])).item().isNaN, "mean of empty")
        #expect(try mseLoss(Tensor([] as [Float]), Tensor([] as [Float]), reduction: .sum).item() == 0)
        #expect(try mseLoss(Tensor([Float.nan, 1]), Tensor([0, 1] as [Float])).item().isNaN)
        expectError(.shape) { try mseLoss(a, Tensor([1, 2] as [Float])) }
        expectError(.dtype) { try mseLoss(Tensor([1, 2] as [Int64]), Tensor([1, 2] as [Int64])) }
    }

    @Test func mseGradient() throws {
        let a = Tensor([1, 2, 3] as [Float]).requiringGrad(), b = Tensor([1, 0, 0] as [Float])
        let g = try Autograd.gradients(of: try mseLoss(a, b), wrt: [a])
        expectAllClose(g[0], Tensor([0, 4.0 / 3, 2] as [Float]), "2(x−t)/N")
    }

    // MARK: cross_entropy

    @Test func crossEntropyByDefinition() throws {
        let rows = (0..<4).map { Array(vals(logits)[$0 * 3..<$0 * 3 + 3]) }
        let each = (0..<4).map { nll(rows[$0], Int(labels.scalars(as: Int64.self)[$0])) }
        expectAllClose(try crossEntropy(logits: logits, targets: labels, reduction: .none), Tensor(each.map { Float($0) }), "none")
        #expect(abs(try crossEntropy(logits: logits, targets: labels).item() - each.reduce(0, +) / 4) < 1e-6)
        let t = try logits.t().contiguous().t()
        #expect(!t.isContiguous)
        expectAllClose(try crossEntropy(logits: t, targets: labels), try crossEntropy(logits: logits, targets: labels), "non-contiguous logits")
    }

    @Test func crossEntropyIgnoredTargets() throws {
        let allIgnored = Tensor([-100, -100, -100, -100] as [Int64])
        #expect(try crossEntropy(logits: logits, targets: allIgnored).item().isNaN, "mean of nothing")
        #expect(try crossEntropy(logits: logits, targets: allIgnored, reduction: .sum).item() == 0)
        let leaf = logits.requiringGrad()
        let g = try Autograd.gradients(of: try crossEntropy(logits: leaf, targets: allIgnored), wrt: [leaf])
        #expect(vals(g[0]).allSatisfy { $0 == 0 }, "ignored rows get zero gradient")
        let partly = Tensor([1, 5, 0, 5] as [Int64])
        let loss = try crossEntropy(logits: logits, targets: partly, ignoreIndex: 5, reduction: .none)
        #expect(vals(loss)[1] == 0 && vals(loss)[3] == 0)
    }

    @Test func crossEntropyGradientIsSoftmaxMinusOneHot() throws {
        let leaf = logits.requiringGrad()
        let w = Tensor([2, 1, 0.5] as [Float])
        let g = try Autograd.gradients(of: try crossEntropy(logits: leaf, targets: labels, weight: w), wrt: [leaf])[0]
        let targets = labels.scalars(as: Int64.self).map { Int($0) }
        let norm = targets.map { Double(vals(w)[$0]) }.reduce(0, +)
        var expected: [Float] = []
        for i in 0..<4 {
            let row = Array(vals(logits)[i * 3..<i * 3 + 3]), m = row.max()!
            let z = row.map { exp($0 - m) }.reduce(0, +)
            for c in 0..<3 { expected.append(Float(vals(w)[targets[i]] * (exp(row[c] - m) / z - (c == targets[i] ? 1 : 0)) / norm)) }
        }
        expectAllClose(g, Tensor(expected, shape: [4, 3]), "w_t·(softmax − onehot)/Σw")
    }

    @Test func crossEntropyLayouts() throws {
        let one = try crossEntropy(logits: Tensor([1, 2, 3] as [Float]), targets: Tensor(scalar: Int64(0)), reduction: .none)
        let oneValue = try one.item()
        #expect(one.shape == [] && abs(oneValue - nll([1, 2, 3], 0)) < 1e-6)
        let spatial = try crossEntropy(logits: Tensor.filled([2, 3, 4, 5], with: 0, dtype: .float32), targets: Tensor.filled([2, 4, 5], with: 1, dtype: .int64), reduction: .none)
        #expect(spatial.shape == [2, 4, 5] && abs(vals(spatial)[7] - log(3)) < 1e-6)
        let empty = Tensor.filled([0, 3], with: 0, dtype: .float32), none = Tensor([] as [Int64])
        #expect(try crossEntropy(logits: empty, targets: none).item().isNaN)
        #expect(try crossEntropy(logits: empty, targets: none, reduction: .sum).item() == 0)
        #expect(try crossEntropy(logits: empty, targets: none, reduction: .none).shape == [0])
    }

    @Test func crossEntropyIsStableAndPropagatesNaN() throws {
        let huge = Tensor([1e30, 0, -1e30] as [Float], shape: [1, 3])
        #expect(try crossEntropy(logits: huge, targets: Tensor([0] as [Int64])).item() == 0)
        #expect(try crossEntropy(logits: huge, targets: Tensor([1] as [Int64])).item() == Double(Float(1e30)))
        #expect(try crossEntropy(logits: Tensor([Float.nan, 1], shape: [1, 2]), targets: Tensor([1] as [Int64])).item().isNaN)
    }

    @Test func crossEntropyProbabilityTargets() throws {
        // One-hot probabilities give the same loss as class indices.
        let onehot = Tensor([0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1] as [Float], shape: [4, 3])
        expectAllClose(try crossEntropy(logits: logits, targets: onehot), try crossEntropy(logits: logits, targets: labels), "one-hot")
        expectAllClose(try crossEntropy(logits: logits, targets: onehot, labelSmoothing: 0.3),
                       try crossEntropy(logits: logits, targets: labels, labelSmoothing: 0.3), "smoothed one-hot")
        let soft = try crossEntropy(logits: logits, targets: onehot.cast(to: .float64), ignoreIndex: -1)
        #expect(soft.dtype == .float32, "negative ignore_index is accepted, as PyTorch does")
    }

    @Test func crossEntropyErrors() {
        expectError(.value, "target out of range") { try crossEntropy(logits: logits, targets: Tensor([1, 3, 0, 0] as [Int64])) }
        expectError(.value, "negative target") { try crossEntropy(logits: logits, targets: Tensor([1, -1, 0, 0] as [Int64])) }
        expectError(.shape, "batch size") { try crossEntropy(logits: logits, targets: Tensor([1, 2] as [Int64])) }
        expectError(.shape, "spatial dims") { try crossEntropy(logits: Tensor.filled([2, 3, 4], with: 0, dtype: .float32), targets: Tensor.filled([2, 5], with: 0, dtype: .int64)) }
        expectError(.dtype, "floating target of another shape") { try crossEntropy(logits: logits, targets: Tensor([1, 2, 0, 2] as [Float])) }
        expectError(.dtype, "bool target") { try crossEntropy(logits: logits, targets: Tensor([true, false, true, true])) }
        expectError(.value, "ignore_index with probabilities") { try crossEntropy(logits: logits, targets: logits, ignoreIndex: 1) }
        expectError(.shape, "weight size") { try crossEntropy(logits: logits, targets: labels, weight: Tensor([1, 2] as [Float])) }
        expectError(.shape, "weight size, probabilities") { try crossEntropy(logits: logits, targets: logits, weight: Tensor([1, 2] as [Float])) }
        expectError(.value, "label_smoothing") { try crossEntropy(logits: logits, targets: labels, labelSmoothing: 1.5) }
        expectError(.value, "label_smoothing") { try crossEntropy(logits: logits, targets: labels, labelSmoothing: -0.1) }
        expectError(.dtype, "integer logits") { try crossEntropy(logits: Tensor([1, 2] as [Int64], shape: [1, 2]), targets: Tensor([1] as [Int64])) }
        expectError(.shape, "0-d logits") { try crossEntropy(logits: Tensor(scalar: Float(1)), targets: Tensor(scalar: Int64(0))) }
    }

    // MARK: nll_loss

    @Test func nllLossTakesLogProbabilitiesAsIs() throws {
        let loss = try nllLoss(logProbabilities: logits, targets: labels, reduction: .none)
        #expect(vals(loss) == [-2, -3, -2, -0.3].map { Double(Float($0)) })
        let w = Tensor([1, 2, 4] as [Float])
        let mean = try nllLoss(logProbabilities: logits, targets: Tensor([1, 2, 0, -100] as [Int64]), weight: w)
        #expect(abs(try mean.item() - (-(2 * 2) - 4 * 3 - 2.0) / 7) < 1e-6)
        expectError(.dtype) { try nllLoss(logProbabilities: logits, targets: Tensor([1, 2, 0, 1] as [Float])) }
        expectError(.dtype) { try nllLoss(logProbabilities: logits, targets: logits) }
        expectError(.value) { try nllLoss(logProbabilities: logits, targets: Tensor([1, 2, 0, 9] as [Int64])) }
    }

    // MARK: binary_cross_entropy

    @Test func bceClampsLogs() throws {
        let x = Tensor([0, 1, 0.5] as [Float]), t = Tensor([1, 0, 1] as [Float])
        expectAllClose(try binaryCrossEntropy(probabilities: x, targets: t, reduction: .none), Tensor([100, 100, Float(log(2.0))]), "clamped at −100")
        let w = Tensor([2] as [Float])
        #expect(abs(try binaryCrossEntropy(probabilities: x, targets: t, weight: w, reduction: .sum).item() - 2 * (200 + log(2.0))) < 1e-3)
    }

    @Test func bceErrors() {
        let t = Tensor([1, 0] as [Float])
        expectError(.value, "input above 1") { try binaryCrossEntropy(probabilities: Tensor([1.5, 0.5] as [Float]), targets: t) }
        expectError(.value, "input below 0") { try binaryCrossEntropy(probabilities: Tensor([-0.1, 0.5] as [Float]), targets: t) }
        expectError(.value, "NaN input") { try binaryCrossEntropy(probabilities: Tensor([Float.nan, 0.5]), targets: t) }
        expectError(.value, "target") { try binaryCrossEntropy(probabilities: Tensor([0.5, 0.5] as [Float]), targets: Tensor([1.5, 0] as [Float])) }
        expectError(.shape, "shape") { try binaryCrossEntropy(probabilities: Tensor([0.5, 0.5] as [Float]), targets: Tensor([1] as [Float])) }
        expectError(.dtype, "integer input") { try binaryCrossEntropy(probabilities: Tensor([0, 1] as [Int64]), targets: t) }
    }

    // MARK: binary_cross_entropy_with_logits

    @Test func bceWithLogitsMatchesTheDefinition() throws {
        let x = Tensor([-2, 0.5, 3, 0] as [Float], shape: [2, 2]), t = Tensor([0, 1, 0.3, 1] as [Float], shape: [2, 2])
        let pw = Tensor([2, 0.5] as [Float])
        let expected = zip(zip(vals(x), vals(t)), [2.0, 0.5, 2.0, 0.5]).map { xt, p in
            let (x, t) = xt, s = 1 / (1 + exp(-x))
            return Float(-(p * t * log(s) + (1 - t) * log(1 - s)))
        }
        expectAllClose(try binaryCrossEntropyWithLogits(logits: x, targets: t, posWeight: pw, reduction: .none), Tensor(expected, shape: [2, 2]), "pos_weight on the last dim")
        let extreme = try binaryCrossEntropyWithLogits(logits: Tensor([200, -200] as [Float]), targets: Tensor([0, 1] as [Float]), reduction: .none)
        #expect(vals(extreme) == [200, 200], "no overflow, no clamping")
        expectError(.shape) { try binaryCrossEntropyWithLogits(logits: x, targets: Tensor([1, 0] as [Float])) }
        expectError(.dtype) { try binaryCrossEntropyWithLogits(logits: Tensor([1] as [Int64]), targets: Tensor([1] as [Int64])) }
    }

    @Test func bceWithLogitsSecondOrder() throws {
        let x = Tensor([1, 2, 3, 4] as [Double], shape: [2, 2]).requiringGrad(), t = Tensor([0, 1, 1, 0] as [Double], shape: [2, 2])
        let g = try Autograd.gradients(of: try binaryCrossEntropyWithLogits(logits: x, targets: t), wrt: [x], createGraph: true)[0]
        let h = try Autograd.gradients(of: try g.sum(), wrt: [x])[0]
        let expected = [1.0, 2, 3, 4].map { v in let s = 1 / (1 + exp(-v)); return s * (1 - s) / 4 }
        expectAllClose(h, Tensor(expected, shape: [2, 2]), "σ(1−σ)/N", atol: 1e-12, rtol: 1e-9)
    }
}
