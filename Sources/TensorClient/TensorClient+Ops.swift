import TensorEngine
import TensorWire

// POST /v1/ops/{op}, with convenience methods for the common ops.
extension TensorClient {
    /// Runs one op: `inputs` are its positional tensors (a list op such as `cat` takes the
    /// list as its inputs), `args` its other arguments by PyTorch name. Returns the outputs
    /// in PyTorch's order.
    ///
    /// ```swift
    /// let y = try client.op("matmul", [a, b])[0]
    /// let (values, indices) = try client.op("topk", [x], args: ["k": 2]).pair
    /// let s = try client.op("sum", [x], args: ["dim": 1, "keepdim": true])[0]
    /// ```
    public func op(_ name: String, _ inputs: [Tensor], args: [String: JSONValue] = [:]) throws(TensorClientError) -> [Tensor] {
        try opOutputs(name, inputs.map { .tensor($0) }, args: args).map(\.tensor)
    }

    /// ``op(_:_:args:)`` with inputs that may name stored tensors (`.ref("digits_x")`).
    public func op(_ name: String, _ inputs: [TensorInput], args: [String: JSONValue] = [:]) throws(TensorClientError) -> [Tensor] {
        try opOutputs(name, inputs, args: args).map(\.tensor)
    }

    /// The outputs with the names PyTorch gives them (`values`, `indices`, `total_norm`).
    public func opOutputs(_ name: String, _ inputs: [TensorInput], args: [String: JSONValue] = [:]) throws(TensorClientError) -> [OpOutput] {
        let body = Self.json { w in
            w.beginObject()
            w.key("inputs")
            w.beginArray()
            for input in inputs { write(input, into: &w) }
            w.endArray()
            w.key("args")
            w.beginObject()
            for (k, v) in args.sorted(by: { $0.key < $1.key }) { w.key(k); w.value(v) }
            w.endObject()
            writeEncoding(into: &w)
            w.endObject()
        }
        let json = try send("POST", "/v1/ops/\(Self.percentEncoded(name))", body: body).json()
        return try json.array("outputs").enumerated().map { (i, o) throws(TensorClientError) in
            OpOutput(name: try o.optionalString("name"), tensor: try o.tensor(at: "/outputs/\(i)"))
        }
    }

    public func add(_ a: Tensor, _ b: Tensor) throws(TensorClientError) -> Tensor { try op("add", [a, b])[0] }
    public func sub(_ a: Tensor, _ b: Tensor) throws(TensorClientError) -> Tensor { try op("sub", [a, b])[0] }
    public func mul(_ a: Tensor, _ b: Tensor) throws(TensorClientError) -> Tensor { try op("mul", [a, b])[0] }
    public func div(_ a: Tensor, _ b: Tensor) throws(TensorClientError) -> Tensor { try op("div", [a, b])[0] }
    public func matmul(_ a: Tensor, _ b: Tensor) throws(TensorClientError) -> Tensor { try op("matmul", [a, b])[0] }
    public func neg(_ x: Tensor) throws(TensorClientError) -> Tensor { try op("neg", [x])[0] }
    public func exp(_ x: Tensor) throws(TensorClientError) -> Tensor { try op("exp", [x])[0] }
    public func log(_ x: Tensor) throws(TensorClientError) -> Tensor { try op("log", [x])[0] }
    public func relu(_ x: Tensor) throws(TensorClientError) -> Tensor { try op("relu", [x])[0] }
    public func sigmoid(_ x: Tensor) throws(TensorClientError) -> Tensor { try op("sigmoid", [x])[0] }
    public func tanh(_ x: Tensor) throws(TensorClientError) -> Tensor { try op("tanh", [x])[0] }

    public func softmax(_ x: Tensor, dim: Int) throws(TensorClientError) -> Tensor {
        try op("softmax", [x], args: ["dim": .number(JSONNumber(Int64(dim)))])[0]
    }

    /// The sum of all elements, or along `dim`.
    public func sum(_ x: Tensor, dim: Int? = nil, keepdim: Bool = false) throws(TensorClientError) -> Tensor {
        try op("sum", [x], args: Self.reductionArgs(dim: dim, keepdim: keepdim))[0]
    }

    /// The mean of all elements, or along `dim`.
    public func mean(_ x: Tensor, dim: Int? = nil, keepdim: Bool = false) throws(TensorClientError) -> Tensor {
        try op("mean", [x], args: Self.reductionArgs(dim: dim, keepdim: keepdim))[0]
    }

    public func reshape(_ x: Tensor, _ shape: [Int]) throws(TensorClientError) -> Tensor {
        try op("reshape", [x], args: ["shape": .array(shape.map { .number(JSONNumber(Int64($0))) })])[0]
    }

    public func transpose(_ x: Tensor, _ dim0: Int, _ dim1: Int) throws(TensorClientError) -> Tensor {
        try op("transpose", [x], args: ["dim0": .number(JSONNumber(Int64(dim0))), "dim1": .number(JSONNumber(Int64(dim1)))])[0]
    }

    /// The `k` largest elements along `dim` and their indices.
    public func topk(_ x: Tensor, _ k: Int, dim: Int = -1) throws(TensorClientError) -> (values: Tensor, indices: Tensor) {
        let out = try op("topk", [x], args: ["k": .number(JSONNumber(Int64(k))), "dim": .number(JSONNumber(Int64(dim)))])
        guard out.count == 2 else { throw .invalidResponse("topk gave \(out.count) outputs, not 2") }
        return (out[0], out[1])
    }

    public func mseLoss(_ input: Tensor, _ target: Tensor, reduction: String = "mean") throws(TensorClientError) -> Tensor {
        try op("mse_loss", [input, target], args: ["reduction": .string(reduction)])[0]
    }

    public func crossEntropy(logits: Tensor, targets: Tensor, reduction: String = "mean") throws(TensorClientError) -> Tensor {
        try op("cross_entropy", [logits, targets], args: ["reduction": .string(reduction)])[0]
    }

    private static func reductionArgs(dim: Int?, keepdim: Bool) -> [String: JSONValue] {
        var args: [String: JSONValue] = ["keepdim": .bool(keepdim)]
        if let dim { args["dim"] = .number(JSONNumber(Int64(dim))) }
        return args
    }

    // MARK: - Writing requests

    /// A tensor as the client sends it (``Configuration/encoding``), or `{"ref": name}`.
    func write(_ input: TensorInput, into w: inout JSONWriter) {
        switch input {
        case .tensor(let t): TensorCodec.encode(t, encoding: configuration.encoding, into: &w)
        case .ref(let name):
            w.beginObject()
            w.key("ref"); w.string(name)
            w.endObject()
        }
    }

    /// `"encoding": "b64"` when the client wants base64 answers.
    func writeEncoding(into w: inout JSONWriter) {
        if configuration.encoding == .b64 { w.key("encoding"); w.string("b64") }
    }
}

/// One output of an op, with its PyTorch name where it has one.
public struct OpOutput: Sendable {
    public var name: String?
    public var tensor: Tensor
}
