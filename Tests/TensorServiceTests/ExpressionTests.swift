import Testing
import TensorEngine
@testable import TensorService

struct ExpressionTests {
    let x = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])

    func run(_ source: String, _ inputs: [String: Tensor] = [:], outputs: [String]? = nil,
             grad: Evaluation.GradRequest? = nil) throws -> Evaluation.Result {
        try Evaluation.run(source: source, inputs: inputs, outputs: outputs, grad: grad)
    }

    func tensor(_ r: Evaluation.Result, _ name: String) throws -> Tensor {
        let v = try #require(r.outputs.first { $0.0 == name }?.1)
        guard case .tensor(let t) = v else { Issue.record("\(name) is \(v.kind)"); return Tensor(scalar: Float.nan) }
        return t
    }

    @Test func arithmeticFollowsPythonPrecedence() throws {
        let r = try run("a = 2 + 3 * 4; b = -2 ** 2; c = 2 ** 3 ** 2; d = (2 + 3) * 4; e = 7 / 2", outputs: ["a", "b", "c", "d", "e"])
        let values = r.outputs.map { v -> Double in
            if case .scalar(let s) = v.1 { return s.double }
            return .nan
        }
        #expect(values == [14, -4, 512, 20, 3.5])
    }

    @Test func tensorExpressionsBroadcastAndPromote() throws {
        let r = try run("y = x * 2 + 1\nz = 1 - x\nw = 2 * x", ["x": x])
        #expect(try tensor(r, "y").doubles() == [3, 5, 7, 9, 11, 13])
        #expect(try tensor(r, "z").doubles() == [0, -1, -2, -3, -4, -5])
        #expect(try tensor(r, "w").dtype == .float32)
        // An int tensor with a float scalar on the left promotes to float32, as in PyTorch.
        let i = try run("y = 0.5 * n", ["n": Tensor([1, 2] as [Int64])])
        #expect(try tensor(i, "y").dtype == .float32)
        #expect(try tensor(i, "y").doubles() == [0.5, 1])
    }

    @Test func callsTakePositionalKeywordAndMethodForms() throws {
        let r = try run("a = sum(x, 1)\nb = x.sum(dim=0, keepdim=true)\nc = x.sum()\nd = mean(x, [0, 1])", ["x": x])
        #expect(try tensor(r, "a").doubles() == [6, 15])
        #expect(try tensor(r, "b").shape == [1, 3])
        #expect(try tensor(r, "b").doubles() == [5, 7, 9])
        #expect(try tensor(r, "c").doubles() == [21])
        #expect(try tensor(r, "d").doubles() == [3.5])
    }

    @Test func namedResultsByAttributeAndIndex() throws {
        let r = try run("v = topk(x, 2).values\ni = x.max(1).indices\nk = kthvalue(x, 1, 0)[1]", ["x": x])
        #expect(try tensor(r, "v").doubles() == [3, 2, 6, 5])
        #expect(try tensor(r, "i").doubles() == [2, 2])
        #expect(try tensor(r, "k").doubles() == [0, 0, 0])
        #expect(throws: ExpressionError.self) { try run("v = topk(x, 2).nothing", ["x": x]) }
        let s = try run("a = split(x, 2, 1)[1]\nb = cat(split(x, 1), dim=1)\nc = cat([x, x], 0)", ["x": x])
        #expect(try tensor(s, "a").doubles() == [3, 6])
        #expect(try tensor(s, "b").doubles() == [1, 2, 3, 4, 5, 6])
        #expect(try tensor(s, "c").shape == [4, 3])
    }

    @Test func gradientsOfInputsAndAssignedNames() throws {
        let r = try run("y = x * 3\nloss = sum(y * y)", ["x": x, "u": x], outputs: ["loss"],
                        grad: .init(of: "loss", wrt: ["x", "y", "u"]))
        #expect(try tensor(r, "loss").doubles() == [9 * 91])
        #expect(r.grads[0].1.doubles() == x.doubles().map { 18 * $0 })
        #expect(r.grads[1].1.doubles() == x.doubles().map { 6 * $0 })
        #expect(r.grads[2].1.doubles() == [0, 0, 0, 0, 0, 0], "an input that does not affect the result gets zeros")
    }

    @Test func lossAndGradientOfALinearModel() throws {
        // pred = x @ w + b; loss = mse(pred, y): dloss/dw = 2/N · xᵀ(pred − y), dloss/db = 2/N · Σ(pred − y).
        let xs = Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
        let w = Tensor([0.5, -1] as [Float], shape: [2, 1])
        let b = Tensor([0.25] as [Float])
        let y = Tensor([1, 2] as [Float], shape: [2, 1])
        let r = try run("pred = x @ w + b\nloss = mse_loss(pred, y)", ["x": xs, "w": w, "b": b, "y": y],
                        outputs: ["loss", "pred"], grad: .init(of: "loss", wrt: ["w", "b"]))
        // pred = [-1.25, -2.25]; residual = [-2.25, -4.25]
        #expect(try tensor(r, "pred").doubles() == [-1.25, -2.25])
        #expect(try tensor(r, "loss").doubles() == [(2.25 * 2.25 + 4.25 * 4.25) / 2])
        #expect(r.grads[0].1.doubles() == [-2.25 - 3 * 4.25, -2 * 2.25 - 4 * 4.25])
        #expect(r.grads[1].1.doubles() == [-6.5])
    }

    @Test func seedGivesTheUpstreamGradient() throws {
        let seed = Tensor([1, 0, 2, 0, 0, 1] as [Float], shape: [2, 3])
        let r = try run("y = x * x", ["x": x], grad: .init(of: "y", wrt: ["x"], seed: seed))
        #expect(r.grads[0].1.doubles() == [2, 0, 12, 0, 0, 12])
        #expect(throws: Evaluation.RequestError.self) { try run("y = x * x", ["x": x], grad: .init(of: "y", wrt: ["x"])) }
    }

    @Test func gradInsideAProgramCanBeDifferentiatedAgain() throws {
        // y = Σx³, g = 3x², h = Σg, dh/dx = 6x.
        let r = try run("y = sum(x * x * x)\ng = grad(y, x)\nh = sum(g)", ["x": x], outputs: ["g"], grad: .init(of: "h", wrt: ["x"]))
        #expect(try tensor(r, "g").doubles() == x.doubles().map { 3 * $0 * $0 })
        #expect(r.grads[0].1.doubles() == x.doubles().map { 6 * $0 })
    }

    @Test("parse errors give line and column", arguments: [
        ("y = (x + ", 1, 10),
        ("y = x\nz = x +* 2", 2, 8),
        ("y = x $ 2", 1, 7),
        ("y = sum(x, dim=1, 2)", 1, 19),
        ("y = 'abc", 1, 5),
        ("y = x y", 1, 7),
    ])
    func parseErrors(source: String, line: Int, column: Int) {
        do {
            _ = try ExpressionParser.parse(source)
            Issue.record("expected a parse error for \(source)")
        } catch let e as ExpressionError {
            #expect(e.location == SourcePosition(line: line, column: column), "\(e)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func deepNestingIsRejectedNotFatal() {
        for source in [String(repeating: "(", count: 100_000) + "x" + String(repeating: ")", count: 100_000),
                       "y = " + String(repeating: "-", count: 100_000) + "x",
                       "y = " + String(repeating: "[", count: 100_000)] {
            #expect(throws: ExpressionError.self) { try ExpressionParser.parse(source) }
        }
        #expect(throws: ExpressionError.self) { try ExpressionParser.parse(String(repeating: "x + ", count: 30_000) + "x") }
    }

    @Test func evaluationErrorsNameTheOpAndPlace() {
        do {
            _ = try run("a = x\nb = sum(a, 5)", ["x": x])
            Issue.record("expected a dim error")
        } catch let e as EvaluationError {
            #expect(e.error.kind == .dim)
            #expect(e.location.line == 2)
            #expect(e.op == "sum")
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(throws: ExpressionError.self) { try run("y = nosuchop(x)", ["x": x]) }
        #expect(throws: ExpressionError.self) { try run("y = q + 1", ["x": x]) }
    }
}
