/// An op's arguments after binding to its declaration: every parameter has a value of
/// its declared type (given or defaulted), so the forward reads them without re-checking.
public struct OpCall: Sendable {
    public let spec: OpSpec
    /// Every parameter's value, by name (`c.values["dims"]`).
    public let values: Arguments
    private let givenGenerator: Generator?

    /// The bound values, one per parameter in the declaration's order. Ops have a handful of
    /// parameters, so finding one by name is a short scan: binding by position saves the
    /// dictionary a call used to build and hash (issue 19).
    public struct Arguments: Sendable {
        let params: [Param]
        let slots: [Value]

        public subscript(name: String) -> Value? {
            params.firstIndex { $0.name == name }.map { slots[$0] }
        }
    }

    /// Binds positional values to parameters in order, then keywords by name; checks
    /// types, unknown and missing arguments, naming the argument in every error. Random ops
    /// draw from `generator`, or from the process's unseeded one.
    public init(spec: OpSpec, positional: [Value], keywords: [String: Value], generator: Generator? = nil) throws {
        self.spec = spec
        givenGenerator = generator
        let params = spec.params
        guard positional.count <= params.count else {
            throw TensorError.value("\(spec.name) takes at most \(params.count) positional arguments, got \(positional.count)")
        }
        // A keyword names a parameter after the positional ones. (No array of optionals per call: its
        // generic metadata is looked up at run time on every allocation, issue 19.)
        for name in keywords.keys {
            guard let i = params.firstIndex(where: { $0.name == name }) else {
                let known = params.map(\.name).joined(separator: ", ")
                throw TensorError(.value, "\(spec.name) has no argument '\(name)' (its arguments: \(known))", argument: name)
            }
            guard i >= positional.count else {
                throw TensorError(.value, "\(spec.name) got argument '\(name)' twice", argument: name)
            }
        }
        var slots: [Value] = []
        slots.reserveCapacity(params.count)
        for (i, param) in params.enumerated() {
            if let value = i < positional.count ? positional[i] : keywords.isEmpty ? nil : keywords[param.name] {
                slots.append(try OpCall.check(value, param.type, op: spec.name, arg: param.name))
            } else if let d = param.defaultValue {
                slots.append(d)
            } else {
                throw TensorError(.value, "\(spec.name) is missing required argument '\(param.name)' (\(param.type.displayName))", argument: param.name)
            }
        }
        values = Arguments(params: params, slots: slots)
    }

    /// Returns `value` normalised to `type` (an int where a float is expected becomes a
    /// float, an int where a list is expected becomes a one-element list), or throws.
    static func check(_ value: Value, _ type: ParamType, op: String, arg: String) throws -> Value {
        func fail() -> TensorError {
            TensorError(.value, "argument '\(arg)' of \(op) must be \(type.displayName), got \(value.typeName)", argument: arg)
        }
        switch (type, value) {
        case (.optional, .null): return .null
        case (.optional(let inner), _): return try check(value, inner, op: op, arg: arg)
        case (.tensor, .tensor), (.tensorList, .tensorList), (.int, .int), (.bool, .bool), (.intList, .intList),
             (.dims, .int), (.dims, .intList), (.number, .int), (.number, .float),
             (.tensorOrNumber, .tensor), (.tensorOrNumber, .int), (.tensorOrNumber, .float), (.tensorOrNumber, .bool),
             (.numberOrChoice, .int), (.numberOrChoice, .float), (.float, .float), (.string, .string):
            return value
        case (.tensorList, .intList(let l)) where l.isEmpty: return .tensorList([])
        case (.float, .int(let i)): return .float(Double(i))
        case (.intList, .int(let i)): return .intList([i])
        case (.choice(let options), .string(let s)), (.numberOrChoice(let options), .string(let s)):
            guard options.contains(s) else {
                throw TensorError(.value, "argument '\(arg)' of \(op) must be one of \(options.map { "'\($0)'" }.joined(separator: ", ")), got '\(s)'", argument: arg)
            }
            return value
        case (.dtype, .string(let s)):
            guard DType(name: s) != nil else {
                throw TensorError(.dtype, "argument '\(arg)' of \(op): unknown dtype '\(s)' (float32, float64, int64, bool)", argument: arg)
            }
            return value
        default:
            throw fail()
        }
    }

    /// The generator random ops draw from.
    public var generator: Generator { givenGenerator ?? Generator.unseeded }

    // Typed readers. Binding has checked the types, so a mismatch here is a bug in a declaration.
    public func tensor(_ name: String) -> Tensor {
        guard case .tensor(let t) = values[name] else { preconditionFailure("\(spec.name).\(name) is not a tensor") }
        return t
    }
    public func optionalTensor(_ name: String) -> Tensor? {
        if case .tensor(let t) = values[name] { return t }
        return nil
    }
    public func tensors(_ name: String) -> [Tensor] {
        guard case .tensorList(let t) = values[name] else { preconditionFailure("\(spec.name).\(name) is not a tensor list") }
        return t
    }
    public func int(_ name: String) -> Int {
        guard case .int(let i) = values[name] else { preconditionFailure("\(spec.name).\(name) is not an int") }
        return i
    }
    public func optionalInt(_ name: String) -> Int? {
        if case .int(let i) = values[name] { return i }
        return nil
    }
    public func double(_ name: String) -> Double {
        switch values[name] {
        case .float(let d): return d
        case .int(let i): return Double(i)
        default: preconditionFailure("\(spec.name).\(name) is not a number")
        }
    }
    public func optionalDouble(_ name: String) -> Double? {
        if case .null? = values[name] { return nil }
        return double(name)
    }
    public func bool(_ name: String) -> Bool {
        guard case .bool(let b) = values[name] else { preconditionFailure("\(spec.name).\(name) is not a bool") }
        return b
    }
    public func string(_ name: String) -> String {
        guard case .string(let s) = values[name] else { preconditionFailure("\(spec.name).\(name) is not a string") }
        return s
    }
    public func ints(_ name: String) -> [Int] {
        switch values[name] {
        case .intList(let l): return l
        case .int(let i): return [i]
        default: preconditionFailure("\(spec.name).\(name) is not an int list")
        }
    }
    /// `dims` parameters: nil when absent (reduce over everything).
    public func optionalDims(_ name: String) -> [Int]? {
        if case .null? = values[name] { return nil }
        return ints(name)
    }
    public func dtype(_ name: String) -> DType? {
        if case .string(let s) = values[name] { return DType(name: s) }
        return nil
    }
    /// A tensor or a scalar operand.
    public func operand(_ name: String) -> Operand {
        switch values[name] {
        case .tensor(let t): return .tensor(t)
        case .int(let i): return .scalar(.int(Int64(i)))
        case .float(let d): return .scalar(.float(d))
        case .bool(let b): return .scalar(.bool(b))
        default: preconditionFailure("\(spec.name).\(name) is not an operand")
        }
    }
    public func optionalOperand(_ name: String) -> Operand? {
        if case .null? = values[name] { return nil }
        return operand(name)
    }
    public func scalar(_ name: String) -> Scalar {
        guard case .scalar(let s) = operand(name) else { preconditionFailure("\(spec.name).\(name) is not a scalar") }
        return s
    }
}
