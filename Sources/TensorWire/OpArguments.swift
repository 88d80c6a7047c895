import TensorEngine

extension TensorCodec {
    /// An op argument (`POST /v1/ops/{op}` `args`) as the engine's ``Value``, keeping the
    /// JSON spelling: `7` → `.int`, `7.0` → `.float`, `"NaN"`/`"Infinity"`/`"-Infinity"` →
    /// `.float`, other strings → `.string`, integer lists → `.intList`, a tensor object or
    /// `{"ref"}` → `.tensor`, a list of them → `.tensorList`. Binding to the op's parameters
    /// (and their type errors) is ``OpCall``'s job.
    ///
    /// `resolve` turns a `{"ref": name}` into a stored tensor; it gets the name and the
    /// pointer and throws the caller's own error for an unknown name.
    public func argument(_ json: JSONValue, at pointer: String, resolve: (String, String) throws -> Tensor) throws -> Value {
        switch json {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .number(let n):
            guard n.isInteger else { return .float(n.double) }
            guard let i = n.integer else {
                throw WireError(.invalidArgument, status: 422, "integer \(n.double) does not fit in 64 bits", pointer: pointer)
            }
            return .int(Int(i))
        case .string("NaN"): return .float(.nan)
        case .string("Infinity"): return .float(.infinity)
        case .string("-Infinity"): return .float(-.infinity)
        case .string(let s): return .string(s)
        case .numbers(let a):
            guard let ints = a.integers else {
                let k = a.firstNonInteger ?? 0
                throw WireError(.invalidArgument, status: 422, "a list argument holds integers or tensors, got \(a.element(k).typeName)",
                                pointer: JSONPointer.appending(pointer, k))
            }
            return .intList(ints.map { Int($0) })
        case .array(let a):
            if a.isEmpty { return .intList([]) }
            var tensors: [Tensor] = []
            for (k, e) in a.enumerated() {
                let at = JSONPointer.appending(pointer, k)
                guard case .object = e else {
                    throw WireError(.invalidArgument, status: 422, "a list argument holds integers or tensors, got \(e.typeName)", pointer: at)
                }
                tensors.append(try tensor(e, at: at, resolve: resolve))
            }
            return .tensorList(tensors)
        case .object:
            return .tensor(try tensor(json, at: pointer, resolve: resolve))
        }
    }

    /// A tensor object or `{"ref"}`, resolved.
    public func tensor(_ json: JSONValue, at pointer: String, resolve: (String, String) throws -> Tensor) throws -> Tensor {
        switch try decode(json, at: pointer) {
        case .tensor(let t): return t
        case .ref(let name): return try resolve(name, JSONPointer.appending(pointer, "ref"))
        }
    }
}
