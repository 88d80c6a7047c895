import HTTPServer
import TensorEngine
import TensorWire

// GET /v1/ops and POST /v1/ops/{op}: generated from the op declarations.
extension TensorService {
    func addOpRoutes() {
        let catalogue = TensorService.catalogueJSON()
        add(.get, "/v1/ops") { _, _ in Response(json: catalogue) }
        add(.post, "/v1/ops/{op}") { [unowned self] request, params in
            let name = params["op"] ?? ""
            guard let spec = Ops.spec(name) else { throw Problem.unknownOp(name) }
            let op = try opRequest(request, spec)
            let outputs = try compute {
                do {
                    // `x op y` of a binary elementwise op needs no binding (issue 19).
                    if op.positional.count == 2, op.keywords.isEmpty,
                       let out = try GradMode.withoutGrad({ try spec.callBinary(op.positional[0], op.positional[1]) }) {
                        return [out]
                    }
                    let call = try OpCall(spec: spec, positional: op.positional, keywords: op.keywords)
                    return try GradMode.withoutGrad { try spec.forward(call) }
                } catch {
                    throw Problem.converting(error, locate: { TensorService.pointer(for: $0, spec: spec, inputs: op.positional.count) }) ?? error
                }
            }
            let names = TensorService.outputNames(spec, count: outputs.count)
            if op.format != .json {
                // Unnamed results are named by their position, as they stand in the JSON answer's list.
                return try TensorService.binaryResponse(op.format, zip(names, outputs).enumerated().map { i, r in (r.0 ?? String(i), r.1) })
            }
            // The writer reserves 33 bytes for each number before writing it: a small answer's first buffer holds
            // that (it grew and was copied once per answer with 64 bytes here, issue 19).
            return .json(capacity: outputs.reduce(256) { $0 + $1.count * 12 }) { w in
                w.beginObject()
                w.key("outputs")
                w.beginArray()
                for i in outputs.indices { TensorCodec.encode(outputs[i], encoding: op.encoding, name: names[i], into: &w) }
                w.endArray()
                w.endObject()
            }
        }
    }

    /// What a `POST /v1/ops/{op}` asks for.
    private struct OpRequest {
        static let fields: Set<String> = ["inputs", "args", "encoding"]
        var positional: [Value]
        var keywords: [String: Value]
        var encoding: TensorEncoding
        var format: TensorFormat
    }

    /// A request's inputs, args and answer format. A plain body is read straight from its bytes; any other
    /// goes through the parser and the codec, which also give every error, pointing at its field.
    private func opRequest(_ request: Request, _ spec: OpSpec) throws -> OpRequest {
        try RequestBody.checkContentType(request)
        if let plain = plainOpBody(request.body) {
            let format = try TensorFormat.ofResponse(request, offered: TensorFormat.allCases)
            return OpRequest(positional: try opInputs(spec, decoded: plain.inputs), keywords: plain.keywords,
                             encoding: plain.encoding, format: format)
        }
        let body = try RequestBody.parse(request.body, maxDepth: configuration.maxJSONDepth)
        try body.allowOnly(OpRequest.fields)
        let encoding = try body.encoding()
        let format = try TensorFormat.ofResponse(request, offered: TensorFormat.allCases)
        let positional = try opInputs(spec, body)
        let keywords = try Dictionary(uniqueKeysWithValues: body.members("args").map { key, json, pointer in
            (key, try argument(json, at: pointer))
        })
        return OpRequest(positional: positional, keywords: keywords, encoding: encoding, format: format)
    }

    /// `inputs` as a list of tensor objects, plain `args` and `encoding`, read by `DirectJSONReader`; nil for
    /// any other body.
    private func plainOpBody(_ body: [UInt8]) -> (inputs: [Value], keywords: [String: Value], encoding: TensorEncoding)? {
        // Each input as the `.tensor` value binding takes, in one array of room for two (most ops take one or two).
        var inputs: [Value] = []
        inputs.reserveCapacity(2)
        var keywords: [String: Value] = [:]
        var encoding = TensorEncoding.json
        let plain = body.withUnsafeBufferPointer { bytes in
            DirectJSONReader.readObject(bytes, maxDepth: configuration.maxJSONDepth) { key, r in
                switch key {
                case "inputs":
                    // The tensor moved into the list: through `Optional.map` its optional was destroyed
                    // by value witnesses (perf, issue 19).
                    return r.array { r in
                        guard let t = r.tensor(codec) else { return false }
                        inputs.append(.tensor(t))
                        return true
                    }
                case "args": return r.object { name, r in r.argument(codec).map { keywords[name.string] = $0 } != nil }
                case "encoding": return r.encoding().map { encoding = $0 } != nil
                default: return false
                }
            }
        }
        return plain ? (inputs, keywords, encoding) : nil
    }

