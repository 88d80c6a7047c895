import HTTPServer
import TensorEngine
import TensorWire
import Training

// POST /v1/optim/{type}: one stateless optimizer step with PyTorch's update rule.
extension TensorService {
    func addOptimRoutes() {
        add(.post, "/v1/optim/{type}") { [unowned self] request, params in
            let type = params["type"] ?? ""
            guard OptimizerConfig.types.contains(type) else {
                throw Problem.notFound("no optimizer '\(type)'; use one of \(OptimizerConfig.types.joined(separator: ", "))")
            }
            let body = try RequestBody.parse(request, maxDepth: configuration.maxJSONDepth)
            try body.allowOnly(["params", "grads", "state", "options", "encoding"])
            let encoding = try body.encoding()
            let config: OptimizerConfig
            do {
                config = try OptimizerConfig(type: type, options: try optimizerOptions(body.object("options")))
            } catch let e as TensorError {
                throw Problem.from(e, pointer: e.argument.map { "/options/\($0)" })
            }
            let named = try body.members("params")
            guard !named.isEmpty else { throw Problem.badRequest("'params' must name at least one tensor", pointer: "/params") }
            let grads = try body.object("grads")
            let states = try body.object("state")
            var steps: [(String, Tensor, Tensor, OptimizerState)] = []
            for (name, json, pointer) in named {
                guard let g = grads?[name] else {
                    throw Problem.badRequest("no gradient for parameter '\(name)'", pointer: "/grads/\(name)")
                }
                let state = try states?.object(name).map { try optimizerState($0) } ?? OptimizerState()
                steps.append((name, try tensor(json, at: pointer), try tensor(g, at: "/grads/\(name)"), state))
            }
            if let extra = states?.object.keys.first(where: { k in !named.contains { $0.0 == k } }) {
                throw Problem.invalidArgument("state for '\(extra)', which is not among the params", pointer: "/state/\(extra)")
            }
            let results = try compute {
                try steps.map { name, p, g, s in
                    do {
                        guard p.shape == g.shape else {
                            throw Problem(status: 422, code: "shape_mismatch", title: "Shapes are incompatible",
                                          detail: "gradient of '\(name)' has shape \(g.shape) but the parameter has shape \(p.shape)",
                                          errors: [.init(pointer: "/grads/\(name)", detail: "shape \(g.shape) ≠ \(p.shape)")])
                        }
                        return (name, try config.optimizer.step(parameter: p, gradient: g, state: s))
                    } catch let e as TensorError {
                        throw Problem.from(e, pointer: e.argument == "state" ? "/state/\(name)" : "/params/\(name)")
                    }
                }
            }
            return .json(capacity: steps.reduce(256) { $0 + $1.1.count * 40 }) { w in
                w.beginObject()
                w.key("params")
                w.beginObject()
                for (name, r) in results { w.key(name); TensorCodec.encode(r.parameter, encoding: encoding, into: &w) }
                w.endObject()
                w.key("state")
                w.beginObject()
                for (name, r) in results {
                    w.key(name)
                    w.beginObject()
                    w.key("step"); w.int(r.state.step)
                    w.key("buffers")
                    w.beginObject()
                    for (k, t) in r.state.buffers.sorted(by: { $0.key < $1.key }) { w.key(k); TensorCodec.encode(t, encoding: encoding, into: &w) }
                    w.endObject()
                    w.endObject()
                }
                w.endObject()
                w.endObject()
            }
        }
    }

    /// PyTorch constructor keywords: numbers, booleans, or a list of numbers (`betas`).
    private func optimizerOptions(_ options: RequestBody?) throws -> [String: OptimizerOption] {
        guard let options else { return [:] }
        var out: [String: OptimizerOption] = [:]
        for (key, value) in zip(options.object.keys, options.object.values) {
            switch value {
            case .number(let n): out[key] = .number(n.double)
            case .bool(let b): out[key] = .bool(b)
            case .numbers(let a) where a.nonFiniteStrings.isEmpty: out[key] = .list(a.doubles)
            case .string("Infinity"): out[key] = .number(.infinity)
            default: throw Problem.invalidArgument("option '\(key)' must be a number, a boolean or a list of numbers, got \(value.typeName)", pointer: options.at(key))
            }
        }
        return out
    }

    /// A state as this route returned it: `{"step": n, "buffers": {name: tensor}}`.
    private func optimizerState(_ s: RequestBody) throws -> OptimizerState {
        try s.allowOnly(["step", "buffers"])
        guard case .number(let n)? = s["step"], let step = n.integer, step >= 0 else {
            throw Problem.badRequest("'step' must be a non-negative integer", pointer: s.at("step"))
        }
        var buffers: [String: Tensor] = [:]
        for (name, json, pointer) in try s.members("buffers") { buffers[name] = try tensor(json, at: pointer) }
        return OptimizerState(step: Int(step), buffers: buffers)
    }
}
