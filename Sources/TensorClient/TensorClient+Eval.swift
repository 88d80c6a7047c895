import TensorEngine
import TensorWire

// POST /v1/eval and POST /v1/optim/{type}.
extension TensorClient {
    /// Evaluates a program in the expression language and, with `grad`, differentiates it.
    ///
    /// ```swift
    /// let r = try client.eval("pred = x @ w + b\nloss = mse_loss(pred, y)",
    ///                         tensors: ["x": .tensor(x), "y": .tensor(y), "w": .tensor(w), "b": .tensor(b)],
    ///                         outputs: ["loss"], grad: EvalGrad(of: "loss", wrt: ["w", "b"]))
    /// let loss = r.outputs["loss"]?.tensor, dw = r.grads["w"]
    /// ```
    public func eval(_ expr: String, tensors: [String: TensorInput] = [:], outputs: [String]? = nil,
                     grad: EvalGrad? = nil) throws(TensorClientError) -> EvalResult {
        let body = Self.json { w in
            w.beginObject()
            w.key("tensors")
            w.beginObject()
            for (name, t) in tensors.sorted(by: { $0.key < $1.key }) { w.key(name); write(t, into: &w) }
            w.endObject()
            w.key("expr"); w.string(expr)
            if let outputs {
                w.key("outputs")
                w.beginArray(); for o in outputs { w.string(o) }; w.endArray()
            }
            if let grad {
                w.key("grad")
                w.beginObject()
                w.key("of"); w.string(grad.of)
                w.key("wrt"); w.beginArray(); for n in grad.wrt { w.string(n) }; w.endArray()
                if let seed = grad.seed { w.key("seed"); write(seed, into: &w) }
                w.endObject()
            }
            writeEncoding(into: &w)
            w.endObject()
        }
        let json = try send("POST", "/v1/eval", body: body).json()
        let o = try json.object("outputs")
        var values: [(String, EvalValue)] = []
        for (name, v) in zip(o.keys, o.values) { values.append((name, try EvalValue(v, at: "/outputs/\(name)"))) }
        let grads = json.optionalMember("grads") == nil ? NamedTensors() : try json.namedTensors("grads")
        return EvalResult(outputs: EvalOutputs(values), grads: grads)
    }

    /// ``eval(_:tensors:outputs:grad:)`` with inline tensors.
    public func eval(_ expr: String, tensors: [String: Tensor], outputs: [String]? = nil,
                     grad: EvalGrad? = nil) throws(TensorClientError) -> EvalResult {
        try eval(expr, tensors: tensors.mapValues { .tensor($0) }, outputs: outputs, grad: grad)
    }

    /// One optimizer step with PyTorch's update rule (`sgd`, `adagrad`, `rmsprop`, `adam`,
    /// `adamw`). Pass the returned `state` to the next step as it is.
    ///
    /// ```swift
    /// var step = try client.optimizerStep("adam", params: ["w": w], grads: ["w": g], options: ["lr": 0.01])
    /// step = try client.optimizerStep("adam", params: step.params, grads: ["w": g2], state: step.state, options: ["lr": 0.01])
    /// ```
    public func optimizerStep(_ type: String, params: NamedTensors, grads: NamedTensors, state: JSONValue? = nil,
                              options: [String: JSONValue] = [:]) throws(TensorClientError) -> OptimizerStep {
        let body = Self.json { w in
            w.beginObject()
            w.key("params")
            w.beginObject()
            for (name, t) in params { w.key(name); write(.tensor(t), into: &w) }
            w.endObject()
            w.key("grads")
            w.beginObject()
            for (name, t) in grads { w.key(name); write(.tensor(t), into: &w) }
            w.endObject()
            if let state { w.key("state"); w.value(state) }
            w.key("options")
            w.beginObject()
            for (k, v) in options.sorted(by: { $0.key < $1.key }) { w.key(k); w.value(v) }
            w.endObject()
            writeEncoding(into: &w)
            w.endObject()
        }
        let json = try send("POST", "/v1/optim/\(Self.percentEncoded(type))", body: body).json()
        return OptimizerStep(params: try json.namedTensors("params"), state: try json.member("state"))
    }
}

/// `grad` of an eval request: differentiate `of` (one element, or with `seed` as its
/// upstream gradient) with respect to `wrt`.
public struct EvalGrad: Sendable {
    public var of: String
    public var wrt: [String]
    public var seed: TensorInput?

    public init(of: String, wrt: [String], seed: TensorInput? = nil) {
        self.of = of
        self.wrt = wrt
        self.seed = seed
    }
}

/// What a program returned: values by name in request order, and gradients by `wrt` name.
public struct EvalResult: Sendable {
    public var outputs: EvalOutputs
    public var grads: NamedTensors
}

/// The values of an eval, in order, by name.
public struct EvalOutputs: Sendable, Sequence {
    public private(set) var pairs: [(name: String, value: EvalValue)]

    init(_ pairs: [(String, EvalValue)]) { self.pairs = pairs.map { (name: $0.0, value: $0.1) } }

    public subscript(name: String) -> EvalValue? { pairs.first { $0.name == name }?.value }
    public var count: Int { pairs.count }
    public func makeIterator() -> IndexingIterator<[(name: String, value: EvalValue)]> { pairs.makeIterator() }
}

/// A value of a program: a tensor, a list (a multi-output result), a scalar, a string or None.
public indirect enum EvalValue: Sendable {
    case tensor(Tensor)
    case list([EvalValue])
    case int(Int64)
    case float(Double)
    case bool(Bool)
    case string(String)
    case none

    public var tensor: Tensor? {
        if case .tensor(let t) = self { return t }
        return nil
    }

    init(_ json: JSONValue, at pointer: String) throws(TensorClientError) {
        switch json {
        case .object: self = .tensor(try json.tensor(at: pointer))
        case .array, .numbers:
            var items: [EvalValue] = []
            for (i, e) in (json.arrayElements ?? []).enumerated() { items.append(try EvalValue(e, at: "\(pointer)/\(i)")) }
            self = .list(items)
        case .number(let n): self = n.integer.map { .int($0) } ?? .float(n.double)
        case .string(let s): self = json.double.map { .float($0) } ?? .string(s)
        case .bool(let b): self = .bool(b)
        case .null: self = .none
        }
    }
}

/// The answer of an optimizer step.
public struct OptimizerStep: Sendable {
    public var params: NamedTensors
    /// Opaque: send it back unchanged with the next step.
    public var state: JSONValue
}
