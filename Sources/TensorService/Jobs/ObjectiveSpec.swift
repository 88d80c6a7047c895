import TensorEngine

/// An objective job: minimise the statement `loss` of a program over named parameters.
struct ObjectiveSpec {
    /// Parameters in the order the spec gives them.
    var params: [(name: String, tensor: Tensor)]
    var constants: [String: Tensor]
    var source: String
    var program: Program
    var steps: Int
    /// Whether every parameter element is recorded at every step (`maxTrajectoryElements`).
    var recordsTrajectory: Bool

    static func parse(_ body: RequestBody, parserLimits: ExpressionParser.Limits, bounds: JobSpec.Bounds,
                      tensor: JobSpec.TensorSource) throws -> ObjectiveSpec {
        guard let o = try body.object("objective") else { throw Problem.badRequest("missing required field 'objective'", pointer: "/objective") }
        try o.allowOnly(["params", "tensors", "expr"])
        guard let steps = try body.int("steps") else { throw Problem.badRequest("missing required field 'steps'", pointer: "/steps") }
        guard steps >= 1 else { throw JobSpec.invalid("steps must be ≥ 1, got \(steps)", "/steps") }
        try JobSpec.check(steps, atMost: bounds.jobs.maxSteps, "steps", flag: "--max-job-steps", "/steps")
        guard o["params"] != nil else { throw Problem.badRequest("missing required field 'params'", pointer: "/objective/params") }
        let params = try o.members("params").map { name, json, pointer -> (name: String, tensor: Tensor) in
            guard isIdentifier(name) else { throw JobSpec.invalid("'\(name)' is not a name the expression language can use", pointer) }
            let t = try tensor(json, pointer)
            guard t.dtype.isFloating else { throw JobSpec.invalid("parameter '\(name)' must be floating, got \(t.dtype)", pointer) }
            return (name, t)
        }
        guard !params.isEmpty else { throw JobSpec.invalid("an objective needs at least one parameter", "/objective/params") }
        // Each tensor is within the element limit already; their sum must be too.
        var total = 0
        for p in params {
            let (sum, overflow) = total.addingReportingOverflow(p.tensor.count)
            guard !overflow, sum <= bounds.maxElements else {
                throw JobSpec.invalid("the parameters have more than \(bounds.maxElements) elements in all (--max-elements)", "/objective/params")
            }
            total = sum
        }
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
        return ObjectiveSpec(params: params, constants: constants, source: source, program: program, steps: steps,
                             recordsTrajectory: total <= bounds.jobs.maxTrajectoryElements)
    }

    /// Runs the program with `params` (in the spec's order) and returns `loss`, which must
    /// be a floating tensor with one element.
    func loss(_ params: [Tensor]) throws -> Tensor {
        // A program that changes tensors in place gets copies of the constants, which serve every step.
        var inputs = program.changesTensorsInPlace ? constants.mapValues { $0.copied() } : constants
        for (i, p) in self.params.enumerated() { inputs[p.name] = params[i] }
        var evaluator = Evaluator(inputs: inputs)
        try evaluator.run(program)
        let loss = try evaluator.tensor(named: "loss")
        guard loss.count == 1, loss.dtype.isFloating else {
            throw Problem(status: 422, code: "invalid_argument", title: "Invalid argument",
                          detail: "'loss' must be a floating tensor with one element, got \(loss.dtype) \(loss.shape)",
                          errors: [.init(pointer: "/objective/expr", detail: "'loss' has shape \(loss.shape)")])
        }
        return loss
    }

    /// The tensors a step differentiates: copies when the program changes tensors in place,
    /// since the optimizer owns the parameters (and the dry run must not change the spec's).
    func leaves(_ params: [Tensor]) -> [Tensor] {
        params.map { (program.changesTensorsInPlace ? $0.copied() : $0).requiringGrad() }
    }

    /// Evaluates the program once on the initial parameters, as the first step would: a
    /// program that cannot run (an unknown name, shapes that do not fit, an op it lacks) is
    /// refused at submission with a pointer into the spec instead of failing at step 0.
    func dryRun() throws {
        do {
            _ = try loss(leaves(params.map(\.tensor)))
        } catch {
            throw JobExecution.problem(for: error)
        }
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
