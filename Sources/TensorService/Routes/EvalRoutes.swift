import HTTPServer
import TensorEngine
import TensorWire

// POST /v1/eval: run a program of the expression language, and differentiate it.
extension TensorService {
    func addEvalRoutes() {
        add(.post, "/v1/eval") { [unowned self] request, _ in
            let eval = try evalRequest(request)
            let (grad, encoding, format) = (eval.grad, eval.encoding, eval.format)
            let result = try compute { () throws -> Evaluation.Result in
                do {
                    return try Evaluation.run(self.programs.program(eval.source), inputs: eval.inputs, outputs: eval.outputs, grad: grad)
                } catch {
                    // An engine error outside the program comes from differentiating it.
                    throw Problem.converting(error, locate: { _ in "/grad" }) ?? error
                }
            }
            if format != .json {
                let tensors = try result.outputs.flatMap { name, value in try TensorService.namedTensors(value, name: name) }
                return try TensorService.binaryResponse(format, tensors + result.grads.map { ("grads.\($0)", $1) })
            }
            // A small answer's buffer stays under glibc's 1 KiB "large" size, whose every allocation
            // consolidates the allocator's free lists (perf, issue 19); the writer grows for larger ones.
            return .json(capacity: 256) { w in
                w.beginObject()
                w.key("outputs")
                w.beginObject()
                for (name, value) in result.outputs {
                    w.key(name)
                    TensorService.write(value, encoding: encoding, into: &w)
                }
                w.endObject()
                if grad != nil {
                    w.key("grads")
                    w.beginObject()
                    for (name, g) in result.grads {
                        w.key(name)
                        TensorCodec.encode(g, encoding: encoding, into: &w)
                    }
                    w.endObject()
                }
                w.endObject()
            }
        }
    }

    /// What a `POST /v1/eval` asks for.
    private struct EvalRequest {
        static let fields: Set<String> = ["tensors", "expr", "outputs", "grad", "encoding"]
        static let gradFields: Set<String> = ["of", "wrt", "seed"]
        var source: String
        var inputs: [String: Tensor]
        var outputs: [String]?
        var grad: Evaluation.GradRequest?
        var encoding: TensorEncoding
        var format = TensorFormat.json
    }

    /// What a `POST /v1/eval` asks for. A plain body is read straight from its bytes; any other goes through
    /// the parser and the codec, which also give every error, pointing at its field.
    private func evalRequest(_ request: Request) throws -> EvalRequest {
        try RequestBody.checkContentType(request)
        if var plain = plainEvalBody(request.body) {
            plain.format = try TensorFormat.ofResponse(request, offered: TensorFormat.allCases)
            return plain
        }
        let body = try RequestBody.parse(request.body, maxDepth: configuration.maxJSONDepth)
        try body.allowOnly(EvalRequest.fields)
        let encoding = try body.encoding()
        let format = try TensorFormat.ofResponse(request, offered: TensorFormat.allCases)
        guard let source = try body.string("expr") else { throw Problem.badRequest("missing required field 'expr'", pointer: "/expr") }
        var inputs: [String: Tensor] = [:]
        for (name, json, pointer) in try body.members("tensors") { inputs[name] = try tensor(json, at: pointer) }
        let outputs = try body.strings("outputs")
        var grad: Evaluation.GradRequest?
        if let g = try body.object("grad") {
            try g.allowOnly(EvalRequest.gradFields)
            guard let of = try g.string("of") else { throw Problem.badRequest("missing required field 'of'", pointer: "/grad/of") }
            grad = Evaluation.GradRequest(of: of, wrt: try g.strings("wrt") ?? [],
                                          seed: try g["seed"].map { try tensor($0, at: "/grad/seed") })
        }
        return EvalRequest(source: source, inputs: inputs, outputs: outputs, grad: grad, encoding: encoding, format: format)
    }

