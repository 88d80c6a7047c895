import TensorEngine

/// An objective job: minimise the statement `loss` of a program over named parameters.
struct ObjectiveSpec {
    /// Parameters in the order the spec gives them.
    var params: [(name: String, tensor: Tensor)]
    var constants: [String: Tensor]
    var source: String
    var program: Program
    var steps: Int

    static func parse(_ body: RequestBody, parserLimits: ExpressionParser.Limits, tensor: JobSpec.TensorSource) throws -> ObjectiveSpec {
        guard let o = try body.object("objective") else { throw Problem.badRequest("missing required field 'objective'", pointer: "/objective") }
        try o.allowOnly(["params", "tensors", "expr"])
        guard let steps = try body.int("steps") else { throw Problem.badRequest("missing required field 'steps'", pointer: "/steps") }
        guard steps >= 1 else { throw JobSpec.invalid("steps must be ≥ 1, got \(steps)", "/steps") }
        guard o["params"] != nil else { throw Problem.badRequest("missing required field 'params'", pointer: "/objective/params") }
        let params = try o.members("params").map { name, json, pointer -> (name: String, tensor: Tensor) in
            guard isIdentifier(name) else { throw JobSpec.invalid("'\(name)' is not a name the expression language can use", pointer) }
            let t = try tensor(json, pointer)
            guard t.dtype.isFloating else { throw JobSpec.invalid("parameter '\(name)' must be floating, got \(t.dtype)", pointer) }
            return (name, t)
        }
        guard !params.isEmpty else { throw JobSpec.invalid("an objective needs at least one parameter", "/objective/params") }
        var constants: [String: Tensor] = [:]
        for (name, json, pointer) in try o.members("tensors") {
            guard isIdentifier(name) else { throw JobSpec.invalid("'\(name)' is not a name the expression language can use", pointer) }
            guard !params.contains(where: { $0.name == name }) else { throw JobSpec.invalid("'\(name)' is both a parameter and a tensor", pointer) }
            constants[name] = try tensor(json, pointer)
        }
        guard let source = try o.string("expr") else { throw Problem.badRequest("missing required field 'expr'", pointer: "/objective/expr") }
        let program: Program
        do {
            program = try ExpressionParser.parse(source, limits: parserLimits)
        } catch let e as ExpressionError {
            throw JobSpec.invalid(e.description, "/objective/expr")
        }
        guard program.assignedNames.contains("loss") else {
            throw JobSpec.invalid("the program must assign 'loss' (the value to minimise), as in 'loss = sum(p ** 2)'", "/objective/expr")
        }
        return ObjectiveSpec(params: params, constants: constants, source: source, program: program, steps: steps)
    }

    /// The metric keys of a parameter's elements: `p` for a 0-d parameter, else `p[i]`
    /// with `i` the row-major index.
    static func trajectoryKeys(_ name: String, count: Int, scalar: Bool) -> [String] {
        scalar ? [name] : (0..<count).map { "\(name)[\($0)]" }
    }

    private static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || (first.properties.isAlphabetic && first.isASCII) else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }
}