    /// The `inputs` of a request as the op's leading positional values. An op whose first
    /// parameter is a tensor list (`cat`, `stack`, `clip_grad_norm`) takes `[a, b]` or `[[a, b]]`.
    private func opInputs(_ spec: OpSpec, _ body: RequestBody) throws -> [Value] {
        let inputs = try body.array("inputs") ?? []
        if spec.takesTensorList {
            if inputs.count == 1, let inner = inputs[0].arrayElements {
                return [.tensorList(try inner.enumerated().map { try tensor($1, at: "/inputs/0/\($0)") })]
            }
            return inputs.isEmpty ? [] : [.tensorList(try inputs.enumerated().map { try tensor($1, at: "/inputs/\($0)") })]
        }
        try checkInputCount(spec, inputs.count)
        return try inputs.enumerated().map { .tensor(try tensor($1, at: "/inputs/\($0)")) }
    }

    /// `inputs` already decoded (a plain body's list of tensor objects, each a `.tensor`) as the op's leading
    /// positional values.
    private func opInputs(_ spec: OpSpec, decoded inputs: [Value]) throws -> [Value] {
        if spec.takesTensorList {
            return inputs.isEmpty ? [] : [.tensorList(inputs.compactMap { if case .tensor(let t) = $0 { t } else { nil } })]
        }
        try checkInputCount(spec, inputs.count)
        return inputs
    }

    private func checkInputCount(_ spec: OpSpec, _ count: Int) throws {
        guard count > spec.tensorInputCount else { return }
        let tensorParams = spec.tensorInputs
        throw Problem.invalidArgument("\(spec.name) takes at most \(tensorParams.count) input tensor(s) (\(tensorParams.map(\.name).joined(separator: ", "))), got \(count); pass numbers in args",
                                      pointer: "/inputs/\(tensorParams.count)")
    }

    /// Where an op's error points: `/inputs/i` for a tensor given in `inputs`, else `/args/name`.
    static func pointer(for argument: String?, spec: OpSpec, inputs: Int) -> String? {
        guard let argument else { return nil }
        if let i = spec.params.prefix(inputs).firstIndex(where: { $0.name == argument }) { return "/inputs/\(i)" }
        return "/args/\(argument)"
    }

    /// PyTorch's names for an op's results (`values`, `indices`, `total_norm`); plain
    /// single results and list pieces are unnamed.
    static func outputNames(_ spec: OpSpec, count: Int) -> [String?] {
        let declared = spec.outputs
        guard let star = declared.firstIndex(where: { $0.hasSuffix("*") }) else {
            // One result of an op that may give several (`max` without dim) is a plain tensor, as in PyTorch.
            if count == 1 { return [nil] }
            return (0..<count).map { i in i < declared.count ? declared[i] : nil }
        }
        let trailing = Array(declared[(star + 1)...])
        return (0..<count).map { i in
            let fromEnd = count - i
            return fromEnd <= trailing.count ? trailing[trailing.count - fromEnd] : nil
        }
    }

    /// The catalogue as served by `GET /v1/ops`, encoded once.
    static func catalogueJSON() -> [UInt8] {
        var w = JSONWriter(capacity: 32 * 1024)
        w.beginObject()
        w.key("ops")
        w.beginArray()
        for spec in Ops.all {
            let inputs = spec.tensorInputs
            w.beginObject()
            w.key("name"); w.string(spec.name)
            w.key("summary"); w.string(spec.summary)
            w.key("inputs")
            w.beginArray()
            for p in inputs {
                w.beginObject(); w.key("name"); w.string(p.name); w.key("type"); w.string(p.type.displayName); w.endObject()
            }
            w.endArray()
            w.key("args")
            w.beginArray()
            for p in spec.params.dropFirst(inputs.count) {
                w.beginObject()
                w.key("name"); w.string(p.name)
                w.key("type"); w.string(p.type.displayName)
                w.key("required"); w.bool(p.defaultValue == nil)
                if let d = p.defaultValue { w.key("default"); write(d, into: &w) }
                w.endObject()
            }
            w.endArray()
            w.key("outputs"); w.beginArray(); for o in spec.outputs { w.string(o) }; w.endArray()
            w.key("differentiable"); w.bool(spec.isDifferentiable)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return w.take()
    }

    private static func write(_ v: Value, into w: inout JSONWriter) {
        switch v {
        case .int(let i): w.int(i)
        case .float(let d): w.float(d)
        case .bool(let b): w.bool(b)
        case .string(let s): w.string(s)
        case .intList(let l): w.beginArray(); for i in l { w.int(i) }; w.endArray()
        case .null, .tensor, .tensorList: w.null()
        }
    }
}
