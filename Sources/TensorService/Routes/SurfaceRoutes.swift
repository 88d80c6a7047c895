import Foundation
import HTTPServer
import TensorEngine
import TensorWire

// GET /v1/jobs/{id}/surface: the loss of a two-parameter objective job on a grid, for the
// contour plot its optimizer path is drawn on.
extension TensorService {
    func addSurfaceRoutes() {
        add(.get, "/v1/jobs/{id}/surface") { [unowned self] request, params in
            let id = params["id"] ?? ""
            guard let record = try jobs.job(id)?.record else { throw Problem.notFound("no job '\(id)'") }
            guard case .objective(let objective) = try jobs.parse(record).kind else {
                throw Problem.invalidArgument("job \(id) fits a model; a loss surface belongs to an objective job", pointer: "")
            }
            let (x, y) = (try range(request, "x"), try range(request, "y"))
            let n = try queryInt(request, "n", range: 2...Int.max) ?? 41
            let (points, overflow) = n.multipliedReportingOverflow(by: n)
            guard !overflow, points <= configuration.maxSurfacePoints else {
                throw Problem.invalidArgument("n² must be at most \(configuration.maxSurfacePoints) (the surface point limit), got n = \(n)", pointer: "/n")
            }
            // Each point evaluates the whole program: bound the elements its constants make it
            // read in total, so a large dataset cannot turn one request into minutes on a lane.
            let perPoint = objective.constants.values.reduce(2) { $0 + $1.count }
            let (work, workOverflow) = points.multipliedReportingOverflow(by: perPoint)
            guard !workOverflow, work <= configuration.maxElements else {
                throw Problem.invalidArgument("n² × the objective's \(perPoint) elements must be at most \(configuration.maxElements) (the element limit); use a smaller n", pointer: "/n")
            }
            let surface = try compute { try LossSurface(objective, pointer: "").evaluate(x: x, y: y, n: n) }
            return .json(capacity: 32 * points + 256) { w in
                w.beginObject()
                w.key("params"); w.beginArray(); for k in surface.keys { w.string(k) }; w.endArray()
                w.key("x"); w.beginArray(); for v in surface.xs { w.float(v) }; w.endArray()
                w.key("y"); w.beginArray(); for v in surface.ys { w.float(v) }; w.endArray()
                w.key("loss")
                w.beginArray()
                for row in surface.loss {
                    w.beginArray()
                    for v in row { JobJSON.value(v, into: &w) }
                    w.endArray()
                }
                w.endArray()
                w.endObject()
            }
        }
    }

    /// `x=lo,hi`: a finite, non-empty interval.
    private func range(_ request: Request, _ name: String) throws -> (Double, Double) {
        guard let text = request.queryValue(name) else { throw Problem.badRequest("missing query parameter '\(name)' (as \(name)=min,max)", pointer: "/\(name)") }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let lo = parts[0], let hi = parts[1], lo.isFinite, hi.isFinite, lo < hi else {
            throw Problem.invalidArgument("\(name) must be two finite numbers min,max with min < max, got '\(text)'", pointer: "/\(name)")
        }
        return (lo, hi)
    }
}

/// The loss of an objective with exactly two parameter elements (one parameter of two
/// elements, or two scalars), evaluated on an n×n grid without gradients.
struct LossSurface {
    let objective: ObjectiveSpec
    /// The metric keys of the two elements (`p[0]`, `p[1]`), as the trajectory records them.
    let keys: [String]

    init(_ objective: ObjectiveSpec, pointer: String) throws {
        let counts = objective.params.map(\.tensor.count)
        guard counts.reduce(0, +) == 2 else {
            throw Problem.invalidArgument("a loss surface needs exactly two parameter elements; this objective has \(counts.reduce(0, +))", pointer: pointer)
        }
        self.objective = objective
        keys = objective.params.flatMap { ObjectiveSpec.trajectoryKeys($0.name, count: $0.tensor.count, scalar: $0.tensor.ndim == 0) }
    }

    /// `loss[i][j]` is the loss at (`xs[j]`, `ys[i]`): rows run along y, as a contour plot reads them.
    func evaluate(x: (Double, Double), y: (Double, Double), n: Int) throws -> (keys: [String], xs: [Double], ys: [Double], loss: [[Double]]) {
        let xs = (0..<n).map { x.0 + (x.1 - x.0) * Double($0) / Double(n - 1) }
        let ys = (0..<n).map { y.0 + (y.1 - y.0) * Double($0) / Double(n - 1) }
        let loss = try GradMode.withoutGrad {
            try ys.map { py in try xs.map { px in try lossAt(px, py) } }
        }
        return (keys, xs, ys, loss)
    }

    private func lossAt(_ a: Double, _ b: Double) throws -> Double {
        var inputs = objective.constants
        var values = [a, b][...]
        for p in objective.params {
            let mine = Array(values.prefix(p.tensor.count))
            values = values.dropFirst(p.tensor.count)
            inputs[p.name] = try Tensor(mine, shape: p.tensor.shape).cast(to: p.tensor.dtype)
        }
        var evaluator = Evaluator(inputs: inputs)
        try evaluator.run(objective.program)
        return try evaluator.tensor(named: "loss").item()
    }
}