    /// `tensors` as tensor objects, `expr`, `outputs`, `grad` and `encoding`, read by `DirectJSONReader`; nil
    /// for any other body (and for one without `expr` or `grad.of`, whose errors the general path gives).
    private func plainEvalBody(_ body: [UInt8]) -> EvalRequest? {
        var source: String?
        // Room for a few inputs at once (an empty dictionary grew twice for two), and in the environment the
        // evaluator makes from it (`mapValues` keeps the capacity) for an assigned name or two (issue 19).
        var inputs = [String: Tensor](minimumCapacity: 4)
        var outputs: [String]?
        var grad: (of: String?, wrt: [String]?, seed: Tensor?)?
        var encoding = TensorEncoding.json
        let plain = body.withUnsafeBufferPointer { bytes in
            DirectJSONReader.readObject(bytes, maxDepth: configuration.maxJSONDepth) { key, r in
                switch key {
                case "expr": source = r.string(); return source != nil
                case "tensors": return r.object { name, r in r.tensor(codec).map { inputs[name.string] = $0 } != nil }
                case "outputs": outputs = r.strings(); return outputs != nil
                case "encoding": return r.encoding().map { encoding = $0 } != nil
                case "grad":
                    var g: (of: String?, wrt: [String]?, seed: Tensor?) = (nil, nil, nil)
                    let ok = r.object { key, r in
                        switch key {
                        case "of": g.of = r.string(); return g.of != nil
                        case "wrt": g.wrt = r.strings(); return g.wrt != nil
                        case "seed": g.seed = r.tensor(codec); return g.seed != nil
                        default: return false
                        }
                    }
                    grad = g
                    return ok
                default: return false
                }
            }
        }
        guard plain, let source else { return nil }
        var request: Evaluation.GradRequest?
        if let grad {
            guard let of = grad.of else { return nil }
            request = Evaluation.GradRequest(of: of, wrt: grad.wrt ?? [], seed: grad.seed)
        }
        return EvalRequest(source: source, inputs: inputs, outputs: outputs, grad: request, encoding: encoding)
    }

    /// An evaluation result as named tensors for a binary answer: a number becomes a 0-d
    /// tensor (int64, float64 or bool, as `torch.tensor` makes it), the parts of a list or of
    /// a multi-output result are `name.values` / `name.0`. Strings, dtypes and None have no tensor form.
    static func namedTensors(_ value: EvalValue, name: String) throws -> [(name: String, tensor: Tensor)] {
        switch value {
        case .tensor(let t): return [(name, t)]
        case .scalar(.int(let i)): return [(name, Tensor(scalar: i))]
        case .scalar(.float(let d)): return [(name, Tensor(scalar: d))]
        case .scalar(.bool(let b)): return [(name, Tensor(scalar: b))]
        case .results(let ts, let names):
            return ts.enumerated().map { i, t in
                let part = i < names.count && !names[i].hasSuffix("*") && names[i] != "output" ? names[i] : String(i)
                return ("\(name).\(part)", t)
            }
        case .tuple(let items):
            // A torch.Size travels as an int64 tensor, as in the JSON answer.
            if let ints = value.ints { return [(name, Tensor(ints.map(Int64.init)))] }
            return try items.enumerated().flatMap { i, item in try namedTensors(item, name: "\(name).\(i)") }
        case .list(let items):
            return try items.enumerated().flatMap { i, item in try namedTensors(item, name: "\(name).\(i)") }
        case .string, .dtype, .none:
            throw Problem(status: 406, code: "not_acceptable", title: "Not acceptable",
                          detail: "output '\(name)' is \(value.kind), which has no tensor form; ask for application/json")
        }
    }

    /// An evaluation result: a tensor, a list of (named) tensors, a number, a string or null.
    static func write(_ value: EvalValue, encoding: TensorEncoding, into w: inout JSONWriter) {
        switch value {
        case .tensor(let t): TensorCodec.encode(t, encoding: encoding, into: &w)
        case .results(let ts, let names):
            w.beginArray()
            for (i, t) in ts.enumerated() {
                let name = i < names.count && !names[i].hasSuffix("*") && names[i] != "output" ? names[i] : nil
                TensorCodec.encode(t, encoding: encoding, name: name, into: &w)
            }
            w.endArray()
        case .scalar(.int(let i)): w.int(i)
        case .scalar(.float(let d)): w.float(d)
        case .scalar(.bool(let b)): w.bool(b)
        case .string(let s): w.string(s)
        case .dtype(let d): w.string(d.rawValue)
        case .none: w.null()
        case .tuple(let items):
            // A torch.Size (a tuple of ints) is returned as an int64 tensor.
            if let ints = value.ints {
                TensorCodec.encode(Tensor(ints.map(Int64.init)), encoding: encoding, into: &w)
                return
            }
            w.beginArray()
            for item in items { write(item, encoding: encoding, into: &w) }
            w.endArray()
        case .list(let items):
            w.beginArray()
            for item in items { write(item, encoding: encoding, into: &w) }
            w.endArray()
        }
    }
}
