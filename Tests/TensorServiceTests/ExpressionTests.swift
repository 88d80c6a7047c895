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

    /// `max(x)` is a tensor as in PyTorch, so it composes and has a gradient: ties share it
    /// evenly (PyTorch's evenly_distribute_backward): d max([1, 3, 3, 2]) = [0, .5, .5, 0].
    @Test func maxAndMinWithoutDimAreTensors() throws {
        let v = Tensor([1, 3, 3, 2] as [Float])
        let r = try run("m = max(v)\nn = v.min()\nloss = sum(max(v)) + 2 * min(v)", ["v": v], outputs: ["m", "n", "loss"],
                        grad: .init(of: "loss", wrt: ["v"]))
        #expect(try tensor(r, "m").doubles() == [3])
        #expect(try tensor(r, "m").shape == [])
        #expect(try tensor(r, "n").doubles() == [1])
        #expect(try tensor(r, "loss").doubles() == [5])
        #expect(r.grads[0].1.doubles() == [2, 0.5, 0.5, 0])
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

    @Test("constructs outside the language are refused by name, with line and column", arguments: [
        ("for i in x:\n    y = i", 1, 1),
        ("y = x\ndef f(a):\n    return a", 2, 1),
        ("import numpy as np", 1, 1),
        ("from torch import nn", 1, 1),
        ("y = x.grad_fn", 1, 7),
        ("y = x.numpy()", 1, 7),
        ("y = torch.nn.Linear(2, 3)", 1, 14),
        ("assert x.sum() > 0", 1, 1),
        ("with open('f'):\n    y = x", 1, 1),
        ("y = torch.no_grad()", 1, 11),
    ])
    func unsupportedConstructs(source: String, line: Int, column: Int) {
        do {
            _ = try run(source, ["x": x])
            Issue.record("expected \(source) to be refused")
        } catch let e as ExpressionError {
            #expect(e.kind == .unsupported, "\(e)")
            #expect(e.location == SourcePosition(line: line, column: column), "\(e)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("indentation and with-blocks parse as Python's", arguments: [
        ("y = x\n  z = x", 2, 3),
        ("with torch.no_grad():\ny = x", 2, 1),
        ("with torch.no_grad():\n    y = x\n      z = x", 3, 7),
        ("y = x[]", 1, 6),
        ("y = x[1:2:3:4]", 1, 12),
        ("a, b += x", 1, 1),
    ])
    func layoutErrors(source: String, line: Int, column: Int) {
        do {
            _ = try ExpressionParser.parse(source)
            Issue.record("expected a parse error for \(source)")
        } catch let e as ExpressionError {
            #expect(e.kind == .parse, "\(e)")
            #expect(e.location == SourcePosition(line: line, column: column), "\(e)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func noGradBlocksEndAtTheDedentAndImportsAreAccepted() throws {
        let r = try run("import torch\nimport torch.nn.functional as F\nw = x.clone().requires_grad_()\nwith torch.no_grad():\n    a = w * 2\n    b = a + 1\nc = w * 2; d = c.requires_grad\nwith torch.no_grad(): e = w.sum()\nf = a.requires_grad",
                        ["x": x], outputs: ["b", "d", "e", "f"])
        #expect(try tensor(r, "b").doubles() == [3, 5, 7, 9, 11, 13])
        #expect(try tensor(r, "e").doubles() == [21])
        guard case .scalar(.bool(true)) = r.outputs[1].1, case .scalar(.bool(false)) = r.outputs[3].1 else {
            Issue.record("requires_grad inside and outside no_grad: \(r.outputs)"); return
        }
    }

    @Test func castsWithoutInt32GiveInt64AndGradCanBeCleared() throws {
        // PyTorch's .int() is int32; the engine's one integer dtype is int64.
        let r = try run("i = x.int()\nw = x.clone().requires_grad_()\nw.sum().backward()\nw.grad = None\ng = w.grad\ns = x.shape",
                        ["x": x], outputs: ["i", "g", "s"])
        #expect(try tensor(r, "i").dtype == .int64)
        guard case .none = r.outputs[1].1, case .tuple(let dims) = r.outputs[2].1 else { Issue.record("\(r.outputs)"); return }
        #expect(dims.count == 2)
    }

    @Test func inPlaceChangesDoNotReachTheCallersTensors() throws {
        let stored = x.copied()
        let r = try run("x[0] = 100\nx += 1", ["x": stored], outputs: ["x"])
        #expect(try tensor(r, "x").doubles() == [101, 101, 101, 5, 6, 7])
        #expect(stored.doubles() == [1, 2, 3, 4, 5, 6], "an input from the store is not changed by the program")
    }

    @Test func hostileIndicesAreErrors() {
        for source in ["y = x[9223372036854775807]", "y = x[-9223372036854775807 - 1]", "y = x[::0]", "y = x[::-1]",
                       "y = x[[9223372036854775807]]", "y = x[0, 0, 0]", "y = x[..., ...]", "y = x.size(9223372036854775807)",
                       "y = torch.tensor([[1], [2, 3]])", "y = x['a']", "y = x[1.5]"] {
            #expect(throws: (any Error).self, "\(source)") { try run(source, ["x": x]) }
        }
        #expect(throws: ExpressionError.self) { try run("a, b = x.shape[0]", ["x": x]) }
    }
}

/// `manual_seed(s)` in a program: the random ops after it draw PyTorch's values for the seed
/// (recorded with torch 2.15: `torch.manual_seed(0); torch.randn(3)`, then
/// `torch.manual_seed(5); torch.randint(0, 100, (4,))`).
struct ProgramSeedTests {
    func outputs(_ source: String) throws -> [Tensor] {
        try Evaluation.run(source: source, inputs: [:], outputs: nil, grad: nil).outputs.map { name, v in
            guard case .tensor(let t) = v else { throw ExpressionError(message: "\(name) is a \(v.kind)", location: nil) }
            return t
        }
    }

    @Test func aSeedAppliesFromItsStatementOn() throws {
        let r = try outputs("manual_seed(0)\na = randn([3])\nmanual_seed(5)\nb = randint(0, 100, [4])\nmanual_seed(0)\nc = randn([3])")
        #expect(r[0].scalars(as: Float.self) == [1.5409960746765137, -0.293428897857666, -2.1787893772125244])
        #expect(r[1].scalars(as: Int64.self) == [11, 14, 67, 85])
        #expect(r[2].scalars(as: Float.self) == r[0].scalars(as: Float.self))
    }

    @Test func programsWithoutASeedDrawFreshValues() throws {
        let a = try outputs("x = rand([8])")[0].doubles(), b = try outputs("x = rand([8])")[0].doubles()
        #expect(a != b)
        #expect(throws: ExpressionError.self) { try outputs("manual_seed(1.5)") }
        #expect(throws: ExpressionError.self) { try outputs("manual_seed()") }
    }
}
