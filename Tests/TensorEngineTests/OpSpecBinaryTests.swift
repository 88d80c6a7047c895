import Testing
@testable import TensorEngine

/// `OpSpec.callBinary` (the op path's shortcut for `x op y`, issue 19) answers as the op's `forward` after
/// binding: the same dtype, shape, elements (bit for bit) and autograd history, or the same error, for every op
/// that declares `binary`, over operands of every dtype, broadcast shapes and numbers.
struct OpSpecBinaryTests {
    let binaryOps = Ops.all.filter { $0.binary != nil }

    @Test func theElementwiseOpsDeclareIt() {
        let names = Set(binaryOps.map(\.name))
        for name in ["add", "sub", "mul", "div", "eq", "ne", "lt", "le", "gt", "ge", "remainder", "fmod", "floor_divide", "pow"] {
            #expect(names.contains(name), "\(name) has no binary")
        }
    }

    @Test func theirDeclarationsFitIt() {
        for spec in binaryOps {
            #expect(spec.binaryFitsParameters, "\(spec.name): binary needs parameters (tensor, other, defaulted…) and one output")
        }
    }

    /// Operands the shortcut takes, and some it leaves to binding (a list, a string, null).
    var operands: [Value] {
        [.tensor(f32([1.5, -2, 0, 7])), .tensor(f32([3, 0, -0.5, 2])), .tensor(f64([1.25, -3, 0, 4])),
         .tensor(i64([7, -3, 0, 2])), .tensor(i64([2, 0, -4, 3])), .tensor(bools([true, false, true, false])),
         .tensor(f32([2])), .tensor(f32([1, 2, 3])), .tensor(Tensor(scalar: Float(2.5))), .tensor(i64([1, 2, 3, 4], [2, 2])),
         .tensor(f32([1.5, -2, 0, 7], [4, 1])),
         .int(2), .int(0), .float(-1.5), .bool(true), .intList([1, 2]), .string("x"), .null]
    }

    @Test func answersAsForward() throws {
        for spec in binaryOps {
            for a in operands {
                for b in operands {
                    try compare(spec, a, b)
                }
            }
        }
    }

    @Test func recordsTheSameHistory() throws {
        let x = f32([1.5, -2, 0, 7]).requiringGrad(), y = f32([3, 1, -0.5, 2]).requiringGrad()
        for spec in binaryOps {
            try compare(spec, .tensor(x), .tensor(y))
            try compare(spec, .tensor(x), .float(2))
            try GradMode.withoutGrad { try compare(spec, .tensor(x), .tensor(y)) }
        }
    }

    private func compare(_ spec: OpSpec, _ a: Value, _ b: Value) throws {
        let bound = Result { try spec.forward(OpCall(spec: spec, positional: [a, b], keywords: [:])) }
        let shortcut = Result { try spec.callBinary(a, b) }
        let what = "\(spec.name)(\(describe(a)), \(describe(b)))"
        switch (bound, shortcut) {
        case (_, .success(nil)):
            // Left to binding: only for what binding would refuse or convert.
            switch (a, b) {
            case (.tensor, .tensor): Issue.record("\(what): two tensors not taken")
            case (.tensor, .int), (.tensor, .float), (.tensor, .bool):
                #expect(spec.params[1].type != .tensorOrNumber, "\(what): a number not taken")
            default: break
            }
        case (.success(let outs), .success(let out?)):
            #expect(outs.count == 1, "\(what)")
            guard let expected = outs.first else { return }
            #expect(out.dtype == expected.dtype && out.shape == expected.shape, "\(what): \(out.dtype)\(out.shape) vs \(expected.dtype)\(expected.shape)")
            #expect(bits(out) == bits(expected), "\(what): \(out.doubles()) vs \(expected.doubles())")
            #expect((out.node == nil) == (expected.node == nil), "\(what): history")
            #expect(out.node?.name == expected.node?.name, "\(what): history")
        case (.failure(let e), .failure(let f)):
            #expect("\(e)" == "\(f)", "\(what)")
            #expect((e as? TensorError)?.argument == (f as? TensorError)?.argument, "\(what)")
        case (.success, .failure(let f)):
            Issue.record("\(what): shortcut threw \(f), forward answered")
        case (.failure(let e), .success):
            Issue.record("\(what): forward threw \(e), shortcut answered")
        }
    }

    /// Elements as bits, so NaNs and signed zeros compare exactly.
    private func bits(_ t: Tensor) -> [UInt64] {
        switch t.dtype {
        case .float32: t.scalars(as: Float.self).map { UInt64($0.bitPattern) }
        case .float64: t.scalars(as: Double.self).map(\.bitPattern)
        case .int64: t.scalars(as: Int64.self).map { UInt64(bitPattern: $0) }
        case .bool: t.scalars(as: Bool.self).map { $0 ? 1 : 0 }
        }
    }

    private func describe(_ v: Value) -> String {
        if case .tensor(let t) = v { return "\(t.dtype)\(t.shape)" }
        return "\(v)"
    }
}
